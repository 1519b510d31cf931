// engine_bench: db_bench-style named workloads against the engine, always durable (every group
// is synced before its results are reported).
//
//   engine_bench --workload uniform --accounts 1000000 --batch 8189 --submitters 2 --seconds 10
//
// Workloads: uniform (random pairs of accounts), hot (90 % of transfers touch one of 10 accounts:
// a busy village supermarket), replay (10 % of each batch resends ids sent before: a terminal's
// retries), pending (each batch holds pending transfers and posts the previous batch's holds).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "points/engine.h"
#include "points/limits.h"

namespace points {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  std::string workload = "uniform";
  uint64_t accounts = 1'000'000;
  uint64_t batch = kBatchEventsMax;
  uint64_t submitters = 1;
  double seconds = 10;
  uint64_t transfers = 0;  // stop after this many instead (0: run for `seconds`)
  bool reopen = false;     // close and time a reopen afterwards
  bool async = false;      // submitters are in-flight callbacks, not threads
  bool json = false;
  std::string dir;  // default: a fresh directory under /tmp, removed afterwards
};

// The flags (CLI11: `engine_bench --help` is generated from them); a bad one exits 2 with the
// reason, --help exits 0.
Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  CLI::App app("db_bench-style named workloads against the engine, every group synced",
               "engine_bench");
  app.add_option("--workload", flags.workload,
                 "uniform: random account pairs; hot: 90% through 10 accounts; replay: 10% of "
                 "each batch resends earlier ids; pending: holds, then posts")
      ->check(CLI::IsMember({"uniform", "hot", "replay", "pending"}))
      ->capture_default_str();
  app.add_option("--accounts", flags.accounts, "accounts created before the run")
      ->check(CLI::Range(uint64_t{20}, uint64_t{kAccountsMax}))
      ->capture_default_str();
  app.add_option("--batch", flags.batch, "transfers per submitted batch")
      ->check(CLI::Range(uint64_t{1}, uint64_t{kBatchEventsMax}))
      ->capture_default_str();
  app.add_option("--submitters", flags.submitters, "threads submitting batches concurrently")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1024}))
      ->capture_default_str();
  app.add_option("--seconds", flags.seconds, "length of the timed run")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--transfers", flags.transfers,
                 "stop after this many transfers instead of after --seconds");
  app.add_flag("--reopen", flags.reopen, "afterwards close the store and time reopening it");
  app.add_flag("--async", flags.async,
               "each submitter is one batch kept in flight with the engine's callback API (as a "
               "gRPC callback server uses it) instead of a thread blocking on it");
  app.add_flag("--json", flags.json, "print one JSON object instead of text");
  app.add_option("--dir", flags.dir,
                 "data directory (default: a fresh one under /tmp, removed afterwards)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error) == 0 ? 0 : 2);
  }
  return flags;
}

constexpr uint32_t kLedger = 1;
Id AccountId(uint64_t n) { return absl::MakeUint128(0xA, n + 1); }

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t DiskWriteBytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return 0;
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

void CheckOk(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "engine_bench: %s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

void CreateAccounts(Engine& engine, uint64_t count) {
  std::vector<Account> batch;
  for (uint64_t n = 0; n < count; ++n) {
    Account a;
    a.id = AccountId(n);
    a.ledger = kLedger;
    a.code = 1;
    batch.push_back(a);
    if (batch.size() == kBatchEventsMax || n + 1 == count) {
      auto results = engine.CreateAccounts(std::move(batch));
      CheckOk(results.status(), "create accounts");
      for (const auto& r : *results) {
        if (r.result != CreateAccountResult::kOk && r.result != CreateAccountResult::kExists) {
          CheckOk(absl::InternalError(std::string(ResultName(r.result))), "create account");
        }
      }
      batch.clear();
    }
  }
}

// Builds one submitter's batches for the chosen workload.
class BatchMaker {
 public:
  BatchMaker(const Flags& flags, uint64_t submitter)
      : flags_(flags), submitter_(submitter), random_(submitter * 7919 + 1) {}

  std::vector<Transfer> Next() {
    std::vector<Transfer> batch;
    batch.reserve(flags_.batch);
    const bool pending = flags_.workload == "pending";
    if (pending) {
      for (const Transfer& hold : holds_) {
        if (batch.size() == flags_.batch) break;
        Transfer post;
        post.id = NewId();
        post.pending_id = hold.id;
        post.flags = kTransferPostPendingTransfer;
        batch.push_back(post);
      }
      holds_.clear();
    }
    while (batch.size() < flags_.batch) {
      if (flags_.workload == "replay" && !sent_.empty() && Uniform(10) == 0) {
        batch.push_back(sent_[Uniform(sent_.size())]);
        continue;
      }
      Transfer t;
      t.id = NewId();
      PickAccounts(&t);
      t.amount = 1 + Uniform(100);
      t.ledger = kLedger;
      t.code = 1;
      if (pending) {
        t.flags = kTransferPending;
        holds_.push_back(t);
      }
      batch.push_back(t);
      if (flags_.workload == "replay" && sent_.size() < (1u << 16)) sent_.push_back(t);
    }
    return batch;
  }

 private:
  uint64_t Uniform(uint64_t n) {
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(random_);
  }
  Id NewId() { return absl::MakeUint128(submitter_ + 1, ++sequence_); }

  void PickAccounts(Transfer* t) {
    uint64_t debit = Uniform(flags_.accounts);
    uint64_t credit = Uniform(flags_.accounts);
    if (flags_.workload == "hot" && Uniform(10) != 0) {
      // The shop (one of 10 hot accounts) takes points from a random household.
      credit = Uniform(10);
      if (debit < 10) debit = 10 + Uniform(flags_.accounts - 10);
    }
    if (debit == credit) credit = (credit + 1) % flags_.accounts;
    t->debit_account_id = AccountId(debit);
    t->credit_account_id = AccountId(credit);
  }

  const Flags& flags_;
  const uint64_t submitter_;
  std::mt19937_64 random_;
  uint64_t sequence_ = 0;
  std::vector<Transfer> holds_;
  std::vector<Transfer> sent_;
};

struct SubmitterResult {
  uint64_t transfers = 0;
  uint64_t failed = 0;  // events whose result was neither ok nor exists
  std::vector<double> batch_latency_us;
};

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

// What one run measured, for its report.
struct Figures {
  double elapsed = 0, tps = 0, p50 = 0, p99 = 0, events_per_group = 0;
  uint64_t transfers = 0, failed = 0;
  double journal_bytes_per_transfer = 0, disk_bytes_per_transfer = 0;
  double apply_us_per_group = 0, write_us_per_group = 0;
  double rss_per_account = 0, store_per_account = 0;
  double reopen_seconds = -1;
  EngineStats reopened;  // the reopened engine's: its transfers and its open's phases
};

#ifdef NDEBUG
constexpr char kBuild[] = "release";
#else
constexpr char kBuild[] = "debug";
#endif

void PrintJson(const Flags& flags, const Figures& f) {
  const EngineStats& r = f.reopened;
  std::printf(
      "{\"workload\":\"%s\",\"accounts\":%llu,\"batch\":%llu,\"submitters\":%llu,"
      "\"async\":%s,\"seconds\":%.3f,\"transfers\":%llu,\"failed_events\":%llu,"
      "\"transfers_per_second\":%.0f,\"batch_latency_us_p50\":%.1f,"
      "\"batch_latency_us_p99\":%.1f,\"mean_group_events\":%.1f,"
      "\"journal_bytes_per_transfer\":%.1f,\"disk_write_bytes_per_transfer\":%.1f,"
      "\"apply_us_per_group\":%.0f,\"write_us_per_group\":%.0f,"
      "\"rss_bytes_per_account\":%.1f,\"store_cache_bytes_per_account\":%.1f,"
      "\"reopen_seconds\":%.3f,\"reopened_transfers\":%llu,\"reopen_from_snapshot\":%s,"
      "\"reopen_journal_open_ms\":%llu,\"reopen_snapshot_ms\":%llu,\"reopen_replay_ms\":%llu,"
      "\"reopen_check_ms\":%llu,\"build\":\"%s\",\"cpus\":%ld,\"cpu\":\"%s\"}\n",
      flags.workload.c_str(), (unsigned long long)flags.accounts, (unsigned long long)flags.batch,
      (unsigned long long)flags.submitters, flags.async ? "true" : "false", f.elapsed,
      (unsigned long long)f.transfers, (unsigned long long)f.failed, f.tps, f.p50, f.p99,
      f.events_per_group, f.journal_bytes_per_transfer, f.disk_bytes_per_transfer,
      f.apply_us_per_group, f.write_us_per_group, f.rss_per_account, f.store_per_account,
      f.reopen_seconds, (unsigned long long)r.transfers,
      r.recovered_from_snapshot ? "true" : "false", (unsigned long long)r.open_journal_ms,
      (unsigned long long)r.recovery_snapshot_ms, (unsigned long long)r.recovery_replay_ms,
      (unsigned long long)r.recovery_check_ms, kBuild, sysconf(_SC_NPROCESSORS_ONLN),
      CpuModel().c_str());
}

void PrintText(const Flags& flags, const Figures& f) {
  std::printf("machine:     %ld cpus, %s; build %s\n", sysconf(_SC_NPROCESSORS_ONLN),
              CpuModel().c_str(), kBuild);
  std::printf("workload:    %s, %llu accounts, batch %llu, %llu %s submitters, %.1f s\n",
              flags.workload.c_str(), (unsigned long long)flags.accounts,
              (unsigned long long)flags.batch, (unsigned long long)flags.submitters,
              flags.async ? "async" : "thread", f.elapsed);
  std::printf("throughput:  %.0f durable transfers/s (%llu transfers, %llu failed events)\n", f.tps,
              (unsigned long long)f.transfers, (unsigned long long)f.failed);
  std::printf("latency:     batch p50 %.0f us, p99 %.0f us; %.1f events per sync\n", f.p50, f.p99,
              f.events_per_group);
  std::printf("writer:      %.0f us apply + %.0f us hash, write and sync per group\n",
              f.apply_us_per_group, f.write_us_per_group);
  std::printf("bytes:       %.1f journal bytes/transfer, %.1f disk bytes/transfer\n",
              f.journal_bytes_per_transfer, f.disk_bytes_per_transfer);
  std::printf(
      "memory:      %.1f resident bytes per account (%.1f of them the store's memtables "
      "and block cache)\n",
      f.rss_per_account, f.store_per_account);
  if (!flags.reopen) return;
  const EngineStats& r = f.reopened;
  std::printf("reopen:      %.3f s for %llu transfers (%s)\n", f.reopen_seconds,
              (unsigned long long)r.transfers,
              r.recovered_from_snapshot ? "snapshot + journal tail" : "whole journal replayed");
  std::printf(
      "             %llu ms opening the journal's RocksDB, %llu ms reading the snapshot, "
      "%llu ms replaying, %llu ms checking\n",
      (unsigned long long)r.open_journal_ms, (unsigned long long)r.recovery_snapshot_ms,
      (unsigned long long)r.recovery_replay_ms, (unsigned long long)r.recovery_check_ms);
}

int Run(const Flags& flags) {
  std::string dir = flags.dir;
  const bool temporary = dir.empty();
  if (temporary) {
    char pattern[] = "/tmp/engine-bench-XXXXXX";
    dir = mkdtemp(pattern);
  }
  const uint64_t rss_empty = ResidentBytes();
  auto opened = Engine::Open(Options(), dir);
  CheckOk(opened.status(), "open");
  std::unique_ptr<Engine> engine = *std::move(opened);
  const EngineStats at_open = engine->Stats();
  if (at_open.transfers > 0) {
    std::fprintf(
        stderr, "opened %s: %llu transfers recovered in %llu ms (%s)\n", dir.c_str(),
        (unsigned long long)at_open.transfers, (unsigned long long)at_open.recovery_ms,
        at_open.recovered_from_snapshot ? "snapshot + journal tail" : "whole journal replayed");
  }
  CreateAccounts(*engine, flags.accounts);
  const uint64_t rss_accounts = ResidentBytes();
  const EngineStats stats_before = engine->Stats();
  const uint64_t journal_bytes_before = stats_before.journal_bytes;
  const uint64_t groups_before = stats_before.groups_committed;
  const uint64_t disk_before = DiskWriteBytes();

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> submitted{0};
  std::vector<SubmitterResult> results(flags.submitters);
  const auto start = Clock::now();
  auto account = [&](SubmitterResult& out, size_t size,
                     const std::vector<TransferEventResult>& events, Clock::time_point sent) {
    out.batch_latency_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
    for (const auto& e : events) {
      if (e.result != CreateTransferResult::kOk && e.result != CreateTransferResult::kExists) {
        ++out.failed;
      }
    }
    out.transfers += size;
    const uint64_t total = submitted.fetch_add(size) + size;
    if (flags.transfers != 0 && total >= flags.transfers) stop = true;
  };
  if (flags.async) {
    // Closed loop without threads: each completion submits that submitter's next batch.
    std::vector<std::unique_ptr<BatchMaker>> makers;
    std::atomic<uint64_t> in_flight{flags.submitters};
    std::function<void(uint64_t)> send = [&](uint64_t s) {
      std::vector<Transfer> batch = makers[s]->Next();
      const size_t size = batch.size();
      const auto sent = Clock::now();
      engine->SubmitCreateTransfers(
          std::move(batch), [&, s, size, sent](absl::StatusOr<std::vector<TransferEventResult>> r) {
            CheckOk(r.status(), "create transfers");
            account(results[s], size, *r, sent);
            if (stop.load()) {
              in_flight.fetch_sub(1);
            } else {
              send(s);
            }
          });
    };
    for (uint64_t s = 0; s < flags.submitters; ++s) {
      makers.push_back(std::make_unique<BatchMaker>(flags, s));
    }
    for (uint64_t s = 0; s < flags.submitters; ++s) send(s);
    if (flags.transfers == 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(flags.seconds));
      stop = true;
    }
    while (in_flight.load() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  } else {
    std::vector<std::thread> threads;
    for (uint64_t s = 0; s < flags.submitters; ++s) {
      threads.emplace_back([&, s] {
        BatchMaker maker(flags, s);
        while (!stop.load(std::memory_order_relaxed)) {
          std::vector<Transfer> batch = maker.Next();
          const size_t size = batch.size();
          const auto sent = Clock::now();
          auto r = engine->CreateTransfers(std::move(batch));
          CheckOk(r.status(), "create transfers");
          account(results[s], size, *r, sent);
        }
      });
    }
    if (flags.transfers == 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(flags.seconds));
      stop = true;
    }
    for (auto& t : threads) t.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  SubmitterResult all;
  for (auto& r : results) {
    all.transfers += r.transfers;
    all.failed += r.failed;
    all.batch_latency_us.insert(all.batch_latency_us.end(), r.batch_latency_us.begin(),
                                r.batch_latency_us.end());
  }
  const EngineStats stats = engine->Stats();
  const double journal_bytes_per_transfer =
      static_cast<double>(stats.journal_bytes - journal_bytes_before) / all.transfers;
  const double groups = static_cast<double>(stats.groups_committed - groups_before);
  const EngineStats& setup = stats_before;
  const double apply_us_per_group = (stats.apply_us_total - setup.apply_us_total) / groups;
  const double write_us_per_group = (stats.write_us_total - setup.write_us_total) / groups;
  engine.reset();  // flushes RocksDB: its bytes count too
  const double disk_bytes_per_transfer =
      static_cast<double>(DiskWriteBytes() - disk_before) / all.transfers;

  Figures f;
  f.elapsed = elapsed;
  f.transfers = all.transfers;
  f.failed = all.failed;
  f.tps = all.transfers / elapsed;
  f.p50 = Percentile(all.batch_latency_us, 0.50);
  f.p99 = Percentile(all.batch_latency_us, 0.99);
  f.events_per_group = groups > 0 ? all.transfers / groups : 0.0;
  f.journal_bytes_per_transfer = journal_bytes_per_transfer;
  f.disk_bytes_per_transfer = disk_bytes_per_transfer;
  f.apply_us_per_group = apply_us_per_group;
  f.write_us_per_group = write_us_per_group;
  f.rss_per_account =
      static_cast<double>(rss_accounts - rss_empty) / static_cast<double>(flags.accounts);
  // Of that, what the store's memtables and block cache held then: bounded by their sizes, not
  // by the accounts (the accounts' creation records pass through the memtables).
  f.store_per_account = static_cast<double>(stats_before.store_memtable_bytes +
                                            stats_before.store_block_cache_bytes) /
                        static_cast<double>(flags.accounts);
  if (flags.reopen) {
    const auto reopen_start = Clock::now();
    auto again = Engine::Open(Options(), dir);
    CheckOk(again.status(), "reopen");
    f.reopen_seconds = std::chrono::duration<double>(Clock::now() - reopen_start).count();
    f.reopened = (*again)->Stats();
  }
  if (temporary) std::filesystem::remove_all(dir);
#ifndef NDEBUG
  std::fprintf(stderr, "WARNING: assertions-only debug code is compiled in; figures are low\n");
#endif
  flags.json ? PrintJson(flags, f) : PrintText(flags, f);
  return 0;
}

}  // namespace
}  // namespace points

int main(int argc, char** argv) { return points::Run(points::ParseFlags(argc, argv)); }

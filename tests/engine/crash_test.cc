// Crash recovery under load: a child process (crash_child.cc) writes from several threads and is
// SIGKILLed at a random moment; the parent reopens the store and checks that every acknowledged
// result is still true, that nothing unacknowledged is half applied, that the invariants hold
// and that Verify passes. Cycles: $POINTS_CRASH_CYCLES (default 20), seed: $POINTS_TEST_SEED.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using TR = CreateTransferResult;

struct Event {
  Transfer transfer;
  bool acked = false;
  TR result = TR::kOk;
  uint64_t timestamp = 0;
};

// What the parent learned from one child's output.
struct ChildLog {
  bool ready = false;
  std::vector<std::vector<Event>> batches;  // announced batches, acks filled in where received
};

Id AccountId(uint64_t n) { return absl::MakeUint128(0xC, n); }

// Parses complete lines only: a kill may have cut the last one, or a batch, short.
void ParseOutput(const std::string& output, ChildLog* log) {
  absl::flat_hash_map<Id, std::vector<std::pair<size_t, size_t>>> unacked;  // id -> positions
  std::istringstream lines(output.substr(0, output.rfind('\n') + 1));
  std::string line;
  std::vector<Event> batch;
  size_t batch_left = 0;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    char kind;
    fields >> kind;
    if (kind == 'R') {
      log->ready = true;
    } else if (kind == 'B') {
      fields >> batch_left;
      batch.clear();
    } else if (kind == 'E') {
      uint64_t hi, lo, debit, credit, amount, flags, pending_hi, pending_lo;
      fields >> hi >> lo >> debit >> credit >> amount >> flags >> pending_hi >> pending_lo;
      Event e;
      e.transfer.id = absl::MakeUint128(hi, lo);
      if (debit != 0) e.transfer.debit_account_id = AccountId(debit);
      if (credit != 0) e.transfer.credit_account_id = AccountId(credit);
      e.transfer.amount = amount;
      e.transfer.flags = static_cast<uint16_t>(flags);
      e.transfer.pending_id = absl::MakeUint128(pending_hi, pending_lo);
      const bool resolving = flags & (kTransferPostPendingTransfer | kTransferVoidPendingTransfer);
      e.transfer.ledger = resolving ? 0 : 1;
      e.transfer.code = resolving ? 0 : 1;
      batch.push_back(e);
      if (--batch_left == 0) {
        for (size_t i = 0; i < batch.size(); ++i) {
          unacked[batch[i].transfer.id].push_back({log->batches.size(), i});
        }
        log->batches.push_back(batch);
      }
    } else if (kind == 'A') {
      uint64_t hi, lo, ts;
      uint32_t result;
      fields >> hi >> lo >> result >> ts;
      auto it = unacked.find(absl::MakeUint128(hi, lo));
      ASSERT_TRUE(it != unacked.end() && !it->second.empty()) << "ack without announcement";
      // Acks of one batch come in order, and a batch is acked before its thread sends another.
      auto [b, i] = it->second.front();
      it->second.erase(it->second.begin());
      Event& e = log->batches[b][i];
      e.acked = true;
      e.result = static_cast<TR>(result);
      e.timestamp = ts;
    }
  }
}

// Runs the child until a random moment after it is ready, kills it, returns its output.
std::string RunAndKill(const std::string& dir, uint64_t cycle, uint64_t seed,
                       std::mt19937_64& random) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return "";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    const std::string cycle_text = std::to_string(cycle);
    const std::string seed_text = std::to_string(seed);
    execl(CRASH_CHILD_PATH, CRASH_CHILD_PATH, dir.c_str(), cycle_text.c_str(), seed_text.c_str(),
          nullptr);
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[1 << 16];
  using Clock = std::chrono::steady_clock;
  const auto kill_after = std::chrono::milliseconds(20 + random() % 400);
  Clock::time_point deadline = Clock::time_point::max();
  bool killed = false;
  for (;;) {
    if (!killed && output.find("R\n") != std::string::npos &&
        deadline == Clock::time_point::max()) {
      deadline = Clock::now() + kill_after;
    }
    if (!killed && Clock::now() >= deadline) {
      kill(pid, SIGKILL);
      killed = true;
    }
    pollfd fd{pipe_fds[0], POLLIN, 0};
    poll(&fd, 1, 5);
    if (fd.revents & (POLLIN | POLLHUP)) {
      const ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
      if (n <= 0) break;  // EOF: the child is gone
      output.append(buffer, n);
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child ended by itself (status " << status << "): see its stderr above";
  return output;
}

bool IsRecordedFailure(TR result) {
  return RecordsFailedId(result) || result == TR::kIdAlreadyFailed;
}

TEST(CrashTest, AcknowledgedResultsSurviveSigkill) {
  const uint64_t seed = testing::TestSeed(20261122);
  const char* cycles_text = std::getenv("POINTS_CRASH_CYCLES");
  const uint64_t cycles = cycles_text != nullptr ? std::strtoull(cycles_text, nullptr, 10) : 20;
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (rerun with POINTS_TEST_SEED=", seed, ")"));
  std::mt19937_64 random(seed);
  testing::TempDir dir;
  // Every acknowledged ok/exists transfer, with the timestamp it was acknowledged with.
  absl::flat_hash_map<Id, std::pair<Transfer, uint64_t>> committed;
  absl::flat_hash_map<Id, TR> failed;  // acknowledged failures recorded in the journal
  uint64_t acked_events = 0;
  uint64_t unacked_chains = 0;
  uint64_t snapshot_recoveries = 0;

  for (uint64_t cycle = 1; cycle <= cycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    ChildLog log;
    ParseOutput(RunAndKill(dir.path(), cycle, seed + cycle, random), &log);
    ASSERT_TRUE(log.ready) << "the child never opened the store";

    auto opened = Engine::Open(Options(), dir.path());
    ASSERT_TRUE(opened.ok()) << opened.status();
    Engine& engine = **opened;
    // The full checks (every acknowledged id of every cycle, and Verify's replay of the whole
    // journal) grow with the journal; a long run does them every 10th cycle and at the end.
    const bool full_check = cycles <= 20 || cycle % 10 == 0 || cycle == cycles;
    if (full_check) {
      ASSERT_TRUE(engine.Verify().ok());
    }
    if (engine.Stats().recovered_from_snapshot) ++snapshot_recoveries;

    std::vector<Transfer> resend;
    for (const auto& batch : log.batches) {
      // All or nothing for every chain, acknowledged or not.
      size_t chain_start = 0;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].transfer.flags & kTransferLinked) continue;
        std::vector<Id> ids;
        for (size_t j = chain_start; j <= i; ++j) ids.push_back(batch[j].transfer.id);
        if (ids.size() > 1) {
          auto found = engine.LookupTransfers(ids);
          ASSERT_TRUE(found.ok());
          EXPECT_TRUE(found->empty() || found->size() == ids.size())
              << "chain half applied: " << found->size() << " of " << ids.size();
          if (!batch[i].acked) ++unacked_chains;
        }
        chain_start = i + 1;
      }
      for (const Event& e : batch) {
        if (!e.acked) continue;
        ++acked_events;
        const Id id = e.transfer.id;
        if (e.result == TR::kOk || e.result == TR::kExists) {
          auto [it, inserted] = committed.try_emplace(id, e.transfer, e.timestamp);
          EXPECT_EQ(it->second.second, e.timestamp) << "one id, two timestamps";
          EXPECT_FALSE(failed.contains(id)) << "an id both failed and succeeded";
          if (!(e.transfer.flags & kTransferLinked)) resend.push_back(e.transfer);
        } else if (IsRecordedFailure(e.result)) {
          failed.try_emplace(id, e.result);
          EXPECT_FALSE(committed.contains(id)) << "an id both failed and succeeded";
          if (!(e.transfer.flags & kTransferLinked)) resend.push_back(e.transfer);
        }
      }
    }
    // Every acknowledged transfer (of every cycle so far, or of this one) is there, once, as
    // acknowledged.
    std::vector<Id> ids;
    if (full_check) {
      for (const auto& [id, entry] : committed) ids.push_back(id);
    } else {
      for (const Transfer& t : resend) {
        if (committed.contains(t.id)) ids.push_back(t.id);
      }
    }
    for (size_t start = 0; start < ids.size(); start += 4096) {
      const size_t count = std::min<size_t>(4096, ids.size() - start);
      auto found = engine.LookupTransfers(absl::MakeConstSpan(ids).subspan(start, count));
      ASSERT_TRUE(found.ok());
      ASSERT_EQ(found->size(), count) << "an acknowledged transfer is missing";
      for (const Transfer& t : *found) {
        const auto& [sent, timestamp] = committed.at(t.id);
        Transfer expected = sent;
        expected.timestamp = timestamp;
        EXPECT_EQ(t, expected);
      }
    }
    // Resending this cycle's acknowledged events changes nothing and reports the same outcome.
    for (size_t start = 0; start < resend.size(); start += 4096) {
      const size_t count = std::min<size_t>(4096, resend.size() - start);
      std::vector<Transfer> batch(resend.begin() + start, resend.begin() + start + count);
      auto results = engine.CreateTransfers(batch);
      ASSERT_TRUE(results.ok()) << results.status();
      for (size_t i = 0; i < count; ++i) {
        const TR expected = committed.contains(batch[i].id) ? TR::kExists : TR::kIdAlreadyFailed;
        EXPECT_EQ((*results)[i].result, expected) << ResultName((*results)[i].result);
      }
    }
    if (full_check) {
      ASSERT_TRUE(engine.Verify().ok());
    }
  }
  std::printf(
      "crash test: %llu cycles, %llu acknowledged events, %zu transfers, %zu failed ids, "
      "%llu unacknowledged chains checked, %llu recoveries from a snapshot\n",
      (unsigned long long)cycles, (unsigned long long)acked_events, committed.size(), failed.size(),
      (unsigned long long)unacked_chains, (unsigned long long)snapshot_recoveries);
}

}  // namespace
}  // namespace points

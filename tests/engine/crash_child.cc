// The writer half of crash_test: opens the store, then submits a random mix of transfers from
// several threads until it is killed. On stdout it announces every event before submitting it
// (a "B n" line and n "E ..." lines) and every acknowledged result after the engine reported it
// ("A ..."), so the parent knows exactly what was acknowledged when SIGKILL arrived. A kill can
// cut the last write short; the parent ignores an unfinished line or batch.
//
//   engine_crash_child DIR CYCLE SEED
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "points/engine.h"

namespace points {
namespace {

constexpr uint32_t kLedger = 1;
constexpr uint64_t kPlainAccounts = 50;  // ids 1..50 without floors
constexpr uint64_t kFloorAccounts = 10;  // ids 51..60 with debits_must_not_exceed_credits
constexpr int kThreads = 4;

Id AccountId(uint64_t n) { return absl::MakeUint128(0xC, n); }

std::mutex out_mu;
void Emit(const std::string& line) {
  std::lock_guard<std::mutex> lock(out_mu);
  // One write per line: the parent never sees half a line from a live process.
  if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    std::_Exit(3);
  }
}

void Die(const absl::Status& status) {
  std::fprintf(stderr, "crash_child: %s\n", status.ToString().c_str());
  std::_Exit(2);
}

class Writer {
 public:
  Writer(Engine& engine, uint64_t cycle, int thread, uint64_t seed)
      : engine_(engine), cycle_(cycle), thread_(thread), random_(seed * 131 + thread) {}

  void Run() {
    for (;;) {
      std::vector<Transfer> batch = MakeBatch();
      // The whole batch in one Emit, so that its lines stay together (chains are read from it).
      std::string announce = absl::StrFormat("B %d\n", batch.size());
      for (const Transfer& t : batch) announce += Announce(t);
      Emit(announce);
      auto results = engine_.CreateTransfers(batch);
      if (!results.ok()) Die(results.status());
      std::string acks;
      for (size_t i = 0; i < batch.size(); ++i) {
        acks += absl::StrFormat(
            "A %d %d %d %d\n", absl::Uint128High64(batch[i].id), absl::Uint128Low64(batch[i].id),
            static_cast<uint32_t>((*results)[i].result), (*results)[i].timestamp);
        if ((*results)[i].result == CreateTransferResult::kOk &&
            (batch[i].flags & kTransferPending)) {
          open_pending_.push_back(batch[i].id);
        }
      }
      Emit(acks);
      // Chains are never resent in part: a chain's tail resent alone is a new request that may
      // succeed where the chain failed, which the parent would read as a half-applied chain.
      bool in_chain = false;
      for (const Transfer& t : batch) {
        if (!in_chain && !(t.flags & kTransferLinked)) sent_.push_back(t);
        in_chain = (t.flags & kTransferLinked) != 0;
      }
    }
  }

 private:
  uint64_t Uniform(uint64_t n) {
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(random_);
  }

  Id NextId() {
    return absl::MakeUint128((cycle_ << 8) | static_cast<uint64_t>(thread_ + 1), ++sequence_);
  }

  Transfer Plain() {
    Transfer t;
    t.id = NextId();
    const uint64_t debit = 1 + Uniform(kPlainAccounts + kFloorAccounts);
    uint64_t credit = 1 + Uniform(kPlainAccounts + kFloorAccounts);
    if (credit == debit) credit = debit % (kPlainAccounts + kFloorAccounts) + 1;
    t.debit_account_id = AccountId(debit);
    t.credit_account_id = AccountId(credit);
    t.amount = 1 + Uniform(50);
    t.ledger = kLedger;
    t.code = 1;
    return t;
  }

  std::vector<Transfer> MakeBatch() {
    std::vector<Transfer> batch;
    const size_t size = 1 + Uniform(48);
    while (batch.size() < size) {
      const uint64_t kind = Uniform(100);
      if (kind < 10 && !sent_.empty()) {
        batch.push_back(sent_[Uniform(sent_.size())]);
      } else if (kind < 25) {
        const size_t length = 2 + Uniform(2);
        for (size_t i = 0; i < length; ++i) {
          Transfer t = Plain();
          if (i + 1 < length) t.flags |= kTransferLinked;
          batch.push_back(t);
        }
      } else if (kind < 32) {
        Transfer t = Plain();
        t.flags = kTransferPending;
        batch.push_back(t);
      } else if (kind < 38 && !open_pending_.empty()) {
        Transfer t;
        t.id = NextId();
        const size_t pick = Uniform(open_pending_.size());
        t.pending_id = open_pending_[pick];
        open_pending_.erase(open_pending_.begin() + pick);
        t.flags = Uniform(2) == 0 ? kTransferPostPendingTransfer : kTransferVoidPendingTransfer;
        batch.push_back(t);
      } else {
        batch.push_back(Plain());
      }
    }
    return batch;
  }

  static std::string Announce(const Transfer& t) {
    return absl::StrFormat("E %d %d %d %d %d %d %d %d\n", absl::Uint128High64(t.id),
                           absl::Uint128Low64(t.id), absl::Uint128Low64(t.debit_account_id),
                           absl::Uint128Low64(t.credit_account_id), t.amount, t.flags,
                           absl::Uint128High64(t.pending_id), absl::Uint128Low64(t.pending_id));
  }

  Engine& engine_;
  const uint64_t cycle_;
  const int thread_;
  std::mt19937_64 random_;
  uint64_t sequence_ = 0;
  std::vector<Transfer> sent_;
  std::vector<Id> open_pending_;
};

int Main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: engine_crash_child DIR CYCLE SEED\n");
    return 2;
  }
  const uint64_t cycle = std::strtoull(argv[2], nullptr, 10);
  const uint64_t seed = std::strtoull(argv[3], nullptr, 10);
  Options options;
  // Frequent snapshots, so that kills also land during snapshot writes and recovery replays a
  // snapshot plus a journal tail.
  options.snapshot_interval_records = 20000;
  auto opened = Engine::Open(options, argv[1]);
  if (!opened.ok()) Die(opened.status());
  Engine& engine = **opened;
  std::vector<Account> accounts;
  for (uint64_t n = 1; n <= kPlainAccounts + kFloorAccounts; ++n) {
    Account a;
    a.id = AccountId(n);
    a.ledger = kLedger;
    a.code = 1;
    if (n > kPlainAccounts) a.flags = kAccountDebitsMustNotExceedCredits;
    accounts.push_back(a);
  }
  auto created = engine.CreateAccounts(accounts);
  if (!created.ok()) Die(created.status());
  Emit("R\n");
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&engine, cycle, t, seed] { Writer(engine, cycle, t, seed).Run(); });
  }
  for (auto& thread : threads) thread.join();  // never: the parent kills us
  return 0;
}

}  // namespace
}  // namespace points

int main(int argc, char** argv) { return points::Main(argc, argv); }

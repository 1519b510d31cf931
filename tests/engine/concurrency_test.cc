// Many writers submit overlapping batches that share transfer ids (blocking and asynchronous
// submissions, the same id from several threads, sometimes twice in one batch) while readers look
// up every account at once. Afterwards every id is applied exactly once, the balances are the sum
// of the distinct transfers, and no reader ever saw a ledger whose debits and credits differed.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "points/limits.h"
#include "points/results.h"
#include "points/types.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using testing::MakeId;
using testing::TempDir;
using testing::TestSeed;

constexpr int kWriters = 8;
constexpr int kReaders = 2;
constexpr size_t kTransfers = 40'000;
constexpr size_t kChunk = 48;         // writers walk the pool chunk by chunk, all in the same order
constexpr size_t kAsyncInFlight = 4;  // asynchronous submissions a writer keeps outstanding

struct Outcome {
  Id id = 0;
  CreateTransferResult result = CreateTransferResult::kOk;
  uint64_t timestamp = 0;
};

// What one writer saw. Asynchronous callbacks append from the engine's writer thread.
struct WriterLog {
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  std::vector<Outcome> outcomes;
  std::vector<std::string> errors;
};

struct LedgerSums {
  absl::uint128 debits_pending = 0;
  absl::uint128 debits_posted = 0;
  absl::uint128 credits_pending = 0;
  absl::uint128 credits_posted = 0;
};

std::map<uint32_t, LedgerSums> SumByLedger(const std::vector<Account>& accounts) {
  std::map<uint32_t, LedgerSums> sums;
  for (const Account& a : accounts) {
    LedgerSums& s = sums[a.ledger];
    s.debits_pending += a.debits_pending;
    s.debits_posted += a.debits_posted;
    s.credits_pending += a.credits_pending;
    s.credits_posted += a.credits_posted;
  }
  return sums;
}

void Record(WriterLog* log, const std::vector<Transfer>& batch,
            const absl::StatusOr<std::vector<TransferEventResult>>& results) {
  std::lock_guard<std::mutex> lock(log->mu);
  if (!results.ok()) {
    log->errors.push_back(results.status().ToString());
    return;
  }
  if (results->size() != batch.size()) {
    log->errors.push_back(
        absl::StrFormat("%d results for %d events", results->size(), batch.size()));
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    log->outcomes.push_back({batch[i].id, (*results)[i].result, (*results)[i].timestamp});
  }
}

TEST(ConcurrencyTest, SharedIdsAreAppliedOnceAndReadersSeeBalancedLedgers) {
  const uint64_t seed = TestSeed(20240611);
  SCOPED_TRACE(absl::StrFormat("seed %d (repeat: POINTS_TEST_SEED=%d)", seed, seed));
  std::mt19937_64 rng(seed);

  TempDir dir;
  absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(Options(), dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Engine> engine = *std::move(opened);

  // Two ledgers, no floors: every transfer of the pool is valid in any order.
  std::vector<Account> accounts;
  std::vector<Id> account_ids;
  std::vector<std::vector<Id>> by_ledger(3);
  for (uint64_t i = 1; i <= 18; ++i) {
    Account a;
    a.id = MakeId(0xACC, i);
    a.ledger = i <= 12 ? 1 : 2;
    a.code = 1;
    accounts.push_back(a);
    account_ids.push_back(a.id);
    by_ledger[a.ledger].push_back(a.id);
  }
  {
    absl::StatusOr<std::vector<AccountEventResult>> created = engine->CreateAccounts(accounts);
    ASSERT_TRUE(created.ok()) << created.status();
    for (const AccountEventResult& r : *created) ASSERT_EQ(r.result, CreateAccountResult::kOk);
  }

  // The pool of distinct transfers; every writer submits all of them.
  std::vector<Transfer> pool;
  absl::flat_hash_map<Id, size_t> index_of;
  for (size_t i = 0; i < kTransfers; ++i) {
    Transfer t;
    t.id = MakeId(0x7F, rng() | 1);  // random ids, so that the id index sees no pattern
    t.ledger = (rng() % 10) < 7 ? 1 : 2;
    const std::vector<Id>& ids = by_ledger[t.ledger];
    const size_t d = rng() % ids.size();
    const size_t c = (d + 1 + rng() % (ids.size() - 1)) % ids.size();
    t.debit_account_id = ids[d];
    t.credit_account_id = ids[c];
    t.amount = 1 + rng() % 1000;
    t.code = 1;
    t.user_data_64 = i;
    if (rng() % 100 < 15) t.flags = kTransferPending;  // never resolved: pending balances grow
    ASSERT_TRUE(index_of.emplace(t.id, i).second);
    pool.push_back(t);
  }

  std::atomic<int> writers_running{kWriters};
  std::vector<WriterLog> logs(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 wrng(seed * 1000 + w);
      WriterLog* log = &logs[w];
      const size_t chunks = (kTransfers + kChunk - 1) / kChunk;
      for (size_t c = 0; c < chunks; ++c) {
        // This chunk whole, some of the next one, and some ids twice.
        std::vector<Transfer> batch;
        for (size_t i = c * kChunk; i < std::min(kTransfers, (c + 1) * kChunk); ++i) {
          batch.push_back(pool[i]);
        }
        const size_t next_begin = std::min(kTransfers, (c + 1) * kChunk);
        const size_t next_end = std::min(kTransfers, (c + 2) * kChunk);
        if (next_end > next_begin) {
          const size_t extra = wrng() % 20;
          for (size_t k = 0; k < extra; ++k) {
            batch.push_back(pool[next_begin + wrng() % (next_end - next_begin)]);
          }
        }
        const size_t dups = wrng() % 4;
        for (size_t k = 0; k < dups; ++k) batch.push_back(batch[wrng() % batch.size()]);
        std::shuffle(batch.begin(), batch.end(), wrng);
        // Sometimes split it in two submissions.
        std::vector<std::vector<Transfer>> submissions;
        if (wrng() % 3 == 0) {
          const size_t cut = 1 + wrng() % (batch.size() - 1);
          submissions.emplace_back(batch.begin(), batch.begin() + cut);
          submissions.emplace_back(batch.begin() + cut, batch.end());
        } else {
          submissions.push_back(std::move(batch));
        }
        for (std::vector<Transfer>& s : submissions) {
          if (wrng() % 2 == 0) {
            Record(log, s, engine->CreateTransfers(s));
            continue;
          }
          {
            std::unique_lock<std::mutex> lock(log->mu);
            log->cv.wait(lock, [&] { return log->in_flight < kAsyncInFlight; });
            ++log->in_flight;
          }
          std::vector<Transfer> copy = s;
          engine->SubmitCreateTransfers(
              std::move(s), [log, copy = std::move(copy)](
                                absl::StatusOr<std::vector<TransferEventResult>> results) {
                Record(log, copy, results);
                std::lock_guard<std::mutex> lock(log->mu);
                --log->in_flight;
                log->cv.notify_all();
              });
        }
      }
      std::unique_lock<std::mutex> lock(log->mu);
      log->cv.wait(lock, [&] { return log->in_flight == 0; });
      lock.unlock();
      writers_running.fetch_sub(1);
    });
  }

  // Readers: all accounts in one call, so the set is consistent; debits must equal credits on
  // each ledger, and the posted sums must never go back (nothing here is ever undone).
  std::atomic<uint64_t> reads{0};
  std::atomic<uint64_t> reads_during_writes{0};
  std::mutex reader_mu;
  std::vector<std::string> reader_errors;
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      std::map<uint32_t, absl::uint128> last_posted;
      auto fail = [&](std::string message) {
        std::lock_guard<std::mutex> lock(reader_mu);
        if (reader_errors.size() < 10) reader_errors.push_back(std::move(message));
      };
      while (writers_running.load() > 0) {
        absl::StatusOr<std::vector<Account>> got = engine->LookupAccounts(account_ids);
        const bool during = writers_running.load() > 0;
        ++reads;
        if (during) ++reads_during_writes;
        if (!got.ok()) {
          fail(got.status().ToString());
          continue;
        }
        if (got->size() != account_ids.size()) {
          fail(absl::StrFormat("LookupAccounts found %d accounts", got->size()));
          continue;
        }
        for (const auto& [ledger, s] : SumByLedger(*got)) {
          if (s.debits_posted != s.credits_posted || s.debits_pending != s.credits_pending) {
            fail(absl::StrFormat(
                "ledger %d: debits_posted %d credits_posted %d debits_pending %d "
                "credits_pending %d",
                ledger, s.debits_posted, s.credits_posted, s.debits_pending, s.credits_pending));
          }
          if (s.debits_posted < last_posted[ledger]) {
            fail(absl::StrFormat("ledger %d: posted went back from %d to %d", ledger,
                                 last_posted[ledger], s.debits_posted));
          }
          last_posted[ledger] = s.debits_posted;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  for (const std::string& e : reader_errors) ADD_FAILURE() << "reader: " << e;
  EXPECT_GT(reads_during_writes.load(), 0u) << "no read overlapped the writes";

  // Every id: exactly one kOk; every other submission of it kExists with the same timestamp.
  std::vector<int> ok_count(kTransfers, 0);
  std::vector<uint64_t> ok_timestamp(kTransfers, 0);
  std::vector<int> submissions(kTransfers, 0);
  for (WriterLog& log : logs) {
    for (const std::string& e : log.errors) ADD_FAILURE() << "writer: " << e;
    for (const Outcome& o : log.outcomes) {
      const size_t i = index_of.at(o.id);
      ++submissions[i];
      if (o.result == CreateTransferResult::kOk) {
        ++ok_count[i];
        ok_timestamp[i] = o.timestamp;
      }
    }
  }
  size_t bad = 0;
  for (size_t i = 0; i < kTransfers && bad < 10; ++i) {
    if (ok_count[i] != 1) {
      ++bad;
      ADD_FAILURE() << "transfer " << i << " got ok " << ok_count[i] << " times in "
                    << submissions[i] << " submissions";
    }
    if (submissions[i] < kWriters) {
      ++bad;
      ADD_FAILURE() << "transfer " << i << " submitted only " << submissions[i] << " times";
    }
  }
  for (WriterLog& log : logs) {
    for (const Outcome& o : log.outcomes) {
      if (bad >= 10) break;
      const size_t i = index_of.at(o.id);
      if (o.result == CreateTransferResult::kOk) continue;
      if (o.result != CreateTransferResult::kExists || o.timestamp != ok_timestamp[i]) {
        ++bad;
        ADD_FAILURE() << "transfer " << i << ": " << ResultName(o.result) << " with timestamp "
                      << o.timestamp << ", applied at " << ok_timestamp[i];
      }
    }
  }

  // The journal holds each transfer once, as submitted.
  std::vector<Transfer> found;
  for (size_t start = 0; start < kTransfers; start += kLookupIdsMax) {
    std::vector<Id> ids;
    for (size_t i = start; i < std::min(kTransfers, start + kLookupIdsMax); ++i) {
      ids.push_back(pool[i].id);
    }
    absl::StatusOr<std::vector<Transfer>> part = engine->LookupTransfers(ids);
    ASSERT_TRUE(part.ok()) << part.status();
    found.insert(found.end(), part->begin(), part->end());
  }
  ASSERT_EQ(found.size(), kTransfers);
  for (size_t i = 0; i < kTransfers; ++i) {
    Transfer t = found[i];
    EXPECT_EQ(t.timestamp, ok_timestamp[i]) << i;
    t.timestamp = 0;
    ASSERT_TRUE(t == pool[i]) << "transfer " << i << " differs";
  }

  // Balances: the sum of the distinct transfers.
  absl::flat_hash_map<Id, Account> expected;
  for (const Account& a : accounts) expected[a.id] = a;
  for (const Transfer& t : pool) {
    if ((t.flags & kTransferPending) != 0) {
      expected[t.debit_account_id].debits_pending += t.amount;
      expected[t.credit_account_id].credits_pending += t.amount;
    } else {
      expected[t.debit_account_id].debits_posted += t.amount;
      expected[t.credit_account_id].credits_posted += t.amount;
    }
  }
  absl::StatusOr<std::vector<Account>> balances = engine->LookupAccounts(account_ids);
  ASSERT_TRUE(balances.ok()) << balances.status();
  ASSERT_EQ(balances->size(), account_ids.size());
  for (Account a : *balances) {
    EXPECT_NE(a.timestamp, 0u);
    a.timestamp = 0;
    EXPECT_TRUE(a == expected[a.id])
        << "account " << absl::Uint128Low64(a.id) << ": dp " << a.debits_pending << " dpo "
        << a.debits_posted << " cp " << a.credits_pending << " cpo " << a.credits_posted;
  }
  for (const auto& [ledger, s] : SumByLedger(*balances)) {
    EXPECT_EQ(s.debits_posted, s.credits_posted) << "ledger " << ledger;
    EXPECT_EQ(s.debits_pending, s.credits_pending) << "ledger " << ledger;
  }
  EXPECT_EQ(engine->Stats().transfers, kTransfers);
  EXPECT_EQ(engine->Stats().pending_open,
            static_cast<uint64_t>(std::count_if(pool.begin(), pool.end(), [](const Transfer& t) {
              return (t.flags & kTransferPending) != 0;
            })));
  const absl::Status verified = engine->Verify();
  EXPECT_TRUE(verified.ok()) << verified;

  // The journal replays to the same balances.
  engine.reset();
  opened = Engine::Open(Options(), dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  engine = *std::move(opened);
  absl::StatusOr<std::vector<Account>> reopened = engine->LookupAccounts(account_ids);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ASSERT_EQ(reopened->size(), account_ids.size());
  for (size_t i = 0; i < account_ids.size(); ++i) {
    EXPECT_TRUE((*reopened)[i] == (*balances)[i]) << "account " << i << " after reopen";
  }
  std::printf("%llu reads (%llu during writes)\n", static_cast<unsigned long long>(reads.load()),
              static_cast<unsigned long long>(reads_during_writes.load()));
}

}  // namespace
}  // namespace points

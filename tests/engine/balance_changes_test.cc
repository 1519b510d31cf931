// GetBalanceChanges and Options::on_commit, the engine side of the WatchAccounts stream: balance
// changes of several accounts merged oldest first, pages that resume after a timestamp without
// losing or repeating a change, and a commit signal for every group, expiry-only groups included.
// The expected changes come from a model the test keeps: balances after every transfer it made.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "points/limits.h"
#include "points/results.h"
#include "points/types.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using ::points::testing::MakeId;
using ::points::testing::TempDir;
using ::points::testing::TestAccount;
using ::points::testing::TestSeed;
using ::points::testing::TestTransfer;

constexpr uint64_t kStartNs = 1'700'000'000ull * kNanosPerSecond;

Id Acc(uint64_t n) { return MakeId(0xacc, n); }

// Counts on_commit calls and lets a test wait (bounded, so a bug fails instead of hanging) for
// the count to pass a mark.
class CommitCounter {
 public:
  void Signal() {
    absl::MutexLock lock(&mu_);
    ++commits_;
  }
  uint64_t count() {
    absl::MutexLock lock(&mu_);
    return commits_;
  }
  bool WaitAbove(uint64_t mark) {
    absl::MutexLock lock(&mu_);
    auto above = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return commits_ > mark; };
    return mu_.AwaitWithTimeout(absl::Condition(&above), absl::Seconds(30));
  }

 private:
  absl::Mutex mu_;
  uint64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
};

class BalanceChangesTest : public ::testing::Test {
 protected:
  // Accounts 1..3 keep history; account 4 does not.
  void SetUp() override {
    Options options;
    options.clock = &clock_;
    options.on_commit = [this] { commits_.Signal(); };
    auto engine = Engine::Open(options, dir_.path());
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    auto created =
        engine_->CreateAccounts({TestAccount(1, kAccountHistory), TestAccount(2, kAccountHistory),
                                 TestAccount(3, kAccountHistory), TestAccount(4)});
    ASSERT_TRUE(created.ok()) << created.status();
    for (const AccountEventResult& r : *created) ASSERT_EQ(r.result, CreateAccountResult::kOk);
  }

  // Makes `count` random transfers among accounts 1..4 (no floors, so all succeed) and appends
  // the model's expected changes of the watched accounts 1..3, in the order GetBalanceChanges
  // promises: by timestamp, and for one transfer debit side before credit side when both are
  // watched and named in that order.
  void MakeTransfers(int count, std::mt19937_64& rng, uint64_t* next_id) {
    std::uniform_int_distribution<int> pick(1, 4);
    for (int i = 0; i < count; ++i) {
      const int from = pick(rng);
      int to = pick(rng);
      if (to == from) to = from % 4 + 1;
      const uint64_t amount = rng() % 1000 + 1;
      auto results = engine_->CreateTransfers({TestTransfer((*next_id)++, from, to, amount)});
      ASSERT_TRUE(results.ok()) << results.status();
      ASSERT_EQ((*results)[0].result, CreateTransferResult::kOk);
      const uint64_t ts = (*results)[0].timestamp;
      model_[from].debits_posted += amount;
      model_[to].credits_posted += amount;
      for (int account : {std::min(from, to), std::max(from, to)}) {
        if (account == 4) continue;
        const Balances& b = model_[account];
        expected_.push_back(
            BalanceChange{Acc(account), AccountBalance{ts, b.debits_pending, b.debits_posted,
                                                       b.credits_pending, b.credits_posted}});
      }
    }
  }

  struct Balances {
    uint64_t debits_pending = 0, debits_posted = 0, credits_pending = 0, credits_posted = 0;
  };

  TempDir dir_;
  ManualClock clock_{kStartNs};
  CommitCounter commits_;
  std::unique_ptr<Engine> engine_;
  std::map<int, Balances> model_;
  std::vector<BalanceChange> expected_;
};

TEST_F(BalanceChangesTest, MergesAccountsOldestFirstAndPagesResumeWithoutGapsOrRepeats) {
  const uint64_t seed = TestSeed(20261122);
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  uint64_t next_id = 1;
  MakeTransfers(300, rng, &next_id);
  const std::vector<Id> watched = {Acc(1), Acc(2), Acc(3)};

  auto all = engine_->GetBalanceChanges(watched, 0, kHistoryPageMax);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, expected_);

  // Every page size, resuming after the last timestamp of each page, rebuilds the same list.
  for (uint32_t limit : {1u, 2u, 3u, 7u, 64u}) {
    SCOPED_TRACE(::testing::Message() << "limit " << limit);
    std::vector<BalanceChange> paged;
    uint64_t after = 0;
    for (;;) {
      auto page = engine_->GetBalanceChanges(watched, after, limit);
      ASSERT_TRUE(page.ok()) << page.status();
      if (page->empty()) break;
      // At most one more than the limit: the two sides of one transfer are never split.
      ASSERT_LE(page->size(), limit + 1);
      paged.insert(paged.end(), page->begin(), page->end());
      after = page->back().balance.timestamp;
    }
    EXPECT_EQ(paged, expected_);
  }

  // One account alone is that account's GetAccountBalances.
  HistoryFilter filter;
  filter.account_id = Acc(2);
  filter.limit = kHistoryPageMax;
  auto history = engine_->GetAccountBalances(filter);
  ASSERT_TRUE(history.ok()) << history.status();
  auto changes = engine_->GetBalanceChanges({Acc(2)}, 0, kHistoryPageMax);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), history->size());
  for (size_t i = 0; i < history->size(); ++i) {
    EXPECT_EQ((*changes)[i].account_id, Acc(2));
    EXPECT_EQ((*changes)[i].balance, (*history)[i]);
  }
}

TEST_F(BalanceChangesTest, RefusesBadQueriesNamingTheProblem) {
  auto expect = [&](std::vector<Id> ids, uint32_t limit, absl::StatusCode code,
                    const std::string& words) {
    auto result = engine_->GetBalanceChanges(ids, 0, limit);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_NE(result.status().message().find(words), std::string::npos) << result.status();
  };
  expect({}, 10, absl::StatusCode::kInvalidArgument, "watch 1..64 accounts, got 0");
  expect(std::vector<Id>(kWatchAccountsMax + 1, Acc(1)), 10, absl::StatusCode::kInvalidArgument,
         "got 65");
  expect({Acc(1), Acc(2), Acc(1)}, 10, absl::StatusCode::kInvalidArgument, "named twice");
  expect({Acc(1), 0}, 10, absl::StatusCode::kInvalidArgument, "must not be zero");
  expect({Acc(1)}, 0, absl::StatusCode::kInvalidArgument, "limit must be 1..8189");
  expect({Acc(1)}, kHistoryPageMax + 1, absl::StatusCode::kInvalidArgument, "limit");
  expect({Acc(1), Acc(99)}, 10, absl::StatusCode::kNotFound, "not found");
  expect({Acc(4)}, 10, absl::StatusCode::kFailedPrecondition, "history flag");
}

TEST_F(BalanceChangesTest, OnCommitSignalsEveryGroupIncludingExpiryOnlyOnes) {
  const uint64_t seed = TestSeed(7);
  std::mt19937_64 rng(seed);
  uint64_t next_id = 1;
  // The transfer's callback runs before on_commit, so the blocking call may return first.
  const uint64_t before = commits_.count();
  MakeTransfers(1, rng, &next_id);
  ASSERT_TRUE(commits_.WaitAbove(before));

  // A pending transfer 1 -> 2 with a 5 s timeout, then time passes and the writer voids it on
  // its own: a group with no submission at all, which must still signal a commit.
  Transfer pending = TestTransfer(next_id++, 1, 2, 50, kTransferPending);
  pending.timeout = 5;
  auto created = engine_->CreateTransfers({pending});
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ((*created)[0].result, CreateTransferResult::kOk);
  const uint64_t pending_ts = (*created)[0].timestamp;
  ASSERT_TRUE(commits_.WaitAbove(before + 1));
  const uint64_t after_pending = commits_.count();

  clock_.Advance(6 * kNanosPerSecond);
  // The pending group's own signal may still be on its way (its callback ran first), so a
  // signal is checked against the ledger: the expiry must show after one of the next few.
  absl::StatusOr<std::vector<BalanceChange>> changes;
  uint64_t mark = after_pending;
  for (int signals = 0; signals < 3; ++signals) {
    ASSERT_TRUE(commits_.WaitAbove(mark)) << "no on_commit for the expiry group";
    mark = commits_.count();
    changes = engine_->GetBalanceChanges({Acc(1), Acc(2)}, pending_ts, 10);
    if (changes.ok() && !changes->empty()) break;
  }
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u) << "the expiry changes both accounts once";
  EXPECT_EQ((*changes)[0].account_id, Acc(1));
  EXPECT_EQ((*changes)[1].account_id, Acc(2));
  EXPECT_GT((*changes)[0].balance.timestamp, pending_ts);
  EXPECT_EQ((*changes)[0].balance.debits_pending, model_[1].debits_pending);
  EXPECT_EQ((*changes)[1].balance.credits_pending, model_[2].credits_pending);
}

}  // namespace
}  // namespace points

// WatchAccounts end to end: the real pointsd and the real client library (which resumes a dropped
// stream from the last change it received). The expected changes come from a model of the
// balances the test keeps while it makes the transfers.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "points/limits.h"
#include "points/types.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"

namespace points {

void PrintTo(const BalanceChange& c, std::ostream* os) {
  *os << "Change{account=" << static_cast<uint64_t>(c.account_id) << " ts=" << c.balance.timestamp
      << " dpo=" << c.balance.debits_posted << " cpo=" << c.balance.credits_posted << "}";
}

namespace {

using client::ClientOptions;
using client::LedgerClient;
using testing::TempDir;
using testing::TestAccount;
using testing::TestTransfer;

// Retries fast and long enough to ride out a server restart.
// As the county's admin (`token`), retrying for as long as a restart takes.
ClientOptions PatientOptions(const std::string& token) {
  ClientOptions options;
  options.token = token;
  options.retry.max_attempts = 100;
  options.retry.initial_backoff = absl::Milliseconds(20);
  options.retry.max_backoff = absl::Milliseconds(200);
  return options;
}

// Accounts 1 (the issuer, no history), 2 and 3 (households, with history).
void CreateAccounts(LedgerClient& client) {
  auto created = client.CreateAccounts(
      {TestAccount(1), TestAccount(2, kAccountHistory), TestAccount(3, kAccountHistory)});
  ASSERT_TRUE(created.ok()) << created.status();
  for (const AccountEventResult& r : *created) ASSERT_EQ(r.result, CreateAccountResult::kOk);
}

// Transfers among accounts 1..3, planned from a seed, and the changes of the watched accounts 2
// and 3 they cause.
class Village {
 public:
  struct Planned {
    int from, to;
    uint64_t amount;
  };

  Village(uint64_t seed, int transfers) {
    static constexpr int kPairs[][2] = {{1, 2}, {1, 3}, {2, 3}, {3, 2}};
    std::mt19937_64 rng(seed);
    for (int i = 0; i < transfers; ++i) {
      const auto& pair = kPairs[rng() % 4];
      plan_.push_back(Planned{pair[0], pair[1], rng() % 50 + 1});
      changes_planned_ += pair[0] == 1 ? 1 : 2;  // the issuer is not watched
    }
  }

  size_t changes_planned() const { return changes_planned_; }

  // Makes the next `count` planned transfers, one request each, and appends the expected changes.
  void MakeTransfers(LedgerClient& client, int count) {
    for (int i = 0; i < count; ++i) {
      ASSERT_LT(next_, plan_.size());
      const Planned& p = plan_[next_++];
      auto results = client.CreateTransfers({TestTransfer(next_, p.from, p.to, p.amount)});
      ASSERT_TRUE(results.ok()) << results.status();
      ASSERT_EQ((*results)[0].result, CreateTransferResult::kOk);
      const uint64_t ts = (*results)[0].timestamp;
      // Both sides of a transfer share its timestamp and come in the order the watch named the
      // accounts: 2 before 3.
      debits_[p.from] += p.amount;
      credits_[p.to] += p.amount;
      for (int account : {std::min(p.from, p.to), std::max(p.from, p.to)}) {
        if (account != 1) Push(account, ts);
      }
    }
  }

  const std::vector<BalanceChange>& expected() const { return expected_; }

 private:
  void Push(int account, uint64_t ts) {
    BalanceChange change;
    change.account_id = TestAccount(account).id;
    change.balance.timestamp = ts;
    change.balance.debits_posted = debits_[account];
    change.balance.credits_posted = credits_[account];
    expected_.push_back(change);
  }

  std::vector<Planned> plan_;
  size_t changes_planned_ = 0;
  size_t next_ = 0;
  uint64_t debits_[4] = {0, 0, 0, 0};
  uint64_t credits_[4] = {0, 0, 0, 0};
  std::vector<BalanceChange> expected_;
};

// Watches accounts 2 and 3 on its own thread until `wanted` changes arrived (or the watch fails).
class Watcher {
 public:
  Watcher(const std::string& target, const std::string& token, uint64_t after_timestamp,
          size_t wanted)
      : client_(target, PatientOptions(token)), wanted_(wanted) {
    thread_ = std::thread([this, after_timestamp] {
      const std::vector<Id> ids = {TestAccount(2).id, TestAccount(3).id};
      status_ = client_.WatchAccounts(ids, after_timestamp, [this](const auto& changes) {
        absl::MutexLock lock(&mu_);
        received_.insert(received_.end(), changes.begin(), changes.end());
        return received_.size() < wanted_;
      });
    });
  }
  ~Watcher() {
    if (thread_.joinable()) thread_.join();
  }

  // True once all wanted changes arrived; false after a minute without them (a bug: the caller
  // then stops the server, which makes the watch give up, so that the test fails, not hangs).
  bool WaitForAll() {
    absl::MutexLock lock(&mu_);
    auto all = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return received_.size() >= wanted_; };
    return mu_.AwaitWithTimeout(absl::Condition(&all), absl::Minutes(1));
  }

  // Waits for the watch to end and returns what it received.
  std::vector<BalanceChange> Join() {
    thread_.join();
    EXPECT_TRUE(status_.ok()) << status_;
    absl::MutexLock lock(&mu_);
    return received_;
  }

 private:
  LedgerClient client_;
  const size_t wanted_;
  absl::Status status_;
  absl::Mutex mu_;
  std::vector<BalanceChange> received_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

TEST(WatchTest, DeliversEveryChangeInOrderAndResumesAcrossAServerCrash) {
  const uint64_t seed = testing::TestSeed(20261122);
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  constexpr int kTransfersPerPhase = 150;
  TempDir dir;
  Village village(seed, 2 * kTransfersPerPhase);
  const size_t wanted = village.changes_planned();

  auto pointsd = std::make_unique<testing::Pointsd>(dir.path());
  const int port = pointsd->port();
  ASSERT_GT(port, 0);
  LedgerClient client(pointsd->target(), PatientOptions(pointsd->admin_token()));
  CreateAccounts(client);
  Watcher live(pointsd->target(), pointsd->admin_token(), 0,
               wanted);  // from the first change, then live
  village.MakeTransfers(client, kTransfersPerPhase);

  // The server crashes and comes back on the same port: the watch reconnects and resumes.
  pointsd->Stop(SIGKILL);
  pointsd = std::make_unique<testing::Pointsd>(dir.path(), port);
  ASSERT_EQ(pointsd->port(), port);
  village.MakeTransfers(client, kTransfersPerPhase);
  ASSERT_EQ(village.expected().size(), wanted);

  if (!live.WaitForAll()) {
    ADD_FAILURE() << "the watch stalled";
    pointsd->Stop(SIGKILL);
  }
  const std::vector<BalanceChange> received = live.Join();
  ASSERT_EQ(received.size(), wanted);
  EXPECT_EQ(received, village.expected()) << "a change was lost, repeated or out of order";

  // A phone that saw the first k changes resumes from the k-th timestamp and gets the rest.
  for (size_t k : {size_t{1}, wanted / 3, wanted - 2}) {
    SCOPED_TRACE(::testing::Message() << "resume after change " << k);
    // Both sides of a transfer share a timestamp: resume after a whole transfer.
    while (k < wanted &&
           village.expected()[k].balance.timestamp == village.expected()[k - 1].balance.timestamp) {
      ++k;
    }
    ASSERT_LT(k, wanted);
    Watcher resumed(pointsd->target(), pointsd->admin_token(),
                    village.expected()[k - 1].balance.timestamp, wanted - k);
    ASSERT_TRUE(resumed.WaitForAll());
    const std::vector<BalanceChange> rest = resumed.Join();
    EXPECT_EQ(rest,
              std::vector<BalanceChange>(village.expected().begin() + k, village.expected().end()));
  }
  EXPECT_EQ(pointsd->Stop(SIGTERM), 0);
}

TEST(WatchTest, RefusesAccountsItCannotWatchNamingThem) {
  TempDir dir;
  testing::Pointsd pointsd(dir.path());
  ClientOptions once;
  once.retry.max_attempts = 1;
  once.token = pointsd.admin_token();
  LedgerClient client(pointsd.target(), once);
  CreateAccounts(client);
  auto never = [](const auto&) { return true; };
  auto expect = [&](std::vector<Id> ids, absl::StatusCode code, const std::string& words) {
    const absl::Status status = client.WatchAccounts(ids, 0, never);
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_NE(status.message().find(words), std::string::npos) << status;
  };
  expect({TestAccount(2).id, TestAccount(1).id}, absl::StatusCode::kFailedPrecondition,
         "history flag");
  expect({TestAccount(2).id, TestAccount(9).id}, absl::StatusCode::kNotFound, "not found");
  expect({TestAccount(2).id, TestAccount(2).id}, absl::StatusCode::kInvalidArgument,
         "account_ids[1]: repeats account_ids[0]");
  expect({}, absl::StatusCode::kInvalidArgument, "account_ids: send at least one");
  expect(std::vector<Id>(kWatchAccountsMax + 1, TestAccount(2).id),
         absl::StatusCode::kInvalidArgument, "account_ids: 65 items, at most 64");
  expect({0}, absl::StatusCode::kInvalidArgument, "account_ids[0]");
}

TEST(WatchTest, DrainEndsOpenStreamsWithUnavailableAndExitsCleanly) {
  TempDir dir;
  testing::Pointsd pointsd(dir.path());
  ClientOptions once;
  once.retry.max_attempts = 1;
  once.token = pointsd.admin_token();
  LedgerClient client(pointsd.target(), once);
  CreateAccounts(client);
  ASSERT_TRUE(client.CreateTransfers({TestTransfer(1, 1, 2, 5)}).ok());
  absl::Notification first_change;
  absl::Status status;
  std::thread watcher([&] {
    status = client.WatchAccounts({TestAccount(2).id}, 0, [&](const auto&) {
      if (!first_change.HasBeenNotified()) first_change.Notify();
      return true;  // keep watching: parked on the server until it drains
    });
  });
  first_change.WaitForNotification();
  const int exit_status = pointsd.Stop(SIGTERM);
  watcher.join();
  EXPECT_TRUE(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0) << exit_status;
  // Ended by the drain itself, not cancelled at the drain deadline: the message says to resume.
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_NE(status.message().find("shutting down"), std::string::npos) << status;
}

}  // namespace
}  // namespace points

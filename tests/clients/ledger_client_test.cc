// The client library against a real pointsd: engine values in and out, deadlines, and retries
// that resend the same ids.
#include "ledger_client.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "pointsctl_process.h"
#include "testing.h"

namespace points::client {
namespace {

using testing::Pointsd;
using testing::TempDir;
using testing::TestAccount;
using testing::TestTransfer;

ClientOptions FastRetries(int max_attempts, std::atomic<int>* retries) {
  ClientOptions options;
  options.deadline = absl::Seconds(5);
  options.retry.max_attempts = max_attempts;
  options.retry.initial_backoff = absl::Milliseconds(50);
  options.retry.max_backoff = absl::Milliseconds(200);
  options.on_retry = [retries](int, const absl::Status&) { ++*retries; };
  return options;
}

TEST(RetryPolicyTest, RetriesOnlyWhenNoAnswerArrived) {
  EXPECT_TRUE(IsRetryable(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(IsRetryable(absl::StatusCode::kDeadlineExceeded));
  for (absl::StatusCode code :
       {absl::StatusCode::kOk, absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
        absl::StatusCode::kResourceExhausted, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kInternal, absl::StatusCode::kUnknown, absl::StatusCode::kCancelled,
        absl::StatusCode::kPermissionDenied, absl::StatusCode::kUnimplemented}) {
    EXPECT_FALSE(IsRetryable(code)) << absl::StatusCodeToString(code);
  }
}

TEST(RetryPolicyTest, BackoffGrowsAndIsCapped) {
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(100);
  policy.max_backoff = absl::Milliseconds(1000);
  policy.backoff_multiplier = 2;
  EXPECT_EQ(BackoffBeforeRetry(policy, 1), absl::Milliseconds(100));
  EXPECT_EQ(BackoffBeforeRetry(policy, 2), absl::Milliseconds(200));
  EXPECT_EQ(BackoffBeforeRetry(policy, 4), absl::Milliseconds(800));
  EXPECT_EQ(BackoffBeforeRetry(policy, 5), absl::Milliseconds(1000));
  EXPECT_EQ(BackoffBeforeRetry(policy, 1000), absl::Milliseconds(1000));
}

TEST(LedgerClientTest, EveryCallReturnsEngineValues) {
  TempDir dir;
  Pointsd pointsd(dir.path());
  ASSERT_GT(pointsd.port(), 0);
  LedgerClient client(pointsd.target());

  const std::vector<Account> accounts = {TestAccount(1),
                                         TestAccount(2, kAccountDebitsMustNotExceedCredits)};
  absl::StatusOr<std::vector<AccountEventResult>> created = client.CreateAccounts(accounts);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->size(), 2u);
  EXPECT_EQ((*created)[0].result, CreateAccountResult::kOk);
  EXPECT_GT((*created)[0].timestamp, 0u);

  const std::vector<Transfer> transfers = {TestTransfer(1, 1, 2, 50),
                                           TestTransfer(2, 2, 1, 80)};  // 80 > 50: refused
  absl::StatusOr<std::vector<TransferEventResult>> results = client.CreateTransfers(transfers);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].result, CreateTransferResult::kOk);
  EXPECT_EQ((*results)[1].result, CreateTransferResult::kExceedsCredits);

  absl::StatusOr<std::vector<Account>> found =
      client.LookupAccounts(std::vector<Id>{TestAccount(2).id, TestAccount(99).id});
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 1u);  // 99 does not exist
  Account expected = TestAccount(2, kAccountDebitsMustNotExceedCredits);
  expected.credits_posted = 50;
  expected.timestamp = (*created)[1].timestamp;
  EXPECT_EQ(found->front(), expected);

  absl::StatusOr<std::vector<Transfer>> looked_up =
      client.LookupTransfers(std::vector<Id>{transfers[0].id, transfers[1].id});
  ASSERT_TRUE(looked_up.ok()) << looked_up.status();
  ASSERT_EQ(looked_up->size(), 1u);  // the refused one is not a transfer
  Transfer stored = transfers[0];
  stored.timestamp = (*results)[0].timestamp;
  EXPECT_EQ(looked_up->front(), stored);

  HistoryFilter filter;
  filter.account_id = TestAccount(1).id;
  filter.limit = 10;
  absl::StatusOr<std::vector<Transfer>> history = client.GetAccountHistory(filter);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->front(), stored);

  filter.account_id = TestAccount(99).id;
  EXPECT_EQ(client.GetAccountHistory(filter).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<Account>> none = client.LookupAccounts(std::vector<Id>{Id(12345)});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(LedgerClientTest, RefusedRequestsAreNotRetried) {
  TempDir dir;
  Pointsd pointsd(dir.path());
  std::atomic<int> retries{0};
  LedgerClient client(pointsd.target(), FastRetries(5, &retries));
  absl::StatusOr<std::vector<TransferEventResult>> empty = client.CreateTransfers({});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  HistoryFilter unknown;
  unknown.account_id = 7;
  unknown.limit = 1;
  EXPECT_EQ(client.GetAccountHistory(unknown).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(retries, 0);
}

TEST(LedgerClientTest, UnreachableServerFailsAfterTheLastAttempt) {
  std::atomic<int> retries{0};
  const std::string target = "127.0.0.1:" + std::to_string(testing::UnusedPort());
  LedgerClient client(target, FastRetries(3, &retries));
  absl::StatusOr<std::vector<AccountEventResult>> created =
      client.CreateAccounts(std::vector<Account>{TestAccount(1)});
  EXPECT_EQ(created.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(created.status().message().find("CreateAccounts to " + target), absl::string_view::npos)
      << created.status();
  EXPECT_NE(created.status().message().find("after 3 attempts"), absl::string_view::npos);
  EXPECT_EQ(retries, 2);
}

// The server is not up when the client first sends; it comes up while the client backs off, and
// a retry gets through.
TEST(LedgerClientTest, RetriesUntilTheServerIsUp) {
  TempDir dir;
  const int port = testing::UnusedPort();
  ASSERT_GT(port, 0);
  std::atomic<int> retries{0};
  absl::Notification first_retry;
  ClientOptions options = FastRetries(40, &retries);
  options.on_retry = [&](int, const absl::Status& failure) {
    EXPECT_EQ(failure.code(), absl::StatusCode::kUnavailable) << failure;
    if (retries++ == 0) first_retry.Notify();
  };
  LedgerClient client("127.0.0.1:" + std::to_string(port), options);
  const std::vector<Account> accounts = {TestAccount(1), TestAccount(2)};
  absl::StatusOr<std::vector<AccountEventResult>> created;
  std::thread caller([&] { created = client.CreateAccounts(accounts); });
  first_retry.WaitForNotification();
  Pointsd pointsd(dir.path(), port);
  caller.join();
  ASSERT_EQ(pointsd.port(), port);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_GE(retries, 1);
  EXPECT_EQ((*created)[0].result, CreateAccountResult::kOk);
  EXPECT_EQ((*created)[1].result, CreateAccountResult::kOk);
}

// The server accepts the request but does not answer in time (it is stopped), so the client
// resends the same transfers until it answers. Whether or not an earlier attempt was applied,
// every transfer is applied exactly once: the ids of the retry are the ids of the first attempt.
TEST(LedgerClientTest, RetryAfterDeadlineResendsTheSameIdsAndAppliesThemOnce) {
  TempDir dir;
  Pointsd pointsd(dir.path());
  std::atomic<int> retries{0};
  ClientOptions options = FastRetries(20, &retries);
  options.deadline = absl::Milliseconds(300);
  options.on_retry = [&](int, const absl::Status& failure) {
    EXPECT_EQ(failure.code(), absl::StatusCode::kDeadlineExceeded) << failure;
    ++retries;
  };
  LedgerClient client(pointsd.target(), options);
  ASSERT_TRUE(client.CreateAccounts(std::vector<Account>{TestAccount(1), TestAccount(2)}).ok());

  std::vector<Transfer> transfers;
  for (uint64_t n = 1; n <= 10; ++n) transfers.push_back(TestTransfer(n, 1, 2, n));
  pointsd.Pause();
  std::thread resume([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    pointsd.Resume();
  });
  absl::StatusOr<std::vector<TransferEventResult>> results = client.CreateTransfers(transfers);
  resume.join();
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_GE(retries, 2);  // 800 ms of silence is more than two attempts of 300 ms
  for (const TransferEventResult& r : *results) {
    EXPECT_TRUE(r.result == CreateTransferResult::kOk || r.result == CreateTransferResult::kExists)
        << ResultName(r.result);
  }
  absl::StatusOr<std::vector<Account>> credit =
      client.LookupAccounts(std::vector<Id>{TestAccount(2).id});
  ASSERT_TRUE(credit.ok()) << credit.status();
  EXPECT_EQ(credit->front().credits_posted, 55u);  // 1 + 2 + ... + 10, once

  absl::StatusOr<std::vector<TransferEventResult>> again = client.CreateTransfers(transfers);
  ASSERT_TRUE(again.ok()) << again.status();
  for (size_t i = 0; i < again->size(); ++i) {
    EXPECT_EQ((*again)[i].result, CreateTransferResult::kExists);
    EXPECT_EQ((*again)[i].timestamp, (*results)[i].timestamp);
  }
}

}  // namespace
}  // namespace points::client

// The client library against a real pointsd: engine values in and out, deadlines, and retries
// that resend the same ids. Every call carries a principal's token (server/AUTHZ.md): the raw
// ledger is the first admin's, whose token pointsd wrote to DATA_DIR/admin.token.
#include "clients/cpp/ledger_client.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/clients/pointsctl/pointsctl_process.h"
#include "tests/engine/testing.h"

namespace points::client {
namespace {

using testing::Pointsd;
using testing::TempDir;
using testing::TestAccount;
using testing::TestTransfer;

// `options` with the principal's token.
ClientOptions As(const std::string& token, ClientOptions options = {}) {
  options.token = token;
  return options;
}

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
        absl::StatusCode::kPermissionDenied, absl::StatusCode::kUnauthenticated,
        absl::StatusCode::kUnimplemented}) {
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
  LedgerClient client(pointsd.target(), As(pointsd.admin_token()));

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
  LedgerClient client(pointsd.target(), As(pointsd.admin_token(), FastRetries(5, &retries)));
  absl::StatusOr<std::vector<TransferEventResult>> empty = client.CreateTransfers({});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  HistoryFilter unknown;
  unknown.account_id = 7;
  unknown.limit = 1;
  EXPECT_EQ(client.GetAccountHistory(unknown).status().code(), absl::StatusCode::kNotFound);
  // Without a token, or with one the server does not know: refused as a whole, not retried.
  LedgerClient anonymous(pointsd.target(), FastRetries(5, &retries));
  const absl::Status none = anonymous.LookupAccounts(std::vector<Id>{Id(1)}).status();
  EXPECT_EQ(none.code(), absl::StatusCode::kUnauthenticated) << none;
  LedgerClient stranger(pointsd.target(), As(std::string(64, 'f'), FastRetries(5, &retries)));
  EXPECT_EQ(stranger.ListTowns().status().code(), absl::StatusCode::kUnauthenticated);
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

// Every service's client, each made alone over one shared channel, goes through the one retry
// rule: against a server that is not there each call is tried max_attempts times and fails
// naming its method, the target and the attempts; the calls that a resend could break (a
// backup, a new principal, a card) are tried once.
TEST(ServiceClientsTest, EveryServiceRetriesTheSameWayOverOneChannel) {
  std::atomic<int> retries{0};
  const std::string target = "127.0.0.1:" + std::to_string(testing::UnusedPort());
  std::shared_ptr<Channel> channel = OpenChannel(target, FastRetries(3, &retries));
  LedgerServiceClient ledger(channel);
  VillageClient villages(channel);
  AwardClient awards(channel);
  TaskClient tasks(channel);
  ShopClient shops(channel);
  BoardClient board(channel);
  CommunityClient community(channel);
  AdminClient admin(channel);
  ReceiptClient receipts(channel);
  HealthClient health(channel);
  const std::vector<std::pair<std::string, absl::Status>> retried = {
      {"LookupAccounts", ledger.LookupAccounts(std::vector<Id>{Id(1)}).status()},
      {"WatchAccounts",
       ledger.WatchAccounts(std::vector<Id>{Id(1)}, 0, [](const auto&) { return false; })},
      {"ListTowns", villages.ListTowns().status()},
      {"GetAward", awards.GetAward(1, 1).status()},
      {"ListTasks", tasks.ListTasks(1).status()},
      {"ListItems", shops.ListItems(1, 1).status()},
      {"GetBoard", board.GetBoard(v1::GetBoardRequest()).status()},
      {"ListPartners", community.ListPartners(v1::ListPartnersRequest()).status()},
      {"ListPrincipals", admin.ListPrincipals().status()},
      {"GetCheckpoint", receipts.GetCheckpoint(v1::GetCheckpointRequest()).status()},
      {"Health", health.Health("").status()},
  };
  for (const auto& [method, status] : retried) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << method << ": " << status;
    EXPECT_TRUE(absl::StartsWith(status.message(), method + " to " + target + ": ")) << status;
    EXPECT_TRUE(absl::EndsWith(status.message(), " (after 3 attempts)")) << status;
  }
  EXPECT_EQ(retries, 2 * static_cast<int>(retried.size()));

  retries = 0;
  const std::vector<std::pair<std::string, absl::Status>> once = {
      {"Backup", admin.Backup("/tmp/never").status()},
      {"CreatePrincipal", admin.CreatePrincipal(v1::Principal()).status()},
      {"IssueCard", shops.IssueCard(1, 1, "1234").status()},
  };
  for (const auto& [method, status] : once) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << method << ": " << status;
    EXPECT_TRUE(absl::StartsWith(status.message(), method + " to " + target + ": ")) << status;
    EXPECT_FALSE(absl::StrContains(status.message(), "attempts")) << status;
  }
  EXPECT_EQ(retries, 0);
}

// The server is not up when the client first sends; it comes up while the client backs off, and
// a retry gets through.
TEST(LedgerClientTest, RetriesUntilTheServerIsUp) {
  TempDir dir;
  {
    Pointsd first(dir.path());  // writes the first admin's token, which the client will send
    ASSERT_GT(first.port(), 0);
    ASSERT_EQ(first.Stop(SIGTERM), 0);
  }
  const std::string token = Pointsd::AdminTokenOf(dir.path());
  ASSERT_EQ(token.size(), 64u);
  const int port = testing::UnusedPort();
  ASSERT_GT(port, 0);
  std::atomic<int> retries{0};
  absl::Notification first_retry;
  ClientOptions options = As(token, FastRetries(40, &retries));
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
  options.token = pointsd.admin_token();
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

// The admin makes a shop's terminal and a household's app; the app issues a payment code, the
// terminal redeems with it (a resend needs no new consent); revoked, the terminal's token is
// refused at once; the audit names who made and revoked it.
TEST(LedgerClientTest, PrincipalsPaymentConsentAndTheAudit) {
  TempDir dir;
  Pointsd pointsd(dir.path(), 0, {"--demo"});  // village 1: households 1-3, shop 1 (item 1: 10)
  ASSERT_GT(pointsd.port(), 0);
  LedgerClient admin(pointsd.target(), As(pointsd.admin_token()));
  v1::Principal till;
  till.set_name("till-1-1");
  till.set_role(v1::ROLE_SHOPKEEPER);
  till.set_village(1);
  till.set_shop(1);
  absl::StatusOr<v1::CreatePrincipalResponse> made = admin.CreatePrincipal(till);
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_EQ(made->token().size(), 64u);
  EXPECT_EQ(made->principal().created_by(), "admin");
  EXPECT_EQ(admin.CreatePrincipal(till).status().code(), absl::StatusCode::kAlreadyExists);
  v1::Principal app;
  app.set_name("app-1-1");
  app.set_role(v1::ROLE_HOUSEHOLD);
  app.set_village(1);
  app.set_household(1);
  absl::StatusOr<v1::CreatePrincipalResponse> app_made = admin.CreatePrincipal(app);
  ASSERT_TRUE(app_made.ok()) << app_made.status();
  LedgerClient terminal(pointsd.target(), As(made->token()));
  LedgerClient phone(pointsd.target(), As(app_made->token()));

  EXPECT_EQ(terminal.IssuePaymentCode(1, 1).status().code(), absl::StatusCode::kPermissionDenied)
      << "only the household's app asks for its code";
  EXPECT_EQ(phone.IssuePaymentCode(1, 2).status().code(), absl::StatusCode::kPermissionDenied)
      << "not a neighbour's";
  absl::StatusOr<v1::IssuePaymentCodeResponse> code = phone.IssuePaymentCode(1, 1);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_TRUE(absl::StartsWith(code->code(), "PC1-1-1-")) << code->code();
  EXPECT_GT(code->expires_at(), 0u);

  domain::BasketRequest basket;
  basket.basket = 7001;
  basket.village = 1;
  basket.shop = 1;
  basket.household = 1;
  basket.lines = {{1, 1}};
  const absl::Status no_consent = terminal.RedeemBasket(basket, {}).status();
  EXPECT_EQ(no_consent.code(), absl::StatusCode::kPermissionDenied) << no_consent;
  EXPECT_TRUE(absl::StrContains(no_consent.message(), "consent")) << no_consent;
  LedgerClient::Consent consent;
  consent.payment_code = code->code();
  EXPECT_EQ(admin.RedeemBasket(basket, consent).status().code(),
            absl::StatusCode::kPermissionDenied)
      << "the admin redeems nothing";
  absl::StatusOr<domain::Basket> redeemed = terminal.RedeemBasket(basket, consent);
  ASSERT_TRUE(redeemed.ok()) << redeemed.status();
  EXPECT_EQ(redeemed->state, domain::BasketState::kRedeemed);
  EXPECT_EQ(redeemed->points_total, 10u);
  // The resend of the same basket (a lost answer) needs no consent again, and charges nothing.
  absl::StatusOr<domain::Basket> resent = terminal.RedeemBasket(basket, {});
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(resent->state, domain::BasketState::kRedeemed);
  // The code is spent: another basket with it is refused.
  basket.basket = 7002;
  const absl::Status spent = terminal.RedeemBasket(basket, consent).status();
  EXPECT_EQ(spent.code(), absl::StatusCode::kPermissionDenied) << spent;
  EXPECT_TRUE(absl::StrContains(spent.message(), "already used")) << spent;

  absl::StatusOr<std::vector<v1::Principal>> listed = admin.ListPrincipals();
  ASSERT_TRUE(listed.ok()) << listed.status();
  bool found = false;
  for (const v1::Principal& p : *listed) {
    if (p.name() != "till-1-1") continue;
    found = true;
    EXPECT_EQ(p.role(), v1::ROLE_SHOPKEEPER);
    EXPECT_EQ(p.shop(), 1u);
    EXPECT_FALSE(p.revoked());
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(terminal.ListPrincipals().status().code(), absl::StatusCode::kPermissionDenied);

  absl::StatusOr<v1::Principal> revoked = admin.RevokePrincipal("till-1-1");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_TRUE(revoked->revoked());
  const absl::Status after = terminal.ListTowns().status();
  EXPECT_EQ(after.code(), absl::StatusCode::kUnauthenticated) << after;
  EXPECT_EQ(admin.RevokePrincipal("nobody").status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<std::vector<v1::AuditEntry>> audit = admin.ListAudit(1, 1000, 0);
  ASSERT_TRUE(audit.ok()) << audit.status();
  int made_entries = 0, revoked_entries = 0;
  for (const v1::AuditEntry& e : *audit) {
    if (!absl::StrContains(e.detail(), "till-1-1")) continue;
    EXPECT_EQ(e.principal(), "admin") << e.act();
    made_entries += e.act() == "principal.create";
    revoked_entries += e.act() == "principal.revoke";
  }
  EXPECT_EQ(made_entries, 1);
  EXPECT_EQ(revoked_entries, 1);
  EXPECT_EQ(phone.ListAudit(1, 1000, 0).status().code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace points::client

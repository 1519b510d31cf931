// pointsd end to end: the real binary on a free port with a temporary store, driven by a gRPC
// client over loopback.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "gtest/gtest.h"
#include "points/v1/ledger.grpc.pb.h"
#include "server/convert/convert.h"
#include "tests/engine/testing.h"
#include "tests/testing/health_check.h"
#include "tests/testing/pointsd_process.h"

namespace points::server {
namespace {

using testing::TempDir;
using testing::TestAccount;
using testing::TestTransfer;

// The real pointsd (tests/testing/pointsd_process.h) with a stub talking to it.
class Pointsd : public testing::Pointsd {
 public:
  explicit Pointsd(const std::string& data_dir)
      : testing::Pointsd(data_dir),
        stub_(v1::LedgerService::NewStub(
            grpc::CreateChannel(target(), grpc::InsecureChannelCredentials()))) {}
  v1::LedgerService::Stub& stub() { return *stub_; }
  // A call context as the county's admin, whose token pointsd made at its first start.
  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context->AddMetadata("authorization", "Bearer " + admin_token());
    return context;
  }

 private:
  std::unique_ptr<v1::LedgerService::Stub> stub_;
};

v1::CreateAccountsRequest TwoAccounts() {
  v1::CreateAccountsRequest request;
  AccountToProto(TestAccount(1), request.add_accounts());
  AccountToProto(TestAccount(2, kAccountDebitsMustNotExceedCredits), request.add_accounts());
  return request;
}

v1::CreateTransfersRequest Transfers(std::initializer_list<Transfer> transfers) {
  v1::CreateTransfersRequest request;
  for (const Transfer& t : transfers) TransferToProto(t, request.add_transfers());
  return request;
}

v1::Account LookupAccount(Pointsd& pointsd, uint64_t n) {
  v1::LookupAccountsRequest request;
  request.add_ids(IdToBytes(TestAccount(n).id));
  v1::LookupAccountsResponse response;
  EXPECT_TRUE(pointsd.stub().LookupAccounts(pointsd.Context().get(), request, &response).ok());
  return response.accounts_size() == 1 ? response.accounts(0) : v1::Account();
}

TEST(PointsdTest, EveryRpcWorksAndRetriesAreHarmless) {
  TempDir dir;
  Pointsd pointsd(dir.path());
  ASSERT_GT(pointsd.port(), 0);
  v1::CreateAccountsResponse created;
  ASSERT_TRUE(pointsd.stub().CreateAccounts(pointsd.Context().get(), TwoAccounts(), &created).ok());
  ASSERT_EQ(created.results_size(), 2);
  EXPECT_EQ(created.results(0).result(), v1::CREATE_ACCOUNT_RESULT_OK);

  const v1::CreateTransfersRequest award =
      Transfers({TestTransfer(1, 1, 2, 50), TestTransfer(2, 2, 1, 80)});  // 80 > 50: refused
  v1::CreateTransfersResponse first;
  ASSERT_TRUE(pointsd.stub().CreateTransfers(pointsd.Context().get(), award, &first).ok());
  EXPECT_EQ(first.results(0).result(), v1::CREATE_TRANSFER_RESULT_OK);
  EXPECT_EQ(first.results(1).result(), v1::CREATE_TRANSFER_RESULT_EXCEEDS_CREDITS);

  // The terminal never saw the response and resends: nothing is applied twice.
  v1::CreateTransfersResponse again;
  ASSERT_TRUE(pointsd.stub().CreateTransfers(pointsd.Context().get(), award, &again).ok());
  EXPECT_EQ(again.results(0).result(), v1::CREATE_TRANSFER_RESULT_EXISTS);
  EXPECT_EQ(again.results(0).timestamp(), first.results(0).timestamp());
  EXPECT_EQ(again.results(1).result(), v1::CREATE_TRANSFER_RESULT_ID_ALREADY_FAILED);
  EXPECT_EQ(LookupAccount(pointsd, 2).credits_posted(), 50u);
  EXPECT_EQ(LookupAccount(pointsd, 2).debits_posted(), 0u);

  v1::LookupTransfersRequest lookup;
  lookup.add_ids(IdToBytes(TestTransfer(1, 1, 2, 50).id));
  lookup.add_ids(IdToBytes(TestTransfer(2, 2, 1, 80).id));  // failed: not a transfer
  v1::LookupTransfersResponse found;
  ASSERT_TRUE(pointsd.stub().LookupTransfers(pointsd.Context().get(), lookup, &found).ok());
  ASSERT_EQ(found.transfers_size(), 1);
  EXPECT_EQ(found.transfers(0).amount(), 50u);

  v1::GetAccountHistoryRequest history;
  history.set_account_id(IdToBytes(TestAccount(2).id));
  history.set_limit(10);
  v1::GetAccountHistoryResponse page;
  ASSERT_TRUE(pointsd.stub().GetAccountHistory(pointsd.Context().get(), history, &page).ok());
  ASSERT_EQ(page.transfers_size(), 1);
  EXPECT_EQ(page.transfers(0).timestamp(), first.results(0).timestamp());
  EXPECT_EQ(pointsd.Stop(SIGTERM), 0);
}

TEST(PointsdTest, TheFirstStartWritesTheAdminTokenForItsOwnerOnlyAndCallsNeedAToken) {
  TempDir dir;
  std::string token;
  {
    Pointsd pointsd(dir.path());
    ASSERT_GT(pointsd.port(), 0);
    token = pointsd.admin_token();
    EXPECT_EQ(token.size(), 64u);
    struct stat file;
    ASSERT_EQ(stat((dir.path() + "/admin.token").c_str(), &file), 0);
    EXPECT_EQ(file.st_mode & 0777, 0600);
    v1::LookupAccountsRequest request;
    request.add_ids(IdToBytes(1));
    v1::LookupAccountsResponse response;
    EXPECT_TRUE(pointsd.stub().LookupAccounts(pointsd.Context().get(), request, &response).ok());
    grpc::ClientContext anonymous;
    EXPECT_EQ(pointsd.stub().LookupAccounts(&anonymous, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    grpc::ClientContext forged;
    forged.AddMetadata("authorization", "Bearer " + std::string(64, 'a'));
    EXPECT_EQ(pointsd.stub().LookupAccounts(&forged, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // A restart keeps the principal and leaves the file alone: the same token still works.
  Pointsd restarted(dir.path());
  ASSERT_GT(restarted.port(), 0);
  EXPECT_EQ(restarted.admin_token(), token);
  v1::LookupAccountsRequest request;
  request.add_ids(IdToBytes(1));
  v1::LookupAccountsResponse response;
  EXPECT_TRUE(restarted.stub().LookupAccounts(restarted.Context().get(), request, &response).ok());
}

TEST(PointsdTest, StandardHealthCheckAnswersServing) {
  TempDir dir;
  Pointsd pointsd(dir.path());
  EXPECT_EQ(testing::HealthStatusOf(pointsd.target(), ""), 1) << "the server: SERVING";
  // "points.write": whether writes are taken (NOT_SERVING after a fail-stop: pointsd --help).
  EXPECT_EQ(testing::HealthStatusOf(pointsd.target(), "points.write"), 1) << "writes are taken";
  EXPECT_EQ(testing::HealthStatusOf(pointsd.target(), "no.such.service"), 0);
}

TEST(PointsdTest, BadRequestsGetInvalidArgumentNamingTheFieldAndWriteNothing) {
  TempDir dir;
  Pointsd pointsd(dir.path());
  v1::CreateAccountsResponse created;
  ASSERT_TRUE(pointsd.stub().CreateAccounts(pointsd.Context().get(), TwoAccounts(), &created).ok());

  v1::CreateTransfersRequest bad_id =
      Transfers({TestTransfer(1, 1, 2, 5), TestTransfer(2, 1, 2, 5)});
  bad_id.mutable_transfers(1)->set_credit_account_id("short");
  v1::CreateTransfersResponse response;
  grpc::Status status = pointsd.stub().CreateTransfers(pointsd.Context().get(), bad_id, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("transfers[1].credit_account_id"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(LookupAccount(pointsd, 1).debits_posted(), 0u);  // the good first one was not applied

  v1::CreateTransfersRequest empty;
  status = pointsd.stub().CreateTransfers(pointsd.Context().get(), empty, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::LookupAccountsRequest no_ids;
  v1::LookupAccountsResponse accounts;
  status = pointsd.stub().LookupAccounts(pointsd.Context().get(), no_ids, &accounts);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetAccountHistoryRequest no_limit;
  no_limit.set_account_id(IdToBytes(TestAccount(1).id));
  v1::GetAccountHistoryResponse page;
  status = pointsd.stub().GetAccountHistory(pointsd.Context().get(), no_limit, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("limit"), std::string::npos);

  v1::GetAccountHistoryRequest unknown;
  unknown.set_account_id(IdToBytes(TestAccount(99).id));
  unknown.set_limit(5);
  status = pointsd.stub().GetAccountHistory(pointsd.Context().get(), unknown, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(PointsdTest, APendingTransferIsVoidedByTheServersExpiryTimerWhenItsTimeoutPasses) {
  TempDir dir;
  Pointsd pointsd(dir.path());
  v1::CreateAccountsResponse created;
  ASSERT_TRUE(pointsd.stub().CreateAccounts(pointsd.Context().get(), TwoAccounts(), &created).ok());
  Transfer reserve = TestTransfer(1, 1, 2, 40, kTransferPending);
  reserve.timeout = 1;  // seconds
  v1::CreateTransfersResponse response;
  ASSERT_TRUE(pointsd.stub()
                  .CreateTransfers(pointsd.Context().get(), Transfers({reserve}), &response)
                  .ok());
  ASSERT_EQ(response.results(0).result(), v1::CREATE_TRANSFER_RESULT_OK);
  EXPECT_EQ(LookupAccount(pointsd, 2).credits_pending(), 40u);
  // No request arrives meanwhile: only pointsd's timer can void it (watched for at most 30 s;
  // the engine's own idle check runs once a minute in pointsd).
  for (int i = 0; i < 300 && LookupAccount(pointsd, 2).credits_pending() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(LookupAccount(pointsd, 2).credits_pending(), 0u);
  EXPECT_EQ(LookupAccount(pointsd, 2).credits_posted(), 0u);
}

TEST(PointsdTest, SigtermWithWritesInFlightLosesNothingAcknowledgedAndRestartKeepsIt) {
  TempDir dir;
  absl::Mutex mu;
  std::vector<uint64_t> acknowledged;
  {
    Pointsd pointsd(dir.path());
    v1::CreateAccountsResponse created;
    ASSERT_TRUE(
        pointsd.stub().CreateAccounts(pointsd.Context().get(), TwoAccounts(), &created).ok());
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        for (uint64_t n = 1; !stop; ++n) {
          const uint64_t id = 1000000 * (w + 1) + n;
          v1::CreateTransfersResponse response;
          grpc::Status status = pointsd.stub().CreateTransfers(
              pointsd.Context().get(), Transfers({TestTransfer(id, 1, 2, 1)}), &response);
          if (!status.ok()) break;  // the server is going away
          if (response.results(0).result() == v1::CREATE_TRANSFER_RESULT_OK) {
            absl::MutexLock lock(&mu);
            acknowledged.push_back(id);
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const int status = pointsd.Stop(SIGTERM);
    stop = true;
    for (auto& writer : writers) writer.join();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  ASSERT_GT(acknowledged.size(), 10u);
  Pointsd restarted(dir.path());
  EXPECT_GE(LookupAccount(restarted, 1).debits_posted(), acknowledged.size());
  for (size_t start = 0; start < acknowledged.size(); start += 4000) {
    v1::LookupTransfersRequest lookup;
    for (size_t i = start; i < std::min(acknowledged.size(), start + 4000); ++i) {
      lookup.add_ids(IdToBytes(TestTransfer(acknowledged[i], 1, 2, 1).id));
    }
    v1::LookupTransfersResponse found;
    ASSERT_TRUE(restarted.stub().LookupTransfers(restarted.Context().get(), lookup, &found).ok());
    EXPECT_EQ(found.transfers_size(), lookup.ids_size()) << "an acknowledged transfer is gone";
  }
}

}  // namespace
}  // namespace points::server

#include "clients/cpp/ledger_service_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/cpp/channel_core.h"
#include "points/v1/ledger.grpc.pb.h"
#include "server/convert/convert.h"

namespace points::client {
namespace {

using Service = v1::LedgerService::Stub;

template <typename Records>
void FillIds(absl::Span<const Id> ids, Records* out) {
  out->Reserve(ids.size());
  for (Id id : ids) out->Add(server::IdToBytes(id));
}

absl::StatusOr<std::vector<Transfer>> TransfersFromResponse(
    absl::string_view method, google::protobuf::RepeatedPtrField<v1::Transfer>* transfers) {
  if (transfers->empty()) return std::vector<Transfer>();
  v1::CreateTransfersRequest as_request;
  as_request.mutable_transfers()->Swap(transfers);
  absl::StatusOr<std::vector<Transfer>> decoded = server::TransfersFromProto(as_request);
  if (!decoded.ok()) return MalformedResponse(method, decoded.status());
  return decoded;
}

// One result per event sent, in order: `EventResult` of `Code` from each proto result.
template <typename EventResult, typename Code, typename Response>
absl::StatusOr<std::vector<EventResult>> ResultsFromResponse(absl::string_view method,
                                                             absl::string_view events, size_t sent,
                                                             const Response& response) {
  if (static_cast<size_t>(response.results_size()) != sent) {
    return MalformedResponse(
        method, absl::InternalError(
                    absl::StrCat(response.results_size(), " results for ", sent, " ", events)));
  }
  std::vector<EventResult> results(sent);
  for (size_t i = 0; i < results.size(); ++i) {
    results[i].result = static_cast<Code>(response.results(i).result());
    results[i].timestamp = response.results(i).timestamp();
  }
  return results;
}

}  // namespace

struct LedgerServiceClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Service service;
};

LedgerServiceClient::LedgerServiceClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

LedgerServiceClient::~LedgerServiceClient() = default;

absl::StatusOr<std::vector<AccountEventResult>> LedgerServiceClient::CreateAccounts(
    absl::Span<const Account> accounts) {
  v1::CreateAccountsRequest request;
  for (const Account& account : accounts) server::AccountToProto(account, request.add_accounts());
  v1::CreateAccountsResponse response;
  if (absl::Status status = channel_->Call<Service>(stub_->service, "CreateAccounts",
                                                    &Service::CreateAccounts, request, &response);
      !status.ok()) {
    return status;
  }
  return ResultsFromResponse<AccountEventResult, CreateAccountResult>("CreateAccounts", "accounts",
                                                                      accounts.size(), response);
}

absl::StatusOr<std::vector<TransferEventResult>> LedgerServiceClient::CreateTransfers(
    absl::Span<const Transfer> transfers) {
  v1::CreateTransfersRequest request;
  for (const Transfer& t : transfers) server::TransferToProto(t, request.add_transfers());
  v1::CreateTransfersResponse response;
  if (absl::Status status = channel_->Call<Service>(stub_->service, "CreateTransfers",
                                                    &Service::CreateTransfers, request, &response);
      !status.ok()) {
    return status;
  }
  return ResultsFromResponse<TransferEventResult, CreateTransferResult>(
      "CreateTransfers", "transfers", transfers.size(), response);
}

absl::StatusOr<std::vector<Account>> LedgerServiceClient::LookupAccounts(absl::Span<const Id> ids) {
  v1::LookupAccountsRequest request;
  FillIds(ids, request.mutable_ids());
  v1::LookupAccountsResponse response;
  if (absl::Status status = channel_->Call<Service>(stub_->service, "LookupAccounts",
                                                    &Service::LookupAccounts, request, &response);
      !status.ok()) {
    return status;
  }
  if (response.accounts().empty()) return std::vector<Account>();
  v1::CreateAccountsRequest as_request;
  as_request.mutable_accounts()->Swap(response.mutable_accounts());
  absl::StatusOr<std::vector<Account>> accounts = server::AccountsFromProto(as_request);
  if (!accounts.ok()) return MalformedResponse("LookupAccounts", accounts.status());
  return accounts;
}

absl::StatusOr<std::vector<Transfer>> LedgerServiceClient::LookupTransfers(
    absl::Span<const Id> ids) {
  v1::LookupTransfersRequest request;
  FillIds(ids, request.mutable_ids());
  v1::LookupTransfersResponse response;
  if (absl::Status status = channel_->Call<Service>(stub_->service, "LookupTransfers",
                                                    &Service::LookupTransfers, request, &response);
      !status.ok()) {
    return status;
  }
  return TransfersFromResponse("LookupTransfers", response.mutable_transfers());
}

absl::StatusOr<std::vector<Transfer>> LedgerServiceClient::GetAccountHistory(
    const HistoryFilter& filter) {
  v1::GetAccountHistoryRequest request;
  request.set_account_id(server::IdToBytes(filter.account_id));
  request.set_timestamp_min(filter.timestamp_min);
  request.set_timestamp_max(filter.timestamp_max);
  request.set_limit(filter.limit);
  request.set_reversed(filter.reversed);
  v1::GetAccountHistoryResponse response;
  if (absl::Status status = channel_->Call<Service>(
          stub_->service, "GetAccountHistory", &Service::GetAccountHistory, request, &response);
      !status.ok()) {
    return status;
  }
  return TransfersFromResponse("GetAccountHistory", response.mutable_transfers());
}

// A stream has no one answer to wait for, so it keeps its own loop over the channel's retry
// rule: the attempts start afresh whenever changes arrive, and each resend resumes after the
// last change received instead of repeating the first request.
absl::Status LedgerServiceClient::WatchAccounts(absl::Span<const Id> ids, uint64_t after_timestamp,
                                                const WatchCallback& on_changes) {
  v1::WatchAccountsRequest request;
  FillIds(ids, request.mutable_account_ids());
  std::vector<BalanceChange> changes;
  for (int attempt = 1;; ++attempt) {
    request.set_after_timestamp(after_timestamp);  // the resume point moves with every message
    grpc::ClientContext context;
    channel_->Prepare(&context, /*with_deadline=*/false);
    auto reader = stub_->service.WatchAccounts(&context, request);
    v1::WatchAccountsResponse response;
    bool stopped = false;
    while (!stopped && reader->Read(&response)) {
      changes.clear();
      for (const v1::BalanceChange& proto : response.changes()) {
        absl::StatusOr<BalanceChange> change = server::BalanceChangeFromProto(proto);
        if (!change.ok()) {
          context.TryCancel();
          reader->Finish();
          return MalformedResponse("WatchAccounts", change.status());
        }
        changes.push_back(*change);
      }
      if (changes.empty()) continue;
      after_timestamp = changes.back().balance.timestamp;
      attempt = 1;  // the stream worked: a later drop starts a fresh round of attempts
      stopped = !on_changes(changes);
    }
    if (stopped) context.TryCancel();
    const absl::Status status = FromGrpc(reader->Finish());
    if (stopped) return absl::OkStatus();
    if (absl::Status final;
        !channel_->RetryAfter("WatchAccounts", Resend::kWhileUnanswered, attempt, status, &final)) {
      return final;
    }
  }
}

}  // namespace points::client

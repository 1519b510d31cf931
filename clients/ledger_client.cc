#include "ledger_client.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "convert.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "points/v1/ledger.grpc.pb.h"

namespace points::client {
namespace {

// As pointsd: requests and responses are at most 4 MiB.
constexpr int kMessageBytesMax = 4 << 20;

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// Decoding goes through the server's own checks (convert.h) by presenting the response's records
// as a request; a record that fails them means the server and this client disagree on the wire.
absl::Status MalformedResponse(absl::string_view method, const absl::Status& status) {
  return absl::InternalError(
      absl::StrCat(method, ": malformed response from the server: ", status.message()));
}

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

}  // namespace

bool IsRetryable(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded;
}

absl::Duration BackoffBeforeRetry(const RetryPolicy& policy, int retry) {
  absl::Duration backoff = policy.initial_backoff;
  for (int i = 1; i < retry && backoff < policy.max_backoff; ++i) {
    backoff *= policy.backoff_multiplier;
  }
  return std::min(backoff, policy.max_backoff);
}

struct LedgerClient::Connection {
  std::unique_ptr<v1::LedgerService::Stub> stub;
  absl::BitGen random;

  // Sends `request` until it is answered, it fails for good or the attempts run out. The request
  // object is built once by the caller and never changed here, so every attempt carries the same
  // ids.
  template <typename Request, typename Response, typename Method>
  absl::Status Call(absl::string_view name, const ClientOptions& options, const std::string& target,
                    Method method, const Request& request, Response* response) {
    const int max_attempts = std::max(1, options.retry.max_attempts);
    for (int attempt = 1;; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
      response->Clear();
      const absl::Status status = FromGrpc((stub.get()->*method)(&context, request, response));
      if (status.ok()) return status;
      if (!IsRetryable(status.code()) || attempt >= max_attempts) {
        return absl::Status(
            status.code(),
            absl::StrCat(name, " to ", target, ": ", status.message(),
                         attempt > 1 ? absl::StrCat(" (after ", attempt, " attempts)") : ""));
      }
      if (options.on_retry) options.on_retry(attempt + 1, status);
      // Jitter spreads out the retries of many terminals that lost the server at the same moment.
      absl::SleepFor(BackoffBeforeRetry(options.retry, attempt) * absl::Uniform(random, 0.8, 1.2));
    }
  }
};

LedgerClient::LedgerClient(const std::string& target, ClientOptions options)
    : target_(target), options_(std::move(options)), connection_(std::make_unique<Connection>()) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMessageBytesMax);
  arguments.SetMaxSendMessageSize(kMessageBytesMax);
  // Keep the channel's own reconnection in step with the retry policy, else our retries fail at
  // once with the last error while the channel waits: its reconnect backoff (1 s growing to
  // 120 s by default), and the re-resolution of the target after every address failed (at most
  // every 30 s by default). Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: despite its name it is the
  // connect timeout, and a short one cuts off the handshake with a server that is starting.
  const int64_t initial_ms = absl::ToInt64Milliseconds(options_.retry.initial_backoff);
  const int64_t max_ms = absl::ToInt64Milliseconds(options_.retry.max_backoff);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                   static_cast<int>(std::clamp<int64_t>(initial_ms, 1, INT32_MAX)));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                   static_cast<int>(std::clamp<int64_t>(max_ms, 1, INT32_MAX)));
  arguments.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS,
                   static_cast<int>(std::clamp<int64_t>(initial_ms, 1, INT32_MAX)));
  connection_->stub = v1::LedgerService::NewStub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments));
}

LedgerClient::~LedgerClient() = default;

absl::StatusOr<std::vector<AccountEventResult>> LedgerClient::CreateAccounts(
    absl::Span<const Account> accounts) {
  v1::CreateAccountsRequest request;
  for (const Account& account : accounts) server::AccountToProto(account, request.add_accounts());
  v1::CreateAccountsResponse response;
  if (absl::Status status =
          connection_->Call("CreateAccounts", options_, target_,
                            &v1::LedgerService::Stub::CreateAccounts, request, &response);
      !status.ok()) {
    return status;
  }
  if (static_cast<size_t>(response.results_size()) != accounts.size()) {
    return MalformedResponse(
        "CreateAccounts", absl::InternalError(absl::StrCat(response.results_size(), " results for ",
                                                           accounts.size(), " accounts")));
  }
  std::vector<AccountEventResult> results(accounts.size());
  for (size_t i = 0; i < results.size(); ++i) {
    results[i].result = static_cast<CreateAccountResult>(response.results(i).result());
    results[i].timestamp = response.results(i).timestamp();
  }
  return results;
}

absl::StatusOr<std::vector<TransferEventResult>> LedgerClient::CreateTransfers(
    absl::Span<const Transfer> transfers) {
  v1::CreateTransfersRequest request;
  for (const Transfer& t : transfers) server::TransferToProto(t, request.add_transfers());
  v1::CreateTransfersResponse response;
  if (absl::Status status =
          connection_->Call("CreateTransfers", options_, target_,
                            &v1::LedgerService::Stub::CreateTransfers, request, &response);
      !status.ok()) {
    return status;
  }
  if (static_cast<size_t>(response.results_size()) != transfers.size()) {
    return MalformedResponse("CreateTransfers", absl::InternalError(absl::StrCat(
                                                    response.results_size(), " results for ",
                                                    transfers.size(), " transfers")));
  }
  std::vector<TransferEventResult> results(transfers.size());
  for (size_t i = 0; i < results.size(); ++i) {
    results[i].result = static_cast<CreateTransferResult>(response.results(i).result());
    results[i].timestamp = response.results(i).timestamp();
  }
  return results;
}

absl::StatusOr<std::vector<Account>> LedgerClient::LookupAccounts(absl::Span<const Id> ids) {
  v1::LookupAccountsRequest request;
  FillIds(ids, request.mutable_ids());
  v1::LookupAccountsResponse response;
  if (absl::Status status =
          connection_->Call("LookupAccounts", options_, target_,
                            &v1::LedgerService::Stub::LookupAccounts, request, &response);
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

absl::StatusOr<std::vector<Transfer>> LedgerClient::LookupTransfers(absl::Span<const Id> ids) {
  v1::LookupTransfersRequest request;
  FillIds(ids, request.mutable_ids());
  v1::LookupTransfersResponse response;
  if (absl::Status status =
          connection_->Call("LookupTransfers", options_, target_,
                            &v1::LedgerService::Stub::LookupTransfers, request, &response);
      !status.ok()) {
    return status;
  }
  return TransfersFromResponse("LookupTransfers", response.mutable_transfers());
}

absl::StatusOr<std::vector<Transfer>> LedgerClient::GetAccountHistory(const HistoryFilter& filter) {
  v1::GetAccountHistoryRequest request;
  request.set_account_id(server::IdToBytes(filter.account_id));
  request.set_timestamp_min(filter.timestamp_min);
  request.set_timestamp_max(filter.timestamp_max);
  request.set_limit(filter.limit);
  request.set_reversed(filter.reversed);
  v1::GetAccountHistoryResponse response;
  if (absl::Status status =
          connection_->Call("GetAccountHistory", options_, target_,
                            &v1::LedgerService::Stub::GetAccountHistory, request, &response);
      !status.ok()) {
    return status;
  }
  return TransfersFromResponse("GetAccountHistory", response.mutable_transfers());
}

absl::Status LedgerClient::WatchAccounts(absl::Span<const Id> ids, uint64_t after_timestamp,
                                         const WatchCallback& on_changes) {
  v1::WatchAccountsRequest request;
  FillIds(ids, request.mutable_account_ids());
  const int max_attempts = std::max(1, options_.retry.max_attempts);
  std::vector<BalanceChange> changes;
  for (int attempt = 1;; ++attempt) {
    request.set_after_timestamp(after_timestamp);  // the resume point moves with every message
    grpc::ClientContext context;
    auto reader = connection_->stub->WatchAccounts(&context, request);
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
    if (!IsRetryable(status.code()) || attempt >= max_attempts) {
      return absl::Status(
          status.code(),
          absl::StrCat("WatchAccounts to ", target_, ": ", status.message(),
                       attempt > 1 ? absl::StrCat(" (after ", attempt, " attempts)") : ""));
    }
    if (options_.on_retry) options_.on_retry(attempt + 1, status);
    absl::SleepFor(BackoffBeforeRetry(options_.retry, attempt) *
                   absl::Uniform(connection_->random, 0.8, 1.2));
  }
}

}  // namespace points::client

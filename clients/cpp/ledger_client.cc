#include "clients/cpp/ledger_client.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/channel_arguments.h"
#include "points/v1/admin.grpc.pb.h"
#include "points/v1/awards.grpc.pb.h"
#include "points/v1/board.grpc.pb.h"
#include "points/v1/community.grpc.pb.h"
#include "points/v1/ledger.grpc.pb.h"
#include "points/v1/receipts.grpc.pb.h"
#include "points/v1/shops.grpc.pb.h"
#include "points/v1/tasks.grpc.pb.h"
#include "server/convert/award_convert.h"
#include "server/convert/convert.h"
#include "server/convert/shop_convert.h"

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

// grpc.health.v1.Health/Check through a generic stub: Debian's gRPC ships no generated health
// stubs, and both messages are one field each, HealthCheckRequest{string service = 1} and
// HealthCheckResponse{ServingStatus status = 1}, so they are encoded here by hand.
class HealthStub {
 public:
  explicit HealthStub(std::shared_ptr<grpc::Channel> channel) : generic_(std::move(channel)) {}

  // The shape of a generated stub's method, so Connection::CallOn retries it like the others.
  grpc::Status Check(grpc::ClientContext* context, const grpc::ByteBuffer& request,
                     grpc::ByteBuffer* response) {
    absl::Notification done;
    grpc::Status status;
    generic_.UnaryCall(context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                       response, [&](grpc::Status s) {
                         status = std::move(s);
                         done.Notify();
                       });
    done.WaitForNotification();
    return status;
  }

  static grpc::ByteBuffer EncodeRequest(const std::string& service) {
    std::string bytes;
    {
      google::protobuf::io::StringOutputStream stream(&bytes);
      google::protobuf::io::CodedOutputStream out(&stream);
      if (!service.empty()) {
        google::protobuf::internal::WireFormatLite::WriteString(1, service, &out);
      }
    }
    grpc::Slice slice(bytes);
    return grpc::ByteBuffer(&slice, 1);
  }

  // The status field; fields this client does not know are skipped, as protobuf does.
  static absl::StatusOr<HealthStatus> DecodeResponse(const grpc::ByteBuffer& response) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (response.Valid() && !response.Dump(&slices).ok()) {
      return absl::InternalError("Health: unreadable response");
    }
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    uint32_t status = 0;  // absent: UNKNOWN, protobuf's default
    for (uint32_t tag; (tag = in.ReadTag()) != 0;) {
      using google::protobuf::internal::WireFormatLite;
      const bool ok = tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT)
                          ? in.ReadVarint32(&status)
                          : WireFormatLite::SkipField(&in, tag);
      if (!ok) return absl::InternalError("Health: malformed response from the server");
    }
    if (!in.ConsumedEntireMessage() || status > 3) {
      return absl::InternalError("Health: malformed response from the server");
    }
    return static_cast<HealthStatus>(status);
  }

 private:
  grpc::GenericStub generic_;
};

}  // namespace

const char* HealthStatusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kServing:
      return "SERVING";
    case HealthStatus::kNotServing:
      return "NOT_SERVING";
    case HealthStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case HealthStatus::kUnknown:
      break;
  }
  return "UNKNOWN";
}

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

namespace {

// The options' metadata and token on a call.
void AddMetadata(const ClientOptions& options, grpc::ClientContext* context) {
  for (const auto& [name, value] : options.metadata) context->AddMetadata(name, value);
  if (!options.token.empty()) context->AddMetadata("authorization", "Bearer " + options.token);
}

}  // namespace

struct LedgerClient::Connection {
  std::unique_ptr<v1::LedgerService::Stub> stub;
  std::unique_ptr<v1::VillageService::Stub> villages;
  std::unique_ptr<v1::AwardService::Stub> awards;
  std::unique_ptr<v1::ShopService::Stub> shops;
  std::unique_ptr<v1::BoardService::Stub> board;
  std::unique_ptr<v1::ReceiptService::Stub> receipts;
  std::unique_ptr<v1::TaskService::Stub> tasks;
  std::unique_ptr<v1::AdminService::Stub> admin;
  std::unique_ptr<v1::CommunityService::Stub> community;
  std::unique_ptr<HealthStub> health;
  absl::BitGen random;

  // Sends `request` until it is answered, it fails for good or the attempts run out. The request
  // object is built once by the caller and never changed here, so every attempt carries the same
  // ids.
  template <typename Request, typename Response, typename Method>
  absl::Status Call(absl::string_view name, const ClientOptions& options, const std::string& target,
                    Method method, const Request& request, Response* response) {
    return CallOn(*stub, name, options, target, method, request, response);
  }

  template <typename Stub, typename Request, typename Response, typename Method>
  absl::Status CallOn(Stub& on, absl::string_view name, const ClientOptions& options,
                      const std::string& target, Method method, const Request& request,
                      Response* response) {
    const int max_attempts = std::max(1, options.retry.max_attempts);
    for (int attempt = 1;; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
      AddMetadata(options, &context);
      response->Clear();
      const absl::Status status = FromGrpc((on.*method)(&context, request, response));
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
  // A watch has no deadline: keepalive pings find a connection that died silently (a rural
  // link that dropped without a FIN), so the watch resumes instead of waiting for ever. pointsd
  // accepts pings this often (kKeepalivePingsMinMs there).
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options_.tls.enabled) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = options_.tls.root_certs_pem;
    tls.pem_cert_chain = options_.tls.client_cert_pem;
    tls.pem_private_key = options_.tls.client_key_pem;
    credentials = grpc::SslCredentials(tls);
  }
  auto channel = grpc::CreateCustomChannel(target, credentials, arguments);
  connection_->stub = v1::LedgerService::NewStub(channel);
  connection_->villages = v1::VillageService::NewStub(channel);
  connection_->awards = v1::AwardService::NewStub(channel);
  connection_->shops = v1::ShopService::NewStub(channel);
  connection_->board = v1::BoardService::NewStub(channel);
  connection_->receipts = v1::ReceiptService::NewStub(channel);
  connection_->tasks = v1::TaskService::NewStub(channel);
  connection_->admin = v1::AdminService::NewStub(channel);
  connection_->community = v1::CommunityService::NewStub(channel);
  connection_->health = std::make_unique<HealthStub>(channel);
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
    AddMetadata(options_, &context);
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

// ---- Villages and awards ----

absl::StatusOr<Id> LedgerClient::CreateVillage(uint32_t village) {
  v1::CreateVillageRequest request;
  request.set_village(village);
  v1::CreateVillageResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->villages, "CreateVillage", options_, target_,
                              &v1::VillageService::Stub::CreateVillage, request, &response);
      !status.ok()) {
    return status;
  }
  return server::IdFromBytes(response.issuer_account_id(), "issuer_account_id");
}

absl::StatusOr<Id> LedgerClient::CreateHousehold(uint32_t village, uint64_t household) {
  v1::CreateHouseholdRequest request;
  request.set_village(village);
  request.set_household(household);
  v1::CreateHouseholdResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->villages, "CreateHousehold", options_, target_,
                              &v1::VillageService::Stub::CreateHousehold, request, &response);
      !status.ok()) {
    return status;
  }
  return server::IdFromBytes(response.account_id(), "account_id");
}

absl::StatusOr<Id> LedgerClient::PutHousehold(const domain::Household& household) {
  v1::PutHouseholdRequest request;
  server::HouseholdToProto(household, request.mutable_household());
  v1::PutHouseholdResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->villages, "PutHousehold", options_, target_,
                              &v1::VillageService::Stub::PutHousehold, request, &response);
      !status.ok()) {
    return status;
  }
  return server::IdFromBytes(response.account_id(), "account_id");
}

absl::StatusOr<std::vector<domain::Household>> LedgerClient::ListHouseholds(uint32_t village,
                                                                            bool reveal) {
  v1::ListHouseholdsRequest request;
  request.set_village(village);
  request.set_reveal(reveal);
  v1::ListHouseholdsResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->villages, "ListHouseholds", options_, target_,
                              &v1::VillageService::Stub::ListHouseholds, request, &response);
      !status.ok()) {
    return status;
  }
  std::vector<domain::Household> households;
  for (const v1::Household& h : response.households()) {
    households.push_back(server::HouseholdFromProto(h));
  }
  return households;
}

absl::Status LedgerClient::CloseHousehold(uint32_t village, uint64_t household) {
  v1::CloseHouseholdRequest request;
  request.set_village(village);
  request.set_household(household);
  v1::CloseHouseholdResponse response;
  return connection_->CallOn(*connection_->villages, "CloseHousehold", options_, target_,
                             &v1::VillageService::Stub::CloseHousehold, request, &response);
}

absl::Status LedgerClient::SetBudget(uint32_t village, uint32_t month, uint64_t points) {
  v1::SetBudgetRequest request;
  request.set_village(village);
  request.set_month(month);
  request.set_points(points);
  v1::SetBudgetResponse response;
  return connection_->CallOn(*connection_->villages, "SetBudget", options_, target_,
                             &v1::VillageService::Stub::SetBudget, request, &response);
}

absl::StatusOr<v1::GetHouseholdResponse> LedgerClient::GetHousehold(uint32_t village,
                                                                    uint64_t household) {
  v1::GetHouseholdRequest request;
  request.set_village(village);
  request.set_household(household);
  v1::GetHouseholdResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->villages, "GetHousehold", options_, target_,
                              &v1::VillageService::Stub::GetHousehold, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<v1::SetExpiryPolicyResponse> LedgerClient::SetExpiryPolicy(uint32_t village,
                                                                          bool enabled,
                                                                          uint32_t grace_years) {
  v1::SetExpiryPolicyRequest request;
  request.set_village(village);
  request.set_enabled(enabled);
  request.set_grace_years(grace_years);
  v1::SetExpiryPolicyResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->villages, "SetExpiryPolicy", options_, target_,
                              &v1::VillageService::Stub::SetExpiryPolicy, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<v1::GetCheckpointResponse> LedgerClient::GetCheckpoint(
    const v1::GetCheckpointRequest& request) {
  v1::GetCheckpointResponse response;
  absl::Status status =
      connection_->CallOn(*connection_->receipts, "GetCheckpoint", options_, target_,
                          &v1::ReceiptService::Stub::GetCheckpoint, request, &response);
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetConsistencyProofResponse> LedgerClient::GetConsistencyProof(
    const v1::GetConsistencyProofRequest& request) {
  v1::GetConsistencyProofResponse response;
  absl::Status status =
      connection_->CallOn(*connection_->receipts, "GetConsistencyProof", options_, target_,
                          &v1::ReceiptService::Stub::GetConsistencyProof, request, &response);
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::AddCosignatureResponse> LedgerClient::AddCosignature(
    const v1::AddCosignatureRequest& request) {
  v1::AddCosignatureResponse response;
  absl::Status status =
      connection_->CallOn(*connection_->receipts, "AddCosignature", options_, target_,
                          &v1::ReceiptService::Stub::AddCosignature, request, &response);
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetBoardResponse> LedgerClient::GetBoard(const v1::GetBoardRequest& request) {
  v1::GetBoardResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->board, "GetBoard", options_, target_,
                              &v1::BoardService::Stub::GetBoard, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<v1::GetStatementResponse> LedgerClient::GetStatement(
    const v1::GetStatementRequest& request) {
  v1::GetStatementResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->board, "GetStatement", options_, target_,
                              &v1::BoardService::Stub::GetStatement, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<v1::GetReportResponse> LedgerClient::GetReport(const v1::GetReportRequest& request) {
  v1::GetReportResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->board, "GetReport", options_, target_,
                              &v1::BoardService::Stub::GetReport, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<v1::RateResponse> LedgerClient::Rate(const domain::RatingRequest& rating) {
  v1::RateRequest request;
  request.set_village(rating.village);
  request.set_household(rating.household);
  if (rating.kind == domain::RatingSubject::kBasket) {
    request.set_subject(v1::RATING_SUBJECT_BASKET);
    request.set_subject_id(server::IdToBytes(rating.subject));
  } else {
    request.set_subject(v1::RATING_SUBJECT_TASK);
    request.set_subject_task(static_cast<uint32_t>(rating.subject));
  }
  request.set_stars(rating.stars);
  request.set_comment(rating.comment);
  v1::RateResponse response;
  if (absl::Status status = connection_->CallOn(*connection_->board, "Rate", options_, target_,
                                                &v1::BoardService::Stub::Rate, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<v1::BackupResponse> LedgerClient::Backup(const std::string& dir) {
  v1::BackupRequest request;
  request.set_dir(dir);
  v1::BackupResponse response;
  // A backup is not retried: a second attempt would find the first one's directory.
  ClientOptions once = options_;
  once.retry.max_attempts = 1;
  if (absl::Status status =
          connection_->CallOn(*connection_->admin, "Backup", once, target_,
                              &v1::AdminService::Stub::Backup, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<HealthStatus> LedgerClient::Health(const std::string& service) {
  const grpc::ByteBuffer request = HealthStub::EncodeRequest(service);
  grpc::ByteBuffer response;
  if (absl::Status status = connection_->CallOn(*connection_->health, "Health", options_, target_,
                                                &HealthStub::Check, request, &response);
      !status.ok()) {
    return status;
  }
  return HealthStub::DecodeResponse(response);
}

absl::Status LedgerClient::PutTown(const v1::Town& town) {
  v1::PutTownRequest request;
  *request.mutable_town() = town;
  v1::PutTownResponse response;
  return connection_->CallOn(*connection_->villages, "PutTown", options_, target_,
                             &v1::VillageService::Stub::PutTown, request, &response);
}

absl::StatusOr<std::vector<v1::Town>> LedgerClient::ListTowns() {
  v1::ListTownsResponse response;
  if (absl::Status status = connection_->CallOn(*connection_->villages, "ListTowns", options_,
                                                target_, &v1::VillageService::Stub::ListTowns,
                                                v1::ListTownsRequest(), &response);
      !status.ok()) {
    return status;
  }
  return std::vector<v1::Town>(response.towns().begin(), response.towns().end());
}

absl::Status LedgerClient::PutVillage(const v1::Village& village) {
  v1::PutVillageRequest request;
  *request.mutable_village() = village;
  v1::PutVillageResponse response;
  return connection_->CallOn(*connection_->villages, "PutVillage", options_, target_,
                             &v1::VillageService::Stub::PutVillage, request, &response);
}

absl::StatusOr<std::vector<v1::Village>> LedgerClient::ListVillages(uint32_t town) {
  v1::ListVillagesRequest request;
  request.set_town(town);
  v1::ListVillagesResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->villages, "ListVillages", options_, target_,
                              &v1::VillageService::Stub::ListVillages, request, &response);
      !status.ok()) {
    return status;
  }
  return std::vector<v1::Village>(response.villages().begin(), response.villages().end());
}

absl::Status LedgerClient::PutGrid(const v1::Grid& grid) {
  v1::PutGridRequest request;
  *request.mutable_grid() = grid;
  v1::PutGridResponse response;
  return connection_->CallOn(*connection_->villages, "PutGrid", options_, target_,
                             &v1::VillageService::Stub::PutGrid, request, &response);
}

absl::StatusOr<std::vector<v1::Grid>> LedgerClient::ListGrids(uint32_t village) {
  v1::ListGridsRequest request;
  request.set_village(village);
  v1::ListGridsResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->villages, "ListGrids", options_, target_,
                              &v1::VillageService::Stub::ListGrids, request, &response);
      !status.ok()) {
    return status;
  }
  return std::vector<v1::Grid>(response.grids().begin(), response.grids().end());
}

absl::StatusOr<v1::Task> LedgerClient::PostTask(const v1::Task& task) {
  v1::PostTaskRequest request;
  *request.mutable_task() = task;
  v1::PostTaskResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->tasks, "PostTask", options_, target_,
                              &v1::TaskService::Stub::PostTask, request, &response);
      !status.ok()) {
    return status;
  }
  return response.task();
}

absl::StatusOr<v1::Claim> LedgerClient::ClaimTask(uint32_t village, uint32_t task, Id claim,
                                                  v1::ClaimantKind kind, uint64_t claimant) {
  v1::ClaimTaskRequest request;
  request.set_village(village);
  request.set_task(task);
  request.set_claim_id(server::IdToBytes(claim));
  request.set_claimant_kind(kind);
  request.set_claimant(claimant);
  v1::ClaimTaskResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->tasks, "ClaimTask", options_, target_,
                              &v1::TaskService::Stub::ClaimTask, request, &response);
      !status.ok()) {
    return status;
  }
  return response.claim();
}

absl::StatusOr<v1::Claim> LedgerClient::CompleteTask(const v1::CompleteTaskRequest& request) {
  v1::CompleteTaskResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->tasks, "CompleteTask", options_, target_,
                              &v1::TaskService::Stub::CompleteTask, request, &response);
      !status.ok()) {
    return status;
  }
  return response.claim();
}

absl::StatusOr<v1::Claim> LedgerClient::VerifyTask(const v1::VerifyTaskRequest& request) {
  v1::VerifyTaskResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->tasks, "VerifyTask", options_, target_,
                              &v1::TaskService::Stub::VerifyTask, request, &response);
      !status.ok()) {
    return status;
  }
  return response.claim();
}

Id LedgerClient::AwardOf(const v1::Claim& claim) {
  absl::StatusOr<Id> award = server::IdFromBytes(claim.award_id(), "award_id");
  return award.ok() ? *award : 0;
}

absl::StatusOr<v1::GetTaskResponse> LedgerClient::GetTask(uint32_t village, uint32_t task) {
  v1::GetTaskRequest request;
  request.set_village(village);
  request.set_task(task);
  v1::GetTaskResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->tasks, "GetTask", options_, target_,
                              &v1::TaskService::Stub::GetTask, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<std::vector<v1::Task>> LedgerClient::ListTasks(uint32_t village) {
  v1::ListTasksRequest request;
  request.set_village(village);
  v1::ListTasksResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->tasks, "ListTasks", options_, target_,
                              &v1::TaskService::Stub::ListTasks, request, &response);
      !status.ok()) {
    return status;
  }
  return std::vector<v1::Task>(response.tasks().begin(), response.tasks().end());
}

absl::StatusOr<domain::CatalogueRule> LedgerClient::PutRule(const domain::CatalogueRule& rule,
                                                            uint32_t replaces_version) {
  v1::PutRuleRequest request;
  request.set_village(rule.village);
  request.set_replaces_version(replaces_version);
  server::CatalogueRuleToProto(rule, request.mutable_rule());
  v1::PutRuleResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "PutRule", options_, target_,
                              &v1::AwardService::Stub::PutRule, request, &response);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<domain::CatalogueRule> put =
      server::CatalogueRuleFromProto(rule.village, response.rule());
  if (!put.ok()) return MalformedResponse("PutRule", put.status());
  return put;
}

absl::StatusOr<std::vector<domain::CatalogueRule>> LedgerClient::ListRules(uint32_t village,
                                                                           uint32_t rule) {
  v1::ListRulesRequest request;
  request.set_village(village);
  request.set_rule(rule);
  v1::ListRulesResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "ListRules", options_, target_,
                              &v1::AwardService::Stub::ListRules, request, &response);
      !status.ok()) {
    return status;
  }
  std::vector<domain::CatalogueRule> rules;
  for (const v1::Rule& r : response.rules()) {
    absl::StatusOr<domain::CatalogueRule> rule = server::CatalogueRuleFromProto(village, r);
    if (!rule.ok()) return MalformedResponse("ListRules", rule.status());
    rules.push_back(*std::move(rule));
  }
  return rules;
}

namespace {

// An award as the server sent it, decoded by the server's own checks.
absl::StatusOr<domain::Award> AwardFromResponse(absl::string_view method, const v1::Award& in) {
  absl::StatusOr<domain::AwardRequest> request = server::AwardRequestFromProto(in);
  if (!request.ok()) return MalformedResponse(method, request.status());
  domain::Award award;
  award.request = *std::move(request);
  award.amount = in.points();
  if (in.state() < v1::AWARD_STATE_AWAITING_REVIEW || in.state() > v1::AWARD_STATE_REFUSED) {
    return MalformedResponse(method, absl::InternalError("unknown award state"));
  }
  award.state = static_cast<domain::AwardState>(in.state());
  award.recorded_at_ns = in.recorded_at();
  award.notice_ends_at_ns = in.notice_ends_at();
  award.reviewed_by = in.reviewed_by();
  award.objected_by = in.objected_by();
  award.objection = in.objection();
  award.decided_by = in.decided_by();
  award.refusal = in.refusal();
  return award;
}

}  // namespace

absl::StatusOr<domain::Award> LedgerClient::RecordAward(const domain::AwardRequest& award) {
  v1::RecordAwardRequest request;
  domain::Award as_award;
  as_award.request = award;
  server::AwardToProto(as_award, request.mutable_award());
  v1::RecordAwardResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "RecordAward", options_, target_,
                              &v1::AwardService::Stub::RecordAward, request, &response);
      !status.ok()) {
    return status;
  }
  return AwardFromResponse("RecordAward", response.award());
}

absl::StatusOr<std::vector<absl::StatusOr<domain::Award>>> LedgerClient::RecordAwards(
    absl::Span<const domain::AwardRequest> awards) {
  v1::RecordAwardsRequest request;
  for (const domain::AwardRequest& award : awards) {
    domain::Award as_award;
    as_award.request = award;
    server::AwardToProto(as_award, request.add_awards());
  }
  v1::RecordAwardsResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "RecordAwards", options_, target_,
                              &v1::AwardService::Stub::RecordAwards, request, &response);
      !status.ok()) {
    return status;
  }
  if (static_cast<size_t>(response.results_size()) != awards.size()) {
    return MalformedResponse("RecordAwards", absl::InternalError("one result per award expected"));
  }
  std::vector<absl::StatusOr<domain::Award>> results;
  for (const v1::RecordAwardsResponse::Result& r : response.results()) {
    if (r.error_code() != 0) {
      results.push_back(
          absl::Status(static_cast<absl::StatusCode>(r.error_code()), r.error_message()));
    } else {
      results.push_back(AwardFromResponse("RecordAwards", r.award()));
    }
  }
  return results;
}

absl::StatusOr<domain::Award> LedgerClient::ApproveAward(uint32_t village, Id award) {
  v1::ApproveAwardRequest request;
  request.set_village(village);
  request.set_award_id(server::IdToBytes(award));
  v1::ApproveAwardResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "ApproveAward", options_, target_,
                              &v1::AwardService::Stub::ApproveAward, request, &response);
      !status.ok()) {
    return status;
  }
  return AwardFromResponse("ApproveAward", response.award());
}

absl::StatusOr<domain::Award> LedgerClient::ObjectToAward(uint32_t village, Id award,
                                                          const std::string& reason) {
  v1::ObjectToAwardRequest request;
  request.set_village(village);
  request.set_award_id(server::IdToBytes(award));
  request.set_reason(reason);
  v1::ObjectToAwardResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "ObjectToAward", options_, target_,
                              &v1::AwardService::Stub::ObjectToAward, request, &response);
      !status.ok()) {
    return status;
  }
  return AwardFromResponse("ObjectToAward", response.award());
}

absl::StatusOr<domain::Award> LedgerClient::DecideAward(uint32_t village, Id award, bool keep) {
  v1::DecideAwardRequest request;
  request.set_village(village);
  request.set_award_id(server::IdToBytes(award));
  request.set_keep(keep);
  v1::DecideAwardResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "DecideAward", options_, target_,
                              &v1::AwardService::Stub::DecideAward, request, &response);
      !status.ok()) {
    return status;
  }
  return AwardFromResponse("DecideAward", response.award());
}

absl::StatusOr<domain::Award> LedgerClient::GetAward(uint32_t village, Id award) {
  v1::GetAwardRequest request;
  request.set_village(village);
  request.set_award_id(server::IdToBytes(award));
  v1::GetAwardResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "GetAward", options_, target_,
                              &v1::AwardService::Stub::GetAward, request, &response);
      !status.ok()) {
    return status;
  }
  return AwardFromResponse("GetAward", response.award());
}

absl::StatusOr<std::vector<domain::Award>> LedgerClient::ListAwards(uint32_t village,
                                                                    domain::AwardState state,
                                                                    bool* truncated) {
  v1::ListAwardsRequest request;
  request.set_village(village);
  request.set_state(static_cast<v1::AwardState>(state));
  v1::ListAwardsResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->awards, "ListAwards", options_, target_,
                              &v1::AwardService::Stub::ListAwards, request, &response);
      !status.ok()) {
    return status;
  }
  std::vector<domain::Award> awards;
  for (const v1::Award& a : response.awards()) {
    absl::StatusOr<domain::Award> award = AwardFromResponse("ListAwards", a);
    if (!award.ok()) return award.status();
    awards.push_back(*std::move(award));
  }
  if (truncated != nullptr) *truncated = response.truncated();
  return awards;
}

// ---- Shops ----

absl::Status LedgerClient::CreateShop(uint32_t village, uint32_t shop, const std::string& name) {
  v1::CreateShopRequest request;
  request.set_village(village);
  request.set_shop(shop);
  request.set_name(name);
  v1::CreateShopResponse response;
  return connection_->CallOn(*connection_->shops, "CreateShop", options_, target_,
                             &v1::ShopService::Stub::CreateShop, request, &response);
}

absl::Status LedgerClient::PutItem(uint32_t village, uint32_t shop, const domain::Item& item) {
  v1::PutItemRequest request;
  request.set_village(village);
  request.set_shop(shop);
  server::ItemToProto(item, request.mutable_item());
  v1::PutItemResponse response;
  return connection_->CallOn(*connection_->shops, "PutItem", options_, target_,
                             &v1::ShopService::Stub::PutItem, request, &response);
}

absl::Status LedgerClient::Restock(uint32_t village, uint32_t shop, uint32_t item, Id restock,
                                   uint64_t quantity) {
  v1::RestockRequest request;
  request.set_village(village);
  request.set_shop(shop);
  request.set_item(item);
  request.set_restock_id(server::IdToBytes(restock));
  request.set_quantity(quantity);
  v1::RestockResponse response;
  return connection_->CallOn(*connection_->shops, "Restock", options_, target_,
                             &v1::ShopService::Stub::Restock, request, &response);
}

absl::StatusOr<std::vector<domain::Item>> LedgerClient::ListItems(uint32_t village, uint32_t shop) {
  v1::ListItemsRequest request;
  request.set_village(village);
  request.set_shop(shop);
  v1::ListItemsResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->shops, "ListItems", options_, target_,
                              &v1::ShopService::Stub::ListItems, request, &response);
      !status.ok()) {
    return status;
  }
  std::vector<domain::Item> items;
  for (const v1::Item& item : response.items()) items.push_back(server::ItemFromProto(item));
  return items;
}

namespace {

absl::StatusOr<domain::Basket> BasketFromResponse(absl::string_view method, const v1::Basket& in) {
  absl::StatusOr<domain::Basket> basket = server::BasketFromProto(in);
  if (!basket.ok()) return MalformedResponse(method, basket.status());
  return basket;
}

}  // namespace

absl::StatusOr<domain::Basket> LedgerClient::RedeemBasket(const domain::BasketRequest& basket,
                                                          const Consent& consent) {
  v1::RedeemBasketRequest request;
  request.mutable_consent()->set_payment_code(consent.payment_code);
  request.mutable_consent()->set_card_number(consent.card_number);
  request.mutable_consent()->set_pin(consent.pin);
  v1::Basket* b = request.mutable_basket();
  b->set_basket_id(server::IdToBytes(basket.basket));
  b->set_village(basket.village);
  b->set_shop(basket.shop);
  b->set_household(basket.household);
  for (const auto& [item, quantity] : basket.lines) {
    v1::BasketLine* line = b->add_lines();
    line->set_item(item);
    line->set_quantity(quantity);
  }
  v1::RedeemBasketResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->shops, "RedeemBasket", options_, target_,
                              &v1::ShopService::Stub::RedeemBasket, request, &response);
      !status.ok()) {
    return status;
  }
  return BasketFromResponse("RedeemBasket", response.basket());
}

absl::StatusOr<domain::Basket> LedgerClient::ReturnBasket(uint32_t village, Id basket) {
  v1::ReturnBasketRequest request;
  request.set_village(village);
  request.set_basket_id(server::IdToBytes(basket));
  v1::ReturnBasketResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->shops, "ReturnBasket", options_, target_,
                              &v1::ShopService::Stub::ReturnBasket, request, &response);
      !status.ok()) {
    return status;
  }
  return BasketFromResponse("ReturnBasket", response.basket());
}

absl::StatusOr<domain::Basket> LedgerClient::GetBasket(uint32_t village, Id basket) {
  v1::GetBasketRequest request;
  request.set_village(village);
  request.set_basket_id(server::IdToBytes(basket));
  v1::GetBasketResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->shops, "GetBasket", options_, target_,
                              &v1::ShopService::Stub::GetBasket, request, &response);
      !status.ok()) {
    return status;
  }
  return BasketFromResponse("GetBasket", response.basket());
}

absl::StatusOr<domain::Settlement> LedgerClient::SettleShop(uint32_t village, uint32_t shop,
                                                            Id settlement, uint64_t fen_per_point) {
  v1::SettleShopRequest request;
  request.set_village(village);
  request.set_shop(shop);
  request.set_settlement_id(server::IdToBytes(settlement));
  request.set_fen_per_point(fen_per_point);
  v1::SettleShopResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->shops, "SettleShop", options_, target_,
                              &v1::ShopService::Stub::SettleShop, request, &response);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<domain::Settlement> settled = server::SettlementFromProto(response.settlement());
  if (!settled.ok()) return MalformedResponse("SettleShop", settled.status());
  return settled;
}

absl::Status LedgerClient::SetShopTerms(uint32_t village, uint32_t shop,
                                        const domain::ShopTerms& terms) {
  v1::SetShopTermsRequest request;
  request.set_village(village);
  request.set_shop(shop);
  request.set_discount_bp(terms.discount_bp);
  request.set_levy_bp(terms.levy_bp);
  v1::SetShopTermsResponse response;
  return connection_->CallOn(*connection_->shops, "SetShopTerms", options_, target_,
                             &v1::ShopService::Stub::SetShopTerms, request, &response);
}

absl::StatusOr<domain::CashSale> LedgerClient::RecordCashSale(const domain::CashSaleRequest& sale) {
  v1::RecordCashSaleRequest request;
  request.set_sale_id(server::IdToBytes(sale.sale));
  request.set_village(sale.village);
  request.set_shop(sale.shop);
  request.set_household(sale.household);
  for (const auto& [item, quantity] : sale.lines) {
    v1::BasketLine* line = request.add_lines();
    line->set_item(item);
    line->set_quantity(quantity);
  }
  v1::RecordCashSaleResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->shops, "RecordCashSale", options_, target_,
                              &v1::ShopService::Stub::RecordCashSale, request, &response);
      !status.ok()) {
    return status;
  }
  domain::CashSale sold;
  sold.request = sale;
  sold.list_fen = response.list_fen();
  sold.discount_bp = response.discount_bp();
  sold.paid_fen = response.paid_fen();
  sold.levy_bp = response.levy_bp();
  sold.levy_fen = response.levy_fen();
  sold.recorded = true;
  sold.sold_at_ns = response.sold_at();
  return sold;
}

absl::StatusOr<v1::CreatePrincipalResponse> LedgerClient::CreatePrincipal(
    const v1::Principal& principal) {
  v1::CreatePrincipalRequest request;
  *request.mutable_principal() = principal;
  v1::CreatePrincipalResponse response;
  ClientOptions once = options_;  // a resend would find the name taken, the token lost
  once.retry.max_attempts = 1;
  if (absl::Status status =
          connection_->CallOn(*connection_->admin, "CreatePrincipal", once, target_,
                              &v1::AdminService::Stub::CreatePrincipal, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<std::vector<v1::Principal>> LedgerClient::ListPrincipals() {
  v1::ListPrincipalsResponse response;
  if (absl::Status status = connection_->CallOn(*connection_->admin, "ListPrincipals", options_,
                                                target_, &v1::AdminService::Stub::ListPrincipals,
                                                v1::ListPrincipalsRequest(), &response);
      !status.ok()) {
    return status;
  }
  return std::vector<v1::Principal>(response.principals().begin(), response.principals().end());
}

absl::StatusOr<v1::Principal> LedgerClient::RevokePrincipal(const std::string& name) {
  v1::RevokePrincipalRequest request;
  request.set_name(name);
  v1::RevokePrincipalResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->admin, "RevokePrincipal", options_, target_,
                              &v1::AdminService::Stub::RevokePrincipal, request, &response);
      !status.ok()) {
    return status;
  }
  return response.principal();
}

absl::StatusOr<v1::Principal> LedgerClient::GetCaller() {
  v1::GetCallerResponse response;
  if (absl::Status status = connection_->CallOn(*connection_->admin, "GetCaller", options_, target_,
                                                &v1::AdminService::Stub::GetCaller,
                                                v1::GetCallerRequest(), &response);
      !status.ok()) {
    return status;
  }
  return response.principal();
}

absl::StatusOr<std::vector<v1::AuditEntry>> LedgerClient::ListAudit(uint64_t from_seq,
                                                                    uint32_t limit,
                                                                    uint32_t village) {
  v1::ListAuditRequest request;
  request.set_from_seq(from_seq);
  request.set_limit(limit);
  request.set_village(village);
  v1::ListAuditResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->admin, "ListAudit", options_, target_,
                              &v1::AdminService::Stub::ListAudit, request, &response);
      !status.ok()) {
    return status;
  }
  return std::vector<v1::AuditEntry>(response.entries().begin(), response.entries().end());
}

absl::StatusOr<v1::IssuePaymentCodeResponse> LedgerClient::IssuePaymentCode(uint32_t village,
                                                                            uint64_t household) {
  v1::IssuePaymentCodeRequest request;
  request.set_village(village);
  request.set_household(household);
  v1::IssuePaymentCodeResponse response;
  if (absl::Status status =
          connection_->CallOn(*connection_->shops, "IssuePaymentCode", options_, target_,
                              &v1::ShopService::Stub::IssuePaymentCode, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<std::string> LedgerClient::IssueCard(uint32_t village, uint64_t household,
                                                    const std::string& pin) {
  v1::IssueCardRequest request;
  request.set_village(village);
  request.set_household(household);
  request.set_pin(pin);
  v1::IssueCardResponse response;
  ClientOptions once = options_;  // a resend would issue another card and kill this one
  once.retry.max_attempts = 1;
  if (absl::Status status =
          connection_->CallOn(*connection_->shops, "IssueCard", once, target_,
                              &v1::ShopService::Stub::IssueCard, request, &response);
      !status.ok()) {
    return status;
  }
  return response.card_number();
}

// ---- The community (CommunityService) ----

template <typename Response, typename Request, typename Method>
absl::StatusOr<Response> LedgerClient::CallCommunity(absl::string_view name, Method method,
                                                     const Request& request) {
  Response response;
  if (absl::Status status = connection_->CallOn(*connection_->community, name, options_, target_,
                                                method, request, &response);
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<v1::PutPartnerResponse> LedgerClient::PutPartner(
    const v1::PutPartnerRequest& request) {
  return CallCommunity<v1::PutPartnerResponse>("PutPartner",
                                               &v1::CommunityService::Stub::PutPartner, request);
}

absl::StatusOr<v1::ListPartnersResponse> LedgerClient::ListPartners(
    const v1::ListPartnersRequest& request) {
  return CallCommunity<v1::ListPartnersResponse>(
      "ListPartners", &v1::CommunityService::Stub::ListPartners, request);
}

absl::StatusOr<v1::OpenCampaignResponse> LedgerClient::OpenCampaign(
    const v1::OpenCampaignRequest& request) {
  return CallCommunity<v1::OpenCampaignResponse>(
      "OpenCampaign", &v1::CommunityService::Stub::OpenCampaign, request);
}

absl::StatusOr<v1::ListCampaignsResponse> LedgerClient::ListCampaigns(
    const v1::ListCampaignsRequest& request) {
  return CallCommunity<v1::ListCampaignsResponse>(
      "ListCampaigns", &v1::CommunityService::Stub::ListCampaigns, request);
}

absl::StatusOr<v1::DonateResponse> LedgerClient::Donate(const v1::DonateRequest& request) {
  return CallCommunity<v1::DonateResponse>("Donate", &v1::CommunityService::Stub::Donate, request);
}

absl::StatusOr<v1::GetFundStatementResponse> LedgerClient::GetFundStatement(
    const v1::GetFundStatementRequest& request) {
  return CallCommunity<v1::GetFundStatementResponse>(
      "GetFundStatement", &v1::CommunityService::Stub::GetFundStatement, request);
}

absl::StatusOr<v1::ProposeResponse> LedgerClient::Propose(const v1::ProposeRequest& request) {
  return CallCommunity<v1::ProposeResponse>("Propose", &v1::CommunityService::Stub::Propose,
                                            request);
}

absl::StatusOr<v1::ReviewProposalResponse> LedgerClient::ReviewProposal(
    const v1::ReviewProposalRequest& request) {
  return CallCommunity<v1::ReviewProposalResponse>(
      "ReviewProposal", &v1::CommunityService::Stub::ReviewProposal, request);
}

absl::StatusOr<v1::CommentOnProposalResponse> LedgerClient::CommentOnProposal(
    const v1::CommentOnProposalRequest& request) {
  return CallCommunity<v1::CommentOnProposalResponse>(
      "CommentOnProposal", &v1::CommunityService::Stub::CommentOnProposal, request);
}

absl::StatusOr<v1::CastVoteResponse> LedgerClient::CastVote(const v1::CastVoteRequest& request) {
  return CallCommunity<v1::CastVoteResponse>("CastVote", &v1::CommunityService::Stub::CastVote,
                                             request);
}

absl::StatusOr<v1::DecideProposalResponse> LedgerClient::DecideProposal(
    const v1::DecideProposalRequest& request) {
  return CallCommunity<v1::DecideProposalResponse>(
      "DecideProposal", &v1::CommunityService::Stub::DecideProposal, request);
}

absl::StatusOr<v1::GetProposalResponse> LedgerClient::GetProposal(
    const v1::GetProposalRequest& request) {
  return CallCommunity<v1::GetProposalResponse>("GetProposal",
                                                &v1::CommunityService::Stub::GetProposal, request);
}

absl::StatusOr<v1::ListProposalsResponse> LedgerClient::ListProposals(
    const v1::ListProposalsRequest& request) {
  return CallCommunity<v1::ListProposalsResponse>(
      "ListProposals", &v1::CommunityService::Stub::ListProposals, request);
}

absl::StatusOr<v1::CompleteProjectResponse> LedgerClient::CompleteProject(
    const v1::CompleteProjectRequest& request) {
  return CallCommunity<v1::CompleteProjectResponse>(
      "CompleteProject", &v1::CommunityService::Stub::CompleteProject, request);
}

absl::StatusOr<v1::ApprovePayoutResponse> LedgerClient::ApprovePayout(
    const v1::ApprovePayoutRequest& request) {
  return CallCommunity<v1::ApprovePayoutResponse>(
      "ApprovePayout", &v1::CommunityService::Stub::ApprovePayout, request);
}

absl::StatusOr<v1::ObjectToPayoutResponse> LedgerClient::ObjectToPayout(
    const v1::ObjectToPayoutRequest& request) {
  return CallCommunity<v1::ObjectToPayoutResponse>(
      "ObjectToPayout", &v1::CommunityService::Stub::ObjectToPayout, request);
}

absl::StatusOr<v1::DecidePayoutResponse> LedgerClient::DecidePayout(
    const v1::DecidePayoutRequest& request) {
  return CallCommunity<v1::DecidePayoutResponse>(
      "DecidePayout", &v1::CommunityService::Stub::DecidePayout, request);
}

absl::StatusOr<v1::CancelProjectResponse> LedgerClient::CancelProject(
    const v1::CancelProjectRequest& request) {
  return CallCommunity<v1::CancelProjectResponse>(
      "CancelProject", &v1::CommunityService::Stub::CancelProject, request);
}

absl::StatusOr<v1::OpenRatingRoundResponse> LedgerClient::OpenRatingRound(
    const v1::OpenRatingRoundRequest& request) {
  return CallCommunity<v1::OpenRatingRoundResponse>(
      "OpenRatingRound", &v1::CommunityService::Stub::OpenRatingRound, request);
}

absl::StatusOr<v1::RateRoundResponse> LedgerClient::RateRound(const v1::RateRoundRequest& request) {
  return CallCommunity<v1::RateRoundResponse>("RateRound", &v1::CommunityService::Stub::RateRound,
                                              request);
}

absl::StatusOr<v1::GetRatingRoundResponse> LedgerClient::GetRatingRound(
    const v1::GetRatingRoundRequest& request) {
  return CallCommunity<v1::GetRatingRoundResponse>(
      "GetRatingRound", &v1::CommunityService::Stub::GetRatingRound, request);
}

absl::StatusOr<v1::ListRatingRoundsResponse> LedgerClient::ListRatingRounds(
    const v1::ListRatingRoundsRequest& request) {
  return CallCommunity<v1::ListRatingRoundsResponse>(
      "ListRatingRounds", &v1::CommunityService::Stub::ListRatingRounds, request);
}

absl::StatusOr<v1::ListFollowUpsResponse> LedgerClient::ListFollowUps(
    const v1::ListFollowUpsRequest& request) {
  return CallCommunity<v1::ListFollowUpsResponse>(
      "ListFollowUps", &v1::CommunityService::Stub::ListFollowUps, request);
}

absl::StatusOr<v1::ResolveFollowUpResponse> LedgerClient::ResolveFollowUp(
    const v1::ResolveFollowUpRequest& request) {
  return CallCommunity<v1::ResolveFollowUpResponse>(
      "ResolveFollowUp", &v1::CommunityService::Stub::ResolveFollowUp, request);
}

}  // namespace points::client

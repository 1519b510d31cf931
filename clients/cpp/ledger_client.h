// A small client for points.v1.LedgerService. Callers deal in engine values (points::Account,
// points::Transfer, result codes) and absl::Status; protobuf and gRPC stay inside.
//
// Every attempt has a deadline. A call that fails with UNAVAILABLE or DEADLINE_EXCEEDED is sent
// again, after a growing pause, up to a bounded number of attempts. The retry resends the very
// same request, with the same ids: ids are idempotency keys, so an event the server applied
// during an attempt whose answer was lost now answers EXISTS instead of being applied twice. A
// caller that retries on its own must do the same.
#ifndef POINTS_CLIENTS_CPP_LEDGER_CLIENT_H_
#define POINTS_CLIENTS_CPP_LEDGER_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "points/engine.h"
#include "points/results.h"
#include "points/types.h"
#include "points/v1/admin.pb.h"
#include "points/v1/awards.pb.h"
#include "points/v1/board.pb.h"
#include "points/v1/community.pb.h"
#include "points/v1/receipts.pb.h"
#include "points/v1/shops.pb.h"
#include "points/v1/tasks.pb.h"
#include "server/domain/values/award.h"
#include "server/domain/values/household_values.h"
#include "server/domain/values/rating_values.h"
#include "server/domain/values/rule_values.h"
#include "server/domain/values/shop_values.h"

namespace points::client {

struct RetryPolicy {
  // Attempts in all, the first included: 1 never retries.
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
  double backoff_multiplier = 2.0;
};

// True for the failures after which the same request may be sent again: UNAVAILABLE (not
// connected, or the server is going away) and DEADLINE_EXCEEDED (no answer in time; the server
// may have applied the request, which is why only the same ids may be resent). False for every
// other code: INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED and so on would get the same
// answer again.
bool IsRetryable(absl::StatusCode code);

// The pause before retry number `retry` (1 = before the second attempt), before jitter:
// initial_backoff * backoff_multiplier^(retry - 1), capped at max_backoff.
absl::Duration BackoffBeforeRetry(const RetryPolicy& policy, int retry);

struct ClientOptions {
  // Of each attempt, so a call takes at most about max_attempts * (deadline + max_backoff).
  absl::Duration deadline = absl::Seconds(10);
  RetryPolicy retry;
  // Called before each retry with the number of the attempt about to be made (2, 3, ...) and the
  // failure that caused it; for logging. May be empty.
  std::function<void(int next_attempt, const absl::Status& failure)> on_retry;
  // gRPC metadata sent with every call, e.g. the header a proxy routes on to a shard
  // (deploy/SCALING.md). Names are lowercase, as HTTP/2 requires.
  std::vector<std::pair<std::string, std::string>> metadata;
  // The principal's token (server/AUTHZ.md), sent as `authorization: Bearer <token>` with
  // every call. Empty: none (only health checks are served without one).
  std::string token;
  // TLS (pointsd --tls-cert): the PEM roots that signed the server's certificate (empty: the
  // system's roots), and, for a terminal pinned by certificate (pointsd --tls-client-ca), its
  // PEM certificate chain and key. Off: plaintext, as pointsd serves on loopback.
  struct Tls {
    bool enabled = false;
    std::string root_certs_pem;
    std::string client_cert_pem;
    std::string client_key_pem;
  } tls;
};

// grpc.health.v1's HealthCheckResponse.ServingStatus.
enum class HealthStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

// "SERVING", "NOT_SERVING", ...: the proto's names, as health tools print them.
const char* HealthStatusName(HealthStatus status);

class LedgerClient {
 public:
  // `target` is a gRPC target, usually "host:port". Connects lazily, on the first call.
  explicit LedgerClient(const std::string& target, ClientOptions options = {});
  ~LedgerClient();
  LedgerClient(const LedgerClient&) = delete;
  LedgerClient& operator=(const LedgerClient&) = delete;

  // 1..8189 events each, applied in order; one result per event, in the order sent. An error
  // status means no answer arrived: nothing is known about what was applied, and resending the
  // same events is the way to find out.
  absl::StatusOr<std::vector<AccountEventResult>> CreateAccounts(
      absl::Span<const Account> accounts);
  absl::StatusOr<std::vector<TransferEventResult>> CreateTransfers(
      absl::Span<const Transfer> transfers);

  // The records found among 1..8189 ids, in the order asked; ids not found are left out.
  absl::StatusOr<std::vector<Account>> LookupAccounts(absl::Span<const Id> ids);
  absl::StatusOr<std::vector<Transfer>> LookupTransfers(absl::Span<const Id> ids);

  // One page of an account's transfers. For the next page ask again from the last timestamp + 1
  // (reversed: up to the last timestamp - 1); fewer than filter.limit means the range is done.
  // NOT_FOUND when the account does not exist.
  absl::StatusOr<std::vector<Transfer>> GetAccountHistory(const HistoryFilter& filter);

  // Follows the balance changes of 1..64 accounts created with the history flag: every change
  // after `after_timestamp` (0: from the first), oldest first, then each new one as it commits,
  // calling `on_changes` with each batch received until it returns false (then OK). When the
  // stream drops (UNAVAILABLE: the server restarted or the network went away) it watches again
  // from the last timestamp received, after the retry policy's pause, so nothing is missed and
  // nothing repeated; the attempts count afresh once changes arrive again. Any other error
  // (NOT_FOUND, FAILED_PRECONDITION for an account without history, ...) ends the watch. No
  // deadline: it runs until stopped.
  using WatchCallback = std::function<bool(const std::vector<BalanceChange>& changes)>;
  absl::Status WatchAccounts(absl::Span<const Id> ids, uint64_t after_timestamp,
                             const WatchCallback& on_changes);

  // ---- Villages and awards (VillageService, AwardService) ----
  // Idempotent set-up: the village's accounts (returns its issuer account id), a household's
  // points account (returns its id), a month's issuance budget (YYYYMM, set once).
  absl::StatusOr<Id> CreateVillage(uint32_t village);
  absl::StatusOr<Id> CreateHousehold(uint32_t village, uint64_t household);
  absl::Status SetBudget(uint32_t village, uint32_t month, uint64_t points);
  // A household's details and its points account (returns its id); its village's households
  // (names masked unless `reveal`); closing one whose balance is settled.
  absl::StatusOr<Id> PutHousehold(const domain::Household& household);
  absl::StatusOr<std::vector<domain::Household>> ListHouseholds(uint32_t village, bool reveal);
  absl::Status CloseHousehold(uint32_t village, uint64_t household);
  // A household's details, balance and what expires when; the village's expiry policy.
  absl::StatusOr<v1::GetHouseholdResponse> GetHousehold(uint32_t village, uint64_t household);
  absl::StatusOr<v1::SetExpiryPolicyResponse> SetExpiryPolicy(uint32_t village, bool enabled,
                                                              uint32_t grace_years);
  // Disclosure (BoardService): read-only views, returned as the server sent them, and ratings.
  absl::StatusOr<v1::GetBoardResponse> GetBoard(const v1::GetBoardRequest& request);
  // ReceiptService: the checkpoint, a consistency proof, a witness's cosignature.
  absl::StatusOr<v1::GetCheckpointResponse> GetCheckpoint(const v1::GetCheckpointRequest& request);
  absl::StatusOr<v1::GetConsistencyProofResponse> GetConsistencyProof(
      const v1::GetConsistencyProofRequest& request);
  absl::StatusOr<v1::AddCosignatureResponse> AddCosignature(
      const v1::AddCosignatureRequest& request);
  absl::StatusOr<v1::GetStatementResponse> GetStatement(const v1::GetStatementRequest& request);
  absl::StatusOr<v1::GetReportResponse> GetReport(const v1::GetReportRequest& request);
  absl::StatusOr<v1::RateResponse> Rate(const domain::RatingRequest& rating);
  // A consistent online backup of the server's data directory into `dir` on the server
  // (AdminService.Backup); tried once, since a resend would find the directory made.
  absl::StatusOr<v1::BackupResponse> Backup(const std::string& dir);
  // Principals and the operator audit (AdminService). CreatePrincipal is tried once: its token
  // is shown only in the answer, and a resend would find the name taken.
  absl::StatusOr<v1::CreatePrincipalResponse> CreatePrincipal(const v1::Principal& principal);
  absl::StatusOr<std::vector<v1::Principal>> ListPrincipals();
  absl::StatusOr<v1::Principal> RevokePrincipal(const std::string& name);
  // The principal the client's token belongs to (AdminService.GetCaller).
  absl::StatusOr<v1::Principal> GetCaller();
  absl::StatusOr<std::vector<v1::AuditEntry>> ListAudit(uint64_t from_seq, uint32_t limit,
                                                        uint32_t village);
  // The organisation (VillageService), as its messages: towns, village records (PutVillage
  // also creates the village's accounts), grids with their workers.
  absl::Status PutTown(const v1::Town& town);
  absl::StatusOr<std::vector<v1::Town>> ListTowns();
  absl::Status PutVillage(const v1::Village& village);
  absl::StatusOr<std::vector<v1::Village>> ListVillages(uint32_t town);
  absl::Status PutGrid(const v1::Grid& grid);
  absl::StatusOr<std::vector<v1::Grid>> ListGrids(uint32_t village);
  // Tasks (TaskService), as their messages: post, claim (idempotent by `claim`), complete,
  // verify, and read.
  absl::StatusOr<v1::Task> PostTask(const v1::Task& task);
  absl::StatusOr<v1::Claim> ClaimTask(uint32_t village, uint32_t task, Id claim,
                                      v1::ClaimantKind kind, uint64_t claimant);
  absl::StatusOr<v1::Claim> CompleteTask(const v1::CompleteTaskRequest& request);
  absl::StatusOr<v1::Claim> VerifyTask(const v1::VerifyTaskRequest& request);
  absl::StatusOr<v1::GetTaskResponse> GetTask(uint32_t village, uint32_t task);
  absl::StatusOr<std::vector<v1::Task>> ListTasks(uint32_t village);
  // The award a household's verified claim recorded; 0 when none.
  static Id AwardOf(const v1::Claim& claim);
  // The rule catalogue: adds the next version of a rule (returns it; a put that changes nothing
  // returns the latest), and lists the versions of the village's rules (or of one, rule != 0).
  absl::StatusOr<domain::CatalogueRule> PutRule(const domain::CatalogueRule& rule,
                                                uint32_t replaces_version = 0);
  absl::StatusOr<std::vector<domain::CatalogueRule>> ListRules(uint32_t village, uint32_t rule);
  // The award workflow (server/domain/README.md); each returns the award as it now stands.
  // Awards name their rule (and optionally its version); the catalogue scores them.
  absl::StatusOr<domain::Award> RecordAward(const domain::AwardRequest& award);
  // A whole round in one request (1..1000 awards): one outcome per award, in order. An error
  // status means no answer arrived; resending the same round is safe.
  absl::StatusOr<std::vector<absl::StatusOr<domain::Award>>> RecordAwards(
      absl::Span<const domain::AwardRequest> awards);
  // Who approves, objects or decides is the principal of the client's token.
  absl::StatusOr<domain::Award> ApproveAward(uint32_t village, Id award);
  absl::StatusOr<domain::Award> ObjectToAward(uint32_t village, Id award,
                                              const std::string& reason);
  absl::StatusOr<domain::Award> DecideAward(uint32_t village, Id award, bool keep);
  absl::StatusOr<domain::Award> GetAward(uint32_t village, Id award);
  // At most 1000; `truncated` (may be null) says whether more are in that state.
  absl::StatusOr<std::vector<domain::Award>> ListAwards(uint32_t village, domain::AwardState state,
                                                        bool* truncated = nullptr);

  // ---- Shops (ShopService) ----
  absl::Status CreateShop(uint32_t village, uint32_t shop, const std::string& name);
  absl::Status PutItem(uint32_t village, uint32_t shop, const domain::Item& item);
  absl::Status Restock(uint32_t village, uint32_t shop, uint32_t item, Id restock,
                       uint64_t quantity);
  absl::StatusOr<std::vector<domain::Item>> ListItems(uint32_t village, uint32_t shop);
  // Resending the same basket (same id and lines) is never charged twice: retries are safe.
  // The household's consent: its payment code, or its card number and PIN.
  struct Consent {
    std::string payment_code = {};
    std::string card_number = {};
    std::string pin = {};
  };
  absl::StatusOr<domain::Basket> RedeemBasket(const domain::BasketRequest& basket,
                                              const Consent& consent);
  // A household app's payment code (valid 2 minutes, for one basket); a card and PIN for a
  // household without a smartphone (the committee issues it).
  absl::StatusOr<v1::IssuePaymentCodeResponse> IssuePaymentCode(uint32_t village,
                                                                uint64_t household);
  absl::StatusOr<std::string> IssueCard(uint32_t village, uint64_t household,
                                        const std::string& pin);
  absl::StatusOr<domain::Basket> ReturnBasket(uint32_t village, Id basket);
  absl::StatusOr<domain::Basket> GetBasket(uint32_t village, Id basket);
  absl::StatusOr<domain::Settlement> SettleShop(uint32_t village, uint32_t shop, Id settlement,
                                                uint64_t fen_per_point);
  absl::Status SetShopTerms(uint32_t village, uint32_t shop, const domain::ShopTerms& terms);
  // The returned sale holds the amounts (list, discount, paid, levy) the server recorded.
  absl::StatusOr<domain::CashSale> RecordCashSale(const domain::CashSaleRequest& sale);

  // ---- The community (CommunityService: the micro-fund, proposals, rating rounds) ----
  // As their messages; each tried again on UNAVAILABLE and DEADLINE_EXCEEDED like every call
  // (the writes are idempotent by their ids and numbers, community.proto).
  absl::StatusOr<v1::PutPartnerResponse> PutPartner(const v1::PutPartnerRequest& request);
  absl::StatusOr<v1::ListPartnersResponse> ListPartners(const v1::ListPartnersRequest& request);
  absl::StatusOr<v1::OpenCampaignResponse> OpenCampaign(const v1::OpenCampaignRequest& request);
  absl::StatusOr<v1::ListCampaignsResponse> ListCampaigns(const v1::ListCampaignsRequest& request);
  absl::StatusOr<v1::DonateResponse> Donate(const v1::DonateRequest& request);
  absl::StatusOr<v1::GetFundStatementResponse> GetFundStatement(
      const v1::GetFundStatementRequest& request);
  absl::StatusOr<v1::ProposeResponse> Propose(const v1::ProposeRequest& request);
  absl::StatusOr<v1::ReviewProposalResponse> ReviewProposal(
      const v1::ReviewProposalRequest& request);
  absl::StatusOr<v1::CommentOnProposalResponse> CommentOnProposal(
      const v1::CommentOnProposalRequest& request);
  absl::StatusOr<v1::CastVoteResponse> CastVote(const v1::CastVoteRequest& request);
  absl::StatusOr<v1::DecideProposalResponse> DecideProposal(
      const v1::DecideProposalRequest& request);
  absl::StatusOr<v1::GetProposalResponse> GetProposal(const v1::GetProposalRequest& request);
  absl::StatusOr<v1::ListProposalsResponse> ListProposals(const v1::ListProposalsRequest& request);
  absl::StatusOr<v1::CompleteProjectResponse> CompleteProject(
      const v1::CompleteProjectRequest& request);
  absl::StatusOr<v1::ApprovePayoutResponse> ApprovePayout(const v1::ApprovePayoutRequest& request);
  absl::StatusOr<v1::ObjectToPayoutResponse> ObjectToPayout(
      const v1::ObjectToPayoutRequest& request);
  absl::StatusOr<v1::DecidePayoutResponse> DecidePayout(const v1::DecidePayoutRequest& request);
  absl::StatusOr<v1::CancelProjectResponse> CancelProject(const v1::CancelProjectRequest& request);
  absl::StatusOr<v1::OpenRatingRoundResponse> OpenRatingRound(
      const v1::OpenRatingRoundRequest& request);
  absl::StatusOr<v1::RateRoundResponse> RateRound(const v1::RateRoundRequest& request);
  absl::StatusOr<v1::GetRatingRoundResponse> GetRatingRound(
      const v1::GetRatingRoundRequest& request);
  absl::StatusOr<v1::ListRatingRoundsResponse> ListRatingRounds(
      const v1::ListRatingRoundsRequest& request);
  absl::StatusOr<v1::ListFollowUpsResponse> ListFollowUps(const v1::ListFollowUpsRequest& request);
  absl::StatusOr<v1::ResolveFollowUpResponse> ResolveFollowUp(
      const v1::ResolveFollowUpRequest& request);

  // grpc.health.v1.Health/Check of `service` ("" = the whole server; pointsd also has
  // "points.write"). An unknown service is NOT_FOUND; a draining server answers NOT_SERVING.
  absl::StatusOr<HealthStatus> Health(const std::string& service);

  const std::string& target() const { return target_; }

 private:
  struct Connection;
  // One CommunityService call (Connection::CallOn with its stub).
  template <typename Response, typename Request, typename Method>
  absl::StatusOr<Response> CallCommunity(absl::string_view name, Method method,
                                         const Request& request);
  std::string target_;
  ClientOptions options_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_LEDGER_CLIENT_H_

// Who may do what (issue 5): the one place pointsd authenticates a call and decides whether its
// principal may make it. The table of RPCs and roles is in authz.cc and, for readers,
// AUTHZ.md; tests/server/gate/authz_test.cc holds pointsd to it over TLS.
//
// A call is decided in two steps. Authenticate runs on the reactor thread (a hash and a map
// lookup, never IO): the bearer token gives the principal, and the principal's rate limit is
// charged (calls without a valid token are logged at most at that rate per peer address).
// Authorize may read the domain store (which grid a household is in, which town a
// village is in, which shop a basket is from), so it runs on the worker pool. A denied call is
// logged (event "denied"), counted, and never reaches the domain: it writes nothing.
#ifndef POINTS_SERVER_GATE_AUTHZ_H_
#define POINTS_SERVER_GATE_AUTHZ_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "server/domain/books/principal_book.h"
#include "server/domain/store/audit_journal.h"
#include "server/gate/rate_limiter.h"

namespace points::server {

// Every RPC pointsd serves. The table in authz.cc has one row for each, in this order.
enum class Rpc : uint8_t {
  // points.v1.LedgerService
  kCreateAccounts,
  kCreateTransfers,
  kLookupAccounts,
  kLookupTransfers,
  kGetAccountHistory,
  kWatchAccounts,
  // points.v1.VillageService
  kPutTown,
  kListTowns,
  kPutVillage,
  kListVillages,
  kPutGrid,
  kListGrids,
  kCreateVillage,
  kCreateHousehold,
  kPutHousehold,
  kGetHousehold,
  kListHouseholds,
  kCloseHousehold,
  kSetExpiryPolicy,
  kSetBudget,
  // points.v1.AwardService
  kPutRule,
  kListRules,
  kRecordAward,
  kRecordAwards,
  kApproveAward,
  kObjectToAward,
  kDecideAward,
  kGetAward,
  kListAwards,
  // points.v1.BoardService
  kGetBoard,
  kGetStatement,
  kGetReport,
  kRate,
  // points.v1.ShopService
  kCreateShop,
  kPutItem,
  kRestock,
  kListItems,
  kRedeemBasket,
  kReturnBasket,
  kGetBasket,
  kSettleShop,
  kGetSettlement,
  kSetShopTerms,
  kRecordCashSale,
  kSetOfflineLimits,
  kGetOfflineLimits,
  kIssuePaymentCode,
  kIssueCard,
  // points.v1.TaskService
  kPostTask,
  kClaimTask,
  kCompleteTask,
  kVerifyTask,
  kGetTask,
  kListTasks,
  // points.v1.CommunityService
  kPutPartner,
  kListPartners,
  kOpenCampaign,
  kListCampaigns,
  kDonate,
  kGetFundStatement,
  kPropose,
  kReviewProposal,
  kCommentOnProposal,
  kCastVote,
  kDecideProposal,
  kGetProposal,
  kListProposals,
  kCompleteProject,
  kApprovePayout,
  kObjectToPayout,
  kDecidePayout,
  kCancelProject,
  kOpenRatingRound,
  kRateRound,
  kGetRatingRound,
  kListRatingRounds,
  kListFollowUps,
  kResolveFollowUp,
  // points.v1.AdminService
  kBackup,
  kCreatePrincipal,
  kListPrincipals,
  kRevokePrincipal,
  kListAudit,
  kGetCaller,
  // points.v1.ReceiptService
  kGetCheckpoint,
  kGetConsistencyProof,
  kProveTransfers,
  kProveAward,
  kProveBasket,
  kAddCosignature,
};
inline constexpr size_t kRpcCount = static_cast<size_t>(Rpc::kAddCosignature) + 1;

// How far an RPC reaches, which decides what a principal's scope must cover.
enum class Reach : uint8_t {
  kAny,       // any authenticated principal (the public structure: towns, villages, grids)
  kScoped,    // the target (town, village, grid, shop, household) must lie in the scope
  kAccounts,  // raw ledger accounts: county-wide principals, or a household's own account
};

struct RpcRule {
  Rpc rpc;
  const char* method;  // the full gRPC method name, e.g. /points.v1.AwardService/RecordAward
  uint8_t roles;       // a bit per domain::Role (1 << role)
  Reach reach;
  bool writes;  // an auditor is never on a row that writes (asserted at start)
};
const RpcRule& RuleOf(Rpc rpc);
// Every row, in Rpc order.
const std::vector<RpcRule>& AuthzTable();
bool RoleMay(domain::Role role, Rpc rpc);

// What a call acts on. For a committee member, grid worker, shopkeeper or household the village
// must be its own (0 is nobody's); any other field left 0 is not constrained, and a field that
// is set must lie in the caller's scope (a household: itself; a grid worker: a household of its
// grid; a shopkeeper: its shop; committee: its village; a town admin or auditor: a village of its
// town).
struct Target {
  uint32_t town = 0;
  domain::VillageId village = 0;
  uint32_t grid = 0;
  uint32_t shop = 0;
  uint64_t household = 0;
  Id basket = 0;                   // a shopkeeper's basket must be from its shop
  bool for_non_household = false;  // acts for a shop or organisation: never a household's call
  bool reveal_names = false;       // full names: the committee's and the auditor's only
  std::vector<Id> accounts = {};   // Reach::kAccounts
  // Reach::kAccounts writes: the ledgers of the accounts and transfers. A village's ledgers are
  // its points supermarket's: their points move only through its workflows, never raw.
  std::vector<uint32_t> ledgers = {};
};

// The facts Authorize looks up in the domain store.
struct ScopeFacts {
  std::function<absl::StatusOr<uint32_t>(domain::VillageId)> town_of_village;
  std::function<absl::StatusOr<uint32_t>(domain::VillageId, uint64_t household)> grid_of_household;
  std::function<absl::StatusOr<uint32_t>(domain::VillageId, Id basket)> shop_of_basket;
};

class Gate {
 public:
  // `principals`, `limiter` and `audit` outlive the gate. `on_denied` counts a denied call.
  Gate(const domain::PrincipalBook* principals, RateLimiter* limiter, domain::AuditJournal* audit,
       ScopeFacts facts, std::function<void(Rpc, absl::StatusCode)> on_denied);

  // The caller of `context`'s call: UNAUTHENTICATED without a valid `authorization: Bearer`
  // token, RESOURCE_EXHAUSTED over its rate limit, PERMISSION_DENIED when its role may not make
  // `rpc` at all; then INVALID_ARGUMENT when a field of `request` is over its limit
  // (request_limits.h), so nothing after this reads an over-long value. Never blocks. Logged and
  // counted when the caller is refused.
  absl::StatusOr<domain::Principal> Authenticate(const grpc::CallbackServerContext& context,
                                                 Rpc rpc, const google::protobuf::Message& request);
  // The answer to a call of `method` whose request did not parse (call_guard.h): the same
  // UNAUTHENTICATED as any call without a valid token, else INVALID_ARGUMENT saying `what`.
  // Logged (event "unparsed_request") at most at the rate limit per peer address.
  absl::Status Unparsed(const grpc::ServerContextBase& context, const char* method,
                        const std::string& what) const;
  // Whether `caller` may make `rpc` on `target`: PERMISSION_DENIED naming what is outside its
  // scope. May read the domain store. Logged and counted when denied.
  absl::Status Authorize(const domain::Principal& caller, Rpc rpc, const Target& target) const;

  // Journals an administrative act of `caller` (operator audit).
  absl::Status Journal(const domain::Principal& caller, domain::VillageId village,
                       const std::string& act, const std::string& detail) const;

  // Whether `caller`'s scope covers everything `other`'s does (an admin making or revoking a
  // principal, or listing it).
  bool Covers(const domain::Principal& caller, const domain::Principal& other) const;

  const domain::PrincipalBook* principals() const { return principals_; }
  domain::AuditJournal* audit() const { return audit_; }

 private:
  // Logs (when `log`) and counts a refusal, and returns it. Only UNAUTHENTICATED,
  // PERMISSION_DENIED and RESOURCE_EXHAUSTED are refusals; any other status is returned as it is.
  // With the call's `context`, the log line names the caller's address and protocol (caller.h).
  absl::Status Deny(const domain::Principal* caller, Rpc rpc, absl::Status status, bool log = true,
                    const grpc::ServerContextBase* context = nullptr) const;
  // Whether a call without a valid token is logged: at most at the rate limit per peer address,
  // so a flood of bad tokens is counted but cannot flood the log.
  bool LogAnonymous(const grpc::ServerContextBase& context) const;
  // UNAUTHENTICATED unless `context` carries the token of a live principal.
  absl::StatusOr<domain::Principal> Identify(const grpc::ServerContextBase& context) const;
  absl::Status CheckScope(const domain::Principal& caller, const Target& target) const;
  absl::Status CheckAccounts(const domain::Principal& caller, const Target& target) const;
  absl::Status CheckTown(const domain::Principal& caller, const Target& target) const;

  const domain::PrincipalBook* const principals_;
  RateLimiter* const limiter_;
  domain::AuditJournal* const audit_;
  const ScopeFacts facts_;
  const std::function<void(Rpc, absl::StatusCode)> on_denied_;
};

// The token of `context`'s `authorization: Bearer <token>` metadata, or "".
std::string BearerToken(const grpc::ServerContextBase& context);

// The RPC of a full gRPC method name ("/points.v1.AwardService/RecordAward"), if pointsd has it.
const RpcRule* RuleOfMethod(std::string_view method);

}  // namespace points::server

#endif  // POINTS_SERVER_GATE_AUTHZ_H_

#include "server/gate/authz.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/domain/values/ids.h"
#include "server/gate/caller.h"
#include "server/gate/request_limits.h"
#include "server/ops/log.h"

namespace points::server {
namespace {

using domain::Principal;
using domain::Role;

constexpr uint8_t Bit(Role role) { return uint8_t(1u << static_cast<unsigned>(role)); }
constexpr uint8_t kAdmin = Bit(Role::kAdmin);
constexpr uint8_t kCommittee = Bit(Role::kCommittee);
constexpr uint8_t kGrid = Bit(Role::kGridWorker);
constexpr uint8_t kShop = Bit(Role::kShopkeeper);
constexpr uint8_t kHousehold = Bit(Role::kHousehold);
constexpr uint8_t kAuditor = Bit(Role::kAuditor);
constexpr uint8_t kEveryone = kAdmin | kCommittee | kGrid | kShop | kHousehold | kAuditor;

constexpr bool kWrites = true;
constexpr bool kReads = false;

// THE TABLE. One row per RPC, in Rpc order (checked at first use). Separation of duties: the
// admin sets up villages, shops and operators but scores, approves and redeems nothing; the
// auditor reads everything in its scope and writes nothing; recording and approving an award
// are different people (the award book refuses an approval by the award's recorder).
std::vector<RpcRule> LedgerRows() {
  const Reach accounts = Reach::kAccounts;
  return {
      {Rpc::kCreateAccounts, "/points.v1.LedgerService/CreateAccounts", kAdmin, accounts, kWrites},
      {Rpc::kCreateTransfers, "/points.v1.LedgerService/CreateTransfers", kAdmin, accounts,
       kWrites},
      {Rpc::kLookupAccounts, "/points.v1.LedgerService/LookupAccounts",
       kAdmin | kAuditor | kHousehold, accounts, kReads},
      {Rpc::kLookupTransfers, "/points.v1.LedgerService/LookupTransfers",
       kAdmin | kAuditor | kHousehold, accounts, kReads},
      {Rpc::kGetAccountHistory, "/points.v1.LedgerService/GetAccountHistory",
       kAdmin | kAuditor | kHousehold, accounts, kReads},
      {Rpc::kWatchAccounts, "/points.v1.LedgerService/WatchAccounts",
       kAdmin | kAuditor | kHousehold, accounts, kReads},
  };
}

std::vector<RpcRule> VillageRows() {
  const Reach any = Reach::kAny, scoped = Reach::kScoped;
  return {
      {Rpc::kPutTown, "/points.v1.VillageService/PutTown", kAdmin, scoped, kWrites},
      {Rpc::kListTowns, "/points.v1.VillageService/ListTowns", kEveryone, any, kReads},
      {Rpc::kPutVillage, "/points.v1.VillageService/PutVillage", kAdmin, scoped, kWrites},
      {Rpc::kListVillages, "/points.v1.VillageService/ListVillages", kEveryone, any, kReads},
      {Rpc::kPutGrid, "/points.v1.VillageService/PutGrid", kAdmin | kCommittee, scoped, kWrites},
      {Rpc::kListGrids, "/points.v1.VillageService/ListGrids", kEveryone, any, kReads},
      {Rpc::kCreateVillage, "/points.v1.VillageService/CreateVillage", kAdmin, scoped, kWrites},
      {Rpc::kCreateHousehold, "/points.v1.VillageService/CreateHousehold", kAdmin | kCommittee,
       scoped, kWrites},
      {Rpc::kPutHousehold, "/points.v1.VillageService/PutHousehold", kAdmin | kCommittee, scoped,
       kWrites},
      {Rpc::kGetHousehold, "/points.v1.VillageService/GetHousehold",
       kAdmin | kCommittee | kGrid | kHousehold | kAuditor, scoped, kReads},
      {Rpc::kListHouseholds, "/points.v1.VillageService/ListHouseholds",
       kAdmin | kCommittee | kGrid | kAuditor, scoped, kReads},
      {Rpc::kCloseHousehold, "/points.v1.VillageService/CloseHousehold", kAdmin | kCommittee,
       scoped, kWrites},
      {Rpc::kSetExpiryPolicy, "/points.v1.VillageService/SetExpiryPolicy", kAdmin, scoped, kWrites},
      {Rpc::kSetBudget, "/points.v1.VillageService/SetBudget", kAdmin, scoped, kWrites},
  };
}

std::vector<RpcRule> AwardRows() {
  const Reach scoped = Reach::kScoped;
  return {
      {Rpc::kPutRule, "/points.v1.AwardService/PutRule", kCommittee, scoped, kWrites},
      {Rpc::kListRules, "/points.v1.AwardService/ListRules", kEveryone, scoped, kReads},
      {Rpc::kRecordAward, "/points.v1.AwardService/RecordAward", kCommittee | kGrid, scoped,
       kWrites},
      {Rpc::kRecordAwards, "/points.v1.AwardService/RecordAwards", kCommittee | kGrid, scoped,
       kWrites},
      {Rpc::kApproveAward, "/points.v1.AwardService/ApproveAward", kCommittee, scoped, kWrites},
      {Rpc::kObjectToAward, "/points.v1.AwardService/ObjectToAward", kCommittee | kHousehold,
       scoped, kWrites},
      {Rpc::kDecideAward, "/points.v1.AwardService/DecideAward", kCommittee, scoped, kWrites},
      {Rpc::kGetAward, "/points.v1.AwardService/GetAward", kEveryone, scoped, kReads},
      {Rpc::kListAwards, "/points.v1.AwardService/ListAwards", kEveryone, scoped, kReads},
  };
}

std::vector<RpcRule> BoardRows() {
  const Reach scoped = Reach::kScoped;
  return {
      {Rpc::kGetBoard, "/points.v1.BoardService/GetBoard", kEveryone, scoped, kReads},
      {Rpc::kGetStatement, "/points.v1.BoardService/GetStatement",
       kAdmin | kCommittee | kHousehold | kAuditor, scoped, kReads},
      {Rpc::kGetReport, "/points.v1.BoardService/GetReport", kAdmin | kCommittee | kAuditor, scoped,
       kReads},
      {Rpc::kRate, "/points.v1.BoardService/Rate", kHousehold, scoped, kWrites},
  };
}

std::vector<RpcRule> ShopRows() {
  const Reach scoped = Reach::kScoped;
  return {
      {Rpc::kCreateShop, "/points.v1.ShopService/CreateShop", kAdmin | kCommittee, scoped, kWrites},
      {Rpc::kPutItem, "/points.v1.ShopService/PutItem", kCommittee | kShop, scoped, kWrites},
      {Rpc::kRestock, "/points.v1.ShopService/Restock", kCommittee | kShop, scoped, kWrites},
      {Rpc::kListItems, "/points.v1.ShopService/ListItems", kEveryone, scoped, kReads},
      {Rpc::kRedeemBasket, "/points.v1.ShopService/RedeemBasket", kShop, scoped, kWrites},
      {Rpc::kReturnBasket, "/points.v1.ShopService/ReturnBasket", kShop, scoped, kWrites},
      {Rpc::kGetBasket, "/points.v1.ShopService/GetBasket", kAdmin | kCommittee | kShop | kAuditor,
       scoped, kReads},
      {Rpc::kSettleShop, "/points.v1.ShopService/SettleShop", kCommittee, scoped, kWrites},
      {Rpc::kGetSettlement, "/points.v1.ShopService/GetSettlement", kAdmin | kCommittee | kAuditor,
       scoped, kReads},
      {Rpc::kSetShopTerms, "/points.v1.ShopService/SetShopTerms", kCommittee, scoped, kWrites},
      {Rpc::kRecordCashSale, "/points.v1.ShopService/RecordCashSale", kShop, scoped, kWrites},
      {Rpc::kSetOfflineLimits, "/points.v1.ShopService/SetOfflineLimits", kCommittee, scoped,
       kWrites},
      {Rpc::kGetOfflineLimits, "/points.v1.ShopService/GetOfflineLimits",
       kAdmin | kCommittee | kShop | kAuditor, scoped, kReads},
      {Rpc::kIssuePaymentCode, "/points.v1.ShopService/IssuePaymentCode", kHousehold, scoped,
       kWrites},
      {Rpc::kIssueCard, "/points.v1.ShopService/IssueCard", kCommittee, scoped, kWrites},
  };
}

std::vector<RpcRule> TaskRows() {
  const Reach scoped = Reach::kScoped;
  return {
      {Rpc::kPostTask, "/points.v1.TaskService/PostTask", kCommittee, scoped, kWrites},
      {Rpc::kClaimTask, "/points.v1.TaskService/ClaimTask", kCommittee | kGrid | kHousehold, scoped,
       kWrites},
      {Rpc::kCompleteTask, "/points.v1.TaskService/CompleteTask", kCommittee | kGrid | kHousehold,
       scoped, kWrites},
      {Rpc::kVerifyTask, "/points.v1.TaskService/VerifyTask", kCommittee, scoped, kWrites},
      {Rpc::kGetTask, "/points.v1.TaskService/GetTask", kEveryone, scoped, kReads},
      {Rpc::kListTasks, "/points.v1.TaskService/ListTasks", kEveryone, scoped, kReads},
  };
}

std::vector<RpcRule> CommunityRows() {
  const Reach scoped = Reach::kScoped;
  return {
      {Rpc::kPutPartner, "/points.v1.CommunityService/PutPartner", kCommittee, scoped, kWrites},
      {Rpc::kListPartners, "/points.v1.CommunityService/ListPartners", kEveryone, scoped, kReads},
      {Rpc::kOpenCampaign, "/points.v1.CommunityService/OpenCampaign", kCommittee, scoped, kWrites},
      {Rpc::kListCampaigns, "/points.v1.CommunityService/ListCampaigns", kEveryone, scoped, kReads},
      {Rpc::kDonate, "/points.v1.CommunityService/Donate", kCommittee, scoped, kWrites},
      {Rpc::kGetFundStatement, "/points.v1.CommunityService/GetFundStatement", kEveryone, scoped,
       kReads},
      {Rpc::kPropose, "/points.v1.CommunityService/Propose", kCommittee | kHousehold, scoped,
       kWrites},
      {Rpc::kReviewProposal, "/points.v1.CommunityService/ReviewProposal", kCommittee, scoped,
       kWrites},
      {Rpc::kCommentOnProposal, "/points.v1.CommunityService/CommentOnProposal",
       kCommittee | kGrid | kHousehold, scoped, kWrites},
      {Rpc::kCastVote, "/points.v1.CommunityService/CastVote", kCommittee | kGrid | kHousehold,
       scoped, kWrites},
      {Rpc::kDecideProposal, "/points.v1.CommunityService/DecideProposal", kCommittee, scoped,
       kWrites},
      {Rpc::kGetProposal, "/points.v1.CommunityService/GetProposal", kEveryone, scoped, kReads},
      {Rpc::kListProposals, "/points.v1.CommunityService/ListProposals", kEveryone, scoped, kReads},
      {Rpc::kCompleteProject, "/points.v1.CommunityService/CompleteProject", kCommittee, scoped,
       kWrites},
      {Rpc::kApprovePayout, "/points.v1.CommunityService/ApprovePayout", kCommittee, scoped,
       kWrites},
      {Rpc::kObjectToPayout, "/points.v1.CommunityService/ObjectToPayout", kCommittee | kHousehold,
       scoped, kWrites},
      {Rpc::kDecidePayout, "/points.v1.CommunityService/DecidePayout", kCommittee, scoped, kWrites},
      {Rpc::kCancelProject, "/points.v1.CommunityService/CancelProject", kCommittee, scoped,
       kWrites},
      {Rpc::kOpenRatingRound, "/points.v1.CommunityService/OpenRatingRound", kCommittee, scoped,
       kWrites},
      {Rpc::kRateRound, "/points.v1.CommunityService/RateRound", kHousehold, scoped, kWrites},
      {Rpc::kGetRatingRound, "/points.v1.CommunityService/GetRatingRound", kEveryone, scoped,
       kReads},
      {Rpc::kListRatingRounds, "/points.v1.CommunityService/ListRatingRounds", kEveryone, scoped,
       kReads},
      {Rpc::kListFollowUps, "/points.v1.CommunityService/ListFollowUps", kCommittee | kAuditor,
       scoped, kReads},
      {Rpc::kResolveFollowUp, "/points.v1.CommunityService/ResolveFollowUp", kCommittee, scoped,
       kWrites},
  };
}

std::vector<RpcRule> AdminRows() {
  const Reach any = Reach::kAny, accounts = Reach::kAccounts;
  return {
      {Rpc::kBackup, "/points.v1.AdminService/Backup", kAdmin, accounts, kWrites},
      {Rpc::kCreatePrincipal, "/points.v1.AdminService/CreatePrincipal", kAdmin, any, kWrites},
      {Rpc::kListPrincipals, "/points.v1.AdminService/ListPrincipals", kAdmin | kAuditor, any,
       kReads},
      {Rpc::kRevokePrincipal, "/points.v1.AdminService/RevokePrincipal", kAdmin, any, kWrites},
      {Rpc::kListAudit, "/points.v1.AdminService/ListAudit", kAdmin | kAuditor, any, kReads},
      {Rpc::kGetCaller, "/points.v1.AdminService/GetCaller", kEveryone, any, kReads},
  };
}

// Receipts are public: the checkpoint, the proofs and the hashes in them tell nothing of a
// record; the record itself only to who may read it (ReceiptService). An award's or a basket's
// proofs are asked for within the village (a shopkeeper: its shop's baskets).
std::vector<RpcRule> ReceiptRows() {
  const Reach any = Reach::kAny, scoped = Reach::kScoped;
  return {
      {Rpc::kGetCheckpoint, "/points.v1.ReceiptService/GetCheckpoint", kEveryone, any, kReads},
      {Rpc::kGetConsistencyProof, "/points.v1.ReceiptService/GetConsistencyProof", kEveryone, any,
       kReads},
      {Rpc::kProveTransfers, "/points.v1.ReceiptService/ProveTransfers", kEveryone, any, kReads},
      {Rpc::kProveAward, "/points.v1.ReceiptService/ProveAward", kEveryone, scoped, kReads},
      {Rpc::kProveBasket, "/points.v1.ReceiptService/ProveBasket", kEveryone, scoped, kReads},
      {Rpc::kAddCosignature, "/points.v1.ReceiptService/AddCosignature", kAdmin | kCommittee, any,
       kWrites},
  };
}

std::vector<RpcRule> MakeTable() {
  std::vector<RpcRule> table;
  for (auto rows : {LedgerRows, VillageRows, AwardRows, BoardRows, ShopRows, TaskRows,
                    CommunityRows, AdminRows, ReceiptRows}) {
    for (RpcRule& row : rows()) table.push_back(std::move(row));
  }
  return table;
}

// Invariants of the table, asserted in production at first use: every RPC has its row in
// order, and no row that writes lists the auditor.
const std::vector<RpcRule>& CheckedTable() {
  static const std::vector<RpcRule>* table = [] {
    auto* rows = new std::vector<RpcRule>(MakeTable());
    bool ok = rows->size() == kRpcCount;
    for (size_t i = 0; ok && i < rows->size(); ++i) {
      const RpcRule& row = (*rows)[i];
      ok = static_cast<size_t>(row.rpc) == i && row.roles != 0 &&
           !(row.writes && (row.roles & kAuditor));
    }
    if (!ok) {
      Log(LogLevel::kError, "authz_table_broken", "the authorization table is inconsistent");
      std::abort();
    }
    return rows;
  }();
  return *table;
}

bool CountyWide(const Principal& p) {
  return (p.role == Role::kAdmin || p.role == Role::kAuditor) && p.scope.town == 0 &&
         p.scope.village == 0;
}

bool IsDenial(absl::StatusCode code) {
  return code == absl::StatusCode::kUnauthenticated ||
         code == absl::StatusCode::kPermissionDenied ||
         code == absl::StatusCode::kResourceExhausted;
}

absl::Status OutOfScope(const Principal& caller, const std::string& what) {
  return absl::PermissionDeniedError(absl::StrCat(domain::RoleName(caller.role), " ", caller.name,
                                                  ": ", what, " is outside its scope"));
}

}  // namespace

const std::vector<RpcRule>& AuthzTable() { return CheckedTable(); }

const RpcRule& RuleOf(Rpc rpc) { return CheckedTable()[static_cast<size_t>(rpc)]; }

bool RoleMay(Role role, Rpc rpc) { return (RuleOf(rpc).roles & Bit(role)) != 0; }

const RpcRule* RuleOfMethod(std::string_view method) {
  for (const RpcRule& rule : CheckedTable()) {
    if (method == rule.method) return &rule;
  }
  return nullptr;
}

std::string BearerToken(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  const std::string value(it->second.data(), it->second.size());
  constexpr char kBearer[] = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kBearer)) return "";
  return value.substr(sizeof kBearer - 1);
}

Gate::Gate(const domain::PrincipalBook* principals, RateLimiter* limiter,
           domain::AuditJournal* audit, ScopeFacts facts,
           std::function<void(Rpc, absl::StatusCode)> on_denied)
    : principals_(principals),
      limiter_(limiter),
      audit_(audit),
      facts_(std::move(facts)),
      on_denied_(std::move(on_denied)) {
  CheckedTable();
}

absl::Status Gate::Deny(const Principal* caller, Rpc rpc, absl::Status status, bool log,
                        const grpc::ServerContextBase* context) const {
  // Only a refusal of who the caller is or what it may do is a denial. Anything else met on the
  // way (NOT_FOUND: no such basket, whose shop a scope check looks up; a store error) is the
  // call's answer, and logging it as "denied" would send an operator after an attacker who is
  // only a terminal with a typo.
  if (!IsDenial(status.code())) return status;
  if (log) {
    const std::string principal = caller ? caller->name : std::string("");
    const char* role = caller ? domain::RoleName(caller->role) : "";
    const std::string code = absl::StatusCodeToString(status.code());
    if (context == nullptr) {
      Log(LogLevel::kWarning, "denied", std::string(status.message()),
          {{"method", RuleOf(rpc).method},
           {"principal", principal},
           {"role", role},
           {"code", code}});
    } else {  // who knocked, and how: through the HTTP bridge, a browser's address (caller.h)
      const CallOrigin origin = OriginOf(*context);
      Log(LogLevel::kWarning, "denied", std::string(status.message()),
          {{"method", RuleOf(rpc).method},
           {"principal", principal},
           {"role", role},
           {"code", code},
           {"peer", origin.peer},
           {"protocol", origin.protocol}});
    }
  }
  if (on_denied_) on_denied_(rpc, status.code());
  return status;
}

bool Gate::LogAnonymous(const grpc::ServerContextBase& context) const {
  // The peer's address without its port ("ipv4:10.0.0.7"): one rate for all its connections.
  // Through the HTTP bridge, the browser's address (caller.h), not the in-process "unknown".
  std::string peer = OriginOf(context).peer;
  if (const size_t colon = peer.rfind(':'); colon != std::string::npos && colon > 5) {
    peer.resize(colon);
  }
  return limiter_->Admit("peer " + peer).ok();
}

absl::StatusOr<Principal> Gate::Identify(const grpc::ServerContextBase& context) const {
  const std::string token = BearerToken(context);
  if (token.empty()) {
    return absl::UnauthenticatedError(
        "no token: send `authorization: Bearer <token>` (gRPC metadata, or the HTTP "
        "header; pointsctl --token-file FILE; the first admin token is in "
        "DATA_DIR/admin.token)");
  }
  return principals_->Authenticate(token);
}

absl::StatusOr<Principal> Gate::Authenticate(const grpc::CallbackServerContext& context, Rpc rpc,
                                             const google::protobuf::Message& request) {
  absl::StatusOr<Principal> caller = Identify(context);
  if (!caller.ok()) return Deny(nullptr, rpc, caller.status(), LogAnonymous(context), &context);
  if (absl::Status limited = limiter_->Admit(caller->name); !limited.ok()) {
    return Deny(&*caller, rpc, limited, true, &context);
  }
  if (!RoleMay(caller->role, rpc)) {
    return Deny(&*caller, rpc,
                absl::PermissionDeniedError(absl::StrCat(
                    caller->role == Role::kAdmin || caller->role == Role::kAuditor ? "an " : "a ",
                    domain::RoleName(caller->role), " may not call ", RuleOf(rpc).method,
                    " (server/AUTHZ.md)")),
                true, &context);
  }
  if (absl::Status s = CheckRequestLimits(request); !s.ok()) return s;
  return caller;
}

absl::Status Gate::Unparsed(const grpc::ServerContextBase& context, const char* method,
                            const std::string& what) const {
  absl::StatusOr<Principal> caller = Identify(context);
  const absl::Status status = caller.ok() ? absl::InvalidArgumentError(what) : caller.status();
  if (LogAnonymous(context)) {
    Log(LogLevel::kWarning, "unparsed_request", std::string(status.message()),
        {{"method", method != nullptr ? method : ""},
         {"principal", caller.ok() ? caller->name : std::string("")},
         {"code", absl::StatusCodeToString(status.code())}});
  }
  if (const RpcRule* rule = RuleOfMethod(method != nullptr ? method : "");
      rule != nullptr && !caller.ok() && on_denied_) {
    on_denied_(rule->rpc, status.code());
  }
  return status;
}

absl::Status Gate::Authorize(const Principal& caller, Rpc rpc, const Target& target) const {
  absl::Status status;
  switch (RuleOf(rpc).reach) {
    case Reach::kAny:
      break;
    case Reach::kAccounts:
      status = CheckAccounts(caller, target);
      break;
    case Reach::kScoped:
      status = CheckScope(caller, target);
      break;
  }
  return status.ok() ? status : Deny(&caller, rpc, status);
}

absl::Status Gate::CheckAccounts(const Principal& caller, const Target& target) const {
  for (size_t i = 0; i < target.ledgers.size(); ++i) {
    if (const domain::VillageId village = domain::VillageOfLedger(target.ledgers[i])) {
      return absl::PermissionDeniedError(absl::StrCat(
          "[", i, "]: ledger ", target.ledgers[i], " is village ", village,
          "'s points supermarket's: its points move only through its workflows (awards, "
          "baskets, settlement), never by raw transfers; the raw ledger uses ledgers no village "
          "has, e.g. 1 (server/AUTHZ.md)"));
    }
  }
  if (CountyWide(caller)) return absl::OkStatus();
  if (caller.role != Role::kHousehold) {
    return OutOfScope(caller, "the raw ledger (county-wide principals only)");
  }
  const Id own = domain::ids::Household(caller.scope.village, caller.scope.household);
  for (const Id& account : target.accounts) {
    if (account != own) return OutOfScope(caller, "an account other than the household's own");
  }
  return absl::OkStatus();
}

// A town admin or auditor: the target's town (given, or the village's) must be its own.
absl::Status Gate::CheckTown(const Principal& caller, const Target& target) const {
  if (caller.scope.town == 0 && caller.scope.village == 0) return absl::OkStatus();
  if (caller.scope.village != 0) {  // an auditor of one village
    if (target.village == caller.scope.village) return absl::OkStatus();
    return OutOfScope(caller, absl::StrCat("village ", target.village));
  }
  if (target.town != 0 && target.town != caller.scope.town) {
    return OutOfScope(caller, absl::StrCat("town ", target.town));
  }
  if (target.village == 0) {
    if (target.town != 0) return absl::OkStatus();
    return OutOfScope(caller, "a county-wide act");
  }
  absl::StatusOr<uint32_t> town = facts_.town_of_village(target.village);
  if (town.ok() && *town == caller.scope.town) return absl::OkStatus();
  if (absl::IsNotFound(town.status()) && target.town == caller.scope.town) {
    return absl::OkStatus();  // a village being registered in its own town
  }
  return OutOfScope(caller, absl::StrCat("village ", target.village));
}

absl::Status Gate::CheckScope(const Principal& caller, const Target& target) const {
  const domain::Scope& scope = caller.scope;
  if (target.reveal_names && caller.role != Role::kCommittee && caller.role != Role::kAuditor) {
    return absl::PermissionDeniedError(
        absl::StrCat(domain::RoleName(caller.role), " ", caller.name,
                     ": reveal (full names) is for the committee and the auditor only"));
  }
  if (caller.role == Role::kAdmin || caller.role == Role::kAuditor) {
    return CheckTown(caller, target);
  }
  if (target.village != scope.village) {
    return OutOfScope(caller, absl::StrCat("village ", target.village));
  }
  switch (caller.role) {
    case Role::kGridWorker: {
      if (target.for_non_household) {
        return OutOfScope(caller, "acting for a shop or organisation");
      }
      if (target.grid != 0 && target.grid != scope.grid) {
        return OutOfScope(caller, absl::StrCat("grid ", target.grid));
      }
      if (target.household == 0) return absl::OkStatus();
      absl::StatusOr<uint32_t> grid = facts_.grid_of_household(target.village, target.household);
      if (!grid.ok() || *grid != scope.grid) {
        return OutOfScope(caller, absl::StrCat("household ", target.household, " (not of grid ",
                                               scope.grid, ")"));
      }
      return absl::OkStatus();
    }
    case Role::kShopkeeper: {
      uint32_t shop = target.shop;
      if (shop == 0 && target.basket != 0) {
        absl::StatusOr<uint32_t> of_basket = facts_.shop_of_basket(target.village, target.basket);
        if (!of_basket.ok()) return of_basket.status();  // NOT_FOUND: no such basket
        shop = *of_basket;
      }
      if (shop != 0 && shop != scope.shop) return OutOfScope(caller, absl::StrCat("shop ", shop));
      return absl::OkStatus();
    }
    case Role::kHousehold:
      if (target.for_non_household) return OutOfScope(caller, "acting for a shop or organisation");
      if (target.household != 0 && target.household != scope.household) {
        return OutOfScope(caller, absl::StrCat("household ", target.household));
      }
      return absl::OkStatus();
    default:  // committee: the whole village
      return absl::OkStatus();
  }
}

absl::Status Gate::Journal(const Principal& caller, domain::VillageId village,
                           const std::string& act, const std::string& detail) const {
  // A detail over the journal's limit (a long backup path, a long name) is cut at a character
  // boundary and marked, so the act is always journaled.
  std::string text = detail;
  if (text.size() > domain::kAuditDetailBytesMax) {
    constexpr char kCut[] = " [...]";
    size_t keep = domain::kAuditDetailBytesMax - (sizeof kCut - 1);
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    text = text.substr(0, keep) + kCut;
  }
  absl::StatusOr<domain::AuditEntry> entry =
      audit_->Append(caller.name, domain::RoleName(caller.role), village, act, text);
  if (!entry.ok()) {
    return absl::Status(entry.status().code(),
                        absl::StrCat("done, but not journaled in the operator audit (resend to "
                                     "journal it): ",
                                     entry.status().message()));
  }
  return absl::OkStatus();
}

bool Gate::Covers(const Principal& caller, const Principal& other) const {
  if (caller.role != Role::kAdmin && caller.role != Role::kAuditor) return false;
  if (caller.scope.town == 0 && caller.scope.village == 0) return true;
  if (caller.scope.village != 0) return other.scope.village == caller.scope.village;
  // A town's principal covers a village of its town (the village decides, whatever else the
  // other names) or a principal of the town itself; never a county-wide one.
  if (other.scope.village != 0) {
    absl::StatusOr<uint32_t> town = facts_.town_of_village(other.scope.village);
    return town.ok() && *town == caller.scope.town &&
           (other.scope.town == 0 || other.scope.town == caller.scope.town);
  }
  return other.scope.town == caller.scope.town;
}

}  // namespace points::server

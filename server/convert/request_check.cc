#include "server/convert/request_check.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "server/convert/convert.h"
#include "server/domain/values/fund_values.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/number_range.h"
#include "server/domain/values/org_values.h"
#include "server/domain/values/rating_round_values.h"
#include "server/domain/values/rule_values.h"
#include "server/domain/values/task_values.h"

namespace points::server {
namespace {

using domain::NumberRange;

// The documented ranges (the proto comments say the same). "OrAll" and "OrNone": 0 is allowed
// and means every one, or none yet.
constexpr NumberRange kVillage = domain::kVillageRange;
constexpr NumberRange kVillageOrAll{0, domain::kVillagesMax};
constexpr NumberRange kTown{1, domain::kTownsMax};
constexpr NumberRange kTownOrNone{0, domain::kTownsMax};
constexpr NumberRange kGrid{1, domain::kGridsMax};
constexpr NumberRange kGridOrNone{0, domain::kGridsMax};
constexpr NumberRange kHousehold{1, std::numeric_limits<uint64_t>::max()};
constexpr NumberRange kShop{1, std::numeric_limits<uint32_t>::max()};
constexpr NumberRange kItem{1, std::numeric_limits<uint32_t>::max()};
constexpr NumberRange kRule{1, domain::kRuleNumberMax};
constexpr NumberRange kRuleOrAll{0, domain::kRuleNumberMax};
constexpr NumberRange kRuleVersionOrLatest{0, domain::kRuleVersionsMax};
constexpr NumberRange kTask{1, domain::kTaskNumberMax};
constexpr NumberRange kOrganisation{1, std::numeric_limits<uint64_t>::max()};
constexpr NumberRange kHouseholdOrNone{0, std::numeric_limits<uint64_t>::max()};
constexpr NumberRange kPartner{1, domain::kPartnerNumberMax};
constexpr NumberRange kCampaignOrNone{0, domain::kCampaignNumberMax};
constexpr NumberRange kCampaign{1, domain::kCampaignNumberMax};
constexpr NumberRange kProposal{1, std::numeric_limits<uint32_t>::max()};
constexpr NumberRange kRound{1, domain::kRoundNumberMax};
constexpr NumberRange kStars{1, 5};

// Runs checks in order and keeps the first failure.
class Checks {
 public:
  Checks& Number(uint64_t value, NumberRange range, absl::string_view field) {
    if (status_.ok()) status_ = domain::CheckNumber(value, range, field);
    return *this;
  }
  template <typename Enum>
  Checks& EnumValue(int value, absl::string_view field) {
    if (status_.ok()) status_ = CheckEnum<Enum>(value, field);
    return *this;
  }
  Checks& Then(absl::Status status) {
    if (status_.ok()) status_ = std::move(status);
    return *this;
  }
  absl::Status Done() { return std::move(status_); }

 private:
  absl::Status status_;
};

// A claimant's number, by its kind: a shop's is a shop number, the others any but 0.
absl::Status CheckClaimant(int kind, uint64_t claimant) {
  if (absl::Status s = CheckEnum<v1::ClaimantKind>(kind, "claimant_kind"); !s.ok()) return s;
  switch (kind) {
    case v1::CLAIMANT_KIND_HOUSEHOLD:
      return domain::CheckNumber(claimant, kHousehold, "claimant");
    case v1::CLAIMANT_KIND_SHOP:
      return domain::CheckNumber(claimant, kShop, "claimant");
    default:
      return domain::CheckNumber(claimant, kOrganisation, "claimant");
  }
}

template <typename Lines>
absl::Status CheckLineItems(const Lines& lines, absl::string_view at) {
  for (int i = 0; i < lines.size(); ++i) {
    if (absl::Status s = domain::CheckNumber(lines.Get(i).item(), kItem,
                                             absl::StrCat(at, "lines[", i, "].item"));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckEnumNumber(const google::protobuf::EnumDescriptor* descriptor, int value,
                             absl::string_view field) {
  const google::protobuf::EnumValueDescriptor* named = descriptor->FindValueByNumber(value);
  if (named != nullptr && value != 0) return absl::OkStatus();
  std::string wanted;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* v = descriptor->value(i);
    if (v->number() == 0) continue;
    absl::StrAppend(&wanted, wanted.empty() ? "" : ", ", v->name(), " (", v->number(), ")");
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ": got ", value,
                                                 named != nullptr ? " (" + named->name() + ")" : "",
                                                 ", want one of ", wanted));
}

// ---- VillageService ----

absl::Status CheckRequest(const v1::CreateVillageRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::CreateHouseholdRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.household(), kHousehold, "household")
      .Done();
}
absl::Status CheckRequest(const v1::SetBudgetRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::PutHouseholdRequest& r) {
  return Checks()
      .Number(r.household().village(), kVillage, "household.village")
      .Number(r.household().household(), kHousehold, "household.household")
      .Number(r.household().grid(), kGridOrNone, "household.grid")
      .Done();
}
absl::Status CheckRequest(const v1::GetHouseholdRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.household(), kHousehold, "household")
      .Done();
}
absl::Status CheckRequest(const v1::ListHouseholdsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::CloseHouseholdRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.household(), kHousehold, "household")
      .Done();
}
absl::Status CheckRequest(const v1::SetExpiryPolicyRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::PutTownRequest& r) {
  return Checks().Number(r.town().town(), kTown, "town.town").Done();
}
absl::Status CheckRequest(const v1::ListTownsRequest& /*r*/) { return absl::OkStatus(); }
absl::Status CheckRequest(const v1::PutVillageRequest& r) {
  return Checks()
      .Number(r.village().village(), kVillage, "village.village")
      .Number(r.village().town(), kTownOrNone, "village.town")
      .Done();
}
absl::Status CheckRequest(const v1::ListVillagesRequest& r) {
  return Checks().Number(r.town(), kTownOrNone, "town").Done();
}
absl::Status CheckRequest(const v1::PutGridRequest& r) {
  return Checks()
      .Number(r.grid().village(), kVillage, "grid.village")
      .Number(r.grid().grid(), kGrid, "grid.grid")
      .Done();
}
absl::Status CheckRequest(const v1::ListGridsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}

// ---- AwardService ----

absl::Status CheckRequest(const v1::PutRuleRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.rule().rule(), kRule, "rule.rule")
      .EnumValue<v1::Category>(r.rule().category(), "rule.category")
      .Number(r.replaces_version(), kRuleVersionOrLatest, "replaces_version")
      .Done();
}
absl::Status CheckRequest(const v1::ListRulesRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.rule(), kRuleOrAll, "rule")
      .Done();
}
absl::Status CheckAward(const v1::Award& a) {
  return Checks()
      .Then(IdFromBytes(a.award_id(), "award.award_id").status())
      .Number(a.village(), kVillage, "award.village")
      .Number(a.household(), kHousehold, "award.household")
      .Number(a.rule().rule(), kRule, "award.rule.rule")
      .Number(a.rule().version(), kRuleVersionOrLatest, "award.rule.version")
      .Done();
}
absl::Status CheckRequest(const v1::RecordAwardRequest& r) { return CheckAward(r.award()); }
absl::Status CheckRequest(const v1::RecordAwardsRequest& r) {
  if (r.awards_size() == 0 || r.awards_size() > kRoundAwardsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("awards: 1..", kRoundAwardsMax, " per request, got ", r.awards_size()));
  }
  Checks checks;
  for (int i = 0; i < r.awards_size(); ++i) {
    checks.Number(r.awards(i).village(), kVillage, absl::StrCat("awards[", i, "].village"));
  }
  return checks.Done();
}
absl::Status CheckRequest(const v1::ApproveAwardRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::ObjectToAwardRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::DecideAwardRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::GetAwardRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::ListAwardsRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .EnumValue<v1::AwardState>(r.state(), "state")
      .Done();
}

// ---- BoardService ----

absl::Status CheckRequest(const v1::GetBoardRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::GetStatementRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.household(), kHousehold, "household")
      .Done();
}
absl::Status CheckRequest(const v1::GetReportRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::RateRequest& r) {
  Checks checks;
  checks.Number(r.village(), kVillage, "village")
      .Number(r.household(), kHousehold, "household")
      .EnumValue<v1::RatingSubject>(r.subject(), "subject");
  if (r.subject() == v1::RATING_SUBJECT_TASK)
    checks.Number(r.subject_task(), kTask, "subject_task");
  return checks.Done();
}

// ---- ShopService ----

absl::Status CheckRequest(const v1::CreateShopRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Number(r.shop(), kShop, "shop").Done();
}
absl::Status CheckRequest(const v1::PutItemRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.shop(), kShop, "shop")
      .Number(r.item().item(), kItem, "item.item")
      .Done();
}
absl::Status CheckRequest(const v1::RestockRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.shop(), kShop, "shop")
      .Number(r.item(), kItem, "item")
      .Done();
}
absl::Status CheckRequest(const v1::ListItemsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Number(r.shop(), kShop, "shop").Done();
}
absl::Status CheckRequest(const v1::RedeemBasketRequest& r) {
  const v1::Basket& b = r.basket();
  return Checks()
      .Number(b.village(), kVillage, "basket.village")
      .Number(b.shop(), kShop, "basket.shop")
      .Number(b.household(), kHousehold, "basket.household")
      .Then(CheckLineItems(b.lines(), "basket."))
      .Done();
}
absl::Status CheckRequest(const v1::ReturnBasketRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::GetBasketRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::SettleShopRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Number(r.shop(), kShop, "shop").Done();
}
absl::Status CheckRequest(const v1::GetSettlementRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::SetShopTermsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Number(r.shop(), kShop, "shop").Done();
}
absl::Status CheckRequest(const v1::SetOfflineLimitsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::GetOfflineLimitsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::RecordCashSaleRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.shop(), kShop, "shop")
      .Number(r.household(), kHousehold, "household")
      .Then(CheckLineItems(r.lines(), ""))
      .Done();
}
absl::Status CheckRequest(const v1::IssuePaymentCodeRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.household(), kHousehold, "household")
      .Done();
}
absl::Status CheckRequest(const v1::IssueCardRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.household(), kHousehold, "household")
      .Done();
}

// ---- TaskService ----

absl::Status CheckRequest(const v1::PostTaskRequest& r) {
  return Checks()
      .Number(r.task().village(), kVillage, "task.village")
      .Number(r.task().task(), kTask, "task.task")
      .Number(r.task().rule(), kRule, "task.rule")
      .Done();
}
absl::Status CheckRequest(const v1::ClaimTaskRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.task(), kTask, "task")
      .Then(CheckClaimant(r.claimant_kind(), r.claimant()))
      .Done();
}
absl::Status CheckRequest(const v1::CompleteTaskRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.task(), kTask, "task")
      .Then(CheckClaimant(r.claimant_kind(), r.claimant()))
      .Done();
}
absl::Status CheckRequest(const v1::VerifyTaskRequest& r) {
  return Checks()
      .Number(r.village(), kVillage, "village")
      .Number(r.task(), kTask, "task")
      .Then(CheckClaimant(r.claimant_kind(), r.claimant()))
      .Done();
}
absl::Status CheckRequest(const v1::GetTaskRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Number(r.task(), kTask, "task").Done();
}
absl::Status CheckRequest(const v1::ListTasksRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}

// ---- CommunityService ----

namespace {

// A request naming one proposal (or one round) of a village.
absl::Status CheckProposalOf(uint32_t village, uint32_t proposal) {
  return Checks()
      .Number(village, kVillage, "village")
      .Number(proposal, kProposal, "proposal")
      .Done();
}
absl::Status CheckRoundOf(uint32_t village, uint32_t round) {
  return Checks().Number(village, kVillage, "village").Number(round, kRound, "round").Done();
}

// A round's subject and party: the subject's number by its kind (a project's is a proposal
// number, a task's a task number, a service has none); the party's kind when one is named.
absl::Status CheckRoundSubject(const v1::RatingRound& round) {
  Checks checks;
  checks.EnumValue<v1::RoundSubject>(round.subject(), "round.subject");
  if (round.subject() == v1::ROUND_SUBJECT_PROJECT) {
    checks.Number(round.subject_number(), kProposal, "round.subject_number");
  } else if (round.subject() == v1::ROUND_SUBJECT_TASK) {
    checks.Number(round.subject_number(), kTask, "round.subject_number");
  }
  if (round.party_kind() != v1::PARTY_KIND_UNSPECIFIED) {
    checks.EnumValue<v1::PartyKind>(round.party_kind(), "round.party_kind")
        .Number(round.party(), kOrganisation, "round.party");
  }
  return checks.Done();
}

}  // namespace

absl::Status CheckRequest(const v1::PutPartnerRequest& r) {
  return Checks()
      .Number(r.partner().village(), kVillage, "partner.village")
      .Number(r.partner().partner(), kPartner, "partner.partner")
      .EnumValue<v1::PartnerKind>(r.partner().kind(), "partner.kind")
      .Done();
}
absl::Status CheckRequest(const v1::ListPartnersRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::OpenCampaignRequest& r) {
  return Checks()
      .Number(r.campaign().village(), kVillage, "campaign.village")
      .Number(r.campaign().campaign(), kCampaign, "campaign.campaign")
      .Done();
}
absl::Status CheckRequest(const v1::ListCampaignsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::DonateRequest& r) {
  const v1::Donation& d = r.donation();
  Checks checks;
  checks.Number(d.village(), kVillage, "donation.village")
      .EnumValue<v1::DonorKind>(d.donor_kind(), "donation.donor_kind")
      .Number(d.campaign(), kCampaignOrNone, "donation.campaign");
  if (d.shown() != v1::DONOR_SHOWN_UNSPECIFIED) {  // unspecified: shown by name
    checks.EnumValue<v1::DonorShown>(d.shown(), "donation.shown");
  }
  if (d.donor_kind() == v1::DONOR_KIND_PARTNER) {
    checks.Number(d.partner(), kPartner, "donation.partner");
  }
  return checks.Done();
}
absl::Status CheckRequest(const v1::GetFundStatementRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::ProposeRequest& r) {
  return Checks()
      .Number(r.proposal().village(), kVillage, "proposal.village")
      .Number(r.proposal().household(), kHousehold, "proposal.household")
      .Done();
}
absl::Status CheckRequest(const v1::ReviewProposalRequest& r) {
  return CheckProposalOf(r.village(), r.proposal());
}
absl::Status CheckRequest(const v1::CommentOnProposalRequest& r) {
  return Checks()
      .Then(CheckProposalOf(r.village(), r.proposal()))
      .Number(r.remark().household(), kHousehold, "remark.household")
      .Done();
}
absl::Status CheckRequest(const v1::CastVoteRequest& r) {
  return Checks()
      .Then(CheckProposalOf(r.village(), r.proposal()))
      .Number(r.household(), kHousehold, "household")
      .EnumValue<v1::VoteChoice>(r.choice(), "choice")
      .Done();
}
absl::Status CheckRequest(const v1::DecideProposalRequest& r) {
  return Checks()
      .Then(CheckProposalOf(r.village(), r.proposal()))
      .EnumValue<v1::Decision>(r.decision(), "decision")
      .Done();
}
absl::Status CheckRequest(const v1::GetProposalRequest& r) {
  return CheckProposalOf(r.village(), r.proposal());
}
absl::Status CheckRequest(const v1::ListProposalsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::CompleteProjectRequest& r) {
  return CheckProposalOf(r.village(), r.proposal());
}
absl::Status CheckRequest(const v1::ApprovePayoutRequest& r) {
  return CheckProposalOf(r.village(), r.proposal());
}
absl::Status CheckRequest(const v1::ObjectToPayoutRequest& r) {
  return Checks()
      .Then(CheckProposalOf(r.village(), r.proposal()))
      .Number(r.household(), kHouseholdOrNone, "household")
      .Done();
}
absl::Status CheckRequest(const v1::DecidePayoutRequest& r) {
  return CheckProposalOf(r.village(), r.proposal());
}
absl::Status CheckRequest(const v1::CancelProjectRequest& r) {
  return CheckProposalOf(r.village(), r.proposal());
}
absl::Status CheckRequest(const v1::OpenRatingRoundRequest& r) {
  return Checks()
      .Number(r.round().village(), kVillage, "round.village")
      .Number(r.round().round(), kRound, "round.round")
      .Then(CheckRoundSubject(r.round()))
      .Done();
}
absl::Status CheckRequest(const v1::RateRoundRequest& r) {
  return Checks()
      .Then(CheckRoundOf(r.village(), r.round()))
      .Number(r.household(), kHousehold, "household")
      .Number(r.stars(), kStars, "stars")
      .Done();
}
absl::Status CheckRequest(const v1::GetRatingRoundRequest& r) {
  return CheckRoundOf(r.village(), r.round());
}
absl::Status CheckRequest(const v1::ListRatingRoundsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::ListFollowUpsRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::ResolveFollowUpRequest& r) {
  return CheckRoundOf(r.village(), r.round());
}

// ---- AdminService ----

absl::Status CheckRequest(const v1::BackupRequest& /*r*/) { return absl::OkStatus(); }
absl::Status CheckRequest(const v1::CreatePrincipalRequest& r) {
  // Which scope fields a role needs is the principal book's to say; here only their ranges.
  const v1::Principal& p = r.principal();
  return Checks()
      .EnumValue<v1::Role>(p.role(), "principal.role")
      .Number(p.town(), kTownOrNone, "principal.town")
      .Number(p.village(), kVillageOrAll, "principal.village")
      .Number(p.grid(), kGridOrNone, "principal.grid")
      .Done();
}
absl::Status CheckRequest(const v1::ListPrincipalsRequest& /*r*/) { return absl::OkStatus(); }
absl::Status CheckRequest(const v1::GetCallerRequest& /*r*/) { return absl::OkStatus(); }
absl::Status CheckRequest(const v1::RevokePrincipalRequest& /*r*/) { return absl::OkStatus(); }
absl::Status CheckRequest(const v1::ListAuditRequest& r) {
  return Checks().Number(r.village(), kVillageOrAll, "village").Done();
}

absl::Status CheckRequest(const v1::GetCheckpointRequest& /*r*/) { return absl::OkStatus(); }
absl::Status CheckRequest(const v1::GetConsistencyProofRequest& /*r*/) { return absl::OkStatus(); }
absl::Status CheckRequest(const v1::ProveTransfersRequest& /*r*/) { return absl::OkStatus(); }
absl::Status CheckRequest(const v1::ProveAwardRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::ProveBasketRequest& r) {
  return Checks().Number(r.village(), kVillage, "village").Done();
}
absl::Status CheckRequest(const v1::AddCosignatureRequest& /*r*/) { return absl::OkStatus(); }

}  // namespace points::server

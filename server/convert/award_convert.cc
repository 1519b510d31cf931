#include "server/convert/award_convert.h"

#include "absl/strings/str_cat.h"
#include "server/convert/convert.h"
#include "server/convert/request_check.h"
#include "server/domain/values/ids.h"

namespace points::server {

// The wire's numbers are the domain's: categories are the ledger's transfer codes, states the
// domain's AwardState.
static_assert(static_cast<int>(v1::CATEGORY_HYGIENE) == domain::kCodeHygiene);
static_assert(static_cast<int>(v1::CATEGORY_DEDUCTION) == domain::kCodeDeduction);
static_assert(v1::AWARD_STATE_AWAITING_REVIEW ==
              static_cast<int>(domain::AwardState::kAwaitingReview));
static_assert(v1::AWARD_STATE_REFUSED == static_cast<int>(domain::AwardState::kRefused));

void RuleVersionToProto(const domain::RuleVersion& r, v1::Rule* out) {
  out->set_rule(r.rule);
  out->set_version(r.version);
  out->set_category(static_cast<v1::Category>(r.code));  // categories are the transfer codes
  out->set_points_per_unit(r.points_per_unit);
  out->set_difficulty_percent(r.difficulty_percent);
  out->set_cap_per_day(r.cap_per_day);
  out->set_cap_per_month(r.cap_per_month);
  out->set_cap_per_year(r.cap_per_year);
}

domain::RuleVersion RuleVersionFromProto(const v1::Rule& rule) {
  domain::RuleVersion r;
  r.rule = rule.rule();
  r.version = rule.version();
  r.code = static_cast<uint16_t>(rule.category());  // checked by the catalogue, naming rule.code
  r.points_per_unit = rule.points_per_unit();
  r.difficulty_percent = rule.difficulty_percent() == 0 ? 100 : rule.difficulty_percent();
  r.cap_per_day = rule.cap_per_day();
  r.cap_per_month = rule.cap_per_month();
  r.cap_per_year = rule.cap_per_year();
  return r;
}

absl::StatusOr<domain::CatalogueRule> CatalogueRuleFromProto(uint32_t village,
                                                             const v1::Rule& rule) {
  if (rule.category() < v1::CATEGORY_HYGIENE || rule.category() > v1::CATEGORY_DEDUCTION) {
    return absl::InvalidArgumentError(
        absl::StrCat("rule.category: one of hygiene .. deduction, not ", rule.category()));
  }
  domain::CatalogueRule c;
  c.village = village;
  c.rule = RuleVersionFromProto(rule);
  c.name = rule.name();
  c.effective_from_ns = rule.effective_from();
  c.retired = rule.retired();
  c.changed_by = rule.changed_by();
  c.changed_at_ns = rule.changed_at();  // PutRule sets it and the version; replies carry them
  return c;
}

void CatalogueRuleToProto(const domain::CatalogueRule& c, v1::Rule* out) {
  RuleVersionToProto(c.rule, out);
  out->set_name(c.name);
  out->set_effective_from(c.effective_from_ns);
  out->set_retired(c.retired);
  out->set_changed_by(c.changed_by);
  out->set_changed_at(c.changed_at_ns);
}

absl::StatusOr<domain::AwardRequest> AwardRequestFromProto(const v1::Award& a) {
  domain::AwardRequest r;
  absl::StatusOr<Id> id = IdFromBytes(a.award_id(), "award.award_id");
  if (!id.ok()) return id.status();
  r.award = *id;
  r.village = a.village();
  r.household = a.household();
  // The server takes the rest of the rule from the village's catalogue (AwardBook::Record);
  // replies carry it whole.
  r.rule = RuleVersionFromProto(a.rule());
  r.quantity = a.quantity();
  if (static_cast<size_t>(a.evidence_size()) > domain::kEvidenceRefsMax) {
    return absl::InvalidArgumentError(absl::StrCat("award.evidence: ", a.evidence_size(),
                                                   " references, the limit is ",
                                                   domain::kEvidenceRefsMax));
  }
  r.evidence.assign(a.evidence().begin(), a.evidence().end());
  r.note = a.note();
  r.recorded_by = a.recorded_by();
  return r;
}

void AwardToProto(const domain::Award& award, v1::Award* out) {
  const domain::AwardRequest& r = award.request;
  out->set_award_id(IdToBytes(r.award));
  out->set_village(r.village);
  out->set_household(r.household);
  RuleVersionToProto(r.rule, out->mutable_rule());
  out->set_quantity(r.quantity);
  for (const std::string& e : r.evidence) out->add_evidence(e);
  out->set_note(r.note);
  out->set_recorded_by(r.recorded_by);
  out->set_points(award.amount);
  out->set_state(static_cast<v1::AwardState>(award.state));  // numbered alike
  out->set_recorded_at(award.recorded_at_ns);
  out->set_notice_ends_at(award.notice_ends_at_ns);
  out->set_reviewed_by(award.reviewed_by);
  out->set_objected_by(award.objected_by);
  out->set_objection(award.objection);
  out->set_decided_by(award.decided_by);
  out->set_refusal(award.refusal);
}

absl::StatusOr<domain::AwardState> AwardStateFromProto(v1::AwardState state,
                                                       const std::string& field) {
  if (absl::Status s = CheckEnum<v1::AwardState>(state, field); !s.ok()) return s;
  return static_cast<domain::AwardState>(state);
}

domain::Household HouseholdFromProto(const v1::Household& in) {
  domain::Household h;
  h.village = in.village();
  h.household = in.household();
  h.name = in.name();
  h.grid = in.grid();
  for (const v1::HouseholdMember& m : in.members()) {
    h.members.push_back(
        {m.name(), m.head() ? domain::MemberRole::kHead : domain::MemberRole::kMember, m.phone()});
  }
  h.proxy_name = in.proxy_name();
  h.proxy_phone = in.proxy_phone();
  h.closed = in.closed();
  return h;
}

void HouseholdToProto(const domain::Household& h, v1::Household* out) {
  out->set_village(h.village);
  out->set_household(h.household);
  out->set_name(h.name);
  out->set_grid(h.grid);
  for (const domain::Member& m : h.members) {
    v1::HouseholdMember* member = out->add_members();
    member->set_name(m.name);
    member->set_head(m.role == domain::MemberRole::kHead);
    member->set_phone(m.phone);
  }
  out->set_proxy_name(h.proxy_name);
  out->set_proxy_phone(h.proxy_phone);
  out->set_closed(h.closed);
  out->set_account_id(IdToBytes(domain::ids::Household(h.village, h.household)));
}

}  // namespace points::server

#include "server/domain/values/award.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/number_range.h"

namespace points::domain {
namespace {

constexpr uint8_t kAwardFormatVersion = 1;

absl::Status Invalid(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status CheckText(const std::string& text, size_t max, const std::string& field) {
  if (text.size() > max) {
    return Invalid(field, absl::StrCat(text.size(), " bytes, the limit is ", max));
  }
  return absl::OkStatus();
}

}  // namespace

const char* AwardStateName(AwardState state) {
  switch (state) {
    case AwardState::kAwaitingReview:
      return "awaiting_review";
    case AwardState::kApproving:
      return "approving";
    case AwardState::kOnNotice:
      return "on_notice";
    case AwardState::kHeld:
      return "held";
    case AwardState::kPosted:
      return "posted";
    case AwardState::kVoided:
      return "voided";
    case AwardState::kRefused:
      return "refused";
  }
  return "unknown";
}

absl::Status CheckRuleScoring(const RuleVersion& rule, const std::string& field) {
  if (rule.rule == 0) return Invalid(field, "must not be zero");
  if (rule.code < kCodeHygiene || rule.code > kCodeDeduction) {
    return Invalid(absl::StrCat(field, ".code"),
                   absl::StrCat("must be a category ", int{kCodeHygiene}, "..", int{kCodeDeduction},
                                ", got ", rule.code));
  }
  if (rule.code == kCodeDeduction &&
      (rule.cap_per_day != 0 || rule.cap_per_month != 0 || rule.cap_per_year != 0)) {
    return Invalid(field, "a deduction has no caps");
  }
  for (const auto& [cap, name] : {std::pair{rule.cap_per_day, ".cap_per_day"},
                                  std::pair{rule.cap_per_month, ".cap_per_month"},
                                  std::pair{rule.cap_per_year, ".cap_per_year"}}) {
    if (cap > kCapPointsMax) {
      return Invalid(absl::StrCat(field, name), absl::StrCat("at most ", kCapPointsMax));
    }
  }
  if (rule.points_per_unit == 0 || rule.points_per_unit > kAwardPointsMax) {
    return Invalid(absl::StrCat(field, ".points_per_unit"),
                   absl::StrCat("must be 1..", kAwardPointsMax));
  }
  if (rule.difficulty_percent == 0 || rule.difficulty_percent > kDifficultyPercentMax) {
    return Invalid(absl::StrCat(field, ".difficulty_percent"),
                   absl::StrCat("must be 1..", kDifficultyPercentMax));
  }
  return absl::OkStatus();
}

absl::uint128 ScorePoints(const RuleVersion& rule, uint64_t quantity) {
  // Each factor is bounded above (10^6 x 10^6 x 10^4), so the product fits in 128 bits.
  return absl::uint128(rule.points_per_unit) * quantity * rule.difficulty_percent / 100;
}

absl::StatusOr<uint64_t> AwardAmount(const AwardRequest& r) {
  if (r.award == 0) return Invalid("award", "must not be zero");
  if (absl::Status s = CheckVillage(r.village); !s.ok()) return s;
  if (absl::Status s = CheckNumber(r.household, {1, UINT64_MAX}, "household"); !s.ok()) return s;
  if (absl::Status s = CheckRuleScoring(r.rule, "rule"); !s.ok()) return s;
  if (r.quantity == 0) return Invalid("quantity", "must not be zero");
  if (r.quantity > kAwardPointsMax) {
    return Invalid("quantity", absl::StrCat("must be 1..", kAwardPointsMax));
  }
  if (r.evidence.size() > kEvidenceRefsMax) {
    return Invalid("evidence",
                   absl::StrCat(r.evidence.size(), " references, the limit is ", kEvidenceRefsMax));
  }
  for (size_t i = 0; i < r.evidence.size(); ++i) {
    if (absl::Status s =
            CheckText(r.evidence[i], kEvidenceRefBytesMax, absl::StrCat("evidence[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = CheckText(r.note, kNoteBytesMax, "note"); !s.ok()) return s;
  if (r.recorded_by.empty()) return Invalid("recorded_by", "must name who recorded it");
  if (absl::Status s = CheckText(r.recorded_by, kPersonBytesMax, "recorded_by"); !s.ok()) return s;
  const absl::uint128 amount = ScorePoints(r.rule, r.quantity);
  if (amount == 0) return Invalid("quantity", "the award comes to 0 points");
  if (amount > kAwardPointsMax) {
    return Invalid("quantity",
                   absl::StrCat("the award comes to ", absl::Uint128Low64(amount),
                                " points or more; one award is at most ", kAwardPointsMax));
  }
  return static_cast<uint64_t>(amount);
}

void WriteRuleVersion(RecordWriter& w, const RuleVersion& r) {
  w.Int(r.rule, 4).Int(r.version, 4).Int(r.code, 2).Int(r.points_per_unit, 8);
  w.Int(r.difficulty_percent, 4).Int(r.cap_per_day, 8).Int(r.cap_per_month, 8);
  w.Int(r.cap_per_year, 8);
}

RuleVersion ReadRuleVersion(RecordReader& r) {
  RuleVersion v;
  v.rule = static_cast<uint32_t>(r.Int(4));
  v.version = static_cast<uint32_t>(r.Int(4));
  v.code = static_cast<uint16_t>(r.Int(2));
  v.points_per_unit = r.Int(8);
  v.difficulty_percent = static_cast<uint32_t>(r.Int(4));
  v.cap_per_day = r.Int(8);
  v.cap_per_month = r.Int(8);
  v.cap_per_year = r.Int(8);
  return v;
}

AwardSpec LedgerSpecOf(const Award& a) {
  AwardSpec spec;
  spec.village = a.request.village;
  spec.award = a.request.award;
  spec.household = a.request.household;
  spec.rule = a.request.rule.rule;
  spec.code = a.request.rule.code;
  spec.amount = a.amount;
  spec.budget_period = a.budget_period;
  spec.caps = a.caps;
  return spec;
}

std::string EncodeAward(const Award& a) {
  RecordWriter w;
  const AwardRequest& r = a.request;
  w.Int(kAwardFormatVersion, 1).Id128(r.award).Int(r.village, 4).Int(r.household, 8);
  WriteRuleVersion(w, r.rule);
  w.Int(r.quantity, 8).Int(r.evidence.size(), 4);
  for (const std::string& e : r.evidence) w.Text(e);
  w.Text(r.note).Text(r.recorded_by);
  w.Int(a.amount, 8).Int(static_cast<uint8_t>(a.state), 1).Int(a.recorded_at_ns, 8);
  w.Int(a.notice_ends_at_ns, 8).Int(a.budget_period, 4).Int(a.caps.size(), 4);
  for (const CapWindowRef& c : a.caps) {
    w.Int(static_cast<uint8_t>(c.window), 1).Int(c.index, 4).Int(c.limit, 8);
  }
  w.Text(a.reviewed_by).Text(a.objected_by).Text(a.objection).Text(a.decided_by).Text(a.refusal);
  return std::move(w).bytes();
}

absl::StatusOr<Award> DecodeAward(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kAwardFormatVersion) return absl::DataLossError("award record: unknown version");
  Award a;
  AwardRequest& q = a.request;
  q.award = r.Id128();
  q.village = static_cast<VillageId>(r.Int(4));
  q.household = r.Int(8);
  q.rule = ReadRuleVersion(r);
  q.quantity = r.Int(8);
  const uint64_t evidence = r.Int(4);
  if (evidence > kEvidenceRefsMax) return absl::DataLossError("award record: evidence count");
  for (uint64_t i = 0; i < evidence; ++i) q.evidence.push_back(r.Text());
  q.note = r.Text();
  q.recorded_by = r.Text();
  a.amount = r.Int(8);
  const uint64_t state = r.Int(1);
  if (state < 1 || state > 7) return absl::DataLossError("award record: unknown state");
  a.state = static_cast<AwardState>(state);
  a.recorded_at_ns = r.Int(8);
  a.notice_ends_at_ns = r.Int(8);
  a.budget_period = static_cast<uint32_t>(r.Int(4));
  const uint64_t caps = r.Int(4);
  if (caps > 3) return absl::DataLossError("award record: cap count");
  for (uint64_t i = 0; i < caps; ++i) {
    CapWindowRef c;
    const uint64_t window = r.Int(1);
    if (window < 1 || window > 3) return absl::DataLossError("award record: cap window");
    c.window = static_cast<CapWindow>(window);
    c.index = static_cast<uint32_t>(r.Int(4));
    c.limit = r.Int(8);
    a.caps.push_back(c);
  }
  a.reviewed_by = r.Text();
  a.objected_by = r.Text();
  a.objection = r.Text();
  a.decided_by = r.Text();
  a.refusal = r.Text();
  if (!r.done_ok()) return absl::DataLossError("award record: truncated or trailing bytes");
  return a;
}

}  // namespace points::domain

// An award (or deduction) and its workflow state, as the domain store keeps it (README.md,
// "Awards"). The points themselves move only as the ledger chains of ledger_layout.h.
#ifndef POINTS_SERVER_DOMAIN_VALUES_AWARD_H_
#define POINTS_SERVER_DOMAIN_VALUES_AWARD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "points/types.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/ledger_layout.h"

namespace points::domain {

inline constexpr uint64_t kNanosPerDay = 86'400ull * 1'000'000'000ull;

// Limits of an award's own fields, named once.
inline constexpr uint64_t kAwardPointsMax = 1'000'000;  // one award, after multiplying out
inline constexpr size_t kEvidenceRefsMax = 16;
inline constexpr size_t kEvidenceRefBytesMax = 128;  // e.g. a photo's SHA-256 in hex
inline constexpr size_t kNoteBytesMax = 1000;
inline constexpr size_t kPersonBytesMax = 64;  // who recorded, reviewed, objected, decided
inline constexpr uint32_t kDifficultyPercentMax = 10'000;  // x100
// A rule's cap per household and window, and a period's issuance budget. Every cap and budget
// is funded from the village's one limit source account: bounded, so that no single rule or
// budget can run that account's sums to their 64-bit end and block every later limit.
inline constexpr uint64_t kCapPointsMax = 1'000'000'000;
inline constexpr uint64_t kBudgetPointsMax = 1'000'000'000'000;

// The version of a rule an award used (the catalogue keeps the versions; an award records the
// one it was scored by).
struct RuleVersion {
  uint32_t rule = 0;
  uint32_t version = 0;
  uint16_t code = kCodeHygiene;       // category: hygiene .. task, or deduction
  uint64_t points_per_unit = 0;       // per check, per hour of volunteering, ...
  uint32_t difficulty_percent = 100;  // multiplier in percent: 150 = x1.5
  // Caps per household for this rule: 0 = none.
  uint64_t cap_per_day = 0;
  uint64_t cap_per_month = 0;
  uint64_t cap_per_year = 0;
  friend bool operator==(const RuleVersion&, const RuleVersion&) = default;
};

// What a grid worker or committee member records.
struct AwardRequest {
  Id award = 0;  // client-chosen, the idempotency key; the ledger legs' ids derive from it
  VillageId village = 0;
  uint64_t household = 0;
  RuleVersion rule;
  uint64_t quantity = 1;              // checks, hours, ...
  std::vector<std::string> evidence;  // references, e.g. photo hashes
  std::string note;
  std::string recorded_by;
  friend bool operator==(const AwardRequest&, const AwardRequest&) = default;
};

enum class AwardState : uint8_t {
  kAwaitingReview = 1,  // recorded; a second person must approve
  kApproving = 2,       // approved; its pending chain is being submitted (repaired at open)
  kOnNotice = 3,        // pending in the ledger, shown on the board until the window ends
  kHeld = 4,            // on notice with an objection: waits for the committee's decision
  kPosted = 5,          // final: the points count
  kVoided = 6,          // final: the objection was upheld; budget and caps were given back
  kRefused = 7,         // final: the ledger refused the chain (budget used up, cap reached, ...)
};
const char* AwardStateName(AwardState state);

struct Award {
  AwardRequest request;
  uint64_t amount = 0;  // points: points_per_unit x quantity x difficulty, checked
  AwardState state = AwardState::kAwaitingReview;
  uint64_t recorded_at_ns = 0;
  uint64_t notice_ends_at_ns = 0;  // set on approval
  uint32_t budget_period = 0;      // 0: no budget applies
  std::vector<CapWindowRef> caps;  // the windows the award counts against
  std::string reviewed_by;
  std::string objected_by;
  std::string objection;
  std::string decided_by;
  std::string refusal;  // why the ledger refused it, e.g. "cap reached (day)"
  friend bool operator==(const Award&, const Award&) = default;
};

// Checks a rule's scoring fields; INVALID_ARGUMENT names the field under `field` ("rule").
absl::Status CheckRuleScoring(const RuleVersion& rule, const std::string& field);

// What `quantity` units of `rule` come to: points_per_unit x quantity x difficulty / 100,
// rounded down. Requires the rule's fields checked (CheckRuleScoring) and quantity at most
// kAwardPointsMax: every factor is then bounded, so the product fits in 128 bits. The caller
// checks the result against 1..kAwardPointsMax and names its own field.
absl::uint128 ScorePoints(const RuleVersion& rule, uint64_t quantity);

// Checks the request's fields and computes the amount; INVALID_ARGUMENT names the field.
absl::StatusOr<uint64_t> AwardAmount(const AwardRequest& request);

// A rule version's fields in stored records (awards, the catalogue, task claims): one layout.
void WriteRuleVersion(RecordWriter& w, const RuleVersion& rule);
RuleVersion ReadRuleVersion(RecordReader& r);

// The ledger's view of the award.
AwardSpec LedgerSpecOf(const Award& award);

// The stored form: a version byte, then the fields (fixed-width big-endian integers and
// length-prefixed strings). DATA_LOSS when the bytes do not decode.
std::string EncodeAward(const Award& award);
absl::StatusOr<Award> DecodeAward(const std::string& bytes);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_AWARD_H_

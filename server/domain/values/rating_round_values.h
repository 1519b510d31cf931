// The rating rounds' values (rating_round_book.h keeps them): rounds, their ratings, follow-ups
// and their limits, shared with the clients. Values only: no store, no engine.
#ifndef POINTS_SERVER_DOMAIN_VALUES_RATING_ROUND_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_RATING_ROUND_VALUES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/domain/values/award.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/rating_values.h"

namespace points::domain {

inline constexpr uint32_t kRoundNumberMax = 999'999;
inline constexpr size_t kRoundTitleBytesMax = 200;
inline constexpr uint64_t kRoundWindowMaxNs = 90 * kNanosPerDay;
inline constexpr size_t kRoundsListMax = 1000;  // List: the latest
inline constexpr size_t kFollowUpNoteBytesMax = 1000;
// A round averaging below this (thousandths of a star) is a follow-up for the committee.
inline constexpr uint64_t kFollowUpBelowMilli = 3000;
// The board commends a resident or organisation whose rounds closed in the month averaged at
// least this, over at least kCommendRatingsMin ratings; at most kCommendedMax of them.
inline constexpr uint64_t kCommendAverageMilliMin = 4000;
inline constexpr uint64_t kCommendRatingsMin = 3;
inline constexpr size_t kCommendedMax = 10;
// The text of a round's QR code: "PR1:" village ":" round, at most this long.
inline constexpr size_t kRoundCodeBytesMax = 32;

enum class RoundSubject : uint8_t { kProject = 1, kTask = 2, kService = 3 };
const char* RoundSubjectName(RoundSubject subject);
// Who did the rated matter, and is commended when it is rated best: a resident household, a
// partner shop, or an organisation (a partner of fund_book.h).
enum class PartyKind : uint8_t { kNone = 0, kHousehold = 1, kShop = 2, kOrganisation = 3 };
const char* PartyKindName(PartyKind kind);

struct RoundRequest {
  VillageId village = 0;
  uint32_t round = 0;  // 1..kRoundNumberMax, the committee's number for it
  RoundSubject subject = RoundSubject::kProject;
  uint32_t subject_number = 0;  // the proposal or task number; 0 for a service
  std::string title;            // 1..kRoundTitleBytesMax bytes of UTF-8, e.g. 村口路灯修缮
  PartyKind party_kind = PartyKind::kNone;
  uint64_t party = 0;  // the household, shop or organisation number; 0 with kNone
  uint64_t closes_at_ns = 0;
  std::string opened_by;
  friend bool operator==(const RoundRequest&, const RoundRequest&) = default;
};

struct RatingRound {
  RoundRequest request;
  uint64_t opened_at_ns = 0;
  // Read from the round's ratings.
  uint64_t ratings = 0;
  uint64_t average_milli = 0;
  std::array<uint64_t, kStarsMax> stars = {};  // how many gave 1, 2, ... 5 stars
  // The follow-up's resolution, when it had one.
  std::string resolved_by;
  std::string resolution;
  uint64_t resolved_at_ns = 0;
};

struct RoundRating {
  VillageId village = 0;
  uint32_t round = 0;
  uint64_t household = 0;
  uint32_t stars = 0;
  std::string comment;  // 0..kRatingCommentBytesMax bytes of UTF-8
  std::string by;       // the principal (the household's app)
  uint64_t rated_at_ns = 0;
};

// A round on the committee's work list, with the ratings of two stars or fewer.
struct FollowUp {
  RatingRound round;
  std::vector<RoundRating> low;
};

// OK when the round's subject and party exist and the subject is done; otherwise why
// (NOT_FOUND, FAILED_PRECONDITION).
using RoundChecker = std::function<absl::Status(const RoundRequest& request)>;

// Σ stars x 1000 / count, rounded half up; 0 for no ratings.
uint64_t AverageMilli(uint64_t stars_total, uint64_t count);
// The text of the round's code, for a QR code at the rating point.
std::string RoundCode(VillageId village, uint32_t round);
// Whether a round is on the follow-up list: rated, averaging below kFollowUpBelowMilli,
// unresolved.
bool NeedsFollowUp(const RatingRound& round);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_RATING_ROUND_VALUES_H_

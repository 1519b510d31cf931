// Rating rounds (README.md, "Rating rounds"; glossary: satisfaction rating, rating point,
// commendation): when a project, a task or a service is done, the committee opens a round with
// a window and shows its code as a QR code at a rating point; any open household of the village
// rates it once, 1 to 5 stars with an optional short comment, by scanning the code with its app.
// Comments are for the committee (and the auditor); the counts and averages are for everyone.
// The board shows the month's rated matters and commends the best-rated residents and
// organisations (disclosure.h); a round whose average falls below three stars is a follow-up
// on the committee's work list until a committee member resolves it with a note.
//
// Unlike RatingBook (a household rating what it redeemed or did), a round is open to every
// household of the village, not only those concerned.
//
// Rules:
// - A round is opened once per number; the same round again returns it, other content under a
//   used number is ALREADY_EXISTS. Its subject must exist and be done (the checker given at
//   construction decides: a project completed or being paid, a task of the task board).
// - Ratings are taken from the opening until closes_at (FAILED_PRECONDITION outside), from open
//   households of the village (NOT_FOUND for a household the village does not have). One per
//   household: the same rating again returns the stored one, a different one is ALREADY_EXISTS.
// - Averages are integers in thousandths of a star, rounded half up (rating_book.h).
//
// Storage (the domain store): "round/r/" + village (4 bytes) + round (4): rounds;
// "round/star/" + village + round + household (8): ratings.
#ifndef POINTS_SERVER_DOMAIN_RATING_ROUND_BOOK_H_
#define POINTS_SERVER_DOMAIN_RATING_ROUND_BOOK_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "award_book.h"
#include "domain_store.h"
#include "household_book.h"
#include "ids.h"
#include "points/engine.h"
#include "rating_book.h"

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

class RatingRoundBook {
 public:
  // Everything must outlive the book; without `check` (tests) every subject is taken.
  RatingRoundBook(Clock* clock, DomainStore* store, const HouseholdBook* households,
                  RoundChecker check)
      : clock_(clock), store_(store), households_(households), check_(std::move(check)) {}

  absl::StatusOr<RatingRound> OpenRound(const RoundRequest& request);
  absl::StatusOr<RoundRating> Rate(const RoundRating& rating);
  absl::StatusOr<RatingRound> Get(VillageId village, uint32_t round) const;
  // A round's ratings in household order.
  absl::StatusOr<std::vector<RoundRating>> Ratings(VillageId village, uint32_t round) const;
  // The latest kRoundsListMax rounds in number order; `truncated` (may be null): more exist.
  absl::StatusOr<std::vector<RatingRound>> List(VillageId village, bool* truncated = nullptr) const;
  // The committee's work list: every round that NeedsFollowUp, in number order.
  absl::StatusOr<std::vector<FollowUp>> FollowUps(VillageId village) const;
  // Takes a round off the work list with what was done; FAILED_PRECONDITION for a round that
  // is not on it. Idempotent.
  absl::StatusOr<RatingRound> Resolve(VillageId village, uint32_t round, const std::string& note,
                                      const std::string& by);

 private:
  absl::StatusOr<RatingRound> Load(VillageId village, uint32_t round) const;
  absl::Status Count(RatingRound& round) const;

  Clock* const clock_;
  DomainStore* const store_;
  const HouseholdBook* const households_;
  const RoundChecker check_;
  // Held from the check that a round or rating is new to its save.
  absl::Mutex mu_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_RATING_ROUND_BOOK_H_

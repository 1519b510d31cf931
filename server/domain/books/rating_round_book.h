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
#ifndef POINTS_SERVER_DOMAIN_BOOKS_RATING_ROUND_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_RATING_ROUND_BOOK_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/rating_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/rating_round_values.h"

namespace points::domain {

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
  // Held from the check that a round or rating is new to its save, by the record's key: a
  // round's opening and resolution, or one household's rating in it (a record lock, workflow.h's
  // lock rule; other records never wait).
  RecordLocks<std::string> record_locks_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_RATING_ROUND_BOOK_H_

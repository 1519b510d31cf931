// Satisfaction ratings (README.md, "Expiry, disclosure, reports, satisfaction"; glossary:
// satisfaction rating): after a redemption or a task, the household may rate it once, 1 to 5
// stars with an optional comment. The board shows the averages per shop and per task.
//
// Rules:
// - One rating per (household, subject). The same rating resent (same stars and comment) is
//   idempotent and returns the stored one; a different one is ALREADY_EXISTS ("already rated").
// - A basket (subject = its 128-bit basket id) may be rated only by the household that redeemed
//   it (PERMISSION_DENIED otherwise) and only once it was redeemed: a basket being submitted or
//   refused is FAILED_PRECONDITION, an unknown one NOT_FOUND. A basket returned afterwards may
//   still be rated: the household did go through the redemption, and a return is often why.
// - A task (subject = the task number, 1..UINT32_MAX) may be rated by a household whose claim on
//   it was verified (TaskBook::CheckRatable): the task checker given at construction decides
//   (its error is returned as it is); without a checker, task ratings are FAILED_PRECONDITION.
// - Averages are integers in thousandths of a star, rounded half up: 4333 = 4.333. No floating
//   point anywhere.
//
// Storage: the domain store, key "sat/" + village (4 bytes) + kind (1) + subject (16) +
// household (8), big-endian, so a village's ratings of one kind scan in subject order.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_RATING_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_RATING_BOOK_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "points/types.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/rating_values.h"

namespace points::domain {

// OK when `household`'s claim on `task` in `village` was verified; otherwise the reason, e.g.
// FAILED_PRECONDITION "the claim is not verified" or NOT_FOUND "no such task".
using TaskChecker =
    std::function<absl::Status(VillageId village, uint32_t task, uint64_t household)>;

// The stored form (a version byte first); DATA_LOSS when the bytes do not decode.
std::string EncodeRating(const Rating& rating);
absl::StatusOr<Rating> DecodeRating(const std::string& bytes);

class RatingBook {
 public:
  // `shops`, `clock` and `store` must outlive the book.
  RatingBook(const ShopBook* shops, Clock* clock, DomainStore* store, TaskChecker task_checker)
      : shops_(shops), clock_(clock), store_(store), task_checker_(std::move(task_checker)) {}

  // Records a rating (see the rules above); returns it as stored.
  absl::StatusOr<Rating> Rate(const RatingRequest& request);
  // NOT_FOUND when the household has not rated the subject.
  absl::StatusOr<Rating> Get(VillageId village, uint64_t household, RatingSubject kind,
                             Id subject) const;
  // A subject's ratings, in household order.
  absl::StatusOr<std::vector<Rating>> ListFor(VillageId village, RatingSubject kind,
                                              Id subject) const;
  // Averages per shop (over its baskets' ratings) and per task, in shop or task order; only
  // shops and tasks with at least one rating.
  absl::StatusOr<std::vector<RatingAverage>> ShopAverages(VillageId village) const;
  absl::StatusOr<std::vector<RatingAverage>> TaskAverages(VillageId village) const;

 private:
  absl::Status CheckSubject(const RatingRequest& request, uint32_t* shop) const;
  absl::StatusOr<std::vector<RatingAverage>> Averages(VillageId village, RatingSubject kind) const;

  const ShopBook* const shops_;
  Clock* const clock_;
  DomainStore* const store_;
  const TaskChecker task_checker_;
  // Held from the check that a rating is new to its save, so two first ratings of one subject by
  // one household sent at once cannot both be stored; by the rating's key, so other ratings never
  // wait (a record lock, workflow.h's lock rule).
  RecordLocks<std::string> rating_locks_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_RATING_BOOK_H_

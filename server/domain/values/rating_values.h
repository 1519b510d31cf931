// Satisfaction ratings' values (README.md, "Expiry, disclosure, reports, satisfaction") as the
// rating book keeps them and the clients see them. Values only: the book is rating_book.h.
#ifndef POINTS_SERVER_DOMAIN_VALUES_RATING_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_RATING_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "points/types.h"
#include "server/domain/values/ids.h"

namespace points::domain {

inline constexpr uint32_t kStarsMin = 1;
inline constexpr uint32_t kStarsMax = 5;
inline constexpr size_t kRatingCommentBytesMax = 500;  // UTF-8, about 160 Chinese characters
inline constexpr uint64_t kMilliPerStar = 1000;        // averages are in thousandths

enum class RatingSubject : uint8_t { kBasket = 1, kTask = 2 };
const char* RatingSubjectName(RatingSubject kind);

struct RatingRequest {
  VillageId village = 0;
  uint64_t household = 0;
  RatingSubject kind = RatingSubject::kBasket;
  Id subject = 0;  // the basket id, or the task number
  uint32_t stars = 0;
  std::string comment;  // optional
  friend bool operator==(const RatingRequest&, const RatingRequest&) = default;
};

struct Rating {
  RatingRequest request;
  uint32_t shop = 0;  // the basket's shop; 0 for a task
  uint64_t rated_at_ns = 0;
  friend bool operator==(const Rating&, const Rating&) = default;
};

// The ratings of one shop or one task.
struct RatingAverage {
  uint32_t subject = 0;  // the shop, or the task
  uint64_t count = 0;
  uint64_t average_milli = 0;  // Σ stars x 1000 / count, rounded half up
  friend bool operator==(const RatingAverage&, const RatingAverage&) = default;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_RATING_VALUES_H_

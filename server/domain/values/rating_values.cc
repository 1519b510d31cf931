#include "server/domain/values/rating_values.h"

namespace points::domain {

const char* RatingSubjectName(RatingSubject kind) {
  switch (kind) {
    case RatingSubject::kBasket:
      return "basket";
    case RatingSubject::kTask:
      return "task";
  }
  return "unknown";
}

}  // namespace points::domain

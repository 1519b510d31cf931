// The one check of a number against its documented range (village 1..1048576, grid 1..9999,
// ...), shared by the domain's records and the server's request checks, so every refusal of a
// number reads alike and names the field, the range and the number received.
#ifndef POINTS_SERVER_DOMAIN_VALUES_NUMBER_RANGE_H_
#define POINTS_SERVER_DOMAIN_VALUES_NUMBER_RANGE_H_

#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace points::domain {

// min..max, both included. A range whose max is its type's largest value says only what its
// min excludes ("must not be 0").
struct NumberRange {
  uint64_t min = 0;
  uint64_t max = 0;
};

// INVALID_ARGUMENT "field: must be 1..9999, got 10000" (or "field: must not be 0") when `value`
// is outside `range`.
inline absl::Status CheckNumber(uint64_t value, NumberRange range, absl::string_view field) {
  if (value >= range.min && value <= range.max) return absl::OkStatus();
  const bool unbounded = range.max == std::numeric_limits<uint32_t>::max() ||
                         range.max == std::numeric_limits<uint64_t>::max();
  if (unbounded && range.min == 1) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must not be 0"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": must be ", range.min, "..", range.max, ", got ", value));
}

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_NUMBER_RANGE_H_

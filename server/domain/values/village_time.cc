#include "server/domain/values/village_time.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace points::domain {

CivilDate CivilDateOf(uint64_t ns, int utc_offset_seconds) {
  const absl::CivilSecond t = absl::ToCivilSecond(absl::FromUnixNanos(static_cast<int64_t>(ns)),
                                                  absl::FixedTimeZone(utc_offset_seconds));
  const uint32_t year = static_cast<uint32_t>(t.year());
  const uint32_t month = year * 100 + static_cast<uint32_t>(t.month());
  return CivilDate{month * 100 + static_cast<uint32_t>(t.day()), month, year};
}

uint64_t NewYearNs(uint32_t year, int utc_offset_seconds) {
  const int64_t ns = absl::ToUnixNanos(absl::FromCivil(absl::CivilSecond(year, 1, 1, 0, 0, 0),
                                                       absl::FixedTimeZone(utc_offset_seconds)));
  return ns < 0 ? 0 : static_cast<uint64_t>(ns);  // before 1970: nothing was earned then
}

}  // namespace points::domain

// A village's calendar: days, months (budgets, reports, statements, the board) and years
// (caps, expiry) count in the village's local time, a fixed offset from UTC. One place for it.
#ifndef POINTS_SERVER_DOMAIN_VALUES_VILLAGE_TIME_H_
#define POINTS_SERVER_DOMAIN_VALUES_VILLAGE_TIME_H_

#include <cstdint>

namespace points::domain {

// China Standard Time (UTC+8), the offset unless a village is configured otherwise.
inline constexpr int kChinaStandardTimeSeconds = 8 * 3600;

// The civil day, month and year of `ns` (since the Unix epoch) at the offset, as numbers:
// 20261122, 202611, 2026.
struct CivilDate {
  uint32_t day = 0;
  uint32_t month = 0;
  uint32_t year = 0;
};
CivilDate CivilDateOf(uint64_t ns, int utc_offset_seconds);

// Jan 1 00:00 of `year` at the offset, in ns since the Unix epoch (0 for a time before 1970).
uint64_t NewYearNs(uint32_t year, int utc_offset_seconds);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_VILLAGE_TIME_H_

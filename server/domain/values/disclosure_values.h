// What the board, statements and reports return at most, and the months they may name
// (disclosure.h reads them), shared with the clients.
#ifndef POINTS_SERVER_DOMAIN_VALUES_DISCLOSURE_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_DISCLOSURE_VALUES_H_

#include <cstddef>
#include <cstdint>

namespace points::domain {

// Limits of what one call returns, named once.
inline constexpr size_t kBoardOnNoticeMax = 2000;   // awards on notice shown (the soonest due)
inline constexpr size_t kBoardRecentMax = 20;       // recently posted awards shown
inline constexpr size_t kRankingMax = 100;          // households on the ranking
inline constexpr size_t kStatementLinesMax = 5000;  // movements listed on one statement
inline constexpr uint32_t kPeriodYearMin = 2000;    // months before it are refused
inline constexpr uint32_t kPeriodYearMax = 2500;    // nanoseconds since 1970 fit up to 2554

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_DISCLOSURE_VALUES_H_

// The numbering of towns, villages and grids and the length of their names (org_book.h keeps
// them), shared with the clients.
#ifndef POINTS_SERVER_DOMAIN_VALUES_ORG_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_ORG_VALUES_H_

#include <cstddef>
#include <cstdint>

namespace points::domain {

inline constexpr uint32_t kTownsMax = 1u << 20;  // towns are numbered 1..kTownsMax
inline constexpr uint32_t kGridsMax = 9999;      // grids of a village are numbered 1..kGridsMax
inline constexpr size_t kOrgNameBytesMax = 64;   // e.g. 清溪镇, 东山村, 第三网格 (UTF-8)

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_ORG_VALUES_H_

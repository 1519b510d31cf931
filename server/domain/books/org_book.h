// The organisation of a scheme (glossary: town, village / community, grid): towns group
// villages, a village (or urban community) owns its ledgers and accounts, and a grid is a block
// of a village's households with the grid worker who records for it. Records only: the
// accounts a village owns are created by AwardBook::SetUpVillage, and no points move here.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_ORG_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_ORG_BOOK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/org_values.h"

namespace points::domain {

struct Town {
  uint32_t town = 0;
  std::string name;
  friend bool operator==(const Town&, const Town&) = default;
};

enum class VillageKind : uint8_t { kVillage = 1, kCommunity = 2 };

struct Village {
  VillageId village = 0;
  std::string name;
  uint32_t town = 0;  // 0: not yet placed in a town
  VillageKind kind = VillageKind::kVillage;
  friend bool operator==(const Village&, const Village&) = default;
};

struct Grid {
  VillageId village = 0;
  uint32_t grid = 0;
  std::string name;    // optional, e.g. 第三网格
  std::string worker;  // the grid worker (网格员) who records for it, optional
  friend bool operator==(const Grid&, const Grid&) = default;
};

class OrgBook {
 public:
  explicit OrgBook(DomainStore* store) : store_(store) {}

  // Each Put saves the record, replacing an earlier one; INVALID_ARGUMENT names a bad field.
  // A village's town and a grid's village must exist (FAILED_PRECONDITION otherwise).
  absl::Status PutTown(const Town& town);
  absl::Status PutVillage(const Village& village);
  absl::Status PutGrid(const Grid& grid);

  // NOT_FOUND when absent.
  absl::StatusOr<Village> GetVillage(VillageId village) const;
  absl::StatusOr<Grid> GetGrid(VillageId village, uint32_t grid) const;
  // In number order; villages of one town (or all, town 0).
  absl::StatusOr<std::vector<Town>> ListTowns() const;
  absl::StatusOr<std::vector<Village>> ListVillages(uint32_t town) const;
  absl::StatusOr<std::vector<Grid>> ListGrids(VillageId village) const;

 private:
  DomainStore* const store_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_ORG_BOOK_H_

#include "server/domain/books/org_book.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/number_range.h"
#include "server/domain/values/text.h"

namespace points::domain {
namespace {

constexpr uint8_t kOrgFormatVersion = 1;

std::string TownKey(uint32_t town) { return absl::StrCat(keys::kTown, BigEndian(town, 4)); }
std::string VillageKey(VillageId village) {
  return absl::StrCat(keys::kVillage, BigEndian(village, 4));
}
std::string GridPrefix(VillageId village) {
  return absl::StrCat(keys::kGrid, BigEndian(village, 4));
}
std::string GridKey(VillageId village, uint32_t grid) {
  return absl::StrCat(GridPrefix(village), BigEndian(grid, 4));
}

absl::Status CheckName(const std::string& name, bool required, const char* field) {
  if ((required && name.empty()) || name.size() > kOrgNameBytesMax || !IsUtf8(name)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", required ? "1" : "0", "..",
                                                   kOrgNameBytesMax, " bytes of UTF-8, got ",
                                                   name.size()));
  }
  return absl::OkStatus();
}

std::string Encode(const Town& t) {
  return std::move(RecordWriter().Int(kOrgFormatVersion, 1).Int(t.town, 4).Text(t.name)).bytes();
}
std::string Encode(const Village& v) {
  return std::move(RecordWriter()
                       .Int(kOrgFormatVersion, 1)
                       .Int(v.village, 4)
                       .Text(v.name)
                       .Int(v.town, 4)
                       .Int(static_cast<uint8_t>(v.kind), 1))
      .bytes();
}
std::string Encode(const Grid& g) {
  return std::move(RecordWriter()
                       .Int(kOrgFormatVersion, 1)
                       .Int(g.village, 4)
                       .Int(g.grid, 4)
                       .Text(g.name)
                       .Text(g.worker))
      .bytes();
}

absl::StatusOr<Town> DecodeTown(const std::string& bytes) {
  RecordReader r(bytes);
  Town t;
  const bool version_ok = r.Int(1) == kOrgFormatVersion;
  t.town = static_cast<uint32_t>(r.Int(4));
  t.name = r.Text();
  if (!version_ok || !r.done_ok()) return absl::DataLossError("town record does not decode");
  return t;
}
absl::StatusOr<Village> DecodeVillage(const std::string& bytes) {
  RecordReader r(bytes);
  Village v;
  const bool version_ok = r.Int(1) == kOrgFormatVersion;
  v.village = static_cast<VillageId>(r.Int(4));
  v.name = r.Text();
  v.town = static_cast<uint32_t>(r.Int(4));
  const uint64_t kind = r.Int(1);
  if (!version_ok || !r.done_ok() || kind < 1 || kind > 2) {
    return absl::DataLossError("village record does not decode");
  }
  v.kind = static_cast<VillageKind>(kind);
  return v;
}
absl::StatusOr<Grid> DecodeGrid(const std::string& bytes) {
  RecordReader r(bytes);
  Grid g;
  const bool version_ok = r.Int(1) == kOrgFormatVersion;
  g.village = static_cast<VillageId>(r.Int(4));
  g.grid = static_cast<uint32_t>(r.Int(4));
  g.name = r.Text();
  g.worker = r.Text();
  if (!version_ok || !r.done_ok()) return absl::DataLossError("grid record does not decode");
  return g;
}

template <typename T, typename Decode>
absl::StatusOr<T> GetRecord(const DomainStore& store, const std::string& key, Decode decode,
                            const std::string& what) {
  absl::StatusOr<std::string> bytes = store.Get(key);
  if (!bytes.ok()) {
    if (bytes.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat(what, " is not registered"));
    }
    return bytes.status();
  }
  return decode(*bytes);
}

}  // namespace

absl::Status OrgBook::PutTown(const Town& town) {
  if (absl::Status s = CheckNumber(town.town, {1, kTownsMax}, "town"); !s.ok()) return s;
  if (absl::Status s = CheckName(town.name, true, "name"); !s.ok()) return s;
  return store_->Put(TownKey(town.town), Encode(town));
}

absl::Status OrgBook::PutVillage(const Village& village) {
  if (absl::Status s = CheckVillage(village.village); !s.ok()) return s;
  if (absl::Status s = CheckName(village.name, true, "name"); !s.ok()) return s;
  if (village.kind != VillageKind::kVillage && village.kind != VillageKind::kCommunity) {
    return absl::InvalidArgumentError("kind: village or community");
  }
  if (village.town != 0) {
    absl::StatusOr<std::string> town = store_->Get(TownKey(village.town));
    if (!town.ok()) {
      return town.status().code() == absl::StatusCode::kNotFound
                 ? absl::FailedPreconditionError(
                       absl::StrCat("town ", village.town, " is not registered: put it first"))
                 : town.status();
    }
  }
  return store_->Put(VillageKey(village.village), Encode(village));
}

absl::Status OrgBook::PutGrid(const Grid& grid) {
  if (absl::Status s = CheckVillage(grid.village); !s.ok()) return s;
  if (absl::Status s = CheckNumber(grid.grid, {1, kGridsMax}, "grid"); !s.ok()) return s;
  if (absl::Status s = CheckName(grid.name, false, "name"); !s.ok()) return s;
  if (absl::Status s = CheckName(grid.worker, false, "worker"); !s.ok()) return s;
  absl::StatusOr<Village> village = GetVillage(grid.village);
  if (!village.ok()) {
    return village.status().code() == absl::StatusCode::kNotFound
               ? absl::FailedPreconditionError(absl::StrCat(
                     "village ", grid.village, " is not registered: put the village first"))
               : village.status();
  }
  return store_->Put(GridKey(grid.village, grid.grid), Encode(grid));
}

absl::StatusOr<Village> OrgBook::GetVillage(VillageId village) const {
  return GetRecord<Village>(*store_, VillageKey(village), DecodeVillage,
                            absl::StrCat("village ", village));
}

absl::StatusOr<Grid> OrgBook::GetGrid(VillageId village, uint32_t grid) const {
  return GetRecord<Grid>(*store_, GridKey(village, grid), DecodeGrid,
                         absl::StrCat("grid ", grid, " of village ", village));
}

absl::StatusOr<std::vector<Town>> OrgBook::ListTowns() const {
  std::vector<Town> towns;
  absl::Status status =
      ScanRecords(*store_, keys::kTown, DecodeTown, [&](Town t) { towns.push_back(std::move(t)); });
  if (!status.ok()) return status;
  return towns;
}

absl::StatusOr<std::vector<Village>> OrgBook::ListVillages(uint32_t town) const {
  std::vector<Village> villages;
  absl::Status status = ScanRecords(*store_, keys::kVillage, DecodeVillage, [&](Village v) {
    if (town == 0 || v.town == town) villages.push_back(std::move(v));
  });
  if (!status.ok()) return status;
  return villages;
}

absl::StatusOr<std::vector<Grid>> OrgBook::ListGrids(VillageId village) const {
  std::vector<Grid> grids;
  absl::Status status = ScanRecords(*store_, GridPrefix(village), DecodeGrid,
                                    [&](Grid g) { grids.push_back(std::move(g)); });
  if (!status.ok()) return status;
  return grids;
}

}  // namespace points::domain

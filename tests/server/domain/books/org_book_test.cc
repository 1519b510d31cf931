// The organisation's records: towns, villages (or communities) in a town, grids with their
// workers; a village needs its town, a grid its village, and a household its grid.
#include "server/domain/books/org_book.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/books/household_book.h"
#include "tests/engine/testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

class OrgBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = DomainStore::Open(dir_.path() + "/domain");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    org_ = std::make_unique<OrgBook>(store_.get());
  }

  TempDir dir_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<OrgBook> org_;
};

TEST_F(OrgBookTest, TownsGroupVillagesAndGridsBelongToAVillage) {
  ASSERT_TRUE(org_->PutTown({1, "清溪镇"}).ok());
  ASSERT_TRUE(org_->PutTown({2, "白沙街道"}).ok());
  ASSERT_TRUE(org_->PutVillage({5, "东山村", 1, VillageKind::kVillage}).ok());
  ASSERT_TRUE(org_->PutVillage({6, "西湖社区", 2, VillageKind::kCommunity}).ok());
  ASSERT_TRUE(org_->PutVillage({7, "南岭村", 1, VillageKind::kVillage}).ok());
  ASSERT_TRUE(org_->PutGrid({5, 3, "第三网格", "grid-li"}).ok());
  ASSERT_TRUE(org_->PutGrid({5, 1, "", ""}).ok());

  auto in_town = org_->ListVillages(1);
  ASSERT_TRUE(in_town.ok()) << in_town.status();
  ASSERT_EQ(in_town->size(), 2u);
  EXPECT_EQ((*in_town)[0].name, "东山村");
  EXPECT_EQ((*in_town)[1].village, 7u);
  EXPECT_EQ(org_->ListVillages(0)->size(), 3u);
  EXPECT_EQ(org_->GetVillage(6)->kind, VillageKind::kCommunity);
  auto grids = org_->ListGrids(5);
  ASSERT_TRUE(grids.ok()) << grids.status();
  ASSERT_EQ(grids->size(), 2u);
  EXPECT_EQ((*grids)[0].grid, 1u) << "in number order";
  EXPECT_EQ((*grids)[1].worker, "grid-li");
  EXPECT_TRUE(org_->ListGrids(6)->empty());

  ASSERT_TRUE(org_->PutTown({1, "清溪镇 (新)"}).ok()) << "a put replaces";
  EXPECT_EQ(org_->ListTowns()->front().name, "清溪镇 (新)");
}

TEST_F(OrgBookTest, RefusalsNameWhatIsMissingOrWrong) {
  EXPECT_EQ(org_->PutVillage({5, "东山村", 9, VillageKind::kVillage}).code(),
            absl::StatusCode::kFailedPrecondition)
      << "town 9 is not registered";
  EXPECT_EQ(org_->PutGrid({5, 1, "", ""}).code(), absl::StatusCode::kFailedPrecondition)
      << "village 5 is not registered";
  EXPECT_NE(org_->PutTown({1, ""}).message().find("name"), std::string::npos);
  EXPECT_NE(org_->PutTown({0, "x"}).message().find("town"), std::string::npos);
  EXPECT_NE(org_->PutVillage({0, "x", 0, VillageKind::kVillage}).message().find("village"),
            std::string::npos);
  ASSERT_TRUE(org_->PutVillage({5, "东山村", 0, VillageKind::kVillage}).ok());
  EXPECT_NE(org_->PutGrid({5, kGridsMax + 1, "", ""}).message().find("grid"), std::string::npos);
  EXPECT_NE(
      org_->PutGrid({5, 1, std::string(kOrgNameBytesMax + 1, 'x'), ""}).message().find("name"),
      std::string::npos);
  EXPECT_EQ(org_->GetGrid(5, 1).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(OrgBookTest, AHouseholdsGridMustBeRegistered) {
  Options options;
  auto engine = Engine::Open(options, dir_.path() + "/ledger");
  ASSERT_TRUE(engine.ok()) << engine.status();
  HouseholdBook households(engine->get(), store_.get(), org_.get());
  ASSERT_TRUE(org_->PutVillage({5, "东山村", 0, VillageKind::kVillage}).ok());
  Household h;
  h.village = 5;
  h.household = 1;
  h.grid = 3;
  const absl::Status unknown = households.PutHousehold(h);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kFailedPrecondition) << unknown;
  EXPECT_NE(unknown.message().find("grid 3 of village 5"), std::string::npos) << unknown;
  ASSERT_TRUE(org_->PutGrid({5, 3, "第三网格", "grid-li"}).ok());
  EXPECT_TRUE(households.PutHousehold(h).ok());
  h.grid = 0;  // none yet is fine
  h.household = 2;
  EXPECT_TRUE(households.PutHousehold(h).ok());
}

}  // namespace
}  // namespace points::domain

// Households: members, proxy and grid kept beside the points account; names masked on public
// lists; a household closed only once its balance is settled and nothing is pending.
#include "server/domain/books/household_book.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/values/ledger_layout.h"
#include "tests/engine/testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 2;

TEST(MaskNameTest, KeepsTheFirstAndLastCharacterOfUtf8Names) {
  EXPECT_EQ(MaskName("张小明"), "张*明");
  EXPECT_EQ(MaskName("欧阳小明"), "欧**明");
  EXPECT_EQ(MaskName("李明"), "李*");
  EXPECT_EQ(MaskName("王"), "王*");
  EXPECT_EQ(MaskName("Wang"), "W**g");
  EXPECT_EQ(MaskName(""), "");
}

class HouseholdBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::Open(Options(), dir_.path() + "/ledger");
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    auto store = DomainStore::Open(dir_.path() + "/domain");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    book_ = std::make_unique<HouseholdBook>(engine_.get(), store_.get());
    ASSERT_TRUE(engine_->CreateAccounts(VillageAccounts(kVillage)).ok());
  }

  Household Zhang() {
    Household h;
    h.village = kVillage;
    h.household = 7;
    h.name = "张家";
    h.grid = 3;
    h.members = {{"张小明", MemberRole::kHead, "+86 138-0000-0000"},
                 {"李芳", MemberRole::kMember, ""}};
    h.proxy_name = "王大妈";
    return h;
  }

  // Moves points on the household's account: positive credits it, negative debits it.
  void Move(uint64_t id, int64_t points, uint16_t flags = 0) {
    const Id issuer = ids::OfVillageAccount(kVillage, VillageAccount::kIssuer);
    const Id household = ids::Household(kVillage, 7);
    Transfer t = MakeTransfer(id, points > 0 ? issuer : household, points > 0 ? household : issuer,
                              static_cast<uint64_t>(points > 0 ? points : -points),
                              LedgersOf(kVillage).points, kCodeHygiene);
    t.flags = flags;
    auto results = engine_->CreateTransfers({t});
    ASSERT_TRUE(results.ok());
    ASSERT_EQ((*results)[0].result, CreateTransferResult::kOk);
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<HouseholdBook> book_;
};

TEST_F(HouseholdBookTest, DetailsAreKeptAndPublicListsMaskNamesAndHidePhones) {
  ASSERT_TRUE(book_->PutHousehold(Zhang()).ok());
  EXPECT_EQ(*book_->GetHousehold(kVillage, 7), Zhang());
  auto listed = book_->ListHouseholds(kVillage, /*reveal=*/false);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "张*");
  EXPECT_EQ((*listed)[0].members[0].name, "张*明");
  EXPECT_EQ((*listed)[0].members[0].phone, "");
  EXPECT_EQ((*listed)[0].proxy_name, "王*妈");
  EXPECT_EQ((*book_->ListHouseholds(kVillage, /*reveal=*/true))[0], Zhang());
  auto account = engine_->LookupAccounts({ids::Household(kVillage, 7)});
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(account->size(), 1u) << "the points account was created";
}

TEST_F(HouseholdBookTest, BadDetailsAreRefusedNamingTheField) {
  Household two_heads = Zhang();
  two_heads.members[1].role = MemberRole::kHead;
  EXPECT_NE(book_->PutHousehold(two_heads).message().find("at most one head"), std::string::npos);
  Household bad_phone = Zhang();
  bad_phone.members[0].phone = "call me";
  EXPECT_NE(book_->PutHousehold(bad_phone).message().find("members[0].phone"), std::string::npos);
  Household nameless = Zhang();
  nameless.members[1].name = "";
  EXPECT_NE(book_->PutHousehold(nameless).message().find("members[1].name"), std::string::npos);
  Household zero = Zhang();
  zero.household = 0;
  EXPECT_EQ(book_->PutHousehold(zero).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HouseholdBookTest, AHouseholdClosesOnlyOnceItsBalanceIsSettled) {
  ASSERT_TRUE(book_->PutHousehold(Zhang()).ok());
  Move(1, 30);
  auto holding = book_->CloseHousehold(kVillage, 7);
  EXPECT_EQ(holding.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(holding.message().find("still holds 30 points"), std::string::npos) << holding;
  Move(2, -30);                  // settled: spent or moved back
  Move(3, 5, kTransferPending);  // but an award is on notice
  auto pending = book_->CloseHousehold(kVillage, 7);
  EXPECT_NE(pending.message().find("pending"), std::string::npos) << pending;
  Transfer void_it;
  void_it.id = 4;
  void_it.pending_id = 3;
  void_it.flags = kTransferVoidPendingTransfer;
  ASSERT_TRUE(engine_->CreateTransfers({void_it}).ok());
  ASSERT_TRUE(book_->CloseHousehold(kVillage, 7).ok());
  EXPECT_TRUE(book_->CloseHousehold(kVillage, 7).ok()) << "idempotent";
  EXPECT_TRUE(book_->GetHousehold(kVillage, 7)->closed);
  EXPECT_EQ(book_->PutHousehold(Zhang()).code(), absl::StatusCode::kFailedPrecondition);
  // The ledger refuses new points for a closed household.
  const Transfer late =
      MakeTransfer(5, ids::OfVillageAccount(kVillage, VillageAccount::kIssuer),
                   ids::Household(kVillage, 7), 1, LedgersOf(kVillage).points, kCodeHygiene);
  auto refused = engine_->CreateTransfers({late});
  ASSERT_TRUE(refused.ok());
  EXPECT_NE((*refused)[0].result, CreateTransferResult::kOk);
}

}  // namespace
}  // namespace points::domain

// Satisfaction ratings against the real engine, shop book and domain store: a household rates a
// redeemed basket of its own, or a task the checker says it did (its claim verified), once; a
// resend answers the same rating, a different one is refused; averages are exact thousandths.
#include "server/domain/books/rating_book.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/ledger_layout.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 6;
constexpr uint32_t kShop = 2;
constexpr uint32_t kOtherShop = 3;
constexpr uint32_t kSoySauce = 1;  // 10 points, at both shops

class RatingBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.clock = &clock_;
    auto engine = Engine::Open(options, dir_.path() + "/ledger");
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    OpenBooks();
    // Households 1..4 with 100 points each; household 5 with none.
    std::vector<Account> accounts = VillageAccounts(kVillage);
    for (uint64_t h = 1; h <= 5; ++h) accounts.push_back(HouseholdAccount(kVillage, h));
    ASSERT_TRUE(engine_->CreateAccounts(accounts).ok());
    std::vector<Transfer> grants;
    for (uint64_t h = 1; h <= 4; ++h) {
      grants.push_back(
          MakeTransfer(0x6000 + h, ids::OfVillageAccount(kVillage, VillageAccount::kIssuer),
                       ids::Household(kVillage, h), 100, LedgersOf(kVillage).points, kCodeHygiene));
    }
    ASSERT_TRUE(engine_->CreateTransfers(grants).ok());
    for (uint32_t shop : {kShop, kOtherShop}) {
      ASSERT_TRUE(shops_->CreateShop(kVillage, shop, "村积分超市").ok());
      ASSERT_TRUE(shops_->PutItem(kVillage, shop, {kSoySauce, "酱油 500ml", 10, 1200, 0}).ok());
      ASSERT_TRUE(shops_->Restock(kVillage, shop, kSoySauce, shop, 100).ok());
    }
  }

  void OpenBooks() {
    auto store = DomainStore::Open(dir_.path() + "/domain");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto shops = ShopBook::Open(engine_.get(), &clock_, store_.get());
    ASSERT_TRUE(shops.ok()) << shops.status();
    shops_ = *std::move(shops);
    // The fake task book: household h had its claim verified on task 7 when h <= 3, on task 9
    // always; task 8 has no claim of anyone's verified.
    ratings_ = std::make_unique<RatingBook>(
        shops_.get(), &clock_, store_.get(),
        [](VillageId village, uint32_t task, uint64_t household) -> absl::Status {
          if (village != kVillage || (task != 7 && task != 9)) {
            return absl::NotFoundError("no such task");
          }
          if (task == 7 && household > 3) {
            return absl::FailedPreconditionError("the household's claim is not verified");
          }
          return absl::OkStatus();
        });
  }

  Id Redeem(Id basket, uint64_t household, uint32_t shop = kShop) {
    BasketRequest r;
    r.basket = basket;
    r.village = kVillage;
    r.shop = shop;
    r.household = household;
    r.lines = {{kSoySauce, 1}};
    TestConsent consent;
    auto done = shops_->Redeem(r, consent);
    EXPECT_TRUE(done.ok()) << done.status();
    return basket;
  }

  static RatingRequest Basket(Id basket, uint64_t household, uint32_t stars,
                              std::string comment = "") {
    return {kVillage, household, RatingSubject::kBasket, basket, stars, std::move(comment)};
  }
  static RatingRequest Task(uint32_t task, uint64_t household, uint32_t stars) {
    return {kVillage, household, RatingSubject::kTask, task, stars, ""};
  }

  TempDir dir_;
  ManualClock clock_{1'800'000'000ull * 1'000'000'000ull};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<ShopBook> shops_;
  std::unique_ptr<RatingBook> ratings_;
};

TEST_F(RatingBookTest, ABasketIsRatedOnceAResendAnswersTheSameRatingADifferentOneIsRefused) {
  const Id basket = Redeem(0xb1, 1);
  const uint64_t rated_at = clock_.NowNanos();
  auto rated = ratings_->Rate(Basket(basket, 1, 4, "服务热情"));
  ASSERT_TRUE(rated.ok()) << rated.status();
  EXPECT_EQ(rated->shop, kShop);
  EXPECT_EQ(rated->rated_at_ns, rated_at);
  EXPECT_EQ(rated->request.stars, 4u);

  clock_.Advance(1'000'000'000);
  auto resent = ratings_->Rate(Basket(basket, 1, 4, "服务热情"));
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(*resent, *rated) << "a resend returns the stored rating, time and all";

  auto twice = ratings_->Rate(Basket(basket, 1, 5, "服务热情"));
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kAlreadyExists) << twice.status();
  EXPECT_NE(twice.status().message().find("already rated"), std::string::npos) << twice.status();
  auto other_comment = ratings_->Rate(Basket(basket, 1, 4, "一般"));
  EXPECT_EQ(other_comment.status().code(), absl::StatusCode::kAlreadyExists);

  auto stored = ratings_->Get(kVillage, 1, RatingSubject::kBasket, basket);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*stored, *rated);
  EXPECT_EQ(ratings_->Get(kVillage, 2, RatingSubject::kBasket, basket).status().code(),
            absl::StatusCode::kNotFound);

  // The rating survives reopening the store.
  ratings_.reset();
  shops_.reset();
  store_.reset();
  OpenBooks();
  auto reopened = ratings_->Get(kVillage, 1, RatingSubject::kBasket, basket);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(*reopened, *rated);
  EXPECT_EQ(ratings_->Rate(Basket(basket, 1, 3)).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(RatingBookTest, OnlyTheBasketsOwnHouseholdRatesItAndOnlyOnceRedeemed) {
  const Id basket = Redeem(0xb1, 1);
  auto stranger = ratings_->Rate(Basket(basket, 2, 1));
  EXPECT_EQ(stranger.status().code(), absl::StatusCode::kPermissionDenied) << stranger.status();
  EXPECT_NE(stranger.status().message().find("only the household"), std::string::npos);

  auto unknown = ratings_->Rate(Basket(0xdead, 1, 5));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound) << unknown.status();

  // Household 5 has no points: its basket is refused by the ledger, so nothing was redeemed.
  BasketRequest poor{0xb5, kVillage, kShop, 5, {{kSoySauce, 1}}};
  TestConsent consent;
  auto refused = shops_->Redeem(poor, consent);
  ASSERT_TRUE(refused.ok()) << refused.status();
  ASSERT_EQ(refused->state, BasketState::kRefused);
  auto unredeemed = ratings_->Rate(Basket(0xb5, 5, 2));
  EXPECT_EQ(unredeemed.status().code(), absl::StatusCode::kFailedPrecondition)
      << unredeemed.status();
  EXPECT_NE(unredeemed.status().message().find("refused"), std::string::npos)
      << unredeemed.status();

  // A returned basket was redeemed once: it may be rated (often why it came back).
  const Id returned = Redeem(0xb2, 2);
  ASSERT_TRUE(shops_->Return(kVillage, returned).ok());
  auto after_return = ratings_->Rate(Basket(returned, 2, 1, "酱油过期了"));
  ASSERT_TRUE(after_return.ok()) << after_return.status();
  EXPECT_EQ(after_return->shop, kShop);

  auto none = ratings_->ListFor(kVillage, RatingSubject::kBasket, basket);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "no refused attempt was stored";
}

TEST_F(RatingBookTest, StarsCommentAndSubjectAreChecked) {
  const Id basket = Redeem(0xb1, 1);
  for (uint32_t stars : {0u, 6u, 100u}) {
    auto bad = ratings_->Rate(Basket(basket, 1, stars));
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << stars;
    EXPECT_NE(bad.status().message().find("stars"), std::string::npos) << bad.status();
  }
  const std::string too_long(kRatingCommentBytesMax + 1, 'a');
  EXPECT_EQ(ratings_->Rate(Basket(basket, 1, 3, too_long)).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const char* bytes : {"\xff", "\xc0\xaf", "\xe5\xa5", "\xed\xa0\x80", "ok\x80"}) {
    auto bad = ratings_->Rate(Basket(basket, 1, 3, bytes));
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  }
  EXPECT_EQ(ratings_->Rate(Task(0, 1, 3)).status().code(), absl::StatusCode::kInvalidArgument);
  RatingRequest huge_task = Task(1, 1, 3);
  huge_task.subject = Id(UINT32_MAX) + 1;
  EXPECT_EQ(ratings_->Rate(huge_task).status().code(), absl::StatusCode::kInvalidArgument);
  RatingRequest no_household = Basket(basket, 0, 3);
  EXPECT_EQ(ratings_->Rate(no_household).status().code(), absl::StatusCode::kInvalidArgument);

  // A comment of exactly the limit, in Chinese (3 bytes a character, 500 = 166 x 3 + 2 'a').
  std::string full;
  for (int i = 0; i < 166; ++i) full += "好";
  full += "aa";
  ASSERT_EQ(full.size(), kRatingCommentBytesMax);
  auto ok = ratings_->Rate(Basket(basket, 1, 5, full));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->request.comment, full);
}

TEST_F(RatingBookTest, ATaskIsRatedByAHouseholdWhoseClaimWasCompletedOnce) {
  auto rated = ratings_->Rate(Task(7, 1, 5));
  ASSERT_TRUE(rated.ok()) << rated.status();
  EXPECT_EQ(rated->shop, 0u);
  auto not_verified = ratings_->Rate(Task(7, 4, 5));
  EXPECT_EQ(not_verified.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(not_verified.status().message().find("not verified"), std::string::npos);
  EXPECT_EQ(ratings_->Rate(Task(8, 1, 5)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ratings_->Rate(Task(7, 1, 2)).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(ratings_->Rate(Task(7, 1, 5)).ok()) << "the same rating resent";

  // Without a task book, tasks cannot be rated at all; baskets still can.
  RatingBook no_tasks(shops_.get(), &clock_, store_.get(), nullptr);
  auto refused = no_tasks.Rate(Task(9, 2, 4));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_TRUE(no_tasks.Rate(Basket(Redeem(0xb3, 3), 3, 4)).ok());
}

TEST_F(RatingBookTest, AveragesPerShopAndPerTaskAreExactThousandthsRoundedHalfUp) {
  // Shop 2: 5, 4, 4 -> 13 / 3 = 4.333...; shop 3: 5, 4 -> 4.5.
  ASSERT_TRUE(ratings_->Rate(Basket(Redeem(0xb1, 1), 1, 5)).ok());
  ASSERT_TRUE(ratings_->Rate(Basket(Redeem(0xb2, 2), 2, 4)).ok());
  ASSERT_TRUE(ratings_->Rate(Basket(Redeem(0xb3, 3), 3, 4)).ok());
  ASSERT_TRUE(ratings_->Rate(Basket(Redeem(0xc1, 1, kOtherShop), 1, 5)).ok());
  ASSERT_TRUE(ratings_->Rate(Basket(Redeem(0xc2, 4, kOtherShop), 4, 4)).ok());
  // Task 7: 1, 2 -> 1.5; task 9: 5, 5, 4 -> 14 / 3 = 4.666... -> 4667 (rounded half up).
  ASSERT_TRUE(ratings_->Rate(Task(7, 1, 1)).ok());
  ASSERT_TRUE(ratings_->Rate(Task(7, 2, 2)).ok());
  ASSERT_TRUE(ratings_->Rate(Task(9, 1, 5)).ok());
  ASSERT_TRUE(ratings_->Rate(Task(9, 2, 5)).ok());
  ASSERT_TRUE(ratings_->Rate(Task(9, 4, 4)).ok());
  // Refused and resent ratings count nothing.
  EXPECT_FALSE(ratings_->Rate(Task(9, 4, 1)).ok());
  EXPECT_TRUE(ratings_->Rate(Task(9, 4, 4)).ok());

  auto shops = ratings_->ShopAverages(kVillage);
  ASSERT_TRUE(shops.ok()) << shops.status();
  const std::vector<RatingAverage> want_shops = {{kShop, 3, 4333}, {kOtherShop, 2, 4500}};
  EXPECT_EQ(*shops, want_shops);
  auto tasks = ratings_->TaskAverages(kVillage);
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  const std::vector<RatingAverage> want_tasks = {{7, 2, 1500}, {9, 3, 4667}};
  EXPECT_EQ(*tasks, want_tasks);
  // Another village sees none of them.
  auto elsewhere = ratings_->ShopAverages(kVillage + 1);
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_TRUE(elsewhere->empty());
}

}  // namespace
}  // namespace points::domain

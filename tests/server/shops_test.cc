// ShopService end to end: the real pointsd over gRPC. Many terminals redeeming at once, on
// their own connections, never oversell the last items nor overspend a household; a resent
// basket is charged once; a refused basket takes nothing and says why; returns reverse.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "convert.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "points/v1/awards.grpc.pb.h"
#include "points/v1/ledger.grpc.pb.h"
#include "points/v1/shops.grpc.pb.h"
#include "pointsd_process.h"
#include "testing.h"

namespace points::server {
namespace {

using testing::TempDir;

constexpr uint32_t kVillage = 6;
constexpr uint32_t kShop = 1;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

// A terminal: its own connection to the server.
struct Terminal {
  explicit Terminal(const std::string& target)
      : channel(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
        shops(v1::ShopService::NewStub(channel)),
        villages(v1::VillageService::NewStub(channel)),
        awards(v1::AwardService::NewStub(channel)),
        ledger(v1::LedgerService::NewStub(channel)) {}

  grpc::Status Redeem(uint64_t basket, uint64_t household,
                      std::vector<std::pair<uint32_t, uint64_t>> lines, v1::Basket* out) {
    v1::RedeemBasketRequest request;
    v1::Basket* b = request.mutable_basket();
    b->set_basket_id(IdToBytes(basket));
    b->set_village(kVillage);
    b->set_shop(kShop);
    b->set_household(household);
    for (const auto& [item, quantity] : lines) {
      v1::BasketLine* line = b->add_lines();
      line->set_item(item);
      line->set_quantity(quantity);
    }
    v1::RedeemBasketResponse response;
    grpc::Status status = shops->RedeemBasket(Context().get(), request, &response);
    *out = response.basket();
    return status;
  }

  uint64_t Stock(uint32_t item) {
    v1::ListItemsRequest request;
    request.set_village(kVillage);
    request.set_shop(kShop);
    v1::ListItemsResponse response;
    EXPECT_TRUE(shops->ListItems(Context().get(), request, &response).ok());
    for (const v1::Item& i : response.items()) {
      if (i.item() == item) return i.stock();
    }
    return 0;
  }

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::ShopService::Stub> shops;
  std::unique_ptr<v1::VillageService::Stub> villages;
  std::unique_ptr<v1::AwardService::Stub> awards;
  std::unique_ptr<v1::LedgerService::Stub> ledger;
};

class ShopsTest : public ::testing::Test {
 protected:
  // The village, households 1..n, each awarded `points` (small awards need no review and post
  // after a 1 s notice), and the shop with item 1 (10 points) and item 2 (3 points) in stock.
  void SetUp(uint64_t households, uint64_t points, uint64_t stock_1, uint64_t stock_2) {
    pointsd_ = std::make_unique<testing::Pointsd>(
        dir_.path(), 0,
        std::vector<std::string>{"--notice-seconds", "1", "--review-threshold", "1000"});
    terminal_ = std::make_unique<Terminal>(pointsd_->target());
    v1::CreateVillageRequest village;
    village.set_village(kVillage);
    v1::CreateVillageResponse created;
    ASSERT_TRUE(terminal_->villages->CreateVillage(Context().get(), village, &created).ok());
    for (uint64_t h = 1; h <= households; ++h) {
      v1::CreateHouseholdRequest household;
      household.set_village(kVillage);
      household.set_household(h);
      v1::CreateHouseholdResponse response;
      ASSERT_TRUE(terminal_->villages->CreateHousehold(Context().get(), household, &response).ok());
      accounts_.push_back(response.account_id());
      v1::PutRuleRequest rule;
      rule.set_village(kVillage);
      rule.mutable_rule()->set_rule(1);
      rule.mutable_rule()->set_category(v1::CATEGORY_HYGIENE);
      rule.mutable_rule()->set_points_per_unit(points);
      rule.mutable_rule()->set_name("庭院卫生评比");
      rule.mutable_rule()->set_changed_by("committee-li");
      v1::PutRuleResponse put;
      ASSERT_TRUE(terminal_->awards->PutRule(Context().get(), rule, &put).ok());
      v1::RecordAwardRequest award;
      v1::Award* a = award.mutable_award();
      a->set_award_id(IdToBytes(1000 + h));
      a->set_village(kVillage);
      a->set_household(h);
      a->mutable_rule()->set_rule(1);
      a->set_quantity(1);
      a->set_recorded_by("grid-wang");
      v1::RecordAwardResponse recorded;
      ASSERT_TRUE(terminal_->awards->RecordAward(Context().get(), award, &recorded).ok());
    }
    // Wait (at most 30 s) until the server has posted every award.
    for (int i = 0; i < 300 && !AllPosted(households, points); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(AllPosted(households, points));

    v1::CreateShopRequest shop;
    shop.set_village(kVillage);
    shop.set_shop(kShop);
    shop.set_name("村积分超市");
    v1::CreateShopResponse shop_created;
    ASSERT_TRUE(terminal_->shops->CreateShop(Context().get(), shop, &shop_created).ok());
    for (const auto& [item, price, stock] :
         std::vector<std::tuple<uint32_t, uint64_t, uint64_t>>{{1, 10, stock_1}, {2, 3, stock_2}}) {
      v1::PutItemRequest put;
      put.set_village(kVillage);
      put.set_shop(kShop);
      put.mutable_item()->set_item(item);
      put.mutable_item()->set_name(item == 1 ? "酱油" : "肥皂");
      put.mutable_item()->set_points_price(price);
      v1::PutItemResponse put_done;
      ASSERT_TRUE(terminal_->shops->PutItem(Context().get(), put, &put_done).ok());
      v1::RestockRequest restock;
      restock.set_village(kVillage);
      restock.set_shop(kShop);
      restock.set_item(item);
      restock.set_restock_id(IdToBytes(item));
      restock.set_quantity(stock);
      v1::RestockResponse restocked;
      ASSERT_TRUE(terminal_->shops->Restock(Context().get(), restock, &restocked).ok());
    }
  }

  bool AllPosted(uint64_t households, uint64_t points) {
    for (uint64_t h = 1; h <= households; ++h) {
      if (Balance(h) != points) return false;
    }
    return true;
  }

  uint64_t Balance(uint64_t household) {
    v1::LookupAccountsRequest request;
    request.add_ids(accounts_.at(household - 1));
    v1::LookupAccountsResponse response;
    EXPECT_TRUE(terminal_->ledger->LookupAccounts(Context().get(), request, &response).ok());
    if (response.accounts_size() != 1) return 0;
    const v1::Account& a = response.accounts(0);
    return a.credits_posted() - a.debits_posted() - a.debits_pending();
  }

  // `baskets` one-item baskets from 8 terminals at once; how many were redeemed.
  int RedeemAtOnce(uint64_t first_basket, int baskets, bool same_household, uint32_t item) {
    std::atomic<int> next{0};
    std::atomic<int> redeemed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        Terminal terminal(pointsd_->target());
        for (int i = next++; i < baskets; i = next++) {
          v1::Basket basket;
          const uint64_t household = same_household ? 1 : 1 + i;
          if (terminal.Redeem(first_basket + i, household, {{item, 1}}, &basket).ok() &&
              basket.state() == v1::BASKET_STATE_REDEEMED) {
            ++redeemed;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    return redeemed.load();
  }

  TempDir dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::unique_ptr<Terminal> terminal_;
  std::vector<std::string> accounts_;
};

TEST_F(ShopsTest, TerminalsAtOnceNeverOversellTheLastItems) {
  SetUp(24, 100, 5, 50);
  EXPECT_EQ(RedeemAtOnce(5000, 24, /*same_household=*/false, 1), 5);
  EXPECT_EQ(terminal_->Stock(1), 0u);
}

TEST_F(ShopsTest, TerminalsAtOnceNeverOverspendAHousehold) {
  SetUp(1, 30, 50, 50);  // 30 points buy 3 items at 10
  EXPECT_EQ(RedeemAtOnce(6000, 24, /*same_household=*/true, 1), 3);
  EXPECT_EQ(Balance(1), 0u);
  EXPECT_EQ(terminal_->Stock(1), 47u);
}

TEST_F(ShopsTest, ResentBasketsChargeOnceRefusalsTakeNothingReturnsReverse) {
  SetUp(1, 100, 5, 1);
  v1::Basket basket;
  ASSERT_TRUE(terminal_->Redeem(7001, 1, {{1, 2}, {2, 1}}, &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED);
  EXPECT_EQ(basket.points_total(), 23u);
  ASSERT_TRUE(terminal_->Redeem(7001, 1, {{1, 2}, {2, 1}}, &basket).ok());  // the link dropped
  EXPECT_EQ(Balance(1), 77u) << "charged once";

  ASSERT_TRUE(terminal_->Redeem(7002, 1, {{1, 1}, {2, 1}}, &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REFUSED);
  EXPECT_EQ(basket.refusal(), "item 2 is out of stock (1 wanted)");
  EXPECT_EQ(terminal_->Stock(1), 3u) << "nothing of the refused basket was taken";

  grpc::Status reused = terminal_->Redeem(7001, 1, {{1, 1}}, &basket);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS) << reused.error_message();
  v1::Basket bad;
  grpc::Status empty = terminal_->Redeem(7003, 1, {}, &bad);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(empty.error_message().find("basket.lines"), std::string::npos);

  v1::ReturnBasketRequest give_back;
  give_back.set_village(kVillage);
  give_back.set_basket_id(IdToBytes(7001));
  v1::ReturnBasketResponse returned;
  ASSERT_TRUE(terminal_->shops->ReturnBasket(Context().get(), give_back, &returned).ok());
  EXPECT_EQ(returned.basket().state(), v1::BASKET_STATE_RETURNED);
  EXPECT_EQ(Balance(1), 100u);
  EXPECT_EQ(terminal_->Stock(1), 5u);
}

}  // namespace
}  // namespace points::server

// ShopService end to end: the real pointsd over gRPC. Many terminals redeeming at once, on
// their own connections, never oversell the last items nor overspend a household; a resent
// basket is charged once; a refused basket takes nothing and says why; returns reverse.
//
// Every call carries a principal's token (server/AUTHZ.md): the admin sets the village and its
// shops up, committee member "committee-li" keeps the catalogue and issues cards and
// "committee-wang" records awards, the shopkeeper of shop 1 stocks and redeems, and each
// household's app issues its payment codes. A shopkeeper redeems a new basket only with the
// household's consent: a payment code (single use) or its card and PIN (locked after five wrong).
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "points/v1/awards.grpc.pb.h"
#include "points/v1/ledger.grpc.pb.h"
#include "points/v1/shops.grpc.pb.h"
#include "server/convert/convert.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"

namespace points::server {
namespace {

using testing::TempDir;

constexpr uint32_t kVillage = 6;
constexpr uint32_t kShop = 1;
constexpr char kCommittee[] = "committee-li";   // the catalogue, cards
constexpr char kRecorder[] = "committee-wang";  // records awards (not the reviewer)
constexpr char kPin[] = "2468";

// The household's consent to a basket (RedeemBasketRequest.consent).
v1::PaymentConsent CodeConsent(const std::string& code) {
  v1::PaymentConsent consent;
  consent.set_payment_code(code);
  return consent;
}
v1::PaymentConsent CardConsent(const std::string& card_number, const std::string& pin) {
  v1::PaymentConsent consent;
  consent.set_card_number(card_number);
  consent.set_pin(pin);
  return consent;
}

// A terminal: its own connection to the server, calling as the principal of `token`.
struct Terminal {
  Terminal(const std::string& target, std::string token_of)
      : token(std::move(token_of)),
        channel(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
        shops(v1::ShopService::NewStub(channel)),
        villages(v1::VillageService::NewStub(channel)),
        awards(v1::AwardService::NewStub(channel)),
        ledger(v1::LedgerService::NewStub(channel)) {}

  // A call context with this terminal's token and a 30 s deadline.
  std::unique_ptr<grpc::ClientContext> Context() const { return testing::ContextWith(token, 30); }

  grpc::Status Redeem(uint64_t basket, uint64_t household,
                      std::vector<std::pair<uint32_t, uint64_t>> lines,
                      const v1::PaymentConsent& consent, v1::Basket* out) {
    return RedeemAt(kShop, basket, household, std::move(lines), consent, out);
  }

  grpc::Status RedeemAt(uint32_t shop, uint64_t basket, uint64_t household,
                        std::vector<std::pair<uint32_t, uint64_t>> lines,
                        const v1::PaymentConsent& consent, v1::Basket* out) {
    v1::RedeemBasketRequest request;
    v1::Basket* b = request.mutable_basket();
    b->set_basket_id(IdToBytes(basket));
    b->set_village(kVillage);
    b->set_shop(shop);
    b->set_household(household);
    for (const auto& [item, quantity] : lines) {
      v1::BasketLine* line = b->add_lines();
      line->set_item(item);
      line->set_quantity(quantity);
    }
    *request.mutable_consent() = consent;
    v1::RedeemBasketResponse response;
    grpc::Status status = shops->RedeemBasket(Context().get(), request, &response);
    *out = response.basket();
    return status;
  }

  // A household's app: a fresh payment code ("" and a failure when refused).
  std::string IssuePaymentCode(uint64_t household) {
    v1::IssuePaymentCodeRequest request;
    request.set_village(kVillage);
    request.set_household(household);
    v1::IssuePaymentCodeResponse response;
    const grpc::Status status = shops->IssuePaymentCode(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << "IssuePaymentCode " << household << ": " << status.error_message();
    return response.code();
  }

  uint64_t Stock(uint32_t item, uint32_t shop = kShop) {
    v1::ListItemsRequest request;
    request.set_village(kVillage);
    request.set_shop(shop);
    v1::ListItemsResponse response;
    EXPECT_TRUE(shops->ListItems(Context().get(), request, &response).ok());
    for (const v1::Item& i : response.items()) {
      if (i.item() == item) return i.stock();
    }
    return 0;
  }

  std::string token;
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
  // With `fault_point`, pointsd kills itself there (server/domain/store/fault_point.h).
  void SetUp(uint64_t households, uint64_t points, uint64_t stock_1, uint64_t stock_2,
             const char* fault_point = nullptr) {
    // Set only while pointsd is forked: the test has no other threads yet to read the environment.
    if (fault_point != nullptr) setenv("POINTS_FAULT_POINT", fault_point, 1);
    Start();
    if (fault_point != nullptr) unsetenv("POINTS_FAULT_POINT");
    const std::string target = pointsd_->target();
    const std::string admin_token = pointsd_->admin_token();
    ASSERT_FALSE(admin_token.empty()) << "pointsd wrote no admin.token";
    admin_ = std::make_unique<Terminal>(target, admin_token);
    committee_ = std::make_unique<Terminal>(
        target, testing::CommitteeToken(target, admin_token, kVillage, kCommittee));
    recorder_ = std::make_unique<Terminal>(
        target, testing::CommitteeToken(target, admin_token, kVillage, kRecorder));
    terminal_ = std::make_unique<Terminal>(
        target, testing::ShopkeeperToken(target, admin_token, kVillage, kShop));

    v1::CreateVillageRequest village;
    village.set_village(kVillage);
    v1::CreateVillageResponse created;
    ASSERT_TRUE(admin_->villages->CreateVillage(admin_->Context().get(), village, &created).ok());
    for (uint64_t h = 1; h <= households; ++h) {
      v1::CreateHouseholdRequest household;
      household.set_village(kVillage);
      household.set_household(h);
      v1::CreateHouseholdResponse response;
      ASSERT_TRUE(
          admin_->villages->CreateHousehold(admin_->Context().get(), household, &response).ok());
      accounts_.push_back(response.account_id());
      v1::PutRuleRequest rule;
      rule.set_village(kVillage);
      rule.mutable_rule()->set_rule(1);
      rule.mutable_rule()->set_category(v1::CATEGORY_HYGIENE);
      rule.mutable_rule()->set_points_per_unit(points);
      rule.mutable_rule()->set_name("庭院卫生评比");
      rule.mutable_rule()->set_changed_by("committee-li");
      v1::PutRuleResponse put;
      ASSERT_TRUE(committee_->awards->PutRule(committee_->Context().get(), rule, &put).ok());
      v1::RecordAwardRequest award;
      v1::Award* a = award.mutable_award();
      a->set_award_id(IdToBytes(1000 + h));
      a->set_village(kVillage);
      a->set_household(h);
      a->mutable_rule()->set_rule(1);
      a->set_quantity(1);
      a->set_recorded_by("grid-wang");
      v1::RecordAwardResponse recorded;
      ASSERT_TRUE(
          recorder_->awards->RecordAward(recorder_->Context().get(), award, &recorded).ok());
    }
    // Wait (at most 30 s) until the server has posted every award.
    for (int i = 0; i < 300 && !AllPosted(households, points); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(AllPosted(households, points));

    ASSERT_NO_FATAL_FAILURE(CreateShop(kShop, "村积分超市"));
    for (const auto& [item, price, stock] :
         std::vector<std::tuple<uint32_t, uint64_t, uint64_t>>{{1, 10, stock_1}, {2, 3, stock_2}}) {
      ASSERT_NO_FATAL_FAILURE(Stock(*terminal_, kShop, item, item == 1 ? "酱油" : "肥皂", price,
                                    stock, IdToBytes(item)));
    }
  }

  void Start() {
    pointsd_ = std::make_unique<testing::Pointsd>(
        dir_.path(), 0,
        std::vector<std::string>{"--notice-seconds", "1", "--review-threshold", "1000"});
  }

  // pointsd started again on the same data directory (a new port): every terminal reconnects
  // as the same principal.
  void Restart() {
    pointsd_.reset();
    Start();
    ASSERT_NE(pointsd_->port(), 0) << "pointsd did not start again";
    for (std::unique_ptr<Terminal>* terminal : {&admin_, &committee_, &recorder_, &terminal_}) {
      *terminal = std::make_unique<Terminal>(pointsd_->target(), (*terminal)->token);
    }
    for (auto& [household, app] : apps_) {
      app = std::make_unique<Terminal>(pointsd_->target(), app->token);
    }
  }

  // The admin opens a shop.
  void CreateShop(uint32_t shop, const std::string& name) {
    v1::CreateShopRequest request;
    request.set_village(kVillage);
    request.set_shop(shop);
    request.set_name(name);
    v1::CreateShopResponse created;
    ASSERT_TRUE(admin_->shops->CreateShop(admin_->Context().get(), request, &created).ok());
  }

  // `by` (the shop's keeper, or the committee) lists an item and restocks it.
  void Stock(Terminal& by, uint32_t shop, uint32_t item, const std::string& name, uint64_t price,
             uint64_t stock, const std::string& restock_id) {
    v1::PutItemRequest put;
    put.set_village(kVillage);
    put.set_shop(shop);
    put.mutable_item()->set_item(item);
    put.mutable_item()->set_name(name);
    put.mutable_item()->set_points_price(price);
    v1::PutItemResponse put_done;
    grpc::Status status = by.shops->PutItem(by.Context().get(), put, &put_done);
    ASSERT_TRUE(status.ok()) << status.error_message();
    v1::RestockRequest restock;
    restock.set_village(kVillage);
    restock.set_shop(shop);
    restock.set_item(item);
    restock.set_restock_id(restock_id);
    restock.set_quantity(stock);
    v1::RestockResponse restocked;
    status = by.shops->Restock(by.Context().get(), restock, &restocked);
    ASSERT_TRUE(status.ok()) << status.error_message();
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
    EXPECT_TRUE(admin_->ledger->LookupAccounts(admin_->Context().get(), request, &response).ok());
    if (response.accounts_size() != 1) return 0;
    const v1::Account& a = response.accounts(0);
    return a.credits_posted() - a.debits_posted() - a.debits_pending();
  }

  // Household `h`'s app ("household-6-<h>"), made by the admin at first use.
  Terminal& App(uint64_t h) {
    auto [it, made] = apps_.try_emplace(h);
    if (made) {
      it->second = std::make_unique<Terminal>(
          pointsd_->target(),
          testing::HouseholdToken(pointsd_->target(), pointsd_->admin_token(), kVillage, h));
    }
    return *it->second;
  }
  // A fresh payment code from household `h`'s app.
  std::string Code(uint64_t h) { return App(h).IssuePaymentCode(h); }

  // The committee issues household `h` a card with `pin` and returns its number.
  std::string IssueCard(uint64_t h, const std::string& pin) {
    v1::IssueCardRequest request;
    request.set_village(kVillage);
    request.set_household(h);
    request.set_pin(pin);
    v1::IssueCardResponse response;
    const grpc::Status status =
        committee_->shops->IssueCard(committee_->Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.card_number();
  }

  // `baskets` one-item baskets from 8 shop terminals at once, basket i with `consents[i]`; how
  // many were redeemed.
  int RedeemAtOnce(uint64_t first_basket, int baskets, bool same_household, uint32_t item,
                   const std::vector<v1::PaymentConsent>& consents) {
    std::atomic<int> next{0};
    std::atomic<int> redeemed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        Terminal terminal(pointsd_->target(), terminal_->token);
        for (int i = next++; i < baskets; i = next++) {
          v1::Basket basket;
          const uint64_t household = same_household ? 1 : 1 + i;
          if (terminal.Redeem(first_basket + i, household, {{item, 1}}, consents.at(i), &basket)
                  .ok() &&
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
  std::unique_ptr<Terminal> admin_;      // the county admin: sets up, reads the ledger
  std::unique_ptr<Terminal> committee_;  // committee-li: the catalogue, cards
  std::unique_ptr<Terminal> recorder_;   // committee-wang: records awards
  std::unique_ptr<Terminal> terminal_;   // the keeper of shop 1: stocks and redeems
  std::map<uint64_t, std::unique_ptr<Terminal>> apps_;
  std::vector<std::string> accounts_;
};

TEST_F(ShopsTest, TerminalsAtOnceNeverOversellTheLastItems) {
  SetUp(24, 100, 5, 50);
  // Each household's app shows its own code.
  std::vector<v1::PaymentConsent> consents;
  for (uint64_t h = 1; h <= 24; ++h) consents.push_back(CodeConsent(Code(h)));
  EXPECT_EQ(RedeemAtOnce(5000, 24, /*same_household=*/false, 1, consents), 5);
  EXPECT_EQ(terminal_->Stock(1), 0u);
}

TEST_F(ShopsTest, TerminalsAtOnceNeverOverspendAHousehold) {
  SetUp(1, 30, 50, 50);  // 30 points buy 3 items at 10
  // The household's card, presented at every terminal (a payment code is for one basket).
  const std::string card = IssueCard(1, kPin);
  ASSERT_FALSE(card.empty());
  const std::vector<v1::PaymentConsent> consents(24, CardConsent(card, kPin));
  EXPECT_EQ(RedeemAtOnce(6000, 24, /*same_household=*/true, 1, consents), 3);
  EXPECT_EQ(Balance(1), 0u);
  EXPECT_EQ(terminal_->Stock(1), 47u);
}

TEST_F(ShopsTest, ResentBasketsChargeOnceRefusalsTakeNothingReturnsReverse) {
  SetUp(1, 100, 5, 1);
  v1::Basket basket;
  const v1::PaymentConsent first = CodeConsent(Code(1));
  ASSERT_TRUE(terminal_->Redeem(7001, 1, {{1, 2}, {2, 1}}, first, &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED);
  EXPECT_EQ(basket.points_total(), 23u);
  // The link dropped: the same basket with the same (now used) code.
  ASSERT_TRUE(terminal_->Redeem(7001, 1, {{1, 2}, {2, 1}}, first, &basket).ok());
  EXPECT_EQ(Balance(1), 77u) << "charged once";

  ASSERT_TRUE(terminal_->Redeem(7002, 1, {{1, 1}, {2, 1}}, CodeConsent(Code(1)), &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REFUSED);
  EXPECT_EQ(basket.refusal(), "item 2 is out of stock (1 wanted)");
  EXPECT_EQ(terminal_->Stock(1), 3u) << "nothing of the refused basket was taken";

  grpc::Status reused = terminal_->Redeem(7001, 1, {{1, 1}}, first, &basket);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS) << reused.error_message();
  v1::Basket bad;
  grpc::Status empty = terminal_->Redeem(7003, 1, {}, CodeConsent(Code(1)), &bad);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(empty.error_message().find("basket.lines"), std::string::npos);

  v1::ReturnBasketRequest give_back;
  give_back.set_village(kVillage);
  give_back.set_basket_id(IdToBytes(7001));
  v1::ReturnBasketResponse returned;
  ASSERT_TRUE(
      terminal_->shops->ReturnBasket(terminal_->Context().get(), give_back, &returned).ok());
  EXPECT_EQ(returned.basket().state(), v1::BASKET_STATE_RETURNED);
  EXPECT_EQ(Balance(1), 100u);
  EXPECT_EQ(terminal_->Stock(1), 5u);
}

// Whether basket `id` is known to the server (GetBasket, as the shopkeeper).
bool Known(Terminal& terminal, uint64_t id) {
  v1::GetBasketRequest request;
  request.set_village(kVillage);
  request.set_basket_id(IdToBytes(id));
  v1::GetBasketResponse response;
  const grpc::Status status =
      terminal.shops->GetBasket(terminal.Context().get(), request, &response);
  EXPECT_TRUE(status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND)
      << status.error_message();
  return status.ok();
}

TEST_F(ShopsTest, ARedemptionWithoutConsentIsDeniedAndTakesNothing) {
  SetUp(1, 100, 5, 5);
  v1::Basket basket;
  const grpc::Status none =
      terminal_->Redeem(7101, 1, {{1, 2}, {2, 1}}, v1::PaymentConsent(), &basket);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::PERMISSION_DENIED) << none.error_message();
  EXPECT_NE(none.error_message().find("consent"), std::string::npos) << none.error_message();
  // Both a code and a card at once is no clearer consent.
  v1::PaymentConsent both = CodeConsent(Code(1));
  both.set_card_number("123456789012");
  both.set_pin(kPin);
  const grpc::Status two = terminal_->Redeem(7101, 1, {{1, 2}, {2, 1}}, both, &basket);
  EXPECT_EQ(two.error_code(), grpc::StatusCode::PERMISSION_DENIED) << two.error_message();
  EXPECT_EQ(Balance(1), 100u) << "the household was charged nothing";
  EXPECT_EQ(terminal_->Stock(1), 5u) << "nothing was taken from the shelf";
  EXPECT_EQ(terminal_->Stock(2), 5u);
  EXPECT_FALSE(Known(*terminal_, 7101)) << "a denied call writes nothing";

  // With the household's code the same basket id then goes through, once.
  ASSERT_TRUE(terminal_->Redeem(7101, 1, {{1, 2}, {2, 1}}, CodeConsent(Code(1)), &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 77u);
}

TEST_F(ShopsTest, AUsedPaymentCodeIsRefusedForANewBasket) {
  SetUp(1, 100, 5, 5);
  const std::string older = Code(1);
  const std::string code = Code(1);
  v1::Basket basket;
  ASSERT_TRUE(terminal_->Redeem(7201, 1, {{1, 1}}, CodeConsent(code), &basket).ok());
  ASSERT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 90u);

  // Replayed (a photographed QR code, a second scan) for another basket: refused.
  const grpc::Status replayed = terminal_->Redeem(7202, 1, {{2, 1}}, CodeConsent(code), &basket);
  EXPECT_EQ(replayed.error_code(), grpc::StatusCode::PERMISSION_DENIED) << replayed.error_message();
  EXPECT_NE(replayed.error_message().find("already used"), std::string::npos)
      << replayed.error_message();
  // A code issued before the one used is void as well.
  const grpc::Status superseded = terminal_->Redeem(7203, 1, {{2, 1}}, CodeConsent(older), &basket);
  EXPECT_EQ(superseded.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << superseded.error_message();
  EXPECT_NE(superseded.error_message().find("superseded"), std::string::npos)
      << superseded.error_message();
  EXPECT_EQ(Balance(1), 90u) << "nothing more was charged";
  EXPECT_EQ(terminal_->Stock(1), 4u);
  EXPECT_EQ(terminal_->Stock(2), 5u);
  EXPECT_FALSE(Known(*terminal_, 7202));
  EXPECT_FALSE(Known(*terminal_, 7203));
}

TEST_F(ShopsTest, AResendOfTheSameBasketWithItsUsedCodeIsAnsweredAsRedeemedAndChargedOnce) {
  SetUp(1, 100, 5, 5);
  const v1::PaymentConsent consent = CodeConsent(Code(1));
  v1::Basket first;
  ASSERT_TRUE(terminal_->Redeem(7301, 1, {{1, 1}, {2, 2}}, consent, &first).ok());
  ASSERT_EQ(first.state(), v1::BASKET_STATE_REDEEMED) << first.refusal();
  EXPECT_EQ(first.points_total(), 16u);
  for (int resend = 0; resend < 3; ++resend) {  // the terminal never saw the answer
    v1::Basket again;
    const grpc::Status status = terminal_->Redeem(7301, 1, {{1, 1}, {2, 2}}, consent, &again);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(again.state(), v1::BASKET_STATE_REDEEMED);
    EXPECT_EQ(again.points_total(), 16u);
    EXPECT_EQ(again.basket_id(), first.basket_id());
  }
  EXPECT_EQ(Balance(1), 84u) << "charged once";
  EXPECT_EQ(terminal_->Stock(1), 4u);
  EXPECT_EQ(terminal_->Stock(2), 3u);
}

TEST_F(ShopsTest, AnotherHouseholdsCodeIsRefused) {
  SetUp(2, 100, 5, 5);
  const std::string code_of_2 = Code(2);
  v1::Basket basket;
  const grpc::Status status = terminal_->Redeem(7401, 1, {{1, 1}}, CodeConsent(code_of_2), &basket);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_EQ(Balance(1), 100u);
  EXPECT_EQ(Balance(2), 100u);
  EXPECT_EQ(terminal_->Stock(1), 5u);
  EXPECT_FALSE(Known(*terminal_, 7401));

  // Household 1's app may not ask for household 2's code either.
  v1::IssuePaymentCodeRequest request;
  request.set_village(kVillage);
  request.set_household(2);
  v1::IssuePaymentCodeResponse response;
  const grpc::Status not_its_own =
      App(1).shops->IssuePaymentCode(App(1).Context().get(), request, &response);
  EXPECT_EQ(not_its_own.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << not_its_own.error_message();

  // Household 2's code still pays for household 2.
  ASSERT_TRUE(terminal_->Redeem(7402, 2, {{1, 1}}, CodeConsent(code_of_2), &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 100u);
  EXPECT_EQ(Balance(2), 90u);
}

TEST_F(ShopsTest, FiveWrongPinsLockTheCardEvenAgainstTheRightPin) {
  SetUp(1, 100, 10, 10);
  const std::string card = IssueCard(1, kPin);
  ASSERT_EQ(card.size(), 12u) << card;
  v1::Basket basket;
  ASSERT_TRUE(terminal_->Redeem(7501, 1, {{1, 1}}, CardConsent(card, kPin), &basket).ok());
  ASSERT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 90u);

  for (uint64_t attempt = 1; attempt <= 5; ++attempt) {
    const grpc::Status wrong =
        terminal_->Redeem(7510 + attempt, 1, {{1, 1}}, CardConsent(card, "1357"), &basket);
    EXPECT_EQ(wrong.error_code(), grpc::StatusCode::PERMISSION_DENIED) << wrong.error_message();
    EXPECT_NE(wrong.error_message().find("wrong PIN"), std::string::npos) << wrong.error_message();
  }
  const grpc::Status locked =
      terminal_->Redeem(7520, 1, {{1, 1}}, CardConsent(card, kPin), &basket);
  EXPECT_EQ(locked.error_code(), grpc::StatusCode::PERMISSION_DENIED) << locked.error_message();
  EXPECT_NE(locked.error_message().find("locked"), std::string::npos) << locked.error_message();
  EXPECT_EQ(Balance(1), 90u) << "only the first basket was charged";
  EXPECT_EQ(terminal_->Stock(1), 9u);
  EXPECT_FALSE(Known(*terminal_, 7520));
  // The household's app still pays: the lock is the card's.
  ASSERT_TRUE(terminal_->Redeem(7521, 1, {{2, 1}}, CodeConsent(Code(1)), &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 87u);
}

// Issue 13, item 3: a code is used in the write that records its basket, and only then.
TEST_F(ShopsTest, ABasketRefusedBeforeItIsRecordedLeavesThePaymentCodeUsable) {
  SetUp(1, 100, 5, 5);
  const v1::PaymentConsent consent = CodeConsent(Code(1));
  v1::Basket basket;
  // Typos at the till: a quantity of 0, a zero basket id, an item not in the catalogue.
  const grpc::Status zero_quantity = terminal_->Redeem(7701, 1, {{1, 0}}, consent, &basket);
  EXPECT_EQ(zero_quantity.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << zero_quantity.error_message();
  const grpc::Status zero_id = terminal_->Redeem(0, 1, {{1, 1}}, consent, &basket);
  EXPECT_EQ(zero_id.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << zero_id.error_message();
  const grpc::Status unknown_item = terminal_->Redeem(7701, 1, {{1, 1}, {99, 1}}, consent, &basket);
  EXPECT_EQ(unknown_item.error_code(), grpc::StatusCode::NOT_FOUND) << unknown_item.error_message();
  EXPECT_FALSE(Known(*terminal_, 7701));
  EXPECT_EQ(Balance(1), 100u);

  // The corrected basket pays with the same code, which is then used.
  const grpc::Status corrected = terminal_->Redeem(7701, 1, {{1, 1}}, consent, &basket);
  ASSERT_TRUE(corrected.ok()) << corrected.error_message();
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 90u);
  const grpc::Status used = terminal_->Redeem(7702, 1, {{2, 1}}, consent, &basket);
  EXPECT_EQ(used.error_code(), grpc::StatusCode::PERMISSION_DENIED) << used.error_message();
  EXPECT_NE(used.error_message().find("already used"), std::string::npos) << used.error_message();
  EXPECT_EQ(Balance(1), 90u);
}

TEST_F(ShopsTest, ABasketRefusedBeforeItsConsentIsLookedAtCountsNoWrongPin) {
  SetUp(1, 100, 5, 5);
  const std::string card = IssueCard(1, kPin);
  v1::Basket basket;
  // An invalid basket is refused whatever the PIN: the answer tells nothing about the PIN, so a
  // wrong one costs no attempt, and a right one pays the corrected basket.
  const grpc::Status wrong_pin =
      terminal_->Redeem(7751, 1, {{1, 0}}, CardConsent(card, "1357"), &basket);
  EXPECT_EQ(wrong_pin.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << wrong_pin.error_message();
  const grpc::Status counted =
      terminal_->Redeem(7751, 1, {{1, 1}}, CardConsent(card, "1357"), &basket);
  EXPECT_EQ(counted.error_code(), grpc::StatusCode::PERMISSION_DENIED) << counted.error_message();
  EXPECT_NE(counted.error_message().find("4 attempts left"), std::string::npos)
      << "the first wrong PIN that was looked at: " << counted.error_message();
  ASSERT_TRUE(terminal_->Redeem(7751, 1, {{1, 1}}, CardConsent(card, kPin), &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 90u);
}

TEST_F(ShopsTest, ABasketTheLedgerRefusesGivesTheCodeBackForASmallerBasket) {
  SetUp(1, 30, 5, 1);
  const v1::PaymentConsent consent = CodeConsent(Code(1));
  v1::Basket basket;
  ASSERT_TRUE(terminal_->Redeem(7801, 1, {{1, 4}}, consent, &basket).ok());  // 40 > 30 points
  ASSERT_EQ(basket.state(), v1::BASKET_STATE_REFUSED);
  EXPECT_NE(basket.refusal().find("not enough points"), std::string::npos) << basket.refusal();
  ASSERT_TRUE(terminal_->Redeem(7802, 1, {{1, 1}, {2, 2}}, consent, &basket).ok());
  ASSERT_EQ(basket.state(), v1::BASKET_STATE_REFUSED);  // one soap in stock
  EXPECT_NE(basket.refusal().find("out of stock"), std::string::npos) << basket.refusal();

  // The household pays a smaller basket, under a new id, with the same code.
  ASSERT_TRUE(terminal_->Redeem(7803, 1, {{1, 2}, {2, 1}}, consent, &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 7u);
  // A refused basket id stays refused: its resend is answered as it was, and changes nothing.
  ASSERT_TRUE(terminal_->Redeem(7801, 1, {{1, 4}}, consent, &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REFUSED);
  // The code paid for a basket: now it is used.
  const grpc::Status used = terminal_->Redeem(7804, 1, {{1, 1}}, consent, &basket);
  EXPECT_EQ(used.error_code(), grpc::StatusCode::PERMISSION_DENIED) << used.error_message();
  EXPECT_NE(used.error_message().find("already used"), std::string::npos) << used.error_message();
  EXPECT_EQ(Balance(1), 7u);
  EXPECT_EQ(terminal_->Stock(1), 3u);
  EXPECT_EQ(terminal_->Stock(2), 0u);
}

class ShopsCrashTest : public ShopsTest {
 protected:
  // pointsd killed at `fault_point` while it redeems a basket with a fresh code; after a restart
  // the terminal's identical resend answers with the basket, charged once, and the code pays
  // for no other basket.
  void KillAtThenResend(const char* fault_point) {
    ASSERT_NO_FATAL_FAILURE(SetUp(1, 100, 5, 5, fault_point));
    const v1::PaymentConsent consent = CodeConsent(Code(1));
    v1::Basket basket;
    const grpc::Status cut = terminal_->Redeem(7901, 1, {{1, 2}, {2, 1}}, consent, &basket);
    ASSERT_EQ(cut.error_code(), grpc::StatusCode::UNAVAILABLE)
        << "pointsd did not die at " << fault_point << ": " << cut.error_message();
    const int status = pointsd_->WaitForExit(30);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "wait status " << status;

    ASSERT_NO_FATAL_FAILURE(Restart());
    const grpc::Status resent = terminal_->Redeem(7901, 1, {{1, 2}, {2, 1}}, consent, &basket);
    ASSERT_TRUE(resent.ok()) << resent.error_message();
    EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
    EXPECT_EQ(basket.points_total(), 23u);
    EXPECT_EQ(Balance(1), 77u) << "charged once";
    const grpc::Status other = terminal_->Redeem(7902, 1, {{2, 1}}, consent, &basket);
    EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED) << other.error_message();
    EXPECT_EQ(Balance(1), 77u);
    EXPECT_EQ(terminal_->Stock(1), 3u);
    EXPECT_EQ(terminal_->Stock(2), 4u);
  }
};

TEST_F(ShopsCrashTest, KilledBeforeTheIntentAndItsCodeAreWrittenTheResendRedeemsOnce) {
  KillAtThenResend("shop.redeem.before_intent");
}

TEST_F(ShopsCrashTest, KilledAfterTheIntentAndItsCodeAreWrittenTheResendAnswersWithTheBasket) {
  KillAtThenResend("shop.redeem.after_intent");
}

TEST_F(ShopsTest, AShopkeeperRedeemsOnlyIntoItsOwnShop) {
  SetUp(1, 100, 5, 5);
  ASSERT_NO_FATAL_FAILURE(CreateShop(2, "爱心商户"));
  Terminal shop_2(
      pointsd_->target(),
      testing::ShopkeeperToken(pointsd_->target(), pointsd_->admin_token(), kVillage, 2));
  ASSERT_NO_FATAL_FAILURE(Stock(shop_2, 2, 1, "毛巾", 5, 5, IdToBytes(201)));

  const std::string code = Code(1);
  v1::Basket basket;
  const grpc::Status other_shop =
      terminal_->RedeemAt(2, 7601, 1, {{1, 1}}, CodeConsent(code), &basket);
  EXPECT_EQ(other_shop.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << other_shop.error_message();
  EXPECT_NE(other_shop.error_message().find("shop 2"), std::string::npos)
      << other_shop.error_message();
  EXPECT_EQ(Balance(1), 100u);
  EXPECT_EQ(shop_2.Stock(1, 2), 5u);
  EXPECT_FALSE(Known(shop_2, 7601));

  // The denied call used nothing: shop 2's own keeper redeems with the same code.
  ASSERT_TRUE(shop_2.RedeemAt(2, 7601, 1, {{1, 1}}, CodeConsent(code), &basket).ok());
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  EXPECT_EQ(Balance(1), 95u);
  EXPECT_EQ(shop_2.Stock(1, 2), 4u);
  // Nor may shop 1's keeper return shop 2's basket.
  v1::ReturnBasketRequest give_back;
  give_back.set_village(kVillage);
  give_back.set_basket_id(IdToBytes(7601));
  v1::ReturnBasketResponse returned;
  const grpc::Status not_its_basket =
      terminal_->shops->ReturnBasket(terminal_->Context().get(), give_back, &returned);
  EXPECT_EQ(not_its_basket.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << not_its_basket.error_message();
  EXPECT_EQ(Balance(1), 95u);
}

}  // namespace
}  // namespace points::server

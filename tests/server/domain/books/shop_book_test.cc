// Shops, stock and baskets against the real engine: a basket is every item or none with its
// stock taken in the same commit; terminals redeeming at once never overspend a household or
// oversell the last item; resends charge once; returns reverse a basket; an interrupted basket
// is finished at open at the price it was sold at.
#include "server/domain/books/shop_book.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/ledger_layout.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 4;
constexpr uint32_t kShop = 2;
constexpr uint32_t kSoySauce = 1;  // 10 points
constexpr uint32_t kSoap = 2;      // 3 points

class ShopBookTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenAll(); }

  void OpenAll() {
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    auto book = ShopBook::Open(engine_.get(), &clock_, store_.get());
    ASSERT_TRUE(book.ok()) << book.status();
    book_ = *std::move(book);
  }

  void CloseAll() {
    book_.reset();
    store_.reset();
    engine_.reset();
  }

  // The village, households 1..n with `points` each, the shop and its two items in stock.
  void Stock(uint64_t households, uint64_t points, uint64_t soy_sauce, uint64_t soap) {
    std::vector<Account> accounts = VillageAccounts(kVillage);
    for (uint64_t h = 1; h <= households; ++h) accounts.push_back(HouseholdAccount(kVillage, h));
    ASSERT_TRUE(engine_->CreateAccounts(accounts).ok());
    std::vector<Transfer> grants;
    for (uint64_t h = 1; h <= households; ++h) {
      grants.push_back(MakeTransfer(h, ids::OfVillageAccount(kVillage, VillageAccount::kIssuer),
                                    ids::Household(kVillage, h), points, LedgersOf(kVillage).points,
                                    kCodeHygiene));
    }
    ASSERT_TRUE(engine_->CreateTransfers(grants).ok());
    ASSERT_TRUE(book_->CreateShop(kVillage, kShop, "村积分超市").ok());
    ASSERT_TRUE(book_->PutItem(kVillage, kShop, {kSoySauce, "酱油 500ml", 10, 1200, 0}).ok());
    ASSERT_TRUE(book_->PutItem(kVillage, kShop, {kSoap, "肥皂", 3, 400, 0}).ok());
    ASSERT_TRUE(book_->Restock(kVillage, kShop, kSoySauce, 1, soy_sauce).ok());
    ASSERT_TRUE(book_->Restock(kVillage, kShop, kSoap, 2, soap).ok());
  }

  uint64_t Balance(uint64_t household) {
    auto found = engine_->LookupAccounts({ids::Household(kVillage, household)});
    EXPECT_TRUE(found.ok() && found->size() == 1);
    const Account& a = (*found)[0];
    return a.credits_posted - a.debits_posted - a.debits_pending;
  }

  uint64_t StockOf(uint32_t item) {
    auto items = book_->Items(kVillage, kShop);
    EXPECT_TRUE(items.ok()) << items.status();
    for (const Item& i : *items) {
      if (i.item == item) return i.stock;
    }
    ADD_FAILURE() << "no item " << item;
    return 0;
  }

  BasketRequest Request(Id id, uint64_t household,
                        std::vector<std::pair<uint32_t, uint64_t>> lines) {
    BasketRequest r;
    r.basket = id;
    r.village = kVillage;
    r.shop = kShop;
    r.household = household;
    r.lines = std::move(lines);
    return r;
  }

  // Redeems with a consent that is always given (its own tests below look at how it is used).
  absl::StatusOr<Basket> Redeem(const BasketRequest& request) {
    TestConsent consent;
    return book_->Redeem(request, consent);
  }

  // What a crash right after basket 0xb9 (2 x soy sauce at 10 points, household 1) was saved
  // leaves: its intent, state submitting, and no chain.
  void SaveInterruptedBasket() {
    Basket interrupted;
    interrupted.spec = {kVillage, 0xb9, kShop, 1, {{kSoySauce, 2, 10}}};
    interrupted.state = BasketState::kSubmitting;
    interrupted.points_total = 20;
    ASSERT_TRUE(
        store_
            ->Put(absl::StrCat("k/", BigEndian(kVillage, 4), BigEndian(0, 8), BigEndian(0xb9, 8)),
                  EncodeBasket(interrupted))
            .ok());
  }

  TempDir dir_;
  ManualClock clock_{1'800'000'000ull * 1'000'000'000ull};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<ShopBook> book_;
};

TEST_F(ShopBookTest, ABasketTakesEveryItemAndItsPointsOnceEvenWhenResent) {
  Stock(1, 100, 5, 5);
  auto basket = Redeem(Request(0xb1, 1, {{kSoySauce, 2}, {kSoap, 3}}));
  ASSERT_TRUE(basket.ok()) << basket.status();
  EXPECT_EQ(basket->state, BasketState::kRedeemed);
  EXPECT_EQ(basket->points_total, 29u);
  EXPECT_EQ(Balance(1), 71u);
  EXPECT_EQ(StockOf(kSoySauce), 3u);
  EXPECT_EQ(StockOf(kSoap), 2u);
  auto again = Redeem(Request(0xb1, 1, {{kSoySauce, 2}, {kSoap, 3}}));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state, BasketState::kRedeemed);
  EXPECT_EQ(Balance(1), 71u) << "a resend never charges twice";
  EXPECT_EQ(StockOf(kSoySauce), 3u);
  auto other = Redeem(Request(0xb1, 1, {{kSoySauce, 1}}));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists) << other.status();
  auto shop = engine_->LookupAccounts({ids::OfShopAccount(kVillage, kShop, ShopAccount::kPoints)});
  ASSERT_TRUE(shop.ok() && shop->size() == 1);
  EXPECT_EQ((*shop)[0].credits_posted, 29u);
}

TEST_F(ShopBookTest, ABasketWithOneItemShortTakesNothingAndSaysWhich) {
  Stock(2, 100, 1, 5);
  auto short_stock = Redeem(Request(0xb1, 1, {{kSoap, 2}, {kSoySauce, 2}}));
  ASSERT_TRUE(short_stock.ok()) << short_stock.status();
  EXPECT_EQ(short_stock->state, BasketState::kRefused);
  EXPECT_EQ(short_stock->refusal, "item 1 is out of stock (2 wanted)");
  EXPECT_EQ(StockOf(kSoap), 5u) << "the soap of the refused basket stays in stock";
  EXPECT_EQ(Balance(1), 100u);

  auto poor = Redeem(Request(0xb2, 2, {{kSoap, 5}, {kSoySauce, 1}}));  // 25: fine
  ASSERT_TRUE(poor.ok());
  EXPECT_EQ(poor->state, BasketState::kRedeemed);
  auto too_dear = Redeem(Request(0xb3, 2, {{kSoap, 26}}));
  EXPECT_EQ(too_dear.status().code(), absl::StatusCode::kOk);
  EXPECT_EQ(too_dear->state, BasketState::kRefused);  // only 0 soap left, and 78 > 75 points
  auto unknown = Redeem(Request(0xb4, 2, {{99, 1}}));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound) << unknown.status();
}

// Runs `baskets` one-item baskets from 4 terminals at once; returns how many were redeemed.
int RedeemAtOnce(ShopBook& book, Id first_basket, int baskets, uint64_t household_base,
                 bool same_household, uint32_t item) {
  std::atomic<int> redeemed{0};
  std::atomic<int> next{0};
  std::vector<std::thread> terminals;
  for (int t = 0; t < 4; ++t) {
    terminals.emplace_back([&] {
      for (int i = next++; i < baskets; i = next++) {
        const uint64_t household = same_household ? household_base : household_base + i;
        BasketRequest r;
        r.basket = first_basket + i;
        r.village = kVillage;
        r.shop = kShop;
        r.household = household;
        r.lines = {{item, 1}};
        TestConsent consent;
        auto b = book.Redeem(r, consent);
        if (b.ok() && b->state == BasketState::kRedeemed) ++redeemed;
      }
    });
  }
  for (auto& t : terminals) t.join();
  return redeemed.load();
}

TEST_F(ShopBookTest, TerminalsRedeemingAtOnceNeverOversellTheLastItems) {
  Stock(40, 100, 5, 5);  // 5 soy sauce for 40 households at 4 terminals
  EXPECT_EQ(RedeemAtOnce(*book_, 0x1000, 40, 1, /*same_household=*/false, kSoySauce), 5);
  EXPECT_EQ(StockOf(kSoySauce), 0u);
}

TEST_F(ShopBookTest, TerminalsRedeemingAtOnceNeverOverspendAHousehold) {
  Stock(1, 30, 50, 5);  // 30 points buy 3 soy sauce at 10; 20 baskets try at once
  EXPECT_EQ(RedeemAtOnce(*book_, 0x2000, 20, 1, /*same_household=*/true, kSoySauce), 3);
  EXPECT_EQ(Balance(1), 0u);
  EXPECT_EQ(StockOf(kSoySauce), 47u);
}

TEST_F(ShopBookTest, AReturnReversesTheBasketOnce) {
  Stock(1, 50, 5, 5);
  ASSERT_EQ(Redeem(Request(0xb1, 1, {{kSoySauce, 2}}))->state, BasketState::kRedeemed);
  auto returned = book_->Return(kVillage, 0xb1);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(returned->state, BasketState::kReturned);
  EXPECT_EQ(Balance(1), 50u);
  EXPECT_EQ(StockOf(kSoySauce), 5u);
  EXPECT_EQ(book_->Return(kVillage, 0xb1)->state, BasketState::kReturned);
  EXPECT_EQ(Balance(1), 50u) << "returned once";
  ASSERT_EQ(Redeem(Request(0xb2, 1, {{kSoySauce, 9}}))->state, BasketState::kRefused);
  EXPECT_EQ(book_->Return(kVillage, 0xb2).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book_->Return(kVillage, 0xb3).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ShopBookTest, AnInterruptedBasketIsFinishedByResumeAtThePriceItWasSoldAt) {
  Stock(1, 100, 5, 5);
  // A crash right after the basket was saved, before its chain: then the price goes up.
  ASSERT_NO_FATAL_FAILURE(SaveInterruptedBasket());
  ASSERT_TRUE(book_->PutItem(kVillage, kShop, {kSoySauce, "酱油 500ml", 15, 1500, 0}).ok());
  CloseAll();
  OpenAll();
  // Opening only counts it: nothing is sent until Resume.
  EXPECT_EQ(book_->interrupted(), 1u);
  EXPECT_EQ(book_->GetBasket(kVillage, 0xb9)->state, BasketState::kSubmitting);
  EXPECT_EQ(Balance(1), 100u);
  const ResumeReport report = book_->Resume();
  EXPECT_EQ(report.resumed, 1u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(book_->interrupted(), 0u);
  auto finished = book_->GetBasket(kVillage, 0xb9);
  ASSERT_TRUE(finished.ok()) << finished.status();
  EXPECT_EQ(finished->state, BasketState::kRedeemed);
  EXPECT_EQ(Balance(1), 80u) << "2 x 10, the price it was sold at";
  EXPECT_EQ(Redeem(Request(0xb9, 1, {{kSoySauce, 2}}))->points_total, 20u);
}

// The lock rule (workflow.h): a basket holds its own lock, not the book's, from its intent to
// its outcome. So while one basket is in the middle of its step, another household's basket
// redeems at once; a resend of the same basket waits, then answers with its outcome.
TEST_F(ShopBookTest, ABasketInTheMiddleOfItsStepHoldsUpOnlyItselfNotAnotherBasket) {
  ASSERT_NO_FATAL_FAILURE(Stock(2, 100, 10, 10));
  StallingClock stalling(&clock_);
  book_.reset();
  auto opened = ShopBook::Open(engine_.get(), &stalling, store_.get());
  ASSERT_TRUE(opened.ok()) << opened.status();
  book_ = *std::move(opened);

  const WhileHeld seen = HoldAStep(
      stalling,
      [&] {
        auto basket = Redeem(Request(0xb1, 1, {{kSoySauce, 1}}));
        EXPECT_TRUE(basket.ok()) << basket.status();
      },
      [&] {
        auto basket = Redeem(Request(0xb2, 2, {{kSoap, 1}}));
        EXPECT_TRUE(basket.ok()) << basket.status();
      },
      [&] {
        auto again = Redeem(Request(0xb1, 1, {{kSoySauce, 1}}));
        EXPECT_TRUE(again.ok()) << again.status();
        if (again.ok()) {
          EXPECT_EQ(again->state, BasketState::kRedeemed);
        }
      });
  EXPECT_TRUE(seen.other_went_on) << "another basket waited for this basket's step";
  EXPECT_TRUE(seen.resend_waited) << "a resend of the same basket did not wait for its first call";
  EXPECT_EQ(Balance(1), 90u) << "the resend charged the household twice";
  EXPECT_EQ(Balance(2), 97u);
  EXPECT_EQ(StockOf(kSoySauce), 9u);
}

// ---- Consent (consent.h): used in the intent's own write, only by a basket that exists ----

TEST_F(ShopBookTest, ABasketRefusedBeforeItsIntentNeverLooksAtItsConsent) {
  Stock(1, 100, 5, 5);
  ASSERT_EQ(Redeem(Request(0xb1, 1, {{kSoySauce, 1}}))->state, BasketState::kRedeemed);
  const std::vector<std::pair<BasketRequest, absl::StatusCode>> refused = {
      {Request(0xb2, 1, {{kSoySauce, 0}}), absl::StatusCode::kInvalidArgument},
      {Request(0xb2, 1, {{kSoySauce, 1}, {kSoap, 10'001}}), absl::StatusCode::kInvalidArgument},
      {Request(0, 1, {{kSoySauce, 1}}), absl::StatusCode::kInvalidArgument},
      {Request(0xb2, 0, {{kSoySauce, 1}}), absl::StatusCode::kInvalidArgument},
      {Request(0xb2, 1, {}), absl::StatusCode::kInvalidArgument},
      {Request(0xb2, 1, {{kSoySauce, 1}, {99, 1}}), absl::StatusCode::kNotFound},
      {Request(0xb1, 1, {{kSoap, 1}}), absl::StatusCode::kAlreadyExists},
  };
  for (const auto& [request, code] : refused) {
    TestConsent consent;
    auto basket = book_->Redeem(request, consent);
    EXPECT_EQ(basket.status().code(), code) << basket.status();
    EXPECT_EQ(consent.checks + consent.uses + consent.give_backs, 0) << basket.status();
  }
  EXPECT_EQ(book_->GetBasket(kVillage, 0xb2).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Balance(1), 90u);
}

TEST_F(ShopBookTest, TheConsentIsUsedInTheWriteThatSavesTheBasketsIntent) {
  Stock(1, 100, 5, 5);
  TestConsent refusing;
  refusing.refusal = absl::PermissionDeniedError("payment code was already used");
  auto denied = book_->Redeem(Request(0xb1, 1, {{kSoySauce, 1}}), refusing);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(book_->GetBasket(kVillage, 0xb1).status().code(), absl::StatusCode::kNotFound)
      << "a refused consent records nothing";
  EXPECT_EQ(Balance(1), 100u);

  TestConsent consent;
  consent.use_writes = {{"test/used", "code of basket b1"}};
  auto basket = book_->Redeem(Request(0xb1, 1, {{kSoySauce, 1}}), consent);
  ASSERT_TRUE(basket.ok()) << basket.status();
  EXPECT_EQ(basket->state, BasketState::kRedeemed);
  EXPECT_EQ(consent.checks, 1);
  EXPECT_EQ(consent.uses, 1);
  EXPECT_EQ(consent.give_backs, 0) << "a redeemed basket keeps its consent used";
  EXPECT_EQ(*store_->Get("test/used"), "code of basket b1");
  // A resend (its code used) is answered with the basket and looks at no consent.
  TestConsent resend;
  resend.refusal = absl::PermissionDeniedError("payment code was already used");
  auto again = book_->Redeem(Request(0xb1, 1, {{kSoySauce, 1}}), resend);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state, BasketState::kRedeemed);
  EXPECT_EQ(resend.checks + resend.uses + resend.give_backs, 0);
  EXPECT_EQ(Balance(1), 90u);
}

TEST_F(ShopBookTest, ABasketTheLedgerRefusesGivesItsConsentBackWithTheRefusal) {
  Stock(1, 20, 5, 5);
  TestConsent consent;
  consent.give_back_writes = {{"test/given-back", "code of basket b1"}};
  auto too_dear = book_->Redeem(Request(0xb1, 1, {{kSoySauce, 3}}), consent);  // 30 > 20 points
  ASSERT_TRUE(too_dear.ok()) << too_dear.status();
  EXPECT_EQ(too_dear->state, BasketState::kRefused);
  EXPECT_EQ(consent.give_backs, 1);
  EXPECT_EQ(*store_->Get("test/given-back"), "code of basket b1");
  EXPECT_EQ(book_->GetBasket(kVillage, 0xb1)->state, BasketState::kRefused);
  // The refused id stays refused, without a consent; a smaller basket pays under a new id.
  TestConsent resend;
  EXPECT_EQ(book_->Redeem(Request(0xb1, 1, {{kSoySauce, 3}}), resend)->state,
            BasketState::kRefused);
  EXPECT_EQ(resend.checks + resend.uses + resend.give_backs, 0);
  EXPECT_EQ(Redeem(Request(0xb2, 1, {{kSoySauce, 2}}))->state, BasketState::kRedeemed);
  EXPECT_EQ(Balance(1), 0u);
}

TEST_F(ShopBookTest, ResendsArrivingTogetherGetTheFirstCallsOutcomeAndUseOneConsent) {
  Stock(2, 20, 50, 5);
  for (const auto& [household, state, refusal] :
       std::vector<std::tuple<uint64_t, BasketState, std::string>>{
           {1, BasketState::kRedeemed, ""},
           {2, BasketState::kRefused, "the household has not enough points (30 needed)"}}) {
    const BasketRequest request =
        Request(household == 1 ? 0xc1 : 0xc2, household, {{kSoySauce, household == 1 ? 2 : 3}});
    constexpr int kTerminals = 8;
    std::vector<TestConsent> consents(kTerminals);
    std::vector<absl::StatusOr<Basket>> answers(kTerminals, absl::UnknownError("not run"));
    std::atomic<int> ready{0};
    std::vector<std::thread> terminals;
    for (int t = 0; t < kTerminals; ++t) {
      terminals.emplace_back([&, t] {
        for (++ready; ready.load() < kTerminals;) std::this_thread::yield();
        answers[t] = book_->Redeem(request, consents[t]);
      });
    }
    for (auto& t : terminals) t.join();
    int uses = 0, give_backs = 0;
    for (int t = 0; t < kTerminals; ++t) {
      ASSERT_TRUE(answers[t].ok()) << answers[t].status();
      EXPECT_EQ(answers[t]->state, state);
      EXPECT_EQ(answers[t]->refusal, refusal) << "the ledger's first reason, to every terminal";
      uses += consents[t].uses;
      give_backs += consents[t].give_backs;
    }
    EXPECT_EQ(uses, 1) << "one consent used";
    EXPECT_EQ(give_backs, state == BasketState::kRefused ? 1 : 0);
    EXPECT_EQ(book_->GetBasket(kVillage, request.basket)->refusal, refusal);
  }
  EXPECT_EQ(Balance(1), 0u) << "charged once";
  EXPECT_EQ(Balance(2), 20u);
}

TEST_F(ShopBookTest, AResumeThatFailsKeepsTheErrorAndTheBasketForTheNextResume) {
  Stock(1, 100, 5, 5);
  ASSERT_NO_FATAL_FAILURE(SaveInterruptedBasket());
  CloseAll();
  // A ledger that refuses every write: the basket's chain cannot be sent.
  ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
  engine_.reset();
  auto read_only = Engine::OpenReadOnly(Options(), dir_.path() + "/ledger");
  ASSERT_TRUE(read_only.ok()) << read_only.status();
  engine_ = *std::move(read_only);
  auto book = ShopBook::Open(engine_.get(), &clock_, store_.get());
  ASSERT_TRUE(book.ok()) << book.status();
  book_ = *std::move(book);
  const ResumeReport failed = book_->Resume();
  EXPECT_EQ(failed.resumed, 0u);
  EXPECT_EQ(failed.failed, 1u);
  ASSERT_EQ(failed.errors.size(), 1u);
  EXPECT_EQ(failed.errors[0].item, "basket 4/185");
  EXPECT_EQ(failed.errors[0].status.code(), absl::StatusCode::kFailedPrecondition)
      << failed.errors[0].status;
  EXPECT_EQ(book_->interrupted(), 1u) << "still interrupted";
  EXPECT_EQ(book_->GetBasket(kVillage, 0xb9)->state, BasketState::kSubmitting);

  CloseAll();
  OpenAll();
  EXPECT_EQ(book_->Resume().resumed, 1u);
  EXPECT_EQ(book_->GetBasket(kVillage, 0xb9)->state, BasketState::kRedeemed);
  EXPECT_EQ(Balance(1), 80u);
}

Account AccountOf(Engine& engine, Id id) {
  auto found = engine.LookupAccounts({id});
  EXPECT_TRUE(found.ok() && found->size() == 1);
  return found.ok() && found->size() == 1 ? (*found)[0] : Account();
}

TEST_F(ShopBookTest, SettlementPaysTheShopForItsPointsOnceAcrossBothLedgers) {
  Stock(2, 100, 10, 10);
  ASSERT_EQ(Redeem(Request(0xb1, 1, {{kSoySauce, 2}}))->state, BasketState::kRedeemed);
  ASSERT_EQ(Redeem(Request(0xb2, 2, {{kSoap, 1}}))->state, BasketState::kRedeemed);
  auto settled = book_->Settle(kVillage, kShop, 0x5e1, 100);  // 1 point = 1 yuan
  ASSERT_TRUE(settled.ok()) << settled.status();
  EXPECT_EQ(settled->state, SettlementState::kSettled);
  EXPECT_EQ(settled->points, 23u);
  EXPECT_EQ(settled->fen, 2300u);
  const Account shop_points =
      AccountOf(*engine_, ids::OfShopAccount(kVillage, kShop, ShopAccount::kPoints));
  EXPECT_EQ(shop_points.credits_posted - shop_points.debits_posted, 0u);
  EXPECT_EQ(
      AccountOf(*engine_, ids::OfShopAccount(kVillage, kShop, ShopAccount::kMoney)).credits_posted,
      2300u);
  EXPECT_EQ(AccountOf(*engine_, ids::OfVillageAccount(kVillage, VillageAccount::kCommitteeCash))
                .debits_posted,
            2300u);
  // Resent: the same settlement, nothing twice. Another id: nothing left to settle.
  EXPECT_EQ(book_->Settle(kVillage, kShop, 0x5e1, 100)->fen, 2300u);
  EXPECT_EQ(book_->Settle(kVillage, kShop, 0x5e2, 100).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book_->Settle(kVillage, kShop, 0x5e1, 90).status().code(),
            absl::StatusCode::kAlreadyExists);
  // A return after settlement is refused by the shop's floor, and the basket stays redeemed.
  auto late_return = book_->Return(kVillage, 0xb1);
  EXPECT_EQ(late_return.status().code(), absl::StatusCode::kFailedPrecondition)
      << late_return.status();
  EXPECT_EQ(book_->GetBasket(kVillage, 0xb1)->state, BasketState::kRedeemed);
  EXPECT_EQ(Balance(1), 80u);
}

TEST_F(ShopBookTest, ACashSaleToAMemberGetsTheDiscountAndPaysTheLevyIntoTheMicroFund) {
  Stock(1, 100, 10, 10);
  ASSERT_TRUE(book_->SetTerms(kVillage, kShop, {1000, 1000}).ok());  // 九折, 10 % levy
  CashSaleRequest sale;
  sale.sale = 0xca5;
  sale.village = kVillage;
  sale.shop = kShop;
  sale.household = 1;
  sale.lines = {{kSoySauce, 2}, {kSoap, 1}};  // 2 x 1200 + 400 = 2800 fen at list price
  auto sold = book_->RecordCashSale(sale);
  ASSERT_TRUE(sold.ok()) << sold.status();
  EXPECT_TRUE(sold->recorded);
  EXPECT_EQ(sold->list_fen, 2800u);
  EXPECT_EQ(sold->paid_fen, 2520u);  // 10 % off
  EXPECT_EQ(sold->levy_fen, 252u);   // 10 % of what was paid
  const Id fund = ids::OfVillageAccount(kVillage, VillageAccount::kMicroFund);
  const Id shop_money = ids::OfShopAccount(kVillage, kShop, ShopAccount::kMoney);
  EXPECT_EQ(AccountOf(*engine_, fund).credits_posted, 252u);
  EXPECT_EQ(AccountOf(*engine_, shop_money).credits_posted, 2520u);
  EXPECT_EQ(AccountOf(*engine_, shop_money).debits_posted, 252u);
  // Resent after a lost answer: recorded once. Terms changed later do not change it.
  ASSERT_TRUE(book_->SetTerms(kVillage, kShop, {0, 500}).ok());
  EXPECT_EQ(book_->RecordCashSale(sale)->levy_fen, 252u);
  EXPECT_EQ(AccountOf(*engine_, fund).credits_posted, 252u);
  EXPECT_EQ(Balance(1), 100u) << "a cash sale moves no points";
  // Refusals name what is wrong.
  sale.sale = 0xca6;
  sale.household = 99;
  EXPECT_EQ(book_->RecordCashSale(sale).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(book_->PutItem(kVillage, kShop, {7, "积分专享 (points only)", 5, 0, 0}).ok());
  sale.household = 1;
  sale.lines = {{7, 1}};
  auto points_only = book_->RecordCashSale(sale);
  EXPECT_EQ(points_only.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(points_only.status().message().find("not sold for cash"), std::string::npos);
  EXPECT_EQ(book_->SetTerms(kVillage, kShop, {10'001, 0}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BasketRecordTest, RoundTripsAndRejectsDamagedBytes) {
  Basket b;
  b.spec = {kVillage, 0xabc, kShop, 7, {{1, 2, 10}, {3, 1, 5}}};
  b.state = BasketState::kRefused;
  b.points_total = 25;
  b.refusal = "item 1 is out of stock (2 wanted)";
  const std::string bytes = EncodeBasket(b);
  auto decoded = DecodeBasket(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(EncodeBasket(*decoded), bytes);
  EXPECT_EQ(DecodeBasket(bytes.substr(0, bytes.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace points::domain

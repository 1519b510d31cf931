// The board, the monthly statement and the monthly report against the real engine and domain
// store, over a November and the start of a December in China Standard Time: awards on notice,
// held and posted, deductions, baskets, a return across the month boundary, a settlement, cash
// sales with a levy into the micro-fund and a payout from it. Every figure is checked against a
// number worked out by hand below, and the report against the issuer's own ledger history.
#include "server/domain/books/disclosure.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/shop_layout.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 5;
constexpr int kCst = 8 * 3600;
constexpr uint32_t kShop = 2;  // 村积分超市: soy sauce 10 points (12 yuan), soap 3 (4 yuan)
constexpr uint32_t kOtherShop = 3;  // 爱心商户: rice 15 points
constexpr uint32_t kSoySauce = 1, kSoap = 2, kRice = 1;

// Rules: 1 hygiene, 2 volunteering, 3 village agreement, 4 model award, 9 deduction.
RuleVersion Rule(uint32_t rule, uint64_t points) {
  static constexpr uint16_t kCodes[] = {
      0, kCodeHygiene,  kCodeVolunteering, kCodeVillageAgreement, kCodeModelAward, 0, 0, 0,
      0, kCodeDeduction};
  RuleVersion r;
  r.rule = rule;
  r.version = 1;
  r.code = kCodes[rule];
  r.points_per_unit = points;
  return r;
}

uint64_t Cst(int month, int day, int hour, int minute, int second = 0) {
  return static_cast<uint64_t>(absl::ToUnixNanos(absl::FromCivil(
      absl::CivilSecond(2026, month, day, hour, minute, second), absl::FixedTimeZone(kCst))));
}

// The awards of the scenario, by id; see Build().
constexpr Id kA1 = 0xa1, kA2 = 0xa2, kA3 = 0xa3, kA4 = 0xa4, kA5 = 0xa5;
constexpr Id kD1 = 0xd1, kD2 = 0xd2;
constexpr Id kEdge = 0xe1;  // window ends 2026-11-30 23:59 CST: November
constexpr Id kDec = 0xe2;   // window ends 2026-12-01 00:00 CST: December
constexpr Id kOn = 0xe3, kHeld = 0xe4;
constexpr Id kB1 = 0xb1, kB2 = 0xb2, kB3 = 0xb3;

std::string RuleName(VillageId village, uint32_t rule, uint32_t version) {
  return absl::StrCat("v", village, "-rule", rule, "-", version);
}

class DisclosureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    AwardPolicy policy;
    policy.review_threshold_points = 1000;  // the scenario's awards go on notice when recorded
    auto awards = AwardBook::Open(engine_.get(), &clock_, store_.get(), policy);
    ASSERT_TRUE(awards.ok()) << awards.status();
    awards_ = *std::move(awards);
    auto shops = ShopBook::Open(engine_.get(), &clock_, store_.get());
    ASSERT_TRUE(shops.ok()) << shops.status();
    shops_ = *std::move(shops);
    households_ = std::make_unique<HouseholdBook>(engine_.get(), store_.get());
    ratings_ = std::make_unique<RatingBook>(
        shops_.get(), &clock_, store_.get(),
        [](VillageId, uint32_t, uint64_t) { return absl::OkStatus(); });
    disclosure_ = std::make_unique<Disclosure>(DisclosureSources{
        engine_.get(), awards_.get(), households_.get(), shops_.get(), ratings_.get(), kCst});

    ASSERT_TRUE(awards_->SetUpVillage(kVillage).ok());
    // Household 2 has no name of its own: the board shows its head's.
    const std::vector<std::pair<std::string, std::string>> names = {
        {"张小明", "张小明"}, {"", "李明"}, {"王五", ""}, {"赵小六", ""}};
    for (uint64_t h = 1; h <= names.size(); ++h) {
      Household household;
      household.village = kVillage;
      household.household = h;
      household.name = names[h - 1].first;
      if (!names[h - 1].second.empty()) {
        household.members.push_back({names[h - 1].second, MemberRole::kHead, "13800000001"});
      }
      ASSERT_TRUE(households_->PutHousehold(household).ok());
    }
    ASSERT_TRUE(shops_->CreateShop(kVillage, kShop, "村积分超市").ok());
    ASSERT_TRUE(shops_->PutItem(kVillage, kShop, {kSoySauce, "酱油 500ml", 10, 1200, 0}).ok());
    ASSERT_TRUE(shops_->PutItem(kVillage, kShop, {kSoap, "肥皂", 3, 400, 0}).ok());
    ASSERT_TRUE(shops_->Restock(kVillage, kShop, kSoySauce, 1, 50).ok());
    ASSERT_TRUE(shops_->Restock(kVillage, kShop, kSoap, 2, 50).ok());
    ASSERT_TRUE(shops_->CreateShop(kVillage, kOtherShop, "爱心商户").ok());
    ASSERT_TRUE(shops_->PutItem(kVillage, kOtherShop, {kRice, "大米 5kg", 15, 0, 0}).ok());
    ASSERT_TRUE(shops_->Restock(kVillage, kOtherShop, kRice, 3, 50).ok());
    // 九折 for members, 5 % of what they pay into the micro-fund.
    ASSERT_TRUE(shops_->SetTerms(kVillage, kShop, {1000, 500}).ok());
  }

  void Record(Id award, uint64_t household, uint32_t rule, uint64_t points,
              const std::string& note) {
    AwardRequest r;
    r.award = award;
    r.village = kVillage;
    r.household = household;
    r.rule = Rule(rule, points);
    r.note = note;
    r.recorded_by = "grid-wang";
    auto recorded = awards_->Record(r);
    ASSERT_TRUE(recorded.ok()) << recorded.status();
    ASSERT_EQ(recorded->state, AwardState::kOnNotice) << recorded->refusal;
  }

  void PostDue(size_t expected) {
    auto posted = awards_->PostDue();
    ASSERT_TRUE(posted.ok()) << posted.status();
    ASSERT_EQ(*posted, expected);
  }

  void Redeem(Id basket, uint64_t household, uint32_t shop,
              std::vector<std::pair<uint32_t, uint64_t>> lines) {
    TestConsent consent;
    auto done = shops_->Redeem({basket, kVillage, shop, household, std::move(lines)}, consent);
    ASSERT_TRUE(done.ok()) << done.status();
    ASSERT_EQ(done->state, BasketState::kRedeemed) << done->refusal;
  }

  void CashSale(Id sale, uint64_t household, std::vector<std::pair<uint32_t, uint64_t>> lines) {
    auto done = shops_->RecordCashSale({sale, kVillage, kShop, household, std::move(lines)});
    ASSERT_TRUE(done.ok()) << done.status();
  }

  // The scenario. Balances by hand (posted, pending):
  //
  //   11-20 10:00  A1 h1 hygiene 10, A2 h2 volunteering 50, A3 h3 agreement 30, A4 h4 hygiene 5
  //   11-23 10:00  their windows end: posted (November)
  //   11-23 11:00  D1 h2 deduction 15, D2 h4 deduction 5, A5 h1 model award 20
  //   11-26 11:00  posted (November)
  //   11-27 23:59  kEdge h4 hygiene 8: its window ends 11-30 23:59, counts in November
  //   11-28 00:00  kDec h1 hygiene 10: its window ends 12-01 00:00, counts in December
  //   11-29 12:00  kOn h3 hygiene 10 (stays on notice), kHeld h1 volunteering 20 (objected)
  //   11-29 13:00  B1 h1 at shop 2: 2 soy sauce + 1 soap = 23; B2 h2 at shop 3: 2 rice = 30;
  //                B3 h3 at shop 2: 1 soy sauce = 10, returned at once; cash sale S1 h2 at
  //                shop 2: 2 soy sauce, list 2400 fen, 10 % off = 2160 paid, levy 108;
  //                a payout of 50 fen from the micro-fund; shop 3 settled: 30 points, 3000 fen
  //   12-01 00:00:30  the notice timer posts kEdge and kDec (both in December's ledger time)
  //   12-02 10:00  B1 returned (+23 to h1); cash sale S2 h3 at shop 2: 1 soap, list 400,
  //                paid 360, levy 18
  void Build() {
    clock_.Set(Cst(11, 20, 10, 0));
    Record(kA1, 1, 1, 10, "院落整洁");
    Record(kA2, 2, 2, 50, "志愿服务5小时");
    Record(kA3, 3, 3, 30, "遵守村规民约");
    Record(kA4, 4, 1, 5, "门前三包");
    clock_.Set(Cst(11, 23, 10, 0));
    PostDue(4);
    clock_.Set(Cst(11, 23, 11, 0));
    Record(kD1, 2, 9, 15, "乱倒垃圾");
    Record(kD2, 4, 9, 5, "占道堆放");
    Record(kA5, 1, 4, 20, "文明家庭");
    clock_.Set(Cst(11, 26, 11, 0));
    PostDue(3);
    clock_.Set(Cst(11, 27, 23, 59));
    Record(kEdge, 4, 1, 8, "卫生检查 月末");
    clock_.Set(Cst(11, 28, 0, 0));
    Record(kDec, 1, 1, 10, "卫生检查 月初");
    clock_.Set(Cst(11, 29, 12, 0));
    Record(kOn, 3, 1, 10, "院落整洁");
    Record(kHeld, 1, 2, 20, "志愿服务4小时");
    ASSERT_TRUE(awards_->Object(kVillage, kHeld, "villager-zhao", "那天没有去").ok());
    clock_.Set(Cst(11, 29, 13, 0));
    Redeem(kB1, 1, kShop, {{kSoySauce, 2}, {kSoap, 1}});
    Redeem(kB2, 2, kOtherShop, {{kRice, 2}});
    Redeem(kB3, 3, kShop, {{kSoySauce, 1}});
    ASSERT_TRUE(shops_->Return(kVillage, kB3).ok());
    CashSale(0x51, 2, {{kSoySauce, 2}});
    const Ledgers ledgers = LedgersOf(kVillage);
    auto payout = engine_->CreateTransfers(
        {MakeTransfer(0xf0, ids::OfVillageAccount(kVillage, VillageAccount::kMicroFund),
                      ids::OfVillageAccount(kVillage, VillageAccount::kCommitteeCash), 50,
                      ledgers.money, 99)});  // a raw payout, beside proposal_book.h's projects
    ASSERT_TRUE(payout.ok() && (*payout)[0].result == CreateTransferResult::kOk);
    auto settled = shops_->Settle(kVillage, kOtherShop, 0x5e, 100);
    ASSERT_TRUE(settled.ok()) << settled.status();
    ASSERT_EQ(settled->points, 30u);
    clock_.Set(Cst(12, 1, 0, 0, 30));
    PostDue(2);
    clock_.Set(Cst(12, 2, 10, 0));
    ASSERT_TRUE(shops_->Return(kVillage, kB1).ok());
    CashSale(0x52, 3, {{kSoap, 1}});
    // Ratings: shop 2: 5 (h1, B1) and 2 (h3, B3, returned) -> 3.5; shop 3: 4 (h2, B2);
    // task 7: 5, 4, 4 -> 4.333.
    ASSERT_TRUE(ratings_->Rate({kVillage, 1, RatingSubject::kBasket, kB1, 5, ""}).ok());
    ASSERT_TRUE(ratings_->Rate({kVillage, 3, RatingSubject::kBasket, kB3, 2, "过期"}).ok());
    ASSERT_TRUE(ratings_->Rate({kVillage, 2, RatingSubject::kBasket, kB2, 4, ""}).ok());
    for (uint64_t h : {1, 2, 4}) {
      ASSERT_TRUE(
          ratings_->Rate({kVillage, h, RatingSubject::kTask, 7, h == 1 ? 5u : 4u, ""}).ok());
    }
  }

  static std::vector<Id> AwardIds(const std::vector<BoardAward>& list) {
    std::vector<Id> ids;
    for (const BoardAward& a : list) ids.push_back(a.award);
    return ids;
  }

  // The issuer's net outflow (posted debits - posted credits) at `at_ns`, from its own history.
  uint64_t IssuerOutflowAt(uint64_t at_ns) {
    HistoryFilter f;
    f.account_id = ids::OfVillageAccount(kVillage, VillageAccount::kIssuer);
    f.timestamp_max = at_ns;
    f.limit = 1;
    f.reversed = true;
    auto b = engine_->GetAccountBalances(f);
    EXPECT_TRUE(b.ok() && b->size() == 1);
    return b.ok() && b->size() == 1 ? (*b)[0].debits_posted - (*b)[0].credits_posted : 0;
  }

  TempDir dir_;
  ManualClock clock_{Cst(11, 1, 9, 0)};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<AwardBook> awards_;
  std::unique_ptr<ShopBook> shops_;
  std::unique_ptr<HouseholdBook> households_;
  std::unique_ptr<RatingBook> ratings_;
  std::unique_ptr<Disclosure> disclosure_;
};

TEST(MonthTest, MonthsRunInTheVillagesTime) {
  auto nov = MonthBounds(202611, kCst);
  ASSERT_TRUE(nov.ok()) << nov.status();
  EXPECT_EQ(nov->begin_ns, Cst(11, 1, 0, 0));
  EXPECT_EQ(nov->end_ns, Cst(12, 1, 0, 0));
  // 00:00 CST is 16:00 UTC the day before.
  EXPECT_EQ(nov->begin_ns, static_cast<uint64_t>(absl::ToUnixNanos(absl::FromCivil(
                               absl::CivilSecond(2026, 10, 31, 16, 0, 0), absl::UTCTimeZone()))));
  auto dec = MonthBounds(202612, kCst);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->begin_ns, nov->end_ns);
  EXPECT_EQ(dec->end_ns, static_cast<uint64_t>(absl::ToUnixNanos(absl::FromCivil(
                             absl::CivilSecond(2027, 1, 1, 0, 0, 0), absl::FixedTimeZone(kCst)))));
  EXPECT_EQ(MonthOf(nov->end_ns - 1, kCst), 202611u);
  EXPECT_EQ(MonthOf(nov->end_ns, kCst), 202612u);
  // 20:00 UTC on 30 November is already December in Beijing, still November in UTC.
  EXPECT_EQ(MonthOf(Cst(12, 1, 4, 0), kCst), 202612u);
  EXPECT_EQ(MonthOf(Cst(12, 1, 4, 0), 0), 202611u);
  for (uint32_t bad : {202613u, 202600u, 199912u, 0u, 2026u}) {
    EXPECT_EQ(MonthBounds(bad, kCst).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(DisclosureTest, TheBoardShowsNoticeRecentPostedAndTheRankingWithMaskedNames) {
  Build();
  auto board = disclosure_->GetBoard(kVillage, 202611, clock_.NowNanos(), false, RuleName);
  ASSERT_TRUE(board.ok()) << board.status();
  EXPECT_EQ(board->month, 202611u);

  // On notice now: kOn and kHeld (same window end: award-id order), kHeld flagged.
  EXPECT_EQ(AwardIds(board->on_notice), (std::vector<Id>{kOn, kHeld}));
  EXPECT_EQ(board->on_notice_total, 2u);
  ASSERT_EQ(board->on_notice.size(), 2u);
  EXPECT_FALSE(board->on_notice[0].objected);
  EXPECT_TRUE(board->on_notice[1].objected);
  EXPECT_EQ(board->on_notice[1].household_name, "张*明");
  EXPECT_EQ(board->on_notice[1].notice_ends_at_ns, Cst(12, 2, 12, 0));

  // Posted with the window ended in November, newest window first: kEdge (11-30 23:59), the
  // 11-26 group, the 11-23 group; award-id order within a group. kDec is December's.
  EXPECT_EQ(AwardIds(board->recent), (std::vector<Id>{kEdge, kA5, kD1, kD2, kA1, kA2, kA3, kA4}));
  EXPECT_EQ(board->posted_in_month, 8u);
  const BoardAward& edge = board->recent[0];
  EXPECT_EQ(edge.household, 4u);
  EXPECT_EQ(edge.household_name, "赵*六");
  EXPECT_EQ(edge.points, 8u);
  EXPECT_EQ(edge.code, kCodeHygiene);
  EXPECT_EQ(edge.rule, 1u);
  EXPECT_EQ(edge.rule_version, 1u);
  EXPECT_EQ(edge.rule_name, "v5-rule1-1");
  EXPECT_EQ(edge.note, "卫生检查 月末");
  EXPECT_EQ(edge.notice_ends_at_ns, Cst(11, 30, 23, 59));
  EXPECT_FALSE(edge.deduction);
  const BoardAward& d1 = board->recent[2];
  EXPECT_TRUE(d1.deduction);
  EXPECT_EQ(d1.points, 15u);
  EXPECT_EQ(d1.note, "乱倒垃圾");
  EXPECT_EQ(d1.household_name, "李*") << "no household name: the head's, masked";

  // Earned in November: h2 50 - 15 = 35; h1 10 + 20 = 30; h3 30; h4 5 - 5 + 8 = 8. h1 and h3
  // tie: both rank 2, household order; h4 ranks 4.
  const std::vector<RankingEntry> want = {{1, 2, "李*", 50, 15, 35},
                                          {2, 1, "张*明", 30, 0, 30},
                                          {2, 3, "王*", 30, 0, 30},
                                          {4, 4, "赵*六", 13, 5, 8}};
  EXPECT_EQ(board->ranking, want);

  // Satisfaction averages.
  EXPECT_EQ(board->shop_ratings,
            (std::vector<RatingAverage>{{kShop, 2, 3500}, {kOtherShop, 1, 4000}}));
  EXPECT_EQ(board->task_ratings, (std::vector<RatingAverage>{{7, 3, 4333}}));

  // The committee's view: the same board with the names revealed.
  auto revealed = disclosure_->GetBoard(kVillage, 202611, clock_.NowNanos(), true);
  ASSERT_TRUE(revealed.ok()) << revealed.status();
  EXPECT_EQ(revealed->ranking[0].household_name, "李明");
  EXPECT_EQ(revealed->ranking[1].household_name, "张小明");
  EXPECT_EQ(revealed->recent[0].household_name, "赵小六");
  EXPECT_EQ(revealed->recent[0].rule_name, "") << "no rule namer: no names";
}

TEST_F(DisclosureTest, AnAwardCountsInTheMonthItsWindowEndedInTheVillagesTime) {
  Build();
  // Month 0: the month of `now` (2 December, CST).
  auto dec = disclosure_->GetBoard(kVillage, 0, clock_.NowNanos(), false);
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->month, 202612u);
  EXPECT_EQ(AwardIds(dec->recent), (std::vector<Id>{kDec}));
  EXPECT_EQ(dec->posted_in_month, 1u);
  EXPECT_EQ(dec->ranking, (std::vector<RankingEntry>{{1, 1, "张*明", 10, 0, 10}}));
  EXPECT_EQ(AwardIds(dec->on_notice), (std::vector<Id>{kOn, kHeld})) << "notice is now";
  // Counted in UTC, kEdge's window (15:59 UTC on 30 November) is still November, and so is
  // kDec's (16:00 UTC): the offset decides.
  Disclosure utc(
      DisclosureSources{engine_.get(), awards_.get(), households_.get(), shops_.get(), nullptr, 0});
  auto utc_nov = utc.GetBoard(kVillage, 202611, clock_.NowNanos(), false);
  ASSERT_TRUE(utc_nov.ok()) << utc_nov.status();
  EXPECT_EQ(utc_nov->posted_in_month, 9u);
  EXPECT_EQ(utc_nov->recent[0].award, kDec);
  EXPECT_TRUE(utc_nov->shop_ratings.empty()) << "no rating book";
  auto oct = disclosure_->GetBoard(kVillage, 202610, clock_.NowNanos(), false);
  ASSERT_TRUE(oct.ok());
  EXPECT_TRUE(oct->recent.empty());
  EXPECT_TRUE(oct->ranking.empty());
  EXPECT_EQ(disclosure_->GetBoard(kVillage, 202613, clock_.NowNanos(), false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DisclosureTest, TheRecentListKeepsTheNewestAndCountsTheRest) {
  ASSERT_TRUE(clock_.NowNanos() < Cst(11, 2, 0, 0));
  const size_t n = kBoardRecentMax + 5;
  for (size_t i = 0; i < n; ++i) {
    clock_.Set(Cst(11, 2, 8, 0) + i * 60'000'000'000ull);  // a minute apart
    Record(0x100 + i, 1 + i % 4, 1, 1 + i, "卫生检查");
  }
  clock_.Set(Cst(11, 10, 0, 0));
  PostDue(n);
  auto board = disclosure_->GetBoard(kVillage, 202611, clock_.NowNanos(), false);
  ASSERT_TRUE(board.ok()) << board.status();
  EXPECT_EQ(board->posted_in_month, n);
  ASSERT_EQ(board->recent.size(), kBoardRecentMax);
  for (size_t k = 0; k < kBoardRecentMax; ++k) {
    EXPECT_EQ(board->recent[k].award, Id(0x100 + n - 1 - k)) << k;
  }
  // Award i (0..24) gave household 1 + i % 4 1 + i points: h1 1 + 5 + ... + 25 = 91 (seven
  // awards), h2 2 + 6 + ... + 22 = 72, h3 3 + ... + 23 = 78, h4 4 + ... + 24 = 84.
  const std::vector<RankingEntry> want = {{1, 1, "张*明", 91, 0, 91},
                                          {2, 4, "赵*六", 84, 0, 84},
                                          {3, 3, "王*", 78, 0, 78},
                                          {4, 2, "李*", 72, 0, 72}};
  EXPECT_EQ(board->ranking, want);
}

TEST_F(DisclosureTest, TheStatementListsEveryMovementWithRunningAndClosingBalances) {
  Build();
  using S = MovementState;
  const Id issuer = ids::OfVillageAccount(kVillage, VillageAccount::kIssuer);
  const Id shop = ids::OfShopAccount(kVillage, kShop, ShopAccount::kPoints);
  auto nov = disclosure_->GetStatement(kVillage, 1, 202611);
  ASSERT_TRUE(nov.ok()) << nov.status();
  EXPECT_EQ(nov->opening, 0u);
  struct Want {
    S state;
    bool credit;
    uint64_t amount;
    uint16_t code;
    Id reference;
    uint32_t detail;
    Id counterparty;
    uint64_t balance;
  };
  const std::vector<Want> want_nov = {
      {S::kPending, true, 10, kCodeHygiene, kA1, 1, issuer, 0},
      {S::kPosted, true, 10, kCodeHygiene, kA1, 1, issuer, 10},
      {S::kPending, true, 20, kCodeModelAward, kA5, 4, issuer, 10},
      {S::kPosted, true, 20, kCodeModelAward, kA5, 4, issuer, 30},
      {S::kPending, true, 10, kCodeHygiene, kDec, 1, issuer, 30},
      {S::kPending, true, 20, kCodeVolunteering, kHeld, 2, issuer, 30},
      {S::kPosted, false, 20, kCodeRedemption, kB1, kSoySauce, shop, 10},
      {S::kPosted, false, 3, kCodeRedemption, kB1, kSoap, shop, 7},
  };
  ASSERT_EQ(nov->lines.size(), want_nov.size());
  uint64_t last = 0;
  for (size_t i = 0; i < want_nov.size(); ++i) {
    const StatementLine& l = nov->lines[i];
    const Want& w = want_nov[i];
    EXPECT_EQ(l.state, w.state) << i;
    EXPECT_EQ(l.credit, w.credit) << i;
    EXPECT_EQ(l.amount, w.amount) << i;
    EXPECT_EQ(l.code, w.code) << i;
    EXPECT_EQ(l.reference, w.reference) << i;
    EXPECT_EQ(l.detail, w.detail) << i;
    EXPECT_EQ(l.counterparty, w.counterparty) << i;
    EXPECT_EQ(l.balance_after, w.balance) << i;
    EXPECT_GT(l.timestamp_ns, last) << i;
    EXPECT_GE(l.timestamp_ns, nov->span.begin_ns);
    EXPECT_LT(l.timestamp_ns, nov->span.end_ns);
    last = l.timestamp_ns;
  }
  EXPECT_EQ(nov->lines[1].transfer,
            ids::AwardTransfer(kVillage, kA1, AwardLeg::kPoints, AwardStep::kPost));
  EXPECT_EQ(nov->lines[6].transfer, ids::BasketTransfer(kVillage, kB1, 0, BasketLeg::kPoints));
  EXPECT_GE(nov->lines[1].timestamp_ns, Cst(11, 23, 10, 0)) << "a post shows when it posted";
  EXPECT_FALSE(nov->truncated);
  EXPECT_EQ(nov->credited, 30u);
  EXPECT_EQ(nov->debited, 23u);
  EXPECT_EQ(nov->closing, 7u);
  EXPECT_EQ(nov->pending_in, 30u) << "kDec and kHeld are on notice at the month's end";
  EXPECT_EQ(nov->pending_out, 0u);

  // December: kDec posts just after midnight, B1 comes back.
  auto dec = disclosure_->GetStatement(kVillage, 1, 202612);
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->opening, 7u);
  const std::vector<Want> want_dec = {
      {S::kPosted, true, 10, kCodeHygiene, kDec, 1, issuer, 17},
      {S::kPosted, true, 20, kCodeReturn, kB1, kSoySauce, shop, 37},
      {S::kPosted, true, 3, kCodeReturn, kB1, kSoap, shop, 40},
  };
  ASSERT_EQ(dec->lines.size(), want_dec.size());
  for (size_t i = 0; i < want_dec.size(); ++i) {
    const StatementLine& l = dec->lines[i];
    EXPECT_EQ(l.state, want_dec[i].state) << i;
    EXPECT_EQ(l.credit, want_dec[i].credit) << i;
    EXPECT_EQ(l.amount, want_dec[i].amount) << i;
    EXPECT_EQ(l.code, want_dec[i].code) << i;
    EXPECT_EQ(l.reference, want_dec[i].reference) << i;
    EXPECT_EQ(l.counterparty, want_dec[i].counterparty) << i;
    EXPECT_EQ(l.balance_after, want_dec[i].balance) << i;
  }
  EXPECT_GE(dec->lines[0].timestamp_ns, Cst(12, 1, 0, 0, 30));
  EXPECT_EQ(dec->credited, 33u);
  EXPECT_EQ(dec->debited, 0u);
  EXPECT_EQ(dec->closing, 40u);
  EXPECT_EQ(dec->pending_in, 20u) << "kHeld is still held";

  // The December statement's closing balance is the household's balance now.
  auto account = engine_->LookupAccounts({ids::Household(kVillage, 1)});
  ASSERT_TRUE(account.ok() && account->size() == 1);
  EXPECT_EQ((*account)[0].credits_posted - (*account)[0].debits_posted, dec->closing);

  // A month before anything happened, and a household without an account.
  auto oct = disclosure_->GetStatement(kVillage, 1, 202610);
  ASSERT_TRUE(oct.ok()) << oct.status();
  EXPECT_TRUE(oct->lines.empty());
  EXPECT_EQ(oct->opening, 0u);
  EXPECT_EQ(oct->closing, 0u);
  EXPECT_EQ(disclosure_->GetStatement(kVillage, 99, 202611).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DisclosureTest, AVoidedAwardIsListedButChangesNoBalance) {
  clock_.Set(Cst(11, 20, 10, 0));
  Record(kA1, 1, 1, 10, "院落整洁");
  ASSERT_TRUE(awards_->Object(kVillage, kA1, "villager-zhao", "没有检查").ok());
  clock_.Set(Cst(11, 21, 10, 0));
  ASSERT_TRUE(awards_->Decide(kVillage, kA1, false, "committee-li").ok());
  auto nov = disclosure_->GetStatement(kVillage, 1, 202611);
  ASSERT_TRUE(nov.ok()) << nov.status();
  ASSERT_EQ(nov->lines.size(), 2u);
  EXPECT_EQ(nov->lines[0].state, MovementState::kPending);
  EXPECT_EQ(nov->lines[1].state, MovementState::kVoided);
  EXPECT_EQ(nov->lines[1].amount, 10u);
  EXPECT_EQ(nov->lines[1].code, kCodeHygiene);
  EXPECT_EQ(nov->lines[1].reference, kA1);
  EXPECT_EQ(nov->lines[1].balance_after, 0u);
  EXPECT_EQ(nov->closing, 0u);
  EXPECT_EQ(nov->pending_in, 0u);
  auto board = disclosure_->GetBoard(kVillage, 202611, clock_.NowNanos(), false);
  ASSERT_TRUE(board.ok());
  EXPECT_TRUE(board->on_notice.empty());
  EXPECT_TRUE(board->recent.empty());
  EXPECT_TRUE(board->ranking.empty());
}

TEST_F(DisclosureTest, TheReportAddsUpIssuedRedeemedOutstandingAndTheMicroFund) {
  Build();
  auto nov = disclosure_->GetReport(kVillage, 202611, RuleName);
  ASSERT_TRUE(nov.ok()) << nov.status();

  // Issued in November (window ended): hygiene A1 10 + A4 5 + kEdge 8; volunteering A2 50;
  // agreement A3 30; model award A5 20. Deducted: D1 15 + D2 5.
  EXPECT_EQ(nov->issued_by_category, (std::vector<CategoryTotal>{{kCodeHygiene, 3, 23},
                                                                 {kCodeVolunteering, 1, 50},
                                                                 {kCodeVillageAgreement, 1, 30},
                                                                 {kCodeModelAward, 1, 20}}));
  EXPECT_EQ(nov->issued_by_rule,
            (std::vector<RuleTotal>{{1, kCodeHygiene, "v5-rule1-1", 3, 23},
                                    {2, kCodeVolunteering, "v5-rule2-1", 1, 50},
                                    {3, kCodeVillageAgreement, "v5-rule3-1", 1, 30},
                                    {4, kCodeModelAward, "v5-rule4-1", 1, 20}}));
  EXPECT_EQ(nov->issued_awards, 6u);
  EXPECT_EQ(nov->issued_points, 123u);
  EXPECT_EQ(nov->deducted_by_rule,
            (std::vector<RuleTotal>{{9, kCodeDeduction, "v5-rule9-1", 2, 20}}));
  EXPECT_EQ(nov->deductions, 2u);
  EXPECT_EQ(nov->deducted_points, 20u);

  // Shops in November (ledger time). Shop 2: B1 23 and B3 10 redeemed, B3 returned; S1 paid
  // 2160 fen with a levy of 108. Shop 3: B2 30, settled 30 points for 3000 fen.
  ShopTotal shop2;
  shop2.shop = kShop;
  shop2.name = "村积分超市";
  shop2.baskets = 2;
  shop2.redeemed = 33;
  shop2.returns = 1;
  shop2.returned = 10;
  shop2.net = 23;
  shop2.cash_sales_fen = 2160;
  shop2.levy_fen = 108;
  shop2.held = 23;  // B1 (B3 came back)
  ShopTotal shop3;
  shop3.shop = kOtherShop;
  shop3.name = "爱心商户";
  shop3.baskets = 1;
  shop3.redeemed = 30;
  shop3.net = 30;
  shop3.settled_points = 30;
  shop3.settled_fen = 3000;
  EXPECT_EQ(nov->shops, (std::vector<ShopTotal>{shop2, shop3}));

  // Outstanding at November's end: h1 30 - 23 = 7, h2 35 - 30 = 5, h3 30, h4 0 (kEdge posted
  // in December's ledger time) = 42; on notice: kDec 10 + kHeld 20 + kOn 10 + kEdge 8 = 48;
  // shop 2 holds 23 (shop 3 settled).
  EXPECT_EQ(nov->outstanding, (Outstanding{4, 42, 48, 0, 23}));
  // Independently: what the issuer let out (posted awards - deductions - settlements) is held
  // by the households and the shops.
  EXPECT_EQ(IssuerOutflowAt(nov->span.end_ns - 1),
            nov->outstanding.points + nov->outstanding.held_by_shops);
  EXPECT_EQ(IssuerOutflowAt(nov->span.end_ns - 1), 65u);

  // The micro-fund: in 108 (S1's levy), out 50 (the payout).
  EXPECT_EQ(nov->micro_fund, (FundFlow{0, 108, 1, 50, 1, 58}));

  // December: the award whose window ended on 1 December, B1's return against no redemption
  // (net negative), S2's levy.
  auto dec = disclosure_->GetReport(kVillage, 202612, RuleName);
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->issued_by_category, (std::vector<CategoryTotal>{{kCodeHygiene, 1, 10}}));
  EXPECT_EQ(dec->issued_points, 10u);
  EXPECT_EQ(dec->deductions, 0u);
  ASSERT_EQ(dec->shops.size(), 2u);
  EXPECT_EQ(dec->shops[0].redeemed, 0u);
  EXPECT_EQ(dec->shops[0].returns, 1u);
  EXPECT_EQ(dec->shops[0].returned, 23u);
  EXPECT_EQ(dec->shops[0].net, -23);
  EXPECT_EQ(dec->shops[0].cash_sales_fen, 360u);
  EXPECT_EQ(dec->shops[0].levy_fen, 18u);
  ShopTotal idle;
  idle.shop = kOtherShop;
  idle.name = "爱心商户";
  EXPECT_EQ(dec->shops[1], idle) << "an idle shop is listed with zeros";
  // Now: h1 40, h2 5, h3 30, h4 8 = 83; on notice kHeld 20 + kOn 10; the shops hold nothing.
  EXPECT_EQ(dec->outstanding, (Outstanding{4, 83, 30, 0, 0}));
  EXPECT_EQ(IssuerOutflowAt(clock_.NowNanos()), 83u);
  EXPECT_EQ(dec->micro_fund, (FundFlow{58, 18, 1, 0, 0, 76}));
  auto fund =
      engine_->LookupAccounts({ids::OfVillageAccount(kVillage, VillageAccount::kMicroFund)});
  ASSERT_TRUE(fund.ok() && fund->size() == 1);
  EXPECT_EQ((*fund)[0].credits_posted - (*fund)[0].debits_posted, dec->micro_fund.closing);
}

}  // namespace
}  // namespace points::domain

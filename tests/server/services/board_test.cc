// The points supermarket's disclosure end to end, through the real pointsd and the client
// library: the demo village's inspection round, posted by the server's timer, the notice board
// with masked names and its ranking, a redemption rated once (and refused a second time), a
// household's statement, the committee's report, the rule catalogue, and expiry shown in a
// household's balance. Every call carries a token of one of the demo's principals (server/AUTHZ.md,
// DATA_DIR/demo-tokens): the grid workers record, the committee keeps the catalogue and reads the
// report, the partner shop redeems with household 1's payment code, each household's app rates and
// reads itself, and the admin sets the expiry policy.
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"

namespace points::server {
namespace {

using client::LedgerClient;
using testing::TempDir;

constexpr uint32_t kVillage = 1;  // the demo village: households 1-3, shops 1 and 2

domain::AwardRequest Award(Id id, uint64_t household, uint32_t rule, uint64_t quantity) {
  domain::AwardRequest a;
  a.award = id;
  a.village = kVillage;
  a.household = household;
  a.rule.rule = rule;  // the catalogue scores it
  a.quantity = quantity;
  a.note = "庭院整洁";
  a.recorded_by = "someone-else";  // ignored: the recorder is the caller
  return a;
}

class BoardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Awards of at most 20 points go on notice at once; the notice window is one second.
    pointsd_ = std::make_unique<testing::Pointsd>(
        dir_.path(), 0,
        std::vector<std::string>{"--demo", "--notice-seconds", "1", "--review-threshold", "20"});
    client_ = As(pointsd_->admin_token());
    committee_ = As(DemoToken("committee-li"));
    grid_wang_ = As(DemoToken("grid-wang"));  // grid 1: households 1 and 2
    grid_zhao_ = As(DemoToken("grid-zhao"));  // grid 2: household 3
  }

  // The token of one of the demo's principals, which pointsd --demo wrote to
  // DATA_DIR/demo-tokens/NAME.
  std::string DemoToken(const std::string& name) {
    std::ifstream file(dir_.path() + "/demo-tokens/" + name);
    std::string token;
    std::getline(file, token);
    EXPECT_FALSE(token.empty()) << "no demo token for " << name;
    return token;
  }

  // A client of its own calling as the principal of `token`.
  std::unique_ptr<LedgerClient> As(const std::string& token) {
    client::ClientOptions options;
    options.token = token;
    return std::make_unique<LedgerClient>(pointsd_->target(), options);
  }

  // This month as the server counts it (China Standard Time): a test that runs across a month's
  // end then reads the same month everywhere.
  uint32_t ThisMonth() {
    v1::GetBoardRequest request;
    request.set_village(kVillage);
    auto board = client_->GetBoard(request);
    EXPECT_TRUE(board.ok()) << board.status();
    return board.ok() ? board->month() : 0;
  }

  // Waits (at most 30 s) until `posted` awards of this month are on the board as posted.
  v1::GetBoardResponse BoardOncePosted(size_t posted, bool reveal = false) {
    v1::GetBoardRequest request;
    request.set_village(kVillage);
    request.set_reveal(reveal);
    absl::StatusOr<v1::GetBoardResponse> board;
    for (int i = 0; i < 300; ++i) {
      // Full names are the committee's (and the auditor's) only: server/AUTHZ.md.
      board = (reveal ? committee_ : client_)->GetBoard(request);
      if (board.ok() && board->posted_in_month() >= posted) return *board;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the timer did not post " << posted << " awards: " << board.status();
    return board.ok() ? *board : v1::GetBoardResponse();
  }

  TempDir dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::unique_ptr<LedgerClient> client_;     // the county admin: reads, sets expiry
  std::unique_ptr<LedgerClient> committee_;  // committee-li
  std::unique_ptr<LedgerClient> grid_wang_;
  std::unique_ptr<LedgerClient> grid_zhao_;
};

TEST_F(BoardTest, ARoundIsPostedByTheTimerAndRankedOnTheBoardWithMaskedNames) {
  // The round: hygiene (rule 1, 10 points) for all three households, four hours of
  // volunteering (rule 2, 2 points an hour) for household 1, a model award (rule 4, 50 points:
  // above the threshold, it waits for review and is not on the board yet). Each grid worker
  // records the round of its own grid.
  const std::vector<domain::AwardRequest> round = {Award(11, 1, 1, 1), Award(12, 2, 1, 1),
                                                   Award(14, 1, 2, 4), Award(15, 2, 4, 1)};
  auto recorded = grid_wang_->RecordAwards(round);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  for (const auto& award : *recorded) ASSERT_TRUE(award.ok()) << award.status();
  EXPECT_EQ((*recorded)[2]->amount, 8u) << "points per hour x hours, from the catalogue";
  EXPECT_EQ((*recorded)[3]->state, domain::AwardState::kAwaitingReview);
  for (const auto& award : *recorded) EXPECT_EQ(award->request.recorded_by, "grid-wang");
  const std::vector<domain::AwardRequest> round_of_grid_2 = {Award(13, 3, 1, 1)};
  auto recorded_2 = grid_zhao_->RecordAwards(round_of_grid_2);
  ASSERT_TRUE(recorded_2.ok()) << recorded_2.status();
  ASSERT_EQ(recorded_2->size(), 1u);
  ASSERT_TRUE((*recorded_2)[0].ok()) << (*recorded_2)[0].status();
  EXPECT_EQ((*recorded_2)[0]->request.recorded_by, "grid-zhao");

  // Four from the round and the demo's award 9001 (10 points for household 2).
  const v1::GetBoardResponse board = BoardOncePosted(5);
  EXPECT_EQ(board.posted_in_month(), 5u);
  ASSERT_EQ(board.ranking_size(), 3);
  EXPECT_EQ(board.ranking(0).household(), 2u);
  EXPECT_EQ(board.ranking(0).earned(), 20u);
  EXPECT_EQ(board.ranking(0).household_name(), "李*") << "李家, masked";
  EXPECT_EQ(board.ranking(1).household(), 1u);
  EXPECT_EQ(board.ranking(1).earned(), 18u);
  EXPECT_EQ(board.ranking(2).household(), 3u);
  EXPECT_EQ(board.ranking(2).earned(), 10u);
  ASSERT_GT(board.recent_size(), 0);
  EXPECT_NE(board.recent(0).rule_name(), "") << "the catalogue names the rule";
  int with_reason = 0;
  for (const v1::BoardAward& a : board.recent()) with_reason += a.note() == "庭院整洁" ? 1 : 0;
  EXPECT_EQ(with_reason, 4) << "the round's awards, with the reason recorded";
  const v1::GetBoardResponse revealed = BoardOncePosted(5, /*reveal=*/true);
  EXPECT_EQ(revealed.ranking(0).household_name(), "李家");

  // The committee's report adds it up; the liability is what households hold.
  v1::GetReportRequest report_request;
  report_request.set_village(kVillage);
  report_request.set_month(ThisMonth());
  auto report = committee_->GetReport(report_request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->issued_awards(), 5u);
  EXPECT_EQ(report->issued_points(), 48u);
  EXPECT_EQ(report->outstanding_points(), 100u + 60u + 30u + 48u)
      << "opening balances and the posted awards";
  EXPECT_EQ(report->outstanding_households(), 3u);
  ASSERT_EQ(report->shops_size(), 2) << "both shops, idle or not";
}

TEST_F(BoardTest, ARedemptionIsRatedOnceAndTheStatementAndReportShowIt) {
  domain::BasketRequest basket;
  basket.basket = 7001;
  basket.village = kVillage;
  basket.shop = 2;  // the partner shop: towel, 5 points
  basket.household = 1;
  basket.lines = {{2, 2}};
  // The partner shop redeems with the code household 1's app shows.
  const std::unique_ptr<LedgerClient> household_1 = As(DemoToken("household-1"));
  const std::unique_ptr<LedgerClient> household_2 = As(DemoToken("household-2"));
  auto code = household_1->IssuePaymentCode(kVillage, 1);
  ASSERT_TRUE(code.ok()) << code.status();
  LedgerClient::Consent consent;
  consent.payment_code = code->code();
  auto redeemed = As(DemoToken("shop-2"))->RedeemBasket(basket, consent);
  ASSERT_TRUE(redeemed.ok()) << redeemed.status();
  ASSERT_EQ(redeemed->state, domain::BasketState::kRedeemed) << redeemed->refusal;

  domain::RatingRequest rating;
  rating.village = kVillage;
  rating.household = 1;
  rating.kind = domain::RatingSubject::kBasket;
  rating.subject = 7001;
  rating.stars = 4;
  rating.comment = "毛巾很好";
  auto rated = household_1->Rate(rating);
  ASSERT_TRUE(rated.ok()) << rated.status();
  EXPECT_EQ(rated->shop(), 2u);
  EXPECT_TRUE(household_1->Rate(rating).ok()) << "the same rating again is the stored one";
  rating.stars = 1;
  EXPECT_EQ(household_1->Rate(rating).status().code(), absl::StatusCode::kAlreadyExists)
      << "rate twice";
  rating.household = 2;  // household 2's own app: in its scope, but not its basket
  const absl::Status not_theirs = household_2->Rate(rating).status();
  EXPECT_EQ(not_theirs.code(), absl::StatusCode::kPermissionDenied) << not_theirs;
  EXPECT_NE(not_theirs.message().find("only the household that redeemed"), std::string::npos)
      << "not household 2's basket: " << not_theirs;
  rating.household = 1;
  rating.stars = 6;
  rating.subject = 7002;
  EXPECT_EQ(household_1->Rate(rating).status().code(), absl::StatusCode::kInvalidArgument);

  const v1::GetBoardResponse board = BoardOncePosted(1);  // the demo's award 9001
  ASSERT_EQ(board.shop_ratings_size(), 1);
  EXPECT_EQ(board.shop_ratings(0).subject(), 2u);
  EXPECT_EQ(board.shop_ratings(0).average_milli(), 4000u);

  v1::GetStatementRequest statement_request;
  statement_request.set_village(kVillage);
  statement_request.set_household(1);
  statement_request.set_month(ThisMonth());
  auto statement = household_1->GetStatement(statement_request);
  ASSERT_TRUE(statement.ok()) << statement.status();
  EXPECT_EQ(statement->closing(), 100u - 10u) << "the opening 100, then two towels";
  EXPECT_EQ(statement->debited(), 10u);
  ASSERT_GE(statement->lines_size(), 2);
  EXPECT_EQ(statement->lines(statement->lines_size() - 1).balance_after(), 90u);

  v1::GetReportRequest report_request;
  report_request.set_village(kVillage);
  report_request.set_month(ThisMonth());
  auto report = committee_->GetReport(report_request);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->shops_size(), 2);
  EXPECT_EQ(report->shops(1).shop(), 2u);
  EXPECT_EQ(report->shops(1).net(), 10);
  EXPECT_EQ(report->outstanding_held_by_shops(), 10u);
  EXPECT_EQ(report->shops(1).held_points(), 10u) << "what settling shop 2 now pays for";
  EXPECT_EQ(report->shops(0).held_points(), 0u);
}

TEST_F(BoardTest, RulesAreVersionedAndExpiryShowsInTheBalance) {
  auto rules = client_->ListRules(kVillage, 0);
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 6u) << "the demo's catalogue";
  domain::CatalogueRule hygiene = rules->front();
  hygiene.rule.points_per_unit = 12;
  hygiene.effective_from_ns = 0;        // from now
  hygiene.changed_by = "someone-else";  // ignored: the committee member who calls is named
  auto v2 = committee_->PutRule(hygiene);
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->rule.version, 2u);
  EXPECT_EQ(v2->changed_by, "committee-li");
  auto scored = grid_zhao_->RecordAward(Award(21, 3, 1, 1));  // household 3 is of grid 2
  ASSERT_TRUE(scored.ok()) << scored.status();
  EXPECT_EQ(scored->request.rule.version, 2u);
  EXPECT_EQ(scored->amount, 12u);
  auto unknown = grid_zhao_->RecordAward(Award(22, 3, 99, 1));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound) << unknown.status();

  auto before = client_->GetHousehold(kVillage, 1);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->points_balance(), 100u);
  EXPECT_EQ(before->expiring_size(), 0) << "no expiry in the village yet";
  auto set = client_->SetExpiryPolicy(kVillage, true, 0);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->enabled());
  auto after = client_->GetHousehold(kVillage, 1);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_GE(after->expiring_size(), 1);
  EXPECT_EQ(after->expiring(0).points(), 100u)
      << "a yearly reset: all it holds lapses at the next year end if nothing is spent";
  EXPECT_EQ(client_->SetExpiryPolicy(kVillage, true, 11).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace points::server

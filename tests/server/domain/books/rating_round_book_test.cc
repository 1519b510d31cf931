// Rating rounds against the real domain store, on a moved clock: the committee opens a round
// once (its subject checked), any open household of the village rates it once within the
// window; averages and the star counts are exact; a low-rated round is a follow-up until
// resolved; the board shows the month's rated matters and commends the best-rated.
#include "server/domain/books/rating_round_book.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/disclosure.h"
#include "server/domain/books/fund_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/shop_book.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 11;
constexpr VillageId kOtherVillage = 12;
constexpr int kCst = 8 * 3600;
constexpr uint64_t kHour = 3'600'000'000'000;

uint64_t Cst(int month, int day, int hour) {
  return static_cast<uint64_t>(absl::ToUnixNanos(
      absl::FromCivil(absl::CivilSecond(2027, month, day, hour, 0, 0), absl::FixedTimeZone(kCst))));
}

class RatingRoundBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(Cst(4, 20, 9));
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    households_ = std::make_unique<HouseholdBook>(engine_.get(), store_.get());
    for (VillageId v : {kVillage, kOtherVillage}) {
      for (uint64_t h = 1; h <= 5; ++h) {
        Household household;
        household.village = v;
        household.household = h;
        household.name = h == 1 ? "张小明" : "李家";
        ASSERT_TRUE(households_->PutHousehold(household).ok());
      }
    }
    book_ = std::make_unique<RatingRoundBook>(
        &clock_, store_.get(), households_.get(), [](const RoundRequest& q) -> absl::Status {
          if (q.subject == RoundSubject::kProject && q.subject_number != 1) {
            return absl::FailedPreconditionError("the project is not done");
          }
          return absl::OkStatus();
        });
  }

  RoundRequest Round(uint32_t round, uint64_t hours, PartyKind kind = PartyKind::kNone,
                     uint64_t party = 0) {
    RoundRequest q;
    q.village = kVillage;
    q.round = round;
    q.subject = RoundSubject::kProject;
    q.subject_number = 1;
    q.title = "村口路灯修缮";
    q.party_kind = kind;
    q.party = party;
    q.closes_at_ns = clock_.NowNanos() + hours * kHour;
    q.opened_by = "committee-li";
    return q;
  }

  absl::StatusOr<RoundRating> Rate(uint32_t round, uint64_t household, uint32_t stars,
                                   const std::string& comment = "", VillageId village = kVillage) {
    return book_->Rate({village, round, household, stars, comment, "household-app", 0});
  }

  TempDir dir_;
  ManualClock clock_{0};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<HouseholdBook> households_;
  std::unique_ptr<RatingRoundBook> book_;
};

TEST_F(RatingRoundBookTest, ARoundIsOpenedOnceAndItsSubjectChecked) {
  const RoundRequest q = Round(1, 24);
  auto opened = book_->OpenRound(q);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(RoundCode(kVillage, 1), "PR1:11:1");
  EXPECT_TRUE(book_->OpenRound(q).ok()) << "a resend";
  RoundRequest other = q;
  other.title = "别的事";
  EXPECT_EQ(book_->OpenRound(other).status().code(), absl::StatusCode::kAlreadyExists);
  RoundRequest undone = Round(2, 24);
  undone.subject_number = 5;
  EXPECT_EQ(book_->OpenRound(undone).status().code(), absl::StatusCode::kFailedPrecondition);
  RoundRequest bad = Round(3, 24);
  bad.title = std::string(kRoundTitleBytesMax + 1, 't');
  EXPECT_TRUE(absl::StartsWith(book_->OpenRound(bad).status().message(), "title:"));
  bad = Round(3, 0);
  EXPECT_TRUE(absl::StartsWith(book_->OpenRound(bad).status().message(), "closes_at:"));
  bad = Round(3, 24, PartyKind::kShop, 0);
  EXPECT_TRUE(absl::StartsWith(book_->OpenRound(bad).status().message(), "party:"));
  bad = Round(3, 24);
  bad.subject = RoundSubject::kTask;
  bad.subject_number = 0;
  EXPECT_TRUE(absl::StartsWith(book_->OpenRound(bad).status().message(), "subject_number:"));
}

TEST_F(RatingRoundBookTest, EveryHouseholdOfTheVillageRatesOnceWithinTheWindow) {
  ASSERT_TRUE(book_->OpenRound(Round(1, 2)).ok());
  ASSERT_TRUE(Rate(1, 1, 5).ok());
  EXPECT_TRUE(Rate(1, 1, 5).ok()) << "a resend is answered";
  EXPECT_EQ(Rate(1, 1, 4).status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Rate(1, 2, 4, "灯很亮").ok());
  ASSERT_TRUE(Rate(1, 3, 4).ok());
  EXPECT_EQ(Rate(1, 9, 5).status().code(), absl::StatusCode::kNotFound)
      << "not a household of the village";
  EXPECT_EQ(Rate(1, 1, 5, "", kOtherVillage).status().code(), absl::StatusCode::kNotFound)
      << "the round is village 11's, not village 12's";
  EXPECT_EQ(Rate(1, 4, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Rate(1, 4, 6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(
      Rate(1, 4, 3, std::string(kRatingCommentBytesMax + 1, 'c')).status().message(), "comment:"));
  auto round = book_->Get(kVillage, 1);
  ASSERT_TRUE(round.ok()) << round.status();
  EXPECT_EQ(round->ratings, 3u);
  EXPECT_EQ(round->average_milli, 4333u) << "13 / 3 stars, in thousandths";
  EXPECT_EQ(round->stars, (std::array<uint64_t, 5>{0, 0, 0, 2, 1}));
  clock_.Advance(2 * kHour);
  EXPECT_EQ(Rate(1, 4, 5).status().code(), absl::StatusCode::kFailedPrecondition)
      << "the window has closed";
  EXPECT_TRUE(Rate(1, 2, 4, "灯很亮").ok()) << "a resend of a rating made in time is answered";
}

TEST_F(RatingRoundBookTest, ALowRatedRoundIsAFollowUpUntilResolved) {
  ASSERT_TRUE(book_->OpenRound(Round(1, 24)).ok());
  ASSERT_TRUE(book_->OpenRound(Round(2, 24)).ok());
  ASSERT_TRUE(Rate(1, 1, 1, "又坏了 (broken again)").ok());
  ASSERT_TRUE(Rate(1, 2, 4).ok());
  ASSERT_TRUE(Rate(2, 1, 5).ok());
  auto work = book_->FollowUps(kVillage);
  ASSERT_TRUE(work.ok()) << work.status();
  ASSERT_EQ(work->size(), 1u);
  EXPECT_EQ((*work)[0].round.request.round, 1u);
  ASSERT_EQ((*work)[0].low.size(), 1u);
  EXPECT_EQ((*work)[0].low[0].comment, "又坏了 (broken again)");
  EXPECT_EQ(book_->Resolve(kVillage, 2, "无", "committee-li").status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "round 2 is not on the list";
  EXPECT_EQ(book_->Resolve(kVillage, 1, "", "committee-li").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto resolved =
      book_->Resolve(kVillage, 1, "已请电工复修 (the electrician came back)", "committee-li");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_TRUE(
      book_->Resolve(kVillage, 1, "已请电工复修 (the electrician came back)", "committee-li").ok())
      << "a resend";
  work = book_->FollowUps(kVillage);
  ASSERT_TRUE(work.ok());
  EXPECT_TRUE(work->empty());
}

TEST_F(RatingRoundBookTest, TheBoardShowsTheMonthsRatedMattersAndCommendsTheBestRated) {
  auto awards = AwardBook::Open(engine_.get(), &clock_, store_.get(), AwardPolicy());
  ASSERT_TRUE(awards.ok()) << awards.status();
  auto shops = ShopBook::Open(engine_.get(), &clock_, store_.get());
  ASSERT_TRUE(shops.ok()) << shops.status();
  ASSERT_TRUE((*shops)->CreateShop(kVillage, 2, "老李小卖部").ok());
  auto fund = FundBook::Open(engine_.get(), &clock_, store_.get());
  ASSERT_TRUE(fund.ok()) << fund.status();
  ASSERT_TRUE((*fund)
                  ->PutPartner({kVillage, 2, "清溪电工志愿服务队", PartnerKind::kSocialOrganisation,
                                "committee-li", 0})
                  .ok());
  Disclosure disclosure({engine_.get(), awards->get(), households_.get(), shops->get(), nullptr,
                         kCst, book_.get(), fund->get()});
  // Round 1 (the volunteers): 5, 5, 4 = 4.667, closes today. Round 2 (shop 2): 5, 5 = 5.000 but
  // only two ratings. Round 3 (household 1): 4, 3, 3 = 3.333. Round 4 closes next month.
  ASSERT_TRUE(book_->OpenRound(Round(1, 2, PartyKind::kOrganisation, 2)).ok());
  ASSERT_TRUE(book_->OpenRound(Round(2, 3, PartyKind::kShop, 2)).ok());
  ASSERT_TRUE(book_->OpenRound(Round(3, 4, PartyKind::kHousehold, 1)).ok());
  ASSERT_TRUE(book_->OpenRound(Round(4, 24 * 30)).ok());
  for (const auto& [round, stars] : std::vector<std::pair<uint32_t, std::vector<uint32_t>>>{
           {1, {5, 5, 4}}, {2, {5, 5}}, {3, {4, 3, 3}}}) {
    for (size_t i = 0; i < stars.size(); ++i) ASSERT_TRUE(Rate(round, i + 1, stars[i]).ok());
  }
  auto board = disclosure.GetBoard(kVillage, 202704, clock_.NowNanos(), false);
  ASSERT_TRUE(board.ok()) << board.status();
  ASSERT_EQ(board->rated.size(), 3u) << "round 4 closes in May";
  EXPECT_EQ(board->rated[0].round, 1u);
  EXPECT_EQ(board->rated[0].party_name, "清溪电工志愿服务队");
  EXPECT_FALSE(board->rated[0].closed);
  EXPECT_TRUE(board->commended.empty()) << "nothing is commended before its round closes";
  clock_.Advance(5 * kHour);
  board = disclosure.GetBoard(kVillage, 202704, clock_.NowNanos(), false);
  ASSERT_TRUE(board.ok()) << board.status();
  EXPECT_EQ(board->rated[1].party_name, "老李小卖部");
  EXPECT_EQ(board->rated[2].party_name, "张*明") << "a household's name is masked";
  ASSERT_EQ(board->commended.size(), 1u);
  EXPECT_EQ(board->commended[0],
            (Commendation{PartyKind::kOrganisation, 2, "清溪电工志愿服务队", 1, 3, 4667}));
}

}  // namespace
}  // namespace points::domain

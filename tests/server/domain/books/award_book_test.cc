// The award workflow against the real engine and a real domain store, with a clock the test
// moves: record -> review -> notice -> posted by PostDue; objections, decisions, refusals by the
// ledger's budget and caps, idempotent steps, repair after a crash and reopening.
#include "server/domain/books/award_book.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/values/ids.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 3;
constexpr Id kAward = 0xa1;
// 2026-11-22 10:00 in China Standard Time.
const uint64_t kStartNs = static_cast<uint64_t>(absl::ToUnixNanos(
    absl::FromCivil(absl::CivilSecond(2026, 11, 22, 10, 0, 0), absl::FixedTimeZone(8 * 3600))));
constexpr uint32_t kMonth = 202611;

RuleVersion Hygiene(uint64_t points = 10) {
  RuleVersion rule;
  rule.rule = 1;
  rule.version = 2;
  rule.code = kCodeHygiene;
  rule.points_per_unit = points;
  return rule;
}

AwardRequest Request(Id award, uint64_t household, RuleVersion rule = Hygiene()) {
  AwardRequest r;
  r.award = award;
  r.village = kVillage;
  r.household = household;
  r.rule = rule;
  r.evidence = {"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"};
  r.note = "院落整洁";  // yard kept clean
  r.recorded_by = "grid-wang";
  return r;
}

class AwardBookTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenAll(); }

  void OpenAll(AwardPolicy policy = AwardPolicy()) {
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    auto book = AwardBook::Open(engine_.get(), &clock_, store_.get(), policy);
    ASSERT_TRUE(book.ok()) << book.status();
    book_ = *std::move(book);
    ASSERT_TRUE(book_->SetUpVillage(kVillage).ok());
    for (uint64_t h = 1; h <= 3; ++h) ASSERT_TRUE(book_->SetUpHousehold(kVillage, h).ok());
  }

  void CloseAll() {
    book_.reset();
    store_.reset();
    engine_.reset();
  }

  Account Household(uint64_t h) {
    auto found = engine_->LookupAccounts({ids::Household(kVillage, h)});
    EXPECT_TRUE(found.ok() && found->size() == 1);
    return found.ok() && found->size() == 1 ? (*found)[0] : Account();
  }

  Account Budget() {
    auto found = engine_->LookupAccounts({ids::Budget(kVillage, kMonth)});
    EXPECT_TRUE(found.ok() && found->size() == 1);
    return found.ok() && found->size() == 1 ? (*found)[0] : Account();
  }

  // Records and approves: the award goes on notice.
  Award OnNotice(Id award, uint64_t household, RuleVersion rule = Hygiene()) {
    auto recorded = book_->Record(Request(award, household, rule));
    EXPECT_TRUE(recorded.ok()) << recorded.status();
    auto approved = book_->Approve(kVillage, award, "committee-li");
    EXPECT_TRUE(approved.ok()) << approved.status();
    return approved.ok() ? *approved : Award();
  }

  TempDir dir_;
  ManualClock clock_{kStartNs};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<AwardBook> book_;
};

TEST_F(AwardBookTest, RecordedReviewedOnNoticeThenPostedByTheTimerWhenTheWindowEnds) {
  auto recorded = book_->Record(Request(kAward, 1));
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->state, AwardState::kAwaitingReview);
  EXPECT_EQ(recorded->amount, 10u);
  EXPECT_EQ(Household(1).credits_pending, 0u) << "no points move before review";

  auto own = book_->Approve(kVillage, kAward, "grid-wang");
  EXPECT_EQ(own.status().code(), absl::StatusCode::kPermissionDenied) << own.status();
  auto approved = book_->Approve(kVillage, kAward, "committee-li");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->state, AwardState::kOnNotice);
  EXPECT_EQ(approved->notice_ends_at_ns, kStartNs + 3 * kNanosPerDay);
  EXPECT_EQ(Household(1).credits_pending, 10u);
  EXPECT_EQ(Household(1).credits_posted, 0u);

  clock_.Advance(3 * kNanosPerDay - 1);
  EXPECT_EQ(*book_->PostDue(), 0u) << "one nanosecond before the window ends";
  clock_.Advance(1);
  EXPECT_EQ(*book_->PostDue(), 1u);
  EXPECT_EQ(*book_->PostDue(), 0u);
  EXPECT_EQ(book_->Get(kVillage, kAward)->state, AwardState::kPosted);
  EXPECT_EQ(Household(1).credits_pending, 0u);
  EXPECT_EQ(Household(1).credits_posted, 10u);
  // The award keeps the version of the rule it was scored by, and who did what.
  const Award posted = *book_->Get(kVillage, kAward);
  EXPECT_EQ(posted.request.rule.version, 2u);
  EXPECT_EQ(posted.reviewed_by, "committee-li");
  EXPECT_EQ(posted.request.note, "院落整洁");
}

TEST_F(AwardBookTest, AnObjectionHoldsTheAwardPastItsWindowUntilTheCommitteeDecides) {
  ASSERT_TRUE(book_->SetBudget(kVillage, kMonth, 100).ok());
  OnNotice(kAward, 1);
  OnNotice(kAward + 1, 2);
  auto held = book_->Object(kVillage, kAward, "villager-zhao", "the yard was not checked");
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->state, AwardState::kHeld);
  clock_.Advance(4 * kNanosPerDay);
  EXPECT_EQ(*book_->PostDue(), 1u) << "only the award nobody objected to";
  EXPECT_EQ(Household(1).credits_pending, 10u) << "held, still pending";
  auto late = book_->Object(kVillage, kAward + 1, "villager-zhao", "too late");
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition) << late.status();

  auto voided = book_->Decide(kVillage, kAward, /*keep=*/false, "committee-li");
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_EQ(voided->state, AwardState::kVoided);
  EXPECT_EQ(Household(1).credits_pending, 0u);
  EXPECT_EQ(Household(1).credits_posted, 0u);
  EXPECT_EQ(Budget().debits_pending, 0u) << "the budget is given back";
  EXPECT_EQ(Budget().debits_posted, 10u) << "the other award's";
}

TEST_F(AwardBookTest, KeptAfterItsWindowTheAwardPostsAtOnce) {
  OnNotice(kAward, 1);
  ASSERT_TRUE(book_->Object(kVillage, kAward, "villager-zhao", "seen it dirty").ok());
  clock_.Advance(5 * kNanosPerDay);
  auto kept = book_->Decide(kVillage, kAward, /*keep=*/true, "committee-li");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->state, AwardState::kPosted);
  EXPECT_EQ(kept->objection, "seen it dirty");
  EXPECT_EQ(Household(1).credits_posted, 10u);
}

TEST_F(AwardBookTest, TheLedgersLimitsRefuseOverBudgetAndOverCapAwardsWithAReason) {
  ASSERT_TRUE(book_->SetBudget(kVillage, kMonth, 25).ok());
  EXPECT_EQ(book_->SetBudget(kVillage, kMonth, 30).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(book_->SetBudget(kVillage, kMonth, 25).ok()) << "the same budget again is fine";
  RuleVersion capped = Hygiene();
  capped.cap_per_day = 10;
  EXPECT_EQ(OnNotice(1, 1, capped).state, AwardState::kOnNotice);
  const Award over_cap = OnNotice(2, 1, capped);
  EXPECT_EQ(over_cap.state, AwardState::kRefused);
  EXPECT_NE(over_cap.refusal.find("cap per day (10 points) is reached"), std::string::npos)
      << over_cap.refusal;
  EXPECT_EQ(OnNotice(3, 2).state, AwardState::kOnNotice);
  const Award over_budget = OnNotice(4, 3);  // 10 + 10 + 10 > 25
  EXPECT_EQ(over_budget.state, AwardState::kRefused);
  EXPECT_NE(over_budget.refusal.find("issuance budget is used up"), std::string::npos)
      << over_budget.refusal;
  EXPECT_EQ(Household(3).credits_pending, 0u);
  // The next day the cap starts afresh (the budget is per month: 5 points are left).
  clock_.Advance(kNanosPerDay);
  capped.points_per_unit = 5;
  EXPECT_EQ(OnNotice(5, 1, capped).state, AwardState::kOnNotice);
}

TEST_F(AwardBookTest, StepsAreIdempotentAndAReusedIdWithOtherFieldsIsRefused) {
  OnNotice(kAward, 1);
  auto again = book_->Record(Request(kAward, 1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state, AwardState::kOnNotice);
  EXPECT_TRUE(book_->Approve(kVillage, kAward, "committee-li").ok()) << "a resent approval";
  EXPECT_EQ(Household(1).credits_pending, 10u) << "nothing twice";
  auto other = book_->Record(Request(kAward, 2));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists) << other.status();
}

TEST_F(AwardBookTest, BelowTheReviewThresholdRecordingPutsTheAwardOnNotice) {
  CloseAll();
  AwardPolicy policy;
  policy.review_threshold_points = 10;
  OpenAll(policy);
  auto small = book_->Record(Request(1, 1));
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->state, AwardState::kOnNotice);
  auto large = book_->Record(Request(2, 1, Hygiene(11)));
  ASSERT_TRUE(large.ok()) << large.status();
  EXPECT_EQ(large->state, AwardState::kAwaitingReview);
}

// A round answers each line as Record would, across more than one slice: new awards wait for
// review or go on notice by the threshold, an id repeated in the round is answered as the
// resend it is, a bad line is refused alone, and the round sent again records nothing twice.
TEST_F(AwardBookTest, ARoundRecordsEachLineAsRecordWouldAndNothingTwice) {
  CloseAll();
  AwardPolicy policy;
  policy.review_threshold_points = 10;
  OpenAll(policy);
  std::vector<AwardRequest> round;
  const size_t lines = kRoundSliceAwards * 2 + 5;
  for (size_t i = 0; i < lines; ++i) {
    // Every third line is worth 11 points: over the threshold, it waits for review.
    round.push_back(Request(1000 + i, 1 + i % 3, Hygiene(i % 3 == 0 ? 11 : 1)));
  }
  round[7] = round[3];           // a resend of line 3 within its slice
  round[9] = Request(1009, 99);  // no such household
  round[11] = Request(1003, 2);  // line 3's id with other fields
  std::vector<absl::StatusOr<Award>> first = book_->RecordRound(round);
  ASSERT_EQ(first.size(), lines);
  uint64_t on_notice_points = 0;
  for (size_t i = 0; i < lines; ++i) {
    SCOPED_TRACE(i);
    if (i == 9) {
      EXPECT_EQ(first[i].status().code(), absl::StatusCode::kFailedPrecondition)
          << first[i].status();
      continue;
    }
    if (i == 11) {
      EXPECT_EQ(first[i].status().code(), absl::StatusCode::kAlreadyExists) << first[i].status();
      continue;
    }
    ASSERT_TRUE(first[i].ok()) << first[i].status();
    EXPECT_EQ(first[i]->request.award, round[i].award);
    const bool reviewed = round[i].rule.points_per_unit > 10;
    EXPECT_EQ(first[i]->state, reviewed ? AwardState::kAwaitingReview : AwardState::kOnNotice);
    auto stored = book_->Get(kVillage, round[i].award);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->state, first[i]->state);
    if (i != 7 && !reviewed && round[i].household == 1) on_notice_points += 1;
  }
  EXPECT_EQ(Household(1).credits_pending, on_notice_points);

  std::vector<absl::StatusOr<Award>> again = book_->RecordRound(round);
  for (size_t i = 0; i < lines; ++i) {
    ASSERT_EQ(again[i].ok(), first[i].ok()) << i;
    if (again[i].ok()) {
      EXPECT_EQ(again[i]->state, first[i]->state) << i;
    }
  }
  EXPECT_EQ(Household(1).credits_pending, on_notice_points) << "nothing twice";
}

TEST_F(AwardBookTest, DeductionsTakeTheSamePathAndNeverDriveAHouseholdNegative) {
  OnNotice(1, 1);
  clock_.Advance(3 * kNanosPerDay);
  ASSERT_EQ(*book_->PostDue(), 1u);
  RuleVersion deduction = Hygiene(11);
  deduction.code = kCodeDeduction;
  const Award too_large = OnNotice(2, 1, deduction);
  EXPECT_EQ(too_large.state, AwardState::kRefused);
  EXPECT_NE(too_large.refusal.find("larger than the household's balance"), std::string::npos)
      << too_large.refusal;
  deduction.points_per_unit = 4;
  EXPECT_EQ(OnNotice(3, 1, deduction).state, AwardState::kOnNotice);
  clock_.Advance(3 * kNanosPerDay);
  ASSERT_EQ(*book_->PostDue(), 1u);
  EXPECT_EQ(Household(1).credits_posted - Household(1).debits_posted, 6u);
}

TEST_F(AwardBookTest, ReopeningRebuildsTheNoticeBoardAndResumeRepairsAnInterruptedApproval) {
  OnNotice(1, 1);
  // A crash right after an approval was saved, before its chain reached the ledger.
  Award interrupted;
  interrupted.request = Request(2, 2);
  interrupted.amount = 10;
  interrupted.state = AwardState::kApproving;
  interrupted.recorded_at_ns = kStartNs;
  interrupted.reviewed_by = "committee-li";
  ASSERT_TRUE(store_
                  ->Put(std::string("a/") + std::string("\0\0\0\3", 4) + std::string(15, '\0') +
                            std::string(1, '\2'),
                        EncodeAward(interrupted))
                  .ok());
  CloseAll();
  OpenAll();
  // Opening only counts it: nothing is sent until Resume.
  EXPECT_EQ(book_->interrupted(), 1u);
  EXPECT_EQ(book_->Get(kVillage, 2)->state, AwardState::kApproving);
  EXPECT_EQ(Household(2).credits_pending, 0u);
  const ResumeReport report = book_->Resume();
  EXPECT_EQ(report.resumed, 1u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(book_->interrupted(), 0u);
  EXPECT_EQ(book_->Resume().resumed, 0u) << "resumed once";
  auto repaired = book_->Get(kVillage, 2);
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_EQ(repaired->state, AwardState::kOnNotice);
  EXPECT_EQ(Household(2).credits_pending, 10u);
  clock_.Advance(3 * kNanosPerDay);
  EXPECT_EQ(*book_->PostDue(), 2u) << "both, the one from before the reopen included";
  EXPECT_EQ(Household(1).credits_posted, 10u);
  EXPECT_EQ(Household(2).credits_posted, 10u);
}

TEST_F(AwardBookTest, AwardsBeforeTheirAccountsExistAreRefusedWithoutSpoilingTheIds) {
  constexpr VillageId kNewVillage = 9;
  AwardRequest early = Request(7, 1);
  early.village = kNewVillage;
  early.rule.cap_per_day = 50;
  auto refused = book_->Record(early);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_NE(refused.status().message().find("create the village first"), std::string::npos);
  EXPECT_EQ(book_->SetBudget(kNewVillage, kMonth, 100).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(book_->SetUpVillage(kNewVillage).ok());
  auto no_household = book_->Record(early);
  EXPECT_NE(no_household.status().message().find("has no account"), std::string::npos)
      << no_household.status();
  // Once set up, the same award id, budget and cap all work: nothing was recorded as failed.
  ASSERT_TRUE(book_->SetUpHousehold(kNewVillage, 1).ok());
  ASSERT_TRUE(book_->SetBudget(kNewVillage, kMonth, 100).ok());
  ASSERT_TRUE(book_->Record(early).ok());
  auto approved = book_->Approve(kNewVillage, 7, "committee-li");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->state, AwardState::kOnNotice);
}

TEST_F(AwardBookTest, ADecisionResentAfterALostAnswerReturnsTheDecidedAward) {
  OnNotice(kAward, 1);
  ASSERT_TRUE(book_->Object(kVillage, kAward, "villager-zhao", "not checked").ok());
  ASSERT_EQ(book_->Decide(kVillage, kAward, false, "committee-li")->state, AwardState::kVoided);
  auto resent = book_->Decide(kVillage, kAward, false, "committee-li");
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(resent->state, AwardState::kVoided);
  EXPECT_EQ(book_->Decide(kVillage, kAward, true, "committee-li").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(AwardBookTest, AVoidThatCommittedBeforeACrashIsRecognisedWhenTheAwardIsKept) {
  const Award award = OnNotice(kAward, 1);
  ASSERT_TRUE(book_->Object(kVillage, kAward, "villager-zhao", "not checked").ok());
  // The void chain reached the ledger, then the process died before saving "voided".
  auto voided = engine_->CreateTransfers(VoidChain(LedgerSpecOf(award)));
  ASSERT_TRUE(voided.ok());
  clock_.Advance(4 * kNanosPerDay);
  auto kept = book_->Decide(kVillage, kAward, true, "committee-li");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->state, AwardState::kVoided);
  EXPECT_EQ(Household(1).credits_posted, 0u);
  EXPECT_EQ(*book_->PostDue(), 0u);
}

TEST(AwardTest, AmountIsCheckedForOverflowAndLimitsNameTheField) {
  AwardRequest r = Request(1, 1, Hygiene(uint64_t{1} << 62));
  r.quantity = uint64_t{1} << 62;  // 2^124 points before the bounds: would overflow 64 bits
  auto amount = AwardAmount(r);
  EXPECT_EQ(amount.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(amount.status().message().find("rule.points_per_unit"), std::string::npos)
      << amount.status();
  r = Request(1, 1, Hygiene(kAwardPointsMax));
  r.quantity = kAwardPointsMax;
  r.rule.difficulty_percent = 10'000;  // every factor at its bound: 10^14 points, no wrap
  amount = AwardAmount(r);
  EXPECT_NE(amount.status().message().find("one award is at most 1000000"), std::string::npos)
      << amount.status();
  r = Request(1, 1, Hygiene(3));
  r.quantity = 5;
  r.rule.difficulty_percent = 150;
  EXPECT_EQ(*AwardAmount(r), 22u) << "3 x 5 x 1.5, rounded down";
  r.evidence.assign(kEvidenceRefsMax + 1, "x");
  EXPECT_NE(AwardAmount(r).status().message().find("evidence"), std::string::npos);
  r = Request(1, 1);
  r.recorded_by = "";
  EXPECT_NE(AwardAmount(r).status().message().find("recorded_by"), std::string::npos);
}

TEST(AwardTest, RecordsRoundTripAndTruncatedBytesAreDataLoss) {
  Award a;
  a.request = Request(77, 5);
  a.amount = 10;
  a.state = AwardState::kHeld;
  a.caps = {{CapWindow::kDay, 20261122, 10}, {CapWindow::kYear, 2026, 500}};
  a.objection = "有异议";
  const std::string bytes = EncodeAward(a);
  auto decoded = DecodeAward(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, a);
  for (size_t cut : {size_t{0}, size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_EQ(DecodeAward(bytes.substr(0, cut)).status().code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_EQ(DecodeAward(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
}

// The lock rule (workflow.h): a step holds its own award's lock, not the book's, across the
// ledger and the store. So while one village's award is in the middle of a step, another
// village's award records at once; a resend of the same award waits and then finds it.
TEST_F(AwardBookTest, AnAwardInTheMiddleOfAStepHoldsUpOnlyItselfNotAnotherVillage) {
  constexpr VillageId kOther = kVillage + 1;
  StallingClock stalling(&clock_);
  auto opened = AwardBook::Open(engine_.get(), &stalling, store_.get(), AwardPolicy());
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<AwardBook> book = *std::move(opened);
  ASSERT_TRUE(book->SetUpVillage(kOther).ok());
  ASSERT_TRUE(book->SetUpHousehold(kOther, 1).ok());

  const WhileHeld seen = HoldAStep(
      stalling, [&] { EXPECT_TRUE(book->Record(Request(kAward, 1)).ok()); },
      [&] {
        AwardRequest request = Request(kAward + 1, 1);
        request.village = kOther;
        auto recorded = book->Record(request);
        EXPECT_TRUE(recorded.ok()) << recorded.status();
      },
      [&] {
        auto again = book->Record(Request(kAward, 1));
        EXPECT_TRUE(again.ok()) << again.status();
        if (again.ok()) {
          EXPECT_EQ(again->state, AwardState::kAwaitingReview);
        }
      });
  EXPECT_TRUE(seen.other_went_on) << "another village's award waited for this village's step";
  EXPECT_TRUE(seen.resend_waited)
      << "a resend of the same award did not wait for its first attempt";
  auto listed = book->List(kVillage, AwardState::kAwaitingReview);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u) << "the resend recorded the award twice";
}

}  // namespace
}  // namespace points::domain

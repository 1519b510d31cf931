// Tasks against the real engine, a real domain store, the rule catalogue and the award workflow,
// with a clock the test moves: post -> claim -> complete -> verify -> award on notice -> posted;
// refusals (double claim, no slot left, after the deadline, rules that are not task rules); the
// slots floor under concurrent claims; the lapse at the deadline, once; repair at open.
#include "server/domain/books/task_book.h"

#include <cstdint>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/rule_book.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/shop_layout.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 5;
constexpr uint32_t kTaskRule = 20;
constexpr uint32_t kHygieneRule = 1;
constexpr uint32_t kTask = 7;
constexpr uint64_t kHouseholds = 8;
// 2026-11-22 10:00 in China Standard Time.
const uint64_t kStartNs = static_cast<uint64_t>(absl::ToUnixNanos(
    absl::FromCivil(absl::CivilSecond(2026, 11, 22, 10, 0, 0), absl::FixedTimeZone(8 * 3600))));
const uint64_t kDeadlineNs = kStartNs + 7 * kNanosPerDay;

Claimant HouseholdNo(uint64_t h) { return Claimant{ClaimantKind::kHousehold, h}; }

TaskRequest Sweeping(uint32_t slots = 3, uint32_t task = kTask) {
  TaskRequest r;
  r.village = kVillage;
  r.task = task;
  r.title = "清扫村道";  // sweep the village road
  r.rule = kTaskRule;
  r.units = 4;
  r.slots = slots;
  r.deadline_ns = kDeadlineNs;
  r.posted_by = "committee-li";
  return r;
}

ClaimRequest ClaimBy(Claimant claimant, Id claim, uint32_t task = kTask) {
  ClaimRequest r;
  r.village = kVillage;
  r.task = task;
  r.claim = claim;
  r.claimant = claimant;
  r.by = "resident";
  return r;
}

const std::vector<std::string> kEvidence = {
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"};

class TaskBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenAll();
    CatalogueRule task_rule;
    task_rule.village = kVillage;
    task_rule.rule.rule = kTaskRule;
    task_rule.rule.code = kCodeTask;
    task_rule.rule.points_per_unit = 5;
    task_rule.rule.difficulty_percent = 150;  // 5 x 4 units x 1.5 = 30 points a claim
    task_rule.name = "公益劳动";              // community work
    task_rule.changed_by = "committee-li";
    ASSERT_TRUE(rules_->PutRule(task_rule).ok());
    CatalogueRule hygiene = task_rule;
    hygiene.rule.rule = kHygieneRule;
    hygiene.rule.code = kCodeHygiene;
    hygiene.name = "庭院卫生评比";
    ASSERT_TRUE(rules_->PutRule(hygiene).ok());
    ASSERT_TRUE(awards_->SetUpVillage(kVillage).ok());
    for (uint64_t h = 1; h <= kHouseholds; ++h) {
      ASSERT_TRUE(awards_->SetUpHousehold(kVillage, h).ok());
    }
  }

  void OpenAll() {
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    rules_ = std::make_unique<RuleBook>(&clock_, store_.get());
    AwardPolicy policy;
    policy.review_threshold_points = 1000;  // a task's award goes on notice at once
    auto awards = AwardBook::Open(engine_.get(), &clock_, store_.get(), policy, rules_.get());
    ASSERT_TRUE(awards.ok()) << awards.status();
    awards_ = *std::move(awards);
    OpenTasks();
  }

  void OpenTasks() {
    tasks_.reset();
    auto tasks = TaskBook::Open(engine_.get(), &clock_, store_.get(), awards_.get(), rules_.get());
    ASSERT_TRUE(tasks.ok()) << tasks.status();
    tasks_ = *std::move(tasks);
  }

  void CloseAll() {
    tasks_.reset();
    awards_.reset();
    rules_.reset();
    store_.reset();
    engine_.reset();
  }

  Account Lookup(Id id) {
    auto found = engine_->LookupAccounts({id});
    EXPECT_TRUE(found.ok() && found->size() == 1);
    return found.ok() && found->size() == 1 ? (*found)[0] : Account();
  }
  Account Slots(uint32_t task = kTask) { return Lookup(ids::TaskSlots(kVillage, task)); }
  Account HouseholdAccountOf(uint64_t h) { return Lookup(ids::Household(kVillage, h)); }

  std::vector<Transfer> SlotTransfers(uint32_t task = kTask) {
    HistoryFilter filter;
    filter.account_id = ids::TaskSlots(kVillage, task);
    filter.limit = 100;
    auto found = engine_->GetAccountTransfers(filter);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *found : std::vector<Transfer>();
  }

  // Claims and completes: the claim is ready to verify.
  void Completed(Claimant claimant, Id claim) {
    auto claimed = tasks_->Claim(ClaimBy(claimant, claim));
    ASSERT_TRUE(claimed.ok()) << claimed.status();
    auto done = tasks_->Complete(kVillage, kTask, claimant, kEvidence, "扫了两遍", "resident");
    ASSERT_TRUE(done.ok()) << done.status();
  }

  TempDir dir_;
  ManualClock clock_{kStartNs};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<RuleBook> rules_;
  std::unique_ptr<AwardBook> awards_;
  std::unique_ptr<TaskBook> tasks_;
};

TEST_F(TaskBookTest, PostClaimCompleteVerifyThenTheAwardPostsAfterItsNotice) {
  auto posted = tasks_->Post(Sweeping());
  ASSERT_TRUE(posted.ok()) << posted.status();
  EXPECT_EQ(posted->state, TaskState::kOpen);
  EXPECT_EQ(posted->rule_version, 1u);
  EXPECT_EQ(posted->points_per_claim, 30u);
  EXPECT_EQ(posted->posted_at_ns, kStartNs);
  EXPECT_EQ(Slots().credits_posted, 3u);
  EXPECT_EQ(Slots().flags, kAccountDebitsMustNotExceedCredits);

  auto claimed = tasks_->Claim(ClaimBy(HouseholdNo(1), 0xc1));
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_EQ(claimed->state, ClaimState::kClaimed);
  EXPECT_EQ(Slots().debits_posted, 1u);
  auto early = tasks_->Verify(kVillage, kTask, HouseholdNo(1), "committee-zhang");
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition) << early.status();

  auto done = tasks_->Complete(kVillage, kTask, HouseholdNo(1), kEvidence, "扫了两遍", "resident");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, ClaimState::kCompleted);
  EXPECT_EQ(done->completed_at_ns, kStartNs);
  auto resent =
      tasks_->Complete(kVillage, kTask, HouseholdNo(1), kEvidence, "扫了两遍", "resident");
  ASSERT_TRUE(resent.ok()) << resent.status();
  auto other = tasks_->Complete(kVillage, kTask, HouseholdNo(1), {"sha256:other"}, "", "resident");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists) << other.status();

  auto verified = tasks_->Verify(kVillage, kTask, HouseholdNo(1), "committee-zhang");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->state, ClaimState::kVerified);
  EXPECT_EQ(verified->award, ids::TaskAward(kVillage, kTask, 0xc1));
  EXPECT_EQ(verified->rule.rule, kTaskRule);
  EXPECT_EQ(verified->rule.version, 1u);

  auto award = awards_->Get(kVillage, verified->award);
  ASSERT_TRUE(award.ok()) << award.status();
  EXPECT_EQ(award->state, AwardState::kOnNotice);
  EXPECT_EQ(award->amount, 30u);
  EXPECT_EQ(award->request.household, 1u);
  EXPECT_EQ(award->request.rule.rule, kTaskRule);
  EXPECT_EQ(award->request.rule.code, kCodeTask);
  EXPECT_EQ(award->request.quantity, 4u);
  EXPECT_EQ(award->request.evidence, kEvidence);
  EXPECT_EQ(award->request.note, "清扫村道");
  EXPECT_EQ(award->request.recorded_by, "committee-zhang");
  EXPECT_EQ(HouseholdAccountOf(1).credits_pending, 30u);
  EXPECT_EQ(HouseholdAccountOf(1).credits_posted, 0u);

  auto again = tasks_->Verify(kVillage, kTask, HouseholdNo(1), "committee-zhang");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *verified) << "a resend is the same verification";
  auto someone_else = tasks_->Verify(kVillage, kTask, HouseholdNo(1), "committee-wu");
  EXPECT_EQ(someone_else.status().code(), absl::StatusCode::kFailedPrecondition);

  clock_.Advance(3 * kNanosPerDay);
  auto posted_awards = awards_->PostDue();
  ASSERT_TRUE(posted_awards.ok()) << posted_awards.status();
  EXPECT_EQ(*posted_awards, 1u);
  EXPECT_EQ(HouseholdAccountOf(1).credits_pending, 0u);
  EXPECT_EQ(HouseholdAccountOf(1).credits_posted, 30u);
  EXPECT_EQ(HouseholdAccountOf(1).debits_posted, 0u);

  auto task = tasks_->Get(kVillage, kTask);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(
      task->counts,
      (TaskCounts{.slots_left = 2, .claimed = 1, .completed = 1, .verified = 1, .lapsed = 0}));
  auto listed = tasks_->List(kVillage);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0], *task);
}

TEST_F(TaskBookTest, PostingNeedsATaskRuleAFutureDeadlineAndIsIdempotentByNumber) {
  TaskRequest unknown_rule = Sweeping();
  unknown_rule.rule = 99;
  auto unknown = tasks_->Post(unknown_rule);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition) << unknown.status();
  TaskRequest hygiene = Sweeping();
  hygiene.rule = kHygieneRule;
  auto not_task = tasks_->Post(hygiene);
  EXPECT_EQ(not_task.status().code(), absl::StatusCode::kFailedPrecondition) << not_task.status();
  EXPECT_NE(not_task.status().message().find("not a task rule"), std::string::npos)
      << not_task.status();
  TaskRequest past = Sweeping();
  past.deadline_ns = kStartNs;
  EXPECT_EQ(tasks_->Post(past).status().code(), absl::StatusCode::kInvalidArgument);
  TaskRequest too_big = Sweeping();
  too_big.units = 1'000'000;  // 5 x 10^6 x 1.5 points
  EXPECT_EQ(tasks_->Post(too_big).status().code(), absl::StatusCode::kInvalidArgument);
  TaskRequest no_title = Sweeping();
  no_title.title.clear();
  EXPECT_EQ(tasks_->Post(no_title).status().code(), absl::StatusCode::kInvalidArgument);
  TaskRequest no_slots = Sweeping(0);
  EXPECT_EQ(tasks_->Post(no_slots).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tasks_->Post(Sweeping(kTaskSlotsMax + 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto none = tasks_->List(kVillage);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "nothing refused was stored";

  auto first = tasks_->Post(Sweeping());
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(kNanosPerDay);
  auto again = tasks_->Post(Sweeping());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(Slots().credits_posted, 3u) << "funded once";
  auto different = tasks_->Post(Sweeping(4));
  EXPECT_EQ(different.status().code(), absl::StatusCode::kAlreadyExists) << different.status();
}

TEST_F(TaskBookTest, ADoubleClaimIsRefusedWhileAResendOfTheSameClaimIdIsFine) {
  ASSERT_TRUE(tasks_->Post(Sweeping()).ok());
  auto first = tasks_->Claim(ClaimBy(HouseholdNo(3), 0xa));
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(1000);
  auto resent = tasks_->Claim(ClaimBy(HouseholdNo(3), 0xa));
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(*resent, *first);
  auto twice = tasks_->Claim(ClaimBy(HouseholdNo(3), 0xb));
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kAlreadyExists) << twice.status();
  EXPECT_EQ(twice.status().message(), "household 3 already holds a slot of task 7");
  auto reused = tasks_->Claim(ClaimBy(HouseholdNo(4), 0xa));
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists) << reused.status();
  EXPECT_EQ(Slots().debits_posted, 1u) << "one slot taken, whatever was resent";
  auto claims = tasks_->Claims(kVillage, kTask);
  ASSERT_TRUE(claims.ok());
  ASSERT_EQ(claims->size(), 1u);
  EXPECT_EQ((*claims)[0].request.claim, Id{0xa});

  auto no_account = tasks_->Claim(ClaimBy(HouseholdNo(99), 0xc));
  EXPECT_EQ(no_account.status().code(), absl::StatusCode::kFailedPrecondition)
      << no_account.status();
  auto no_task = tasks_->Claim(ClaimBy(HouseholdNo(1), 0xd, kTask + 1));
  EXPECT_EQ(no_task.status().code(), absl::StatusCode::kNotFound) << no_task.status();
  EXPECT_EQ(Slots().debits_posted, 1u);
}

TEST_F(TaskBookTest, EightClaimantsRaceForTwoSlotsAndTheLedgersFloorLetsExactlyTwoThrough) {
  ASSERT_TRUE(tasks_->Post(Sweeping(2)).ok());
  std::vector<absl::StatusOr<TaskClaim>> results(kHouseholds, absl::UnknownError("not run"));
  std::latch start(kHouseholds);
  std::vector<std::thread> threads;
  for (uint64_t h = 1; h <= kHouseholds; ++h) {
    threads.emplace_back([&, h] {
      start.arrive_and_wait();
      results[h - 1] = tasks_->Claim(ClaimBy(HouseholdNo(h), 0x100 + h));
    });
  }
  for (std::thread& t : threads) t.join();
  int won = 0;
  int refused = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++won;
      EXPECT_EQ(r->state, ClaimState::kClaimed);
    } else {
      ++refused;
      EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
      EXPECT_NE(r.status().message().find("no slot left"), std::string::npos) << r.status();
    }
  }
  EXPECT_EQ(won, 2);
  EXPECT_EQ(refused, 6);
  EXPECT_EQ(Slots().credits_posted, 2u);
  EXPECT_EQ(Slots().debits_posted, 2u);
  EXPECT_EQ(Slots().debits_pending, 0u);
  auto task = tasks_->Get(kVillage, kTask);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->counts.slots_left, 0u);
  EXPECT_EQ(task->counts.claimed, 2u);
  // A refused claim resent gets the same answer; the ledger has no slot to give it.
  for (uint64_t h = 1; h <= kHouseholds; ++h) {
    if (results[h - 1].ok()) continue;
    auto again = tasks_->Claim(ClaimBy(HouseholdNo(h), 0x100 + h));
    EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition) << again.status();
  }
  EXPECT_EQ(Slots().debits_posted, 2u);
}

TEST_F(TaskBookTest, ClaimsAndCompletionsAtOrAfterTheDeadlineAreRefused) {
  ASSERT_TRUE(tasks_->Post(Sweeping()).ok());
  ASSERT_TRUE(tasks_->Claim(ClaimBy(HouseholdNo(1), 0x1)).ok());
  clock_.Set(kDeadlineNs - 1);
  ASSERT_TRUE(tasks_->Claim(ClaimBy(HouseholdNo(2), 0x2)).ok()) << "a nanosecond before";
  clock_.Set(kDeadlineNs);
  auto late = tasks_->Claim(ClaimBy(HouseholdNo(3), 0x3));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition) << late.status();
  EXPECT_NE(late.status().message().find("deadline"), std::string::npos) << late.status();
  auto late_done = tasks_->Complete(kVillage, kTask, HouseholdNo(1), kEvidence, "", "resident");
  EXPECT_EQ(late_done.status().code(), absl::StatusCode::kFailedPrecondition) << late_done.status();
  EXPECT_EQ(Slots().debits_posted, 2u);
}

TEST_F(TaskBookTest, LapseDueLapsesUnclaimedSlotsAndUncompletedClaimsOnceAndForAll) {
  ASSERT_TRUE(tasks_->Post(Sweeping(5)).ok());
  Completed(HouseholdNo(1), 0x1);
  ASSERT_TRUE(tasks_->Claim(ClaimBy(HouseholdNo(2), 0x2)).ok());
  auto early = tasks_->LapseDue();
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(*early, 0u) << "before the deadline";

  clock_.Set(kDeadlineNs);
  auto closed = tasks_->LapseDue();
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(*closed, 1u);
  auto task = tasks_->Get(kVillage, kTask);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->state, TaskState::kClosed);
  EXPECT_EQ(task->lapsed_slots, 3u);
  EXPECT_EQ(task->closed_at_ns, kDeadlineNs);
  EXPECT_EQ(
      task->counts,
      (TaskCounts{.slots_left = 0, .claimed = 2, .completed = 1, .verified = 0, .lapsed = 1}));
  EXPECT_EQ(Slots().credits_posted, 5u);
  EXPECT_EQ(Slots().debits_posted, 5u) << "2 claimed + 3 lapsed: nothing left";

  auto transfers_of = [&] {
    std::vector<Transfer> transfers = SlotTransfers();
    size_t lapses = 0;
    for (const Transfer& t : transfers) {
      if (t.code != kCodeTaskSlotsLapsed) continue;
      ++lapses;
      EXPECT_EQ(t.id, ids::TaskLapse(kVillage, kTask));
      EXPECT_EQ(t.amount, 3u);
      EXPECT_EQ(t.credit_account_id, ids::OfVillageAccount(kVillage, VillageAccount::kLimitSink));
    }
    EXPECT_EQ(lapses, 1u);
    return transfers.size();
  };
  EXPECT_EQ(transfers_of(), 4u) << "funding, two claims, one lapse";

  auto claims = tasks_->Claims(kVillage, kTask);
  ASSERT_TRUE(claims.ok());
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[0].state, ClaimState::kCompleted) << "completed in time: it stays";
  EXPECT_EQ((*claims)[1].state, ClaimState::kLapsed);
  EXPECT_EQ((*claims)[1].lapsed_at_ns, kDeadlineNs);

  EXPECT_EQ(*tasks_->LapseDue(), 0u) << "twice changes nothing";
  clock_.Advance(kNanosPerDay);
  CloseAll();
  OpenAll();
  EXPECT_EQ(*tasks_->LapseDue(), 0u) << "nor after reopening";
  EXPECT_EQ(transfers_of(), 4u);
  auto reopened = tasks_->Get(kVillage, kTask);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->counts, task->counts);

  auto closed_claim = tasks_->Claim(ClaimBy(HouseholdNo(3), 0x3));
  EXPECT_EQ(closed_claim.status().code(), absl::StatusCode::kFailedPrecondition);
  auto lapsed_done = tasks_->Complete(kVillage, kTask, HouseholdNo(2), kEvidence, "", "resident");
  EXPECT_EQ(lapsed_done.status().code(), absl::StatusCode::kFailedPrecondition);
  // Work completed in time is verified after the deadline too.
  auto verified = tasks_->Verify(kVillage, kTask, HouseholdNo(1), "committee-zhang");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(awards_->Get(kVillage, verified->award)->state, AwardState::kOnNotice);
  EXPECT_EQ(HouseholdAccountOf(1).credits_pending, 30u);
}

TEST_F(TaskBookTest, ShopsAndOrganisationsAreVerifiedWithoutPoints) {
  ASSERT_TRUE(tasks_->Post(Sweeping()).ok());
  ASSERT_TRUE(engine_->CreateAccounts(ShopAccounts(kVillage, 12)).ok());
  const Claimant shop{ClaimantKind::kShop, 12};
  const Claimant organisation{ClaimantKind::kOrganisation, 3};
  auto unknown_shop = tasks_->Claim(ClaimBy(Claimant{ClaimantKind::kShop, 13}, 0x13));
  EXPECT_EQ(unknown_shop.status().code(), absl::StatusCode::kFailedPrecondition)
      << unknown_shop.status();
  Completed(shop, 0x12);
  Completed(organisation, 0x3);
  for (const Claimant& who : {shop, organisation}) {
    auto verified = tasks_->Verify(kVillage, kTask, who, "committee-zhang");
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->state, ClaimState::kVerified);
    EXPECT_EQ(verified->award, Id{0});
  }
  EXPECT_EQ(awards_->List(kVillage, AwardState::kOnNotice)->size(), 0u);
  EXPECT_EQ(awards_->List(kVillage, AwardState::kAwaitingReview)->size(), 0u);
  EXPECT_EQ(Slots().debits_posted, 2u);
  auto task = tasks_->Get(kVillage, kTask);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->counts.verified, 2u);
}

TEST_F(TaskBookTest, CheckRatableOnlyForAVerifiedHouseholdClaim) {
  EXPECT_EQ(tasks_->CheckRatable(kVillage, kTask, 1).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(tasks_->Post(Sweeping()).ok());
  EXPECT_EQ(tasks_->CheckRatable(kVillage, kTask, 1).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(tasks_->Claim(ClaimBy(HouseholdNo(1), 0x1)).ok());
  absl::Status claimed = tasks_->CheckRatable(kVillage, kTask, 1);
  EXPECT_EQ(claimed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(claimed.message().find("is claimed, not verified"), std::string::npos) << claimed;
  ASSERT_TRUE(tasks_->Complete(kVillage, kTask, HouseholdNo(1), kEvidence, "", "resident").ok());
  EXPECT_EQ(tasks_->CheckRatable(kVillage, kTask, 1).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(tasks_->Verify(kVillage, kTask, HouseholdNo(1), "committee-zhang").ok());
  EXPECT_TRUE(tasks_->CheckRatable(kVillage, kTask, 1).ok());
  EXPECT_EQ(tasks_->CheckRatable(kVillage, kTask, 2).code(), absl::StatusCode::kNotFound);
  CloseAll();
  OpenAll();
  EXPECT_TRUE(tasks_->CheckRatable(kVillage, kTask, 1).ok()) << "the index is rebuilt at open";
}

TEST_F(TaskBookTest, ResumeFinishesClaimsAndVerificationsCaughtBetweenIntentAndOutcome) {
  ASSERT_TRUE(tasks_->Post(Sweeping()).ok());
  Completed(HouseholdNo(1), 0x1);
  // As a crash leaves them: a claim saved but never submitted, and a verification saved before
  // its award was recorded.
  TaskClaim claiming;
  claiming.request = ClaimBy(HouseholdNo(2), 0x2);
  claiming.state = ClaimState::kClaiming;
  claiming.claimed_at_ns = kStartNs;
  ASSERT_TRUE(store_->Put(TaskClaimKey(kVillage, kTask, 0x2), EncodeTaskClaim(claiming)).ok());
  auto completed = tasks_->Claims(kVillage, kTask);
  ASSERT_TRUE(completed.ok());
  TaskClaim verifying = (*completed)[0];
  verifying.state = ClaimState::kVerifying;
  verifying.verified_by = "committee-zhang";
  verifying.verified_at_ns = kStartNs;
  verifying.rule = rules_->Get(kVillage, kTaskRule, 1)->rule;
  verifying.award = ids::TaskAward(kVillage, kTask, 0x1);
  ASSERT_TRUE(store_->Put(TaskClaimKey(kVillage, kTask, 0x1), EncodeTaskClaim(verifying)).ok());
  EXPECT_EQ(Slots().debits_posted, 1u);

  OpenTasks();
  // Opening only counts them: nothing is sent until Resume.
  EXPECT_EQ(tasks_->interrupted(), 2u);
  EXPECT_EQ(Slots().debits_posted, 1u);
  const ResumeReport report = tasks_->Resume();
  EXPECT_EQ(report.resumed, 2u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(tasks_->interrupted(), 0u);
  auto claims = tasks_->Claims(kVillage, kTask);
  ASSERT_TRUE(claims.ok());
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[0].state, ClaimState::kVerified);
  EXPECT_EQ((*claims)[1].state, ClaimState::kClaimed);
  EXPECT_EQ(Slots().debits_posted, 2u);
  EXPECT_EQ(awards_->Get(kVillage, verifying.award)->amount, 30u);
  EXPECT_EQ(HouseholdAccountOf(1).credits_pending, 30u);
  // The repaired claim counts against its claimant like any other.
  auto twice = tasks_->Claim(ClaimBy(HouseholdNo(2), 0x22));
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kAlreadyExists) << twice.status();
  OpenTasks();
  EXPECT_EQ(tasks_->interrupted(), 0u);
  EXPECT_EQ(tasks_->Resume().resumed, 0u);
  EXPECT_EQ(Slots().debits_posted, 2u) << "a second open sends nothing new";
}

// The race above mostly ends at Claim's shortcut (no slot left by a read); here only the floor can
// say no: household 2's claim was saved while a slot was left, a crash kept it from the ledger,
// and household 1 took the last slot meanwhile.
TEST_F(TaskBookTest, TheLedgersFloorNotAReadRefusesAClaimForTheLastSlotTakenMeanwhile) {
  ASSERT_TRUE(tasks_->Post(Sweeping(1)).ok());
  TaskClaim claiming;
  claiming.request = ClaimBy(HouseholdNo(2), 0x2);
  claiming.state = ClaimState::kClaiming;
  claiming.claimed_at_ns = kStartNs;
  ASSERT_TRUE(store_->Put(TaskClaimKey(kVillage, kTask, 0x2), EncodeTaskClaim(claiming)).ok());
  auto first = tasks_->Claim(ClaimBy(HouseholdNo(1), 0x1));
  ASSERT_TRUE(first.ok()) << first.status();

  OpenTasks();
  EXPECT_EQ(tasks_->Resume().resumed, 1u);
  auto claims = tasks_->Claims(kVillage, kTask);
  ASSERT_TRUE(claims.ok());
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[0].state, ClaimState::kClaimed);
  EXPECT_EQ((*claims)[1].state, ClaimState::kRefused);
  EXPECT_EQ((*claims)[1].refusal, "no slot left on task 7");
  auto resent = tasks_->Claim(ClaimBy(HouseholdNo(2), 0x2));
  EXPECT_EQ(resent.status().code(), absl::StatusCode::kFailedPrecondition) << resent.status();
  EXPECT_EQ(resent.status().message(), "no slot left on task 7");
  EXPECT_EQ(Slots().debits_posted, 1u);
  auto slot = engine_->LookupTransfers({ids::TaskClaim(kVillage, kTask, 0x2)});
  ASSERT_TRUE(slot.ok());
  EXPECT_TRUE(slot->empty()) << "the refused slot's id is failed, not a transfer";
  // The same slot transfer again, as a resend would send it: the floor's answer stands for good.
  Transfer again;
  again.id = ids::TaskClaim(kVillage, kTask, 0x2);
  again.debit_account_id = ids::TaskSlots(kVillage, kTask);
  again.credit_account_id = ids::OfVillageAccount(kVillage, VillageAccount::kLimitSink);
  again.amount = 1;
  again.ledger = LedgersOf(kVillage).limits;
  again.code = kCodeTaskSlotTaken;
  again.user_data_128 = 0x2;
  again.user_data_32 = kTask;
  auto answer = engine_->CreateTransfers({again});
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ((*answer)[0].result, CreateTransferResult::kIdAlreadyFailed);
}

// The lock rule (workflow.h): a step holds its task's lock, not the book's, across the ledger
// and the store. While one task's verification is in the middle of its step, a claim on another
// task completes at once; a resend of the same verification waits, then finds it verified.
TEST_F(TaskBookTest, ATaskInTheMiddleOfAStepHoldsUpOnlyItselfNotAnotherTask) {
  ASSERT_TRUE(tasks_->Post(Sweeping()).ok());
  ASSERT_TRUE(tasks_->Post(Sweeping(3, kTask + 1)).ok());
  ASSERT_NO_FATAL_FAILURE(Completed(HouseholdNo(1), 0xc1));
  ASSERT_TRUE(tasks_->Claim(ClaimBy(HouseholdNo(2), 0xc2, kTask + 1)).ok());
  StallingClock stalling(&clock_);
  tasks_.reset();
  auto opened = TaskBook::Open(engine_.get(), &stalling, store_.get(), awards_.get(), rules_.get());
  ASSERT_TRUE(opened.ok()) << opened.status();
  tasks_ = *std::move(opened);

  const WhileHeld seen = HoldAStep(
      stalling,
      [&] {
        auto verified = tasks_->Verify(kVillage, kTask, HouseholdNo(1), "committee-zhang");
        EXPECT_TRUE(verified.ok()) << verified.status();
      },
      [&] {
        auto done = tasks_->Complete(kVillage, kTask + 1, HouseholdNo(2), kEvidence, "扫了一遍",
                                     "resident");
        EXPECT_TRUE(done.ok()) << done.status();
      },
      [&] {
        auto again = tasks_->Verify(kVillage, kTask, HouseholdNo(1), "committee-zhang");
        EXPECT_TRUE(again.ok()) << again.status();
        if (again.ok()) {
          EXPECT_EQ(again->state, ClaimState::kVerified);
        }
      });
  EXPECT_TRUE(seen.other_went_on) << "another task's completion waited for this task's step";
  EXPECT_TRUE(seen.resend_waited) << "a resend of the same verification did not wait for the first";
  auto award = awards_->Get(kVillage, ids::TaskAward(kVillage, kTask, 0xc1));
  ASSERT_TRUE(award.ok()) << award.status();
  EXPECT_EQ(award->amount, 30u) << "the household is paid once";
}

TEST_F(TaskBookTest, StoredRecordsRoundTrip) {
  Task task;
  task.request = Sweeping();
  task.state = TaskState::kClosing;
  task.rule_version = 2;
  task.points_per_claim = 30;
  task.posted_at_ns = kStartNs;
  task.lapsed_slots = 2;
  task.request.project = 7;
  EXPECT_EQ(*DecodeTask(EncodeTask(task)), task);
  // A record written before tasks named a project (version 1: no project field) reads as none.
  std::string v1 = EncodeTask(task);
  v1[0] = 1;
  v1.resize(v1.size() - 4);
  absl::StatusOr<Task> old = DecodeTask(v1);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->request.project, 0u);
  EXPECT_EQ(old->lapsed_slots, 2u);
  TaskClaim claim;
  claim.request = ClaimBy(Claimant{ClaimantKind::kOrganisation, 9}, 0xabc);
  claim.state = ClaimState::kVerifying;
  claim.evidence = kEvidence;
  claim.note = "扫了两遍";
  claim.rule.rule = kTaskRule;
  claim.rule.code = kCodeTask;
  claim.award = 0xdef;
  EXPECT_EQ(*DecodeTaskClaim(EncodeTaskClaim(claim)), claim);
  const std::string bytes = EncodeTaskClaim(claim);
  EXPECT_EQ(DecodeTaskClaim(bytes.substr(0, bytes.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace points::domain

namespace points::domain {
namespace {

TEST_F(TaskBookTest, AVerifiedTaskPaysWhatItPromisedAtPostingEvenAfterTheRuleChanged) {
  ASSERT_TRUE(tasks_->Post(Sweeping()).ok());
  Completed(HouseholdNo(2), 0xd2);
  // The committee doubles the task rule and then retires it: the posted task keeps its word.
  CatalogueRule doubled;
  doubled.village = kVillage;
  doubled.rule.rule = kTaskRule;
  doubled.rule.code = kCodeTask;
  doubled.rule.points_per_unit = 10;
  doubled.rule.difficulty_percent = 150;
  doubled.name = "公益劳动";
  doubled.changed_by = "committee-li";
  clock_.Advance(1);
  ASSERT_EQ(rules_->PutRule(doubled)->rule.version, 2u);
  doubled.retired = true;
  clock_.Advance(1);
  ASSERT_EQ(rules_->PutRule(doubled)->rule.version, 3u);

  auto verified = tasks_->Verify(kVillage, kTask, HouseholdNo(2), "committee-zhang");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->rule.version, 1u);
  auto award = awards_->Get(kVillage, verified->award);
  ASSERT_TRUE(award.ok()) << award.status();
  EXPECT_EQ(award->amount, 30u) << "version 1's 5 points x 4 units x 1.5";
  EXPECT_EQ(award->request.rule.version, 1u);
  auto resent = tasks_->Verify(kVillage, kTask, HouseholdNo(2), "committee-zhang");
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(resent->award, verified->award);
}

}  // namespace
}  // namespace points::domain

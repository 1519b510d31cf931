// The points supermarket's ledger shapes against the real engine: deterministic ids, and an
// issuance budget and per-household caps that the engine itself enforces through account floors,
// so that concurrent awards can never issue more than the limit (server/domain/README.md).
#include "server/domain/values/ledger_layout.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "points/engine.h"
#include "points/results.h"
#include "server/domain/values/ids.h"
#include "tests/engine/testing.h"

namespace points::domain {
namespace {

using TR = CreateTransferResult;
using ::points::testing::TempDir;

constexpr VillageId kVillage = 7;
constexpr uint32_t kPeriod = 202611;
constexpr uint32_t kRule = 3;

TEST(DomainIdsTest, SameFieldsSameIdAndEveryFieldCounts) {
  EXPECT_EQ(ids::Household(kVillage, 5), ids::Household(kVillage, 5));
  std::set<Id> distinct = {
      ids::Household(kVillage, 5),
      ids::Household(kVillage, 6),
      ids::Household(kVillage + 1, 5),
      ids::Budget(kVillage, kPeriod),
      ids::Budget(kVillage, kPeriod + 1),
      ids::BudgetFunding(kVillage, kPeriod),
      ids::Cap(kVillage, 5, kRule, CapWindow::kDay, 1),
      ids::Cap(kVillage, 5, kRule, CapWindow::kMonth, 1),
      ids::Cap(kVillage, 5, kRule, CapWindow::kDay, 2),
      ids::Cap(kVillage, 5, kRule + 1, CapWindow::kDay, 1),
      ids::CapFunding(kVillage, 5, kRule, CapWindow::kDay, 1),
      ids::AwardTransfer(kVillage, 1, AwardLeg::kPoints, AwardStep::kPending),
      ids::AwardTransfer(kVillage, 1, AwardLeg::kPoints, AwardStep::kPost),
      ids::AwardTransfer(kVillage, 1, AwardLeg::kBudget, AwardStep::kPending),
      ids::AwardTransfer(kVillage, 2, AwardLeg::kPoints, AwardStep::kPending),
      ids::OfVillageAccount(kVillage, VillageAccount::kIssuer),
      ids::OfVillageAccount(kVillage, VillageAccount::kLimitSink),
  };
  EXPECT_EQ(distinct.size(), 17u);
  for (Id id : distinct) EXPECT_EQ(absl::Uint128High64(id) >> 56, 0xD0u) << "the domain's prefix";
}

TEST(DomainIdsTest, LedgersOfVillagesNeverCollide) {
  std::set<uint32_t> seen;
  for (VillageId v : {1u, 2u, 3u, kVillagesMax - 1, kVillagesMax}) {
    const Ledgers l = LedgersOf(v);
    EXPECT_TRUE(seen.insert(l.points).second);
    EXPECT_TRUE(seen.insert(l.money).second);
    EXPECT_TRUE(seen.insert(l.limits).second);
  }
}

class LedgerLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::Open(Options(), dir_.path());
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    std::vector<Account> accounts = VillageAccounts(kVillage);
    for (uint64_t h = 1; h <= kHouseholds; ++h) accounts.push_back(HouseholdAccount(kVillage, h));
    accounts.push_back(BudgetAccount(kVillage, kPeriod));
    ExpectAllOk(engine_->CreateAccounts(accounts));
  }

  static void ExpectAllOk(const absl::StatusOr<std::vector<AccountEventResult>>& results) {
    ASSERT_TRUE(results.ok()) << results.status();
    for (const auto& r : *results) ASSERT_EQ(r.result, CreateAccountResult::kOk);
  }

  // Submits `chain` and returns its results.
  std::vector<TransferEventResult> Submit(const std::vector<Transfer>& chain) {
    auto results = engine_->CreateTransfers(chain);
    EXPECT_TRUE(results.ok()) << results.status();
    return results.ok() ? *results : std::vector<TransferEventResult>();
  }

  static bool AllAre(const std::vector<TransferEventResult>& results, TR result) {
    for (const auto& r : results) {
      if (r.result != result) return false;
    }
    return !results.empty();
  }

  Account Lookup(Id id) {
    auto found = engine_->LookupAccounts({id});
    EXPECT_TRUE(found.ok() && found->size() == 1);
    return found.ok() && found->size() == 1 ? (*found)[0] : Account();
  }

  AwardSpec Award(Id award, uint64_t household, uint64_t amount) {
    AwardSpec spec;
    spec.village = kVillage;
    spec.award = award;
    spec.household = household;
    spec.rule = kRule;
    spec.amount = amount;
    spec.budget_period = kPeriod;
    return spec;
  }

  static constexpr uint64_t kHouseholds = 40;
  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(LedgerLayoutTest, ConcurrentAwardsNeverIssueMoreThanTheBudget) {
  ASSERT_TRUE(AllAre(Submit({BudgetFunding(kVillage, kPeriod, 100)}), TR::kOk));
  // 40 awards of 10 points from 8 threads at once: exactly 10 fit the budget of 100.
  std::atomic<int> accepted{0};
  std::atomic<int> refused_by_budget{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < 5; ++i) {
        const uint64_t household = 1 + t * 5 + i;
        auto results = engine_->CreateTransfers(OnNoticeChain(Award(household, household, 10)));
        if (!results.ok()) continue;
        if (AllAre(*results, TR::kOk)) ++accepted;
        // The budget leg comes first: it fails on its own floor, the rest as linked.
        if ((*results)[0].result == TR::kExceedsCredits) ++refused_by_budget;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 10);
  EXPECT_EQ(refused_by_budget.load(), 30);
  const Account budget = Lookup(ids::Budget(kVillage, kPeriod));
  EXPECT_EQ(budget.debits_pending, 100u);
  uint64_t on_notice = 0;
  for (uint64_t h = 1; h <= kHouseholds; ++h)
    on_notice += Lookup(ids::Household(kVillage, h)).credits_pending;
  EXPECT_EQ(on_notice, 100u) << "points on notice equal the budget used";

  // Posting every accepted award moves the reservations to posted; nothing more fits.
  int posted_awards = 0;
  for (uint64_t h = 1; h <= kHouseholds; ++h) {
    const bool on_notice_here = Lookup(ids::Household(kVillage, h)).credits_pending == 10;
    const auto posted = Submit(PostChain(Award(h, h, 10)));
    if (on_notice_here) {
      EXPECT_TRUE(AllAre(posted, TR::kOk)) << "household " << h;
      ++posted_awards;
    } else {
      ASSERT_FALSE(posted.empty());
      EXPECT_EQ(posted[0].result, TR::kPendingTransferNotFound) << "household " << h;
    }
  }
  EXPECT_EQ(posted_awards, 10);
  const Account after = Lookup(ids::Budget(kVillage, kPeriod));
  EXPECT_EQ(after.debits_pending, 0u);
  EXPECT_EQ(after.debits_posted, 100u);
  EXPECT_EQ(Lookup(ids::OfVillageAccount(kVillage, VillageAccount::kIssuer)).debits_posted, 100u);
  EXPECT_EQ(Submit(OnNoticeChain(Award(999, 1, 1)))[0].result, TR::kExceedsCredits);
}

TEST_F(LedgerLayoutTest, CapsPerWindowRefuseTheAwardThatWouldPassThemUntilOneIsVoided) {
  ASSERT_TRUE(AllAre(Submit({BudgetFunding(kVillage, kPeriod, 1000)}), TR::kOk));
  const CapWindowRef day{CapWindow::kDay, 20261122, 20};
  const CapWindowRef month{CapWindow::kMonth, 202611, 30};
  ExpectAllOk(engine_->CreateAccounts(
      {CapAccount(kVillage, 1, kRule, day), CapAccount(kVillage, 1, kRule, month)}));
  ASSERT_TRUE(
      AllAre(Submit({CapFunding(kVillage, 1, kRule, day), CapFunding(kVillage, 1, kRule, month)}),
             TR::kOk));
  // Funding again (a racing award did it first) answers exists and adds nothing.
  EXPECT_TRUE(AllAre(Submit({CapFunding(kVillage, 1, kRule, day)}), TR::kExists));

  AwardSpec first = Award(1, 1, 15);
  first.caps = {day, month};
  AwardSpec second = Award(2, 1, 10);
  second.caps = {day, month};
  ASSERT_TRUE(AllAre(Submit(OnNoticeChain(first)), TR::kOk));
  const auto over = Submit(OnNoticeChain(second));  // 15 + 10 > 20 a day
  ASSERT_EQ(over.size(), 4u);
  EXPECT_EQ(over[0].result, TR::kLinkedEventFailed);  // the budget leg had room
  EXPECT_EQ(over[1].result, TR::kExceedsCredits);     // the day cap had not
  EXPECT_EQ(Lookup(ids::Household(kVillage, 1)).credits_pending, 15u);

  // The objection upheld: the first award is voided, its cap and budget come back.
  ASSERT_TRUE(AllAre(Submit(VoidChain(first)), TR::kOk));
  EXPECT_EQ(Lookup(ids::Household(kVillage, 1)).credits_pending, 0u);
  EXPECT_EQ(Lookup(ids::Budget(kVillage, kPeriod)).debits_pending, 0u);
  // A new award (a new id: the refused one is recorded as failed for good) now fits.
  AwardSpec third = Award(3, 1, 10);
  third.caps = {day, month};
  EXPECT_TRUE(AllAre(Submit(OnNoticeChain(third)), TR::kOk));
  // The refused award resent stays refused, although its cap now has room: a reported failure
  // never turns into a success (the cap leg's id was recorded as failed; the others fail linked).
  const auto resent = Submit(OnNoticeChain(second));
  ASSERT_EQ(resent.size(), 4u);
  EXPECT_EQ(resent[0].result, TR::kLinkedEventFailed);
  EXPECT_EQ(resent[1].result, TR::kIdAlreadyFailed);
  EXPECT_EQ(Lookup(ids::Household(kVillage, 1)).credits_pending, 10u);
}

TEST_F(LedgerLayoutTest, ResentStepsAnswerExistsAndMoveNothingTwice) {
  ASSERT_TRUE(AllAre(Submit({BudgetFunding(kVillage, kPeriod, 100)}), TR::kOk));
  const AwardSpec award = Award(42, 3, 25);
  ASSERT_TRUE(AllAre(Submit(OnNoticeChain(award)), TR::kOk));
  EXPECT_TRUE(AllAre(Submit(OnNoticeChain(award)), TR::kExists));
  ASSERT_TRUE(AllAre(Submit(PostChain(award)), TR::kOk));
  EXPECT_TRUE(AllAre(Submit(PostChain(award)), TR::kExists));
  const Account household = Lookup(ids::Household(kVillage, 3));
  EXPECT_EQ(household.credits_posted, 25u);
  EXPECT_EQ(household.credits_pending, 0u);
  // A posted award cannot be voided afterwards: corrections are new entries (a deduction).
  EXPECT_EQ(Submit(VoidChain(award))[0].result, TR::kPendingTransferAlreadyPosted);
}

TEST_F(LedgerLayoutTest, DeductionLargerThanTheBalanceIsRefusedByTheHouseholdFloor) {
  ASSERT_TRUE(AllAre(Submit({BudgetFunding(kVillage, kPeriod, 100)}), TR::kOk));
  const AwardSpec award = Award(1, 4, 30);
  ASSERT_TRUE(AllAre(Submit(OnNoticeChain(award)), TR::kOk));
  ASSERT_TRUE(AllAre(Submit(PostChain(award)), TR::kOk));
  AwardSpec deduction;
  deduction.village = kVillage;
  deduction.award = 2;
  deduction.household = 4;
  deduction.rule = kRule;
  deduction.code = kCodeDeduction;
  deduction.amount = 31;
  const auto refused = Submit(OnNoticeChain(deduction));
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].result, TR::kExceedsCredits);
  deduction.award = 3;
  deduction.amount = 30;
  ASSERT_TRUE(AllAre(Submit(OnNoticeChain(deduction)), TR::kOk));
  ASSERT_TRUE(AllAre(Submit(PostChain(deduction)), TR::kOk));
  const Account household = Lookup(ids::Household(kVillage, 4));
  EXPECT_EQ(household.debits_posted, 30u);
  EXPECT_EQ(household.credits_posted, 30u);
}

}  // namespace
}  // namespace points::domain

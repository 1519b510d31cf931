// Expiry against the real engine and a real domain store, with a clock the test moves across
// year ends: full resets, grace years, first-in first-out spending, reruns and reopening, policies
// set late, what a balance shows is coming, closed households and villages without expiry.
#include "server/domain/books/expiry_book.h"

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "points/limits.h"
#include "server/domain/books/household_book.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/shop_layout.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {

// Failures name the fields instead of printing bytes.
void PrintTo(const Lapse& lapse, std::ostream* os) {
  *os << "{expires_at "
      << absl::FormatTime(absl::FromUnixNanos(lapse.expires_at_ns), absl::FixedTimeZone(8 * 3600))
      << ", year " << lapse.year << ", points " << lapse.points << "}";
}

namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 4;
constexpr VillageId kOtherVillage = 5;  // never has expiry
constexpr uint32_t kShop = 1;

// Nanoseconds at a civil time in China Standard Time.
uint64_t At(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  return static_cast<uint64_t>(absl::ToUnixNanos(absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second), absl::FixedTimeZone(8 * 3600))));
}

ExpiryPolicy Enabled(uint32_t grace_years) {
  ExpiryPolicy policy;
  policy.enabled = true;
  policy.grace_years = grace_years;
  return policy;
}

class ExpiryBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenAll();
    for (VillageId v : {kVillage, kOtherVillage}) {
      auto created = engine_->CreateAccounts(VillageAccounts(v));
      ASSERT_TRUE(created.ok()) << created.status();
      created = engine_->CreateAccounts(ShopAccounts(v, kShop));
      ASSERT_TRUE(created.ok()) << created.status();
      for (uint64_t h = 1; h <= 3; ++h) {
        Household household;
        household.village = v;
        household.household = h;
        household.name = "张家";
        ASSERT_TRUE(households_->PutHousehold(household).ok());
      }
    }
  }

  void OpenAll() {
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    households_ = std::make_unique<HouseholdBook>(engine_.get(), store_.get());
    auto book = ExpiryBook::Open(engine_.get(), &clock_, store_.get(), households_.get());
    ASSERT_TRUE(book.ok()) << book.status();
    book_ = *std::move(book);
  }

  void CloseAll() {
    book_.reset();
    households_.reset();
    store_.reset();
    engine_.reset();
  }

  // The clock only moves forward, as the engine's timestamps do.
  void MoveTo(uint64_t ns) {
    ASSERT_GE(ns, clock_.NowNanos());
    clock_.Set(ns);
  }

  void Submit(Transfer t) {
    auto results = engine_->CreateTransfers({t});
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_EQ((*results)[0].result, CreateTransferResult::kOk) << "transfer " << next_id_;
  }

  // The household earns points (a hygiene award) in village `v`; `flags` may make it pending.
  void Earn(uint64_t household, uint64_t points, VillageId v = kVillage, uint16_t flags = 0) {
    Transfer t =
        MakeTransfer(++next_id_, ids::OfVillageAccount(v, VillageAccount::kIssuer),
                     ids::Household(v, household), points, LedgersOf(v).points, kCodeHygiene);
    t.flags = flags;
    Submit(t);
  }

  // The household redeems points at the shop; `flags` may make it pending.
  Id Spend(uint64_t household, uint64_t points, uint16_t flags = 0) {
    Transfer t = MakeTransfer(++next_id_, ids::Household(kVillage, household),
                              ids::OfShopAccount(kVillage, kShop, ShopAccount::kPoints), points,
                              LedgersOf(kVillage).points, kCodeRedemption);
    t.flags = flags;
    Submit(t);
    return t.id;
  }

  Account Get(Id id) {
    auto found = engine_->LookupAccounts({id});
    EXPECT_TRUE(found.ok() && found->size() == 1);
    return found.ok() && found->size() == 1 ? (*found)[0] : Account();
  }
  Account HouseholdAccount(uint64_t h, VillageId v = kVillage) { return Get(ids::Household(v, h)); }
  uint64_t Balance(uint64_t h, VillageId v = kVillage) {
    const Account a = HouseholdAccount(h, v);
    return a.credits_posted - a.debits_posted;
  }
  Account Sink(VillageId v = kVillage) {
    return Get(ids::OfVillageAccount(v, VillageAccount::kExpirySink));
  }

  // The household's expiry transfers, as the engine journaled them.
  std::vector<Transfer> Lapses(uint64_t h) {
    HistoryFilter filter;
    filter.account_id = ids::Household(kVillage, h);
    filter.limit = kHistoryPageMax;
    auto transfers = engine_->GetAccountTransfers(filter);
    EXPECT_TRUE(transfers.ok()) << transfers.status();
    std::vector<Transfer> lapses;
    if (!transfers.ok()) return lapses;
    for (const Transfer& t : *transfers) {
      if (t.code == kCodeExpiry) lapses.push_back(t);
    }
    return lapses;
  }

  ExpiryRun Run() {
    auto run = book_->RunDue();
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : ExpiryRun();
  }

  std::vector<Lapse> Upcoming(uint64_t h) {
    auto upcoming = book_->Upcoming(kVillage, h);
    EXPECT_TRUE(upcoming.ok()) << upcoming.status();
    return upcoming.ok() ? *upcoming : std::vector<Lapse>();
  }

  TempDir dir_;
  ManualClock clock_{At(2026, 11, 22, 10)};
  uint64_t next_id_ = 0;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<HouseholdBook> households_;
  std::unique_ptr<ExpiryBook> book_;
};

TEST_F(ExpiryBookTest, PoliciesAreCheckedKeptAndStampedOnceWithTheClock) {
  auto none = book_->GetPolicy(kVillage);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->enabled) << "a village without a policy has a disabled one";
  EXPECT_EQ(book_->SetPolicy(kVillage, Enabled(kExpiryGraceYearsMax + 1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book_->SetPolicy(0, Enabled(0)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book_->SetPolicy(9, Enabled(0)).code(), absl::StatusCode::kFailedPrecondition)
      << "village 9 has no accounts";
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(1)).ok());
  const uint64_t set_at = clock_.NowNanos();
  MoveTo(set_at + 86400 * kNanosPerSecond);
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(1)).ok()) << "a resend";
  auto policy = book_->GetPolicy(kVillage);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->enabled);
  EXPECT_EQ(policy->grace_years, 1u);
  EXPECT_EQ(policy->set_at_ns, set_at) << "the first setting's time stands";
}

TEST_F(ExpiryBookTest, GraceZeroIsAFullResetAtTheYearEndInVillageTime) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  Earn(1, 100);
  Earn(2, 30);
  MoveTo(At(2026, 12, 31, 23, 59, 59));
  ExpiryRun run = Run();
  EXPECT_EQ(run.year_ends, 0u) << "one second before midnight in China Standard Time";
  EXPECT_EQ(Balance(1), 100u);

  MoveTo(At(2027, 1, 1));
  // Due but not yet run: the balance says so.
  EXPECT_EQ(Upcoming(1).front(), (Lapse{At(2027, 1, 1), 2026, 100}));
  run = Run();
  EXPECT_EQ(run.year_ends, 1u);
  EXPECT_EQ(run.households, 2u);
  EXPECT_EQ(run.points, 130u);
  EXPECT_EQ(Balance(1), 0u);
  EXPECT_EQ(Balance(2), 0u);
  EXPECT_EQ(Sink().credits_posted, 130u);
  ASSERT_EQ(Lapses(1).size(), 1u);
  EXPECT_EQ(Lapses(1)[0].id, ids::Expiry(kVillage, 1, 2026, 1));
  EXPECT_EQ(Lapses(1)[0].credit_account_id,
            ids::OfVillageAccount(kVillage, VillageAccount::kExpirySink));
  EXPECT_EQ(Lapses(1)[0].user_data_32, 2026u);

  // Points earned in 2027 last until the end of 2027; a server down over two year ends catches
  // up with both, in order.
  MoveTo(At(2027, 6, 1));
  Earn(1, 50);
  MoveTo(At(2029, 1, 3));
  run = Run();
  EXPECT_EQ(run.year_ends, 2u);
  EXPECT_EQ(run.points, 50u);
  EXPECT_EQ(Balance(1), 0u);
  ASSERT_EQ(Lapses(1).size(), 2u);
  EXPECT_EQ(Lapses(1)[1].id, ids::Expiry(kVillage, 1, 2027, 1));
}

TEST_F(ExpiryBookTest, GraceOneKeepsLastYearsPointsUntilTheFollowingYearEnd) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(1)).ok());
  Earn(1, 50);
  MoveTo(At(2027, 1, 1, 0, 0, 1));
  EXPECT_EQ(Run().year_ends, 1u);
  EXPECT_EQ(Balance(1), 50u) << "earned in 2026: valid through 2027";
  MoveTo(At(2027, 3, 1));
  Earn(1, 20);
  MoveTo(At(2028, 1, 1));
  const ExpiryRun run = Run();
  EXPECT_EQ(run.points, 50u);
  EXPECT_EQ(Balance(1), 20u) << "earned in 2027: valid through 2028";
  MoveTo(At(2029, 1, 1));
  EXPECT_EQ(Run().points, 20u);
  EXPECT_EQ(Balance(1), 0u);
}

TEST_F(ExpiryBookTest, SpendingUsesTheOldestPointsFirst) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(1)).ok());
  Earn(1, 100);  // 2026
  Earn(2, 100);
  MoveTo(At(2027, 5, 1));
  Earn(1, 80);
  Spend(1, 120);  // more than its 2026 points: nothing of 2026 is left to lapse
  Earn(2, 80);
  Spend(2, 30);  // partial: 70 of 2026 are left
  MoveTo(At(2028, 1, 1));
  const ExpiryRun run = Run();
  EXPECT_EQ(run.households, 1u);
  EXPECT_EQ(run.points, 70u);
  EXPECT_EQ(Balance(1), 60u);
  EXPECT_TRUE(Lapses(1).empty());
  EXPECT_EQ(Balance(2), 80u) << "the 2027 points stay";
  // At the end of 2028 what is left of 2027 goes.
  MoveTo(At(2029, 1, 1));
  EXPECT_EQ(Run().points, 60u + 80u);
}

TEST_F(ExpiryBookTest, PendingRedemptionsAreNeverTakenFromSoNobodyGoesNegative) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  Earn(1, 100);
  Spend(1, 30);
  const Id pending = Spend(1, 40, kTransferPending);  // a basket not yet collected
  MoveTo(At(2027, 1, 1));
  EXPECT_EQ(Run().points, 30u) << "100 earned - 30 spent = 70 old, but 40 of them are held";
  EXPECT_EQ(HouseholdAccount(1).debits_pending, 40u);
  Transfer post;
  post.id = ++next_id_;
  post.pending_id = pending;
  post.flags = kTransferPostPendingTransfer;
  Submit(post);
  EXPECT_EQ(Balance(1), 0u);
}

TEST_F(ExpiryBookTest, RerunsAndReopeningChangeNothingAndTheLedgerStillBalances) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  Earn(1, 100);
  Earn(2, 40);
  Earn(3, 7);
  Spend(3, 7);
  MoveTo(At(2027, 1, 2));
  EXPECT_EQ(Run().points, 140u);
  const ExpiryRun again = Run();
  EXPECT_EQ(again.year_ends, 0u);
  EXPECT_EQ(again.points, 0u);
  CloseAll();
  OpenAll();
  EXPECT_EQ(Run().points, 0u);
  EXPECT_EQ(Lapses(1).size(), 1u) << "exactly one expiry transfer";
  EXPECT_EQ(Lapses(2).size(), 1u);
  EXPECT_TRUE(Lapses(3).empty()) << "nothing left: nothing to lapse";
  EXPECT_EQ(Sink().credits_posted, 140u);

  // The points ledger sums: issuer debits = households' credits, households' debits = the shop's
  // and the sink's credits, and debits = credits over every account.
  const Account issuer = Get(ids::OfVillageAccount(kVillage, VillageAccount::kIssuer));
  const Account shop = Get(ids::OfShopAccount(kVillage, kShop, ShopAccount::kPoints));
  uint64_t household_credits = 0, household_debits = 0;
  for (uint64_t h = 1; h <= 3; ++h) {
    household_credits += HouseholdAccount(h).credits_posted;
    household_debits += HouseholdAccount(h).debits_posted;
  }
  EXPECT_EQ(issuer.debits_posted, household_credits);
  EXPECT_EQ(household_debits, shop.credits_posted + Sink().credits_posted);
  EXPECT_EQ(issuer.debits_posted + household_debits,
            household_credits + shop.credits_posted + Sink().credits_posted);
  EXPECT_TRUE(engine_->Verify().ok());
}

TEST_F(ExpiryBookTest, ARefusedAttemptIsRetriedUnderTheNextId) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  Earn(1, 100);
  // Attempt 1's id is already failed, as if a redemption had raced it before a crash.
  const Id held = Spend(1, 60, kTransferPending);
  MoveTo(At(2027, 1, 1));
  Transfer first = MakeTransfer(ids::Expiry(kVillage, 1, 2026, 1), ids::Household(kVillage, 1),
                                ids::OfVillageAccount(kVillage, VillageAccount::kExpirySink), 50,
                                LedgersOf(kVillage).points, kCodeExpiry);
  first.flags = kTransferPending;
  first.user_data_32 = 2026;
  first.user_data_64 = At(2027, 1, 1);
  auto refused = engine_->CreateTransfers({first});
  ASSERT_TRUE(refused.ok());
  ASSERT_EQ((*refused)[0].result, CreateTransferResult::kExceedsCredits);
  Transfer release;
  release.id = ++next_id_;
  release.pending_id = held;
  release.flags = kTransferVoidPendingTransfer;
  Submit(release);
  Spend(1, 50, kTransferPending);  // now the book computes those very 50 for attempt 1

  EXPECT_EQ(Run().points, 50u);
  ASSERT_EQ(Lapses(1).size(), 1u);
  EXPECT_EQ(Lapses(1)[0].id, ids::Expiry(kVillage, 1, 2026, 2));
  EXPECT_EQ(Run().points, 0u);
}

TEST_F(ExpiryBookTest, ARedemptionRacingTheRunNeverMakesMoreLapseThanFifoAllows) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  Earn(1, 100);            // 2026: lapses at the end of 2026, unless spent first
  MoveTo(At(2027, 1, 5));  // the server was down over New Year: the run is late
  Earn(1, 50);             // 2027: stays
  // Between the book's read (100 to lapse) and its submit, the household spends 40: oldest
  // first, those 40 were 2026 points, so only 60 may lapse.
  bool raced = false;
  book_->SetBeforeSubmitForTesting([&] {
    if (!raced) Spend(1, 40);
    raced = true;
  });
  const ExpiryRun run = Run();
  EXPECT_TRUE(raced);
  EXPECT_EQ(run.points, 60u);
  EXPECT_EQ(Sink().credits_posted, 60u);
  EXPECT_EQ(Sink().credits_pending, 0u) << "the rest of the hold is released";
  EXPECT_EQ(Balance(1), 50u) << "the 2027 points are untouched";
  EXPECT_EQ(Run().points, 0u);
  EXPECT_TRUE(engine_->Verify().ok());
}

// The lock rule (workflow.h): a run holds only its village's lock across the ledger. While one
// village's year end is in the middle of a lapse, another village's policy is set at once; the
// same village's policy waits for the run.
TEST_F(ExpiryBookTest, AVillageInTheMiddleOfItsRunHoldsUpOnlyItself) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  Earn(1, 100);
  MoveTo(At(2027, 1, 5));
  absl::Notification in_step, release;
  book_->SetBeforeSubmitForTesting([&] {
    if (in_step.HasBeenNotified()) return;
    in_step.Notify();
    release.WaitForNotification();
  });
  std::thread run([&] { EXPECT_EQ(Run().points, 100u); });
  ASSERT_TRUE(in_step.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::Notification other_done, same_done;
  std::thread other([&] {
    EXPECT_TRUE(book_->SetPolicy(kOtherVillage, Enabled(1)).ok());
    other_done.Notify();
  });
  std::thread same([&] {
    EXPECT_TRUE(book_->GetPolicy(kVillage).ok());
    same_done.Notify();
  });
  const bool other_went_on = other_done.WaitForNotificationWithTimeout(absl::Seconds(10));
  const bool same_waited = !same_done.WaitForNotificationWithTimeout(absl::Milliseconds(200));
  release.Notify();
  run.join();
  other.join();
  same.join();
  EXPECT_TRUE(other_went_on) << "another village waited for this village's run";
  EXPECT_TRUE(same_waited) << "the village's policy was read in the middle of its run";
}

TEST_F(ExpiryBookTest, APolicySetAfterAYearEndDoesNotApplyToIt) {
  Earn(1, 100);
  MoveTo(At(2027, 2, 1));
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  EXPECT_EQ(Run().year_ends, 0u);
  EXPECT_EQ(Balance(1), 100u);
  EXPECT_EQ(Upcoming(1),
            (std::vector<Lapse>{{At(2028, 1, 1), 2027, 100}, {At(2029, 1, 1), 2028, 0}}));
  MoveTo(At(2028, 1, 1));
  EXPECT_EQ(Run().points, 100u);
}

TEST_F(ExpiryBookTest, AChangedPolicyFirstAppliesTheYearEndsThatPassedUnderTheOldOne) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  Earn(1, 100);
  MoveTo(At(2027, 1, 5));  // the timer has not run yet
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(1)).ok());
  EXPECT_EQ(Balance(1), 0u) << "2026 ended under grace 0";
  EXPECT_EQ(Run().year_ends, 0u);
}

TEST_F(ExpiryBookTest, UpcomingShowsWhatLapsesAtTheNextTwoYearEndsIfNothingMoreIsSpent) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(1)).ok());
  EXPECT_EQ(Upcoming(1),
            (std::vector<Lapse>{{At(2027, 1, 1), 2026, 0}, {At(2028, 1, 1), 2027, 0}}));
  Earn(1, 40);
  MoveTo(At(2027, 3, 1));
  Run();
  Earn(1, 25);
  Spend(1, 10);                               // from the 2026 points
  Spend(1, 5, kTransferPending);              // held: counted when it comes to what is left
  Earn(1, 1000, kVillage, kTransferPending);  // not posted: not earned
  EXPECT_EQ(Upcoming(1),
            (std::vector<Lapse>{{At(2028, 1, 1), 2027, 30}, {At(2029, 1, 1), 2028, 20}}));
  EXPECT_EQ(Upcoming(2),
            (std::vector<Lapse>{{At(2028, 1, 1), 2027, 0}, {At(2029, 1, 1), 2028, 0}}));
  EXPECT_EQ(book_->Upcoming(kVillage, 99).status().code(), absl::StatusCode::kNotFound);
  // And it is what happens.
  MoveTo(At(2028, 1, 1));
  EXPECT_EQ(Run().points, 30u);
}

TEST_F(ExpiryBookTest, AClosedHouseholdIsSkipped) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  Earn(1, 10);
  Earn(3, 20);
  Spend(3, 20);
  ASSERT_TRUE(households_->CloseHousehold(kVillage, 3).ok());
  EXPECT_TRUE(Upcoming(3).empty());
  MoveTo(At(2027, 1, 1));
  const ExpiryRun run = Run();
  EXPECT_EQ(run.year_ends, 1u);
  EXPECT_EQ(run.households, 1u);
  EXPECT_TRUE(Lapses(3).empty());
  EXPECT_NE(HouseholdAccount(3).flags & kAccountClosed, 0);
}

TEST_F(ExpiryBookTest, AVillageWithoutExpiryIsUntouched) {
  ASSERT_TRUE(book_->SetPolicy(kVillage, Enabled(0)).ok());
  ASSERT_TRUE(book_->SetPolicy(kOtherVillage, ExpiryPolicy()).ok());  // disabled, said so
  Earn(1, 10);
  Earn(1, 70, kOtherVillage);
  MoveTo(At(2028, 1, 1));
  EXPECT_EQ(Run().points, 10u);
  EXPECT_EQ(Balance(1, kOtherVillage), 70u);
  EXPECT_EQ(Sink(kOtherVillage).credits_posted, 0u);
  auto upcoming = book_->Upcoming(kOtherVillage, 1);
  ASSERT_TRUE(upcoming.ok()) << upcoming.status();
  EXPECT_TRUE(upcoming->empty());
}

}  // namespace
}  // namespace points::domain

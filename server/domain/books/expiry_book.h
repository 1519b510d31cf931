// Expiry of points (README.md, "Expiry"; glossary: annual reset / expiry), optional per village.
//
// At the end of calendar year Y (Jan 1 of Y+1, 00:00 in the village's time) the points a
// household earned before the cut-off, Jan 1 of Y+1-grace_years 00:00, and has not spent lapse.
// Spending consumes the oldest points first, so the lapse is
//   min(max(0, credits posted before the cut-off - debits posted so far), available now)
// where "debits so far" include earlier lapses and "available" is credits_posted - debits_posted
// - debits_pending: a household never goes negative. Everything is read from the household's
// account history in the engine; the domain keeps no balance.
//
// A lapse is an engine transfer household -> the village's expiry sink (kCodeExpiry), never a
// deletion, made in two steps so that a redemption racing the run can never make more lapse
// than FIFO allows: first a pending transfer of the amount read (an upper bound; it holds those
// points), then, from the ledger's own balance at the pending transfer's timestamp, a post of
// max(0, earned before the cut-off - debits posted at that moment), at most the pending amount
// (the rest is released), or a void when nothing lapses. That second amount is read from the
// journal's history, so it is the same however often it is computed.
//
// Ids (ids::Expiry for the pending step, ids::ExpiryResolve for the post or void) are
// deterministic per household, year and attempt. The intent (attempt, amount) is saved, synced,
// before the pending transfer is submitted, so a rerun after a crash finds it and resolves it
// instead of lapsing twice. A pending lapse the ledger refuses (a redemption took the points
// between the read and the submit) leaves its id failed for ever: the book re-reads and tries
// again with the next attempt, at most kExpiryAttemptsMax times per run.
//
// Blocking: calls wait for the engine's group commit. The server calls them from its worker
// pool, never from a gRPC reactor or the engine's completion thread.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_EXPIRY_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_EXPIRY_BOOK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/books/household_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/village_time.h"

namespace points::domain {

// Points stay valid at most this many years beyond the year they were earned in.
inline constexpr uint32_t kExpiryGraceYearsMax = 10;
// Submissions of one household's lapse in one run: each refusal means a redemption raced the
// lapse, so a handful is plenty; beyond it the run reports ABORTED and the next run goes on.
inline constexpr uint32_t kExpiryAttemptsMax = 8;
// Years count in China Standard Time unless the book is opened with another offset (as
// AwardPolicy::utc_offset_seconds).
inline constexpr int kExpiryUtcOffsetSecondsDefault = kChinaStandardTimeSeconds;

struct ExpiryPolicy {
  bool enabled = false;
  // 0: a full reset at every year end; 1: points stay valid until the end of the following
  // year; at most kExpiryGraceYearsMax.
  uint32_t grace_years = 0;
  // When the policy was last changed (by the book's clock; ignored by SetPolicy): only year
  // ends after it apply, never one before it.
  uint64_t set_at_ns = 0;
  friend bool operator==(const ExpiryPolicy&, const ExpiryPolicy&) = default;
};

// What one RunDue did.
struct ExpiryRun {
  uint64_t year_ends = 0;   // (village, year) pairs completed
  uint64_t households = 0;  // households that lost points
  uint64_t points = 0;      // points lapsed in all
};

// One future (or due, not yet applied) lapse of a household, for its balance reply.
struct Lapse {
  uint64_t expires_at_ns = 0;  // the year end, Jan 1 00:00 in the village's time
  uint32_t year = 0;           // the year that ends then
  uint64_t points = 0;         // what lapses then if the household spends nothing before
  friend bool operator==(const Lapse&, const Lapse&) = default;
};

namespace expiry_internal {
struct VillageState;   // a village's policy and the last year end run for it
struct HouseholdYear;  // one household's lapse at one year end
}  // namespace expiry_internal

class ExpiryBook {
 public:
  // `engine`, `clock`, `store` and `households` must outlive the book; `clock` is the engine's.
  static absl::StatusOr<std::unique_ptr<ExpiryBook>> Open(
      Engine* engine, Clock* clock, DomainStore* store, HouseholdBook* households,
      int utc_offset_seconds = kExpiryUtcOffsetSecondsDefault);

  // Sets a village's policy, stamped with the clock. Setting the same enabled and grace_years
  // again changes nothing (set_at_ns stays). A change first applies the year ends that passed
  // under the old policy and were not yet run, so a change never skips or redoes one.
  absl::Status SetPolicy(VillageId village, const ExpiryPolicy& policy);
  // A village without a policy has a disabled one (set_at_ns 0).
  absl::StatusOr<ExpiryPolicy> GetPolicy(VillageId village) const;

  // Applies every year end that has passed since each enabled village's policy was set and is
  // not done yet: every open household of the village, then the year is marked done. Idempotent
  // and crash-safe. One household's failure does not stop the others; its year is not marked
  // done, and the first error is returned after the rest were tried.
  absl::StatusOr<ExpiryRun> RunDue();

  // Tests only: runs between reading a household's lapse and submitting it, where a
  // redemption can race a run (the test makes one there).
  void SetBeforeSubmitForTesting(std::function<void()> hook) { before_submit_ = std::move(hook); }

  // What the household loses when, assuming it spends nothing more: any year end that has passed
  // but not yet been applied to it, then the next two, oldest first (points may be 0). Empty for
  // a village without an enabled policy and for a closed household; NOT_FOUND for a household
  // the HouseholdBook does not know (RunDue would never lapse its points).
  absl::StatusOr<std::vector<Lapse>> Upcoming(VillageId village, uint64_t household) const;

 private:
  using VillageState = expiry_internal::VillageState;
  using HouseholdYear = expiry_internal::HouseholdYear;

  ExpiryBook(Engine* engine, Clock* clock, DomainStore* store, HouseholdBook* households,
             int utc_offset_seconds);

  // Jan 1 of `year` 00:00 in the village's time, in ns since the epoch.
  uint64_t NewYearNs(uint32_t year) const;
  uint32_t YearOf(uint64_t ns) const;
  // The first year whose end may still need running for the village.
  uint32_t FirstYearToRun(const VillageState& state) const;

  absl::StatusOr<VillageState> LoadVillage(VillageId village) const;
  absl::Status SaveVillage(VillageId village, const VillageState& state);
  absl::StatusOr<HouseholdYear> LoadHouseholdYear(VillageId village, uint32_t year,
                                                  uint64_t household) const;
  absl::Status SaveHouseholdYear(VillageId village, uint32_t year, uint64_t household,
                                 const HouseholdYear& record);

  // The FIFO lapse at `cut_off_ns` with `extra_debits` more points already gone (Upcoming's
  // earlier lapses); 0 for a household without an account.
  absl::StatusOr<uint64_t> LapseAt(VillageId village, uint64_t household, uint64_t cut_off_ns,
                                   uint64_t extra_debits) const;
  // Runs the year ends due for one village under `state`, which it advances; adds to `run`.
  absl::Status RunVillage(VillageId village, VillageState* state, ExpiryRun* run);
  // Posts (or voids) pending lapse `pending` by FIFO at its own timestamp; the points lapsed.
  absl::StatusOr<uint64_t> ResolveLapse(VillageId village, uint64_t household, uint32_t year,
                                        uint32_t attempt, uint64_t cut_off_ns,
                                        const Transfer& pending);
  // ResolveLapse, then the household's year is done.
  absl::StatusOr<uint64_t> FinishLapse(VillageId village, uint32_t year, uint64_t household,
                                       uint64_t cut_off_ns, const Transfer& pending,
                                       HouseholdYear* record);
  // Credits posted to the household's account before `cut_off_ns`: what it had earned then.
  absl::StatusOr<uint64_t> EarnedBefore(Id account, uint64_t cut_off_ns) const;
  // Lapses one household's points for one year end; the points lapsed (0 when done before).
  absl::StatusOr<uint64_t> ExpireHousehold(VillageId village, uint32_t year, uint32_t grace_years,
                                           uint64_t household);

  Engine* const engine_;
  Clock* const clock_;
  DomainStore* const store_;
  HouseholdBook* const households_;
  const int utc_offset_seconds_;
  std::function<void()> before_submit_;
  // One village's steps in turn (its policy, its runs, its lapses), villages in parallel: a run
  // holds only its village's lock across the ledger and the store (workflow.h's lock rule). The
  // household's floor in the engine, not this lock, keeps a lapse and a redemption from
  // overspending.
  mutable RecordLocks<VillageId> village_locks_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_EXPIRY_BOOK_H_

// The award workflow (README.md, "Awards"): record -> review -> public notice -> posted, with
// objections that hold an award for the committee's decision. State lives in the domain store;
// points move only through the ledger chains of ledger_layout.h, whose budget and cap legs the
// engine enforces. Every step is idempotent and crash-safe: the record is written (synced)
// before its chain is submitted, and Resume resubmits the chain of an award caught in between.
//
// Every step is idempotent: resent after a lost answer it returns the award as it stands, and a
// resend of an approval that an error interrupted finishes it. A void that committed just before
// a crash is recognised when the award is next posted. Fault points (fault_point.h):
// "award.record.after_intent" (saved approving, its chain not yet sent) and
// "award.approve.after_chain" (the chain committed, the outcome not yet saved).
//
// Concurrency: the steps of one award take turns; steps of different awards (another
// household's, another village's) run at the same time (workflow.h's lock rule).
//
// Blocking: calls wait for the engine's group commit. The server calls them from its worker
// pool, never from a gRPC reactor or the engine's completion thread.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_AWARD_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_AWARD_BOOK_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/books/rule_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/resume.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/award.h"
#include "server/domain/values/village_time.h"

namespace points::domain {

struct AwardPolicy {
  uint64_t notice_window_ns = 3 * kNanosPerDay;  // how long an award is on the notice board
  // Awards of more points need a second person's approval; at or below it, recording puts the
  // award on notice at once. 0: every award is reviewed.
  uint64_t review_threshold_points = 0;
  int utc_offset_seconds = kChinaStandardTimeSeconds;  // days, months and years: village time
};

// Awards of a round saved together: one synced write for so many, and so many award locks held
// by one call at most (kRecordsHeldMax bounds them across the worker threads).
inline constexpr size_t kRoundSliceAwards = 128;

class AwardBook {
 public:
  // `engine`, `clock`, `store` and `rules` must outlive the book. Decodes and indexes the awards
  // and writes nothing (`pointsd verify` opens it on a read-only store): the awards a crash left
  // between approval and notice are only counted, for Resume.
  //
  // `rules` is the catalogue awards are scored by: Record reads the rule's number and version
  // (0 = the one in effect) from the request and takes the rest from the catalogue. Only tests
  // of the workflow alone pass null, and then give the whole rule in the request.
  static absl::StatusOr<std::unique_ptr<AwardBook>> Open(Engine* engine, Clock* clock,
                                                         DomainStore* store, AwardPolicy policy,
                                                         const RuleBook* rules = nullptr);

  // Ledger set-up, idempotent: a village's accounts, a household's account, and the issuance
  // budget of a period (YYYYMM, in the village's time). A budget is set once per period.
  absl::Status SetUpVillage(VillageId village);

  // Awards a crash left between approval and notice (resume.h), as Open found them less those
  // Resume has finished since.
  uint64_t interrupted() const;
  // Resubmits their chains (the same ids answer exists where the first attempt got through). One
  // that fails stays approving: a resend of it, or the next Resume, tries again.
  ResumeReport Resume();
  absl::Status SetUpHousehold(VillageId village, uint64_t household);
  absl::Status SetBudget(VillageId village, uint32_t period, uint64_t points);

  // Records an award. Idempotent by award id: the same request again returns the award as it
  // stands; different fields under a used id are ALREADY_EXISTS. At or below the review
  // threshold the award goes on notice at once (or is refused by the ledger's limits).
  //
  // With `kAsPromised` the request's rule version is used even if a later one has taken effect
  // since (it must be in the catalogue): a task pays what it promised when it was posted.
  enum class Scoring { kInEffect, kAsPromised };
  absl::StatusOr<Award> Record(const AwardRequest& request, Scoring scoring = Scoring::kInEffect);
  // A round of awards (an inspection round, RecordAwards): each as Record would, one result per
  // request in order, but the new awards of each slice of kRoundSliceAwards saved in one synced
  // write. An award id given twice is recorded, then answered as a resend.
  std::vector<absl::StatusOr<Award>> RecordRound(const std::vector<AwardRequest>& requests,
                                                 Scoring scoring = Scoring::kInEffect);
  // A second person approves: the award goes on notice (or is refused). The recorder may not
  // approve their own award (PERMISSION_DENIED).
  absl::StatusOr<Award> Approve(VillageId village, Id award, const std::string& reviewer);
  // An objection during the notice window holds the award (FAILED_PRECONDITION after it).
  absl::StatusOr<Award> Object(VillageId village, Id award, const std::string& by,
                               const std::string& reason);
  // The committee's decision on a held award: keep (it posts when its window has ended) or void
  // (its points, budget and caps are given back).
  absl::StatusOr<Award> Decide(VillageId village, Id award, bool keep, const std::string& by);
  // Posts every award whose window has ended and that nobody holds; how many it posted. The
  // server's notice timer calls it; nobody presses a button.
  absl::StatusOr<size_t> PostDue();

  absl::StatusOr<Award> Get(VillageId village, Id award) const;
  // A village's awards in `state`, in award-id order.
  absl::StatusOr<std::vector<Award>> List(VillageId village, AwardState state) const;

 private:
  AwardBook(Engine* engine, Clock* clock, DomainStore* store, AwardPolicy policy,
            const RuleBook* rules);
  // The request with its rule as the catalogue has it (see Open).
  absl::StatusOr<AwardRequest> WithCatalogueRule(const AwardRequest& request,
                                                 const absl::StatusOr<Award>& existing,
                                                 Scoring scoring) const;
  absl::Status Save(const Award& award);
  // Record's steps under the award's lock: Begin checks the request and makes the award to save
  // (fresh), or finds it as it stands (a resend); Continue, once a fresh one is saved, puts an
  // award that needs no review on notice, and finishes a resend's interrupted approval.
  struct Begun {
    Award award;
    bool fresh = false;
  };
  absl::StatusOr<Begun> Begin(const AwardRequest& unscored, Scoring scoring);
  absl::StatusOr<Award> Continue(Begun begun);
  void RecordSlice(const std::vector<AwardRequest>& requests, size_t begin, size_t end,
                   Scoring scoring, std::vector<absl::StatusOr<Award>>* results);
  absl::StatusOr<Award> Load(VillageId village, Id award) const;
  // Approving -> on notice (or refused): ensures the cap accounts, submits the pending chain.
  absl::StatusOr<Award> PutOnNotice(Award award);
  absl::Status EnsureCaps(const Award& award);
  absl::Status CheckAccountsExist(VillageId village, uint64_t household) const;
  absl::StatusOr<Award> PostOne(Award award);
  void TrackNotice(const Award& award) ABSL_LOCKS_EXCLUDED(mu_);

  Engine* const engine_;
  Clock* const clock_;
  DomainStore* const store_;
  const AwardPolicy policy_;
  const RuleBook* const rules_;
  // One step of an award at a time (a resend racing its original, an approval racing an
  // objection); steps of different awards run in parallel: the limits that matter under
  // concurrency are the ledger's floors. Held across the ledger and the store (workflow.h).
  RecordLocks<std::pair<VillageId, Id>> award_locks_;
  RecordLocks<std::pair<VillageId, uint32_t>> budget_locks_;
  // Guards on_notice_ only, never across an engine call or a sync.
  mutable absl::Mutex mu_;
  // Awards on notice (not held), by when their window ends: what PostDue looks at.
  std::set<std::tuple<uint64_t, VillageId, Id>> on_notice_ ABSL_GUARDED_BY(mu_);
  // Approving awards found at open, for Resume.
  InterruptedWork<std::pair<VillageId, Id>> interrupted_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_AWARD_BOOK_H_

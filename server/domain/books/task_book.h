// Tasks (README.md; glossary: claim a task, 认领任务): the committee posts a task worth points
// (a rule of the catalogue whose category is kCodeTask, times `units`), with a number of slots
// and a deadline; households, partner shops and social organisations claim the slots; a
// claimant completes its claim with evidence; the committee verifies it, which for a household
// records an award through the normal award workflow; slots nobody claimed lapse at the
// deadline.
//
// Rules:
// - Posting is idempotent by task number: the same content returns the task, other content under
//   a used number is ALREADY_EXISTS. The rule must resolve (RuleBook::Resolve, at posting time)
//   to a task rule; an unknown, retired or non-task rule is FAILED_PRECONDITION. The deadline
//   must be after now; points per claim (rule points x units x difficulty) must be
//   1..kAwardPointsMax by the version in effect at posting.
// - Slots are a ledger account, not a counter: the account TaskSlots on the village's limits
//   ledger has the floor debits_must_not_exceed_credits and is funded with `slots` from the
//   limit source at posting; each claim moves 1 from it to the limit sink under a transfer id
//   derived from the claim id. Two claimants racing for the last slot cannot both get it: the
//   engine's floor decides in its one writer (exceeds_credits), not a read-then-write here.
//   Slots never free: a claim is never given back (a claimant who cannot do the task lets the
//   claim lapse), so after "no slot left" nothing can ever succeed on that task.
// - A claim is idempotent by its client-chosen claim id: the same id with the same fields
//   returns the claim (or the same refusal); the id with other fields is ALREADY_EXISTS. A
//   claimant holds at most one slot per task: a second claim id for the same claimant is
//   ALREADY_EXISTS. A claim at or after the deadline, or on a closed task, is
//   FAILED_PRECONDITION; so is "no slot left" (the claim is kept as refused so that a resend
//   answers the same; its transfer id stays failed in the ledger for ever). A household claimant
//   needs its points account, a shop its shop accounts; an organisation is a number the
//   committee gives out (no registry of organisations exists yet).
// - Completion (claimed -> completed) carries 1..kEvidenceRefsMax evidence references and an
//   optional note, and is allowed until the deadline (strictly before it): work reported after
//   the deadline is not the task's. Idempotent for the same evidence, note and person.
// - Verification (completed -> verified) is allowed at any time after completion, also after
//   the deadline and after the task closed: the work was done in time. For a household it
//   records an award through AwardBook::Record: award id ids::TaskAward(village, task, claim id),
//   rule = the task's rule in the version in effect at posting (the task pays what it promised,
//   even if the rule changed or was retired since), quantity = units, evidence
//   = the completion's, note = the task title, recorded_by = the verifier. The award then takes
//   the normal path (review by a second person above the threshold, notice, objection, posted
//   by the timer), and may be refused there by the budget or a cap: the claim stays verified
//   and names the award, whose state says what became of the points. Shops and organisations
//   are not households and hold no points: they are verified without an award (award id 0).
//   The award id is a SHA-256-derived domain id (prefix byte 0xD0, ids.h): a client choosing
//   award ids at random never meets it; a client copying one gets ALREADY_EXISTS from Record
//   (other fields) or the very award the verification would have recorded (same fields), never
//   a second payment.
// - Lapse (LapseDue, from the server's 1-second timer): at the deadline, claims still only
//   claimed become lapsed, the slots nobody claimed move slots -> limit sink in one journaled
//   transfer ids::TaskLapse (amount read from the slots account: nothing else can debit it,
//   claims at or after the deadline being refused and claims in flight waited for), and the
//   task closes. Completed claims stay completed and may still be verified.
//
// Crash safety, as in award_book.h: each step saves its intent (with the deterministic ids it
// will use) before it submits to the ledger or records an award, and saves the outcome after;
// Resume resends what a crash left in between (posting, claiming, verifying; a task caught closing
// is finished by LapseDue's next tick, like one whose deadline passed while the server was
// down). A claim is
// submitted outside the book's lock, so claims of many claimants share the engine's group
// commit; every other step holds the lock.
//
// Storage (domain store): "task/" + village (4) + task (4); "claim/" + village (4) + task (4) +
// claim id (16), big-endian. In memory: the active claim of each claimant, the claims in flight
// and the open tasks by deadline, rebuilt by Open.
//
// Blocking: calls wait for the engine's group commit. The server calls them from its reader
// pool, never from a gRPC reactor or the engine's completion thread.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_TASK_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_TASK_BOOK_H_

#include <cstddef>
#include <cstdint>
#include <map>
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
#include "points/types.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/rule_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/resume.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/award.h"
#include "server/domain/values/codes.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/task_values.h"

namespace points::domain {

// The stored forms (a version byte first); DATA_LOSS when the bytes do not decode.
std::string EncodeTask(const Task& task);
absl::StatusOr<Task> DecodeTask(const std::string& bytes);
std::string EncodeTaskClaim(const TaskClaim& claim);
absl::StatusOr<TaskClaim> DecodeTaskClaim(const std::string& bytes);
// The keys they are stored under.
std::string TaskKey(VillageId village, uint32_t task);
std::string TaskClaimKey(VillageId village, uint32_t task, Id claim);

class TaskBook {
 public:
  // `engine`, `clock`, `store`, `awards` and `rules` must outlive the book. Rebuilds the
  // in-memory indexes and writes nothing (`pointsd verify` opens it on a read-only store): what
  // a crash left between intent and outcome is only counted, for Resume.
  static absl::StatusOr<std::unique_ptr<TaskBook>> Open(Engine* engine, Clock* clock,
                                                        DomainStore* store, AwardBook* awards,
                                                        const RuleBook* rules);

  // Tasks posting, claims claiming and verifications verifying that a crash left so
  // (resume.h), as Open found them less those Resume has finished since.
  uint64_t interrupted() const;
  // Resends them with the same ids (answered `exists` where the first attempt got through); run
  // it after the award book's Resume, since a verification records an award. One that fails
  // stays as it is: a resend of it, or the next Resume, tries again.
  ResumeReport Resume();

  // Posts a task (see the rules above); returns it as stored.
  absl::StatusOr<Task> Post(const TaskRequest& request);
  // Claims a slot; returns the claim, claimed.
  absl::StatusOr<TaskClaim> Claim(const ClaimRequest& request);
  // The claimant's claim: claimed -> completed.
  absl::StatusOr<TaskClaim> Complete(VillageId village, uint32_t task, const Claimant& claimant,
                                     const std::vector<std::string>& evidence,
                                     const std::string& note, const std::string& by);
  // The claimant's claim: completed -> verified (a household's with its award recorded).
  absl::StatusOr<TaskClaim> Verify(VillageId village, uint32_t task, const Claimant& claimant,
                                   const std::string& by);
  // Closes every task whose deadline has passed; returns how many it closed. A task with a
  // claim still in flight waits for the next tick; one task's error does not hold up the others
  // (the first error is returned after the rest were tried).
  absl::StatusOr<size_t> LapseDue();

  absl::StatusOr<Task> Get(VillageId village, uint32_t task) const;
  // A village's tasks in number order, with their counts; at most kTaskListMax (the highest
  // numbers, the latest).
  // `truncated` (may be null) says whether there were more.
  absl::StatusOr<std::vector<Task>> List(VillageId village, bool* truncated = nullptr) const;
  // A task's claims, refused ones included, in claim-id order.
  absl::StatusOr<std::vector<TaskClaim>> Claims(VillageId village, uint32_t task) const;

  // OK only when `household`'s claim on `task` was verified (a satisfaction rating is allowed
  // then; RatingBook's TaskChecker); NOT_FOUND for an unknown task or a household without a
  // claim on it, FAILED_PRECONDITION naming the claim's state otherwise.
  absl::Status CheckRatable(VillageId village, uint32_t task, uint64_t household) const;

 private:
  // (village, task, claimant kind, claimant number)
  using ClaimantKey = std::tuple<VillageId, uint32_t, uint8_t, uint64_t>;
  // (village, task, claim id)
  using ClaimKey = std::tuple<VillageId, uint32_t, Id>;

  TaskBook(Engine* engine, Clock* clock, DomainStore* store, AwardBook* awards,
           const RuleBook* rules);

  absl::StatusOr<Task> LoadTask(VillageId village, uint32_t task) const;
  absl::StatusOr<TaskClaim> LoadClaim(VillageId village, uint32_t task, Id claim) const;
  absl::Status SaveTask(const Task& task);
  absl::Status SaveClaim(const TaskClaim& claim);
  // Keeps the in-memory indexes in step with a claim as saved.
  void Track(const TaskClaim& claim) ABSL_LOCKS_EXCLUDED(mu_);
  void TrackLocked(const TaskClaim& claim) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The claimant's active (not refused) claim: its id (0 for none), and the claim.
  Id ActiveClaim(VillageId village, uint32_t task, const Claimant& claimant) const
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<TaskClaim> ClaimOf(VillageId village, uint32_t task,
                                    const Claimant& claimant) const ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status CheckVillageAccounts(VillageId village) const;
  absl::Status CheckClaimantAccounts(VillageId village, const Claimant& claimant) const;
  absl::StatusOr<uint64_t> SlotsLeft(VillageId village, uint32_t task) const;

  // Posting -> open: creates and funds the slots account (the same ids every time).
  absl::StatusOr<Task> FinishPost(Task task) ABSL_LOCKS_EXCLUDED(mu_);
  // Claiming -> claimed or refused: submits the slot transfer without the task's lock, then
  // saves the outcome under it if the claim is still claiming.
  absl::StatusOr<TaskClaim> SubmitClaim(TaskClaim claim) ABSL_LOCKS_EXCLUDED(mu_);
  // Verifying -> verified: records the household's award (the same award id every time).
  void ResendClaimsInFlightOfDueTasks() ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<TaskClaim> FinishVerify(TaskClaim claim, const Task& task)
      ABSL_LOCKS_EXCLUDED(mu_);
  // A claim of the task waits for its slot's answer.
  bool ClaimsInFlight(VillageId village, uint32_t task) const ABSL_LOCKS_EXCLUDED(mu_);
  // Open or closing -> closed.
  absl::Status Close(Task task) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status FillCounts(std::vector<Task>& tasks) const;
  // A step Open found between intent and outcome; `claim` is 0 for a posting.
  struct InterruptedStep {
    enum Kind { kPosting, kVerifying, kClaiming };
    Kind kind;
    VillageId village;
    uint32_t task;
    Id claim;
  };
  // Sends one on: OK when it is finished (by this, or by a resend meanwhile).
  absl::Status ResumeStep(const InterruptedStep& step) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<bool> StillInterrupted(const InterruptedStep& step) const;
  // "posting of task 1/7", "claim 1/42 on task 7": for a ResumeError.
  static std::string StepName(const InterruptedStep& step);

  Engine* const engine_;
  Clock* const clock_;
  DomainStore* const store_;
  AwardBook* const awards_;
  const RuleBook* const rules_;
  // One task's steps in turn (its posting, each claim's intent and outcome, completions,
  // verifications, its closing), held across the ledger and the store; tasks in parallel
  // (workflow.h's lock rule). A claim's slot transfer runs outside it, so that claims on one task
  // share a group commit and the slots account's floor decides who gets the last slots.
  RecordLocks<std::pair<VillageId, uint32_t>> task_locks_;
  // The in-memory indexes only, never held across the ledger or the store.
  mutable absl::Mutex mu_;
  std::map<ClaimantKey, Id> active_claims_ ABSL_GUARDED_BY(mu_);
  std::set<ClaimKey> claiming_ ABSL_GUARDED_BY(mu_);
  // Tasks not closed, by deadline: what LapseDue looks at.
  std::set<std::tuple<uint64_t, VillageId, uint32_t>> open_tasks_ ABSL_GUARDED_BY(mu_);
  // For Resume, postings first, then verifications, then claims.
  std::vector<InterruptedStep> interrupted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_TASK_BOOK_H_

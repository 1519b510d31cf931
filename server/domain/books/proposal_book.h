// Residents raise, deliberate and decide matters themselves (民事民提、民事民议、民事民决;
// README.md, "Proposals and projects"), and an approved project is the only way money leaves the
// community micro-fund:
//
//   proposed --accept (a vote window)--> in deliberation --the window closes--> decided
//       \--decline (a public reason)                       (approve, reject or defer; a reason
//                                                           when it differs from the vote)
//   approved (its cost reserved: a pending transfer micro-fund -> project payments, refused by
//   the fund's floor when the fund cannot cover it) --complete--> payout: a second person's
//   approval above the threshold, then public notice for objections like an award's, then paid
//   by the server's timer (the reservation posted); cancel voids the reservation.
//
// Votes: one per household, cast by the household's own app or recorded (by a committee member
// or the household's grid worker) for its registered proxy; the same vote again is answered
// with the stored one, a different one is ALREADY_EXISTS; none after the window. The counts are
// public once the window has closed; before, only how many have voted.
//
// Crash safety as in the award book: each ledger step saves its intent (with the transfer id it
// will use) first; Open counts a proposal a crash left in between and Resume (resume.h)
// resubmits its step: an approval's reservation, a payout's post, a cancellation's void. Fault
// points (fault_point.h), each after the intent is saved and before its transfer is sent:
// "proposal.reserve.after_intent", "proposal.pay.after_intent", "proposal.release.after_intent";
// and after the transfer committed, before its outcome is saved: the same with
// ".after_transfer". Blocking: steps wait for the ledger, so the server runs them on its
// worker pool.
//
// Storage (the domain store): "prop/p/" + village (4 bytes) + number (4): proposals;
// "prop/id/" + village + proposal id (16) -> number: the client's idempotency key, written in one
// write with its proposal (DomainStore::Write);
// "prop/vote/" + village + number + household (8): votes; "prop/remark/" + village + number +
// remark id (16): comments.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_PROPOSAL_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_PROPOSAL_BOOK_H_

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
#include "server/domain/books/award_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/resume.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/proposal_values.h"

namespace points::domain {

class ProposalBook {
 public:
  // Everything must outlive the book. Only decodes and indexes: a ledger step a crash
  // interrupted is counted, for Resume.
  static absl::StatusOr<std::unique_ptr<ProposalBook>> Open(Engine* engine, Clock* clock,
                                                            DomainStore* store,
                                                            const HouseholdBook* households,
                                                            ProposalPolicy policy);
  // Proposals a crash left between a step's intent and its outcome (resume.h), as Open found
  // them less those Resume has finished since.
  uint64_t interrupted() const;
  // Resubmits their steps with the same transfer ids. One that fails stays as it is: a resend,
  // or the next Resume, tries again.
  ResumeReport Resume();

  // Raises a proposal for an open household of the village. Idempotent by proposal id (the
  // same again returns it; other content is ALREADY_EXISTS).
  absl::StatusOr<Proposal> Propose(const ProposalRequest& request);
  // The committee accepts it for deliberation with a vote window ending at `vote_ends_at_ns`
  // (after now, within kVoteWindowMaxNs), or declines it with a public reason.
  absl::StatusOr<Proposal> Accept(VillageId village, uint32_t number, uint64_t vote_ends_at_ns,
                                  const std::string& note, const std::string& by);
  absl::StatusOr<Proposal> Decline(VillageId village, uint32_t number, const std::string& reason,
                                   const std::string& by);
  // A comment while it is proposed or in deliberation (until the vote closes). Idempotent by
  // remark id.
  absl::StatusOr<Remark> Comment(const Remark& remark);
  // A household's vote (see above); `proxy_name`, when set, must be the household's proxy.
  absl::StatusOr<Vote> CastVote(const Vote& vote);
  absl::StatusOr<Tally> Count(VillageId village, uint32_t number) const;
  // The committee's decision once the window has closed (or on a deferred proposal); a reason is
  // required when it differs from the vote's result. Approving a proposal with a cost reserves
  // it from the fund: FAILED_PRECONDITION when the fund cannot cover it (nothing is decided).
  absl::StatusOr<Proposal> Decide(VillageId village, uint32_t number, Decision decision,
                                  const std::string& reason, const std::string& by);

  // The project is done: without a cost it is completed; with one its payout goes to review
  // (above the threshold) or straight onto notice.
  absl::StatusOr<Proposal> Complete(VillageId village, uint32_t number, const std::string& by);
  // A second person (not the one who completed it) approves the payout: it goes on notice.
  absl::StatusOr<Proposal> ApprovePayout(VillageId village, uint32_t number, const std::string& by);
  // An objection during the payout's notice window holds it for the committee's decision.
  absl::StatusOr<Proposal> ObjectToPayout(VillageId village, uint32_t number, const std::string& by,
                                          const std::string& reason);
  // Keep: back on notice (paid at once when the window has ended); withdraw: the payout is
  // withdrawn and the project stays approved, its cost still reserved.
  absl::StatusOr<Proposal> DecidePayout(VillageId village, uint32_t number, bool keep,
                                        const std::string& by);
  // Cancels an approved project before it is paid: its reservation is released.
  absl::StatusOr<Proposal> Cancel(VillageId village, uint32_t number, const std::string& reason,
                                  const std::string& by);
  // Pays every payout whose notice window has ended and that nobody holds; how many. The
  // server's workflow timer calls it.
  absl::StatusOr<size_t> PayDue();

  absl::StatusOr<Proposal> Get(VillageId village, uint32_t number) const;
  // The latest kProposalsListMax proposals in number order; `truncated` (may be null) says
  // whether there are more.
  absl::StatusOr<std::vector<Proposal>> List(VillageId village, bool* truncated = nullptr) const;
  // A proposal's comments, oldest first.
  absl::StatusOr<std::vector<Remark>> Remarks(VillageId village, uint32_t number) const;

 private:
  ProposalBook(Engine* engine, Clock* clock, DomainStore* store, const HouseholdBook* households,
               ProposalPolicy policy)
      : engine_(engine), clock_(clock), store_(store), households_(households), policy_(policy) {}
  absl::Status Save(const Proposal& proposal);
  absl::StatusOr<Proposal> Load(VillageId village, uint32_t number) const;
  // OK when the household is an open household of the village.
  absl::Status CheckHousehold(VillageId village, uint64_t household) const;
  absl::StatusOr<Tally> CountLocked(const Proposal& proposal) const;
  absl::StatusOr<Proposal> Approve(Proposal proposal);
  // kApproving -> kApproved, or back to where it was with the refusal (FAILED_PRECONDITION).
  absl::StatusOr<Proposal> Reserve(Proposal proposal);
  absl::StatusOr<Proposal> Pay(Proposal proposal);
  absl::StatusOr<Proposal> Release(Proposal proposal);
  void TrackNotice(const Proposal& proposal) ABSL_LOCKS_EXCLUDED(mu_);

  Engine* const engine_;
  Clock* const clock_;
  DomainStore* const store_;
  const HouseholdBook* const households_;
  const ProposalPolicy policy_;
  // One village's steps in turn (its proposal numbers follow each other; a vote races a
  // decision); other villages do not wait (workflow.h). What must hold under concurrency (the
  // fund never below zero) is the ledger's floor, not this lock.
  RecordLocks<VillageId> village_locks_;
  // Guards last_number_ and on_notice_ only, never across an engine call or a sync.
  mutable absl::Mutex mu_;
  std::map<VillageId, uint32_t> last_number_ ABSL_GUARDED_BY(mu_);
  // Payouts on notice (not held), by when their window ends: what PayDue looks at.
  std::set<std::tuple<uint64_t, VillageId, uint32_t>> on_notice_ ABSL_GUARDED_BY(mu_);
  // What Open found between intent and outcome, by village and number, for Resume.
  InterruptedWork<std::pair<VillageId, uint32_t>> interrupted_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_PROPOSAL_BOOK_H_

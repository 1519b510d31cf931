// Residents' proposals' values (README.md, "Proposals"): proposals, votes, remarks and tallies
// as the proposal book keeps them and the clients see them. Values only: the book is
// proposal_book.h.
#ifndef POINTS_SERVER_DOMAIN_VALUES_PROPOSAL_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_PROPOSAL_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "points/types.h"
#include "server/domain/values/award.h"
#include "server/domain/values/ids.h"

namespace points::domain {

inline constexpr size_t kProposalTitleBytesMax = 200;
inline constexpr size_t kProposalTextBytesMax = 4000;           // the description
inline constexpr uint64_t kProjectCostFenMax = 10'000'000'000;  // 10^8 yuan
inline constexpr size_t kReasonBytesMax = 1000;  // a decline, decision, objection or cancellation
inline constexpr size_t kRemarkBytesMax = 500;   // one comment in deliberation
inline constexpr size_t kRemarksPerProposalMax = 1000;
inline constexpr uint64_t kVoteWindowMaxNs = 90 * kNanosPerDay;
inline constexpr size_t kProposalsListMax = 1000;  // List: the latest
// Payouts of more fen need a second person's approval before they go on notice.
inline constexpr uint64_t kPayoutReviewFenDefault = 100'000;  // 1000 yuan

struct ProposalPolicy {
  uint64_t notice_window_ns = 3 * kNanosPerDay;  // a payout on the notice board
  uint64_t payout_review_threshold_fen = kPayoutReviewFenDefault;
};

enum class ProposalState : uint8_t {
  kProposed = 1,      // waits for the committee to accept it for deliberation, or decline it
  kDeclined = 2,      // declined, with a public reason
  kDeliberation = 3,  // comments and the vote until the window closes, then the decision
  kDeferred = 4,      // the committee deferred its decision; it may decide later
  kRejected = 5,
  kApproving = 6,     // approved; the cost's reservation is being submitted (Resume finishes it)
  kApproved = 7,      // approved (its cost reserved): the project is under way
  kPayoutReview = 8,  // done; the payout waits for a second person's approval
  kPayoutNotice = 9,  // done; the payout is on public notice
  kPayoutHeld = 10,   // an objection holds the payout for the committee's decision
  kPaying = 11,       // the payout's post is being submitted (Resume finishes it)
  kCompleted = 12,    // done and paid (or done, when it cost nothing)
  kCancelling = 13,   // the reservation's void is being submitted (Resume finishes it)
  kCancelled = 14,
};
const char* ProposalStateName(ProposalState state);

enum class Decision : uint8_t { kNone = 0, kApprove = 1, kReject = 2, kDefer = 3 };
const char* DecisionName(Decision decision);
enum class VoteChoice : uint8_t { kFor = 1, kAgainst = 2, kAbstain = 3 };
const char* VoteChoiceName(VoteChoice choice);

struct ProposalRequest {
  VillageId village = 0;
  Id proposal = 0;          // client-chosen, the idempotency key
  uint64_t household = 0;   // the household that raises it (a committee member may for it)
  std::string title;        // 1..kProposalTitleBytesMax bytes of UTF-8
  std::string description;  // 0..kProposalTextBytesMax
  uint64_t cost_fen = 0;    // from the micro-fund; 0: none
  std::string proposed_by;  // the principal
  friend bool operator==(const ProposalRequest&, const ProposalRequest&) = default;
};

struct Proposal {
  ProposalRequest request;
  uint32_t number = 0;  // the village's number for it, 1, 2, ... in the order proposed
  ProposalState state = ProposalState::kProposed;
  uint64_t proposed_at_ns = 0;
  std::string reviewed_by;    // who accepted or declined it
  std::string review_reason;  // a decline's reason (public), or an acceptance's note
  uint64_t vote_ends_at_ns = 0;
  Decision decision = Decision::kNone;
  std::string decision_reason;
  std::string decided_by;
  uint64_t decided_at_ns = 0;
  uint32_t spend_attempt = 0;  // reservations tried (ids::ProjectSpend), 0 when none
  ProposalState before_approving = ProposalState::kDeliberation;  // restored if refused
  std::string refusal;  // why the last reservation was refused
  std::string completed_by;
  uint64_t completed_at_ns = 0;
  std::string payout_approved_by;
  uint64_t notice_ends_at_ns = 0;  // the payout's notice window
  std::string objected_by;
  std::string objection;
  std::string payout_decided_by;
  uint64_t paid_at_ns = 0;
  std::string cancelled_by;
  std::string cancel_reason;
};

struct Vote {
  VillageId village = 0;
  uint32_t proposal = 0;
  uint64_t household = 0;
  VoteChoice choice = VoteChoice::kFor;
  std::string by;          // the principal that cast or recorded it
  std::string proxy_name;  // set when recorded for the household's proxy
  uint64_t cast_at_ns = 0;
};

// A comment in deliberation, by (or for) a household of the village.
struct Remark {
  VillageId village = 0;
  uint32_t proposal = 0;
  Id remark = 0;  // client-chosen, the idempotency key
  uint64_t household = 0;
  std::string text;  // 1..kRemarkBytesMax bytes of UTF-8
  std::string by;
  uint64_t at_ns = 0;
};

struct Tally {
  uint64_t votes = 0;   // always public: how many households have voted
  bool closed = false;  // the window has closed: the counts below are public (zeros before)
  uint64_t for_votes = 0;
  uint64_t against = 0;
  uint64_t abstain = 0;
  Decision result = Decision::kNone;  // closed: approve when more for than against, else reject
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_PROPOSAL_VALUES_H_

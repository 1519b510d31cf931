#include "server/domain/values/proposal_values.h"

namespace points::domain {

const char* ProposalStateName(ProposalState state) {
  static const char* const kNames[] = {
      "?",           "proposed",  "declined",  "in_deliberation", "deferred",
      "rejected",    "approving", "approved",  "payout_review",   "payout_on_notice",
      "payout_held", "paying",    "completed", "cancelling",      "cancelled"};
  const size_t i = static_cast<size_t>(state);
  return i < std::size(kNames) ? kNames[i] : "?";
}

const char* DecisionName(Decision decision) {
  static const char* const kNames[] = {"none", "approve", "reject", "defer"};
  const size_t i = static_cast<size_t>(decision);
  return i < std::size(kNames) ? kNames[i] : "?";
}

const char* VoteChoiceName(VoteChoice choice) {
  static const char* const kNames[] = {"?", "for", "against", "abstain"};
  const size_t i = static_cast<size_t>(choice);
  return i < std::size(kNames) ? kNames[i] : "?";
}

}  // namespace points::domain

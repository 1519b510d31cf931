#include "server/domain/store/workflow.h"

namespace points::domain {

ChainOutcome OutcomeOf(const std::vector<TransferEventResult>& results) {
  ChainOutcome outcome;
  outcome.accepted = true;
  for (size_t i = 0; i < results.size(); ++i) {
    const CreateTransferResult r = results[i].result;
    if (r == CreateTransferResult::kOk || r == CreateTransferResult::kExists) continue;
    // The first refusal, or one that says more than "a linked transfer failed".
    const bool says_more = outcome.refused_result == CreateTransferResult::kLinkedEventFailed &&
                           r != CreateTransferResult::kLinkedEventFailed;
    if (outcome.accepted || says_more) {
      outcome.refused_index = i;
      outcome.refused_result = r;
    }
    outcome.accepted = false;
  }
  return outcome;
}

}  // namespace points::domain

#include "server/domain/store/workflow.h"

namespace points::domain {

ChainOutcome OutcomeOf(const std::vector<TransferEventResult>& results) {
  ChainOutcome outcome;
  outcome.accepted = true;
  for (size_t i = 0; i < results.size(); ++i) {
    const CreateTransferResult r = results[i].result;
    if (r == CreateTransferResult::kOk || r == CreateTransferResult::kExists) continue;
    if (outcome.accepted || outcome.refused_result == CreateTransferResult::kLinkedEventFailed) {
      // The first refusal, or a better one than "a linked transfer failed".
      if (outcome.accepted || r != CreateTransferResult::kLinkedEventFailed) {
        outcome.refused_index = i;
        outcome.refused_result = r;
      }
    }
    outcome.accepted = false;
  }
  return outcome;
}

}  // namespace points::domain

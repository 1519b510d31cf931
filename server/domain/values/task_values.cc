#include "server/domain/values/task_values.h"

namespace points::domain {

const char* TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kPosting:
      return "posting";
    case TaskState::kOpen:
      return "open";
    case TaskState::kClosing:
      return "closing";
    case TaskState::kClosed:
      return "closed";
  }
  return "unknown";
}

const char* ClaimantKindName(ClaimantKind kind) {
  switch (kind) {
    case ClaimantKind::kHousehold:
      return "household";
    case ClaimantKind::kShop:
      return "shop";
    case ClaimantKind::kOrganisation:
      return "organisation";
  }
  return "unknown";
}

const char* ClaimStateName(ClaimState state) {
  switch (state) {
    case ClaimState::kClaiming:
      return "claiming";
    case ClaimState::kClaimed:
      return "claimed";
    case ClaimState::kRefused:
      return "refused";
    case ClaimState::kCompleted:
      return "completed";
    case ClaimState::kVerifying:
      return "verifying";
    case ClaimState::kVerified:
      return "verified";
    case ClaimState::kLapsed:
      return "lapsed";
  }
  return "unknown";
}

}  // namespace points::domain

// The task board's values (README.md, "Tasks"): tasks, claimants and claims as the task book
// keeps them and the clients see them. Values only: the book that keeps them is task_book.h;
// clients link these without the store.
#ifndef POINTS_SERVER_DOMAIN_VALUES_TASK_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_TASK_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "points/types.h"
#include "server/domain/values/award.h"
#include "server/domain/values/codes.h"
#include "server/domain/values/ids.h"

namespace points::domain {

inline constexpr uint32_t kTaskNumberMax = 999'999;  // tasks of a village are numbered 1..
inline constexpr size_t kTaskTitleBytesMax = 200;    // UTF-8, about 66 Chinese characters
inline constexpr uint32_t kTaskSlotsMax = 10'000;    // more than a village has households
inline constexpr size_t kTaskListMax = 1000;         // tasks List returns: the latest numbers
// The title is the award's note.
static_assert(kTaskTitleBytesMax <= kNoteBytesMax);

struct TaskRequest {
  VillageId village = 0;
  uint32_t task = 0;         // 1..kTaskNumberMax
  std::string title;         // 1..kTaskTitleBytesMax bytes of UTF-8
  uint32_t rule = 0;         // a task rule of the village's catalogue
  uint64_t units = 1;        // the award's quantity, >= 1
  uint32_t slots = 0;        // 1..kTaskSlotsMax
  uint64_t deadline_ns = 0;  // after now; claims and completions strictly before it
  std::string posted_by;     // 1..kPersonBytesMax bytes
  uint32_t project = 0;      // the approved project (proposal_book.h) it works for; 0: none
  friend bool operator==(const TaskRequest&, const TaskRequest&) = default;
};

enum class TaskState : uint8_t {
  kPosting = 1,  // saved; its slots account is being created and funded (repaired at open)
  kOpen = 2,     // claims are taken until the deadline
  kClosing = 3,  // the deadline passed; the unclaimed slots are lapsing (LapseDue finishes it)
  kClosed = 4,   // final: no claim can be added; completed claims may still be verified
};
const char* TaskStateName(TaskState state);

// How the claims of a task stand; slots_left is read from the ledger.
struct TaskCounts {
  uint64_t slots_left = 0;  // the slots account's balance
  uint64_t claimed = 0;     // claims that took a slot (whatever became of them)
  uint64_t completed = 0;   // of those, completed (also those verified since)
  uint64_t verified = 0;
  uint64_t lapsed = 0;  // claims that lapsed uncompleted at the deadline
  friend bool operator==(const TaskCounts&, const TaskCounts&) = default;
};

struct Task {
  TaskRequest request;
  TaskState state = TaskState::kPosting;
  uint32_t rule_version = 0;      // the version in effect at posting: verified claims are
                                  // scored by it, even if the rule changed since
  uint64_t points_per_claim = 0;  // by that version: what a verified household earns
  uint64_t posted_at_ns = 0;
  uint64_t lapsed_slots = 0;  // set when closing: the unclaimed slots that lapsed
  uint64_t closed_at_ns = 0;
  TaskCounts counts;  // filled by Get and List, never stored
  friend bool operator==(const Task&, const Task&) = default;
};

enum class ClaimantKind : uint8_t { kHousehold = 1, kShop = 2, kOrganisation = 3 };
const char* ClaimantKindName(ClaimantKind kind);

struct Claimant {
  ClaimantKind kind = ClaimantKind::kHousehold;
  uint64_t number = 0;  // household, shop (1..UINT32_MAX) or organisation number, not zero
  friend bool operator==(const Claimant&, const Claimant&) = default;
  friend auto operator<=>(const Claimant&, const Claimant&) = default;
};

struct ClaimRequest {
  VillageId village = 0;
  uint32_t task = 0;
  Id claim = 0;  // client-chosen, the idempotency key; the slot transfer's id derives from it
  Claimant claimant;
  std::string by;  // who claimed (e.g. the household's head, a shop clerk), 1..kPersonBytesMax
  friend bool operator==(const ClaimRequest&, const ClaimRequest&) = default;
};

enum class ClaimState : uint8_t {
  kClaiming = 1,   // saved; its slot transfer is being submitted (repaired at open)
  kClaimed = 2,    // holds a slot
  kRefused = 3,    // final: no slot was left
  kCompleted = 4,  // the claimant reported the work done, with evidence
  kVerifying = 5,  // verified; its award is being recorded (repaired at open)
  kVerified = 6,   // final
  kLapsed = 7,     // final: not completed by the deadline
};
const char* ClaimStateName(ClaimState state);

struct TaskClaim {
  ClaimRequest request;
  ClaimState state = ClaimState::kClaiming;
  uint64_t claimed_at_ns = 0;
  std::string refusal;  // why it was refused
  std::vector<std::string> evidence;
  std::string note;
  std::string completed_by;
  uint64_t completed_at_ns = 0;
  std::string verified_by;
  uint64_t verified_at_ns = 0;
  RuleVersion rule;  // the rule the award is scored by (households; set when verifying)
  Id award = 0;      // the award recorded for a household; 0 for shops and organisations
  uint64_t lapsed_at_ns = 0;
  friend bool operator==(const TaskClaim&, const TaskClaim&) = default;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_TASK_VALUES_H_

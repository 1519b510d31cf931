// The workflow step's parts written once (server/domain/store/workflow.h): the Resume loop over
// interrupted work, the chain's outcome, and the per-record locks.
#include "server/domain/store/workflow.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace points::domain {
namespace {

using TR = CreateTransferResult;

TEST(InterruptedWorkTest, ResumeFinishesWithoutItsLockAndKeepsWhatFailedForNextTime) {
  InterruptedWork<int> work;
  ASSERT_TRUE(work.Set({1, 2, 3}).ok());
  EXPECT_EQ(work.count(), 3u);
  std::vector<int> seen;
  ResumeReport report = work.Resume(
      [&](const int& key) {
        // A finish that asks the list (as a book's step may, through interrupted()) would
        // deadlock if the list's lock were held across it.
        seen.push_back(key);
        work.count();
        return key == 2 ? absl::UnavailableError("the ledger is not answering") : absl::OkStatus();
      },
      [](const int& key) { return absl::StrCat("item ", key); });
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(report.resumed, 2u);
  EXPECT_EQ(report.failed, 1u);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].item, "item 2");
  EXPECT_EQ(report.errors[0].status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(work.count(), 1u) << "what failed stays for the next Resume";

  report = work.Resume([](const int&) { return absl::OkStatus(); },
                       [](const int& key) { return absl::StrCat("item ", key); });
  EXPECT_EQ(report.resumed, 1u);
  EXPECT_EQ(work.count(), 0u);
}

TEST(ChainOutcomeTest, NamesTheTransferThatCausedARefusalNotItsLinkedNeighbours) {
  EXPECT_TRUE(OutcomeOf({{TR::kOk, 1}, {TR::kExists, 2}}).accepted);
  ChainOutcome refused = OutcomeOf(
      {{TR::kLinkedEventFailed, 0}, {TR::kExceedsCredits, 0}, {TR::kLinkedEventFailed, 0}});
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.refused_index, 1u);
  EXPECT_EQ(refused.refused_result, TR::kExceedsCredits);
  ChainOutcome only_linked = OutcomeOf({{TR::kOk, 1}, {TR::kLinkedEventFailed, 0}});
  EXPECT_FALSE(only_linked.accepted);
  EXPECT_EQ(only_linked.refused_index, 1u);
}

TEST(RecordLocksTest, OneRecordTakesTurnsOthersGoOn) {
  RecordLocks<int> locks;
  absl::Notification other_done, same_done;
  std::thread other, same;
  {
    auto held = locks.Lock(1);
    other = std::thread([&] {
      auto h = locks.Lock(2);
      other_done.Notify();
    });
    same = std::thread([&] {
      auto h = locks.Lock(1);
      same_done.Notify();
    });
    EXPECT_TRUE(other_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_FALSE(same_done.WaitForNotificationWithTimeout(absl::Milliseconds(100)));
  }
  EXPECT_TRUE(same_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  other.join();
  same.join();
}

}  // namespace
}  // namespace points::domain

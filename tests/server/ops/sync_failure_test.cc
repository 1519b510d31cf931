// A failed sync through the real pointsd: with fsync/fdatasync failing (EIO, injected by an
// LD_PRELOAD shim into the unmodified binary), the server stops taking writes (UNAVAILABLE,
// saying why; health's "points.write" NOT_SERVING; the metric points_write_serving 0) and goes
// on serving reads; after the disk is mended and pointsd restarted, every acknowledged write is
// there once, the write whose sync failed is there at most once (its resend says which), writes
// resume and `pointsd verify` passes.
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "tests/engine/testing.h"
#include "tests/testing/health_check.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/server_testing.h"

namespace points::server {
namespace {

using client::ClientOptions;
using client::LedgerClient;
using testing::TempDir;

Transfer Award(uint64_t id) { return testing::DemoAward(0x5f00, id); }

// pointsd started with the shim preloaded: the environment is the child's from fork to exec.
std::unique_ptr<testing::Pointsd> StartWithFailingSync(const std::string& data,
                                                       const std::string& flag) {
  setenv("LD_PRELOAD", FAIL_SYNC_PRELOAD_PATH, 1);
  setenv("POINTS_FAIL_SYNC_FLAG", flag.c_str(), 1);
  auto pointsd = std::make_unique<testing::Pointsd>(
      data, 0, std::vector<std::string>{"--demo", "--metrics-listen", "127.0.0.1:0"});
  unsetenv("LD_PRELOAD");
  unsetenv("POINTS_FAIL_SYNC_FLAG");
  return pointsd;
}

TEST(SyncFailureTest, AFailedSyncStopsWritesKeepsReadsAndLosesNothingAcknowledged) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const std::string flag = dir.path() + "/disk-is-failing";
  auto pointsd = StartWithFailingSync(data, flag);
  ASSERT_GT(pointsd->port(), 0);
  ClientOptions no_retries;
  no_retries.retry.max_attempts = 1;
  no_retries.token = pointsd->admin_token();
  LedgerClient client(pointsd->target(), no_retries);
  auto seeded = client.LookupAccounts({101});
  ASSERT_TRUE(seeded.ok() && seeded->size() == 1) << seeded.status();
  const uint64_t baseline = (*seeded)[0].credits_posted;
  constexpr uint64_t kAcknowledged = 50;
  for (uint64_t id = 1; id <= kAcknowledged; ++id) {
    auto results = client.CreateTransfers({Award(id)});
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_EQ((*results)[0].result, CreateTransferResult::kOk);
  }

  std::ofstream(flag).put('x');  // from now on every sync fails
  auto failed = client.CreateTransfers({Award(kAcknowledged + 1)});
  ASSERT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
  EXPECT_TRUE(absl::StrContains(failed.status().message(), "journal write failed"))
      << failed.status();
  // Writes stay refused, saying why, even after the disk would take them again; reads go on.
  std::filesystem::remove(flag);
  auto refused = client.CreateTransfers({Award(kAcknowledged + 2)});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "refuses writes")) << refused.status();
  auto read = client.LookupAccounts({101});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_GE((*read)[0].credits_posted, baseline + kAcknowledged);
  int write_health = 0;
  for (int i = 0; i < 50 && write_health != 2; ++i) {  // the health check runs every second
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    write_health = testing::HealthStatusOf(pointsd->target(), "points.write");
  }
  EXPECT_EQ(write_health, 2) << "points.write NOT_SERVING";
  EXPECT_EQ(testing::HealthStatusOf(pointsd->target(), ""), 1) << "pointsd itself serves";
  const std::string metrics = testing::ScrapeMetrics(pointsd->metrics_port());
  EXPECT_EQ(testing::MetricSample(metrics, "points_write_serving"), 0) << metrics;

  pointsd->Stop(SIGKILL);  // the operator restarts it once the disk is mended
  const testing::Verified verified = testing::VerifyDataDir(data);
  ASSERT_EQ(verified.exit_code, 0) << verified.output;
  testing::Pointsd restarted(data, 0, {});
  LedgerClient again(restarted.target(), no_retries);
  std::vector<Id> ids;
  for (uint64_t id = 1; id <= kAcknowledged; ++id) ids.push_back(Award(id).id);
  auto found = again.LookupTransfers(ids);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->size(), kAcknowledged) << "every acknowledged write survived";
  // The write whose sync failed may or may not have reached the disk; its resend says which and
  // applies it at most once; the refused one was never applied.
  auto resent = again.CreateTransfers({Award(kAcknowledged + 1), Award(kAcknowledged + 2)});
  ASSERT_TRUE(resent.ok()) << resent.status();
  const CreateTransferResult first = (*resent)[0].result;
  EXPECT_TRUE(first == CreateTransferResult::kOk || first == CreateTransferResult::kExists)
      << ResultName(first);
  EXPECT_EQ((*resent)[1].result, CreateTransferResult::kOk) << "the refused write was not applied";
  auto account = again.LookupAccounts({101});
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ((*account)[0].credits_posted, baseline + kAcknowledged + 2) << "each exactly once";
  EXPECT_EQ(testing::HealthStatusOf(restarted.target(), "points.write"), 1);
}

}  // namespace
}  // namespace points::server

// `pointsd verify` changes nothing in the store it checks, through the real binaries: pointsd is
// killed at a fault point between saving an award's intent and submitting its chain, verify
// reports the interrupted award and leaves every file byte for byte as it was, and the next start
// of pointsd resumes the award, logged and counted.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/server_testing.h"

namespace points::server {
namespace {

using client::LedgerClient;
using testing::FilesOf;
using testing::TempDir;

constexpr uint32_t kVillage = 1;  // the demo village: households 1-3, rule 1 (10 points)
constexpr Id kAward = 0x5e1f;

// The files whose bytes differ, are new or are gone.
std::string Changed(const std::map<std::string, std::string>& before,
                    const std::map<std::string, std::string>& after) {
  std::string changed;
  for (const auto& [name, bytes] : before) {
    const auto it = after.find(name);
    if (it == after.end()) changed += name + " (gone) ";
    if (it != after.end() && it->second != bytes) changed += name + " (changed) ";
  }
  for (const auto& [name, bytes] : after) {
    if (!before.contains(name)) changed += name + " (new) ";
  }
  return changed;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A client calling as the demo's grid worker of households 1 and 2, without retries: a call the
// server dies in is not sent again.
std::unique_ptr<LedgerClient> GridWorker(const testing::Pointsd& pointsd, const std::string& dir) {
  std::string token = ReadFile(dir + "/demo-tokens/grid-wang");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  client::ClientOptions options;
  options.token = token;
  options.retry.max_attempts = 1;
  return std::make_unique<LedgerClient>(pointsd.target(), options);
}

domain::AwardRequest Award() {
  domain::AwardRequest a;
  a.award = kAward;
  a.village = kVillage;
  a.household = 1;
  a.rule.rule = 1;  // the catalogue's yard hygiene check: 10 points
  a.quantity = 1;
  a.note = "庭院整洁";
  return a;
}

TEST(VerifyTest, VerifyOfAStoreWithInterruptedWorkChangesNoFileAndTheNextStartResumesIt) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    testing::Pointsd first(data, 0, {"--demo"});  // the village, its rules and principals
    ASSERT_GT(first.port(), 0);
    ASSERT_EQ(first.Stop(SIGTERM), 0);
  }
  {
    // Awards of at most 100 points go on notice at once: Record saves the award approving and
    // then submits its chain, and the fault point kills pointsd in between.
    setenv("POINTS_FAULT_POINT", "award.record.after_intent", 1);
    testing::Pointsd dying(data, 0, {"--review-threshold", "100"});
    unsetenv("POINTS_FAULT_POINT");
    ASSERT_GT(dying.port(), 0);
    auto recorded = GridWorker(dying, data)->RecordAward(Award());
    EXPECT_EQ(recorded.status().code(), absl::StatusCode::kUnavailable) << recorded.status();
    const int status = dying.Stop(SIGKILL);  // reaps it: it died by its own SIGKILL already
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  }

  const std::map<std::string, std::string> before = FilesOf(data);
  const testing::Verified verified = testing::VerifyDataDir(data);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("pointsd verify: awards: 1 interrupted (would be resumed at "
                                 "the next start"),
            std::string::npos)
      << verified.output;
  EXPECT_NE(verified.output.find(" 1 interrupted; "), std::string::npos) << verified.output;
  EXPECT_EQ(Changed(before, FilesOf(data)), "") << "verify changed the store";
  EXPECT_TRUE(FilesOf(data) == before);
  // A second verify sees the same: the first resumed nothing.
  EXPECT_NE(testing::VerifyDataDir(data).output.find("awards: 1 interrupted"), std::string::npos);
  EXPECT_EQ(Changed(before, FilesOf(data)), "");

  // The next start resumes it before it serves: logged and counted.
  const std::string log = dir.path() + "/pointsd.log";
  testing::Pointsd restarted(data, 0, {"--log-format", "json", "--metrics-listen", "127.0.0.1:0"},
                             log);
  ASSERT_GT(restarted.port(), 0);
  auto award = GridWorker(restarted, data)->GetAward(kVillage, kAward);
  ASSERT_TRUE(award.ok()) << award.status();
  EXPECT_EQ(award->state, domain::AwardState::kOnNotice);
  EXPECT_EQ(award->amount, 10u);
  const std::string metrics = testing::ScrapeMetrics(restarted.metrics_port());
  EXPECT_EQ(testing::MetricSample(metrics, "points_workflows_resumed_total", {"book=\"awards\""}),
            1)
      << metrics;
  EXPECT_EQ(
      testing::MetricSample(metrics, "points_workflow_resume_errors_total", {"book=\"awards\""}), 0)
      << metrics;
  ASSERT_EQ(restarted.Stop(SIGTERM), 0);
  const std::string lines = ReadFile(log);
  EXPECT_NE(lines.find("\"event\":\"workflows_resumed\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("\"awards\":1"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("workflow_resume_failed"), std::string::npos) << lines;

  const testing::Verified after = testing::VerifyDataDir(data);
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_EQ(after.output.find("awards: "), std::string::npos) << after.output;
  EXPECT_NE(after.output.find(" 0 interrupted; "), std::string::npos) << after.output;
}

TEST(VerifyTest, VerifyRefusesADataDirectoryARunningPointsdHolds) {
  TempDir dir;
  testing::Pointsd running(dir.path(), 0, {});
  ASSERT_GT(running.port(), 0);
  const testing::Verified refused = testing::VerifyDataDir(dir.path());
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("is open for writing by process"), std::string::npos)
      << refused.output;
  ASSERT_EQ(running.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace points::server

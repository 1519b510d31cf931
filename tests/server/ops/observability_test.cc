// What operators see, through the real pointsd: the Prometheus endpoint counts RPCs by method
// and status code with their latencies, reports group commits, the engine's gauges and the
// store's figures; the log is one JSON object per line with --log-format json.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "clients/cpp/ledger_client.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/engine/testing.h"
#include "tests/testing/health_check.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/server_testing.h"

namespace points::server {
namespace {

using client::LedgerClient;

Transfer Award(uint64_t id) { return testing::DemoAward(0x0b5e, id); }

TEST(ObservabilityTest, MetricsCountRpcsByMethodAndCodeAndShowTheEngine) {
  testing::TempDir dir;
  testing::Pointsd pointsd(dir.path(), 0, {"--demo", "--metrics-listen", "127.0.0.1:0"});
  ASSERT_GT(pointsd.metrics_port(), 0) << "the first line names the metrics port";
  client::ClientOptions as_admin;
  as_admin.token = pointsd.admin_token();
  LedgerClient client(pointsd.target(), as_admin);
  for (uint64_t id = 1; id <= 3; ++id) {
    auto results = client.CreateTransfers({Award(id)});
    ASSERT_TRUE(results.ok()) << results.status();
  }
  ASSERT_EQ(client.CreateTransfers({}).status().code(), absl::StatusCode::kInvalidArgument);
  std::string ignored;  // a method pointsd does not serve, as a confused or hostile client calls
  ASSERT_EQ(testing::GenericUnaryCall(pointsd.target(), "/points.v1.NoSuchService/Made_up_1", "",
                                      &ignored)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  ASSERT_EQ(testing::HealthStatusOf(pointsd.target(), "points.write"), 1);

  const std::string text = testing::ScrapeMetrics(pointsd.metrics_port());
  ASSERT_FALSE(text.empty()) << "no answer from /metrics";
  const std::string create = "method=\"/points.v1.LedgerService/CreateTransfers\"";
  EXPECT_EQ(testing::MetricSample(text, "points_rpc_requests_total", {create, "code=\"OK\""}), 3)
      << text;
  EXPECT_EQ(testing::MetricSample(text, "points_rpc_requests_total",
                                  {create, "code=\"INVALID_ARGUMENT\""}),
            1);
  EXPECT_EQ(
      testing::MetricSample(text, "points_rpc_latency_seconds_count", {create, "code=\"OK\""}), 3);
  EXPECT_EQ(testing::MetricSample(text, "points_rpc_latency_seconds_bucket",
                                  {create, "code=\"OK\"", "+Inf"}),
            3);
  EXPECT_GT(testing::MetricSample(text, "points_rpc_latency_seconds_sum", {create, "code=\"OK\""}),
            0);
  EXPECT_EQ(testing::MetricSample(text, "points_rpc_requests_total",
                                  {"method=\"/grpc.health.v1.Health/Check\"", "code=\"OK\""}),
            1);
  // A method nobody serves is counted, but under "other": clients cannot invent label values.
  EXPECT_EQ(text.find("Made_up_1"), std::string::npos);
  EXPECT_EQ(testing::MetricSample(text, "points_rpc_requests_total",
                                  {"method=\"other\"", "code=\"UNIMPLEMENTED\""}),
            1);

  // Group commits: the demo's seeding and the three awards, each group one sync.
  const double groups = testing::MetricSample(text, "points_engine_groups_committed_total");
  EXPECT_GE(groups, 4);
  EXPECT_EQ(testing::MetricSample(text, "points_engine_group_events_count"), groups);
  EXPECT_EQ(testing::MetricSample(text, "points_engine_sync_seconds_count"), groups);
  EXPECT_GE(testing::MetricSample(text, "points_engine_group_batches_sum"), groups);
  EXPECT_EQ(testing::MetricSample(text, "points_write_serving"), 1);
  EXPECT_GE(testing::MetricSample(text, "points_engine_transfers"), 3);
  EXPECT_EQ(testing::MetricSample(text, "points_engine_queue_depth"), 0);
  EXPECT_GE(testing::MetricSample(text, "points_store_memtable_bytes"), 0);
  EXPECT_EQ(testing::MetricSample(text, "points_store_background_errors"), 0);
  EXPECT_EQ(pointsd.Stop(SIGTERM), 0);
}

TEST(ObservabilityTest, JsonLogsAreOneObjectPerLine) {
  testing::TempDir dir;
  const std::string log_path = dir.path() + "/pointsd.log";
  {
    testing::Pointsd pointsd(
        dir.path() + "/data", 0,
        {"--demo", "--log-format", "json", "--notice-seconds", "1", "--review-threshold", "100"},
        log_path);
    ASSERT_GT(pointsd.port(), 0);
    // The demo's award 9001 posts when its notice ends: an event from the workflow timer.
    client::ClientOptions as_admin;
    as_admin.token = pointsd.admin_token();
    LedgerClient client(pointsd.target(), as_admin);
    for (int i = 0; i < 100; ++i) {
      auto award = client.GetAward(1, 9001);
      ASSERT_TRUE(award.ok()) << award.status();
      if (award->state == domain::AwardState::kPosted) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(pointsd.Stop(SIGTERM), 0);
  }
  std::ifstream log(log_path);
  std::string line;
  std::vector<std::string> events;
  while (std::getline(log, line)) {
    google::protobuf::Struct object;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok())
        << "not one JSON object: " << line;
    const auto& fields = object.fields();
    for (const char* key : {"time", "level", "event", "msg"}) {
      ASSERT_TRUE(fields.contains(key)) << key << " missing in " << line;
      EXPECT_TRUE(fields.at(key).has_string_value()) << line;
    }
    EXPECT_TRUE(absl::EndsWith(fields.at("time").string_value(), "Z")) << "UTC: " << line;
    events.push_back(fields.at("event").string_value());
    if (events.back() == "listening") {
      EXPECT_TRUE(absl::StrContains(fields.at("address").string_value(), "127.0.0.1:")) << line;
    }
    if (events.back() == "awards_posted") {
      EXPECT_EQ(fields.at("awards").number_value(), 1) << "a number, not text: " << line;
    }
  }
  for (const char* expected : {"listening", "awards_posted", "draining", "stats", "stopped"}) {
    EXPECT_NE(std::find(events.begin(), events.end(), expected), events.end())
        << "no " << expected << " event in " << absl::StrJoin(events, ", ");
  }
}

}  // namespace
}  // namespace points::server

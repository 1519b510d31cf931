// bench/domain_load against a real pointsd, briefly (1 village, small rounds, short phases), so
// that the benchmark cannot rot: it sets itself up through the contract, runs its four phases
// and prints one JSON object with every figure the benchmark's readers (scripts/bench-domain,
// bench/README.md) use, each phase having done work and none failed. No figure is judged.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"

namespace points::bench {
namespace {

// Runs `command` and returns its exit code and stdout.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, out};
  std::array<char, 4096> buffer;
  for (size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;)
    out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(DomainLoadTest, PrintsEveryFigureWithWorkDoneInEachPhase) {
  testing::TempDir dir;
  // The basket households' points are awards, posted when a 1 s notice ends.
  testing::Pointsd pointsd(dir.path(), 0, {"--notice-seconds", "1"});
  ASSERT_NE(pointsd.port(), 0) << "pointsd did not start";
  const auto [code, out] = RunCommand(
      std::string(DOMAIN_LOAD_PATH) + " --target " + pointsd.target() + " --token-file " +
      dir.path() + "/admin.token --villages 1 --terminals 2 --in-flight 4 --households 10" +
      " --round-size 10 --seconds 0.5 --json");
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json report = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(report.is_object()) << out;
  for (const char* figure : {"baskets_per_second", "awards_per_second",
                             "raw_transfer_calls_per_second", "latency_us_p50", "latency_us_p99",
                             "mixed_basket_latency_us_p99", "mixed_round_latency_us_p99"}) {
    ASSERT_TRUE(report.contains(figure)) << figure << " missing: " << out;
    EXPECT_GT(report[figure].get<double>(), 0) << figure << ": " << out;
  }
  const nlohmann::json& phases = report["phases"];
  const std::pair<const char*, const char*> counts[] = {
      {"raw", "transfers"}, {"baskets", "baskets"}, {"awards", "awards"}};
  for (const auto& [phase, unit] : counts) {
    ASSERT_TRUE(phases.contains(phase)) << phase << " missing: " << out;
    EXPECT_GT(phases[phase][unit].get<uint64_t>(), 0u) << phase << ": " << out;
    EXPECT_GT(phases[phase]["latency_us_p99"].get<double>(), 0) << phase << ": " << out;
    EXPECT_EQ(phases[phase]["errors"].get<uint64_t>(), 0u) << phase << ": " << out;
  }
  ASSERT_TRUE(phases.contains("mixed")) << out;
  EXPECT_GT(phases["mixed"]["basket"]["baskets"].get<uint64_t>(), 0u) << out;
  EXPECT_GT(phases["mixed"]["round"]["awards"].get<uint64_t>(), 0u) << out;
}

}  // namespace
}  // namespace points::bench

// What a client developer trips on (issue 13, item 5), held against the real pointsd with the
// demo village and its principals (server/demo_village.cc): a shopkeeper asking for an unknown
// basket is answered, not logged or counted as denied; `pointsd verify` draws no carriage
// returns when its stdout is not a terminal.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "points/v1/admin.grpc.pb.h"
#include "points/v1/awards.grpc.pb.h"
#include "points/v1/board.grpc.pb.h"
#include "points/v1/ledger.grpc.pb.h"
#include "points/v1/shops.grpc.pb.h"
#include "points/v1/tasks.grpc.pb.h"
#include "pointsd_process.h"
#include "principals_testing.h"
#include "server_testing.h"
#include "testing.h"
#include "tls_testing.h"

namespace points::server {
namespace {

using grpc::StatusCode;

// The demo village (server/demo_village.cc): village 1; households 1 and 2 of grid 1; shop 1.
constexpr uint32_t kVillage = 1;

std::string IdBytes(Id id) {
  std::string out(16, '\0');
  const uint64_t halves[2] = {absl::Uint128High64(id), absl::Uint128Low64(id)};
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < 8; ++i) out[h * 8 + i] = char(halves[h] >> (56 - 8 * i));
  }
  return out;
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), " ", status.error_message());
}

class ClientEdgesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pointsd_ = std::make_unique<testing::Pointsd>(
        data_dir(), 0,
        std::vector<std::string>{"--demo", "--review-threshold", "20", "--metrics-listen",
                                 "127.0.0.1:0", "--log-format", "json"},
        log_path());
    ASSERT_GT(pointsd_->port(), 0) << testing::ReadFile(log_path());
    auto channel = grpc::CreateChannel(pointsd_->target(), grpc::InsecureChannelCredentials());
    villages_ = v1::VillageService::NewStub(channel);
    awards_ = v1::AwardService::NewStub(channel);
    board_ = v1::BoardService::NewStub(channel);
    shops_ = v1::ShopService::NewStub(channel);
    tasks_ = v1::TaskService::NewStub(channel);
    admin_ = v1::AdminService::NewStub(channel);
  }

  std::string data_dir() const { return dir_.path() + "/data"; }
  std::string log_path() const { return dir_.path() + "/pointsd.log"; }

  // The token of a demo principal (DATA_DIR/demo-tokens/NAME), or the first admin's.
  std::string Token(const std::string& name) const {
    if (name == "admin") return pointsd_->admin_token();
    std::string token = testing::ReadFile(data_dir() + "/demo-tokens/" + name);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return token;
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& name) const {
    return testing::ContextWith(Token(name), 10);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::unique_ptr<v1::VillageService::Stub> villages_;
  std::unique_ptr<v1::AwardService::Stub> awards_;
  std::unique_ptr<v1::BoardService::Stub> board_;
  std::unique_ptr<v1::ShopService::Stub> shops_;
  std::unique_ptr<v1::TaskService::Stub> tasks_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

TEST_F(ClientEdgesTest, AShopkeepersUnknownBasketIsAnAnswerNotADenial) {
  v1::GetBasketRequest r;
  r.set_village(kVillage);
  r.set_basket_id(IdBytes(absl::MakeUint128(0xed9e, 30)));
  v1::GetBasketResponse out;
  const grpc::Status unknown = shops_->GetBasket(As("shop-1").get(), r, &out);
  EXPECT_EQ(unknown.error_code(), StatusCode::NOT_FOUND) << Describe(unknown);
  // A real denial beside it, still logged and counted: a household may not call GetBasket.
  const grpc::Status denied = shops_->GetBasket(As("household-1").get(), r, &out);
  EXPECT_EQ(denied.error_code(), StatusCode::PERMISSION_DENIED) << Describe(denied);

  const std::string metrics = testing::ScrapeMetrics(pointsd_->metrics_port());
  const std::string method = "method=\"/points.v1.ShopService/GetBasket\"";
  EXPECT_EQ(
      testing::MetricSample(metrics, "points_rpc_denied_total", {method, "code=\"NOT_FOUND\""}), -1)
      << metrics;
  EXPECT_EQ(testing::MetricSample(metrics, "points_rpc_denied_total",
                                  {method, "code=\"PERMISSION_DENIED\""}),
            1)
      << metrics;
  EXPECT_EQ(
      testing::MetricSample(metrics, "points_rpc_requests_total", {method, "code=\"NOT_FOUND\""}),
      1)
      << "still counted as an RPC";
  int denied_lines = 0;
  for (const absl::string_view line : absl::StrSplit(testing::ReadFile(log_path()), '\n')) {
    if (!absl::StrContains(line, "\"event\":\"denied\"")) continue;
    if (!absl::StrContains(line, "GetBasket")) continue;
    ++denied_lines;
    EXPECT_TRUE(absl::StrContains(line, "PERMISSION_DENIED")) << line;
    EXPECT_TRUE(absl::StrContains(line, "household-1")) << line;
  }
  EXPECT_EQ(denied_lines, 1);
}

// Runs `pointsd verify --data-dir DIR` with stderr on a pseudo-terminal and stdout on a pipe,
// as `pointsd verify ... | tee report` in a terminal does; returns what the terminal got.
std::string VerifyWithStderrOnATerminal(const std::string& dir, int* exit_code) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return "no pty";
  const int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  if (slave < 0) return "no pty slave";
  termios raw;
  tcgetattr(slave, &raw);
  raw.c_oflag &= ~OPOST;  // no "\n" -> "\r\n": every '\r' read is one pointsd wrote
  tcsetattr(slave, TCSANOW, &raw);
  int out[2];
  if (pipe(out) != 0) return "no pipe";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(slave, STDERR_FILENO);
    close(out[0]);
    close(master);
    execl(POINTSD_PATH, POINTSD_PATH, "verify", "--data-dir", dir.c_str(), nullptr);
    _exit(127);
  }
  close(out[1]);
  close(slave);
  std::string terminal;
  std::string stdout_text;
  pollfd fds[2] = {{master, POLLIN, 0}, {out[0], POLLIN, 0}};
  for (bool open_out = true; open_out;) {
    if (poll(fds, 2, 20'000) <= 0) break;
    char buffer[4096];
    if (fds[0].revents & POLLIN) {
      const ssize_t n = read(master, buffer, sizeof buffer);
      if (n > 0) terminal.append(buffer, n);
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      const ssize_t n = read(out[0], buffer, sizeof buffer);
      if (n > 0) stdout_text.append(buffer, n);
      if (n <= 0) open_out = false;
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  fcntl(master, F_SETFL, O_NONBLOCK);
  char buffer[4096];
  for (ssize_t n; (n = read(master, buffer, sizeof buffer)) > 0;) terminal.append(buffer, n);
  close(master);
  close(out[0]);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return terminal + "\n--- stdout ---\n" + stdout_text;
}

TEST_F(ClientEdgesTest, VerifyDrawsNoCarriageReturnsWhenStdoutIsNotATerminal) {
  ASSERT_EQ(pointsd_->Stop(SIGTERM), 0);
  int exit_code = -1;
  const std::string seen = VerifyWithStderrOnATerminal(data_dir(), &exit_code);
  EXPECT_EQ(exit_code, 0) << seen;
  EXPECT_TRUE(absl::StrContains(seen, "records")) << "the bar, one line per tenth: " << seen;
  EXPECT_TRUE(absl::StrContains(seen, "pointsd verify: OK")) << seen;
  EXPECT_FALSE(absl::StrContains(seen, "\r")) << seen;
}

}  // namespace
}  // namespace points::server

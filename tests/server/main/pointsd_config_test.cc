// pointsd's command line through the real binary: the help lists every flag, and a usage error
// (an unknown flag, a bad value from a flag or from the environment) exits 2 naming the flag.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/engine/testing.h"

namespace points::server {
namespace {

using testing::TempDir;

struct Exited {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Describe(const Exited& run) {
  return absl::StrCat("exit ", run.exit_code, "\n--- stdout\n", run.out, "--- stderr\n", run.err);
}

// Runs pointsd with `args` and environment additions `env` to its exit. Every run here ends
// before pointsd opens a store, so nothing is written but the captured output.
Exited RunPointsd(const std::string& scratch, const std::vector<std::string>& args,
                  const std::vector<std::pair<std::string, std::string>>& env = {}) {
  const std::string out_path = scratch + "/pointsd.out";
  const std::string err_path = scratch + "/pointsd.err";
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv = {const_cast<char*>(POINTSD_PATH)};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(POINTSD_PATH, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Exited run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  return run;
}

TEST(PointsdConfigTest, HelpListsEveryFlagWithItsValueAndEnvironmentVariable) {
  TempDir scratch;
  const Exited help = RunPointsd(scratch.path(), {"--help"});
  EXPECT_EQ(help.exit_code, 0) << Describe(help);
  for (const char* flag : {"--listen HOST:PORT",
                           "--data-dir DIR",
                           "--worker-threads N",
                           "--drain-seconds N",
                           "--stats-seconds N",
                           "--disk-reserve-mb N",
                           "--receipts-origin NAME",
                           "--notice-seconds N",
                           "--review-threshold N",
                           "--metrics-listen HOST:PORT",
                           "--log-format FORMAT",
                           "--tls-cert FILE",
                           "--tls-key FILE",
                           "--tls-client-ca FILE",
                           "--allow-plaintext",
                           "--rate-limit N[/BURST]",
                           "--http-listen HOST:PORT",
                           "--web-root DIR",
                           "--http-allow-origin ORIGIN",
                           "--http-read-seconds N",
                           "--http-max-connections N",
                           "--demo",
                           "--help, -h",
                           "pointsd verify --data-dir DIR",
                           "POINTS_LISTEN",
                           "POINTS_HTTP_ALLOW_ORIGINS",
                           "default 259200 = 3 days",
                           "Callers:"}) {
    EXPECT_TRUE(absl::StrContains(help.out, flag)) << flag << "\n" << help.out;
  }
  // The subcommand's help is its own: verify takes --data-dir and nothing of serving.
  const Exited verify = RunPointsd(scratch.path(), {"verify", "--help"});
  EXPECT_EQ(verify.exit_code, 0) << Describe(verify);
  EXPECT_TRUE(absl::StrContains(verify.out, "usage: pointsd verify --data-dir DIR")) << verify.out;
  EXPECT_FALSE(absl::StrContains(verify.out, "--listen")) << verify.out;
}

TEST(PointsdConfigTest, UsageErrorsExit2NamingTheFlag) {
  TempDir scratch;
  const std::string data = scratch.path() + "/data";
  struct {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{"--colour", "red"}, "unknown option --colour"},
      {{"--worker-threads", "257"}, "--worker-threads: must be a whole number from 1 to 256"},
      {{"--stats-seconds=abc"}, "--stats-seconds: must be a whole number from 0 to 86400"},
      {{"--listen"}, "--listen needs a value"},
      {{"--log-format", "xml"}, "--log-format: must be text or json, got 'xml'"},
      {{"--rate-limit", "fast"}, "--rate-limit: expected CALLS_PER_SECOND[/BURST]"},
      {{"--http-listen=127.0.0.1:0", "--http-allow-origin", "https://a.example/b"},
       "--http-allow-origin: must be an origin"},
      {{"--tls-cert", "server.pem"}, "--tls-cert and --tls-key go together"},
      {{"verify"}, "--data-dir is required"},
      {{"verify", "--data-dir"}, "--data-dir needs a value"},
      {{"verify", "--data-dir", data, "--listen", "127.0.0.1:0"}, "unknown option --listen"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = c.args;
    if (args.front() != "verify") args.insert(args.begin(), {"--data-dir", data});
    const Exited run = RunPointsd(scratch.path(), args);
    EXPECT_EQ(run.exit_code, 2) << Describe(run);
    EXPECT_TRUE(absl::StrContains(run.err, c.message)) << c.message << "\n" << Describe(run);
  }
}

// A flag not given is read from its environment variable; a bad value there is named by the
// variable, which is where the operator has to look.
TEST(PointsdConfigTest, TheEnvironmentStandsInForFlagsAndABadValueNamesTheVariable) {
  TempDir scratch;
  const std::string data = scratch.path() + "/data";
  const Exited threads =
      RunPointsd(scratch.path(), {"--data-dir", data}, {{"POINTS_WORKER_THREADS", "0"}});
  EXPECT_EQ(threads.exit_code, 2) << Describe(threads);
  EXPECT_TRUE(absl::StrContains(threads.err, "POINTS_WORKER_THREADS")) << Describe(threads);
  const Exited origins =
      RunPointsd(scratch.path(), {"--data-dir", data, "--http-listen", "127.0.0.1:0"},
                 {{"POINTS_HTTP_ALLOW_ORIGINS", "https://a.example,ftp://b.example"}});
  EXPECT_EQ(origins.exit_code, 2) << Describe(origins);
  EXPECT_TRUE(absl::StrContains(origins.err, "'ftp://b.example'")) << Describe(origins);
  const Exited listen =
      RunPointsd(scratch.path(), {"--data-dir", data}, {{"POINTS_LISTEN", "no-port"}});
  EXPECT_EQ(listen.exit_code, 2) << Describe(listen);
  EXPECT_TRUE(absl::StrContains(listen.err, "--listen must be HOST:PORT")) << Describe(listen);
  // The flag wins over the variable, and the last of a flag given twice over the first.
  const Exited flag_wins = RunPointsd(
      scratch.path(),
      {"--data-dir", data, "--listen", "x:0", "--worker-threads", "2", "--worker-threads", "257"},
      {{"POINTS_WORKER_THREADS", "2"}, {"POINTS_LISTEN", "bad"}});
  EXPECT_EQ(flag_wins.exit_code, 2) << Describe(flag_wins);
  EXPECT_TRUE(absl::StrContains(flag_wins.err, "--worker-threads: must be a whole number"))
      << Describe(flag_wins);
}

}  // namespace
}  // namespace points::server

// A real pointsd process on 127.0.0.1 for end-to-end tests (the tests of server/ and clients/):
// port 0 picks a free port, or a port chosen in advance starts a server behind a waiting client.
// The including target defines POINTSD_PATH.
#ifndef POINTS_TESTS_TESTING_POINTSD_PROCESS_H_
#define POINTS_TESTS_TESTING_POINTSD_PROCESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace points::testing {

// A pointsd process on 127.0.0.1: port 0 picks a free port, read from its first stdout line.
class Pointsd {
 public:
  // `flags` go after the standard ones, e.g. {"--notice-seconds", "1"}. With `stderr_path`,
  // what pointsd logs goes to that file instead of the test's own stderr.
  explicit Pointsd(const std::string& data_dir, int port = 0,
                   const std::vector<std::string>& flags = {},
                   const std::string& stderr_path = "") {
    data_dir_ = data_dir;
    int out[2];
    if (pipe(out) != 0) return;
    std::vector<std::string> args = {POINTSD_PATH, "--listen", "127.0.0.1:" + std::to_string(port),
                                     "--data-dir", data_dir,   "--stats-seconds",
                                     "0"};
    // Tests drive one principal hard: no rate limit unless the test sets one.
    bool rate_limited = false;
    for (const std::string& flag : flags) rate_limited |= flag == "--rate-limit";
    if (!rate_limited) args.insert(args.end(), {"--rate-limit", "0"});
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      if (!stderr_path.empty()) {
        const int log = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (log >= 0) dup2(log, STDERR_FILENO);
      }
      close(out[0]);
      close(out[1]);
      execv(POINTSD_PATH, argv.data());
      _exit(127);
    }
    close(out[1]);
    // The first line says where it listens: "pointsd listening on 127.0.0.1:PORT, ..." and,
    // with --metrics-listen, "..., metrics on http://127.0.0.1:PORT/metrics".
    FILE* stream = fdopen(out[0], "r");
    char line[512] = {0};
    if (std::fgets(line, sizeof(line), stream) != nullptr) {
      // "listening on HOST:PORT, ...": the port after the address's last colon (a wildcard
      // address such as 0.0.0.0 is reached through 127.0.0.1 all the same).
      const std::string text = line;
      const std::string listening = "listening on ";
      const size_t at = text.find(listening);
      const size_t comma = text.find(',', at);
      if (at != std::string::npos && comma != std::string::npos) {
        const size_t colon = text.rfind(':', comma);
        if (colon != std::string::npos && colon > at) port_ = std::atoi(text.c_str() + colon + 1);
      }
      const std::string metrics = "metrics on http://127.0.0.1:";
      const size_t metrics_at = text.find(metrics);
      if (metrics_at != std::string::npos) {
        metrics_port_ = std::atoi(text.c_str() + metrics_at + metrics.size());
      }
      // With --http-listen: "..., http on http://127.0.0.1:PORT" (https:// with TLS).
      const size_t http_at = text.find("http on http");
      const size_t http_colon = http_at == std::string::npos ? http_at : text.find("1:", http_at);
      if (http_colon != std::string::npos) http_port_ = std::atoi(text.c_str() + http_colon + 2);
    }
    std::fclose(stream);
  }

  ~Pointsd() {
    if (pid_ > 0) Stop(SIGKILL);
  }
  Pointsd(const Pointsd&) = delete;
  Pointsd& operator=(const Pointsd&) = delete;

  // Sends `signal` and returns the exit status.
  int Stop(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // Waits (at most `seconds`) for the process to end by itself, as at a fault point, and returns
  // its wait status; -1 when it is still running then.
  int WaitForExit(int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      usleep(100'000);
    }
    return -1;
  }

  // SIGSTOP/SIGCONT: a server that accepts connections but never answers, and then does.
  void Pause() { kill(pid_, SIGSTOP); }
  void Resume() { kill(pid_, SIGCONT); }

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  int http_port() const { return http_port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  // The first admin's token, which pointsd wrote at its first start (server/AUTHZ.md).
  std::string admin_token() const { return AdminTokenOf(data_dir_); }
  static std::string AdminTokenOf(const std::string& data_dir) {
    std::ifstream file(data_dir + "/admin.token");
    std::string token;
    std::getline(file, token);
    return token;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string data_dir_;
  int metrics_port_ = 0;
  int http_port_ = 0;
};

// A loopback port that was free a moment ago and on which nothing listens: connections to it are
// refused until a server is started on it.
inline int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace points::testing

#endif  // POINTS_TESTS_TESTING_POINTSD_PROCESS_H_

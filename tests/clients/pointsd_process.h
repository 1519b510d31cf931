// Processes for the client tests: a real pointsd on 127.0.0.1, and runs of the real pointsctl
// with their exit code and output. A copy of the Pointsd fixture of tests/server/pointsd_test.cc,
// which can also listen on a port chosen in advance (to start a server behind a waiting client).
#ifndef POINTS_TESTS_CLIENTS_POINTSD_PROCESS_H_
#define POINTS_TESTS_CLIENTS_POINTSD_PROCESS_H_

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
  explicit Pointsd(const std::string& data_dir, int port = 0) {
    int out[2];
    if (pipe(out) != 0) return;
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execl(POINTSD_PATH, POINTSD_PATH, "--listen", listen.c_str(), "--data-dir", data_dir.c_str(),
            "--stats-seconds", "0", nullptr);
      _exit(127);
    }
    close(out[1]);
    // The first line says where it listens: "pointsd listening on 127.0.0.1:PORT, ...".
    FILE* stream = fdopen(out[0], "r");
    char line[512] = {0};
    if (std::fgets(line, sizeof(line), stream) != nullptr) {
      const std::string text = line;
      const size_t colon = text.find(':', text.find("127.0.0.1"));
      if (colon != std::string::npos) port_ = std::atoi(text.c_str() + colon + 1);
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

  // SIGSTOP/SIGCONT: a server that accepts connections but never answers, and then does.
  void Pause() { kill(pid_, SIGSTOP); }
  void Resume() { kill(pid_, SIGCONT); }

  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
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

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Run {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

enum class Stderr { kFile, kTerminal };

// Runs the pointsctl binary with `args` and environment additions `env`, with stdin from
// /dev/null, stdout captured in a file under `scratch_dir` and stderr in a file too, or, with
// Stderr::kTerminal, on a pseudo-terminal as a person at a console would see it.
inline Run RunPointsctl(const std::string& scratch_dir, const std::vector<std::string>& args,
                        const std::vector<std::pair<std::string, std::string>>& env = {},
                        Stderr stderr_to = Stderr::kFile) {
  const std::string out_path = scratch_dir + "/pointsctl.out";
  const std::string err_path = scratch_dir + "/pointsctl.err";
  int terminal = -1;
  std::string terminal_path;
  if (stderr_to == Stderr::kTerminal) {
    terminal = posix_openpt(O_RDWR | O_NOCTTY);
    if (terminal < 0 || grantpt(terminal) != 0 || unlockpt(terminal) != 0) return Run();
    terminal_path = ptsname(terminal);
  }
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = terminal >= 0 ? open(terminal_path.c_str(), O_RDWR | O_NOCTTY)
                                  : open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    // The caller's POINTS_TARGET must not leak into a test that means the default.
    unsetenv("POINTS_TARGET");
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv = {const_cast<char*>(POINTSCTL_PATH)};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(POINTSCTL_PATH, argv.data());
    _exit(127);
  }
  Run run;
  if (terminal >= 0) {
    // Read until the last writer closes (EIO), so that a full terminal never blocks the child.
    char buffer[4096];
    for (ssize_t n; (n = read(terminal, buffer, sizeof(buffer))) > 0;) run.err.append(buffer, n);
    close(terminal);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = ReadFile(out_path);
  if (terminal < 0) run.err = ReadFile(err_path);
  return run;
}

}  // namespace points::testing

#endif  // POINTS_TESTS_CLIENTS_POINTSD_PROCESS_H_

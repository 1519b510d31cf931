// Runs of the real pointsctl for the client tests, with their exit code and output; the pointsd
// they talk to comes from tests/testing/pointsd_process.h, and every call but a health check
// carries a principal's token (Shell). The including target defines POINTSCTL_PATH.
#ifndef POINTS_TESTS_CLIENTS_POINTSCTL_POINTSCTL_PROCESS_H_
#define POINTS_TESTS_CLIENTS_POINTSCTL_POINTSCTL_PROCESS_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/testing/pointsd_process.h"

namespace points::testing {

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
    // The caller's POINTS_TARGET must not leak into a test that means the default, nor a token
    // into one that means none.
    unsetenv("POINTS_TARGET");
    unsetenv("POINTS_TOKEN");
    unsetenv("POINTS_TOKEN_FILE");
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

// pointsctl against one pointsd as one principal or another (server/AUTHZ.md): by default the
// first admin, whose token pointsd wrote to DATA_DIR/admin.token.
class Shell {
 public:
  // `global` goes before every command's own arguments, e.g. {"--attempts", "1"}.
  Shell(const Pointsd& pointsd, const std::string& data_dir, const std::string& scratch_dir,
        std::vector<std::string> global = {})
      : target_(pointsd.target()),
        data_dir_(data_dir),
        scratch_dir_(scratch_dir),
        global_(std::move(global)) {}

  // As the first admin.
  Run operator()(std::vector<std::string> args) const { return As(admin(), std::move(args)); }
  // As the principal whose token is in `token_file`.
  Run As(const std::string& token_file, std::vector<std::string> args) const {
    std::vector<std::string> all = {"--target", target_, "--token-file", token_file};
    all.insert(all.end(), global_.begin(), global_.end());
    all.insert(all.end(), args.begin(), args.end());
    return RunPointsctl(scratch_dir_, all);
  }
  // With no token at all.
  Run Anonymous(std::vector<std::string> args) const {
    args.insert(args.begin(), global_.begin(), global_.end());
    args.insert(args.begin(), {"--target", target_});
    return RunPointsctl(scratch_dir_, args);
  }

  std::string admin() const { return data_dir_ + "/admin.token"; }
  // A principal of the demo village (pointsd --demo): committee-li, committee-zhang, grid-wang
  // (grid 1: households 1, 2), grid-zhao (grid 2: household 3), shop-1, shop-2, household-1..3,
  // auditor.
  std::string Demo(const std::string& name) const { return data_dir_ + "/demo-tokens/" + name; }

  // Makes a principal as the admin (`principals create NAME FLAGS...`) and returns the file its
  // token was saved to, as an operator would hand it over; "" when refused.
  std::string Make(const std::string& name, std::vector<std::string> flags) const {
    flags.insert(flags.begin(), {"principals", "create", name});
    const Run run = (*this)(flags);
    if (run.exit_code != 0 || run.out.size() != 65) return "";
    const std::string path = scratch_dir_ + "/" + name + ".token";
    std::ofstream(path) << run.out;
    return path;
  }

  const std::string& target() const { return target_; }

 private:
  std::string target_;
  std::string data_dir_;
  std::string scratch_dir_;
  std::vector<std::string> global_;
};

}  // namespace points::testing

#endif  // POINTS_TESTS_CLIENTS_POINTSCTL_POINTSCTL_PROCESS_H_

// Helpers shared by the end-to-end tests that drive pointsd through the client library: the
// offline verify command, a transfer on the demo village's ledger, and reading /metrics.
// The including target defines POINTSD_PATH.
#ifndef POINTS_TESTS_TESTING_SERVER_TESTING_H_
#define POINTS_TESTS_TESTING_SERVER_TESTING_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "points/types.h"

namespace points::testing {

// The 16 bytes, big-endian, of an id as the contract carries it (ledger.proto), for tests that
// build requests by hand.
inline std::string IdBytes(Id id) {
  std::string out(16, '\0');
  const uint64_t halves[2] = {absl::Uint128High64(id), absl::Uint128Low64(id)};
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < 8; ++i) out[h * 8 + i] = char(halves[h] >> (56 - 8 * i));
  }
  return out;
}

// `pointsd verify --data-dir DIR`: its exit code and what it printed (stdout and stderr).
struct Verified {
  int exit_code = -1;
  std::string output;
};

inline Verified VerifyDataDir(const std::string& dir) {
  Verified v;
  FILE* pipe =
      popen(absl::StrCat(POINTSD_PATH, " verify --data-dir '", dir, "' 2>&1").c_str(), "r");
  if (pipe == nullptr) return v;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) v.output += buffer;
  const int status = pclose(pipe);
  v.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return v;
}

// On the demo ledger (pointsd --demo): issuer 1 awards household 101 one point. The id is
// (tag, n): each test file has its own tag.
inline Transfer DemoAward(uint64_t tag, uint64_t n) {
  Transfer t;
  t.id = absl::MakeUint128(tag, n);
  t.debit_account_id = 1;
  t.credit_account_id = 101;
  t.amount = 1;
  t.ledger = 1;
  t.code = 10;
  return t;
}

// GET http://127.0.0.1:port/metrics: the body, empty when the request failed.
inline std::string ScrapeMetrics(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request =
        "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, n);
    }
  }
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The value of the sample `name` whose labels include every one of `labels` ("code=\"OK\"",
// ...); -1 when there is none.
inline double MetricSample(const std::string& text, const std::string& name,
                           const std::vector<std::string>& labels = {}) {
  for (const absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, name)) continue;
    const absl::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != '{' && rest[0] != ' ')) continue;  // a longer name
    bool all = true;
    for (const std::string& label : labels) all &= absl::StrContains(rest, label);
    if (!all) continue;
    double value = 0;
    if (absl::SimpleAtod(rest.substr(rest.rfind(' ') + 1), &value)) return value;
  }
  return -1;
}

}  // namespace points::testing

#endif  // POINTS_TESTS_TESTING_SERVER_TESTING_H_

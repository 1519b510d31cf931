// Helpers shared by the end-to-end tests that drive pointsd through the client library: the
// offline verify command, and a transfer on the demo village's ledger.
// The including target defines POINTSD_PATH.
#ifndef POINTS_TESTS_SERVER_SERVER_TESTING_H_
#define POINTS_TESTS_SERVER_SERVER_TESTING_H_

#include <stdio.h>
#include <sys/wait.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "points/types.h"

namespace points::testing {

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

}  // namespace points::testing

#endif  // POINTS_TESTS_SERVER_SERVER_TESTING_H_

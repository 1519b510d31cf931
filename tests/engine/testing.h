// Helpers shared by the engine tests: hermetic temporary directories and printed seeds.
#ifndef POINTS_TESTS_ENGINE_TESTING_H_
#define POINTS_TESTS_ENGINE_TESTING_H_

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "points/results.h"
#include "points/types.h"

namespace points {

// gtest finds these by argument-dependent lookup, so they live in namespace points itself. They
// make failures name the codes and fields instead of printing bytes.
void PrintTo(CreateAccountResult result, std::ostream* os);
void PrintTo(CreateTransferResult result, std::ostream* os);
void PrintTo(CloseAccountResult result, std::ostream* os);
void PrintTo(const Account& a, std::ostream* os);
void PrintTo(const Transfer& t, std::ostream* os);

}  // namespace points

namespace points::testing {

// A fresh directory under $TEST_TMPDIR or /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Every regular file under `dir` by its relative path, with its bytes: equal maps mean the same
// set of files with the same contents (a store that was only read must compare equal).
std::map<std::string, std::string> FilesOf(const std::string& dir);

// The seed for randomized tests: $POINTS_TEST_SEED if set, else `fallback`. Tests print it with
// every failure (SCOPED_TRACE) so that a failing run can be repeated.
uint64_t TestSeed(uint64_t fallback);

// An id built from two 64-bit halves, for readable test data.
inline Id MakeId(uint64_t high, uint64_t low) { return absl::MakeUint128(high, low); }

// Test data on ledger 1: account n has id (0xacc, n), transfer n has id (0x7e5, n).
inline Account TestAccount(uint64_t n, uint16_t flags = 0) {
  Account a;
  a.id = MakeId(0xacc, n);
  a.ledger = 1;
  a.code = 1;
  a.flags = flags;
  return a;
}

inline Transfer TestTransfer(uint64_t n, uint64_t from, uint64_t to, uint64_t amount,
                             uint16_t flags = 0) {
  Transfer t;
  t.id = MakeId(0x7e5, n);
  t.debit_account_id = MakeId(0xacc, from);
  t.credit_account_id = MakeId(0xacc, to);
  t.amount = amount;
  t.ledger = 1;
  t.code = 1;
  t.flags = flags;
  return t;
}

}  // namespace points::testing

#endif  // POINTS_TESTS_ENGINE_TESTING_H_

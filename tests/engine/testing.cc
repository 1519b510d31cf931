#include "tests/engine/testing.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace points {

void PrintTo(CreateAccountResult r, std::ostream* os) {
  *os << ResultName(r) << " (" << static_cast<uint32_t>(r) << ")";
}
void PrintTo(CreateTransferResult r, std::ostream* os) {
  *os << ResultName(r) << " (" << static_cast<uint32_t>(r) << ")";
}
void PrintTo(CloseAccountResult r, std::ostream* os) {
  *os << ResultName(r) << " (" << static_cast<uint32_t>(r) << ")";
}
void PrintTo(const Account& a, std::ostream* os) {
  *os << "Account{id=" << a.id << " dp=" << a.debits_pending << " dpo=" << a.debits_posted
      << " cp=" << a.credits_pending << " cpo=" << a.credits_posted << " ud128=" << a.user_data_128
      << " ud64=" << a.user_data_64 << " ud32=" << a.user_data_32 << " ledger=" << a.ledger
      << " code=" << a.code << " flags=" << a.flags << " ts=" << a.timestamp << "}";
}
void PrintTo(const Transfer& t, std::ostream* os) {
  *os << "Transfer{id=" << t.id << " dr=" << t.debit_account_id << " cr=" << t.credit_account_id
      << " amount=" << t.amount << " pending_id=" << t.pending_id << " ud128=" << t.user_data_128
      << " ud64=" << t.user_data_64 << " ud32=" << t.user_data_32 << " timeout=" << t.timeout
      << " ledger=" << t.ledger << " code=" << t.code << " flags=" << t.flags
      << " ts=" << t.timestamp << "}";
}

}  // namespace points

namespace points::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/points-test-XXXXXX";
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
    return;
  }
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

uint64_t TestSeed(uint64_t fallback) {
  const char* text = std::getenv("POINTS_TEST_SEED");
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoull(text, nullptr, 10);
}

std::map<std::string, std::string> FilesOf(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    files[std::filesystem::relative(entry.path(), dir).string()] = bytes.str();
  }
  return files;
}

}  // namespace points::testing

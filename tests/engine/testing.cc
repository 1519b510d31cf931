#include "testing.h"

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "gtest/gtest.h"

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

}  // namespace points::testing

// A fresh directory under $TMPDIR or /tmp for a benchmark's store, removed with everything in it
// on destruction. The benchmarks link no test library (no gtest), so they carry their own.
#ifndef POINTS_BENCH_MICRO_TEMP_DIR_H_
#define POINTS_BENCH_MICRO_TEMP_DIR_H_

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace points::bench {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/micro_bench.XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    if (mkdtemp(name.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();  // nothing to measure without a directory
    }
    path_ = name.data();
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace points::bench

#endif  // POINTS_BENCH_MICRO_TEMP_DIR_H_

// The main of every micro-benchmark binary: Google Benchmark's own, except that it exits 1 when a
// benchmark reported an error (SkipWithError), which benchmark 1.7's BENCHMARK_MAIN does not. The
// test run (label bench) relies on it: a benchmark whose setup or check fails fails the test.
#ifndef POINTS_BENCH_MICRO_MICRO_MAIN_H_
#define POINTS_BENCH_MICRO_MICRO_MAIN_H_

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <string_view>
#include <vector>

namespace points::bench {

// Reports as `Base` does and counts the runs that ended in an error.
template <typename Base>
class ErrorCounting : public Base {
 public:
  using Base::Base;
  void ReportRuns(const std::vector<benchmark::BenchmarkReporter::Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred) ++errors_;
    }
    Base::ReportRuns(runs);
  }
  int errors() const { return errors_; }

 private:
  int errors_ = 0;
};

// Removes `flag` from argv if it is there (before benchmark::Initialize sees it): the binary's
// own flags.
inline bool TakeFlag(int* argc, char** argv, std::string_view flag) {
  for (int i = 1; i < *argc; ++i) {
    if (flag == argv[i]) {
      for (int j = i; j + 1 < *argc; ++j) argv[j] = argv[j + 1];
      --*argc;
      return true;
    }
  }
  return false;
}

inline bool HasArgument(int argc, char** argv, std::string_view argument) {
  for (int i = 1; i < argc; ++i) {
    if (argument == argv[i]) return true;
  }
  return false;
}

// Runs the registered benchmarks with the usual --benchmark_* flags. The display is the console's
// (colour on a terminal, --benchmark_counters_tabular=true honoured) or, with
// --benchmark_format=json, JSON; --benchmark_out writes a file in any format as usual. Returns the
// exit code: 1 on an unknown flag or when any benchmark reported an error.
inline int RunMicroBenchmarks(int argc, char** argv) {
  const bool json = HasArgument(argc, argv, "--benchmark_format=json");
  const bool tabular = HasArgument(argc, argv, "--benchmark_counters_tabular=true");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  int errors = 0;
  if (json) {
    ErrorCounting<benchmark::JSONReporter> reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    errors = reporter.errors();
  } else {
    int options = benchmark::ConsoleReporter::OO_None;
    if (isatty(STDOUT_FILENO)) options |= benchmark::ConsoleReporter::OO_Color;
    if (tabular) options |= benchmark::ConsoleReporter::OO_Tabular;
    ErrorCounting<benchmark::ConsoleReporter> reporter(
        static_cast<benchmark::ConsoleReporter::OutputOptions>(options));
    benchmark::RunSpecifiedBenchmarks(&reporter);
    errors = reporter.errors();
  }
  benchmark::Shutdown();
  if (errors > 0) std::fprintf(stderr, "%d benchmark(s) reported an error\n", errors);
  return errors > 0 ? 1 : 0;
}

}  // namespace points::bench

#endif  // POINTS_BENCH_MICRO_MICRO_MAIN_H_

#include "verify_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit_journal.h"
#include "award_book.h"
#include "domain_store.h"
#include "points/engine.h"
#include "pointsd_config.h"
#include "principal_book.h"
#include "rule_book.h"
#include "shop_book.h"
#include "task_book.h"

namespace points::server {
namespace {

// A bar on a terminal, redrawn at each whole percent ("\r[#####     ]  50% 1200/2400 records");
// elsewhere (a log, a pipe) one line per tenth, so a log is not flooded with redraws. Redrawn
// only when stdout is a terminal too: with the report going to a file or a pipe (`> report`,
// `| tee report`), the run is being recorded, and carriage returns would garble what tee shows
// beside the bar or what a script captures with both streams.
class ProgressBar {
 public:
  ProgressBar() : terminal_(isatty(STDERR_FILENO) == 1 && isatty(STDOUT_FILENO) == 1) {}

  void Show(uint64_t done, uint64_t total) {
    if (total == 0) return;
    // Capped: a damaged journal may hold more records than it counted, and verify must go on to
    // say what is wrong rather than draw a longer bar.
    const int percent = static_cast<int>(std::min<uint64_t>(done, total) * 100 / total);
    const int step = terminal_ ? 1 : 10;
    if (percent / step == shown_ / step && shown_ >= 0) return;
    shown_ = percent;
    constexpr int kWidth = 40;
    const int filled = percent * kWidth / 100;
    std::fprintf(stderr, "%s[%s%s] %3d%% %llu/%llu records%s", terminal_ ? "\r" : "",
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, ' ').c_str(),
                 percent, static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total), terminal_ ? "" : "\n");
    drawn_ = true;
  }

  void Finish() {
    if (terminal_ && drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }

 private:
  const bool terminal_;
  int shown_ = -1;
  bool drawn_ = false;
};

}  // namespace

// `pointsd verify --data-dir DIR`: the offline check of a data directory (or a backup).
int RunVerify(int argc, char** argv) {
  std::string dir;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--data-dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (absl::StartsWith(arg, "--data-dir=")) {
      dir = arg.substr(std::string("--data-dir=").size());
    } else {
      Usage(absl::StrCat("verify: unknown argument '", arg, "'"));
    }
  }
  if (dir.empty()) Usage("verify: give --data-dir DIR");
  std::error_code error;
  if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / "CURRENT", error)) {
    std::fprintf(stderr, "pointsd verify: %s holds no store\n", dir.c_str());
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::fprintf(stderr, "pointsd verify: [1/3] opening %s: replaying the journal...\n", dir.c_str());
  auto engine = Engine::Open(Options(), dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "pointsd verify: FAILED to open: %s\n",
                 engine.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr,
               "pointsd verify: [2/3] %.1f s: checking every record's hash, the chain, and "
               "state rebuilt from the journal against the state opened...\n",
               elapsed());
  VerifyReport report;
  ProgressBar bar;
  if (absl::Status status = (*engine)->Verify(
          &report, [&bar](uint64_t done, uint64_t total) { bar.Show(done, total); });
      !status.ok()) {
    bar.Finish();
    std::fprintf(stderr, "pointsd verify: FAILED: %s\n", status.ToString().c_str());
    return 1;
  }
  bar.Finish();
  std::fprintf(stderr, "pointsd verify: [3/3] %.1f s: reading the domain store's records...\n",
               elapsed());
  uint64_t domain_records = 0;
  uint64_t audit_entries = 0;
  if (std::filesystem::exists(std::filesystem::path(dir) / "domain", error)) {
    auto store = domain::DomainStore::Open(dir + "/domain");
    if (!store.ok()) {
      std::fprintf(stderr, "pointsd verify: FAILED to open the domain store: %s\n",
                   store.status().ToString().c_str());
      return 1;
    }
    // Opening the books decodes every record they index (awards, shops, baskets, tasks,
    // expiry); a record that does not decode fails here.
    domain::RuleBook rules(SystemClock(), store->get());
    auto awards = domain::AwardBook::Open(engine->get(), SystemClock(), store->get(),
                                          domain::AwardPolicy(), &rules);
    absl::Status status = awards.status();
    if (status.ok()) {
      status = domain::ShopBook::Open(engine->get(), SystemClock(), store->get()).status();
    }
    if (status.ok()) {
      status =
          domain::TaskBook::Open(engine->get(), SystemClock(), store->get(), awards->get(), &rules)
              .status();
    }
    if (status.ok()) {  // every principal decodes
      status = domain::PrincipalBook::Open(SystemClock(), store->get()).status();
    }
    if (status.ok()) {  // the operator audit's hash chain, entry by entry
      auto audit = domain::AuditJournal::Open(SystemClock(), store->get());
      absl::StatusOr<uint64_t> checked =
          audit.ok() ? (*audit)->Verify() : absl::StatusOr<uint64_t>(audit.status());
      status = checked.status();
      if (checked.ok()) audit_entries = *checked;
    }
    if (status.ok()) {
      status = (*store)->Scan("", [&](const std::string&, const std::string&) {
        ++domain_records;
        return true;
      });
    }
    if (!status.ok()) {
      std::fprintf(stderr, "pointsd verify: FAILED in the domain store: %s\n",
                   status.ToString().c_str());
      return 1;
    }
  }
  std::printf(
      "pointsd verify: OK %s: %llu journal records in %llu chunks (%llu accounts, %llu "
      "transfers), chain head %s; %llu domain records, %llu audit entries chained; %.1f s\n",
      dir.c_str(), static_cast<unsigned long long>(report.records),
      static_cast<unsigned long long>(report.chunks),
      static_cast<unsigned long long>(report.accounts),
      static_cast<unsigned long long>(report.transfers), report.chain_head_hex.c_str(),
      static_cast<unsigned long long>(domain_records),
      static_cast<unsigned long long>(audit_entries), elapsed());
  return 0;
}

}  // namespace points::server

#include "server/main/verify_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "points/engine.h"
#include "server/domain/store/domain_store.h"
#include "server/main/books.h"
#include "server/receipts/receipts_key.h"
#include "server/receipts/tree_keeper.h"

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

// What the domain store holds, as verify reports it.
struct DomainSummary {
  uint64_t records = 0;
  uint64_t audit_entries = 0;
  // Steps a crash left between intent and outcome, by book: counted, not resumed (the next start
  // of pointsd resumes them; verify writes nothing).
  uint64_t interrupted_awards = 0;
  uint64_t interrupted_shops = 0;
  uint64_t interrupted_tasks = 0;
  uint64_t interrupted_donations = 0;
  uint64_t interrupted_proposals = 0;
  uint64_t tree_records = 0;  // the Merkle tree's leaves, each checked against the journal
  uint64_t checkpoints = 0;   // signed checkpoints, each holding the tree's root at its size
};

// Opens the domain store read-only and every book on it, as pointsd does (books.h): a record
// that does not decode fails here. Opening a book only decodes and indexes, so nothing is
// written and nothing is resumed. Then checks the operator audit chain and counts the records.
absl::Status VerifyDomain(const std::string& dir, Engine* engine, const receipts::VerifierKey* key,
                          DomainSummary* summary) {
  auto store = domain::DomainStore::OpenReadOnly(dir);
  if (!store.ok()) return store.status();
  absl::StatusOr<std::unique_ptr<Books>> books =
      Books::Open(engine, store->get(), domain::AwardPolicy());
  if (!books.ok()) return books.status();
  summary->interrupted_awards = (*books)->awards->interrupted();
  summary->interrupted_shops = (*books)->shops->interrupted();
  summary->interrupted_tasks = (*books)->tasks->interrupted();
  summary->interrupted_donations = (*books)->fund->interrupted();
  summary->interrupted_proposals = (*books)->proposals->interrupted();
  absl::StatusOr<uint64_t> checked = (*books)->audit->Verify();
  if (!checked.ok()) return checked.status();
  summary->audit_entries = *checked;
  if (absl::Status s = receipts::VerifyTree(*engine, store->get(), key, &summary->tree_records,
                                            &summary->checkpoints);
      !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("the Merkle tree: ", s.message()));
  }
  return (*store)->Scan("", [&](const std::string&, const std::string&) {
    ++summary->records;
    return true;
  });
}

void PrintInterrupted(const DomainSummary& summary) {
  const std::pair<const char*, uint64_t> books[] = {{"awards", summary.interrupted_awards},
                                                    {"shops", summary.interrupted_shops},
                                                    {"tasks", summary.interrupted_tasks},
                                                    {"fund", summary.interrupted_donations},
                                                    {"proposals", summary.interrupted_proposals}};
  for (const auto& [book, count] : books) {
    if (count == 0) continue;
    std::printf(
        "pointsd verify: %s: %llu interrupted (would be resumed at the next start; verify "
        "changes nothing)\n",
        book, static_cast<unsigned long long>(count));
  }
}

}  // namespace

// `pointsd verify --data-dir DIR`: the offline check of a data directory (or a backup). It
// writes nothing: the engine and the domain store are opened read-only, and the books' Open
// only decodes and indexes (interrupted work is counted, not resumed).
int RunVerify(const std::string& dir) {
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
  auto engine = Engine::OpenReadOnly(Options(), dir);
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
  DomainSummary domain;
  if (std::filesystem::exists(std::filesystem::path(dir) / "domain", error)) {
    // The checkpoints' key when the directory holds it (a backup may not: then only the roots).
    absl::StatusOr<receipts::Signer> signer = LoadReceiptsKey(dir);
    const receipts::VerifierKey* key = signer.ok() ? &signer->verifier() : nullptr;
    if (absl::Status status = VerifyDomain(dir + "/domain", engine->get(), key, &domain);
        !status.ok()) {
      std::fprintf(stderr, "pointsd verify: FAILED in the domain store: %s\n",
                   status.ToString().c_str());
      return 1;
    }
  }
  PrintInterrupted(domain);
  std::printf(
      "pointsd verify: OK %s: %llu journal records in %llu chunks (%llu accounts, %llu "
      "transfers), chain head %s; %llu domain records, %llu audit entries chained, %llu "
      "interrupted; Merkle tree of %llu records, %llu checkpoints; %.1f s\n",
      dir.c_str(), static_cast<unsigned long long>(report.records),
      static_cast<unsigned long long>(report.chunks),
      static_cast<unsigned long long>(report.accounts),
      static_cast<unsigned long long>(report.transfers), report.chain_head_hex.c_str(),
      static_cast<unsigned long long>(domain.records),
      static_cast<unsigned long long>(domain.audit_entries),
      static_cast<unsigned long long>(domain.interrupted_awards + domain.interrupted_shops +
                                      domain.interrupted_tasks),
      static_cast<unsigned long long>(domain.tree_records),
      static_cast<unsigned long long>(domain.checkpoints), elapsed());
  return 0;
}

}  // namespace points::server

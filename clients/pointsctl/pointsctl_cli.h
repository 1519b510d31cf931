// pointsctl's shared parts: the command table's types, reading flags and arguments (each ends
// the program with a usage error naming the flag), output as aligned tables or JSON Lines, and
// the one mapping from refusals to exit codes. Each group of commands lives in its own file
// (pointsctl_ledger.cc, _villages.cc, _tasks.cc, _shops.cc, _board.cc, _admin.cc, _community.cc)
// and hands its part of the command table to pointsctl.cc, which builds a CLI11 app from the
// table to parse the command line and print help (and pointsctl_completion.cc the bash
// completion from that app).
#ifndef POINTS_CLIENTS_POINTSCTL_POINTSCTL_CLI_H_
#define POINTS_CLIENTS_POINTSCTL_POINTSCTL_CLI_H_

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/cpp/award_csv.h"
#include "clients/cpp/ledger_client.h"
#include "clients/cpp/transfer_csv.h"
#include "clients/cpp/value_text.h"
#include "nlohmann/json.hpp"
#include "points/limits.h"
#include "points/results.h"
#include "server/domain/values/award.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/shop_values.h"

namespace points::client {

// The exit codes, as --help documents them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRpcFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRefused = 3;

inline constexpr char kDefaultTarget[] = "127.0.0.1:50051";

// Command-line parsing.

struct FlagSpec {
  absl::string_view name;        // "--limit"
  absl::string_view value_name;  // "N"; empty for a switch
  absl::string_view help;        // says the default
  bool repeatable = false;
};

struct GlobalOptions {
  std::string target = kDefaultTarget;
  bool json = false;
  absl::Duration deadline = absl::Seconds(10);
  int attempts = 5;
  // --header NAME=VALUE: gRPC metadata for every call, e.g. the shard a proxy routes on.
  std::vector<std::pair<std::string, std::string>> headers;
  // --tls, --tls-ca FILE, --tls-cert FILE --tls-key FILE: the files' contents, read at parse.
  ClientOptions::Tls tls;
  // --token-file FILE (or env POINTS_TOKEN, POINTS_TOKEN_FILE): the principal's token.
  std::string token;
};

struct Invocation {
  GlobalOptions global;
  std::map<std::string, std::vector<std::string>, std::less<>> flags;  // values in order given
  std::vector<std::string> args;

  bool Has(absl::string_view flag) const { return flags.find(flag) != flags.end(); }
  // The last value given for `flag`, if any.
  std::optional<std::string> Value(absl::string_view flag) const {
    auto it = flags.find(flag);
    if (it == flags.end()) return std::nullopt;
    return it->second.back();
  }
};

struct Command {
  absl::string_view group;  // "accounts", or "" for a command of one word
  absl::string_view name;
  absl::string_view args_usage;
  absl::string_view summary;  // one line, for the list of commands
  absl::string_view description;
  std::vector<FlagSpec> flags;
  int (*run)(const Invocation&);
};

// The command being parsed or run, for the pointer to its help after a usage error.
inline const Command* current_command = nullptr;

std::string CommandName(const Command& command);

// A usage error ends the program, as in pointsd: nothing has been sent yet when one is found.
[[noreturn]] void Usage(const std::string& message);

// ---------------------------------------------------------------------------------------------
// Values from flags and arguments. Each ends the program with a usage error naming the flag, so
// commands read as a list of fields.

Id IdArg(absl::string_view what, const std::string& text);

uint64_t NumberFlag(const Invocation& in, absl::string_view flag, uint64_t max,
                    uint64_t fallback = 0);

Id IdFlag(const Invocation& in, absl::string_view flag);

uint64_t TimestampFlag(const Invocation& in, absl::string_view flag);

void RequireFlag(const Invocation& in, absl::string_view flag);

std::vector<Id> IdArgs(const Invocation& in, absl::string_view what);

uint32_t VillageArg(const std::string& text);

uint32_t NumberArg(absl::string_view what, const std::string& text, uint64_t max);

std::string TextFlag(const Invocation& in, absl::string_view flag);
// --by NAME, which older scripts send: the server records the caller's principal instead
// (server/AUTHZ.md), so it is optional. Requests have no field for it; it only fills the
// output-only recorded_by, posted_by and changed_by of the messages sent, which the server
// ignores.
std::string ByFlag(const Invocation& in);
// A flag the command cannot do without: a usage error when it is missing.
uint64_t RequiredNumberFlag(const Invocation& in, absl::string_view flag, uint64_t max);

// A month as YYYYMM (China Standard Time), e.g. 202611.
uint32_t MonthArg(const std::string& what, const std::string& text);

// ---------------------------------------------------------------------------------------------
// Output.

// Columns padded to their widest cell; numbers aligned right.
// Columns a cell takes on a terminal: a Chinese character (a three- or four-byte UTF-8
// sequence) takes two, ASCII one. Tables pad by this, not by bytes, so 张*明 lines up.
size_t DisplayWidth(absl::string_view text);

class Table {
 public:
  struct Column {
    std::string title;
    bool right_aligned = false;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

  void Print(FILE* out) const {
    std::vector<size_t> widths;
    for (const Column& column : columns_) widths.push_back(DisplayWidth(column.title));
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) {
        widths[i] = std::max(widths[i], DisplayWidth(row[i]));
      }
    }
    std::vector<std::string> titles;
    for (const Column& column : columns_) titles.push_back(column.title);
    PrintRow(out, titles, widths);
    for (const auto& row : rows_) PrintRow(out, row, widths);
  }

 private:
  void PrintRow(FILE* out, const std::vector<std::string>& cells,
                const std::vector<size_t>& widths) const {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string padding(widths[i] - DisplayWidth(cells[i]), ' ');
      if (i > 0) line += "  ";
      line += columns_[i].right_aligned ? padding + cells[i] : cells[i] + padding;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    std::fprintf(out, "%s\n", line.c_str());
  }

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// One JSON object, built field by field in order: nlohmann::ordered_json underneath, so the
// escaping and the UTF-8 checks are the library's (text that is not UTF-8 prints U+FFFD).
class JsonObject {
 public:
  using Json = nlohmann::ordered_json;
  JsonObject& String(absl::string_view key, absl::string_view value) {
    json_[std::string(key)] = std::string(value);
    return *this;
  }
  // 64-bit numbers are strings, as in protobuf's JSON mapping.
  JsonObject& Uint64(absl::string_view key, uint64_t value) {
    json_[std::string(key)] = absl::StrCat(value);
    return *this;
  }
  JsonObject& Uint32(absl::string_view key, uint32_t value) {
    json_[std::string(key)] = value;
    return *this;
  }
  JsonObject& Bool(absl::string_view key, bool value) {
    json_[std::string(key)] = value;
    return *this;
  }
  // Flags "a|b" as ["a","b"].
  JsonObject& Flags(absl::string_view key, const std::string& flags) {
    Json names = Json::array();
    if (!flags.empty()) {
      for (absl::string_view name : absl::StrSplit(flags, '|')) names.push_back(std::string(name));
    }
    json_[std::string(key)] = std::move(names);
    return *this;
  }
  // A value that is JSON text already: another object's Done(), or an array of them.
  JsonObject& Raw(absl::string_view key, absl::string_view json) {
    json_[std::string(key)] = Json::parse(json.begin(), json.end());
    return *this;
  }
  std::string Done() const { return json_.dump(-1, ' ', false, Json::error_handler_t::replace); }
  void PrintLine(FILE* out) const { std::fprintf(out, "%s\n", Done().c_str()); }

 private:
  Json json_ = Json::object();
};

std::string OrDash(std::string text);

JsonObject AccountJson(const Account& a);

JsonObject TransferJson(const Transfer& t);

void PrintAccounts(const GlobalOptions& global, const std::vector<Account>& accounts);

void PrintTransfers(const GlobalOptions& global, const std::vector<Transfer>& transfers);

bool AccountAccepted(CreateAccountResult r);

bool TransferAccepted(CreateTransferResult r);

// The engine names results with std::string_view, which this abseil does not take.
template <typename Result>
std::string ResultText(Result result) {
  return std::string(ResultName(result));
}

// One row or line per event: its id, the result's name and the record's timestamp.
template <typename Result>
void PrintEventResults(const GlobalOptions& global, const std::vector<Id>& ids,
                       const std::vector<Result>& results) {
  if (global.json) {
    for (size_t i = 0; i < results.size(); ++i) {
      JsonObject()
          .String("id", FormatId(ids[i]))
          .String("result", ResultText(results[i].result))
          .Uint64("timestamp", results[i].timestamp)
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"ID"}, {"RESULT"}, {"TIMESTAMP"}});
  for (size_t i = 0; i < results.size(); ++i) {
    table.AddRow({FormatId(ids[i]), ResultText(results[i].result),
                  results[i].timestamp != 0 ? FormatTimestamp(results[i].timestamp) : "-"});
  }
  table.Print(stdout);
}

int RpcFailed(const absl::Status& status);

// ---- Villages and awards ----

// A workflow step the server refused: printed, and exit code 3 when the workflow said no (no
// such thing, not allowed, not in a state for it, an id used for something else), 1 otherwise.
int WorkflowFailed(const absl::Status& status);

LedgerClient MakeClient(const GlobalOptions& global);

// Lookups name the ids they did not find on stderr and exit 3 for them.
int ReportNotFound(absl::string_view what, const std::vector<Id>& asked,
                   const std::vector<Id>& found);

// A bar on stderr, only for a person watching a terminal: logs and pipes get none.
class ProgressBar {
 public:
  // `total_bytes` 0: the size is unknown (stdin), so only the count is shown.
  explicit ProgressBar(uint64_t total_bytes)
      : show_(isatty(STDERR_FILENO) != 0), total_bytes_(total_bytes) {}

  void Show(uint64_t bytes_done, uint64_t sent, const char* what) {
    if (!show_) return;
    constexpr int kWidth = 30;
    if (total_bytes_ > 0) {
      const double done = std::min(1.0, static_cast<double>(bytes_done) / total_bytes_);
      const int filled = static_cast<int>(done * kWidth);
      std::fprintf(stderr, "\r[%s%s] %3d%%  %llu %s sent", std::string(filled, '#').c_str(),
                   std::string(kWidth - filled, '.').c_str(), static_cast<int>(done * 100),
                   static_cast<unsigned long long>(sent), what);
    } else {
      std::fprintf(stderr, "\r%llu %s sent", static_cast<unsigned long long>(sent), what);
    }
    std::fflush(stderr);
    shown_ = true;
  }

  void Clear() {
    if (!shown_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    shown_ = false;
  }

 private:
  const bool show_;
  const uint64_t total_bytes_;
  bool shown_ = false;
};

// Opens `path` (- is stdin) for an import; its size, when known, for the progress bar.
std::istream* OpenImport(const std::string& path, std::ifstream& file, uint64_t* bytes);

// The command table, group by group, in the order `pointsctl --help` lists them.
std::vector<Command> LedgerCommands();
std::vector<Command> VillageCommands();
std::vector<Command> TaskCommands();
std::vector<Command> ShopCommands();
std::vector<Command> BoardCommands();
std::vector<Command> PrincipalCommands();
std::vector<Command> AdminCommands();
std::vector<Command> CommunityCommands();
std::vector<Command> ReceiptCommands();

}  // namespace points::client

#endif  // POINTS_CLIENTS_POINTSCTL_POINTSCTL_CLI_H_

// pointsctl: the command line of the points ledger. Every RPC of points.v1.LedgerService is a
// subcommand; `pointsctl --help` and `pointsctl COMMAND --help` say how to use them.
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
#include "award.h"
#include "award_csv.h"
#include "ids.h"
#include "ledger_client.h"
#include "points/limits.h"
#include "points/results.h"
#include "shop_book.h"
#include "transfer_csv.h"
#include "value_text.h"

namespace points::client {
namespace {

// The exit codes, as --help documents them.
constexpr int kExitOk = 0;
constexpr int kExitRpcFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRefused = 3;

constexpr char kDefaultTarget[] = "127.0.0.1:50051";
constexpr size_t kImportBatchDefault = 1000;
constexpr uint32_t kHistoryLimitDefault = 100;

constexpr char kGlobalHelp[] =
    "Global flags (before or after the command):\n"
    "  --target HOST:PORT        the pointsd to talk to (default 127.0.0.1:50051;\n"
    "                            env POINTS_TARGET)\n"
    "  --json                    JSON Lines output, one object per line (`pointsctl --help`)\n"
    "  --deadline-seconds S      deadline of each attempt of a call, may be fractional\n"
    "                            (default 10)\n"
    "  --attempts N              attempts per call: UNAVAILABLE and DEADLINE_EXCEEDED are\n"
    "                            retried with backoff, resending the same ids (default 5;\n"
    "                            1 = no retry)\n"
    "  --help, -h                help for pointsctl or for the command\n";

constexpr char kExitHelp[] =
    "Exit codes:\n"
    "  0  done: every event answered ok or exists, every id asked for was found\n"
    "  1  a call failed at the RPC level: server unreachable, deadline exceeded on every\n"
    "     attempt, or the request refused as a whole\n"
    "  2  usage error: unknown command or flag, a bad value, a file that cannot be read, a\n"
    "     malformed CSV line\n"
    "  3  the server answered but refused at least one event (a result other than ok or\n"
    "     exists), or an id asked for was not found\n";

constexpr char kMainHelp[] =
    "usage: pointsctl [GLOBAL FLAGS] COMMAND [FLAGS] [ARGS]\n"
    "\n"
    "The command line of the points ledger (points.v1.LedgerService served by pointsd).\n"
    "\n"
    "Commands:\n"
    "  accounts create     create accounts\n"
    "  accounts lookup     show accounts by id\n"
    "  accounts watch      follow accounts' balance changes as they happen\n"
    "  transfers create    create a transfer\n"
    "  transfers lookup    show transfers by id\n"
    "  transfers import    create the transfers of a CSV file, in batches\n"
    "  history             show an account's transfers by time\n"
    "  villages create     set up a village's accounts\n"
    "  households create   create households' points accounts\n"
    "  households show     show households' points accounts\n"
    "  households put      save a household's members, proxy and grid\n"
    "  households list     list a village's households\n"
    "  households close    close a household that moves away\n"
    "  budget set          set a month's issuance budget\n"
    "  awards record       record an award or deduction\n"
    "  awards import       record an inspection round from a CSV file\n"
    "  awards approve      approve an award: it goes on notice\n"
    "  awards object       object to an award on notice\n"
    "  awards decide       keep or void a held award\n"
    "  awards show         show an award\n"
    "  awards list         list a village's awards in one state\n"
    "  shops create        create a shop\n"
    "  shops settle        settle a shop: its points back, money to it\n"
    "  shops terms         set a shop's discount and micro-fund levy\n"
    "  sales record        record a member's cash purchase\n"
    "  items put           add an item to a shop or change it\n"
    "  items list          show a shop's items and stock\n"
    "  stock add           add units to an item's stock\n"
    "  baskets redeem      redeem a basket for a household\n"
    "  baskets return      return a redeemed basket\n"
    "  baskets show        show a basket\n"
    "\n"
    "Ids are UUID text, the 16 big-endian bytes in hex grouped 8-4-4-4-12\n"
    "(00000000-0000-0000-0000-00000000002a); a plain decimal integer (42) is accepted too.\n"
    "Ids are idempotency keys: running a create again with the same ids applies nothing twice;\n"
    "the server answers `exists`.\n"
    "\n"
    "Output is an aligned table by default. With --json it is JSON Lines: one object per line,\n"
    "one line per record or per event result. Field names are the proto's; ids are UUID\n"
    "strings, 64-bit numbers (balances, amounts, user_data_64, timestamps in nanoseconds) are\n"
    "decimal strings, as in protobuf's JSON mapping (JSON numbers lose precision above 2^53),\n"
    "32-bit numbers are numbers, flags are arrays of names. Errors go to stderr as text.\n"
    "\n"
    "Examples:\n"
    "  pointsctl accounts create --id 1 --id 2 --ledger 1 --code 10 \\\n"
    "      --flags debits_must_not_exceed_credits\n"
    "  pointsctl transfers create --id 100 --debit-account-id 1 --credit-account-id 2 \\\n"
    "      --amount 50 --ledger 1 --code 1\n"
    "  pointsctl accounts lookup 1 2\n"
    "  pointsctl --json history 2 --limit 10 --reverse\n"
    "  pointsctl transfers import awards.csv --batch 2000\n"
    "\n";

// ---------------------------------------------------------------------------------------------
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

std::string CommandName(const Command& command) {
  return command.group.empty() ? std::string(command.name)
                               : absl::StrCat(command.group, " ", command.name);
}

// The command being parsed or run, for the pointer to its help after a usage error.
const Command* current_command = nullptr;

// A usage error ends the program, as in pointsd: nothing has been sent yet when one is found.
[[noreturn]] void Usage(const std::string& message) {
  std::fprintf(stderr, "pointsctl: %s\nrun `pointsctl%s%s --help` for usage\n", message.c_str(),
               current_command != nullptr ? " " : "",
               current_command != nullptr ? CommandName(*current_command).c_str() : "");
  std::exit(kExitUsage);
}

std::string CommandHelp(const Command& command) {
  std::string help = absl::StrCat("usage: pointsctl ", CommandName(command), " [FLAGS]",
                                  command.args_usage.empty() ? "" : " ", command.args_usage, "\n\n",
                                  command.description, "\n");
  if (!command.flags.empty()) {
    absl::StrAppend(&help, "Flags:\n");
    for (const FlagSpec& flag : command.flags) {
      std::string left = absl::StrCat("  ", flag.name);
      if (!flag.value_name.empty()) absl::StrAppend(&left, " ", flag.value_name);
      left.resize(std::max<size_t>(left.size() + 2, 28), ' ');
      absl::StrAppend(&help, left, flag.help, flag.repeatable ? " (repeatable)" : "", "\n");
    }
    absl::StrAppend(&help, "\n");
  }
  absl::StrAppend(&help, kGlobalHelp, "\n", kExitHelp);
  return help;
}

// Reads a global flag at argv[*i] into `global`; false if it is not one.
bool ParseGlobalFlag(int argc, char** argv, int* i, GlobalOptions* global) {
  absl::string_view arg = argv[*i];
  absl::string_view name = arg.substr(0, arg.find('='));
  auto value = [&]() -> std::string {
    if (name.size() < arg.size()) return std::string(arg.substr(name.size() + 1));
    if (*i + 1 >= argc) Usage(absl::StrCat(name, " needs a value"));
    return argv[++*i];
  };
  if (name == "--target") {
    global->target = value();
    if (global->target.empty()) Usage("--target must not be empty");
  } else if (name == "--json") {
    global->json = true;
  } else if (name == "--deadline-seconds") {
    const std::string text = value();
    double seconds = 0;
    if (!absl::SimpleAtod(text, &seconds) || !(seconds > 0) || seconds > 3600) {
      Usage(
          absl::StrCat("--deadline-seconds must be a number of seconds above 0 and at most "
                       "3600, got '",
                       text, "'"));
    }
    global->deadline = absl::Seconds(seconds);
  } else if (name == "--attempts") {
    const std::string text = value();
    absl::StatusOr<uint64_t> attempts = ParseUnsigned(text, 100);
    if (!attempts.ok() || *attempts == 0) {
      Usage(absl::StrCat("--attempts must be a whole number from 1 to 100, got '", text, "'"));
    }
    global->attempts = static_cast<int>(*attempts);
  } else {
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Values from flags and arguments. Each ends the program with a usage error naming the flag, so
// commands read as a list of fields.

Id IdArg(absl::string_view what, const std::string& text) {
  absl::StatusOr<Id> id = ParseId(text);
  if (!id.ok()) Usage(absl::StrCat(what, ": ", id.status().message()));
  return *id;
}

uint64_t NumberFlag(const Invocation& in, absl::string_view flag, uint64_t max,
                    uint64_t fallback = 0) {
  std::optional<std::string> text = in.Value(flag);
  if (!text) return fallback;
  absl::StatusOr<uint64_t> number = ParseUnsigned(*text, max);
  if (!number.ok()) Usage(absl::StrCat(flag, ": ", number.status().message()));
  return *number;
}

Id IdFlag(const Invocation& in, absl::string_view flag) {
  std::optional<std::string> text = in.Value(flag);
  return text ? IdArg(flag, *text) : Id(0);
}

uint64_t TimestampFlag(const Invocation& in, absl::string_view flag) {
  std::optional<std::string> text = in.Value(flag);
  if (!text) return 0;
  absl::StatusOr<uint64_t> timestamp = ParseTimestamp(*text);
  if (!timestamp.ok()) Usage(absl::StrCat(flag, ": ", timestamp.status().message()));
  return *timestamp;
}

void RequireFlag(const Invocation& in, absl::string_view flag) {
  if (!in.Has(flag)) Usage(absl::StrCat(flag, " is required"));
}

std::vector<Id> IdArgs(const Invocation& in, absl::string_view what) {
  if (in.args.empty()) Usage(absl::StrCat("give at least one ", what, " id"));
  if (in.args.size() > kLookupIdsMax) {
    Usage(absl::StrCat("at most ", kLookupIdsMax, " ids per call, got ", in.args.size()));
  }
  std::vector<Id> ids;
  for (const std::string& arg : in.args) ids.push_back(IdArg(what, arg));
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Output.

// Columns padded to their widest cell; numbers aligned right.
// Columns a cell takes on a terminal: a Chinese character (a three- or four-byte UTF-8
// sequence) takes two, ASCII one. Tables pad by this, not by bytes, so 张*明 lines up.
size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    const size_t bytes = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    width += bytes >= 3 ? 2 : 1;
    i += bytes;
  }
  return width;
}

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

std::string OrDash(std::string text) { return text.empty() ? "-" : text; }

// One JSON object, built field by field in order.
class JsonObject {
 public:
  JsonObject& String(absl::string_view key, absl::string_view value) {
    return Raw(key, Quote(value));
  }
  // 64-bit numbers are strings, as in protobuf's JSON mapping.
  JsonObject& Uint64(absl::string_view key, uint64_t value) {
    return Raw(key, absl::StrCat("\"", value, "\""));
  }
  JsonObject& Uint32(absl::string_view key, uint32_t value) {
    return Raw(key, absl::StrCat(value));
  }
  JsonObject& Bool(absl::string_view key, bool value) { return Raw(key, value ? "true" : "false"); }
  // Flags "a|b" as ["a","b"].
  JsonObject& Flags(absl::string_view key, const std::string& flags) {
    std::vector<std::string> names;
    if (!flags.empty()) {
      for (absl::string_view name : absl::StrSplit(flags, '|')) names.push_back(Quote(name));
    }
    return Raw(key, absl::StrCat("[", absl::StrJoin(names, ","), "]"));
  }
  JsonObject& Raw(absl::string_view key, absl::string_view json) {
    absl::StrAppend(&text_, text_.empty() ? "{" : ",", Quote(key), ":", json);
    return *this;
  }
  std::string Done() const { return text_.empty() ? "{}" : text_ + "}"; }
  void PrintLine(FILE* out) const { std::fprintf(out, "%s\n", Done().c_str()); }

  static std::string Quote(absl::string_view text) {
    std::string out = "\"";
    for (char c : text) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            absl::StrAppend(&out, "\\u00",
                            absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
          } else {
            out += c;
          }
      }
    }
    return out + "\"";
  }

 private:
  std::string text_;
};

JsonObject AccountJson(const Account& a) {
  JsonObject json;
  json.String("id", FormatId(a.id))
      .Uint64("debits_pending", a.debits_pending)
      .Uint64("debits_posted", a.debits_posted)
      .Uint64("credits_pending", a.credits_pending)
      .Uint64("credits_posted", a.credits_posted)
      .String("user_data_128", FormatId(a.user_data_128))
      .Uint64("user_data_64", a.user_data_64)
      .Uint32("user_data_32", a.user_data_32)
      .Uint32("ledger", a.ledger)
      .Uint32("code", a.code)
      .Flags("flags", FormatAccountFlags(a.flags))
      .Uint64("timestamp", a.timestamp);
  return json;
}

JsonObject TransferJson(const Transfer& t) {
  JsonObject json;
  json.String("id", FormatId(t.id))
      .String("debit_account_id", FormatId(t.debit_account_id))
      .String("credit_account_id", FormatId(t.credit_account_id))
      .Uint64("amount", t.amount)
      .String("pending_id", FormatId(t.pending_id))
      .String("user_data_128", FormatId(t.user_data_128))
      .Uint64("user_data_64", t.user_data_64)
      .Uint32("user_data_32", t.user_data_32)
      .Uint32("timeout_seconds", t.timeout)
      .Uint32("ledger", t.ledger)
      .Uint32("code", t.code)
      .Flags("flags", FormatTransferFlags(t.flags))
      .Uint64("timestamp", t.timestamp);
  return json;
}

void PrintAccounts(const GlobalOptions& global, const std::vector<Account>& accounts) {
  if (global.json) {
    for (const Account& a : accounts) AccountJson(a).PrintLine(stdout);
    return;
  }
  Table table({{"ID"},
               {"LEDGER", true},
               {"CODE", true},
               {"DEBITS_POSTED", true},
               {"CREDITS_POSTED", true},
               {"DEBITS_PENDING", true},
               {"CREDITS_PENDING", true},
               {"FLAGS"},
               {"CREATED"}});
  for (const Account& a : accounts) {
    table.AddRow({FormatId(a.id), absl::StrCat(a.ledger), absl::StrCat(a.code),
                  absl::StrCat(a.debits_posted), absl::StrCat(a.credits_posted),
                  absl::StrCat(a.debits_pending), absl::StrCat(a.credits_pending),
                  OrDash(FormatAccountFlags(a.flags)), FormatTimestamp(a.timestamp)});
  }
  table.Print(stdout);
}

void PrintTransfers(const GlobalOptions& global, const std::vector<Transfer>& transfers) {
  if (global.json) {
    for (const Transfer& t : transfers) TransferJson(t).PrintLine(stdout);
    return;
  }
  // Pending ids and timeouts are rare: their columns appear only when some row has one.
  const bool any_pending_id = std::any_of(transfers.begin(), transfers.end(),
                                          [](const Transfer& t) { return t.pending_id != 0; });
  const bool any_timeout = std::any_of(transfers.begin(), transfers.end(),
                                       [](const Transfer& t) { return t.timeout != 0; });
  std::vector<Table::Column> columns = {{"ID"},           {"DEBIT_ACCOUNT"}, {"CREDIT_ACCOUNT"},
                                        {"AMOUNT", true}, {"LEDGER", true},  {"CODE", true},
                                        {"FLAGS"}};
  if (any_pending_id) columns.push_back({"PENDING_ID"});
  if (any_timeout) columns.push_back({"TIMEOUT_S", true});
  columns.push_back({"TIMESTAMP"});
  Table table(std::move(columns));
  for (const Transfer& t : transfers) {
    std::vector<std::string> row = {FormatId(t.id),
                                    FormatId(t.debit_account_id),
                                    FormatId(t.credit_account_id),
                                    absl::StrCat(t.amount),
                                    absl::StrCat(t.ledger),
                                    absl::StrCat(t.code),
                                    OrDash(FormatTransferFlags(t.flags))};
    if (any_pending_id) row.push_back(t.pending_id != 0 ? FormatId(t.pending_id) : "-");
    if (any_timeout) row.push_back(absl::StrCat(t.timeout));
    row.push_back(FormatTimestamp(t.timestamp));
    table.AddRow(std::move(row));
  }
  table.Print(stdout);
}

// The engine names results with std::string_view, which this abseil does not take.
template <typename Result>
std::string ResultText(Result result) {
  return std::string(ResultName(result));
}

bool AccountAccepted(CreateAccountResult r) {
  return r == CreateAccountResult::kOk || r == CreateAccountResult::kExists;
}
bool TransferAccepted(CreateTransferResult r) {
  return r == CreateTransferResult::kOk || r == CreateTransferResult::kExists;
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

int RpcFailed(const absl::Status& status) {
  std::fprintf(stderr, "pointsctl: %s: %s\n", absl::StatusCodeToString(status.code()).c_str(),
               std::string(status.message()).c_str());
  return kExitRpcFailed;
}

LedgerClient MakeClient(const GlobalOptions& global) {
  ClientOptions options;
  options.deadline = global.deadline;
  options.retry.max_attempts = global.attempts;
  options.on_retry = [](int next_attempt, const absl::Status& failure) {
    std::fprintf(stderr, "pointsctl: %s: %s; retrying (attempt %d)\n",
                 absl::StatusCodeToString(failure.code()).c_str(),
                 std::string(failure.message()).c_str(), next_attempt);
  };
  return LedgerClient(global.target, std::move(options));
}

// Lookups name the ids they did not find on stderr and exit 3 for them.
int ReportNotFound(absl::string_view what, const std::vector<Id>& asked,
                   const std::vector<Id>& found) {
  int missing = 0;
  for (Id id : asked) {
    if (std::find(found.begin(), found.end(), id) == found.end()) {
      std::fprintf(stderr, "pointsctl: %s %s not found\n", std::string(what).c_str(),
                   FormatId(id).c_str());
      ++missing;
    }
  }
  return missing == 0 ? kExitOk : kExitRefused;
}

// ---------------------------------------------------------------------------------------------
// Commands.

int RunAccountsCreate(const Invocation& in) {
  RequireFlag(in, "--id");
  Account prototype;
  prototype.ledger = static_cast<uint32_t>(NumberFlag(in, "--ledger", UINT32_MAX));
  prototype.code = static_cast<uint16_t>(NumberFlag(in, "--code", UINT16_MAX));
  prototype.user_data_128 = IdFlag(in, "--user-data-128");
  prototype.user_data_64 = NumberFlag(in, "--user-data-64", UINT64_MAX);
  prototype.user_data_32 = static_cast<uint32_t>(NumberFlag(in, "--user-data-32", UINT32_MAX));
  if (std::optional<std::string> text = in.Value("--flags")) {
    absl::StatusOr<uint16_t> flags = ParseAccountFlags(*text);
    if (!flags.ok()) Usage(absl::StrCat("--flags: ", flags.status().message()));
    prototype.flags = *flags;
  }
  std::vector<Account> accounts;
  std::vector<Id> ids;
  for (const std::string& text : in.flags.at("--id")) {
    ids.push_back(IdArg("--id", text));
    accounts.push_back(prototype);
    accounts.back().id = ids.back();
  }
  if (accounts.size() > kBatchEventsMax) {
    Usage(absl::StrCat("at most ", kBatchEventsMax, " accounts per call"));
  }
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<AccountEventResult>> results = client.CreateAccounts(accounts);
  if (!results.ok()) return RpcFailed(results.status());
  PrintEventResults(in.global, ids, *results);
  const bool all_accepted = std::all_of(results->begin(), results->end(),
                                        [](const auto& r) { return AccountAccepted(r.result); });
  return all_accepted ? kExitOk : kExitRefused;
}

int RunAccountsLookup(const Invocation& in) {
  const std::vector<Id> ids = IdArgs(in, "account");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<Account>> accounts = client.LookupAccounts(ids);
  if (!accounts.ok()) return RpcFailed(accounts.status());
  PrintAccounts(in.global, *accounts);
  std::vector<Id> found;
  for (const Account& a : *accounts) found.push_back(a.id);
  return ReportNotFound("account", ids, found);
}

int RunTransfersCreate(const Invocation& in) {
  RequireFlag(in, "--id");
  Transfer t;
  t.id = IdFlag(in, "--id");
  t.debit_account_id = IdFlag(in, "--debit-account-id");
  t.credit_account_id = IdFlag(in, "--credit-account-id");
  t.amount = NumberFlag(in, "--amount", UINT64_MAX);
  t.ledger = static_cast<uint32_t>(NumberFlag(in, "--ledger", UINT32_MAX));
  t.code = static_cast<uint16_t>(NumberFlag(in, "--code", UINT16_MAX));
  t.pending_id = IdFlag(in, "--pending-id");
  t.timeout = static_cast<uint32_t>(NumberFlag(in, "--timeout-seconds", UINT32_MAX));
  t.user_data_128 = IdFlag(in, "--user-data-128");
  t.user_data_64 = NumberFlag(in, "--user-data-64", UINT64_MAX);
  t.user_data_32 = static_cast<uint32_t>(NumberFlag(in, "--user-data-32", UINT32_MAX));
  if (std::optional<std::string> text = in.Value("--flags")) {
    absl::StatusOr<uint16_t> flags = ParseTransferFlags(*text);
    if (!flags.ok()) Usage(absl::StrCat("--flags: ", flags.status().message()));
    t.flags = *flags;
  }
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<TransferEventResult>> results = client.CreateTransfers({t});
  if (!results.ok()) return RpcFailed(results.status());
  PrintEventResults(in.global, {t.id}, *results);
  return TransferAccepted(results->front().result) ? kExitOk : kExitRefused;
}

int RunTransfersLookup(const Invocation& in) {
  const std::vector<Id> ids = IdArgs(in, "transfer");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<Transfer>> transfers = client.LookupTransfers(ids);
  if (!transfers.ok()) return RpcFailed(transfers.status());
  PrintTransfers(in.global, *transfers);
  std::vector<Id> found;
  for (const Transfer& t : *transfers) found.push_back(t.id);
  return ReportNotFound("transfer", ids, found);
}

int RunHistory(const Invocation& in) {
  if (in.args.size() != 1) Usage("give exactly one account id");
  HistoryFilter filter;
  filter.account_id = IdArg("account id", in.args[0]);
  filter.limit =
      static_cast<uint32_t>(NumberFlag(in, "--limit", kHistoryPageMax, kHistoryLimitDefault));
  if (filter.limit == 0) Usage(absl::StrCat("--limit must be 1..", kHistoryPageMax));
  filter.timestamp_min = TimestampFlag(in, "--from");
  filter.timestamp_max = TimestampFlag(in, "--to");
  filter.reversed = in.Has("--reverse");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<Transfer>> transfers = client.GetAccountHistory(filter);
  if (transfers.status().code() == absl::StatusCode::kNotFound) {
    std::fprintf(stderr, "pointsctl: account %s not found\n", FormatId(filter.account_id).c_str());
    return kExitRefused;
  }
  if (!transfers.ok()) return RpcFailed(transfers.status());
  PrintTransfers(in.global, *transfers);
  if (transfers->size() == filter.limit) {
    const uint64_t last = transfers->back().timestamp;
    std::fprintf(stderr, "pointsctl: %u transfers shown, more may follow: ask again with %s %llu\n",
                 filter.limit, filter.reversed ? "--to" : "--from",
                 static_cast<unsigned long long>(filter.reversed ? last - 1 : last + 1));
  }
  return kExitOk;
}

int RunAccountsWatch(const Invocation& in) {
  if (in.args.empty() || in.args.size() > kWatchAccountsMax) {
    Usage(absl::StrCat("give 1..", kWatchAccountsMax, " account ids"));
  }
  std::vector<Id> ids;
  for (const std::string& text : in.args) ids.push_back(IdArg("account id", text));
  const uint64_t after = TimestampFlag(in, "--after");
  const uint64_t count_max = NumberFlag(in, "--count", UINT64_MAX);
  uint64_t shown = 0;
  LedgerClient client = MakeClient(in.global);
  const absl::Status status =
      client.WatchAccounts(ids, after, [&](const std::vector<BalanceChange>& changes) {
        for (const BalanceChange& c : changes) {
          const AccountBalance& b = c.balance;
          if (in.global.json) {
            JsonObject()
                .String("account_id", FormatId(c.account_id))
                .Uint64("timestamp", b.timestamp)
                .Uint64("debits_posted", b.debits_posted)
                .Uint64("credits_posted", b.credits_posted)
                .Uint64("debits_pending", b.debits_pending)
                .Uint64("credits_pending", b.credits_pending)
                .PrintLine(stdout);
          } else {
            if (shown == 0) {  // a table streams: fixed widths, the header with the first row
              std::printf("%-30s  %-36s  %20s  %20s  %20s  %20s\n", "TIMESTAMP", "ACCOUNT",
                          "DEBITS_POSTED", "CREDITS_POSTED", "DEBITS_PENDING", "CREDITS_PENDING");
            }
            std::printf("%-30s  %-36s  %20llu  %20llu  %20llu  %20llu\n",
                        FormatTimestamp(b.timestamp).c_str(), FormatId(c.account_id).c_str(),
                        static_cast<unsigned long long>(b.debits_posted),
                        static_cast<unsigned long long>(b.credits_posted),
                        static_cast<unsigned long long>(b.debits_pending),
                        static_cast<unsigned long long>(b.credits_pending));
          }
          if (++shown == count_max) break;
        }
        std::fflush(stdout);  // a pipe reader sees each change as it comes
        return count_max == 0 || shown < count_max;
      });
  if (status.code() == absl::StatusCode::kNotFound) {
    std::fprintf(stderr, "pointsctl: %s\n", std::string(status.message()).c_str());
    return kExitRefused;
  }
  if (!status.ok()) return RpcFailed(status);
  return kExitOk;
}

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
std::istream* OpenImport(const std::string& path, std::ifstream& file, uint64_t* bytes) {
  *bytes = 0;
  if (path == "-") return &std::cin;
  file.open(path, std::ios::binary);
  if (!file) Usage(absl::StrCat("cannot read ", path));
  std::error_code error;
  *bytes = std::filesystem::file_size(path, error);
  if (error) *bytes = 0;
  return &file;
}

// ---- Villages and awards ----

// A workflow step the server refused: printed, and exit code 3 when the workflow said no (no
// such thing, not allowed, not in a state for it, an id used for something else), 1 otherwise.
int WorkflowFailed(const absl::Status& status) {
  RpcFailed(status);
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return kExitRefused;
    default:
      return kExitRpcFailed;
  }
}

uint32_t VillageArg(const std::string& text) {
  absl::StatusOr<uint64_t> village = ParseUnsigned(text, domain::kVillagesMax);
  if (!village.ok() || *village == 0) {
    Usage(absl::StrCat("village: must be 1..", domain::kVillagesMax, ", got '", text, "'"));
  }
  return static_cast<uint32_t>(*village);
}

uint32_t NumberArg(absl::string_view what, const std::string& text, uint64_t max) {
  absl::StatusOr<uint64_t> n = ParseUnsigned(text, max);
  if (!n.ok() || *n == 0) Usage(absl::StrCat(what, ": a number 1..", max, ", got '", text, "'"));
  return static_cast<uint32_t>(*n);
}

// VILLAGE AWARD_ID, the arguments of every command about one award.
std::pair<uint32_t, Id> AwardArgs(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the award id");
  return {VillageArg(in.args[0]), IdArg("award id", in.args[1])};
}

std::string TextFlag(const Invocation& in, absl::string_view flag) {
  RequireFlag(in, flag);
  return *in.Value(flag);
}

void PrintAwards(const GlobalOptions& global, const std::vector<domain::Award>& awards) {
  if (global.json) {
    for (const domain::Award& a : awards) {
      JsonObject json;
      json.String("award_id", FormatId(a.request.award))
          .Uint32("village", a.request.village)
          .Uint64("household", a.request.household)
          .Uint32("rule", a.request.rule.rule)
          .Uint32("rule_version", a.request.rule.version)
          .Uint64("points", a.amount)
          .String("state", domain::AwardStateName(a.state))
          .Uint64("recorded_at", a.recorded_at_ns)
          .Uint64("notice_ends_at", a.notice_ends_at_ns)
          .String("recorded_by", a.request.recorded_by)
          .String("reviewed_by", a.reviewed_by)
          .String("objection", a.objection)
          .String("refusal", a.refusal)
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"AWARD"},
               {"HOUSEHOLD", true},
               {"RULE", true},
               {"POINTS", true},
               {"STATE"},
               {"NOTICE_ENDS"},
               {"WHY"}});
  for (const domain::Award& a : awards) {
    table.AddRow({FormatId(a.request.award), absl::StrCat(a.request.household),
                  absl::StrCat(a.request.rule.rule, "v", a.request.rule.version),
                  absl::StrCat(a.amount), domain::AwardStateName(a.state),
                  a.notice_ends_at_ns != 0 ? FormatTimestamp(a.notice_ends_at_ns) : "-",
                  OrDash(!a.refusal.empty() ? a.refusal : a.objection)});
  }
  table.Print(stdout);
}

// Prints the award a step returned; a refusal by the ledger exits 3, and so does a step the
// workflow refuses (no such award, not allowed, not in a state for it, id used otherwise).
int AwardStepDone(const Invocation& in, const absl::StatusOr<domain::Award>& award) {
  if (!award.ok()) return WorkflowFailed(award.status());
  PrintAwards(in.global, {*award});
  return award->state == domain::AwardState::kRefused ? kExitRefused : kExitOk;
}

int RunVillagesCreate(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village number");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<Id> issuer = client.CreateVillage(VillageArg(in.args[0]));
  if (!issuer.ok()) return RpcFailed(issuer.status());
  std::printf("village %s ready; issuer account %s\n", in.args[0].c_str(),
              FormatId(*issuer).c_str());
  return kExitOk;
}

int RunHouseholdsCreate(const Invocation& in) {
  if (in.args.size() < 2) Usage("give the village and at least one household number");
  const uint32_t village = VillageArg(in.args[0]);
  LedgerClient client = MakeClient(in.global);
  Table table({{"HOUSEHOLD", true}, {"ACCOUNT"}});
  for (size_t i = 1; i < in.args.size(); ++i) {
    absl::StatusOr<uint64_t> household = ParseUnsigned(in.args[i], UINT64_MAX);
    if (!household.ok() || *household == 0) Usage("household: a number, not zero");
    absl::StatusOr<Id> account = client.CreateHousehold(village, *household);
    if (!account.ok()) return RpcFailed(account.status());
    table.AddRow({in.args[i], FormatId(*account)});
  }
  table.Print(stdout);
  return kExitOk;
}

int RunHouseholdsShow(const Invocation& in) {
  if (in.args.size() < 2) Usage("give the village and at least one household number");
  const uint32_t village = VillageArg(in.args[0]);
  std::vector<Id> ids;
  for (size_t i = 1; i < in.args.size(); ++i) {
    ids.push_back(domain::ids::Household(village, NumberArg("household", in.args[i], UINT32_MAX)));
  }
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<Account>> accounts = client.LookupAccounts(ids);
  if (!accounts.ok()) return RpcFailed(accounts.status());
  PrintAccounts(in.global, *accounts);
  std::vector<Id> found;
  for (const Account& a : *accounts) found.push_back(a.id);
  return ReportNotFound("household account", ids, found);
}

// NAME:head|member[:PHONE], or for a proxy NAME[:PHONE].
std::vector<std::string> Parts(const std::string& text) { return absl::StrSplit(text, ':'); }

int RunHouseholdsPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  domain::Household h;
  h.village = VillageArg(in.args[0]);
  h.household = NumberArg("household", in.args[1], UINT32_MAX);
  h.name = in.Value("--name").value_or("");
  h.grid = static_cast<uint32_t>(NumberFlag(in, "--grid", UINT32_MAX));
  if (in.Has("--member")) {
    for (const std::string& text : in.flags.at("--member")) {
      const std::vector<std::string> parts = Parts(text);
      if (parts.size() < 2 || parts.size() > 3 || (parts[1] != "head" && parts[1] != "member")) {
        Usage(absl::StrCat("--member '", text, "': give NAME:head or NAME:member[:PHONE]"));
      }
      h.members.push_back(
          {parts[0], parts[1] == "head" ? domain::MemberRole::kHead : domain::MemberRole::kMember,
           parts.size() == 3 ? parts[2] : ""});
    }
  }
  if (std::optional<std::string> proxy = in.Value("--proxy")) {
    const std::vector<std::string> parts = Parts(*proxy);
    if (parts.size() > 2) Usage("--proxy: give NAME or NAME:PHONE");
    h.proxy_name = parts[0];
    h.proxy_phone = parts.size() == 2 ? parts[1] : "";
  }
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<Id> account = client.PutHousehold(h);
  if (!account.ok()) return WorkflowFailed(account.status());
  std::printf("household %s of village %s saved; points account %s\n", in.args[1].c_str(),
              in.args[0].c_str(), FormatId(*account).c_str());
  return kExitOk;
}

int RunHouseholdsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<domain::Household>> households =
      client.ListHouseholds(VillageArg(in.args[0]), in.Has("--reveal"));
  if (!households.ok()) return RpcFailed(households.status());
  auto members_text = [](const domain::Household& h) {
    std::vector<std::string> names;
    for (const domain::Member& m : h.members) {
      names.push_back(absl::StrCat(m.name, m.role == domain::MemberRole::kHead ? " (head)" : "",
                                   m.phone.empty() ? "" : " " + m.phone));
    }
    return absl::StrJoin(names, "; ");
  };
  if (in.global.json) {
    for (const domain::Household& h : *households) {
      JsonObject()
          .Uint64("household", h.household)
          .String("name", h.name)
          .Uint32("grid", h.grid)
          .String("members", members_text(h))
          .String("proxy", h.proxy_name)
          .Bool("closed", h.closed)
          .PrintLine(stdout);
    }
    return kExitOk;
  }
  Table table({{"HOUSEHOLD", true}, {"NAME"}, {"GRID", true}, {"MEMBERS"}, {"PROXY"}, {"CLOSED"}});
  for (const domain::Household& h : *households) {
    table.AddRow({absl::StrCat(h.household), OrDash(h.name), absl::StrCat(h.grid),
                  OrDash(members_text(h)), OrDash(h.proxy_name), h.closed ? "yes" : "no"});
  }
  table.Print(stdout);
  return kExitOk;
}

int RunHouseholdsClose(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  LedgerClient client = MakeClient(in.global);
  absl::Status status =
      client.CloseHousehold(VillageArg(in.args[0]), NumberArg("household", in.args[1], UINT32_MAX));
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("household %s of village %s closed\n", in.args[1].c_str(), in.args[0].c_str());
  return kExitOk;
}

// A month as YYYYMM (China Standard Time), e.g. 202611.
uint32_t MonthArg(const std::string& what, const std::string& text) {
  absl::StatusOr<uint64_t> month = ParseUnsigned(text, 999912);
  if (!month.ok() || *month < 190001 || *month % 100 == 0 || *month % 100 > 12) {
    Usage(absl::StrCat(what, ": YYYYMM, e.g. 202611"));
  }
  return static_cast<uint32_t>(*month);
}

int RunBudgetSet(const Invocation& in) {
  if (in.args.size() != 3) Usage("give the village, the month (YYYYMM) and the points");
  const uint32_t month = MonthArg("month", in.args[1]);
  absl::StatusOr<uint64_t> points = ParseUnsigned(in.args[2], UINT64_MAX);
  if (!points.ok() || *points == 0) Usage("points: a number, not zero");
  LedgerClient client = MakeClient(in.global);
  absl::Status status = client.SetBudget(VillageArg(in.args[0]), month, *points);
  if (!status.ok()) {
    RpcFailed(status);
    return status.code() == absl::StatusCode::kFailedPrecondition ? kExitRefused : kExitRpcFailed;
  }
  std::printf("budget of village %s for %s: %s points\n", in.args[0].c_str(), in.args[1].c_str(),
              in.args[2].c_str());
  return kExitOk;
}

uint16_t CategoryFlag(const Invocation& in) {
  const uint16_t code = CategoryCode(TextFlag(in, "--category"));
  if (code == 0) {
    Usage(
        "--category: one of hygiene, volunteering, village_agreement, model_award, task, "
        "deduction");
  }
  return code;
}

int RunAwardsRecord(const Invocation& in) {
  domain::AwardRequest r;
  r.village = VillageArg(TextFlag(in, "--village"));
  RequireFlag(in, "--id");
  r.award = IdFlag(in, "--id");
  r.household = NumberFlag(in, "--household", UINT64_MAX);
  r.rule.rule = static_cast<uint32_t>(NumberFlag(in, "--rule", domain::kRuleNumberMax));
  r.rule.version = static_cast<uint32_t>(NumberFlag(in, "--version", UINT32_MAX, 0));
  r.quantity = NumberFlag(in, "--quantity", UINT64_MAX, 1);
  if (in.Has("--evidence")) r.evidence = in.flags.at("--evidence");
  r.note = in.Value("--note").value_or("");
  r.recorded_by = TextFlag(in, "--by");
  LedgerClient client = MakeClient(in.global);
  return AwardStepDone(in, client.RecordAward(r));
}

const char* CategoryName(uint16_t code) { return domain::TransferCodeName(code); }

void PrintRules(const GlobalOptions& global, const std::vector<domain::CatalogueRule>& rules) {
  if (global.json) {
    for (const domain::CatalogueRule& r : rules) {
      JsonObject()
          .Uint32("village", r.village)
          .Uint32("rule", r.rule.rule)
          .Uint32("version", r.rule.version)
          .String("name", r.name)
          .String("category", CategoryName(r.rule.code))
          .Uint64("points_per_unit", r.rule.points_per_unit)
          .Uint32("difficulty_percent", r.rule.difficulty_percent)
          .Uint64("cap_per_day", r.rule.cap_per_day)
          .Uint64("cap_per_month", r.rule.cap_per_month)
          .Uint64("cap_per_year", r.rule.cap_per_year)
          .Uint64("effective_from", r.effective_from_ns)
          .Bool("retired", r.retired)
          .String("changed_by", r.changed_by)
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"RULE", true},
               {"VERSION", true},
               {"NAME"},
               {"CATEGORY"},
               {"POINTS", true},
               {"DIFFICULTY%", true},
               {"CAPS D/M/Y"},
               {"IN_EFFECT_FROM"},
               {"BY"}});
  for (const domain::CatalogueRule& r : rules) {
    table.AddRow(
        {absl::StrCat(r.rule.rule), absl::StrCat(r.rule.version), r.name,
         r.retired ? "retired" : CategoryName(r.rule.code), absl::StrCat(r.rule.points_per_unit),
         absl::StrCat(r.rule.difficulty_percent),
         absl::StrCat(r.rule.cap_per_day, "/", r.rule.cap_per_month, "/", r.rule.cap_per_year),
         FormatTimestamp(r.effective_from_ns), r.changed_by});
  }
  table.Print(stdout);
}

int RunRulesPut(const Invocation& in) {
  domain::CatalogueRule r;
  r.village = VillageArg(TextFlag(in, "--village"));
  r.rule.rule = static_cast<uint32_t>(NumberFlag(in, "--rule", domain::kRuleNumberMax));
  r.name = TextFlag(in, "--name");
  r.rule.code = CategoryFlag(in);
  r.rule.points_per_unit = NumberFlag(in, "--points-per-unit", UINT64_MAX);
  r.rule.difficulty_percent = static_cast<uint32_t>(
      NumberFlag(in, "--difficulty-percent", domain::kDifficultyPercentMax, 100));
  r.rule.cap_per_day = NumberFlag(in, "--cap-per-day", UINT64_MAX);
  r.rule.cap_per_month = NumberFlag(in, "--cap-per-month", UINT64_MAX);
  r.rule.cap_per_year = NumberFlag(in, "--cap-per-year", UINT64_MAX);
  if (std::optional<std::string> from = in.Value("--effective-from")) {
    absl::StatusOr<uint64_t> ns = ParseTimestamp(*from);
    if (!ns.ok()) Usage(absl::StrCat("--effective-from: ", ns.status().message()));
    r.effective_from_ns = *ns;
  }
  r.retired = in.Has("--retire");
  r.changed_by = TextFlag(in, "--by");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::CatalogueRule> put = client.PutRule(r);
  if (!put.ok()) return WorkflowFailed(put.status());
  PrintRules(in.global, {*put});
  return kExitOk;
}

int RunRulesList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<domain::CatalogueRule>> rules =
      client.ListRules(VillageArg(in.args[0]),
                       static_cast<uint32_t>(NumberFlag(in, "--rule", domain::kRuleNumberMax, 0)));
  if (!rules.ok()) return RpcFailed(rules.status());
  PrintRules(in.global, *rules);
  return kExitOk;
}

// `awards import`: an inspection round from a CSV file, in requests of --batch awards, each
// line idempotent by its award id, so running the same file again changes nothing.
int RunAwardsImport(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the CSV file (- reads stdin)");
  const std::string path = in.args[0];
  const uint32_t village = VillageArg(TextFlag(in, "--village"));
  const std::string by = TextFlag(in, "--by");
  const size_t batch_size = NumberFlag(in, "--batch", 1000, 200);
  if (batch_size == 0) Usage("--batch must be 1..1000");
  std::ifstream file;
  uint64_t file_bytes;
  std::istream* input = OpenImport(path, file, &file_bytes);
  ProgressBar progress(file_bytes);
  std::string line;
  if (!std::getline(*input, line)) Usage(absl::StrCat(path, " is empty"));
  uint64_t bytes_read = line.size() + 1;
  absl::StatusOr<AwardCsvHeader> header = ParseAwardCsvHeader(line);
  if (!header.ok()) Usage(absl::StrCat(path, ":1: ", header.status().message()));
  // Every line is checked before anything is sent: a round goes in whole or not at all.
  std::vector<domain::AwardRequest> awards;
  std::vector<int> lines;
  for (int number = 2; std::getline(*input, line); ++number) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<domain::AwardRequest> award = ParseAwardCsvLine(*header, line);
    if (!award.ok()) {
      Usage(absl::StrCat(path, ":", number, ": ", award.status().message(), " (nothing was sent)"));
    }
    award->village = village;
    award->recorded_by = by;
    awards.push_back(*std::move(award));
    lines.push_back(number);
  }
  LedgerClient client = MakeClient(in.global);
  std::map<std::string, uint64_t> counts;  // by state, or by error
  int refused = 0;
  for (size_t first = 0; first < awards.size(); first += batch_size) {
    const size_t n = std::min(batch_size, awards.size() - first);
    auto results = client.RecordAwards(absl::MakeConstSpan(awards).subspan(first, n));
    if (!results.ok()) {
      progress.Clear();
      RpcFailed(results.status());
      std::fprintf(stderr,
                   "pointsctl: stopped at line %d; run the same import again to finish (awards "
                   "already recorded are not recorded twice)\n",
                   lines[first]);
      return kExitRpcFailed;
    }
    for (size_t i = 0; i < n; ++i) {
      const absl::StatusOr<domain::Award>& r = (*results)[i];
      const bool ok = r.ok() && r->state != domain::AwardState::kRefused;
      ++counts[r.ok() ? domain::AwardStateName(r->state)
                      : absl::StatusCodeToString(r.status().code())];
      if (ok) continue;
      ++refused;
      progress.Clear();
      std::printf("line %d: award %s: %s\n", lines[first + i],
                  FormatId(awards[first + i].award).c_str(),
                  r.ok() ? r->refusal.c_str() : std::string(r.status().message()).c_str());
    }
    bytes_read = file_bytes * (first + n) / awards.size();
    progress.Show(bytes_read, first + n, "awards");
  }
  progress.Clear();
  std::vector<std::string> parts;
  for (const auto& [what, count] : counts) parts.push_back(absl::StrCat(what, " ", count));
  std::printf("%s: %zu awards: %s\n", path.c_str(), awards.size(),
              parts.empty() ? "none" : absl::StrJoin(parts, ", ").c_str());
  return refused == 0 ? kExitOk : kExitRefused;
}

int RunAwardsApprove(const Invocation& in) {
  const auto [village, award] = AwardArgs(in);
  LedgerClient client = MakeClient(in.global);
  return AwardStepDone(in, client.ApproveAward(village, award, TextFlag(in, "--by")));
}

int RunAwardsObject(const Invocation& in) {
  const auto [village, award] = AwardArgs(in);
  LedgerClient client = MakeClient(in.global);
  return AwardStepDone(
      in, client.ObjectToAward(village, award, TextFlag(in, "--by"), TextFlag(in, "--reason")));
}

int RunAwardsDecide(const Invocation& in) {
  const auto [village, award] = AwardArgs(in);
  if (in.Has("--keep") == in.Has("--void")) Usage("give exactly one of --keep and --void");
  LedgerClient client = MakeClient(in.global);
  return AwardStepDone(in,
                       client.DecideAward(village, award, in.Has("--keep"), TextFlag(in, "--by")));
}

int RunAwardsShow(const Invocation& in) {
  const auto [village, award] = AwardArgs(in);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::Award> found = client.GetAward(village, award);
  if (!found.ok()) return AwardStepDone(in, found);
  PrintAwards(in.global, {*found});
  return kExitOk;
}

int RunAwardsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  static const std::map<std::string, domain::AwardState, std::less<>> kStates = {
      {"awaiting_review", domain::AwardState::kAwaitingReview},
      {"on_notice", domain::AwardState::kOnNotice},
      {"held", domain::AwardState::kHeld},
      {"posted", domain::AwardState::kPosted},
      {"voided", domain::AwardState::kVoided},
      {"refused", domain::AwardState::kRefused}};
  const std::string name = in.Value("--state").value_or("on_notice");
  auto state = kStates.find(name);
  if (state == kStates.end()) {
    Usage("--state: one of awaiting_review, on_notice, held, posted, voided, refused");
  }
  LedgerClient client = MakeClient(in.global);
  bool truncated = false;
  absl::StatusOr<std::vector<domain::Award>> awards =
      client.ListAwards(VillageArg(in.args[0]), state->second, &truncated);
  if (!awards.ok()) return RpcFailed(awards.status());
  PrintAwards(in.global, *awards);
  if (truncated) std::fprintf(stderr, "pointsctl: only the first 1000 awards are shown\n");
  return kExitOk;
}

// ---- Disclosure: balances with expiry, the board, statements, reports, ratings ----

const char* CategoryOf(int code) { return domain::TransferCodeName(static_cast<uint16_t>(code)); }

int RunHouseholdsBalance(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetHouseholdResponse> h =
      client.GetHousehold(VillageArg(in.args[0]), NumberArg("household", in.args[1], UINT64_MAX));
  if (!h.ok()) return WorkflowFailed(h.status());
  if (in.global.json) {
    std::vector<std::string> expiring;
    for (const v1::ExpiringPoints& e : h->expiring()) {
      expiring.push_back(absl::StrCat("{\"year\":", e.year(), ",\"expires_at\":\"", e.expires_at(),
                                      "\",\"points\":\"", e.points(), "\"}"));
    }
    JsonObject()
        .Uint32("village", h->household().village())
        .Uint64("household", h->household().household())
        .Uint64("balance", h->points_balance())
        .Uint64("incoming", h->points_incoming())
        .Uint64("outgoing", h->points_outgoing())
        .Raw("expiring", absl::StrCat("[", absl::StrJoin(expiring, ","), "]"))
        .PrintLine(stdout);
    return kExitOk;
  }
  Table table(
      {{"HOUSEHOLD", true}, {"BALANCE", true}, {"ON_NOTICE_IN", true}, {"ON_NOTICE_OUT", true}});
  table.AddRow({absl::StrCat(h->household().household()), absl::StrCat(h->points_balance()),
                absl::StrCat(h->points_incoming()), absl::StrCat(h->points_outgoing())});
  table.Print(stdout);
  if (h->expiring_size() > 0) {
    Table lapses({{"EXPIRES_AT"}, {"POINTS", true}});
    for (const v1::ExpiringPoints& e : h->expiring()) {
      lapses.AddRow({FormatTimestamp(e.expires_at()), absl::StrCat(e.points())});
    }
    std::printf("\nIf nothing more is spent, points lapse:\n");
    lapses.Print(stdout);
  }
  return kExitOk;
}

int RunExpirySet(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  if (in.Has("--off") == in.Has("--grace-years")) Usage("give --grace-years N or --off");
  const uint32_t grace = static_cast<uint32_t>(NumberFlag(in, "--grace-years", 10, 0));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::SetExpiryPolicyResponse> set =
      client.SetExpiryPolicy(VillageArg(in.args[0]), !in.Has("--off"), grace);
  if (!set.ok()) return WorkflowFailed(set.status());
  if (!set->enabled()) {
    std::printf("village %s: points do not expire\n", in.args[0].c_str());
  } else {
    std::printf("village %s: points lapse at the end of the %s year they were earned in%s\n",
                in.args[0].c_str(), set->grace_years() == 0 ? "same" : "following",
                set->grace_years() > 1 ? absl::StrCat(" + ", set->grace_years() - 1).c_str() : "");
  }
  return kExitOk;
}

void PrintBoardAwards(const char* title,
                      const google::protobuf::RepeatedPtrField<v1::BoardAward>& awards) {
  std::printf("%s\n", title);
  Table table(
      {{"HOUSEHOLD", true}, {"NAME"}, {"RULE"}, {"POINTS", true}, {"NOTICE_ENDS"}, {"WHY"}});
  for (const v1::BoardAward& a : awards) {
    table.AddRow({absl::StrCat(a.household()), OrDash(a.household_name()),
                  OrDash(a.rule_name().empty() ? absl::StrCat(a.rule()) : a.rule_name()),
                  absl::StrCat(a.category() == v1::CATEGORY_DEDUCTION ? "-" : "", a.points()),
                  FormatTimestamp(a.notice_ends_at()),
                  OrDash(absl::StrCat(a.objected() ? "[objected] " : "", a.note()))});
  }
  table.Print(stdout);
}

int RunBoardShow(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::GetBoardRequest request;
  request.set_village(VillageArg(in.args[0]));
  if (in.Has("--month")) request.set_month(MonthArg("--month", *in.Value("--month")));
  request.set_reveal(in.Has("--reveal"));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetBoardResponse> board = client.GetBoard(request);
  if (!board.ok()) return WorkflowFailed(board.status());
  if (in.global.json) {
    for (const v1::RankingEntry& r : board->ranking()) {
      JsonObject()
          .Uint32("rank", r.rank())
          .Uint64("household", r.household())
          .String("name", r.household_name())
          .Uint64("earned", r.earned())
          .PrintLine(stdout);
    }
    return kExitOk;
  }
  std::printf("公示栏 notice board of village %s, month %u\n\n", in.args[0].c_str(),
              board->month());
  PrintBoardAwards("On notice (公示中; object with `pointsctl awards object`):",
                   board->on_notice());
  std::printf("\n");
  PrintBoardAwards(absl::StrCat("Posted this month (", board->posted_in_month(), "):").c_str(),
                   board->recent());
  std::printf("\nRanking (光荣榜), points earned this month:\n");
  Table ranking({{"RANK", true}, {"HOUSEHOLD", true}, {"NAME"}, {"EARNED", true}});
  for (const v1::RankingEntry& r : board->ranking()) {
    ranking.AddRow({absl::StrCat(r.rank()), absl::StrCat(r.household()), OrDash(r.household_name()),
                    absl::StrCat(r.earned())});
  }
  ranking.Print(stdout);
  if (board->shop_ratings_size() + board->task_ratings_size() > 0) {
    std::printf("\nSatisfaction (满意度), stars out of 5:\n");
    Table ratings({{"OF"}, {"RATINGS", true}, {"AVERAGE", true}});
    auto add = [&](const char* kind, const v1::RatingAverage& a) {
      ratings.AddRow(
          {absl::StrCat(kind, " ", a.subject()), absl::StrCat(a.ratings()),
           absl::StrFormat("%d.%03d", a.average_milli() / 1000, a.average_milli() % 1000)});
    };
    for (const v1::RatingAverage& a : board->shop_ratings()) add("shop", a);
    for (const v1::RatingAverage& a : board->task_ratings()) add("task", a);
    ratings.Print(stdout);
  }
  return kExitOk;
}

int RunStatementsShow(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  v1::GetStatementRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_household(NumberArg("household", in.args[1], UINT64_MAX));
  request.set_month(MonthArg("--month", TextFlag(in, "--month")));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetStatementResponse> s = client.GetStatement(request);
  if (!s.ok()) return WorkflowFailed(s.status());
  static const char* kStates[] = {"?", "posted", "pending", "voided"};
  if (in.global.json) {
    for (const v1::StatementLine& l : s->lines()) {
      JsonObject()
          .Uint64("timestamp", l.timestamp())
          .String("state", kStates[l.state() <= 3 ? l.state() : 0])
          .Bool("credit", l.credit())
          .Uint64("amount", l.amount())
          .Uint32("code", l.code())
          .Uint64("balance_after", l.balance_after())
          .PrintLine(stdout);
    }
    return kExitOk;
  }
  std::printf("Statement of household %s, village %s, month %u: opening balance %llu\n",
              in.args[1].c_str(), in.args[0].c_str(), request.month(),
              static_cast<unsigned long long>(s->opening()));
  Table table({{"TIME"}, {"STATE"}, {"WHAT"}, {"POINTS", true}, {"BALANCE", true}});
  for (const v1::StatementLine& l : s->lines()) {
    table.AddRow({FormatTimestamp(l.timestamp()), kStates[l.state() <= 3 ? l.state() : 0],
                  absl::StrCat(CategoryOf(static_cast<int>(l.code())), " (", l.code(), ")"),
                  absl::StrCat(l.credit() ? "+" : "-", l.amount()),
                  absl::StrCat(l.balance_after())});
  }
  table.Print(stdout);
  std::printf(
      "closing balance %llu (in %llu, out %llu); on notice at the month's end: +%llu -%llu%s\n",
      static_cast<unsigned long long>(s->closing()), static_cast<unsigned long long>(s->credited()),
      static_cast<unsigned long long>(s->debited()),
      static_cast<unsigned long long>(s->pending_in()),
      static_cast<unsigned long long>(s->pending_out()),
      s->truncated() ? " (only the first 5000 movements are listed)" : "");
  return kExitOk;
}

// The report as CSV: one section per line kind, `section,key,name,count,amount`, so a
// spreadsheet can filter by section.
void PrintReportCsv(const v1::GetReportResponse& r) {
  std::printf("section,key,name,count,amount\n");
  for (const v1::CategoryTotal& c : r.issued_by_category()) {
    std::printf("issued_by_category,%d,%s,%llu,%llu\n", c.category(), CategoryOf(c.category()),
                static_cast<unsigned long long>(c.awards()),
                static_cast<unsigned long long>(c.points()));
  }
  for (const v1::RuleTotal& t : r.issued_by_rule()) {
    std::printf("issued_by_rule,%u,%s,%llu,%llu\n", t.rule(), t.rule_name().c_str(),
                static_cast<unsigned long long>(t.awards()),
                static_cast<unsigned long long>(t.points()));
  }
  for (const v1::RuleTotal& t : r.deducted_by_rule()) {
    std::printf("deducted_by_rule,%u,%s,%llu,%llu\n", t.rule(), t.rule_name().c_str(),
                static_cast<unsigned long long>(t.awards()),
                static_cast<unsigned long long>(t.points()));
  }
  for (const v1::ShopTotal& s : r.shops()) {
    std::printf("redeemed_by_shop,%u,%s,%llu,%lld\n", s.shop(), s.name().c_str(),
                static_cast<unsigned long long>(s.baskets()), static_cast<long long>(s.net()));
    std::printf("settled_points_by_shop,%u,%s,,%llu\n", s.shop(), s.name().c_str(),
                static_cast<unsigned long long>(s.settled_points()));
    std::printf("settled_fen_by_shop,%u,%s,,%llu\n", s.shop(), s.name().c_str(),
                static_cast<unsigned long long>(s.settled_fen()));
    std::printf("levy_fen_by_shop,%u,%s,,%llu\n", s.shop(), s.name().c_str(),
                static_cast<unsigned long long>(s.levy_fen()));
  }
  std::printf("outstanding,points,households,%llu,%llu\n",
              static_cast<unsigned long long>(r.outstanding_households()),
              static_cast<unsigned long long>(r.outstanding_points()));
  std::printf("outstanding,pending_awards,,,%llu\n",
              static_cast<unsigned long long>(r.outstanding_pending_awards()));
  std::printf("outstanding,held_by_shops,,,%llu\n",
              static_cast<unsigned long long>(r.outstanding_held_by_shops()));
  std::printf("micro_fund_fen,opening,,,%llu\n", static_cast<unsigned long long>(r.fund_opening()));
  std::printf("micro_fund_fen,in,,%llu,%llu\n", static_cast<unsigned long long>(r.fund_in_count()),
              static_cast<unsigned long long>(r.fund_in()));
  std::printf("micro_fund_fen,out,,%llu,%llu\n",
              static_cast<unsigned long long>(r.fund_out_count()),
              static_cast<unsigned long long>(r.fund_out()));
  std::printf("micro_fund_fen,closing,,,%llu\n", static_cast<unsigned long long>(r.fund_closing()));
}

int RunReportsShow(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::GetReportRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_month(MonthArg("--month", TextFlag(in, "--month")));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetReportResponse> r = client.GetReport(request);
  if (!r.ok()) return WorkflowFailed(r.status());
  if (in.Has("--csv")) {
    PrintReportCsv(*r);
    return kExitOk;
  }
  std::printf(
      "Village %s, month %u\n\nIssued (posted awards whose notice ended this month): "
      "%llu awards, %llu points\n",
      in.args[0].c_str(), request.month(), static_cast<unsigned long long>(r->issued_awards()),
      static_cast<unsigned long long>(r->issued_points()));
  Table rules({{"RULE", true}, {"NAME"}, {"AWARDS", true}, {"POINTS", true}});
  for (const v1::RuleTotal& t : r->issued_by_rule()) {
    rules.AddRow({absl::StrCat(t.rule()), OrDash(t.rule_name()), absl::StrCat(t.awards()),
                  absl::StrCat(t.points())});
  }
  rules.Print(stdout);
  std::printf("\nDeducted: %llu deductions, %llu points\n\nShops:\n",
              static_cast<unsigned long long>(r->deductions()),
              static_cast<unsigned long long>(r->deducted_points()));
  Table shops({{"SHOP", true},
               {"NAME"},
               {"BASKETS", true},
               {"NET_POINTS", true},
               {"SETTLED_POINTS", true},
               {"SETTLED_FEN", true},
               {"LEVY_FEN", true}});
  for (const v1::ShopTotal& s : r->shops()) {
    shops.AddRow({absl::StrCat(s.shop()), s.name(), absl::StrCat(s.baskets()),
                  absl::StrCat(s.net()), absl::StrCat(s.settled_points()),
                  absl::StrCat(s.settled_fen()), absl::StrCat(s.levy_fen())});
  }
  shops.Print(stdout);
  std::printf(
      "\nOutstanding (the committee's liability): %llu points held by %llu households, "
      "%llu on notice, %llu held by shops before settlement\n",
      static_cast<unsigned long long>(r->outstanding_points()),
      static_cast<unsigned long long>(r->outstanding_households()),
      static_cast<unsigned long long>(r->outstanding_pending_awards()),
      static_cast<unsigned long long>(r->outstanding_held_by_shops()));
  std::printf("Micro-fund (fen): opening %llu, in %llu, out %llu, closing %llu\n",
              static_cast<unsigned long long>(r->fund_opening()),
              static_cast<unsigned long long>(r->fund_in()),
              static_cast<unsigned long long>(r->fund_out()),
              static_cast<unsigned long long>(r->fund_closing()));
  return kExitOk;
}

int RunRatingsAdd(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  domain::RatingRequest request;
  request.village = VillageArg(in.args[0]);
  request.household = NumberArg("household", in.args[1], UINT64_MAX);
  if (in.Has("--basket") == in.Has("--task")) Usage("give --basket ID or --task N");
  if (in.Has("--basket")) {
    request.kind = domain::RatingSubject::kBasket;
    request.subject = IdFlag(in, "--basket");
  } else {
    request.kind = domain::RatingSubject::kTask;
    request.subject = NumberFlag(in, "--task", UINT32_MAX);
  }
  request.stars = static_cast<uint32_t>(NumberFlag(in, "--stars", 5));
  request.comment = in.Value("--comment").value_or("");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::RateResponse> rated = client.Rate(request);
  if (!rated.ok()) return WorkflowFailed(rated.status());
  std::printf("rated %u stars\n", rated->stars());
  return kExitOk;
}

// ---- The organisation: towns, villages, grids ----

int RunTownsPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the town number and its name");
  v1::Town town;
  town.set_town(NumberArg("town", in.args[0], UINT32_MAX));
  town.set_name(in.args[1]);
  LedgerClient client = MakeClient(in.global);
  absl::Status status = client.PutTown(town);
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("town %u: %s\n", town.town(), town.name().c_str());
  return kExitOk;
}

int RunTownsList(const Invocation& in) {
  if (!in.args.empty()) Usage("takes no arguments");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Town>> towns = client.ListTowns();
  if (!towns.ok()) return RpcFailed(towns.status());
  Table table({{"TOWN", true}, {"NAME"}});
  for (const v1::Town& t : *towns) {
    if (in.global.json) {
      JsonObject().Uint32("town", t.town()).String("name", t.name()).PrintLine(stdout);
    } else {
      table.AddRow({absl::StrCat(t.town()), t.name()});
    }
  }
  if (!in.global.json) table.Print(stdout);
  return kExitOk;
}

int RunVillagesPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village number and its name");
  v1::Village village;
  village.set_village(VillageArg(in.args[0]));
  village.set_name(in.args[1]);
  village.set_town(static_cast<uint32_t>(NumberFlag(in, "--town", UINT32_MAX, 0)));
  village.set_community(in.Has("--community"));
  LedgerClient client = MakeClient(in.global);
  absl::Status status = client.PutVillage(village);
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("%s %u: %s\n", village.community() ? "community" : "village", village.village(),
              village.name().c_str());
  return kExitOk;
}

int RunVillagesList(const Invocation& in) {
  if (!in.args.empty()) Usage("takes no arguments");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Village>> villages =
      client.ListVillages(static_cast<uint32_t>(NumberFlag(in, "--town", UINT32_MAX, 0)));
  if (!villages.ok()) return RpcFailed(villages.status());
  Table table({{"VILLAGE", true}, {"NAME"}, {"TOWN", true}, {"KIND"}});
  for (const v1::Village& v : *villages) {
    const char* kind = v.community() ? "community" : "village";
    if (in.global.json) {
      JsonObject()
          .Uint32("village", v.village())
          .String("name", v.name())
          .Uint32("town", v.town())
          .String("kind", kind)
          .PrintLine(stdout);
    } else {
      table.AddRow({absl::StrCat(v.village()), v.name(), absl::StrCat(v.town()), kind});
    }
  }
  if (!in.global.json) table.Print(stdout);
  return kExitOk;
}

int RunGridsPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the grid number");
  v1::Grid grid;
  grid.set_village(VillageArg(in.args[0]));
  grid.set_grid(NumberArg("grid", in.args[1], UINT32_MAX));
  grid.set_name(in.Value("--name").value_or(""));
  grid.set_worker(in.Value("--worker").value_or(""));
  LedgerClient client = MakeClient(in.global);
  absl::Status status = client.PutGrid(grid);
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("grid %u of village %u\n", grid.grid(), grid.village());
  return kExitOk;
}

int RunGridsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Grid>> grids = client.ListGrids(VillageArg(in.args[0]));
  if (!grids.ok()) return RpcFailed(grids.status());
  Table table({{"GRID", true}, {"NAME"}, {"WORKER"}});
  for (const v1::Grid& g : *grids) {
    if (in.global.json) {
      JsonObject()
          .Uint32("village", g.village())
          .Uint32("grid", g.grid())
          .String("name", g.name())
          .String("worker", g.worker())
          .PrintLine(stdout);
    } else {
      table.AddRow({absl::StrCat(g.grid()), OrDash(g.name()), OrDash(g.worker())});
    }
  }
  if (!in.global.json) table.Print(stdout);
  return kExitOk;
}

// ---- Tasks ----

// --household N, --shop N or --organisation N: exactly one.
std::pair<v1::ClaimantKind, uint64_t> ClaimantFlags(const Invocation& in) {
  const int given = in.Has("--household") + in.Has("--shop") + in.Has("--organisation");
  if (given != 1) Usage("give exactly one of --household N, --shop N, --organisation N");
  if (in.Has("--household")) {
    return {v1::CLAIMANT_KIND_HOUSEHOLD, NumberFlag(in, "--household", UINT64_MAX)};
  }
  if (in.Has("--shop")) return {v1::CLAIMANT_KIND_SHOP, NumberFlag(in, "--shop", UINT32_MAX)};
  return {v1::CLAIMANT_KIND_ORGANISATION, NumberFlag(in, "--organisation", UINT64_MAX)};
}

const char* TaskStateText(int state) {
  static const char* kNames[] = {"?", "posting", "open", "closing", "closed"};
  return kNames[state >= 0 && state <= 4 ? state : 0];
}

const char* ClaimStateText(int state) {
  static const char* kNames[] = {"?",         "claiming",  "claimed",  "refused",
                                 "completed", "verifying", "verified", "lapsed"};
  return kNames[state >= 0 && state <= 7 ? state : 0];
}

const char* ClaimantKindText(int kind) {
  static const char* kNames[] = {"?", "household", "shop", "organisation"};
  return kNames[kind >= 0 && kind <= 3 ? kind : 0];
}

void PrintTasks(const GlobalOptions& global, const std::vector<v1::Task>& tasks) {
  if (global.json) {
    for (const v1::Task& t : tasks) {
      JsonObject()
          .Uint32("village", t.village())
          .Uint32("task", t.task())
          .String("title", t.title())
          .String("state", TaskStateText(t.state()))
          .Uint64("points_per_claim", t.points_per_claim())
          .Uint32("slots", t.slots())
          .Uint64("slots_left", t.slots_left())
          .Uint64("claimed", t.claimed())
          .Uint64("completed", t.completed())
          .Uint64("verified", t.verified())
          .Uint64("lapsed_slots", t.lapsed_slots())
          .Uint64("deadline", t.deadline())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"TASK", true},
               {"TITLE"},
               {"POINTS", true},
               {"SLOTS", true},
               {"LEFT", true},
               {"DONE", true},
               {"VERIFIED", true},
               {"STATE"},
               {"DEADLINE"}});
  for (const v1::Task& t : tasks) {
    table.AddRow({absl::StrCat(t.task()), t.title(), absl::StrCat(t.points_per_claim()),
                  absl::StrCat(t.slots()), absl::StrCat(t.slots_left()),
                  absl::StrCat(t.completed()), absl::StrCat(t.verified()), TaskStateText(t.state()),
                  FormatTimestamp(t.deadline())});
  }
  table.Print(stdout);
}

void PrintClaims(const GlobalOptions& global, const std::vector<v1::Claim>& claims) {
  if (global.json) {
    for (const v1::Claim& c : claims) {
      JsonObject()
          .String("claimant_kind", ClaimantKindText(c.claimant_kind()))
          .Uint64("claimant", c.claimant())
          .String("state", ClaimStateText(c.state()))
          .String("award_id",
                  LedgerClient::AwardOf(c) != 0 ? FormatId(LedgerClient::AwardOf(c)) : "")
          .String("refusal", c.refusal())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"CLAIMANT"}, {"STATE"}, {"AWARD"}, {"WHY"}});
  for (const v1::Claim& c : claims) {
    table.AddRow({absl::StrCat(ClaimantKindText(c.claimant_kind()), " ", c.claimant()),
                  ClaimStateText(c.state()),
                  LedgerClient::AwardOf(c) != 0 ? FormatId(LedgerClient::AwardOf(c)) : "-",
                  OrDash(c.refusal())});
  }
  table.Print(stdout);
}

int ClaimStepDone(const Invocation& in, const absl::StatusOr<v1::Claim>& claim) {
  if (!claim.ok()) return WorkflowFailed(claim.status());
  PrintClaims(in.global, {*claim});
  return kExitOk;
}

int RunTasksPost(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  v1::Task task;
  task.set_village(VillageArg(in.args[0]));
  task.set_task(NumberArg("task", in.args[1], UINT32_MAX));
  task.set_title(TextFlag(in, "--title"));
  task.set_rule(static_cast<uint32_t>(NumberFlag(in, "--rule", domain::kRuleNumberMax)));
  task.set_units(NumberFlag(in, "--units", UINT64_MAX, 1));
  task.set_slots(static_cast<uint32_t>(NumberFlag(in, "--slots", UINT32_MAX)));
  absl::StatusOr<uint64_t> deadline = ParseTimestamp(TextFlag(in, "--deadline"));
  if (!deadline.ok()) Usage(absl::StrCat("--deadline: ", deadline.status().message()));
  task.set_deadline(*deadline);
  task.set_posted_by(TextFlag(in, "--by"));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::Task> posted = client.PostTask(task);
  if (!posted.ok()) return WorkflowFailed(posted.status());
  PrintTasks(in.global, {*posted});
  return kExitOk;
}

int RunTasksClaim(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  RequireFlag(in, "--id");
  const auto [kind, claimant] = ClaimantFlags(in);
  LedgerClient client = MakeClient(in.global);
  return ClaimStepDone(
      in, client.ClaimTask(VillageArg(in.args[0]), NumberArg("task", in.args[1], UINT32_MAX),
                           IdFlag(in, "--id"), kind, claimant, TextFlag(in, "--by")));
}

int RunTasksComplete(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  v1::CompleteTaskRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_task(NumberArg("task", in.args[1], UINT32_MAX));
  const auto [kind, claimant] = ClaimantFlags(in);
  request.set_claimant_kind(kind);
  request.set_claimant(claimant);
  RequireFlag(in, "--evidence");
  for (const std::string& e : in.flags.at("--evidence")) request.add_evidence(e);
  request.set_note(in.Value("--note").value_or(""));
  request.set_by(TextFlag(in, "--by"));
  LedgerClient client = MakeClient(in.global);
  return ClaimStepDone(in, client.CompleteTask(request));
}

int RunTasksVerify(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  v1::VerifyTaskRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_task(NumberArg("task", in.args[1], UINT32_MAX));
  const auto [kind, claimant] = ClaimantFlags(in);
  request.set_claimant_kind(kind);
  request.set_claimant(claimant);
  request.set_by(TextFlag(in, "--by"));
  LedgerClient client = MakeClient(in.global);
  return ClaimStepDone(in, client.VerifyTask(request));
}

int RunTasksShow(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetTaskResponse> task =
      client.GetTask(VillageArg(in.args[0]), NumberArg("task", in.args[1], UINT32_MAX));
  if (!task.ok()) return WorkflowFailed(task.status());
  PrintTasks(in.global, {task->task()});
  if (!in.global.json) std::printf("\n");
  PrintClaims(in.global, {task->claims().begin(), task->claims().end()});
  return kExitOk;
}

int RunTasksList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Task>> tasks = client.ListTasks(VillageArg(in.args[0]));
  if (!tasks.ok()) return RpcFailed(tasks.status());
  PrintTasks(in.global, *tasks);
  return kExitOk;
}

// ---- Shops and baskets ----

// The ITEM:QUANTITY arguments from position `first` on, e.g. 3:2.
std::vector<std::pair<uint32_t, uint64_t>> ItemLines(const Invocation& in, size_t first) {
  std::vector<std::pair<uint32_t, uint64_t>> lines;
  for (size_t i = first; i < in.args.size(); ++i) {
    const std::vector<std::string> parts = absl::StrSplit(in.args[i], ':');
    if (parts.size() != 2) Usage(absl::StrCat("'", in.args[i], "': give ITEM:QUANTITY, e.g. 3:2"));
    lines.emplace_back(NumberArg("item", parts[0], UINT32_MAX),
                       NumberArg("quantity", parts[1], 10'000));
  }
  return lines;
}

void PrintBasket(const GlobalOptions& global, const domain::Basket& b) {
  if (global.json) {
    std::vector<std::string> lines;
    for (const domain::BasketLineSpec& l : b.spec.lines) {
      lines.push_back(absl::StrCat("{\"item\":", l.item, ",\"quantity\":\"", l.quantity,
                                   "\",\"points_each\":\"", l.points_each, "\"}"));
    }
    JsonObject()
        .String("basket_id", FormatId(b.spec.basket))
        .Uint32("village", b.spec.village)
        .Uint32("shop", b.spec.shop)
        .Uint64("household", b.spec.household)
        .Raw("lines", absl::StrCat("[", absl::StrJoin(lines, ","), "]"))
        .String("state", domain::BasketStateName(b.state))
        .Uint64("points_total", b.points_total)
        .String("refusal", b.refusal)
        .PrintLine(stdout);
    return;
  }
  Table table({{"BASKET"}, {"HOUSEHOLD", true}, {"POINTS", true}, {"STATE"}, {"WHY"}});
  table.AddRow({FormatId(b.spec.basket), absl::StrCat(b.spec.household),
                absl::StrCat(b.points_total), domain::BasketStateName(b.state), OrDash(b.refusal)});
  table.Print(stdout);
}

// Prints the basket a step returned; a refusal (by the ledger or the workflow) exits 3.
int BasketStepDone(const Invocation& in, const absl::StatusOr<domain::Basket>& basket) {
  if (!basket.ok()) return WorkflowFailed(basket.status());
  PrintBasket(in.global, *basket);
  return basket->state == domain::BasketState::kRefused ? kExitRefused : kExitOk;
}

int ShopStepDone(const absl::Status& status, const std::string& done) {
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("%s\n", done.c_str());
  return kExitOk;
}

int RunShopsCreate(const Invocation& in) {
  if (in.args.size() != 3) Usage("give the village, the shop number and its name");
  LedgerClient client = MakeClient(in.global);
  return ShopStepDone(client.CreateShop(VillageArg(in.args[0]),
                                        NumberArg("shop", in.args[1], UINT32_MAX), in.args[2]),
                      absl::StrCat("shop ", in.args[1], " (", in.args[2], ") ready"));
}

int RunItemsPut(const Invocation& in) {
  if (in.args.size() != 3) Usage("give the village, the shop and the item number");
  domain::Item item;
  item.item = NumberArg("item", in.args[2], UINT32_MAX);
  item.name = TextFlag(in, "--name");
  RequireFlag(in, "--points");
  item.points_price = NumberFlag(in, "--points", domain::kItemPointsPriceMax);
  item.cash_price_fen = NumberFlag(in, "--cash-fen", UINT64_MAX);
  LedgerClient client = MakeClient(in.global);
  return ShopStepDone(
      client.PutItem(VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX), item),
      absl::StrCat("item ", item.item, " (", item.name, "): ", item.points_price, " points"));
}

int RunItemsList(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the shop");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<domain::Item>> items =
      client.ListItems(VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX));
  if (!items.ok()) return RpcFailed(items.status());
  if (in.global.json) {
    for (const domain::Item& i : *items) {
      JsonObject()
          .Uint32("item", i.item)
          .String("name", i.name)
          .Uint64("points_price", i.points_price)
          .Uint64("cash_price_fen", i.cash_price_fen)
          .Uint64("stock", i.stock)
          .PrintLine(stdout);
    }
    return kExitOk;
  }
  Table table({{"ITEM", true}, {"NAME"}, {"POINTS", true}, {"CASH_FEN", true}, {"STOCK", true}});
  for (const domain::Item& i : *items) {
    table.AddRow({absl::StrCat(i.item), i.name, absl::StrCat(i.points_price),
                  absl::StrCat(i.cash_price_fen), absl::StrCat(i.stock)});
  }
  table.Print(stdout);
  return kExitOk;
}

int RunStockAdd(const Invocation& in) {
  if (in.args.size() != 3) Usage("give the village, the shop and the item number");
  RequireFlag(in, "--id");
  RequireFlag(in, "--quantity");
  const uint64_t quantity = NumberFlag(in, "--quantity", UINT64_MAX);
  LedgerClient client = MakeClient(in.global);
  return ShopStepDone(
      client.Restock(VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX),
                     NumberArg("item", in.args[2], UINT32_MAX), IdFlag(in, "--id"), quantity),
      absl::StrCat("item ", in.args[2], ": ", quantity, " more in stock"));
}

int RunBasketsRedeem(const Invocation& in) {
  if (in.args.size() < 3) Usage("give the village, the shop and at least one ITEM:QUANTITY");
  domain::BasketRequest basket;
  basket.village = VillageArg(in.args[0]);
  basket.shop = NumberArg("shop", in.args[1], UINT32_MAX);
  RequireFlag(in, "--id");
  basket.basket = IdFlag(in, "--id");
  RequireFlag(in, "--household");
  basket.household = NumberFlag(in, "--household", UINT64_MAX);
  basket.lines = ItemLines(in, 2);
  LedgerClient client = MakeClient(in.global);
  return BasketStepDone(in, client.RedeemBasket(basket));
}

int RunBasketsReturn(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the basket id");
  LedgerClient client = MakeClient(in.global);
  return BasketStepDone(
      in, client.ReturnBasket(VillageArg(in.args[0]), IdArg("basket id", in.args[1])));
}

int RunBasketsShow(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the basket id");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::Basket> basket =
      client.GetBasket(VillageArg(in.args[0]), IdArg("basket id", in.args[1]));
  if (!basket.ok()) return BasketStepDone(in, basket);
  PrintBasket(in.global, *basket);
  return kExitOk;
}

int RunShopsSettle(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the shop");
  RequireFlag(in, "--id");
  RequireFlag(in, "--fen-per-point");
  const uint64_t rate = NumberFlag(in, "--fen-per-point", domain::kFenPerPointMax);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::Settlement> settled = client.SettleShop(
      VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX), IdFlag(in, "--id"), rate);
  if (!settled.ok()) return WorkflowFailed(settled.status());
  if (in.global.json) {
    JsonObject()
        .String("settlement_id", FormatId(settled->settlement))
        .Uint32("shop", settled->shop)
        .Uint64("points", settled->points)
        .Uint64("fen_per_point", settled->fen_per_point)
        .Uint64("fen", settled->fen)
        .String("state", domain::SettlementStateName(settled->state))
        .Uint64("settled_at", settled->settled_at_ns)
        .String("refusal", settled->refusal)
        .PrintLine(stdout);
  } else {
    Table table({{"SETTLEMENT"},
                 {"SHOP", true},
                 {"POINTS", true},
                 {"FEN", true},
                 {"STATE"},
                 {"SETTLED_AT"},
                 {"WHY"}});
    table.AddRow({FormatId(settled->settlement), absl::StrCat(settled->shop),
                  absl::StrCat(settled->points), absl::StrCat(settled->fen),
                  domain::SettlementStateName(settled->state),
                  FormatTimestamp(settled->settled_at_ns), OrDash(settled->refusal)});
    table.Print(stdout);
  }
  return settled->state == domain::SettlementState::kSettled ? kExitOk : kExitRefused;
}

int RunShopsTerms(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the shop");
  domain::ShopTerms terms;
  terms.discount_bp =
      static_cast<uint32_t>(NumberFlag(in, "--discount-bp", domain::kBasisPointsMax));
  terms.levy_bp = static_cast<uint32_t>(NumberFlag(in, "--levy-bp", domain::kBasisPointsMax));
  LedgerClient client = MakeClient(in.global);
  return ShopStepDone(
      client.SetShopTerms(VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX), terms),
      absl::StrCat("shop ", in.args[1], ": members get ", terms.discount_bp, " bp off, ",
                   terms.levy_bp, " bp of sales to the micro-fund"));
}

int RunSalesRecord(const Invocation& in) {
  if (in.args.size() < 3) Usage("give the village, the shop and at least one ITEM:QUANTITY");
  domain::CashSaleRequest sale;
  sale.village = VillageArg(in.args[0]);
  sale.shop = NumberArg("shop", in.args[1], UINT32_MAX);
  RequireFlag(in, "--id");
  sale.sale = IdFlag(in, "--id");
  RequireFlag(in, "--household");
  sale.household = NumberFlag(in, "--household", UINT64_MAX);
  sale.lines = ItemLines(in, 2);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::CashSale> sold = client.RecordCashSale(sale);
  if (!sold.ok()) return WorkflowFailed(sold.status());
  if (in.global.json) {
    JsonObject()
        .String("sale_id", FormatId(sale.sale))
        .Uint64("list_fen", sold->list_fen)
        .Uint32("discount_bp", sold->discount_bp)
        .Uint64("paid_fen", sold->paid_fen)
        .Uint32("levy_bp", sold->levy_bp)
        .Uint64("levy_fen", sold->levy_fen)
        .PrintLine(stdout);
    return kExitOk;
  }
  Table table({{"SALE"}, {"LIST_FEN", true}, {"PAID_FEN", true}, {"LEVY_FEN", true}});
  table.AddRow({FormatId(sale.sale), absl::StrCat(sold->list_fen), absl::StrCat(sold->paid_fen),
                absl::StrCat(sold->levy_fen)});
  table.Print(stdout);
  return kExitOk;
}

// `transfers import`: the file in batches, stopping at the first malformed line or failed call.
class Importer {
 public:
  Importer(const Invocation& in, std::string path, size_t batch_size)
      : global_(in.global),
        path_(std::move(path)),
        batch_size_(batch_size),
        client_(MakeClient(in.global)) {}

  int Run() {
    std::ifstream file;
    uint64_t file_bytes;
    std::istream* input = OpenImport(path_, file, &file_bytes);
    progress_ = std::make_unique<ProgressBar>(file_bytes);
    std::string line;
    if (!std::getline(*input, line)) Usage(absl::StrCat(path_, " is empty"));
    bytes_read_ += line.size() + 1;
    absl::StatusOr<TransferCsvHeader> header = ParseTransferCsvHeader(line);
    if (!header.ok()) Usage(absl::StrCat(path_, ":1: ", header.status().message()));

    int line_number = 1;
    while (std::getline(*input, line)) {
      ++line_number;
      bytes_read_ += line.size() + 1;
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      absl::StatusOr<Transfer> transfer = ParseTransferCsvLine(*header, line);
      if (!transfer.ok()) return StopAtMalformedLine(line_number, transfer.status());
      batch_.push_back(*transfer);
      batch_lines_.push_back(line_number);
      // A linked chain must not be cut by a batch boundary: the engine would refuse its open end.
      const bool chain_open = batch_.back().flags & kTransferLinked;
      if ((batch_.size() >= batch_size_ && !chain_open) || batch_.size() == kBatchEventsMax) {
        if (!SendBatch()) return kExitRpcFailed;
      }
    }
    if (!batch_.empty() && !SendBatch()) return kExitRpcFailed;
    progress_->Clear();
    PrintSummary(/*complete=*/true);
    return refused_ == 0 ? kExitOk : kExitRefused;
  }

 private:
  // Sends the batch; false, after saying where the import stopped, when the call failed.
  bool SendBatch() {
    absl::StatusOr<std::vector<TransferEventResult>> results = client_.CreateTransfers(batch_);
    if (!results.ok()) {
      progress_->Clear();
      std::fprintf(stderr,
                   "pointsctl: %s: %s\npointsctl: stopped: the batch from line %d onward is in an "
                   "unknown state and nothing after it was sent; run the same import again to "
                   "finish (transfers already applied answer exists)\n",
                   absl::StatusCodeToString(results.status().code()).c_str(),
                   std::string(results.status().message()).c_str(), batch_lines_.front());
      PrintSummary(/*complete=*/false);
      return false;
    }
    for (size_t i = 0; i < results->size(); ++i) {
      const TransferEventResult& r = (*results)[i];
      ++counts_[static_cast<uint32_t>(r.result)];
      if (TransferAccepted(r.result)) continue;
      ++refused_;
      if (global_.json) {
        JsonObject()
            .Uint32("line", batch_lines_[i])
            .String("id", FormatId(batch_[i].id))
            .String("result", ResultText(r.result))
            .PrintLine(stdout);
      } else {
        std::printf("line %d: transfer %s: %s\n", batch_lines_[i], FormatId(batch_[i].id).c_str(),
                    ResultText(r.result).c_str());
      }
    }
    sent_ += batch_.size();
    ++batches_;
    batch_.clear();
    batch_lines_.clear();
    progress_->Show(bytes_read_, sent_, "transfers");
    return true;
  }

  int StopAtMalformedLine(int line_number, const absl::Status& status) {
    progress_->Clear();
    const int first_unsent = batch_lines_.empty() ? line_number : batch_lines_.front();
    std::fprintf(stderr,
                 "pointsctl: %s:%d: %s\npointsctl: stopped: nothing from line %d onward was "
                 "sent; transfers sent before it: %llu\n",
                 path_.c_str(), line_number, std::string(status.message()).c_str(), first_unsent,
                 static_cast<unsigned long long>(sent_));
    PrintSummary(/*complete=*/false);
    return kExitUsage;
  }

  // Per result code, in code order, e.g. "ok 950, exists 50".
  std::string CountsText() const {
    std::vector<std::string> parts;
    for (const auto& [code, count] : counts_) {
      parts.push_back(
          absl::StrCat(ResultText(static_cast<CreateTransferResult>(code)), " ", count));
    }
    return parts.empty() ? "nothing sent" : absl::StrJoin(parts, ", ");
  }

  void PrintSummary(bool complete) const {
    if (global_.json) {
      JsonObject counts;
      for (const auto& [code, count] : counts_) {
        counts.Uint64(ResultText(static_cast<CreateTransferResult>(code)), count);
      }
      JsonObject()
          .String("file", path_)
          .Bool("complete", complete)
          .Uint64("transfers", sent_)
          .Uint64("batches", batches_)
          .Raw("results", counts.Done())
          .PrintLine(stdout);
      return;
    }
    std::printf("%s%s: %llu transfers in %llu batches: %s\n",
                complete ? "" : "incomplete: ", path_.c_str(),
                static_cast<unsigned long long>(sent_), static_cast<unsigned long long>(batches_),
                CountsText().c_str());
  }

  const GlobalOptions& global_;
  const std::string path_;
  const size_t batch_size_;
  LedgerClient client_;
  std::unique_ptr<ProgressBar> progress_;
  uint64_t bytes_read_ = 0;
  std::vector<Transfer> batch_;
  std::vector<int> batch_lines_;  // the line of each transfer in batch_
  uint64_t sent_ = 0;
  uint64_t batches_ = 0;
  uint64_t refused_ = 0;
  std::map<uint32_t, uint64_t> counts_;  // result code -> events
};

int RunTransfersImport(const Invocation& in) {
  if (in.args.size() != 1) Usage("give exactly one CSV file (or - for stdin)");
  const uint64_t batch_size = NumberFlag(in, "--batch", kBatchEventsMax, kImportBatchDefault);
  if (batch_size == 0) Usage(absl::StrCat("--batch must be 1..", kBatchEventsMax));
  Importer importer(in, in.args[0], batch_size);
  return importer.Run();
}

// ---------------------------------------------------------------------------------------------
// The command table.

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"accounts",
       "create",
       "",
       "create accounts",
       "Creates accounts with the given ids, all with the same ledger, code, flags and user data.\n"
       "Running it again answers `exists` for every id and changes nothing.\n"
       "\n"
       "Example: pointsctl accounts create --id 1 --id 2 --ledger 1 --code 10 --flags history\n",
       {{"--id", "ID", "an account id; required", true},
        {"--ledger", "N", "unit of account, 1..4294967295 (default 0: refused by the server)"},
        {"--code", "N", "kind of account, 1..65535 (default 0: refused by the server)"},
        {"--flags", "LIST",
         "names joined by |: linked, debits_must_not_exceed_credits,\n"
         "                            credits_must_not_exceed_debits, history, closed "
         "(default none)"},
        {"--user-data-128", "ID", "opaque reference (default 0)"},
        {"--user-data-64", "N", "opaque reference (default 0)"},
        {"--user-data-32", "N", "opaque reference (default 0)"}},
       RunAccountsCreate},
      {"accounts",
       "lookup",
       "ID...",
       "show accounts by id",
       "Shows the accounts with the given ids (1..8189): balances, ledger, code, flags.\n"
       "Ids not found are named on stderr and make the exit code 3.\n",
       {},
       RunAccountsLookup},
      {"accounts",
       "watch",
       "ID...",
       "follow accounts' balance changes as they happen",
       "Prints every balance change of the given accounts (1..64, each created with the\n"
       "history flag) after --after, oldest first, then each new change as it commits, until\n"
       "--count changes were shown or it is interrupted. A dropped connection is resumed from\n"
       "the last change shown, so nothing is missed or repeated (up to --attempts tries in a\n"
       "row). To resume later, pass the last TIMESTAMP shown as --after.\n"
       "\n"
       "Example: pointsctl accounts watch 101 102 --after 2024-05-01T00:00:00Z\n",
       {{"--after", "TIME", "show changes after this timestamp (default: from the first)"},
        {"--count", "N", "stop after N changes (default 0: run until interrupted)"}},
       RunAccountsWatch},
      {"transfers",
       "create",
       "",
       "create a transfer",
       "Creates one transfer: moves --amount from the debit account to the credit account.\n"
       "Running it again with the same --id answers `exists` and moves nothing.\n"
       "Fields not given are 0; the server answers a missing field with a result such as\n"
       "amount_must_not_be_zero (exit code 3).\n"
       "\n"
       "Example: pointsctl transfers create --id 100 --debit-account-id 1 "
       "--credit-account-id 2 \\\n"
       "             --amount 50 --ledger 1 --code 1\n",
       {{"--id", "ID", "the transfer id, its idempotency key; required"},
        {"--debit-account-id", "ID", "the account paying (default 0)"},
        {"--credit-account-id", "ID", "the account receiving (default 0)"},
        {"--amount", "N", "in the ledger's unit (default 0)"},
        {"--ledger", "N", "must match both accounts' ledger (default 0)"},
        {"--code", "N", "the reason, 1..65535 (default 0)"},
        {"--flags", "LIST",
         "names joined by |: linked, pending, post_pending_transfer,\n"
         "                            void_pending_transfer (default none)"},
        {"--pending-id", "ID", "the pending transfer a post or void resolves (default 0)"},
        {"--timeout-seconds", "N", "a pending transfer expires after this, 0 = never (default 0)"},
        {"--user-data-128", "ID", "opaque reference (default 0)"},
        {"--user-data-64", "N", "opaque reference (default 0)"},
        {"--user-data-32", "N", "opaque reference (default 0)"}},
       RunTransfersCreate},
      {"transfers",
       "lookup",
       "ID...",
       "show transfers by id",
       "Shows the transfers with the given ids (1..8189). Ids not found (or whose transfer\n"
       "failed) are named on stderr and make the exit code 3.\n",
       {},
       RunTransfersLookup},
      {"transfers",
       "import",
       "FILE.csv",
       "create the transfers of a CSV file, in batches",
       "Creates the transfers of a CSV file (- reads stdin), in batches, in file order.\n"
       "\n"
       "The first line names the columns, in any order. Required: id, debit_account_id,\n"
       "credit_account_id, amount, ledger, code. Optional: pending_id, user_data_128,\n"
       "user_data_64, user_data_32, timeout_seconds, flags (names joined by |, e.g.\n"
       "pending|linked). An empty cell is 0, except id. Blank lines are skipped. For example:\n"
       "\n"
       "  id,debit_account_id,credit_account_id,amount,ledger,code,flags\n"
       "  1001,1,2,50,1,1,\n"
       "  1002,1,3,20,1,1,pending\n"
       "\n"
       "Transfers the server refuses are listed with their line number; the end is a summary\n"
       "per result, e.g. `ok 950, exists 50`. Safe to run again: ids are idempotency keys, so\n"
       "a second run answers exists for every transfer and changes nothing. A malformed line\n"
       "stops the import before its batch: nothing from that batch onward is sent, and the\n"
       "message says from which line (exit code 2). A linked chain is never split between\n"
       "batches. A progress bar is drawn on stderr when stderr is a terminal.\n",
       {{"--batch", "N", "transfers per request, 1..8189 (default 1000)"}},
       RunTransfersImport},
      {"villages",
       "create",
       "VILLAGE",
       "set up a village's accounts",
       "Creates the accounts of village VILLAGE (1..1048576) on its ledgers: the issuer every\n"
       "award comes from, the sinks, the micro-fund. Safe to run again.\n",
       {},
       RunVillagesCreate},
      {"households",
       "create",
       "VILLAGE HOUSEHOLD...",
       "create households' points accounts",
       "Creates the points account of each household (by its number in the village) and\n"
       "shows the account id, which accounts lookup and accounts watch take. Safe to run\n"
       "again.\n",
       {},
       RunHouseholdsCreate},
      {"households",
       "put",
       "VILLAGE HOUSEHOLD",
       "save a household's members, proxy and grid",
       "Saves the household's details (replacing earlier ones) and creates its points\n"
       "account. Example:\n"
       "\n"
       "  pointsctl households put 1 7 --name 张家 --grid 3 --member 张小明:head:13800000000 \\\n"
       "      --member 李芳:member --proxy 王大妈\n",
       {{"--name", "TEXT", "the household's name (default none)"},
        {"--grid", "N", "its grid (default 0: none)"},
        {"--member", "NAME:ROLE[:PHONE]", "ROLE head or member; repeatable", true},
        {"--proxy", "NAME[:PHONE]", "someone who may act for the household (default none)"}},
       RunHouseholdsPut},
      {"households",
       "list",
       "VILLAGE",
       "list a village's households",
       "Lists the village's households. Names are masked (张*明) and phones left out unless\n"
       "--reveal is given.\n",
       {{"--reveal", "", "show names and phones in full"}},
       RunHouseholdsList},
      {"households",
       "close",
       "VILLAGE HOUSEHOLD",
       "close a household that moves away",
       "Closes the household's account. Refused (exit code 3) while it holds points or has\n"
       "awards or deductions pending: settle them first.\n",
       {},
       RunHouseholdsClose},
      {"households",
       "balance",
       "VILLAGE HOUSEHOLD",
       "show a household's points and what expires when",
       "Shows the points a household holds, the points on notice for and against it, and, in a\n"
       "village with expiry, what lapses at the next year ends if nothing more is spent.\n",
       {},
       RunHouseholdsBalance},
      {"expiry",
       "set",
       "VILLAGE",
       "turn points expiry on or off for a village",
       "At each year end after this (Jan 1 00:00 China Standard Time) the points a household\n"
       "earned before the cut-off and has not spent lapse, oldest first, through journaled\n"
       "transfers to the village's expiry sink; nothing is deleted. --grace-years 0 resets\n"
       "points every year; 1 keeps them until the end of the following year.\n",
       {{"--grace-years", "N", "0..10: years points stay valid after the year they were earned"},
        {"--off", "", "points do not expire"}},
       RunExpirySet},
      {"towns",
       "put",
       "TOWN NAME",
       "register a town (镇/街道) or rename it",
       "Registers town TOWN (1..1048576) with its name, e.g. 清溪镇. Safe to run again.\n",
       {},
       RunTownsPut},
      {"towns", "list", "", "list the towns", "Lists the registered towns.\n", {}, RunTownsList},
      {"villages",
       "put",
       "VILLAGE NAME",
       "register a village (or community) with its name and town",
       "Saves the village's record (name, town, village or community) and creates its\n"
       "accounts, as `villages create` does. Safe to run again.\n",
       {{"--town", "N", "a registered town (default 0: none yet)"},
        {"--community", "", "an urban community (社区), not a village"}},
       RunVillagesPut},
      {"villages",
       "list",
       "",
       "list the registered villages",
       "Lists the registered villages, of one town with --town.\n",
       {{"--town", "N", "only this town's villages"}},
       RunVillagesList},
      {"grids",
       "put",
       "VILLAGE GRID",
       "register a grid (网格) of a village with its worker",
       "Registers grid GRID (1..9999) of a registered village. Households name their grid;\n"
       "a household's grid must be registered.\n",
       {{"--name", "TEXT", "e.g. 第三网格 (optional)"},
        {"--worker", "NAME", "the grid worker who records for it (optional)"}},
       RunGridsPut},
      {"grids",
       "list",
       "VILLAGE",
       "list a village's grids",
       "Lists the village's grids and their workers.\n",
       {},
       RunGridsList},
      {"tasks",
       "post",
       "VILLAGE TASK",
       "post a task (认领任务) with points, slots and a deadline",
       "Posts task TASK: claimants (households, partner shops, social organisations) take one\n"
       "of --slots slots until --deadline; a household's verified claim earns the task rule's\n"
       "points x --units through the usual review and notice. Unclaimed slots lapse at the\n"
       "deadline. Safe to run again.\n",
       {{"--title", "TEXT", "what to do, e.g. 清理村口垃圾; required"},
        {"--rule", "N", "a task rule of the village's catalogue; required"},
        {"--units", "N", "the award's quantity (default 1)"},
        {"--slots", "N", "how many may claim it, 1..10000; required"},
        {"--deadline", "TIME", "RFC 3339, e.g. 2026-12-05T18:00:00+08:00; required"},
        {"--by", "NAME", "who posts it; required"}},
       RunTasksPost},
      {"tasks",
       "claim",
       "VILLAGE TASK",
       "claim a slot of a task",
       "Claims a slot for a household, a shop or an organisation. Safe to resend with the same\n"
       "--id; a second claim by the same claimant, no slot left or a passed deadline is\n"
       "refused (exit code 3).\n",
       {{"--id", "ID", "the claim id, its idempotency key; required"},
        {"--household", "N", "a household claims"},
        {"--shop", "N", "a partner shop claims"},
        {"--organisation", "N", "a social organisation claims"},
        {"--by", "NAME", "who claims; required"}},
       RunTasksClaim},
      {"tasks",
       "complete",
       "VILLAGE TASK",
       "report a claimed task done, with evidence",
       "The claimant reports the work done before the deadline.\n",
       {{"--household", "N", "the claimant (or --shop, --organisation)"},
        {"--shop", "N", ""},
        {"--organisation", "N", ""},
        {"--evidence", "REF", "e.g. a photo hash; at least one", true},
        {"--note", "TEXT", "optional"},
        {"--by", "NAME", "who reports it; required"}},
       RunTasksComplete},
      {"tasks",
       "verify",
       "VILLAGE TASK",
       "verify a completed task: a household's earns its award",
       "The committee verifies a completed claim. For a household this records an award (its\n"
       "id is shown) that goes through review and notice like any other.\n",
       {{"--household", "N", "the claimant (or --shop, --organisation)"},
        {"--shop", "N", ""},
        {"--organisation", "N", ""},
        {"--by", "NAME", "who verifies; required"}},
       RunTasksVerify},
      {"tasks",
       "show",
       "VILLAGE TASK",
       "show a task and its claims",
       "Shows a task, its slots and every claim.\n",
       {},
       RunTasksShow},
      {"tasks",
       "list",
       "VILLAGE",
       "list a village's tasks",
       "Lists the village's tasks with their slots and claims counted.\n",
       {},
       RunTasksList},
      {"board",
       "show",
       "VILLAGE",
       "show the village's notice board (公示栏)",
       "Shows the awards on notice now (anyone may object until the window ends), the awards\n"
       "posted in the month with their reasons, the ranking of households by points earned in\n"
       "the month, and satisfaction averages. Names are masked (张*明) unless --reveal.\n"
       "--json prints the ranking, one household per line.\n",
       {{"--month", "YYYYMM", "the month (default: this month)"},
        {"--reveal", "", "show full names (the committee's view)"}},
       RunBoardShow},
      {"statements",
       "show",
       "VILLAGE HOUSEHOLD",
       "show a household's monthly statement",
       "Lists every movement of the household's points in the month with the running balance:\n"
       "awards (pending while on notice, then posted), deductions, redemptions, returns,\n"
       "expiry; the opening and closing balances.\n",
       {{"--month", "YYYYMM", "the month; required"}},
       RunStatementsShow},
      {"reports",
       "show",
       "VILLAGE",
       "show the committee's monthly report",
       "Points issued by rule, deducted, redeemed and settled by shop, outstanding points (the\n"
       "committee's liability) and the micro-fund's month. --csv prints it as CSV lines\n"
       "`section,key,name,count,amount` for a spreadsheet.\n",
       {{"--month", "YYYYMM", "the month; required"}, {"--csv", "", "print CSV"}},
       RunReportsShow},
      {"ratings",
       "add",
       "VILLAGE HOUSEHOLD",
       "rate a redemption or a task (满意度评价), once",
       "A household rates a basket it redeemed or a task it did, 1..5 stars, once. The same\n"
       "rating again changes nothing; a different one is refused (exit code 3).\n",
       {{"--basket", "ID", "the basket redeemed"},
        {"--task", "N", "the task done"},
        {"--stars", "N", "1..5; required"},
        {"--comment", "TEXT", "optional, at most 500 bytes"}},
       RunRatingsAdd},
      {"households",
       "show",
       "VILLAGE HOUSEHOLD...",
       "show households' points accounts",
       "Shows the points accounts of households by their numbers in the village: the balance\n"
       "is credits_posted minus debits_posted; pending columns are awards on notice and\n"
       "deductions not yet posted.\n",
       {},
       RunHouseholdsShow},
      {"budget",
       "set",
       "VILLAGE MONTH POINTS",
       "set a month's issuance budget",
       "Sets how many points the village may issue in MONTH (YYYYMM, China Standard Time).\n"
       "Set once; awards that would pass it are refused by the ledger (exit code 3 when it\n"
       "was already set to another amount).\n",
       {},
       RunBudgetSet},
      {"rules",
       "put",
       "",
       "add a rule, or the next version of one, to a village's catalogue",
       "Adds version 1 of a new rule, or the next version of a changed one. Versions are never\n"
       "edited: an award keeps the version it was scored by. Running the same command again\n"
       "changes nothing. --retire makes a version under which the rule scores nothing.\n"
       "Versions take effect in order; exit code 3 when the catalogue refuses.\n"
       "\n"
       "Example: pointsctl rules put --village 1 --rule 1 --name 庭院卫生评比 --category hygiene "
       "\\\n"
       "             --points-per-unit 10 --cap-per-month 30 --by committee-li\n",
       {{"--village", "N", "the village; required"},
        {"--rule", "N", "the rule's number, 1..9999; required"},
        {"--name", "TEXT", "its name, 1..64 bytes of UTF-8; required"},
        {"--category", "NAME",
         "hygiene, volunteering, village_agreement, model_award, task or\n"
         "                            deduction; required"},
        {"--points-per-unit", "N", "points per check, hour, ...; required"},
        {"--difficulty-percent", "N", "multiplier, 1..10000 (default 100)"},
        {"--cap-per-day", "N", "cap per household and day (default 0: none)"},
        {"--cap-per-month", "N", "per month (default 0: none)"},
        {"--cap-per-year", "N", "per year (default 0: none)"},
        {"--effective-from", "TIME", "RFC 3339, e.g. 2027-01-01T00:00:00+08:00 (default: now)"},
        {"--retire", "", "the rule scores nothing from --effective-from on"},
        {"--by", "NAME", "who changes the catalogue; required"}},
       RunRulesPut},
      {"rules",
       "list",
       "VILLAGE",
       "list a village's rules with every version",
       "Lists every version of the village's rules, in rule then version order.\n",
       {{"--rule", "N", "only this rule (default: all)"}},
       RunRulesList},
      {"awards",
       "record",
       "",
       "record an award or deduction",
       "Records an award for a household by a rule of the village's catalogue (rules put),\n"
       "scored by the version in effect now: points = the rule's points per unit x --quantity x\n"
       "its difficulty. Above the server's review threshold it waits for a second person\n"
       "(awards approve); otherwise it goes on the notice board at once. Safe to run again with\n"
       "the same --id. Exit code 3 when the ledger refuses it (budget used up, cap reached: the\n"
       "WHY column says which) or the catalogue has no such rule in effect.\n"
       "\n"
       "Example: pointsctl awards record --village 1 --id 9001 --household 7 --rule 1 \\\n"
       "             --by grid-wang --evidence photo:3f2a\n",
       {{"--village", "N", "the village; required"},
        {"--id", "ID", "the award id, its idempotency key; required"},
        {"--household", "N", "the household's number; required"},
        {"--rule", "N", "the rule's number in the catalogue; required"},
        {"--version", "N", "the rule's version (default: the one in effect)"},
        {"--quantity", "N", "checks, hours, ... (default 1)"},
        {"--evidence", "REF", "a reference such as a photo hash; repeatable", true},
        {"--note", "TEXT", "why (default empty)"},
        {"--by", "NAME", "who records it; required"}},
       RunAwardsRecord},
      {"awards",
       "import",
       "FILE.csv",
       "record an inspection round from a CSV file",
       "Records every award of a CSV file (- reads stdin) for one village, in requests of\n"
       "--batch awards; each line is idempotent by its award id, so running the file again\n"
       "records nothing twice. Every line is checked before anything is sent. The first line\n"
       "names the columns, in any order. Required: id, household, rule (its number in the\n"
       "village's catalogue). Optional: version (default: the one in effect), quantity,\n"
       "evidence (references joined by |), note (no commas).\n"
       "\n"
       "  id,household,rule,evidence,note\n"
       "  20261122001,1,1,photo:3f2a,院落整洁\n"
       "\n"
       "Lines the server or the ledger refused are listed with the reason; the end is a count\n"
       "per state (awaiting_review, on_notice, refused, ...). A progress bar is drawn on\n"
       "stderr when stderr is a terminal.\n",
       {{"--village", "N", "the village; required"},
        {"--by", "NAME", "who records the round; required"},
        {"--batch", "N", "awards per request, 1..1000 (default 200)"}},
       RunAwardsImport},
      {"awards",
       "approve",
       "VILLAGE AWARD_ID",
       "approve an award: it goes on notice",
       "A second person approves an award awaiting review: it goes on the notice board (or\n"
       "the ledger refuses it, exit code 3). The recorder cannot approve their own award.\n",
       {{"--by", "NAME", "the reviewer; required"}},
       RunAwardsApprove},
      {"awards",
       "object",
       "VILLAGE AWARD_ID",
       "object to an award on notice",
       "Holds an award during its notice window until the committee decides.\n",
       {{"--by", "NAME", "who objects; required"}, {"--reason", "TEXT", "why; required"}},
       RunAwardsObject},
      {"awards",
       "decide",
       "VILLAGE AWARD_ID",
       "keep or void a held award",
       "The committee's decision on a held award: --keep (it posts once its window has\n"
       "ended) or --void (its points, budget and caps are given back).\n",
       {{"--keep", "", "keep the award"},
        {"--void", "", "void the award"},
        {"--by", "NAME", "who decides; required"}},
       RunAwardsDecide},
      {"awards",
       "show",
       "VILLAGE AWARD_ID",
       "show an award",
       "Shows an award and where it stands.\n",
       {},
       RunAwardsShow},
      {"awards",
       "list",
       "VILLAGE",
       "list a village's awards in one state",
       "Lists the village's awards in one state, at most 1000.\n",
       {{"--state", "NAME",
         "awaiting_review, on_notice, held, posted, voided or refused\n"
         "                            (default on_notice)"}},
       RunAwardsList},
      {"shops",
       "create",
       "VILLAGE SHOP NAME",
       "create a shop",
       "Creates shop SHOP of the village (its points and money accounts). Safe to run again.\n",
       {},
       RunShopsCreate},
      {"shops",
       "settle",
       "VILLAGE SHOP",
       "settle a shop: its points back, money to it",
       "The committee settles the shop: every point it holds goes back to the issuer and\n"
       "points x --fen-per-point fen go from the committee's cash to the shop's money account,\n"
       "in one commit. Safe to run again with the same --id. The shop reconciles against its\n"
       "points account's history up to SETTLED_AT (pointsctl history ACCOUNT --to TIME).\n",
       {{"--id", "ID", "the settlement id, its idempotency key; required"},
        {"--fen-per-point", "N", "the rate, 1..100000 (100: 1 point = 1 yuan); required"}},
       RunShopsSettle},
      {"shops",
       "terms",
       "VILLAGE SHOP",
       "set a shop's discount and micro-fund levy",
       "Sets what scheme members get off the cash price at this shop, and the share of what\n"
       "they pay that the shop pays into the village micro-fund, in basis points (1000 = 10 %,\n"
       "i.e. 九折). Later cash sales use them.\n",
       {{"--discount-bp", "N", "members' discount, 0..10000 (default 0)"},
        {"--levy-bp", "N", "share of paid sales for the micro-fund, 0..10000 (default 0)"}},
       RunShopsTerms},
      {"sales",
       "record",
       "VILLAGE SHOP ITEM:QUANTITY...",
       "record a member's cash purchase",
       "Records a cash sale to a member household at the catalogue's cash prices: the discount\n"
       "and, in the same commit, the levy moved from the shop's money account into the micro-\n"
       "fund. Safe to resend with the same --id.\n",
       {{"--household", "N", "the member household buying; required"},
        {"--id", "ID", "the sale id, its idempotency key; required"}},
       RunSalesRecord},
      {"items",
       "put",
       "VILLAGE SHOP ITEM",
       "add an item to a shop or change it",
       "Adds ITEM to the shop's catalogue, or changes its name and prices. Baskets keep the\n"
       "price they were sold at.\n",
       {{"--name", "TEXT", "e.g. 酱油 500ml; required"},
        {"--points", "N", "points per unit, 1..1000000; required"},
        {"--cash-fen", "N", "cash price in fen (default 0: not sold for cash)"}},
       RunItemsPut},
      {"items",
       "list",
       "VILLAGE SHOP",
       "show a shop's items and stock",
       "Shows the shop's catalogue with the units left in stock.\n",
       {},
       RunItemsList},
      {"stock",
       "add",
       "VILLAGE SHOP ITEM",
       "add units to an item's stock",
       "Adds --quantity units to the item's stock. Safe to run again with the same --id.\n",
       {{"--id", "ID", "the delivery's id, its idempotency key; required"},
        {"--quantity", "N", "units; required"}},
       RunStockAdd},
      {"baskets",
       "redeem",
       "VILLAGE SHOP ITEM:QUANTITY...",
       "redeem a basket for a household",
       "Redeems a basket: every item or none, the stock taken and the household's points\n"
       "paid in one commit. Safe to resend with the same --id: never charged twice. Exit code\n"
       "3 when refused (out of stock, not enough points: the WHY column says which); nothing\n"
       "is taken then.\n"
       "\n"
       "Example: pointsctl baskets redeem 1 2 1:2 3:1 --household 7 --id 7001\n",
       {{"--household", "N", "the household paying; required"},
        {"--id", "ID", "the basket id, its idempotency key; required"}},
       RunBasketsRedeem},
      {"baskets",
       "return",
       "VILLAGE BASKET_ID",
       "return a redeemed basket",
       "Reverses every line: points back to the household, items back in stock. Safe to run\n"
       "again.\n",
       {},
       RunBasketsReturn},
      {"baskets",
       "show",
       "VILLAGE BASKET_ID",
       "show a basket",
       "Shows a basket and where it stands.\n",
       {},
       RunBasketsShow},
      {"",
       "history",
       "ACCOUNT_ID",
       "show an account's transfers by time",
       "Shows the transfers that debit or credit an account, oldest first, one page of\n"
       "--limit. When the page is full, stderr says how to ask for the next one.\n"
       "\n"
       "Timestamps are nanoseconds since the Unix epoch or RFC 3339, e.g. 2024-05-01T08:00:00Z\n"
       "or 2024-05-01T16:00:00+08:00.\n",
       {{"--limit", "N", "transfers to show, 1..8189 (default 100)"},
        {"--from", "TIME", "earliest timestamp, inclusive (default: the beginning)"},
        {"--to", "TIME", "latest timestamp, inclusive (default: no limit)"},
        {"--reverse", "", "newest first"}},
       RunHistory},
  };
  return commands;
}

bool IsHelp(absl::string_view arg) { return arg == "--help" || arg == "-h"; }

bool AnyHelp(int from, int argc, char** argv) {
  for (int i = from; i < argc; ++i) {
    if (IsHelp(argv[i])) return true;
  }
  return false;
}

// `pointsctl --help`, or for a group, `pointsctl accounts --help`.
void PrintHelp(const std::string& group) {
  if (group.empty()) {
    std::printf("%s%s\n%s", kMainHelp, kGlobalHelp, kExitHelp);
    return;
  }
  std::string text =
      absl::StrCat("usage: pointsctl ", group, " COMMAND [FLAGS] [ARGS]\n\nCommands:\n");
  for (const Command& c : Commands()) {
    if (c.group != group) continue;
    std::string left = absl::StrCat("  ", CommandName(c), " ", c.args_usage);
    left.resize(std::max<size_t>(left.size() + 2, 30), ' ');
    absl::StrAppend(&text, left, c.summary, "\n");
  }
  absl::StrAppend(&text, "\nRun `pointsctl ", group, " COMMAND --help` for its flags.\n");
  std::fputs(text.c_str(), stdout);
}

// Reads the command's flags and arguments from argv[i..]; global flags may be among them.
Invocation ParseInvocation(const Command& command, int i, int argc, char** argv,
                           GlobalOptions global) {
  Invocation in;
  for (; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (!absl::StartsWith(arg, "--")) {
      in.args.emplace_back(arg);
      continue;
    }
    if (ParseGlobalFlag(argc, argv, &i, &global)) continue;
    const absl::string_view name = arg.substr(0, arg.find('='));
    auto spec = std::find_if(command.flags.begin(), command.flags.end(),
                             [&](const FlagSpec& f) { return f.name == name; });
    if (spec == command.flags.end()) {
      Usage(absl::StrCat("unknown flag ", name, " for ", CommandName(command)));
    }
    std::vector<std::string>& values = in.flags[std::string(name)];
    if (!values.empty() && !spec->repeatable) Usage(absl::StrCat(name, " given twice"));
    if (spec->value_name.empty()) {
      if (name.size() < arg.size()) Usage(absl::StrCat(name, " takes no value"));
      values.emplace_back();
    } else if (name.size() < arg.size()) {
      values.emplace_back(arg.substr(name.size() + 1));
    } else if (i + 1 < argc) {
      values.emplace_back(argv[++i]);
    } else {
      Usage(absl::StrCat(name, " needs a value"));
    }
  }
  in.global = std::move(global);
  return in;
}

int Main(int argc, char** argv) {
  GlobalOptions global;
  if (const char* target = std::getenv("POINTS_TARGET"); target != nullptr && *target != '\0') {
    global.target = target;
  }
  // Global flags, then the command's one or two words.
  int i = 1;
  bool help = false;
  for (; i < argc && absl::StartsWith(argv[i], "-"); ++i) {
    if (IsHelp(argv[i])) {
      help = true;
    } else if (!ParseGlobalFlag(argc, argv, &i, &global)) {
      Usage(absl::StrCat("unknown global flag ", argv[i]));
    }
  }
  const Command* command = nullptr;
  std::string group;  // a group named without its command, as in `pointsctl accounts --help`
  if (i < argc) {
    const absl::string_view first = argv[i++];
    for (const Command& c : Commands()) {
      if (c.group.empty() && c.name == first) command = &c;
      if (!c.group.empty() && c.group == first) group = std::string(first);
    }
    if (command == nullptr && group.empty()) {
      Usage(absl::StrCat("unknown command '", first, "'"));
    }
    if (!group.empty() && i < argc && !absl::StartsWith(argv[i], "-")) {
      const absl::string_view second = argv[i++];
      for (const Command& c : Commands()) {
        if (c.group == group && c.name == second) command = &c;
      }
      if (command == nullptr) Usage(absl::StrCat("unknown command '", group, " ", second, "'"));
    }
  }
  // Help wins over whatever else is wrong on the line: it is what the user is asking for.
  help |= AnyHelp(i, argc, argv);
  if (command == nullptr) {
    if (!help) {
      Usage(group.empty() ? "no command given" : absl::StrCat("'", group, "' needs a command"));
    }
    PrintHelp(group);
    return kExitOk;
  }
  current_command = command;
  if (help) {
    std::fputs(CommandHelp(*command).c_str(), stdout);
    return kExitOk;
  }
  return command->run(ParseInvocation(*command, i, argc, argv, global));
}

}  // namespace
}  // namespace points::client

int main(int argc, char** argv) { return points::client::Main(argc, argv); }

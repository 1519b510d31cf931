#include "clients/pointsctl/pointsctl_cli.h"

#include "server/domain/values/disclosure_values.h"

namespace points::client {

std::string CommandName(const Command& command) {
  return command.group.empty() ? std::string(command.name)
                               : absl::StrCat(command.group, " ", command.name);
}

// A usage error ends the program, as in pointsd: nothing has been sent yet when one is found.
[[noreturn]] void Usage(const std::string& message) {
  std::fprintf(stderr, "pointsctl: %s\nrun `pointsctl%s%s --help` for usage\n", message.c_str(),
               current_command != nullptr ? " " : "",
               current_command != nullptr ? CommandName(*current_command).c_str() : "");
  std::exit(kExitUsage);
}

// ---------------------------------------------------------------------------------------------
// Values from flags and arguments. Each ends the program with a usage error naming the flag, so
// commands read as a list of fields.

Id IdArg(absl::string_view what, const std::string& text) {
  absl::StatusOr<Id> id = ParseId(text);
  if (!id.ok()) Usage(absl::StrCat(what, ": ", id.status().message()));
  return *id;
}

uint64_t NumberFlag(const Invocation& in, absl::string_view flag, uint64_t max, uint64_t fallback) {
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

std::string TextFlag(const Invocation& in, absl::string_view flag) {
  RequireFlag(in, flag);
  return *in.Value(flag);
}

std::string ByFlag(const Invocation& in) { return in.Value("--by").value_or("pointsctl"); }

// A month as YYYYMM (China Standard Time), e.g. 202611.
uint32_t MonthArg(const std::string& what, const std::string& text) {
  absl::StatusOr<uint64_t> month = ParseUnsigned(text, uint64_t{domain::kPeriodYearMax} * 100 + 12);
  if (!month.ok() || *month < uint64_t{domain::kPeriodYearMin} * 100 + 1 || *month % 100 == 0 ||
      *month % 100 > 12) {
    Usage(absl::StrCat(what, ": YYYYMM from ", domain::kPeriodYearMin, " to ",
                       domain::kPeriodYearMax, ", e.g. 202611"));
  }
  return static_cast<uint32_t>(*month);
}

uint64_t RequiredNumberFlag(const Invocation& in, absl::string_view flag, uint64_t max) {
  RequireFlag(in, flag);
  return NumberFlag(in, flag, max);
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

std::string OrDash(std::string text) { return text.empty() ? "-" : text; }

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

bool AccountAccepted(CreateAccountResult r) {
  return r == CreateAccountResult::kOk || r == CreateAccountResult::kExists;
}

bool TransferAccepted(CreateTransferResult r) {
  return r == CreateTransferResult::kOk || r == CreateTransferResult::kExists;
}

int RpcFailed(const absl::Status& status) {
  std::fprintf(stderr, "pointsctl: %s: %s\n", absl::StatusCodeToString(status.code()).c_str(),
               std::string(status.message()).c_str());
  return kExitRpcFailed;
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

LedgerClient MakeClient(const GlobalOptions& global) {
  ClientOptions options;
  options.deadline = global.deadline;
  options.retry.max_attempts = global.attempts;
  options.metadata = global.headers;
  options.tls = global.tls;
  options.token = global.token;
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

}  // namespace points::client

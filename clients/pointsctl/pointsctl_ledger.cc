// pointsctl's ledger commands: accounts, transfers (also imported from CSV), history, and
// watching accounts (points.v1.LedgerService).

#include "clients/pointsctl/pointsctl_cli.h"

namespace points::client {
namespace {

constexpr size_t kImportBatchDefault = 1000;

constexpr uint32_t kHistoryLimitDefault = 100;

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

}  // namespace

std::vector<Command> LedgerCommands() {
  return {
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
}

}  // namespace points::client

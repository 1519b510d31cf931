#include "clients/cpp/transfer_csv.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "clients/cpp/value_text.h"

namespace points::client {
namespace {

struct ColumnName {
  TransferColumn column;
  absl::string_view name;
  bool required;
};

constexpr ColumnName kColumns[] = {
    {TransferColumn::kId, "id", true},
    {TransferColumn::kDebitAccountId, "debit_account_id", true},
    {TransferColumn::kCreditAccountId, "credit_account_id", true},
    {TransferColumn::kAmount, "amount", true},
    {TransferColumn::kLedger, "ledger", true},
    {TransferColumn::kCode, "code", true},
    {TransferColumn::kPendingId, "pending_id", false},
    {TransferColumn::kUserData128, "user_data_128", false},
    {TransferColumn::kUserData64, "user_data_64", false},
    {TransferColumn::kUserData32, "user_data_32", false},
    {TransferColumn::kTimeoutSeconds, "timeout_seconds", false},
    {TransferColumn::kFlags, "flags", false},
};

constexpr absl::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

absl::string_view NameOf(TransferColumn column) {
  for (const ColumnName& c : kColumns) {
    if (c.column == column) return c.name;
  }
  return "?";
}

absl::string_view WithoutLineEnd(absl::string_view line) {
  absl::ConsumeSuffix(&line, "\r");
  return line;
}

absl::Status InColumn(TransferColumn column, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrCat(NameOf(column), ": ", status.message()));
}

// Empty cells are zero; see the header comment.
absl::StatusOr<Id> CellId(absl::string_view cell) {
  if (cell.empty()) return Id(0);
  return ParseId(cell);
}

absl::StatusOr<uint64_t> CellNumber(absl::string_view cell, uint64_t max) {
  if (cell.empty()) return 0;
  return ParseUnsigned(cell, max);
}

absl::Status SetField(TransferColumn column, absl::string_view cell, Transfer* t) {
  absl::StatusOr<Id> id;
  absl::StatusOr<uint64_t> number;
  switch (column) {
    case TransferColumn::kId:
      if (cell.empty()) return absl::InvalidArgumentError("is empty; every transfer needs an id");
      id = ParseId(cell);
      if (id.ok()) t->id = *id;
      return id.status();
    case TransferColumn::kDebitAccountId:
      id = CellId(cell);
      if (id.ok()) t->debit_account_id = *id;
      return id.status();
    case TransferColumn::kCreditAccountId:
      id = CellId(cell);
      if (id.ok()) t->credit_account_id = *id;
      return id.status();
    case TransferColumn::kPendingId:
      id = CellId(cell);
      if (id.ok()) t->pending_id = *id;
      return id.status();
    case TransferColumn::kUserData128:
      id = CellId(cell);
      if (id.ok()) t->user_data_128 = *id;
      return id.status();
    case TransferColumn::kAmount:
      number = CellNumber(cell, UINT64_MAX);
      if (number.ok()) t->amount = *number;
      return number.status();
    case TransferColumn::kUserData64:
      number = CellNumber(cell, UINT64_MAX);
      if (number.ok()) t->user_data_64 = *number;
      return number.status();
    case TransferColumn::kLedger:
      number = CellNumber(cell, UINT32_MAX);
      if (number.ok()) t->ledger = static_cast<uint32_t>(*number);
      return number.status();
    case TransferColumn::kUserData32:
      number = CellNumber(cell, UINT32_MAX);
      if (number.ok()) t->user_data_32 = static_cast<uint32_t>(*number);
      return number.status();
    case TransferColumn::kTimeoutSeconds:
      number = CellNumber(cell, UINT32_MAX);
      if (number.ok()) t->timeout = static_cast<uint32_t>(*number);
      return number.status();
    case TransferColumn::kCode:
      number = CellNumber(cell, UINT16_MAX);
      if (number.ok()) t->code = static_cast<uint16_t>(*number);
      return number.status();
    case TransferColumn::kFlags: {
      absl::StatusOr<uint16_t> flags = ParseTransferFlags(cell);
      if (flags.ok()) t->flags = *flags;
      return flags.status();
    }
  }
  return absl::InternalError("unknown column");
}

}  // namespace

absl::StatusOr<TransferCsvHeader> ParseTransferCsvHeader(absl::string_view line) {
  line = WithoutLineEnd(line);
  absl::ConsumePrefix(&line, kUtf8ByteOrderMark);
  TransferCsvHeader header;
  bool seen[std::size(kColumns)] = {};
  for (absl::string_view name : absl::StrSplit(line, ',')) {
    name = absl::StripAsciiWhitespace(name);
    size_t index = 0;
    while (index < std::size(kColumns) && kColumns[index].name != name) ++index;
    if (index == std::size(kColumns)) {
      std::vector<absl::string_view> known;
      for (const ColumnName& c : kColumns) known.push_back(c.name);
      return absl::InvalidArgumentError(absl::StrCat("unknown column '", name,
                                                     "' in the header; the columns are ",
                                                     absl::StrJoin(known, ",")));
    }
    if (seen[index]) {
      return absl::InvalidArgumentError(absl::StrCat("column '", name, "' appears twice"));
    }
    seen[index] = true;
    header.columns.push_back(kColumns[index].column);
  }
  std::vector<absl::string_view> missing;
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    if (kColumns[i].required && !seen[i]) missing.push_back(kColumns[i].name);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the header lacks the required column(s) ", absl::StrJoin(missing, ","),
                     "; it must name at least id,debit_account_id,credit_account_id,amount,"
                     "ledger,code"));
  }
  return header;
}

absl::StatusOr<Transfer> ParseTransferCsvLine(const TransferCsvHeader& header,
                                              absl::string_view line) {
  const std::vector<absl::string_view> cells = absl::StrSplit(WithoutLineEnd(line), ',');
  if (cells.size() != header.columns.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("has ", cells.size(), " fields, the header has ", header.columns.size()));
  }
  Transfer transfer;
  for (size_t i = 0; i < cells.size(); ++i) {
    const TransferColumn column = header.columns[i];
    if (absl::Status status = SetField(column, absl::StripAsciiWhitespace(cells[i]), &transfer);
        !status.ok()) {
      return InColumn(column, status);
    }
  }
  return transfer;
}

}  // namespace points::client

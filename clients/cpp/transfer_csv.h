// Transfers as CSV, for bulk imports. The first line names the columns, in any order:
//
//   id,debit_account_id,credit_account_id,amount,ledger,code          (required columns)
//   pending_id,user_data_128,user_data_64,user_data_32,timeout_seconds,flags   (optional)
//
// Ids are UUID text or decimal, numbers are decimal, flags are names joined by `|` (e.g.
// `pending|linked`). Cells are trimmed; an empty cell is zero (no flags), except `id`, which must
// be given: the engine then answers zero fields with its own result codes, as for every other
// rule. Fields never contain commas, so there is no quoting.
#ifndef POINTS_CLIENTS_CPP_TRANSFER_CSV_H_
#define POINTS_CLIENTS_CPP_TRANSFER_CSV_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "points/types.h"

namespace points::client {

enum class TransferColumn {
  kId,
  kDebitAccountId,
  kCreditAccountId,
  kAmount,
  kLedger,
  kCode,
  kPendingId,
  kUserData128,
  kUserData64,
  kUserData32,
  kTimeoutSeconds,
  kFlags,
};

// The columns of a file, in the order of its header.
struct TransferCsvHeader {
  std::vector<TransferColumn> columns;
};

// Refuses unknown, repeated and missing required columns, naming them. A UTF-8 byte order mark
// (as spreadsheets write) and a trailing '\r' are ignored.
absl::StatusOr<TransferCsvHeader> ParseTransferCsvHeader(absl::string_view line);

// One data line. The message names the column that is wrong; the caller adds the line number.
absl::StatusOr<Transfer> ParseTransferCsvLine(const TransferCsvHeader& header,
                                              absl::string_view line);

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_TRANSFER_CSV_H_

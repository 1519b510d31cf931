// Awards as CSV, for an inspection round (pointsctl awards import). The first line names the
// columns, in any order:
//
//   id,household,rule                         (required columns)
//   version,quantity,evidence,note
//
// The village and who records the round come from the command line; points, category and caps
// come from the village's rule catalogue. Ids are UUID text or decimal; evidence is references
// joined by `|`; an empty cell is the default (version 0: the one in effect; quantity 1). Cells
// never contain commas, so there is no quoting; a note is UTF-8 text without commas.
#ifndef POINTS_CLIENTS_CPP_AWARD_CSV_H_
#define POINTS_CLIENTS_CPP_AWARD_CSV_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/domain/values/award.h"

namespace points::client {

enum class AwardColumn {
  kId,
  kHousehold,
  kRule,
  kVersion,
  kQuantity,
  kEvidence,
  kNote,
};

struct AwardCsvHeader {
  std::vector<AwardColumn> columns;
};

// Refuses unknown, repeated and missing required columns, naming them; ignores a UTF-8 byte
// order mark and a trailing '\r'.
absl::StatusOr<AwardCsvHeader> ParseAwardCsvHeader(absl::string_view line);

// One data line: every field of the request but village and recorded_by. The message names the
// column that is wrong; the caller adds the line number.
absl::StatusOr<domain::AwardRequest> ParseAwardCsvLine(const AwardCsvHeader& header,
                                                       absl::string_view line);

// The category's name as pointsctl writes it (hygiene, volunteering, village_agreement,
// model_award, task, deduction), and back (0 when unknown).
uint16_t CategoryCode(absl::string_view name);

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_AWARD_CSV_H_

#include "clients/cpp/award_csv.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/cpp/value_text.h"

namespace points::client {
namespace {

struct ColumnName {
  absl::string_view name;
  AwardColumn column;
  bool required;
};

constexpr ColumnName kColumns[] = {
    {"id", AwardColumn::kId, true},
    {"household", AwardColumn::kHousehold, true},
    {"rule", AwardColumn::kRule, true},
    {"version", AwardColumn::kVersion, false},
    {"quantity", AwardColumn::kQuantity, false},
    {"evidence", AwardColumn::kEvidence, false},
    {"note", AwardColumn::kNote, false},
};

// Columns of the first CSV format, before the rule catalogue: named in the error.
const absl::flat_hash_set<absl::string_view> kRuleFields = {"category",           "points_per_unit",
                                                            "difficulty_percent", "cap_per_day",
                                                            "cap_per_month",      "cap_per_year"};

absl::string_view NameOf(AwardColumn column) {
  for (const ColumnName& c : kColumns) {
    if (c.column == column) return c.name;
  }
  return "?";
}

absl::string_view Clean(absl::string_view line) {
  if (absl::StartsWith(line, "\xEF\xBB\xBF")) line.remove_prefix(3);  // byte order mark
  if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
  return line;
}

// A number cell; empty is `fallback`.
absl::StatusOr<uint64_t> Number(absl::string_view cell, uint64_t max, uint64_t fallback) {
  if (cell.empty()) return fallback;
  return ParseUnsigned(cell, max);
}

}  // namespace

uint16_t CategoryCode(absl::string_view name) {
  for (uint16_t code = domain::kCodeHygiene; code <= domain::kCodeDeduction; ++code) {
    if (name == domain::TransferCodeName(code)) return code;
  }
  return 0;
}

absl::StatusOr<AwardCsvHeader> ParseAwardCsvHeader(absl::string_view line) {
  AwardCsvHeader header;
  std::vector<bool> seen(std::size(kColumns), false);
  for (absl::string_view cell : absl::StrSplit(Clean(line), ',')) {
    cell = absl::StripAsciiWhitespace(cell);
    size_t i = 0;
    while (i < std::size(kColumns) && kColumns[i].name != cell) ++i;
    if (i == std::size(kColumns)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown column '", cell, "'",
                       kRuleFields.contains(cell)
                           ? ": points, categories and caps come from the village's rule catalogue "
                             "(pointsctl rules put); name the rule"
                           : ""));
    }
    if (seen[i]) return absl::InvalidArgumentError(absl::StrCat("column '", cell, "' twice"));
    seen[i] = true;
    header.columns.push_back(kColumns[i].column);
  }
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    if (kColumns[i].required && !seen[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("the header has no '", kColumns[i].name, "' column"));
    }
  }
  return header;
}

absl::StatusOr<domain::AwardRequest> ParseAwardCsvLine(const AwardCsvHeader& header,
                                                       absl::string_view line) {
  const std::vector<absl::string_view> cells = absl::StrSplit(Clean(line), ',');
  if (cells.size() != header.columns.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(cells.size(), " cells, the header has ", header.columns.size(), " columns"));
  }
  domain::AwardRequest r;  // rule version 0: the one in effect
  for (size_t i = 0; i < cells.size(); ++i) {
    const absl::string_view cell = absl::StripAsciiWhitespace(cells[i]);
    const AwardColumn column = header.columns[i];
    auto fail = [&](const absl::Status& status) {
      return absl::InvalidArgumentError(absl::StrCat(NameOf(column), ": ", status.message()));
    };
    absl::StatusOr<uint64_t> number = uint64_t{0};
    switch (column) {
      case AwardColumn::kId: {
        absl::StatusOr<Id> id = ParseId(cell);
        if (!id.ok()) return fail(id.status());
        r.award = *id;
        continue;
      }
      case AwardColumn::kEvidence:
        if (!cell.empty()) r.evidence = absl::StrSplit(cell, '|');
        continue;
      case AwardColumn::kNote:
        r.note = std::string(cell);
        continue;
      case AwardColumn::kHousehold:
        number = Number(cell, UINT64_MAX, 0);
        if (number.ok()) r.household = *number;
        break;
      case AwardColumn::kRule:
        number = Number(cell, UINT32_MAX, 0);
        if (number.ok()) r.rule.rule = static_cast<uint32_t>(*number);
        break;
      case AwardColumn::kVersion:
        number = Number(cell, UINT32_MAX, 0);
        if (number.ok()) r.rule.version = static_cast<uint32_t>(*number);
        break;
      case AwardColumn::kQuantity:
        number = Number(cell, UINT64_MAX, 1);
        if (number.ok()) r.quantity = *number;
        break;
    }
    if (!number.ok()) return fail(number.status());
  }
  return r;
}

}  // namespace points::client

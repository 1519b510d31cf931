#include "award_csv.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "value_text.h"

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
    {"category", AwardColumn::kCategory, true},
    {"points_per_unit", AwardColumn::kPointsPerUnit, true},
    {"version", AwardColumn::kVersion, false},
    {"quantity", AwardColumn::kQuantity, false},
    {"difficulty_percent", AwardColumn::kDifficultyPercent, false},
    {"cap_per_day", AwardColumn::kCapPerDay, false},
    {"cap_per_month", AwardColumn::kCapPerMonth, false},
    {"cap_per_year", AwardColumn::kCapPerYear, false},
    {"evidence", AwardColumn::kEvidence, false},
    {"note", AwardColumn::kNote, false},
};

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
  if (name == "hygiene") return domain::kCodeHygiene;
  if (name == "volunteering") return domain::kCodeVolunteering;
  if (name == "village_agreement") return domain::kCodeVillageAgreement;
  if (name == "model_award") return domain::kCodeModelAward;
  if (name == "task") return domain::kCodeTask;
  if (name == "deduction") return domain::kCodeDeduction;
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
      return absl::InvalidArgumentError(absl::StrCat("unknown column '", cell, "'"));
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
  domain::AwardRequest r;
  r.rule.version = 1;
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
      case AwardColumn::kCategory:
        r.rule.code = CategoryCode(cell);
        if (r.rule.code == 0) {
          return fail(absl::InvalidArgumentError(
              absl::StrCat("'", cell,
                           "' is not one of hygiene, volunteering, village_agreement, model_award, "
                           "task, deduction")));
        }
        continue;
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
      case AwardColumn::kPointsPerUnit:
        number = Number(cell, UINT64_MAX, 0);
        if (number.ok()) r.rule.points_per_unit = *number;
        break;
      case AwardColumn::kVersion:
        number = Number(cell, UINT32_MAX, 1);
        if (number.ok()) r.rule.version = static_cast<uint32_t>(*number);
        break;
      case AwardColumn::kQuantity:
        number = Number(cell, UINT64_MAX, 1);
        if (number.ok()) r.quantity = *number;
        break;
      case AwardColumn::kDifficultyPercent:
        number = Number(cell, 10'000, 100);
        if (number.ok()) r.rule.difficulty_percent = static_cast<uint32_t>(*number);
        break;
      case AwardColumn::kCapPerDay:
        number = Number(cell, UINT64_MAX, 0);
        if (number.ok()) r.rule.cap_per_day = *number;
        break;
      case AwardColumn::kCapPerMonth:
        number = Number(cell, UINT64_MAX, 0);
        if (number.ok()) r.rule.cap_per_month = *number;
        break;
      case AwardColumn::kCapPerYear:
        number = Number(cell, UINT64_MAX, 0);
        if (number.ok()) r.rule.cap_per_year = *number;
        break;
    }
    if (!number.ok()) return fail(number.status());
  }
  return r;
}

}  // namespace points::client

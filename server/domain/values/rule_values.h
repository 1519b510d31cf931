// The rules catalogue's values (README.md, "Rules") as the rule book keeps them and the
// clients see them. Values only: the book is rule_book.h.
#ifndef POINTS_SERVER_DOMAIN_VALUES_RULE_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_RULE_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/domain/values/award.h"
#include "server/domain/values/ids.h"

namespace points::domain {

inline constexpr size_t kRuleNameBytesMax = 64;    // e.g. 庭院卫生评比 (UTF-8)
inline constexpr uint32_t kRuleNumberMax = 9999;   // rules of a village are numbered 1..9999
inline constexpr uint32_t kRuleVersionsMax = 999;  // versions of one rule

// One version of a rule, as the catalogue keeps it.
struct CatalogueRule {
  VillageId village = 0;
  // rule.rule and the scoring fields are the caller's; rule.version is set by PutRule.
  RuleVersion rule;
  std::string name;                // Chinese name, 1..kRuleNameBytesMax bytes of UTF-8
  uint64_t effective_from_ns = 0;  // 0 in PutRule: from now
  bool retired = false;            // from effective_from_ns on, the rule scores nothing
  std::string changed_by;          // who made this version, 1..kPersonBytesMax bytes
  uint64_t changed_at_ns = 0;      // set by PutRule
  friend bool operator==(const CatalogueRule&, const CatalogueRule&) = default;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_RULE_VALUES_H_

// The rule catalogue of a village (README.md, "Rules"): what each kind of award is worth, kept
// in versions. A change never edits a version; it adds the next one with the date it takes
// effect, so an award recorded under version 2 keeps version 2's points and caps forever, and
// the board can name the rule an award was scored by.
//
// A cap changed by a new version applies from the household's next window of that cap (day,
// month, year): the window's cap account was funded once, at its first award (README.md).
//
// Rules live in the domain store; no points move here. The award book resolves an award's rule
// through Resolve() when it records the award.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_RULE_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_RULE_BOOK_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/award.h"
#include "server/domain/values/rule_values.h"

namespace points::domain {

class RuleBook {
 public:
  // `clock` and `store` must outlive the book.
  RuleBook(Clock* clock, DomainStore* store) : clock_(clock), store_(store) {}

  // Adds the next version of a rule (version 1 for a new rule) and returns it. Idempotent: the
  // same content as the latest version (name, scoring fields, effective date, retired) returns
  // the latest version unchanged. INVALID_ARGUMENT names a bad field; FAILED_PRECONDITION when
  // the new version would take effect before the latest one does (versions take effect in
  // order) or when the rule has kRuleVersionsMax versions.
  //
  // `replaces_version` (0: whatever is latest) makes the change conditional: it is made only if
  // that version is still the latest, so two committee members cannot overwrite each other's
  // change unseen (FAILED_PRECONDITION naming the latest), and a resend whose first try landed
  // gets that version back even after someone else's later change.
  absl::StatusOr<CatalogueRule> PutRule(const CatalogueRule& rule, uint32_t replaces_version = 0);

  // The version an award recorded at `at_ns` is scored by: `version` 0 means the one in effect
  // then. NOT_FOUND for a rule or version the catalogue does not have; FAILED_PRECONDITION for
  // a rule that is retired, not yet in effect, or a version other than the one in effect.
  absl::StatusOr<CatalogueRule> Resolve(VillageId village, uint32_t rule, uint32_t version,
                                        uint64_t at_ns) const;
  // One stored version, whatever its dates (for names on the board and in reports).
  absl::StatusOr<CatalogueRule> Get(VillageId village, uint32_t rule, uint32_t version) const;
  // Every version of every rule of the village (or of one rule when `rule` is not 0), in rule
  // then version order.
  absl::StatusOr<std::vector<CatalogueRule>> List(VillageId village, uint32_t rule) const;

 private:
  absl::StatusOr<std::vector<CatalogueRule>> Versions(VillageId village, uint32_t rule) const;

  Clock* const clock_;
  DomainStore* const store_;
  // PutRule reads the latest version and writes the next: one change of a rule at a time,
  // other rules in parallel (a record lock, workflow.h's lock rule).
  RecordLocks<std::pair<VillageId, uint32_t>> rule_locks_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_RULE_BOOK_H_

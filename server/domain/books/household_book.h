// Households (README.md; glossary: household, member, proxy, grid): the account holder of the
// scheme. A household has one points account; its members (any of whom may spend), an optional
// proxy who acts for it (elders without phones), and the grid whose worker records for it. A
// household that moves away is closed only once its balance is settled: no points left and
// nothing pending, which the engine's CloseAccounts checks in its writer.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_HOUSEHOLD_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_HOUSEHOLD_BOOK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/books/org_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/household_values.h"
#include "server/domain/values/ids.h"

namespace points::domain {

// Creates the household's points account (ledger_layout.h's HouseholdAccount); an account that
// exists already is fine. The one place a household account is created.
absl::Status CreateHouseholdAccount(Engine& engine, VillageId village, uint64_t household);

// A name as the public board shows it: the first and last character kept, the rest masked, so
// 张小明 reads 张*明 and 李明 reads 李*. UTF-8 aware; an empty name stays empty.
std::string MaskName(const std::string& name);

class HouseholdBook {
 public:
  // With `org` (the server always gives it), a household's grid must be registered there;
  // tests of households alone may leave it out.
  HouseholdBook(Engine* engine, DomainStore* store, const OrgBook* org = nullptr)
      : engine_(engine), store_(store), org_(org) {}

  // Creates the household's points account (idempotent) and saves its details (replacing
  // earlier ones). FAILED_PRECONDITION for a closed household or a grid not registered.
  absl::Status PutHousehold(const Household& household);
  // A household's account and, if it has none, a record without details (the board, reports
  // and expiry find households through their records); one with details keeps them.
  // Idempotent.
  absl::Status EnsureHousehold(VillageId village, uint64_t household);
  absl::StatusOr<Household> GetHousehold(VillageId village, uint64_t household) const;
  // The village's households in number order; names masked unless `reveal`.
  absl::StatusOr<std::vector<Household>> ListHouseholds(VillageId village, bool reveal) const;
  // Closes a household that moves away: refused (FAILED_PRECONDITION, saying why) while it
  // still holds points or has anything pending. Idempotent.
  absl::Status CloseHousehold(VillageId village, uint64_t household);

 private:
  absl::Status Save(const Household& household);

  // Under the household's record lock.
  absl::Status PutLocked(const Household& household);

  Engine* const engine_;
  DomainStore* const store_;
  const OrgBook* const org_;
  // A put reads the record (closed?) and writes it; EnsureHousehold reads, then writes a blank
  // one: one household's at a time, so a blank record never overwrites details put meanwhile.
  // Other households never wait (workflow.h's lock rule: the lock is the record's, not the
  // book's, held across the ledger and the synced write).
  RecordLocks<std::pair<VillageId, uint64_t>> household_locks_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_HOUSEHOLD_BOOK_H_

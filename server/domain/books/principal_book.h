// Who may call pointsd (issue 5, "principals"): each operator, shop terminal, household app and
// auditor is a principal with one role and the scope it acts in, authenticated by its own token.
// A token is 32 random bytes, shown once when made; the store keeps only its SHA-256, so a copy
// of the data directory holds no usable token. Revocation takes effect at once: the book keeps
// the hashes of live tokens in memory and a revoked one is gone from there before Revoke
// returns. Not yet wired into the server: the authorization table and the interceptor that
// will use this book are the next steps of the security issue.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_PRINCIPAL_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_PRINCIPAL_BOOK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/ids.h"

namespace points::domain {

inline constexpr size_t kPrincipalNameBytesMax = 64;  // e.g. committee-li, shop-2-terminal-1
inline constexpr size_t kPrincipalsMax = 100'000;     // a county: operators, shops, households
inline constexpr size_t kTokenBytes = 32;             // shown as 64 hex digits

// Numbered once, never renumbered: the numbers are stored.
enum class Role : uint8_t {
  kAdmin = 1,       // county or town admin: villages and operators (town 0: the whole county)
  kCommittee = 2,   // a village committee member: rules, reviews, decisions in the village
  kGridWorker = 3,  // records awards for the households of one grid
  kShopkeeper = 4,  // redeems at one shop
  kHousehold = 5,   // a household's app: reads itself
  kAuditor = 6,     // the supervision committee: reads everything in scope, writes nothing
};
const char* RoleName(Role role);

// Where a principal acts; which fields a role needs is checked by Create.
struct Scope {
  uint32_t town = 0;       // admin, auditor: 0 = the whole county
  VillageId village = 0;   // committee, grid worker, shopkeeper, household; auditor optionally
  uint32_t grid = 0;       // grid worker
  uint32_t shop = 0;       // shopkeeper
  uint64_t household = 0;  // household
  friend bool operator==(const Scope&, const Scope&) = default;
};

struct Principal {
  std::string name;  // unique, 1..kPrincipalNameBytesMax bytes of [a-z0-9._-]
  Role role = Role::kHousehold;
  Scope scope;
  std::string created_by;  // the principal (or "bootstrap") that made it
  uint64_t created_at_ns = 0;
  bool revoked = false;
  uint64_t revoked_at_ns = 0;
  friend bool operator==(const Principal&, const Principal&) = default;
};

class PrincipalBook {
 public:
  // Loads every principal (prefix "who/"); DATA_LOSS when a record does not decode.
  static absl::StatusOr<std::unique_ptr<PrincipalBook>> Open(Clock* clock, DomainStore* store);

  // Makes the principal and returns its token (64 hex digits), the only time it is shown.
  // INVALID_ARGUMENT names a bad field (a scope field the role needs, or one it must not have);
  // ALREADY_EXISTS when the name is taken (revoked names stay taken: the audit names them);
  // RESOURCE_EXHAUSTED at kPrincipalsMax.
  absl::StatusOr<std::string> Create(Principal principal);

  // The live principal this token belongs to; UNAUTHENTICATED for anything else (malformed,
  // unknown, revoked), without saying which.
  absl::StatusOr<Principal> Authenticate(const std::string& token) const;

  // Revokes at once; NOT_FOUND for an unknown name; revoking again changes nothing.
  absl::Status Revoke(const std::string& name);

  // Every principal, live and revoked, by name.
  std::vector<Principal> List() const;

 private:
  PrincipalBook(Clock* clock, DomainStore* store) : clock_(clock), store_(store) {}

  Clock* const clock_;
  DomainStore* const store_;
  // Create and Revoke of one name in turn, held across the synced write; other names never
  // wait (a record lock, workflow.h's lock rule).
  RecordLocks<std::string> name_locks_;
  // The maps, for a moment at a time: authentication (on gRPC's reactor threads) never waits
  // for a disk.
  mutable absl::Mutex mu_;
  // Creates between their check and their write: counted against kPrincipalsMax.
  size_t creating_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Principal> by_name_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> token_hashes_ ABSL_GUARDED_BY(mu_);  // hash->name
  absl::flat_hash_map<std::string, std::string> hash_of_ ABSL_GUARDED_BY(mu_);       // name->hash
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_PRINCIPAL_BOOK_H_

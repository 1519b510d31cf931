// The operator audit journal (issue 5, "principals"): every administrative act (a rule change, a
// token issued or revoked, an approval, an objection decided, a village or shop set up, a
// backup) is appended with the principal that did it, and the supervision committee's auditor
// lists it. The entries are hash-chained like the ledger's transfers: each one's hash covers its
// predecessor's, so an entry edited, forged or removed in the store breaks the chain at that
// seq, and Verify names it. The journal is append-only: nothing here rewrites an entry.
#ifndef POINTS_SERVER_DOMAIN_STORE_AUDIT_JOURNAL_H_
#define POINTS_SERVER_DOMAIN_STORE_AUDIT_JOURNAL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/store/domain_store.h"

namespace points::domain {

inline constexpr size_t kAuditActBytesMax = 64;       // e.g. "principal.create", "award.approve"
inline constexpr size_t kAuditDetailBytesMax = 2048;  // a short human-readable summary
inline constexpr size_t kAuditRoleBytesMax = 32;      // a role's name, e.g. "grid-worker"
inline constexpr size_t kAuditListMax = 1000;         // entries per List page
inline constexpr size_t kAuditHashBytes = 32;         // SHA-256

struct AuditEntry {
  uint64_t seq = 0;       // 1, 2, 3, ... without gaps
  uint64_t at_ns = 0;     // from the injected Clock
  std::string principal;  // who did it (a principal name or "bootstrap")
  std::string role;       // its role's name, e.g. "committee"; empty for "bootstrap"
  uint32_t village = 0;   // where, 0 = county-wide
  std::string act;
  std::string detail;
  std::string prev_hash;  // 32 bytes: the previous entry's hash, all zero for seq 1
  std::string hash;       // 32 bytes: SHA-256 over prev_hash and every field above
  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

// The store's key of entry `seq`: "audit/" and the seq as 8 big-endian bytes, so keys sort by
// seq.
std::string AuditKey(uint64_t seq);
// The hash `entry` should carry: SHA-256 of its encoding without the hash (every other field,
// length-prefixed, so no two entries share an input).
std::string AuditEntryHash(const AuditEntry& entry);
// The stored bytes (a version byte first); DATA_LOSS when `bytes` do not decode.
std::string EncodeAuditEntry(const AuditEntry& entry);
absl::StatusOr<AuditEntry> DecodeAuditEntry(const std::string& bytes);

class AuditJournal {
 public:
  // Finds the tail (the highest seq under "audit/" and its hash) so appends continue the chain;
  // DATA_LOSS when the tail does not decode (a chain cannot be continued from it).
  static absl::StatusOr<std::unique_ptr<AuditJournal>> Open(Clock* clock, DomainStore* store);

  // Appends the next entry, synced before it returns; appends are serialised so the chain has no
  // forks. INVALID_ARGUMENT names the field and its limit: principal 1..kPrincipalNameBytesMax
  // bytes, role 0..kAuditRoleBytesMax, act 1..kAuditActBytesMax, detail 0..kAuditDetailBytesMax,
  // all UTF-8; village 0..kVillagesMax.
  absl::StatusOr<AuditEntry> Append(const std::string& principal, const std::string& role,
                                    uint32_t village, const std::string& act,
                                    const std::string& detail);

  // Entries with seq >= from_seq in seq order, at most `limit` (0 or more than kAuditListMax:
  // kAuditListMax); when village != 0, only that village's entries. The next page starts after
  // the last seq returned. DATA_LOSS when a stored entry does not decode.
  absl::StatusOr<std::vector<AuditEntry>> List(uint64_t from_seq, size_t limit,
                                               uint32_t village = 0) const;

  // Walks the whole chain and returns the number of entries checked. DATA_LOSS naming the first
  // seq that is missing (a gap), does not decode, carries a hash its contents do not give, or
  // whose prev_hash is not its predecessor's hash.
  absl::StatusOr<uint64_t> Verify() const;

  // The seq of the last entry, 0 when the journal is empty.
  uint64_t last_seq() const;

 private:
  AuditJournal(Clock* clock, DomainStore* store) : clock_(clock), store_(store) {}

  Clock* const clock_;
  DomainStore* const store_;
  mutable absl::Mutex mu_;
  uint64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_hash_ ABSL_GUARDED_BY(mu_) = std::string(kAuditHashBytes, '\0');
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_STORE_AUDIT_JOURNAL_H_

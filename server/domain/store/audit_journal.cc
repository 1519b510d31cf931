#include "server/domain/store/audit_journal.h"

#include <openssl/sha.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/domain/books/principal_book.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/text.h"

namespace points::domain {
namespace {

constexpr uint8_t kAuditFormatVersion = 1;
constexpr size_t kPrefixBytes = sizeof keys::kAudit - 1;
constexpr int kSeqBytes = 8;
// List reads the store a block of seqs at a time: the keys that share all but the seq's last
// byte, one prefix scan each. The store has no seek-to-key, and a scan from the start of the
// journal for every page would make paging through it quadratic.
constexpr int kBlockBits = 8;

// Every field but the hash, each fixed-width or length-prefixed: the hash's input, and the head
// of the stored record.
RecordWriter EncodeBody(const AuditEntry& e) {
  RecordWriter w;
  w.Int(kAuditFormatVersion, 1)
      .Int(e.seq, 8)
      .Int(e.at_ns, 8)
      .Text(e.principal)
      .Text(e.role)
      .Int(e.village, 4)
      .Text(e.act)
      .Text(e.detail)
      .Text(e.prev_hash);
  return w;
}

// The seq a key under kPrefix names; 0 (never a seq) for a key of the wrong length.
uint64_t SeqOfKey(const std::string& key) {
  if (key.size() != kPrefixBytes + kSeqBytes) return 0;
  const std::string tail = key.substr(kPrefixBytes);
  RecordReader r(tail);
  return r.Int(kSeqBytes);
}

// The prefix shared by the keys of block `block`: the seqs block << kBlockBits and up.
std::string BlockPrefix(uint64_t block) {
  return absl::StrCat(keys::kAudit,
                      BigEndian(block << kBlockBits, kSeqBytes).substr(0, kSeqBytes - 1));
}
static_assert(kBlockBits == 8, "a block is the keys that share all but the seq's last byte");

absl::Status CheckText(const char* field, const std::string& value, size_t min, size_t max) {
  if (value.size() < min || value.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", min, "..", max, " bytes of UTF-8, got ", value.size()));
  }
  if (!IsUtf8(value)) return absl::InvalidArgumentError(absl::StrCat(field, ": must be UTF-8"));
  return absl::OkStatus();
}

}  // namespace

std::string AuditKey(uint64_t seq) { return absl::StrCat(keys::kAudit, BigEndian(seq, kSeqBytes)); }

std::string AuditEntryHash(const AuditEntry& entry) {
  const std::string body = std::move(EncodeBody(entry)).bytes();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string EncodeAuditEntry(const AuditEntry& entry) {
  return std::move(EncodeBody(entry).Text(entry.hash)).bytes();
}

absl::StatusOr<AuditEntry> DecodeAuditEntry(const std::string& bytes) {
  RecordReader r(bytes);
  AuditEntry e;
  const bool version_ok = r.Int(1) == kAuditFormatVersion;
  e.seq = r.Int(8);
  e.at_ns = r.Int(8);
  e.principal = r.Text();
  e.role = r.Text();
  e.village = static_cast<uint32_t>(r.Int(4));
  e.act = r.Text();
  e.detail = r.Text();
  e.prev_hash = r.Text();
  e.hash = r.Text();
  if (!version_ok || !r.done_ok() || e.prev_hash.size() != kAuditHashBytes ||
      e.hash.size() != kAuditHashBytes) {
    return absl::DataLossError("audit entry record does not decode");
  }
  return e;
}

absl::StatusOr<std::unique_ptr<AuditJournal>> AuditJournal::Open(Clock* clock, DomainStore* store) {
  // The tail is the highest key, not the count of entries: were one missing, continuing from
  // the count would overwrite the entries after the gap, and with them the evidence.
  std::string tail_key;
  std::string tail_bytes;
  if (absl::Status s = store->Scan(keys::kAudit,
                                   [&](const std::string& key, const std::string& value) {
                                     tail_key = key;
                                     tail_bytes = value;
                                     return true;
                                   });
      !s.ok()) {
    return s;
  }
  std::unique_ptr<AuditJournal> journal(new AuditJournal(clock, store));
  if (tail_key.empty()) return journal;
  const uint64_t seq = SeqOfKey(tail_key);
  auto tail = DecodeAuditEntry(tail_bytes);
  if (!tail.ok() || seq == 0 || tail->seq != seq) {
    return absl::DataLossError(
        absl::StrCat("audit journal: its last entry (seq ", seq, ") does not decode"));
  }
  absl::MutexLock lock(&journal->mu_);
  journal->last_seq_ = seq;
  journal->last_hash_ = tail->hash;
  return journal;
}

absl::StatusOr<AuditEntry> AuditJournal::Append(const std::string& principal,
                                                const std::string& role, uint32_t village,
                                                const std::string& act, const std::string& detail) {
  if (absl::Status s = CheckText("principal", principal, 1, kPrincipalNameBytesMax); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("role", role, 0, kAuditRoleBytesMax); !s.ok()) return s;
  if (absl::Status s = CheckText("act", act, 1, kAuditActBytesMax); !s.ok()) return s;
  if (absl::Status s = CheckText("detail", detail, 0, kAuditDetailBytesMax); !s.ok()) return s;
  if (village > kVillagesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("village: 0 (county-wide) or 1..", kVillagesMax, ", got ", village));
  }
  AuditEntry e;
  e.principal = principal;
  e.role = role;
  e.village = village;
  e.act = act;
  e.detail = detail;
  // One append at a time, from reading the tail to writing the entry: two appends reading the
  // same tail would fork the chain. The clock is read inside too, so time never runs backwards
  // along the seqs (given a clock that does not).
  absl::MutexLock lock(&mu_);
  e.seq = last_seq_ + 1;
  e.at_ns = clock_->NowNanos();
  e.prev_hash = last_hash_;
  e.hash = AuditEntryHash(e);
  // A failed write leaves the tail where it was: the next append takes the same seq, over
  // whatever of this one may have reached the store, and the chain stays whole.
  if (absl::Status s = store_->Put(AuditKey(e.seq), EncodeAuditEntry(e)); !s.ok()) return s;
  last_seq_ = e.seq;
  last_hash_ = e.hash;
  return e;
}

absl::StatusOr<std::vector<AuditEntry>> AuditJournal::List(uint64_t from_seq, size_t limit,
                                                           uint32_t village) const {
  if (limit == 0 || limit > kAuditListMax) limit = kAuditListMax;
  from_seq = std::max<uint64_t>(from_seq, 1);
  const uint64_t last = last_seq();
  std::vector<AuditEntry> entries;
  for (uint64_t block = from_seq >> kBlockBits;
       block <= last >> kBlockBits && entries.size() < limit; ++block) {
    absl::Status status =
        ScanRecords(*store_, BlockPrefix(block), DecodeAuditEntry, [&](AuditEntry e) {
          // Appends after `last` may show up in the last block; they belong to the next page.
          if (e.seq < from_seq || e.seq > last || entries.size() >= limit) return;
          if (village != 0 && e.village != village) return;
          entries.push_back(std::move(e));
        });
    if (!status.ok()) return status;
  }
  return entries;
}

absl::StatusOr<uint64_t> AuditJournal::Verify() const {
  // Entries appended while the walk goes on may or may not be seen; those up to here must be.
  const uint64_t appended = last_seq();
  uint64_t expected = 1;
  std::string prev_hash(kAuditHashBytes, '\0');
  absl::Status problem;
  absl::Status status =
      store_->Scan(keys::kAudit, [&](const std::string& key, const std::string& bytes) {
        const uint64_t seq = SeqOfKey(key);
        if (seq == 0) {
          problem = absl::DataLossError(
              absl::StrCat("audit journal: a key after seq ", expected - 1, " holds no seq"));
          return false;
        }
        if (seq != expected) {
          problem = absl::DataLossError(absl::StrCat(
              "audit journal: seq ", expected, " is missing (the next key holds seq ", seq, ")"));
          return false;
        }
        auto e = DecodeAuditEntry(bytes);
        if (!e.ok() || e->seq != seq) {
          problem =
              absl::DataLossError(absl::StrCat("audit journal: seq ", seq, " does not decode"));
          return false;
        }
        if (AuditEntryHash(*e) != e->hash) {
          problem = absl::DataLossError(
              absl::StrCat("audit journal: seq ", seq, ": its hash does not match its contents"));
          return false;
        }
        if (e->prev_hash != prev_hash) {
          problem = absl::DataLossError(absl::StrCat(
              "audit journal: seq ", seq, ": its prev_hash is not the hash of seq ", seq - 1));
          return false;
        }
        prev_hash = std::move(e->hash);
        ++expected;
        return true;
      });
  if (!status.ok()) return status;
  if (!problem.ok()) return problem;
  const uint64_t checked = expected - 1;
  if (checked < appended) {
    return absl::DataLossError(absl::StrCat("audit journal: seq ", expected,
                                            " is missing (the store ends at seq ", checked,
                                            ", seq ", appended, " was appended)"));
  }
  return checked;
}

uint64_t AuditJournal::last_seq() const {
  absl::MutexLock lock(&mu_);
  return last_seq_;
}

}  // namespace points::domain

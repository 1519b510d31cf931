#include "server/domain/books/principal_book.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/text.h"

namespace points::domain {
namespace {

constexpr uint8_t kPrincipalFormatVersion = 1;

std::string Key(const std::string& name) { return absl::StrCat(keys::kPrincipal, name); }

// SHA-256 of the token's text, in hex: what the store keeps.
std::string TokenHash(const std::string& token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string Encode(const Principal& p, const std::string& token_hash) {
  return std::move(RecordWriter()
                       .Int(kPrincipalFormatVersion, 1)
                       .Text(p.name)
                       .Int(static_cast<uint8_t>(p.role), 1)
                       .Int(p.scope.town, 4)
                       .Int(p.scope.village, 4)
                       .Int(p.scope.grid, 4)
                       .Int(p.scope.shop, 4)
                       .Int(p.scope.household, 8)
                       .Text(p.created_by)
                       .Int(p.created_at_ns, 8)
                       .Int(p.revoked ? 1 : 0, 1)
                       .Int(p.revoked_at_ns, 8)
                       .Text(token_hash))
      .bytes();
}

struct Stored {
  Principal principal;
  std::string token_hash;
};

absl::StatusOr<Stored> Decode(const std::string& bytes) {
  RecordReader r(bytes);
  Stored s;
  Principal& p = s.principal;
  const bool version_ok = r.Int(1) == kPrincipalFormatVersion;
  p.name = r.Text();
  const uint64_t role = r.Int(1);
  p.scope.town = static_cast<uint32_t>(r.Int(4));
  p.scope.village = static_cast<VillageId>(r.Int(4));
  p.scope.grid = static_cast<uint32_t>(r.Int(4));
  p.scope.shop = static_cast<uint32_t>(r.Int(4));
  p.scope.household = r.Int(8);
  p.created_by = r.Text();
  p.created_at_ns = r.Int(8);
  p.revoked = r.Int(1) == 1;
  p.revoked_at_ns = r.Int(8);
  s.token_hash = r.Text();
  if (!version_ok || !r.done_ok() || role < 1 || role > 6) {
    return absl::DataLossError("principal record does not decode");
  }
  p.role = static_cast<Role>(role);
  return s;
}

absl::Status CheckName(const std::string& name, const char* field) {
  const bool ok =
      !name.empty() && name.size() <= kPrincipalNameBytesMax &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      });
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": 1..", kPrincipalNameBytesMax,
                                                 " of a-z, 0-9, '.', '_', '-', got ", Echo(name)));
}

// Each role names exactly the scope it acts in: a field it needs is set, one it has no use for
// is not (a grid worker with a shop would be a mistake, not a wider grant).
absl::Status CheckScope(Role role, const Scope& s) {
  auto need = [](bool set, const char* field, const char* role) -> absl::Status {
    if (set) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(field, ": the ", role, " role needs one"));
  };
  auto none = [](bool set, const char* field, const char* role) -> absl::Status {
    if (!set) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(field, ": the ", role, " role has none"));
  };
  if (role < Role::kAdmin || role > Role::kAuditor) {
    return absl::InvalidArgumentError(
        absl::StrCat("role: ", static_cast<int>(role), " is none of admin .. auditor (1..6)"));
  }
  const char* name = RoleName(role);
  absl::Status status;
  switch (role) {
    case Role::kAdmin:
      status.Update(none(s.village != 0, "village", name));
      break;
    case Role::kAuditor:  // a town, a village, or the whole county: not a town and a village
      if (s.village != 0) status.Update(none(s.town != 0, "town", "village auditor's"));
      break;
    case Role::kCommittee:
      status.Update(need(s.village != 0, "village", name));
      break;
    case Role::kGridWorker:
      status.Update(need(s.village != 0, "village", name));
      status.Update(need(s.grid != 0, "grid", name));
      break;
    case Role::kShopkeeper:
      status.Update(need(s.village != 0, "village", name));
      status.Update(need(s.shop != 0, "shop", name));
      break;
    case Role::kHousehold:
      status.Update(need(s.village != 0, "village", name));
      status.Update(need(s.household != 0, "household", name));
      break;
  }
  // A village-scoped role is where its village is: a town beside it would be a second claim
  // that authorization might read first.
  if (role != Role::kAdmin && role != Role::kAuditor) {
    status.Update(none(s.town != 0, "town", name));
  }
  if (role != Role::kGridWorker) status.Update(none(s.grid != 0, "grid", name));
  if (role != Role::kShopkeeper) status.Update(none(s.shop != 0, "shop", name));
  if (role != Role::kHousehold) status.Update(none(s.household != 0, "household", name));
  if (s.village != 0) status.Update(CheckVillage(s.village));  // 0: not scoped to a village
  return status;
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kCommittee:
      return "committee";
    case Role::kGridWorker:
      return "grid-worker";
    case Role::kShopkeeper:
      return "shopkeeper";
    case Role::kHousehold:
      return "household";
    case Role::kAuditor:
      return "auditor";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<PrincipalBook>> PrincipalBook::Open(Clock* clock,
                                                                   DomainStore* store) {
  std::unique_ptr<PrincipalBook> book(new PrincipalBook(clock, store));
  absl::MutexLock lock(&book->mu_);
  // Runs under book->mu_, held above: the lock analysis does not follow a lock into a lambda.
  absl::Status status =
      ScanRecords(*store, keys::kPrincipal, Decode, [&](Stored s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        if (!s.principal.revoked) book->token_hashes_[s.token_hash] = s.principal.name;
        book->hash_of_[s.principal.name] = s.token_hash;
        book->by_name_[s.principal.name] = std::move(s.principal);
      });
  if (!status.ok()) return status;
  return book;
}

absl::StatusOr<std::string> PrincipalBook::Create(Principal principal) {
  if (absl::Status s = CheckName(principal.name, "name"); !s.ok()) return s;
  if (absl::Status s = CheckName(principal.created_by, "created_by"); !s.ok()) return s;
  if (absl::Status s = CheckScope(principal.role, principal.scope); !s.ok()) return s;
  unsigned char random[kTokenBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    return absl::UnavailableError("no randomness for a token");
  }
  const std::string token = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(random), sizeof random));
  const std::string token_hash = TokenHash(token);
  principal.created_at_ns = clock_->NowNanos();
  principal.revoked = false;
  principal.revoked_at_ns = 0;
  // One write of a name at a time; the synced write happens outside mu_, so authentication
  // (on gRPC's reactor threads) never waits for a disk.
  auto held = name_locks_.Lock(principal.name);
  {
    absl::MutexLock lock(&mu_);
    if (by_name_.contains(principal.name)) {
      return absl::AlreadyExistsError(absl::StrCat("principal '", principal.name, "' exists"));
    }
    if (by_name_.size() + creating_ >= kPrincipalsMax) {
      return absl::ResourceExhaustedError(absl::StrCat("at most ", kPrincipalsMax, " principals"));
    }
    ++creating_;
  }
  const absl::Status put = store_->Put(Key(principal.name), Encode(principal, token_hash));
  absl::MutexLock lock(&mu_);
  --creating_;
  if (!put.ok()) return put;
  token_hashes_[token_hash] = principal.name;
  hash_of_[principal.name] = token_hash;
  by_name_[principal.name] = std::move(principal);
  return token;
}

absl::StatusOr<Principal> PrincipalBook::Authenticate(const std::string& token) const {
  // Only well-formed tokens are hashed; the lookup is of the hash, so its timing says nothing
  // about the token.
  const auto unauthenticated = absl::UnauthenticatedError("unknown or revoked token");
  if (token.size() != 2 * kTokenBytes) return unauthenticated;
  const std::string hash = TokenHash(token);
  absl::MutexLock lock(&mu_);
  const auto it = token_hashes_.find(hash);
  if (it == token_hashes_.end()) return unauthenticated;
  return by_name_.at(it->second);
}

absl::Status PrincipalBook::Revoke(const std::string& name) {
  auto held = name_locks_.Lock(name);
  Principal revoked;
  std::string hash;
  {
    absl::MutexLock lock(&mu_);
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      return absl::NotFoundError(absl::StrCat("no principal ", Echo(name)));
    }
    if (it->second.revoked) return absl::OkStatus();
    revoked = it->second;
    revoked.revoked = true;
    revoked.revoked_at_ns = clock_->NowNanos();
    hash = hash_of_.at(name);
    // Out of memory first: from here on the token is refused, even if the write below fails.
    token_hashes_.erase(hash);
    it->second.revoked = true;
    it->second.revoked_at_ns = revoked.revoked_at_ns;
  }
  return store_->Put(Key(name), Encode(revoked, hash));
}

std::vector<Principal> PrincipalBook::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Principal> all;
  for (const auto& [name, principal] : by_name_) all.push_back(principal);
  std::sort(all.begin(), all.end(),
            [](const Principal& a, const Principal& b) { return a.name < b.name; });
  return all;
}

}  // namespace points::domain

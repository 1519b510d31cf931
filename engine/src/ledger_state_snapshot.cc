// LedgerState to and from a snapshot file. Every field is packed explicitly, little-endian, with
// no padding, so the bytes depend only on the state (engine/FORMAT.md, "Snapshot").
#include <cstring>

#include "absl/strings/str_cat.h"
#include "ledger_state.h"
#include "ledger_state_undo.h"
#include "points/check.h"
#include "points/limits.h"
#include "snapshot.h"

namespace points {
namespace {

constexpr size_t kAccountBytes = 16 + 4 * 8 + 16 + 8 + 4 + 4 + 2 + 2 + 8 + 2;  // + created_flags
constexpr size_t kIdEntryBytes = 16 + 8 + 1 + 1;
constexpr size_t kPendingBytes = 16 + 8 + 8 + 4 + 4 + 4 + 2;
constexpr size_t kBlockEntries = 1 << 15;  // entries packed per Put

class Packer {
 public:
  explicit Packer(uint8_t* out) : out_(out) {}
  template <typename T>
  void Pod(T value) {
    std::memcpy(out_ + size_, &value, sizeof(T));
    size_ += sizeof(T);
  }
  void Id128(Id value) {
    Pod(absl::Uint128Low64(value));
    Pod(absl::Uint128High64(value));
  }
  size_t size() const { return size_; }

 private:
  uint8_t* out_;
  size_t size_ = 0;
};

class Unpacker {
 public:
  explicit Unpacker(const uint8_t* in) : in_(in) {}
  template <typename T>
  T Pod() {
    T value;
    std::memcpy(&value, in_ + size_, sizeof(T));
    size_ += sizeof(T);
    return value;
  }
  Id Id128() {
    const uint64_t low = Pod<uint64_t>();
    return absl::MakeUint128(Pod<uint64_t>(), low);
  }

 private:
  const uint8_t* in_;
  size_t size_ = 0;
};

void PackAccount(const AccountState& state, uint8_t* out) {
  const Account& a = state.account;
  Packer p(out);
  p.Id128(a.id);
  p.Pod(a.debits_pending);
  p.Pod(a.debits_posted);
  p.Pod(a.credits_pending);
  p.Pod(a.credits_posted);
  p.Id128(a.user_data_128);
  p.Pod(a.user_data_64);
  p.Pod(a.user_data_32);
  p.Pod(a.ledger);
  p.Pod(a.code);
  p.Pod(a.flags);
  p.Pod(a.timestamp);
  p.Pod(state.created_flags);
  POINTS_CHECK(p.size() == kAccountBytes);
}

void UnpackAccount(const uint8_t* in, AccountState* state) {
  Account& a = state->account;
  Unpacker u(in);
  a.id = u.Id128();
  a.debits_pending = u.Pod<uint64_t>();
  a.debits_posted = u.Pod<uint64_t>();
  a.credits_pending = u.Pod<uint64_t>();
  a.credits_posted = u.Pod<uint64_t>();
  a.user_data_128 = u.Id128();
  a.user_data_64 = u.Pod<uint64_t>();
  a.user_data_32 = u.Pod<uint32_t>();
  a.ledger = u.Pod<uint32_t>();
  a.code = u.Pod<uint16_t>();
  a.flags = u.Pod<uint16_t>();
  a.timestamp = u.Pod<uint64_t>();
  state->created_flags = u.Pod<uint16_t>();
}

}  // namespace

void LedgerState::WriteSnapshot(SnapshotWriter& out) const {
  POINTS_CHECK(!has_uncommitted());
  POINTS_CHECK(undo_.size() == undo_front_);
  out.PutPod(last_timestamp_);
  out.PutPod(transfer_count_);
  out.PutPod(uint64_t{accounts_.size()});
  uint8_t account_bytes[kAccountBytes];
  for (const AccountState& state : accounts_) {
    PackAccount(state, account_bytes);
    out.Put(account_bytes, kAccountBytes);
    out.PutPod(uint64_t{state.transfer_timestamps.size()});
    out.Put(state.transfer_timestamps.data(), state.transfer_timestamps.size() * 8);
    const uint8_t has_history = state.balance_history != nullptr;
    out.PutPod(has_history);
    if (has_history) {
      const auto& history = *state.balance_history;
      out.PutPod(uint64_t{history.size()});
      for (const AccountBalance& b : history) {
        const uint64_t fields[5] = {b.timestamp, b.debits_pending, b.debits_posted,
                                    b.credits_pending, b.credits_posted};
        out.Put(fields, sizeof(fields));
      }
    }
  }
  std::vector<uint8_t> block(kBlockEntries * std::max(kIdEntryBytes, kPendingBytes));
  auto flush_block = [&](size_t bytes) { out.Put(block.data(), bytes); };
  out.PutPod(uint64_t{ids_.size()});
  size_t used = 0;
  for (const auto& [id, entry] : ids_) {
    Packer p(block.data() + used);
    p.Id128(id);
    p.Pod(entry.timestamp);
    p.Pod(entry.failed_result);
    p.Pod(static_cast<uint8_t>(entry.pending_state));
    used += kIdEntryBytes;
    if (used == kBlockEntries * kIdEntryBytes) flush_block(std::exchange(used, 0));
  }
  flush_block(std::exchange(used, 0));
  out.PutPod(uint64_t{pending_.size()});
  for (const auto& [id, info] : pending_) {
    Packer p(block.data() + used);
    p.Id128(id);
    p.Pod(info.amount);
    p.Pod(info.expires_at);
    p.Pod(info.debit_index);
    p.Pod(info.credit_index);
    p.Pod(info.ledger);
    p.Pod(info.code);
    used += kPendingBytes;
    if (used == kBlockEntries * kPendingBytes) flush_block(std::exchange(used, 0));
  }
  flush_block(used);
}

// The snapshot's id index section into ids_.
absl::Status LedgerState::ReadIdIndex(SnapshotReader& in, std::vector<uint8_t>& block) {
  uint64_t ids = 0;
  if (!in.GetPod(&ids) || ids > kTransfersMax) return absl::DataLossError("snapshot ids damaged");
  ids_.reserve(ids);
  // Each insert misses the cache at a random slot of a table of millions: the slots of the ids
  // a few entries ahead are fetched while this one goes in, so the misses overlap.
  constexpr uint64_t kPrefetchAhead = 16;
  std::vector<std::pair<Id, IdEntry>> unpacked(kBlockEntries);
  for (uint64_t done = 0; done < ids;) {
    const uint64_t n = std::min<uint64_t>(kBlockEntries, ids - done);
    if (!in.Get(block.data(), n * kIdEntryBytes)) return absl::DataLossError("snapshot truncated");
    for (uint64_t i = 0; i < n; ++i) {
      Unpacker u(block.data() + i * kIdEntryBytes);
      auto& [id, entry] = unpacked[i];
      id = u.Id128();
      entry.timestamp = u.Pod<uint64_t>();
      entry.failed_result = u.Pod<uint8_t>();
      entry.pending_state = static_cast<PendingState>(u.Pod<uint8_t>());
    }
    for (uint64_t i = 0; i < n; ++i) {
      if (i + kPrefetchAhead < n) ids_.prefetch(unpacked[i + kPrefetchAhead].first);
      if (!ids_.emplace(unpacked[i].first, unpacked[i].second).second) {
        return absl::DataLossError("snapshot id twice");
      }
    }
    done += n;
  }
  return absl::OkStatus();
}

absl::Status LedgerState::ReadSnapshot(SnapshotReader& in) {
  POINTS_CHECK(accounts_.empty());
  POINTS_CHECK(ids_.empty());
  uint64_t accounts = 0;
  in.GetPod(&last_timestamp_);
  in.GetPod(&transfer_count_);
  if (!in.GetPod(&accounts) || accounts > kAccountsMax) {
    return absl::DataLossError("snapshot header is damaged");
  }
  accounts_.resize(accounts);
  account_index_.Reserve(accounts);
  uint8_t account_bytes[kAccountBytes];
  for (uint64_t i = 0; i < accounts; ++i) {
    AccountState& state = accounts_[i];
    uint64_t count = 0;
    in.Get(account_bytes, kAccountBytes);
    UnpackAccount(account_bytes, &state);
    if (!in.GetPod(&count) || count > kTransfersMax) {
      return absl::DataLossError("snapshot account is damaged");
    }
    state.transfer_timestamps.resize(count);
    in.Get(state.transfer_timestamps.data(), count * 8);
    uint8_t has_history = 0;
    in.GetPod(&has_history);
    if (has_history) {
      if (!in.GetPod(&count) || count > 2 * kTransfersMax) {
        return absl::DataLossError("snapshot balance history is damaged");
      }
      state.balance_history = std::make_unique<std::vector<AccountBalance>>(count);
      for (AccountBalance& b : *state.balance_history) {
        uint64_t fields[5];
        in.Get(fields, sizeof(fields));
        b = {fields[0], fields[1], fields[2], fields[3], fields[4]};
      }
    }
    if (!account_index_.Insert(static_cast<uint32_t>(i))) {
      return absl::DataLossError("snapshot holds an account twice");
    }
  }
  std::vector<uint8_t> block(kBlockEntries * std::max(kIdEntryBytes, kPendingBytes));
  if (absl::Status s = ReadIdIndex(in, block); !s.ok()) return s;
  uint64_t pending = 0;
  if (!in.GetPod(&pending) || pending > kPendingTransfersMax) {
    return absl::DataLossError("snapshot pending transfers damaged");
  }
  for (uint64_t done = 0; done < pending;) {
    const uint64_t n = std::min<uint64_t>(kBlockEntries, pending - done);
    if (!in.Get(block.data(), n * kPendingBytes)) return absl::DataLossError("snapshot truncated");
    for (uint64_t i = 0; i < n; ++i) {
      Unpacker u(block.data() + i * kPendingBytes);
      const Id id = u.Id128();
      PendingInfo info;
      info.amount = u.Pod<uint64_t>();
      info.expires_at = u.Pod<uint64_t>();
      info.debit_index = u.Pod<uint32_t>();
      info.credit_index = u.Pod<uint32_t>();
      info.ledger = u.Pod<uint32_t>();
      info.code = u.Pod<uint16_t>();
      if (info.debit_index >= accounts || info.credit_index >= accounts) {
        return absl::DataLossError("snapshot pending transfer names no account");
      }
      pending_.emplace(id, info);
      if (info.expires_at != 0) expiry_.push(ExpiryEntry{info.expires_at, id});
    }
    done += n;
  }
  return absl::OkStatus();
}

}  // namespace points

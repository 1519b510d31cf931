// The in-memory ledger: accounts with balances, the id index, open pending transfers, the expiry
// queue and per-account history, plus the apply step that changes them. No IO happens here: the
// engine prefetches what apply needs, and writes out the records apply produces.
//
// Every change made while a group is open is recorded in an undo log, so that a failed linked
// chain, or a group whose write failed, can be rolled back exactly.
#ifndef POINTS_ENGINE_LEDGER_STATE_H_
#define POINTS_ENGINE_LEDGER_STATE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "huge_pages.h"
#include "points/check.h"
#include "points/results.h"
#include "points/types.h"
#include "records.h"

namespace points {

struct Balances {
  uint64_t debits_pending = 0;
  uint64_t debits_posted = 0;
  uint64_t credits_pending = 0;
  uint64_t credits_posted = 0;
  friend bool operator==(const Balances&, const Balances&) = default;
};

struct AccountState {
  Account account;                            // balances included
  uint16_t created_flags = 0;                 // as created: what an identical retry must match
  std::vector<uint64_t> transfer_timestamps;  // transfers touching the account, increasing
  std::unique_ptr<std::vector<AccountBalance>> balance_history;  // kAccountHistory only
};

// Every account, by position: a million of them is 144 MB, on huge pages (huge_pages.h).
using AccountArray = std::vector<AccountState, HugePageAllocator<AccountState>>;

// The account id -> position index over LedgerState's account array: a set of positions,
// hashed and compared by the id stored at each position. A slot is 4 bytes where a map from id
// to position took 32 (an absl::uint128 key is 16-aligned): 1M accounts' index went from about
// 69 MB to about 10. A lookup reads the account it names, which apply reads next anyway.
class AccountIndex {
 public:
  explicit AccountIndex(const AccountArray* accounts) : set_(0, Hash{accounts}, Eq{accounts}) {}

  // The position of `id`, or nullptr.
  const uint32_t* Find(Id id) const {
    auto it = set_.find(id);
    return it == set_.end() ? nullptr : &*it;
  }
  // Indexes the account at `position` (already in the array); false if its id is indexed.
  bool Insert(uint32_t position) { return set_.insert(position).second; }
  // Before the account leaves the array: the set compares by what the array holds.
  void Erase(Id id) { POINTS_CHECK(set_.erase(id) == 1); }
  void Prefetch(Id id) const { set_.prefetch(id); }
  void Reserve(size_t accounts) { set_.reserve(accounts); }

 private:
  struct Hash {
    using is_transparent = void;
    const AccountArray* accounts;
    size_t operator()(Id id) const { return absl::Hash<Id>()(id); }
    size_t operator()(uint32_t position) const { return (*this)((*accounts)[position].account.id); }
  };
  struct Eq {
    using is_transparent = void;
    const AccountArray* accounts;
    Id IdOf(uint32_t position) const { return (*accounts)[position].account.id; }
    Id IdOf(Id id) const { return id; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return IdOf(a) == IdOf(b);
    }
  };
  absl::flat_hash_set<uint32_t, Hash, Eq> set_;
};

enum class PendingState : uint8_t {
  kNotPending = 0,  // an ordinary (posted) transfer, or a post or void
  kOpen = 1,
  kPosted = 2,
  kVoided = 3,
  kExpired = 4,
};

// What the id index keeps per transfer id: enough to route a lookup to the journal and to
// answer pending-state questions without IO.
struct IdEntry {
  uint64_t timestamp = 0;
  uint8_t failed_result = 0;  // 0: the transfer succeeded; else its CreateTransferResult
  PendingState pending_state = PendingState::kNotPending;
  friend bool operator==(const IdEntry&, const IdEntry&) = default;
};

struct PendingInfo {
  uint64_t amount = 0;
  uint64_t expires_at = 0;  // 0: never
  uint32_t debit_index = 0;
  uint32_t credit_index = 0;
  uint32_t ledger = 0;
  uint16_t code = 0;
  friend bool operator==(const PendingInfo&, const PendingInfo&) = default;
};

class LedgerState {
 public:
  LedgerState();
  ~LedgerState();
  LedgerState(const LedgerState&) = delete;
  LedgerState& operator=(const LedgerState&) = delete;

  // ---- The writer's group lifecycle ----
  // Groups move through three states: open (being applied), in flight (applied, its records
  // handed to the journal but not yet durable) and committed. Several groups may be in flight;
  // they commit in order. Until a group commits, its undo log is kept.
  //
  // Opens a group: `now_ns` decides expiry, records get timestamps from `first_timestamp` on.
  void BeginGroup(uint64_t now_ns, uint64_t first_timestamp);
  // Closes the open group and returns its records, in timestamp order, for the journal.
  std::shared_ptr<const std::vector<Record>> EndGroup();
  // The oldest in-flight group is durable: forget its undo log.
  void CommitOldestGroup();
  // The journal failed: undo every in-flight group and the open one, newest first.
  void RollbackUncommitted();
  bool has_uncommitted() const { return !inflight_.empty() || journaling_; }
  // A record of an in-flight group (not yet readable from the journal), by timestamp.
  bool FindUncommittedRecord(uint64_t timestamp, Record* out) const;

  // ---- Prefetch ----
  // The committed journal timestamp of `id` when apply will need its original record.
  bool NeedsOriginal(Id id, uint64_t* timestamp) const;
  // NeedsOriginal for a whole batch: appends the timestamps to read.
  void CollectOriginalsNeeded(absl::Span<const Transfer> transfers,
                              std::vector<uint64_t>* timestamps) const;
  void AddPrefetched(const DecodedRecord& original);

  // ---- Apply (live) ----
  // Voids, with expiry records, every open pending transfer due at the group's now.
  uint64_t ExpireDue();
  // True when the expiry queue's earliest entry is due at `now_ns` (it may turn out stale).
  bool HasExpiryDue(uint64_t now_ns) const {
    return !expiry_.empty() && expiry_.top().expires_at <= now_ns;
  }
  void CreateAccounts(absl::Span<const Account> events, AccountEventResult* results);
  void CreateTransfers(absl::Span<const Transfer> events, TransferEventResult* results);
  void CloseAccounts(absl::Span<const Id> ids, CloseAccountResult* results);

  // ---- Replay (recovery and Verify) ----
  // Applies one journal record, trusting nothing: a record that does not apply is corruption.
  absl::Status Replay(const DecodedRecord& record);
  // Replay of one journal chunk, with the prefetching that makes recovery fast.
  absl::Status ReplayChunk(absl::Span<const Record> records);
  // After replay: the expiry queue holds only open pending transfers (replay leaves an entry for
  // every pending transfer it saw; resolved ones would linger until their timeout).
  void RebuildExpiryQueue();

  // ---- Reads ----
  const AccountState* FindAccount(Id id) const;
  const IdEntry* FindId(Id id) const;
  uint64_t last_timestamp() const { return last_timestamp_; }
  uint64_t account_count() const { return accounts_.size(); }
  uint64_t transfer_count() const { return transfer_count_; }
  uint64_t failed_id_count() const { return ids_.size() - transfer_count_; }
  uint64_t pending_open_count() const { return pending_.size(); }

  // ---- Snapshot (snapshot_state.cc) ----
  // Only between groups. ReadSnapshot fills a fresh LedgerState.
  void WriteSnapshot(class SnapshotWriter& out) const;
  absl::Status ReadSnapshot(class SnapshotReader& in);

  // Per-ledger sums, floors and pending totals, in O(accounts + open pending transfers).
  absl::Status CheckInvariants() const;
  // Equal derived state, or the first difference in words.
  absl::Status CompareWith(const LedgerState& other) const;

 private:
  // ReadSnapshot's id index section.
  absl::Status ReadIdIndex(class SnapshotReader& in, std::vector<uint8_t>& block);
  struct Undo;
  struct ExpiryEntry {
    uint64_t expires_at;
    Id pending_id;
    bool operator>(const ExpiryEntry& other) const { return expires_at > other.expires_at; }
  };

  CreateAccountResult CreateAccount(const Account& a, uint64_t timestamp);
  CreateTransferResult CreateTransfer(const Transfer& t, uint64_t timestamp, uint64_t* out_ts);
  // A new transfer in two steps: CheckNew finds the first rule it breaks and changes nothing
  // (validate); ApplyNew makes the change and cannot fail (apply).
  struct NewTransfer {
    uint32_t debit_index = 0;
    uint32_t credit_index = 0;
    bool pending = false;
    uint64_t expires_at = 0;  // a pending transfer's timeout; 0: none
    Balances debit_new, credit_new;
  };
  CreateTransferResult CreateNew(const Transfer& t, uint64_t timestamp);
  CreateTransferResult CheckNew(const Transfer& t, uint64_t timestamp, NewTransfer* out) const;
  void ApplyNew(const Transfer& t, uint64_t timestamp, const NewTransfer& n);
  CreateTransferResult Resolve(const Transfer& t, uint64_t timestamp);
  CloseAccountResult CloseAccount(Id id, uint64_t timestamp);
  CreateTransferResult CompareWithOriginal(const Transfer& t, const IdEntry& entry,
                                           uint64_t* out_ts) const;
  const DecodedRecord* Original(Id id, const IdEntry& entry) const;
  void RecordFailedId(const Transfer& t, CreateTransferResult result);
  void ReleasePending(Id pending_id, uint64_t timestamp, uint64_t post_amount, Undo* undo);
  void PushBalance(AccountState& state, uint64_t timestamp);
  void PopBalance(AccountState& state);
  void Append(const Record& record);
  // Apply and replay are bound by cache misses on the hash tables and the account array. Touching
  // them a few events ahead, in two stages (the index slots, then the accounts they name), lets
  // the misses of several events overlap.
  void PrefetchSlots(const Transfer& t) const;
  void PrefetchAccounts(const Transfer& t) const;
  size_t Mark() const;
  void RollbackTo(size_t mark);
  void UndoOne(const Undo& undo);

  template <typename Event, typename Result, typename Traits>
  void ApplyChained(absl::Span<const Event> events, Result* results);
  struct AccountTraits;
  struct TransferTraits;

  AccountArray accounts_;
  AccountIndex account_index_{&accounts_};
  // Millions of entries, one table: on huge pages (huge_pages.h).
  absl::flat_hash_map<Id, IdEntry, absl::Hash<Id>, std::equal_to<Id>,
                      HugePageAllocator<std::pair<const Id, IdEntry>>>
      ids_;
  absl::flat_hash_map<Id, PendingInfo> pending_;
  std::priority_queue<ExpiryEntry, std::vector<ExpiryEntry>, std::greater<ExpiryEntry>> expiry_;
  uint64_t transfer_count_ = 0;
  uint64_t last_timestamp_ = 0;

  struct InflightGroup {
    uint64_t first_timestamp;
    std::shared_ptr<const std::vector<Record>> records;
    size_t undo_count;
    uint64_t last_timestamp_before;
  };

  // The open group.
  bool journaling_ = false;  // false between groups and while replaying: no records, no undo
  uint64_t now_ns_ = 0;      // 0 while replaying: nothing expires by the clock
  uint64_t group_first_timestamp_ = 0;
  uint64_t last_timestamp_before_group_ = 0;
  size_t group_undo_begin_ = 0;  // undo_ position where the open group's entries start
  std::vector<Record> records_;
  absl::flat_hash_map<Id, DecodedRecord> prefetched_;
  // Undo entries of the in-flight groups (oldest first), then of the open group, from
  // undo_front_ on; entries before it belong to committed groups and are dropped in bulk (a
  // vector, not a deque: no allocation per few entries on the hot path).
  std::vector<Undo> undo_;
  size_t undo_front_ = 0;
  std::deque<InflightGroup> inflight_;
};

}  // namespace points

#endif  // POINTS_ENGINE_LEDGER_STATE_H_

// The ledger engine: an idempotent double-entry core on an append-only RocksDB journal.
//
// Writes go through one submit queue to one writer thread, which applies whole groups of
// batches in order (validate -> prefetch -> apply in memory -> append to the journal -> one sync)
// and then completes every submission of the group. A result is reported only after the journal
// records behind it are synced. Reads see committed state only. After a failed write or sync the
// engine is fail-stop: it refuses every further write with UNAVAILABLE and keeps serving reads.
//
// Errors cross this border as absl::Status values; no exception leaves the engine.
#ifndef POINTS_ENGINE_H_
#define POINTS_ENGINE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "points/results.h"
#include "points/types.h"

namespace points {

// Wall-clock source in nanoseconds since the Unix epoch. The engine never lets its timestamps go
// backwards or repeat, whatever the clock says.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t NowNanos() const = 0;
};

// The system's real-time clock.
Clock* SystemClock();

// A clock that moves only when told to: tests move time forward instead of waiting.
class ManualClock : public Clock {
 public:
  explicit ManualClock(uint64_t now_ns) : now_ns_(now_ns) {}
  uint64_t NowNanos() const override { return now_ns_.load(std::memory_order_acquire); }
  void Set(uint64_t now_ns) { now_ns_.store(now_ns, std::memory_order_release); }
  void Advance(uint64_t delta_ns) { now_ns_.fetch_add(delta_ns, std::memory_order_acq_rel); }

 private:
  std::atomic<uint64_t> now_ns_;
};

// One group commit, as Options::on_group_committed reports it.
struct GroupCommitted {
  uint64_t batches = 0;   // submissions in the group (requests, or internal expiry runs)
  uint64_t events = 0;    // their events
  uint64_t write_us = 0;  // hashing, writing and syncing the group's records: the sync latency
};

struct Options {
  Clock* clock = nullptr;  // nullptr: SystemClock()
  bool create_if_missing = true;
  // How often the idle writer checks for pending transfers whose timeout has passed.
  uint64_t expiry_poll_interval_ms = 100;
  // After this many new journal records the writer saves a snapshot of derived state, bounding
  // what a crash leaves to replay (0: only at a clean close). Saving stalls writes for about as
  // long as a reopen takes to read it (engine_bench --reopen measures both).
  uint64_t snapshot_interval_records = 16u << 20;
  // Called on the completion thread after each group commits (its submissions' callbacks have
  // run), including groups that only voided expired pending transfers. A read started after the
  // call sees the group. Keep it short: it delays every later completion. May be empty.
  std::function<void()> on_commit;
  // Called on the sync thread right after each group's journal write succeeded, before its
  // completions; for metrics. Must not block or call the engine. May be empty.
  std::function<void(const GroupCommitted&)> on_group_committed;
  // Free space the disk holding the store must keep: a group that would be written with less
  // free is not written, and the engine turns read-only (UNAVAILABLE, like a failed write; reads
  // go on) before the journal's writes could meet a full disk. 0: no check. Checked once per
  // group (one statvfs), on the sync thread.
  uint64_t disk_reserve_bytes = 0;
};

// An account-history query: records with timestamp_min <= timestamp <= timestamp_max (0 for
// timestamp_max means no upper bound), oldest first unless reversed, at most `limit`.
struct HistoryFilter {
  Id account_id = 0;
  uint64_t timestamp_min = 0;
  uint64_t timestamp_max = 0;
  uint32_t limit = 0;  // 1..kHistoryPageMax
  bool reversed = false;
};

struct EngineStats {
  uint64_t accounts = 0;
  uint64_t transfers = 0;     // successful transfers in the journal
  uint64_t failed_ids = 0;    // ids recorded as failed
  uint64_t pending_open = 0;  // pending transfers not yet resolved
  uint64_t last_timestamp = 0;
  uint64_t journal_records = 0;
  uint64_t journal_bytes = 0;     // bytes of records and hashes appended since open
  uint64_t groups_committed = 0;  // syncs since open
  uint64_t events_committed = 0;  // events in those groups, for the mean group size
  uint64_t apply_us_total = 0;    // writer time in prefetch and apply, since open
  uint64_t write_us_total = 0;    // writer time hashing, writing and syncing, since open
  uint64_t queue_depth = 0;
  uint64_t recovery_ms = 0;              // time Open spent rebuilding state from the journal
  bool recovered_from_snapshot = false;  // Open loaded a snapshot and replayed only the tail
  uint64_t snapshot_records = 0;         // journal records the latest snapshot covers
  // Open's phases: the journal's RocksDB opened (its WAL replayed into memtables), the snapshot
  // read, the journal's tail (or the whole journal) replayed, the invariants checked and the
  // expiry queue rebuilt. recovery_ms is the last three.
  uint64_t open_journal_ms = 0;
  uint64_t recovery_snapshot_ms = 0;
  uint64_t recovery_replay_ms = 0;
  uint64_t recovery_check_ms = 0;
  // The journal's RocksDB, from its properties (rocksdb.*): what compaction and memory do.
  uint64_t store_sst_bytes = 0;                 // total-sst-files-size
  uint64_t store_memtable_bytes = 0;            // cur-size-all-mem-tables
  uint64_t store_pending_compaction_bytes = 0;  // estimate-pending-compaction-bytes
  uint64_t store_running_compactions = 0;       // num-running-compactions
  uint64_t store_background_errors = 0;         // background-errors
  uint64_t store_block_cache_bytes = 0;         // block-cache-usage
  bool store_write_stopped = false;             // is-write-stopped: compaction fell behind
};

struct VerifyReport {
  uint64_t chunks = 0;
  uint64_t records = 0;
  uint64_t accounts = 0;
  uint64_t transfers = 0;
  std::string chain_head_hex;  // SHA-256 chain hash after the last chunk
};

// One journal chunk's RFC 6962 leaf hashes (engine/FORMAT.md, "Hashes"), for a Merkle tree over
// the journal kept outside the engine (server/receipts/): record i of the chunk has timestamp
// first_timestamp + i, and the journal's records in order are the tree's leaves in order.
struct LeafChunk {
  uint64_t first_timestamp = 0;
  std::vector<std::array<uint8_t, 32>> leaves;
};

// Called by Verify after each chunk with the journal records checked so far and in all.
using VerifyProgress = std::function<void(uint64_t records_done, uint64_t records_total)>;

class Engine {
 public:
  using AccountsDone = absl::AnyInvocable<void(absl::StatusOr<std::vector<AccountEventResult>>)>;
  using TransfersDone = absl::AnyInvocable<void(absl::StatusOr<std::vector<TransferEventResult>>)>;
  using CloseDone = absl::AnyInvocable<void(absl::StatusOr<std::vector<CloseAccountResult>>)>;

  // Opens (or creates) the store in `dir` and rebuilds derived state from the journal.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const Options& options,
                                                      const std::string& dir);
  // Opens the store in `dir` to read it and change nothing, as `pointsd verify` does a backup:
  // RocksDB's read-only open underneath, so nothing in `dir` is created, changed or removed (no
  // LOCK, no info LOG, no WAL turned into table files). A crash's unflushed journal tail is
  // replayed into memory only. No writer runs: every write, ExpirePendingTransfers included, is
  // refused with FAILED_PRECONDITION "... opened read-only ..." (WriteHealth says the same),
  // pending transfers never expire, and the close writes no snapshot. Reads, Verify and
  // Checkpoint (a copy of the store as it is) work as after Open. Of the options only `clock`
  // and `env` count.
  //
  // FAILED_PRECONDITION while another process has the store open for writing (RocksDB's LOCK is
  // held): RocksDB leaves a read-only open beside a writer undefined. Do not open read-only a
  // store this process has open with Open: asking about the lock releases the process's own
  // (POSIX record locks belong to the process, and any close of the file drops them).
  static absl::StatusOr<std::unique_ptr<Engine>> OpenReadOnly(const Options& options,
                                                              const std::string& dir);
  // Finishes every queued submission, then closes the store.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Asynchronous writes. `done` runs exactly once: on the engine's completion thread after the
  // sync (keep it short, and call only Submit* from it: the blocking forms are refused there with
  // FAILED_PRECONDITION), or on the caller's thread when the submission is refused at once.
  // Per-event outcomes are in the vector. A non-OK status acknowledges nothing: INVALID_ARGUMENT
  // and RESOURCE_EXHAUSTED mean nothing was applied; UNAVAILABLE after a failed journal write
  // means the outcome is unknown until a restart shows it (resend the same ids then).
  void SubmitCreateAccounts(std::vector<Account> accounts, AccountsDone done);
  void SubmitCreateTransfers(std::vector<Transfer> transfers, TransfersDone done);
  void SubmitCloseAccounts(std::vector<Id> ids, CloseDone done);

  // Blocking forms of the above.
  absl::StatusOr<std::vector<AccountEventResult>> CreateAccounts(std::vector<Account> accounts);
  absl::StatusOr<std::vector<TransferEventResult>> CreateTransfers(std::vector<Transfer> transfers);
  absl::StatusOr<std::vector<CloseAccountResult>> CloseAccounts(std::vector<Id> ids);

  // Voids, as journaled events, every pending transfer whose timeout has passed by the clock.
  // The writer also does this by itself between groups; this form waits for the sync. Returns how
  // many this call voided (not those the writer had already voided on its own).
  absl::StatusOr<uint64_t> ExpirePendingTransfers();

  // Reads of committed state. Lookups return the found records in the order asked, skipping ids
  // that do not exist (a failed transfer's id is not a transfer).
  absl::StatusOr<std::vector<Account>> LookupAccounts(absl::Span<const Id> ids) const;
  absl::StatusOr<std::vector<Transfer>> LookupTransfers(absl::Span<const Id> ids) const;
  // Transfers that debit or credit the account, by timestamp.
  absl::StatusOr<std::vector<Transfer>> GetAccountTransfers(const HistoryFilter& filter) const;
  // Balances after each change, for accounts created with kAccountHistory.
  absl::StatusOr<std::vector<AccountBalance>> GetAccountBalances(const HistoryFilter& filter) const;
  // Balance changes of 1..kWatchAccountsMax distinct accounts, each created with kAccountHistory,
  // merged oldest first: those with timestamp > after_timestamp, at most `limit`
  // (1..kHistoryPageMax; one more when the last transfer moved between two watched accounts,
  // whose two changes share a timestamp and are never split). One consistent read, so asking
  // again after the last timestamp returned misses nothing and repeats nothing. NOT_FOUND /
  // FAILED_PRECONDITION name the account.
  absl::StatusOr<std::vector<BalanceChange>> GetBalanceChanges(absl::Span<const Id> account_ids,
                                                               uint64_t after_timestamp,
                                                               uint32_t limit) const;

  // Walks the whole journal: recomputes every leaf hash and the hash chain, replays every record
  // into fresh state and compares it with the live derived state. Writes wait while it runs, and
  // so do reads that arrive behind a waiting write: an operator's tool, not a health probe.
  absl::Status Verify(VerifyReport* report = nullptr, const VerifyProgress& progress = {}) const;

  // The leaf hashes of up to `max_chunks` journal chunks after the one that starts at
  // `after_first_timestamp` (0: from the first chunk), in journal order, appended to `out`. Only
  // what is synced is read, and the writer is not waited for: a reader of the journal's leaves
  // off the write path. DATA_LOSS when a chain entry is malformed.
  absl::Status ReadLeafChunks(uint64_t after_first_timestamp, size_t max_chunks,
                              std::vector<LeafChunk>* out) const;
  // The journal's 128-byte records (engine/FORMAT.md) at these timestamps, each of a committed
  // account or transfer (as LookupTransfers returns them), in the order asked: the entries
  // behind the leaf hashes.
  absl::StatusOr<std::vector<std::string>> ReadJournalRecords(
      absl::Span<const uint64_t> timestamps) const;

  // A consistent copy of the store in `dir` (which must not exist; its parent must), taken
  // while writes go on: every group committed before the call is in it, and no group is in it
  // in part. Engine::Open on the copy replays its journal (the in-memory snapshot file is not
  // copied). Files are hard-linked where the filesystem allows, so a copy on the same disk is
  // cheap; copy it elsewhere to make it a backup.
  absl::Status Checkpoint(const std::string& dir) const;

  // OK while writable; the sticky write failure after fail-stop.
  absl::Status WriteHealth() const;
  EngineStats Stats() const;

  class Impl;

 private:
  // The opens on a RocksDB Env of the caller's, for the fault-injection tests
  // (src/engine_opener.h): this header names no RocksDB type.
  friend struct EngineOpener;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace points

#endif  // POINTS_ENGINE_H_

// Engine::Impl: the write pipeline (submit queue -> writer -> syncer -> completer), recovery and
// snapshots. The public methods and reads are in engine.cc, the pipeline in engine_impl.cc.
//
// The pipeline, for one group of submissions:
//   writer:    opens a group, applies submissions into it as they arrive (in memory, no IO but
//              the prefetch of originals), and hands it to the syncer as soon as the syncer is
//              idle — so a group keeps filling while the previous one syncs;
//   syncer:    appends the group's records to the journal with one synced write, then commits
//              the group in memory (forgets its undo log), or on failure rolls back every
//              uncommitted group and fail-stops;
//   completer: runs the submissions' callbacks, off the syncer's path.
// Reads run against the in-memory state and then wait until every group they may have seen is
// committed (ReadCommitted): nobody observes anything that is not durable.
#ifndef POINTS_ENGINE_ENGINE_IMPL_H_
#define POINTS_ENGINE_ENGINE_IMPL_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "journal.h"
#include "ledger_state.h"
#include "points/engine.h"

namespace points {

// One caller's batch on its way through the pipeline, with the callback that completes it.
struct Submission {
  enum Kind { kAccounts, kTransfers, kClose, kExpire };
  Kind kind = kTransfers;
  std::vector<Account> accounts;
  std::vector<Transfer> transfers;
  std::vector<Id> ids;
  std::vector<AccountEventResult> account_results;
  std::vector<TransferEventResult> transfer_results;
  std::vector<CloseAccountResult> close_results;
  uint64_t expired = 0;
  Engine::AccountsDone accounts_done;
  Engine::TransfersDone transfers_done;
  Engine::CloseDone close_done;
  absl::AnyInvocable<void(absl::StatusOr<uint64_t>)> expire_done;

  size_t events() const { return accounts.size() + transfers.size() + ids.size(); }
  void Complete(const absl::Status& status);
};

// A group: opened and filled by the writer, written and committed by the syncer.
struct Group {
  uint64_t seq = 0;  // 1, 2, ... in apply order, which is also commit order
  size_t events = 0;
  uint64_t expired = 0;  // pending transfers voided when the group opened
  std::vector<Submission> submissions;
  std::shared_ptr<const std::vector<Record>> records;
};

class Engine::Impl {
 public:
  Impl(const Options& options, const std::string& dir, std::unique_ptr<Journal> journal);
  ~Impl();

  absl::Status Recover();
  // OK when the disk keeps Options::disk_reserve_bytes free (or there is no reserve).
  absl::Status CheckDiskReserve() const;
  void Start();
  // For a read-only open, instead of Start: every submission is refused with `status`, which
  // WriteHealth reports, and the close writes no snapshot.
  void RefuseWrites(const absl::Status& status);
  void Submit(Submission submission);

  // Runs `read` under the shared state lock, then waits until every group it may have seen is
  // committed. If such a group failed instead, the state was rolled back, so it reads again.
  template <typename Read>
  auto ReadCommitted(Read read) const -> decltype(read()) {
    for (;;) {
      uint64_t seen;
      auto result = [&] {
        absl::ReaderMutexLock lock(&state_mu_);
        seen = applied_seq_;
        return read();
      }();
      absl::MutexLock lock(&mu_);
      auto settled = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return committed_seq_ >= seen || failed_;
      };
      mu_.Await(absl::Condition(&settled));
      if (committed_seq_ >= seen) return result;
    }
  }

  // Transfers at these timestamps: from the journal, or from memory for uncommitted groups.
  absl::StatusOr<std::vector<Transfer>> ReadTransfers(const std::vector<uint64_t>& timestamps) const
      ABSL_SHARED_LOCKS_REQUIRED(state_mu_);

  // Holds the writer off between groups until Resume, once everything applied is committed.
  void PauseAndDrain();
  void Resume();
  // Blocking calls from a completion callback would wait for that very thread: refused.
  bool OnCompleterThread() const;

  EngineStats Stats() const;

  // Everything below is the pipeline's; engine.cc reads state_ and journal_ under state_mu_.
  const Options options_;
  Clock* const clock_;
  const std::string snapshot_path_;
  const std::string dir_;
  std::unique_ptr<Journal> journal_;

  mutable absl::Mutex state_mu_;  // taken before mu_ when both are needed, never after
  std::unique_ptr<LedgerState> state_ ABSL_GUARDED_BY(state_mu_);
  absl::Status write_failure_ ABSL_GUARDED_BY(state_mu_);
  uint64_t applied_seq_ ABSL_GUARDED_BY(state_mu_) = 0;  // the open group's seq, while open
  uint64_t snapshot_records_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t groups_committed_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t events_committed_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t apply_us_total_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t write_us_total_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t recovery_ms_ = 0;
  uint64_t open_journal_ms = 0;        // set by the opener: Journal::Open, before Recover
  uint64_t recovery_snapshot_ms_ = 0;  // of recovery_ms_: reading the snapshot
  uint64_t recovery_replay_ms_ = 0;    // replaying its tail, or the whole journal
  uint64_t recovery_check_ms_ = 0;     // invariants and the expiry queue
  bool recovered_from_snapshot_ = false;

 private:
  void WriterLoop();
  void SyncerLoop();
  void CompleterLoop();
  // Applies `taken` into the open group, opening it when there is none. When the engine has
  // failed, fails `taken` and the open group instead.
  void ApplyIntoGroup(Group& open, std::vector<Submission> taken);
  void HandOver(Group& open);
  void FailGroup(Group& group, const absl::Status& status);
  absl::Status Prefetch(const std::vector<Submission>& taken)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  bool ExpiryDue() const;
  void MaybeWriteSnapshot(const Group& open);
  absl::Status RecoverFromSnapshot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  absl::Status WriteSnapshot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Hands callbacks to the completer; `committed` groups also call options_.on_commit there.
  void Complete(std::vector<Submission> submissions, const absl::Status& status,
                bool committed = false);

  // The coordination lock: submit queue, hand-over to the syncer, commit progress.
  mutable absl::Mutex mu_;
  std::deque<Submission> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<Group> sync_queue_ ABSL_GUARDED_BY(mu_);
  bool syncing_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_done_ ABSL_GUARDED_BY(mu_) = false;
  int pauses_ ABSL_GUARDED_BY(mu_) = 0;
  bool writer_has_open_group_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t committed_seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);  // the syncer's failure, for Submit

  absl::Mutex completion_mu_;
  struct Completion {
    std::vector<Submission> submissions;
    absl::Status status;
    bool notify_commit = false;
  };
  std::deque<Completion> completions_ ABSL_GUARDED_BY(completion_mu_);
  bool completer_stopping_ ABSL_GUARDED_BY(completion_mu_) = false;

  std::thread writer_;
  std::thread syncer_;
  std::thread completer_;
  std::atomic<std::thread::id> completer_thread_id_;
};

}  // namespace points

#endif  // POINTS_ENGINE_ENGINE_IMPL_H_

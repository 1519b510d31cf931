// The write pipeline, recovery and snapshots (engine_impl.h explains the pipeline).
#include "engine_impl.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "points/check.h"
#include "points/limits.h"
#include "snapshot.h"

namespace points {
namespace {

using SteadyClock = std::chrono::steady_clock;

uint64_t MicrosSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start).count();
}

void LogError(const absl::Status& status) {
  std::fprintf(stderr, "points engine: %s\n", std::string(status.message()).c_str());
}

}  // namespace

void Submission::Complete(const absl::Status& status) {
  switch (kind) {
    case kAccounts:
      if (status.ok()) return accounts_done(std::move(account_results));
      return accounts_done(status);
    case kTransfers:
      if (status.ok()) return transfers_done(std::move(transfer_results));
      return transfers_done(status);
    case kClose:
      if (status.ok()) return close_done(std::move(close_results));
      return close_done(status);
    case kExpire:
      if (status.ok()) return expire_done(expired);
      return expire_done(status);
  }
}

Engine::Impl::Impl(const Options& options, const std::string& dir, std::unique_ptr<Journal> journal)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : SystemClock()),
      snapshot_path_(dir + "/" + kSnapshotFileName),
      dir_(dir),
      journal_(std::move(journal)),
      state_(std::make_unique<LedgerState>()) {}

absl::Status Engine::Impl::CheckDiskReserve() const {
  if (options_.disk_reserve_bytes == 0) return absl::OkStatus();
  std::error_code error;
  const std::filesystem::space_info space = std::filesystem::space(dir_, error);
  if (error || space.available >= options_.disk_reserve_bytes) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("the disk holding ", dir_, " has ", space.available >> 20,
                   " MiB free, less than the reserve of ", options_.disk_reserve_bytes >> 20,
                   " MiB: free space, then restart"));
}

Engine::Impl::~Impl() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();  // drains the queue, then tells the syncer
  if (syncer_.joinable()) syncer_.join();
  {
    absl::MutexLock lock(&completion_mu_);
    completer_stopping_ = true;
  }
  if (completer_.joinable()) completer_.join();
  // A clean close leaves a snapshot, so that the next open need not replay the journal (not
  // after a fail-stop, nor from a read-only open).
  absl::WriterMutexLock lock(&state_mu_);
  if (write_failure_.ok() && !state_->has_uncommitted() &&
      journal_->record_count() != snapshot_records_) {
    if (absl::Status status = WriteSnapshot(); !status.ok()) LogError(status);
  }
}

void Engine::Impl::Start() {
  completer_ = std::thread([this] { CompleterLoop(); });
  syncer_ = std::thread([this] { SyncerLoop(); });
  writer_ = std::thread([this] { WriterLoop(); });
}

void Engine::Impl::RefuseWrites(const absl::Status& status) {
  {
    absl::WriterMutexLock lock(&state_mu_);
    write_failure_ = status;
  }
  absl::MutexLock lock(&mu_);
  failure_ = status;
}

void Engine::Impl::Submit(Submission submission) {
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) {
      refused = failure_;
    } else if (stopping_) {
      refused = absl::UnavailableError("engine is shutting down");
    } else if (queue_.size() >= kSubmitQueueDepthMax) {
      refused = absl::ResourceExhaustedError(absl::StrCat(
          "submit queue is full (", kSubmitQueueDepthMax, " batches waiting); retry later"));
    } else {
      queue_.push_back(std::move(submission));
      return;
    }
  }
  submission.Complete(refused);
}

// ---- Recovery and snapshots ----

absl::Status Engine::Impl::Recover() {
  const auto start = SteadyClock::now();
  absl::WriterMutexLock lock(&state_mu_);
  absl::Status status = RecoverFromSnapshot();
  if (!status.ok()) {
    // No snapshot, or one that does not fit this journal: replay the journal from its start.
    recovered_from_snapshot_ = false;
    snapshot_records_ = 0;
    state_ = std::make_unique<LedgerState>();
    const auto replay = SteadyClock::now();
    status = journal_->Scan([this](absl::Span<const Record> chunk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                                state_mu_) { return state_->ReplayChunk(chunk); });
    recovery_replay_ms_ = MicrosSince(replay) / 1000;
  }
  const auto check = SteadyClock::now();
  if (status.ok()) status = state_->CheckInvariants();
  state_->RebuildExpiryQueue();
  recovery_check_ms_ = MicrosSince(check) / 1000;
  recovery_ms_ = MicrosSince(start) / 1000;
  return status;
}

absl::Status Engine::Impl::RecoverFromSnapshot() {
  SnapshotReader in(snapshot_path_);
  if (!in.exists()) return absl::NotFoundError("no snapshot");
  char magic[sizeof(kSnapshotMagic)];
  JournalPosition position;
  uint64_t chunks = 0;
  in.Get(magic, sizeof(magic));
  in.GetPod(&position.record_count);
  in.Get(position.chain_head.data(), position.chain_head.size());
  if (std::memcmp(magic, kSnapshotMagic, sizeof(magic)) != 0 || !in.GetPod(&chunks) ||
      chunks > position.record_count) {
    return absl::DataLossError("not a snapshot of this format");
  }
  position.chunk_first_timestamps.resize(chunks);
  in.Get(position.chunk_first_timestamps.data(), chunks * sizeof(uint64_t));
  const auto read = SteadyClock::now();
  if (absl::Status status = state_->ReadSnapshot(in); !status.ok()) return status;
  if (absl::Status status = in.Finish(); !status.ok()) return status;
  recovery_snapshot_ms_ = MicrosSince(read) / 1000;
  snapshot_records_ = position.record_count;
  recovered_from_snapshot_ = true;
  const auto replay = SteadyClock::now();
  absl::Status replayed = journal_->ResumeFrom(
      position, [this](absl::Span<const Record> chunk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
        return state_->ReplayChunk(chunk);
      });
  recovery_replay_ms_ = MicrosSince(replay) / 1000;
  return replayed;
}

absl::Status Engine::Impl::WriteSnapshot() {
  POINTS_CHECK(!state_->has_uncommitted());
  SnapshotWriter out(snapshot_path_);
  const JournalPosition position = journal_->Position();
  out.Put(kSnapshotMagic, sizeof(kSnapshotMagic));
  out.PutPod(position.record_count);
  out.Put(position.chain_head.data(), position.chain_head.size());
  out.PutPod(uint64_t{position.chunk_first_timestamps.size()});
  out.Put(position.chunk_first_timestamps.data(),
          position.chunk_first_timestamps.size() * sizeof(uint64_t));
  state_->WriteSnapshot(out);
  absl::Status status = out.Finish();
  if (status.ok()) snapshot_records_ = position.record_count;
  return status;
}

// Between groups: once enough records have accumulated, let the pipeline drain and save a
// snapshot, bounding the journal tail a crash leaves to replay. A failure here loses nothing:
// the journal is the truth and the previous snapshot stays valid.
void Engine::Impl::MaybeWriteSnapshot(const Group& open) {
  if (options_.snapshot_interval_records == 0 || open.seq != 0) return;
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!write_failure_.ok() ||
        journal_->record_count() - snapshot_records_ < options_.snapshot_interval_records) {
      return;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !syncing_ && sync_queue_.empty();
    };
    mu_.Await(absl::Condition(&drained));
  }
  absl::WriterMutexLock lock(&state_mu_);
  if (!write_failure_.ok() || state_->has_uncommitted()) return;
  if (absl::Status status = WriteSnapshot(); !status.ok()) LogError(status);
}

// ---- The writer ----

void Engine::Impl::WriterLoop() {
  Group open;  // seq 0: no group is open
  for (;;) {
    MaybeWriteSnapshot(open);
    const bool expiry_due = open.seq == 0 && ExpiryDue();
    std::vector<Submission> taken;
    bool open_expiry_group = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        const bool may_take = open.seq != 0 || pauses_ == 0;
        const bool room = open.events < kGroupEventsMax;
        const bool syncer_idle = !syncing_ && sync_queue_.empty();
        return (may_take && room && !queue_.empty()) || (open.seq != 0 && syncer_idle) ||
               (open.seq == 0 && (stopping_ || (expiry_due && pauses_ == 0)));
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready),
                           absl::Milliseconds(options_.expiry_poll_interval_ms));
      if (stopping_ && queue_.empty() && open.seq == 0) break;
      if (open.seq != 0 || pauses_ == 0) {
        size_t events = open.events;
        while (!queue_.empty() && (events + queue_.front().events() <= kGroupEventsMax ||
                                   (events == 0 && taken.empty()))) {
          events += queue_.front().events();
          taken.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      open_expiry_group = open.seq == 0 && taken.empty() && expiry_due && pauses_ == 0;
      // PauseAndDrain waits for no open group: claim one under the same lock that checked
      // pauses_, before opening it.
      if (open.seq == 0 && (!taken.empty() || open_expiry_group)) writer_has_open_group_ = true;
    }
    if (!taken.empty() || open_expiry_group) ApplyIntoGroup(open, std::move(taken));
    if (open.seq != 0) HandOver(open);
  }
  absl::MutexLock lock(&mu_);
  writer_done_ = true;
}

bool Engine::Impl::ExpiryDue() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return write_failure_.ok() && state_->HasExpiryDue(clock_->NowNanos());
}

void Engine::Impl::ApplyIntoGroup(Group& open, std::vector<Submission> taken) {
  const auto started = SteadyClock::now();
  absl::WriterMutexLock lock(&state_mu_);
  if (!write_failure_.ok()) {
    // The syncer failed and rolled back everything uncommitted, the open group included.
    Complete(std::move(taken), write_failure_);
    FailGroup(open, write_failure_);
    return;
  }
  if (absl::Status status = Prefetch(taken); !status.ok()) {
    // A read error: these submissions fail, nothing was applied, the engine goes on.
    Complete(std::move(taken), status);
    if (open.seq == 0) {
      absl::MutexLock mu_lock(&mu_);
      writer_has_open_group_ = false;
    }
    return;
  }
  if (open.seq == 0) {
    const uint64_t now = clock_->NowNanos();
    state_->BeginGroup(now, std::max(state_->last_timestamp() + 1, now));
    open.expired = state_->ExpireDue();
    open.seq = ++applied_seq_;
  }
  for (Submission& s : taken) {
    open.events += s.events();
    switch (s.kind) {
      case Submission::kAccounts:
        s.account_results.resize(s.accounts.size());
        state_->CreateAccounts(s.accounts, s.account_results.data());
        break;
      case Submission::kTransfers:
        s.transfer_results.resize(s.transfers.size());
        state_->CreateTransfers(s.transfers, s.transfer_results.data());
        break;
      case Submission::kClose:
        s.close_results.resize(s.ids.size());
        state_->CloseAccounts(s.ids, s.close_results.data());
        break;
      case Submission::kExpire:
        s.expired = open.expired;
        break;
    }
    open.submissions.push_back(std::move(s));
  }
  apply_us_total_ += MicrosSince(started);
}

// Hands the open group to the syncer if the syncer is idle; otherwise the group keeps filling.
void Engine::Impl::HandOver(Group& open) {
  {
    absl::MutexLock lock(&mu_);
    if (syncing_ || !sync_queue_.empty()) return;
  }
  {
    absl::WriterMutexLock lock(&state_mu_);
    if (!write_failure_.ok()) return FailGroup(open, write_failure_);
    open.records = state_->EndGroup();
  }
  absl::MutexLock lock(&mu_);
  sync_queue_.push_back(std::move(open));
  open = Group();
  writer_has_open_group_ = false;
}

void Engine::Impl::FailGroup(Group& group, const absl::Status& status) {
  Complete(std::move(group.submissions), status);
  group = Group();
  absl::MutexLock lock(&mu_);
  writer_has_open_group_ = false;
}

// Reads the original journal record of every transfer id about to be applied that is already
// committed, so that apply can compare fields without IO.
absl::Status Engine::Impl::Prefetch(const std::vector<Submission>& taken) {
  std::vector<uint64_t> timestamps;
  for (const Submission& s : taken) state_->CollectOriginalsNeeded(s.transfers, &timestamps);
  if (timestamps.empty()) return absl::OkStatus();
  std::sort(timestamps.begin(), timestamps.end());
  timestamps.erase(std::unique(timestamps.begin(), timestamps.end()), timestamps.end());
  std::vector<Record> records;
  if (absl::Status status = journal_->ReadRecords(timestamps, &records); !status.ok()) {
    return status;
  }
  for (const Record& record : records) {
    DecodedRecord decoded;
    if (!DecodeRecord(record, &decoded)) return absl::DataLossError("undecodable record");
    state_->AddPrefetched(decoded);
  }
  return absl::OkStatus();
}

// ---- The syncer ----

void Engine::Impl::SyncerLoop() {
  uint64_t committed_seq = 0;
  for (;;) {
    Group group;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !sync_queue_.empty() || writer_done_;
      };
      mu_.Await(absl::Condition(&ready));
      if (sync_queue_.empty()) return;
      group = std::move(sync_queue_.front());
      sync_queue_.pop_front();
      syncing_ = true;
    }
    bool healthy;
    {
      absl::ReaderMutexLock lock(&state_mu_);
      healthy = write_failure_.ok();
    }
    const auto started = SteadyClock::now();
    absl::Status status = healthy ? CheckDiskReserve() : absl::OkStatus();
    if (healthy && status.ok()) status = journal_->Append(*group.records);
    const uint64_t write_us = MicrosSince(started);
    {
      absl::WriterMutexLock lock(&state_mu_);
      write_us_total_ += write_us;
      if (!write_failure_.ok()) {
        status = write_failure_;  // rolled back with an earlier group's failure
      } else if (!status.ok()) {
        state_->RollbackUncommitted();
        applied_seq_ = committed_seq;
        write_failure_ = absl::UnavailableError(absl::StrCat(
            "the journal write failed, so the engine refuses writes until it is restarted "
            "(reads go on; the failed batches' outcome is unknown until then): ",
            status.message()));
        status = write_failure_;
      } else {
        state_->CommitOldestGroup();
        committed_seq = group.seq;
        ++groups_committed_;
        events_committed_ += group.events;
      }
    }
    if (status.ok() && options_.on_group_committed) {
      options_.on_group_committed({group.submissions.size(), group.events, write_us});
    }
    {
      absl::MutexLock lock(&mu_);
      syncing_ = false;
      if (status.ok()) {
        committed_seq_ = group.seq;
      } else {
        failed_ = true;
        failure_ = status;
      }
    }
    Complete(std::move(group.submissions), status, /*committed=*/status.ok());
  }
}

// ---- Completions ----

void Engine::Impl::Complete(std::vector<Submission> submissions, const absl::Status& status,
                            bool committed) {
  const bool notify = committed && options_.on_commit;
  if (submissions.empty() && !notify) return;
  absl::MutexLock lock(&completion_mu_);
  completions_.push_back(Completion{std::move(submissions), status, notify});
}

// Runs the callbacks, so that waking many callers delays neither the writer nor the syncer.
void Engine::Impl::CompleterLoop() {
  completer_thread_id_ = std::this_thread::get_id();
  for (;;) {
    Completion done;
    {
      absl::MutexLock lock(&completion_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(completion_mu_) {
        return !completions_.empty() || completer_stopping_;
      };
      completion_mu_.Await(absl::Condition(&ready));
      if (completions_.empty()) return;
      done = std::move(completions_.front());
      completions_.pop_front();
    }
    for (Submission& submission : done.submissions) submission.Complete(done.status);
    if (done.notify_commit) options_.on_commit();
  }
}

// ---- Reads, pauses, stats ----

absl::StatusOr<std::vector<Transfer>> Engine::Impl::ReadTransfers(
    const std::vector<uint64_t>& timestamps) const {
  std::vector<Record> records(timestamps.size());
  std::vector<uint64_t> from_journal;
  std::vector<size_t> positions;
  for (size_t i = 0; i < timestamps.size(); ++i) {
    if (!state_->FindUncommittedRecord(timestamps[i], &records[i])) {
      from_journal.push_back(timestamps[i]);
      positions.push_back(i);
    }
  }
  std::vector<Record> read;
  if (absl::Status status = journal_->ReadRecords(from_journal, &read); !status.ok()) {
    return status;
  }
  for (size_t i = 0; i < read.size(); ++i) records[positions[i]] = read[i];
  std::vector<Transfer> transfers(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    DecodedRecord decoded;
    if (!DecodeRecord(records[i], &decoded) || decoded.kind != RecordKind::kTransfer) {
      return absl::DataLossError("journal record is not the transfer the index points to");
    }
    transfers[i] = decoded.transfer;
  }
  return transfers;
}

void Engine::Impl::PauseAndDrain() {
  absl::MutexLock lock(&mu_);
  ++pauses_;
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !writer_has_open_group_ && !syncing_ && sync_queue_.empty();
  };
  mu_.Await(absl::Condition(&drained));
}

void Engine::Impl::Resume() {
  absl::MutexLock lock(&mu_);
  --pauses_;
}

bool Engine::Impl::OnCompleterThread() const {
  return std::this_thread::get_id() == completer_thread_id_;
}

EngineStats Engine::Impl::Stats() const {
  EngineStats stats;
  {
    absl::ReaderMutexLock lock(&state_mu_);
    stats.accounts = state_->account_count();
    stats.transfers = state_->transfer_count();
    stats.failed_ids = state_->failed_id_count();
    stats.pending_open = state_->pending_open_count();
    stats.last_timestamp = state_->last_timestamp();
    stats.groups_committed = groups_committed_;
    stats.events_committed = events_committed_;
    stats.apply_us_total = apply_us_total_;
    stats.write_us_total = write_us_total_;
    stats.snapshot_records = snapshot_records_;
  }
  stats.journal_records = journal_->record_count();
  stats.journal_bytes = journal_->bytes_appended();
  // Sizes summed over the column families; the others are the whole database's whichever family
  // is asked, except the block cache, which is the records' own.
  stats.store_sst_bytes = journal_->SummedIntProperty("rocksdb.total-sst-files-size");
  stats.store_memtable_bytes = journal_->SummedIntProperty("rocksdb.cur-size-all-mem-tables");
  stats.store_pending_compaction_bytes =
      journal_->SummedIntProperty("rocksdb.estimate-pending-compaction-bytes");
  stats.store_running_compactions = journal_->JournalIntProperty("rocksdb.num-running-compactions");
  stats.store_background_errors = journal_->JournalIntProperty("rocksdb.background-errors");
  stats.store_write_stopped = journal_->JournalIntProperty("rocksdb.is-write-stopped") != 0;
  stats.store_block_cache_bytes = journal_->JournalIntProperty("rocksdb.block-cache-usage");
  stats.recovery_ms = recovery_ms_;
  stats.open_journal_ms = open_journal_ms;
  stats.recovery_snapshot_ms = recovery_snapshot_ms_;
  stats.recovery_replay_ms = recovery_replay_ms_;
  stats.recovery_check_ms = recovery_check_ms_;
  stats.recovered_from_snapshot = recovered_from_snapshot_;
  absl::MutexLock lock(&mu_);
  stats.queue_depth = queue_.size();
  return stats;
}

}  // namespace points

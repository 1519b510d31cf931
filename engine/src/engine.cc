// The engine: submit queue, the writer thread with group commit, recovery at open, and reads.
#include "points/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "check.h"
#include "journal.h"
#include "ledger_state.h"
#include "points/limits.h"
#include "snapshot.h"
#include "verify.h"

namespace points {
namespace {

class RealTimeClock : public Clock {
 public:
  uint64_t NowNanos() const override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
};

uint64_t ElapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

uint64_t MicrosBetween(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
}

// One caller's batch on its way through the writer, with the callback that completes it.
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

  void Complete(const absl::Status& status) {
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
};

absl::Status CheckBatchSize(size_t events) {
  if (events == 0) return absl::InvalidArgumentError("batch is empty: send 1 or more events");
  if (events > kBatchEventsMax) {
    return absl::InvalidArgumentError(absl::StrCat("batch has ", events,
                                                   " events; the limit is ", kBatchEventsMax));
  }
  return absl::OkStatus();
}

}  // namespace

Clock* SystemClock() {
  static RealTimeClock clock;
  return &clock;
}

class Engine::Impl {
 public:
  Impl(const Options& options, const std::string& dir, std::unique_ptr<Journal> journal)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : SystemClock()),
        snapshot_path_(dir + "/" + kSnapshotFileName),
        journal_(std::move(journal)),
        state_(std::make_unique<LedgerState>()) {}

  ~Impl() {
    {
      absl::MutexLock lock(&queue_mu_);
      stopping_ = true;
    }
    if (writer_.joinable()) writer_.join();
    {
      absl::MutexLock lock(&completion_mu_);
      completer_stopping_ = true;
    }
    if (completer_.joinable()) completer_.join();
    // A clean close leaves a snapshot, so that the next open need not replay the journal.
    absl::WriterMutexLock lock(&state_mu_);
    if (write_failure_.ok() && journal_->record_count() != snapshot_records_) {
      if (absl::Status status = WriteSnapshot(); !status.ok()) {
        std::fprintf(stderr, "points engine: %s\n", std::string(status.message()).c_str());
      }
    }
  }

  absl::Status Recover() {
    const auto start = std::chrono::steady_clock::now();
    absl::WriterMutexLock lock(&state_mu_);
    absl::Status status = RecoverFromSnapshot();
    if (!status.ok()) {
      // No snapshot, or one that does not fit this journal: replay the journal from its start.
      recovered_from_snapshot_ = false;
      state_ = std::make_unique<LedgerState>();
      status = journal_->Scan([this](const Record& r) { return state_->Replay(r); });
    }
    if (status.ok()) status = state_->CheckInvariants();
    recovery_ms_ = ElapsedMs(start);
    return status;
  }

  absl::Status RecoverFromSnapshot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
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
    if (absl::Status status = state_->ReadSnapshot(in); !status.ok()) return status;
    if (absl::Status status = in.Finish(); !status.ok()) return status;
    snapshot_records_ = position.record_count;
    recovered_from_snapshot_ = true;
    return journal_->ResumeFrom(position, [this](const Record& r) { return state_->Replay(r); });
  }

  absl::Status WriteSnapshot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
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

  void StartWriter() {
    completer_ = std::thread([this] { CompleterLoop(); });
    writer_ = std::thread([this] { WriterLoop(); });
  }

  // Runs the callbacks of committed groups, so that waking many callers does not delay the
  // writer's next group.
  void CompleterLoop() {
    for (;;) {
      std::pair<std::vector<Submission>, absl::Status> done;
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
      for (Submission& submission : done.first) submission.Complete(done.second);
    }
  }

  void Submit(Submission submission) {
    absl::Status refused;
    {
      absl::MutexLock lock(&queue_mu_);
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

  // ---- The writer ----

  void WriterLoop() {
    for (;;) {
      std::vector<Submission> group;
      {
        absl::MutexLock lock(&queue_mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
          return !queue_.empty() || stopping_;
        };
        queue_mu_.AwaitWithTimeout(absl::Condition(&ready),
                                   absl::Milliseconds(options_.expiry_poll_interval_ms));
        if (queue_.empty() && stopping_) return;
        size_t events = 0;
        while (!queue_.empty() &&
               (group.empty() || events + queue_.front().events() <= kGroupEventsMax)) {
          events += queue_.front().events();
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      if (group.empty() && !ExpiryDue()) continue;
      const absl::Status status = ProcessGroup(group);
      absl::MutexLock lock(&completion_mu_);
      completions_.emplace_back(std::move(group), status);
    }
  }

  bool ExpiryDue() {
    absl::ReaderMutexLock lock(&state_mu_);
    return write_failure_.ok() && state_->HasExpiryDue(clock_->NowNanos());
  }

  absl::Status ProcessGroup(std::vector<Submission>& group) {
    absl::WriterMutexLock lock(&state_mu_);
    if (!write_failure_.ok()) return write_failure_;
    const auto started = std::chrono::steady_clock::now();
    const uint64_t now = clock_->NowNanos();
    if (absl::Status status = Prefetch(group); !status.ok()) return status;
    state_->BeginGroup(now, std::max(state_->last_timestamp() + 1, now));
    const uint64_t expired = state_->ExpireDue();
    size_t events = 0;
    for (Submission& s : group) {
      events += s.events();
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
          s.expired = expired;
          break;
      }
    }
    const auto applied = std::chrono::steady_clock::now();
    apply_us_total_ += MicrosBetween(started, applied);
    const absl::Status written = journal_->Append(state_->group_records());
    write_us_total_ += MicrosBetween(applied, std::chrono::steady_clock::now());
    if (!written.ok()) {
      state_->RollbackGroup();
      write_failure_ = absl::UnavailableError(absl::StrCat(
          "the journal write failed, so the engine refuses writes until it is restarted (reads "
          "go on): ",
          written.message()));
      absl::MutexLock queue_lock(&queue_mu_);
      failure_ = write_failure_;
      return write_failure_;
    }
    state_->CommitGroup();
    ++groups_committed_;
    events_committed_ += events;
    if (options_.snapshot_interval_records != 0 &&
        journal_->record_count() - snapshot_records_ >= options_.snapshot_interval_records) {
      // Bounds the journal tail a crash leaves to replay. A failure here loses nothing: the
      // journal is the truth and the previous snapshot stays valid.
      if (absl::Status status = WriteSnapshot(); !status.ok()) {
        std::fprintf(stderr, "points engine: %s\n", std::string(status.message()).c_str());
      }
    }
    return absl::OkStatus();
  }

  // Reads the original journal record of every transfer id in the group that is already
  // committed, so that apply can compare fields without IO.
  absl::Status Prefetch(const std::vector<Submission>& group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
    std::vector<uint64_t> timestamps;
    for (const Submission& s : group) state_->CollectOriginalsNeeded(s.transfers, &timestamps);
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

  // ---- Reads ----

  absl::StatusOr<std::vector<Transfer>> ReadTransfers(std::vector<uint64_t> timestamps) const
      ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    std::vector<Record> records;
    if (absl::Status status = journal_->ReadRecords(timestamps, &records); !status.ok()) {
      return status;
    }
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

  const Options options_;
  Clock* const clock_;
  const std::string snapshot_path_;
  std::unique_ptr<Journal> journal_;

  // The writer holds it exclusively from prefetch until its sync returned: readers see only
  // committed state.
  mutable absl::Mutex state_mu_;
  std::unique_ptr<LedgerState> state_ ABSL_GUARDED_BY(state_mu_);
  uint64_t snapshot_records_ ABSL_GUARDED_BY(state_mu_) = 0;  // journal records it covers
  bool recovered_from_snapshot_ = false;
  absl::Status write_failure_ ABSL_GUARDED_BY(state_mu_);
  uint64_t groups_committed_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t events_committed_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t apply_us_total_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t write_us_total_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t recovery_ms_ = 0;

  mutable absl::Mutex queue_mu_;
  std::deque<Submission> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(queue_mu_);  // the writer's failure, for Submit

  absl::Mutex completion_mu_;
  std::deque<std::pair<std::vector<Submission>, absl::Status>> completions_
      ABSL_GUARDED_BY(completion_mu_);
  bool completer_stopping_ ABSL_GUARDED_BY(completion_mu_) = false;

  std::thread writer_;
  std::thread completer_;
};

// ---- Engine ----

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const Options& options,
                                                     const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(dir, options.env, options.create_if_missing);
  if (!journal.ok()) return journal.status();
  auto impl = std::make_unique<Impl>(options, dir, *std::move(journal));
  if (absl::Status status = impl->Recover(); !status.ok()) {
    return absl::DataLossError(
        absl::StrCat("recovery of ", dir, " failed: ", status.message()));
  }
  impl->StartWriter();
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

void Engine::SubmitCreateAccounts(std::vector<Account> accounts, AccountsDone done) {
  if (absl::Status status = CheckBatchSize(accounts.size()); !status.ok()) return done(status);
  Submission s;
  s.kind = Submission::kAccounts;
  s.accounts = std::move(accounts);
  s.accounts_done = std::move(done);
  impl_->Submit(std::move(s));
}

void Engine::SubmitCreateTransfers(std::vector<Transfer> transfers, TransfersDone done) {
  if (absl::Status status = CheckBatchSize(transfers.size()); !status.ok()) return done(status);
  Submission s;
  s.kind = Submission::kTransfers;
  s.transfers = std::move(transfers);
  s.transfers_done = std::move(done);
  impl_->Submit(std::move(s));
}

void Engine::SubmitCloseAccounts(std::vector<Id> ids, CloseDone done) {
  if (absl::Status status = CheckBatchSize(ids.size()); !status.ok()) return done(status);
  Submission s;
  s.kind = Submission::kClose;
  s.ids = std::move(ids);
  s.close_done = std::move(done);
  impl_->Submit(std::move(s));
}

namespace {

// Runs an asynchronous submit and waits for its callback.
template <typename T, typename SubmitFn>
absl::StatusOr<T> Wait(SubmitFn submit) {
  absl::Notification done;
  absl::StatusOr<T> result;
  submit([&](absl::StatusOr<T> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

}  // namespace

absl::StatusOr<std::vector<AccountEventResult>> Engine::CreateAccounts(
    std::vector<Account> accounts) {
  return Wait<std::vector<AccountEventResult>>(
      [&](AccountsDone done) { SubmitCreateAccounts(std::move(accounts), std::move(done)); });
}

absl::StatusOr<std::vector<TransferEventResult>> Engine::CreateTransfers(
    std::vector<Transfer> transfers) {
  return Wait<std::vector<TransferEventResult>>(
      [&](TransfersDone done) { SubmitCreateTransfers(std::move(transfers), std::move(done)); });
}

absl::StatusOr<std::vector<CloseAccountResult>> Engine::CloseAccounts(std::vector<Id> ids) {
  return Wait<std::vector<CloseAccountResult>>(
      [&](CloseDone done) { SubmitCloseAccounts(std::move(ids), std::move(done)); });
}

absl::StatusOr<uint64_t> Engine::ExpirePendingTransfers() {
  return Wait<uint64_t>([&](absl::AnyInvocable<void(absl::StatusOr<uint64_t>)> done) {
    Submission s;
    s.kind = Submission::kExpire;
    s.expire_done = std::move(done);
    impl_->Submit(std::move(s));
  });
}

absl::StatusOr<std::vector<Account>> Engine::LookupAccounts(absl::Span<const Id> ids) const {
  if (ids.size() > kLookupIdsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("lookup of ", ids.size(), " ids; the limit is ", kLookupIdsMax));
  }
  std::vector<Account> found;
  found.reserve(ids.size());
  absl::ReaderMutexLock lock(&impl_->state_mu_);
  for (Id id : ids) {
    if (const AccountState* state = impl_->state_->FindAccount(id)) found.push_back(state->account);
  }
  return found;
}

absl::StatusOr<std::vector<Transfer>> Engine::LookupTransfers(absl::Span<const Id> ids) const {
  if (ids.size() > kLookupIdsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("lookup of ", ids.size(), " ids; the limit is ", kLookupIdsMax));
  }
  absl::ReaderMutexLock lock(&impl_->state_mu_);
  std::vector<uint64_t> timestamps;
  for (Id id : ids) {
    const IdEntry* entry = impl_->state_->FindId(id);
    if (entry != nullptr && entry->failed_result == 0) timestamps.push_back(entry->timestamp);
  }
  return impl_->ReadTransfers(std::move(timestamps));
}

namespace {

absl::Status CheckFilter(const HistoryFilter& filter) {
  if (filter.account_id == 0) return absl::InvalidArgumentError("account_id must not be zero");
  if (filter.limit == 0 || filter.limit > kHistoryPageMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kHistoryPageMax, ", got ", filter.limit));
  }
  if (filter.timestamp_max != 0 && filter.timestamp_max < filter.timestamp_min) {
    return absl::InvalidArgumentError("timestamp_max is before timestamp_min");
  }
  return absl::OkStatus();
}

// The positions [first, last) of `items` whose timestamp lies in the filter's range, cut to
// `limit` from the front, or from the back when reversed (returned newest first).
template <typename T, typename TimestampOf>
std::vector<size_t> Page(const std::vector<T>& items, const HistoryFilter& filter,
                         TimestampOf timestamp_of) {
  const uint64_t max = filter.timestamp_max == 0 ? UINT64_MAX : filter.timestamp_max;
  auto first = std::partition_point(items.begin(), items.end(), [&](const T& item) {
    return timestamp_of(item) < filter.timestamp_min;
  });
  auto last = std::partition_point(first, items.end(),
                                   [&](const T& item) { return timestamp_of(item) <= max; });
  std::vector<size_t> positions;
  const size_t count = std::min<size_t>(last - first, filter.limit);
  positions.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    positions.push_back(filter.reversed ? (last - items.begin()) - 1 - i
                                        : (first - items.begin()) + i);
  }
  return positions;
}

}  // namespace

absl::StatusOr<std::vector<Transfer>> Engine::GetAccountTransfers(
    const HistoryFilter& filter) const {
  if (absl::Status status = CheckFilter(filter); !status.ok()) return status;
  absl::ReaderMutexLock lock(&impl_->state_mu_);
  const AccountState* state = impl_->state_->FindAccount(filter.account_id);
  if (state == nullptr) return absl::NotFoundError("account not found");
  std::vector<uint64_t> timestamps;
  for (size_t i : Page(state->transfer_timestamps, filter, [](uint64_t ts) { return ts; })) {
    timestamps.push_back(state->transfer_timestamps[i]);
  }
  return impl_->ReadTransfers(std::move(timestamps));
}

absl::StatusOr<std::vector<AccountBalance>> Engine::GetAccountBalances(
    const HistoryFilter& filter) const {
  if (absl::Status status = CheckFilter(filter); !status.ok()) return status;
  absl::ReaderMutexLock lock(&impl_->state_mu_);
  const AccountState* state = impl_->state_->FindAccount(filter.account_id);
  if (state == nullptr) return absl::NotFoundError("account not found");
  if (state->balance_history == nullptr) {
    return absl::FailedPreconditionError(
        "the account keeps no balance history: create it with the history flag");
  }
  const auto& history = *state->balance_history;
  std::vector<AccountBalance> page;
  for (size_t i : Page(history, filter, [](const AccountBalance& b) { return b.timestamp; })) {
    page.push_back(history[i]);
  }
  return page;
}

absl::Status Engine::Verify(VerifyReport* report) const {
  absl::ReaderMutexLock lock(&impl_->state_mu_);  // the writer needs it exclusively: writes wait
  return VerifyJournal(*impl_->journal_, *impl_->state_, report);
}

absl::Status Engine::WriteHealth() const {
  absl::ReaderMutexLock lock(&impl_->state_mu_);
  return impl_->write_failure_;
}

EngineStats Engine::Stats() const {
  EngineStats stats;
  {
    absl::ReaderMutexLock lock(&impl_->state_mu_);
    const LedgerState& state = *impl_->state_;
    stats.accounts = state.account_count();
    stats.transfers = state.transfer_count();
    stats.failed_ids = state.failed_id_count();
    stats.pending_open = state.pending_open_count();
    stats.last_timestamp = state.last_timestamp();
    stats.journal_records = impl_->journal_->record_count();
    stats.journal_bytes = impl_->journal_->bytes_appended();
    stats.groups_committed = impl_->groups_committed_;
    stats.events_committed = impl_->events_committed_;
    stats.recovery_ms = impl_->recovery_ms_;
    stats.recovered_from_snapshot = impl_->recovered_from_snapshot_;
    stats.snapshot_records = impl_->snapshot_records_;
    stats.apply_us_total = impl_->apply_us_total_;
    stats.write_us_total = impl_->write_us_total_;
  }
  absl::MutexLock lock(&impl_->queue_mu_);
  stats.queue_depth = impl_->queue_.size();
  return stats;
}

}  // namespace points

// The engine's public API: submissions into the pipeline and reads of committed state. The
// pipeline itself (writer, syncer, completer), recovery and snapshots are in engine_impl.cc.
#include "points/engine.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "engine_impl.h"
#include "engine_opener.h"
#include "points/limits.h"
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

absl::Status CheckBatchSize(size_t events) {
  if (events == 0) return absl::InvalidArgumentError("batch is empty: send 1 or more events");
  if (events > kBatchEventsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch has ", events, " events; the limit is ", kBatchEventsMax));
  }
  return absl::OkStatus();
}

}  // namespace

Clock* SystemClock() {
  static RealTimeClock clock;
  return &clock;
}

// ---- Engine ----

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const Options& options,
                                                     const std::string& dir) {
  return EngineOpener::Open(options, dir, nullptr);
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::OpenReadOnly(const Options& options,
                                                             const std::string& dir) {
  return EngineOpener::OpenReadOnly(options, dir, nullptr);
}

absl::StatusOr<std::unique_ptr<Engine>> EngineOpener::Open(const Options& options,
                                                           const std::string& dir,
                                                           rocksdb::Env* env) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(dir, env, options.create_if_missing);
  if (!journal.ok()) return journal.status();
  auto impl = std::make_unique<Engine::Impl>(options, dir, *std::move(journal));
  impl->open_journal_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
  if (absl::Status status = impl->Recover(); !status.ok()) {
    return absl::DataLossError(absl::StrCat("recovery of ", dir, " failed: ", status.message()));
  }
  impl->Start();
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<Engine>> EngineOpener::OpenReadOnly(const Options& options,
                                                                   const std::string& dir,
                                                                   rocksdb::Env* env) {
  absl::StatusOr<std::unique_ptr<Journal>> journal = Journal::OpenReadOnly(dir, env);
  if (!journal.ok()) return journal.status();
  auto impl = std::make_unique<Engine::Impl>(options, dir, *std::move(journal));
  if (absl::Status status = impl->Recover(); !status.ok()) {
    return absl::DataLossError(absl::StrCat("recovery of ", dir, " failed: ", status.message()));
  }
  // No pipeline is started: without a writer nothing is applied, expired or snapshotted, and
  // every submission is refused where it would be queued, as after a fail-stop.
  impl->RefuseWrites(
      absl::FailedPreconditionError(absl::StrCat(dir, " is opened read-only: writes are refused")));
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
absl::StatusOr<T> Wait(const Engine::Impl& impl, SubmitFn submit) {
  if (impl.OnCompleterThread()) {
    return absl::FailedPreconditionError(
        "a blocking engine call from a completion callback would wait for itself: use the "
        "Submit* form there");
  }
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
  return Wait<std::vector<AccountEventResult>>(*impl_, [&](AccountsDone done) {
    SubmitCreateAccounts(std::move(accounts), std::move(done));
  });
}

absl::StatusOr<std::vector<TransferEventResult>> Engine::CreateTransfers(
    std::vector<Transfer> transfers) {
  return Wait<std::vector<TransferEventResult>>(*impl_, [&](TransfersDone done) {
    SubmitCreateTransfers(std::move(transfers), std::move(done));
  });
}

absl::StatusOr<std::vector<CloseAccountResult>> Engine::CloseAccounts(std::vector<Id> ids) {
  return Wait<std::vector<CloseAccountResult>>(
      *impl_, [&](CloseDone done) { SubmitCloseAccounts(std::move(ids), std::move(done)); });
}

absl::StatusOr<uint64_t> Engine::ExpirePendingTransfers() {
  return Wait<uint64_t>(*impl_, [&](absl::AnyInvocable<void(absl::StatusOr<uint64_t>)> done) {
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
  return impl_->ReadCommitted([&]() ABSL_SHARED_LOCKS_REQUIRED(impl_->state_mu_) {
    std::vector<Account> found;
    found.reserve(ids.size());
    for (Id id : ids) {
      if (const AccountState* state = impl_->state_->FindAccount(id)) {
        found.push_back(state->account);
      }
    }
    return absl::StatusOr<std::vector<Account>>(std::move(found));
  });
}

absl::StatusOr<std::vector<Transfer>> Engine::LookupTransfers(absl::Span<const Id> ids) const {
  if (ids.size() > kLookupIdsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("lookup of ", ids.size(), " ids; the limit is ", kLookupIdsMax));
  }
  return impl_->ReadCommitted([&]() ABSL_SHARED_LOCKS_REQUIRED(impl_->state_mu_) {
    std::vector<uint64_t> timestamps;
    for (Id id : ids) {
      const IdEntry* entry = impl_->state_->FindId(id);
      if (entry != nullptr && entry->failed_result == 0) timestamps.push_back(entry->timestamp);
    }
    return impl_->ReadTransfers(timestamps);
  });
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
  return impl_->ReadCommitted(
      [&]() ABSL_SHARED_LOCKS_REQUIRED(impl_->state_mu_) -> absl::StatusOr<std::vector<Transfer>> {
        const AccountState* state = impl_->state_->FindAccount(filter.account_id);
        if (state == nullptr) return absl::NotFoundError("account not found");
        std::vector<uint64_t> timestamps;
        for (size_t i : Page(state->transfer_timestamps, filter, [](uint64_t ts) { return ts; })) {
          timestamps.push_back(state->transfer_timestamps[i]);
        }
        return impl_->ReadTransfers(timestamps);
      });
}

absl::StatusOr<std::vector<AccountBalance>> Engine::GetAccountBalances(
    const HistoryFilter& filter) const {
  if (absl::Status status = CheckFilter(filter); !status.ok()) return status;
  return impl_->ReadCommitted([&]() ABSL_SHARED_LOCKS_REQUIRED(
                                  impl_->state_mu_) -> absl::StatusOr<std::vector<AccountBalance>> {
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
  });
}

namespace {

absl::Status CheckWatchedIds(absl::Span<const Id> ids, uint32_t limit) {
  if (ids.empty() || ids.size() > kWatchAccountsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch 1..", kWatchAccountsMax, " accounts, got ", ids.size()));
  }
  if (limit == 0 || limit > kHistoryPageMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kHistoryPageMax, ", got ", limit));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == 0) return absl::InvalidArgumentError("account id must not be zero");
    if (std::find(ids.begin(), ids.begin() + i, ids[i]) != ids.begin() + i) {
      return absl::InvalidArgumentError(
          absl::StrCat("account ", IdText(ids[i]), " is named twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<BalanceChange>> Engine::GetBalanceChanges(
    absl::Span<const Id> account_ids, uint64_t after_timestamp, uint32_t limit) const {
  if (absl::Status status = CheckWatchedIds(account_ids, limit); !status.ok()) return status;
  return impl_->ReadCommitted([&]() ABSL_SHARED_LOCKS_REQUIRED(
                                  impl_->state_mu_) -> absl::StatusOr<std::vector<BalanceChange>> {
    // One cursor per account into its history, from the first change after `after_timestamp`;
    // then a k-way merge (k <= kWatchAccountsMax, so a linear scan for the minimum is enough).
    struct Cursor {
      Id account_id;
      const std::vector<AccountBalance>* history;
      size_t next;
    };
    std::vector<Cursor> cursors;
    for (Id id : account_ids) {
      const AccountState* state = impl_->state_->FindAccount(id);
      if (state == nullptr)
        return absl::NotFoundError(absl::StrCat("account ", IdText(id), " not found"));
      if (state->balance_history == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("account ", IdText(id),
                         " keeps no balance history: create it with the history flag to watch it"));
      }
      const auto& history = *state->balance_history;
      auto first = std::partition_point(
          history.begin(), history.end(),
          [&](const AccountBalance& b) { return b.timestamp <= after_timestamp; });
      cursors.push_back(Cursor{id, &history, static_cast<size_t>(first - history.begin())});
    }
    std::vector<BalanceChange> changes;
    for (;;) {
      Cursor* oldest = nullptr;
      for (Cursor& c : cursors) {
        if (c.next == c.history->size()) continue;
        if (oldest == nullptr ||
            (*c.history)[c.next].timestamp < (*oldest->history)[oldest->next].timestamp) {
          oldest = &c;
        }
      }
      if (oldest == nullptr) break;
      // A transfer between two watched accounts changes both at one timestamp: never split
      // them, or resuming after that timestamp would skip the second.
      if (changes.size() >= limit &&
          (*oldest->history)[oldest->next].timestamp != changes.back().balance.timestamp) {
        break;
      }
      changes.push_back(BalanceChange{oldest->account_id, (*oldest->history)[oldest->next++]});
    }
    return changes;
  });
}

absl::Status Engine::Verify(VerifyReport* report, const VerifyProgress& progress) const {
  // Hold the writer off and let the pipeline drain, so that live state equals the journal.
  impl_->PauseAndDrain();
  absl::Status status;
  {
    absl::ReaderMutexLock lock(&impl_->state_mu_);
    status = VerifyJournal(*impl_->journal_, *impl_->state_, report, progress);
  }
  impl_->Resume();
  return status;
}

absl::Status Engine::Checkpoint(const std::string& dir) const {
  // The journal pointer is fixed after Open; RocksDB takes its own consistent cut, and every
  // group is one WriteBatch, so a cut never holds part of a group.
  return impl_->journal_->Checkpoint(dir);
}

absl::Status Engine::ReadLeafChunks(uint64_t after_first_timestamp, size_t max_chunks,
                                    std::vector<LeafChunk>* out) const {
  // The journal holds only synced groups (one WriteBatch each): no lock, no wait for the writer.
  return impl_->journal_->ReadLeafChunks(after_first_timestamp, max_chunks, out);
}

absl::StatusOr<std::vector<std::string>> Engine::ReadJournalRecords(
    absl::Span<const uint64_t> timestamps) const {
  std::vector<Record> records;
  if (absl::Status s = impl_->journal_->ReadRecords(timestamps, &records); !s.ok()) return s;
  std::vector<std::string> out;
  out.reserve(records.size());
  for (const Record& record : records) {
    out.emplace_back(reinterpret_cast<const char*>(record.bytes.data()), record.bytes.size());
  }
  return out;
}

absl::Status Engine::WriteHealth() const {
  absl::ReaderMutexLock lock(&impl_->state_mu_);
  return impl_->write_failure_;
}

EngineStats Engine::Stats() const { return impl_->Stats(); }

}  // namespace points

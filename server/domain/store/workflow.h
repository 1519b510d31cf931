// The domain's workflow step, written once (README.md, "Workflows"): a book saves an intent (a
// record in its "being done" state, with the ids of the ledger chain it will submit) in a synced
// store write, submits the chain, and saves the outcome. A crash between the intent and the
// outcome leaves the record in its "being done" state; the book's Open lists it and Resume
// submits the same chain again, whose ids answer `exists` where the first attempt got through.
//
// What is written here and not in the books:
// - InterruptedWork: the list Open found, its count, and the Resume loop;
// - RecordLocks: one record's steps in turn, different records in parallel;
// - SubmitStep: the chain, the fault point after it, the outcome, the save of the outcome;
//   SubmitStepOrFail for a step whose refusal is an error rather than an outcome.
// Two steps keep their own shape, for a reason: the expiry book's lapse is a pending transfer
// that a second transfer resolves, retried under a new id when a redemption raced it, and a task
// claim races other claims for the slots account's floor with no record lock, saving its
// outcome only if no resend saved one first.
// What stays in each book: its records, its keys, how a resend of the same request is told from
// a different one under a used id (that check reads the store before the intent is saved).
//
// The lock rule: no book lock is held across an engine call or a store sync. Resume takes the
// list under its lock and works through it without; SubmitStep takes no lock; a step holds only
// its own record's lock (RecordLocks) across the ledger and the store.
#ifndef POINTS_SERVER_DOMAIN_STORE_WORKFLOW_H_
#define POINTS_SERVER_DOMAIN_STORE_WORKFLOW_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/check.h"
#include "points/engine.h"
#include "points/results.h"
#include "server/domain/store/fault_point.h"
#include "server/domain/store/resume.h"

namespace points::domain {

// Interrupted records of one book at most (a book's Open refuses a store with more: such a
// backlog means Resume has been failing for a long time, and an operator must look).
inline constexpr size_t kInterruptedMax = 1'000'000;

// The records of one book that a crash left between an intent and its outcome. `Key` names one
// record (e.g. village and id); copyable.
template <typename Key>
class InterruptedWork {
 public:
  // What Open found. Called once, before the book is shared.
  absl::Status Set(std::vector<Key> keys) {
    if (keys.size() > kInterruptedMax) {
      return absl::FailedPreconditionError("more interrupted work than kInterruptedMax");
    }
    absl::MutexLock lock(&mu_);
    keys_ = std::move(keys);
    return absl::OkStatus();
  }

  uint64_t count() const {
    absl::MutexLock lock(&mu_);
    return keys_.size();
  }

  // Runs `finish` on each record, without the list's lock (it submits and syncs). `finish`
  // answers OK when the record is done, whatever the ledger said, or was already done by a
  // resend; an error keeps the record listed for the next Resume. `name` names a failure.
  ResumeReport Resume(absl::FunctionRef<absl::Status(const Key&)> finish,
                      absl::FunctionRef<std::string(const Key&)> name) {
    std::vector<Key> pending;
    {
      absl::MutexLock lock(&mu_);
      pending.swap(keys_);
    }
    ResumeReport report;
    std::vector<Key> still;
    for (const Key& key : pending) {
      if (absl::Status done = finish(key); done.ok()) {
        ++report.resumed;
      } else {
        report.Fail(name(key), std::move(done));
        still.push_back(key);
      }
    }
    absl::MutexLock lock(&mu_);
    POINTS_CHECK(keys_.size() + still.size() <= kInterruptedMax);
    keys_.insert(keys_.end(), still.begin(), still.end());
    return report;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Key> keys_ ABSL_GUARDED_BY(mu_);
};

// Records being worked on at once at most, in one book: one per worker thread is the usual, and
// a round's slice holds up to 128 (kRoundSliceAwards, award_book.h) on each of up to 256 worker
// threads (pointsd --worker-threads).
inline constexpr size_t kRecordsHeldMax = 65536;

// One lock per record, so that two calls on the same record (a resend racing its original, an
// approval racing an objection) take turns while calls on different records never wait for
// each other. Held across the step's engine call and syncs: it is not a book lock, and it is
// what lets villages and shops work in parallel. `Key` names one record; hashable.
template <typename Key>
class RecordLocks {
 public:
  class [[nodiscard]] Held {
   public:
    Held(RecordLocks* locks, Key key) : locks_(locks), key_(std::move(key)) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() { locks_->Release(key_); }

   private:
    RecordLocks* const locks_;
    const Key key_;
  };

  // Waits while another call holds `key`.
  Held Lock(Key key) {
    Waiting waiting{this, &key};
    mu_.LockWhen(absl::Condition(&Waiting::Free, &waiting));
    POINTS_CHECK(held_.size() < kRecordsHeldMax);
    held_.insert(key);
    mu_.Unlock();
    return Held(this, std::move(key));
  }

 private:
  struct Waiting {
    RecordLocks* locks;
    const Key* key;
    static bool Free(Waiting* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {  // runs under mu_
      return !w->locks->held_.contains(*w->key);
    }
  };
  void Release(const Key& key) {
    absl::MutexLock lock(&mu_);
    POINTS_CHECK(held_.erase(key) == 1);
  }

  absl::Mutex mu_;
  absl::flat_hash_set<Key> held_ ABSL_GUARDED_BY(mu_);
};

// What the ledger took: ok, or exists (a resend of the same id and content).
inline bool Accepted(CreateTransferResult r) {
  return r == CreateTransferResult::kOk || r == CreateTransferResult::kExists;
}
inline bool Accepted(CreateAccountResult r) {
  return r == CreateAccountResult::kOk || r == CreateAccountResult::kExists;
}

// What the ledger answered for a step's chain.
struct ChainOutcome {
  bool accepted = false;     // every transfer ok or exists: the step happened
  size_t refused_index = 0;  // !accepted: the first transfer the ledger refused
  CreateTransferResult refused_result =
      CreateTransferResult::kOk;  // and why (linked_event_failed is skipped where it can be)
};

// The chain's outcome from the engine's results: accepted when every transfer is ok or exists;
// otherwise the first refusal that is not just "a linked transfer failed", so a reason names
// the transfer that caused it.
ChainOutcome OutcomeOf(const std::vector<TransferEventResult>& results);

// One step's ledger leg and outcome: submits `chain`, passes the fault point `after_submit`
// (the ledger has it, the outcome is not yet saved), lets `apply` set the record's outcome from
// the ledger's answer and `save` store it. An engine error returns before anything is saved:
// the outcome is unknown, the intent stays, and a resend or Resume submits the same chain.
template <typename Record>
absl::StatusOr<Record> SubmitStep(Engine& engine, std::vector<Transfer> chain,
                                  const char* after_submit, Record record,
                                  absl::FunctionRef<void(Record&, const ChainOutcome&)> apply,
                                  absl::FunctionRef<absl::Status(const Record&)> save) {
  const size_t size = chain.size();
  absl::StatusOr<std::vector<TransferEventResult>> results =
      engine.CreateTransfers(std::move(chain));
  if (!results.ok()) return results.status();
  POINTS_CHECK(results->size() == size);
  FaultPoint(after_submit);
  apply(record, OutcomeOf(*results));
  if (absl::Status s = save(record); !s.ok()) return s;
  return record;
}

// A step whose refusal is not an outcome but an error: a chain the book checked beforehand can
// be refused only when the set-up is wrong (an account changed by hand, a shop not on the money
// ledger). On acceptance `apply` sets the outcome and `save` stores it; on a refusal nothing is
// saved, the record keeps its intent, and the answer is `refused(the ledger's result)`.
template <typename Record>
absl::StatusOr<Record> SubmitStepOrFail(
    Engine& engine, std::vector<Transfer> chain, const char* after_submit, Record record,
    absl::FunctionRef<void(Record&)> apply, absl::FunctionRef<absl::Status(const Record&)> save,
    absl::FunctionRef<absl::Status(CreateTransferResult)> refused) {
  std::optional<CreateTransferResult> refusal;
  absl::StatusOr<Record> done = SubmitStep<Record>(
      engine, std::move(chain), after_submit, std::move(record),
      [&](Record& r, const ChainOutcome& outcome) {
        if (outcome.accepted) {
          apply(r);
        } else {
          refusal = outcome.refused_result;
        }
      },
      [&](const Record& r) { return refusal.has_value() ? absl::OkStatus() : save(r); });
  if (done.ok() && refusal.has_value()) return refused(*refusal);
  return done;
}

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_STORE_WORKFLOW_H_

// A reference model of the ledger's semantics, written from engine/README.md alone (not from the
// engine's source): std::map state, one event at a time, no IO, no cleverness. Tests feed the same
// batches to the model and to a real Engine and compare every result code and every balance.
//
// Timestamps are the engine's business: the model never predicts them. It needs a notion of time
// only for pending timeouts, and takes the clock reading of each batch (`now`) for that. A pending
// transfer created at clock `c` with timeout `s` expires at `c + s * 1e9`; the engine's timestamps
// lie a few nanoseconds after the clock, so tests keep the clock away from expiry instants
// (NearExpiry) and the two notions agree.
//
// Expiry: "when the clock passes a pending transfer's expiry, the writer voids it". The model does
// that at the start of every write, before applying it, as the engine's writer does before each
// group (batches of one group share the clock, so doing it again per batch changes nothing). A
// post or void whose pending transfer is due but not yet voided still gets
// pending_transfer_expired (a case that needs the clock to move during a group).
#ifndef POINTS_TESTS_ENGINE_REFERENCE_MODEL_H_
#define POINTS_TESTS_ENGINE_REFERENCE_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "points/limits.h"
#include "points/results.h"
#include "points/types.h"

namespace points::testing {

class ReferenceModel {
 public:
  enum class PendingState { kNone, kPending, kPosted, kVoided, kExpired };

  // One id of the id index: a transfer that succeeded, or an id recorded as failed.
  struct TransferEntry {
    Transfer event;       // as submitted (timestamp 0)
    bool failed = false;  // failed with a code in 30..55
    // Successful transfers only.
    PendingState state = PendingState::kNone;  // for pending transfers
    absl::uint128 expires_at = 0;              // clock + timeout * 1e9; 0 = never
    // For post and void: the fields after filling zeros from the pending transfer.
    Id resolved_debit = 0;
    Id resolved_credit = 0;
    uint32_t resolved_ledger = 0;
    uint16_t resolved_code = 0;
    uint64_t resolved_amount = 0;  // post: the amount posted; void: the amount released
  };

  struct AccountEntry {
    Account account;             // balances current; flags gain kAccountClosed when closed
    uint16_t created_flags = 0;  // flags as created, for the id index
  };

  // ---- Writes --------------------------------------------------------------------------------

  // `now`: the clock reading while the batch is applied.
  std::vector<CreateAccountResult> CreateAccounts(const std::vector<Account>& batch, uint64_t now) {
    ExpirePendingTransfers(now);
    std::vector<CreateAccountResult> results(batch.size());
    ApplyBatch(
        batch.size(), [&](size_t i) { return (batch[i].flags & kAccountLinked) != 0; },
        [&](size_t i) { return static_cast<uint32_t>(CreateAccount(batch[i])); },
        [&](size_t i, uint32_t r) { results[i] = static_cast<CreateAccountResult>(r); },
        [&](size_t i) { return static_cast<uint32_t>(results[i]); },
        static_cast<uint32_t>(CreateAccountResult::kLinkedEventFailed),
        static_cast<uint32_t>(CreateAccountResult::kLinkedEventChainOpen),
        static_cast<uint32_t>(CreateAccountResult::kExists));
    return results;
  }

  std::vector<CreateTransferResult> CreateTransfers(const std::vector<Transfer>& batch,
                                                    uint64_t now) {
    ExpirePendingTransfers(now);
    std::vector<CreateTransferResult> results(batch.size());
    ApplyBatch(
        batch.size(), [&](size_t i) { return (batch[i].flags & kTransferLinked) != 0; },
        [&](size_t i) { return static_cast<uint32_t>(CreateTransfer(batch[i], now)); },
        [&](size_t i, uint32_t r) { results[i] = static_cast<CreateTransferResult>(r); },
        [&](size_t i) { return static_cast<uint32_t>(results[i]); },
        static_cast<uint32_t>(CreateTransferResult::kLinkedEventFailed),
        static_cast<uint32_t>(CreateTransferResult::kLinkedEventChainOpen),
        static_cast<uint32_t>(CreateTransferResult::kExists));
    return results;
  }

  std::vector<CloseAccountResult> CloseAccounts(const std::vector<Id>& ids, uint64_t now) {
    ExpirePendingTransfers(now);
    std::vector<CloseAccountResult> results;
    for (const Id& id : ids) {
      if (id == 0) {
        results.push_back(CloseAccountResult::kIdMustNotBeZero);
        continue;
      }
      auto it = accounts_.find(id);
      if (it == accounts_.end()) {
        results.push_back(CloseAccountResult::kAccountNotFound);
        continue;
      }
      Account& a = it->second.account;
      if ((a.flags & kAccountClosed) != 0) {
        results.push_back(CloseAccountResult::kAccountAlreadyClosed);
      } else if (a.debits_pending != 0 || a.credits_pending != 0) {
        results.push_back(CloseAccountResult::kAccountHasPendingBalance);
      } else {
        a.flags |= kAccountClosed;
        results.push_back(CloseAccountResult::kOk);
      }
    }
    return results;
  }

  // Voids every pending transfer whose expiry is before `now`. Returns how many. The writer does
  // this before each group; ExpirePendingTransfers does it on demand.
  uint64_t ExpirePendingTransfers(uint64_t now) {
    std::vector<Id> due;
    for (const Id& id : open_pending_) {
      const TransferEntry& p = transfers_.at(id);
      if (p.expires_at != 0 && p.expires_at < now) due.push_back(id);
    }
    for (const Id& id : due) {
      TransferEntry p = transfers_.at(id);
      Release(p.event.debit_account_id, p.event.credit_account_id, p.event.amount, 0);
      p.state = PendingState::kExpired;
      PutTransfer(id, p);
      EraseOpenPending(id);
    }
    return due.size();
  }

  // ---- Reads ---------------------------------------------------------------------------------

  const AccountEntry* FindAccount(const Id& id) const {
    auto it = accounts_.find(id);
    return it == accounts_.end() ? nullptr : &it->second;
  }
  const TransferEntry* FindTransfer(const Id& id) const {
    auto it = transfers_.find(id);
    return it == transfers_.end() ? nullptr : &it->second;
  }
  const std::map<Id, AccountEntry>& accounts() const { return accounts_; }
  const std::map<Id, TransferEntry>& transfers() const { return transfers_; }
  const std::set<Id>& open_pending() const { return open_pending_; }

  uint64_t ok_transfers() const { return ok_transfers_; }
  uint64_t failed_ids() const { return failed_ids_; }

  // True when an unresolved pending transfer expires within `margin` nanoseconds of `t`: a clock
  // reading there could fall on either side of the engine's expiry instant.
  bool NearExpiry(uint64_t t, uint64_t margin) const {
    for (const Id& id : open_pending_) {
      const absl::uint128 e = transfers_.at(id).expires_at;
      if (e == 0) continue;
      const absl::uint128 x = t;
      if ((e > x ? e - x : x - e) < margin) return true;
    }
    return false;
  }

  static bool RecordsFailure(CreateTransferResult r) {
    const auto code = static_cast<uint32_t>(r);
    return code >= 30 && code <= 55;
  }

 private:
  static constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

  static bool Overflows(uint64_t a, uint64_t b) { return absl::uint128(a) + b > kMax; }

  // The batch and chain rules, shared by accounts and transfers. A chain is a run of linked events
  // and the event after it; it succeeds or fails whole. The last event of the batch, when linked,
  // gets chain_open and fails its chain. `exists` (an identical retry: nothing changes) does not
  // fail a chain, so that the retry of a whole chain that succeeded gets `exists` throughout; when
  // the chain fails for another event, it becomes linked_event_failed like an `ok`. An open chain
  // fails before any of its events is applied: nothing of it is evaluated or recorded, the last
  // event gets chain_open and the others linked_event_failed. (The README leaves both open; they
  // are the engine's reading.)
  template <typename IsLinked, typename ApplyOne, typename Set, typename Get>
  void ApplyBatch(size_t n, IsLinked is_linked, ApplyOne apply, Set set, Get get,
                  uint32_t linked_failed, uint32_t chain_open, uint32_t exists) {
    size_t i = 0;
    while (i < n) {
      if (!is_linked(i)) {
        set(i, apply(i));
        ++i;
        continue;
      }
      size_t end = i;  // last event of the chain
      while (end < n - 1 && is_linked(end)) ++end;
      const bool open = end == n - 1 && is_linked(end);
      if (open) {
        for (size_t k = i; k < end; ++k) set(k, linked_failed);
        set(end, chain_open);
        break;
      }
      in_chain_ = true;
      undo_.clear();
      bool failed = false;
      for (size_t k = i; k <= end; ++k) {
        if (failed) {
          set(k, linked_failed);
          continue;
        }
        const uint32_t r = apply(k);
        set(k, r);
        if (r != 0 && r != exists) failed = true;
      }
      if (failed) {
        for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
        for (size_t k = i; k <= end; ++k) {
          if (get(k) == 0 || get(k) == exists) set(k, linked_failed);
        }
      }
      undo_.clear();
      in_chain_ = false;
      i = end + 1;
    }
  }

  // ---- Accounts ------------------------------------------------------------------------------

  CreateAccountResult CreateAccount(const Account& a) {
    using R = CreateAccountResult;
    if (a.timestamp != 0) return R::kTimestampMustBeZero;
    if ((a.flags & ~kAccountFlagsKnown) != 0) return R::kReservedFlag;
    if (a.id == 0) return R::kIdMustNotBeZero;
    if (auto it = accounts_.find(a.id); it != accounts_.end()) {
      const Account& e = it->second.account;
      if (a.flags != it->second.created_flags) return R::kExistsWithDifferentFlags;
      if (a.user_data_128 != e.user_data_128) return R::kExistsWithDifferentUserData128;
      if (a.user_data_64 != e.user_data_64) return R::kExistsWithDifferentUserData64;
      if (a.user_data_32 != e.user_data_32) return R::kExistsWithDifferentUserData32;
      if (a.ledger != e.ledger) return R::kExistsWithDifferentLedger;
      if (a.code != e.code) return R::kExistsWithDifferentCode;
      return R::kExists;
    }
    if ((a.flags & kAccountDebitsMustNotExceedCredits) != 0 &&
        (a.flags & kAccountCreditsMustNotExceedDebits) != 0) {
      return R::kFlagsAreMutuallyExclusive;
    }
    if (a.debits_pending != 0) return R::kDebitsPendingMustBeZero;
    if (a.debits_posted != 0) return R::kDebitsPostedMustBeZero;
    if (a.credits_pending != 0) return R::kCreditsPendingMustBeZero;
    if (a.credits_posted != 0) return R::kCreditsPostedMustBeZero;
    if (a.ledger == 0) return R::kLedgerMustNotBeZero;
    if (a.code == 0) return R::kCodeMustNotBeZero;
    AccountEntry entry;
    entry.account = a;
    entry.created_flags = a.flags;
    const Id id = a.id;
    Remember([this, id] { accounts_.erase(id); });
    accounts_[id] = entry;
    return R::kOk;
  }

  // ---- Transfers -----------------------------------------------------------------------------

  CreateTransferResult CreateTransfer(const Transfer& t, uint64_t now) {
    using R = CreateTransferResult;
    if (t.timestamp != 0) return R::kTimestampMustBeZero;
    if ((t.flags & ~kTransferFlagsKnown) != 0) return R::kReservedFlag;
    if (t.id == 0) return R::kIdMustNotBeZero;
    if (auto it = transfers_.find(t.id); it != transfers_.end()) {
      const Transfer& e = it->second.event;
      if (t.flags != e.flags) return R::kExistsWithDifferentFlags;
      if (t.debit_account_id != e.debit_account_id) return R::kExistsWithDifferentDebitAccountId;
      if (t.credit_account_id != e.credit_account_id) {
        return R::kExistsWithDifferentCreditAccountId;
      }
      if (t.amount != e.amount) return R::kExistsWithDifferentAmount;
      if (t.pending_id != e.pending_id) return R::kExistsWithDifferentPendingId;
      if (t.user_data_128 != e.user_data_128) return R::kExistsWithDifferentUserData128;
      if (t.user_data_64 != e.user_data_64) return R::kExistsWithDifferentUserData64;
      if (t.user_data_32 != e.user_data_32) return R::kExistsWithDifferentUserData32;
      if (t.timeout != e.timeout) return R::kExistsWithDifferentTimeout;
      if (t.ledger != e.ledger) return R::kExistsWithDifferentLedger;
      if (t.code != e.code) return R::kExistsWithDifferentCode;
      return it->second.failed ? R::kIdAlreadyFailed : R::kExists;
    }

    const bool pending = (t.flags & kTransferPending) != 0;
    const bool post = (t.flags & kTransferPostPendingTransfer) != 0;
    const bool void_ = (t.flags & kTransferVoidPendingTransfer) != 0;
    if (int{pending} + int{post} + int{void_} > 1) return R::kFlagsAreMutuallyExclusive;
    const bool resolves = post || void_;
    if (!resolves && t.debit_account_id == 0) return R::kDebitAccountIdMustNotBeZero;
    if (!resolves && t.credit_account_id == 0) return R::kCreditAccountIdMustNotBeZero;
    if (t.debit_account_id != 0 && t.debit_account_id == t.credit_account_id) {
      return R::kAccountsMustBeDifferent;
    }
    if (!resolves && t.pending_id != 0) return R::kPendingIdMustBeZero;
    if (resolves && t.pending_id == 0) return R::kPendingIdMustNotBeZero;
    if (resolves && t.pending_id == t.id) return R::kPendingIdMustBeDifferent;
    if (!pending && t.timeout != 0) return R::kTimeoutReservedForPendingTransfer;
    if (!resolves && t.ledger == 0) return R::kLedgerMustNotBeZero;
    if (!resolves && t.code == 0) return R::kCodeMustNotBeZero;
    if (!resolves && t.amount == 0) return R::kAmountMustNotBeZero;

    const R r = resolves ? PostOrVoid(t, now, post) : Create(t, now, pending);
    if (RecordsFailure(r)) {
      // Recorded in the journal as failed: survives the rollback of its chain.
      TransferEntry entry;
      entry.event = t;
      entry.failed = true;
      transfers_[t.id] = entry;
      ++failed_ids_;
    }
    return r;
  }

  CreateTransferResult Create(const Transfer& t, uint64_t now, bool pending) {
    using R = CreateTransferResult;
    auto dit = accounts_.find(t.debit_account_id);
    if (dit == accounts_.end()) return R::kDebitAccountNotFound;
    auto cit = accounts_.find(t.credit_account_id);
    if (cit == accounts_.end()) return R::kCreditAccountNotFound;
    const Account& dr = dit->second.account;
    const Account& cr = cit->second.account;
    if (dr.ledger != cr.ledger) return R::kAccountsMustHaveTheSameLedger;
    if (t.ledger != dr.ledger) return R::kTransferMustHaveTheSameLedgerAsAccounts;
    if ((dr.flags & kAccountClosed) != 0) return R::kDebitAccountClosed;
    if ((cr.flags & kAccountClosed) != 0) return R::kCreditAccountClosed;
    absl::uint128 expires_at = 0;
    if (pending && t.timeout != 0) {
      expires_at = absl::uint128(now) + absl::uint128(t.timeout) * kNanosPerSecond;
      if (expires_at > kMax) return R::kOverflowsTimeout;
    }
    const uint64_t a = t.amount;
    if (pending) {
      if (Overflows(dr.debits_pending, a)) return R::kOverflowsDebitsPending;
      if (Overflows(cr.credits_pending, a)) return R::kOverflowsCreditsPending;
    } else {
      if (Overflows(dr.debits_posted, a)) return R::kOverflowsDebitsPosted;
      if (Overflows(cr.credits_posted, a)) return R::kOverflowsCreditsPosted;
    }
    // Totals after the change.
    const absl::uint128 dr_debits = absl::uint128(dr.debits_pending) + dr.debits_posted + a;
    const absl::uint128 cr_credits = absl::uint128(cr.credits_pending) + cr.credits_posted + a;
    if (dr_debits > kMax) return R::kOverflowsDebits;
    if (cr_credits > kMax) return R::kOverflowsCredits;
    if ((dr.flags & kAccountDebitsMustNotExceedCredits) != 0 && dr_debits > dr.credits_posted) {
      return R::kExceedsCredits;
    }
    if ((cr.flags & kAccountCreditsMustNotExceedDebits) != 0 && cr_credits > cr.debits_posted) {
      return R::kExceedsDebits;
    }

    Account d = dr;
    Account c = cr;
    if (pending) {
      d.debits_pending += a;
      c.credits_pending += a;
    } else {
      d.debits_posted += a;
      c.credits_posted += a;
    }
    PutAccount(d);
    PutAccount(c);
    TransferEntry entry;
    entry.event = t;
    if (pending) {
      entry.state = PendingState::kPending;
      entry.expires_at = expires_at;
      InsertOpenPending(t.id);
    }
    PutTransfer(t.id, entry);
    CountOk();
    return R::kOk;
  }

  CreateTransferResult PostOrVoid(const Transfer& t, uint64_t now, bool post) {
    using R = CreateTransferResult;
    auto pit = transfers_.find(t.pending_id);
    if (pit == transfers_.end() || pit->second.failed) return R::kPendingTransferNotFound;
    const TransferEntry p = pit->second;
    if ((p.event.flags & kTransferPending) == 0) return R::kPendingTransferNotPending;
    if (p.state == PendingState::kPosted) return R::kPendingTransferAlreadyPosted;
    if (p.state == PendingState::kVoided) return R::kPendingTransferAlreadyVoided;
    if (p.state == PendingState::kExpired) return R::kPendingTransferExpired;
    if (p.expires_at != 0 && absl::uint128(now) > p.expires_at) {
      return R::kPendingTransferExpired;  // due, but not yet voided by an expiry record
    }
    const Transfer& pe = p.event;
    if (t.debit_account_id != 0 && t.debit_account_id != pe.debit_account_id) {
      return R::kPendingTransferHasDifferentDebitAccountId;
    }
    if (t.credit_account_id != 0 && t.credit_account_id != pe.credit_account_id) {
      return R::kPendingTransferHasDifferentCreditAccountId;
    }
    if (t.ledger != 0 && t.ledger != pe.ledger) return R::kPendingTransferHasDifferentLedger;
    if (t.code != 0 && t.code != pe.code) return R::kPendingTransferHasDifferentCode;
    if (post && t.amount > pe.amount) return R::kExceedsPendingTransferAmount;
    if (!post && t.amount != 0 && t.amount != pe.amount) {
      return R::kPendingTransferHasDifferentAmount;
    }
    const uint64_t posted = post ? (t.amount == 0 ? pe.amount : t.amount) : 0;
    const Account& dr = accounts_.at(pe.debit_account_id).account;
    const Account& cr = accounts_.at(pe.credit_account_id).account;
    if (post) {
      if (Overflows(dr.debits_posted, posted)) return R::kOverflowsDebitsPosted;
      if (Overflows(cr.credits_posted, posted)) return R::kOverflowsCreditsPosted;
    }

    Release(pe.debit_account_id, pe.credit_account_id, pe.amount, posted);
    TransferEntry resolved_pending = p;
    resolved_pending.state = post ? PendingState::kPosted : PendingState::kVoided;
    PutTransfer(t.pending_id, resolved_pending);
    EraseOpenPending(t.pending_id);

    TransferEntry entry;
    entry.event = t;
    entry.resolved_debit = pe.debit_account_id;
    entry.resolved_credit = pe.credit_account_id;
    entry.resolved_ledger = pe.ledger;
    entry.resolved_code = pe.code;
    entry.resolved_amount = post ? posted : pe.amount;
    PutTransfer(t.id, entry);
    CountOk();
    return R::kOk;
  }

  // Takes `reserved` off both pending balances and posts `posted` (0 for void and expiry).
  void Release(const Id& debit, const Id& credit, uint64_t reserved, uint64_t posted) {
    Account d = accounts_.at(debit).account;
    d.debits_pending -= reserved;
    d.debits_posted += posted;
    PutAccount(d);
    Account c = accounts_.at(credit).account;
    c.credits_pending -= reserved;
    c.credits_posted += posted;
    PutAccount(c);
  }

  // ---- Changes, with undo inside a chain -----------------------------------------------------

  void Remember(std::function<void()> undo) {
    if (in_chain_) undo_.push_back(std::move(undo));
  }

  void PutAccount(const Account& a) {
    AccountEntry& entry = accounts_.at(a.id);
    const Account old = entry.account;
    Remember([this, old] { accounts_.at(old.id).account = old; });
    entry.account = a;
  }

  void PutTransfer(const Id& id, const TransferEntry& entry) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) {
      Remember([this, id] { transfers_.erase(id); });
      transfers_.emplace(id, entry);
    } else {
      const TransferEntry old = it->second;
      Remember([this, id, old] { transfers_[id] = old; });
      it->second = entry;
    }
  }

  void InsertOpenPending(const Id& id) {
    Remember([this, id] { open_pending_.erase(id); });
    open_pending_.insert(id);
  }

  void EraseOpenPending(const Id& id) {
    Remember([this, id] { open_pending_.insert(id); });
    open_pending_.erase(id);
  }

  void CountOk() {
    Remember([this] { --ok_transfers_; });
    ++ok_transfers_;
  }

  std::map<Id, AccountEntry> accounts_;
  std::map<Id, TransferEntry> transfers_;  // the id index: successes and failed ids
  std::set<Id> open_pending_;              // successful pending transfers not yet resolved
  uint64_t ok_transfers_ = 0;
  uint64_t failed_ids_ = 0;
  bool in_chain_ = false;
  std::vector<std::function<void()>> undo_;
};

}  // namespace points::testing

#endif  // POINTS_TESTS_ENGINE_REFERENCE_MODEL_H_

// The apply step: checks one event in the documented order (engine/README.md, "Order of
// checks") and, when it passes, changes the in-memory ledger and appends its journal record.
#include "ledger_state.h"
#include "ledger_state_undo.h"
#include "points/check.h"
#include "points/limits.h"

namespace points {
namespace {

using TR = CreateTransferResult;
using AR = CreateAccountResult;

bool Has(uint16_t flags, uint16_t flag) { return (flags & flag) != 0; }

// a + b, or false when it would wrap.
bool Add(uint64_t a, uint64_t b, uint64_t* sum) { return !__builtin_add_overflow(a, b, sum); }

Balances BalancesOf(const Account& a) {
  return {a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted};
}

}  // namespace

// ---- Accounts ----

CreateAccountResult LedgerState::CreateAccount(const Account& a, uint64_t timestamp) {
  if (journaling_ && a.timestamp != 0) return AR::kTimestampMustBeZero;
  if ((a.flags & ~kAccountFlagsKnown) != 0) return AR::kReservedFlag;
  if (a.id == 0) return AR::kIdMustNotBeZero;
  if (const uint32_t* found = account_index_.Find(a.id); found != nullptr) {
    const AccountState& e = accounts_[*found];
    if (a.flags != e.created_flags) return AR::kExistsWithDifferentFlags;
    if (a.user_data_128 != e.account.user_data_128) return AR::kExistsWithDifferentUserData128;
    if (a.user_data_64 != e.account.user_data_64) return AR::kExistsWithDifferentUserData64;
    if (a.user_data_32 != e.account.user_data_32) return AR::kExistsWithDifferentUserData32;
    if (a.ledger != e.account.ledger) return AR::kExistsWithDifferentLedger;
    if (a.code != e.account.code) return AR::kExistsWithDifferentCode;
    return AR::kExists;
  }
  if (Has(a.flags, kAccountDebitsMustNotExceedCredits) &&
      Has(a.flags, kAccountCreditsMustNotExceedDebits)) {
    return AR::kFlagsAreMutuallyExclusive;
  }
  if (a.debits_pending != 0) return AR::kDebitsPendingMustBeZero;
  if (a.debits_posted != 0) return AR::kDebitsPostedMustBeZero;
  if (a.credits_pending != 0) return AR::kCreditsPendingMustBeZero;
  if (a.credits_posted != 0) return AR::kCreditsPostedMustBeZero;
  if (a.ledger == 0) return AR::kLedgerMustNotBeZero;
  if (a.code == 0) return AR::kCodeMustNotBeZero;
  if (accounts_.size() >= kAccountsMax) return AR::kAccountsLimitReached;

  AccountState& state = accounts_.emplace_back();
  state.account = a;
  state.account.timestamp = timestamp;
  state.created_flags = a.flags;
  if (Has(a.flags, kAccountHistory)) {
    state.balance_history = std::make_unique<std::vector<AccountBalance>>();
  }
  POINTS_CHECK(account_index_.Insert(static_cast<uint32_t>(accounts_.size() - 1)));
  if (journaling_) {
    Undo undo;
    undo.kind = Undo::kAccountCreated;
    undo.id = a.id;
    undo_.push_back(undo);
    Append(EncodeAccountCreated(state.account));
  }
  last_timestamp_ = timestamp;
  return AR::kOk;
}

CloseAccountResult LedgerState::CloseAccount(Id id, uint64_t timestamp) {
  using CR = CloseAccountResult;
  if (id == 0) return CR::kIdMustNotBeZero;
  const uint32_t* found = account_index_.Find(id);
  if (found == nullptr) return CR::kAccountNotFound;
  Account& a = accounts_[*found].account;
  if (Has(a.flags, kAccountClosed)) return CR::kAccountAlreadyClosed;
  if (a.debits_pending != 0 || a.credits_pending != 0) return CR::kAccountHasPendingBalance;
  if (journaling_) {
    Undo undo;
    undo.kind = Undo::kAccountClosed;
    undo.debit_index = *found;
    undo.old_flags = a.flags;
    undo_.push_back(undo);
    Append(EncodeAccountClosed(id, timestamp));
  }
  a.flags |= kAccountClosed;
  last_timestamp_ = timestamp;
  return CR::kOk;
}

// ---- Transfers ----

CreateTransferResult LedgerState::CreateTransfer(const Transfer& t, uint64_t timestamp,
                                                 uint64_t* out_ts) {
  if (journaling_ && t.timestamp != 0) return TR::kTimestampMustBeZero;
  if ((t.flags & ~kTransferFlagsKnown) != 0) return TR::kReservedFlag;
  if (t.id == 0) return TR::kIdMustNotBeZero;
  if (auto it = ids_.find(t.id); it != ids_.end()) {
    return CompareWithOriginal(t, it->second, out_ts);
  }
  const bool pending = Has(t.flags, kTransferPending);
  const bool post = Has(t.flags, kTransferPostPendingTransfer);
  const bool void_pending = Has(t.flags, kTransferVoidPendingTransfer);
  if (int{pending} + int{post} + int{void_pending} > 1) return TR::kFlagsAreMutuallyExclusive;
  const bool resolving = post || void_pending;
  if (!resolving) {
    if (t.debit_account_id == 0) return TR::kDebitAccountIdMustNotBeZero;
    if (t.credit_account_id == 0) return TR::kCreditAccountIdMustNotBeZero;
  }
  if (t.debit_account_id != 0 && t.debit_account_id == t.credit_account_id) {
    return TR::kAccountsMustBeDifferent;
  }
  if (!resolving && t.pending_id != 0) return TR::kPendingIdMustBeZero;
  if (resolving && t.pending_id == 0) return TR::kPendingIdMustNotBeZero;
  if (resolving && t.pending_id == t.id) return TR::kPendingIdMustBeDifferent;
  if (!pending && t.timeout != 0) return TR::kTimeoutReservedForPendingTransfer;
  if (!resolving) {
    if (t.ledger == 0) return TR::kLedgerMustNotBeZero;
    if (t.code == 0) return TR::kCodeMustNotBeZero;
    if (t.amount == 0) return TR::kAmountMustNotBeZero;
  }
  const TR result = resolving ? Resolve(t, timestamp) : CreateNew(t, timestamp);
  if (result == TR::kOk) *out_ts = timestamp;
  return result;
}

CreateTransferResult LedgerState::CompareWithOriginal(const Transfer& t, const IdEntry& entry,
                                                      uint64_t* out_ts) const {
  const DecodedRecord* original = Original(t.id, entry);
  POINTS_CHECK(original != nullptr);  // prefetch guarantees it
  const Transfer& o = original->transfer;
  *out_ts = entry.timestamp;  // every exists* result carries the original's timestamp
  if (t.flags != o.flags) return TR::kExistsWithDifferentFlags;
  if (t.debit_account_id != o.debit_account_id) return TR::kExistsWithDifferentDebitAccountId;
  if (t.credit_account_id != o.credit_account_id) return TR::kExistsWithDifferentCreditAccountId;
  if (t.amount != o.amount) return TR::kExistsWithDifferentAmount;
  if (t.pending_id != o.pending_id) return TR::kExistsWithDifferentPendingId;
  if (t.user_data_128 != o.user_data_128) return TR::kExistsWithDifferentUserData128;
  if (t.user_data_64 != o.user_data_64) return TR::kExistsWithDifferentUserData64;
  if (t.user_data_32 != o.user_data_32) return TR::kExistsWithDifferentUserData32;
  if (t.timeout != o.timeout) return TR::kExistsWithDifferentTimeout;
  if (t.ledger != o.ledger) return TR::kExistsWithDifferentLedger;
  if (t.code != o.code) return TR::kExistsWithDifferentCode;
  return entry.failed_result == 0 ? TR::kExists : TR::kIdAlreadyFailed;
}

CreateTransferResult LedgerState::CreateNew(const Transfer& t, uint64_t timestamp) {
  NewTransfer n;
  if (const CreateTransferResult result = CheckNew(t, timestamp, &n); result != TR::kOk) {
    return result;
  }
  ApplyNew(t, timestamp, n);
  return TR::kOk;
}

CreateTransferResult LedgerState::CheckNew(const Transfer& t, uint64_t timestamp,
                                           NewTransfer* out) const {
  const uint32_t* dr_at = account_index_.Find(t.debit_account_id);
  if (dr_at == nullptr) return TR::kDebitAccountNotFound;
  const uint32_t* cr_at = account_index_.Find(t.credit_account_id);
  if (cr_at == nullptr) return TR::kCreditAccountNotFound;
  const Account& dr = accounts_[*dr_at].account;
  const Account& cr = accounts_[*cr_at].account;
  if (dr.ledger != cr.ledger) return TR::kAccountsMustHaveTheSameLedger;
  if (t.ledger != dr.ledger) return TR::kTransferMustHaveTheSameLedgerAsAccounts;
  if (Has(dr.flags, kAccountClosed)) return TR::kDebitAccountClosed;
  if (Has(cr.flags, kAccountClosed)) return TR::kCreditAccountClosed;
  NewTransfer& n = *out;
  n.debit_index = *dr_at;
  n.credit_index = *cr_at;
  n.pending = Has(t.flags, kTransferPending);
  if (n.pending && t.timeout != 0 &&
      !Add(timestamp, uint64_t{t.timeout} * kNanosPerSecond, &n.expires_at)) {
    return TR::kOverflowsTimeout;
  }
  n.debit_new = BalancesOf(dr);
  n.credit_new = BalancesOf(cr);
  if (n.pending) {
    if (!Add(dr.debits_pending, t.amount, &n.debit_new.debits_pending)) {
      return TR::kOverflowsDebitsPending;
    }
    if (!Add(cr.credits_pending, t.amount, &n.credit_new.credits_pending)) {
      return TR::kOverflowsCreditsPending;
    }
  } else {
    if (!Add(dr.debits_posted, t.amount, &n.debit_new.debits_posted)) {
      return TR::kOverflowsDebitsPosted;
    }
    if (!Add(cr.credits_posted, t.amount, &n.credit_new.credits_posted)) {
      return TR::kOverflowsCreditsPosted;
    }
  }
  uint64_t debits_total;
  uint64_t credits_total;
  if (!Add(n.debit_new.debits_pending, n.debit_new.debits_posted, &debits_total)) {
    return TR::kOverflowsDebits;
  }
  if (!Add(n.credit_new.credits_pending, n.credit_new.credits_posted, &credits_total)) {
    return TR::kOverflowsCredits;
  }
  if (Has(dr.flags, kAccountDebitsMustNotExceedCredits) && debits_total > dr.credits_posted) {
    return TR::kExceedsCredits;
  }
  if (Has(cr.flags, kAccountCreditsMustNotExceedDebits) && credits_total > cr.debits_posted) {
    return TR::kExceedsDebits;
  }
  if (ids_.size() >= kTransfersMax) return TR::kTransfersLimitReached;
  if (n.pending && pending_.size() >= kPendingTransfersMax) {
    return TR::kPendingTransfersLimitReached;
  }
  return TR::kOk;
}

void LedgerState::ApplyNew(const Transfer& t, uint64_t timestamp, const NewTransfer& n) {
  AccountState& dr_state = accounts_[n.debit_index];
  AccountState& cr_state = accounts_[n.credit_index];
  Account& dr = dr_state.account;
  Account& cr = cr_state.account;
  if (journaling_) {
    Undo undo;
    undo.kind = Undo::kTransfer;
    undo.id = t.id;
    undo.debit_index = n.debit_index;
    undo.credit_index = n.credit_index;
    undo.debit_old = BalancesOf(dr);
    undo.credit_old = BalancesOf(cr);
    undo.created_pending = n.pending;
    undo_.push_back(undo);
    Transfer journaled = t;
    journaled.timestamp = timestamp;
    Append(EncodeTransfer(RecordKind::kTransfer, journaled, 0));
  }
  dr.debits_pending = n.debit_new.debits_pending;
  dr.debits_posted = n.debit_new.debits_posted;
  cr.credits_pending = n.credit_new.credits_pending;
  cr.credits_posted = n.credit_new.credits_posted;
  ids_.emplace(t.id,
               IdEntry{timestamp, 0, n.pending ? PendingState::kOpen : PendingState::kNotPending});
  ++transfer_count_;
  if (n.pending) {
    pending_.emplace(
        t.id, PendingInfo{t.amount, n.expires_at, n.debit_index, n.credit_index, t.ledger, t.code});
    if (n.expires_at != 0) expiry_.push(ExpiryEntry{n.expires_at, t.id});
  }
  dr_state.transfer_timestamps.push_back(timestamp);
  cr_state.transfer_timestamps.push_back(timestamp);
  PushBalance(dr_state, timestamp);
  PushBalance(cr_state, timestamp);
  POINTS_CHECK(!Has(dr.flags, kAccountDebitsMustNotExceedCredits) ||
               dr.debits_pending + dr.debits_posted <= dr.credits_posted);
  POINTS_CHECK(!Has(cr.flags, kAccountCreditsMustNotExceedDebits) ||
               cr.credits_pending + cr.credits_posted <= cr.debits_posted);
  last_timestamp_ = timestamp;
}

CreateTransferResult LedgerState::Resolve(const Transfer& t, uint64_t timestamp) {
  auto entry_it = ids_.find(t.pending_id);
  if (entry_it == ids_.end() || entry_it->second.failed_result != 0) {
    return TR::kPendingTransferNotFound;
  }
  switch (entry_it->second.pending_state) {
    case PendingState::kNotPending:
      return TR::kPendingTransferNotPending;
    case PendingState::kPosted:
      return TR::kPendingTransferAlreadyPosted;
    case PendingState::kVoided:
      return TR::kPendingTransferAlreadyVoided;
    case PendingState::kExpired:
      return TR::kPendingTransferExpired;
    case PendingState::kOpen:
      break;
  }
  auto pending_it = pending_.find(t.pending_id);
  POINTS_CHECK(pending_it != pending_.end());
  const PendingInfo info = pending_it->second;
  if (info.expires_at != 0 && info.expires_at <= now_ns_) return TR::kPendingTransferExpired;
  const Account& dr = accounts_[info.debit_index].account;
  const Account& cr = accounts_[info.credit_index].account;
  if (t.debit_account_id != 0 && t.debit_account_id != dr.id) {
    return TR::kPendingTransferHasDifferentDebitAccountId;
  }
  if (t.credit_account_id != 0 && t.credit_account_id != cr.id) {
    return TR::kPendingTransferHasDifferentCreditAccountId;
  }
  if (t.ledger != 0 && t.ledger != info.ledger) return TR::kPendingTransferHasDifferentLedger;
  if (t.code != 0 && t.code != info.code) return TR::kPendingTransferHasDifferentCode;
  const bool post = Has(t.flags, kTransferPostPendingTransfer);
  if (post && t.amount > info.amount) return TR::kExceedsPendingTransferAmount;
  if (!post && t.amount != 0 && t.amount != info.amount) {
    return TR::kPendingTransferHasDifferentAmount;
  }
  const uint64_t post_amount = post ? (t.amount == 0 ? info.amount : t.amount) : 0;
  uint64_t sum;
  if (!Add(dr.debits_posted, post_amount, &sum)) return TR::kOverflowsDebitsPosted;
  if (!Add(cr.credits_posted, post_amount, &sum)) return TR::kOverflowsCreditsPosted;
  if (ids_.size() >= kTransfersMax) return TR::kTransfersLimitReached;

  Undo undo;
  undo.kind = Undo::kResolve;
  undo.id = t.id;
  ReleasePending(t.pending_id, timestamp, post_amount, &undo);
  entry_it = ids_.find(t.pending_id);  // ReleasePending kept the entry; refind after no insert
  entry_it->second.pending_state = post ? PendingState::kPosted : PendingState::kVoided;
  ids_.emplace(t.id, IdEntry{timestamp, 0, PendingState::kNotPending});
  ++transfer_count_;
  accounts_[info.debit_index].transfer_timestamps.push_back(timestamp);
  accounts_[info.credit_index].transfer_timestamps.push_back(timestamp);
  if (journaling_) {
    undo_.push_back(undo);
    Transfer journaled = t;
    journaled.timestamp = timestamp;
    Append(EncodeTransfer(RecordKind::kTransfer, journaled, 0));
  }
  last_timestamp_ = timestamp;
  return TR::kOk;
}

// Moves a pending reservation out of the pending balances, posting `post_amount` of it, and
// forgets the open pending transfer. Records what it changed in `undo`.
void LedgerState::ReleasePending(Id pending_id, uint64_t timestamp, uint64_t post_amount,
                                 Undo* undo) {
  auto pending_it = pending_.find(pending_id);
  POINTS_CHECK(pending_it != pending_.end());
  const PendingInfo info = pending_it->second;
  POINTS_CHECK(post_amount <= info.amount);
  AccountState& dr_state = accounts_[info.debit_index];
  AccountState& cr_state = accounts_[info.credit_index];
  Account& dr = dr_state.account;
  Account& cr = cr_state.account;
  undo->pending_id = pending_id;
  undo->pending = info;
  undo->debit_index = info.debit_index;
  undo->credit_index = info.credit_index;
  undo->debit_old = BalancesOf(dr);
  undo->credit_old = BalancesOf(cr);
  POINTS_CHECK(dr.debits_pending >= info.amount);
  POINTS_CHECK(cr.credits_pending >= info.amount);
  dr.debits_pending -= info.amount;
  cr.credits_pending -= info.amount;
  dr.debits_posted += post_amount;  // overflow checked by the caller
  cr.credits_posted += post_amount;
  pending_.erase(pending_it);
  PushBalance(dr_state, timestamp);
  PushBalance(cr_state, timestamp);
}

uint64_t LedgerState::ExpireDue() {
  uint64_t expired = 0;
  while (!expiry_.empty() && expiry_.top().expires_at <= now_ns_ &&
         expired < kExpiriesPerGroupMax) {
    const ExpiryEntry due = expiry_.top();
    expiry_.pop();
    auto pending_it = pending_.find(due.pending_id);
    // Stale entries (resolved, or rolled back and re-created) are skipped: lazy deletion.
    if (pending_it == pending_.end() || pending_it->second.expires_at != due.expires_at) continue;
    const PendingInfo info = pending_it->second;
    const uint64_t timestamp = group_first_timestamp_ + records_.size();
    Undo undo;
    undo.kind = Undo::kExpire;
    ReleasePending(due.pending_id, timestamp, 0, &undo);
    ids_.find(due.pending_id)->second.pending_state = PendingState::kExpired;
    undo_.push_back(undo);
    Transfer fields;
    fields.pending_id = due.pending_id;
    fields.debit_account_id = accounts_[info.debit_index].account.id;
    fields.credit_account_id = accounts_[info.credit_index].account.id;
    fields.amount = info.amount;
    fields.ledger = info.ledger;
    fields.code = info.code;
    fields.timestamp = timestamp;
    Append(EncodeTransfer(RecordKind::kPendingExpired, fields, 0));
    last_timestamp_ = timestamp;
    ++expired;
  }
  return expired;
}

void LedgerState::RecordFailedId(const Transfer& t, CreateTransferResult result) {
  if (ids_.size() >= kTransfersMax) return;  // cannot record: the retry fails the same way
  const uint64_t timestamp = group_first_timestamp_ + records_.size();
  ids_.emplace(t.id, IdEntry{timestamp, static_cast<uint8_t>(result), PendingState::kNotPending});
  Undo undo;
  undo.kind = Undo::kFailedId;
  undo.id = t.id;
  undo_.push_back(undo);
  Transfer journaled = t;
  journaled.timestamp = timestamp;
  Append(EncodeTransfer(RecordKind::kTransferFailed, journaled, static_cast<uint32_t>(result)));
  last_timestamp_ = timestamp;
}

void LedgerState::PushBalance(AccountState& state, uint64_t timestamp) {
  if (!state.balance_history) return;
  const Account& a = state.account;
  state.balance_history->push_back(AccountBalance{timestamp, a.debits_pending, a.debits_posted,
                                                  a.credits_pending, a.credits_posted});
}

// ---- Batches and linked chains ----

struct LedgerState::AccountTraits {
  static constexpr uint16_t kLinked = kAccountLinked;
  static bool Succeeded(AR r) { return r == AR::kOk || r == AR::kExists; }
  static AR LinkedFailed() { return AR::kLinkedEventFailed; }
  static AR ChainOpen() { return AR::kLinkedEventChainOpen; }
  static AR Apply(LedgerState& s, const Account& a, AccountEventResult* out) {
    const uint64_t ts = s.group_first_timestamp_ + s.records_.size();
    out->result = s.CreateAccount(a, ts);
    if (out->result == AR::kOk) out->timestamp = ts;
    if (out->result == AR::kExists) {
      out->timestamp = s.accounts_[*s.account_index_.Find(a.id)].account.timestamp;
    }
    return out->result;
  }
  static void RecordFailure(LedgerState&, const Account&, AR) {}
  static void PrefetchAhead(LedgerState&, absl::Span<const Account>, size_t) {}
};

struct LedgerState::TransferTraits {
  static constexpr uint16_t kLinked = kTransferLinked;
  static bool Succeeded(TR r) { return r == TR::kOk || r == TR::kExists; }
  static TR LinkedFailed() { return TR::kLinkedEventFailed; }
  static TR ChainOpen() { return TR::kLinkedEventChainOpen; }
  static TR Apply(LedgerState& s, const Transfer& t, TransferEventResult* out) {
    const uint64_t ts = s.group_first_timestamp_ + s.records_.size();
    out->result = s.CreateTransfer(t, ts, &out->timestamp);
    return out->result;
  }
  static void RecordFailure(LedgerState& s, const Transfer& t, TR result) {
    if (RecordsFailedId(result)) s.RecordFailedId(t, result);
  }
  static void PrefetchAhead(LedgerState& s, absl::Span<const Transfer> events, size_t i) {
    constexpr size_t kSlotsAhead = 24;
    constexpr size_t kAccountsAhead = 12;
    if (i + kSlotsAhead < events.size()) s.PrefetchSlots(events[i + kSlotsAhead]);
    if (i + kAccountsAhead < events.size()) s.PrefetchAccounts(events[i + kAccountsAhead]);
  }
};

template <typename Event, typename Result, typename Traits>
void LedgerState::ApplyChained(absl::Span<const Event> events, Result* results) {
  const size_t n = events.size();
  size_t open_chain_start = n;
  if (n > 0 && Has(events[n - 1].flags, Traits::kLinked)) {
    open_chain_start = n - 1;
    while (open_chain_start > 0 && Has(events[open_chain_start - 1].flags, Traits::kLinked)) {
      --open_chain_start;
    }
  }
  size_t i = 0;
  while (i < n) {
    if (i >= open_chain_start) {
      for (size_t j = i; j < n; ++j) {
        results[j] = {j + 1 == n ? Traits::ChainOpen() : Traits::LinkedFailed(), 0};
      }
      return;
    }
    size_t end = i;
    while (Has(events[end].flags, Traits::kLinked)) ++end;
    ++end;  // the chain's last event carries no linked flag
    const size_t mark = Mark();
    const uint64_t chain_first_timestamp = group_first_timestamp_ + records_.size();
    size_t failed_at = end;
    for (size_t j = i; j < end; ++j) {
      Traits::PrefetchAhead(*this, events, j);
      if (!Traits::Succeeded(Traits::Apply(*this, events[j], &results[j]))) {
        failed_at = j;
        break;
      }
    }
    if (failed_at != end) {
      if (end - i > 1) {
        RollbackTo(mark);
        for (size_t j = i; j < end; ++j) {
          if (j != failed_at) results[j] = {Traits::LinkedFailed(), 0};
        }
        // An exists* result can name an event of this very chain, now rolled back: that record
        // never reaches the journal, so its timestamp is not reported.
        if (results[failed_at].timestamp >= chain_first_timestamp) results[failed_at].timestamp = 0;
      }
      Traits::RecordFailure(*this, events[failed_at], results[failed_at].result);
    }
    i = end;
  }
}

void LedgerState::CreateAccounts(absl::Span<const Account> events, AccountEventResult* results) {
  ApplyChained<Account, AccountEventResult, AccountTraits>(events, results);
}

void LedgerState::CreateTransfers(absl::Span<const Transfer> events, TransferEventResult* results) {
  ApplyChained<Transfer, TransferEventResult, TransferTraits>(events, results);
}

void LedgerState::CloseAccounts(absl::Span<const Id> ids, CloseAccountResult* results) {
  for (size_t i = 0; i < ids.size(); ++i) {
    results[i] = CloseAccount(ids[i], group_first_timestamp_ + records_.size());
  }
}

}  // namespace points

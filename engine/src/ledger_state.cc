// LedgerState's group lifecycle, undo, replay, reads and invariant checks. The apply step itself
// is in apply.cc.
#include "ledger_state.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "ledger_state_undo.h"
#include "points/check.h"
#include "points/limits.h"

namespace points {

LedgerState::LedgerState() = default;
LedgerState::~LedgerState() = default;

// Records a group starts with room for: most groups are small; a big one grows by doubling.
constexpr size_t kRecordsReserved = 256;

void LedgerState::BeginGroup(uint64_t now_ns, uint64_t first_timestamp) {
  POINTS_CHECK(first_timestamp > last_timestamp_);
  POINTS_CHECK(!journaling_);
  POINTS_CHECK(records_.empty());
  journaling_ = true;
  now_ns_ = now_ns;
  last_timestamp_before_group_ = last_timestamp_;
  group_first_timestamp_ = first_timestamp;
  group_undo_begin_ = undo_.size();
}

std::shared_ptr<const std::vector<Record>> LedgerState::EndGroup() {
  POINTS_CHECK(journaling_);
  auto records = std::make_shared<const std::vector<Record>>(std::move(records_));
  records_ = std::vector<Record>();
  records_.reserve(kRecordsReserved);
  inflight_.push_back(InflightGroup{group_first_timestamp_, records,
                                    undo_.size() - group_undo_begin_,
                                    last_timestamp_before_group_});
  prefetched_.clear();
  journaling_ = false;
  now_ns_ = 0;
  return records;
}

void LedgerState::CommitOldestGroup() {
  POINTS_CHECK(!inflight_.empty());
  const size_t count = inflight_.front().undo_count;
  POINTS_CHECK(undo_front_ + count <= undo_.size());
  undo_front_ += count;
  inflight_.pop_front();
  constexpr size_t kCompactAfter = 4096;
  if (undo_front_ == undo_.size() ||
      (undo_front_ >= kCompactAfter && undo_front_ * 2 > undo_.size())) {
    undo_.erase(undo_.begin(), undo_.begin() + undo_front_);
    if (journaling_) group_undo_begin_ -= undo_front_;
    undo_front_ = 0;
  }
}

void LedgerState::RollbackUncommitted() {
  while (undo_.size() > undo_front_) {
    UndoOne(undo_.back());
    undo_.pop_back();
  }
  undo_.clear();
  undo_front_ = 0;
  if (!inflight_.empty()) {
    last_timestamp_ = inflight_.front().last_timestamp_before;
  } else if (journaling_) {
    last_timestamp_ = last_timestamp_before_group_;
  }
  inflight_.clear();
  records_.clear();
  prefetched_.clear();
  journaling_ = false;
  now_ns_ = 0;
}

bool LedgerState::FindUncommittedRecord(uint64_t timestamp, Record* out) const {
  for (const InflightGroup& group : inflight_) {
    if (timestamp >= group.first_timestamp &&
        timestamp - group.first_timestamp < group.records->size()) {
      *out = (*group.records)[timestamp - group.first_timestamp];
      return true;
    }
  }
  return false;
}

void LedgerState::Append(const Record& record) {
  POINTS_CHECK(RecordTimestamp(record) == group_first_timestamp_ + records_.size());
  records_.push_back(record);
  POINTS_CHECK(records_.size() == undo_.size() - group_undo_begin_);
}

void LedgerState::RollbackTo(size_t mark) {
  POINTS_CHECK(records_.size() == undo_.size() - group_undo_begin_);
  POINTS_CHECK(mark >= group_undo_begin_);
  POINTS_CHECK(mark <= undo_.size());
  while (undo_.size() > mark) {
    UndoOne(undo_.back());
    undo_.pop_back();
    records_.pop_back();
  }
  last_timestamp_ =
      records_.empty() ? last_timestamp_before_group_ : RecordTimestamp(records_.back());
}

size_t LedgerState::Mark() const { return undo_.size(); }

void LedgerState::PopBalance(AccountState& state) {
  if (state.balance_history) state.balance_history->pop_back();
}

void LedgerState::UndoOne(const Undo& undo) {
  auto restore = [this](uint32_t index, const Balances& old) {
    Account& a = accounts_[index].account;
    a.debits_pending = old.debits_pending;
    a.debits_posted = old.debits_posted;
    a.credits_pending = old.credits_pending;
    a.credits_posted = old.credits_posted;
    PopBalance(accounts_[index]);
  };
  switch (undo.kind) {
    case Undo::kAccountCreated:
      account_index_.Erase(undo.id);  // while the account is there: the index compares by it
      accounts_.pop_back();
      return;
    case Undo::kAccountClosed:
      accounts_[undo.debit_index].account.flags = undo.old_flags;
      return;
    case Undo::kFailedId:
      ids_.erase(undo.id);
      return;
    case Undo::kTransfer:
      restore(undo.debit_index, undo.debit_old);
      restore(undo.credit_index, undo.credit_old);
      accounts_[undo.debit_index].transfer_timestamps.pop_back();
      accounts_[undo.credit_index].transfer_timestamps.pop_back();
      ids_.erase(undo.id);
      --transfer_count_;
      if (undo.created_pending) pending_.erase(undo.id);
      return;
    case Undo::kResolve:
    case Undo::kExpire:
      restore(undo.debit_index, undo.debit_old);
      restore(undo.credit_index, undo.credit_old);
      pending_.emplace(undo.pending_id, undo.pending);
      ids_.find(undo.pending_id)->second.pending_state = PendingState::kOpen;
      if (undo.kind == Undo::kExpire) {
        expiry_.push(ExpiryEntry{undo.pending.expires_at, undo.pending_id});
        return;
      }
      accounts_[undo.debit_index].transfer_timestamps.pop_back();
      accounts_[undo.credit_index].transfer_timestamps.pop_back();
      ids_.erase(undo.id);
      --transfer_count_;
      return;
  }
}

bool LedgerState::NeedsOriginal(Id id, uint64_t* timestamp) const {
  auto it = ids_.find(id);
  if (it == ids_.end() || prefetched_.contains(id)) return false;
  // Records of the open and in-flight groups are not in the journal yet; apply finds them in
  // memory.
  const uint64_t found = it->second.timestamp;
  if (!inflight_.empty() && found >= inflight_.front().first_timestamp) return false;
  if (journaling_ && found >= group_first_timestamp_) return false;
  *timestamp = it->second.timestamp;
  return true;
}

void LedgerState::CollectOriginalsNeeded(absl::Span<const Transfer> transfers,
                                         std::vector<uint64_t>* timestamps) const {
  constexpr size_t kAhead = 16;  // overlap the index's cache misses (see PrefetchAhead)
  for (size_t i = 0; i < transfers.size(); ++i) {
    if (i + kAhead < transfers.size()) ids_.prefetch(transfers[i + kAhead].id);
    uint64_t timestamp;
    if (NeedsOriginal(transfers[i].id, &timestamp)) timestamps->push_back(timestamp);
  }
}

void LedgerState::AddPrefetched(const DecodedRecord& original) {
  prefetched_.emplace(original.transfer.id, original);
}

const DecodedRecord* LedgerState::Original(Id id, const IdEntry& entry) const {
  thread_local DecodedRecord uncommitted;
  if (journaling_ && entry.timestamp >= group_first_timestamp_) {
    // Created earlier in this group: decode it from the group's own records.
    const size_t position = entry.timestamp - group_first_timestamp_;
    POINTS_CHECK(position < records_.size());
    POINTS_CHECK(DecodeRecord(records_[position], &uncommitted));
    return &uncommitted;
  }
  Record record;
  if (FindUncommittedRecord(entry.timestamp, &record)) {
    POINTS_CHECK(DecodeRecord(record, &uncommitted));
    return &uncommitted;
  }
  auto it = prefetched_.find(id);
  return it == prefetched_.end() ? nullptr : &it->second;
}

void LedgerState::PrefetchSlots(const Transfer& t) const {
  ids_.prefetch(t.id);
  account_index_.Prefetch(t.debit_account_id);
  account_index_.Prefetch(t.credit_account_id);
}

void LedgerState::PrefetchAccounts(const Transfer& t) const {
  for (Id id : {t.debit_account_id, t.credit_account_id}) {
    if (const uint32_t* found = account_index_.Find(id); found != nullptr) {
      const char* line = reinterpret_cast<const char*>(&accounts_[*found]);
      __builtin_prefetch(line, 1);
      __builtin_prefetch(line + 64, 1);
    }
  }
}

absl::Status LedgerState::ReplayChunk(absl::Span<const Record> records) {
  // Decode the chunk first, so that records ahead can be prefetched (see PrefetchSlots).
  constexpr size_t kSlotsAhead = 8;
  constexpr size_t kAccountsAhead = 4;
  DecodedRecord decoded[kChunkRecordsMax];
  POINTS_CHECK(records.size() <= kChunkRecordsMax);
  for (size_t i = 0; i < records.size(); ++i) {
    if (!DecodeRecord(records[i], &decoded[i])) {
      return absl::DataLossError("journal record of unknown kind");
    }
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (i + kSlotsAhead < records.size()) PrefetchSlots(decoded[i + kSlotsAhead].transfer);
    if (i + kAccountsAhead < records.size()) {
      PrefetchAccounts(decoded[i + kAccountsAhead].transfer);
    }
    if (absl::Status status = Replay(decoded[i]); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status LedgerState::Replay(const DecodedRecord& d) {
  const Transfer& t = d.transfer;
  const uint64_t ts = t.timestamp;
  if (ts <= last_timestamp_) {
    return absl::DataLossError(absl::StrCat("journal timestamps do not increase at ", ts));
  }
  auto refuse = [ts](absl::string_view what, std::string_view result) {
    return absl::DataLossError(absl::StrCat("journal record at ", ts, " (", what,
                                            ") does not replay: ", std::string(result)));
  };
  switch (d.kind) {
    case RecordKind::kAccountCreated: {
      const CreateAccountResult r = CreateAccount(AccountFromRecord(d), ts);
      if (r != CreateAccountResult::kOk) return refuse("account", ResultName(r));
      return absl::OkStatus();
    }
    case RecordKind::kTransfer: {
      if (ids_.contains(t.id)) return refuse("transfer", "its id is already in the journal");
      uint64_t applied_ts = 0;
      Transfer request = t;
      request.timestamp = 0;
      const CreateTransferResult r = CreateTransfer(request, ts, &applied_ts);
      if (r != CreateTransferResult::kOk) return refuse("transfer", ResultName(r));
      return absl::OkStatus();
    }
    case RecordKind::kTransferFailed:
      if (!RecordsFailedId(static_cast<CreateTransferResult>(d.result))) {
        return refuse("failed id", "its result is not one that records a failed id");
      }
      if (t.id == 0 || !ids_.emplace(t.id, IdEntry{ts, static_cast<uint8_t>(d.result),
                                                   PendingState::kNotPending})
                            .second) {
        return refuse("failed id", "id zero or already used");
      }
      last_timestamp_ = ts;
      return absl::OkStatus();
    case RecordKind::kPendingExpired: {
      auto entry = ids_.find(t.pending_id);
      if (entry == ids_.end() || entry->second.pending_state != PendingState::kOpen) {
        return refuse("expiry", "pending transfer not open");
      }
      const PendingInfo& info = pending_.at(t.pending_id);
      if (info.amount != t.amount || info.ledger != t.ledger || info.code != t.code ||
          accounts_[info.debit_index].account.id != t.debit_account_id ||
          accounts_[info.credit_index].account.id != t.credit_account_id) {
        return refuse("expiry", "it does not describe the pending transfer it names");
      }
      Undo ignored;
      ReleasePending(t.pending_id, ts, 0, &ignored);
      entry->second.pending_state = PendingState::kExpired;
      last_timestamp_ = ts;
      return absl::OkStatus();
    }
    case RecordKind::kAccountClosed: {
      const CloseAccountResult r = CloseAccount(t.id, ts);
      if (r != CloseAccountResult::kOk) return refuse("close", ResultName(r));
      return absl::OkStatus();
    }
  }
  return absl::DataLossError("unreachable record kind");
}

void LedgerState::RebuildExpiryQueue() {
  std::vector<ExpiryEntry> entries;
  for (const auto& [id, info] : pending_) {
    if (info.expires_at != 0) entries.push_back(ExpiryEntry{info.expires_at, id});
  }
  expiry_ = decltype(expiry_)(std::greater<ExpiryEntry>(), std::move(entries));
}

const AccountState* LedgerState::FindAccount(Id id) const {
  const uint32_t* found = account_index_.Find(id);
  return found == nullptr ? nullptr : &accounts_[*found];
}

const IdEntry* LedgerState::FindId(Id id) const {
  auto it = ids_.find(id);
  return it == ids_.end() ? nullptr : &it->second;
}

absl::Status LedgerState::CheckInvariants() const {
  struct Sums {
    absl::uint128 debits_pending = 0, debits_posted = 0, credits_pending = 0, credits_posted = 0;
  };
  std::map<uint32_t, Sums> by_ledger;
  std::vector<Balances> pending_by_account(accounts_.size());
  for (const auto& [id, info] : pending_) {
    pending_by_account[info.debit_index].debits_pending += info.amount;
    pending_by_account[info.credit_index].credits_pending += info.amount;
  }
  for (size_t i = 0; i < accounts_.size(); ++i) {
    const Account& a = accounts_[i].account;
    Sums& sums = by_ledger[a.ledger];
    sums.debits_pending += a.debits_pending;
    sums.debits_posted += a.debits_posted;
    sums.credits_pending += a.credits_pending;
    sums.credits_posted += a.credits_posted;
    const absl::uint128 debits = absl::uint128(a.debits_pending) + a.debits_posted;
    const absl::uint128 credits = absl::uint128(a.credits_pending) + a.credits_posted;
    if ((a.flags & kAccountDebitsMustNotExceedCredits) && debits > a.credits_posted) {
      return absl::InternalError(absl::StrCat("account ", IdText(a.id), " breaks its debit floor"));
    }
    if ((a.flags & kAccountCreditsMustNotExceedDebits) && credits > a.debits_posted) {
      return absl::InternalError(
          absl::StrCat("account ", IdText(a.id), " breaks its credit floor"));
    }
    if (pending_by_account[i].debits_pending != a.debits_pending ||
        pending_by_account[i].credits_pending != a.credits_pending) {
      return absl::InternalError(absl::StrCat("account ", IdText(a.id),
                                              " pending balances differ from its open transfers"));
    }
  }
  for (const auto& [ledger, sums] : by_ledger) {
    if (sums.debits_posted != sums.credits_posted) {
      return absl::InternalError(absl::StrCat("ledger ", ledger, ": posted debits ",
                                              IdText(sums.debits_posted), " != credits ",
                                              IdText(sums.credits_posted)));
    }
    if (sums.debits_pending != sums.credits_pending) {
      return absl::InternalError(absl::StrCat("ledger ", ledger, ": pending debits ",
                                              IdText(sums.debits_pending), " != credits ",
                                              IdText(sums.credits_pending)));
    }
  }
  return absl::OkStatus();
}

absl::Status LedgerState::CompareWith(const LedgerState& other) const {
  if (accounts_.size() != other.accounts_.size()) {
    return absl::DataLossError(absl::StrCat("accounts: ", accounts_.size(), " live, ",
                                            other.accounts_.size(), " from the journal"));
  }
  for (size_t i = 0; i < accounts_.size(); ++i) {
    const AccountState& a = accounts_[i];
    const AccountState& b = other.accounts_[i];
    const bool same_history =
        (a.balance_history == nullptr) == (b.balance_history == nullptr) &&
        (a.balance_history == nullptr || *a.balance_history == *b.balance_history);
    if (!(a.account == b.account) || a.created_flags != b.created_flags ||
        a.transfer_timestamps != b.transfer_timestamps || !same_history) {
      return absl::DataLossError(
          absl::StrCat("account ", IdText(a.account.id), " differs from its journal replay"));
    }
  }
  if (ids_.size() != other.ids_.size() || transfer_count_ != other.transfer_count_) {
    return absl::DataLossError(
        absl::StrCat("id index: ", ids_.size(), " live, ", other.ids_.size(), " from the journal"));
  }
  for (const auto& [id, entry] : ids_) {
    auto it = other.ids_.find(id);
    if (it == other.ids_.end() || !(it->second == entry)) {
      return absl::DataLossError(absl::StrCat("id index entry ", IdText(id), " differs"));
    }
  }
  if (pending_.size() != other.pending_.size()) {
    return absl::DataLossError("open pending transfers differ in number");
  }
  for (const auto& [id, info] : pending_) {
    auto it = other.pending_.find(id);
    if (it == other.pending_.end() || !(it->second == info)) {
      return absl::DataLossError(absl::StrCat("open pending transfer ", IdText(id), " differs"));
    }
  }
  if (last_timestamp_ != other.last_timestamp_) {
    return absl::DataLossError("last timestamp differs");
  }
  return absl::OkStatus();
}

}  // namespace points

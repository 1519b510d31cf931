#include "server/convert/convert.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "points/limits.h"

namespace points::server {
namespace {

constexpr uint32_t kCodeMax = UINT16_MAX;

absl::Status Invalid(const std::string& field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status CheckCount(int count, size_t max, const std::string& field) {
  if (count == 0) return Invalid(field, "send at least one");
  if (static_cast<size_t>(count) > max) {
    return Invalid(field, absl::StrCat("got ", count, ", the limit is ", max, " per request"));
  }
  return absl::OkStatus();
}

absl::Status CheckCode(uint32_t code, const std::string& field) {
  if (code > kCodeMax) return Invalid(field, absl::StrCat("must be 0..65535, got ", code));
  return absl::OkStatus();
}

// Shared by accounts and transfers: `user_data_128` may be empty (zero) or 16 bytes.
absl::Status ReadUserData128(const std::string& bytes, const std::string& field, Id* out) {
  absl::StatusOr<Id> id = IdFromBytes(bytes, field, /*allow_empty=*/true);
  if (!id.ok()) return id.status();
  *out = *id;
  return absl::OkStatus();
}

uint16_t AccountFlagsFromProto(const v1::AccountFlags& f) {
  return (f.linked() ? kAccountLinked : 0) |
         (f.debits_must_not_exceed_credits() ? kAccountDebitsMustNotExceedCredits : 0) |
         (f.credits_must_not_exceed_debits() ? kAccountCreditsMustNotExceedDebits : 0) |
         (f.history() ? kAccountHistory : 0) | (f.closed() ? kAccountClosed : 0);
}

uint16_t TransferFlagsFromProto(const v1::TransferFlags& f) {
  return (f.linked() ? kTransferLinked : 0) | (f.pending() ? kTransferPending : 0) |
         (f.post_pending_transfer() ? kTransferPostPendingTransfer : 0) |
         (f.void_pending_transfer() ? kTransferVoidPendingTransfer : 0);
}

}  // namespace

absl::StatusOr<Id> IdFromBytes(const std::string& bytes, const std::string& field,
                               bool allow_empty) {
  if (bytes.empty() && allow_empty) return Id(0);
  if (bytes.size() != 16) {
    return Invalid(field,
                   absl::StrCat("must be 16 bytes (a 128-bit id, big-endian), got ", bytes.size()));
  }
  uint64_t high = 0;
  uint64_t low = 0;
  for (int i = 0; i < 8; ++i) high = (high << 8) | static_cast<uint8_t>(bytes[i]);
  for (int i = 8; i < 16; ++i) low = (low << 8) | static_cast<uint8_t>(bytes[i]);
  return absl::MakeUint128(high, low);
}

std::string IdToBytes(Id id) {
  std::string bytes(16, '\0');
  uint64_t high = absl::Uint128High64(id);
  uint64_t low = absl::Uint128Low64(id);
  for (int i = 7; i >= 0; --i, high >>= 8) bytes[i] = static_cast<char>(high & 0xff);
  for (int i = 15; i >= 8; --i, low >>= 8) bytes[i] = static_cast<char>(low & 0xff);
  return bytes;
}

std::string IdToHex(Id id) { return absl::BytesToHexString(IdToBytes(id)); }

Id IdOrZero(const std::string& bytes) {
  absl::StatusOr<Id> id = IdFromBytes(bytes, "id");
  return id.ok() ? *id : Id{0};
}

absl::StatusOr<std::vector<Account>> AccountsFromProto(const v1::CreateAccountsRequest& request) {
  if (absl::Status status = CheckCount(request.accounts_size(), kBatchEventsMax, "accounts");
      !status.ok()) {
    return status;
  }
  std::vector<Account> accounts(request.accounts_size());
  for (int i = 0; i < request.accounts_size(); ++i) {
    const v1::Account& in = request.accounts(i);
    const std::string at = absl::StrCat("accounts[", i, "].");
    Account& a = accounts[i];
    absl::StatusOr<Id> id = IdFromBytes(in.id(), at + "id");
    if (!id.ok()) return id.status();
    a.id = *id;
    if (absl::Status s =
            ReadUserData128(in.user_data_128(), at + "user_data_128", &a.user_data_128);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckCode(in.code(), at + "code"); !s.ok()) return s;
    a.debits_pending = in.debits_pending();
    a.debits_posted = in.debits_posted();
    a.credits_pending = in.credits_pending();
    a.credits_posted = in.credits_posted();
    a.user_data_64 = in.user_data_64();
    a.user_data_32 = in.user_data_32();
    a.ledger = in.ledger();
    a.code = static_cast<uint16_t>(in.code());
    a.flags = AccountFlagsFromProto(in.flags());
    a.timestamp = in.timestamp();
  }
  return accounts;
}

absl::StatusOr<std::vector<Transfer>> TransfersFromProto(
    const v1::CreateTransfersRequest& request) {
  if (absl::Status status = CheckCount(request.transfers_size(), kBatchEventsMax, "transfers");
      !status.ok()) {
    return status;
  }
  std::vector<Transfer> transfers(request.transfers_size());
  for (int i = 0; i < request.transfers_size(); ++i) {
    const v1::Transfer& in = request.transfers(i);
    const std::string at = absl::StrCat("transfers[", i, "].");
    Transfer& t = transfers[i];
    // Zero ids pass here on purpose: the engine answers them with a per-event result code
    // (e.g. debit_account_id_must_not_be_zero), as it does for every other field rule.
    struct {
      const std::string& bytes;
      const char* name;
      Id* out;
    } ids[] = {{in.id(), "id", &t.id},
               {in.debit_account_id(), "debit_account_id", &t.debit_account_id},
               {in.credit_account_id(), "credit_account_id", &t.credit_account_id},
               {in.pending_id(), "pending_id", &t.pending_id},
               {in.user_data_128(), "user_data_128", &t.user_data_128}};
    for (const auto& field : ids) {
      absl::StatusOr<Id> id = IdFromBytes(field.bytes, at + field.name, /*allow_empty=*/true);
      if (!id.ok()) return id.status();
      *field.out = *id;
    }
    if (absl::Status s = CheckCode(in.code(), at + "code"); !s.ok()) return s;
    t.amount = in.amount();
    t.user_data_64 = in.user_data_64();
    t.user_data_32 = in.user_data_32();
    t.timeout = in.timeout_seconds();
    t.ledger = in.ledger();
    t.code = static_cast<uint16_t>(in.code());
    t.flags = TransferFlagsFromProto(in.flags());
    t.timestamp = in.timestamp();
  }
  return transfers;
}

absl::StatusOr<std::vector<Id>> IdsFromProto(
    const google::protobuf::RepeatedPtrField<std::string>& ids, const std::string& field,
    size_t max) {
  if (absl::Status status = CheckCount(ids.size(), max, field); !status.ok()) {
    return status;
  }
  std::vector<Id> out;
  out.reserve(ids.size());
  for (int i = 0; i < ids.size(); ++i) {
    absl::StatusOr<Id> id = IdFromBytes(ids.Get(i), absl::StrCat(field, "[", i, "]"));
    if (!id.ok()) return id.status();
    out.push_back(*id);
  }
  return out;
}

absl::StatusOr<HistoryFilter> HistoryFilterFromProto(const v1::GetAccountHistoryRequest& request) {
  absl::StatusOr<Id> account = IdFromBytes(request.account_id(), "account_id");
  if (!account.ok()) return account.status();
  if (request.limit() == 0 || request.limit() > kHistoryPageMax) {
    return Invalid("limit",
                   absl::StrCat("must be 1..", kHistoryPageMax, ", got ", request.limit()));
  }
  HistoryFilter filter;
  filter.account_id = *account;
  filter.timestamp_min = request.timestamp_min();
  filter.timestamp_max = request.timestamp_max();
  filter.limit = request.limit();
  filter.reversed = request.reversed();
  return filter;
}

absl::StatusOr<WatchRequest> WatchFromProto(const v1::WatchAccountsRequest& request) {
  absl::StatusOr<std::vector<Id>> ids =
      IdsFromProto(request.account_ids(), "account_ids", kWatchAccountsMax);
  if (!ids.ok()) return ids.status();
  for (size_t i = 0; i < ids->size(); ++i) {
    if ((*ids)[i] == 0) return Invalid(absl::StrCat("account_ids[", i, "]"), "must not be zero");
    for (size_t j = 0; j < i; ++j) {
      if ((*ids)[i] == (*ids)[j]) {
        return Invalid(absl::StrCat("account_ids[", i, "]"),
                       absl::StrCat("repeats account_ids[", j, "]; name each account once"));
      }
    }
  }
  return WatchRequest{*std::move(ids), request.after_timestamp()};
}

absl::StatusOr<BalanceChange> BalanceChangeFromProto(const v1::BalanceChange& proto) {
  absl::StatusOr<Id> id = IdFromBytes(proto.account_id(), "account_id");
  if (!id.ok()) return id.status();
  return BalanceChange{
      *id, AccountBalance{proto.timestamp(), proto.debits_pending(), proto.debits_posted(),
                          proto.credits_pending(), proto.credits_posted()}};
}

void BalanceChangeToProto(const BalanceChange& change, v1::BalanceChange* out) {
  out->set_account_id(IdToBytes(change.account_id));
  out->set_timestamp(change.balance.timestamp);
  out->set_debits_pending(change.balance.debits_pending);
  out->set_debits_posted(change.balance.debits_posted);
  out->set_credits_pending(change.balance.credits_pending);
  out->set_credits_posted(change.balance.credits_posted);
}

void AccountToProto(const Account& a, v1::Account* out) {
  out->set_id(IdToBytes(a.id));
  out->set_debits_pending(a.debits_pending);
  out->set_debits_posted(a.debits_posted);
  out->set_credits_pending(a.credits_pending);
  out->set_credits_posted(a.credits_posted);
  if (a.user_data_128 != 0) out->set_user_data_128(IdToBytes(a.user_data_128));
  out->set_user_data_64(a.user_data_64);
  out->set_user_data_32(a.user_data_32);
  out->set_ledger(a.ledger);
  out->set_code(a.code);
  v1::AccountFlags* flags = out->mutable_flags();
  flags->set_linked(a.flags & kAccountLinked);
  flags->set_debits_must_not_exceed_credits(a.flags & kAccountDebitsMustNotExceedCredits);
  flags->set_credits_must_not_exceed_debits(a.flags & kAccountCreditsMustNotExceedDebits);
  flags->set_history(a.flags & kAccountHistory);
  flags->set_closed(a.flags & kAccountClosed);
  out->set_timestamp(a.timestamp);
}

void TransferToProto(const Transfer& t, v1::Transfer* out) {
  out->set_id(IdToBytes(t.id));
  out->set_debit_account_id(IdToBytes(t.debit_account_id));
  out->set_credit_account_id(IdToBytes(t.credit_account_id));
  out->set_amount(t.amount);
  if (t.pending_id != 0) out->set_pending_id(IdToBytes(t.pending_id));
  if (t.user_data_128 != 0) out->set_user_data_128(IdToBytes(t.user_data_128));
  out->set_user_data_64(t.user_data_64);
  out->set_user_data_32(t.user_data_32);
  out->set_timeout_seconds(t.timeout);
  out->set_ledger(t.ledger);
  out->set_code(t.code);
  v1::TransferFlags* flags = out->mutable_flags();
  flags->set_linked(t.flags & kTransferLinked);
  flags->set_pending(t.flags & kTransferPending);
  flags->set_post_pending_transfer(t.flags & kTransferPostPendingTransfer);
  flags->set_void_pending_transfer(t.flags & kTransferVoidPendingTransfer);
  out->set_timestamp(t.timestamp);
}

void AccountResultsToProto(const std::vector<AccountEventResult>& results,
                           v1::CreateAccountsResponse* out) {
  out->mutable_results()->Reserve(results.size());
  for (const AccountEventResult& r : results) {
    auto* result = out->add_results();
    result->set_result(static_cast<v1::CreateAccountResult>(r.result));
    result->set_timestamp(r.timestamp);
  }
}

void TransferResultsToProto(const std::vector<TransferEventResult>& results,
                            v1::CreateTransfersResponse* out) {
  out->mutable_results()->Reserve(results.size());
  for (const TransferEventResult& r : results) {
    auto* result = out->add_results();
    result->set_result(static_cast<v1::CreateTransferResult>(r.result));
    result->set_timestamp(r.timestamp);
  }
}

}  // namespace points::server

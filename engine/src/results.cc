#include "points/results.h"

#include <array>
#include <string_view>

namespace points {
namespace {

constexpr std::array<std::string_view, kCreateAccountResultCount> kAccountResultNames = {
    "ok",
    "linked_event_failed",
    "linked_event_chain_open",
    "timestamp_must_be_zero",
    "reserved_flag",
    "id_must_not_be_zero",
    "exists_with_different_flags",
    "exists_with_different_user_data_128",
    "exists_with_different_user_data_64",
    "exists_with_different_user_data_32",
    "exists_with_different_ledger",
    "exists_with_different_code",
    "exists",
    "flags_are_mutually_exclusive",
    "debits_pending_must_be_zero",
    "debits_posted_must_be_zero",
    "credits_pending_must_be_zero",
    "credits_posted_must_be_zero",
    "ledger_must_not_be_zero",
    "code_must_not_be_zero",
    "accounts_limit_reached",
};

constexpr std::array<std::string_view, kCreateTransferResultCount> kTransferResultNames = {
    "ok",
    "linked_event_failed",
    "linked_event_chain_open",
    "timestamp_must_be_zero",
    "reserved_flag",
    "id_must_not_be_zero",
    "exists_with_different_flags",
    "exists_with_different_debit_account_id",
    "exists_with_different_credit_account_id",
    "exists_with_different_amount",
    "exists_with_different_pending_id",
    "exists_with_different_user_data_128",
    "exists_with_different_user_data_64",
    "exists_with_different_user_data_32",
    "exists_with_different_timeout",
    "exists_with_different_ledger",
    "exists_with_different_code",
    "exists",
    "id_already_failed",
    "flags_are_mutually_exclusive",
    "debit_account_id_must_not_be_zero",
    "credit_account_id_must_not_be_zero",
    "accounts_must_be_different",
    "pending_id_must_be_zero",
    "pending_id_must_not_be_zero",
    "pending_id_must_be_different",
    "timeout_reserved_for_pending_transfer",
    "ledger_must_not_be_zero",
    "code_must_not_be_zero",
    "amount_must_not_be_zero",
    "debit_account_not_found",
    "credit_account_not_found",
    "accounts_must_have_the_same_ledger",
    "transfer_must_have_the_same_ledger_as_accounts",
    "debit_account_closed",
    "credit_account_closed",
    "pending_transfer_not_found",
    "pending_transfer_not_pending",
    "pending_transfer_already_posted",
    "pending_transfer_already_voided",
    "pending_transfer_expired",
    "pending_transfer_has_different_debit_account_id",
    "pending_transfer_has_different_credit_account_id",
    "pending_transfer_has_different_ledger",
    "pending_transfer_has_different_code",
    "exceeds_pending_transfer_amount",
    "pending_transfer_has_different_amount",
    "overflows_timeout",
    "overflows_debits_pending",
    "overflows_credits_pending",
    "overflows_debits_posted",
    "overflows_credits_posted",
    "overflows_debits",
    "overflows_credits",
    "exceeds_credits",
    "exceeds_debits",
    "transfers_limit_reached",
    "pending_transfers_limit_reached",
};

constexpr std::array<std::string_view, kCloseAccountResultCount> kCloseResultNames = {
    "ok",
    "id_must_not_be_zero",
    "account_not_found",
    "account_already_closed",
    "account_has_pending_balance",
};

template <typename Names>
std::string_view NameAt(const Names& names, uint32_t code) {
  return code < names.size() ? names[code] : std::string_view("unknown_result");
}

}  // namespace

std::string_view ResultName(CreateAccountResult result) {
  return NameAt(kAccountResultNames, static_cast<uint32_t>(result));
}
std::string_view ResultName(CreateTransferResult result) {
  return NameAt(kTransferResultNames, static_cast<uint32_t>(result));
}
std::string_view ResultName(CloseAccountResult result) {
  return NameAt(kCloseResultNames, static_cast<uint32_t>(result));
}

bool RecordsFailedId(CreateTransferResult result) {
  const uint32_t code = static_cast<uint32_t>(result);
  return code >= static_cast<uint32_t>(CreateTransferResult::kDebitAccountNotFound) &&
         code <= static_cast<uint32_t>(CreateTransferResult::kExceedsDebits);
}

}  // namespace points

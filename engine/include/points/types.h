// The ledger's data model: accounts and transfers. Plain values, no behaviour.
//
// Every field is an unsigned integer. Ids are 128-bit and chosen by the client; timestamps are
// nanoseconds assigned by the engine, strictly increasing and unique across accounts and
// transfers. See engine/README.md for the semantics and engine/FORMAT.md for the bytes on disk.
#ifndef POINTS_TYPES_H_
#define POINTS_TYPES_H_

#include <cstdint>

#include "absl/numeric/int128.h"

namespace points {

using Id = absl::uint128;

// Account flags. Bits not listed here are reserved and must be zero.
enum AccountFlags : uint16_t {
  kAccountLinked = 1u << 0,                      // this event and the next succeed or fail together
  kAccountDebitsMustNotExceedCredits = 1u << 1,  // floor: debits_pending+posted <= credits_posted
  kAccountCreditsMustNotExceedDebits = 1u << 2,  // floor: credits_pending+posted <= debits_posted
  kAccountHistory = 1u << 3,  // keep balances after every change, for BalancesAsOf
  kAccountClosed = 1u << 4,   // refuses new transfers (set at creation or by CloseAccounts)
};
inline constexpr uint16_t kAccountFlagsKnown = (1u << 5) - 1;

// Transfer flags. Bits not listed here are reserved and must be zero.
enum TransferFlags : uint16_t {
  kTransferLinked = 1u << 0,               // this event and the next succeed or fail together
  kTransferPending = 1u << 1,              // reserve the amount; resolve later by post or void
  kTransferPostPendingTransfer = 1u << 2,  // post all or part of pending_id
  kTransferVoidPendingTransfer = 1u << 3,  // release pending_id
};
inline constexpr uint16_t kTransferFlagsKnown = (1u << 4) - 1;

struct Account {
  Id id = 0;
  uint64_t debits_pending = 0;
  uint64_t debits_posted = 0;
  uint64_t credits_pending = 0;
  uint64_t credits_posted = 0;
  Id user_data_128 = 0;
  uint64_t user_data_64 = 0;
  uint32_t user_data_32 = 0;
  uint32_t ledger = 0;     // unit of account, e.g. points or money in fen; transfers never cross
  uint16_t code = 0;       // kind of account, e.g. issuer, household, shop, fund
  uint16_t flags = 0;      // AccountFlags
  uint64_t timestamp = 0;  // assigned by the engine; must be zero when creating

  friend bool operator==(const Account&, const Account&) = default;
};

struct Transfer {
  Id id = 0;  // the idempotency key; never zero
  Id debit_account_id = 0;
  Id credit_account_id = 0;
  uint64_t amount = 0;  // > 0, except post (0 = the whole pending amount) and void (0 or exact)
  Id pending_id = 0;    // the pending transfer a post or void resolves
  Id user_data_128 = 0;
  uint64_t user_data_64 = 0;
  uint32_t user_data_32 = 0;
  uint32_t timeout = 0;  // seconds until a pending transfer expires; 0 = never
  uint32_t ledger = 0;
  uint16_t code = 0;       // reason, e.g. hygiene award, redemption
  uint16_t flags = 0;      // TransferFlags
  uint64_t timestamp = 0;  // assigned by the engine; must be zero when creating

  friend bool operator==(const Transfer&, const Transfer&) = default;
};

// Balances of one account right after a change, for accounts created with kAccountHistory.
struct AccountBalance {
  uint64_t timestamp = 0;  // of the transfer that produced these balances
  uint64_t debits_pending = 0;
  uint64_t debits_posted = 0;
  uint64_t credits_pending = 0;
  uint64_t credits_posted = 0;

  friend bool operator==(const AccountBalance&, const AccountBalance&) = default;
};

// One change of one account's balances, as GetBalanceChanges merges them across accounts.
struct BalanceChange {
  Id account_id = 0;
  AccountBalance balance;

  friend bool operator==(const BalanceChange&, const BalanceChange&) = default;
};

}  // namespace points

#endif  // POINTS_TYPES_H_

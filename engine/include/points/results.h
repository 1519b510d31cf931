// Per-event result codes. The numbers are part of the wire contract and the journal format: a code
// is numbered once and never renumbered or reused. New codes take the next free number.
//
// Within each enum the codes are listed in the order of precedence in which the engine checks them
// (engine/README.md, "Order of checks"): when several conditions hold, the first listed wins.
#ifndef POINTS_RESULTS_H_
#define POINTS_RESULTS_H_

#include <cstdint>
#include <string_view>

namespace points {

enum class CreateAccountResult : uint32_t {
  kOk = 0,
  kLinkedEventFailed = 1,
  kLinkedEventChainOpen = 2,
  kTimestampMustBeZero = 3,
  kReservedFlag = 4,
  kIdMustNotBeZero = 5,
  kExistsWithDifferentFlags = 6,
  kExistsWithDifferentUserData128 = 7,
  kExistsWithDifferentUserData64 = 8,
  kExistsWithDifferentUserData32 = 9,
  kExistsWithDifferentLedger = 10,
  kExistsWithDifferentCode = 11,
  kExists = 12,
  kFlagsAreMutuallyExclusive = 13,
  kDebitsPendingMustBeZero = 14,
  kDebitsPostedMustBeZero = 15,
  kCreditsPendingMustBeZero = 16,
  kCreditsPostedMustBeZero = 17,
  kLedgerMustNotBeZero = 18,
  kCodeMustNotBeZero = 19,
  kAccountsLimitReached = 20,
};
inline constexpr uint32_t kCreateAccountResultCount = 21;

enum class CreateTransferResult : uint32_t {
  kOk = 0,
  kLinkedEventFailed = 1,
  kLinkedEventChainOpen = 2,
  kTimestampMustBeZero = 3,
  kReservedFlag = 4,
  kIdMustNotBeZero = 5,
  // The id is already in the journal: a retry. Fields compared in this order.
  kExistsWithDifferentFlags = 6,
  kExistsWithDifferentDebitAccountId = 7,
  kExistsWithDifferentCreditAccountId = 8,
  kExistsWithDifferentAmount = 9,
  kExistsWithDifferentPendingId = 10,
  kExistsWithDifferentUserData128 = 11,
  kExistsWithDifferentUserData64 = 12,
  kExistsWithDifferentUserData32 = 13,
  kExistsWithDifferentTimeout = 14,
  kExistsWithDifferentLedger = 15,
  kExistsWithDifferentCode = 16,
  kExists = 17,
  kIdAlreadyFailed = 18,  // identical retry of an id whose first attempt failed (see README)
  // Validation of the event alone: deterministic, the id is not recorded.
  kFlagsAreMutuallyExclusive = 19,
  kDebitAccountIdMustNotBeZero = 20,
  kCreditAccountIdMustNotBeZero = 21,
  kAccountsMustBeDifferent = 22,
  kPendingIdMustBeZero = 23,
  kPendingIdMustNotBeZero = 24,
  kPendingIdMustBeDifferent = 25,
  kTimeoutReservedForPendingTransfer = 26,
  kLedgerMustNotBeZero = 27,
  kCodeMustNotBeZero = 28,
  kAmountMustNotBeZero = 29,
  // Depends on the ledger's state: the id is recorded as failed (see README, "Failed ids").
  kDebitAccountNotFound = 30,
  kCreditAccountNotFound = 31,
  kAccountsMustHaveTheSameLedger = 32,
  kTransferMustHaveTheSameLedgerAsAccounts = 33,
  kDebitAccountClosed = 34,
  kCreditAccountClosed = 35,
  kPendingTransferNotFound = 36,
  kPendingTransferNotPending = 37,
  kPendingTransferAlreadyPosted = 38,
  kPendingTransferAlreadyVoided = 39,
  kPendingTransferExpired = 40,
  kPendingTransferHasDifferentDebitAccountId = 41,
  kPendingTransferHasDifferentCreditAccountId = 42,
  kPendingTransferHasDifferentLedger = 43,
  kPendingTransferHasDifferentCode = 44,
  kExceedsPendingTransferAmount = 45,
  kPendingTransferHasDifferentAmount = 46,
  kOverflowsTimeout = 47,
  kOverflowsDebitsPending = 48,
  kOverflowsCreditsPending = 49,
  kOverflowsDebitsPosted = 50,
  kOverflowsCreditsPosted = 51,
  kOverflowsDebits = 52,
  kOverflowsCredits = 53,
  kExceedsCredits = 54,
  kExceedsDebits = 55,
  // Capacity: not recorded, a retry may succeed once capacity exists.
  kTransfersLimitReached = 56,
  kPendingTransfersLimitReached = 57,
};
inline constexpr uint32_t kCreateTransferResultCount = 58;

enum class CloseAccountResult : uint32_t {
  kOk = 0,
  kIdMustNotBeZero = 1,
  kAccountNotFound = 2,
  kAccountAlreadyClosed = 3,
  kAccountHasPendingBalance = 4,  // resolve pending transfers first
};
inline constexpr uint32_t kCloseAccountResultCount = 5;

// snake_case names, e.g. "exists_with_different_amount", stable for logs, CLI and docs.
std::string_view ResultName(CreateAccountResult result);
std::string_view ResultName(CreateTransferResult result);
std::string_view ResultName(CloseAccountResult result);

// True when a failure with this code records the id as failed, so that a retry can never succeed.
bool RecordsFailedId(CreateTransferResult result);

struct AccountEventResult {
  CreateAccountResult result = CreateAccountResult::kOk;
  uint64_t timestamp = 0;  // of the account: assigned when ok, the original's when exists
};

struct TransferEventResult {
  CreateTransferResult result = CreateTransferResult::kOk;
  uint64_t timestamp = 0;  // of the transfer: assigned when ok, the original's when exists*
};

}  // namespace points

#endif  // POINTS_RESULTS_H_

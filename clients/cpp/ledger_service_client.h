// points.v1.LedgerService: accounts, transfers, history, and the watch of balance changes. This
// header keeps the library's first promise: callers deal in engine values (points::Account,
// points::Transfer, result codes) and absl::Status; protobuf and gRPC stay inside.
#ifndef POINTS_CLIENTS_CPP_LEDGER_SERVICE_CLIENT_H_
#define POINTS_CLIENTS_CPP_LEDGER_SERVICE_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "clients/cpp/channel.h"
#include "points/engine.h"
#include "points/results.h"
#include "points/types.h"

namespace points::client {

class LedgerServiceClient {
 public:
  explicit LedgerServiceClient(std::shared_ptr<Channel> channel);
  ~LedgerServiceClient();
  LedgerServiceClient(const LedgerServiceClient&) = delete;
  LedgerServiceClient& operator=(const LedgerServiceClient&) = delete;

  // 1..8189 events each, applied in order; one result per event, in the order sent. An error
  // status means no answer arrived: nothing is known about what was applied, and resending the
  // same events is the way to find out.
  absl::StatusOr<std::vector<AccountEventResult>> CreateAccounts(
      absl::Span<const Account> accounts);
  absl::StatusOr<std::vector<TransferEventResult>> CreateTransfers(
      absl::Span<const Transfer> transfers);

  // The records found among 1..8189 ids, in the order asked; ids not found are left out.
  absl::StatusOr<std::vector<Account>> LookupAccounts(absl::Span<const Id> ids);
  absl::StatusOr<std::vector<Transfer>> LookupTransfers(absl::Span<const Id> ids);

  // One page of an account's transfers. For the next page ask again from the last timestamp + 1
  // (reversed: up to the last timestamp - 1); fewer than filter.limit means the range is done.
  // NOT_FOUND when the account does not exist.
  absl::StatusOr<std::vector<Transfer>> GetAccountHistory(const HistoryFilter& filter);

  // Follows the balance changes of 1..64 accounts created with the history flag: every change
  // after `after_timestamp` (0: from the first), oldest first, then each new one as it commits,
  // calling `on_changes` with each batch received until it returns false (then OK). When the
  // stream drops (UNAVAILABLE: the server restarted or the network went away) it watches again
  // from the last timestamp received, after the retry policy's pause, so nothing is missed and
  // nothing repeated; the attempts count afresh once changes arrive again. Any other error
  // (NOT_FOUND, FAILED_PRECONDITION for an account without history, ...) ends the watch. No
  // deadline: it runs until stopped.
  using WatchCallback = std::function<bool(const std::vector<BalanceChange>& changes)>;
  absl::Status WatchAccounts(absl::Span<const Id> ids, uint64_t after_timestamp,
                             const WatchCallback& on_changes);

 private:
  struct Stub;  // v1::LedgerService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_LEDGER_SERVICE_CLIENT_H_

// The one place where protobuf messages become engine values and back. Every check of the wire
// form (id lengths, field ranges, batch sizes) happens here and names the field that is wrong,
// so that a bad request gets INVALID_ARGUMENT before anything reaches the engine.
#ifndef POINTS_SERVER_CONVERT_CONVERT_H_
#define POINTS_SERVER_CONVERT_CONVERT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "points/engine.h"
#include "points/limits.h"
#include "points/types.h"
#include "points/v1/ledger.pb.h"

namespace points::server {

// 16 bytes, big-endian, as the proto documents. Empty bytes are zero where `allow_empty`.
absl::StatusOr<Id> IdFromBytes(const std::string& bytes, const std::string& field,
                               bool allow_empty = false);
std::string IdToBytes(Id id);
// 32 hex digits, for logs and the operator audit.
std::string IdToHex(Id id);
// The id, or 0 when the bytes are not one (for an authorization target; the handler reports it).
Id IdOrZero(const std::string& bytes);

absl::StatusOr<std::vector<Account>> AccountsFromProto(const v1::CreateAccountsRequest& request);
absl::StatusOr<std::vector<Transfer>> TransfersFromProto(const v1::CreateTransfersRequest& request);
// Ids: 1..max of 16 bytes each.
absl::StatusOr<std::vector<Id>> IdsFromProto(
    const google::protobuf::RepeatedPtrField<std::string>& ids, const std::string& field,
    size_t max = kLookupIdsMax);
absl::StatusOr<HistoryFilter> HistoryFilterFromProto(const v1::GetAccountHistoryRequest& request);

struct WatchRequest {
  std::vector<Id> account_ids;  // 1..kWatchAccountsMax, distinct
  uint64_t after_timestamp = 0;
};
absl::StatusOr<WatchRequest> WatchFromProto(const v1::WatchAccountsRequest& request);
void BalanceChangeToProto(const BalanceChange& change, v1::BalanceChange* out);
// For clients reading a stream: the id must be 16 bytes, not zero.
absl::StatusOr<BalanceChange> BalanceChangeFromProto(const v1::BalanceChange& proto);

void AccountToProto(const Account& account, v1::Account* out);
void TransferToProto(const Transfer& transfer, v1::Transfer* out);
void AccountResultsToProto(const std::vector<AccountEventResult>& results,
                           v1::CreateAccountsResponse* out);
void TransferResultsToProto(const std::vector<TransferEventResult>& results,
                            v1::CreateTransfersResponse* out);

}  // namespace points::server

#endif  // POINTS_SERVER_CONVERT_CONVERT_H_

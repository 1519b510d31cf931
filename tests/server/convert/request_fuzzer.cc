// libFuzzer target for the request validators of pointsd (server/convert.*, award_convert.*,
// shop_convert.*): the first byte picks a request type, the rest is parsed as that protobuf
// message (anything a client could send), and the validator runs on it; two more read a payment
// code as a terminal scans it and the --rate-limit flag's text. It must not crash;
// what it accepts must respect the request limits, and accepted transfers and accounts must come
// back unchanged through the reply conversion. Built with clang (POINTS_FUZZ=ON, scripts/fuzz);
// the seed corpus is tests/server/fuzz_corpus/request/.
#include <cstdint>
#include <cstdlib>

#include "points/limits.h"
#include "points/v1/awards.pb.h"
#include "points/v1/ledger.pb.h"
#include "points/v1/shops.pb.h"
#include "server/convert/award_convert.h"
#include "server/convert/convert.h"
#include "server/convert/shop_convert.h"
#include "server/domain/books/payment_book.h"
#include "server/gate/rate_limiter.h"

namespace points::server {
namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

void Transfers(const uint8_t* data, size_t size) {
  v1::CreateTransfersRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  absl::StatusOr<std::vector<Transfer>> transfers = TransfersFromProto(request);
  if (!transfers.ok()) return;
  Require(!transfers->empty() && transfers->size() <= kBatchEventsMax);
  v1::CreateTransfersRequest again;
  for (const Transfer& t : *transfers) TransferToProto(t, again.add_transfers());
  absl::StatusOr<std::vector<Transfer>> back = TransfersFromProto(again);
  Require(back.ok() && *back == *transfers);
}

void Accounts(const uint8_t* data, size_t size) {
  v1::CreateAccountsRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  absl::StatusOr<std::vector<Account>> accounts = AccountsFromProto(request);
  if (!accounts.ok()) return;
  Require(!accounts->empty() && accounts->size() <= kBatchEventsMax);
  v1::CreateAccountsRequest again;
  for (const Account& a : *accounts) AccountToProto(a, again.add_accounts());
  absl::StatusOr<std::vector<Account>> back = AccountsFromProto(again);
  Require(back.ok() && *back == *accounts);
}

void Lookup(const uint8_t* data, size_t size) {
  v1::LookupTransfersRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  absl::StatusOr<std::vector<Id>> ids = IdsFromProto(request.ids(), "ids");
  if (ids.ok()) Require(!ids->empty() && ids->size() <= kLookupIdsMax);
}

void History(const uint8_t* data, size_t size) {
  v1::GetAccountHistoryRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  absl::StatusOr<HistoryFilter> filter = HistoryFilterFromProto(request);
  if (filter.ok()) Require(filter->limit >= 1 && filter->limit <= kHistoryPageMax);
}

void Watch(const uint8_t* data, size_t size) {
  v1::WatchAccountsRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  absl::StatusOr<WatchRequest> watch = WatchFromProto(request);
  if (watch.ok()) {
    Require(!watch->account_ids.empty() && watch->account_ids.size() <= kWatchAccountsMax);
  }
}

void Award(const uint8_t* data, size_t size) {
  v1::RecordAwardRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  (void)AwardRequestFromProto(request.award());
}

void Basket(const uint8_t* data, size_t size) {
  v1::RedeemBasketRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  absl::StatusOr<domain::BasketRequest> basket = BasketRequestFromProto(request.basket());
  if (basket.ok())
    Require(!basket->lines.empty() && basket->lines.size() <= domain::kBasketLinesMax);
}

// A payment code as a terminal scans it: whatever it accepts names a village and a household.
void PaymentCodeText(const uint8_t* data, size_t size) {
  const std::string code(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::pair<domain::VillageId, uint64_t>> owner =
      domain::PaymentBook::HouseholdOfCode(code);
  if (!owner.ok()) return;
  Require(code.size() <= domain::kPaymentCodeBytesMax && owner->first != 0 && owner->second != 0);
}

// The --rate-limit flag's text: whatever it accepts stays within the named caps.
void RateLimitText(const uint8_t* data, size_t size) {
  absl::StatusOr<RateLimit> limit =
      ParseRateLimit(std::string(reinterpret_cast<const char*>(data), size));
  if (!limit.ok()) return;
  Require(limit->calls_per_second <= kRateLimitCallsPerSecondMax &&
          limit->burst <= kRateLimitBurstMax);
}

}  // namespace
}  // namespace points::server

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace points::server;
  if (size == 0) return -1;
  const uint8_t* message = data + 1;
  const size_t message_size = size - 1;
  switch (data[0] % 9) {
    case 0:
      Transfers(message, message_size);
      break;
    case 1:
      Accounts(message, message_size);
      break;
    case 2:
      Lookup(message, message_size);
      break;
    case 3:
      History(message, message_size);
      break;
    case 4:
      Watch(message, message_size);
      break;
    case 5:
      Award(message, message_size);
      break;
    case 6:
      Basket(message, message_size);
      break;
    case 7:
      PaymentCodeText(message, message_size);
      break;
    default:
      RateLimitText(message, message_size);
      break;
  }
  return 0;
}

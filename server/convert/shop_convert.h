// The one place where the messages of shops.proto become domain values and back. Wire checks
// (id lengths, counts) name the field; the domain checks the rest.
#ifndef POINTS_SERVER_CONVERT_SHOP_CONVERT_H_
#define POINTS_SERVER_CONVERT_SHOP_CONVERT_H_

#include "absl/status/statusor.h"
#include "points/v1/shops.pb.h"
#include "server/domain/values/shop_values.h"

namespace points::server {

absl::StatusOr<domain::BasketRequest> BasketRequestFromProto(const v1::Basket& basket);
void BasketToProto(const domain::Basket& basket, v1::Basket* out);
// A basket as a server sent it, for clients.
absl::StatusOr<domain::Basket> BasketFromProto(const v1::Basket& basket);
domain::Item ItemFromProto(const v1::Item& item);
void ItemToProto(const domain::Item& item, v1::Item* out);
void SettlementToProto(const domain::Settlement& settlement, v1::Settlement* out);
absl::StatusOr<domain::Settlement> SettlementFromProto(const v1::Settlement& settlement);
absl::StatusOr<domain::CashSaleRequest> CashSaleRequestFromProto(
    const v1::RecordCashSaleRequest& request);
void CashSaleToProto(const domain::CashSale& sale, v1::RecordCashSaleResponse* out);
void OfflineLimitsToProto(const domain::OfflineLimits& limits, v1::OfflineLimits* out);
domain::OfflineLimits OfflineLimitsFromProto(const v1::OfflineLimits& limits);

}  // namespace points::server

#endif  // POINTS_SERVER_CONVERT_SHOP_CONVERT_H_

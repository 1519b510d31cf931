// points.v1.ShopService (shops.proto): shops, their items and stock, baskets redeemed with the
// household's consent, cash sales, settlements.
//
// What this header exposes, and why: the domain's shop values (domain::Item, domain::Basket,
// domain::Settlement, ... from server/domain/values/shop_values.h) in and out, converted by the
// server's own code (server/convert/shop_convert.h). One answer comes as its points.v1 message
// (shops.pb.h), IssuePaymentCode's: the code and its expiry have no domain value, and a C++
// copy would repeat the proto. gRPC stays inside.
#ifndef POINTS_CLIENTS_CPP_SHOP_CLIENT_H_
#define POINTS_CLIENTS_CPP_SHOP_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clients/cpp/channel.h"
#include "points/types.h"
#include "points/v1/shops.pb.h"
#include "server/domain/values/shop_values.h"

namespace points::client {

class ShopClient {
 public:
  explicit ShopClient(std::shared_ptr<Channel> channel);
  ~ShopClient();
  ShopClient(const ShopClient&) = delete;
  ShopClient& operator=(const ShopClient&) = delete;

  absl::Status CreateShop(uint32_t village, uint32_t shop, const std::string& name);
  absl::Status PutItem(uint32_t village, uint32_t shop, const domain::Item& item);
  absl::Status Restock(uint32_t village, uint32_t shop, uint32_t item, Id restock,
                       uint64_t quantity);
  absl::StatusOr<std::vector<domain::Item>> ListItems(uint32_t village, uint32_t shop);
  // Resending the same basket (same id and lines) is never charged twice: retries are safe.
  // The household's consent: its payment code, or its card number and PIN.
  struct Consent {
    std::string payment_code = {};
    std::string card_number = {};
    std::string pin = {};
  };
  absl::StatusOr<domain::Basket> RedeemBasket(const domain::BasketRequest& basket,
                                              const Consent& consent);
  // A household app's payment code (valid 2 minutes, for one basket); a card and PIN for a
  // household without a smartphone (the committee issues it; tried once, since a resend would
  // issue another card and void this one).
  absl::StatusOr<v1::IssuePaymentCodeResponse> IssuePaymentCode(uint32_t village,
                                                                uint64_t household);
  absl::StatusOr<std::string> IssueCard(uint32_t village, uint64_t household,
                                        const std::string& pin);
  absl::StatusOr<domain::Basket> ReturnBasket(uint32_t village, Id basket);
  absl::StatusOr<domain::Basket> GetBasket(uint32_t village, Id basket);
  absl::StatusOr<domain::Settlement> SettleShop(uint32_t village, uint32_t shop, Id settlement,
                                                uint64_t fen_per_point);
  absl::Status SetShopTerms(uint32_t village, uint32_t shop, const domain::ShopTerms& terms);
  absl::Status SetOfflineLimits(uint32_t village, const domain::OfflineLimits& limits);
  absl::StatusOr<domain::OfflineLimits> GetOfflineLimits(uint32_t village);
  // The returned sale holds the amounts (list, discount, paid, levy) the server recorded.
  absl::StatusOr<domain::CashSale> RecordCashSale(const domain::CashSaleRequest& sale);

 private:
  struct Stub;  // v1::ShopService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_SHOP_CLIENT_H_

#include "clients/cpp/shop_client.h"

#include <utility>

#include "clients/cpp/channel_core.h"
#include "points/v1/shops.grpc.pb.h"
#include "server/convert/convert.h"
#include "server/convert/shop_convert.h"

namespace points::client {
namespace {

using Service = v1::ShopService::Stub;

// The basket of a response that carries one, decoded by the server's own checks, or the call's
// failure.
template <typename Response>
absl::StatusOr<domain::Basket> BasketOf(absl::string_view method,
                                        const absl::StatusOr<Response>& response) {
  if (!response.ok()) return response.status();
  absl::StatusOr<domain::Basket> basket = server::BasketFromProto(response->basket());
  if (!basket.ok()) return MalformedResponse(method, basket.status());
  return basket;
}

template <typename Lines>
void AddLines(const std::vector<std::pair<uint32_t, uint64_t>>& lines, Lines* out) {
  for (const auto& [item, quantity] : lines) {
    v1::BasketLine* line = out->Add();
    line->set_item(item);
    line->set_quantity(quantity);
  }
}

}  // namespace

struct ShopClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Service service;
};

ShopClient::ShopClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

ShopClient::~ShopClient() = default;

absl::Status ShopClient::CreateShop(uint32_t village, uint32_t shop, const std::string& name) {
  v1::CreateShopRequest request;
  request.set_village(village);
  request.set_shop(shop);
  request.set_name(name);
  return channel_->Ask<Service>(stub_->service, "CreateShop", &Service::CreateShop, request)
      .status();
}

absl::Status ShopClient::PutItem(uint32_t village, uint32_t shop, const domain::Item& item) {
  v1::PutItemRequest request;
  request.set_village(village);
  request.set_shop(shop);
  server::ItemToProto(item, request.mutable_item());
  return channel_->Ask<Service>(stub_->service, "PutItem", &Service::PutItem, request).status();
}

absl::Status ShopClient::Restock(uint32_t village, uint32_t shop, uint32_t item, Id restock,
                                 uint64_t quantity) {
  v1::RestockRequest request;
  request.set_village(village);
  request.set_shop(shop);
  request.set_item(item);
  request.set_restock_id(server::IdToBytes(restock));
  request.set_quantity(quantity);
  return channel_->Ask<Service>(stub_->service, "Restock", &Service::Restock, request).status();
}

absl::StatusOr<std::vector<domain::Item>> ShopClient::ListItems(uint32_t village, uint32_t shop) {
  v1::ListItemsRequest request;
  request.set_village(village);
  request.set_shop(shop);
  absl::StatusOr<v1::ListItemsResponse> response =
      channel_->Ask<Service>(stub_->service, "ListItems", &Service::ListItems, request);
  if (!response.ok()) return response.status();
  std::vector<domain::Item> items;
  for (const v1::Item& item : response->items()) items.push_back(server::ItemFromProto(item));
  return items;
}

absl::StatusOr<domain::Basket> ShopClient::RedeemBasket(const domain::BasketRequest& basket,
                                                        const Consent& consent) {
  v1::RedeemBasketRequest request;
  request.mutable_consent()->set_payment_code(consent.payment_code);
  request.mutable_consent()->set_card_number(consent.card_number);
  request.mutable_consent()->set_pin(consent.pin);
  v1::Basket* b = request.mutable_basket();
  b->set_basket_id(server::IdToBytes(basket.basket));
  b->set_village(basket.village);
  b->set_shop(basket.shop);
  b->set_household(basket.household);
  AddLines(basket.lines, b->mutable_lines());
  return BasketOf("RedeemBasket", channel_->Ask<Service>(stub_->service, "RedeemBasket",
                                                         &Service::RedeemBasket, request));
}

absl::StatusOr<domain::Basket> ShopClient::ReturnBasket(uint32_t village, Id basket) {
  v1::ReturnBasketRequest request;
  request.set_village(village);
  request.set_basket_id(server::IdToBytes(basket));
  return BasketOf("ReturnBasket", channel_->Ask<Service>(stub_->service, "ReturnBasket",
                                                         &Service::ReturnBasket, request));
}

absl::StatusOr<domain::Basket> ShopClient::GetBasket(uint32_t village, Id basket) {
  v1::GetBasketRequest request;
  request.set_village(village);
  request.set_basket_id(server::IdToBytes(basket));
  return BasketOf("GetBasket", channel_->Ask<Service>(stub_->service, "GetBasket",
                                                      &Service::GetBasket, request));
}

absl::StatusOr<domain::Settlement> ShopClient::SettleShop(uint32_t village, uint32_t shop,
                                                          Id settlement, uint64_t fen_per_point) {
  v1::SettleShopRequest request;
  request.set_village(village);
  request.set_shop(shop);
  request.set_settlement_id(server::IdToBytes(settlement));
  request.set_fen_per_point(fen_per_point);
  absl::StatusOr<v1::SettleShopResponse> response =
      channel_->Ask<Service>(stub_->service, "SettleShop", &Service::SettleShop, request);
  if (!response.ok()) return response.status();
  absl::StatusOr<domain::Settlement> settled = server::SettlementFromProto(response->settlement());
  if (!settled.ok()) return MalformedResponse("SettleShop", settled.status());
  return settled;
}

absl::Status ShopClient::SetShopTerms(uint32_t village, uint32_t shop,
                                      const domain::ShopTerms& terms) {
  v1::SetShopTermsRequest request;
  request.set_village(village);
  request.set_shop(shop);
  request.set_discount_bp(terms.discount_bp);
  request.set_levy_bp(terms.levy_bp);
  return channel_->Ask<Service>(stub_->service, "SetShopTerms", &Service::SetShopTerms, request)
      .status();
}

absl::Status ShopClient::SetOfflineLimits(uint32_t village, const domain::OfflineLimits& limits) {
  v1::SetOfflineLimitsRequest request;
  request.set_village(village);
  server::OfflineLimitsToProto(limits, request.mutable_limits());
  return channel_
      ->Ask<Service>(stub_->service, "SetOfflineLimits", &Service::SetOfflineLimits, request)
      .status();
}

absl::StatusOr<domain::OfflineLimits> ShopClient::GetOfflineLimits(uint32_t village) {
  v1::GetOfflineLimitsRequest request;
  request.set_village(village);
  absl::StatusOr<v1::GetOfflineLimitsResponse> response = channel_->Ask<Service>(
      stub_->service, "GetOfflineLimits", &Service::GetOfflineLimits, request);
  if (!response.ok()) return response.status();
  return server::OfflineLimitsFromProto(response->limits());
}

absl::StatusOr<domain::CashSale> ShopClient::RecordCashSale(const domain::CashSaleRequest& sale) {
  v1::RecordCashSaleRequest request;
  request.set_sale_id(server::IdToBytes(sale.sale));
  request.set_village(sale.village);
  request.set_shop(sale.shop);
  request.set_household(sale.household);
  AddLines(sale.lines, request.mutable_lines());
  absl::StatusOr<v1::RecordCashSaleResponse> response =
      channel_->Ask<Service>(stub_->service, "RecordCashSale", &Service::RecordCashSale, request);
  if (!response.ok()) return response.status();
  domain::CashSale sold;
  sold.request = sale;
  sold.list_fen = response->list_fen();
  sold.discount_bp = response->discount_bp();
  sold.paid_fen = response->paid_fen();
  sold.levy_bp = response->levy_bp();
  sold.levy_fen = response->levy_fen();
  sold.recorded = true;
  sold.sold_at_ns = response->sold_at();
  return sold;
}

absl::StatusOr<v1::IssuePaymentCodeResponse> ShopClient::IssuePaymentCode(uint32_t village,
                                                                          uint64_t household) {
  v1::IssuePaymentCodeRequest request;
  request.set_village(village);
  request.set_household(household);
  return channel_->Ask<Service>(stub_->service, "IssuePaymentCode", &Service::IssuePaymentCode,
                                request);
}

absl::StatusOr<std::string> ShopClient::IssueCard(uint32_t village, uint64_t household,
                                                  const std::string& pin) {
  v1::IssueCardRequest request;
  request.set_village(village);
  request.set_household(household);
  request.set_pin(pin);
  // Once: a resend would issue another card and kill this one.
  absl::StatusOr<v1::IssueCardResponse> response = channel_->Ask<Service>(
      stub_->service, "IssueCard", &Service::IssueCard, request, Resend::kNever);
  if (!response.ok()) return response.status();
  return response->card_number();
}

}  // namespace points::client

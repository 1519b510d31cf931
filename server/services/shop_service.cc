#include "server/services/shop_service.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/convert/convert.h"
#include "server/convert/shop_convert.h"
#include "server/domain/values/ids.h"
#include "server/services/offload.h"

namespace points::server {
namespace {

absl::Status Reply(const absl::StatusOr<domain::Basket>& basket, v1::Basket* out) {
  if (!basket.ok()) return basket.status();
  BasketToProto(*basket, out);
  return absl::OkStatus();
}

absl::Status Reply(const absl::StatusOr<domain::Settlement>& settlement, v1::Settlement* out) {
  if (!settlement.ok()) return settlement.status();
  SettlementToProto(*settlement, out);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* ShopService::CreateShop(grpc::CallbackServerContext* context,
                                                  const v1::CreateShopRequest* request,
                                                  v1::CreateShopResponse* response) {
  return Offload(
      context, gate_, Rpc::kCreateShop, workers_, *request,
      Target{.village = request->village(), .shop = request->shop()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        if (absl::Status s =
                book_->CreateShop(request->village(), request->shop(), request->name());
            !s.ok()) {
          return s;
        }
        using domain::ShopAccount;
        response->set_points_account_id(IdToBytes(
            domain::ids::OfShopAccount(request->village(), request->shop(), ShopAccount::kPoints)));
        response->set_money_account_id(IdToBytes(
            domain::ids::OfShopAccount(request->village(), request->shop(), ShopAccount::kMoney)));
        return gate_->Journal(caller, request->village(), "shop.create",
                              absl::StrCat("shop ", request->shop(), ": ", request->name()));
      });
}

grpc::ServerUnaryReactor* ShopService::PutItem(grpc::CallbackServerContext* context,
                                               const v1::PutItemRequest* request,
                                               v1::PutItemResponse* /*response*/) {
  return Offload(
      context, gate_, Rpc::kPutItem, workers_, *request,
      Target{.village = request->village(), .shop = request->shop()},
      [this, request](const domain::Principal& caller) -> absl::Status {
        const domain::Item item = ItemFromProto(request->item());
        if (absl::Status s = book_->PutItem(request->village(), request->shop(), item); !s.ok()) {
          return s;
        }
        // Prices are policy: who set which is on the record.
        return gate_->Journal(
            caller, request->village(), "item.put",
            absl::StrCat("shop ", request->shop(), " item ", item.item, ": ", item.name, ", ",
                         item.points_price, " points, ", item.cash_price_fen, " fen"));
      });
}

grpc::ServerUnaryReactor* ShopService::Restock(grpc::CallbackServerContext* context,
                                               const v1::RestockRequest* request,
                                               v1::RestockResponse* /*response*/) {
  return Offload(context, gate_, Rpc::kRestock, workers_, *request,
                 Target{.village = request->village(), .shop = request->shop()},
                 [this, request]() -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(request->restock_id(), "restock_id");
                   if (!id.ok()) return id.status();
                   return book_->Restock(request->village(), request->shop(), request->item(), *id,
                                         request->quantity());
                 });
}

grpc::ServerUnaryReactor* ShopService::ListItems(grpc::CallbackServerContext* context,
                                                 const v1::ListItemsRequest* request,
                                                 v1::ListItemsResponse* response) {
  return Offload(context, gate_, Rpc::kListItems, workers_, *request,
                 Target{.village = request->village(), .shop = request->shop()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   absl::StatusOr<std::vector<domain::Item>> items =
                       book_->Items(request->village(), request->shop());
                   if (!items.ok()) return items.status();
                   for (const domain::Item& item : *items) ItemToProto(item, response->add_items());
                   return OfflineTerms(caller, *request, response);
                 });
}

grpc::ServerUnaryReactor* ShopService::RedeemBasket(grpc::CallbackServerContext* context,
                                                    const v1::RedeemBasketRequest* request,
                                                    v1::RedeemBasketResponse* response) {
  return Offload(context, gate_, Rpc::kRedeemBasket, workers_, *request,
                 Target{.village = request->basket().village(), .shop = request->basket().shop()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<domain::BasketRequest> basket =
                       BasketRequestFromProto(request->basket());
                   if (!basket.ok()) return basket.status();
                   // The book looks at the consent only for a new, valid basket, and uses a code up
                   // in the write that records the basket (consent.h): a resend of a recorded
                   // basket needs none.
                   const v1::PaymentConsent& shown = request->consent();
                   if (!shown.offline_code().empty()) {
                     return RedeemOffline(*request, *basket, response);
                   }
                   std::unique_ptr<domain::Consent> consent =
                       payments_->ConsentOf(basket->village, basket->household,
                                            {.payment_code = shown.payment_code(),
                                             .card_number = shown.card_number(),
                                             .pin = shown.pin()});
                   return Reply(book_->Redeem(*basket, *consent), response->mutable_basket());
                 });
}

absl::Status ShopService::RedeemOffline(const v1::RedeemBasketRequest& request,
                                        const domain::BasketRequest& basket,
                                        v1::RedeemBasketResponse* response) {
  const v1::PaymentConsent& shown = request.consent();
  if (!shown.payment_code().empty() || !shown.card_number().empty() || !shown.pin().empty()) {
    return absl::InvalidArgumentError("consent.offline_code goes alone, without a code or card");
  }
  if (request.sold_offline_at() == 0) {
    return absl::InvalidArgumentError("sold_offline_at is required with consent.offline_code");
  }
  std::unique_ptr<domain::Consent> consent =
      offline_->ConsentOf(basket, shown.offline_code(), request.sold_offline_at());
  absl::StatusOr<domain::Basket> done = book_->Redeem(basket, *consent);
  if (absl::IsPermissionDenied(done.status())) {
    // The goods left the shop on a code that does not check out: the shop's shortfall.
    absl::StatusOr<std::vector<domain::Item>> items = book_->Items(basket.village, basket.shop);
    if (!items.ok()) return items.status();
    uint64_t points = 0;
    for (const auto& [item, quantity] : basket.lines) {
      for (const domain::Item& i : *items) points += i.item == item ? quantity * i.points_price : 0;
    }
    if (absl::Status s = offline_->RecordRefused(basket, points, request.sold_offline_at(),
                                                 std::string(done.status().message()));
        !s.ok()) {
      return s;
    }
    return done.status();
  }
  if (absl::Status s = Reply(done, response->mutable_basket()); !s.ok()) return s;
  absl::StatusOr<std::optional<domain::OfflineSale>> sale =
      offline_->SaleOf(basket.village, basket.shop, basket.basket);
  if (!sale.ok()) return sale.status();
  if (sale->has_value()) response->mutable_basket()->set_sold_offline_at((*sale)->sold_at_ns);
  return absl::OkStatus();
}

absl::Status ShopService::OfflineTerms(const domain::Principal& caller,
                                       const v1::ListItemsRequest& request,
                                       v1::ListItemsResponse* response) {
  absl::StatusOr<domain::OfflineLimits> limits = offline_->Limits(request.village());
  if (!limits.ok()) return limits.status();
  OfflineLimitsToProto(*limits, response->mutable_offline_limits());
  using domain::Role;
  if (caller.role == Role::kHousehold || caller.role == Role::kGridWorker) return absl::OkStatus();
  absl::StatusOr<std::vector<domain::OfflineShortfall>> all =
      domain::ShopShortfalls(*offline_, *book_, request.village(), request.shop());
  if (!all.ok()) return all.status();
  for (const domain::OfflineShortfall& s : *all) {
    v1::OfflineShortfall* o = response->add_offline_shortfalls();
    o->set_basket_id(IdToBytes(s.basket));
    o->set_household(s.household);
    o->set_points(s.points);
    o->set_sold_at(s.sold_at_ns);
    o->set_recorded_at(s.recorded_at_ns);
    o->set_reason(s.reason);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ShopService::ReturnBasket(grpc::CallbackServerContext* context,
                                                    const v1::ReturnBasketRequest* request,
                                                    v1::ReturnBasketResponse* response) {
  return Offload(context, gate_, Rpc::kReturnBasket, workers_, *request,
                 Target{.village = request->village(), .basket = IdOrZero(request->basket_id())},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(request->basket_id(), "basket_id");
                   if (!id.ok()) return id.status();
                   return Reply(book_->Return(request->village(), *id), response->mutable_basket());
                 });
}

grpc::ServerUnaryReactor* ShopService::GetBasket(grpc::CallbackServerContext* context,
                                                 const v1::GetBasketRequest* request,
                                                 v1::GetBasketResponse* response) {
  return Offload(context, gate_, Rpc::kGetBasket, workers_, *request,
                 Target{.village = request->village(), .basket = IdOrZero(request->basket_id())},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(request->basket_id(), "basket_id");
                   if (!id.ok()) return id.status();
                   return Reply(book_->GetBasket(request->village(), *id),
                                response->mutable_basket());
                 });
}

grpc::ServerUnaryReactor* ShopService::SettleShop(grpc::CallbackServerContext* context,
                                                  const v1::SettleShopRequest* request,
                                                  v1::SettleShopResponse* response) {
  return Offload(
      context, gate_, Rpc::kSettleShop, workers_, *request,
      Target{.village = request->village(), .shop = request->shop()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<Id> id = IdFromBytes(request->settlement_id(), "settlement_id");
        if (!id.ok()) return id.status();
        if (absl::Status s = Reply(
                book_->Settle(request->village(), request->shop(), *id, request->fen_per_point()),
                response->mutable_settlement());
            !s.ok()) {
          return s;
        }
        return gate_->Journal(caller, request->village(), "shop.settle",
                              absl::StrCat("shop ", request->shop(), " settlement ", IdToHex(*id),
                                           " at ", request->fen_per_point(), " fen per point"));
      });
}

grpc::ServerUnaryReactor* ShopService::GetSettlement(grpc::CallbackServerContext* context,
                                                     const v1::GetSettlementRequest* request,
                                                     v1::GetSettlementResponse* response) {
  return Offload(
      context, gate_, Rpc::kGetSettlement, workers_, *request,
      Target{.village = request->village()}, [this, request, response]() -> absl::Status {
        absl::StatusOr<Id> id = IdFromBytes(request->settlement_id(), "settlement_id");
        if (!id.ok()) return id.status();
        return Reply(book_->GetSettlement(request->village(), *id), response->mutable_settlement());
      });
}

grpc::ServerUnaryReactor* ShopService::SetShopTerms(grpc::CallbackServerContext* context,
                                                    const v1::SetShopTermsRequest* request,
                                                    v1::SetShopTermsResponse* /*response*/) {
  return Offload(
      context, gate_, Rpc::kSetShopTerms, workers_, *request,
      Target{.village = request->village(), .shop = request->shop()},
      [this, request](const domain::Principal& caller) -> absl::Status {
        if (absl::Status s = book_->SetTerms(request->village(), request->shop(),
                                             {request->discount_bp(), request->levy_bp()});
            !s.ok()) {
          return s;
        }
        return gate_->Journal(
            caller, request->village(), "shop.terms",
            absl::StrCat("shop ", request->shop(), ": discount ", request->discount_bp(),
                         " bp, levy ", request->levy_bp(), " bp"));
      });
}

grpc::ServerUnaryReactor* ShopService::SetOfflineLimits(
    grpc::CallbackServerContext* context, const v1::SetOfflineLimitsRequest* request,
    v1::SetOfflineLimitsResponse* /*response*/) {
  return Offload(context, gate_, Rpc::kSetOfflineLimits, workers_, *request,
                 Target{.village = request->village()},
                 [this, request](const domain::Principal& caller) -> absl::Status {
                   const domain::OfflineLimits limits = OfflineLimitsFromProto(request->limits());
                   if (absl::Status s = offline_->SetLimits(request->village(), limits); !s.ok())
                     return s;
                   return gate_->Journal(
                       caller, request->village(), "shop.offline_limits",
                       absl::StrCat(limits.offline_hours, " h; household ", limits.household_points,
                                    " points, ", limits.household_baskets, " baskets; terminal ",
                                    limits.terminal_points, " points, ", limits.terminal_baskets,
                                    " baskets; basket ", limits.basket_points_max, " points"));
                 });
}

grpc::ServerUnaryReactor* ShopService::GetOfflineLimits(grpc::CallbackServerContext* context,
                                                        const v1::GetOfflineLimitsRequest* request,
                                                        v1::GetOfflineLimitsResponse* response) {
  return Offload(
      context, gate_, Rpc::kGetOfflineLimits, workers_, *request,
      Target{.village = request->village()}, [this, request, response]() -> absl::Status {
        absl::StatusOr<domain::OfflineLimits> limits = offline_->Limits(request->village());
        if (!limits.ok()) return limits.status();
        OfflineLimitsToProto(*limits, response->mutable_limits());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ShopService::RecordCashSale(grpc::CallbackServerContext* context,
                                                      const v1::RecordCashSaleRequest* request,
                                                      v1::RecordCashSaleResponse* response) {
  return Offload(context, gate_, Rpc::kRecordCashSale, workers_, *request,
                 Target{.village = request->village(), .shop = request->shop()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<domain::CashSaleRequest> sale =
                       CashSaleRequestFromProto(*request);
                   if (!sale.ok()) return sale.status();
                   absl::StatusOr<domain::CashSale> sold = book_->RecordCashSale(*sale);
                   if (!sold.ok()) return sold.status();
                   CashSaleToProto(*sold, response);
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* ShopService::IssuePaymentCode(grpc::CallbackServerContext* context,
                                                        const v1::IssuePaymentCodeRequest* request,
                                                        v1::IssuePaymentCodeResponse* response) {
  return Offload(context, gate_, Rpc::kIssuePaymentCode, workers_, *request,
                 Target{.village = request->village(), .household = request->household()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<domain::PaymentCode> code =
                       payments_->IssueCode(request->village(), request->household());
                   if (!code.ok()) return code.status();
                   response->set_code(code->code);
                   response->set_expires_at(code->expires_at_ns);
                   absl::StatusOr<std::string> key =
                       payments_->OfflineKey(request->village(), request->household());
                   if (!key.ok()) return key.status();
                   response->set_offline_key(*key);
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* ShopService::IssueCard(grpc::CallbackServerContext* context,
                                                 const v1::IssueCardRequest* request,
                                                 v1::IssueCardResponse* response) {
  return Offload(context, gate_, Rpc::kIssueCard, workers_, *request,
                 Target{.village = request->village(), .household = request->household()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   absl::StatusOr<domain::Card> card = payments_->IssueCard(
                       request->village(), request->household(), request->pin());
                   if (!card.ok()) return card.status();
                   response->set_card_number(card->number);
                   // The audit names the card's household, never its PIN.
                   return gate_->Journal(caller, request->village(), "card.issue",
                                         absl::StrCat("household ", request->household()));
                 });
}

}  // namespace points::server

#include "shop_service.h"

#include "convert.h"
#include "ids.h"
#include "offload.h"
#include "shop_convert.h"

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
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    if (absl::Status s = book_->CreateShop(request->village(), request->shop(), request->name());
        !s.ok()) {
      return s;
    }
    using domain::ShopAccount;
    response->set_points_account_id(IdToBytes(
        domain::ids::OfShopAccount(request->village(), request->shop(), ShopAccount::kPoints)));
    response->set_money_account_id(IdToBytes(
        domain::ids::OfShopAccount(request->village(), request->shop(), ShopAccount::kMoney)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopService::PutItem(grpc::CallbackServerContext* context,
                                               const v1::PutItemRequest* request,
                                               v1::PutItemResponse* /*response*/) {
  return Offload(context, workers_, [this, request] {
    return book_->PutItem(request->village(), request->shop(), ItemFromProto(request->item()));
  });
}

grpc::ServerUnaryReactor* ShopService::Restock(grpc::CallbackServerContext* context,
                                               const v1::RestockRequest* request,
                                               v1::RestockResponse* /*response*/) {
  return Offload(context, workers_, [this, request]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->restock_id(), "restock_id");
    if (!id.ok()) return id.status();
    return book_->Restock(request->village(), request->shop(), request->item(), *id,
                          request->quantity());
  });
}

grpc::ServerUnaryReactor* ShopService::ListItems(grpc::CallbackServerContext* context,
                                                 const v1::ListItemsRequest* request,
                                                 v1::ListItemsResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<std::vector<domain::Item>> items =
        book_->Items(request->village(), request->shop());
    if (!items.ok()) return items.status();
    for (const domain::Item& item : *items) ItemToProto(item, response->add_items());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopService::RedeemBasket(grpc::CallbackServerContext* context,
                                                    const v1::RedeemBasketRequest* request,
                                                    v1::RedeemBasketResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<domain::BasketRequest> basket = BasketRequestFromProto(request->basket());
    if (!basket.ok()) return basket.status();
    return Reply(book_->Redeem(*basket), response->mutable_basket());
  });
}

grpc::ServerUnaryReactor* ShopService::ReturnBasket(grpc::CallbackServerContext* context,
                                                    const v1::ReturnBasketRequest* request,
                                                    v1::ReturnBasketResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->basket_id(), "basket_id");
    if (!id.ok()) return id.status();
    return Reply(book_->Return(request->village(), *id), response->mutable_basket());
  });
}

grpc::ServerUnaryReactor* ShopService::GetBasket(grpc::CallbackServerContext* context,
                                                 const v1::GetBasketRequest* request,
                                                 v1::GetBasketResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->basket_id(), "basket_id");
    if (!id.ok()) return id.status();
    return Reply(book_->GetBasket(request->village(), *id), response->mutable_basket());
  });
}

grpc::ServerUnaryReactor* ShopService::SettleShop(grpc::CallbackServerContext* context,
                                                  const v1::SettleShopRequest* request,
                                                  v1::SettleShopResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->settlement_id(), "settlement_id");
    if (!id.ok()) return id.status();
    return Reply(book_->Settle(request->village(), request->shop(), *id, request->fen_per_point()),
                 response->mutable_settlement());
  });
}

grpc::ServerUnaryReactor* ShopService::GetSettlement(grpc::CallbackServerContext* context,
                                                     const v1::GetSettlementRequest* request,
                                                     v1::GetSettlementResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->settlement_id(), "settlement_id");
    if (!id.ok()) return id.status();
    return Reply(book_->GetSettlement(request->village(), *id), response->mutable_settlement());
  });
}

grpc::ServerUnaryReactor* ShopService::SetShopTerms(grpc::CallbackServerContext* context,
                                                    const v1::SetShopTermsRequest* request,
                                                    v1::SetShopTermsResponse* /*response*/) {
  return Offload(context, workers_, [this, request] {
    return book_->SetTerms(request->village(), request->shop(),
                           {request->discount_bp(), request->levy_bp()});
  });
}

grpc::ServerUnaryReactor* ShopService::RecordCashSale(grpc::CallbackServerContext* context,
                                                      const v1::RecordCashSaleRequest* request,
                                                      v1::RecordCashSaleResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<domain::CashSaleRequest> sale = CashSaleRequestFromProto(*request);
    if (!sale.ok()) return sale.status();
    absl::StatusOr<domain::CashSale> sold = book_->RecordCashSale(*sale);
    if (!sold.ok()) return sold.status();
    CashSaleToProto(*sold, response);
    return absl::OkStatus();
  });
}

}  // namespace points::server

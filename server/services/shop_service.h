// points.v1.ShopService: a thin layer over the domain's ShopBook (server/domain/). Its steps
// wait for the ledger, so they run on the worker pool (offload.h).
#ifndef POINTS_SERVER_SERVICES_SHOP_SERVICE_H_
#define POINTS_SERVER_SERVICES_SHOP_SERVICE_H_

#include "boost/asio/thread_pool.hpp"
#include "points/v1/shops.grpc.pb.h"
#include "server/domain/books/offline_book.h"
#include "server/domain/books/payment_book.h"
#include "server/domain/books/shop_book.h"
#include "server/gate/authz.h"

namespace points::server {

class ShopService final : public v1::ShopService::CallbackService {
 public:
  ShopService(Gate* gate, domain::ShopBook* book, domain::PaymentBook* payments,
              domain::OfflineBook* offline, boost::asio::thread_pool* workers)
      : gate_(gate), book_(book), payments_(payments), offline_(offline), workers_(workers) {}

  grpc::ServerUnaryReactor* CreateShop(grpc::CallbackServerContext* context,
                                       const v1::CreateShopRequest* request,
                                       v1::CreateShopResponse* response) override;
  grpc::ServerUnaryReactor* PutItem(grpc::CallbackServerContext* context,
                                    const v1::PutItemRequest* request,
                                    v1::PutItemResponse* response) override;
  grpc::ServerUnaryReactor* Restock(grpc::CallbackServerContext* context,
                                    const v1::RestockRequest* request,
                                    v1::RestockResponse* response) override;
  grpc::ServerUnaryReactor* ListItems(grpc::CallbackServerContext* context,
                                      const v1::ListItemsRequest* request,
                                      v1::ListItemsResponse* response) override;
  grpc::ServerUnaryReactor* RedeemBasket(grpc::CallbackServerContext* context,
                                         const v1::RedeemBasketRequest* request,
                                         v1::RedeemBasketResponse* response) override;
  grpc::ServerUnaryReactor* ReturnBasket(grpc::CallbackServerContext* context,
                                         const v1::ReturnBasketRequest* request,
                                         v1::ReturnBasketResponse* response) override;
  grpc::ServerUnaryReactor* GetBasket(grpc::CallbackServerContext* context,
                                      const v1::GetBasketRequest* request,
                                      v1::GetBasketResponse* response) override;
  grpc::ServerUnaryReactor* SettleShop(grpc::CallbackServerContext* context,
                                       const v1::SettleShopRequest* request,
                                       v1::SettleShopResponse* response) override;
  grpc::ServerUnaryReactor* GetSettlement(grpc::CallbackServerContext* context,
                                          const v1::GetSettlementRequest* request,
                                          v1::GetSettlementResponse* response) override;
  grpc::ServerUnaryReactor* SetShopTerms(grpc::CallbackServerContext* context,
                                         const v1::SetShopTermsRequest* request,
                                         v1::SetShopTermsResponse* response) override;
  grpc::ServerUnaryReactor* RecordCashSale(grpc::CallbackServerContext* context,
                                           const v1::RecordCashSaleRequest* request,
                                           v1::RecordCashSaleResponse* response) override;
  grpc::ServerUnaryReactor* SetOfflineLimits(grpc::CallbackServerContext* context,
                                             const v1::SetOfflineLimitsRequest* request,
                                             v1::SetOfflineLimitsResponse* response) override;
  grpc::ServerUnaryReactor* GetOfflineLimits(grpc::CallbackServerContext* context,
                                             const v1::GetOfflineLimitsRequest* request,
                                             v1::GetOfflineLimitsResponse* response) override;
  grpc::ServerUnaryReactor* IssuePaymentCode(grpc::CallbackServerContext* context,
                                             const v1::IssuePaymentCodeRequest* request,
                                             v1::IssuePaymentCodeResponse* response) override;
  grpc::ServerUnaryReactor* IssueCard(grpc::CallbackServerContext* context,
                                      const v1::IssueCardRequest* request,
                                      v1::IssueCardResponse* response) override;

 private:
  // RedeemBasket of a basket sold offline (consent.offline_code): a refused code is recorded as
  // the shop's shortfall before the refusal is answered.
  absl::Status RedeemOffline(const v1::RedeemBasketRequest& request,
                             const domain::BasketRequest& basket,
                             v1::RedeemBasketResponse* response);
  // What the shop's terminals are told with the catalogue: the limits, and the shortfalls for
  // those who may see them.
  absl::Status OfflineTerms(const domain::Principal& caller, const v1::ListItemsRequest& request,
                            v1::ListItemsResponse* response);

  Gate* const gate_;
  domain::ShopBook* const book_;
  domain::PaymentBook* const payments_;
  domain::OfflineBook* const offline_;
  boost::asio::thread_pool* const workers_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_SHOP_SERVICE_H_

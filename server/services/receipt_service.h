// points.v1.ReceiptService (proto/points/v1/receipts.proto): the tree keeper's checkpoints and
// proofs for anyone with a token (of a transfer, or of every record an award or a basket consists
// of), the journal record behind a proof only for who may read the transfer (server/AUTHZ.md),
// and the witnesses' cosignatures. Every call runs on the worker pool.
#ifndef POINTS_SERVER_SERVICES_RECEIPT_SERVICE_H_
#define POINTS_SERVER_SERVICES_RECEIPT_SERVICE_H_

#include "boost/asio/thread_pool.hpp"
#include "points/engine.h"
#include "points/v1/receipts.grpc.pb.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/shop_book.h"
#include "server/gate/authz.h"
#include "server/receipts/tree_keeper.h"

namespace points::server {

class ReceiptService final : public v1::ReceiptService::CallbackService {
 public:
  // Everything must outlive the service.
  ReceiptService(Gate* gate, const Engine* engine, receipts::TreeKeeper* keeper,
                 const domain::AwardBook* awards, const domain::ShopBook* shops,
                 boost::asio::thread_pool* workers)
      : gate_(gate),
        engine_(engine),
        keeper_(keeper),
        awards_(awards),
        shops_(shops),
        workers_(workers) {}

  grpc::ServerUnaryReactor* GetCheckpoint(grpc::CallbackServerContext* context,
                                          const v1::GetCheckpointRequest* request,
                                          v1::GetCheckpointResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* context,
                                                const v1::GetConsistencyProofRequest* request,
                                                v1::GetConsistencyProofResponse* response) override;
  grpc::ServerUnaryReactor* ProveTransfers(grpc::CallbackServerContext* context,
                                           const v1::ProveTransfersRequest* request,
                                           v1::ProveTransfersResponse* response) override;
  grpc::ServerUnaryReactor* ProveAward(grpc::CallbackServerContext* context,
                                       const v1::ProveAwardRequest* request,
                                       v1::ProveAwardResponse* response) override;
  grpc::ServerUnaryReactor* ProveBasket(grpc::CallbackServerContext* context,
                                        const v1::ProveBasketRequest* request,
                                        v1::ProveBasketResponse* response) override;
  grpc::ServerUnaryReactor* AddCosignature(grpc::CallbackServerContext* context,
                                           const v1::AddCosignatureRequest* request,
                                           v1::AddCosignatureResponse* response) override;

 private:
  // A receipt for each of `ids` that the ledger holds, in commit order, against the latest
  // checkpoint. A missing one is NOT_FOUND unless `only_existing` (an award's or a basket's
  // chains, of which only some were committed); none at all is FAILED_PRECONDITION then.
  absl::Status Prove(const domain::Principal& caller, const std::vector<Id>& ids,
                     bool only_existing,
                     google::protobuf::RepeatedPtrField<v1::TransferReceipt>* receipts) const;

  Gate* const gate_;
  const Engine* const engine_;
  receipts::TreeKeeper* const keeper_;
  const domain::AwardBook* const awards_;
  const domain::ShopBook* const shops_;
  boost::asio::thread_pool* const workers_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_RECEIPT_SERVICE_H_

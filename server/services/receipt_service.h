// points.v1.ReceiptService (proto/points/v1/receipts.proto): the tree keeper's checkpoints and
// proofs for anyone with a token, the journal record behind a proof only for who may read the
// transfer (server/AUTHZ.md), and the witnesses' cosignatures. Every call runs on the worker pool.
#ifndef POINTS_SERVER_SERVICES_RECEIPT_SERVICE_H_
#define POINTS_SERVER_SERVICES_RECEIPT_SERVICE_H_

#include "boost/asio/thread_pool.hpp"
#include "points/engine.h"
#include "points/v1/receipts.grpc.pb.h"
#include "server/gate/authz.h"
#include "server/receipts/tree_keeper.h"

namespace points::server {

class ReceiptService final : public v1::ReceiptService::CallbackService {
 public:
  // Everything must outlive the service.
  ReceiptService(Gate* gate, const Engine* engine, receipts::TreeKeeper* keeper,
                 boost::asio::thread_pool* workers)
      : gate_(gate), engine_(engine), keeper_(keeper), workers_(workers) {}

  grpc::ServerUnaryReactor* GetCheckpoint(grpc::CallbackServerContext* context,
                                          const v1::GetCheckpointRequest* request,
                                          v1::GetCheckpointResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* context,
                                                const v1::GetConsistencyProofRequest* request,
                                                v1::GetConsistencyProofResponse* response) override;
  grpc::ServerUnaryReactor* ProveTransfers(grpc::CallbackServerContext* context,
                                           const v1::ProveTransfersRequest* request,
                                           v1::ProveTransfersResponse* response) override;
  grpc::ServerUnaryReactor* AddCosignature(grpc::CallbackServerContext* context,
                                           const v1::AddCosignatureRequest* request,
                                           v1::AddCosignatureResponse* response) override;

 private:
  absl::Status Prove(const domain::Principal& caller, const v1::ProveTransfersRequest& request,
                     v1::ProveTransfersResponse* response) const;

  Gate* const gate_;
  const Engine* const engine_;
  receipts::TreeKeeper* const keeper_;
  boost::asio::thread_pool* const workers_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_RECEIPT_SERVICE_H_

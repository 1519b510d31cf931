// points.v1.LedgerService on the gRPC callback API: a thin layer that validates and converts a
// request (convert.h), hands it to the engine, and finishes the call from the engine's
// completion. Handlers never block: writes complete on the engine's completion thread, reads
// (which wait until what they saw is durable) run on a small pool of worker threads, and so do
// WatchAccounts streams (watch.h) whenever a commit wakes them.
#ifndef POINTS_SERVER_SERVICES_LEDGER_SERVICE_H_
#define POINTS_SERVER_SERVICES_LEDGER_SERVICE_H_

#include "boost/asio/thread_pool.hpp"
#include "points/engine.h"
#include "points/v1/ledger.grpc.pb.h"
#include "server/gate/authz.h"
#include "server/services/watch.h"

namespace points::server {

class LedgerService final : public v1::LedgerService::CallbackService {
 public:
  // `watch_hub` must be the one the engine's Options::on_commit notifies.
  LedgerService(Gate* gate, Engine* engine, boost::asio::thread_pool* readers, WatchHub* watch_hub)
      : gate_(gate), engine_(engine), readers_(readers), watch_hub_(watch_hub) {}

  grpc::ServerUnaryReactor* CreateAccounts(grpc::CallbackServerContext* context,
                                           const v1::CreateAccountsRequest* request,
                                           v1::CreateAccountsResponse* response) override;
  grpc::ServerUnaryReactor* CreateTransfers(grpc::CallbackServerContext* context,
                                            const v1::CreateTransfersRequest* request,
                                            v1::CreateTransfersResponse* response) override;
  grpc::ServerUnaryReactor* LookupAccounts(grpc::CallbackServerContext* context,
                                           const v1::LookupAccountsRequest* request,
                                           v1::LookupAccountsResponse* response) override;
  grpc::ServerUnaryReactor* LookupTransfers(grpc::CallbackServerContext* context,
                                            const v1::LookupTransfersRequest* request,
                                            v1::LookupTransfersResponse* response) override;
  grpc::ServerUnaryReactor* GetAccountHistory(grpc::CallbackServerContext* context,
                                              const v1::GetAccountHistoryRequest* request,
                                              v1::GetAccountHistoryResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchAccountsResponse>* WatchAccounts(
      grpc::CallbackServerContext* context, const v1::WatchAccountsRequest* request) override;

 private:
  Gate* const gate_;
  Engine* const engine_;
  boost::asio::thread_pool* const readers_;
  WatchHub* const watch_hub_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_LEDGER_SERVICE_H_

// null_ledger: a reference server for service_load. It serves points.v1.LedgerService's
// CreateTransfers and CreateAccounts with the same messages as pointsd but no engine behind them:
// every event answers OK at once. service_load against it measures what the RPC shape alone
// costs on this machine (parsing and building the ledger messages instead of an empty health
// check), so pointsd's figure can be read as "gRPC", "the ledger's messages" and "the durable
// engine" apart. Not a ledger: it stores nothing.
//
//   null_ledger [--listen HOST:PORT] [--finish-on-thread]
//
// --finish-on-thread finishes each call from one other thread, as pointsd finishes from the
// engine's completion thread, instead of inline in the handler.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "boost/asio/post.hpp"
#include "boost/asio/thread_pool.hpp"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "points/v1/ledger.grpc.pb.h"

namespace {

class NullLedger final : public points::v1::LedgerService::CallbackService {
 public:
  explicit NullLedger(boost::asio::thread_pool* finisher) : finisher_(finisher) {}

  grpc::ServerUnaryReactor* CreateTransfers(
      grpc::CallbackServerContext* context, const points::v1::CreateTransfersRequest* request,
      points::v1::CreateTransfersResponse* response) override {
    return Answer(context, request->transfers_size(), response);
  }
  grpc::ServerUnaryReactor* CreateAccounts(grpc::CallbackServerContext* context,
                                           const points::v1::CreateAccountsRequest* request,
                                           points::v1::CreateAccountsResponse* response) override {
    return Answer(context, request->accounts_size(), response);
  }

 private:
  template <typename Response>
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, int events,
                                   Response* response) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    auto finish = [reactor, response, events] {
      for (int i = 0; i < events; ++i) response->add_results();  // result 0 = OK
      reactor->Finish(grpc::Status::OK);
    };
    if (finisher_ != nullptr) {
      boost::asio::post(*finisher_, finish);
    } else {
      finish();
    }
    return reactor;
  }

  boost::asio::thread_pool* const finisher_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:50052";
  bool finish_on_thread = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else if (arg == "--finish-on-thread") {
      finish_on_thread = true;
    } else {
      std::fprintf(stderr, "usage: null_ledger [--listen HOST:PORT] [--finish-on-thread]\n");
      return arg == "--help" ? 0 : 2;
    }
  }
  std::unique_ptr<boost::asio::thread_pool> finisher;
  if (finish_on_thread) finisher = std::make_unique<boost::asio::thread_pool>(1);
  NullLedger service(finisher.get());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "null_ledger: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::printf("null_ledger listening on port %d%s\n", port,
              finish_on_thread ? ", finishing calls on another thread" : "");
  std::fflush(stdout);
  server->Wait();  // until killed
  return 0;
}

// Runs a blocking service step (one that waits for the ledger's group commit or the domain
// store's sync) on the worker pool and finishes the gRPC call from there, so that reactors never
// block. The one place the domain services hand work off.
#ifndef POINTS_SERVER_OFFLOAD_H_
#define POINTS_SERVER_OFFLOAD_H_

#include <utility>

#include "boost/asio/post.hpp"
#include "boost/asio/thread_pool.hpp"
#include "grpcpp/support/server_callback.h"
#include "status.h"

namespace points::server {

// `work` returns the call's absl::Status and fills its response.
template <typename Work>
grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* context,
                                  boost::asio::thread_pool* workers, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  boost::asio::post(*workers, [reactor, work = std::move(work)]() mutable {
    reactor->Finish(ToGrpcStatus(work()));
  });
  return reactor;
}

}  // namespace points::server

#endif  // POINTS_SERVER_OFFLOAD_H_

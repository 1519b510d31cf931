// Runs a blocking service step (one that waits for the ledger's group commit or the domain
// store's sync) on the worker pool and finishes the gRPC call from there, so that reactors never
// block. The one place the domain services hand work off.
#ifndef POINTS_SERVER_SERVICES_OFFLOAD_H_
#define POINTS_SERVER_SERVICES_OFFLOAD_H_

#include <type_traits>
#include <utility>

#include "boost/asio/post.hpp"
#include "boost/asio/thread_pool.hpp"
#include "grpcpp/support/server_callback.h"
#include "server/convert/request_check.h"
#include "server/convert/status.h"
#include "server/gate/authz.h"

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

// Offload behind the gate (authz.h): authenticates the caller on the reactor thread and checks
// the request's limits (request_limits.h) and its numbers and enums (request_check.h) there, then
// on a worker authorizes it for `target` and runs `work`, which may take the caller (`const
// domain::Principal&`) to attribute what it does. A malformed request is INVALID_ARGUMENT for every
// caller, before its numbers are taken for a scope; a denied call never reaches `work`.
template <typename Request, typename Work>
grpc::ServerUnaryReactor* Offload(grpc::CallbackServerContext* context, Gate* gate, Rpc rpc,
                                  boost::asio::thread_pool* workers, const Request& request,
                                  Target target, Work work) {
  absl::StatusOr<domain::Principal> caller = gate->Authenticate(*context, rpc, request);
  const absl::Status checked = caller.ok() ? CheckRequest(request) : caller.status();
  if (!checked.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  return Offload(context, workers,
                 [gate, rpc, target = std::move(target), caller = *std::move(caller),
                  work = std::move(work)]() mutable -> absl::Status {
                   if (absl::Status s = gate->Authorize(caller, rpc, target); !s.ok()) return s;
                   if constexpr (std::is_invocable_v<Work&, const domain::Principal&>) {
                     return work(caller);
                   } else {
                     return work();
                   }
                 });
}

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_OFFLOAD_H_

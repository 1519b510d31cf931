// The guard every call passes, whichever door it came in by (gRPC, or HTTP through the in-process
// channel): a server interceptor, registered first, that
// - answers a request the protobuf parser refused (today: a string field holding bytes that are
//   not UTF-8) with INVALID_ARGUMENT naming the field, "award.note: not valid UTF-8", instead of
//   gRPC's own UNIMPLEMENTED with an empty message, after the same token check as every call
//   (a caller without a valid token gets UNAUTHENTICATED and learns nothing of its request);
// - bounds every status message that leaves pointsd (status.h, kStatusMessageBytesMax).
//
// How the field is known: gRPC 1.51 drops the parser's status, but protobuf 3.21 names the
// field in the log line it writes on the parsing thread just before gRPC runs the interceptors
// on that same thread. InstallProtobufLogHandler routes protobuf's log through pointsd's
// structured log and keeps that field name in a thread-local slot, which the interceptor takes
// when it sees that the request did not parse. Nothing else is read from that slot.
#ifndef POINTS_SERVER_GATE_CALL_GUARD_H_
#define POINTS_SERVER_GATE_CALL_GUARD_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "server/gate/authz.h"

namespace points::server {

// Once, before the server starts: protobuf's log lines become pointsd log events (never plain
// text on stderr), and the parser's UTF-8 refusals are kept for the guard.
void InstallProtobufLogHandler();

// The guard's factory; `gate` outlives the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> CallGuardFactory(
    const Gate* gate);

}  // namespace points::server

#endif  // POINTS_SERVER_GATE_CALL_GUARD_H_

// Who is on the other end of a call, for the rate limiter and the logs: gRPC's peer address, or,
// for a call the HTTP bridge (http/) forwards through the in-process channel (whose peer is
// "unknown"), the browser's address as the bridge saw it.
//
// The bridge passes that address as metadata next to a random secret made once per process;
// only a call whose metadata carries the secret is believed. A network client cannot forge it:
// it does not know the secret, and the bridge never forwards a network client's own metadata
// of that name (it forwards `authorization` only).
#ifndef POINTS_SERVER_GATE_CALLER_H_
#define POINTS_SERVER_GATE_CALLER_H_

#include <map>
#include <string>
#include <string_view>

#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/string_ref.h"

namespace points::server {

// The metadata key the bridge sets: "<secret> <peer>".
inline constexpr char kBridgedPeerKey[] = "x-points-bridged-peer";

// The protocols a call can come in by, as metrics and logs name them.
inline constexpr char kProtocolGrpc[] = "grpc";
inline constexpr char kProtocolConnect[] = "connect";

struct CallOrigin {
  std::string peer;      // "ipv4:10.0.0.7:51234", "ipv6:[::1]:51234", or gRPC's "unknown"
  const char* protocol;  // kProtocolGrpc or kProtocolConnect
};

// Marks `context` as forwarded by the bridge for a client at `peer` (in gRPC's peer format).
void MarkBridged(grpc::ClientContext& context, std::string_view peer);

// The origin of a call with this client metadata and gRPC peer.
CallOrigin OriginOf(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                    std::string grpc_peer);
CallOrigin OriginOf(const grpc::ServerContextBase& context);

}  // namespace points::server

#endif  // POINTS_SERVER_GATE_CALLER_H_

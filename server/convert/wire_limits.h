// The contract's limits on the wire, written once for both sides: pointsd sets them on its gRPC
// server and its HTTP listener, the clients on their channels, so the two can never disagree.
#ifndef POINTS_SERVER_CONVERT_WIRE_LIMITS_H_
#define POINTS_SERVER_CONVERT_WIRE_LIMITS_H_

#include "points/limits.h"

namespace points {

// The largest request or response, either way, over gRPC or as an HTTP body: 8189 transfers of
// about 200 bytes of protobuf each, with room.
inline constexpr int kMessageBytesMax = 4 << 20;
// The shortest interval between a client's keepalive pings that pointsd accepts; a client pings
// less often than this (clients/cpp/channel.cc).
inline constexpr int kKeepalivePingsMinMs = 30'000;

static_assert(kMessageBytesMax >= kBatchEventsMax * 256, "a full batch fits in one message");

}  // namespace points

#endif  // POINTS_SERVER_CONVERT_WIRE_LIMITS_H_

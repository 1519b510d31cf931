// The one mapping from engine and domain status to gRPC status, and the bound on every status
// message that leaves pointsd. absl and gRPC number their canonical codes alike (both follow
// google.rpc.Code), so the code carries over. The message is kept, cut to kStatusMessageBytesMax:
// gRPC sends it as metadata, and a message repeating a long input would overflow the client's
// metadata limit and stall the connection. The interceptor in call_guard.h applies the same
// bound to statuses gRPC itself makes, so no handler can forget.
#ifndef POINTS_SERVER_CONVERT_STATUS_H_
#define POINTS_SERVER_CONVERT_STATUS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace points::server {

inline constexpr size_t kStatusMessageBytesMax = 512;

// `message`, or, when longer than kStatusMessageBytesMax, its start cut on a UTF-8 character
// boundary with a marker saying how long it was; the result is at most kStatusMessageBytesMax.
inline std::string BoundedStatusMessage(absl::string_view message) {
  if (message.size() <= kStatusMessageBytesMax) return std::string(message);
  const std::string marker = absl::StrCat(" … (cut; ", message.size(), " bytes)");
  size_t keep = kStatusMessageBytesMax - marker.size();
  // Back up over continuation bytes (10xxxxxx) so no character is split.
  while (keep > 0 && (static_cast<unsigned char>(message[keep]) & 0xC0) == 0x80) --keep;
  return absl::StrCat(message.substr(0, keep), marker);
}

inline grpc::Status BoundedStatus(const grpc::Status& status) {
  if (status.error_message().size() <= kStatusMessageBytesMax) return status;
  return grpc::Status(status.error_code(), BoundedStatusMessage(status.error_message()),
                      status.error_details());
}

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      BoundedStatusMessage(status.message()));
}

}  // namespace points::server

#endif  // POINTS_SERVER_CONVERT_STATUS_H_

// The one mapping from engine status to gRPC status. absl and gRPC number their canonical codes
// alike (both follow google.rpc.Code), so the code carries over and the message is kept.
#ifndef POINTS_SERVER_STATUS_H_
#define POINTS_SERVER_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace points::server {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace points::server

#endif  // POINTS_SERVER_STATUS_H_

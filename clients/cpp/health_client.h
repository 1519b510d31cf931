// grpc.health.v1.Health/Check, as pointsd serves it. Protobuf and gRPC stay inside.
#ifndef POINTS_CLIENTS_CPP_HEALTH_CLIENT_H_
#define POINTS_CLIENTS_CPP_HEALTH_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "clients/cpp/channel.h"

namespace points::client {

// grpc.health.v1's HealthCheckResponse.ServingStatus.
enum class HealthStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

// "SERVING", "NOT_SERVING", ...: the proto's names, as health tools print them.
const char* HealthStatusName(HealthStatus status);

class HealthClient {
 public:
  explicit HealthClient(std::shared_ptr<Channel> channel);
  ~HealthClient();
  HealthClient(const HealthClient&) = delete;
  HealthClient& operator=(const HealthClient&) = delete;

  // grpc.health.v1.Health/Check of `service` ("" = the whole server; pointsd also has
  // "points.write"). An unknown service is NOT_FOUND; a draining server answers NOT_SERVING.
  absl::StatusOr<HealthStatus> Health(const std::string& service);

 private:
  class Stub;  // a generic stub: Debian's gRPC ships no generated health stubs
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_HEALTH_CLIENT_H_

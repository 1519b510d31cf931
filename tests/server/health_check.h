// grpc.health.v1.Health/Check through a generic stub, as a generic tool or a Kubernetes probe
// calls it, for the tests of server/: no generated health stubs needed.
#ifndef POINTS_TESTS_SERVER_HEALTH_CHECK_H_
#define POINTS_TESTS_SERVER_HEALTH_CHECK_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace points::testing {

// The status pointsd reports for `service`: 1 SERVING, 2 NOT_SERVING, 0 when the call failed
// (e.g. an unknown service). HealthCheckRequest{service} is field 1, a string (bytes 0a LEN
// ..., nothing for ""); HealthCheckResponse{status} is field 1, a varint (bytes 08 STATUS).
inline int HealthStatusOf(const std::string& target, const std::string& service) {
  grpc::GenericStub generic(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  std::string encoded;
  if (!service.empty()) {
    encoded.push_back('\x0a');
    encoded.push_back(static_cast<char>(service.size()));  // service names are short
    encoded.append(service);
  }
  grpc::Slice slice(encoded);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                    &response, [&](grpc::Status s) {
                      status = s;
                      done.Notify();
                    });
  done.WaitForNotification();
  if (!status.ok()) return 0;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return 0;
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes.size() == 2 && bytes[0] == '\x08' ? bytes[1] : 0;
}

}  // namespace points::testing

#endif  // POINTS_TESTS_SERVER_HEALTH_CHECK_H_

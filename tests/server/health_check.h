// grpc.health.v1.Health/Check through a generic stub, as a generic tool or a Kubernetes probe
// calls it, for the tests of server/: no generated health stubs needed; and any unary call by
// method name, e.g. one pointsd does not serve.
#ifndef POINTS_TESTS_SERVER_HEALTH_CHECK_H_
#define POINTS_TESTS_SERVER_HEALTH_CHECK_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace points::testing {

// One unary call through a generic stub: raw request bytes in, raw response bytes out.
inline grpc::Status GenericUnaryCall(const std::string& target, const std::string& method,
                                     const std::string& request_bytes,
                                     std::string* response_bytes) {
  grpc::GenericStub generic(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::Slice slice(request_bytes);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      status = s;
                      done.Notify();
                    });
  done.WaitForNotification();
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      response_bytes->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

// The status pointsd reports for `service`: 1 SERVING, 2 NOT_SERVING, 0 when the call failed
// (e.g. an unknown service). HealthCheckRequest{service} is field 1, a string (bytes 0a LEN
// ..., nothing for ""); HealthCheckResponse{status} is field 1, a varint (bytes 08 STATUS).
inline int HealthStatusOf(const std::string& target, const std::string& service) {
  std::string encoded;
  if (!service.empty()) {
    encoded.push_back('\x0a');
    encoded.push_back(static_cast<char>(service.size()));  // service names are short
    encoded.append(service);
  }
  std::string bytes;
  if (!GenericUnaryCall(target, "/grpc.health.v1.Health/Check", encoded, &bytes).ok()) return 0;
  return bytes.size() == 2 && bytes[0] == '\x08' ? bytes[1] : 0;
}

}  // namespace points::testing

#endif  // POINTS_TESTS_SERVER_HEALTH_CHECK_H_

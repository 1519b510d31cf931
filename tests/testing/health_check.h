// Health as a probe asks it (through the client library), and any unary call by method name
// through a generic stub, e.g. one pointsd does not serve, for the tests of server/.
#ifndef POINTS_TESTS_TESTING_HEALTH_CHECK_H_
#define POINTS_TESTS_TESTING_HEALTH_CHECK_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "clients/cpp/ledger_client.h"
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
// (e.g. an unknown service). Through the client library's one encoding of the health messages,
// without retries, as a probe asks.
inline int HealthStatusOf(const std::string& target, const std::string& service) {
  client::ClientOptions once;
  once.retry.max_attempts = 1;
  client::LedgerClient probe(target, once);
  absl::StatusOr<client::HealthStatus> status = probe.Health(service);
  return status.ok() ? static_cast<int>(*status) : 0;
}

}  // namespace points::testing

#endif  // POINTS_TESTS_TESTING_HEALTH_CHECK_H_

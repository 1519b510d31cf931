// The gRPC side of channel.h, for the library's own .cc files only (no public client header
// includes it, tests/dependencies/include_rules.sh checks): the channel, what every attempt
// carries (deadline, metadata, token), and the retry loop, written once for every service's
// calls.
#ifndef POINTS_CLIENTS_CPP_CHANNEL_CORE_H_
#define POINTS_CLIENTS_CPP_CHANNEL_CORE_H_

#include <memory>
#include <string>
#include <type_traits>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/channel.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace points::client {

// Whether a call may be sent again after a failure that left its outcome unknown.
enum class Resend {
  kWhileUnanswered,  // up to retry.max_attempts, on IsRetryable failures: the writes are
                     // idempotent by their ids
  kNever,            // once: a resend would not find what the first attempt left (a name
                     // taken, a token shown only in the lost answer, a directory made)
};

absl::Status FromGrpc(const grpc::Status& status);

// Decoding goes through the server's own checks (server/convert/) by presenting the response's
// records as a request; a record that fails them means the server and this client disagree on
// the wire.
absl::Status MalformedResponse(absl::string_view method, const absl::Status& status);

class Channel {
 public:
  Channel(const std::string& target, ClientOptions options);
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  const std::string& target() const { return target_; }
  const ClientOptions& options() const { return options_; }
  const std::shared_ptr<grpc::Channel>& grpc_channel() const { return grpc_channel_; }

  // The one call helper: sends `request` with `send` of `stub` until it is answered, it fails
  // for good or the attempts run out. The request object is built once by the caller and never
  // changed here, so every attempt carries the same ids. Errors name `method`, the target and,
  // after a retry, the number of attempts.
  template <typename Stub, typename Request, typename Response>
  absl::Status Call(std::type_identity_t<Stub>& stub, absl::string_view method,
                    grpc::Status (Stub::*send)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response,
                    Resend resend = Resend::kWhileUnanswered) {
    return CallWithRetries(method, resend, [&](grpc::ClientContext* context) {
      response->Clear();
      return (stub.*send)(context, request, response);
    });
  }

  // Call, for the methods whose answer is the whole response.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Ask(std::type_identity_t<Stub>& stub, absl::string_view method,
                               grpc::Status (Stub::*send)(grpc::ClientContext*, const Request&,
                                                          Response*),
                               const Request& request, Resend resend = Resend::kWhileUnanswered) {
    Response response;
    if (absl::Status status = Call<Stub>(stub, method, send, request, &response, resend);
        !status.ok()) {
      return status;
    }
    return response;
  }

  // For a stream, which has its own loop: the options' metadata and token on `context`, and
  // the deadline of one attempt when `with_deadline`.
  void Prepare(grpc::ClientContext* context, bool with_deadline) const;

  // After attempt number `attempt` of `method` failed with `failure`: true when it may be sent
  // again, after on_retry was told and the pause (with jitter) is over; false when it fails for
  // good, with `*final` set to the error the caller returns.
  bool RetryAfter(absl::string_view method, Resend resend, int attempt, const absl::Status& failure,
                  absl::Status* final);

 private:
  absl::Status CallWithRetries(absl::string_view method, Resend resend,
                               absl::FunctionRef<grpc::Status(grpc::ClientContext*)> attempt_once);

  const std::string target_;
  const ClientOptions options_;
  std::shared_ptr<grpc::Channel> grpc_channel_;
  absl::Mutex random_mutex_;
  absl::BitGen random_ ABSL_GUARDED_BY(random_mutex_);
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_CHANNEL_CORE_H_

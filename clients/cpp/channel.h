// The core the service clients share: one gRPC channel to one target, with the options every call
// carries (the token, metadata, TLS) and the rule for sending a call again. This header keeps
// protobuf and gRPC inside: a Channel is opaque here, made by OpenChannel and handed to the
// service clients (ledger_service_client.h, award_client.h, ...; ledger_client.h has them all).
//
// Every attempt has a deadline. A call that fails with UNAVAILABLE or DEADLINE_EXCEEDED is sent
// again, after a growing pause, up to a bounded number of attempts. The retry resends the very
// same request, with the same ids: ids are idempotency keys, so an event the server applied
// during an attempt whose answer was lost now answers EXISTS instead of being applied twice. A
// caller that retries on its own must do the same.
#ifndef POINTS_CLIENTS_CPP_CHANNEL_H_
#define POINTS_CLIENTS_CPP_CHANNEL_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace points::client {

struct RetryPolicy {
  // Attempts in all, the first included: 1 never retries.
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
  double backoff_multiplier = 2.0;
};

// True for the failures after which the same request may be sent again: UNAVAILABLE (not
// connected, or the server is going away) and DEADLINE_EXCEEDED (no answer in time; the server
// may have applied the request, which is why only the same ids may be resent). False for every
// other code: INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED and so on would get the same
// answer again.
bool IsRetryable(absl::StatusCode code);

// The pause before retry number `retry` (1 = before the second attempt), before jitter:
// initial_backoff * backoff_multiplier^(retry - 1), capped at max_backoff.
absl::Duration BackoffBeforeRetry(const RetryPolicy& policy, int retry);

struct ClientOptions {
  // Of each attempt, so a call takes at most about max_attempts * (deadline + max_backoff).
  absl::Duration deadline = absl::Seconds(10);
  RetryPolicy retry;
  // Called before each retry with the number of the attempt about to be made (2, 3, ...) and the
  // failure that caused it; for logging. May be empty.
  std::function<void(int next_attempt, const absl::Status& failure)> on_retry;
  // gRPC metadata sent with every call, e.g. the header a proxy routes on to a shard
  // (deploy/SCALING.md). Names are lowercase, as HTTP/2 requires.
  std::vector<std::pair<std::string, std::string>> metadata;
  // The principal's token (server/AUTHZ.md), sent as `authorization: Bearer <token>` with
  // every call. Empty: none (only health checks are served without one).
  std::string token;
  // TLS (pointsd --tls-cert): the PEM roots that signed the server's certificate (empty: the
  // system's roots), and, for a terminal pinned by certificate (pointsd --tls-client-ca), its
  // PEM certificate chain and key. Off: plaintext, as pointsd serves on loopback.
  struct Tls {
    bool enabled = false;
    std::string root_certs_pem;
    std::string client_cert_pem;
    std::string client_key_pem;
  } tls;
};

// Defined in channel_core.h, which only the library's own .cc files include.
class Channel;

// `target` is a gRPC target, usually "host:port". Connects lazily, on the first call. Service
// clients made from the same channel share its connection; each call may come from any thread.
std::shared_ptr<Channel> OpenChannel(const std::string& target, ClientOptions options = {});

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_CHANNEL_H_

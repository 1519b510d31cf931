#include "clients/cpp/channel.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/cpp/channel_core.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "server/convert/wire_limits.h"

namespace points::client {
namespace {

// A watch has no deadline: keepalive pings find a connection that died silently (a rural link
// that dropped without a FIN), so the watch resumes instead of waiting for ever. pointsd accepts
// pings this often (kKeepalivePingsMinMs, server/convert/wire_limits.h).
constexpr int kKeepaliveTimeMs = 60'000;
constexpr int kKeepaliveTimeoutMs = 20'000;

int ClampedMs(absl::Duration duration) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(duration), 1, INT32_MAX));
}

grpc::ChannelArguments ChannelArgumentsFor(const RetryPolicy& retry) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMessageBytesMax);
  arguments.SetMaxSendMessageSize(kMessageBytesMax);
  // Keep the channel's own reconnection in step with the retry policy, else our retries fail at
  // once with the last error while the channel waits: its reconnect backoff (1 s growing to
  // 120 s by default), and the re-resolution of the target after every address failed (at most
  // every 30 s by default). Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: despite its name it is the
  // connect timeout, and a short one cuts off the handshake with a server that is starting.
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, ClampedMs(retry.initial_backoff));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, ClampedMs(retry.max_backoff));
  arguments.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, ClampedMs(retry.initial_backoff));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  return arguments;
}

std::shared_ptr<grpc::ChannelCredentials> CredentialsFor(const ClientOptions::Tls& tls) {
  if (!tls.enabled) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls.root_certs_pem;
  ssl.pem_cert_chain = tls.client_cert_pem;
  ssl.pem_private_key = tls.client_key_pem;
  return grpc::SslCredentials(ssl);
}

}  // namespace

bool IsRetryable(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded;
}

absl::Duration BackoffBeforeRetry(const RetryPolicy& policy, int retry) {
  absl::Duration backoff = policy.initial_backoff;
  for (int i = 1; i < retry && backoff < policy.max_backoff; ++i) {
    backoff *= policy.backoff_multiplier;
  }
  return std::min(backoff, policy.max_backoff);
}

std::shared_ptr<Channel> OpenChannel(const std::string& target, ClientOptions options) {
  return std::make_shared<Channel>(target, std::move(options));
}

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::Status MalformedResponse(absl::string_view method, const absl::Status& status) {
  return absl::InternalError(
      absl::StrCat(method, ": malformed response from the server: ", status.message()));
}

Channel::Channel(const std::string& target, ClientOptions options)
    : target_(target),
      options_(std::move(options)),
      grpc_channel_(grpc::CreateCustomChannel(target, CredentialsFor(options_.tls),
                                              ChannelArgumentsFor(options_.retry))) {}

void Channel::Prepare(grpc::ClientContext* context, bool with_deadline) const {
  if (with_deadline) context->set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  for (const auto& [name, value] : options_.metadata) context->AddMetadata(name, value);
  if (!options_.token.empty()) context->AddMetadata("authorization", "Bearer " + options_.token);
}

bool Channel::RetryAfter(absl::string_view method, Resend resend, int attempt,
                         const absl::Status& failure, absl::Status* final) {
  const int max_attempts = resend == Resend::kNever ? 1 : std::max(1, options_.retry.max_attempts);
  if (!IsRetryable(failure.code()) || attempt >= max_attempts) {
    *final = absl::Status(
        failure.code(),
        absl::StrCat(method, " to ", target_, ": ", failure.message(),
                     attempt > 1 ? absl::StrCat(" (after ", attempt, " attempts)") : ""));
    return false;
  }
  if (options_.on_retry) options_.on_retry(attempt + 1, failure);
  double jitter;
  {
    absl::MutexLock lock(&random_mutex_);
    jitter = absl::Uniform(random_, 0.8, 1.2);
  }
  // Jitter spreads out the retries of many terminals that lost the server at the same moment.
  absl::SleepFor(BackoffBeforeRetry(options_.retry, attempt) * jitter);
  return true;
}

absl::Status Channel::CallWithRetries(
    absl::string_view method, Resend resend,
    absl::FunctionRef<grpc::Status(grpc::ClientContext*)> attempt_once) {
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    Prepare(&context, /*with_deadline=*/true);
    const absl::Status status = FromGrpc(attempt_once(&context));
    if (status.ok()) return status;
    if (absl::Status final; !RetryAfter(method, resend, attempt, status, &final)) return final;
  }
}

}  // namespace points::client

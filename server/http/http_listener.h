// pointsd's HTTP listener (--http-listen): HTTP/1.1 with keep-alive on Boost.Beast, plaintext or
// TLS (the gRPC port's certificate), serving on one origin
//   - the Connect protocol for every RPC (connect_bridge.h): unary POST (JSON or binary), GET
//     for reads marked NO_SIDE_EFFECTS, server streams with envelopes;
//   - the web app's built files (static_files.h) from --web-root.
// Its threads only do asynchronous IO and conversions; calls go through the gRPC server's
// in-process channel, so the interceptors and the gate run exactly as for a gRPC client.
//
// Limits (each a named constant in http_listener.cc): a 4 MiB body (gRPC's message limit),
// 16 KiB and 64 fields of headers, --http-read-seconds for a request to arrive after its first
// byte, an idle keep-alive connection closed after a minute, a response the client does not take
// within 30 s, --http-max-connections. Malformed HTTP gets 400 and the connection is closed.
#ifndef POINTS_SERVER_HTTP_HTTP_LISTENER_H_
#define POINTS_SERVER_HTTP_HTTP_LISTENER_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "server/gate/tls.h"
#include "server/http/http_options.h"
#include "server/ops/metrics.h"

namespace points::server::http {

class HttpListener {
 public:
  // Listens on `options.listen` (port 0 picks one) with TLS when `tls` has a certificate, and
  // forwards calls to `channel` (the server's InProcessChannel). `metrics` outlives it.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const HttpOptions& options,
                                                             const TlsFiles& tls,
                                                             std::shared_ptr<grpc::Channel> channel,
                                                             Metrics* metrics);
  ~HttpListener();  // Stop(0) if not stopped
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const;
  bool tls() const;

  // The drain: stops accepting; idle connections close now, busy ones after their answer
  // (which says Connection: close). Streams end when the server ends their calls.
  void BeginDrain();
  // Waits up to `grace` for the connections to close, closes those left, stops the threads.
  void Stop(std::chrono::milliseconds grace);

  struct State;

 private:
  explicit HttpListener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace points::server::http

#endif  // POINTS_SERVER_HTTP_HTTP_LISTENER_H_

// pointsd's Prometheus metrics (prometheus-cpp): RPC counts and latency by method and code, the
// engine's group commits (batches and events per group, sync latency), and at each scrape the
// engine's gauges (queue depth, records, read-only) and the journal store's RocksDB figures.
// Served as text on http://HOST:PORT/metrics when pointsd runs with --metrics-listen.
//
// Names follow Prometheus conventions (units last, counters end in _total); the list is in
// server/README.md, "Metrics". Method labels are only the methods pointsd serves (others count
// as "other"), so a client cannot grow the label set.
#ifndef POINTS_SERVER_OPS_METRICS_H_
#define POINTS_SERVER_OPS_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/support/server_interceptor.h"
#include "points/engine.h"

namespace points::server {

// The routes and statuses points_http_responses_total counts (HTTP statuses 100..599).
inline constexpr int kHttpRouteCount = 3;
inline constexpr unsigned kHttpStatusMin = 100;
inline constexpr unsigned kHttpStatusSpan = 500;

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // For Options::on_group_committed: called on the engine's sync thread.
  void OnGroupCommitted(const GroupCommitted& group);
  // Called for each finished RPC by the interceptor; `method` is "/package.Service/Method",
  // `protocol` kProtocolGrpc or kProtocolConnect (caller.h).
  void OnRpcDone(const std::string& method, const char* protocol, grpc::StatusCode code,
                 double seconds);

  // Called for each call the gate (authz.h) refused: `method` is one pointsd serves.
  void OnDenied(const std::string& method, int code);

  // Called once per book at start, after its Resume (domain/resume.h): the steps a crash had
  // interrupted that it sent on, and those still interrupted.
  void OnWorkflowsResumed(const std::string& book, uint64_t resumed, uint64_t failed);
  // Called for each response of the HTTP listener (http/), with its HTTP status.
  enum class HttpRoute { kConnect, kStatic, kRefused };
  void OnHttpResponse(HttpRoute route, unsigned status);
  // Called as the HTTP listener's connections open (+1) and close (-1).
  void OnHttpConnections(int delta);

  // The engine whose gauges each scrape reads; must outlive the endpoint (Stop first).
  void WatchEngine(const Engine* engine);

  // Serves /metrics on `listen` (HOST:PORT; port 0 picks a free one). Returns the port.
  absl::StatusOr<int> Serve(const std::string& listen);
  // Stops serving; scrapes in progress finish first.
  void Stop();

  // The interceptor factory that times every RPC, for ServerBuilder.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_OPS_METRICS_H_

// What an HTTP request gets, without the IO (http_session.cc does that): the route (Connect or
// the web app's files), the checks of a Connect request (method, HTTP method, content type,
// origin, headers, body) and the responses, as Beast messages. Internal to server/http/.
#ifndef POINTS_SERVER_HTTP_HTTP_ROUTES_H_
#define POINTS_SERVER_HTTP_HTTP_ROUTES_H_

#include <atomic>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "boost/beast/http.hpp"
#include "server/convert/wire_limits.h"
#include "server/http/connect_bridge.h"
#include "server/http/http_options.h"
#include "server/http/static_files.h"
#include "server/ops/metrics.h"

namespace points::server::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

// The largest request body: gRPC's message limit, before any conversion.
inline constexpr uint64_t kHttpBodyBytesMax = kMessageBytesMax;
// The largest Authorization header: a bearer token is 71 bytes.
inline constexpr size_t kHttpAuthorizationBytesMax = 1024;

// What the routes share; owned by the listener, outliving every connection.
struct Routes {
  Routes(const HttpOptions& options, bool tls, std::shared_ptr<grpc::Channel> channel,
         std::unique_ptr<StaticFiles> files, Metrics* metrics)
      : options(options),
        tls(tls),
        bridge(std::move(channel)),
        files(std::move(files)),
        metrics(metrics) {}
  const HttpOptions options;
  const bool tls;
  ConnectBridge bridge;
  const std::unique_ptr<StaticFiles> files;  // null without --web-root
  Metrics* const metrics;
  std::atomic<bool> draining{false};
  std::atomic<int> calls_in_flight{0};  // bridge calls whose answer has not been posted yet
};

// A Connect call ready to go: what the bridge needs, and what the answer will carry.
struct ConnectPlan {
  const ConnectMethod* method = nullptr;
  Codec codec = Codec::kJson;
  CallHeaders headers;
  std::string request;  // binary
  unsigned version = 11;
  bool keep_alive = true;
  std::vector<std::pair<std::string, std::string>> cors;  // headers for an allowed origin
};

// Whether `target` is a Connect path (/points.v1.Service/Method...).
bool IsConnectTarget(std::string_view target);

// Checks a Connect request: the answer to send at once (an error, a preflight), or the plan.
std::variant<Response, ConnectPlan> PrepareConnect(Routes& routes, Request& request,
                                                   const std::string& peer);
// The answer to a unary call.
Response UnaryAnswer(const Routes& routes, const ConnectPlan& plan, UnaryResult result);
// A Connect error (JSON) as an answer, e.g. 413 for a body over the limit.
Response ConnectError(unsigned version, unsigned http_status, grpc::StatusCode code,
                      absl::string_view message);
// The head of a stream's answer (200, chunked, Connection: close).
beast_http::response<beast_http::empty_body> StreamHead(const Routes& routes,
                                                        const ConnectPlan& plan);

// A request for the web app's files (or 404 without --web-root).
Response StaticAnswer(Routes& routes, const Request& request);
// A plain-text answer for a request that has no route (malformed, too large, too slow).
Response PlainAnswer(unsigned version, unsigned http_status, absl::string_view text);

// Beast's string views are std::string_view, Debian's Abseil has its own: the two conversions.
inline absl::string_view A(std::string_view text) { return {text.data(), text.size()}; }
inline std::string_view S(absl::string_view text) { return {text.data(), text.size()}; }

}  // namespace points::server::http

#endif  // POINTS_SERVER_HTTP_HTTP_ROUTES_H_

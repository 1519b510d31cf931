#include "server/http/http_routes.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/http/connect_protocol.h"

namespace points::server::http {
namespace {

using beast_http::field;
using beast_http::verb;

constexpr char kJson[] = "application/json";
constexpr char kProto[] = "application/proto";
constexpr char kStreamJson[] = "application/connect+json";
constexpr char kStreamProto[] = "application/connect+proto";
// What a page of another origin may send and read (CORS), for the Connect protocol.
constexpr char kCorsAllowHeaders[] =
    "authorization, content-type, connect-protocol-version, connect-timeout-ms, x-user-agent";
constexpr char kCorsExposeHeaders[] = "content-encoding, connect-content-encoding";
constexpr char kCorsMaxAgeSeconds[] = "7200";

absl::string_view Header(const Request& request, field name) {
  const auto it = request.find(name);
  if (it == request.end()) return {};
  return A(it->value());
}

// The media type without parameters, lower-case: "application/json; charset=utf-8" -> json.
std::string MediaType(absl::string_view content_type) {
  return absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
}

bool PrintableAscii(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

void NoStore(Response& response) {
  response.set(field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
}

// Whether a page of `origin` may call: its own origin (scheme://Host) always, others when
// --http-allow-origin names them. Sets `allowed` for an allowed other origin.
bool OriginMayCall(const Routes& routes, const Request& request, absl::string_view origin,
                   bool& allowed) {
  allowed = std::find(routes.options.allow_origins.begin(), routes.options.allow_origins.end(),
                      std::string(origin)) != routes.options.allow_origins.end();
  const std::string own =
      absl::StrCat(routes.tls ? "https://" : "http://", Header(request, field::host));
  return allowed || origin == own;
}

// OPTIONS: a CORS preflight of an allowed origin, of a refused one (403), or a plain OPTIONS.
Response Preflight(const Request& request, bool allowed, bool refused) {
  Response response{refused ? beast_http::status::forbidden : beast_http::status::no_content,
                    request.version()};
  response.set(field::allow, "POST, GET, OPTIONS");
  if (allowed) {
    response.set(field::access_control_allow_origin, S(Header(request, field::origin)));
    response.set(field::access_control_allow_methods, "POST, GET");
    response.set(field::access_control_allow_headers, kCorsAllowHeaders);
    response.set(field::access_control_max_age, kCorsMaxAgeSeconds);
    response.set(field::vary, "Origin");
  }
  NoStore(response);
  response.prepare_payload();
  return response;
}

// The codec of a POST's Content-Type, or nullopt when the method does not take it.
std::optional<Codec> CodecOf(absl::string_view content_type, bool streaming) {
  const std::string media = MediaType(content_type);
  if (media == (streaming ? kStreamJson : kJson)) return Codec::kJson;
  if (media == (streaming ? kStreamProto : kProto)) return Codec::kProto;
  return std::nullopt;
}

// The message of the request, in `plan.codec`: from a GET's query or a POST's body. An answer
// when the request is refused.
std::optional<Response> TakeMessage(Request& request, ConnectPlan& plan, std::string& message) {
  const unsigned version = request.version();
  const bool streaming = plan.method->server_streaming;
  if (request.method() == verb::get) {
    const absl::string_view target = A(request.target());
    const size_t question = target.find('?');
    absl::StatusOr<GetQuery> query = ParseGetQuery(
        question == absl::string_view::npos ? absl::string_view() : target.substr(question + 1));
    if (!query.ok()) {
      return ConnectError(version, absl::IsUnimplemented(query.status()) ? 501 : 400,
                          static_cast<grpc::StatusCode>(query.status().code()),
                          query.status().message());
    }
    plan.codec = query->encoding == "json" ? Codec::kJson : Codec::kProto;
    message = std::move(query->message);
    return std::nullopt;
  }
  const std::optional<Codec> codec = CodecOf(Header(request, field::content_type), streaming);
  if (!codec) {
    Response refused =
        ConnectError(version, 415, grpc::StatusCode::INVALID_ARGUMENT,
                     absl::StrCat("Content-Type must be ", streaming ? kStreamJson : kJson, " or ",
                                  streaming ? kStreamProto : kProto, " for ", plan.method->path));
    refused.set("Accept-Post", streaming ? absl::StrCat(kStreamJson, ", ", kStreamProto)
                                         : absl::StrCat(kJson, ", ", kProto));
    return refused;
  }
  plan.codec = *codec;
  const absl::string_view encoding =
      streaming ? A(request["connect-content-encoding"]) : Header(request, field::content_encoding);
  if (!encoding.empty() && !absl::EqualsIgnoreCase(encoding, "identity")) {
    return ConnectError(version, 501, grpc::StatusCode::UNIMPLEMENTED,
                        "request compression is not supported: send identity");
  }
  message = std::move(request.body());
  if (!streaming) return std::nullopt;
  absl::StatusOr<absl::string_view> enveloped = SingleEnvelopedMessage(message);
  if (!enveloped.ok()) {
    return ConnectError(version, 400, grpc::StatusCode::INVALID_ARGUMENT,
                        enveloped.status().message());
  }
  message = std::string(*enveloped);
  return std::nullopt;
}

// The HTTP method, the Connect headers and the caller's token; an answer when refused.
std::optional<Response> CheckHeaders(const Request& request, ConnectPlan& plan) {
  const unsigned version = request.version();
  const bool get = request.method() == verb::get;
  if (request.method() != verb::post && !get) {
    Response refused = ConnectError(version, 405, grpc::StatusCode::UNIMPLEMENTED,
                                    absl::StrCat(plan.method->path, " is called with POST",
                                                 plan.method->no_side_effects ? " or GET" : ""));
    refused.set(field::allow, plan.method->no_side_effects ? "POST, GET" : "POST");
    return refused;
  }
  if (get && (!plan.method->no_side_effects || plan.method->server_streaming)) {
    Response refused =
        ConnectError(version, 405, grpc::StatusCode::UNIMPLEMENTED,
                     absl::StrCat(plan.method->path,
                                  " is called with POST: GET is for reads (methods marked "
                                  "idempotency_level = NO_SIDE_EFFECTS in the proto)"));
    refused.set(field::allow, "POST");
    return refused;
  }
  if (plan.method->server_streaming && version < 11) {
    return ConnectError(version, 505, grpc::StatusCode::UNIMPLEMENTED,
                        "streams need HTTP/1.1 (chunked answers)");
  }
  const absl::string_view protocol = A(request["connect-protocol-version"]);
  if (!protocol.empty() && protocol != "1") {
    return ConnectError(version, 400, grpc::StatusCode::INVALID_ARGUMENT,
                        "Connect-Protocol-Version must be 1");
  }
  if (const absl::string_view timeout = A(request["connect-timeout-ms"]); !timeout.empty()) {
    absl::StatusOr<int64_t> ms = ParseTimeoutMs(timeout);
    if (!ms.ok()) {
      return ConnectError(version, 400, grpc::StatusCode::INVALID_ARGUMENT, ms.status().message());
    }
    plan.headers.timeout_ms = *ms;
  }
  const absl::string_view authorization = Header(request, field::authorization);
  if (authorization.size() > kHttpAuthorizationBytesMax || !PrintableAscii(authorization)) {
    return ConnectError(version, 401, grpc::StatusCode::UNAUTHENTICATED,
                        "the Authorization header must be `Bearer <token>`, printable ASCII");
  }
  plan.headers.authorization = std::string(authorization);
  return std::nullopt;
}

}  // namespace

bool IsConnectTarget(std::string_view target) {
  return target.size() > kServedPackage.size() && target[0] == '/' &&
         target.substr(1, kServedPackage.size()) == kServedPackage;
}

Response ConnectError(unsigned version, unsigned http_status, grpc::StatusCode code,
                      absl::string_view message) {
  Response response{static_cast<beast_http::status>(http_status), version};
  response.set(field::content_type, kJson);
  NoStore(response);
  response.body() = ErrorJson(code, message);
  response.prepare_payload();
  return response;
}

std::variant<Response, ConnectPlan> PrepareConnect(Routes& routes, Request& request,
                                                   const std::string& peer) {
  ConnectPlan plan;
  plan.version = request.version();
  plan.keep_alive = request.keep_alive() && !routes.draining;
  const absl::string_view origin = Header(request, field::origin);
  bool allowed = false;
  if (!origin.empty() && !OriginMayCall(routes, request, origin, allowed)) {
    if (request.method() == verb::options) return Preflight(request, false, true);
    return ConnectError(request.version(), 403, grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("pages of ", ValidUtf8(origin),
                                     " may not call pointsd (pointsd --http-allow-origin)"));
  }
  if (request.method() == verb::options) return Preflight(request, allowed, false);
  if (allowed) {
    plan.cors = {{"Access-Control-Allow-Origin", std::string(origin)},
                 {"Access-Control-Expose-Headers", kCorsExposeHeaders},
                 {"Vary", "Origin"}};
  }
  const absl::string_view target = A(request.target());
  const absl::string_view path = target.substr(0, target.find('?'));
  plan.method = routes.bridge.Find(S(path));
  if (plan.method == nullptr) {
    return ConnectError(request.version(), 404, grpc::StatusCode::UNIMPLEMENTED,
                        absl::StrCat("pointsd serves no method ", ValidUtf8(path)));
  }
  if (std::optional<Response> refused = CheckHeaders(request, plan)) return *std::move(refused);
  std::string message;
  if (std::optional<Response> refused = TakeMessage(request, plan, message)) {
    return *std::move(refused);
  }
  absl::StatusOr<std::string> binary =
      routes.bridge.DecodeRequest(*plan.method, plan.codec, std::move(message));
  if (!binary.ok()) {
    return ConnectError(request.version(), 400, grpc::StatusCode::INVALID_ARGUMENT,
                        binary.status().message());
  }
  plan.request = *std::move(binary);
  plan.headers.peer = peer;
  return plan;
}

Response UnaryAnswer(const Routes& routes, const ConnectPlan& plan, UnaryResult result) {
  Response response;
  absl::StatusOr<std::string> body;
  if (result.status.ok()) {
    body = routes.bridge.EncodeResponse(*plan.method, plan.codec, std::move(result.response));
  }
  if (body.ok() && result.status.ok()) {
    response = Response{beast_http::status::ok, plan.version};
    response.set(field::content_type, plan.codec == Codec::kJson ? kJson : kProto);
    NoStore(response);
    response.body() = *std::move(body);
  } else {
    const grpc::Status status =
        result.status.ok()
            ? grpc::Status(grpc::StatusCode::INTERNAL, std::string(body.status().message()))
            : result.status;
    response = ConnectError(plan.version, ConnectCodeOf(status.error_code()).http_status,
                            status.error_code(), status.error_message());
  }
  for (const auto& [name, value] : result.headers) response.insert(name, value);
  for (const auto& [name, value] : plan.cors) response.set(name, value);
  response.keep_alive(plan.keep_alive);
  response.prepare_payload();
  return response;
}

beast_http::response<beast_http::empty_body> StreamHead(const Routes& routes,
                                                        const ConnectPlan& plan) {
  (void)routes;
  beast_http::response<beast_http::empty_body> head{beast_http::status::ok, plan.version};
  head.set(field::content_type, plan.codec == Codec::kJson ? kStreamJson : kStreamProto);
  head.set(field::cache_control, "no-store");
  head.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : plan.cors) head.set(name, value);
  head.keep_alive(false);  // a stream is the connection's last answer
  head.chunked(true);
  return head;
}

Response PlainAnswer(unsigned version, unsigned http_status, absl::string_view text) {
  Response response{static_cast<beast_http::status>(http_status), version};
  response.set(field::content_type, "text/plain; charset=utf-8");
  NoStore(response);
  response.body() = std::string(text);
  response.prepare_payload();
  return response;
}

Response StaticAnswer(Routes& routes, const Request& request) {
  if (routes.files == nullptr) {
    return PlainAnswer(request.version(), 404,
                       "pointsd serves no web app here (pointsd --web-root DIR); its API is at "
                       "/points.v1.<Service>/<Method>\n");
  }
  StaticRequest static_request{.method = A(request.method_string()),
                               .target = A(request.target()),
                               .accept_encoding = Header(request, field::accept_encoding),
                               .if_none_match = Header(request, field::if_none_match)};
  StaticResponse answer = routes.files->Serve(static_request);
  Response response{static_cast<beast_http::status>(answer.status), request.version()};
  for (const auto& [name, value] : answer.headers) response.set(name, value);
  if (routes.tls) response.set(field::strict_transport_security, "max-age=31536000");
  response.body() = *answer.body;
  if (answer.status != 304) response.content_length(answer.content_length);
  response.keep_alive(request.keep_alive() && !routes.draining);
  return response;
}

}  // namespace points::server::http

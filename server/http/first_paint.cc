#include "server/http/first_paint.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "points/v1/admin.pb.h"
#include "points/v1/awards.pb.h"

namespace points::server::http {
namespace {

using beast_http::field;

constexpr char kGetCaller[] = "/points.v1.AdminService/GetCaller";
constexpr char kGetHousehold[] = "/points.v1.VillageService/GetHousehold";
constexpr absl::string_view kBalanceSlot = "{{balance}}";
constexpr absl::string_view kStateSlot = "{{state}}";
// Elder mode goes on the root element, where the app puts it (its CSS keys on html.elder).
constexpr absl::string_view kHtmlTag = "<html";
constexpr absl::string_view kElderClass = " class=\"elder\"";

std::string EscapeHtml(absl::string_view text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

// JSON as the text of a <script type="application/json">: no "</script>" or "<!--" can end or
// change it, since no '<' is left ('<' only occurs inside strings, where \u003c means the same).
// U+2028/2029 are escaped too, so the text is also valid JavaScript.
std::string ScriptSafeJson(absl::string_view json) {
  return absl::StrReplaceAll(json, {{"<", "\\u003c"},
                                    {">", "\\u003e"},
                                    {"&", "\\u0026"},
                                    {"\xe2\x80\xa8", "\\u2028"},
                                    {"\xe2\x80\xa9", "\\u2029"}});
}

// One first paint in progress: what it needs until its answer goes out.
struct FirstPaint {
  FirstPaint(Routes& routes, const Request& request) : routes(routes), request(request) {}
  Routes& routes;
  const Request request;  // as the browser sent it: the plain answer is made from it
  Response page;          // the plain page, uncompressed
  CallHeaders headers;
  std::chrono::steady_clock::time_point deadline;
  std::string caller_json;
  bool elder = false;  // the elder-mode cookie was on
  std::function<void(Response)> done;
};
using Paint = std::shared_ptr<FirstPaint>;

// Whatever went wrong, the plain page as today (ETag, gzip, 304).
void Plain(const Paint& paint) { paint->done(StaticAnswer(paint->routes, paint->request)); }

// Starts `path` with `request`; `then` gets the binary answer, on a gRPC thread. A failure
// (a refused token, the deadline) ends in the plain page.
void Call(const Paint& paint, const char* path, const google::protobuf::Message& request,
          std::function<void(const Paint&, std::string)> then) {
  const ConnectMethod* method = paint->routes.bridge.Find(path);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      paint->deadline - std::chrono::steady_clock::now());
  if (method == nullptr || left.count() <= 0) return Plain(paint);
  CallHeaders headers = paint->headers;
  headers.timeout_ms = left.count();
  ++paint->routes.calls_in_flight;
  paint->routes.bridge.Unary(*method, headers, request.SerializeAsString(),
                             [paint, then = std::move(then)](UnaryResult result) {
                               if (result.status.ok()) {
                                 then(paint, std::move(result.response));
                               } else {
                                 Plain(paint);
                               }
                               --paint->routes.calls_in_flight;
                             });
}

// The JSON of an answer, as a Connect client would read it.
absl::StatusOr<std::string> Json(const Paint& paint, const char* path, std::string binary) {
  const ConnectMethod* method = paint->routes.bridge.Find(path);
  if (method == nullptr) return absl::InternalError(path);
  return paint->routes.bridge.EncodeResponse(*method, Codec::kJson, std::move(binary));
}

void OnHousehold(const Paint& paint, std::string binary) {
  points::v1::GetHouseholdResponse household;
  absl::StatusOr<std::string> json = Json(paint, kGetHousehold, binary);
  if (!household.ParseFromString(binary) || !json.ok()) return Plain(paint);
  const std::string state =
      absl::StrCat(R"({"caller":)", paint->caller_json, R"(,"household":)", *json, "}");
  absl::StatusOr<std::string> filled =
      FillFirstPaint(paint->page.body(), household.points_balance(), state, paint->elder);
  if (!filled.ok()) return Plain(paint);
  Response response = std::move(paint->page);
  response.body() = *std::move(filled);
  // Personal: no cache may keep it, nor give it for another cookie; no ETag to revalidate.
  response.erase(field::etag);
  response.set(field::cache_control, "no-store");
  response.set(field::vary, "Cookie");
  response.prepare_payload();
  paint->done(std::move(response));
}

void OnCaller(const Paint& paint, std::string binary) {
  points::v1::GetCallerResponse caller;
  absl::StatusOr<std::string> json = Json(paint, kGetCaller, binary);
  if (!caller.ParseFromString(binary) || !json.ok()) return Plain(paint);
  const points::v1::Principal& principal = caller.principal();
  if (principal.role() != points::v1::ROLE_HOUSEHOLD || principal.revoked()) return Plain(paint);
  paint->caller_json = *std::move(json);
  points::v1::GetHouseholdRequest request;
  request.set_village(principal.village());
  request.set_household(principal.household());
  Call(paint, kGetHousehold, request, OnHousehold);
}

// The values of cookie `name` in a Cookie header, in the order sent (a browser may send two of
// one name, for two paths).
std::vector<absl::string_view> CookieValues(absl::string_view cookie_header,
                                            absl::string_view name) {
  std::vector<absl::string_view> values;
  for (absl::string_view pair : absl::StrSplit(cookie_header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t equals = pair.find('=');
    if (equals != absl::string_view::npos && pair.substr(0, equals) == name) {
      values.push_back(pair.substr(equals + 1));
    }
  }
  return values;
}

}  // namespace

bool ElderMode(absl::string_view cookie_header) {
  const std::vector<absl::string_view> values = CookieValues(cookie_header, kElderCookie);
  return std::find(values.begin(), values.end(), "1") != values.end();
}

std::optional<std::string> SessionToken(absl::string_view cookie_header) {
  for (absl::string_view token : CookieValues(cookie_header, kSessionCookie)) {
    const bool hex = std::all_of(token.begin(), token.end(), [](char c) {
      return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
    });
    if (token.size() == kSessionTokenChars && hex) return std::string(token);
  }
  return std::nullopt;
}

absl::StatusOr<std::string> FillFirstPaint(absl::string_view page, uint64_t balance,
                                           absl::string_view state_json, bool elder) {
  const size_t open = page.find(kFirstPaintOpen);
  if (open == absl::string_view::npos) return absl::NotFoundError("no first-paint marker");
  const size_t inner = open + kFirstPaintOpen.size();
  const size_t close = page.find(kFirstPaintClose, inner);
  if (close == absl::string_view::npos) return absl::NotFoundError("no first-paint end");
  const std::string content = absl::StrReplaceAll(
      page.substr(inner, close - inner), {{kBalanceSlot, EscapeHtml(absl::StrCat(balance))},
                                          {kStateSlot, ScriptSafeJson(state_json)}});
  std::string filled =
      absl::StrCat(page.substr(0, open), content, page.substr(close + kFirstPaintClose.size()));
  const size_t html = filled.find(kHtmlTag.data(), 0, kHtmlTag.size());
  if (elder && html != std::string::npos && html < open) {
    filled.insert(html + kHtmlTag.size(), kElderClass.data(), kElderClass.size());
  }
  return filled;
}

void PageAnswer(Routes& routes, const Request& request, const std::string& peer,
                std::function<void(Response)> done) {
  const auto cookie = request.find(field::cookie);
  std::optional<std::string> token;
  if (request.method() == beast_http::verb::get && cookie != request.end()) {
    token = SessionToken(A(cookie->value()));
  }
  if (!token) return done(StaticAnswer(routes, request));
  auto paint = std::make_shared<FirstPaint>(routes, request);
  paint->elder = ElderMode(A(cookie->value()));
  paint->done = std::move(done);
  paint->deadline = std::chrono::steady_clock::now() + kFirstPaintDeadline;
  // The page itself, whole: the first paint is not revalidated, and is filled before any gzip.
  Request whole = request;
  whole.erase(field::accept_encoding);
  whole.erase(field::if_none_match);
  paint->page = StaticAnswer(routes, whole);
  const auto type = paint->page.find(field::content_type);
  if (paint->page.result_int() != 200 || type == paint->page.end() ||
      !absl::StartsWith(A(type->value()), "text/html") ||
      !absl::StrContains(paint->page.body(), kFirstPaintOpen)) {
    return Plain(paint);
  }
  paint->headers.authorization = absl::StrCat("Bearer ", *token);
  paint->headers.peer = peer;
  Call(paint, kGetCaller, points::v1::GetCallerRequest(), OnCaller);
}

}  // namespace points::server::http

// pointsd's HTTP listener through the real binary, by raw HTTP/1.1 from C++ (the Node test,
// connect_test.mjs, drives it with the generated client): Connect unary, GET and streams,
// errors as Connect JSON, every hardening rule (bodies, headers, slow and malformed clients,
// path traversal, methods, HTTP/1.0, pipelining, the connection cap), CORS, the web root, the
// drain, TLS, the caller's address at the gate and in the logs, the protocol in the metrics.
#include "boost/beast/http.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "clients/cpp/ledger_client.h"
#include "openssl/sha.h"
#include "points/v1/awards.pb.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/server_testing.h"
#include "tests/testing/tls_testing.h"

namespace points::testing {
namespace {

namespace fs = std::filesystem;
using points::client::LedgerClient;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// An answer as read off the wire.
struct Answer {
  int status = 0;  // 0: the connection closed (or timed out) before an answer
  unsigned version = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One raw connection: bytes out exactly as given, answers parsed by Beast.
class Raw {
 public:
  explicit Raw(int port, const char* source = "127.0.0.1") : socket_(io_) {
    boost::system::error_code ec;
    socket_.open(tcp::v4(), ec);
    socket_.bind(tcp::endpoint(net::ip::make_address(source), 0), ec);
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), uint16_t(port)), ec);
    connected_ = !ec;
    timeval timeout{5, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  bool connected() const { return connected_; }
  bool Send(absl::string_view bytes) {
    boost::system::error_code ec;
    net::write(socket_, net::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }
  Answer Read(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    parser.skip(head);
    boost::system::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    Answer answer;
    if (ec && !(ec == http::error::end_of_stream && parser.is_header_done())) return answer;
    const auto& message = parser.get();
    answer.status = message.result_int();
    answer.version = message.version();
    for (const auto& field : message) {
      answer.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    answer.body = message.body();
    return answer;
  }
  // The header of a streamed answer, then its chunks as they come.
  Answer ReadHead() {
    stream_parser_.emplace();
    stream_parser_->body_limit(64 << 20);
    boost::system::error_code ec;
    http::read_header(socket_, buffer_, *stream_parser_, ec);
    Answer answer;
    if (ec) return answer;
    answer.status = stream_parser_->get().result_int();
    for (const auto& field : stream_parser_->get()) {
      answer.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    return answer;
  }
  // The next Connect envelope of a stream: {flags, payload}; flags -1 at the end or on error.
  std::pair<int, std::string> ReadEnvelope() {
    while (pending_.size() < 5 || pending_.size() < 5 + Length()) {
      if (stream_parser_->is_done()) return {-1, ""};
      char chunk[4096];
      stream_parser_->get().body().data = chunk;
      stream_parser_->get().body().size = sizeof chunk;
      boost::system::error_code ec;
      http::read_some(socket_, buffer_, *stream_parser_, ec);
      if (ec && ec != http::error::need_buffer) return {-1, ""};
      pending_.append(chunk, sizeof chunk - stream_parser_->get().body().size);
    }
    const size_t length = Length();
    std::pair<int, std::string> envelope{static_cast<unsigned char>(pending_[0]),
                                         pending_.substr(5, length)};
    pending_.erase(0, 5 + length);
    return envelope;
  }
  // Whether the server closes the connection within `timeout` (reads until end of file).
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char byte[512];
    while (std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = recv(socket_.native_handle(), byte, sizeof byte, MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return true;  // reset
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  size_t Length() const {
    size_t n = 0;
    for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<unsigned char>(pending_[i]);
    return n;
  }

  net::io_context io_;
  tcp::socket socket_;
  bool connected_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> stream_parser_;
  std::string pending_;
};

std::string Post(absl::string_view path, absl::string_view body, absl::string_view token = "",
                 absl::string_view content_type = "application/json",
                 absl::string_view extra = "") {
  return absl::StrCat("POST ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ", content_type,
                      "\r\n",
                      token.empty() ? "" : absl::StrCat("Authorization: Bearer ", token, "\r\n"),
                      extra, "Content-Length: ", body.size(), "\r\n\r\n", body);
}

std::string Get(absl::string_view target, absl::string_view extra = "") {
  return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n", extra, "\r\n");
}

// One request on a new connection.
Answer Call(int port, const std::string& request, bool head = false) {
  Raw raw(port);
  raw.Send(request);
  return raw.Read(head);
}

// The token a demo principal's file holds (pointsd --demo, DATA_DIR/demo-tokens/NAME).
std::string DemoToken(const std::string& data_dir, const std::string& name) {
  std::ifstream file(data_dir + "/demo-tokens/" + name);
  std::string token;
  std::getline(file, token);
  return token;
}

// A demo ledger account's id as JSON (base64 of its 16 big-endian bytes).
std::string JsonId(uint64_t low) {
  std::string bytes(16, '\0');
  for (int i = 0; i < 8; ++i) bytes[15 - i] = char(low >> (8 * i));
  return absl::StrCat("\"", absl::Base64Escape(bytes), "\"");
}

constexpr char kGetHousehold[] = "/points.v1.VillageService/GetHousehold";
constexpr char kIndexHtml[] = "<!doctype html><title>积分超市</title>";

class HttpTest : public ::testing::Test {
 protected:
  points::client::ClientOptions AdminOptions() const {
    points::client::ClientOptions options;
    options.token = admin_;
    return options;
  }
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("http-test-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "web" / "assets");
    std::ofstream(dir_ / "web" / "index.html") << kIndexHtml;
    std::ofstream(dir_ / "web" / "assets" / "index-3f9aB2c1.js") << "console.log('app')";
    std::ofstream(dir_ / "web" / "assets" / "index-3f9aB2c1.js.gz") << "GZ";
    std::ofstream(dir_ / "secret.txt") << "TOP SECRET";
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  // pointsd --demo with HTTP on a free port and the web root; `flags` added.
  void Start(std::vector<std::string> flags = {}) {
    std::vector<std::string> all = {"--demo",     "--http-listen",         "127.0.0.1:0",
                                    "--web-root", (dir_ / "web").string(), "--http-read-seconds",
                                    "1"};
    all.insert(all.end(), flags.begin(), flags.end());
    server_ = std::make_unique<Pointsd>((dir_ / "data").string(), 0, all,
                                        (dir_ / "pointsd.log").string());
    ASSERT_GT(server_->http_port(), 0);
    committee_ = DemoToken(data(), "committee-li");
    household_ = DemoToken(data(), "household-1");
    admin_ = server_->admin_token();
  }
  std::string data() const { return (dir_ / "data").string(); }
  int port() const { return server_->http_port(); }
  std::string Log() const { return ReadFile((dir_ / "pointsd.log").string()); }

  fs::path dir_;
  std::unique_ptr<Pointsd> server_;
  std::string committee_, household_, admin_;
};

TEST_F(HttpTest, UnaryCallsInJsonBinaryAndGetOnOneConnection) {
  Start();
  Raw raw(port());
  ASSERT_TRUE(raw.connected());
  const std::string json = R"({"village":1,"household":1})";
  raw.Send(Post(kGetHousehold, json, committee_, "application/json",
                "Connect-Protocol-Version: 1\r\nConnect-Timeout-Ms: 5000\r\n"));
  Answer answer = raw.Read();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.header("content-type"), "application/json");
  EXPECT_EQ(answer.header("cache-control"), "no-store");
  EXPECT_TRUE(absl::StrContains(answer.body, "张家")) << answer.body;
  const std::string json_body = answer.body;

  points::v1::GetHouseholdRequest request;
  request.set_village(1);
  request.set_household(1);
  raw.Send(Post(kGetHousehold, request.SerializeAsString(), committee_, "application/proto"));
  answer = raw.Read();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.header("content-type"), "application/proto");
  points::v1::GetHouseholdResponse response;
  ASSERT_TRUE(response.ParseFromString(answer.body));
  EXPECT_EQ(response.household().name(), "张家");

  // GET for a read (idempotency_level = NO_SIDE_EFFECTS): JSON in the query, or base64 binary.
  raw.Send(Get(absl::StrCat(kGetHousehold, "?connect=v1&encoding=json&message=",
                            "%7B%22village%22%3A1%2C%22household%22%3A1%7D"),
               absl::StrCat("Authorization: Bearer ", committee_, "\r\n")));
  answer = raw.Read();
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body, json_body);
  raw.Send(Get(absl::StrCat(kGetHousehold, "?encoding=proto&base64=1&message=",
                            absl::WebSafeBase64Escape(request.SerializeAsString())),
               absl::StrCat("Authorization: Bearer ", committee_, "\r\n")));
  answer = raw.Read();
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_TRUE(response.ParseFromString(answer.body));
  EXPECT_EQ(response.household().name(), "张家");

  // Every service the server registers, CommunityService's too: the demo's proposal 2.
  raw.Send(Post("/points.v1.CommunityService/GetProposal", R"({"village":1,"proposal":2})",
                household_, "application/json"));
  answer = raw.Read();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_TRUE(absl::StrContains(answer.body, "PROPOSAL_STATE_IN_DELIBERATION")) << answer.body;
}

TEST_F(HttpTest, ErrorsAreConnectJsonWithTheSpecsStatuses) {
  Start();
  const struct {
    std::string request;
    int status;
    std::string code;
    std::string message_part;
  } kCases[] = {
      {Post(kGetHousehold, R"({"village":1,"household":1})"), 401, "unauthenticated", "token"},
      {Post(kGetHousehold, R"({"village":1,"household":1})", "0123"), 401, "unauthenticated", ""},
      {Post(kGetHousehold, R"({"village":1,"household":2})", household_), 403, "permission_denied",
       "household 2"},
      {Post(kGetHousehold, R"({"village":1,"household":99})", committee_), 404, "not_found", ""},
      {Post(kGetHousehold, R"({"village":1,)", committee_), 400, "invalid_argument", "JSON"},
      {Post(kGetHousehold, R"({"village":1,"househould":1})", committee_), 400, "invalid_argument",
       "househould"},
      {Post(kGetHousehold, R"({"village":"one"})", committee_), 400, "invalid_argument", ""},
      {Post(kGetHousehold, "{}", committee_, "text/plain"), 415, "invalid_argument",
       "application/json"},
      {Post("/points.v1.VillageService/NoSuchMethod", "{}", committee_), 404, "unimplemented",
       "NoSuchMethod"},
      {Post("/points.v1.NoService/Get", "{}", committee_), 404, "unimplemented", ""},
      {Post(kGetHousehold, "{}", committee_, "application/json", "Connect-Timeout-Ms: soon\r\n"),
       400, "invalid_argument", "Connect-Timeout-Ms"},
      {Post(kGetHousehold, "{}", committee_, "application/json", "Connect-Protocol-Version: 2\r\n"),
       400, "invalid_argument", "Connect-Protocol-Version"},
      {Post(kGetHousehold, "{}", committee_, "application/json", "Content-Encoding: br\r\n"), 501,
       "unimplemented", "compression"},
      {Get("/points.v1.AwardService/RecordAward?encoding=json&message=%7B%7D"), 405,
       "unimplemented", "POST"},
      {absl::StrCat("PUT ", kGetHousehold, " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"),
       405, "unimplemented", "POST or GET"},
  };
  for (const auto& c : kCases) {
    Answer answer = Call(port(), c.request);
    EXPECT_EQ(answer.status, c.status) << c.request << "\n" << answer.body;
    EXPECT_EQ(answer.header("content-type"), "application/json") << c.request;
    EXPECT_TRUE(absl::StrContains(answer.body, absl::StrCat("{\"code\":\"", c.code, "\"")))
        << c.request << "\n"
        << answer.body;
    EXPECT_TRUE(absl::StrContains(answer.body, c.message_part)) << c.request << "\n" << answer.body;
  }
}

TEST_F(HttpTest, RefusedWritesChangeNothing) {
  Start();
  const std::string award = absl::StrCat(R"({"award":{"awardId":)", JsonId(7777),
                                         R"(,"village":1,"household":1,"rule":{"rule":1},)",
                                         R"("quantity":"1","note":"x")");
  for (const std::string& body : {award + R"(,"colour":"red"}})", award + R"(,"village":"one"}})",
                                  award + "}"}) {  // unknown field, wrong type, bad JSON
    Answer answer = Call(port(), Post("/points.v1.AwardService/RecordAward", body, committee_));
    EXPECT_EQ(answer.status, 400) << body << "\n" << answer.body;
  }
  const std::string get = absl::StrCat(R"({"village":1,"awardId":)", JsonId(7777), "}");
  Answer found = Call(port(), Post("/points.v1.AwardService/GetAward", get, committee_));
  EXPECT_EQ(found.status, 404) << found.body;
  // The same award, well formed, is recorded: the refusals were about the request alone.
  Answer recorded =
      Call(port(), Post("/points.v1.AwardService/RecordAward", award + "}}", committee_));
  EXPECT_EQ(recorded.status, 200) << recorded.body;
  EXPECT_EQ(Call(port(), Post("/points.v1.AwardService/GetAward", get, committee_)).status, 200);
}

TEST_F(HttpTest, OversizedBodiesAndHeadersAreRefusedAndTheConnectionClosed) {
  Start();
  {
    Raw raw(port());
    raw.Send(absl::StrCat("POST ", kGetHousehold,
                          " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: 5000000\r\n\r\n{"));
    Answer answer = raw.Read();
    EXPECT_EQ(answer.status, 413);
    EXPECT_TRUE(absl::StrContains(answer.body, "resource_exhausted")) << answer.body;
    EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(3)));
  }
  {
    Raw raw(port());  // chunked, growing past 4 MiB
    raw.Send(absl::StrCat("POST ", kGetHousehold,
                          " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk = absl::StrCat("100000\r\n", std::string(0x100000, ' '), "\r\n");
    for (int i = 0; i < 5; ++i) raw.Send(chunk);
    EXPECT_EQ(raw.Read().status, 413);
  }
  Answer big = Call(port(), Get("/", absl::StrCat("X-Big: ", std::string(20000, 'a'), "\r\n")));
  EXPECT_EQ(big.status, 431);
  std::string many;
  for (int i = 0; i < 100; ++i) absl::StrAppend(&many, "X-H", i, ": 1\r\n");
  EXPECT_EQ(Call(port(), Get("/", many)).status, 431);
  EXPECT_EQ(Call(port(), Get("/")).status, 200);  // and the server goes on
  EXPECT_EQ(Call(port(), "GET / HTTP/9.9\r\nHost: x\r\n\r\n").status, 400);
}

TEST_F(HttpTest, SlowClientsAreCutOffAndMalformedRequestsGet400) {
  Start();
  {
    Raw raw(port());  // a byte every 300 ms: the request never arrives within 1 s
    const std::string request = Get("/");
    bool cut = false;
    const auto start = std::chrono::steady_clock::now();
    for (char c : request) {
      if (!raw.Send(absl::string_view(&c, 1)) || raw.ClosedWithin(std::chrono::milliseconds(300))) {
        cut = true;
        break;
      }
    }
    EXPECT_TRUE(cut);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  }
  for (const std::string& bad : {
           std::string("GARBAGE\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost x\r\n\r\n"),
           std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
       }) {
    Raw raw(port());
    raw.Send(bad);
    Answer answer = raw.Read();
    EXPECT_EQ(answer.status, 400) << bad;
    EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(3))) << bad;
  }
}

TEST_F(HttpTest, Http10HeadOptionsPutAndPipelining) {
  Start();
  {
    Raw raw(port());
    raw.Send("GET / HTTP/1.0\r\n\r\n");
    Answer answer = raw.Read();
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.version, 10u);
    EXPECT_EQ(answer.body, kIndexHtml);
    EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(3)));  // 1.0: no keep-alive
  }
  Answer head = Call(port(), "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", /*head=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(std::string(kIndexHtml).size()));
  EXPECT_TRUE(head.body.empty());
  Answer options =
      Call(port(), absl::StrCat("OPTIONS ", kGetHousehold, " HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("allow"), "POST, GET, OPTIONS");
  EXPECT_EQ(
      Call(port(), "PUT /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx").status,
      405);
  // Three requests in one write: three answers, in order, on the one connection.
  Raw raw(port());
  raw.Send(absl::StrCat(Post(kGetHousehold, R"({"village":1,"household":1})", committee_),
                        Get("/assets/index-3f9aB2c1.js"),
                        Post(kGetHousehold, R"({"village":1,"household":2})", committee_)));
  EXPECT_TRUE(absl::StrContains(raw.Read().body, "张家"));
  EXPECT_EQ(raw.Read().body, "console.log('app')");
  EXPECT_TRUE(absl::StrContains(raw.Read().body, "李家"));
}

TEST_F(HttpTest, TheWebRootServesTheAppAndNothingOutsideIt) {
  Start();
  Answer index = Call(port(), Get("/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, kIndexHtml);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("cache-control"), "no-cache");
  EXPECT_TRUE(absl::StrContains(index.header("content-security-policy"), "default-src 'self'"));
  EXPECT_EQ(
      Call(port(), Get("/", absl::StrCat("If-None-Match: ", index.header("etag"), "\r\n"))).status,
      304);
  Answer app = Call(port(), Get("/households/3"));  // the app's own route
  EXPECT_EQ(app.body, kIndexHtml);
  Answer asset = Call(port(), Get("/assets/index-3f9aB2c1.js", "Accept-Encoding: gzip\r\n"));
  EXPECT_EQ(asset.body, "GZ");
  EXPECT_EQ(asset.header("content-encoding"), "gzip");
  EXPECT_EQ(asset.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Call(port(), Get("/missing.png")).status, 404);
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2F..%2Fsecret.txt",
                             "/%2E%2E%2fsecret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"}) {
    Answer answer = Call(port(), Get(target));
    EXPECT_EQ(answer.status, 400) << target;
    EXPECT_FALSE(absl::StrContains(answer.body, "SECRET")) << target;
  }
}

// A page as the web build writes the household's (clients/web/scripts/bundle.js): critical CSS
// inline, the first-paint template with its two slots.
constexpr char kFirstPaintCss[] = "p{color:#111}";
constexpr char kMarkedPage[] =
    "<!doctype html><style>p{color:#111}</style><div id=\"app\"><template id=\"first-paint\">"
    "<p data-testid=\"balance\">{{balance}}</p><script type=\"application/json\" "
    "id=\"first-paint-state\">{{state}}</script></template></div>";

std::string SessionCookie(absl::string_view token) {
  return absl::StrCat("Cookie: theme=dark; points_session=", token, "\r\n");
}

TEST_F(HttpTest, AHouseholdsSessionCookieBringsItsBalanceInThePage) {
  std::ofstream(dir_ / "web" / "index.html", std::ios::trunc) << kMarkedPage;
  Start();
  Raw raw(port());
  points::v1::GetHouseholdRequest request;
  request.set_village(1);
  request.set_household(1);
  raw.Send(Post(kGetHousehold, request.SerializeAsString(), household_, "application/proto"));
  points::v1::GetHouseholdResponse household;
  ASSERT_TRUE(household.ParseFromString(raw.Read().body));

  for (const char* target : {"/", "/households/3"}) {
    Answer page =
        Call(port(), Get(target, SessionCookie(household_) + "Accept-Encoding: gzip\r\n"));
    ASSERT_EQ(page.status, 200) << target;
    EXPECT_TRUE(absl::StrContains(
        page.body, absl::StrCat("<p data-testid=\"balance\">", household.points_balance(), "</p>")))
        << page.body;
    EXPECT_FALSE(absl::StrContains(page.body, "<template")) << page.body;
    EXPECT_TRUE(absl::StrContains(page.body, R"("role":"ROLE_HOUSEHOLD")")) << page.body;
    EXPECT_TRUE(absl::StrContains(page.body, R"("name":"张家")")) << page.body;
    EXPECT_EQ(page.header("cache-control"), "no-store");
    EXPECT_EQ(page.header("vary"), "Cookie");
    EXPECT_EQ(page.header("etag"), "");
    EXPECT_EQ(page.header("content-encoding"), "");
  }
  // The inline style is allowed by its hash, nothing else inline.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(kFirstPaintCss), strlen(kFirstPaintCss), digest);
  const std::string hash = absl::Base64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), SHA256_DIGEST_LENGTH));
  const std::string policy = Call(port(), Get("/")).header("content-security-policy");
  EXPECT_TRUE(absl::StrContains(policy, absl::StrCat("style-src 'self' 'sha256-", hash, "';")))
      << policy;
  EXPECT_FALSE(absl::StrContains(policy, "unsafe-inline")) << policy;

  // Revoked, of another role, unknown, malformed: the plain page, cached as ever.
  raw.Send(Post("/points.v1.AdminService/RevokePrincipal", R"({"name":"household-2"})", admin_));
  ASSERT_EQ(raw.Read().status, 200);
  for (const std::string& token :
       {DemoToken(data(), "household-2"), committee_, DemoToken(data(), "shop-1"),
        std::string(64, 'a'), std::string(64, 'z'), household_ + "0", std::string("<b>")}) {
    Answer page = Call(port(), Get("/", SessionCookie(token)));
    EXPECT_EQ(page.status, 200) << token;
    EXPECT_EQ(page.body, kMarkedPage) << token;
    EXPECT_EQ(page.header("cache-control"), "no-cache") << token;
    EXPECT_NE(page.header("etag"), "") << token;
  }
  // A page without the marker is never personal.
  std::ofstream(dir_ / "web" / "board.html", std::ios::trunc) << kIndexHtml;
  EXPECT_EQ(Call(port(), Get("/board.html", SessionCookie(household_))).body, kIndexHtml);

  // The cookie authenticates no call (a browser sends it with requests other sites make it
  // send: CSRF); only Authorization does.
  for (const std::string& call : {Post("/points.v1.AdminService/GetCaller", "{}", "",
                                       "application/json", SessionCookie(household_)),
                                  Get(absl::StrCat(kGetHousehold, "?encoding=json&message=",
                                                   "%7B%22village%22%3A1%2C%22household%22%3A1%7D"),
                                      SessionCookie(household_))}) {
    Answer refused = Call(port(), call);
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_TRUE(absl::StrContains(refused.body, "unauthenticated")) << refused.body;
  }
}

TEST_F(HttpTest, OtherOriginsOnlyWhenAllowed) {
  Start({"--http-allow-origin", "https://app.example.org"});
  const std::string body = R"({"village":1,"household":1})";
  Answer preflight = Call(
      port(), absl::StrCat("OPTIONS ", kGetHousehold,
                           " HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.org\r\n"
                           "Access-Control-Request-Method: POST\r\n"
                           "Access-Control-Request-Headers: authorization, content-type\r\n\r\n"));
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("access-control-allow-origin"), "https://app.example.org");
  EXPECT_TRUE(absl::StrContains(preflight.header("access-control-allow-headers"), "authorization"));
  Answer allowed = Call(port(), Post(kGetHousehold, body, committee_, "application/json",
                                     "Origin: https://app.example.org\r\n"));
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.header("access-control-allow-origin"), "https://app.example.org");
  const std::string own = absl::StrCat("Origin: http://127.0.0.1:", port(), "\r\n");
  Answer same = Call(
      port(), absl::StrCat("POST ", kGetHousehold, " HTTP/1.1\r\nHost: 127.0.0.1:", port(), "\r\n",
                           own, "Authorization: Bearer ", committee_,
                           "\r\nContent-Type: application/json\r\nContent-Length: ", body.size(),
                           "\r\n\r\n", body));
  EXPECT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(same.header("access-control-allow-origin"), "");
  // Another page: refused before anything runs (an award it tried to record is not there).
  const std::string award =
      absl::StrCat(R"({"award":{"awardId":)", JsonId(8888),
                   R"(,"village":1,"household":1,"rule":{"rule":1},)", R"("quantity":"1"}})");
  Answer evil = Call(port(), Post("/points.v1.AwardService/RecordAward", award, committee_,
                                  "application/json", "Origin: https://evil.example\r\n"));
  EXPECT_EQ(evil.status, 403);
  EXPECT_TRUE(absl::StrContains(evil.body, "permission_denied"));
  EXPECT_EQ(
      Call(port(), absl::StrCat("OPTIONS ", kGetHousehold,
                                " HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n"))
          .status,
      403);
  EXPECT_EQ(
      Call(port(), Post("/points.v1.AwardService/GetAward",
                        absl::StrCat(R"({"village":1,"awardId":)", JsonId(8888), "}"), committee_))
          .status,
      404);
}

// A Connect envelope: flags 0, the length big-endian, the message.
std::string Enveloped(const std::string& message) {
  std::string frame(5, '\0');
  for (int i = 0; i < 4; ++i) frame[1 + i] = char(message.size() >> (8 * (3 - i)));
  return frame + message;
}

// Opens a WatchAccounts stream of demo account 101 (history) as `token`'s principal.
void OpenWatch(Raw& raw, const std::string& token, const std::string& extra = "") {
  raw.Send(Post("/points.v1.LedgerService/WatchAccounts",
                Enveloped(absl::StrCat(R"({"accountIds":[)", JsonId(101), "]}")), token,
                "application/connect+json", extra));
}

TEST_F(HttpTest, StreamsEndWithTheirStatusAndTheDrainEndsThem) {
  Start();
  Raw watch(port());
  OpenWatch(watch, admin_);
  Answer head = watch.ReadHead();
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-type"), "application/connect+json");
  LedgerClient client(server_->target(), AdminOptions());
  ASSERT_TRUE(client.CreateTransfers({DemoAward(0x4854, 1)}).ok());
  bool live = false;
  for (int i = 0; i < 20 && !live; ++i) {  // the seeded changes first, then the new one
    auto [flags, payload] = watch.ReadEnvelope();
    ASSERT_EQ(flags, 0) << payload;
    live = absl::StrContains(payload, "\"creditsPosted\"");
  }
  EXPECT_TRUE(live);
  Raw idle(port());  // a kept-alive connection with nothing to do
  ASSERT_EQ(Call(port(), Get("/")).status, 200);
  const auto start = std::chrono::steady_clock::now();
  std::thread stop([this] { EXPECT_EQ(WEXITSTATUS(server_->Stop(SIGTERM)), 0); });
  std::pair<int, std::string> end;
  do end = watch.ReadEnvelope();
  while (end.first == 0);
  EXPECT_EQ(end.first, 2);  // the end-of-stream frame
  EXPECT_TRUE(absl::StrContains(end.second, R"({"error":{"code":"unavailable")")) << end.second;
  EXPECT_TRUE(watch.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_TRUE(idle.ClosedWithin(std::chrono::seconds(3)));
  stop.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
}

TEST_F(HttpTest, AStreamsDeadlineIsConnectTimeoutMs) {
  Start();
  Raw watch(port());
  OpenWatch(watch, admin_, "Connect-Timeout-Ms: 300\r\n");
  ASSERT_EQ(watch.ReadHead().status, 200);
  std::pair<int, std::string> frame;
  do frame = watch.ReadEnvelope();
  while (frame.first == 0);
  EXPECT_EQ(frame.first, 2);
  EXPECT_TRUE(absl::StrContains(frame.second, "deadline_exceeded")) << frame.second;
  Raw denied(port());
  OpenWatch(denied, household_);  // not its account: the refusal comes in the end frame
  ASSERT_EQ(denied.ReadHead().status, 200);
  frame = denied.ReadEnvelope();
  EXPECT_EQ(frame.first, 2);
  EXPECT_TRUE(absl::StrContains(frame.second, "permission_denied")) << frame.second;
}

TEST_F(HttpTest, ConnectionsBeyondTheCapAreRefused) {
  Start({"--http-max-connections", "2"});
  Raw one(port());
  auto two = std::make_unique<Raw>(port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Answer third = Call(port(), Get("/"));
  EXPECT_EQ(third.status, 503);
  EXPECT_TRUE(absl::StrContains(third.body, "too many connections"));
  one.Send(Get("/"));
  EXPECT_EQ(one.Read().status, 200);  // the first two are served
  two.reset();                        // one gone: room for another
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Call(port(), Get("/")).status, 200);
}

TEST_F(HttpTest, TheCallersAddressReachesTheGateAndTheLogs) {
  Start({"--rate-limit", "1/1", "--log-format", "json"});
  // Calls without a valid token are logged at the rate limit per caller address: once for
  // 127.0.0.1, once for 127.0.0.2, however many each sends; a forged header changes nothing.
  for (const char* source : {"127.0.0.1", "127.0.0.2"}) {
    for (int i = 0; i < 4; ++i) {
      Raw raw(port(), source);
      raw.Send(Post(kGetHousehold, "{}", "0123", "application/json",
                    "X-Points-Bridged-Peer: 0000 ipv4:9.9.9.9:1\r\n"));
      EXPECT_EQ(raw.Read().status, 401);
    }
  }
  // The principal's own rate: one call a second, so the second at once is refused.
  EXPECT_EQ(Call(port(), Post(kGetHousehold, R"({"village":1,"household":1})", committee_)).status,
            200);
  Answer limited = Call(port(), Post(kGetHousehold, R"({"village":1,"household":1})", committee_));
  EXPECT_EQ(limited.status, 429);
  EXPECT_TRUE(absl::StrContains(limited.body, "resource_exhausted")) << limited.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string log = Log();
  int from_1 = 0, from_2 = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (!absl::StrContains(line, "\"event\":\"denied\"")) continue;
    EXPECT_TRUE(absl::StrContains(line, "\"protocol\":\"connect\"")) << line;
    EXPECT_FALSE(absl::StrContains(line, "9.9.9.9")) << line;
    from_1 += absl::StrContains(line, "\"peer\":\"ipv4:127.0.0.1:");
    from_2 += absl::StrContains(line, "\"peer\":\"ipv4:127.0.0.2:");
  }
  EXPECT_EQ(from_1, 2) << log;  // the token-less call, and the committee's rate limit
  EXPECT_EQ(from_2, 1) << log;
}

TEST_F(HttpTest, MetricsNameTheProtocol) {
  Start({"--metrics-listen", "127.0.0.1:0"});
  ASSERT_EQ(Call(port(), Post(kGetHousehold, R"({"village":1,"household":1})", committee_)).status,
            200);
  ASSERT_EQ(Call(port(), Get("/")).status, 200);
  ASSERT_EQ(Call(port(), "BAD\r\n\r\n").status, 400);
  LedgerClient client(server_->target(), AdminOptions());
  ASSERT_TRUE(client.LookupAccounts({101}).ok());
  const std::string text = ScrapeMetrics(server_->metrics_port());
  EXPECT_EQ(MetricSample(text, "points_rpc_requests_total",
                         {"GetHousehold", "protocol=\"connect\"", "code=\"OK\""}),
            1)
      << text;
  EXPECT_EQ(MetricSample(text, "points_rpc_requests_total",
                         {"LookupAccounts", "protocol=\"grpc\"", "code=\"OK\""}),
            1);
  EXPECT_EQ(
      MetricSample(text, "points_http_responses_total", {"route=\"connect\"", "status=\"200\""}),
      1);
  EXPECT_EQ(
      MetricSample(text, "points_http_responses_total", {"route=\"static\"", "status=\"200\""}), 1);
  EXPECT_EQ(
      MetricSample(text, "points_http_responses_total", {"route=\"refused\"", "status=\"400\""}),
      1);
}

TEST_F(HttpTest, TlsAsForGrpcAndPlaintextStaysOnLoopback) {
  const std::string certs = dir_.string();
  ASSERT_TRUE(MakeCertificates(certs, "server"));
  Start({"--tls-cert", certs + "/server.pem", "--tls-key", certs + "/server.key"});
  const std::string command = absl::StrCat("curl -sS --cacert '", certs,
                                           "/server-ca.pem' -H 'Authorization: Bearer ", committee_,
                                           "' -H 'Content-Type: application/json' -d "
                                           "'{\"village\":1,\"household\":1}' https://127.0.0.1:",
                                           port(), kGetHousehold, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  pclose(pipe);
  EXPECT_TRUE(absl::StrContains(output, "张家")) << output;
  EXPECT_NE(Call(port(), Get("/")).status, 200);  // plaintext to the TLS port: no answer
  server_.reset();

  // Plaintext HTTP beyond loopback: refused like gRPC, before anything is opened.
  FILE* refused = popen(absl::StrCat(POINTSD_PATH, " --data-dir '", certs,
                                     "/other' --http-listen 0.0.0.0:0 2>&1; echo exit=$?")
                            .c_str(),
                        "r");
  output.clear();
  while (fgets(buffer, sizeof buffer, refused) != nullptr) output += buffer;
  pclose(refused);
  EXPECT_TRUE(absl::StrContains(output, "HTTP on 0.0.0.0:0 would be plaintext")) << output;
  EXPECT_TRUE(absl::StrContains(output, "exit=1")) << output;
}

}  // namespace
}  // namespace points::testing

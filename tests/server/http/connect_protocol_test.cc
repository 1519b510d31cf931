// The Connect protocol's wire rules (server/http/connect_protocol.h) and the web root's path
// checks (static_files.h), without a server.
#include "server/http/connect_protocol.h"

#include <gtest/gtest.h>

#include <string>

#include "server/http/static_files.h"

namespace points::server::http {
namespace {

TEST(ConnectCodes, EveryGrpcCodeHasItsConnectNameAndHttpStatus) {
  // connectrpc.com/docs/protocol, "Error codes".
  const struct {
    grpc::StatusCode code;
    const char* name;
    unsigned status;
  } kTable[] = {
      {grpc::StatusCode::CANCELLED, "canceled", 499},
      {grpc::StatusCode::UNKNOWN, "unknown", 500},
      {grpc::StatusCode::INVALID_ARGUMENT, "invalid_argument", 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, "deadline_exceeded", 504},
      {grpc::StatusCode::NOT_FOUND, "not_found", 404},
      {grpc::StatusCode::ALREADY_EXISTS, "already_exists", 409},
      {grpc::StatusCode::PERMISSION_DENIED, "permission_denied", 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "resource_exhausted", 429},
      {grpc::StatusCode::FAILED_PRECONDITION, "failed_precondition", 400},
      {grpc::StatusCode::ABORTED, "aborted", 409},
      {grpc::StatusCode::OUT_OF_RANGE, "out_of_range", 400},
      {grpc::StatusCode::UNIMPLEMENTED, "unimplemented", 501},
      {grpc::StatusCode::INTERNAL, "internal", 500},
      {grpc::StatusCode::UNAVAILABLE, "unavailable", 503},
      {grpc::StatusCode::DATA_LOSS, "data_loss", 500},
      {grpc::StatusCode::UNAUTHENTICATED, "unauthenticated", 401},
  };
  for (const auto& row : kTable) {
    EXPECT_STREQ(ConnectCodeOf(row.code).name, row.name) << row.code;
    EXPECT_EQ(ConnectCodeOf(row.code).http_status, row.status) << row.code;
  }
  EXPECT_STREQ(ConnectCodeOf(static_cast<grpc::StatusCode>(99)).name, "unknown");
}

TEST(ConnectErrors, AreJsonWithCodeAndEscapedValidUtf8Message) {
  EXPECT_EQ(ErrorJson(grpc::StatusCode::NOT_FOUND, ""), R"({"code":"not_found"})");
  EXPECT_EQ(ErrorJson(grpc::StatusCode::INVALID_ARGUMENT, "a \"b\"\n户"),
            R"({"code":"invalid_argument","message":"a \"b\"\n户"})");
  // A byte that is not UTF-8 (and an overlong form) becomes U+FFFD: the JSON stays valid.
  EXPECT_EQ(ErrorJson(grpc::StatusCode::INTERNAL, "x\xff\xc0\xafy"),
            "{\"code\":\"internal\",\"message\":\"x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDy\"}");
}

TEST(ConnectStreams, EnvelopesAndTheEndOfStreamFrame) {
  const std::string frame = Envelope(kEnvelopeEndStream, "{}");
  EXPECT_EQ(frame, std::string("\x02\x00\x00\x00\x02{}", 7));
  const std::string big = Envelope(0, std::string(70000, 'a'));
  EXPECT_EQ(big.substr(0, 5), std::string("\x00\x00\x01\x11\x70", 5));

  EXPECT_EQ(*SingleEnvelopedMessage(Envelope(0, "abc")), "abc");
  EXPECT_FALSE(SingleEnvelopedMessage("\x00\x00").ok());                            // too short
  EXPECT_FALSE(SingleEnvelopedMessage(Envelope(kEnvelopeCompressed, "x")).ok());    // compressed
  EXPECT_FALSE(SingleEnvelopedMessage(Envelope(0, "abc") + "d").ok());              // trailing
  EXPECT_FALSE(SingleEnvelopedMessage(Envelope(0, "abc") + Envelope(0, "")).ok());  // two

  std::multimap<grpc::string_ref, grpc::string_ref> trailers;
  EXPECT_EQ(EndStreamJson(grpc::Status::OK, trailers), "{}");
  trailers.emplace("x-a", "1");
  trailers.emplace("x-a", "2");
  trailers.emplace("x-b-bin", "\x01\x02");
  EXPECT_EQ(EndStreamJson(grpc::Status(grpc::StatusCode::UNAVAILABLE, "draining"), trailers),
            R"({"error":{"code":"unavailable","message":"draining"},)"
            R"("metadata":{"x-a":["1","2"],"x-b-bin":["AQI"]}})");
}

TEST(ConnectTimeouts, AreOneToTenDigits) {
  EXPECT_EQ(*ParseTimeoutMs("1500"), 1500);
  EXPECT_EQ(*ParseTimeoutMs("9999999999"), 9999999999);
  for (const char* bad : {"", "-1", "1.5", "12345678901", " 1", "1s"}) {
    EXPECT_FALSE(ParseTimeoutMs(bad).ok()) << bad;
  }
}

TEST(ConnectGet, QueryCarriesEncodingAndMessage) {
  absl::StatusOr<GetQuery> json =
      ParseGetQuery("connect=v1&encoding=json&message=%7B%22village%22%3A1%7D");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->encoding, "json");
  EXPECT_EQ(json->message, R"({"village":1})");
  EXPECT_EQ(ParseGetQuery("encoding=json&message=%7B%20%7D+")->message, "{ } ");  // + = space
  absl::StatusOr<GetQuery> proto = ParseGetQuery("encoding=proto&base64=1&message=CAE");
  ASSERT_TRUE(proto.ok()) << proto.status();
  EXPECT_EQ(proto->message, std::string("\x08\x01", 2));
  EXPECT_EQ(ParseGetQuery("encoding=proto&base64=1&message=CAE%3D")->message, "\x08\x01");
  EXPECT_FALSE(ParseGetQuery("encoding=json").ok());   // no message
  EXPECT_FALSE(ParseGetQuery("message=%7B%7D").ok());  // no encoding
  EXPECT_FALSE(ParseGetQuery("connect=v2&encoding=json&message=%7B%7D").ok());
  EXPECT_FALSE(ParseGetQuery("encoding=proto&message=x").ok());  // binary: base64
  EXPECT_FALSE(ParseGetQuery("encoding=json&message=%7").ok());  // bad escape
  EXPECT_EQ(ParseGetQuery("encoding=json&message=%7B%7D&compression=gzip").status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(WebRoot, PathsNeverLeaveTheRoot) {
  EXPECT_EQ(*SafeRelativePath("/"), "");
  EXPECT_EQ(*SafeRelativePath("/assets/index-3f9a.js?v=1"), "assets/index-3f9a.js");
  EXPECT_EQ(*SafeRelativePath("//a///b/"), "a/b/");
  EXPECT_EQ(*SafeRelativePath("/%E6%9D%91.txt"), "村.txt");
  EXPECT_EQ(*SafeRelativePath("/%252e%252e/x"), "%2e%2e/x");  // decoded once: a name, not ..
  for (const char* bad :
       {"/../etc/passwd", "/a/../../b", "/%2e%2e/etc/passwd", "/%2E%2E%2Fetc%2Fpasswd",
        "/a/%2e%2e/%2e%2e/x", "/..%2fx", "/./x", "/a%5c..%5cb", "/a%00b", "relative", "/%zz"}) {
    EXPECT_EQ(SafeRelativePath(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(SafeRelativePath("/.git/config").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(SafeRelativePath("/a/.env").status().code(), absl::StatusCode::kNotFound);
}

TEST(WebRoot, GzipWhenAccepted) {
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
}

}  // namespace
}  // namespace points::server::http

// The Connect protocol's wire rules (connectrpc.com/docs/protocol) that need no network: status
// codes and their HTTP statuses, the error JSON, envelopes of streams, Connect-Timeout-Ms, the
// query of a GET. Pure functions, unit-tested in tests/server/http/connect_protocol_test.cc.
#ifndef POINTS_SERVER_HTTP_CONNECT_PROTOCOL_H_
#define POINTS_SERVER_HTTP_CONNECT_PROTOCOL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/string_ref.h"

namespace points::server::http {

// Envelope flags of a streamed message: compressed, and the end-of-stream frame (JSON).
inline constexpr uint8_t kEnvelopeCompressed = 0x01;
inline constexpr uint8_t kEnvelopeEndStream = 0x02;
inline constexpr size_t kEnvelopeHeaderBytes = 5;  // flags(1) | length(4, big-endian)
// Connect-Timeout-Ms: "positive integer, at most 10 digits".
inline constexpr size_t kTimeoutDigitsMax = 10;

// The Connect code name of a gRPC code ("invalid_argument", "canceled") and its HTTP status.
struct ConnectCode {
  const char* name;
  unsigned http_status;
};
ConnectCode ConnectCodeOf(grpc::StatusCode code);

// `text` with each byte sequence that is not UTF-8 replaced by U+FFFD: JSON must be UTF-8.
std::string ValidUtf8(absl::string_view text);

// {"code":"...","message":"..."}: the body of a unary error, and the "error" of a stream's end.
std::string ErrorJson(grpc::StatusCode code, absl::string_view message);

// The end-of-stream frame's JSON: {} or {"error":{...}}, with "metadata" from the trailers.
std::string EndStreamJson(const grpc::Status& status,
                          const std::multimap<grpc::string_ref, grpc::string_ref>& trailers);

// Metadata as HTTP headers: values of "-bin" keys base64-encoded (unpadded), as Connect says.
std::string HeaderValueOf(absl::string_view key, absl::string_view value);

// One envelope: flags, length, payload.
std::string Envelope(uint8_t flags, absl::string_view payload);

// The one enveloped message of a server-streaming request's body (flags must be 0: this server
// does not compress), or INVALID_ARGUMENT.
absl::StatusOr<absl::string_view> SingleEnvelopedMessage(absl::string_view body);

// Connect-Timeout-Ms as milliseconds (1..10 digits), or INVALID_ARGUMENT.
absl::StatusOr<int64_t> ParseTimeoutMs(absl::string_view header);

// The query of a Connect GET: /pkg.Service/Method?connect=v1&encoding=json&message=...
struct GetQuery {
  std::string encoding;     // "json" or "proto"
  std::string message;      // decoded: URL-decoded, then base64-decoded when base64=1
  std::string compression;  // "" or "identity" (nothing else is accepted)
};
absl::StatusOr<GetQuery> ParseGetQuery(absl::string_view query);

// %XX-decoding of a URL component ('+' stays '+' unless `plus_is_space`), or nullopt when a
// '%' is not followed by two hex digits.
std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

}  // namespace points::server::http

#endif  // POINTS_SERVER_HTTP_CONNECT_PROTOCOL_H_

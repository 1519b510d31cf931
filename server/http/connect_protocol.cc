#include "server/http/connect_protocol.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/ops/log.h"

namespace points::server::http {
namespace {

// Indexed by grpc::StatusCode 0..16 (connectrpc.com/docs/protocol, "Error codes").
constexpr std::array<ConnectCode, 17> kCodes = {{
    {"ok", 200},
    {"canceled", 499},
    {"unknown", 500},
    {"invalid_argument", 400},
    {"deadline_exceeded", 504},
    {"not_found", 404},
    {"already_exists", 409},
    {"permission_denied", 403},
    {"resource_exhausted", 429},
    {"failed_precondition", 400},
    {"aborted", 409},
    {"out_of_range", 400},
    {"unimplemented", 501},
    {"internal", 500},
    {"unavailable", 503},
    {"data_loss", 500},
    {"unauthenticated", 401},
}};

// The length of the UTF-8 sequence at `text[i]`, or 0 when it is not one (overlong forms,
// surrogates and code points above U+10FFFF included).
size_t Utf8SequenceAt(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length;
  uint32_t code;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  constexpr uint32_t kMinOfLength[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMinOfLength[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return length;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ConnectCode ConnectCodeOf(grpc::StatusCode code) {
  const auto index = static_cast<size_t>(code);
  return index < kCodes.size() ? kCodes[index] : kCodes[grpc::StatusCode::UNKNOWN];
}

std::string ValidUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceAt(text, i);
    if (length == 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(text.data() + i, length);
      i += length;
    }
  }
  return out;
}

std::string ErrorJson(grpc::StatusCode code, absl::string_view message) {
  std::string json = absl::StrCat("{\"code\":\"", ConnectCodeOf(code).name, "\"");
  if (!message.empty()) {
    absl::StrAppend(&json, ",\"message\":\"", JsonEscape(ValidUtf8(message)), "\"");
  }
  json.push_back('}');
  return json;
}

std::string HeaderValueOf(absl::string_view key, absl::string_view value) {
  if (key.size() >= 4 && key.substr(key.size() - 4) == "-bin") {
    std::string encoded = absl::Base64Escape(value);
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    return encoded;
  }
  return std::string(value);
}

std::string EndStreamJson(const grpc::Status& status,
                          const std::multimap<grpc::string_ref, grpc::string_ref>& trailers) {
  std::string json = "{";
  if (!status.ok()) {
    absl::StrAppend(&json, "\"error\":", ErrorJson(status.error_code(), status.error_message()));
  }
  if (!trailers.empty()) {
    // {"key":["value", ...]}: a multimap holds a key's values next to each other.
    absl::StrAppend(&json, status.ok() ? "" : ",", "\"metadata\":{");
    absl::string_view previous;
    bool first = true;
    for (const auto& [key_ref, value_ref] : trailers) {
      const absl::string_view key(key_ref.data(), key_ref.size());
      const std::string value =
          JsonEscape(ValidUtf8(HeaderValueOf(key, {value_ref.data(), value_ref.size()})));
      if (!first && key == previous) {
        json.pop_back();  // the closing ']' of this key's list
        absl::StrAppend(&json, ",\"", value, "\"]");
      } else {
        absl::StrAppend(&json, first ? "" : ",", "\"", JsonEscape(ValidUtf8(key)), "\":[\"", value,
                        "\"]");
      }
      previous = key;
      first = false;
    }
    json.push_back('}');
  }
  json.push_back('}');
  return json;
}

std::string Envelope(uint8_t flags, absl::string_view payload) {
  std::string frame;
  frame.reserve(kEnvelopeHeaderBytes + payload.size());
  const auto size = static_cast<uint32_t>(payload.size());
  frame.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(size >> shift));
  frame.append(payload.data(), payload.size());
  return frame;
}

absl::StatusOr<absl::string_view> SingleEnvelopedMessage(absl::string_view body) {
  if (body.size() < kEnvelopeHeaderBytes) {
    return absl::InvalidArgumentError("the request is not one enveloped message: too short");
  }
  const auto flags = static_cast<uint8_t>(body[0]);
  uint32_t size = 0;
  for (size_t i = 1; i < kEnvelopeHeaderBytes; ++i) {
    size = (size << 8) | static_cast<unsigned char>(body[i]);
  }
  if (flags != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("envelope flags ", int{flags},
                     ": a request message must be sent uncompressed (flags 0) and alone"));
  }
  if (size != body.size() - kEnvelopeHeaderBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the envelope says ", size, " bytes but ",
                                                   body.size() - kEnvelopeHeaderBytes,
                                                   " follow: send exactly one message"));
  }
  return body.substr(kEnvelopeHeaderBytes);
}

absl::StatusOr<int64_t> ParseTimeoutMs(absl::string_view header) {
  int64_t ms = 0;
  const bool digits = !header.empty() && header.size() <= kTimeoutDigitsMax &&
                      header.find_first_not_of("0123456789") == absl::string_view::npos;
  if (!digits || !absl::SimpleAtoi(header, &ms)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Connect-Timeout-Ms must be 1 to ", kTimeoutDigitsMax, " digits, got '",
                     ValidUtf8(header.substr(0, kTimeoutDigitsMax + 2)), "'"));
  }
  return ms;
}

std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexDigit(text[i + 1]), low = HexDigit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(plus_is_space && text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

absl::StatusOr<GetQuery> ParseGetQuery(absl::string_view query) {
  GetQuery get;
  absl::string_view connect, raw_message;
  bool base64 = false, has_message = false;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    const absl::string_view name = pair.substr(0, equals);
    const absl::string_view value =
        equals == absl::string_view::npos ? "" : pair.substr(equals + 1);
    if (name == "connect") {
      connect = value;
    } else if (name == "encoding") {
      get.encoding = std::string(value);
    } else if (name == "message") {
      raw_message = value, has_message = true;
    } else if (name == "base64") {
      base64 = value == "1";
    } else if (name == "compression") {
      get.compression = std::string(value);
    }
  }
  if (!connect.empty() && connect != "v1") {
    return absl::InvalidArgumentError("connect must be v1");
  }
  if (get.encoding != "json" && get.encoding != "proto") {
    return absl::InvalidArgumentError("a GET needs encoding=json or encoding=proto");
  }
  if (!get.compression.empty() && get.compression != "identity") {
    return absl::UnimplementedError(
        absl::StrCat("compression ", ValidUtf8(get.compression), " is not supported: identity"));
  }
  if (!has_message) return absl::InvalidArgumentError("a GET needs message=<the request>");
  // In a query '+' is a space, but not in base64, whose two alphabets both arrive here.
  std::optional<std::string> message = PercentDecode(raw_message, /*plus_is_space=*/!base64);
  if (!message) return absl::InvalidArgumentError("message: a bad %-escape");
  if (base64) {
    std::string bytes;
    if (!absl::WebSafeBase64Unescape(*message, &bytes) && !absl::Base64Unescape(*message, &bytes)) {
      return absl::InvalidArgumentError("message: not base64 (base64=1)");
    }
    *message = std::move(bytes);
  } else if (get.encoding == "proto") {
    return absl::InvalidArgumentError("encoding=proto needs base64=1");
  }
  get.message = *std::move(message);
  return get;
}

}  // namespace points::server::http

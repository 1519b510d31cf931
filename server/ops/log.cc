#include "server/ops/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace points::server {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetLogFormat(LogFormat format) { g_format = format; }

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (byte < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      out.append("\\u00");
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    } else {
      out.push_back(c);  // UTF-8 passes through: JSON is UTF-8
    }
  }
  return out;
}

std::string FormatLogLine(LogFormat format, std::string_view time, LogLevel level,
                          std::string_view event, std::string_view message,
                          std::initializer_list<LogField> fields) {
  std::string line;
  if (format == LogFormat::kJson) {
    auto text = [&line](std::string_view key, std::string_view value) {
      line.append(",\"").append(JsonEscape(key)).append("\":\"");
      line.append(JsonEscape(value)).push_back('"');
    };
    line.append("{\"time\":\"").append(time).push_back('"');
    text("level", LevelName(level));
    text("event", event);
    text("msg", message);
    for (const LogField& f : fields) {
      if (f.is_number) {
        line.append(",\"").append(JsonEscape(f.key)).append("\":").append(f.text);
      } else {
        text(f.key, f.text);
      }
    }
    line.append("}\n");
    return line;
  }
  line.append("pointsd: ");
  if (level == LogLevel::kWarning) line.append("warning: ");
  if (level == LogLevel::kError) line.append("error: ");
  line.append(message);
  for (const LogField& f : fields) {
    if (f.text.empty()) continue;  // JSON keeps every key; a person needs no "metrics="
    line.append(" ").append(f.key).append("=").append(f.text);
  }
  line.push_back('\n');
  return line;
}

void Log(LogLevel level, std::string_view event, std::string_view message,
         std::initializer_list<LogField> fields) {
  const LogFormat format = g_format;
  const std::string time =
      format == LogFormat::kJson
          ? absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())
          : std::string();
  const std::string line = FormatLogLine(format, time, level, event, message, fields);
  // One write(2) per line: concurrent lines never interleave (stderr is unbuffered anyway).
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n <= 0) return;  // nowhere to log to: the event is lost, pointsd goes on
    written += static_cast<size_t>(n);
  }
}

}  // namespace points::server

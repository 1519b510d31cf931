// pointsd's log: one line on stderr per event. As text ("pointsd: message key=value ...") for a
// person at a terminal, or as one JSON object per line (--log-format json) for journald, Docker
// and log shippers: {"time":"2026-11-29T23:10:04.123Z","level":"info","event":"listening",
// "msg":"...", fields...}. The event names are stable; the messages are for people.
#ifndef POINTS_SERVER_OPS_LOG_H_
#define POINTS_SERVER_OPS_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace points::server {

enum class LogFormat { kText, kJson };
enum class LogLevel { kInfo, kWarning, kError };

// Set once at start, before any thread logs.
void SetLogFormat(LogFormat format);

// A field of an event: a number, or text (JSON-escaped when JSON).
struct LogField {
  LogField(std::string_view key, std::string_view text) : key(key), text(text) {}
  LogField(std::string_view key, const char* text) : key(key), text(text) {}
  LogField(std::string_view key, const std::string& text) : key(key), text(text) {}
  LogField(std::string_view key, uint64_t number)
      : key(key), text(std::to_string(number)), is_number(true) {}
  LogField(std::string_view key, int number)
      : key(key), text(std::to_string(number)), is_number(true) {}
  std::string_view key;
  std::string text;
  bool is_number = false;
};

// Writes one line, whole, with one write: lines of concurrent events never interleave.
void Log(LogLevel level, std::string_view event, std::string_view message,
         std::initializer_list<LogField> fields = {});

// The line Log would write, without the time (text) or with `time` as given (JSON); for tests.
std::string FormatLogLine(LogFormat format, std::string_view time, LogLevel level,
                          std::string_view event, std::string_view message,
                          std::initializer_list<LogField> fields);

// `text` as the inside of a JSON string.
std::string JsonEscape(std::string_view text);

}  // namespace points::server

#endif  // POINTS_SERVER_OPS_LOG_H_

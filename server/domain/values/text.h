// Text checks shared by the domain's records: names, titles and comments are shown on phones
// and boards and printed in reports, so bytes that are not text are refused.
#ifndef POINTS_SERVER_DOMAIN_VALUES_TEXT_H_
#define POINTS_SERVER_DOMAIN_VALUES_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace points::domain {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s);

// The most bytes of a caller's value an error message repeats (Echo).
inline constexpr size_t kEchoBytesMax = 32;

// A value from a request as an error message may repeat it: quoted whole when short, otherwise
// its first kEchoBytesMax bytes (cut on a character boundary) and its length, so a message never
// grows with its input: "'/var/backups/2026-…' (4000 bytes)". Bytes that are not UTF-8 are
// shown as \xHH.
std::string Echo(std::string_view value);

// INVALID_ARGUMENT naming `field` unless `text` is UTF-8 of min_bytes..max_bytes bytes (min 0:
// optional).
absl::Status CheckText(absl::string_view field, absl::string_view text, size_t min_bytes,
                       size_t max_bytes);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_TEXT_H_

#include "server/domain/values/text.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace points::domain {

bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    size_t n = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead >> 5) == 0x6) {
      n = 2, min = 0x80, cp = lead & 0x1F;
    } else if ((lead >> 4) == 0xE) {
      n = 3, min = 0x800, cp = lead & 0x0F;
    } else if ((lead >> 3) == 0x1E) {
      n = 4, min = 0x10000, cp = lead & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((byte(i + k) >> 6) != 0x2) return false;
      cp = cp << 6 | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

std::string Echo(std::string_view value) {
  size_t keep = value.size() <= kEchoBytesMax ? value.size() : kEchoBytesMax;
  while (keep > 0 && keep < value.size() &&
         (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80) {
    --keep;  // never split a character
  }
  std::string shown;
  const std::string_view head = value.substr(0, keep);
  if (IsUtf8(head)) {
    shown = std::string(head);
  } else {
    for (const char c : head) {
      const auto b = static_cast<unsigned char>(c);
      if (b >= 0x20 && b < 0x7F) {
        shown += c;
      } else {
        absl::StrAppendFormat(&shown, "\\x%02X", b);
      }
    }
  }
  if (keep == value.size()) return absl::StrCat("'", shown, "'");
  return absl::StrCat("'", shown, "…' (", value.size(), " bytes)");
}

absl::Status CheckText(absl::string_view field, absl::string_view text, size_t min_bytes,
                       size_t max_bytes) {
  if (text.size() < min_bytes || text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", text.size(), " bytes, must be ", min_bytes, "..", max_bytes));
  }
  if (!IsUtf8(std::string_view(text.data(), text.size())))
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be UTF-8 text"));
  return absl::OkStatus();
}

}  // namespace points::domain

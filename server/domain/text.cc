#include "text.h"

#include <cstdint>

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

}  // namespace points::domain

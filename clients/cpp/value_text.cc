#include "clients/cpp/value_text.h"

#include <array>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace points::client {
namespace {

constexpr size_t kUuidLength = 36;
constexpr std::array<size_t, 4> kUuidDashes = {8, 13, 18, 23};

struct FlagName {
  uint16_t bit;
  absl::string_view name;
};

constexpr FlagName kTransferFlagNames[] = {
    {kTransferLinked, "linked"},
    {kTransferPending, "pending"},
    {kTransferPostPendingTransfer, "post_pending_transfer"},
    {kTransferVoidPendingTransfer, "void_pending_transfer"},
};

constexpr FlagName kAccountFlagNames[] = {
    {kAccountLinked, "linked"},
    {kAccountDebitsMustNotExceedCredits, "debits_must_not_exceed_credits"},
    {kAccountCreditsMustNotExceedDebits, "credits_must_not_exceed_debits"},
    {kAccountHistory, "history"},
    {kAccountClosed, "closed"},
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Decimal digits into a 128-bit value; false on overflow.
bool DecimalToUint128(absl::string_view digits, absl::uint128* out) {
  const absl::uint128 max = absl::Uint128Max();
  absl::uint128 value = 0;
  for (char c : digits) {
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (value > (max - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

bool ParseUuid(absl::string_view text, Id* out) {
  if (text.size() != kUuidLength) return false;
  absl::uint128 value = 0;
  size_t dash = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (dash < kUuidDashes.size() && i == kUuidDashes[dash]) {
      if (text[i] != '-') return false;
      ++dash;
      continue;
    }
    const int nibble = HexValue(text[i]);
    if (nibble < 0) return false;
    value = (value << 4) | static_cast<unsigned>(nibble);
  }
  *out = value;
  return true;
}

std::string FormatFlags(uint16_t flags, absl::Span<const FlagName> names) {
  std::vector<absl::string_view> set;
  uint16_t known = 0;
  for (const FlagName& flag : names) {
    known |= flag.bit;
    if (flags & flag.bit) set.push_back(flag.name);
  }
  std::string text = absl::StrJoin(set, "|");
  // A reserved bit is shown, not dropped: the server refuses it, and the user should see why.
  if (flags & ~known) {
    absl::StrAppend(&text, set.empty() ? "" : "|", "reserved:0x", absl::Hex(flags & ~known));
  }
  return text;
}

absl::StatusOr<uint16_t> ParseFlags(absl::string_view text, absl::Span<const FlagName> names) {
  uint16_t flags = 0;
  if (absl::StripAsciiWhitespace(text).empty()) return flags;
  for (absl::string_view part : absl::StrSplit(text, '|')) {
    part = absl::StripAsciiWhitespace(part);
    bool found = false;
    for (const FlagName& flag : names) {
      if (part == flag.name) {
        flags |= flag.bit;
        found = true;
      }
    }
    if (!found) {
      std::vector<absl::string_view> known;
      for (const FlagName& flag : names) known.push_back(flag.name);
      return absl::InvalidArgumentError(absl::StrCat("unknown flag '", part,
                                                     "', expected names from ",
                                                     absl::StrJoin(known, ", "), " joined by '|'"));
    }
  }
  return flags;
}

}  // namespace

std::string FormatId(Id id) {
  const uint64_t high = absl::Uint128High64(id);
  const uint64_t low = absl::Uint128Low64(id);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

absl::StatusOr<Id> ParseId(absl::string_view text) {
  Id id = 0;
  if (ParseUuid(text, &id)) return id;
  if (AllDigits(text)) {
    // A UUID copied without its dashes can be all digits; read as decimal it would be another
    // id. Leading zeros give it away, so they are refused rather than guessed at.
    if (text.size() > 1 && text[0] == '0') {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", text,
          "' is ambiguous: a decimal id has no leading zeros, and UUID text needs its dashes "
          "(8-4-4-4-12)"));
    }
    if (DecimalToUint128(text, &id)) return id;
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is too large for a 128-bit id (at most 2^128-1)"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", text,
                   "' is not an id: expected UUID text like "
                   "00000000-0000-0000-0000-00000000002a or a decimal integer"));
}

absl::StatusOr<uint64_t> ParseUnsigned(absl::string_view text, uint64_t max) {
  absl::uint128 value = 0;
  if (!AllDigits(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a whole number from 0 to ", max));
  }
  if (!DecimalToUint128(text, &value) || value > max) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is out of range 0..", max));
  }
  return static_cast<uint64_t>(value);
}

std::string FormatTransferFlags(uint16_t flags) { return FormatFlags(flags, kTransferFlagNames); }
std::string FormatAccountFlags(uint16_t flags) { return FormatFlags(flags, kAccountFlagNames); }

absl::StatusOr<uint16_t> ParseTransferFlags(absl::string_view text) {
  return ParseFlags(text, kTransferFlagNames);
}
absl::StatusOr<uint16_t> ParseAccountFlags(absl::string_view text) {
  return ParseFlags(text, kAccountFlagNames);
}

std::string FormatTimestamp(uint64_t nanos) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E9SZ",
                          absl::FromUnixNanos(static_cast<int64_t>(nanos)), absl::UTCTimeZone());
}

absl::StatusOr<uint64_t> ParseTimestamp(absl::string_view text) {
  if (AllDigits(text)) return ParseUnsigned(text);
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text,
                     "' is not a timestamp: expected nanoseconds since the Unix epoch or RFC 3339 "
                     "like 2024-05-01T08:30:00Z"));
  }
  if (time < absl::UnixEpoch()) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is before 1970"));
  }
  return static_cast<uint64_t>(absl::ToUnixNanos(time));
}

}  // namespace points::client

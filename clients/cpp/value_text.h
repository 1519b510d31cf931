// Text forms of ledger values, shared by every front end: ids as UUID text, decimal numbers with
// range checks, flags as `|`-separated names and timestamps as RFC 3339. Parsers return a message
// that says what was expected, so a command line can show it as is.
#ifndef POINTS_CLIENTS_CPP_VALUE_TEXT_H_
#define POINTS_CLIENTS_CPP_VALUE_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "points/types.h"

namespace points::client {

// The 16 big-endian bytes of `id` in lowercase hex, grouped 8-4-4-4-12 as UUIDs are, e.g.
// 00000000-0000-0acc-0000-000000000001. This is how the proto says tools show ids.
std::string FormatId(Id id);

// UUID text (either case), or a plain decimal integer below 2^128 for convenience: "42" and
// "00000000-0000-0000-0000-00000000002a" are the same id. Anything else is refused with a message
// saying what is expected, including decimals with leading zeros (which could be a UUID copied
// without its dashes).
absl::StatusOr<Id> ParseId(absl::string_view text);

// Plain decimal digits (no sign, no spaces) of a value from 0 to `max`.
absl::StatusOr<uint64_t> ParseUnsigned(absl::string_view text, uint64_t max = UINT64_MAX);

// Flags as names joined by `|`, lowest bit first, e.g. "linked|pending"; "" for none. The names
// are the proto's field names of TransferFlags and AccountFlags.
std::string FormatTransferFlags(uint16_t flags);
std::string FormatAccountFlags(uint16_t flags);
// The inverse, in any order; "" is no flags. Unknown names are refused, listing the known ones.
absl::StatusOr<uint16_t> ParseTransferFlags(absl::string_view text);
absl::StatusOr<uint16_t> ParseAccountFlags(absl::string_view text);

// Nanoseconds since the Unix epoch as RFC 3339 in UTC with nanoseconds,
// e.g. 2024-05-01T08:30:00.000000001Z.
std::string FormatTimestamp(uint64_t nanos);
// Decimal nanoseconds since the Unix epoch, or RFC 3339 text (e.g. 2024-05-01T08:30:00Z or with
// an offset, 2024-05-01T16:30:00+08:00).
absl::StatusOr<uint64_t> ParseTimestamp(absl::string_view text);

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_VALUE_TEXT_H_

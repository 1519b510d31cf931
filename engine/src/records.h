// The journal's 128-byte record and the chunk that carries up to kChunkRecordsMax of them.
// engine/FORMAT.md specifies these bytes; this file is the one place that encodes them.
#ifndef POINTS_ENGINE_RECORDS_H_
#define POINTS_ENGINE_RECORDS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "points/types.h"
#include "sha256.h"

namespace points {

inline constexpr uint16_t kFormatVersion = 1;
inline constexpr size_t kRecordSize = 128;
inline constexpr size_t kChainHeaderSize = 72;  // version, count, reserved, prev hash, hash

enum class RecordKind : uint8_t {
  kAccountCreated = 1,
  kTransfer = 2,        // a transfer that succeeded
  kTransferFailed = 3,  // an id recorded as failed; `result` holds the code
  kPendingExpired = 4,  // the writer voided pending_id at its timeout
  kAccountClosed = 5,
};

struct Record {
  std::array<uint8_t, kRecordSize> bytes;
};
static_assert(sizeof(Record) == kRecordSize);

// A record's fields, decoded. Accounts use id, user data, ledger, code, flags and timestamp of
// `transfer`'s layout (FORMAT.md lists which field is which for each kind).
struct DecodedRecord {
  RecordKind kind = RecordKind::kTransfer;
  uint32_t result = 0;
  Transfer transfer;
};

Record EncodeTransfer(RecordKind kind, const Transfer& transfer, uint32_t result);
Record EncodeAccountCreated(const Account& account);
Record EncodeAccountClosed(Id account_id, uint64_t timestamp);
// Valid kinds only; false for bytes that no version of the format could have written.
bool DecodeRecord(const Record& record, DecodedRecord* out);
Account AccountFromRecord(const DecodedRecord& record);
uint64_t RecordTimestamp(const Record& record);

// An id (or any 128-bit number) in decimal, for messages.
std::string IdText(absl::uint128 value);

// RFC 6962 leaf hash: SHA-256(0x00 || record).
Hash LeafHash(const Record& record);

// Chain hash of a chunk: SHA-256(0x02 || prev || first_timestamp (8, big-endian) ||
// count (4, little-endian) || leaf hashes).
Hash ChainHash(const Hash& prev, uint64_t first_timestamp, const Hash* leaves, uint32_t count);

// RocksDB keys of the journal and chain column families: the chunk's first timestamp,
// big-endian, so that key order is time order.
std::string ChunkKey(uint64_t first_timestamp);
bool ParseChunkKey(std::string_view key, uint64_t* first_timestamp);

struct ChainHeader {
  uint16_t version = kFormatVersion;
  uint16_t count = 0;
  Hash prev{};
  Hash hash{};
};
// Value of the chain column family: header followed by `count` leaf hashes.
std::string EncodeChainValue(const ChainHeader& header, const Hash* leaves);
bool DecodeChainHeader(std::string_view value, ChainHeader* out);

}  // namespace points

#endif  // POINTS_ENGINE_RECORDS_H_

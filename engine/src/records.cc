#include "records.h"

#include <bit>
#include <cstring>
#include <sstream>

#include "points/limits.h"

namespace points {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the record codec stores integers in host order and assumes little-endian");

// Byte offsets inside a record (FORMAT.md, "Record").
enum Offset : size_t {
  kKind = 0,
  kFlags = 2,
  kResult = 4,
  kTimestamp = 8,
  kId = 16,
  kDebitAccountId = 32,
  kCreditAccountId = 48,
  kPendingId = 64,
  kUserData128 = 80,
  kAmount = 96,
  kUserData64 = 104,
  kUserData32 = 112,
  kTimeout = 116,
  kLedger = 120,
  kCode = 124,
};

template <typename T>
void Put(Record& record, size_t offset, T value) {
  std::memcpy(record.bytes.data() + offset, &value, sizeof(T));
}

void PutId(Record& record, size_t offset, Id value) {
  Put<uint64_t>(record, offset, absl::Uint128Low64(value));
  Put<uint64_t>(record, offset + 8, absl::Uint128High64(value));
}

template <typename T>
T Get(const Record& record, size_t offset) {
  T value;
  std::memcpy(&value, record.bytes.data() + offset, sizeof(T));
  return value;
}

Id GetId(const Record& record, size_t offset) {
  return absl::MakeUint128(Get<uint64_t>(record, offset + 8), Get<uint64_t>(record, offset));
}

}  // namespace

Record EncodeTransfer(RecordKind kind, const Transfer& t, uint32_t result) {
  Record record{};
  Put<uint8_t>(record, kKind, static_cast<uint8_t>(kind));
  Put<uint16_t>(record, kFlags, t.flags);
  Put<uint32_t>(record, kResult, result);
  Put<uint64_t>(record, kTimestamp, t.timestamp);
  PutId(record, kId, t.id);
  PutId(record, kDebitAccountId, t.debit_account_id);
  PutId(record, kCreditAccountId, t.credit_account_id);
  PutId(record, kPendingId, t.pending_id);
  PutId(record, kUserData128, t.user_data_128);
  Put<uint64_t>(record, kAmount, t.amount);
  Put<uint64_t>(record, kUserData64, t.user_data_64);
  Put<uint32_t>(record, kUserData32, t.user_data_32);
  Put<uint32_t>(record, kTimeout, t.timeout);
  Put<uint32_t>(record, kLedger, t.ledger);
  Put<uint16_t>(record, kCode, t.code);
  return record;
}

Record EncodeAccountCreated(const Account& a) {
  Transfer fields;
  fields.id = a.id;
  fields.user_data_128 = a.user_data_128;
  fields.user_data_64 = a.user_data_64;
  fields.user_data_32 = a.user_data_32;
  fields.ledger = a.ledger;
  fields.code = a.code;
  fields.flags = a.flags;
  fields.timestamp = a.timestamp;
  return EncodeTransfer(RecordKind::kAccountCreated, fields, 0);
}

Record EncodeAccountClosed(Id account_id, uint64_t timestamp) {
  Transfer fields;
  fields.id = account_id;
  fields.timestamp = timestamp;
  return EncodeTransfer(RecordKind::kAccountClosed, fields, 0);
}

namespace {

// Whether the decoded record sets only fields its kind's encoder writes (FORMAT.md): bytes that
// no encoder could have written are refused, whatever else they hold (found by record_fuzzer).
bool OnlyFieldsOfItsKind(const DecodedRecord& d) {
  const Transfer& t = d.transfer;
  switch (d.kind) {
    case RecordKind::kAccountCreated:
      return d.result == 0 && t.debit_account_id == 0 && t.credit_account_id == 0 &&
             t.pending_id == 0 && t.amount == 0 && t.timeout == 0;
    case RecordKind::kAccountClosed:
      return d.result == 0 && t.flags == 0 && t.debit_account_id == 0 && t.credit_account_id == 0 &&
             t.pending_id == 0 && t.user_data_128 == 0 && t.amount == 0 && t.user_data_64 == 0 &&
             t.user_data_32 == 0 && t.timeout == 0 && t.ledger == 0 && t.code == 0;
    case RecordKind::kTransfer:
      return d.result == 0;  // only failures carry a result
    case RecordKind::kPendingExpired:
      return d.result == 0 && t.id == 0 && t.flags == 0 && t.user_data_128 == 0 &&
             t.user_data_64 == 0 && t.user_data_32 == 0 && t.timeout == 0;
    case RecordKind::kTransferFailed:
      return true;
  }
  return false;
}

}  // namespace

bool DecodeRecord(const Record& record, DecodedRecord* out) {
  const uint8_t kind = Get<uint8_t>(record, kKind);
  if (kind < static_cast<uint8_t>(RecordKind::kAccountCreated) ||
      kind > static_cast<uint8_t>(RecordKind::kAccountClosed)) {
    return false;
  }
  if (Get<uint8_t>(record, 1) != 0 || Get<uint16_t>(record, 126) != 0) return false;
  out->kind = static_cast<RecordKind>(kind);
  out->result = Get<uint32_t>(record, kResult);
  Transfer& t = out->transfer;
  t.flags = Get<uint16_t>(record, kFlags);
  t.timestamp = Get<uint64_t>(record, kTimestamp);
  t.id = GetId(record, kId);
  t.debit_account_id = GetId(record, kDebitAccountId);
  t.credit_account_id = GetId(record, kCreditAccountId);
  t.pending_id = GetId(record, kPendingId);
  t.user_data_128 = GetId(record, kUserData128);
  t.amount = Get<uint64_t>(record, kAmount);
  t.user_data_64 = Get<uint64_t>(record, kUserData64);
  t.user_data_32 = Get<uint32_t>(record, kUserData32);
  t.timeout = Get<uint32_t>(record, kTimeout);
  t.ledger = Get<uint32_t>(record, kLedger);
  t.code = Get<uint16_t>(record, kCode);
  return OnlyFieldsOfItsKind(*out);
}

Account AccountFromRecord(const DecodedRecord& record) {
  const Transfer& t = record.transfer;
  Account a;
  a.id = t.id;
  a.user_data_128 = t.user_data_128;
  a.user_data_64 = t.user_data_64;
  a.user_data_32 = t.user_data_32;
  a.ledger = t.ledger;
  a.code = t.code;
  a.flags = t.flags;
  a.timestamp = t.timestamp;
  return a;
}

std::string IdText(absl::uint128 value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

uint64_t RecordTimestamp(const Record& record) { return Get<uint64_t>(record, kTimestamp); }

Hash LeafHash(const Record& record) {
  return Sha256WithPrefix(0x00, record.bytes.data(), record.bytes.size());
}

Hash ChainHash(const Hash& prev, uint64_t first_timestamp, const Hash* leaves, uint32_t count) {
  Sha256 sha;
  const uint8_t domain = 0x02;
  sha.Update(&domain, 1);
  sha.Update(prev.data(), prev.size());
  const std::string key = ChunkKey(first_timestamp);
  sha.Update(key.data(), key.size());
  sha.Update(&count, sizeof(count));
  sha.Update(leaves, sizeof(Hash) * count);
  return sha.Finish();
}

std::string ChunkKey(uint64_t first_timestamp) {
  const uint64_t big_endian = __builtin_bswap64(first_timestamp);
  return std::string(reinterpret_cast<const char*>(&big_endian), sizeof(big_endian));
}

bool ParseChunkKey(std::string_view key, uint64_t* first_timestamp) {
  if (key.size() != sizeof(uint64_t)) return false;
  uint64_t big_endian;
  std::memcpy(&big_endian, key.data(), sizeof(big_endian));
  *first_timestamp = __builtin_bswap64(big_endian);
  return true;
}

std::string EncodeChainValue(const ChainHeader& header, const Hash* leaves) {
  std::string value(kChainHeaderSize + sizeof(Hash) * header.count, '\0');
  char* out = value.data();
  std::memcpy(out, &header.version, 2);
  std::memcpy(out + 2, &header.count, 2);
  std::memcpy(out + 8, header.prev.data(), 32);
  std::memcpy(out + 40, header.hash.data(), 32);
  std::memcpy(out + kChainHeaderSize, leaves, sizeof(Hash) * header.count);
  return value;
}

bool DecodeChainHeader(std::string_view value, ChainHeader* out) {
  if (value.size() < kChainHeaderSize) return false;
  std::memcpy(&out->version, value.data(), 2);
  std::memcpy(&out->count, value.data() + 2, 2);
  std::memcpy(out->prev.data(), value.data() + 8, 32);
  std::memcpy(out->hash.data(), value.data() + 40, 32);
  return out->version == kFormatVersion && out->count > 0 && out->count <= kChunkRecordsMax &&
         value.size() == kChainHeaderSize + sizeof(Hash) * out->count;
}

}  // namespace points

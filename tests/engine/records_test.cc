// The journal record codec and hashes: the bytes FORMAT.md promises.
#include "records.h"

#include <cstring>

#include "gtest/gtest.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using testing::MakeId;

Transfer SampleTransfer() {
  Transfer t;
  t.id = MakeId(0x0102030405060708, 0x090a0b0c0d0e0f10);
  t.debit_account_id = MakeId(1, 2);
  t.credit_account_id = MakeId(3, 4);
  t.amount = 0xfedcba9876543210;
  t.pending_id = MakeId(5, 6);
  t.user_data_128 = MakeId(7, 8);
  t.user_data_64 = 9;
  t.user_data_32 = 10;
  t.timeout = 11;
  t.ledger = 12;
  t.code = 13;
  t.flags = kTransferPending | kTransferLinked;
  t.timestamp = 1'700'000'000'000'000'000;
  return t;
}

TEST(RecordsTest, TransferRoundTripsEveryField) {
  const Transfer t = SampleTransfer();
  const Record record = EncodeTransfer(RecordKind::kTransferFailed, t, 54);
  DecodedRecord decoded;
  ASSERT_TRUE(DecodeRecord(record, &decoded));
  EXPECT_EQ(decoded.kind, RecordKind::kTransferFailed);
  EXPECT_EQ(decoded.result, 54u);
  EXPECT_EQ(decoded.transfer, t);
  EXPECT_EQ(RecordTimestamp(record), t.timestamp);
}

TEST(RecordsTest, LayoutMatchesFormatDocument) {
  const Transfer t = SampleTransfer();
  const Record record = EncodeTransfer(RecordKind::kTransfer, t, 0);
  EXPECT_EQ(record.bytes[0], 2);  // kind
  uint64_t low;
  std::memcpy(&low, record.bytes.data() + 16, 8);  // id, low half first, little-endian
  EXPECT_EQ(low, 0x090a0b0c0d0e0f10u);
  uint64_t amount;
  std::memcpy(&amount, record.bytes.data() + 96, 8);
  EXPECT_EQ(amount, t.amount);
  uint16_t code;
  std::memcpy(&code, record.bytes.data() + 124, 2);
  EXPECT_EQ(code, 13);
}

TEST(RecordsTest, AccountRoundTrips) {
  Account a;
  a.id = MakeId(9, 9);
  a.user_data_128 = 1;
  a.user_data_64 = 2;
  a.user_data_32 = 3;
  a.ledger = 4;
  a.code = 5;
  a.flags = kAccountHistory | kAccountDebitsMustNotExceedCredits;
  a.timestamp = 6;
  DecodedRecord decoded;
  ASSERT_TRUE(DecodeRecord(EncodeAccountCreated(a), &decoded));
  EXPECT_EQ(decoded.kind, RecordKind::kAccountCreated);
  EXPECT_EQ(AccountFromRecord(decoded), a);
}

TEST(RecordsTest, RejectsUnknownKindAndReservedBytes) {
  Record record = EncodeTransfer(RecordKind::kTransfer, SampleTransfer(), 0);
  DecodedRecord decoded;
  record.bytes[0] = 0;
  EXPECT_FALSE(DecodeRecord(record, &decoded));
  record.bytes[0] = 6;
  EXPECT_FALSE(DecodeRecord(record, &decoded));
  record.bytes[0] = 2;
  record.bytes[127] = 1;
  EXPECT_FALSE(DecodeRecord(record, &decoded));
}

// Found by record_fuzzer: an account record with an amount decoded, though no encoder writes
// one. Every kind now refuses the fields its encoder never sets (FORMAT.md, "Record").
TEST(RecordsTest, RejectsFieldsItsKindNeverWrites) {
  DecodedRecord decoded;
  Record fuzzed;  // the fuzzer's input: account created, amount 0x89 at offset 96
  fuzzed.bytes.fill(0);
  fuzzed.bytes[0] = 1;
  fuzzed.bytes[2] = 2;
  fuzzed.bytes[8] = 0xe8;
  fuzzed.bytes[9] = 0x03;
  fuzzed.bytes[16] = 0x65;
  fuzzed.bytes[96] = 0x89;
  fuzzed.bytes[98] = 0x07;
  fuzzed.bytes[116] = 1;
  fuzzed.bytes[120] = 2;
  EXPECT_FALSE(DecodeRecord(fuzzed, &decoded));

  Account account;
  account.id = 101;
  account.ledger = 1;
  account.code = 2;
  account.timestamp = 1000;
  const Record created = EncodeAccountCreated(account);
  ASSERT_TRUE(DecodeRecord(created, &decoded));
  for (const size_t offset : {4, 32, 48, 64, 96, 116}) {  // result, debit, credit, pending, ...
    Record changed = created;
    changed.bytes[offset] = 1;
    EXPECT_FALSE(DecodeRecord(changed, &decoded)) << "account created, byte " << offset;
  }
  const Record closed = EncodeAccountClosed(101, 1001);
  ASSERT_TRUE(DecodeRecord(closed, &decoded));
  for (const size_t offset : {2, 4, 32, 80, 96, 104, 112, 116, 120, 124}) {
    Record changed = closed;
    changed.bytes[offset] = 1;
    EXPECT_FALSE(DecodeRecord(changed, &decoded)) << "account closed, byte " << offset;
  }
  Record transfer = EncodeTransfer(RecordKind::kTransfer, SampleTransfer(), 0);
  ASSERT_TRUE(DecodeRecord(transfer, &decoded));
  transfer.bytes[4] = 54;  // a result on a transfer that succeeded
  EXPECT_FALSE(DecodeRecord(transfer, &decoded));
  EXPECT_TRUE(
      DecodeRecord(EncodeTransfer(RecordKind::kTransferFailed, SampleTransfer(), 54), &decoded));
  EXPECT_EQ(decoded.result, 54u);
}

TEST(RecordsTest, ChunkKeysSortByTime) {
  EXPECT_LT(ChunkKey(255), ChunkKey(256));
  EXPECT_LT(ChunkKey(1), ChunkKey(UINT64_MAX));
  uint64_t parsed = 0;
  ASSERT_TRUE(ParseChunkKey(ChunkKey(0x1122334455667788), &parsed));
  EXPECT_EQ(parsed, 0x1122334455667788u);
  EXPECT_FALSE(ParseChunkKey("short", &parsed));
}

TEST(RecordsTest, LeafHashIsDomainSeparatedSha256) {
  const Record record = EncodeTransfer(RecordKind::kTransfer, SampleTransfer(), 0);
  const Hash leaf = LeafHash(record);
  EXPECT_EQ(leaf, Sha256WithPrefix(0x00, record.bytes.data(), record.bytes.size()));
  EXPECT_NE(leaf, Sha256WithPrefix(0x01, record.bytes.data(), record.bytes.size()));
  // SHA-256 of the empty string, the standard's test vector.
  EXPECT_EQ(HashHex(Sha256().Finish()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(RecordsTest, ChainHashDependsOnEveryInput) {
  const Hash prev{};
  const Hash leaves[2] = {Sha256WithPrefix(0, "a", 1), Sha256WithPrefix(0, "b", 1)};
  const Hash base = ChainHash(prev, 10, leaves, 2);
  Hash other_prev{};
  other_prev[0] = 1;
  EXPECT_NE(base, ChainHash(other_prev, 10, leaves, 2));
  EXPECT_NE(base, ChainHash(prev, 11, leaves, 2));
  EXPECT_NE(base, ChainHash(prev, 10, leaves, 1));
  const Hash swapped[2] = {leaves[1], leaves[0]};
  EXPECT_NE(base, ChainHash(prev, 10, swapped, 2));
}

TEST(RecordsTest, ChainValueRoundTrips) {
  ChainHeader header;
  header.count = 2;
  header.prev[3] = 7;
  header.hash[5] = 9;
  const Hash leaves[2] = {Sha256WithPrefix(0, "a", 1), Sha256WithPrefix(0, "b", 1)};
  const std::string value = EncodeChainValue(header, leaves);
  ChainHeader decoded;
  ASSERT_TRUE(DecodeChainHeader(value, &decoded));
  EXPECT_EQ(decoded.count, 2);
  EXPECT_EQ(decoded.prev, header.prev);
  EXPECT_EQ(decoded.hash, header.hash);
  EXPECT_FALSE(DecodeChainHeader(value.substr(0, value.size() - 1), &decoded));
}

}  // namespace
}  // namespace points

// Text forms of ids, numbers, flags and timestamps, and the CSV form of transfers.
#include "clients/cpp/value_text.h"

#include <string>

#include "clients/cpp/transfer_csv.h"
#include "gtest/gtest.h"
#include "points/types.h"
#include "tests/engine/testing.h"

namespace points::client {
namespace {

using testing::MakeId;

TEST(IdTextTest, FormatsTheBigEndianBytesAsUuidText) {
  EXPECT_EQ(FormatId(0), "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(FormatId(42), "00000000-0000-0000-0000-00000000002a");
  EXPECT_EQ(FormatId(MakeId(0x0123456789abcdefULL, 0xfedcba9876543210ULL)),
            "01234567-89ab-cdef-fedc-ba9876543210");
  EXPECT_EQ(FormatId(absl::Uint128Max()), "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

TEST(IdTextTest, ParseIsTheInverseOfFormat) {
  for (Id id : {Id(0), Id(1), Id(42), MakeId(0xacc, 7), MakeId(0x0123456789abcdefULL, 0x1),
                MakeId(UINT64_MAX, 0), absl::Uint128Max()}) {
    absl::StatusOr<Id> parsed = ParseId(FormatId(id));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, id) << FormatId(id);
  }
}

TEST(IdTextTest, AcceptsUpperCaseAndDecimal) {
  EXPECT_EQ(*ParseId("01234567-89AB-CDEF-FEDC-BA9876543210"),
            MakeId(0x0123456789abcdefULL, 0xfedcba9876543210ULL));
  EXPECT_EQ(*ParseId("42"), Id(42));
  EXPECT_EQ(*ParseId("0"), Id(0));
  EXPECT_EQ(*ParseId("18446744073709551616"), MakeId(1, 0));  // 2^64
  EXPECT_EQ(*ParseId("340282366920938463463374607431768211455"), absl::Uint128Max());
}

TEST(IdTextTest, RejectsAnythingElseSayingWhatIsExpected) {
  for (const char* bad : {"", "-1", "+5", " 42", "42 ", "0x2a", "abc",
                          "00000000000000000000000000000010",       // hex without dashes
                          "0123456789abcdef0123456789abcdef",       // hex without dashes
                          "007",                                    // leading zeros
                          "00000000-0000-0000-0000-00000000002",    // one digit short
                          "00000000-0000-0000-0000-00000000002g",   // not hex
                          "0000000-00000-0000-0000-00000000002a",   // dash misplaced
                          "00000000-0000-0000-0000-00000000002a0",  // one digit long
                          "{00000000-0000-0000-0000-00000000002a}"}) {
    absl::StatusOr<Id> id = ParseId(bad);
    EXPECT_FALSE(id.ok()) << "'" << bad << "' parsed as " << FormatId(*id);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_NE(ParseId("abc").status().message().find("UUID"), absl::string_view::npos);
  EXPECT_NE(ParseId("0042").status().message().find("ambiguous"), absl::string_view::npos);
  // 2^128 is one too many.
  absl::StatusOr<Id> too_large = ParseId("340282366920938463463374607431768211456");
  ASSERT_FALSE(too_large.ok());
  EXPECT_NE(too_large.status().message().find("too large"), absl::string_view::npos);
}

TEST(NumberTextTest, DecimalWithinRangeOnly) {
  EXPECT_EQ(*ParseUnsigned("0"), 0u);
  EXPECT_EQ(*ParseUnsigned("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseUnsigned("18446744073709551616").ok());
  EXPECT_EQ(*ParseUnsigned("65535", UINT16_MAX), 65535u);
  EXPECT_FALSE(ParseUnsigned("65536", UINT16_MAX).ok());
  for (const char* bad : {"", "-1", "1.5", "1e3", " 1", "0x10"}) {
    EXPECT_FALSE(ParseUnsigned(bad).ok()) << bad;
  }
}

TEST(FlagsTextTest, NamesJoinedByBarBothWays) {
  EXPECT_EQ(FormatTransferFlags(0), "");
  EXPECT_EQ(FormatTransferFlags(kTransferPending | kTransferLinked), "linked|pending");
  EXPECT_EQ(*ParseTransferFlags("pending|linked"), kTransferPending | kTransferLinked);
  EXPECT_EQ(*ParseTransferFlags(" post_pending_transfer "), kTransferPostPendingTransfer);
  EXPECT_EQ(*ParseTransferFlags(""), 0);
  for (uint16_t flags = 0; flags <= kTransferFlagsKnown; ++flags) {
    EXPECT_EQ(*ParseTransferFlags(FormatTransferFlags(flags)), flags);
  }
  for (uint16_t flags = 0; flags <= kAccountFlagsKnown; ++flags) {
    EXPECT_EQ(*ParseAccountFlags(FormatAccountFlags(flags)), flags);
  }
  absl::StatusOr<uint16_t> unknown = ParseTransferFlags("pending|posted");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'posted'"), absl::string_view::npos);
  EXPECT_NE(unknown.status().message().find("void_pending_transfer"), absl::string_view::npos);
  EXPECT_FALSE(ParseAccountFlags("pending").ok());  // a transfer flag, not an account flag
  EXPECT_EQ(FormatAccountFlags(kAccountHistory | 0x100), "history|reserved:0x100");
}

TEST(TimestampTextTest, NanosecondsOrRfc3339) {
  EXPECT_EQ(FormatTimestamp(1'714'552'200'000'000'001ULL), "2024-05-01T08:30:00.000000001Z");
  EXPECT_EQ(*ParseTimestamp("2024-05-01T08:30:00.000000001Z"), 1'714'552'200'000'000'001ULL);
  EXPECT_EQ(*ParseTimestamp("2024-05-01T16:30:00+08:00"), 1'714'552'200'000'000'000ULL);
  EXPECT_EQ(*ParseTimestamp("1714552200000000001"), 1'714'552'200'000'000'001ULL);
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
  EXPECT_FALSE(ParseTimestamp("1969-12-31T23:59:59Z").ok());
}

TEST(TransferCsvTest, ColumnsInAnyOrderWithOptionalOnes) {
  absl::StatusOr<TransferCsvHeader> header = ParseTransferCsvHeader(
      "\xEF\xBB\xBF"
      "flags, amount,id,debit_account_id,credit_account_id,ledger,code,pending_id,"
      "user_data_128,user_data_64,user_data_32,timeout_seconds\r");
  ASSERT_TRUE(header.ok()) << header.status();
  absl::StatusOr<Transfer> t = ParseTransferCsvLine(
      *header, "pending|linked,50,00000000-0000-07e5-0000-000000000001,1,2,1,7,,9,10,11,3600\r");
  ASSERT_TRUE(t.ok()) << t.status();
  Transfer expected;
  expected.id = MakeId(0x7e5, 1);
  expected.debit_account_id = 1;
  expected.credit_account_id = 2;
  expected.amount = 50;
  expected.ledger = 1;
  expected.code = 7;
  expected.user_data_128 = 9;
  expected.user_data_64 = 10;
  expected.user_data_32 = 11;
  expected.timeout = 3600;
  expected.flags = kTransferPending | kTransferLinked;
  EXPECT_EQ(*t, expected);
}

TEST(TransferCsvTest, RefusesBadHeadersNamingTheColumn) {
  absl::StatusOr<TransferCsvHeader> missing =
      ParseTransferCsvHeader("id,debit_account_id,credit_account_id,amount");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("ledger,code"), absl::string_view::npos);
  absl::StatusOr<TransferCsvHeader> unknown =
      ParseTransferCsvHeader("id,debit_account_id,credit_account_id,amount,ledger,code,memo");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'memo'"), absl::string_view::npos);
  EXPECT_FALSE(
      ParseTransferCsvHeader("id,debit_account_id,credit_account_id,amount,ledger,code,id").ok());
}

TEST(TransferCsvTest, RefusesBadLinesNamingTheColumn) {
  const TransferCsvHeader header =
      *ParseTransferCsvHeader("id,debit_account_id,credit_account_id,amount,ledger,code");
  struct {
    const char* line;
    const char* names;
  } cases[] = {
      {"1,1,2,x,1,1", "amount"}, {"1,1,2,5,1,65536", "code"}, {"1,1,zz,5,1,1", "credit_account_id"},
      {",1,2,5,1,1", "id"},      {"1,1,2,5,1", "5 fields"},   {"1,1,2,5,1,1,", "7 fields"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Transfer> t = ParseTransferCsvLine(header, c.line);
    ASSERT_FALSE(t.ok()) << c.line;
    EXPECT_NE(t.status().message().find(c.names), absl::string_view::npos) << t.status();
  }
  // Empty cells other than id are zero: the engine judges them (post and void may omit them).
  absl::StatusOr<Transfer> sparse = ParseTransferCsvLine(header, "5,,,,,");
  ASSERT_TRUE(sparse.ok()) << sparse.status();
  EXPECT_EQ(sparse->id, Id(5));
  EXPECT_EQ(sparse->amount, 0u);
}

}  // namespace
}  // namespace points::client

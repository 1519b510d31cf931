// The proto conversion: the one place where wire values become engine values.
#include "server/convert/convert.h"

#include <cctype>

#include "gtest/gtest.h"
#include "points/results.h"
#include "tests/engine/testing.h"

namespace points::server {
namespace {

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

TEST(ConvertTest, ResultEnumsOnTheWireMatchTheEngineCodeForCode) {
  for (uint32_t code = 0; code < kCreateTransferResultCount; ++code) {
    const auto engine = static_cast<CreateTransferResult>(code);
    EXPECT_EQ(v1::CreateTransferResult_Name(static_cast<v1::CreateTransferResult>(code)),
              "CREATE_TRANSFER_RESULT_" + Upper(ResultName(engine)));
  }
  EXPECT_FALSE(v1::CreateTransferResult_IsValid(kCreateTransferResultCount));
  for (uint32_t code = 0; code < kCreateAccountResultCount; ++code) {
    const auto engine = static_cast<CreateAccountResult>(code);
    EXPECT_EQ(v1::CreateAccountResult_Name(static_cast<v1::CreateAccountResult>(code)),
              "CREATE_ACCOUNT_RESULT_" + Upper(ResultName(engine)));
  }
  EXPECT_FALSE(v1::CreateAccountResult_IsValid(kCreateAccountResultCount));
}

TEST(ConvertTest, IdsAreSixteenBytesBigEndian) {
  const Id id = absl::MakeUint128(0x0102030405060708, 0x090a0b0c0d0e0f10);
  const std::string bytes = IdToBytes(id);
  ASSERT_EQ(bytes.size(), 16u);
  EXPECT_EQ(bytes[0], 0x01);
  EXPECT_EQ(bytes[15], 0x10);
  EXPECT_EQ(*IdFromBytes(bytes, "id"), id);
  absl::StatusOr<Id> short_id = IdFromBytes("abc", "transfers[2].id");
  EXPECT_EQ(short_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_id.status().message().find("transfers[2].id"), std::string::npos);
  EXPECT_EQ(IdFromBytes("", "id").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*IdFromBytes("", "user_data_128", /*allow_empty=*/true), Id(0));
}

TEST(ConvertTest, TransferRoundTripsEveryField) {
  Transfer t = testing::TestTransfer(9, 1, 2, 77, kTransferPending | kTransferLinked);
  t.pending_id = 5;
  t.user_data_128 = absl::MakeUint128(3, 4);
  t.user_data_64 = 6;
  t.user_data_32 = 7;
  t.timeout = 8;
  t.code = 65535;
  v1::CreateTransfersRequest request;
  TransferToProto(t, request.add_transfers());
  absl::StatusOr<std::vector<Transfer>> back = TransfersFromProto(request);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->at(0), t);
}

TEST(ConvertTest, BadRequestsNameTheFieldAndTheLimit) {
  v1::CreateTransfersRequest empty;
  EXPECT_NE(TransfersFromProto(empty).status().message().find("transfers"), std::string::npos);
  v1::CreateTransfersRequest big_code;
  TransferToProto(testing::TestTransfer(1, 1, 2, 1), big_code.add_transfers());
  big_code.mutable_transfers(0)->set_code(70000);
  absl::Status status = TransfersFromProto(big_code).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("transfers[0].code"), std::string::npos) << status;
  v1::CreateTransfersRequest too_many;
  for (int i = 0; i < 8190; ++i) {
    TransferToProto(testing::TestTransfer(i + 1, 1, 2, 1), too_many.add_transfers());
  }
  status = TransfersFromProto(too_many).status();
  EXPECT_NE(status.message().find("8189"), std::string::npos) << status;
  v1::GetAccountHistoryRequest history;
  history.set_account_id(IdToBytes(1));
  EXPECT_NE(HistoryFilterFromProto(history).status().message().find("limit"), std::string::npos);
}

}  // namespace
}  // namespace points::server

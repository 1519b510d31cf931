// pointsd's log lines: JSON that any parser reads back, whatever the text holds.
#include "server/ops/log.h"

#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace points::server {
namespace {

TEST(LogTest, JsonLinesCarryAnyTextAndNumbersAsNumbers) {
  const std::string awkward = "引号\" 反斜杠\\ newline\n tab\t bell\x07 end";
  const std::string line =
      FormatLogLine(LogFormat::kJson, "2026-11-29T23:10:04.123Z", LogLevel::kWarning, "test_event",
                    awkward, {{"household", uint64_t{18446744073709551615u}}, {"name", awkward}});
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
  google::protobuf::Struct object;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok()) << line;
  const auto& fields = object.fields();
  EXPECT_EQ(fields.at("time").string_value(), "2026-11-29T23:10:04.123Z");
  EXPECT_EQ(fields.at("level").string_value(), "warning");
  EXPECT_EQ(fields.at("event").string_value(), "test_event");
  EXPECT_EQ(fields.at("msg").string_value(), awkward);
  EXPECT_EQ(fields.at("name").string_value(), awkward);
  EXPECT_TRUE(fields.at("household").has_number_value());
  EXPECT_NE(line.find("\"household\":18446744073709551615"), std::string::npos)
      << "written exactly, not rounded: " << line;
}

TEST(LogTest, TextLinesReadAsBefore) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, "", LogLevel::kInfo, "awards_posted",
                          "posted awards whose notice ended", {{"awards", 3}}),
            "pointsd: posted awards whose notice ended awards=3\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, "", LogLevel::kError, "start_failed", "cannot x", {}),
            "pointsd: error: cannot x\n");
}

}  // namespace
}  // namespace points::server

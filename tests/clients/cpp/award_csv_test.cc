// The CSV form of an inspection round (clients/cpp/award_csv.h): columns in any order, defaults for
// empty cells, and refusals that name the column.
#include "clients/cpp/award_csv.h"

#include <string>

#include "gtest/gtest.h"

namespace points::client {
namespace {

TEST(AwardCsvTest, ColumnsInAnyOrderWithDefaultsForEmptyCells) {
  auto header = ParseAwardCsvHeader("\xEF\xBB\xBFnote,rule,household,id,evidence,quantity\r");
  ASSERT_TRUE(header.ok()) << header.status();
  auto award = ParseAwardCsvLine(*header, "院落整洁,3,7,42,photo:a|photo:b,\r");
  ASSERT_TRUE(award.ok()) << award.status();
  EXPECT_EQ(award->award, Id(42));
  EXPECT_EQ(award->household, 7u);
  EXPECT_EQ(award->rule.rule, 3u);
  EXPECT_EQ(award->rule.version, 0u) << "no version: the one in effect";
  EXPECT_EQ(award->rule.points_per_unit, 0u) << "the catalogue scores it, not the file";
  EXPECT_EQ(award->quantity, 1u) << "an empty cell is the default";
  EXPECT_EQ(award->evidence, (std::vector<std::string>{"photo:a", "photo:b"}));
  EXPECT_EQ(award->note, "院落整洁");

  auto versioned = ParseAwardCsvHeader("id,household,rule,version,quantity");
  ASSERT_TRUE(versioned.ok()) << versioned.status();
  auto hours = ParseAwardCsvLine(*versioned, "43,8,2,4,6");
  ASSERT_TRUE(hours.ok()) << hours.status();
  EXPECT_EQ(hours->rule.version, 4u);
  EXPECT_EQ(hours->quantity, 6u);
}

TEST(AwardCsvTest, RefusalsNameTheColumn) {
  EXPECT_NE(ParseAwardCsvHeader("id,household").status().message().find("no 'rule' column"),
            std::string::npos);
  EXPECT_NE(ParseAwardCsvHeader("id,id").status().message().find("'id' twice"), std::string::npos);
  EXPECT_NE(ParseAwardCsvHeader("id,colour").status().message().find("unknown column 'colour'"),
            std::string::npos);
  EXPECT_NE(ParseAwardCsvHeader("id,household,rule,points_per_unit")
                .status()
                .message()
                .find("come from the village's rule catalogue"),
            std::string::npos)
      << "the old format's columns say where the points come from now";
  auto header = ParseAwardCsvHeader("id,household,rule,quantity");
  ASSERT_TRUE(header.ok());
  EXPECT_NE(ParseAwardCsvLine(*header, "1,x,1,").status().message().find("household"),
            std::string::npos);
  EXPECT_NE(ParseAwardCsvLine(*header, "1,7,r1,").status().message().find("rule"),
            std::string::npos);
  EXPECT_NE(ParseAwardCsvLine(*header, "1,7,1").status().message().find("3 cells"),
            std::string::npos);
}

}  // namespace
}  // namespace points::client

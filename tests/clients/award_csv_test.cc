// The CSV form of an inspection round (clients/award_csv.h): columns in any order, defaults for
// empty cells, and refusals that name the column.
#include "award_csv.h"

#include <string>

#include "gtest/gtest.h"

namespace points::client {
namespace {

TEST(AwardCsvTest, ColumnsInAnyOrderWithDefaultsForEmptyCells) {
  auto header = ParseAwardCsvHeader(
      "\xEF\xBB\xBFnote,points_per_unit,category,rule,household,id,evidence,quantity\r");
  ASSERT_TRUE(header.ok()) << header.status();
  auto award = ParseAwardCsvLine(*header, "院落整洁,10,volunteering,3,7,42,photo:a|photo:b,\r");
  ASSERT_TRUE(award.ok()) << award.status();
  EXPECT_EQ(award->award, Id(42));
  EXPECT_EQ(award->household, 7u);
  EXPECT_EQ(award->rule.rule, 3u);
  EXPECT_EQ(award->rule.version, 1u) << "version defaults to 1";
  EXPECT_EQ(award->rule.code, domain::kCodeVolunteering);
  EXPECT_EQ(award->rule.points_per_unit, 10u);
  EXPECT_EQ(award->rule.difficulty_percent, 100u);
  EXPECT_EQ(award->quantity, 1u) << "an empty cell is the default";
  EXPECT_EQ(award->evidence, (std::vector<std::string>{"photo:a", "photo:b"}));
  EXPECT_EQ(award->note, "院落整洁");
}

TEST(AwardCsvTest, RefusalsNameTheColumn) {
  EXPECT_NE(ParseAwardCsvHeader("id,household,rule,category")
                .status()
                .message()
                .find("no 'points_per_unit' column"),
            std::string::npos);
  EXPECT_NE(ParseAwardCsvHeader("id,id").status().message().find("'id' twice"), std::string::npos);
  EXPECT_NE(ParseAwardCsvHeader("id,colour").status().message().find("unknown column 'colour'"),
            std::string::npos);
  auto header =
      ParseAwardCsvHeader("id,household,rule,category,points_per_unit,difficulty_percent");
  ASSERT_TRUE(header.ok());
  EXPECT_NE(ParseAwardCsvLine(*header, "1,7,1,hygeine,10,")
                .status()
                .message()
                .find("category: 'hygeine' is not one of"),
            std::string::npos);
  EXPECT_NE(ParseAwardCsvLine(*header, "1,x,1,hygiene,10,").status().message().find("household"),
            std::string::npos);
  EXPECT_NE(ParseAwardCsvLine(*header, "1,7,1,hygiene,10,20000")
                .status()
                .message()
                .find("difficulty_percent"),
            std::string::npos);
  EXPECT_NE(ParseAwardCsvLine(*header, "1,7,1,hygiene").status().message().find("4 cells"),
            std::string::npos);
}

}  // namespace
}  // namespace points::client

// The rule catalogue: versions, effective dates, retirement, Chinese names, and awards scored by
// the version in effect when they are recorded (also when resent after a change).
#include "server/domain/books/rule_book.h"

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/books/award_book.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 4;
const uint64_t kStartNs = static_cast<uint64_t>(absl::ToUnixNanos(
    absl::FromCivil(absl::CivilSecond(2026, 11, 22, 10, 0, 0), absl::FixedTimeZone(8 * 3600))));
constexpr uint64_t kDayNs = 86'400ull * 1'000'000'000ull;

CatalogueRule Hygiene(uint64_t points, uint64_t effective_from_ns = 0) {
  CatalogueRule c;
  c.village = kVillage;
  c.rule.rule = 7;
  c.rule.code = kCodeHygiene;
  c.rule.points_per_unit = points;
  c.rule.cap_per_day = 30;
  c.name = "庭院卫生评比";
  c.effective_from_ns = effective_from_ns;
  c.changed_by = "committee-li";
  return c;
}

class RuleBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    rules_ = std::make_unique<RuleBook>(&clock_, store_.get());
    AwardPolicy policy;
    policy.review_threshold_points = 1000;  // small awards go on notice at once
    auto awards = AwardBook::Open(engine_.get(), &clock_, store_.get(), policy, rules_.get());
    ASSERT_TRUE(awards.ok()) << awards.status();
    awards_ = *std::move(awards);
    ASSERT_TRUE(awards_->SetUpVillage(kVillage).ok());
    ASSERT_TRUE(awards_->SetUpHousehold(kVillage, 1).ok());
  }

  AwardRequest ByRule(Id award, uint32_t rule, uint32_t version = 0) {
    AwardRequest r;
    r.award = award;
    r.village = kVillage;
    r.household = 1;
    r.rule.rule = rule;
    r.rule.version = version;
    r.recorded_by = "grid-wang";
    return r;
  }

  TempDir dir_;
  ManualClock clock_{kStartNs};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<RuleBook> rules_;
  std::unique_ptr<AwardBook> awards_;
};

TEST_F(RuleBookTest, AChangeAddsAVersionAndAResendDoesNot) {
  auto v1 = rules_->PutRule(Hygiene(10));
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->rule.version, 1u);
  EXPECT_EQ(v1->effective_from_ns, kStartNs) << "0 means from now";
  EXPECT_EQ(v1->name, "庭院卫生评比");

  clock_.Advance(kDayNs);
  auto again = rules_->PutRule(Hygiene(10));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *v1) << "the same content is the same version";

  auto v2 = rules_->PutRule(Hygiene(12));
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->rule.version, 2u);
  EXPECT_EQ(v2->effective_from_ns, kStartNs + kDayNs);
  auto back = rules_->PutRule(Hygiene(10));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->rule.version, 3u) << "going back to old content is a change too";

  auto listed = rules_->List(kVillage, 0);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].rule.points_per_unit, 10u) << "version 1 is never edited";
  EXPECT_EQ((*listed)[1].rule.points_per_unit, 12u);
}

TEST_F(RuleBookTest, TheVersionInEffectScoresAnAwardAndAResendKeepsItsVersion) {
  ASSERT_TRUE(rules_->PutRule(Hygiene(10)).ok());
  const uint64_t change_ns = kStartNs + 2 * kDayNs;
  auto v2 = rules_->PutRule(Hygiene(20, change_ns));
  ASSERT_TRUE(v2.ok()) << v2.status();

  auto before = awards_->Record(ByRule(0xa1, 7));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->request.rule.version, 1u);
  EXPECT_EQ(before->amount, 10u);
  EXPECT_EQ(before->request.rule.cap_per_day, 30u) << "caps come from the catalogue";

  clock_.Advance(2 * kDayNs);
  auto after = awards_->Record(ByRule(0xa2, 7));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->request.rule.version, 2u);
  EXPECT_EQ(after->amount, 20u);

  auto resent = awards_->Record(ByRule(0xa1, 7));
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(*resent, *before) << "a resend is scored as the award was";

  auto old_version = awards_->Record(ByRule(0xa3, 7, 1));
  EXPECT_EQ(old_version.status().code(), absl::StatusCode::kFailedPrecondition)
      << old_version.status();
  EXPECT_NE(old_version.status().message().find("version 2 is"), std::string::npos);
  auto unknown = awards_->Record(ByRule(0xa4, 8));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound) << unknown.status();
  auto other_rule = awards_->Record(ByRule(0xa1, 8));
  EXPECT_EQ(other_rule.status().code(), absl::StatusCode::kNotFound)
      << "a reused award id with another rule is checked against that rule: "
      << other_rule.status();
  CatalogueRule agreement = Hygiene(5);
  agreement.rule.rule = 9;
  agreement.rule.code = kCodeVillageAgreement;
  agreement.name = "遵守村规民约";
  ASSERT_TRUE(rules_->PutRule(agreement).ok());
  auto reused = awards_->Record(ByRule(0xa1, 9));
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists)
      << "award 0xa1 was recorded by rule 7: " << reused.status();
}

TEST_F(RuleBookTest, VersionsTakeEffectInOrderAndARetiredRuleScoresNothing) {
  ASSERT_TRUE(rules_->PutRule(Hygiene(10, kStartNs + 5 * kDayNs)).ok());
  auto early = awards_->Record(ByRule(0xb1, 7));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition) << early.status();
  EXPECT_NE(early.status().message().find("not in effect yet"), std::string::npos);

  auto out_of_order = rules_->PutRule(Hygiene(15, kStartNs + kDayNs));
  EXPECT_EQ(out_of_order.status().code(), absl::StatusCode::kFailedPrecondition)
      << out_of_order.status();

  CatalogueRule retired = Hygiene(10, kStartNs + 6 * kDayNs);
  retired.retired = true;
  ASSERT_TRUE(rules_->PutRule(retired).ok());
  clock_.Advance(5 * kDayNs);
  auto in_effect = awards_->Record(ByRule(0xb2, 7));
  ASSERT_TRUE(in_effect.ok()) << in_effect.status();
  clock_.Advance(kDayNs);
  auto after_retiring = awards_->Record(ByRule(0xb3, 7));
  EXPECT_EQ(after_retiring.status().code(), absl::StatusCode::kFailedPrecondition)
      << after_retiring.status();
  EXPECT_NE(after_retiring.status().message().find("retired"), std::string::npos);
}

TEST_F(RuleBookTest, AConditionalChangeNeverOverwritesAnotherUnseen) {
  ASSERT_TRUE(rules_->PutRule(Hygiene(10)).ok());
  clock_.Advance(1);
  auto a = rules_->PutRule(Hygiene(12), /*replaces_version=*/1);  // member A: 12
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->rule.version, 2u);
  clock_.Advance(1);
  auto b = rules_->PutRule(Hygiene(15), /*replaces_version=*/1);  // member B saw version 1
  EXPECT_EQ(b.status().code(), absl::StatusCode::kFailedPrecondition) << b.status();
  EXPECT_NE(b.status().message().find("at version 2"), std::string::npos) << b.status();
  auto b_again = rules_->PutRule(Hygiene(15), /*replaces_version=*/2);  // B read it again
  ASSERT_TRUE(b_again.ok()) << b_again.status();
  EXPECT_EQ(b_again->rule.version, 3u);
  // A's first reply was lost; its resend must not undo B's change.
  auto a_resent = rules_->PutRule(Hygiene(12), /*replaces_version=*/1);
  ASSERT_TRUE(a_resent.ok()) << a_resent.status();
  EXPECT_EQ(a_resent->rule.version, 2u);
  EXPECT_EQ(rules_->List(kVillage, 7)->back().rule.points_per_unit, 15u);
  EXPECT_EQ(rules_->PutRule(Hygiene(20), /*replaces_version=*/5).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(RuleBookTest, BadDefinitionsNameTheField) {
  CatalogueRule no_name = Hygiene(10);
  no_name.name.clear();
  EXPECT_NE(rules_->PutRule(no_name).status().message().find("name"), std::string::npos);
  CatalogueRule capped_deduction = Hygiene(10);
  capped_deduction.rule.code = kCodeDeduction;
  EXPECT_EQ(rules_->PutRule(capped_deduction).status().code(), absl::StatusCode::kInvalidArgument);
  CatalogueRule zero = Hygiene(0);
  EXPECT_NE(rules_->PutRule(zero).status().message().find("rule.points_per_unit"),
            std::string::npos);
  CatalogueRule hard = Hygiene(10);
  hard.rule.difficulty_percent = kDifficultyPercentMax + 1;
  EXPECT_NE(rules_->PutRule(hard).status().message().find("rule.difficulty_percent"),
            std::string::npos);
  CatalogueRule big_number = Hygiene(10);
  big_number.rule.rule = kRuleNumberMax + 1;
  EXPECT_EQ(rules_->PutRule(big_number).status().code(), absl::StatusCode::kInvalidArgument);
  CatalogueRule huge_cap = Hygiene(10);
  huge_cap.rule.cap_per_year = kCapPointsMax + 1;
  EXPECT_NE(rules_->PutRule(huge_cap).status().message().find("rule.cap_per_year"),
            std::string::npos)
      << "a cap is funded from the village's one limit source: bounded";
  CatalogueRule anonymous = Hygiene(10);
  anonymous.changed_by.clear();
  EXPECT_NE(rules_->PutRule(anonymous).status().message().find("changed_by"), std::string::npos);
  EXPECT_TRUE(rules_->List(kVillage, 0)->empty()) << "nothing was stored";
}

}  // namespace
}  // namespace points::domain

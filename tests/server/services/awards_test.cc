// VillageService and AwardService end to end: the real pointsd, driven over gRPC. An approved
// award is posted by the server's own notice timer when its window ends; objections hold it;
// the ledger's budget refuses what is over it; bad requests name the field; state survives a
// restart. Every call carries a principal's token (server/AUTHZ.md): the admin sets the village
// up, committee member "committee-wang" records, "committee-li" keeps the catalogue and reviews,
// and a household's app objects; the server names whoever the token says, not the request.
#include <signal.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "points/v1/awards.grpc.pb.h"
#include "points/v1/ledger.grpc.pb.h"
#include "server/convert/convert.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"

namespace points::server {
namespace {

using testing::TempDir;

constexpr uint32_t kVillage = 5;

// A call context with `token` and a 10 s deadline.
std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  return testing::ContextWith(token, 10);
}

// The principals of the village (server/AUTHZ.md): the committee member who records awards, the
// one who keeps the catalogue and reviews them (an award's recorder may not approve it), and a
// villager's household app (household 2) that objects.
constexpr char kRecorder[] = "committee-wang";
constexpr char kReviewer[] = "committee-li";
constexpr char kVillager[] = "household-5-2";

// This month as YYYYMM in China Standard Time, as the server counts budget periods.
uint32_t ThisMonth() {
  const absl::CivilSecond now = absl::ToCivilSecond(absl::Now(), absl::FixedTimeZone(8 * 3600));
  return static_cast<uint32_t>(now.year() * 100 + now.month());
}

class Village {
 public:
  Village(const std::string& data_dir, std::vector<std::string> flags)
      : pointsd_(std::make_unique<testing::Pointsd>(data_dir, 0, flags)), data_dir_(data_dir) {
    Connect();
    MakePrincipals();
  }

  void Connect() {
    auto channel = grpc::CreateChannel(pointsd_->target(), grpc::InsecureChannelCredentials());
    villages_ = v1::VillageService::NewStub(channel);
    awards_ = v1::AwardService::NewStub(channel);
    ledger_ = v1::LedgerService::NewStub(channel);
  }

  void Restart(std::vector<std::string> flags) {
    EXPECT_EQ(pointsd_->Stop(SIGTERM), 0);
    pointsd_ = std::make_unique<testing::Pointsd>(data_dir_, 0, flags);
    Connect();
  }

  // The admin's token (written by pointsd at its first start) and the village's principals,
  // made by the admin; principals are kept in the data directory, so a restart keeps them.
  void MakePrincipals() {
    admin_ = pointsd_->admin_token();
    ASSERT_FALSE(admin_.empty()) << "pointsd wrote no admin.token";
    const std::string target = pointsd_->target();
    tokens_[kRecorder] = testing::CommitteeToken(target, admin_, kVillage, kRecorder);
    tokens_[kReviewer] = testing::CommitteeToken(target, admin_, kVillage, kReviewer);
    tokens_[kVillager] = testing::HouseholdToken(target, admin_, kVillage, 2);
  }

  // The token of the principal `name` made above.
  const std::string& Token(const std::string& name) const { return tokens_.at(name); }
  const std::string& admin() const { return admin_; }

  std::string SetUp(uint64_t households) {
    v1::CreateVillageRequest village;
    village.set_village(kVillage);
    v1::CreateVillageResponse created;
    EXPECT_TRUE(villages_->CreateVillage(Context(admin_).get(), village, &created).ok());
    for (uint64_t h = 1; h <= households; ++h) {
      v1::CreateHouseholdRequest household;
      household.set_village(kVillage);
      household.set_household(h);
      v1::CreateHouseholdResponse response;
      EXPECT_TRUE(villages_->CreateHousehold(Context(admin_).get(), household, &response).ok());
      account_ids_.push_back(response.account_id());
    }
    return created.issuer_account_id();
  }

  grpc::Status Record(uint64_t award, uint64_t household, uint64_t points, v1::Award* out,
                      v1::Category category = v1::CATEGORY_HYGIENE) {
    // One catalogue rule per category and points, e.g. hygiene (10) at 10 points is rule 11,
    // a deduction (15) of 10 points rule 5011.
    const uint32_t rule = static_cast<uint32_t>(category % 10 * 1000 + points % 999 + 1);
    v1::PutRuleRequest put;
    put.set_village(kVillage);
    put.mutable_rule()->set_rule(rule);
    put.mutable_rule()->set_category(category);
    put.mutable_rule()->set_points_per_unit(points);
    put.mutable_rule()->set_name("庭院卫生评比");
    put.mutable_rule()->set_changed_by("someone-else");  // ignored: the caller is named
    v1::PutRuleResponse put_response;
    if (grpc::Status status = awards_->PutRule(Context(Token(kReviewer)).get(), put, &put_response);
        !status.ok()) {
      return status;
    }
    EXPECT_EQ(put_response.rule().changed_by(), kReviewer);
    v1::RecordAwardRequest request;
    v1::Award* a = request.mutable_award();
    a->set_award_id(IdToBytes(award));
    a->set_village(kVillage);
    a->set_household(household);
    a->mutable_rule()->set_rule(rule);
    a->set_quantity(1);
    a->add_evidence("photo:3f2a");
    a->set_note("庭院整洁");
    a->set_recorded_by("grid-wang");  // ignored: the recorder is the caller
    v1::RecordAwardResponse response;
    grpc::Status status = awards_->RecordAward(Context(Token(kRecorder)).get(), request, &response);
    *out = response.award();
    return status;
  }

  // Approves as the principal `reviewer` (one of those made above).
  grpc::Status Approve(uint64_t award, const std::string& reviewer, v1::Award* out) {
    v1::ApproveAwardRequest request;
    request.set_village(kVillage);
    request.set_award_id(IdToBytes(award));
    v1::ApproveAwardResponse response;
    grpc::Status status = awards_->ApproveAward(Context(Token(reviewer)).get(), request, &response);
    *out = response.award();
    return status;
  }

  v1::Award Get(uint64_t award) {
    v1::GetAwardRequest request;
    request.set_village(kVillage);
    request.set_award_id(IdToBytes(award));
    v1::GetAwardResponse response;
    // As the committee: who objected, and why, is the committee's to see (and the auditor's and
    // the objector's), not the admin's.
    EXPECT_TRUE(awards_->GetAward(Context(Token(kReviewer)).get(), request, &response).ok());
    return response.award();
  }

  v1::Account Household(uint64_t h) {
    v1::LookupAccountsRequest request;
    request.add_ids(account_ids_.at(h - 1));
    v1::LookupAccountsResponse response;
    EXPECT_TRUE(ledger_->LookupAccounts(Context(admin_).get(), request, &response).ok());
    return response.accounts_size() == 1 ? response.accounts(0) : v1::Account();
  }

  v1::VillageService::Stub& villages() { return *villages_; }
  v1::AwardService::Stub& awards() { return *awards_; }

 private:
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::string data_dir_;
  std::unique_ptr<v1::VillageService::Stub> villages_;
  std::unique_ptr<v1::AwardService::Stub> awards_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::vector<std::string> account_ids_;
  std::string admin_;
  std::map<std::string, std::string> tokens_;
};

TEST(AwardsTest, AnApprovedAwardIsPostedByTheServerWhenItsNoticeEnds) {
  TempDir dir;
  Village village(dir.path(), {"--notice-seconds", "1"});
  village.SetUp(1);
  v1::Award award;
  ASSERT_TRUE(village.Record(1, 1, 10, &award).ok());
  EXPECT_EQ(award.state(), v1::AWARD_STATE_AWAITING_REVIEW);
  EXPECT_EQ(award.points(), 10u);
  EXPECT_EQ(award.recorded_by(), kRecorder) << "the caller, not the name in the request";
  grpc::Status own = village.Approve(1, kRecorder, &award);
  EXPECT_EQ(own.error_code(), grpc::StatusCode::PERMISSION_DENIED) << own.error_message();
  ASSERT_TRUE(village.Approve(1, kReviewer, &award).ok());
  EXPECT_EQ(award.state(), v1::AWARD_STATE_ON_NOTICE);
  EXPECT_EQ(award.reviewed_by(), kReviewer);
  // Until the server posts it the points are pending; then they count. Nobody presses a button:
  // the test only watches (for at most 30 s, not a timing assertion).
  for (int i = 0; i < 300 && village.Get(1).state() != v1::AWARD_STATE_POSTED; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(village.Get(1).state(), v1::AWARD_STATE_POSTED);
  EXPECT_EQ(village.Household(1).credits_posted(), 10u);
  EXPECT_EQ(village.Household(1).credits_pending(), 0u);
}

TEST(AwardsTest, ObjectionsHoldAwardsDecisionsVoidThemAndStateSurvivesARestart) {
  TempDir dir;
  Village village(dir.path(), {});  // the default window: 3 days
  village.SetUp(2);
  v1::Award award;
  ASSERT_TRUE(village.Record(1, 1, 10, &award).ok());
  ASSERT_TRUE(village.Approve(1, kReviewer, &award).ok());
  ASSERT_TRUE(village.Record(2, 2, 20, &award).ok());
  ASSERT_TRUE(village.Approve(2, kReviewer, &award).ok());
  EXPECT_EQ(village.Household(1).credits_pending(), 10u);

  v1::ObjectToAwardRequest objection;
  objection.set_village(kVillage);
  objection.set_award_id(IdToBytes(1));
  objection.set_reason("门前有垃圾");
  v1::ObjectToAwardResponse held;
  ASSERT_TRUE(village.awards()
                  .ObjectToAward(Context(village.Token(kVillager)).get(), objection, &held)
                  .ok());
  EXPECT_EQ(held.award().state(), v1::AWARD_STATE_HELD);
  EXPECT_EQ(held.award().objected_by(), kVillager);

  village.Restart({});
  EXPECT_EQ(village.Get(1).state(), v1::AWARD_STATE_HELD);
  EXPECT_EQ(village.Get(1).objection(), "门前有垃圾");
  EXPECT_EQ(village.Get(1).objected_by(), kVillager);
  v1::ListAwardsRequest list;
  list.set_village(kVillage);
  list.set_state(v1::AWARD_STATE_ON_NOTICE);
  v1::ListAwardsResponse on_notice;
  ASSERT_TRUE(
      village.awards().ListAwards(Context(village.Token(kReviewer)).get(), list, &on_notice).ok());
  ASSERT_EQ(on_notice.awards_size(), 1);
  EXPECT_EQ(on_notice.awards(0).household(), 2u);

  v1::DecideAwardRequest decision;
  decision.set_village(kVillage);
  decision.set_award_id(IdToBytes(1));
  decision.set_keep(false);
  v1::DecideAwardResponse voided;
  ASSERT_TRUE(village.awards()
                  .DecideAward(Context(village.Token(kReviewer)).get(), decision, &voided)
                  .ok());
  EXPECT_EQ(voided.award().state(), v1::AWARD_STATE_VOIDED);
  EXPECT_EQ(voided.award().decided_by(), kReviewer);
  EXPECT_EQ(village.Household(1).credits_pending(), 0u);
  EXPECT_EQ(village.Household(1).credits_posted(), 0u);
}

TEST(AwardsTest, TheBudgetRefusesWhatIsOverItWithAReason) {
  TempDir dir;
  Village village(dir.path(), {"--review-threshold", "100"});  // small awards need no review
  village.SetUp(2);
  v1::SetBudgetRequest budget;
  budget.set_village(kVillage);
  budget.set_month(ThisMonth());
  budget.set_points(25);
  v1::SetBudgetResponse set;
  ASSERT_TRUE(village.villages().SetBudget(Context(village.admin()).get(), budget, &set).ok());
  v1::Award award;
  ASSERT_TRUE(village.Record(1, 1, 20, &award).ok());
  EXPECT_EQ(award.state(), v1::AWARD_STATE_ON_NOTICE);
  ASSERT_TRUE(village.Record(2, 2, 10, &award).ok());
  EXPECT_EQ(award.state(), v1::AWARD_STATE_REFUSED);
  EXPECT_NE(award.refusal().find("issuance budget is used up"), std::string::npos)
      << award.refusal();
  EXPECT_EQ(village.Household(2).credits_pending(), 0u);
}

TEST(AwardsTest, AHouseholdsCapRefusesWhatIsOverItAndAnObjectionAfterTheWindowIsRefused) {
  TempDir dir;
  // Small awards go on notice at once; the window is one second.
  Village village(dir.path(), {"--review-threshold", "100", "--notice-seconds", "1"});
  village.SetUp(1);
  v1::PutRuleRequest rule;
  rule.set_village(kVillage);
  rule.mutable_rule()->set_rule(30);
  rule.mutable_rule()->set_category(v1::CATEGORY_HYGIENE);
  rule.mutable_rule()->set_points_per_unit(10);
  rule.mutable_rule()->set_cap_per_day(15);  // one check a day counts; a second would pass 15
  rule.mutable_rule()->set_name("庭院卫生评比");
  rule.mutable_rule()->set_changed_by("committee-li");
  v1::PutRuleResponse put;
  ASSERT_TRUE(village.awards().PutRule(Context(village.Token(kReviewer)).get(), rule, &put).ok());
  auto record = [&](uint64_t id) {
    v1::RecordAwardRequest request;
    request.mutable_award()->set_award_id(IdToBytes(id));
    request.mutable_award()->set_village(kVillage);
    request.mutable_award()->set_household(1);
    request.mutable_award()->mutable_rule()->set_rule(30);
    request.mutable_award()->set_quantity(1);
    request.mutable_award()->set_recorded_by("grid-wang");
    v1::RecordAwardResponse response;
    EXPECT_TRUE(village.awards()
                    .RecordAward(Context(village.Token(kRecorder)).get(), request, &response)
                    .ok());
    return response.award();
  };
  EXPECT_EQ(record(31).state(), v1::AWARD_STATE_ON_NOTICE);
  const v1::Award capped = record(32);
  EXPECT_EQ(capped.state(), v1::AWARD_STATE_REFUSED);
  EXPECT_NE(capped.refusal().find("cap per day (15 points) is reached"), std::string::npos)
      << capped.refusal();
  EXPECT_EQ(village.Household(1).credits_pending(), 10u) << "the refused award took nothing";

  // Once the window has ended (the server posts the award), an objection comes too late.
  for (int i = 0; i < 300 && village.Get(31).state() != v1::AWARD_STATE_POSTED; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(village.Get(31).state(), v1::AWARD_STATE_POSTED);
  v1::ObjectToAwardRequest late;
  late.set_village(kVillage);
  late.set_award_id(IdToBytes(31));
  late.set_reason("门前有垃圾");
  v1::ObjectToAwardResponse response;
  const grpc::Status status =
      village.awards().ObjectToAward(Context(village.Token(kVillager)).get(), late, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_EQ(village.Household(1).credits_posted(), 10u);
}

TEST(AwardsTest, BadRequestsGetInvalidArgumentNamingTheField) {
  TempDir dir;
  Village village(dir.path(), {});
  village.SetUp(1);
  v1::RecordAwardRequest bad_id;
  bad_id.mutable_award()->set_award_id("short");
  bad_id.mutable_award()->set_village(kVillage);  // in the recorder's scope, or it is denied first
  v1::RecordAwardResponse response;
  grpc::Status status =
      village.awards().RecordAward(Context(village.Token(kRecorder)).get(), bad_id, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("award.award_id"), std::string::npos)
      << status.error_message();

  v1::Award award;
  status = village.Record(1, 1, 10, &award, v1::CATEGORY_UNSPECIFIED);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("rule.category: got 0 (CATEGORY_UNSPECIFIED), want one of "
                                        "CATEGORY_HYGIENE (10)"),
            std::string::npos)
      << status.error_message();
  status = village.Record(1, 1, 2'000'000, &award);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("rule.points_per_unit: must be 1..1000000"),
            std::string::npos)
      << status.error_message();

  // An award names a rule of the catalogue; the catalogue scores it.
  v1::RecordAwardRequest unknown_rule;
  unknown_rule.mutable_award()->set_award_id(IdToBytes(5));
  unknown_rule.mutable_award()->set_village(kVillage);
  unknown_rule.mutable_award()->set_household(1);
  unknown_rule.mutable_award()->mutable_rule()->set_rule(77);
  unknown_rule.mutable_award()->mutable_rule()->set_points_per_unit(500);
  unknown_rule.mutable_award()->set_recorded_by("grid-wang");
  status = village.awards().RecordAward(Context(village.Token(kRecorder)).get(), unknown_rule,
                                        &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_NE(status.error_message().find("rule 77 is not in village"), std::string::npos)
      << status.error_message();
  ASSERT_TRUE(village.Record(6, 1, 10, &award).ok());
  EXPECT_EQ(award.rule().rule(), 11u);
  EXPECT_EQ(award.rule().version(), 1u);
  EXPECT_EQ(award.points(), 10u) << "points from the catalogue, not from the request";

  v1::ListAwardsRequest list;
  list.set_village(kVillage);
  v1::ListAwardsResponse listed;
  status = village.awards().ListAwards(Context(village.Token(kReviewer)).get(), list, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("state"), std::string::npos) << status.error_message();

  v1::GetAwardRequest get;
  get.set_village(kVillage);
  get.set_award_id(IdToBytes(99));
  v1::GetAwardResponse got;
  EXPECT_EQ(
      village.awards().GetAward(Context(village.Token(kReviewer)).get(), get, &got).error_code(),
      grpc::StatusCode::NOT_FOUND);
  v1::CreateVillageRequest zero;
  v1::CreateVillageResponse created;
  EXPECT_EQ(
      village.villages().CreateVillage(Context(village.admin()).get(), zero, &created).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace points::server

// Tasks end to end, through the real pointsd and the client library: eight terminals race for
// two slots and the ledger lets exactly two through; a double claim is refused while a resend
// is answered; a verified task earns its award through notice; the household rates it once;
// a task past its deadline is closed by the server's timer and its unclaimed slots lapse.
// Every call carries a principal's token (server/AUTHZ.md): the admin sets up and reads, the
// committee posts and verifies (and claims for a shop), each household's app claims, completes
// and rates for itself; the server names the caller, not the names in the requests.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"

namespace points::server {
namespace {

using client::LedgerClient;
using testing::TempDir;

constexpr uint32_t kVillage = 1;  // the demo village: rule 5 is its task rule, 1 point a unit
constexpr char kCommittee[] = "committee-li";

uint64_t NowNs() { return static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())); }

v1::Task TaskOf(uint32_t task, uint32_t rule, uint32_t slots, uint64_t deadline_ns) {
  v1::Task t;
  t.set_village(kVillage);
  t.set_task(task);
  t.set_title("清理村口垃圾");
  t.set_rule(rule);
  t.set_units(15);
  t.set_slots(slots);
  t.set_deadline(deadline_ns);
  t.set_posted_by("someone-else");  // ignored: the poster is the caller
  return t;
}

class TasksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pointsd_ = std::make_unique<testing::Pointsd>(
        dir_.path(), 0,
        std::vector<std::string>{"--demo", "--notice-seconds", "1", "--review-threshold", "100"});
    admin_token_ = pointsd_->admin_token();
    ASSERT_FALSE(admin_token_.empty()) << "pointsd wrote no admin.token";
    client_ = As(admin_token_);
    committee_ = As(DemoToken(kCommittee));
    // The demo's award 9001 (10 points for household 2) posts a second after start: let it,
    // so that balances below change only by what a test does.
    for (int i = 0; i < 300; ++i) {
      auto award = client_->GetAward(kVillage, 9001);
      if (award.ok() && award->state == domain::AwardState::kPosted) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "the demo's award 9001 was not posted";
  }

  // A client of its own connection calling as the principal of `token`.
  std::unique_ptr<LedgerClient> As(const std::string& token) {
    client::ClientOptions options;
    options.token = token;
    return std::make_unique<LedgerClient>(pointsd_->target(), options);
  }

  // The token of one of the demo's principals, which pointsd --demo wrote to
  // DATA_DIR/demo-tokens/NAME.
  std::string DemoToken(const std::string& name) {
    std::ifstream file(dir_.path() + "/demo-tokens/" + name);
    std::string token;
    std::getline(file, token);
    EXPECT_FALSE(token.empty()) << "no demo token for " << name;
    return token;
  }

  // Household h's app: the demo's "household-<h>" for 1-3, otherwise "household-1-<h>", made by
  // the admin at first use.
  static std::string HouseholdName(uint64_t h) {
    return h <= 3 ? "household-" + std::to_string(h)
                  : "household-" + std::to_string(kVillage) + "-" + std::to_string(h);
  }
  const std::string& HouseholdToken(uint64_t h) {
    auto [it, made] = household_tokens_.try_emplace(h);
    if (made) {
      it->second = h <= 3 ? DemoToken(HouseholdName(h))
                          : testing::HouseholdToken(pointsd_->target(), admin_token_, kVillage, h);
    }
    return it->second;
  }

  uint64_t Balance(uint64_t household) {
    auto h = client_->GetHousehold(kVillage, household);
    EXPECT_TRUE(h.ok()) << h.status();
    return h.ok() ? h->points_balance() : 0;
  }

  TempDir dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::string admin_token_;
  std::unique_ptr<LedgerClient> client_;     // the admin: sets up and reads
  std::unique_ptr<LedgerClient> committee_;  // committee-li: posts, verifies
  std::map<uint64_t, std::string> household_tokens_;
};

TEST_F(TasksTest, EightTerminalsRaceForTwoSlotsThenTheVerifiedTaskEarnsItsAwardAndARating) {
  // Households 1-3 are the demo's; 4-8 claim as well; 9 never claims.
  for (uint64_t h = 4; h <= 9; ++h) ASSERT_TRUE(client_->CreateHousehold(kVillage, h).ok());
  auto posted = committee_->PostTask(TaskOf(1, 5, 2, NowNs() + 86'400'000'000'000ull));
  ASSERT_TRUE(posted.ok()) << posted.status();
  EXPECT_EQ(posted->points_per_claim(), 15u);
  EXPECT_EQ(posted->posted_by(), kCommittee);
  EXPECT_EQ(committee_->PostTask(TaskOf(2, 1, 2, NowNs() + 1'000'000'000'000ull)).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "rule 1 is a hygiene rule, not a task rule";

  // Each household's app has its token before the race.
  for (uint64_t h = 1; h <= 9; ++h) ASSERT_FALSE(HouseholdToken(h).empty());
  std::atomic<int> claimed{0}, no_slot{0}, other{0};
  std::vector<std::thread> terminals;
  for (uint64_t h = 1; h <= 8; ++h) {
    terminals.emplace_back([&, h, token = HouseholdToken(h)] {
      client::ClientOptions options;
      options.token = token;
      LedgerClient terminal(pointsd_->target(), options);  // its own connection
      auto claim = terminal.ClaimTask(kVillage, 1, Id(8000 + h), v1::CLAIMANT_KIND_HOUSEHOLD, h);
      if (claim.ok()) {
        ++claimed;
      } else if (claim.status().code() == absl::StatusCode::kFailedPrecondition) {
        ++no_slot;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& t : terminals) t.join();
  EXPECT_EQ(claimed.load(), 2) << "the ledger's floor gives out exactly the two slots";
  EXPECT_EQ(no_slot.load(), 6);
  EXPECT_EQ(other.load(), 0);

  auto task = client_->GetTask(kVillage, 1);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task().slots_left(), 0u);
  std::vector<uint64_t> winners;
  for (const v1::Claim& c : task->claims()) {
    if (c.state() == v1::CLAIM_STATE_CLAIMED) winners.push_back(c.claimant());
  }
  ASSERT_EQ(winners.size(), 2u);
  const uint64_t winner = winners[0];
  uint64_t loser = 1;
  while (loser == winners[0] || loser == winners[1]) ++loser;
  for (const v1::Claim& c : task->claims()) {
    if (c.claimant() == winner) {
      EXPECT_EQ(c.by(), HouseholdName(winner)) << "the caller's principal";
    }
  }
  const std::unique_ptr<LedgerClient> winner_app = As(HouseholdToken(winner));

  // The winner's resend is answered; a second claim id of theirs is a double claim.
  EXPECT_TRUE(
      winner_app->ClaimTask(kVillage, 1, Id(8000 + winner), v1::CLAIMANT_KIND_HOUSEHOLD, winner)
          .ok());
  EXPECT_EQ(
      winner_app->ClaimTask(kVillage, 1, Id(9000 + winner), v1::CLAIMANT_KIND_HOUSEHOLD, winner)
          .status()
          .code(),
      absl::StatusCode::kAlreadyExists);

  const uint64_t before = Balance(winner);
  v1::CompleteTaskRequest complete;
  complete.set_village(kVillage);
  complete.set_task(1);
  complete.set_claimant_kind(v1::CLAIMANT_KIND_HOUSEHOLD);
  complete.set_claimant(winner);
  complete.add_evidence("photo:village-gate");
  auto completed = winner_app->CompleteTask(complete);
  ASSERT_TRUE(completed.ok()) << completed.status();
  EXPECT_EQ(completed->completed_by(), HouseholdName(winner));
  v1::VerifyTaskRequest verify;
  verify.set_village(kVillage);
  verify.set_task(1);
  verify.set_claimant_kind(v1::CLAIMANT_KIND_HOUSEHOLD);
  verify.set_claimant(winner);
  auto verified = committee_->VerifyTask(verify);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->state(), v1::CLAIM_STATE_VERIFIED);
  EXPECT_EQ(verified->verified_by(), kCommittee);
  const Id award = LedgerClient::AwardOf(*verified);
  ASSERT_NE(award, 0u);
  // The award goes on notice and the server posts it when the window ends.
  for (int i = 0; i < 300 && Balance(winner) == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Balance(winner), before + 15);
  auto recorded = client_->GetAward(kVillage, award);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->request.rule.code, domain::kCodeTask);
  EXPECT_EQ(recorded->request.note, "清理村口垃圾");
  EXPECT_EQ(recorded->request.recorded_by, kCommittee) << "recorded by the verifier";

  domain::RatingRequest rating;
  rating.village = kVillage;
  rating.household = winner;
  rating.kind = domain::RatingSubject::kTask;
  rating.subject = 1;
  rating.stars = 5;
  EXPECT_TRUE(winner_app->Rate(rating).ok());
  rating.stars = 3;
  EXPECT_EQ(winner_app->Rate(rating).status().code(), absl::StatusCode::kAlreadyExists);
  rating.household = 9;  // each household rates through its own app
  EXPECT_EQ(As(HouseholdToken(9))->Rate(rating).status().code(), absl::StatusCode::kNotFound)
      << "a household that never claimed the task";
  rating.household = loser;
  const absl::StatusCode loser_code = As(HouseholdToken(loser))->Rate(rating).status().code();
  EXPECT_TRUE(loser_code == absl::StatusCode::kNotFound ||
              loser_code == absl::StatusCode::kFailedPrecondition)
      << "a household whose claim found no slot (stored as refused, or turned away before it "
         "reached the ledger): "
      << absl::StatusCodeToString(loser_code);
}

TEST_F(TasksTest, TheServerClosesATaskAtItsDeadlineAndItsUnclaimedSlotsLapse) {
  // Five seconds: time to post and claim on a loaded machine, short enough for a test.
  auto posted = committee_->PostTask(TaskOf(3, 5, 3, NowNs() + 5'000'000'000ull));
  ASSERT_TRUE(posted.ok()) << posted.status();
  // The committee claims for the shop (a household's app may claim only for itself).
  ASSERT_TRUE(committee_->ClaimTask(kVillage, 3, Id(8101), v1::CLAIMANT_KIND_SHOP, 1).ok());
  absl::StatusOr<v1::GetTaskResponse> task;
  for (int i = 0; i < 300; ++i) {
    task = client_->GetTask(kVillage, 3);
    if (task.ok() && task->task().state() == v1::TASK_STATE_CLOSED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task().state(), v1::TASK_STATE_CLOSED);
  EXPECT_EQ(task->task().lapsed_slots(), 2u);
  EXPECT_EQ(task->task().slots_left(), 0u);
  ASSERT_EQ(task->claims_size(), 1);
  EXPECT_EQ(task->claims(0).state(), v1::CLAIM_STATE_LAPSED) << "never completed";
  EXPECT_EQ(As(HouseholdToken(1))
                ->ClaimTask(kVillage, 3, Id(8102), v1::CLAIMANT_KIND_HOUSEHOLD, 1)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition)
      << "after the deadline";
}

}  // namespace
}  // namespace points::server

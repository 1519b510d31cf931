// The community's money and voice end to end, through the real pointsd --demo and the client
// library, each call as the principal a village would use (server/AUTHZ.md): the demo's
// donation, project and rating; one vote per household by its app or its proxy, none after the
// window; spending without approval or above the fund refused by the workflow and the fund's
// floor; a payout above the threshold approved by a second person; a rating once per household
// within its window and none from another village; and crash safety: pointsd killed by a fault
// point (POINTS_FAULT_POINT) between a step's intent and its ledger transfer, or between the
// transfer and its outcome, then restarted: the step is finished by the restart or by the
// resend, and the money moves once.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "server/domain/values/ids.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"
#include "tests/testing/server_testing.h"

namespace points::server {
namespace {

using client::LedgerClient;
using testing::TempDir;

constexpr uint32_t kVillage = 1;  // the demo village (server/main/demo_village.cc)
constexpr uint64_t kDemoDonationFen = 200'000;
constexpr uint64_t kDemoProjectFen = 30'000;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

uint64_t NowNs() { return static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())); }
uint32_t ThisMonth() {
  const absl::CivilMonth m = absl::ToCivilMonth(absl::Now(), absl::FixedTimeZone(8 * 3600));
  return static_cast<uint32_t>(m.year() * 100 + m.month());
}

using testing::IdBytes;

class CommunityTest : public ::testing::Test {
 protected:
  // The demo's project (300 yuan) is on notice for a second, then paid by the server's timer:
  // a test that counts the fund's money out waits for it (WaitForState(1, ...COMPLETED)).
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Start()); }

  // Starts pointsd on the test's data directory; with `fault`, armed to kill itself there; with
  // `log`, logging JSON lines to that file; payouts on notice for `notice_seconds`.
  void Start(const std::string& fault = "", const std::string& log = "", int notice_seconds = 1) {
    clients_.clear();
    pointsd_.reset();
    if (!fault.empty()) setenv("POINTS_FAULT_POINT", fault.c_str(), 1);
    std::vector<std::string> flags = {"--demo", "--notice-seconds", std::to_string(notice_seconds),
                                      "--review-threshold", "100"};
    if (!log.empty()) flags.insert(flags.end(), {"--log-format", "json"});
    pointsd_ = std::make_unique<testing::Pointsd>(dir_.path(), 0, flags, log);
    unsetenv("POINTS_FAULT_POINT");
    ASSERT_GT(pointsd_->port(), 0) << "pointsd did not start";
  }

  // A client calling as the demo principal `name` (DATA_DIR/demo-tokens/NAME), or as `token`.
  LedgerClient& As(const std::string& name) {
    auto& slot = clients_[name];
    if (slot == nullptr) {
      std::ifstream file(dir_.path() + "/demo-tokens/" + name);
      std::string token;
      std::getline(file, token);
      if (token.empty()) token = name;  // a token made by the test
      client::ClientOptions options;
      options.token = token;
      options.retry.max_attempts = 1;  // a dead server is what some tests want to see
      slot = std::make_unique<LedgerClient>(pointsd_->target(), options);
    }
    return *slot;
  }
  LedgerClient& Committee() { return As("committee-li"); }

  absl::StatusOr<v1::Proposal> Get(uint32_t number) {
    v1::GetProposalRequest r;
    r.set_village(kVillage);
    r.set_proposal(number);
    absl::StatusOr<v1::GetProposalResponse> got = As("auditor").GetProposal(r);
    if (!got.ok()) return got.status();
    return got->proposal();
  }

  void WaitForState(uint32_t number, v1::ProposalState state) {
    absl::StatusOr<v1::Proposal> p;
    for (int i = 0; i < 300; ++i) {
      p = Get(number);
      if (p.ok() && p->state() == state) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "proposal " << number << " never reached state " << state << ": "
           << (p.ok() ? absl::StrCat("it is ", p->state()) : p.status().ToString());
  }

  v1::GetFundStatementResponse Fund() {
    v1::GetFundStatementRequest r;
    r.set_village(kVillage);
    r.set_month(ThisMonth());
    absl::StatusOr<v1::GetFundStatementResponse> st = As("household-1").GetFundStatement(r);
    EXPECT_TRUE(st.ok()) << st.status();
    return st.ok() ? *st : v1::GetFundStatementResponse();
  }

  // Household 1 proposes (as itself), the committee accepts it with a vote of `window_ms`.
  uint32_t Deliberate(Id id, uint64_t cost_fen, int window_ms) {
    v1::ProposeRequest propose;
    v1::Proposal* p = propose.mutable_proposal();
    p->set_proposal_id(IdBytes(id));
    p->set_village(kVillage);
    p->set_household(1);
    p->set_title("垃圾分类亭 (a sorting kiosk)");
    p->set_cost_fen(cost_fen);
    absl::StatusOr<v1::ProposeResponse> proposed = As("household-1").Propose(propose);
    EXPECT_TRUE(proposed.ok()) << proposed.status();
    if (!proposed.ok()) return 0;
    EXPECT_EQ(proposed->proposal().proposed_by(), "household-1");
    v1::ReviewProposalRequest review;
    review.set_village(kVillage);
    review.set_proposal(proposed->proposal().number());
    review.set_accept(true);
    review.set_vote_ends_at(NowNs() + uint64_t(window_ms) * 1'000'000);
    absl::StatusOr<v1::ReviewProposalResponse> accepted = Committee().ReviewProposal(review);
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    return proposed->proposal().number();
  }

  absl::StatusOr<v1::CastVoteResponse> Vote(const std::string& as, uint32_t number,
                                            uint64_t household, v1::VoteChoice choice,
                                            const std::string& proxy = "") {
    v1::CastVoteRequest r;
    r.set_village(kVillage);
    r.set_proposal(number);
    r.set_household(household);
    r.set_choice(choice);
    r.set_proxy_name(proxy);
    return As(as).CastVote(r);
  }

  absl::StatusOr<v1::DecideProposalResponse> Decide(uint32_t number, v1::Decision decision,
                                                    const std::string& reason = "") {
    v1::DecideProposalRequest r;
    r.set_village(kVillage);
    r.set_proposal(number);
    r.set_decision(decision);
    r.set_reason(reason);
    return Committee().DecideProposal(r);
  }

  // A proposal of `cost_fen` through a vote of 600 ms (household 1 for), approved.
  absl::StatusOr<v1::DecideProposalResponse> ApprovedProject(Id id, uint64_t cost_fen) {
    const uint32_t n = Deliberate(id, cost_fen, 600);
    EXPECT_TRUE(Vote("household-1", n, 1, v1::VOTE_CHOICE_FOR).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    return Decide(n, v1::DECISION_APPROVE);
  }

  absl::StatusOr<v1::DonateResponse> Donate(Id id, uint64_t fen) {
    v1::DonateRequest r;
    v1::Donation* d = r.mutable_donation();
    d->set_donation_id(IdBytes(id));
    d->set_village(kVillage);
    d->set_donor_kind(v1::DONOR_KIND_PERSON);
    d->set_donor_name("张小明");
    d->set_shown(v1::DONOR_SHOWN_MASKED);
    d->set_fen(fen);
    return Committee().Donate(r);
  }

  // Waits until pointsd has killed itself at its fault point; reaps it.
  void WaitForDeath() {
    bool died = false;
    for (int i = 0; i < 100 && !died; ++i) {
      absl::StatusOr<client::HealthStatus> health = As("auditor").Health("");
      died = !health.ok() && health.status().code() == absl::StatusCode::kUnavailable;
      if (!died) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(died) << "pointsd did not stop at its fault point";
    const int status = pointsd_->Stop(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  }

  TempDir dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::map<std::string, std::unique_ptr<LedgerClient>> clients_;
};

TEST_F(CommunityTest, TheDemoHasADonationAProposalInDeliberationAndAFinishedProjectRated) {
  ASSERT_NO_FATAL_FAILURE(WaitForState(1, v1::PROPOSAL_STATE_COMPLETED));
  const v1::GetFundStatementResponse fund = Fund();
  ASSERT_GE(fund.lines_size(), 3);
  EXPECT_TRUE(absl::StrContains(fund.lines(0).what(), "receipt 1")) << fund.lines(0).what();
  EXPECT_EQ(fund.balance(), kDemoDonationFen - kDemoProjectFen);
  EXPECT_EQ(fund.reserved(), 0u);
  EXPECT_TRUE(fund.floored());
  absl::StatusOr<v1::Proposal> deliberating = Get(2);
  ASSERT_TRUE(deliberating.ok()) << deliberating.status();
  EXPECT_EQ(deliberating->state(), v1::PROPOSAL_STATE_IN_DELIBERATION);
  EXPECT_FALSE(deliberating->vote_closed());
  EXPECT_EQ(deliberating->votes_for(), 0u) << "counts are secret while the vote is open";
  v1::GetRatingRoundRequest round;
  round.set_village(kVillage);
  round.set_round(1);
  absl::StatusOr<v1::GetRatingRoundResponse> rated = As("household-2").GetRatingRound(round);
  ASSERT_TRUE(rated.ok()) << rated.status();
  EXPECT_EQ(rated->round().ratings(), 3u);
  EXPECT_EQ(rated->round().average_milli(), 4667u);
  EXPECT_EQ(rated->ratings_size(), 0) << "comments are the committee's";
  rated = Committee().GetRatingRound(round);
  ASSERT_TRUE(rated.ok()) << rated.status();
  EXPECT_EQ(rated->ratings_size(), 3);
  // The board and the report carry the fund's month: in and, now, out.
  v1::GetBoardRequest board;
  board.set_village(kVillage);
  absl::StatusOr<v1::GetBoardResponse> b = As("household-3").GetBoard(board);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->fund_in(), kDemoDonationFen);
  EXPECT_EQ(b->fund_out(), kDemoProjectFen);
  ASSERT_GE(b->rated_size(), 1);
  EXPECT_EQ(b->rated(0).round(), 1u);
  v1::GetReportRequest report;
  report.set_village(kVillage);
  report.set_month(ThisMonth());
  absl::StatusOr<v1::GetReportResponse> r = Committee().GetReport(report);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->fund_out(), kDemoProjectFen);
  EXPECT_EQ(r->fund_out_projects(), kDemoProjectFen);
  EXPECT_EQ(r->fund_in_donations(), kDemoDonationFen);
}

TEST_F(CommunityTest, OneVotePerHouseholdByItsAppOrItsProxyAndNoneAfterTheWindow) {
  const uint32_t n = Deliberate(0xc0301, 0, 2000);
  ASSERT_EQ(n, 3u);
  ASSERT_TRUE(Vote("household-1", n, 1, v1::VOTE_CHOICE_FOR).ok());
  EXPECT_TRUE(Vote("household-1", n, 1, v1::VOTE_CHOICE_FOR).ok()) << "a resend is answered";
  EXPECT_EQ(Vote("household-1", n, 1, v1::VOTE_CHOICE_AGAINST).status().code(),
            absl::StatusCode::kAlreadyExists)
      << "a double vote";
  EXPECT_EQ(Vote("household-1", n, 2, v1::VOTE_CHOICE_FOR).status().code(),
            absl::StatusCode::kPermissionDenied)
      << "a household's app votes for itself only";
  // Household 3's proxy votes through grid 2's worker; again through the committee: once.
  EXPECT_EQ(Vote("grid-wang", n, 3, v1::VOTE_CHOICE_AGAINST, "王村医").status().code(),
            absl::StatusCode::kPermissionDenied)
      << "household 3 is not of grid 1";
  EXPECT_EQ(Vote("grid-zhao", n, 3, v1::VOTE_CHOICE_AGAINST).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a grid worker records only a proxy's vote";
  EXPECT_EQ(Vote("household-3", n, 3, v1::VOTE_CHOICE_AGAINST, "王村医").status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a household's app votes as the household";
  absl::StatusOr<v1::CastVoteResponse> proxy =
      Vote("grid-zhao", n, 3, v1::VOTE_CHOICE_AGAINST, "王村医");
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  EXPECT_EQ(proxy->by(), "grid-zhao");
  EXPECT_TRUE(Vote("committee-li", n, 3, v1::VOTE_CHOICE_AGAINST, "王村医").ok())
      << "the proxy's resend is answered";
  EXPECT_EQ(Vote("grid-zhao", n, 3, v1::VOTE_CHOICE_FOR, "王村医").status().code(),
            absl::StatusCode::kAlreadyExists)
      << "the proxy voting twice for one household";
  EXPECT_EQ(Vote("household-3", n, 3, v1::VOTE_CHOICE_FOR).status().code(),
            absl::StatusCode::kAlreadyExists)
      << "the household's own app after its proxy";
  absl::StatusOr<v1::Proposal> p = Get(n);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->votes(), 2u);
  EXPECT_EQ(Decide(n, v1::DECISION_APPROVE).status().code(), absl::StatusCode::kFailedPrecondition)
      << "the vote is still open";
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(Vote("household-2", n, 2, v1::VOTE_CHOICE_FOR).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "a vote after the window";
  p = Get(n);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->vote_closed());
  EXPECT_EQ(p->votes_for(), 1u);
  EXPECT_EQ(p->votes_against(), 1u);
  EXPECT_EQ(p->vote_result(), v1::DECISION_REJECT);
  EXPECT_EQ(Decide(n, v1::DECISION_APPROVE).status().code(), absl::StatusCode::kInvalidArgument)
      << "approving against the vote needs a reason";
  absl::StatusOr<v1::DecideProposalResponse> decided =
      Decide(n, v1::DECISION_APPROVE, "村民代表会议复议通过 (passed on review)");
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->proposal().state(), v1::PROPOSAL_STATE_APPROVED);
  // The approved project posts its work on the task board; a proposal in deliberation may not.
  v1::Task task;
  task.set_village(kVillage);
  task.set_task(31);
  task.set_title("搭建分类亭 (build the kiosk)");
  task.set_rule(5);  // the demo's task rule
  task.set_slots(2);
  task.set_deadline(NowNs() + 3600'000'000'000);
  task.set_project(n);
  absl::StatusOr<v1::Task> posted = Committee().PostTask(task);
  ASSERT_TRUE(posted.ok()) << posted.status();
  EXPECT_EQ(posted->project(), n);
  task.set_task(32);
  task.set_project(2);
  EXPECT_EQ(Committee().PostTask(task).status().code(), absl::StatusCode::kFailedPrecondition)
      << "proposal 2 is in deliberation";
}

TEST_F(CommunityTest, SpendingWithoutApprovalOrAboveTheFundIsRefused) {
  ASSERT_NO_FATAL_FAILURE(WaitForState(1, v1::PROPOSAL_STATE_COMPLETED));  // reserved no more
  const uint64_t available = Fund().available();
  ASSERT_EQ(available, kDemoDonationFen - kDemoProjectFen);
  const uint32_t n = Deliberate(0xc0302, available + 1, 600);
  v1::CompleteProjectRequest complete;
  complete.set_village(kVillage);
  complete.set_proposal(n);
  EXPECT_EQ(Committee().CompleteProject(complete).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "no payout for a project that is not approved";
  ASSERT_TRUE(Vote("household-1", n, 1, v1::VOTE_CHOICE_FOR).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  absl::StatusOr<v1::DecideProposalResponse> refused = Decide(n, v1::DECISION_APPROVE);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "cannot cover")) << refused.status();
  EXPECT_EQ(Fund().available(), available) << "nothing was reserved";
  EXPECT_EQ(Get(n)->state(), v1::PROPOSAL_STATE_IN_DELIBERATION) << "nothing was decided";
  // A project above the payout threshold (1000 yuan): a second person approves its payout.
  absl::StatusOr<v1::DecideProposalResponse> approved = ApprovedProject(0xc0303, 120'000);
  ASSERT_TRUE(approved.ok()) << approved.status();
  const uint32_t m = approved->proposal().number();
  EXPECT_EQ(Fund().reserved(), 120'000u);
  complete.set_proposal(m);
  absl::StatusOr<v1::CompleteProjectResponse> done = Committee().CompleteProject(complete);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->proposal().state(), v1::PROPOSAL_STATE_PAYOUT_REVIEW);
  v1::ApprovePayoutRequest second;
  second.set_village(kVillage);
  second.set_proposal(m);
  EXPECT_EQ(Committee().ApprovePayout(second).status().code(), absl::StatusCode::kPermissionDenied)
      << "not the one who reported it done";
  EXPECT_EQ(As("household-1").ApprovePayout(second).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(As("committee-zhang").ApprovePayout(second).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForState(m, v1::PROPOSAL_STATE_COMPLETED));
  EXPECT_EQ(Fund().balance(), available - 120'000);
  EXPECT_EQ(Fund().reserved(), 0u);
}

// Payouts stay on notice through the test.
class CommunityLongNoticeTest : public CommunityTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Start("", "", 60)); }
};

TEST_F(CommunityLongNoticeTest,
       AnObjectionHoldsAPayoutAndOnlyTheCommitteeTheAuditorAndTheObjectorSeeIt) {
  const uint64_t reserved = Fund().reserved();  // the demo's project's, on notice too
  absl::StatusOr<v1::DecideProposalResponse> approved = ApprovedProject(0xc0305, 150'000);
  ASSERT_TRUE(approved.ok()) << approved.status();
  const uint32_t n = approved->proposal().number();
  v1::CompleteProjectRequest complete;
  complete.set_village(kVillage);
  complete.set_proposal(n);
  ASSERT_TRUE(Committee().CompleteProject(complete).ok());
  v1::ApprovePayoutRequest second;
  second.set_village(kVillage);
  second.set_proposal(n);
  ASSERT_TRUE(As("committee-zhang").ApprovePayout(second).ok());
  v1::ObjectToPayoutRequest object;
  object.set_village(kVillage);
  object.set_proposal(n);
  object.set_household(2);
  object.set_reason("报价偏高 (the quote is high)");
  EXPECT_EQ(As("household-1").ObjectToPayout(object).status().code(),
            absl::StatusCode::kPermissionDenied)
      << "a household objects as itself only";
  absl::StatusOr<v1::ObjectToPayoutResponse> held = As("household-2").ObjectToPayout(object);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->proposal().state(), v1::PROPOSAL_STATE_PAYOUT_HELD);
  EXPECT_EQ(held->proposal().objected_by(), "household-2") << "the objector sees its own";
  v1::GetProposalRequest get;
  get.set_village(kVillage);
  get.set_proposal(n);
  for (const char* who : {"committee-li", "auditor", "household-2"}) {
    absl::StatusOr<v1::GetProposalResponse> seen = As(who).GetProposal(get);
    ASSERT_TRUE(seen.ok()) << who << ": " << seen.status();
    EXPECT_EQ(seen->proposal().objection(), "报价偏高 (the quote is high)") << who;
  }
  for (const char* who : {"household-1", "household-3", "grid-wang"}) {
    absl::StatusOr<v1::GetProposalResponse> seen = As(who).GetProposal(get);
    ASSERT_TRUE(seen.ok()) << who << ": " << seen.status();
    EXPECT_EQ(seen->proposal().state(), v1::PROPOSAL_STATE_PAYOUT_HELD) << who;
    EXPECT_EQ(seen->proposal().objected_by(), "") << who;
    EXPECT_EQ(seen->proposal().objection(), "") << who;
  }
  v1::ListProposalsRequest list;
  list.set_village(kVillage);
  absl::StatusOr<v1::ListProposalsResponse> listed = As("household-1").ListProposals(list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  for (const v1::Proposal& p : listed->proposals()) EXPECT_EQ(p.objection(), "") << p.number();
  // The committee keeps it: back on notice, its cost still reserved.
  v1::DecidePayoutRequest decide;
  decide.set_village(kVillage);
  decide.set_proposal(n);
  decide.set_keep(true);
  absl::StatusOr<v1::DecidePayoutResponse> kept = Committee().DecidePayout(decide);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->proposal().state(), v1::PROPOSAL_STATE_PAYOUT_ON_NOTICE);
  EXPECT_EQ(Fund().reserved(), reserved + 150'000u);
}

TEST_F(CommunityTest, RatingsOutsideTheWindowOrFromAnotherVillageAreRefused) {
  v1::OpenRatingRoundRequest open;
  v1::RatingRound* r = open.mutable_round();
  r->set_village(kVillage);
  r->set_round(2);
  r->set_subject(v1::ROUND_SUBJECT_SERVICE);
  r->set_title("老李小卖部送货上门 (deliveries to elders)");
  r->set_party_kind(v1::PARTY_KIND_SHOP);
  r->set_party(2);
  r->set_closes_at(NowNs() + 1'200'000'000);
  absl::StatusOr<v1::OpenRatingRoundResponse> opened = Committee().OpenRatingRound(open);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->round().code(), "PR1:1:2");
  v1::RateRoundRequest rate;
  rate.set_village(kVillage);
  rate.set_round(2);
  rate.set_household(1);
  rate.set_stars(2);
  rate.set_comment("送晚了 (late)");
  ASSERT_TRUE(As("household-1").RateRound(rate).ok());
  rate.set_stars(3);
  EXPECT_EQ(As("household-1").RateRound(rate).status().code(), absl::StatusCode::kAlreadyExists);
  // A household of another village, with its own valid token.
  const std::string other =
      testing::HouseholdToken(pointsd_->target(), pointsd_->admin_token(), 2, 1);
  rate.set_household(1);
  EXPECT_EQ(As(other).RateRound(rate).status().code(), absl::StatusCode::kPermissionDenied);
  rate.set_village(2);
  EXPECT_EQ(As(other).RateRound(rate).status().code(), absl::StatusCode::kNotFound)
      << "village 2 has no such round";
  // The low rating is on the committee's work list.
  v1::ListFollowUpsRequest work;
  work.set_village(kVillage);
  absl::StatusOr<v1::ListFollowUpsResponse> list = Committee().ListFollowUps(work);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->follow_ups_size(), 1);
  EXPECT_EQ(list->follow_ups(0).low_ratings(0).comment(), "送晚了 (late)");
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  rate.set_village(kVillage);
  rate.set_household(2);
  EXPECT_EQ(As("household-2").RateRound(rate).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "the round has closed";
}

TEST_F(CommunityTest, ADonationResentAfterALostAnswerGetsTheSameReceiptAndMovesOnce) {
  ASSERT_NO_FATAL_FAILURE(WaitForState(1, v1::PROPOSAL_STATE_COMPLETED));
  const uint64_t before = Fund().balance();
  // Killed after the transfer committed, before its outcome was saved: the answer is lost.
  ASSERT_NO_FATAL_FAILURE(Start("fund.donate.after_transfer"));
  EXPECT_EQ(Donate(0xd0301, 12'345).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_NO_FATAL_FAILURE(WaitForDeath());
  ASSERT_NO_FATAL_FAILURE(Start());
  absl::StatusOr<v1::DonateResponse> resent = Donate(0xd0301, 12'345);
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(resent->donation().receipt(), 2u);
  EXPECT_EQ(resent->donation().state(), v1::DONATION_STATE_RECORDED);
  EXPECT_EQ(resent->donation().donor_shown_as(), "张*明");
  EXPECT_EQ(Fund().balance(), before + 12'345) << "once";
  EXPECT_EQ(Donate(0xd0301, 12'345)->donation().receipt(), 2u);
  // Killed between saving the donation and sending its transfer: the restart sends it.
  ASSERT_NO_FATAL_FAILURE(Start("fund.donate.after_intent"));
  EXPECT_EQ(Donate(0xd0302, 100).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_NO_FATAL_FAILURE(WaitForDeath());
  const testing::Verified verified = testing::VerifyDataDir(dir_.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_TRUE(absl::StrContains(verified.output, "fund: 1 interrupted")) << verified.output;
  const std::string log = dir_.path() + "/restart.log";
  ASSERT_NO_FATAL_FAILURE(Start("", log));
  EXPECT_EQ(Fund().balance(), before + 12'345 + 100) << "resumed at the start, before any resend";
  EXPECT_TRUE(absl::StrContains(ReadFile(log), "\"fund\":1")) << ReadFile(log);
  resent = Donate(0xd0302, 100);
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(resent->donation().receipt(), 3u);
  EXPECT_EQ(Fund().balance(), before + 12'345 + 100);
  EXPECT_EQ(Donate(0xd0302, 200).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(CommunityTest, ACrashBetweenApprovalAndReservationOrAtPaymentIsRepaired) {
  ASSERT_NO_FATAL_FAILURE(WaitForState(1, v1::PROPOSAL_STATE_COMPLETED));
  const uint64_t before = Fund().balance();
  ASSERT_NO_FATAL_FAILURE(Start("proposal.reserve.after_intent"));
  const uint32_t n = Deliberate(0xc0304, 40'000, 600);
  ASSERT_TRUE(Vote("household-1", n, 1, v1::VOTE_CHOICE_FOR).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(Decide(n, v1::DECISION_APPROVE).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_NO_FATAL_FAILURE(WaitForDeath());
  const testing::Verified verified = testing::VerifyDataDir(dir_.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_TRUE(absl::StrContains(verified.output, "proposals: 1 interrupted")) << verified.output;
  const std::string log = dir_.path() + "/restart.log";
  ASSERT_NO_FATAL_FAILURE(Start("", log));
  EXPECT_EQ(Get(n)->state(), v1::PROPOSAL_STATE_APPROVED) << "the restart reserved it";
  EXPECT_TRUE(absl::StrContains(ReadFile(log), "\"proposals\":1")) << ReadFile(log);
  EXPECT_EQ(Fund().reserved(), 40'000u);
  absl::StatusOr<v1::DecideProposalResponse> resent = Decide(n, v1::DECISION_APPROVE);
  ASSERT_TRUE(resent.ok()) << resent.status();
  EXPECT_EQ(Fund().reserved(), 40'000u) << "reserved once";
  // Killed by the timer as it pays the project: the restart pays it, once.
  ASSERT_NO_FATAL_FAILURE(Start("proposal.pay.after_intent"));
  v1::CompleteProjectRequest complete;
  complete.set_village(kVillage);
  complete.set_proposal(n);
  ASSERT_TRUE(Committee().CompleteProject(complete).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForDeath());
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(WaitForState(n, v1::PROPOSAL_STATE_COMPLETED));
  const v1::GetFundStatementResponse fund = Fund();
  EXPECT_EQ(fund.balance(), before - 40'000);
  EXPECT_EQ(fund.reserved(), 0u);
  int payments = 0;
  for (const v1::FundLine& l : fund.lines()) {
    payments += l.detail() == n && l.state() == v1::MOVEMENT_STATE_POSTED;
  }
  EXPECT_EQ(payments, 1);
}

}  // namespace
}  // namespace points::server

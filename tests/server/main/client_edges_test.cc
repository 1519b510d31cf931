// What a client developer trips on (issue 13, item 5), held against the real pointsd with the
// demo village and its principals (server/main/demo_village.cc): an unknown enum number is named,
// before any scope is looked at; a number outside its documented range is INVALID_ARGUMENT
// naming the range, never NOT_FOUND or PERMISSION_DENIED; who objected to an award, and why, is
// shown only to the committee, the auditor and the objector; an award's rule comes back whole;
// requests carry no field naming who acts; a shopkeeper asking for an unknown basket is
// answered, not logged or counted as denied; `pointsd verify` draws no carriage returns when
// its stdout is not a terminal.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "points/v1/admin.grpc.pb.h"
#include "points/v1/awards.grpc.pb.h"
#include "points/v1/board.grpc.pb.h"
#include "points/v1/community.grpc.pb.h"
#include "points/v1/ledger.grpc.pb.h"
#include "points/v1/shops.grpc.pb.h"
#include "points/v1/tasks.grpc.pb.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"
#include "tests/testing/server_testing.h"
#include "tests/testing/tls_testing.h"

namespace points::server {
namespace {

using grpc::StatusCode;

// The demo village (server/main/demo_village.cc): village 1; households 1 and 2 of grid 1; shop 1;
// rule 1 the yard hygiene check (10 points, under the review threshold of 20 that scripts/demo
// sets too, so an award by it goes on notice at once); award 9001 of household 2, recorded by
// grid-wang.
using testing::IdBytes;

constexpr uint32_t kVillage = 1;
constexpr uint64_t kDemoAward = 9001;

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), " ", status.error_message());
}

class ClientEdgesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pointsd_ = std::make_unique<testing::Pointsd>(
        data_dir(), 0,
        std::vector<std::string>{"--demo", "--review-threshold", "20", "--metrics-listen",
                                 "127.0.0.1:0", "--log-format", "json"},
        log_path());
    ASSERT_GT(pointsd_->port(), 0) << testing::ReadFile(log_path());
    auto channel = grpc::CreateChannel(pointsd_->target(), grpc::InsecureChannelCredentials());
    villages_ = v1::VillageService::NewStub(channel);
    awards_ = v1::AwardService::NewStub(channel);
    board_ = v1::BoardService::NewStub(channel);
    shops_ = v1::ShopService::NewStub(channel);
    tasks_ = v1::TaskService::NewStub(channel);
    admin_ = v1::AdminService::NewStub(channel);
  }

  std::string data_dir() const { return dir_.path() + "/data"; }
  std::string log_path() const { return dir_.path() + "/pointsd.log"; }

  // The token of a demo principal (DATA_DIR/demo-tokens/NAME), or the first admin's.
  std::string Token(const std::string& name) const {
    if (name == "admin") return pointsd_->admin_token();
    std::string token = testing::ReadFile(data_dir() + "/demo-tokens/" + name);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return token;
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& name) const {
    return testing::ContextWith(Token(name), 10);
  }

  grpc::Status GetAward(const std::string& as, Id id, v1::Award* out) {
    v1::GetAwardRequest r;
    r.set_village(kVillage);
    r.set_award_id(IdBytes(id));
    v1::GetAwardResponse response;
    const grpc::Status s = awards_->GetAward(As(as).get(), r, &response);
    *out = response.award();
    return s;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::unique_ptr<v1::VillageService::Stub> villages_;
  std::unique_ptr<v1::AwardService::Stub> awards_;
  std::unique_ptr<v1::BoardService::Stub> board_;
  std::unique_ptr<v1::ShopService::Stub> shops_;
  std::unique_ptr<v1::TaskService::Stub> tasks_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

void ExpectInvalid(const grpc::Status& s, const std::string& field, const std::string& detail) {
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT) << Describe(s);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), field + ": ")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), detail)) << s.error_message();
}

TEST_F(ClientEdgesTest, AnUnknownEnumNumberIsNamedBeforeAnyScopeIsLookedAt) {
  {
    v1::ListAwardsRequest r;
    r.set_village(kVillage);
    r.set_state(static_cast<v1::AwardState>(99));
    v1::ListAwardsResponse out;
    const grpc::Status s = awards_->ListAwards(As("committee-li").get(), r, &out);
    ExpectInvalid(s, "state", "got 99");
    EXPECT_TRUE(absl::StrContains(s.error_message(), "AWARD_STATE_REFUSED (7)")) << Describe(s);
    r.set_state(v1::AWARD_STATE_UNSPECIFIED);
    ExpectInvalid(awards_->ListAwards(As("committee-li").get(), r, &out), "state",
                  "got 0 (AWARD_STATE_UNSPECIFIED)");
  }
  {
    // A household's app claiming with an unknown kind: told what is wrong with the request, not
    // that it may not act for a shop or organisation.
    v1::ClaimTaskRequest r;
    r.set_village(kVillage);
    r.set_task(1);
    r.set_claim_id(IdBytes(absl::MakeUint128(0xed9e, 1)));
    r.set_claimant_kind(static_cast<v1::ClaimantKind>(99));
    r.set_claimant(1);
    v1::ClaimTaskResponse out;
    const grpc::Status s = tasks_->ClaimTask(As("household-1").get(), r, &out);
    ExpectInvalid(s, "claimant_kind", "got 99");
    EXPECT_TRUE(absl::StrContains(s.error_message(), "CLAIMANT_KIND_HOUSEHOLD (1)")) << Describe(s);
  }
  {
    v1::RateRequest r;
    r.set_village(kVillage);
    r.set_household(1);
    r.set_subject(static_cast<v1::RatingSubject>(42));
    r.set_stars(5);
    v1::RateResponse out;
    ExpectInvalid(board_->Rate(As("household-1").get(), r, &out), "subject", "got 42");
  }
  {
    v1::CreatePrincipalRequest r;
    r.mutable_principal()->set_name("someone");
    r.mutable_principal()->set_role(static_cast<v1::Role>(7));
    v1::CreatePrincipalResponse out;
    ExpectInvalid(admin_->CreatePrincipal(As("admin").get(), r, &out), "principal.role", "got 7");
  }
}

TEST_F(ClientEdgesTest, ANumberOutsideItsRangeIsInvalidArgumentNamingTheRange) {
  // The case, as the county admin (whose scope covers any village: NOT_FOUND before)
  // and as the village's committee (PERMISSION_DENIED before): the same answer for both.
  for (const std::string as : {"admin", "committee-li", "auditor"}) {
    SCOPED_TRACE(as);
    v1::GetHouseholdRequest r;
    r.set_village(4'000'000);
    r.set_household(1);
    v1::GetHouseholdResponse out;
    ExpectInvalid(villages_->GetHousehold(As(as).get(), r, &out), "village",
                  "must be 1..1048576, got 4000000");
  }
  // Every kind of number that names something, each as a caller whose scope would otherwise
  // let the call through to the books.
  const std::string committee = "committee-li";
  auto check = [&](const std::string& field, const std::string& detail,
                   std::function<grpc::Status()> call) {
    const grpc::Status s = call();
    SCOPED_TRACE(field);
    ExpectInvalid(s, field, detail);
  };
  check("household", "must not be 0", [&] {
    v1::GetHouseholdRequest r;
    r.set_village(kVillage);
    v1::GetHouseholdResponse out;
    return villages_->GetHousehold(As(committee).get(), r, &out);
  });
  check("rule", "must be 0..9999, got 10000", [&] {
    v1::ListRulesRequest r;
    r.set_village(kVillage);
    r.set_rule(10'000);
    v1::ListRulesResponse out;
    return awards_->ListRules(As(committee).get(), r, &out);
  });
  check("task", "must be 1..999999, got 1000000", [&] {
    v1::GetTaskRequest r;
    r.set_village(kVillage);
    r.set_task(1'000'000);
    v1::GetTaskResponse out;
    return tasks_->GetTask(As(committee).get(), r, &out);
  });
  check("shop", "must not be 0", [&] {
    v1::ListItemsRequest r;
    r.set_village(kVillage);
    v1::ListItemsResponse out;
    return shops_->ListItems(As(committee).get(), r, &out);
  });
  check("grid.grid", "must be 1..9999, got 10000", [&] {
    v1::PutGridRequest r;
    r.mutable_grid()->set_village(kVillage);
    r.mutable_grid()->set_grid(10'000);
    v1::PutGridResponse out;
    return villages_->PutGrid(As(committee).get(), r, &out);
  });
  check("town", "must be 0..1048576, got 1048577", [&] {
    v1::ListVillagesRequest r;
    r.set_town((1u << 20) + 1);
    v1::ListVillagesResponse out;
    return villages_->ListVillages(As(committee).get(), r, &out);
  });
  check("award.rule.version", "must be 0..999, got 1000", [&] {
    v1::RecordAwardRequest r;
    v1::Award* a = r.mutable_award();
    a->set_award_id(IdBytes(absl::MakeUint128(0xed9e, 2)));
    a->set_village(kVillage);
    a->set_household(1);
    a->mutable_rule()->set_rule(1);
    a->mutable_rule()->set_version(1000);
    a->set_quantity(1);
    v1::RecordAwardResponse out;
    return awards_->RecordAward(As(committee).get(), r, &out);
  });
  check("awards[1].village", "must be 1..1048576, got 0", [&] {
    v1::RecordAwardsRequest r;
    r.add_awards()->set_village(kVillage);
    r.add_awards();
    v1::RecordAwardsResponse out;
    return awards_->RecordAwards(As(committee).get(), r, &out);
  });
  check("basket.lines[1].item", "must not be 0", [&] {
    v1::RedeemBasketRequest r;
    v1::Basket* b = r.mutable_basket();
    b->set_basket_id(IdBytes(absl::MakeUint128(0xed9e, 3)));
    b->set_village(kVillage);
    b->set_shop(1);
    b->set_household(1);
    b->add_lines()->set_item(1);
    b->add_lines();
    r.mutable_consent()->set_payment_code("not checked before the basket is");
    v1::RedeemBasketResponse out;
    return shops_->RedeemBasket(As("shop-1").get(), r, &out);
  });
  check("claimant", "must not be 0", [&] {
    v1::ClaimTaskRequest r;
    r.set_village(kVillage);
    r.set_task(1);
    r.set_claim_id(IdBytes(absl::MakeUint128(0xed9e, 4)));
    r.set_claimant_kind(v1::CLAIMANT_KIND_SHOP);
    v1::ClaimTaskResponse out;
    return tasks_->ClaimTask(As(committee).get(), r, &out);
  });
  check("village", "must be 1..1048576, got 1048577", [&] {
    v1::GetBoardRequest r;
    r.set_village((1u << 20) + 1);
    v1::GetBoardResponse out;
    return board_->GetBoard(As("household-1").get(), r, &out);
  });
}

TEST_F(ClientEdgesTest, WhoObjectedIsShownOnlyToTheCommitteeTheAuditorAndTheObjector) {
  // Household 1's award, on notice at once (10 points), and household 2 objects to it.
  const Id award = absl::MakeUint128(0xed9e, 10);
  {
    v1::RecordAwardRequest r;
    v1::Award* a = r.mutable_award();
    a->set_award_id(IdBytes(award));
    a->set_village(kVillage);
    a->set_household(1);
    a->mutable_rule()->set_rule(1);
    a->set_quantity(1);
    a->set_note("庭院整洁");
    v1::RecordAwardResponse out;
    const grpc::Status s = awards_->RecordAward(As("grid-wang").get(), r, &out);
    ASSERT_TRUE(s.ok()) << Describe(s);
    ASSERT_EQ(out.award().state(), v1::AWARD_STATE_ON_NOTICE);
  }
  const std::string reason = "门前仍有杂物";
  {
    v1::ObjectToAwardRequest r;
    r.set_village(kVillage);
    r.set_award_id(IdBytes(award));
    r.set_reason(reason);
    v1::ObjectToAwardResponse out;
    const grpc::Status s = awards_->ObjectToAward(As("household-2").get(), r, &out);
    ASSERT_TRUE(s.ok()) << Describe(s);
    EXPECT_EQ(out.award().state(), v1::AWARD_STATE_HELD);
    EXPECT_EQ(out.award().objected_by(), "household-2") << "the objector sees its objection";
  }
  for (const std::string as : {"committee-li", "auditor", "household-2"}) {
    SCOPED_TRACE(as);
    v1::Award seen;
    ASSERT_TRUE(GetAward(as, award, &seen).ok());
    EXPECT_EQ(seen.objected_by(), "household-2");
    EXPECT_EQ(seen.objection(), reason);
  }
  for (const std::string as : {"household-1", "household-3", "grid-wang", "shop-1", "admin"}) {
    SCOPED_TRACE(as);
    v1::Award seen;
    const grpc::Status s = GetAward(as, award, &seen);
    ASSERT_TRUE(s.ok()) << Describe(s);
    EXPECT_EQ(seen.state(), v1::AWARD_STATE_HELD) << "that it is held is public";
    EXPECT_EQ(seen.objected_by(), "");
    EXPECT_EQ(seen.objection(), "");
    EXPECT_EQ(seen.recorded_by(), "grid-wang") << "the official who scored it stays named";
  }
  {
    v1::ListAwardsRequest r;
    r.set_village(kVillage);
    r.set_state(v1::AWARD_STATE_HELD);
    v1::ListAwardsResponse out;
    ASSERT_TRUE(awards_->ListAwards(As("household-1").get(), r, &out).ok());
    ASSERT_EQ(out.awards_size(), 1);
    EXPECT_EQ(out.awards(0).objected_by(), "");
    EXPECT_EQ(out.awards(0).objection(), "");
  }
  {
    v1::DecideAwardRequest r;
    r.set_village(kVillage);
    r.set_award_id(IdBytes(award));
    r.set_keep(true);
    v1::DecideAwardResponse out;
    ASSERT_TRUE(awards_->DecideAward(As("committee-zhang").get(), r, &out).ok());
    EXPECT_EQ(out.award().objection(), reason) << "the committee decides knowing why";
    v1::Award seen;
    ASSERT_TRUE(GetAward("household-1", award, &seen).ok());
    EXPECT_EQ(seen.decided_by(), "committee-zhang");
    EXPECT_EQ(seen.objection(), "");
  }
}

TEST_F(ClientEdgesTest, AnAwardsRuleComesBackWholeAsTheCatalogueHasIt) {
  v1::ListRulesRequest list;
  list.set_village(kVillage);
  list.set_rule(1);
  v1::ListRulesResponse rules;
  ASSERT_TRUE(awards_->ListRules(As("household-1").get(), list, &rules).ok());
  ASSERT_EQ(rules.rules_size(), 1);
  const v1::Rule& catalogue = rules.rules(0);
  ASSERT_FALSE(catalogue.name().empty());

  auto expect_whole = [&](const v1::Rule& rule) {
    EXPECT_EQ(rule.rule(), 1u);
    EXPECT_EQ(rule.version(), catalogue.version());
    EXPECT_EQ(rule.name(), catalogue.name());
    EXPECT_EQ(rule.category(), catalogue.category());
    EXPECT_EQ(rule.points_per_unit(), catalogue.points_per_unit());
    EXPECT_EQ(rule.effective_from(), catalogue.effective_from());
    EXPECT_EQ(rule.changed_by(), catalogue.changed_by());
    EXPECT_EQ(rule.changed_at(), catalogue.changed_at());
    EXPECT_FALSE(rule.changed_by().empty());
  };
  v1::Award demo;
  ASSERT_TRUE(GetAward("household-1", kDemoAward, &demo).ok());
  expect_whole(demo.rule());

  v1::RecordAwardRequest r;
  v1::Award* a = r.mutable_award();
  a->set_award_id(IdBytes(absl::MakeUint128(0xed9e, 20)));
  a->set_village(kVillage);
  a->set_household(1);
  a->mutable_rule()->set_rule(1);
  a->set_quantity(1);
  v1::RecordAwardResponse recorded;
  ASSERT_TRUE(awards_->RecordAward(As("grid-wang").get(), r, &recorded).ok());
  expect_whole(recorded.award().rule());

  v1::ListAwardsRequest on_notice;
  on_notice.set_village(kVillage);
  on_notice.set_state(v1::AWARD_STATE_ON_NOTICE);
  v1::ListAwardsResponse listed;
  ASSERT_TRUE(awards_->ListAwards(As("committee-li").get(), on_notice, &listed).ok());
  ASSERT_GE(listed.awards_size(), 1);
  for (const v1::Award& award : listed.awards()) expect_whole(award.rule());
}

// Who acts is the caller's principal: no request message has a field for it. Fields of shared
// messages that name who acted (Award.recorded_by, Rule.changed_by, Task.posted_by) are
// output only and say so.
TEST(ClientContractTest, RequestsCarryNoFieldNamingWhoActs) {
  const google::protobuf::FileDescriptor* files[] = {
      v1::ApproveAwardRequest::descriptor()->file(),    v1::ClaimTaskRequest::descriptor()->file(),
      v1::RedeemBasketRequest::descriptor()->file(),    v1::GetBoardRequest::descriptor()->file(),
      v1::CreatePrincipalRequest::descriptor()->file(), v1::CastVoteRequest::descriptor()->file()};
  int requests = 0;
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int m = 0; m < file->message_type_count(); ++m) {
      const google::protobuf::Descriptor* message = file->message_type(m);
      if (!absl::EndsWith(message->name(), "Request")) continue;
      ++requests;
      for (const char* actor : {"by", "reviewer", "recorded_by", "posted_by", "changed_by"}) {
        EXPECT_EQ(message->FindFieldByName(actor), nullptr) << message->full_name() << "." << actor;
      }
    }
  }
  EXPECT_GE(requests, 50);
  EXPECT_TRUE(v1::ApproveAwardRequest::descriptor()->IsReservedName("reviewer"));
  EXPECT_TRUE(v1::ApproveAwardRequest::descriptor()->IsReservedNumber(3));
  for (const google::protobuf::Descriptor* message :
       {v1::ObjectToAwardRequest::descriptor(), v1::DecideAwardRequest::descriptor(),
        v1::ClaimTaskRequest::descriptor(), v1::CompleteTaskRequest::descriptor(),
        v1::VerifyTaskRequest::descriptor()}) {
    EXPECT_TRUE(message->IsReservedName("by")) << message->full_name();
  }
}

TEST_F(ClientEdgesTest, AShopkeepersUnknownBasketIsAnAnswerNotADenial) {
  v1::GetBasketRequest r;
  r.set_village(kVillage);
  r.set_basket_id(IdBytes(absl::MakeUint128(0xed9e, 30)));
  v1::GetBasketResponse out;
  const grpc::Status unknown = shops_->GetBasket(As("shop-1").get(), r, &out);
  EXPECT_EQ(unknown.error_code(), StatusCode::NOT_FOUND) << Describe(unknown);
  // A real denial beside it, still logged and counted: a household may not call GetBasket.
  const grpc::Status denied = shops_->GetBasket(As("household-1").get(), r, &out);
  EXPECT_EQ(denied.error_code(), StatusCode::PERMISSION_DENIED) << Describe(denied);

  const std::string metrics = testing::ScrapeMetrics(pointsd_->metrics_port());
  const std::string method = "method=\"/points.v1.ShopService/GetBasket\"";
  EXPECT_EQ(
      testing::MetricSample(metrics, "points_rpc_denied_total", {method, "code=\"NOT_FOUND\""}), -1)
      << metrics;
  EXPECT_EQ(testing::MetricSample(metrics, "points_rpc_denied_total",
                                  {method, "code=\"PERMISSION_DENIED\""}),
            1)
      << metrics;
  EXPECT_EQ(
      testing::MetricSample(metrics, "points_rpc_requests_total", {method, "code=\"NOT_FOUND\""}),
      1)
      << "still counted as an RPC";
  int denied_lines = 0;
  for (const absl::string_view line : absl::StrSplit(testing::ReadFile(log_path()), '\n')) {
    if (!absl::StrContains(line, "\"event\":\"denied\"")) continue;
    if (!absl::StrContains(line, "GetBasket")) continue;
    ++denied_lines;
    EXPECT_TRUE(absl::StrContains(line, "PERMISSION_DENIED")) << line;
    EXPECT_TRUE(absl::StrContains(line, "household-1")) << line;
  }
  EXPECT_EQ(denied_lines, 1);
}

// Runs `pointsd verify --data-dir DIR` with stderr on a pseudo-terminal and stdout on a pipe,
// as `pointsd verify ... | tee report` in a terminal does; returns what the terminal got.
std::string VerifyWithStderrOnATerminal(const std::string& dir, int* exit_code) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return "no pty";
  const int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  if (slave < 0) return "no pty slave";
  termios raw;
  tcgetattr(slave, &raw);
  raw.c_oflag &= ~OPOST;  // no "\n" -> "\r\n": every '\r' read is one pointsd wrote
  tcsetattr(slave, TCSANOW, &raw);
  int out[2];
  if (pipe(out) != 0) return "no pipe";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(slave, STDERR_FILENO);
    close(out[0]);
    close(master);
    execl(POINTSD_PATH, POINTSD_PATH, "verify", "--data-dir", dir.c_str(), nullptr);
    _exit(127);
  }
  close(out[1]);
  close(slave);
  std::string terminal;
  std::string stdout_text;
  pollfd fds[2] = {{master, POLLIN, 0}, {out[0], POLLIN, 0}};
  for (bool open_out = true; open_out;) {
    if (poll(fds, 2, 20'000) <= 0) break;
    char buffer[4096];
    if (fds[0].revents & POLLIN) {
      const ssize_t n = read(master, buffer, sizeof buffer);
      if (n > 0) terminal.append(buffer, n);
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      const ssize_t n = read(out[0], buffer, sizeof buffer);
      if (n > 0) stdout_text.append(buffer, n);
      if (n <= 0) open_out = false;
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  fcntl(master, F_SETFL, O_NONBLOCK);
  char buffer[4096];
  for (ssize_t n; (n = read(master, buffer, sizeof buffer)) > 0;) terminal.append(buffer, n);
  close(master);
  close(out[0]);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return terminal + "\n--- stdout ---\n" + stdout_text;
}

TEST_F(ClientEdgesTest, VerifyDrawsNoCarriageReturnsWhenStdoutIsNotATerminal) {
  ASSERT_EQ(pointsd_->Stop(SIGTERM), 0);
  int exit_code = -1;
  const std::string seen = VerifyWithStderrOnATerminal(data_dir(), &exit_code);
  EXPECT_EQ(exit_code, 0) << seen;
  EXPECT_TRUE(absl::StrContains(seen, "records")) << "the bar, one line per tenth: " << seen;
  EXPECT_TRUE(absl::StrContains(seen, "pointsd verify: OK")) << seen;
  EXPECT_FALSE(absl::StrContains(seen, "\r")) << seen;
}

}  // namespace
}  // namespace points::server

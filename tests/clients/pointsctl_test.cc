// pointsctl end to end: the real binary against a real pointsd, checked by exit code and output.
#include <sys/statvfs.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger_client.h"
#include "pointsctl_process.h"
#include "testing.h"
#include "value_text.h"

namespace points::client {
namespace {

using testing::Pointsd;
using testing::RunPointsctl;
using testing::TempDir;

constexpr int kExitOk = 0;
constexpr int kExitRpcFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRefused = 3;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Prints what a failed expectation needs to be understood.
std::string Describe(const testing::Run& run) {
  return absl::StrCat("exit ", run.exit_code, "\n--- stdout\n", run.out, "--- stderr\n", run.err);
}

// A server with a temporary store, and pointsctl pointed at it.
class PointsctlTest : public ::testing::Test {
 protected:
  PointsctlTest() : pointsd_(data_.path()) {}

  testing::Run Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--target", pointsd_.target()});
    return RunPointsctl(scratch_.path(), args);
  }

  // The account's balances, as pointsctl shows them in JSON.
  std::string AccountJson(const std::string& id) {
    const testing::Run run = Ctl({"--json", "accounts", "lookup", id});
    EXPECT_EQ(run.exit_code, kExitOk) << Describe(run);
    return run.out;
  }

  void CreateAccounts() {
    const testing::Run run = Ctl({"accounts", "create", "--id", "1", "--id", "2", "--ledger", "1",
                                  "--code", "10", "--flags", "debits_must_not_exceed_credits"});
    ASSERT_EQ(run.exit_code, kExitOk) << Describe(run);
    const testing::Run issuer =
        Ctl({"accounts", "create", "--id", "3", "--ledger", "1", "--code", "1"});
    ASSERT_EQ(issuer.exit_code, kExitOk) << Describe(issuer);
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = scratch_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  TempDir data_;
  TempDir scratch_;
  Pointsd pointsd_;
};

TEST(PointsctlHelpTest, HelpListsCommandsFlagsDefaultsAndExitCodes) {
  TempDir scratch;
  const testing::Run main = RunPointsctl(scratch.path(), {"--help"});
  EXPECT_EQ(main.exit_code, kExitOk);
  for (const char* part :
       {"accounts create", "accounts lookup", "transfers create", "transfers lookup",
        "transfers import", "history", "--target", "POINTS_TARGET", "--json", "--deadline-seconds",
        "--header NAME=VALUE", "health", "Exit codes"}) {
    EXPECT_TRUE(Contains(main.out, part)) << part << "\n" << main.out;
  }
  const testing::Run import = RunPointsctl(scratch.path(), {"transfers", "import", "--help"});
  EXPECT_EQ(import.exit_code, kExitOk);
  EXPECT_TRUE(Contains(import.out, "--batch N")) << import.out;
  EXPECT_TRUE(Contains(import.out, "default 1000")) << import.out;
  EXPECT_TRUE(Contains(import.out, "Exit codes")) << import.out;
  const testing::Run history = RunPointsctl(scratch.path(), {"history", "-h"});
  EXPECT_EQ(history.exit_code, kExitOk);
  for (const char* part : {"--limit", "default 100", "--from", "--to", "--reverse"}) {
    EXPECT_TRUE(Contains(history.out, part)) << part << "\n" << history.out;
  }
  const testing::Run group = RunPointsctl(scratch.path(), {"accounts", "--help"});
  EXPECT_EQ(group.exit_code, kExitOk);
  EXPECT_TRUE(Contains(group.out, "accounts lookup ID...")) << group.out;
}

TEST(PointsctlUsageTest, BadArgumentsExit2WithAMessage) {
  TempDir scratch;
  struct {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{}, "no command given"},
      {{"bogus"}, "unknown command 'bogus'"},
      {{"accounts", "close"}, "unknown command 'accounts close'"},
      {{"accounts", "lookup"}, "at least one account id"},
      {{"accounts", "lookup", "not-an-id"}, "'not-an-id' is not an id"},
      {{"accounts", "create", "--ledger", "1"}, "--id is required"},
      {{"transfers", "create", "--id", "1", "--amount", "-5"}, "--amount: '-5'"},
      {{"transfers", "create", "--id", "1", "--code", "70000"}, "--code: '70000' is out of range"},
      {{"transfers", "create", "--id", "1", "--flags", "pending|posted"}, "unknown flag 'posted'"},
      {{"transfers", "create", "--id", "1", "--colour", "red"}, "unknown flag --colour"},
      {{"history", "1", "--limit", "0"}, "--limit must be 1..8189"},
      {{"history", "1", "--from", "yesterday"}, "--from: 'yesterday' is not a timestamp"},
      {{"transfers", "import", "a.csv", "--batch", "9000"}, "--batch: '9000' is out of range"},
      {{"--deadline-seconds", "0", "accounts", "lookup", "1"}, "--deadline-seconds"},
      {{"--header", "x-points-shard", "health"}, "--header must be NAME=VALUE"},
      {{"health", "--header=grpc-timeout=1S"}, "names starting grpc- are gRPC's own"},
      {{"--header", "x points=1", "health"}, "may hold only letters, digits"},
      {{"health", "points.write"}, "name a service with --service"},
      {{"--tls-ca", "no-such-ca.pem", "health"}, "--tls-ca: cannot read a PEM file"},
  };
  for (const auto& c : cases) {
    const testing::Run run = RunPointsctl(scratch.path(), c.args);
    EXPECT_EQ(run.exit_code, kExitUsage) << Describe(run);
    EXPECT_TRUE(Contains(run.err, c.message)) << c.message << "\n" << Describe(run);
    EXPECT_TRUE(Contains(run.err, "--help")) << Describe(run);
    EXPECT_TRUE(run.out.empty()) << Describe(run);
  }
}

TEST(PointsctlUsageTest, UnreachableTargetExits1) {
  TempDir scratch;
  const std::string target = "127.0.0.1:" + std::to_string(testing::UnusedPort());
  const testing::Run run = RunPointsctl(
      scratch.path(), {"--target", target, "--attempts", "2", "accounts", "lookup", "1"});
  EXPECT_EQ(run.exit_code, kExitRpcFailed) << Describe(run);
  EXPECT_TRUE(Contains(run.err, "UNAVAILABLE")) << Describe(run);
  EXPECT_TRUE(Contains(run.err, target)) << Describe(run);
  // The environment names the target when --target does not.
  const testing::Run from_env =
      RunPointsctl(scratch.path(), {"--attempts=1", "history", "1"}, {{"POINTS_TARGET", target}});
  EXPECT_EQ(from_env.exit_code, kExitRpcFailed) << Describe(from_env);
  EXPECT_TRUE(Contains(from_env.err, target)) << Describe(from_env);
  // Health tells a server that cannot be reached (1) from one that answers otherwise (3).
  const testing::Run health =
      RunPointsctl(scratch.path(), {"--target", target, "--attempts", "1", "health"});
  EXPECT_EQ(health.exit_code, kExitRpcFailed) << Describe(health);
  EXPECT_TRUE(Contains(health.err, "UNAVAILABLE")) << Describe(health);
  EXPECT_TRUE(health.out.empty()) << Describe(health);
}

TEST_F(PointsctlTest, HealthIsServingForTheServerAndForWritesAndAnUnknownServiceExits3) {
  const testing::Run server = Ctl({"health"});
  EXPECT_EQ(server.exit_code, kExitOk) << Describe(server);
  EXPECT_EQ(server.out, "SERVING\n") << Describe(server);
  const testing::Run writes = Ctl({"health", "--service", "points.write"});
  EXPECT_EQ(writes.exit_code, kExitOk) << Describe(writes);
  EXPECT_EQ(writes.out, "SERVING\n") << Describe(writes);
  const testing::Run json = Ctl({"--json", "health", "--service=points.write"});
  EXPECT_EQ(json.exit_code, kExitOk) << Describe(json);
  EXPECT_EQ(json.out, "{\"service\":\"points.write\",\"status\":\"SERVING\"}\n") << Describe(json);
  // Metadata the server does not look at changes nothing (a proxy in front would route on it).
  const testing::Run with_header = Ctl({"--header", "X-Points-Shard=2", "health"});
  EXPECT_EQ(with_header.exit_code, kExitOk) << Describe(with_header);

  const testing::Run unknown = Ctl({"health", "--service", "points.bogus"});
  EXPECT_EQ(unknown.exit_code, kExitRefused) << Describe(unknown);
  EXPECT_TRUE(Contains(unknown.err, "NOT_FOUND")) << Describe(unknown);
  EXPECT_TRUE(unknown.out.empty()) << Describe(unknown);
}

// A disk reserve larger than the disk's free space makes the first write fail: the engine turns
// read-only, "points.write" NOT_SERVING (exit 3), while the server as a whole stays SERVING.
TEST(PointsctlHealthTest, WritesNotServingWhileReadsGoOnExits3) {
  TempDir data;
  TempDir scratch;
  constexpr uint64_t kReserveMib = 1 << 20;  // pointsd's largest reserve: 1 TiB
  struct statvfs disk = {};
  ASSERT_EQ(statvfs(data.path().c_str(), &disk), 0);
  if (uint64_t{disk.f_bavail} * disk.f_frsize >= (kReserveMib << 20)) {
    GTEST_SKIP() << "the disk has more than 1 TiB free: the reserve cannot be made to fail";
  }
  testing::Pointsd pointsd(data.path(), 0, {"--disk-reserve-mb", std::to_string(kReserveMib)});
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--target", pointsd.target(), "--attempts", "1"});
    return RunPointsctl(scratch.path(), args);
  };
  const testing::Run write =
      ctl({"accounts", "create", "--id", "1", "--ledger", "1", "--code", "1"});
  EXPECT_EQ(write.exit_code, kExitRpcFailed) << Describe(write);
  EXPECT_TRUE(Contains(write.err, "less than the reserve")) << Describe(write);
  // The server notices on its next timer tick, so ask until it says so.
  testing::Run writes;
  for (int i = 0; i < 100; ++i) {
    writes = ctl({"health", "--service", "points.write"});
    if (writes.exit_code != kExitOk) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(writes.exit_code, kExitRefused) << Describe(writes);
  EXPECT_EQ(writes.out, "NOT_SERVING\n") << Describe(writes);
  const testing::Run server = ctl({"health"});
  EXPECT_EQ(server.exit_code, kExitOk) << Describe(server);
  EXPECT_EQ(server.out, "SERVING\n") << Describe(server);
  const testing::Run read = ctl({"villages", "list"});
  EXPECT_EQ(read.exit_code, kExitOk) << Describe(read);
}

TEST_F(PointsctlTest, AccountsCreateAndLookupShowUuidsBalancesAndFlags) {
  const testing::Run created =
      Ctl({"accounts", "create", "--id", "1", "--id", "00000000-0000-0000-0000-000000000002",
           "--ledger", "1", "--code", "10", "--flags", "history"});
  ASSERT_EQ(created.exit_code, kExitOk) << Describe(created);
  EXPECT_TRUE(Contains(created.out, "00000000-0000-0000-0000-000000000001  ok")) << created.out;
  EXPECT_TRUE(Contains(created.out, "00000000-0000-0000-0000-000000000002  ok")) << created.out;

  // Ids are idempotency keys: the same again changes nothing.
  const testing::Run again = Ctl(
      {"accounts", "create", "--id", "1", "--ledger", "1", "--code", "10", "--flags", "history"});
  EXPECT_EQ(again.exit_code, kExitOk) << Describe(again);
  EXPECT_TRUE(Contains(again.out, "exists")) << again.out;
  // A different ledger for an existing id is refused: exit 3.
  const testing::Run different = Ctl(
      {"accounts", "create", "--id", "1", "--ledger", "2", "--code", "10", "--flags", "history"});
  EXPECT_EQ(different.exit_code, kExitRefused) << Describe(different);
  EXPECT_TRUE(Contains(different.out, "exists_with_different_ledger")) << different.out;

  const testing::Run table = Ctl({"accounts", "lookup", "1", "2"});
  ASSERT_EQ(table.exit_code, kExitOk) << Describe(table);
  const std::vector<std::string> lines = absl::StrSplit(table.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << table.out;
  EXPECT_TRUE(Contains(lines[0], "ID")) << table.out;
  EXPECT_TRUE(Contains(lines[0], "CREDITS_POSTED")) << table.out;
  EXPECT_TRUE(Contains(lines[1], "00000000-0000-0000-0000-000000000001")) << table.out;
  EXPECT_TRUE(Contains(lines[1], "history")) << table.out;
  // Aligned columns: every line puts its FLAGS cell at the same place.
  const size_t flags_column = lines[0].find("FLAGS");
  EXPECT_EQ(lines[1].find("history"), flags_column) << table.out;
  EXPECT_EQ(lines[2].find("history"), flags_column) << table.out;

  const testing::Run json = Ctl({"--json", "accounts", "lookup", "2"});
  ASSERT_EQ(json.exit_code, kExitOk) << Describe(json);
  EXPECT_TRUE(Contains(json.out, "{\"id\":\"00000000-0000-0000-0000-000000000002\"")) << json.out;
  EXPECT_TRUE(Contains(json.out, "\"ledger\":1,\"code\":10,\"flags\":[\"history\"]")) << json.out;

  const testing::Run missing = Ctl({"accounts", "lookup", "1", "77"});
  EXPECT_EQ(missing.exit_code, kExitRefused) << Describe(missing);
  EXPECT_TRUE(Contains(missing.err, "00000000-0000-0000-0000-00000000004d not found"))
      << missing.err;
  EXPECT_TRUE(Contains(missing.out, "00000000-0000-0000-0000-000000000001")) << missing.out;
}

TEST_F(PointsctlTest, TransfersCreateLookupAndHistory) {
  CreateAccounts();
  const testing::Run award =
      Ctl({"transfers", "create", "--id", "100", "--debit-account-id", "3", "--credit-account-id",
           "1", "--amount", "50", "--ledger", "1", "--code", "1"});
  ASSERT_EQ(award.exit_code, kExitOk) << Describe(award);
  EXPECT_TRUE(Contains(award.out, "00000000-0000-0000-0000-000000000064  ok")) << award.out;
  const testing::Run spend =
      Ctl({"--json", "transfers", "create", "--id", "101", "--debit-account-id", "1",
           "--credit-account-id", "2", "--amount", "20", "--ledger", "1", "--code", "2"});
  ASSERT_EQ(spend.exit_code, kExitOk) << Describe(spend);
  EXPECT_TRUE(Contains(spend.out, "\"result\":\"ok\"")) << spend.out;

  const testing::Run overspend =
      Ctl({"transfers", "create", "--id", "102", "--debit-account-id", "1", "--credit-account-id",
           "2", "--amount", "31", "--ledger", "1", "--code", "2"});
  EXPECT_EQ(overspend.exit_code, kExitRefused) << Describe(overspend);
  EXPECT_TRUE(Contains(overspend.out, "exceeds_credits")) << overspend.out;
  const testing::Run retried =
      Ctl({"transfers", "create", "--id", "100", "--debit-account-id", "3", "--credit-account-id",
           "1", "--amount", "50", "--ledger", "1", "--code", "1"});
  EXPECT_EQ(retried.exit_code, kExitOk) << Describe(retried);
  EXPECT_TRUE(Contains(retried.out, "exists")) << retried.out;
  EXPECT_TRUE(Contains(AccountJson("1"),
                       "\"debits_posted\":\"20\",\"credits_pending\":\"0\","
                       "\"credits_posted\":\"50\""));

  const testing::Run lookup = Ctl({"transfers", "lookup", "100", "101", "102"});
  EXPECT_EQ(lookup.exit_code, kExitRefused) << Describe(lookup);  // 102 failed: not a transfer
  EXPECT_TRUE(Contains(lookup.err, "00000000-0000-0000-0000-000000000066 not found")) << lookup.err;
  const std::vector<std::string> rows = absl::StrSplit(lookup.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 3u) << lookup.out;
  EXPECT_TRUE(Contains(rows[1], "00000000-0000-0000-0000-000000000064")) << lookup.out;
  EXPECT_TRUE(Contains(rows[2], "00000000-0000-0000-0000-000000000065")) << lookup.out;

  // History of account 1: the award, then the spend; --reverse turns it around.
  const testing::Run history = Ctl({"--json", "history", "1"});
  ASSERT_EQ(history.exit_code, kExitOk) << Describe(history);
  const std::vector<std::string> oldest_first =
      absl::StrSplit(history.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(oldest_first.size(), 2u) << history.out;
  EXPECT_TRUE(Contains(oldest_first[0], "-000000000064\"")) << history.out;
  EXPECT_TRUE(Contains(oldest_first[1], "-000000000065\"")) << history.out;
  const testing::Run newest = Ctl({"--json", "history", "1", "--reverse", "--limit", "1"});
  ASSERT_EQ(newest.exit_code, kExitOk) << Describe(newest);
  EXPECT_TRUE(Contains(newest.out, "-000000000065\"")) << newest.out;
  EXPECT_FALSE(Contains(newest.out, "-000000000064\"")) << newest.out;
  EXPECT_TRUE(Contains(newest.err, "more may follow: ask again with --to")) << newest.err;

  // --from after the award's timestamp leaves only the spend.
  const std::string award_json = Ctl({"--json", "transfers", "lookup", "100"}).out;
  const size_t at = award_json.find("\"timestamp\":\"") + 13;
  const uint64_t award_timestamp = std::stoull(award_json.substr(at));
  const testing::Run later =
      Ctl({"--json", "history", "1", "--from", std::to_string(award_timestamp + 1)});
  ASSERT_EQ(later.exit_code, kExitOk) << Describe(later);
  EXPECT_FALSE(Contains(later.out, "-000000000064\"")) << later.out;
  EXPECT_TRUE(Contains(later.out, "-000000000065\"")) << later.out;
  const testing::Run earlier = Ctl({"history", "1", "--to", FormatTimestamp(award_timestamp)});
  ASSERT_EQ(earlier.exit_code, kExitOk) << Describe(earlier);
  EXPECT_TRUE(Contains(earlier.out, "00000000-0000-0000-0000-000000000064")) << earlier.out;
  EXPECT_FALSE(Contains(earlier.out, "00000000-0000-0000-0000-000000000065")) << earlier.out;

  const testing::Run unknown = Ctl({"history", "99"});
  EXPECT_EQ(unknown.exit_code, kExitRefused) << Describe(unknown);
  EXPECT_TRUE(Contains(unknown.err, "not found")) << unknown.err;
}

TEST_F(PointsctlTest, AccountsWatchShowsChangesAfterATimestampAndStopsAtCount) {
  const testing::Run created = Ctl({"accounts", "create", "--id", "1", "--id", "2", "--ledger", "1",
                                    "--code", "10", "--flags", "history"});
  ASSERT_EQ(created.exit_code, kExitOk) << Describe(created);
  for (const char* id : {"100", "101", "102"}) {
    const testing::Run award =
        Ctl({"transfers", "create", "--id", id, "--debit-account-id", "2", "--credit-account-id",
             "1", "--amount", "5", "--ledger", "1", "--code", "1"});
    ASSERT_EQ(award.exit_code, kExitOk) << Describe(award);
  }
  // Three transfers between two watched accounts: six changes, both sides of each together.
  const testing::Run all = Ctl({"--json", "accounts", "watch", "1", "2", "--count", "6"});
  ASSERT_EQ(all.exit_code, kExitOk) << Describe(all);
  const std::vector<std::string> lines = absl::StrSplit(all.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 6u) << all.out;
  EXPECT_TRUE(Contains(lines[0], "-000000000001\"")) << all.out;
  EXPECT_TRUE(Contains(lines[1], "-000000000002\"")) << all.out;
  EXPECT_TRUE(Contains(lines[4], "\"credits_posted\":\"15\"")) << all.out;
  EXPECT_TRUE(Contains(lines[5], "\"debits_posted\":\"15\"")) << all.out;

  // Resuming after the second transfer's timestamp shows only the third.
  const size_t at = lines[3].find("\"timestamp\":\"") + 13;
  const std::string after = std::to_string(std::stoull(lines[3].substr(at)));
  const testing::Run rest = Ctl({"accounts", "watch", "1", "--after", after, "--count", "1"});
  ASSERT_EQ(rest.exit_code, kExitOk) << Describe(rest);
  EXPECT_TRUE(Contains(rest.out, "TIMESTAMP")) << rest.out;
  const std::vector<std::string> rows = absl::StrSplit(rest.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 2u) << rest.out;
  EXPECT_TRUE(Contains(rows[1], "00000000-0000-0000-0000-000000000001")) << rest.out;
  EXPECT_TRUE(Contains(rows[1], " 15 ")) << rest.out;

  const testing::Run unknown = Ctl({"accounts", "watch", "99"});
  EXPECT_EQ(unknown.exit_code, kExitRefused) << Describe(unknown);
  EXPECT_TRUE(Contains(unknown.err, "not found")) << unknown.err;
}

TEST_F(PointsctlTest, VillagesHouseholdsBudgetAndTheAwardWorkflow) {
  ASSERT_EQ(Ctl({"villages", "create", "1"}).exit_code, kExitOk);
  const testing::Run households = Ctl({"households", "create", "1", "7", "8"});
  ASSERT_EQ(households.exit_code, kExitOk) << Describe(households);
  const std::vector<std::string> rows = absl::StrSplit(households.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 3u) << households.out;
  const std::string account_7 = rows[1].substr(rows[1].rfind(' ') + 1);
  // Budgets are per month of China Standard Time; the awards below fall in this one.
  const absl::CivilSecond now = absl::ToCivilSecond(absl::Now(), absl::FixedTimeZone(8 * 3600));
  const std::string month = absl::StrCat(now.year() * 100 + now.month());
  ASSERT_EQ(Ctl({"budget", "set", "1", month, "30"}).exit_code, kExitOk);
  EXPECT_EQ(Ctl({"budget", "set", "1", month, "40"}).exit_code, kExitRefused);
  EXPECT_EQ(Ctl({"budget", "set", "1", "202613", "40"}).exit_code, kExitUsage);

  // The catalogue: rule N scores N points (hygiene, no caps); a put again changes nothing.
  for (const char* points : {"10", "25"}) {
    const testing::Run put =
        Ctl({"rules", "put", "--village", "1", "--rule", points, "--name", "庭院卫生评比",
             "--category", "hygiene", "--points-per-unit", points, "--by", "committee-li"});
    ASSERT_EQ(put.exit_code, kExitOk) << Describe(put);
  }
  const testing::Run changed =
      Ctl({"--json", "rules", "put", "--village", "1", "--rule", "25", "--name", "庭院卫生评比",
           "--category", "hygiene", "--points-per-unit", "25", "--cap-per-day", "50", "--by",
           "committee-li"});
  ASSERT_EQ(changed.exit_code, kExitOk) << Describe(changed);
  EXPECT_TRUE(Contains(changed.out, "\"version\":2")) << changed.out;
  const testing::Run rules = Ctl({"rules", "list", "1"});
  ASSERT_EQ(rules.exit_code, kExitOk) << Describe(rules);
  EXPECT_EQ(std::count(rules.out.begin(), rules.out.end(), '\n'), 4) << rules.out;
  EXPECT_TRUE(Contains(rules.out, "庭院卫生评比")) << rules.out;
  const testing::Run bad_rule =
      Ctl({"rules", "put", "--village", "1", "--rule", "3", "--name", "x", "--category",
           "deduction", "--points-per-unit", "5", "--cap-per-day", "5", "--by", "committee-li"});
  EXPECT_EQ(bad_rule.exit_code, kExitRpcFailed) << "INVALID_ARGUMENT: " << Describe(bad_rule);
  EXPECT_TRUE(Contains(bad_rule.err, "a deduction has no caps")) << bad_rule.err;

  auto record = [&](const std::string& id, const std::string& household,
                    const std::string& points) {
    return Ctl({"awards", "record", "--village", "1", "--id", id, "--household", household,
                "--rule", points, "--by", "grid-wang", "--evidence", "photo:3f2a", "--note",
                "院落整洁"});
  };
  const testing::Run recorded = record("9001", "7", "10");
  ASSERT_EQ(recorded.exit_code, kExitOk) << Describe(recorded);
  EXPECT_TRUE(Contains(recorded.out, "awaiting_review")) << recorded.out;
  EXPECT_EQ(Ctl({"awards", "approve", "1", "9001", "--by", "grid-wang"}).exit_code, kExitRefused);
  const testing::Run approved = Ctl({"awards", "approve", "1", "9001", "--by", "committee-li"});
  ASSERT_EQ(approved.exit_code, kExitOk) << Describe(approved);
  EXPECT_TRUE(Contains(approved.out, "on_notice")) << approved.out;
  EXPECT_TRUE(Contains(AccountJson(account_7), "\"credits_pending\":\"10\"")) << account_7;

  // Over the budget: refused by the ledger, with the reason, exit code 3.
  ASSERT_EQ(record("9002", "8", "25").exit_code, kExitOk);
  const testing::Run over = Ctl({"awards", "approve", "1", "9002", "--by", "committee-li"});
  EXPECT_EQ(over.exit_code, kExitRefused) << Describe(over);
  EXPECT_TRUE(Contains(over.out, "issuance budget is used up")) << over.out;

  const testing::Run objected =
      Ctl({"awards", "object", "1", "9001", "--by", "villager-zhao", "--reason", "门前有垃圾"});
  ASSERT_EQ(objected.exit_code, kExitOk) << Describe(objected);
  EXPECT_TRUE(Contains(objected.out, "held")) << objected.out;
  const testing::Run held = Ctl({"--json", "awards", "list", "1", "--state", "held"});
  ASSERT_EQ(held.exit_code, kExitOk) << Describe(held);
  EXPECT_TRUE(Contains(held.out, "\"objection\":\"门前有垃圾\"")) << held.out;
  EXPECT_EQ(Ctl({"awards", "decide", "1", "9001", "--by", "committee-li"}).exit_code, kExitUsage);
  const testing::Run voided =
      Ctl({"awards", "decide", "1", "9001", "--void", "--by", "committee-li"});
  ASSERT_EQ(voided.exit_code, kExitOk) << Describe(voided);
  EXPECT_TRUE(Contains(voided.out, "voided")) << voided.out;
  EXPECT_TRUE(Contains(AccountJson(account_7), "\"credits_pending\":\"0\"")) << account_7;
  EXPECT_EQ(Ctl({"awards", "show", "1", "9999"}).exit_code, kExitRefused);
}

TEST(PointsctlShopsTest, ShopsItemsStockBasketsSettlementAndCashSalesOnTheDemoVillage) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo"});  // village 1: households 1-3, shop 1, 3 items
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--target", pointsd.target()});
    return RunPointsctl(scratch.path(), args);
  };
  const testing::Run items = ctl({"--json", "items", "list", "1", "1"});
  ASSERT_EQ(items.exit_code, kExitOk) << Describe(items);
  EXPECT_TRUE(Contains(items.out, "\"item\":1,\"name\":\"酱油 500ml (soy sauce)\"")) << items.out;
  EXPECT_TRUE(Contains(items.out, "\"stock\":\"20\"")) << items.out;
  ASSERT_EQ(ctl({"items", "put", "1", "1", "4", "--name", "毛巾", "--points", "8"}).exit_code,
            kExitOk);
  ASSERT_EQ(ctl({"stock", "add", "1", "1", "4", "--id", "44", "--quantity", "1"}).exit_code,
            kExitOk);

  const testing::Run basket =
      ctl({"baskets", "redeem", "1", "1", "1:2", "4:1", "--household", "1", "--id", "7001"});
  ASSERT_EQ(basket.exit_code, kExitOk) << Describe(basket);
  EXPECT_TRUE(Contains(basket.out, "28  redeemed")) << basket.out;
  const testing::Run resent =
      ctl({"baskets", "redeem", "1", "1", "1:2", "4:1", "--household", "1", "--id", "7001"});
  EXPECT_EQ(resent.exit_code, kExitOk) << Describe(resent);
  const testing::Run sold_out =
      ctl({"baskets", "redeem", "1", "1", "4:1", "--household", "2", "--id", "7002"});
  EXPECT_EQ(sold_out.exit_code, kExitRefused) << Describe(sold_out);
  EXPECT_TRUE(Contains(sold_out.out, "item 4 is out of stock")) << sold_out.out;
  EXPECT_TRUE(
      Contains(ctl({"--json", "households", "show", "1", "1"}).out, "\"debits_posted\":\"28\""));

  const testing::Run returned = ctl({"baskets", "return", "1", "7001"});
  ASSERT_EQ(returned.exit_code, kExitOk) << Describe(returned);
  EXPECT_TRUE(Contains(returned.out, "returned")) << returned.out;
  ASSERT_EQ(
      ctl({"baskets", "redeem", "1", "1", "2:5", "--household", "3", "--id", "7003"}).exit_code,
      kExitOk);
  const testing::Run settled =
      ctl({"--json", "shops", "settle", "1", "1", "--id", "501", "--fen-per-point", "100"});
  ASSERT_EQ(settled.exit_code, kExitOk) << Describe(settled);
  EXPECT_TRUE(Contains(settled.out, "\"points\":\"15\",\"fen_per_point\":\"100\",\"fen\":\"1500\""))
      << settled.out;
  EXPECT_EQ(ctl({"shops", "settle", "1", "1", "--id", "502", "--fen-per-point", "100"}).exit_code,
            kExitRefused)
      << "nothing left to settle";

  ASSERT_EQ(
      ctl({"shops", "terms", "1", "1", "--discount-bp", "1000", "--levy-bp", "1000"}).exit_code,
      kExitOk);
  const testing::Run sale =
      ctl({"--json", "sales", "record", "1", "1", "1:1", "--household", "2", "--id", "8001"});
  ASSERT_EQ(sale.exit_code, kExitOk) << Describe(sale);
  EXPECT_TRUE(Contains(sale.out,
                       "\"list_fen\":\"1200\",\"discount_bp\":1000,"
                       "\"paid_fen\":\"1080\",\"levy_bp\":1000,\"levy_fen\":\"108\""))
      << sale.out;
}

TEST(PointsctlShopsTest, AnInspectionRoundFromCsvIsRecordedOnceEvenWhenImportedTwice) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo"});  // village 1: households 1-3
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--target", pointsd.target()});
    return RunPointsctl(scratch.path(), args);
  };
  std::string csv = "id,household,rule,quantity,evidence,note\n";
  for (int i = 1; i <= 300; ++i) {  // the demo's rule 2: volunteering, 2 points an hour
    absl::StrAppend(&csv, 20261122000 + i, ",", 1 + i % 3, ",2,", 1 + i % 5, ",photo:", i,
                    ",院落整洁\n");
  }
  absl::StrAppend(&csv, "20261122999,9,2,1,,\n");  // no such household
  const std::string path = scratch.path() + "/round.csv";
  std::ofstream(path) << csv;
  const std::vector<std::string> import = {"awards", "import",    path,      "--village", "1",
                                           "--by",   "grid-wang", "--batch", "64"};
  const testing::Run first = ctl(import);
  EXPECT_EQ(first.exit_code, kExitRefused) << Describe(first);
  EXPECT_TRUE(Contains(first.out, "line 302: award")) << first.out;
  EXPECT_TRUE(Contains(first.out, "has no account")) << first.out;
  EXPECT_TRUE(Contains(first.out, "301 awards: FAILED_PRECONDITION 1, awaiting_review 300"))
      << first.out;
  const testing::Run second = ctl(import);
  EXPECT_TRUE(Contains(second.out, "301 awards: FAILED_PRECONDITION 1, awaiting_review 300"))
      << second.out;
  const testing::Run listed = ctl({"--json", "awards", "list", "1", "--state", "awaiting_review"});
  ASSERT_EQ(listed.exit_code, kExitOk) << Describe(listed);
  const std::vector<std::string> lines = absl::StrSplit(listed.out, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 301u) << "300 imported once, and the demo's award 9001";

  std::ofstream(path) << "id,household,rule,quantity\n1,1,1,many\n";
  const testing::Run malformed = ctl(import);
  EXPECT_EQ(malformed.exit_code, kExitUsage) << Describe(malformed);
  EXPECT_TRUE(Contains(malformed.err, ":2: quantity")) << malformed.err;
}

TEST(PointsctlShopsTest, HouseholdsWithMembersListMaskedAndCloseOnlyWhenSettled) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo"});  // village 1: household 1 holds 100 points
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--target", pointsd.target()});
    return RunPointsctl(scratch.path(), args);
  };
  // A household's grid must be registered first.
  const testing::Run unknown_grid = ctl({"households", "put", "1", "7", "--grid", "3"});
  EXPECT_EQ(unknown_grid.exit_code, kExitRefused) << Describe(unknown_grid);
  EXPECT_TRUE(Contains(unknown_grid.err, "grid 3 of village 1")) << unknown_grid.err;
  ASSERT_EQ(ctl({"grids", "put", "1", "3", "--name", "第三网格", "--worker", "grid-li"}).exit_code,
            kExitOk);
  const testing::Run put =
      ctl({"households", "put", "1", "7", "--name", "张家", "--grid", "3", "--member",
           "张小明:head:13800000000", "--member", "李芳:member", "--proxy", "王大妈"});
  ASSERT_EQ(put.exit_code, kExitOk) << Describe(put);
  const testing::Run masked = ctl({"--json", "households", "list", "1"});
  ASSERT_EQ(masked.exit_code, kExitOk) << Describe(masked);
  EXPECT_TRUE(Contains(masked.out, "\"members\":\"张*明 (head); 李*\"")) << masked.out;
  EXPECT_FALSE(Contains(masked.out, "13800000000")) << masked.out;
  const testing::Run revealed = ctl({"--json", "households", "list", "1", "--reveal"});
  EXPECT_TRUE(Contains(revealed.out, "张小明 (head) 13800000000")) << revealed.out;
  EXPECT_EQ(ctl({"households", "put", "1", "8", "--member", "x:boss"}).exit_code, kExitUsage);

  // Household 1 holds its 100 opening points: not closed. Household 7 holds none: closed.
  const testing::Run holding = ctl({"households", "put", "1", "1", "--name", "赵家"});
  ASSERT_EQ(holding.exit_code, kExitOk) << Describe(holding);
  const testing::Run refused = ctl({"households", "close", "1", "1"});
  EXPECT_EQ(refused.exit_code, kExitRefused) << Describe(refused);
  EXPECT_TRUE(Contains(refused.err, "still holds 100 points")) << refused.err;
  EXPECT_EQ(ctl({"households", "close", "1", "7"}).exit_code, kExitOk);
  EXPECT_TRUE(Contains(ctl({"--json", "households", "list", "1"}).out,
                       "\"household\":\"7\",\"name\":\"张*\",\"grid\":3"));
}

std::string AwardsCsv(int count) {
  std::string csv = "id,debit_account_id,credit_account_id,amount,ledger,code,flags\n";
  for (int i = 1; i <= count; ++i) {
    absl::StrAppend(&csv, FormatId(testing::MakeId(0xcafe, i)), ",3,", 1 + i % 2, ",", i % 5 + 1,
                    ",1,1,\n");
  }
  return csv;
}

TEST_F(PointsctlTest, ImportTwiceAppliesOnceAndSecondRunReportsExists) {
  CreateAccounts();
  constexpr int kTransfers = 3000;
  const std::string path = WriteFile("awards.csv", AwardsCsv(kTransfers));

  const testing::Run first = Ctl({"transfers", "import", path});
  ASSERT_EQ(first.exit_code, kExitOk) << Describe(first);
  EXPECT_TRUE(Contains(first.out, "3000 transfers in 3 batches: ok 3000")) << first.out;
  EXPECT_FALSE(Contains(first.err, "\r")) << "a progress bar on a stderr that is not a terminal";
  const std::string balances_1 = AccountJson("1");
  const std::string balances_2 = AccountJson("2");
  const std::string balances_3 = AccountJson("3");
  // Account 3 paid (i % 5 + 1) for i = 1..3000: 600 each of 1..5.
  EXPECT_TRUE(Contains(balances_3, "\"debits_posted\":\"9000\"")) << balances_3;

  const testing::Run second = Ctl({"transfers", "import", path, "--batch", "8189"});
  ASSERT_EQ(second.exit_code, kExitOk) << Describe(second);
  EXPECT_TRUE(Contains(second.out, "3000 transfers in 1 batches: exists 3000")) << second.out;
  EXPECT_EQ(AccountJson("1"), balances_1);
  EXPECT_EQ(AccountJson("2"), balances_2);
  EXPECT_EQ(AccountJson("3"), balances_3);

  const testing::Run json = Ctl({"--json", "transfers", "import", path});
  ASSERT_EQ(json.exit_code, kExitOk) << Describe(json);
  EXPECT_TRUE(Contains(json.out,
                       "\"complete\":true,\"transfers\":\"3000\",\"batches\":\"3\","
                       "\"results\":{\"exists\":\"3000\"}"))
      << json.out;
}

TEST_F(PointsctlTest, ImportDrawsAProgressBarOnlyOnATerminal) {
  CreateAccounts();
  const std::string path = WriteFile("awards.csv", AwardsCsv(300));
  const testing::Run run =
      RunPointsctl(scratch_.path(),
                   {"--target", pointsd_.target(), "transfers", "import", path, "--batch", "100"},
                   {}, testing::Stderr::kTerminal);
  ASSERT_EQ(run.exit_code, kExitOk) << Describe(run);
  EXPECT_TRUE(Contains(run.err, "\r[##########....................]  33%  100 transfers sent"))
      << run.err;
  EXPECT_TRUE(Contains(run.err, "100%  300 transfers sent")) << run.err;
  EXPECT_TRUE(Contains(run.out, "300 transfers in 3 batches: ok 300")) << run.out;
  EXPECT_FALSE(Contains(run.out, "\r")) << "the bar belongs on stderr";
}

TEST_F(PointsctlTest, ImportListsRefusedTransfersByLineAndExits3) {
  CreateAccounts();
  const std::string path = WriteFile("mixed.csv",
                                     "id,debit_account_id,credit_account_id,amount,ledger,code\n"
                                     "1,3,1,10,1,1\n"
                                     "\n"
                                     "2,1,2,11,1,1\n"  // 11 > 10: refused by the floor
                                     "3,1,2,10,1,1\n");
  const testing::Run run = Ctl({"transfers", "import", path});
  EXPECT_EQ(run.exit_code, kExitRefused) << Describe(run);
  EXPECT_TRUE(Contains(run.out,
                       "line 4: transfer 00000000-0000-0000-0000-000000000002: "
                       "exceeds_credits"))
      << run.out;
  EXPECT_TRUE(Contains(run.out, "3 transfers in 1 batches: ok 2, exceeds_credits 1")) << run.out;
}

TEST_F(PointsctlTest, MalformedLineIsReportedByNumberAndNothingFromItsBatchOnIsSent) {
  CreateAccounts();
  std::string csv = AwardsCsv(3000);
  // Line 1 is the header, so transfer i is on line i + 1. Break line 1500 (transfer 1499).
  std::vector<std::string> lines = absl::StrSplit(csv, '\n');
  lines[1499] = absl::StrCat(FormatId(testing::MakeId(0xcafe, 1499)), ",3,1,lots,1,1,");
  const std::string path = WriteFile("broken.csv", absl::StrJoin(lines, "\n"));

  const testing::Run run = Ctl({"transfers", "import", path});
  EXPECT_EQ(run.exit_code, kExitUsage) << Describe(run);
  EXPECT_TRUE(Contains(run.err, path + ":1500: amount: 'lots' is not a whole number")) << run.err;
  // The first batch (lines 2..1001) went out; the second, holding line 1500, did not.
  EXPECT_TRUE(Contains(run.err, "nothing from line 1002 onward was sent")) << run.err;
  EXPECT_TRUE(Contains(run.out, "incomplete")) << run.out;
  EXPECT_TRUE(Contains(run.out, "1000 transfers in 1 batches: ok 1000")) << run.out;

  LedgerClient client(pointsd_.target());
  absl::StatusOr<std::vector<Transfer>> sent = client.LookupTransfers(std::vector<Id>{
      testing::MakeId(0xcafe, 1), testing::MakeId(0xcafe, 1000), testing::MakeId(0xcafe, 1001),
      testing::MakeId(0xcafe, 1498), testing::MakeId(0xcafe, 3000)});
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(sent->size(), 2u);
  EXPECT_EQ((*sent)[0].id, testing::MakeId(0xcafe, 1));
  EXPECT_EQ((*sent)[1].id, testing::MakeId(0xcafe, 1000));
}

// The organisation, tasks and disclosure from the shell, on the demo village: towns and grids,
// a task claimed twice (refused), the board, a statement, the report as CSV, a rating given
// twice (refused), a household's balance with expiry.
TEST(PointsctlSupermarketTest, OrganisationTasksBoardStatementReportRatingsAndExpiry) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo", "--notice-seconds", "1", "--review-threshold", "20"});
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--target", pointsd.target()});
    return RunPointsctl(scratch.path(), args);
  };
  ASSERT_EQ(ctl({"towns", "put", "2", "白沙街道"}).exit_code, kExitOk);
  const testing::Run towns = ctl({"towns", "list"});
  EXPECT_TRUE(Contains(towns.out, "清溪镇") && Contains(towns.out, "白沙街道")) << towns.out;
  ASSERT_EQ(ctl({"villages", "put", "9", "西湖社区", "--town", "2", "--community"}).exit_code,
            kExitOk);
  EXPECT_EQ(ctl({"villages", "put", "10", "x", "--town", "7"}).exit_code, kExitRefused)
      << "town 7 is not registered";
  const testing::Run villages = ctl({"--json", "villages", "list", "--town", "2"});
  EXPECT_TRUE(Contains(villages.out, "\"name\":\"西湖社区\"")) << villages.out;
  EXPECT_FALSE(Contains(villages.out, "东山村")) << villages.out;
  EXPECT_TRUE(Contains(ctl({"grids", "list", "1"}).out, "grid-zhao"));

  const testing::Run posted =
      ctl({"tasks", "post", "1", "1", "--title", "清理村口垃圾", "--rule", "5", "--units", "15",
           "--slots", "2", "--deadline", "2100-01-01T00:00:00+08:00", "--by", "committee-li"});
  ASSERT_EQ(posted.exit_code, kExitOk) << Describe(posted);
  EXPECT_TRUE(Contains(posted.out, "清理村口垃圾")) << posted.out;
  ASSERT_EQ(ctl({"tasks", "claim", "1", "1", "--id", "8001", "--household", "3", "--by", "王建国"})
                .exit_code,
            kExitOk);
  const testing::Run twice =
      ctl({"tasks", "claim", "1", "1", "--id", "8002", "--household", "3", "--by", "王建国"});
  EXPECT_EQ(twice.exit_code, kExitRefused) << Describe(twice);
  EXPECT_TRUE(Contains(twice.err, "already holds a slot")) << twice.err;
  EXPECT_EQ(ctl({"tasks", "claim", "1", "1", "--id", "8003", "--by", "x"}).exit_code, kExitUsage)
      << "no claimant";
  ASSERT_EQ(ctl({"tasks", "complete", "1", "1", "--household", "3", "--evidence", "photo:gate",
                 "--by", "王建国"})
                .exit_code,
            kExitOk);
  const testing::Run verified =
      ctl({"tasks", "verify", "1", "1", "--household", "3", "--by", "committee-li"});
  ASSERT_EQ(verified.exit_code, kExitOk) << Describe(verified);
  EXPECT_TRUE(Contains(verified.out, "verified")) << verified.out;
  const testing::Run shown = ctl({"tasks", "show", "1", "1"});
  EXPECT_TRUE(Contains(shown.out, "household 3")) << shown.out;

  const testing::Run basket =
      ctl({"baskets", "redeem", "1", "2", "2:1", "--household", "1", "--id", "7001"});
  ASSERT_EQ(basket.exit_code, kExitOk) << Describe(basket);
  ASSERT_EQ(ctl({"ratings", "add", "1", "1", "--basket", "7001", "--stars", "5"}).exit_code,
            kExitOk);
  const testing::Run again = ctl({"ratings", "add", "1", "1", "--basket", "7001", "--stars", "2"});
  EXPECT_EQ(again.exit_code, kExitRefused) << Describe(again);
  EXPECT_TRUE(Contains(again.err, "already rated")) << again.err;

  // The demo's award 9001 and the task's award post after their one-second notice.
  testing::Run board;
  for (int i = 0; i < 100; ++i) {
    board = ctl({"--json", "board", "show", "1"});
    if (Contains(board.out, "\"section\":\"ranking\",\"rank\":1,\"household\":\"3\"")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(Contains(board.out,
                       "{\"section\":\"ranking\",\"rank\":1,\"household\":\"3\",\"name\":"
                       "\"王*\",\"earned\":\"15\"}"))
      << board.out;
  EXPECT_TRUE(Contains(board.out, "{\"section\":\"satisfaction\",\"of\":\"shop\",\"subject\":2,"))
      << board.out;
  const testing::Run text_board = ctl({"board", "show", "1"});
  EXPECT_TRUE(Contains(text_board.out, "shop 2")) << "the rating's average" << text_board.out;

  // The month as the server counts it (the board's header names it).
  const size_t at = text_board.out.find("month ");
  ASSERT_NE(at, std::string::npos) << text_board.out;
  const std::string month = text_board.out.substr(at + 6, 6);
  const testing::Run statement = ctl({"statements", "show", "1", "1", "--month", month});
  ASSERT_EQ(statement.exit_code, kExitOk) << Describe(statement);
  EXPECT_TRUE(Contains(statement.out, "closing balance 95")) << statement.out;
  EXPECT_EQ(ctl({"statements", "show", "1", "1", "--month", "202613"}).exit_code, kExitUsage);
  const testing::Run csv = ctl({"reports", "show", "1", "--month", month, "--csv"});
  ASSERT_EQ(csv.exit_code, kExitOk) << Describe(csv);
  EXPECT_TRUE(Contains(csv.out, "section,key,name,count,amount\n")) << csv.out;
  EXPECT_TRUE(Contains(csv.out, "issued_by_category,14,task,1,15\n")) << csv.out;
  EXPECT_TRUE(Contains(csv.out, "redeemed_by_shop,2,爱心商户 老李小卖部,1,5\n")) << csv.out;

  ASSERT_EQ(ctl({"expiry", "set", "1", "--grace-years", "0"}).exit_code, kExitOk);
  const testing::Run balance = ctl({"--json", "households", "balance", "1", "1"});
  ASSERT_EQ(balance.exit_code, kExitOk) << Describe(balance);
  EXPECT_TRUE(Contains(balance.out, "\"balance\":\"95\"")) << balance.out;
  EXPECT_TRUE(Contains(balance.out, "\"points\":\"95\""))
      << "all of it lapses at the year end" << balance.out;
  EXPECT_EQ(ctl({"expiry", "set", "1"}).exit_code, kExitUsage);
}

}  // namespace
}  // namespace points::client

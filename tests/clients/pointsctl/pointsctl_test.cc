// pointsctl end to end: the real binary against a real pointsd, checked by exit code and output.
// Every call carries the token of the principal a real operator would use (server/AUTHZ.md):
// the first admin sets up and drives the raw ledger, the committee keeps rules, approvals and
// settlements, grid workers record, shopkeepers redeem with the household's payment code.
#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cpp/ledger_client.h"
#include "clients/cpp/value_text.h"
#include "gtest/gtest.h"
#include "tests/clients/pointsctl/pointsctl_process.h"
#include "tests/engine/testing.h"

namespace points::client {
namespace {

using testing::Pointsd;
using testing::RunPointsctl;
using testing::Shell;
using testing::TempDir;

constexpr int kExitOk = 0;
constexpr int kExitRpcFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRefused = 3;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Whether one line of `text` holds every one of `parts`.
bool HasLine(const std::string& text, const std::vector<std::string>& parts) {
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    bool all = true;
    for (const std::string& part : parts) all = all && absl::StrContains(line, part);
    if (all) return true;
  }
  return false;
}

// The last cell of the table row that starts with `name`; "" when there is none.
std::string LastCell(const std::string& table, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(table, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, name + " ")) {
      return std::string(line.substr(line.rfind(' ') + 1));
    }
  }
  return "";
}

// The first line of a command's output (a payment code; "valid until ..." follows it).
std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Prints what a failed expectation needs to be understood.
std::string Describe(const testing::Run& run) {
  return absl::StrCat("exit ", run.exit_code, "\n--- stdout\n", run.out, "--- stderr\n", run.err);
}

// A server with a temporary store, and pointsctl pointed at it.
class PointsctlTest : public ::testing::Test {
 protected:
  PointsctlTest() : pointsd_(data_.path()), shell_(pointsd_, data_.path(), scratch_.path()) {}

  // As the first admin, whose the raw ledger and the set-up are.
  testing::Run Ctl(std::vector<std::string> args) { return shell_(std::move(args)); }
  // As the principal whose token is in `token_file`.
  testing::Run CtlAs(const std::string& token_file, std::vector<std::string> args) {
    return shell_.As(token_file, std::move(args));
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
  Shell shell_;
};

TEST(PointsctlHelpTest, HelpListsCommandsFlagsDefaultsAndExitCodes) {
  TempDir scratch;
  const testing::Run main = RunPointsctl(scratch.path(), {"--help"});
  EXPECT_EQ(main.exit_code, kExitOk);
  for (const char* part : {"accounts create",    "accounts lookup",     "transfers create",
                           "transfers lookup",   "transfers import",    "history",
                           "--target",           "POINTS_TARGET",       "--json",
                           "--deadline-seconds", "--header NAME=VALUE", "health",
                           "--token-file FILE",  "POINTS_TOKEN",        "admin.token",
                           "principals create",  "principals revoke",   "audit list",
                           "baskets pay-code",   "Exit codes",          "completion bash"}) {
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
      {{"--token-file", "no-such.token", "health"}, "--token-file: cannot read 'no-such.token'"},
      {{"principals", "create", "x", "--role", "mayor"}, "--role"},
      {{"baskets", "redeem", "1", "1", "1:1", "--household", "1", "--id", "7"}, "consent"},
      {{"history", "1", "--limit"}, "--limit needs a value"},
      {{"history", "1", "--limit", "5", "--limit=6"}, "--limit given twice"},
      {{"history", "1", "--reverse=yes"}, "--reverse takes no value"},
      {{"accounts", "lookup", "1", "--attempts", "0"}, "--attempts must be a whole number"},
      {{"transfers", "create", "--id", "1", "--colour=red"}, "unknown flag --colour"},
      {{"accounts"}, "'accounts' needs a command"},
      {{"--colour", "health"}, "--colour"},
  };
  for (const auto& c : cases) {
    const testing::Run run = RunPointsctl(scratch.path(), c.args);
    EXPECT_EQ(run.exit_code, kExitUsage) << Describe(run);
    EXPECT_TRUE(Contains(run.err, c.message)) << c.message << "\n" << Describe(run);
    EXPECT_TRUE(Contains(run.err, "--help")) << Describe(run);
    EXPECT_TRUE(run.out.empty()) << Describe(run);
  }
}

// The words bash offers on Tab at the end of `line`, with the script `pointsctl completion bash`
// printed sourced into a real bash, as a user's shell does: COMP_WORDS and COMP_CWORD set as
// bash sets them (the line split at spaces, an empty word after a trailing one), then the
// function the script registered for pointsctl.
std::vector<std::string> BashCompletes(const std::string& scratch, const std::string& script,
                                       const std::string& line) {
  const std::string driver = scratch + "/complete.bash";
  std::ofstream(driver) << "source '" << script << "'\n"
                        << "read -ra COMP_WORDS <<< '" << line << "'\n"
                        << (absl::EndsWith(line, " ") ? "COMP_WORDS+=('')\n" : "")
                        << "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                        << "\"$(complete -p pointsctl | awk '{print $3}')\"\n"
                        << "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  FILE* bash = popen(("bash --norc --noprofile '" + driver + "' 2>&1").c_str(), "r");
  std::string out;
  char buffer[512];
  while (bash != nullptr && fgets(buffer, sizeof buffer, bash) != nullptr) out += buffer;
  if (bash != nullptr) pclose(bash);
  return absl::StrSplit(out, '\n', absl::SkipEmpty());
}

TEST(PointsctlCompletionTest, BashCompletesGroupsCommandsAndTheirFlags) {
  TempDir scratch;
  const testing::Run script = RunPointsctl(scratch.path(), {"completion", "bash"});
  ASSERT_EQ(script.exit_code, kExitOk) << Describe(script);
  const std::string path = scratch.path() + "/pointsctl.bash";
  std::ofstream(path) << script.out;
  using Words = std::vector<std::string>;
  auto complete = [&](const std::string& line) {
    return BashCompletes(scratch.path(), path, line);
  };
  EXPECT_EQ(complete("pointsctl acc"), Words({"accounts"}));
  EXPECT_EQ(complete("pointsctl comp"), Words({"completion"}));
  EXPECT_EQ(complete("pointsctl accounts "), Words({"create", "lookup", "watch", "--help"}));
  EXPECT_EQ(complete("pointsctl history --l"), Words({"--limit"}));
  // The command's flags and the global ones, and no other command's.
  const Words create = complete("pointsctl accounts create --");
  for (const char* flag : {"--id", "--ledger", "--code", "--flags", "--user-data-128", "--help",
                           "--target", "--json", "--token-file", "--header"}) {
    EXPECT_NE(std::find(create.begin(), create.end(), flag), create.end())
        << flag << "\n"
        << absl::StrJoin(create, " ");
  }
  for (const char* flag : {"--limit", "--batch", "--debit-account-id"}) {
    EXPECT_EQ(std::find(create.begin(), create.end(), flag), create.end())
        << flag << "\n"
        << absl::StrJoin(create, " ");
  }
  // A flag's value is not taken for a command, wherever the flag is.
  EXPECT_EQ(complete("pointsctl --target history transfers import --b"), Words({"--batch"}));
  EXPECT_EQ(complete("pointsctl accounts create --id 1 --l"), Words({"--ledger"}));
  // After a flag that takes a value, nothing but a file for a FILE.
  EXPECT_EQ(complete("pointsctl health --attempts "), Words());
  const Words files = complete("pointsctl --token-file " + scratch.path() + "/pointsctl.b");
  EXPECT_EQ(files, Words({path}));
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
  // Health checks need no token (load balancers and probes have none).
  const testing::Run anonymous = shell_.Anonymous({"health", "--service", "points.write"});
  EXPECT_EQ(anonymous.exit_code, kExitOk) << Describe(anonymous);
  EXPECT_EQ(anonymous.out, "SERVING\n") << Describe(anonymous);

  const testing::Run unknown = Ctl({"health", "--service", "points.bogus"});
  EXPECT_EQ(unknown.exit_code, kExitRefused) << Describe(unknown);
  EXPECT_TRUE(Contains(unknown.err, "NOT_FOUND")) << Describe(unknown);
  EXPECT_TRUE(unknown.out.empty()) << Describe(unknown);
}

// Every call but a health check carries a principal's token: with none, or an unknown one, the
// call is refused UNAUTHENTICATED (exit 1) and the message says where a token comes from.
TEST_F(PointsctlTest, ACallWithoutATokenFailsNamingTokenFile) {
  const testing::Run none = shell_.Anonymous({"villages", "list"});
  EXPECT_EQ(none.exit_code, kExitRpcFailed) << Describe(none);
  EXPECT_TRUE(Contains(none.err, "UNAUTHENTICATED")) << none.err;
  EXPECT_TRUE(Contains(none.err, "--token-file")) << none.err;
  EXPECT_TRUE(none.out.empty()) << Describe(none);
  const testing::Run write =
      shell_.Anonymous({"accounts", "create", "--id", "1", "--ledger", "1", "--code", "1"});
  EXPECT_EQ(write.exit_code, kExitRpcFailed) << Describe(write);
  EXPECT_TRUE(Contains(write.err, "UNAUTHENTICATED")) << write.err;
  EXPECT_TRUE(Contains(Ctl({"accounts", "lookup", "1"}).err, "not found"))
      << "the refused create wrote nothing";

  const std::vector<std::string> list = {"--target", pointsd_.target(), "towns", "list"};
  const testing::Run unknown =
      RunPointsctl(scratch_.path(), list, {{"POINTS_TOKEN", std::string(64, 'a')}});
  EXPECT_EQ(unknown.exit_code, kExitRpcFailed) << Describe(unknown);
  EXPECT_TRUE(Contains(unknown.err, "UNAUTHENTICATED")) << unknown.err;
  // The token itself in POINTS_TOKEN, or its file in POINTS_TOKEN_FILE; --token-file wins.
  const testing::Run from_env =
      RunPointsctl(scratch_.path(), list, {{"POINTS_TOKEN", pointsd_.admin_token()}});
  EXPECT_EQ(from_env.exit_code, kExitOk) << Describe(from_env);
  const testing::Run file_from_env =
      RunPointsctl(scratch_.path(), list, {{"POINTS_TOKEN_FILE", shell_.admin()}});
  EXPECT_EQ(file_from_env.exit_code, kExitOk) << Describe(file_from_env);
  std::vector<std::string> with_flag = list;
  with_flag.insert(with_flag.end(), {"--token-file", shell_.admin()});
  const testing::Run flag_wins =
      RunPointsctl(scratch_.path(), with_flag, {{"POINTS_TOKEN", std::string(64, 'a')}});
  EXPECT_EQ(flag_wins.exit_code, kExitOk) << Describe(flag_wins);
  // A file without a token is a usage error.
  const testing::Run empty = CtlAs(WriteFile("empty.token", "\n"), {"towns", "list"});
  EXPECT_EQ(empty.exit_code, kExitUsage) << Describe(empty);
  EXPECT_TRUE(Contains(empty.err, "holds no token")) << empty.err;
}

// The admin makes a shop's terminal, lists it and revokes it: the revoked token stops working at
// once. Only admins make principals; the audit names who made and revoked them.
TEST_F(PointsctlTest, PrincipalsAreMadeListedAndRevokedAndTheAuditNamesWhoDidIt) {
  const std::vector<std::string> create = {
      "principals", "create", "shop-1-2", "--role", "shopkeeper", "--village", "1", "--shop", "2"};
  const testing::Run made = Ctl(create);
  ASSERT_EQ(made.exit_code, kExitOk) << Describe(made);
  ASSERT_EQ(made.out.size(), 65u) << "64 hex digits and a newline: " << made.out;
  EXPECT_EQ(made.out.find_first_not_of("0123456789abcdef"), 64u) << made.out;
  EXPECT_TRUE(Contains(made.err, "shown only now")) << made.err;
  const std::string shop = WriteFile("shop-1-2.token", made.out);
  // A name is taken for good; a role's scope must be whole.
  const testing::Run taken = Ctl(create);
  EXPECT_EQ(taken.exit_code, kExitRefused) << Describe(taken);
  EXPECT_TRUE(Contains(taken.err, "ALREADY_EXISTS")) << taken.err;
  EXPECT_TRUE(taken.out.empty()) << Describe(taken);
  const testing::Run no_grid =
      Ctl({"principals", "create", "grid-1-1", "--role", "grid-worker", "--village", "1"});
  EXPECT_EQ(no_grid.exit_code, kExitRpcFailed) << Describe(no_grid);
  EXPECT_TRUE(Contains(no_grid.err, "INVALID_ARGUMENT")) << no_grid.err;
  EXPECT_TRUE(Contains(no_grid.err, "grid")) << no_grid.err;

  // The new token works, within its role: a shopkeeper reads the public structure, and neither
  // lists nor makes principals.
  const testing::Run towns = CtlAs(shop, {"towns", "list"});
  EXPECT_EQ(towns.exit_code, kExitOk) << Describe(towns);
  // Any principal may ask whose token it holds: the terminal learns its village and shop.
  const testing::Run me = CtlAs(shop, {"whoami"});
  ASSERT_EQ(me.exit_code, kExitOk) << Describe(me);
  EXPECT_TRUE(HasLine(me.out, {"shop-1-2", "shopkeeper", " admin "})) << me.out;
  EXPECT_FALSE(HasLine(me.out, {"bootstrap"})) << "whoami shows only the caller\n" << me.out;
  EXPECT_FALSE(Contains(me.out, FirstLine(made.out))) << "never the token";
  const testing::Run not_admin = CtlAs(shop, {"principals", "list"});
  EXPECT_NE(not_admin.exit_code, kExitOk) << Describe(not_admin);
  EXPECT_TRUE(Contains(not_admin.err, "PERMISSION_DENIED")) << not_admin.err;
  const testing::Run self_made = CtlAs(shop, {"principals", "create", "shop-1-3", "--role",
                                              "shopkeeper", "--village", "1", "--shop", "3"});
  EXPECT_NE(self_made.exit_code, kExitOk) << Describe(self_made);
  EXPECT_TRUE(Contains(self_made.err, "PERMISSION_DENIED")) << self_made.err;

  const testing::Run listed = Ctl({"principals", "list"});
  ASSERT_EQ(listed.exit_code, kExitOk) << Describe(listed);
  EXPECT_TRUE(HasLine(listed.out, {"admin ", "bootstrap"})) << listed.out;
  EXPECT_TRUE(HasLine(listed.out, {"shop-1-2", "shopkeeper", " admin "})) << listed.out;
  EXPECT_FALSE(HasLine(listed.out, {"shop-1-3"})) << listed.out;
  EXPECT_EQ(LastCell(listed.out, "shop-1-2"), "-") << "not revoked\n" << listed.out;
  EXPECT_FALSE(Contains(listed.out, FirstLine(made.out))) << "a token is never shown again";
  const testing::Run json = Ctl({"--json", "principals", "list"});
  ASSERT_EQ(json.exit_code, kExitOk) << Describe(json);
  EXPECT_TRUE(HasLine(
      json.out, {"\"name\":\"shop-1-2\"", "\"role\":\"shopkeeper\"", "\"created_by\":\"admin\""}))
      << json.out;

  const testing::Run revoked = Ctl({"principals", "revoke", "shop-1-2"});
  ASSERT_EQ(revoked.exit_code, kExitOk) << Describe(revoked);
  EXPECT_TRUE(Contains(revoked.out, "shop-1-2")) << revoked.out;
  const testing::Run after = CtlAs(shop, {"towns", "list"});
  EXPECT_EQ(after.exit_code, kExitRpcFailed) << Describe(after);
  EXPECT_TRUE(Contains(after.err, "UNAUTHENTICATED")) << after.err;
  EXPECT_TRUE(after.out.empty()) << Describe(after);
  // Listed still, now with the time it was revoked.
  const std::string relisted = Ctl({"principals", "list"}).out;
  EXPECT_TRUE(HasLine(relisted, {"shop-1-2", "shopkeeper"})) << relisted;
  EXPECT_TRUE(absl::StartsWith(LastCell(relisted, "shop-1-2"), "20")) << relisted;
  const testing::Run nobody = Ctl({"principals", "revoke", "nobody"});
  EXPECT_EQ(nobody.exit_code, kExitRefused) << Describe(nobody);
  EXPECT_TRUE(Contains(nobody.err, "NOT_FOUND")) << nobody.err;

  // The audit: the first admin made at the first start, then the admin's two acts, in order.
  const testing::Run audit = Ctl({"--json", "audit", "list"});
  ASSERT_EQ(audit.exit_code, kExitOk) << Describe(audit);
  const std::vector<std::string> entries = absl::StrSplit(audit.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(entries.size(), 3u) << audit.out;
  EXPECT_TRUE(Contains(entries[0], "\"principal\":\"bootstrap\"")) << audit.out;
  EXPECT_TRUE(Contains(entries[0], "\"act\":\"principal.create\"")) << audit.out;
  for (const char* part : {"\"principal\":\"admin\"", "\"role\":\"admin\"",
                           "\"act\":\"principal.create\"", "shop-1-2", "\"hash\":\""}) {
    EXPECT_TRUE(Contains(entries[1], part)) << part << "\n" << audit.out;
  }
  for (const char* part : {"\"principal\":\"admin\"", "\"act\":\"principal.revoke\"", "shop-1-2"}) {
    EXPECT_TRUE(Contains(entries[2], part)) << part << "\n" << audit.out;
  }
  const testing::Run page = Ctl({"--json", "audit", "list", "--from", "2", "--limit", "1"});
  ASSERT_EQ(page.exit_code, kExitOk) << Describe(page);
  EXPECT_EQ(page.out, entries[1] + "\n");
  const testing::Run table = Ctl({"audit", "list"});
  ASSERT_EQ(table.exit_code, kExitOk) << Describe(table);
  EXPECT_TRUE(HasLine(table.out, {"admin", "principal.revoke", "shop-1-2"})) << table.out;

  // The auditor reads the audit and writes nothing; a committee member reads neither.
  const std::string auditor = shell_.Make("auditor", {"--role", "auditor"});
  ASSERT_FALSE(auditor.empty());
  const testing::Run audited = CtlAs(auditor, {"audit", "list"});
  EXPECT_EQ(audited.exit_code, kExitOk) << Describe(audited);
  EXPECT_TRUE(Contains(audited.out, "principal.revoke")) << audited.out;
  const testing::Run auditor_writes = CtlAs(auditor, {"principals", "revoke", "admin"});
  EXPECT_NE(auditor_writes.exit_code, kExitOk) << Describe(auditor_writes);
  EXPECT_TRUE(Contains(auditor_writes.err, "PERMISSION_DENIED")) << auditor_writes.err;
  const std::string committee =
      shell_.Make("committee-1", {"--role", "committee", "--village", "1"});
  ASSERT_FALSE(committee.empty());
  const testing::Run committee_reads = CtlAs(committee, {"audit", "list"});
  EXPECT_NE(committee_reads.exit_code, kExitOk) << Describe(committee_reads);
  EXPECT_TRUE(Contains(committee_reads.err, "PERMISSION_DENIED")) << committee_reads.err;
  EXPECT_EQ(Ctl({"towns", "list"}).exit_code, kExitOk) << "the admin was not revoked";
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
  const Shell ctl(pointsd, data.path(), scratch.path(), {"--attempts", "1"});
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
  const testing::Run different = Ctl({"accounts", "create", "--id", "1", "--ledger", "3000000",
                                      "--code", "10", "--flags", "history"});
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

  // The village's people: two committee members, grid 1's worker (households 7 and 8 are in
  // grid 1), and household 8's app.
  ASSERT_EQ(Ctl({"villages", "put", "1", "东山村"}).exit_code, kExitOk);
  ASSERT_EQ(Ctl({"grids", "put", "1", "1", "--worker", "grid-wang"}).exit_code, kExitOk);
  for (const char* household : {"7", "8"}) {
    ASSERT_EQ(Ctl({"households", "put", "1", household, "--grid", "1"}).exit_code, kExitOk);
  }
  const std::string li = shell_.Make("committee-li", {"--role", "committee", "--village", "1"});
  const std::string zhang =
      shell_.Make("committee-zhang", {"--role", "committee", "--village", "1"});
  const std::string wang =
      shell_.Make("grid-wang", {"--role", "grid-worker", "--village", "1", "--grid", "1"});
  const std::string zhao =
      shell_.Make("villager-zhao", {"--role", "household", "--village", "1", "--household", "8"});
  ASSERT_FALSE(li.empty() || zhang.empty() || wang.empty() || zhao.empty());

  // The catalogue: rule N scores N points (hygiene, no caps); a put again changes nothing.
  for (const char* points : {"10", "25"}) {
    const testing::Run put =
        CtlAs(li, {"rules", "put", "--village", "1", "--rule", points, "--name", "庭院卫生评比",
                   "--category", "hygiene", "--points-per-unit", points, "--by", "committee-li"});
    ASSERT_EQ(put.exit_code, kExitOk) << Describe(put);
  }
  // The admin sets up but keeps no catalogue.
  const testing::Run by_admin =
      Ctl({"rules", "put", "--village", "1", "--rule", "10", "--name", "庭院卫生评比", "--category",
           "hygiene", "--points-per-unit", "10"});
  EXPECT_EQ(by_admin.exit_code, kExitRefused) << Describe(by_admin);
  EXPECT_TRUE(Contains(by_admin.err, "PERMISSION_DENIED")) << by_admin.err;
  const testing::Run changed =
      CtlAs(li, {"--json", "rules", "put", "--village", "1", "--rule", "25", "--name",
                 "庭院卫生评比", "--category", "hygiene", "--points-per-unit", "25",
                 "--cap-per-day", "50", "--by", "committee-li"});
  ASSERT_EQ(changed.exit_code, kExitOk) << Describe(changed);
  EXPECT_TRUE(Contains(changed.out, "\"version\":2")) << changed.out;
  const testing::Run rules = Ctl({"rules", "list", "1"});
  ASSERT_EQ(rules.exit_code, kExitOk) << Describe(rules);
  EXPECT_EQ(std::count(rules.out.begin(), rules.out.end(), '\n'), 4) << rules.out;
  EXPECT_TRUE(Contains(rules.out, "庭院卫生评比")) << rules.out;
  const testing::Run bad_rule = CtlAs(
      li, {"rules", "put", "--village", "1", "--rule", "3", "--name", "x", "--category",
           "deduction", "--points-per-unit", "5", "--cap-per-day", "5", "--by", "committee-li"});
  EXPECT_EQ(bad_rule.exit_code, kExitRpcFailed) << "INVALID_ARGUMENT: " << Describe(bad_rule);
  EXPECT_TRUE(Contains(bad_rule.err, "a deduction has no caps")) << bad_rule.err;

  // The grid worker records; --by names nobody: the recorder is the caller.
  auto record = [&](const std::string& id, const std::string& household,
                    const std::string& points) {
    return CtlAs(
        wang, {"awards", "record", "--village", "1", "--id", id, "--household", household, "--rule",
               points, "--by", "someone-else", "--evidence", "photo:3f2a", "--note", "院落整洁"});
  };
  const testing::Run recorded = record("9001", "7", "10");
  ASSERT_EQ(recorded.exit_code, kExitOk) << Describe(recorded);
  EXPECT_TRUE(Contains(recorded.out, "awaiting_review")) << recorded.out;
  EXPECT_TRUE(Contains(Ctl({"--json", "awards", "show", "1", "9001"}).out,
                       "\"recorded_by\":\"grid-wang\""));
  // Neither the grid worker nor the admin approves; nor does a committee member its own award.
  const testing::Run by_recorder = CtlAs(wang, {"awards", "approve", "1", "9001", "--by", "x"});
  EXPECT_EQ(by_recorder.exit_code, kExitRefused) << Describe(by_recorder);
  EXPECT_TRUE(Contains(by_recorder.err, "PERMISSION_DENIED")) << by_recorder.err;
  EXPECT_EQ(Ctl({"awards", "approve", "1", "9001"}).exit_code, kExitRefused);
  ASSERT_EQ(CtlAs(zhang, {"awards", "record", "--village", "1", "--id", "9003", "--household", "7",
                          "--rule", "10"})
                .exit_code,
            kExitOk);
  const testing::Run own = CtlAs(zhang, {"awards", "approve", "1", "9003"});
  EXPECT_EQ(own.exit_code, kExitRefused) << Describe(own);
  EXPECT_TRUE(Contains(own.err, "not the one who recorded")) << own.err;
  const testing::Run approved =
      CtlAs(li, {"awards", "approve", "1", "9001", "--by", "committee-li"});
  ASSERT_EQ(approved.exit_code, kExitOk) << Describe(approved);
  EXPECT_TRUE(Contains(approved.out, "on_notice")) << approved.out;
  EXPECT_TRUE(Contains(AccountJson(account_7), "\"credits_pending\":\"10\"")) << account_7;

  // Over the budget: refused by the ledger, with the reason, exit code 3.
  ASSERT_EQ(record("9002", "8", "25").exit_code, kExitOk);
  const testing::Run over = CtlAs(li, {"awards", "approve", "1", "9002", "--by", "committee-li"});
  EXPECT_EQ(over.exit_code, kExitRefused) << Describe(over);
  EXPECT_TRUE(Contains(over.out, "issuance budget is used up")) << over.out;

  // A neighbour objects from its household's app.
  const testing::Run objected = CtlAs(
      zhao, {"awards", "object", "1", "9001", "--by", "villager-zhao", "--reason", "门前有垃圾"});
  ASSERT_EQ(objected.exit_code, kExitOk) << Describe(objected);
  EXPECT_TRUE(Contains(objected.out, "held")) << objected.out;
  // The committee sees why (the admin, like the household objected against, would not).
  const testing::Run held = CtlAs(li, {"--json", "awards", "list", "1", "--state", "held"});
  ASSERT_EQ(held.exit_code, kExitOk) << Describe(held);
  EXPECT_TRUE(Contains(held.out, "\"objection\":\"门前有垃圾\"")) << held.out;
  EXPECT_EQ(CtlAs(li, {"awards", "decide", "1", "9001", "--by", "committee-li"}).exit_code,
            kExitUsage);
  const testing::Run voided =
      CtlAs(li, {"awards", "decide", "1", "9001", "--void", "--by", "committee-li"});
  ASSERT_EQ(voided.exit_code, kExitOk) << Describe(voided);
  EXPECT_TRUE(Contains(voided.out, "voided")) << voided.out;
  EXPECT_TRUE(Contains(AccountJson(account_7), "\"credits_pending\":\"0\"")) << account_7;
  EXPECT_EQ(Ctl({"awards", "show", "1", "9999"}).exit_code, kExitRefused);

  // The operator audit names who changed the rules, approved and decided: the callers.
  const testing::Run audit = Ctl({"--json", "audit", "list", "--village", "1"});
  ASSERT_EQ(audit.exit_code, kExitOk) << Describe(audit);
  EXPECT_TRUE(HasLine(audit.out, {"\"principal\":\"committee-li\"", "\"act\":\"award.approve\""}))
      << audit.out;
  EXPECT_TRUE(
      HasLine(audit.out, {"\"principal\":\"committee-li\"", "\"act\":\"award.decide\"", "voided"}))
      << audit.out;
  EXPECT_TRUE(HasLine(audit.out, {"\"principal\":\"admin\"", "\"act\":\"budget"})) << audit.out;
  EXPECT_FALSE(HasLine(audit.out, {"someone-else"})) << audit.out;
}

TEST(PointsctlShopsTest, ShopsItemsStockBasketsSettlementAndCashSalesOnTheDemoVillage) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo"});  // village 1: households 1-3, shop 1, 3 items
  const Shell ctl(pointsd, data.path(), scratch.path());
  const std::string shop = ctl.Demo("shop-1"), committee = ctl.Demo("committee-li");
  // The household's app shows a code; the shop's terminal redeems with it.
  auto redeem = [&](std::vector<std::string> args, const std::string& household) {
    const testing::Run code =
        ctl.As(ctl.Demo("household-" + household), {"baskets", "pay-code", "1", household});
    EXPECT_EQ(code.exit_code, kExitOk) << Describe(code);
    args.insert(args.begin(), {"baskets", "redeem"});
    args.insert(args.end(), {"--household", household, "--code", FirstLine(code.out)});
    return ctl.As(shop, args);
  };
  const testing::Run items = ctl({"--json", "items", "list", "1", "1"});
  ASSERT_EQ(items.exit_code, kExitOk) << Describe(items);
  EXPECT_TRUE(Contains(items.out, "\"item\":1,\"name\":\"酱油 500ml (soy sauce)\"")) << items.out;
  EXPECT_TRUE(Contains(items.out, "\"stock\":\"20\"")) << items.out;
  ASSERT_EQ(
      ctl.As(shop, {"items", "put", "1", "1", "4", "--name", "毛巾", "--points", "8"}).exit_code,
      kExitOk);
  ASSERT_EQ(
      ctl.As(shop, {"stock", "add", "1", "1", "4", "--id", "44", "--quantity", "1"}).exit_code,
      kExitOk);

  const std::string code = ctl.As(ctl.Demo("household-1"), {"baskets", "pay-code", "1", "1"}).out;
  ASSERT_TRUE(Contains(code, "PC1-1-1-")) << code;
  const std::vector<std::string> basket_7001 = {"baskets",     "redeem", "1",      "1",
                                                "1:2",         "4:1",    "--id",   "7001",
                                                "--household", "1",      "--code", FirstLine(code)};
  const testing::Run basket = ctl.As(shop, basket_7001);
  ASSERT_EQ(basket.exit_code, kExitOk) << Describe(basket);
  EXPECT_TRUE(Contains(basket.out, "28  redeemed")) << basket.out;
  // A resend of the same basket needs no new code: the one it came with is spent, and the
  // basket is not charged twice.
  const testing::Run resent = ctl.As(shop, basket_7001);
  EXPECT_EQ(resent.exit_code, kExitOk) << Describe(resent);
  EXPECT_TRUE(Contains(resent.out, "28  redeemed")) << resent.out;
  const testing::Run sold_out = redeem({"1", "1", "4:1", "--id", "7002"}, "2");
  EXPECT_EQ(sold_out.exit_code, kExitRefused) << Describe(sold_out);
  EXPECT_TRUE(Contains(sold_out.out, "item 4 is out of stock")) << sold_out.out;
  EXPECT_TRUE(
      Contains(ctl({"--json", "households", "show", "1", "1"}).out, "\"debits_posted\":\"28\""));
  // The household's app reads its own account, not a neighbour's.
  EXPECT_TRUE(
      Contains(ctl.As(ctl.Demo("household-1"), {"--json", "households", "show", "1", "1"}).out,
               "\"debits_posted\":\"28\""));
  const testing::Run neighbour =
      ctl.As(ctl.Demo("household-2"), {"--json", "households", "show", "1", "1"});
  EXPECT_EQ(neighbour.exit_code, kExitRpcFailed) << Describe(neighbour);
  EXPECT_TRUE(Contains(neighbour.err, "PERMISSION_DENIED")) << neighbour.err;

  const testing::Run returned = ctl.As(shop, {"baskets", "return", "1", "7001"});
  ASSERT_EQ(returned.exit_code, kExitOk) << Describe(returned);
  EXPECT_TRUE(Contains(returned.out, "returned")) << returned.out;
  ASSERT_EQ(redeem({"1", "1", "2:5", "--id", "7003"}, "3").exit_code, kExitOk);
  const testing::Run settled = ctl.As(
      committee, {"--json", "shops", "settle", "1", "1", "--id", "501", "--fen-per-point", "100"});
  ASSERT_EQ(settled.exit_code, kExitOk) << Describe(settled);
  EXPECT_TRUE(Contains(settled.out, "\"points\":\"15\",\"fen_per_point\":\"100\",\"fen\":\"1500\""))
      << settled.out;
  EXPECT_EQ(
      ctl.As(committee, {"shops", "settle", "1", "1", "--id", "502", "--fen-per-point", "100"})
          .exit_code,
      kExitRefused)
      << "nothing left to settle";

  ASSERT_EQ(
      ctl.As(committee, {"shops", "terms", "1", "1", "--discount-bp", "1000", "--levy-bp", "1000"})
          .exit_code,
      kExitOk);
  const testing::Run sale = ctl.As(
      shop, {"--json", "sales", "record", "1", "1", "1:1", "--household", "2", "--id", "8001"});
  ASSERT_EQ(sale.exit_code, kExitOk) << Describe(sale);
  EXPECT_TRUE(Contains(sale.out,
                       "\"list_fen\":\"1200\",\"discount_bp\":1000,"
                       "\"paid_fen\":\"1080\",\"levy_bp\":1000,\"levy_fen\":\"108\""))
      << sale.out;
}

// A shop redeems a new basket only with the household's consent: the payment code its app
// shows, good for one basket, or its card and PIN. Who may ask for a code, redeem, or issue a
// card is the role's; a refused call spends nothing.
// The committee sets the village's offline limits; the shopkeeper and the auditor read them,
// they survive a restart, the operator audit names the change, and nobody else may change them.
TEST(PointsctlShopsTest, TheCommitteeSetsTheVillagesOfflineLimitsAndTheShopkeeperReadsThem) {
  TempDir data;
  TempDir scratch;
  auto pointsd = std::make_unique<Pointsd>(data.path(), 0, std::vector<std::string>{"--demo"});
  auto ctl = std::make_unique<Shell>(*pointsd, data.path(), scratch.path());
  const std::string committee = ctl->Demo("committee-li"), shop = ctl->Demo("shop-1");
  const testing::Run defaults = ctl->As(shop, {"--json", "shops", "offline-limits", "1"});
  ASSERT_EQ(defaults.exit_code, kExitOk) << Describe(defaults);
  EXPECT_TRUE(Contains(defaults.out, "\"offline_hours\":72,\"household_points\":\"50\""))
      << defaults.out;
  const testing::Run set =
      ctl->As(committee, {"shops", "offline-limits", "1", "--offline-hours", "24",
                          "--household-points", "30", "--basket-points", "20"});
  ASSERT_EQ(set.exit_code, kExitOk) << Describe(set);
  EXPECT_TRUE(Contains(set.out, "village 1 now: offline for 24 h")) << set.out;
  EXPECT_TRUE(Contains(set.out, "per household 30 points and 2 baskets")) << set.out;
  // (The terminal reads them with its catalogue, ListItems: tests/web/offline_consent_test.mjs.)
  const testing::Run by_shop =
      ctl->As(shop, {"shops", "offline-limits", "1", "--offline-hours", "720"});
  EXPECT_EQ(by_shop.exit_code, kExitRefused) << Describe(by_shop);
  EXPECT_TRUE(Contains(by_shop.err, "PERMISSION_DENIED")) << by_shop.err;
  const testing::Run too_long =
      ctl->As(committee, {"shops", "offline-limits", "1", "--offline-hours", "721"});
  EXPECT_EQ(too_long.exit_code, kExitUsage) << Describe(too_long);

  pointsd.reset();  // SIGTERM, then the same data directory again
  pointsd = std::make_unique<Pointsd>(data.path(), 0, std::vector<std::string>{"--demo"});
  ctl = std::make_unique<Shell>(*pointsd, data.path(), scratch.path());
  const testing::Run kept = ctl->As(ctl->Demo("auditor"), {"shops", "offline-limits", "1"});
  ASSERT_EQ(kept.exit_code, kExitOk) << Describe(kept);
  EXPECT_TRUE(Contains(kept.out, "offline for 24 h")) << kept.out;
  EXPECT_TRUE(Contains(kept.out, "at most 20 points a basket")) << kept.out;
  const testing::Run audit = (*ctl)({"--json", "audit", "list"});
  EXPECT_TRUE(Contains(audit.out, "shop.offline_limits")) << audit.out;
}

TEST(PointsctlShopsTest, ABasketIsPaidWithTheHouseholdsCodeOnceOrItsCardAndPin) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo"});  // village 1: households 1-3, shops 1 and 2
  const Shell ctl(pointsd, data.path(), scratch.path());
  const std::string shop = ctl.Demo("shop-1"), household_1 = ctl.Demo("household-1");
  auto pay_code = [&](const std::string& token_file) {
    const testing::Run run = ctl.As(token_file, {"baskets", "pay-code", "1", "1"});
    EXPECT_EQ(run.exit_code, kExitOk) << Describe(run);
    return FirstLine(run.out);
  };
  auto redeem = [&](const std::string& token_file, const std::string& household,
                    const std::string& basket, std::vector<std::string> consent) {
    std::vector<std::string> args = {"baskets",     "redeem",  "1",    "1",   "1:1",
                                     "--household", household, "--id", basket};
    args.insert(args.end(), consent.begin(), consent.end());
    return ctl.As(token_file, args);
  };

  const testing::Run shown = ctl.As(household_1, {"baskets", "pay-code", "1", "1"});
  ASSERT_EQ(shown.exit_code, kExitOk) << Describe(shown);
  EXPECT_TRUE(absl::StartsWith(shown.out, "PC1-1-1-")) << shown.out;
  EXPECT_TRUE(Contains(shown.out, "valid until")) << shown.out;
  const std::string first = FirstLine(shown.out);
  const testing::Run json = ctl.As(household_1, {"--json", "baskets", "pay-code", "1", "1"});
  ASSERT_EQ(json.exit_code, kExitOk) << Describe(json);
  EXPECT_TRUE(Contains(json.out, "{\"code\":\"PC1-1-1-")) << json.out;
  EXPECT_TRUE(Contains(json.out, "\"expires_at\":\"")) << json.out;
  const std::string second = pay_code(household_1);
  // Only the household's own app asks for its code.
  for (const char* other : {"household-2", "shop-1", "committee-li"}) {
    const testing::Run refused = ctl.As(ctl.Demo(other), {"baskets", "pay-code", "1", "1"});
    EXPECT_EQ(refused.exit_code, kExitRefused) << other << ": " << Describe(refused);
    EXPECT_TRUE(Contains(refused.err, "PERMISSION_DENIED")) << refused.err;
  }
  EXPECT_EQ(ctl({"baskets", "pay-code", "1", "1"}).exit_code, kExitRefused) << "the admin";

  // The admin never redeems, nor another shop's keeper at this shop: refused before the code is
  // looked at, so the code stays good.
  const testing::Run by_admin = redeem(ctl.admin(), "1", "7100", {"--code", second});
  EXPECT_EQ(by_admin.exit_code, kExitRefused) << Describe(by_admin);
  EXPECT_TRUE(Contains(by_admin.err, "PERMISSION_DENIED")) << by_admin.err;
  const testing::Run other_shop = redeem(ctl.Demo("shop-2"), "1", "7100", {"--code", second});
  EXPECT_EQ(other_shop.exit_code, kExitRefused) << Describe(other_shop);
  EXPECT_TRUE(Contains(other_shop.err, "PERMISSION_DENIED")) << other_shop.err;
  EXPECT_TRUE(Contains(other_shop.err, "shop 1")) << other_shop.err;
  // A code pays for its own household only.
  const testing::Run for_neighbour = redeem(shop, "2", "7100", {"--code", second});
  EXPECT_EQ(for_neighbour.exit_code, kExitRefused) << Describe(for_neighbour);
  EXPECT_TRUE(Contains(for_neighbour.err, "not household 2's")) << for_neighbour.err;

  const testing::Run paid = redeem(shop, "1", "7101", {"--code", second});
  ASSERT_EQ(paid.exit_code, kExitOk) << Describe(paid);
  EXPECT_TRUE(Contains(paid.out, "redeemed")) << paid.out;
  // Used once: not for a second basket, and the older code is void now that a later one was used.
  const testing::Run reused = redeem(shop, "1", "7102", {"--code", second});
  EXPECT_EQ(reused.exit_code, kExitRefused) << Describe(reused);
  EXPECT_TRUE(Contains(reused.err, "payment code was already used")) << reused.err;
  const testing::Run older = redeem(shop, "1", "7103", {"--code", first});
  EXPECT_EQ(older.exit_code, kExitRefused) << Describe(older);
  EXPECT_TRUE(Contains(older.err, "superseded")) << older.err;
  const testing::Run forged =
      redeem(shop, "1", "7104", {"--code", second.substr(0, second.size() - 4) + "0000"});
  EXPECT_EQ(forged.exit_code, kExitRefused) << Describe(forged);
  // The resend of the paid basket needs no new consent.
  const testing::Run resent = redeem(shop, "1", "7101", {"--code", second});
  EXPECT_EQ(resent.exit_code, kExitOk) << Describe(resent);
  EXPECT_TRUE(Contains(ctl({"--json", "baskets", "show", "1", "7101"}).out, "redeemed"));
  for (const char* refused : {"7100", "7102", "7103", "7104"}) {
    EXPECT_EQ(ctl({"baskets", "show", "1", refused}).exit_code, kExitRefused)
        << "basket " << refused << " was refused its consent: nothing recorded";
  }

  // A card for household 3 (no smartphone), which only the committee issues.
  EXPECT_EQ(ctl({"baskets", "card", "1", "3", "--pin", "2468"}).exit_code, kExitRefused)
      << "the admin";
  const testing::Run card =
      ctl.As(ctl.Demo("committee-li"), {"--json", "baskets", "card", "1", "3", "--pin", "2468"});
  ASSERT_EQ(card.exit_code, kExitOk) << Describe(card);
  const size_t at = card.out.find("\"card_number\":\"");
  ASSERT_NE(at, std::string::npos) << card.out;
  const std::string number = card.out.substr(at + 15, 12);
  const testing::Run wrong_pin = redeem(shop, "3", "7105", {"--card", number, "--pin", "1357"});
  EXPECT_EQ(wrong_pin.exit_code, kExitRefused) << Describe(wrong_pin);
  EXPECT_TRUE(Contains(wrong_pin.err, "wrong PIN: 4 attempts left")) << wrong_pin.err;
  const testing::Run by_card = redeem(shop, "3", "7105", {"--card", number, "--pin", "2468"});
  ASSERT_EQ(by_card.exit_code, kExitOk) << Describe(by_card);
  EXPECT_TRUE(Contains(by_card.out, "redeemed")) << by_card.out;
  const testing::Run not_theirs = redeem(shop, "2", "7106", {"--card", number, "--pin", "2468"});
  EXPECT_EQ(not_theirs.exit_code, kExitRefused) << Describe(not_theirs);
  EXPECT_TRUE(Contains(not_theirs.err, "is not household 2's")) << not_theirs.err;

  // Household 1 paid for one basket, household 3 for one: item 1 is 10 points.
  EXPECT_TRUE(
      Contains(ctl({"--json", "households", "show", "1", "1"}).out, "\"debits_posted\":\"10\""));
  EXPECT_TRUE(
      Contains(ctl({"--json", "households", "show", "1", "3"}).out, "\"debits_posted\":\"10\""));
}

TEST(PointsctlShopsTest, AnInspectionRoundFromCsvIsRecordedOnceEvenWhenImportedTwice) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo"});  // village 1: households 1-3
  const Shell ctl(pointsd, data.path(), scratch.path());
  std::string csv = "id,household,rule,quantity,evidence,note\n";
  for (int i = 1; i <= 300; ++i) {  // the demo's rule 2: volunteering, 2 points an hour
    absl::StrAppend(&csv, 20261122000 + i, ",", 1 + i % 3, ",2,", 1 + i % 5, ",photo:", i,
                    ",院落整洁\n");
  }
  absl::StrAppend(&csv, "20261122999,9,2,1,,\n");  // no such household
  const std::string path = scratch.path() + "/round.csv";
  std::ofstream(path) << csv;
  // The committee's round spans both grids (a grid worker records only for its own).
  const std::string committee = ctl.Demo("committee-li");
  const std::vector<std::string> import = {"awards", "import",       path,      "--village", "1",
                                           "--by",   "committee-li", "--batch", "64"};
  const testing::Run first = ctl.As(committee, import);
  EXPECT_EQ(first.exit_code, kExitRefused) << Describe(first);
  EXPECT_TRUE(Contains(first.out, "line 302: award")) << first.out;
  EXPECT_TRUE(Contains(first.out, "has no account")) << first.out;
  EXPECT_TRUE(Contains(first.out, "301 awards: FAILED_PRECONDITION 1, awaiting_review 300"))
      << first.out;
  const testing::Run second = ctl.As(committee, import);
  EXPECT_TRUE(Contains(second.out, "301 awards: FAILED_PRECONDITION 1, awaiting_review 300"))
      << second.out;
  const testing::Run listed = ctl({"--json", "awards", "list", "1", "--state", "awaiting_review"});
  ASSERT_EQ(listed.exit_code, kExitOk) << Describe(listed);
  const std::vector<std::string> lines = absl::StrSplit(listed.out, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 301u) << "300 imported once, and the demo's award 9001";

  std::ofstream(path) << "id,household,rule,quantity\n1,1,1,many\n";
  const testing::Run malformed = ctl.As(committee, import);
  EXPECT_EQ(malformed.exit_code, kExitUsage) << Describe(malformed);
  EXPECT_TRUE(Contains(malformed.err, ":2: quantity")) << malformed.err;
}

TEST(PointsctlShopsTest, HouseholdsWithMembersListMaskedAndCloseOnlyWhenSettled) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo"});            // village 1: household 1 holds 100 points
  const Shell ctl(pointsd, data.path(), scratch.path());  // as the admin, who sets up
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
  // Full names and phones: the committee's and the auditor's only, not the admin's.
  EXPECT_NE(ctl({"--json", "households", "list", "1", "--reveal"}).exit_code, kExitOk);
  const testing::Run revealed =
      ctl.As(ctl.Demo("committee-li"), {"--json", "households", "list", "1", "--reveal"});
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
                   {"--target", pointsd_.target(), "--token-file", shell_.admin(), "transfers",
                    "import", path, "--batch", "100"},
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

  ClientOptions options;
  options.token = pointsd_.admin_token();
  LedgerClient client(pointsd_.target(), options);
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
  const Shell ctl(pointsd, data.path(), scratch.path());  // as the admin, who sets up
  const std::string committee = ctl.Demo("committee-li"), household_1 = ctl.Demo("household-1"),
                    household_3 = ctl.Demo("household-3");
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
      ctl.As(committee,
             {"tasks", "post", "1", "1", "--title", "清理村口垃圾", "--rule", "5", "--units", "15",
              "--slots", "2", "--deadline", "2100-01-01T00:00:00+08:00", "--by", "committee-li"});
  ASSERT_EQ(posted.exit_code, kExitOk) << Describe(posted);
  EXPECT_TRUE(Contains(posted.out, "清理村口垃圾")) << posted.out;
  // Household 3 claims and completes from its app; only for itself.
  ASSERT_EQ(ctl.As(household_3, {"tasks", "claim", "1", "1", "--id", "8001", "--household", "3",
                                 "--by", "王建国"})
                .exit_code,
            kExitOk);
  const testing::Run twice = ctl.As(household_3, {"tasks", "claim", "1", "1", "--id", "8002",
                                                  "--household", "3", "--by", "王建国"});
  EXPECT_EQ(twice.exit_code, kExitRefused) << Describe(twice);
  EXPECT_TRUE(Contains(twice.err, "already holds a slot")) << twice.err;
  const testing::Run for_another =
      ctl.As(household_3, {"tasks", "claim", "1", "1", "--id", "8004", "--household", "2"});
  EXPECT_EQ(for_another.exit_code, kExitRefused) << Describe(for_another);
  EXPECT_TRUE(Contains(for_another.err, "PERMISSION_DENIED")) << for_another.err;
  EXPECT_EQ(
      ctl.As(household_3, {"tasks", "claim", "1", "1", "--id", "8003", "--by", "x"}).exit_code,
      kExitUsage)
      << "no claimant";
  ASSERT_EQ(ctl.As(household_3, {"tasks", "complete", "1", "1", "--household", "3", "--evidence",
                                 "photo:gate", "--by", "王建国"})
                .exit_code,
            kExitOk);
  const testing::Run verified =
      ctl.As(committee, {"tasks", "verify", "1", "1", "--household", "3", "--by", "committee-li"});
  ASSERT_EQ(verified.exit_code, kExitOk) << Describe(verified);
  EXPECT_TRUE(Contains(verified.out, "verified")) << verified.out;
  const testing::Run shown = ctl({"tasks", "show", "1", "1"});
  EXPECT_TRUE(Contains(shown.out, "household 3")) << shown.out;

  const std::string code = ctl.As(household_1, {"baskets", "pay-code", "1", "1"}).out;
  const testing::Run basket =
      ctl.As(ctl.Demo("shop-2"), {"baskets", "redeem", "1", "2", "2:1", "--household", "1", "--id",
                                  "7001", "--code", FirstLine(code)});
  ASSERT_EQ(basket.exit_code, kExitOk) << Describe(basket);
  ASSERT_EQ(ctl.As(household_1, {"ratings", "add", "1", "1", "--basket", "7001", "--stars", "5"})
                .exit_code,
            kExitOk);
  const testing::Run again =
      ctl.As(household_1, {"ratings", "add", "1", "1", "--basket", "7001", "--stars", "2"});
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

// The community's money and voice from the command line, on the demo village, as the README
// walks through it: a donation resent gets its receipt once; a proposal voted once per
// household (the proxy through a grid worker), decided after its window and paid from the fund;
// a rating round rated once per household; the board and the fund's statement show them.
TEST(PointsctlCommunityTest, DonationsProposalsVotesPayoutsAndRatingRounds) {
  TempDir data;
  TempDir scratch;
  Pointsd pointsd(data.path(), 0, {"--demo", "--notice-seconds", "1"});
  const Shell ctl(pointsd, data.path(), scratch.path());
  const std::string committee = ctl.Demo("committee-li"), committee_2 = ctl.Demo("committee-zhang");
  const std::string h1 = ctl.Demo("household-1"), grid_2 = ctl.Demo("grid-zhao");
  const std::vector<std::string> gift = {"donations", "add",     "1",     "--id",
                                         "9102",      "--fen",   "5000",  "--person",
                                         "张小明",    "--shown", "masked"};
  const testing::Run donated = ctl.As(committee, gift);
  ASSERT_EQ(donated.exit_code, kExitOk) << Describe(donated);
  EXPECT_TRUE(Contains(donated.out, "receipt 2: 50.00 yuan from 张*明, recorded")) << donated.out;
  EXPECT_EQ(ctl.As(committee, gift).out, donated.out) << "a resend: the same receipt";
  EXPECT_EQ(ctl.As(h1, gift).exit_code, kExitRefused) << "a household records no donations";

  const testing::Run proposed =
      ctl.As(h1, {"proposals", "propose", "1", "--id", "9303", "--household", "1", "--title",
                  "垃圾分类亭", "--cost-fen", "120000"});
  ASSERT_EQ(proposed.exit_code, kExitOk) << Describe(proposed);
  EXPECT_TRUE(Contains(proposed.out, " 3  垃圾分类亭")) << proposed.out;
  ASSERT_EQ(ctl.As(committee, {"proposals", "accept", "1", "3", "--vote-window", "2"}).exit_code,
            kExitOk);
  EXPECT_EQ(ctl.As(h1, {"proposals", "vote", "1", "3", "--household", "1", "--for"}).exit_code,
            kExitOk);
  const testing::Run twice =
      ctl.As(h1, {"proposals", "vote", "1", "3", "--household", "1", "--against"});
  EXPECT_EQ(twice.exit_code, kExitRefused) << Describe(twice);
  const testing::Run proxy = ctl.As(
      grid_2, {"proposals", "vote", "1", "3", "--household", "3", "--for", "--proxy", "王村医"});
  EXPECT_EQ(proxy.exit_code, kExitOk) << Describe(proxy);
  EXPECT_TRUE(Contains(proxy.out, "by its proxy 王村医")) << proxy.out;
  EXPECT_EQ(ctl.As(committee, {"proposals", "decide", "1", "3", "--approve"}).exit_code,
            kExitRefused)
      << "the vote is open";
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const testing::Run approved = ctl.As(committee, {"proposals", "decide", "1", "3", "--approve"});
  ASSERT_EQ(approved.exit_code, kExitOk) << Describe(approved);
  EXPECT_TRUE(Contains(approved.out, "approved  2 for, 0 against, 0 abstain")) << approved.out;
  ASSERT_EQ(ctl.As(committee, {"projects", "complete", "1", "3"}).exit_code, kExitOk);
  EXPECT_EQ(ctl.As(committee, {"projects", "approve-payout", "1", "3"}).exit_code, kExitRefused)
      << "a second person approves";
  ASSERT_EQ(ctl.As(committee_2, {"projects", "approve-payout", "1", "3"}).exit_code, kExitOk);
  testing::Run shown;
  for (int i = 0; i < 100; ++i) {
    shown = ctl({"--json", "proposals", "show", "1", "3"});
    if (Contains(shown.out, "\"state\":\"completed\"")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(Contains(shown.out, "\"state\":\"completed\"")) << shown.out;

  const testing::Run opened = ctl.As(committee, {"rounds", "open", "1", "2", "--service", "--title",
                                                 "送货上门", "--shop", "2", "--window", "600"});
  ASSERT_EQ(opened.exit_code, kExitOk) << Describe(opened);
  EXPECT_TRUE(Contains(opened.out, "PR1:1:2")) << opened.out;
  const std::vector<std::string> rate = {"rounds", "rate",    "1", "2",         "--household",
                                         "1",      "--stars", "2", "--comment", "送晚了"};
  EXPECT_EQ(ctl.As(h1, rate).exit_code, kExitOk);
  const testing::Run again =
      ctl.As(h1, {"rounds", "rate", "1", "2", "--household", "1", "--stars", "5"});
  EXPECT_EQ(again.exit_code, kExitRefused) << Describe(again);
  const testing::Run work = ctl.As(committee, {"followups", "list", "1"});
  EXPECT_TRUE(Contains(work.out, "送晚了")) << work.out;

  const testing::Run board = ctl.As(h1, {"board", "show", "1"});
  ASSERT_EQ(board.exit_code, kExitOk) << Describe(board);
  const size_t at = board.out.find("month ");
  ASSERT_NE(at, std::string::npos) << board.out;
  const std::string month = board.out.substr(at + 6, 6);
  EXPECT_TRUE(Contains(board.out, "Micro-fund")) << board.out;
  EXPECT_TRUE(Contains(board.out, "送货上门")) << board.out;
  const testing::Run fund = ctl.As(h1, {"fund", "show", "1", "--month", month});
  ASSERT_EQ(fund.exit_code, kExitOk) << Describe(fund);
  // 2000 yuan given, 50 more; 300 and 1200 paid out to projects 1 and 3.
  EXPECT_TRUE(Contains(fund.out, "closing 550.00 yuan (in 2050.00, out 1500.00)")) << fund.out;
  EXPECT_TRUE(Contains(fund.out, "donation, receipt 2: 张*明")) << fund.out;
  const testing::Run csv = ctl.As(committee, {"reports", "show", "1", "--month", month, "--csv"});
  EXPECT_TRUE(Contains(csv.out, "micro_fund_fen,out_projects,,2,150000\n")) << csv.out;
}

}  // namespace
}  // namespace points::client

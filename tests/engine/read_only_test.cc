// Engine::OpenReadOnly: the store is read as Open would read it (a crash's unflushed tail
// included), every write is refused, and no file of the store is created, changed or removed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "points/engine.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using testing::FilesOf;
using testing::MakeId;
using testing::TempDir;
using testing::TestAccount;
using testing::TestTransfer;

constexpr uint64_t kStartNs = 1'800'000'000'000'000'000;
constexpr uint64_t kNanosPerSecond = 1'000'000'000;

std::string NamesOf(const std::map<std::string, std::string>& files) {
  std::string names;
  for (const auto& [name, bytes] : files)
    names += name + " (" + std::to_string(bytes.size()) + ") ";
  return names;
}

// The other process these tests need, run by re-executing this binary with
// POINTS_READ_ONLY_TEST_CHILD=MODE:DIR (a fork alone would inherit RocksDB's thread pools without
// their threads, and hang at its first flush). Modes:
//   crash: as a server would leave the store: accounts and a transfer, a clean close (table
//          files and a snapshot), then more after it and an exit without closing (a WAL tail the
//          snapshot does not hold, and a pending transfer whose timeout passes);
//   hold:  opens the store for writing, writes "1" to stdout, and keeps it open until stdin ends.
constexpr char kChildVariable[] = "POINTS_READ_ONLY_TEST_CHILD";

int ChildMain(const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string mode = spec.substr(0, colon);
  const std::string dir = spec.substr(colon + 1);
  ManualClock clock(kStartNs);
  Options options;
  options.clock = &clock;
  if (mode == "hold") {
    auto engine = Engine::Open(options, dir);
    if (!engine.ok() || write(STDOUT_FILENO, "1", 1) != 1) return 1;
    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    return 0;
  }
  bool ok = true;
  {
    auto engine = Engine::Open(options, dir);
    ok = engine.ok() &&
         (*engine)->CreateAccounts({TestAccount(1), TestAccount(2), TestAccount(3)}).ok() &&
         (*engine)->CreateTransfers({TestTransfer(1, 1, 2, 50)}).ok();
  }
  auto engine = Engine::Open(options, dir);
  Transfer pending = TestTransfer(3, 1, 3, 5, kTransferPending);
  pending.timeout = 1;
  ok = ok && engine.ok() && (*engine)->CreateTransfers({TestTransfer(2, 2, 3, 20), pending}).ok();
  _exit(ok ? 0 : 1);  // no destructor: the second open's groups stay in the WAL only
}

// Starts this binary as the child in `mode` on `dir`; its stdin and stdout are pipes.
struct Child {
  pid_t pid = -1;
  int to_child = -1;    // its stdin: closing it ends a "hold"
  int from_child = -1;  // its stdout
};

Child StartChild(const std::string& mode, const std::string& dir) {
  int in[2];
  int out[2];
  if (pipe(in) != 0 || pipe(out) != 0) return Child();
  const std::string spec = mode + ":" + dir;
  Child child;
  child.pid = fork();
  if (child.pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
    setenv(kChildVariable, spec.c_str(), 1);
    execl("/proc/self/exe", "read_only_test", nullptr);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  child.to_child = in[1];
  child.from_child = out[0];
  return child;
}

int WaitFor(Child& child) {
  close(child.to_child);
  close(child.from_child);
  int status = 0;
  waitpid(child.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void WriteThenCrash(const std::string& dir) {
  Child child = StartChild("crash", dir);
  ASSERT_GT(child.pid, 0);
  ASSERT_EQ(WaitFor(child), 0);
}

void ExpectReadOnlyRefusal(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("opened read-only"), std::string::npos) << status;
}

TEST(ReadOnlyTest, ReadsWhatACrashLeftRefusesEveryWriteAndChangesNoFile) {
  TempDir dir;
  TempDir copies;
  ASSERT_NO_FATAL_FAILURE(WriteThenCrash(dir.path()));
  const std::map<std::string, std::string> before = FilesOf(dir.path());
  ASSERT_TRUE(before.contains("points-snapshot")) << NamesOf(before);
  {
    // Long after the pending transfer's timeout: an engine that ran its expiry would write.
    ManualClock clock(kStartNs + 3600 * kNanosPerSecond);
    Options options;
    options.clock = &clock;
    options.expiry_poll_interval_ms = 1;
    auto opened = Engine::OpenReadOnly(options, dir.path());
    ASSERT_TRUE(opened.ok()) << opened.status();
    Engine& engine = **opened;

    auto accounts = engine.LookupAccounts({MakeId(0xacc, 1), MakeId(0xacc, 2), MakeId(0xacc, 3)});
    ASSERT_TRUE(accounts.ok()) << accounts.status();
    ASSERT_EQ(accounts->size(), 3u);
    EXPECT_EQ((*accounts)[1].credits_posted, 50u);
    EXPECT_EQ((*accounts)[1].debits_posted, 20u) << "the WAL tail after the snapshot is read";
    EXPECT_EQ((*accounts)[2].credits_pending, 5u) << "the pending transfer has not expired";
    EXPECT_EQ(engine.Stats().pending_open, 1u);

    ExpectReadOnlyRefusal(engine.CreateAccounts({TestAccount(4)}).status());
    ExpectReadOnlyRefusal(engine.CreateTransfers({TestTransfer(9, 1, 2, 1)}).status());
    ExpectReadOnlyRefusal(engine.CloseAccounts({MakeId(0xacc, 3)}).status());
    ExpectReadOnlyRefusal(engine.ExpirePendingTransfers().status());
    absl::Status submitted;
    engine.SubmitCreateTransfers({TestTransfer(9, 1, 2, 1)},
                                 [&](auto results) { submitted = results.status(); });
    ExpectReadOnlyRefusal(submitted);
    ExpectReadOnlyRefusal(engine.WriteHealth());

    VerifyReport report;
    ASSERT_TRUE(engine.Verify(&report).ok());
    EXPECT_EQ(report.accounts, 3u);
    EXPECT_EQ(report.transfers, 3u);
    EXPECT_TRUE(engine.Checkpoint(copies.path() + "/copy").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // an expiry poll would run now
    EXPECT_EQ(engine.Stats().pending_open, 1u);
  }
  const std::map<std::string, std::string> after = FilesOf(dir.path());
  EXPECT_EQ(NamesOf(after), NamesOf(before));
  EXPECT_TRUE(after == before) << "a file's bytes changed";

  // A checkpoint of the read-only store is the store as it is, the WAL tail included.
  {
    auto copy = Engine::OpenReadOnly(Options(), copies.path() + "/copy");
    ASSERT_TRUE(copy.ok()) << copy.status();
    auto transfers =
        (*copy)->LookupTransfers({MakeId(0x7e5, 1), MakeId(0x7e5, 2), MakeId(0x7e5, 3)});
    ASSERT_TRUE(transfers.ok()) << transfers.status();
    EXPECT_EQ(transfers->size(), 3u);
  }
  // The store is as the crash left it: a writer's open finds everything, and now expires.
  ManualClock clock(kStartNs + 3600 * kNanosPerSecond);
  Options options;
  options.clock = &clock;
  auto writable = Engine::Open(options, dir.path());
  ASSERT_TRUE(writable.ok()) << writable.status();
  ASSERT_TRUE((*writable)->ExpirePendingTransfers().ok());
  EXPECT_EQ((*writable)->Stats().pending_open, 0u);
}

TEST(ReadOnlyTest, ADirectoryWithoutAStoreIsRefusedAndNothingIsCreated) {
  TempDir dir;
  const std::string missing = dir.path() + "/missing";
  EXPECT_FALSE(Engine::OpenReadOnly(Options(), missing).ok());
  EXPECT_FALSE(std::filesystem::exists(missing));
  const std::string empty = dir.path() + "/empty";
  std::filesystem::create_directory(empty);
  EXPECT_FALSE(Engine::OpenReadOnly(Options(), empty).ok());
  EXPECT_TRUE(std::filesystem::is_empty(empty));
}

TEST(ReadOnlyTest, AStoreAnotherProcessWritesIsRefused) {
  TempDir dir;
  Child writer = StartChild("hold", dir.path());
  ASSERT_GT(writer.pid, 0);
  char byte = 0;
  ASSERT_EQ(read(writer.from_child, &byte, 1), 1);
  ASSERT_EQ(byte, '1');
  auto refused = Engine::OpenReadOnly(Options(), dir.path());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_NE(
      refused.status().message().find("open for writing by process " + std::to_string(writer.pid)),
      std::string::npos)
      << refused.status();
  ASSERT_EQ(WaitFor(writer), 0);
  auto opened = Engine::OpenReadOnly(Options(), dir.path());
  EXPECT_TRUE(opened.ok()) << opened.status();
}

}  // namespace
}  // namespace points

int main(int argc, char** argv) {
  if (const char* spec = std::getenv(points::kChildVariable)) return points::ChildMain(spec);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

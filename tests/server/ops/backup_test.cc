// Online backup and offline verification, through the real pointsd: a backup taken while a
// terminal keeps writing holds every write acknowledged before it began, `pointsd verify`
// passes on it and fails on a damaged copy, and a server started on the backup serves it.
#include <stdio.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "server/domain/store/audit_journal.h"
#include "server/domain/store/domain_store.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/server_testing.h"

namespace points::server {
namespace {

using client::LedgerClient;
using testing::TempDir;

Transfer Award(uint64_t id) { return testing::DemoAward(0xbac0, id); }

TEST(BackupTest, ABackupTakenDuringWritesHoldsEveryAcknowledgedWriteAndVerifies) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const std::string backup = dir.path() + "/backup";
  testing::Pointsd pointsd(data, 0, {"--demo"});
  client::ClientOptions as_admin;
  as_admin.token = pointsd.admin_token();
  LedgerClient client(pointsd.target(), as_admin);
  auto seeded = client.LookupAccounts({101});
  ASSERT_TRUE(seeded.ok() && seeded->size() == 1) << seeded.status();
  const uint64_t baseline = (*seeded)[0].credits_posted;  // the demo's own awards

  // A terminal writes without pause; the ids it saw acknowledged are counted as it goes.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acknowledged{0};
  std::thread terminal([&] {
    LedgerClient own(pointsd.target(), as_admin);
    for (uint64_t id = 1; !stop; ++id) {
      auto results = own.CreateTransfers({Award(id)});
      if (!results.ok() || (*results)[0].result != CreateTransferResult::kOk) break;
      acknowledged = id;
    }
  });
  while (acknowledged < 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const uint64_t before_backup = acknowledged;
  auto taken = client.Backup(backup);
  const uint64_t after_backup = acknowledged;
  stop = true;
  terminal.join();
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(taken->dir(), backup);
  EXPECT_GT(acknowledged.load(), before_backup) << "writes went on around the backup";

  EXPECT_EQ(client.Backup(backup).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(client.Backup("relative/dir").status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(pointsd.Stop(SIGTERM), 0);

  const testing::Verified verified = testing::VerifyDataDir(backup);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("pointsd verify: OK"), std::string::npos) << verified.output;
  // Not on a terminal, the progress bar prints a line per tenth of the journal, ending at 100 %.
  EXPECT_NE(verified.output.find("] 100% "), std::string::npos) << verified.output;
  const testing::Verified live = testing::VerifyDataDir(data);
  EXPECT_EQ(live.exit_code, 0) << live.output;

  // A server on the backup: every write acknowledged before the backup began is there once,
  // the domain's records too; nothing half-written (the ledger's sums were checked by verify).
  // The principals are in the backup too: the admin's token works on it (and no new admin
  // token file is made there).
  testing::Pointsd restored(backup, 0, {});
  EXPECT_EQ(restored.admin_token(), "");
  LedgerClient reader(restored.target(), as_admin);
  std::vector<Id> ids;
  for (uint64_t id = 1; id <= before_backup; ++id) ids.push_back(Award(id).id);
  for (size_t first = 0; first < ids.size(); first += 1000) {
    const size_t n = std::min<size_t>(1000, ids.size() - first);
    auto found =
        reader.LookupTransfers(std::vector<Id>(ids.begin() + first, ids.begin() + first + n));
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_EQ(found->size(), n) << "acknowledged before the backup began";
  }
  auto accounts = reader.LookupAccounts({101});
  ASSERT_TRUE(accounts.ok()) << accounts.status();
  ASSERT_EQ(accounts->size(), 1u);
  const uint64_t in_backup = (*accounts)[0].credits_posted - baseline;  // one point each
  EXPECT_GE(in_backup, before_backup);
  EXPECT_LE(in_backup, after_backup + 1) << "at most the write in flight when it ended";
  auto rules = reader.ListRules(1, 0);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->size(), 6u) << "the domain store came along";
}

TEST(BackupTest, VerifyFailsOnADamagedStoreAndOnADirectoryWithoutOne) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    testing::Pointsd pointsd(data, 0, {"--demo"});
    ASSERT_EQ(pointsd.Stop(SIGTERM), 0);
  }
  // Damage every table file of the journal in its middle: RocksDB's block checksums or the
  // journal's own hashes must notice.
  int damaged = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    if (entry.path().extension() != ".sst") continue;
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(std::filesystem::file_size(entry.path()) / 2));
    file.write("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
    ++damaged;
  }
  ASSERT_GT(damaged, 0) << "the clean close leaves the journal in table files";
  const testing::Verified verified = testing::VerifyDataDir(data);
  EXPECT_EQ(verified.exit_code, 1) << verified.output;
  EXPECT_NE(verified.output.find("FAILED"), std::string::npos) << verified.output;
  EXPECT_EQ(testing::VerifyDataDir(dir.path() + "/nothing").exit_code, 1);
}

TEST(BackupTest, VerifyFailsWhenAnOperatorAuditEntryWasEdited) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    testing::Pointsd pointsd(data, 0, {"--demo"});
    ASSERT_GT(pointsd.port(), 0);
    ASSERT_EQ(pointsd.Stop(SIGTERM), 0);  // the first start journaled its admin and the demo's 10
  }
  const testing::Verified clean = testing::VerifyDataDir(data);
  ASSERT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_NE(clean.output.find("11 audit entries chained"), std::string::npos) << clean.output;
  {
    // Someone with the disk rewrites who made the first principal, keeping the stored hash.
    auto store = domain::DomainStore::Open(data + "/domain");
    ASSERT_TRUE(store.ok()) << store.status();
    absl::StatusOr<std::string> bytes = (*store)->Get(domain::AuditKey(1));
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    absl::StatusOr<domain::AuditEntry> entry = domain::DecodeAuditEntry(*bytes);
    ASSERT_TRUE(entry.ok()) << entry.status();
    entry->principal = "someone-else";
    ASSERT_TRUE((*store)->Put(domain::AuditKey(1), domain::EncodeAuditEntry(*entry)).ok());
  }
  const testing::Verified edited = testing::VerifyDataDir(data);
  EXPECT_EQ(edited.exit_code, 1) << edited.output;
  EXPECT_NE(edited.output.find("seq 1"), std::string::npos) << edited.output;
}

}  // namespace
}  // namespace points::server

// Reopening a store rebuilds exactly the committed state; Verify catches tampering.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "gtest/gtest.h"
#include "journal.h"
#include "points/engine.h"
#include "records.h"
#include "rocksdb/db.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using testing::MakeId;
using testing::TempDir;
using testing::TestAccount;
using testing::TestTransfer;

std::unique_ptr<Engine> OpenOrDie(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(Options(), dir);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? *std::move(engine) : nullptr;
}

// Issuer 1 funds households 2..9 (floored), they spend at shop 10; some pending, some failed.
void WriteSampleLedger(Engine& engine) {
  std::vector<Account> accounts = {TestAccount(1), TestAccount(10, kAccountHistory)};
  for (uint64_t h = 2; h <= 9; ++h) {
    accounts.push_back(TestAccount(h, kAccountDebitsMustNotExceedCredits | kAccountHistory));
  }
  auto created = engine.CreateAccounts(accounts);
  ASSERT_TRUE(created.ok()) << created.status();
  std::vector<Transfer> transfers;
  uint64_t n = 1;
  for (uint64_t h = 2; h <= 9; ++h) transfers.push_back(TestTransfer(n++, 1, h, 100));
  for (uint64_t h = 2; h <= 9; ++h) transfers.push_back(TestTransfer(n++, h, 10, 30));
  transfers.push_back(TestTransfer(n++, 2, 10, 1000));  // exceeds_credits: recorded as failed
  transfers.push_back(TestTransfer(n++, 3, 10, 20, kTransferPending));
  auto result = engine.CreateTransfers(transfers);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ((*result)[16].result, CreateTransferResult::kExceedsCredits);
  EXPECT_EQ((*result)[17].result, CreateTransferResult::kOk);
}

TEST(RecoveryTest, ReopenRestoresAccountsTransfersAndIndexes) {
  TempDir dir;
  std::vector<Account> before;
  VerifyReport report_before;
  {
    auto engine = OpenOrDie(dir.path());
    ASSERT_NE(engine, nullptr);
    WriteSampleLedger(*engine);
    std::vector<Id> ids;
    for (uint64_t a = 1; a <= 10; ++a) ids.push_back(MakeId(0xacc, a));
    before = *engine->LookupAccounts(ids);
    ASSERT_TRUE(engine->Verify(&report_before).ok());
  }
  auto engine = OpenOrDie(dir.path());
  ASSERT_NE(engine, nullptr);
  std::vector<Id> ids;
  for (uint64_t a = 1; a <= 10; ++a) ids.push_back(MakeId(0xacc, a));
  EXPECT_EQ(*engine->LookupAccounts(ids), before);
  VerifyReport report_after;
  ASSERT_TRUE(engine->Verify(&report_after).ok());
  EXPECT_EQ(report_after.chain_head_hex, report_before.chain_head_hex);
  EXPECT_EQ(report_after.transfers, 17u);

  // The failed id stays failed, the pending one can still be posted, the old id still exists.
  auto retry = engine->CreateTransfers({TestTransfer(17, 2, 10, 1000), TestTransfer(1, 1, 2, 100)});
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ((*retry)[0].result, CreateTransferResult::kIdAlreadyFailed);
  EXPECT_EQ((*retry)[1].result, CreateTransferResult::kExists);
  Transfer post;
  post.id = MakeId(0x7e5, 99);
  post.pending_id = MakeId(0x7e5, 18);
  post.flags = kTransferPostPendingTransfer;
  auto posted = engine->CreateTransfers({post});
  ASSERT_TRUE(posted.ok());
  EXPECT_EQ((*posted)[0].result, CreateTransferResult::kOk);
  EXPECT_TRUE(engine->Verify().ok());
}

TEST(RecoveryTest, TimestampsKeepIncreasingAcrossReopenEvenIfTheClockGoesBack) {
  TempDir dir;
  ManualClock clock(2'000'000'000'000'000'000);
  Options options;
  options.clock = &clock;
  uint64_t last = 0;
  {
    auto engine = *Engine::Open(options, dir.path());
    auto r = engine->CreateAccounts({TestAccount(1), TestAccount(2)});
    ASSERT_TRUE(r.ok());
    last = (*r)[1].timestamp;
  }
  clock.Set(1'000'000'000'000'000'000);  // decades back
  auto engine = *Engine::Open(options, dir.path());
  auto r = engine->CreateTransfers({TestTransfer(1, 1, 2, 5)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].result, CreateTransferResult::kOk);
  EXPECT_GT((*r)[0].timestamp, last);
}

TEST(RecoveryTest, TamperedRecordIsDetected) {
  TempDir dir;
  {
    auto engine = OpenOrDie(dir.path());
    ASSERT_NE(engine, nullptr);
    WriteSampleLedger(*engine);
  }
  {
    // Flip one byte of the amount of the first transfer record, behind the engine's back.
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"journal", {}}, {"chain", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.path(), families, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
    it->SeekToFirst();
    it->Next();  // the first chunk holds the accounts, the second the transfers
    ASSERT_TRUE(it->Valid());
    std::string key = it->key().ToString();
    std::string value = it->value().ToString();
    it.reset();
    ASSERT_GT(value.size(), kRecordSize);
    value[96] ^= 1;  // the first transfer moves 100: now 101
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[1], key, value).ok());
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  }
  // Replay alone would accept the altered amount (the ledger still balances); the hash chain
  // does not.
  auto engine = OpenOrDie(dir.path());
  ASSERT_NE(engine, nullptr);
  absl::Status verified = engine->Verify();
  EXPECT_EQ(verified.code(), absl::StatusCode::kDataLoss) << verified;
  EXPECT_NE(verified.message().find("leaf hash"), std::string::npos) << verified;
}

TEST(RecoveryTest, CleanCloseLeavesASnapshotThatReopenUses) {
  TempDir dir;
  {
    auto engine = OpenOrDie(dir.path());
    ASSERT_NE(engine, nullptr);
    WriteSampleLedger(*engine);
    EXPECT_FALSE(engine->Stats().recovered_from_snapshot);
  }
  auto engine = OpenOrDie(dir.path());
  ASSERT_NE(engine, nullptr);
  EXPECT_TRUE(engine->Stats().recovered_from_snapshot);
  // Verify replays the whole journal and compares it with the state loaded from the snapshot.
  EXPECT_TRUE(engine->Verify().ok());
}

TEST(RecoveryTest, PeriodicSnapshotPlusJournalTailAfterAnUncleanStop) {
  TempDir dir;
  Options options;
  options.snapshot_interval_records = 5;
  std::vector<Account> expected;
  std::vector<Id> ids;
  for (uint64_t a = 1; a <= 10; ++a) ids.push_back(MakeId(0xacc, a));
  {
    auto engine = *Engine::Open(options, dir.path());
    WriteSampleLedger(*engine);  // 10 accounts, then 18 transfer records: a periodic snapshot
    // The writer saves periodic snapshots between groups, after the acknowledgements went out:
    // wait (bounded) until it has saved one that covers the sample ledger.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (engine->Stats().snapshot_records < 28 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(engine->Stats().snapshot_records, 28u);  // 10 accounts + 18 transfer records
    ASSERT_TRUE(engine->CreateTransfers({TestTransfer(100, 1, 4, 7)}).ok());  // after it
    expected = *engine->LookupAccounts(ids);
    // Keep a copy of the snapshot as it is now, standing in for a crash before the clean close
    // could write a newer one.
    std::filesystem::copy_file(dir.path() + "/points-snapshot", dir.path() + "/saved");
  }
  std::filesystem::rename(dir.path() + "/saved", dir.path() + "/points-snapshot");
  auto engine = *Engine::Open(options, dir.path());
  EXPECT_TRUE(engine->Stats().recovered_from_snapshot);
  EXPECT_EQ(*engine->LookupAccounts(ids), expected);
  EXPECT_TRUE(engine->Verify().ok());
}

TEST(RecoveryTest, DamagedOrForeignSnapshotIsIgnored) {
  TempDir dir;
  TempDir other;
  std::vector<Id> ids;
  for (uint64_t a = 1; a <= 10; ++a) ids.push_back(MakeId(0xacc, a));
  std::vector<Account> expected;
  {
    auto engine = OpenOrDie(dir.path());
    WriteSampleLedger(*engine);
    expected = *engine->LookupAccounts(ids);
  }
  {
    auto engine = OpenOrDie(other.path());  // a different ledger with its own snapshot
    ASSERT_TRUE(engine->CreateAccounts({TestAccount(1)}).ok());
  }
  const std::string snapshot = dir.path() + "/points-snapshot";
  {
    std::fstream file(snapshot, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(200);
    file.put('\x5a');  // one damaged byte: the checksum no longer matches
  }
  {
    auto engine = OpenOrDie(dir.path());
    ASSERT_NE(engine, nullptr);
    EXPECT_FALSE(engine->Stats().recovered_from_snapshot);
    EXPECT_EQ(*engine->LookupAccounts(ids), expected);
  }
  std::filesystem::copy_file(other.path() + "/points-snapshot", snapshot,
                             std::filesystem::copy_options::overwrite_existing);
  auto engine = OpenOrDie(dir.path());
  ASSERT_NE(engine, nullptr);
  EXPECT_FALSE(engine->Stats().recovered_from_snapshot);  // its hash chain is not this journal's
  EXPECT_EQ(*engine->LookupAccounts(ids), expected);
  EXPECT_TRUE(engine->Verify().ok());
}

TEST(RecoveryTest, OpenCreatesMissingParentDirectories) {
  TempDir dir;
  const std::string nested =
      dir.path() + "/var/points/store";  // like ./var/pointsd on a fresh clone
  auto engine = OpenOrDie(nested);
  ASSERT_NE(engine, nullptr);
  EXPECT_TRUE(engine->CreateAccounts({TestAccount(1)}).ok());
}

TEST(RecoveryTest, EmptyStoreVerifies) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  ASSERT_NE(engine, nullptr);
  VerifyReport report;
  ASSERT_TRUE(engine->Verify(&report).ok());
  EXPECT_EQ(report.records, 0u);
}

}  // namespace
}  // namespace points

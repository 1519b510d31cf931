// Fail-stop: after a failed journal sync or write the engine acknowledges nothing more, refuses
// writes with UNAVAILABLE, keeps serving committed reads, and a restart recovers a consistent
// ledger. Faults are injected under RocksDB through a FileSystem wrapper.
#include <atomic>
#include <memory>

#include "engine_opener.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using testing::MakeId;
using testing::TempDir;
using testing::TestAccount;
using testing::TestTransfer;

enum class Fault { kNone, kSync, kAppend };

// Fails Sync/Fsync or Append of the write-ahead log (the files RocksDB syncs for a write) while
// armed, the way a full disk or a failing device would.
class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFileSystem"; }
  void Arm(Fault fault) { fault_ = fault; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* debug) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, debug);
    if (status.ok() && name.size() > 4 && name.substr(name.size() - 4) == ".log") {
      *file = std::make_unique<FaultyFile>(std::move(*file), &fault_);
    }
    return status;
  }

 private:
  class FaultyFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    FaultyFile(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<Fault>* fault)
        : FSWritableFileOwnerWrapper(std::move(file)), fault_(fault) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (*fault_ == Fault::kAppend) return rocksdb::IOStatus::NoSpace("injected: disk full");
      return FSWritableFileOwnerWrapper::Append(data, options, debug);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
      if (*fault_ == Fault::kSync) return rocksdb::IOStatus::IOError("injected: sync failed");
      return FSWritableFileOwnerWrapper::Sync(options, debug);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      if (*fault_ == Fault::kSync) return rocksdb::IOStatus::IOError("injected: sync failed");
      return FSWritableFileOwnerWrapper::Fsync(options, debug);
    }

   private:
    const std::atomic<Fault>* fault_;
  };

  std::atomic<Fault> fault_{Fault::kNone};
};

class FaultTest : public ::testing::TestWithParam<Fault> {};

TEST_P(FaultTest, FailedWriteStopsWritesKeepsReadsAndRecovers) {
  TempDir dir;
  auto file_system = std::make_shared<FaultyFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
  {
    auto opened = EngineOpener::Open(Options(), dir.path(), env.get());
    ASSERT_TRUE(opened.ok()) << opened.status();
    Engine& engine = **opened;
    ASSERT_TRUE(engine.CreateAccounts({TestAccount(1), TestAccount(2)}).ok());
    auto first = engine.CreateTransfers({TestTransfer(1, 1, 2, 10)});
    ASSERT_TRUE(first.ok());
    ASSERT_EQ((*first)[0].result, CreateTransferResult::kOk);

    file_system->Arm(GetParam());
    auto failed = engine.CreateTransfers({TestTransfer(2, 1, 2, 5)});
    EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
    EXPECT_EQ(engine.WriteHealth().code(), absl::StatusCode::kUnavailable);
    file_system->Arm(Fault::kNone);

    // Fail-stop: even with the disk healthy again, nothing more is accepted until a restart.
    auto refused = engine.CreateTransfers({TestTransfer(3, 1, 2, 1)});
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
    auto refused_accounts = engine.CreateAccounts({TestAccount(3)});
    EXPECT_EQ(refused_accounts.status().code(), absl::StatusCode::kUnavailable);

    // Reads go on, and show only committed state: the failed group was rolled back in memory.
    const std::vector<Id> ids = {MakeId(0xacc, 1), MakeId(0xacc, 2)};
    auto accounts = engine.LookupAccounts(ids);
    ASSERT_TRUE(accounts.ok());
    EXPECT_EQ((*accounts)[0].debits_posted, 10u);
    EXPECT_EQ((*accounts)[1].credits_posted, 10u);
    const std::vector<Id> transfer_ids = {MakeId(0x7e5, 1), MakeId(0x7e5, 2)};
    auto transfers = engine.LookupTransfers(transfer_ids);
    ASSERT_TRUE(transfers.ok());
    EXPECT_EQ(transfers->size(), 1u);
  }
  // After a restart the ledger is consistent. The unacknowledged transfer may or may not have
  // reached the disk before the fault; either way it is there whole or not at all, and a retry
  // applies it exactly once.
  auto reopened = Engine::Open(Options(), dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  Engine& engine = **reopened;
  EXPECT_TRUE(engine.Verify().ok());
  auto retry = engine.CreateTransfers({TestTransfer(2, 1, 2, 5), TestTransfer(1, 1, 2, 10)});
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE((*retry)[0].result == CreateTransferResult::kOk ||
              (*retry)[0].result == CreateTransferResult::kExists)
      << ResultName((*retry)[0].result);
  EXPECT_EQ((*retry)[1].result, CreateTransferResult::kExists);
  const std::vector<Id> ids = {MakeId(0xacc, 1)};
  EXPECT_EQ((*engine.LookupAccounts(ids))[0].debits_posted, 15u);
  EXPECT_TRUE(engine.Verify().ok());
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultTest, ::testing::Values(Fault::kSync, Fault::kAppend),
                         [](const auto& info) {
                           return info.param == Fault::kSync ? "FailedSync" : "DiskFull";
                         });

TEST(FaultTest, RefusedBatchesSayWhy) {
  TempDir dir;
  auto engine = *Engine::Open(Options(), dir.path());
  auto empty = engine->CreateTransfers({});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<Transfer> too_many(8190, TestTransfer(1, 1, 2, 1));
  auto big = engine->CreateTransfers(too_many);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(big.status().message().find("8189"), std::string::npos) << big.status();
}

}  // namespace
}  // namespace points

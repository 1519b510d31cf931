// The engine as a whole: the pipeline's contract with callers, and recovery refusing journals
// that no engine could have written.
#include "points/engine.h"

#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "journal.h"
#include "records.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using testing::MakeId;
using testing::TempDir;
using testing::TestAccount;
using testing::TestTransfer;

TEST(EngineTest, BlockingCallFromACallbackIsRefusedNotDeadlocked) {
  TempDir dir;
  auto engine = *Engine::Open(Options(), dir.path());
  absl::Notification done;
  absl::Status inner;
  engine->SubmitCreateAccounts({TestAccount(1)}, [&](auto result) {
    ASSERT_TRUE(result.ok());
    inner = engine->CreateAccounts({TestAccount(2)}).status();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition) << inner;
  // Submitting from a callback works, and the engine still serves everyone afterwards.
  absl::Notification chained;
  engine->SubmitCreateAccounts({TestAccount(3)}, [&](auto) {
    engine->SubmitCreateAccounts({TestAccount(4)}, [&](auto result) {
      EXPECT_TRUE(result.ok());
      chained.Notify();
    });
  });
  ASSERT_TRUE(chained.WaitForNotificationWithTimeout(absl::Seconds(30)));
  const std::vector<Id> ids = {MakeId(0xacc, 3), MakeId(0xacc, 4)};
  EXPECT_EQ(engine->LookupAccounts(ids)->size(), 2u);
}

TEST(EngineTest, ExistsInsideAFailedChainReportsNoTimestampOfARolledBackRecord) {
  TempDir dir;
  auto engine = *Engine::Open(Options(), dir.path());
  ASSERT_TRUE(engine->CreateAccounts({TestAccount(1), TestAccount(2)}).ok());
  // The chain creates id 7, then sends id 7 again (its flags differ: no linked): the chain fails,
  // so the first id 7 never existed and no timestamp may point at it.
  auto results = engine->CreateTransfers(
      {TestTransfer(7, 1, 2, 5, kTransferLinked), TestTransfer(7, 1, 2, 6)});
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0].result, CreateTransferResult::kLinkedEventFailed);
  EXPECT_EQ((*results)[1].result, CreateTransferResult::kExistsWithDifferentFlags);  // linked
  EXPECT_EQ((*results)[1].timestamp, 0u);
  const std::vector<Id> ids = {MakeId(0x7e5, 7)};
  EXPECT_TRUE(engine->LookupTransfers(ids)->empty());
}

TEST(EngineTest, ManyCallbackSubmittersAllCompleteAndCommit) {
  TempDir dir;
  auto engine = *Engine::Open(Options(), dir.path());
  ASSERT_TRUE(engine->CreateAccounts({TestAccount(1), TestAccount(2)}).ok());
  constexpr int kSubmissions = 2000;
  std::atomic<int> ok{0};
  absl::Notification all;
  std::atomic<int> remaining{kSubmissions};
  for (int i = 0; i < kSubmissions; ++i) {
    engine->SubmitCreateTransfers({TestTransfer(1000 + i, 1, 2, 1)}, [&](auto result) {
      if (result.ok() && (*result)[0].result == CreateTransferResult::kOk) ++ok;
      if (--remaining == 0) all.Notify();
    });
  }
  ASSERT_TRUE(all.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_EQ(ok.load(), kSubmissions);
  const std::vector<Id> ids = {MakeId(0xacc, 1)};
  EXPECT_EQ((*engine->LookupAccounts(ids))[0].debits_posted, uint64_t{kSubmissions});
  // Fewer syncs than submissions: they shared group commits.
  EXPECT_LT(engine->Stats().groups_committed, uint64_t{kSubmissions});
  EXPECT_TRUE(engine->Verify().ok());
}

// The metrics hook: every committed group is reported once, with its batches and events, and
// the store's own figures show the writes.
TEST(EngineTest, EachCommittedGroupIsReportedWithItsBatchesAndEvents) {
  TempDir dir;
  absl::Mutex mu;
  uint64_t groups = 0, batches = 0, events = 0;
  Options options;
  options.on_group_committed = [&](const GroupCommitted& group) {
    absl::MutexLock lock(&mu);
    ++groups;
    batches += group.batches;
    events += group.events;
  };
  auto engine = *Engine::Open(options, dir.path());
  const uint64_t memtable_bytes_empty = engine->Stats().store_memtable_bytes;
  ASSERT_TRUE(engine->CreateAccounts({TestAccount(1), TestAccount(2)}).ok());
  std::vector<Transfer> transfers;
  for (uint64_t n = 1; n <= 2000; ++n) transfers.push_back(TestTransfer(n, 1, 2, 1));
  ASSERT_TRUE(engine->CreateTransfers(transfers).ok());
  const EngineStats stats = engine->Stats();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(groups, stats.groups_committed);
  EXPECT_EQ(events, stats.events_committed);
  EXPECT_EQ(batches, 2u) << "one per submission";
  EXPECT_EQ(events, 2002u) << "2 accounts and 2000 transfers";
  // 2002 records of 128 bytes and their hashes: RocksDB's memtables grew by more.
  EXPECT_GE(stats.store_memtable_bytes, memtable_bytes_empty + 2002 * 160)
      << "the journal's writes sit in RocksDB's memtables";
  EXPECT_EQ(stats.store_background_errors, 0u);
  EXPECT_FALSE(stats.store_write_stopped);
}

// Writes records straight into a journal, as only a bug or tampering could.
void WriteRawJournal(const std::string& dir, const std::vector<Record>& records) {
  auto journal = Journal::Open(dir, nullptr, true);
  ASSERT_TRUE(journal.ok()) << journal.status();
  ASSERT_TRUE((*journal)->Append(records).ok());
}

Record At(Record record, uint64_t timestamp) {
  DecodedRecord decoded;
  EXPECT_TRUE(DecodeRecord(record, &decoded));
  decoded.transfer.timestamp = timestamp;
  return decoded.kind == RecordKind::kAccountCreated
             ? EncodeAccountCreated(AccountFromRecord(decoded))
             : EncodeTransfer(decoded.kind, decoded.transfer, decoded.result);
}

TEST(EngineTest, RecoveryRefusesAJournalWithADuplicateTransferId) {
  TempDir dir;
  WriteRawJournal(
      dir.path(),
      {At(EncodeAccountCreated(TestAccount(1)), 100), At(EncodeAccountCreated(TestAccount(2)), 101),
       At(EncodeTransfer(RecordKind::kTransfer, TestTransfer(1, 1, 2, 5), 0), 102),
       At(EncodeTransfer(RecordKind::kTransfer, TestTransfer(1, 1, 2, 5), 0), 103)});
  auto engine = Engine::Open(Options(), dir.path());
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kDataLoss) << engine.status();
}

TEST(EngineTest, RecoveryRefusesAFailedIdRecordWithAResultThatRecordsNothing) {
  TempDir dir;
  WriteRawJournal(
      dir.path(),
      {At(EncodeTransfer(RecordKind::kTransferFailed, TestTransfer(1, 1, 2, 5), 0), 100)});
  auto engine = Engine::Open(Options(), dir.path());
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kDataLoss) << engine.status();
}

TEST(EngineTest, RecoveryRefusesAnExpiryThatDoesNotMatchItsPendingTransfer) {
  TempDir dir;
  Transfer hold = TestTransfer(1, 1, 2, 5, kTransferPending);
  hold.timeout = 1;
  Transfer expiry;
  expiry.pending_id = hold.id;
  expiry.debit_account_id = hold.debit_account_id;
  expiry.credit_account_id = hold.credit_account_id;
  expiry.amount = 4;  // the hold was 5
  expiry.ledger = 1;
  expiry.code = 1;
  WriteRawJournal(dir.path(), {At(EncodeAccountCreated(TestAccount(1)), 100),
                               At(EncodeAccountCreated(TestAccount(2)), 101),
                               At(EncodeTransfer(RecordKind::kTransfer, hold, 0), 102),
                               At(EncodeTransfer(RecordKind::kPendingExpired, expiry, 0), 103)});
  auto engine = Engine::Open(Options(), dir.path());
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kDataLoss) << engine.status();
}

}  // namespace
}  // namespace points

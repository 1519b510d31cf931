// The keeper (server/receipts/tree_keeper.h) over a real engine and domain store: the tree's
// leaves are the journal's records in order, checkpoints verify and only grow, cosignatures are
// checked before they are kept, a restart resumes, and VerifyTree names a tampered node.
#include "server/receipts/tree_keeper.h"

#include "gtest/gtest.h"
#include "server/domain/store/key_prefixes.h"
#include "tests/engine/testing.h"

namespace points::receipts {
namespace {

class KeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::Open(Options{}, dir_.path() + "/ledger");
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    auto store = domain::DomainStore::Open(dir_.path() + "/domain");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto signer = Signer::Generate("test.example/ledger", KeyType::kEd25519);
    ASSERT_TRUE(signer.ok());
    signer_ = std::make_unique<Signer>(*signer);
    ASSERT_NO_FATAL_FAILURE(OpenKeeper());
    ASSERT_TRUE(engine_
                    ->CreateAccounts({Account{.id = 1, .ledger = 1, .code = 1},
                                      Account{.id = 2, .ledger = 1, .code = 1}})
                    .ok());
  }
  void OpenKeeper(Clock* clock = SystemClock()) {
    keeper_.reset();
    wake_ = std::make_unique<KeeperWake>();
    auto keeper = TreeKeeper::Open(engine_.get(), store_.get(), *signer_, clock, wake_.get());
    ASSERT_TRUE(keeper.ok()) << keeper.status();
    keeper_ = *std::move(keeper);
  }
  uint64_t CheckpointSize() {
    auto checkpoint = keeper_->Checkpoint();
    if (!checkpoint.ok()) return 0;
    auto note = ParseNote(*checkpoint);
    auto parsed = note.ok() ? ParseCheckpoint(note->text) : note.status();
    return parsed.ok() ? parsed->size : 0;
  }
  // Polls, for the keeper's thread, until the latest checkpoint names at least `size` records.
  uint64_t AwaitCheckpoint(uint64_t size) {
    for (int i = 0; i < 500 && CheckpointSize() < size; ++i) absl::SleepFor(absl::Milliseconds(20));
    return CheckpointSize();
  }
  void Transfer(uint64_t id) {
    auto done = engine_->CreateTransfers({points::Transfer{.id = id,
                                                           .debit_account_id = 1,
                                                           .credit_account_id = 2,
                                                           .amount = 1,
                                                           .ledger = 1,
                                                           .code = 1}});
    ASSERT_TRUE(done.ok());
  }
  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<domain::DomainStore> store_;
  std::unique_ptr<Signer> signer_;
  std::unique_ptr<KeeperWake> wake_;
  std::unique_ptr<TreeKeeper> keeper_;
};

TEST_F(KeeperTest, LeavesAreTheJournalsRecordsAndCheckpointsVerify) {
  for (uint64_t id = 100; id < 110; ++id) ASSERT_NO_FATAL_FAILURE(Transfer(id));
  ASSERT_TRUE(keeper_->CatchUp().ok());
  EXPECT_EQ(keeper_->tree().head().size, 12u);  // two accounts, ten transfers
  auto transfers = engine_->LookupTransfers({Id{105}});
  ASSERT_TRUE(transfers.ok() && transfers->size() == 1);
  auto index = keeper_->tree().RecordNumber((*transfers)[0].timestamp);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(*index, 7u);
  auto records = engine_->ReadJournalRecords({(*transfers)[0].timestamp});
  ASSERT_TRUE(records.ok());
  auto checkpoint = keeper_->Checkpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  auto note = ParseNote(*checkpoint);
  ASSERT_TRUE(note.ok());
  EXPECT_TRUE(VerifyNote(*note, keeper_->public_key()).ok());
  auto parsed = ParseCheckpoint(note->text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->size, 12u);
  auto proof = keeper_->tree().InclusionProof(*index, parsed->size);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(
      VerifyInclusion(*index, parsed->size, LeafHash((*records)[0]), *proof, parsed->root).ok());

  // A restart resumes where the tree stood; new records go on from there.
  ASSERT_NO_FATAL_FAILURE(OpenKeeper());
  ASSERT_NO_FATAL_FAILURE(Transfer(200));
  ASSERT_TRUE(keeper_->CatchUp().ok());
  auto later = ParseNote(*keeper_->Checkpoint());
  auto grown = ParseCheckpoint(later->text);
  ASSERT_EQ(grown->size, 13u);
  auto consistency = keeper_->tree().ConsistencyProof(12, 13);
  ASSERT_TRUE(consistency.ok());
  EXPECT_TRUE(VerifyConsistency(12, 13, *consistency, parsed->root, grown->root).ok());
  uint64_t records_checked = 0, checkpoints = 0;
  const VerifierKey key = keeper_->public_key();
  EXPECT_TRUE(VerifyTree(*engine_, store_.get(), &key, &records_checked, &checkpoints).ok());
  EXPECT_EQ(records_checked, 13u);
  EXPECT_EQ(checkpoints, 2u);
}

TEST_F(KeeperTest, TheThreadFollowsCommitsAndCosignaturesAreChecked) {
  keeper_->Start();
  ASSERT_NO_FATAL_FAILURE(Transfer(300));
  wake_->Notify();
  for (int i = 0; i < 200 && !keeper_->Checkpoint().ok(); ++i)
    absl::SleepFor(absl::Milliseconds(20));
  auto checkpoint = keeper_->Checkpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  auto note = ParseNote(*checkpoint);
  auto parsed = ParseCheckpoint(note->text);
  ASSERT_EQ(parsed->size, 3u);
  auto witness = Signer::Generate("town.example/witness", KeyType::kCosignature);
  auto stranger = Signer::Generate("town.example/witness", KeyType::kCosignature);
  auto line = Cosign(*witness, note->text, 1765000000);
  auto forged = Cosign(*stranger, note->text, 1765000000);
  EXPECT_FALSE(keeper_->AddCosignature(3, witness->verifier(), *forged).ok());
  EXPECT_TRUE(absl::IsNotFound(keeper_->AddCosignature(4, witness->verifier(), *line)));
  ASSERT_TRUE(keeper_->AddCosignature(3, witness->verifier(), *line).ok());
  auto cosigned = ParseNote(*keeper_->Checkpoint());
  ASSERT_TRUE(cosigned.ok());
  ASSERT_EQ(cosigned->signatures.size(), 2u);
  EXPECT_TRUE(
      VerifyCosignature(witness->verifier(), note->text, cosigned->signatures[1], nullptr).ok());
}

// A keeper far behind the journal (a long load, a burst) signs what its tree holds when a
// checkpoint is due instead of only once it has caught up: under a steady stream of commits the
// old keeper signed nothing until the stream stopped. Each synchronous transfer is a chunk.
TEST_F(KeeperTest, AKeeperFarBehindSignsBeforeItHasCaughtUp) {
  ManualClock clock(uint64_t{1'800'000'000} * 1'000'000'000);
  ASSERT_NO_FATAL_FAILURE(OpenKeeper(&clock));
  const uint64_t transfers = 2 * kChunksPerStep + 10;
  for (uint64_t id = 1000; id < 1000 + transfers; ++id) ASSERT_NO_FATAL_FAILURE(Transfer(id));
  const uint64_t records = 2 + transfers;
  keeper_->Start();
  wake_->Notify();
  const uint64_t first = AwaitCheckpoint(1);
  EXPECT_GE(first, kChunksPerStep);
  EXPECT_LT(first, records) << "the keeper signed only once it had caught up";
  // The next ones come an interval apart, until the last has every record in it.
  for (int i = 0; i < 10 && CheckpointSize() < records; ++i) {
    const uint64_t before = CheckpointSize();
    clock.Advance(kCheckpointIntervalMs * 1'000'000);
    wake_->Notify();
    AwaitCheckpoint(before + 1);
  }
  EXPECT_EQ(CheckpointSize(), records);
  const VerifierKey key = keeper_->public_key();
  uint64_t checked = 0, checkpoints = 0;
  keeper_.reset();
  EXPECT_TRUE(VerifyTree(*engine_, store_.get(), &key, &checked, &checkpoints).ok());
  EXPECT_GE(checkpoints, 2u);
}

TEST_F(KeeperTest, VerifyNamesATamperedNode) {
  for (uint64_t id = 400; id < 404; ++id) ASSERT_NO_FATAL_FAILURE(Transfer(id));
  ASSERT_TRUE(keeper_->CatchUp().ok());
  std::string key = domain::keys::kTreeNode;
  key.push_back(0);
  key.append(std::string("\0\0\0\0\0\0\0\x03", 8));
  ASSERT_TRUE(store_->Put(key, std::string(32, 'x')).ok());
  uint64_t records = 0, checkpoints = 0;
  absl::Status s = VerifyTree(*engine_, store_.get(), nullptr, &records, &checkpoints);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("at record 3"), std::string::npos) << s;
}

}  // namespace
}  // namespace points::receipts

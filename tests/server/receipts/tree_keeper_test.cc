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
  void OpenKeeper() {
    keeper_.reset();
    wake_ = std::make_unique<KeeperWake>();
    auto keeper =
        TreeKeeper::Open(engine_.get(), store_.get(), *signer_, SystemClock(), wake_.get());
    ASSERT_TRUE(keeper.ok()) << keeper.status();
    keeper_ = *std::move(keeper);
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

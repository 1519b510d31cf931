// points.v1.ReceiptService through the real pointsd (--demo): a transfer's receipt verifies
// offline against the signed checkpoint with the code pointsctl uses, the record behind it only
// for who may read it, checkpoints grow with consistency proofs between them, a witness's
// cosignature is checked and served, the key survives a restart, `pointsd verify` rebuilds
// the tree and checks every checkpoint, and SIGKILL in the middle of the tree's upkeep and the
// checkpoints' signing leaves a complete tree that no later checkpoint contradicts.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "points/v1/ledger.grpc.pb.h"
#include "points/v1/receipts.grpc.pb.h"
#include "server/receipts/note.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"
#include "tests/testing/server_testing.h"

namespace points {
namespace {

using receipts::Hash;

Hash HashOf(const std::string& bytes) {
  Hash h{};
  if (bytes.size() == h.size()) std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

std::string TokenFile(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  return token;
}

struct CtlRun {
  int exit_code = -1;
  std::string output;
};
CtlRun RunPointsctl(const std::string& args) {
  CtlRun run;
  FILE* pipe = popen(absl::StrCat(POINTSCTL_PATH, " ", args, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) run.output += buffer;
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class ReceiptsTest : public ::testing::Test {
 protected:
  void Start(const std::string& data_dir = "") {
    pointsd_ = std::make_unique<testing::Pointsd>(data_dir.empty() ? dir_.path() : data_dir, 0,
                                                  std::vector<std::string>{"--demo"});
    ASSERT_GT(pointsd_->port(), 0);
    auto channel = grpc::CreateChannel(pointsd_->target(), grpc::InsecureChannelCredentials());
    receipts_ = v1::ReceiptService::NewStub(channel);
    ledger_ = v1::LedgerService::NewStub(channel);
    admin_ = pointsd_->admin_token();
  }
  // The latest checkpoint once it holds at least `size` records (the keeper signs every 2 s).
  v1::GetCheckpointResponse CheckpointOf(uint64_t size) {
    v1::GetCheckpointResponse response;
    for (int i = 0; i < 100; ++i) {
      response.Clear();
      grpc::Status s = receipts_->GetCheckpoint(testing::ContextWith(admin_, 10).get(),
                                                v1::GetCheckpointRequest(), &response);
      if (s.ok() && response.size() >= size) break;
      usleep(100'000);
    }
    return response;
  }
  // One raw transfer of `amount` from account 1 to 101 under `id`, as the admin.
  grpc::Status Transfer(const std::string& id, uint64_t amount, int deadline_seconds = 10) {
    v1::CreateTransfersRequest create;
    v1::Transfer* t = create.add_transfers();
    t->set_id(id);
    t->set_debit_account_id(testing::IdBytes(1));
    t->set_credit_account_id(testing::IdBytes(101));
    t->set_amount(amount);
    t->set_ledger(1);
    t->set_code(10);
    v1::CreateTransfersResponse created;
    return ledger_->CreateTransfers(testing::ContextWith(admin_, deadline_seconds).get(), create,
                                    &created);
  }
  // ProveTransfers of `id`, asked again until its record is in a checkpoint (at most 10 s).
  grpc::Status ProveOnceCheckpointed(const std::string& id, v1::ProveTransfersResponse* out) {
    v1::ProveTransfersRequest prove;
    prove.add_transfer_ids(id);
    grpc::Status s;
    for (int i = 0; i < 100; ++i) {
      out->Clear();
      s = receipts_->ProveTransfers(testing::ContextWith(admin_, 10).get(), prove, out);
      if (s.ok()) break;
      usleep(100'000);
    }
    return s;
  }
  testing::TempDir dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::unique_ptr<v1::ReceiptService::Stub> receipts_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::string admin_;
};

TEST_F(ReceiptsTest, AReceiptVerifiesOfflineAndTheRecordOnlyForItsReaders) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const v1::GetCheckpointResponse first = CheckpointOf(1);
  ASSERT_GT(first.size(), 0u);
  absl::StatusOr<receipts::VerifierKey> key = receipts::VerifierKey::Parse(first.public_key());
  ASSERT_TRUE(key.ok()) << first.public_key();
  EXPECT_EQ(key->name, "pointsd.local/ledger");

  const std::string transfer_id = testing::IdBytes(absl::MakeUint128(20, 1));
  ASSERT_TRUE(Transfer(transfer_id, 1).ok());
  const v1::GetCheckpointResponse later = CheckpointOf(first.size() + 1);
  ASSERT_GT(later.size(), first.size());

  v1::ProveTransfersRequest prove;
  prove.add_transfer_ids(transfer_id);
  v1::ProveTransfersResponse proved;
  grpc::Status s =
      receipts_->ProveTransfers(testing::ContextWith(admin_, 10).get(), prove, &proved);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(proved.receipts_size(), 1);
  const v1::TransferReceipt& r = proved.receipts(0);
  ASSERT_EQ(r.record().size(), 128u);  // the county's admin may read the transfer
  if (std::getenv("RECEIPTS_PRINT") != nullptr) std::cout << r.receipt();
  EXPECT_EQ(HashOf(r.leaf_hash()), receipts::LeafHash(r.record()));

  // Offline, from the receipt's text alone and the public key: as `pointsctl receipts verify`.
  absl::StatusOr<receipts::TlogProof> file = receipts::ParseTlogProof(r.receipt());
  ASSERT_TRUE(file.ok()) << file.status() << r.receipt();
  absl::StatusOr<receipts::Note> note = receipts::ParseNote(file->checkpoint);
  ASSERT_TRUE(note.ok());
  ASSERT_TRUE(receipts::VerifyNote(*note, *key).ok());
  absl::StatusOr<receipts::Checkpoint> c = receipts::ParseCheckpoint(note->text);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(receipts::VerifyInclusion(file->index, c->size, receipts::LeafHash(file->extra),
                                        file->proof, c->root)
                  .ok());
  std::string forged = file->extra;
  forged[96] ^= 1;  // another amount
  EXPECT_FALSE(receipts::VerifyInclusion(file->index, c->size, receipts::LeafHash(forged),
                                         file->proof, c->root)
                   .ok());

  // The same through `pointsctl receipts verify`, and a receipt with one bit changed refused.
  const std::string path = dir_.path() + "/receipt.txt";
  std::ofstream(path) << r.receipt();
  const CtlRun ok =
      RunPointsctl(absl::StrCat("receipts verify '", path, "' --key '", first.public_key(), "'"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, ::testing::HasSubstr("OK: record "));
  std::string tampered = r.receipt();
  tampered[tampered.find("index ") - 3] ^= 1;  // a bit of the record, in the extra line
  std::ofstream(path) << tampered;
  const CtlRun refused =
      RunPointsctl(absl::StrCat("receipts verify '", path, "' --key '", first.public_key(), "'"));
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_THAT(refused.output, ::testing::HasSubstr("RECEIPT REFUSED"));

  // A household that is not party to it gets the proof, not the record.
  const std::string household = TokenFile(dir_.path() + "/demo-tokens/household-1");
  ASSERT_FALSE(household.empty());
  proved.Clear();
  s = receipts_->ProveTransfers(testing::ContextWith(household, 10).get(), prove, &proved);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(proved.receipts(0).record().empty());
  EXPECT_EQ(proved.receipts(0).leaf_hash(), r.leaf_hash());

  // The two checkpoints are of one tree.
  v1::GetConsistencyProofRequest between;
  between.set_old_size(first.size());
  between.set_size(later.size());
  v1::GetConsistencyProofResponse consistency;
  ASSERT_TRUE(
      receipts_
          ->GetConsistencyProof(testing::ContextWith(household, 10).get(), between, &consistency)
          .ok());
  std::vector<Hash> hashes;
  for (const std::string& h : consistency.proof()) hashes.push_back(HashOf(h));
  EXPECT_TRUE(receipts::VerifyConsistency(first.size(), later.size(), hashes, HashOf(first.root()),
                                          HashOf(later.root()))
                  .ok());
}

TEST_F(ReceiptsTest, WitnessesCosignAndTheTreeSurvivesARestartAndVerify) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const v1::GetCheckpointResponse first = CheckpointOf(1);
  auto witness =
      receipts::Signer::Generate("town.example/witness", receipts::KeyType::kCosignature);
  ASSERT_TRUE(witness.ok());
  absl::StatusOr<receipts::Note> note = receipts::ParseNote(first.checkpoint());
  ASSERT_TRUE(note.ok());
  absl::StatusOr<std::string> line = receipts::Cosign(*witness, note->text, 1765000000);
  v1::AddCosignatureRequest add;
  add.set_size(first.size());
  add.set_witness_key(witness->verifier().Text());
  add.set_cosignature(*line);
  v1::AddCosignatureResponse added;
  const std::string committee = TokenFile(dir_.path() + "/demo-tokens/committee-li");
  ASSERT_TRUE(
      receipts_->AddCosignature(testing::ContextWith(committee, 10).get(), add, &added).ok());
  const std::string household = TokenFile(dir_.path() + "/demo-tokens/household-1");
  EXPECT_EQ(receipts_->AddCosignature(testing::ContextWith(household, 10).get(), add, &added)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  add.set_size(first.size() + 1000);  // no such checkpoint
  EXPECT_EQ(receipts_->AddCosignature(testing::ContextWith(committee, 10).get(), add, &added)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::GetCheckpointRequest at;
  at.set_size(first.size());
  v1::GetCheckpointResponse served;
  ASSERT_TRUE(
      receipts_->GetCheckpoint(testing::ContextWith(household, 10).get(), at, &served).ok());
  absl::StatusOr<receipts::Note> cosigned = receipts::ParseNote(served.checkpoint());
  ASSERT_TRUE(cosigned.ok());
  ASSERT_EQ(cosigned->signatures.size(), 2u);
  if (std::getenv("RECEIPTS_PRINT") != nullptr) {
    std::cout << served.checkpoint() << served.public_key() << "\n"
              << witness->verifier().Text() << "\n";
  }
  EXPECT_TRUE(
      receipts::VerifyCosignature(witness->verifier(), note->text, cosigned->signatures[1], nullptr)
          .ok());

  // `pointsctl witness cosign`: cosigns, and refuses a log whose history is not the one it
  // cosigned before.
  const CtlRun made = RunPointsctl("witness key village.example/committee-witness");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string key_file = dir_.path() + "/witness.key", state = dir_.path() + "/witness.state";
  std::ofstream(key_file) << made.output.substr(0, made.output.find('\n'));
  std::ofstream(dir_.path() + "/committee.token") << committee;
  const std::string cosign =
      absl::StrCat("--target ", pointsd_->target(), " --token-file '", dir_.path(),
                   "/committee.token' witness cosign --log-key '", first.public_key(),
                   "' --key-file '", key_file, "' --state '", state, "'");
  const CtlRun cosigned_once = RunPointsctl(cosign);
  EXPECT_EQ(cosigned_once.exit_code, 0) << cosigned_once.output;
  EXPECT_THAT(cosigned_once.output, ::testing::HasSubstr("cosigned pointsd.local/ledger at "));
  EXPECT_EQ(RunPointsctl(cosign).exit_code, 0);  // nothing new: the same checkpoint again
  absl::StatusOr<receipts::Checkpoint> kept = receipts::ParseCheckpoint(note->text);
  kept->root[0] ^= 1;  // as if the log had shown the witness another history before
  std::ofstream(state, std::ios::trunc) << receipts::CheckpointText(*kept);
  const CtlRun forked = RunPointsctl(cosign);
  EXPECT_EQ(forked.exit_code, 3) << forked.output;
  EXPECT_THAT(forked.output, ::testing::HasSubstr("NOT COSIGNED"));

  EXPECT_EQ(pointsd_->Stop(SIGTERM), 0);
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(CheckpointOf(1).public_key(), first.public_key());  // the key file is kept
  EXPECT_EQ(pointsd_->Stop(SIGTERM), 0);
  testing::Verified verified = testing::VerifyDataDir(dir_.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_THAT(verified.output, ::testing::HasSubstr("Merkle tree of "));
}

// A county restores an older backup and carries on: the records after the backup are gone and
// others take their numbers. The backup holds the signing key (the restored server signs as
// before), so the new history's checkpoints carry the county's valid signature, and only the
// witness, which cosigned a later checkpoint of the old history, catches the fork: it refuses
// loudly. A receipt issued before the backup still verifies against its own checkpoint.
TEST_F(ReceiptsTest, ARestoredOlderBackupThatGoesOnDifferentlyIsRefusedByTheWitness) {
  ASSERT_NO_FATAL_FAILURE(Start());
  uint64_t next_id = 1;
  auto transfer = [&](uint64_t amount) {
    const std::string id = testing::IdBytes(absl::MakeUint128(40, next_id++));
    EXPECT_TRUE(Transfer(id, amount).ok());
    return id;
  };
  const std::string early = transfer(1);
  const uint64_t first_size = CheckpointOf(1).size();
  v1::ProveTransfersResponse proved;
  (void)ProveOnceCheckpointed(early, &proved);
  ASSERT_EQ(proved.receipts_size(), 1);
  const std::string receipt = dir_.path() + "/early.tlog-proof";
  std::ofstream(receipt) << proved.receipts(0).receipt();
  const std::string key = CheckpointOf(first_size).public_key();

  const std::string backup = dir_.path() + "-backup";
  const CtlRun backed_up =
      RunPointsctl(absl::StrCat("--target ", pointsd_->target(), " --token-file '", dir_.path(),
                                "/admin.token' admin backup '", backup, "'"));
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.output;

  // The old history goes on and a witness cosigns its newest checkpoint.
  for (int i = 0; i < 5; ++i) transfer(2);
  const uint64_t old_size = CheckpointOf(proved.receipts(0).size() + 5).size();
  const CtlRun made = RunPointsctl("witness key town.example/witness");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string key_file = dir_.path() + "/witness.key", state = dir_.path() + "/witness.state";
  std::ofstream(key_file) << made.output.substr(0, made.output.find('\n'));
  std::ofstream(dir_.path() + "/committee.token")
      << TokenFile(dir_.path() + "/demo-tokens/committee-li");
  auto cosign = [&] {
    return RunPointsctl(absl::StrCat("--target ", pointsd_->target(), " --token-file '",
                                     dir_.path(), "/committee.token' witness cosign --log-key '",
                                     key, "' --key-file '", key_file, "' --state '", state, "'"));
  };
  const CtlRun cosigned = cosign();
  ASSERT_EQ(cosigned.exit_code, 0) << cosigned.output;
  EXPECT_EQ(pointsd_->Stop(SIGTERM), 0);

  // Restored from the backup: the same key, a different history past the backup's end.
  const std::string admin = admin_;  // the backup holds no token file; the principal is kept
  ASSERT_NO_FATAL_FAILURE(Start(backup));
  admin_ = admin;
  EXPECT_EQ(CheckpointOf(1).public_key(), key);
  for (int i = 0; i < 12; ++i) transfer(3);
  ASSERT_GT(CheckpointOf(old_size + 1).size(), old_size);
  const CtlRun forked = cosign();
  EXPECT_EQ(forked.exit_code, 3) << forked.output;
  EXPECT_THAT(forked.output, ::testing::HasSubstr("NOT COSIGNED"));
  EXPECT_THAT(forked.output, ::testing::HasSubstr("history was rewritten"));

  const CtlRun still =
      RunPointsctl(absl::StrCat("receipts verify '", receipt, "' --key '", key, "'"));
  EXPECT_EQ(still.exit_code, 0) << still.output;
  EXPECT_EQ(pointsd_->Stop(SIGTERM), 0);
  std::error_code ignored;
  std::filesystem::remove_all(backup, ignored);
}

// Transfers flow while pointsd is killed (SIGKILL) at a random moment, several times: the tree's
// upkeep runs every 200 ms and a checkpoint is signed every 2 s, so the kills land before,
// during and after both. After each restart every checkpoint seen before is consistent with the
// newest (an RFC 9162 consistency proof from its size verifies against both roots), none is
// replaced by another root, the last transfer acknowledged before the kill is provable once the
// tree has caught up, and `pointsd verify` rebuilds the tree and finds it complete.
TEST_F(ReceiptsTest, SigkillDuringTheTreesUpkeepLeavesItCompleteAndConsistent) {
  const unsigned seed = std::random_device()();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 random(seed);
  std::vector<v1::GetCheckpointResponse> seen;
  uint64_t next_id = 1;
  std::string last_acknowledged;
  constexpr int kKills = 4;
  for (int round = 0; round <= kKills; ++round) {
    ASSERT_NO_FATAL_FAILURE(Start());
    for (const v1::GetCheckpointResponse& earlier : seen) {
      const v1::GetCheckpointResponse now = CheckpointOf(earlier.size());
      ASSERT_GE(now.size(), earlier.size());
      v1::GetCheckpointRequest at;
      at.set_size(earlier.size());
      v1::GetCheckpointResponse again;
      if (receipts_->GetCheckpoint(testing::ContextWith(admin_, 10).get(), at, &again).ok()) {
        EXPECT_EQ(again.root(), earlier.root()) << "round " << round << ", size " << earlier.size();
      }
      v1::GetConsistencyProofRequest between;
      between.set_old_size(earlier.size());
      between.set_size(now.size());
      v1::GetConsistencyProofResponse proof;
      ASSERT_TRUE(
          receipts_->GetConsistencyProof(testing::ContextWith(admin_, 10).get(), between, &proof)
              .ok());
      std::vector<Hash> hashes;
      for (const std::string& h : proof.proof()) hashes.push_back(HashOf(h));
      EXPECT_TRUE(receipts::VerifyConsistency(earlier.size(), now.size(), hashes,
                                              HashOf(earlier.root()), HashOf(now.root()))
                      .ok())
          << "round " << round << ": " << earlier.size() << " -> " << now.size();
    }
    if (!last_acknowledged.empty()) {  // the tree catches up with what was committed
      v1::ProveTransfersResponse out;
      const grpc::Status proved = ProveOnceCheckpointed(last_acknowledged, &out);
      EXPECT_TRUE(proved.ok()) << "round " << round << ": " << proved.error_message();
    }
    if (round == kKills) break;
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      while (!stop) {
        const std::string id = testing::IdBytes(absl::MakeUint128(30, next_id++));
        if (Transfer(id, 1, /*deadline_seconds=*/2).ok() && !stop) last_acknowledged = id;
      }
    });
    const auto kill_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(300 + random() % 2700);
    while (std::chrono::steady_clock::now() < kill_at) {
      v1::GetCheckpointResponse latest;
      if (receipts_
              ->GetCheckpoint(testing::ContextWith(admin_, 10).get(), v1::GetCheckpointRequest(),
                              &latest)
              .ok() &&
          (seen.empty() || latest.size() > seen.back().size())) {
        seen.push_back(latest);
      }
      usleep(50'000);
    }
    stop = true;  // what the writer has acknowledged so far stays its last before the kill
    pointsd_->Stop(SIGKILL);
    writer.join();
  }
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(pointsd_->Stop(SIGTERM), 0);
  testing::Verified verified = testing::VerifyDataDir(dir_.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_THAT(verified.output, ::testing::HasSubstr("Merkle tree of "));
}

}  // namespace
}  // namespace points

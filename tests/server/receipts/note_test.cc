// Signed notes, checkpoints, cosignatures and receipts (server/receipts/note.h): against the
// C2SP signed-note example (c2sp.org/signed-note: key example.com/foo), and round trips.
#include "server/receipts/note.h"

#include "gtest/gtest.h"

namespace points::receipts {
namespace {

constexpr char kExampleKey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr char kExampleNote[] =
    "This is an example message.\n"
    "\n"
    "\xE2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

TEST(NoteTest, TheC2spExampleVerifies) {
  absl::StatusOr<VerifierKey> key = VerifierKey::Parse(kExampleKey);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->id, 0x530d903au);
  EXPECT_EQ(key->Text(), kExampleKey);
  absl::StatusOr<Note> note = ParseNote(kExampleNote);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(note->text, "This is an example message.\n");
  EXPECT_TRUE(VerifyNote(*note, *key).ok());
  std::string changed = kExampleNote;
  changed[8] = 'A';  // "This is An example"
  absl::StatusOr<Note> forged = ParseNote(changed);
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(VerifyNote(*forged, *key).code(), absl::StatusCode::kPermissionDenied);
  // A key id that is not the key's is refused.
  EXPECT_FALSE(
      VerifierKey::Parse("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
          .ok());
}

TEST(NoteTest, CheckpointsSignAndParse) {
  absl::StatusOr<Signer> signer = Signer::Generate("village.example/ledger", KeyType::kEd25519);
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<Signer> again = Signer::FromText(signer->PrivateText());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->verifier().Text(), signer->verifier().Text());
  Checkpoint c{"village.example/ledger", 42, Sha256("root"), ""};
  const std::string text = CheckpointText(c);
  absl::StatusOr<std::string> line = again->SignNote(text);
  ASSERT_TRUE(line.ok());
  absl::StatusOr<Note> note = ParseNote(text + "\n" + *line);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_TRUE(VerifyNote(*note, signer->verifier()).ok());
  absl::StatusOr<Checkpoint> parsed = ParseCheckpoint(note->text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->size, 42u);
  EXPECT_EQ(parsed->root, c.root);
  EXPECT_FALSE(ParseCheckpoint("origin\n042\nAAAA\n").ok());

  absl::StatusOr<Signer> witness = Signer::Generate("town.example/witness", KeyType::kCosignature);
  ASSERT_TRUE(witness.ok());
  absl::StatusOr<std::string> cosig = Cosign(*witness, text, 1765000000);
  ASSERT_TRUE(cosig.ok()) << cosig.status();
  absl::StatusOr<Note> cosigned = ParseNote(text + "\n" + *line + *cosig);
  ASSERT_TRUE(cosigned.ok()) << cosigned.status();
  ASSERT_EQ(cosigned->signatures.size(), 2u);
  uint64_t time = 0;
  EXPECT_TRUE(VerifyCosignature(witness->verifier(), text, cosigned->signatures[1], &time).ok());
  EXPECT_EQ(time, 1765000000u);
  EXPECT_FALSE(VerifyCosignature(witness->verifier(), CheckpointText({c.origin, 43, c.root, ""}),
                                 cosigned->signatures[1], &time)
                   .ok());
  EXPECT_FALSE(witness->SignNote(text).ok());  // a cosignature key signs nothing else
}

TEST(NoteTest, ReceiptsRoundTrip) {
  TlogProof proof{"", 7, {Sha256("a"), Sha256("b")}, "origin\n8\nAAAA\n\n\xE2\x80\x94 x AAAA\n"};
  absl::StatusOr<TlogProof> parsed = ParseTlogProof(TlogProofText(proof));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->index, 7u);
  EXPECT_EQ(parsed->proof, proof.proof);
  EXPECT_EQ(parsed->checkpoint, proof.checkpoint);
  proof.extra = "record bytes";
  proof.proof.clear();
  parsed = ParseTlogProof(TlogProofText(proof));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->extra, "record bytes");
  EXPECT_TRUE(parsed->proof.empty());
  EXPECT_FALSE(ParseTlogProof("c2sp.org/tlog-proof@v1\nindex x\n\ncheckpoint").ok());
}

}  // namespace
}  // namespace points::receipts

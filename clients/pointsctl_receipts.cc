// pointsctl receipts: checking a receipt offline, without the server (server/receipts/README.md).
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "merkle.h"
#include "note.h"
#include "pointsctl_cli.h"

namespace points::client {
namespace {

// A receipt file is about 1-2 KiB; anything far larger is not one.
constexpr std::uintmax_t kReceiptFileBytesMax = 64 << 10;

int Refuse(const std::string& why) {
  std::fprintf(stderr, "pointsctl: RECEIPT REFUSED: %s\n", why.c_str());
  return kExitRefused;
}

absl::StatusOr<std::string> ReadReceipt(const std::string& path) {
  std::error_code error;
  if (std::filesystem::file_size(path, error) > kReceiptFileBytesMax || error) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a receipt file"));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

receipts::VerifierKey KeyFlag(const std::string& flag, const std::string& text) {
  absl::StatusOr<receipts::VerifierKey> key = receipts::VerifierKey::Parse(text);
  if (!key.ok()) Usage(absl::StrCat(flag, ": ", key.status().message()));
  return *key;
}

// The leaf: the record the receipt carries (its extra line), or --leaf HEX.
absl::StatusOr<receipts::Hash> LeafOf(const Invocation& in, const receipts::TlogProof& proof) {
  if (!proof.extra.empty()) return receipts::LeafHash(proof.extra);
  if (!in.Has("--leaf")) {
    return absl::InvalidArgumentError(
        "the receipt carries no record: give its leaf hash with --leaf HEX");
  }
  const std::string bytes = absl::HexStringToBytes(*in.Value("--leaf"));
  receipts::Hash leaf;
  if (bytes.size() != leaf.size()) Usage("--leaf: 64 hex digits");
  std::copy(bytes.begin(), bytes.end(), leaf.begin());
  return leaf;
}

int RunReceiptsVerify(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the receipt file");
  RequireFlag(in, "--key");
  const receipts::VerifierKey key = KeyFlag("--key", *in.Value("--key"));
  absl::StatusOr<std::string> text = ReadReceipt(in.args[0]);
  if (!text.ok()) return Refuse(std::string(text.status().message()));
  absl::StatusOr<receipts::TlogProof> proof = receipts::ParseTlogProof(*text);
  if (!proof.ok()) return Refuse(std::string(proof.status().message()));
  absl::StatusOr<receipts::Note> note = receipts::ParseNote(proof->checkpoint);
  if (!note.ok()) return Refuse(std::string(note.status().message()));
  if (absl::Status s = receipts::VerifyNote(*note, key); !s.ok()) {
    return Refuse(std::string(s.message()));
  }
  absl::StatusOr<receipts::Checkpoint> checkpoint = receipts::ParseCheckpoint(note->text);
  if (!checkpoint.ok()) return Refuse(std::string(checkpoint.status().message()));
  std::vector<std::string> cosigners;
  auto witnesses = in.flags.find("--witness-key");
  for (const std::string& w :
       witnesses == in.flags.end() ? std::vector<std::string>{} : witnesses->second) {
    const receipts::VerifierKey witness = KeyFlag("--witness-key", w);
    bool cosigned = false;
    for (const receipts::NoteSignature& line : note->signatures) {
      cosigned |= receipts::VerifyCosignature(witness, note->text, line, nullptr).ok();
    }
    if (!cosigned) return Refuse(absl::StrCat("not cosigned by the witness ", witness.name));
    cosigners.push_back(witness.name);
  }
  absl::StatusOr<receipts::Hash> leaf = LeafOf(in, *proof);
  if (!leaf.ok()) return Refuse(std::string(leaf.status().message()));
  if (absl::Status s = receipts::VerifyInclusion(proof->index, checkpoint->size, *leaf,
                                                 proof->proof, checkpoint->root);
      !s.ok()) {
    return Refuse(
        absl::StrCat("record ", proof->index, " is not in the checkpoint: ", s.message()));
  }
  std::printf("OK: record %llu is in %s's checkpoint of %llu records, root %s, signed by %s%s%s\n",
              static_cast<unsigned long long>(proof->index), checkpoint->origin.c_str(),
              static_cast<unsigned long long>(checkpoint->size),
              receipts::HashHex(checkpoint->root).c_str(), key.Text().c_str(),
              cosigners.empty() ? "" : ", cosigned by ", absl::StrJoin(cosigners, ", ").c_str());
  return kExitOk;
}

}  // namespace

std::vector<Command> ReceiptCommands() {
  return {
      {"receipts",
       "verify",
       "FILE",
       "check a receipt offline, without the server",
       "Checks a receipt file (c2sp.org/tlog-proof@v1, as ReceiptService.ProveTransfers gives\n"
       "it): the checkpoint's signature by the county's key (--key, as pointsd logs it at start\n"
       "and GetCheckpoint returns it), every --witness-key's cosignature on it, and the record's\n"
       "inclusion proof against its root. Needs no server and no token. Exit code 3, with the\n"
       "reason, when anything does not hold.\n",
       {{"--key", "VKEY", "the county's public key NAME+ID+BASE64; required"},
        {"--witness-key", "VKEY", "a witness that must have cosigned", /*repeatable=*/true},
        {"--leaf", "HEX", "the leaf hash, for a receipt without its record"}},
       RunReceiptsVerify},
  };
}

}  // namespace points::client

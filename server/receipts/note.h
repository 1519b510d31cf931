// C2SP signed notes (c2sp.org/signed-note) with Ed25519 through OpenSSL 3, and the two kinds
// this server signs: tlog-checkpoint (the tree's origin, size and root) and, by witnesses,
// tlog-cosignature. Pure values: shared by pointsd and pointsctl.
//
// A note is text lines each ending in '\n', an empty line, then signature lines
// "— <key name> <base64(4-byte key id || signature)>\n" (the dash is U+2014).
#ifndef POINTS_SERVER_RECEIPTS_NOTE_H_
#define POINTS_SERVER_RECEIPTS_NOTE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/receipts/merkle.h"

namespace points::receipts {

// The longest key name, note text and note accepted (a checkpoint is well under 1 KiB).
inline constexpr size_t kKeyNameBytesMax = 256;
inline constexpr size_t kNoteBytesMax = 16 << 10;
inline constexpr size_t kNoteSignaturesMax = 32;

// The key types of signed-note (0x01, Ed25519 over the note) and tlog-cosignature (0x04).
enum class KeyType : uint8_t { kEd25519 = 0x01, kCosignature = 0x04 };

// A public key as a verifier key text names it: "<name>+<8 hex key id>+<base64(type || key)>".
struct VerifierKey {
  std::string name;
  uint32_t id = 0;
  KeyType type = KeyType::kEd25519;
  std::array<uint8_t, 32> public_key{};

  std::string Text() const;
  // INVALID_ARGUMENT unless the text is well formed and its key id is the key's.
  static absl::StatusOr<VerifierKey> Parse(const std::string& text);
};

// SHA-256(name || '\n' || type || public key)[0:4], big-endian.
uint32_t KeyId(const std::string& name, KeyType type, const std::array<uint8_t, 32>& public_key);

// An Ed25519 private key, kept as "PRIVATE+KEY+<name>+<8 hex key id>+<base64(type || seed)>"
// (the form of Go's golang.org/x/mod/sumdb/note).
class Signer {
 public:
  // A new key from the system's random source. INVALID_ARGUMENT for an unusable name (empty,
  // longer than kKeyNameBytesMax, with a space, a '+' or a control character).
  static absl::StatusOr<Signer> Generate(const std::string& name, KeyType type);
  static absl::StatusOr<Signer> FromText(const std::string& private_key_text);

  std::string PrivateText() const;
  const VerifierKey& verifier() const { return verifier_; }
  // Ed25519 signature of `message`.
  absl::StatusOr<std::array<uint8_t, 64>> SignBytes(const std::string& message) const;
  // The note's signature line for `text` (type kEd25519 only).
  absl::StatusOr<std::string> SignNote(const std::string& text) const;

 private:
  std::array<uint8_t, 32> seed_{};
  VerifierKey verifier_;
};

// Ed25519 verification of `signature` over `message` by `key`.
bool VerifyBytes(const VerifierKey& key, const std::string& message, const std::string& signature);

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // without the key id
  std::string line;       // as it stood, with its newline
};
struct Note {
  std::string text;  // up to and including its last newline
  std::vector<NoteSignature> signatures;
};
// INVALID_ARGUMENT naming what is malformed.
absl::StatusOr<Note> ParseNote(const std::string& note);
// OK when a signature by `key` (kEd25519) over the note's text verifies; INVALID_ARGUMENT when
// none by that key is there, PERMISSION_DENIED when it is there and does not verify.
absl::Status VerifyNote(const Note& note, const VerifierKey& key);

// tlog-checkpoint: "<origin>\n<size>\n<base64 root>\n" (no extension lines are written; read
// ones are kept in `extra`).
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::string extra;
};
std::string CheckpointText(const Checkpoint& checkpoint);
absl::StatusOr<Checkpoint> ParseCheckpoint(const std::string& text);

// tlog-cosignature/v1: the line a witness adds, signing
// "cosignature/v1\ntime <timestamp>\n" + checkpoint text; its signature bytes are the 8-byte
// big-endian timestamp (seconds since the Unix epoch) followed by the Ed25519 signature.
absl::StatusOr<std::string> Cosign(const Signer& witness, const std::string& checkpoint_text,
                                   uint64_t timestamp);
// OK when `line` is a cosignature by `witness` (kCosignature) over the checkpoint text; sets
// *timestamp. PERMISSION_DENIED when it does not verify.
absl::Status VerifyCosignature(const VerifierKey& witness, const std::string& checkpoint_text,
                               const NoteSignature& line, uint64_t* timestamp);

// c2sp.org/tlog-proof@v1: an offline receipt: "c2sp.org/tlog-proof@v1\n", optionally
// "extra <base64>\n", "index <n>\n", the inclusion proof one base64 hash per line, an empty line,
// then the signed checkpoint verbatim.
struct TlogProof {
  std::string extra;  // decoded; empty when absent
  uint64_t index = 0;
  std::vector<Hash> proof;
  std::string checkpoint;  // the signed note, with its signatures
};
std::string TlogProofText(const TlogProof& proof);
absl::StatusOr<TlogProof> ParseTlogProof(const std::string& text);

}  // namespace points::receipts

#endif  // POINTS_SERVER_RECEIPTS_NOTE_H_

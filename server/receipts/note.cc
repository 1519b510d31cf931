#include "server/receipts/note.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace points::receipts {
namespace {

constexpr char kDash[] = "\xE2\x80\x94 ";  // "— ": U+2014 and a space
constexpr char kCosignatureHeader[] = "cosignature/v1\ntime ";
constexpr char kTlogProofHeader[] = "c2sp.org/tlog-proof@v1\n";
constexpr size_t kSignatureBytes = 64;
constexpr size_t kTimestampBytes = 8;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

std::string Bytes(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

std::string Base64(const std::string& bytes) { return absl::Base64Escape(bytes); }

bool Unbase64(const std::string& text, std::string* bytes) {
  return absl::Base64Unescape(text, bytes) && Base64(*bytes) == text;  // canonical only
}

std::string BigEndian(uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(value >> (8 * i)));
  return out;
}

uint64_t FromBigEndian(const std::string& in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | static_cast<uint8_t>(in[at + i]);
  return value;
}

absl::Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > kKeyNameBytesMax) {
    return absl::InvalidArgumentError("a key name is 1 to 256 bytes");
  }
  for (char c : name) {
    if (c == '+' || c == ' ' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("a key name has no '+', space or control character");
    }
  }
  return absl::OkStatus();
}

std::string HexId(uint32_t id) { return absl::BytesToHexString(BigEndian(id, 4)); }

// "<prefix><name>+<hex id>+<base64(type || key)>": the shared shape of both key texts.
absl::Status ParseKeyText(const std::string& text, std::string* name, uint32_t* id, uint8_t* type,
                          std::string* key) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('+', 2));  // base64 has '+'
  std::string bytes;
  uint32_t parsed_id = 0;
  if (parts.size() != 3 || parts[1].size() != 8 || !absl::SimpleHexAtoi(parts[1], &parsed_id) ||
      !Unbase64(parts[2], &bytes) || bytes.size() != 33) {
    return absl::InvalidArgumentError("a key text is NAME+HEXID+BASE64");
  }
  if (absl::Status s = CheckName(parts[0]); !s.ok()) return s;
  *name = parts[0];
  *id = parsed_id;
  *type = static_cast<uint8_t>(bytes[0]);
  *key = bytes.substr(1);
  return absl::OkStatus();
}

}  // namespace

uint32_t KeyId(const std::string& name, KeyType type, const std::array<uint8_t, 32>& public_key) {
  std::string bytes = name;
  bytes.push_back('\n');
  bytes.push_back(static_cast<char>(type));
  bytes.append(Bytes(public_key.data(), public_key.size()));
  const Hash hash = Sha256(bytes);
  return uint32_t{hash[0]} << 24 | uint32_t{hash[1]} << 16 | uint32_t{hash[2]} << 8 | hash[3];
}

std::string VerifierKey::Text() const {
  std::string key(1, static_cast<char>(type));
  key.append(Bytes(public_key.data(), public_key.size()));
  return absl::StrCat(name, "+", HexId(id), "+", Base64(key));
}

absl::StatusOr<VerifierKey> VerifierKey::Parse(const std::string& text) {
  VerifierKey out;
  uint8_t type = 0;
  std::string key;
  if (absl::Status s = ParseKeyText(text, &out.name, &out.id, &type, &key); !s.ok()) return s;
  if (type != uint8_t(KeyType::kEd25519) && type != uint8_t(KeyType::kCosignature)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown key type ", type));
  }
  out.type = static_cast<KeyType>(type);
  std::copy(key.begin(), key.end(), out.public_key.begin());
  if (KeyId(out.name, out.type, out.public_key) != out.id) {
    return absl::InvalidArgumentError("the key id is not the key's");
  }
  return out;
}

absl::StatusOr<Signer> Signer::FromText(const std::string& private_key_text) {
  constexpr char kPrefix[] = "PRIVATE+KEY+";
  std::string text = private_key_text;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.rfind(kPrefix, 0) != 0) return absl::InvalidArgumentError("not a PRIVATE+KEY text");
  Signer signer;
  uint8_t type = 0;
  std::string seed;
  VerifierKey& v = signer.verifier_;
  absl::Status s = ParseKeyText(text.substr(sizeof(kPrefix) - 1), &v.name, &v.id, &type, &seed);
  if (!s.ok()) return s;
  if (type != uint8_t(KeyType::kEd25519) && type != uint8_t(KeyType::kCosignature)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown key type ", type));
  }
  v.type = static_cast<KeyType>(type);
  std::copy(seed.begin(), seed.end(), signer.seed_.begin());
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, signer.seed_.data(), signer.seed_.size()));
  size_t length = v.public_key.size();
  if (key == nullptr || EVP_PKEY_get_raw_public_key(key.get(), v.public_key.data(), &length) != 1) {
    return absl::InternalError("OpenSSL refused the Ed25519 key");
  }
  if (KeyId(v.name, v.type, v.public_key) != v.id) {
    return absl::InvalidArgumentError("the private key's id is not its key's");
  }
  return signer;
}

absl::StatusOr<Signer> Signer::Generate(const std::string& name, KeyType type) {
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  std::array<uint8_t, 32> seed;
  if (RAND_bytes(seed.data(), seed.size()) != 1) {
    return absl::InternalError("no random bytes for a key");
  }
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  std::array<uint8_t, 32> public_key;
  size_t length = public_key.size();
  if (key == nullptr || EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &length) != 1) {
    return absl::InternalError("OpenSSL refused the Ed25519 key");
  }
  std::string bytes(1, static_cast<char>(type));
  bytes.append(Bytes(seed.data(), seed.size()));
  return FromText(absl::StrCat("PRIVATE+KEY+", name, "+", HexId(KeyId(name, type, public_key)), "+",
                               Base64(bytes)));
}

std::string Signer::PrivateText() const {
  std::string bytes(1, static_cast<char>(verifier_.type));
  bytes.append(Bytes(seed_.data(), seed_.size()));
  return absl::StrCat("PRIVATE+KEY+", verifier_.name, "+", HexId(verifier_.id), "+", Base64(bytes));
}

absl::StatusOr<std::array<uint8_t, 64>> Signer::SignBytes(const std::string& message) const {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::array<uint8_t, 64> signature;
  size_t length = signature.size();
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != signature.size()) {
    return absl::InternalError("Ed25519 signing failed");
  }
  return signature;
}

absl::StatusOr<std::string> Signer::SignNote(const std::string& text) const {
  if (verifier_.type != KeyType::kEd25519) {
    return absl::FailedPreconditionError("a cosignature key signs cosignatures only");
  }
  absl::StatusOr<std::array<uint8_t, 64>> signature = SignBytes(text);
  if (!signature.ok()) return signature.status();
  const std::string bytes = BigEndian(verifier_.id, 4) + Bytes(signature->data(), 64);
  return absl::StrCat(kDash, verifier_.name, " ", Base64(bytes), "\n");
}

bool VerifyBytes(const VerifierKey& key, const std::string& message, const std::string& signature) {
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, key.public_key.data(), key.public_key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return pkey != nullptr && ctx != nullptr && signature.size() == kSignatureBytes &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

absl::StatusOr<Note> ParseNote(const std::string& note) {
  if (note.size() > kNoteBytesMax) return absl::InvalidArgumentError("note too long");
  const size_t split = note.rfind("\n\n");
  if (split == std::string::npos || note.empty() || note.back() != '\n') {
    return absl::InvalidArgumentError("a note is text, an empty line and signature lines");
  }
  Note out;
  out.text = note.substr(0, split + 1);
  for (const std::string& line :
       std::vector<std::string>(absl::StrSplit(note.substr(split + 2), '\n', absl::SkipEmpty()))) {
    NoteSignature sig;
    sig.line = absl::StrCat(line, "\n");
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    std::string bytes;
    if (parts.size() != 3 || parts[0] != "\xE2\x80\x94" || !CheckName(parts[1]).ok() ||
        !Unbase64(parts[2], &bytes) || bytes.size() < 5) {
      return absl::InvalidArgumentError(absl::StrCat("malformed signature line: ", line));
    }
    sig.name = parts[1];
    sig.key_id = uint32_t(FromBigEndian(bytes, 0, 4));
    sig.signature = bytes.substr(4);
    out.signatures.push_back(std::move(sig));
  }
  if (out.signatures.empty() || out.signatures.size() > kNoteSignaturesMax) {
    return absl::InvalidArgumentError("a note has 1 to 32 signatures");
  }
  return out;
}

absl::Status VerifyNote(const Note& note, const VerifierKey& key) {
  for (const NoteSignature& sig : note.signatures) {
    if (sig.name != key.name || sig.key_id != key.id) continue;
    if (key.type == KeyType::kEd25519 && VerifyBytes(key, note.text, sig.signature)) {
      return absl::OkStatus();
    }
    return absl::PermissionDeniedError(
        absl::StrCat("the signature of ", key.name, " does not verify"));
  }
  return absl::InvalidArgumentError(absl::StrCat("the note is not signed by ", key.name));
}

std::string CheckpointText(const Checkpoint& c) {
  return absl::StrCat(c.origin, "\n", c.size, "\n", Base64(Bytes(c.root.data(), c.root.size())),
                      "\n", c.extra);
}

absl::StatusOr<Checkpoint> ParseCheckpoint(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  Checkpoint c;
  std::string root;
  if (lines.size() < 4 || !lines.back().empty() || lines[0].empty() ||
      !absl::SimpleAtoi(lines[1], &c.size) || absl::StrCat(c.size) != lines[1] ||
      !Unbase64(lines[2], &root) || root.size() != c.root.size()) {
    return absl::InvalidArgumentError("a checkpoint is ORIGIN, SIZE and BASE64 ROOT lines");
  }
  c.origin = lines[0];
  std::copy(root.begin(), root.end(), c.root.begin());
  for (size_t i = 3; i + 1 < lines.size(); ++i) absl::StrAppend(&c.extra, lines[i], "\n");
  return c;
}

absl::StatusOr<std::string> Cosign(const Signer& witness, const std::string& checkpoint_text,
                                   uint64_t timestamp) {
  if (witness.verifier().type != KeyType::kCosignature) {
    return absl::FailedPreconditionError("a witness cosigns with a cosignature key (type 0x04)");
  }
  absl::StatusOr<std::array<uint8_t, 64>> signature =
      witness.SignBytes(absl::StrCat(kCosignatureHeader, timestamp, "\n", checkpoint_text));
  if (!signature.ok()) return signature.status();
  const std::string bytes = BigEndian(witness.verifier().id, 4) +
                            BigEndian(timestamp, kTimestampBytes) +
                            Bytes(signature->data(), signature->size());
  return absl::StrCat(kDash, witness.verifier().name, " ", Base64(bytes), "\n");
}

absl::Status VerifyCosignature(const VerifierKey& witness, const std::string& checkpoint_text,
                               const NoteSignature& line, uint64_t* timestamp) {
  if (witness.type != KeyType::kCosignature || line.name != witness.name ||
      line.key_id != witness.id || line.signature.size() != kTimestampBytes + kSignatureBytes) {
    return absl::InvalidArgumentError(absl::StrCat("not a cosignature by ", witness.name));
  }
  const uint64_t time = FromBigEndian(line.signature, 0, kTimestampBytes);
  const std::string message = absl::StrCat(kCosignatureHeader, time, "\n", checkpoint_text);
  if (!VerifyBytes(witness, message, line.signature.substr(kTimestampBytes))) {
    return absl::PermissionDeniedError(
        absl::StrCat("the cosignature of ", witness.name, " does not verify"));
  }
  if (timestamp != nullptr) *timestamp = time;
  return absl::OkStatus();
}

std::string TlogProofText(const TlogProof& proof) {
  std::string out = kTlogProofHeader;
  if (!proof.extra.empty()) absl::StrAppend(&out, "extra ", Base64(proof.extra), "\n");
  absl::StrAppend(&out, "index ", proof.index, "\n");
  for (const Hash& h : proof.proof) absl::StrAppend(&out, Base64(Bytes(h.data(), h.size())), "\n");
  return absl::StrCat(out, "\n", proof.checkpoint);
}

absl::StatusOr<TlogProof> ParseTlogProof(const std::string& text) {
  const size_t blank = text.find("\n\n");
  if (text.rfind(kTlogProofHeader, 0) != 0 || blank == std::string::npos) {
    return absl::InvalidArgumentError("not a c2sp.org/tlog-proof@v1 receipt");
  }
  TlogProof out;
  out.checkpoint = text.substr(blank + 2);
  std::vector<std::string> lines = absl::StrSplit(
      text.substr(sizeof(kTlogProofHeader) - 1, blank - sizeof(kTlogProofHeader) + 2), '\n',
      absl::SkipEmpty());
  size_t at = 0;
  if (at < lines.size() && lines[at].rfind("extra ", 0) == 0) {
    if (!Unbase64(lines[at].substr(6), &out.extra)) {
      return absl::InvalidArgumentError("the receipt's extra line is not base64");
    }
    ++at;
  }
  if (at >= lines.size() || lines[at].rfind("index ", 0) != 0 ||
      !absl::SimpleAtoi(lines[at].substr(6), &out.index)) {
    return absl::InvalidArgumentError("the receipt has no index line");
  }
  for (++at; at < lines.size(); ++at) {
    std::string bytes;
    if (!Unbase64(lines[at], &bytes) || bytes.size() != sizeof(Hash) ||
        out.proof.size() == kProofHashesMax) {
      return absl::InvalidArgumentError("a receipt's proof line is one base64 SHA-256 hash");
    }
    Hash h;
    std::copy(bytes.begin(), bytes.end(), h.begin());
    out.proof.push_back(h);
  }
  return out;
}

}  // namespace points::receipts

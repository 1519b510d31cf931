// pointsctl receipts: checking a receipt offline, without the server (server/receipts/README.md).
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "clients/pointsctl/pointsctl_cli.h"
#include "server/convert/convert.h"
#include "server/receipts/merkle.h"
#include "server/receipts/note.h"

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

// The witness's state: the last checkpoint it cosigned, as its text.
absl::StatusOr<receipts::Checkpoint> ReadState(const std::string& path, bool* exists) {
  std::error_code error;
  *exists = std::filesystem::exists(path, error);
  if (!*exists) return receipts::Checkpoint{};
  absl::StatusOr<std::string> text = ReadReceipt(path);
  if (!text.ok()) return text.status();
  return receipts::ParseCheckpoint(*text);
}

absl::Status WriteState(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Whether the log's new checkpoint extends the one cosigned before: the same tree, grown.
absl::Status CheckExtends(LedgerClient& client, const receipts::Checkpoint& old,
                          const receipts::Checkpoint& now) {
  if (now.origin != old.origin) {
    return absl::FailedPreconditionError(
        absl::StrCat("the log is now ", now.origin, ", it was ", old.origin));
  }
  if (now.size < old.size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the log shrank from ", old.size, " to ", now.size, " records: its history was rewritten"));
  }
  if (now.size == old.size) {
    if (now.root == old.root) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("two different roots for ", now.size, " records: the log forked"));
  }
  v1::GetConsistencyProofRequest request;
  request.set_old_size(old.size);
  request.set_size(now.size);
  absl::StatusOr<v1::GetConsistencyProofResponse> response = client.GetConsistencyProof(request);
  if (!response.ok()) return response.status();
  std::vector<receipts::Hash> proof;
  for (const std::string& bytes : response->proof()) {
    receipts::Hash h{};
    if (bytes.size() != h.size()) return absl::FailedPreconditionError("a malformed proof");
    std::copy(bytes.begin(), bytes.end(), h.begin());
    proof.push_back(h);
  }
  absl::Status consistent =
      receipts::VerifyConsistency(old.size, now.size, proof, old.root, now.root);
  if (!consistent.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the checkpoint of ", now.size, " records does not extend the one of ", old.size,
        " cosigned before (", consistent.message(), "): the log's history was rewritten"));
  }
  return absl::OkStatus();
}

int RunWitness(const Invocation& in) {
  if (!in.args.empty()) Usage("witness takes no arguments");
  RequireFlag(in, "--log-key");
  RequireFlag(in, "--key-file");
  RequireFlag(in, "--state");
  const receipts::VerifierKey log = KeyFlag("--log-key", *in.Value("--log-key"));
  absl::StatusOr<std::string> key_text = ReadReceipt(*in.Value("--key-file"));
  if (!key_text.ok()) Usage(absl::StrCat("--key-file: ", key_text.status().message()));
  absl::StatusOr<receipts::Signer> witness = receipts::Signer::FromText(*key_text);
  if (!witness.ok()) Usage(absl::StrCat("--key-file: ", witness.status().message()));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetCheckpointResponse> latest = client.GetCheckpoint({});
  if (!latest.ok()) return WorkflowFailed(latest.status());
  absl::StatusOr<receipts::Note> note = receipts::ParseNote(latest->checkpoint());
  if (!note.ok()) return Refuse(std::string(note.status().message()));
  if (absl::Status s = receipts::VerifyNote(*note, log); !s.ok()) {
    return Refuse(std::string(s.message()));
  }
  absl::StatusOr<receipts::Checkpoint> now = receipts::ParseCheckpoint(note->text);
  if (!now.ok()) return Refuse(std::string(now.status().message()));
  bool known = false;
  absl::StatusOr<receipts::Checkpoint> old = ReadState(*in.Value("--state"), &known);
  if (!old.ok()) Usage(absl::StrCat("--state: ", old.status().message()));
  if (known) {
    if (absl::Status s = CheckExtends(client, *old, *now); !s.ok()) {
      std::fprintf(stderr,
                   "pointsctl witness: !!! NOT COSIGNED: %s. Keep %s as it is and tell the "
                   "supervisory committee.\n",
                   std::string(s.message()).c_str(), in.Value("--state")->c_str());
      return kExitRefused;
    }
  }
  const uint64_t now_seconds = static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()));
  absl::StatusOr<std::string> line = receipts::Cosign(*witness, note->text, now_seconds);
  if (!line.ok()) Usage(absl::StrCat("--key-file: ", line.status().message()));
  v1::AddCosignatureRequest add;
  add.set_size(now->size);
  add.set_witness_key(witness->verifier().Text());
  add.set_cosignature(*line);
  absl::StatusOr<v1::AddCosignatureResponse> added = client.AddCosignature(add);
  if (!added.ok()) return WorkflowFailed(added.status());
  if (absl::Status s = WriteState(*in.Value("--state"), note->text); !s.ok()) {
    return WorkflowFailed(s);
  }
  std::printf("cosigned %s at %llu records, root %s\n", now->origin.c_str(),
              static_cast<unsigned long long>(now->size), receipts::HashHex(now->root).c_str());
  return kExitOk;
}

// Writes each receipt to DIR/<record number>.tlog-proof (--out DIR) or prints them, one after
// the other, with a line saying which record each is.
int WriteReceipts(const Invocation& in,
                  const google::protobuf::RepeatedPtrField<v1::TransferReceipt>& receipts) {
  const std::optional<std::string> out = in.Value("--out");
  if (out) {
    std::error_code error;
    std::filesystem::create_directories(*out, error);
    if (error) Usage(absl::StrCat("--out ", *out, ": ", error.message()));
  }
  for (const v1::TransferReceipt& r : receipts) {
    // Without the record, the leaf hash is what `receipts verify --leaf` needs.
    const std::string what = absl::StrCat(
        "record ", r.index(), " of ", r.size(), ", transfer ",
        absl::BytesToHexString(r.transfer_id()),
        r.record().empty() ? absl::StrCat(", leaf ", absl::BytesToHexString(r.leaf_hash())) : "");
    if (!out) {
      std::printf("# %s\n%s\n", what.c_str(), r.receipt().c_str());
      continue;
    }
    const std::string path = absl::StrCat(*out, "/", r.index(), ".tlog-proof");
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << r.receipt();
    if (!file.good())
      return WorkflowFailed(absl::InternalError(absl::StrCat(path, ": not written")));
    std::printf("%s: %s\n", path.c_str(), what.c_str());
  }
  return kExitOk;
}

int RunReceiptsCheckpoint(const Invocation& in) {
  if (!in.args.empty()) Usage("receipts checkpoint takes no arguments");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetCheckpointResponse> latest = client.GetCheckpoint({});
  if (!latest.ok()) return WorkflowFailed(latest.status());
  std::printf("%s\nkey %s\n", latest->checkpoint().c_str(), latest->public_key().c_str());
  return kExitOk;
}

int RunReceiptsAward(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the award's id");
  v1::ProveAwardRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_award_id(server::IdToBytes(IdArg("award id", in.args[1])));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ProveAwardResponse> proved = client.ProveAward(request);
  if (!proved.ok()) return WorkflowFailed(proved.status());
  return WriteReceipts(in, proved->receipts());
}

int RunReceiptsBasket(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the basket's id");
  v1::ProveBasketRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_basket_id(server::IdToBytes(IdArg("basket id", in.args[1])));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ProveBasketResponse> proved = client.ProveBasket(request);
  if (!proved.ok()) return WorkflowFailed(proved.status());
  return WriteReceipts(in, proved->receipts());
}

int RunReceiptsTransfer(const Invocation& in) {
  const std::vector<Id> ids = IdArgs(in, "transfer");
  v1::ProveTransfersRequest request;
  for (const Id& id : ids) request.add_transfer_ids(server::IdToBytes(id));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ProveTransfersResponse> proved = client.ProveTransfers(request);
  if (!proved.ok()) return WorkflowFailed(proved.status());
  return WriteReceipts(in, proved->receipts());
}

int RunWitnessKey(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the witness's name, e.g. town.example/witness");
  absl::StatusOr<receipts::Signer> key =
      receipts::Signer::Generate(in.args[0], receipts::KeyType::kCosignature);
  if (!key.ok()) Usage(std::string(key.status().message()));
  std::printf("%s\n%s\n", key->PrivateText().c_str(), key->verifier().Text().c_str());
  return kExitOk;
}

// The commands that ask pointsd for a checkpoint or receipts.
std::vector<Command> ProofCommands() {
  return {
      {"receipts",
       "checkpoint",
       "",
       "the latest signed checkpoint and the county's public key",
       "Prints the latest checkpoint (c2sp.org/tlog-checkpoint, with the witnesses' cosignature\n"
       "lines) and, after it, `key NAME+ID+BASE64`: the key `receipts verify --key` and\n"
       "`witness cosign --log-key` take. Compare the key with the one the county published.\n",
       {},
       RunReceiptsCheckpoint},
      {"receipts",
       "award",
       "VILLAGE AWARD_ID",
       "the receipts of an award's records in the books",
       "Asks for the receipts of every journal record the award consists of (put on notice,\n"
       "then posted or voided; ReceiptService.ProveAward), against the latest signed checkpoint,\n"
       "and writes each to --out DIR as RECORD.tlog-proof (else prints them), for `receipts\n"
       "verify`. A record committed in the last few seconds is not in a checkpoint yet: ask "
       "again.\n",
       {{"--out", "DIR", "write each receipt to DIR/RECORD.tlog-proof"}},
       RunReceiptsAward},
      {"receipts",
       "basket",
       "VILLAGE BASKET_ID",
       "the receipts of a basket's records in the books",
       "As `receipts award`, for a basket: its redemption's records, then its return's\n"
       "(ReceiptService.ProveBasket). A shopkeeper only for its own shop; a household for its "
       "own.\n",
       {{"--out", "DIR", "write each receipt to DIR/RECORD.tlog-proof"}},
       RunReceiptsBasket},
      {"receipts",
       "transfer",
       "TRANSFER_ID...",
       "the receipts of raw transfers",
       "As `receipts award`, for 1..64 transfers by id (ReceiptService.ProveTransfers).\n",
       {{"--out", "DIR", "write each receipt to DIR/RECORD.tlog-proof"}},
       RunReceiptsTransfer},
  };
}

}  // namespace

std::vector<Command> ReceiptCommands() {
  std::vector<Command> commands = {
      {"receipts",
       "verify",
       "FILE",
       "check a receipt offline, without the server",
       "Checks a receipt file (c2sp.org/tlog-proof@v1, as `receipts award`, `basket` and\n"
       "`transfer` write it): the checkpoint's signature by the county's key (--key, as pointsd\n"
       "logs it at start and `receipts checkpoint` prints it), every --witness-key's cosignature\n"
       "on it, and the record's inclusion proof against its root. Needs no server and no token.\n"
       "Exit code 3, with the reason, when anything does not hold.\n",
       {{"--key", "VKEY", "the county's public key NAME+ID+BASE64; required"},
        {"--witness-key", "VKEY", "a witness that must have cosigned", /*repeatable=*/true},
        {"--leaf", "HEX", "the leaf hash, for a receipt without its record"}},
       RunReceiptsVerify},
      {"witness",
       "cosign",
       "",
       "witness the county's log: check it only grew, then cosign its checkpoint",
       "Fetches the latest checkpoint, checks the log's signature (--log-key), and, when --state\n"
       "holds a checkpoint cosigned before, the consistency proof from it: a log that shrank,\n"
       "forked or rewrote its history is refused loudly (exit code 3, the state file kept).\n"
       "Then cosigns (c2sp.org/tlog-cosignature, with --key-file's key), sends the cosignature\n"
       "(ReceiptService.AddCosignature: an admin's or committee member's token) and keeps the\n"
       "checkpoint in --state.\n",
       {{"--log-key", "VKEY", "the county's public key; required"},
        {"--key-file", "FILE", "the witness's private key (witness key); required"},
        {"--state", "FILE", "the last checkpoint cosigned, kept between runs; required"}},
       RunWitness},
      {"witness",
       "key",
       "NAME",
       "make a witness's key",
       "Prints a new private key (keep it in a file only the witness reads) and, on the second\n"
       "line, its public key for the county and for `receipts verify --witness-key`.\n",
       {},
       RunWitnessKey},
  };
  std::vector<Command> proofs = ProofCommands();
  commands.insert(commands.begin() + 1, proofs.begin(), proofs.end());  // after verify
  return commands;
}

}  // namespace points::client

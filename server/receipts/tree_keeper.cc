#include "server/receipts/tree_keeper.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/domain/store/key_prefixes.h"

namespace points::receipts {
namespace {

constexpr uint64_t kNanosPerMs = 1'000'000;

std::string SizeKey(const char* prefix, uint64_t size) {
  std::string key = prefix;
  // The complement, big-endian: the latest checkpoint is the first key under the prefix.
  for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>(~size >> (8 * i)));
  return key;
}

}  // namespace

void KeeperWake::Notify() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

bool KeeperWake::Wait(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return woken_ || stopping_; };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  woken_ = false;
  return !stopping_;
}

void KeeperWake::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

absl::Status VerifyTree(const Engine& engine, domain::DomainStore* store, const VerifierKey* key,
                        uint64_t* records, uint64_t* checkpoints) {
  absl::StatusOr<std::unique_ptr<TreeStore>> tree = TreeStore::Open(store);
  if (!tree.ok()) return tree.status();
  if (absl::Status s = (*tree)->VerifyAgainst(engine, records); !s.ok()) return s;
  *checkpoints = 0;
  absl::Status bad;
  absl::Status scan =
      store->Scan(domain::keys::kTreeCheckpoint, [&](const std::string&, const std::string& value) {
        absl::StatusOr<Note> note = ParseNote(value);
        absl::StatusOr<receipts::Checkpoint> c =
            note.ok() ? ParseCheckpoint(note->text)
                      : absl::StatusOr<receipts::Checkpoint>(note.status());
        absl::StatusOr<Hash> root = c.ok() ? (*tree)->RootAt(c->size) : c.status();
        if (!root.ok() || *root != c->root) {
          bad = absl::DataLossError(absl::StrCat("the checkpoint ", value.substr(0, 80),
                                                 " does not hold the tree's root at its size"));
        } else if (key != nullptr && !VerifyNote(*note, *key).ok()) {
          bad = absl::DataLossError(
              absl::StrCat("the checkpoint of size ", c->size, " is not signed by ", key->Text()));
        }
        ++*checkpoints;
        return bad.ok();
      });
  return scan.ok() ? bad : scan;
}

absl::StatusOr<std::unique_ptr<TreeKeeper>> TreeKeeper::Open(const Engine* engine,
                                                             domain::DomainStore* store,
                                                             Signer signer, Clock* clock,
                                                             KeeperWake* wake) {
  absl::StatusOr<std::unique_ptr<TreeStore>> tree = TreeStore::Open(store);
  if (!tree.ok()) return tree.status();
  std::unique_ptr<TreeKeeper> keeper(
      new TreeKeeper(engine, store, std::move(signer), clock, wake, *std::move(tree)));
  absl::StatusOr<uint64_t> latest = keeper->LatestCheckpointSize();
  if (!latest.ok()) return latest.status();
  absl::MutexLock lock(&keeper->step_mu_);
  keeper->last_checkpoint_size_ = *latest;
  return keeper;
}

TreeKeeper::TreeKeeper(const Engine* engine, domain::DomainStore* store, Signer signer,
                       Clock* clock, KeeperWake* wake, std::unique_ptr<TreeStore> tree)
    : engine_(engine),
      store_(store),
      signer_(std::move(signer)),
      clock_(clock),
      wake_(wake),
      tree_(std::move(tree)) {}

TreeKeeper::~TreeKeeper() {
  wake_->Stop();
  if (thread_.joinable()) thread_.join();
}

void TreeKeeper::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void TreeKeeper::Loop() {
  while (wake_->Wait(absl::Milliseconds(kKeeperPollMs))) {
    // A failed step (a full disk) is tried again at the next signal: the tree is derived, the
    // journal keeps the records, and the head in the store is where the next step starts.
    (void)Step(/*checkpoint_now=*/false);
    absl::SleepFor(absl::Milliseconds(kStepSpacingMs));
  }
}

absl::Status TreeKeeper::CatchUp() { return Step(/*checkpoint_now=*/true); }

absl::Status TreeKeeper::Step(bool checkpoint_now) {
  absl::MutexLock lock(&step_mu_);
  for (;;) {
    std::vector<LeafChunk> chunks;
    absl::Status read = engine_->ReadLeafChunks(tree_->head().last_chunk, kChunksPerStep, &chunks);
    if (!read.ok()) return read;
    if (absl::Status s = tree_->Append(chunks); !s.ok()) return s;
    if (chunks.size() < kChunksPerStep) break;
    // Far behind (a burst, a restart after a long load): sign what the tree holds once a
    // checkpoint is due, so a steady stream of commits cannot hold every checkpoint back until
    // it stops (it did: one checkpoint in two minutes at 233,000 transfers/s).
    if (!checkpoint_now && CheckpointDue()) break;
  }
  if (tree_->head().size <= last_checkpoint_size_ || !(checkpoint_now || CheckpointDue())) {
    return absl::OkStatus();
  }
  return SignCheckpoint();
}

bool TreeKeeper::CheckpointDue() const {
  return clock_->NowNanos() - last_checkpoint_ns_ >= kCheckpointIntervalMs * kNanosPerMs;
}

absl::Status TreeKeeper::SignCheckpoint() {
  const TreeHead head = tree_->head();
  const std::string text =
      CheckpointText(receipts::Checkpoint{signer_.verifier().name, head.size, head.root, ""});
  absl::StatusOr<std::string> line = signer_.SignNote(text);
  if (!line.ok()) return line.status();
  absl::Status put =
      store_->Put(SizeKey(domain::keys::kTreeCheckpoint, head.size), text + "\n" + *line);
  if (!put.ok()) return put;
  last_checkpoint_size_ = head.size;
  last_checkpoint_ns_ = clock_->NowNanos();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> TreeKeeper::LatestCheckpointSize() const {
  uint64_t size = 0;
  absl::Status scan =
      store_->Scan(domain::keys::kTreeCheckpoint, [&](const std::string& key, const std::string&) {
        for (size_t i = key.size() - 8; i < key.size(); ++i) {
          size = size << 8 | static_cast<uint8_t>(key[i]);
        }
        size = ~size;
        return false;
      });
  if (!scan.ok()) return scan;
  return size;
}

absl::StatusOr<std::string> TreeKeeper::Checkpoint(uint64_t size) const {
  std::string note;
  absl::Status scan =
      store_->ScanFrom(domain::keys::kTreeCheckpoint,
                       SizeKey(domain::keys::kTreeCheckpoint, size == 0 ? ~0ull : size),
                       [&](const std::string& key, const std::string& value) {
                         if (size == 0 || key == SizeKey(domain::keys::kTreeCheckpoint, size)) {
                           note = value;
                         }
                         return false;
                       });
  if (!scan.ok()) return scan;
  if (note.empty()) {
    return absl::NotFoundError(size == 0 ? std::string("no checkpoint signed yet")
                                         : absl::StrCat("no checkpoint of size ", size));
  }
  absl::StatusOr<receipts::Checkpoint> parsed =
      ParseCheckpoint(note.substr(0, note.find("\n\n") + 1));
  if (!parsed.ok()) return absl::DataLossError("a stored checkpoint does not parse");
  const std::string cosig_prefix = SizeKey(domain::keys::kTreeCosignature, parsed->size);
  scan = store_->Scan(cosig_prefix, [&](const std::string&, const std::string& value) {
    note += value;
    return true;
  });
  if (!scan.ok()) return scan;
  return note;
}

absl::Status TreeKeeper::AddCosignature(uint64_t size, const VerifierKey& witness,
                                        const std::string& line) {
  absl::MutexLock lock(&cosign_mu_);
  absl::StatusOr<std::string> stored = Checkpoint(size);
  if (!stored.ok()) return stored.status();
  absl::StatusOr<Note> note = ParseNote(*stored);
  if (!note.ok()) return absl::DataLossError("a stored checkpoint does not parse");
  absl::StatusOr<Note> added = ParseNote(note->text + "\n" + line);
  if (!added.ok()) return added.status();
  if (added->signatures.size() != 1) {
    return absl::InvalidArgumentError("one cosignature line at a time");
  }
  if (absl::Status s = VerifyCosignature(witness, note->text, added->signatures[0], nullptr);
      !s.ok()) {
    return s;
  }
  if (note->signatures.size() > kCosignaturesPerCheckpointMax) {
    return absl::ResourceExhaustedError("this checkpoint has all the cosignatures it keeps");
  }
  const std::string key =
      SizeKey(domain::keys::kTreeCosignature, size) + witness.name;  // a witness's latest wins
  return store_->Put(key, added->signatures[0].line);
}

}  // namespace points::receipts

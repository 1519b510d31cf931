// Keeps the Merkle tree up with the journal, off the write path, and signs its checkpoints.
//
// The engine's commit signal (Options::on_commit) only wakes the keeper's own thread, which then
// reads the new chunks' leaf hashes from the journal (Engine::ReadLeafChunks: synced records
// only, no wait for the writer), appends them to the tree in one synced write, and, when the
// tree has grown and kCheckpointIntervalMs has passed since the last checkpoint, signs a C2SP
// checkpoint of the new head and stores it. Every checkpoint is of one tree that only grows, so
// any two have a consistency proof between them. After a crash the tree resumes from its head
// (written with the nodes), and the journal's records after it are added again.
#ifndef POINTS_SERVER_RECEIPTS_TREE_KEEPER_H_
#define POINTS_SERVER_RECEIPTS_TREE_KEEPER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "points/engine.h"
#include "server/domain/store/domain_store.h"
#include "server/receipts/note.h"
#include "server/receipts/tree_store.h"

namespace points::receipts {

// The shortest time between two checkpoints: witnesses and boards need not follow every group.
inline constexpr uint64_t kCheckpointIntervalMs = 2000;
// How often the keeper looks at the journal without a commit signal (a backstop).
inline constexpr uint64_t kKeeperPollMs = 1000;
// The least time between two steps of the thread: under a stream of commits the tree takes one
// synced write per this interval, not one per group commit beside the journal's own syncs.
inline constexpr uint64_t kStepSpacingMs = 200;
// Journal chunks read and appended at a time: bounds the memory and the write of each; a step
// far behind appends such slices until it is caught up or a checkpoint is due.
inline constexpr size_t kChunksPerStep = 512;
// The most cosignatures kept per checkpoint, and witnesses answered per call.
inline constexpr size_t kCosignaturesPerCheckpointMax = 16;

// The engine's commit signal to the keeper. It outlives the engine (whose completion thread
// calls Notify until the engine is gone) and the keeper, which waits on it.
class KeeperWake {
 public:
  void Notify();
  // Waits for a Notify or `timeout`; false once Stop was called.
  bool Wait(absl::Duration timeout);
  void Stop();

 private:
  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// `pointsd verify`: rebuilds the tree in `store` from `engine`'s journal (TreeStore::
// VerifyAgainst) and checks that every stored checkpoint is signed by `key` (when given) and
// holds the tree's root at its size. DATA_LOSS naming the first that differs.
absl::Status VerifyTree(const Engine& engine, domain::DomainStore* store, const VerifierKey* key,
                        uint64_t* records, uint64_t* checkpoints);

class TreeKeeper {
 public:
  // Opens the tree in `store` over `engine`'s journal; Start() runs the thread.
  static absl::StatusOr<std::unique_ptr<TreeKeeper>> Open(const Engine* engine,
                                                          domain::DomainStore* store, Signer signer,
                                                          Clock* clock, KeeperWake* wake);
  ~TreeKeeper();  // stops the thread
  TreeKeeper(const TreeKeeper&) = delete;
  TreeKeeper& operator=(const TreeKeeper&) = delete;

  void Start();
  // Adds every synced journal record to the tree now and signs a checkpoint if it grew (the
  // interval aside): what the thread does, for the start and for tests.
  absl::Status CatchUp();

  const TreeStore& tree() const { return *tree_; }
  const VerifierKey& public_key() const { return signer_.verifier(); }
  // The latest signed checkpoint (NOT_FOUND before the first), or the one of `size`, followed by
  // the witnesses' cosignature lines stored for it.
  absl::StatusOr<std::string> Checkpoint(uint64_t size = 0) const;
  // Stores a witness's cosignature of the checkpoint of `size`, after verifying it with
  // `witness`'s key: INVALID_ARGUMENT / PERMISSION_DENIED when it does not verify, NOT_FOUND
  // when there is no such checkpoint, RESOURCE_EXHAUSTED past kCosignaturesPerCheckpointMax.
  absl::Status AddCosignature(uint64_t size, const VerifierKey& witness, const std::string& line);

 private:
  TreeKeeper(const Engine* engine, domain::DomainStore* store, Signer signer, Clock* clock,
             KeeperWake* wake, std::unique_ptr<TreeStore> tree);
  void Loop();
  absl::Status Step(bool checkpoint_now);
  bool CheckpointDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(step_mu_);
  absl::Status SignCheckpoint() ABSL_EXCLUSIVE_LOCKS_REQUIRED(step_mu_);
  absl::StatusOr<uint64_t> LatestCheckpointSize() const;

  const Engine* const engine_;
  domain::DomainStore* const store_;
  const Signer signer_;
  Clock* const clock_;
  KeeperWake* const wake_;
  std::unique_ptr<TreeStore> tree_;

  absl::Mutex step_mu_;  // one step at a time: the thread's or CatchUp's
  uint64_t last_checkpoint_ns_ ABSL_GUARDED_BY(step_mu_) = 0;
  uint64_t last_checkpoint_size_ ABSL_GUARDED_BY(step_mu_) = 0;
  absl::Mutex cosign_mu_;  // one cosignature stored at a time

  std::thread thread_;
};

}  // namespace points::receipts

#endif  // POINTS_SERVER_RECEIPTS_TREE_KEEPER_H_

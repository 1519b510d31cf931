// The Merkle tree over the journal, kept in the domain store (receipts/README.md): every complete
// subtree's hash by level and index, each journal chunk's first record number (so that a record's
// timestamp gives its leaf index), and the head (size, last chunk, root), all written together in
// one synced write per Append, so a crash leaves the tree at a size it had. Derived from the
// journal's leaf hashes alone: VerifyAgainst rebuilds it and names the first node that differs.
//
// Append runs on one thread at a time (the TreeKeeper's); reads may run beside it on others.
#ifndef POINTS_SERVER_RECEIPTS_TREE_STORE_H_
#define POINTS_SERVER_RECEIPTS_TREE_STORE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "points/engine.h"
#include "server/domain/store/domain_store.h"
#include "server/receipts/merkle.h"

namespace points::receipts {

struct TreeHead {
  uint64_t size = 0;
  uint64_t last_chunk = 0;  // the first timestamp of the last journal chunk in the tree; 0: none
  Hash root{};
};

class TreeStore {
 public:
  // Reads the head and the right edge of the tree (a tree never begun is empty).
  static absl::StatusOr<std::unique_ptr<TreeStore>> Open(domain::DomainStore* store);

  // Adds the chunks' leaves, which must follow the head's last chunk, in one synced write.
  absl::Status Append(absl::Span<const LeafChunk> chunks);

  TreeHead head() const;
  // A stored complete subtree; NOT_FOUND when the tree does not hold it yet.
  absl::StatusOr<Hash> Node(int level, uint64_t index) const;
  // The root the tree had at `size` (<= head().size).
  absl::StatusOr<Hash> RootAt(uint64_t size) const;
  // Proofs against the tree as it was at `size` (<= head().size).
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size) const;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t size) const;
  // The leaf index of the journal record with this timestamp; NOT_FOUND when the tree does not
  // hold it (yet).
  absl::StatusOr<uint64_t> RecordNumber(uint64_t timestamp) const;

  // Rebuilds the tree from the journal's leaves (`pointsd verify`): OK when every stored node,
  // chunk and the head agree with it; DATA_LOSS naming the first record or node that does not.
  // Sets *records to the leaves checked.
  absl::Status VerifyAgainst(const Engine& engine, uint64_t* records) const;

 private:
  explicit TreeStore(domain::DomainStore* store) : store_(store) {}
  absl::Status CheckSize(uint64_t size) const;

  domain::DomainStore* const store_;
  mutable absl::Mutex mu_;
  TreeHead head_ ABSL_GUARDED_BY(mu_);
  CompactRange range_;  // the keeper's only
};

}  // namespace points::receipts

#endif  // POINTS_SERVER_RECEIPTS_TREE_STORE_H_

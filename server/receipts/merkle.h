// The RFC 9162 (section 2.1) Merkle tree over the journal's leaves: hashing, the proofs built from
// stored subtree hashes, and their verification. Pure functions over values: no store, no RocksDB,
// so that pointsctl verifies receipts with the very code that pointsd proves them with.
//
// A tree of n leaves is stored as the hash of every complete subtree: node (level l, index i)
// covers leaves [i * 2^l, (i + 1) * 2^l) and exists once the tree holds all of them. Any proof
// needs at most about 2 log2(n) of these, each one point read (receipts/README.md).
#ifndef POINTS_SERVER_RECEIPTS_MERKLE_H_
#define POINTS_SERVER_RECEIPTS_MERKLE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace points::receipts {

using Hash = std::array<uint8_t, 32>;

// The tallest tree a proof may describe: 2^kLevelsMax leaves, far beyond any journal.
inline constexpr int kLevelsMax = 63;
// The most hashes an inclusion or consistency proof of such a tree holds.
inline constexpr size_t kProofHashesMax = 2 * kLevelsMax;

Hash Sha256(std::string_view data);
Hash LeafHash(std::string_view entry);               // SHA-256(0x00 || entry)
Hash NodeHash(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
Hash EmptyRoot();                                    // SHA-256(""): the tree of no leaves
std::string HashHex(const Hash& hash);

// The stored hash of a complete subtree (level, index), as a tree store reads it.
using NodeReader = absl::FunctionRef<absl::StatusOr<Hash>(int level, uint64_t index)>;

// MTH(D[begin:end]) from stored nodes: the complete subtrees along the range's split.
absl::StatusOr<Hash> RangeHash(uint64_t begin, uint64_t end, NodeReader node);
// PATH(index, D[size]) and PROOF(old_size, D[size]) of RFC 9162 sections 2.1.3.1 and 2.1.4.1.
// INVALID_ARGUMENT unless index < size (resp. 0 < old_size <= size).
absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, NodeReader node);
absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t size,
                                                   NodeReader node);

// The checks of RFC 9162 sections 2.1.3.2 and 2.1.4.2: OK, or INVALID_ARGUMENT saying what
// failed (a proof of the wrong length, a root that does not match).
absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf,
                             absl::Span<const Hash> proof, const Hash& root);
absl::Status VerifyConsistency(uint64_t old_size, uint64_t size, absl::Span<const Hash> proof,
                               const Hash& old_root, const Hash& root);

// The right edge of a tree being built leaf by leaf: the complete subtrees of its current size,
// largest first. Appending a leaf yields the nodes it completes, for the store.
class CompactRange {
 public:
  struct Node {
    int level = 0;
    uint64_t index = 0;
    Hash hash{};
  };
  // The range of a tree of `size` leaves whose edge nodes (largest first) are `edge`.
  // INVALID_ARGUMENT when their number does not match the size's set bits.
  static absl::StatusOr<CompactRange> FromEdge(uint64_t size, std::vector<Hash> edge);
  // The edge nodes of a tree of `size` leaves, largest first, to read from a store.
  static std::vector<Node> EdgeOf(uint64_t size);

  CompactRange() = default;
  // Appends one leaf; `completed` gets the leaf's node and every node it completes.
  void Append(const Hash& leaf, std::vector<Node>* completed);
  uint64_t size() const { return size_; }
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Node> edge_;
};

}  // namespace points::receipts

#endif  // POINTS_SERVER_RECEIPTS_MERKLE_H_

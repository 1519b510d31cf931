#include "server/receipts/merkle.h"

#include <openssl/sha.h>

#include <bit>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace points::receipts {
namespace {

// The largest power of two below n (n > 1): where RFC 9162 splits a tree of n leaves.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

absl::StatusOr<std::vector<Hash>> Path(uint64_t index, uint64_t begin, uint64_t end,
                                       NodeReader node) {
  if (end - begin == 1) return std::vector<Hash>{};
  const uint64_t k = SplitPoint(end - begin);
  const bool left = index < k;
  absl::StatusOr<std::vector<Hash>> path =
      left ? Path(index, begin, begin + k, node) : Path(index - k, begin + k, end, node);
  if (!path.ok()) return path;
  absl::StatusOr<Hash> other =
      left ? RangeHash(begin + k, end, node) : RangeHash(begin, begin + k, node);
  if (!other.ok()) return other.status();
  path->push_back(*other);
  return path;
}

absl::StatusOr<std::vector<Hash>> Subproof(uint64_t m, uint64_t begin, uint64_t end,
                                           bool whole_old_tree, NodeReader node) {
  if (m == end - begin) {
    if (whole_old_tree) return std::vector<Hash>{};
    absl::StatusOr<Hash> hash = RangeHash(begin, end, node);
    if (!hash.ok()) return hash.status();
    return std::vector<Hash>{*hash};
  }
  const uint64_t k = SplitPoint(end - begin);
  const bool left = m <= k;
  absl::StatusOr<std::vector<Hash>> proof =
      left ? Subproof(m, begin, begin + k, whole_old_tree, node)
           : Subproof(m - k, begin + k, end, /*whole_old_tree=*/false, node);
  if (!proof.ok()) return proof;
  absl::StatusOr<Hash> other =
      left ? RangeHash(begin + k, end, node) : RangeHash(begin, begin + k, node);
  if (!other.ok()) return other.status();
  proof->push_back(*other);
  return proof;
}

// Shifts fn and sn right together until fn's lowest bit is set or fn is 0.
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash Sha256(std::string_view data) {
  Hash out;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

Hash LeafHash(std::string_view entry) {
  std::string bytes(1, '\0');
  bytes.append(entry);
  return Sha256(bytes);
}

Hash NodeHash(const Hash& left, const Hash& right) {
  uint8_t bytes[1 + 2 * sizeof(Hash)];
  bytes[0] = 0x01;
  std::copy(left.begin(), left.end(), bytes + 1);
  std::copy(right.begin(), right.end(), bytes + 1 + sizeof(Hash));
  return Sha256(std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

Hash EmptyRoot() { return Sha256(""); }

std::string HashHex(const Hash& hash) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

absl::StatusOr<Hash> RangeHash(uint64_t begin, uint64_t end, NodeReader node) {
  const uint64_t length = end - begin;
  if (length == 0) return EmptyRoot();
  if (std::has_single_bit(length) && begin % length == 0) {
    const int level = std::countr_zero(length);
    return node(level, begin >> level);
  }
  const uint64_t k = SplitPoint(length);
  absl::StatusOr<Hash> left = RangeHash(begin, begin + k, node);
  if (!left.ok()) return left;
  absl::StatusOr<Hash> right = RangeHash(begin + k, end, node);
  if (!right.ok()) return right;
  return NodeHash(*left, *right);
}

absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, NodeReader node) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("record ", index, " is not in a tree of ", size));
  }
  return Path(index, 0, size, node);
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t size,
                                                   NodeReader node) {
  if (old_size == 0 || old_size > size) {
    return absl::InvalidArgumentError(
        absl::StrCat("no consistency proof from size ", old_size, " to size ", size));
  }
  return Subproof(old_size, 0, size, /*whole_old_tree=*/true, node);
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf,
                             absl::Span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return absl::InvalidArgumentError(absl::StrCat("index ", index, " is not below size ", size));
  }
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return absl::InvalidArgumentError("inclusion proof too long");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      ShiftWhileEven(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError("inclusion proof too short");
  if (r != root) return absl::InvalidArgumentError("inclusion proof does not lead to the root");
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t old_size, uint64_t size, absl::Span<const Hash> proof,
                               const Hash& old_root, const Hash& root) {
  if (old_size == 0 || old_size > size) {
    return absl::InvalidArgumentError(absl::StrCat("sizes ", old_size, " -> ", size));
  }
  if (old_size == size) {
    if (!proof.empty()) return absl::InvalidArgumentError("proof between equal sizes not empty");
    if (old_root != root) return absl::InvalidArgumentError("two roots for the same size");
    return absl::OkStatus();
  }
  if (proof.empty()) return absl::InvalidArgumentError("empty consistency proof");
  std::vector<Hash> path;
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1, sn = size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return absl::InvalidArgumentError("consistency proof too long");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      ShiftWhileEven(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError("consistency proof too short");
  if (fr != old_root) return absl::InvalidArgumentError("the proof does not lead to the old root");
  if (sr != root) return absl::InvalidArgumentError("the proof does not lead to the new root");
  return absl::OkStatus();
}

std::vector<CompactRange::Node> CompactRange::EdgeOf(uint64_t size) {
  std::vector<Node> edge;
  uint64_t start = 0;
  for (int level = kLevelsMax; level >= 0; --level) {
    if (((size >> level) & 1) == 0) continue;
    edge.push_back(Node{level, start >> level, Hash{}});
    start += uint64_t{1} << level;
  }
  return edge;
}

absl::StatusOr<CompactRange> CompactRange::FromEdge(uint64_t size, std::vector<Hash> edge) {
  CompactRange range;
  range.size_ = size;
  range.edge_ = EdgeOf(size);
  if (range.edge_.size() != edge.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a tree of ", size, " leaves has ", range.edge_.size(), " edge nodes, not ", edge.size()));
  }
  for (size_t i = 0; i < edge.size(); ++i) range.edge_[i].hash = edge[i];
  return range;
}

void CompactRange::Append(const Hash& leaf, std::vector<Node>* completed) {
  edge_.push_back(Node{0, size_, leaf});
  completed->push_back(edge_.back());
  while (edge_.size() >= 2 && edge_[edge_.size() - 2].level == edge_.back().level) {
    const Node right = edge_.back();
    edge_.pop_back();
    Node& left = edge_.back();
    left.hash = NodeHash(left.hash, right.hash);
    left.level += 1;
    left.index >>= 1;
    completed->push_back(left);
  }
  ++size_;
}

Hash CompactRange::Root() const {
  if (edge_.empty()) return EmptyRoot();
  Hash root = edge_.back().hash;
  for (size_t i = edge_.size() - 1; i-- > 0;) root = NodeHash(edge_[i].hash, root);
  return root;
}

}  // namespace points::receipts

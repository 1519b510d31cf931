#include "server/receipts/tree_store.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/domain/store/key_prefixes.h"

namespace points::receipts {
namespace {

// Journal chunks read per step of VerifyAgainst.
constexpr size_t kVerifyChunksPerRead = 1024;
constexpr size_t kHeadBytes = 8 + 8 + sizeof(Hash);
constexpr size_t kChunkValueBytes = 8 + 4;

void PutBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(value >> (8 * i)));
}

uint64_t GetBigEndian(std::string_view in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | static_cast<uint8_t>(in[at + i]);
  return value;
}

std::string NodeKey(int level, uint64_t index) {
  std::string key = domain::keys::kTreeNode;
  key.push_back(static_cast<char>(level));
  PutBigEndian(index, 8, &key);
  return key;
}

// Keyed by the complement of the first timestamp: the first key at or after a timestamp's key is
// the chunk that starts at or before it.
std::string ChunkKey(uint64_t first_timestamp) {
  std::string key = domain::keys::kTreeChunk;
  PutBigEndian(~first_timestamp, 8, &key);
  return key;
}

std::string HashBytes(const Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

Hash HashFrom(std::string_view bytes) {
  Hash hash;
  std::copy(bytes.begin(), bytes.begin() + hash.size(), hash.begin());
  return hash;
}

std::string EncodeHead(const TreeHead& head) {
  std::string value;
  PutBigEndian(head.size, 8, &value);
  PutBigEndian(head.last_chunk, 8, &value);
  return value + HashBytes(head.root);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TreeStore>> TreeStore::Open(domain::DomainStore* store) {
  std::unique_ptr<TreeStore> tree(new TreeStore(store));
  absl::StatusOr<std::string> head = store->Get(domain::keys::kTreeHead);
  if (absl::IsNotFound(head.status())) {
    absl::MutexLock lock(&tree->mu_);
    tree->head_.root = EmptyRoot();
    return tree;
  }
  if (!head.ok()) return head.status();
  if (head->size() != kHeadBytes) return absl::DataLossError("the tree's head is malformed");
  TreeHead h{GetBigEndian(*head, 0, 8), GetBigEndian(*head, 8, 8), HashFrom(head->substr(16))};
  std::vector<Hash> edge;
  for (const CompactRange::Node& node : CompactRange::EdgeOf(h.size)) {
    absl::StatusOr<Hash> hash = tree->Node(node.level, node.index);
    if (!hash.ok())
      return absl::DataLossError(
          absl::StrCat("the tree lacks its edge node ", node.level, "/", node.index));
    edge.push_back(*hash);
  }
  absl::StatusOr<CompactRange> range = CompactRange::FromEdge(h.size, std::move(edge));
  if (!range.ok()) return range.status();
  if (range->Root() != h.root) return absl::DataLossError("the tree's edge and root disagree");
  tree->range_ = *std::move(range);
  absl::MutexLock lock(&tree->mu_);
  tree->head_ = h;
  return tree;
}

absl::Status TreeStore::Append(absl::Span<const LeafChunk> chunks) {
  if (chunks.empty()) return absl::OkStatus();
  TreeHead next = head();
  std::vector<domain::StoreWrite> writes;
  std::vector<CompactRange::Node> completed;
  for (const LeafChunk& chunk : chunks) {
    if (chunk.first_timestamp <= next.last_chunk || chunk.leaves.empty()) {
      return absl::InternalError("journal chunks out of order for the tree");
    }
    std::string value;
    PutBigEndian(range_.size(), 8, &value);
    PutBigEndian(chunk.leaves.size(), 4, &value);
    writes.push_back({ChunkKey(chunk.first_timestamp), std::move(value)});
    for (const Hash& leaf : chunk.leaves) range_.Append(leaf, &completed);
    next.last_chunk = chunk.first_timestamp;
  }
  for (const CompactRange::Node& node : completed) {
    writes.push_back({NodeKey(node.level, node.index), HashBytes(node.hash)});
  }
  next.size = range_.size();
  next.root = range_.Root();
  writes.push_back({domain::keys::kTreeHead, EncodeHead(next)});
  if (absl::Status s = store_->Write(writes); !s.ok()) {
    // The store did not take them: back to the edge it holds, so that a retry appends again.
    absl::StatusOr<std::unique_ptr<TreeStore>> reread = Open(store_);
    if (reread.ok()) range_ = (*reread)->range_;
    return s;
  }
  absl::MutexLock lock(&mu_);
  head_ = next;
  return absl::OkStatus();
}

TreeHead TreeStore::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

absl::StatusOr<Hash> TreeStore::Node(int level, uint64_t index) const {
  absl::StatusOr<std::string> value = store_->Get(NodeKey(level, index));
  if (!value.ok()) return value.status();
  if (value->size() != sizeof(Hash)) {
    return absl::DataLossError(absl::StrCat("tree node ", level, "/", index, " is malformed"));
  }
  return HashFrom(*value);
}

absl::Status TreeStore::CheckSize(uint64_t size) const {
  const uint64_t have = head().size;
  if (size > have) {
    return absl::OutOfRangeError(absl::StrCat("the tree has ", have, " records, not ", size));
  }
  return absl::OkStatus();
}

absl::StatusOr<Hash> TreeStore::RootAt(uint64_t size) const {
  if (absl::Status s = CheckSize(size); !s.ok()) return s;
  return RangeHash(0, size, [this](int l, uint64_t i) { return Node(l, i); });
}

absl::StatusOr<std::vector<Hash>> TreeStore::InclusionProof(uint64_t index, uint64_t size) const {
  if (absl::Status s = CheckSize(size); !s.ok()) return s;
  return receipts::InclusionProof(index, size, [this](int l, uint64_t i) { return Node(l, i); });
}

absl::StatusOr<std::vector<Hash>> TreeStore::ConsistencyProof(uint64_t old_size,
                                                              uint64_t size) const {
  if (absl::Status s = CheckSize(size); !s.ok()) return s;
  return receipts::ConsistencyProof(old_size, size,
                                    [this](int l, uint64_t i) { return Node(l, i); });
}

absl::StatusOr<uint64_t> TreeStore::RecordNumber(uint64_t timestamp) const {
  absl::StatusOr<uint64_t> found = absl::NotFoundError(
      absl::StrCat("the tree holds no record at timestamp ", timestamp, " (yet)"));
  absl::Status scan =
      store_->ScanFrom(domain::keys::kTreeChunk, ChunkKey(timestamp),
                       [&](const std::string& key, const std::string& value) {
                         const uint64_t first = ~GetBigEndian(key, key.size() - 8, 8);
                         if (value.size() != kChunkValueBytes) {
                           found = absl::DataLossError("a tree chunk entry is malformed");
                         } else if (timestamp - first < GetBigEndian(value, 8, 4)) {
                           found = GetBigEndian(value, 0, 8) + (timestamp - first);
                         }
                         return false;  // only the chunk at or before the timestamp can hold it
                       });
  return scan.ok() ? found : scan;
}

absl::Status TreeStore::VerifyAgainst(const Engine& engine, uint64_t* records) const {
  const TreeHead stored = head();
  CompactRange rebuilt;
  std::vector<CompactRange::Node> completed;
  uint64_t after = 0;
  for (;;) {
    std::vector<LeafChunk> chunks;
    absl::Status read = engine.ReadLeafChunks(after, kVerifyChunksPerRead, &chunks);
    if (!read.ok()) return read;
    if (chunks.empty() || rebuilt.size() >= stored.size) break;
    for (const LeafChunk& chunk : chunks) {
      if (rebuilt.size() >= stored.size) break;
      absl::StatusOr<uint64_t> number = RecordNumber(chunk.first_timestamp);
      if (!number.ok() || *number != rebuilt.size()) {
        return absl::DataLossError(
            absl::StrCat("the tree's chunk index is wrong at record ", rebuilt.size()));
      }
      for (const Hash& leaf : chunk.leaves) {
        const uint64_t record = rebuilt.size();
        completed.clear();
        rebuilt.Append(leaf, &completed);
        for (const CompactRange::Node& node : completed) {
          absl::StatusOr<Hash> hash = Node(node.level, node.index);
          if (!hash.ok() || *hash != node.hash) {
            return absl::DataLossError(absl::StrCat("the tree differs from the journal at record ",
                                                    record, " (node ", node.level, "/", node.index,
                                                    ")"));
          }
        }
      }
      after = chunk.first_timestamp;
    }
  }
  if (rebuilt.size() != stored.size || rebuilt.Root() != stored.root) {
    return absl::DataLossError(absl::StrCat("the tree has ", stored.size,
                                            " records but the journal gave ", rebuilt.size()));
  }
  if (records != nullptr) *records = rebuilt.size();
  return absl::OkStatus();
}

}  // namespace points::receipts

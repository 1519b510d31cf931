// The Merkle tree (server/receipts/merkle.h, tree_store.h): against the 8-leaf vectors of
// certificate transparency (google/certificate-transparency cpp/merkletree/merkle_tree_test.cc),
// and against a verifier written here from RFC 9162 sections 2.1.1, 2.1.3.2 and 2.1.4.2 that
// shares no code with the server's, over a tree of 100,000 leaves in a real domain store.
#include <openssl/sha.h>

#include <bit>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "server/domain/store/domain_store.h"
#include "server/receipts/merkle.h"
#include "server/receipts/tree_store.h"
#include "tests/engine/testing.h"

namespace points::receipts {
namespace {

// ---- The independent verifier: RFC 9162 read afresh, nothing from merkle.h but the type. ----
using H = std::array<uint8_t, 32>;

H Sha(const std::string& bytes) {
  H out;
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data());
  return out;
}
std::string Str(const H& h) { return std::string(h.begin(), h.end()); }
H RefLeaf(const std::string& entry) {
  std::string bytes(1, '\0');
  bytes.append(entry);
  return Sha(bytes);
}
H RefNode(const H& l, const H& r) {
  std::string bytes(1, '\x01');
  bytes.append(Str(l));
  bytes.append(Str(r));
  return Sha(bytes);
}

// MTH(D[begin:end]) over leaf hashes, straight from section 2.1.1.
H RefRoot(const std::vector<H>& leaves, uint64_t begin, uint64_t end) {
  if (end == begin) return Sha("");
  if (end - begin == 1) return leaves[begin];
  uint64_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return RefNode(RefRoot(leaves, begin, begin + k), RefRoot(leaves, begin + k, end));
}

bool RefVerifyInclusion(uint64_t index, uint64_t size, H r, const std::vector<H>& path,
                        const H& root) {
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  for (const H& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = RefNode(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
      }
    } else {
      r = RefNode(r, p);
    }
    fn >>= 1, sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool RefVerifyConsistency(uint64_t first, uint64_t second, std::vector<H> path, const H& r1,
                          const H& r2) {
  if (first == second) return path.empty() && r1 == r2;
  if (first == 0 || first > second || path.empty()) return false;
  if ((first & (first - 1)) == 0) path.insert(path.begin(), r1);
  uint64_t fn = first - 1, sn = second - 1;
  while (fn & 1) fn >>= 1, sn >>= 1;
  H fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = RefNode(path[i], fr);
      sr = RefNode(path[i], sr);
      while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
    } else {
      sr = RefNode(sr, path[i]);
    }
    fn >>= 1, sn >>= 1;
  }
  return fr == r1 && sr == r2 && sn == 0;
}

// ---- The vectors. ----
H FromHex(const std::string& hex) {
  const std::string bytes = absl::HexStringToBytes(hex);
  H h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

const char* const kLeafInputsHex[] = {"",
                                      "00",
                                      "10",
                                      "2021",
                                      "3031",
                                      "40414243",
                                      "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f"};
const char* const kRootsHex[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

struct ProofVector {
  uint64_t a, size;  // leaf index (inclusion) or old size (consistency)
  std::vector<const char*> path;
};
const ProofVector kInclusion[] = {
    {0,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};
const ProofVector kConsistency[] = {
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

std::vector<H> Hexes(const std::vector<const char*>& hexes) {
  std::vector<H> out;
  for (const char* hex : hexes) out.push_back(FromHex(hex));
  return out;
}

// A tree store in a fresh domain store, fed chunks of the given leaves as the keeper feeds it.
class TreeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = domain::DomainStore::Open(dir_.path() + "/domain");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    Reopen();
  }
  void Reopen() {
    tree_.reset();
    auto tree = TreeStore::Open(store_.get());
    ASSERT_TRUE(tree.ok()) << tree.status();
    tree_ = *std::move(tree);
  }
  // Appends in chunks of 1..64 leaves (as the journal's are), several chunks per write.
  void AppendAll(const std::vector<H>& leaves, std::mt19937_64& random) {
    std::vector<LeafChunk> chunks;
    for (size_t at = 0; at < leaves.size();) {
      const size_t n = std::min<size_t>(1 + random() % 64, leaves.size() - at);
      LeafChunk chunk;
      chunk.first_timestamp = next_timestamp_;
      chunk.leaves.assign(leaves.begin() + at, leaves.begin() + at + n);
      next_timestamp_ += n + random() % 3;  // chunks need not be adjacent in time
      chunks.push_back(std::move(chunk));
      at += n;
      if (chunks.size() == 200 || at == leaves.size()) {
        ASSERT_TRUE(tree_->Append(chunks).ok());
        chunks.clear();
      }
    }
  }
  points::testing::TempDir dir_;
  std::unique_ptr<domain::DomainStore> store_;
  std::unique_ptr<TreeStore> tree_;
  uint64_t next_timestamp_ = 1000;
};

std::vector<H> VectorLeaves() {
  std::vector<H> leaves;
  for (const char* hex : kLeafInputsHex) leaves.push_back(RefLeaf(absl::HexStringToBytes(hex)));
  return leaves;
}

TEST_F(TreeFixture, RootsOfTheEightLeafVectors) {
  const std::vector<H> leaves = VectorLeaves();
  EXPECT_EQ(HashHex(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(tree_->head().root, EmptyRoot());
  for (size_t n = 0; n < leaves.size(); ++n) {
    LeafChunk chunk{next_timestamp_++, {leaves[n]}};
    ASSERT_TRUE(tree_->Append({chunk}).ok());
    EXPECT_EQ(HashHex(tree_->head().root), kRootsHex[n]) << "size " << n + 1;
    EXPECT_EQ(HashHex(RefRoot(leaves, 0, n + 1)), kRootsHex[n]);  // the reference agrees
  }
  ASSERT_NO_FATAL_FAILURE(Reopen());  // the head and the edge read back
  EXPECT_EQ(HashHex(tree_->head().root), kRootsHex[7]);
  for (uint64_t n = 1; n <= 8; ++n) {
    absl::StatusOr<Hash> root = tree_->RootAt(n);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(HashHex(*root), kRootsHex[n - 1]);
  }
}

TEST_F(TreeFixture, ProofsOfTheEightLeafVectors) {
  const std::vector<H> leaves = VectorLeaves();
  std::mt19937_64 random(1);
  ASSERT_NO_FATAL_FAILURE(AppendAll(leaves, random));
  for (const ProofVector& v : kInclusion) {
    absl::StatusOr<std::vector<Hash>> proof = tree_->InclusionProof(v.a, v.size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_EQ(*proof, Hexes(v.path)) << "leaf " << v.a << " of " << v.size;
    const H root = FromHex(kRootsHex[v.size - 1]);
    EXPECT_TRUE(VerifyInclusion(v.a, v.size, leaves[v.a], Hexes(v.path), root).ok());
    EXPECT_FALSE(VerifyInclusion(v.a, v.size, leaves[(v.a + 1) % 8], Hexes(v.path), root).ok());
  }
  for (const ProofVector& v : kConsistency) {
    absl::StatusOr<std::vector<Hash>> proof = tree_->ConsistencyProof(v.a, v.size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_EQ(*proof, Hexes(v.path)) << v.a << " -> " << v.size;
    const H r1 = FromHex(kRootsHex[v.a - 1]), r2 = FromHex(kRootsHex[v.size - 1]);
    EXPECT_TRUE(VerifyConsistency(v.a, v.size, Hexes(v.path), r1, r2).ok());
    EXPECT_FALSE(VerifyConsistency(v.a, v.size, Hexes(v.path), r2, r1).ok());
  }
  EXPECT_EQ(tree_->InclusionProof(8, 8).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tree_->InclusionProof(0, 9).status().code(), absl::StatusCode::kOutOfRange);
}

// Flips one random bit of one random hash.
void FlipABit(std::vector<H>& hashes, std::mt19937_64& random) {
  H& h = hashes[random() % hashes.size()];
  h[random() % 32] ^= uint8_t(1u << (random() % 8));
}

TEST_F(TreeFixture, IndependentVerifierAcceptsEveryProofAndNoFlippedBit) {
  constexpr uint64_t kLeaves = 100'000;
  std::mt19937_64 random(20);
  std::vector<H> leaves;
  for (uint64_t i = 0; i < kLeaves; ++i) leaves.push_back(RefLeaf(std::to_string(random())));
  ASSERT_NO_FATAL_FAILURE(AppendAll(leaves, random));
  ASSERT_EQ(tree_->head().size, kLeaves);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  std::vector<uint64_t> sizes = {1, 2, 3, 7, 8, 64, 65, 1024, 65536, 65537, kLeaves - 1, kLeaves};
  while (sizes.size() < 24) sizes.push_back(1 + random() % kLeaves);
  std::map<uint64_t, H> roots;
  for (uint64_t size : sizes) roots[size] = RefRoot(leaves, 0, size);
  EXPECT_EQ(tree_->head().root, roots[kLeaves]);
  for (uint64_t size : sizes) {
    for (int i = 0; i < 40; ++i) {
      const uint64_t index = i == 0 ? size - 1 : random() % size;
      absl::StatusOr<std::vector<Hash>> proof = tree_->InclusionProof(index, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_TRUE(RefVerifyInclusion(index, size, leaves[index], *proof, roots[size]))
          << "leaf " << index << " of " << size;
      EXPECT_FALSE(
          RefVerifyInclusion(index, size, leaves[(index + 1) % kLeaves], *proof, roots[size]));
      if (proof->empty()) continue;
      FlipABit(*proof, random);
      EXPECT_FALSE(RefVerifyInclusion(index, size, leaves[index], *proof, roots[size]));
    }
    for (uint64_t old_size : sizes) {
      if (old_size > size) continue;
      absl::StatusOr<std::vector<Hash>> proof = tree_->ConsistencyProof(old_size, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_TRUE(RefVerifyConsistency(old_size, size, *proof, roots[old_size], roots[size]))
          << old_size << " -> " << size;
      ASSERT_TRUE(VerifyConsistency(old_size, size, *proof, roots[old_size], roots[size]).ok());
      if (proof->empty()) continue;
      FlipABit(*proof, random);
      EXPECT_FALSE(RefVerifyConsistency(old_size, size, *proof, roots[old_size], roots[size]));
      EXPECT_FALSE(VerifyConsistency(old_size, size, *proof, roots[old_size], roots[size]).ok());
    }
  }
}

TEST_F(TreeFixture, RecordNumbersFollowTheChunks) {
  const LeafChunk a{100, {RefLeaf("a"), RefLeaf("b"), RefLeaf("c")}};
  const LeafChunk b{200, {RefLeaf("d")}};
  ASSERT_TRUE(tree_->Append({a, b}).ok());
  EXPECT_EQ(*tree_->RecordNumber(100), 0u);
  EXPECT_EQ(*tree_->RecordNumber(102), 2u);
  EXPECT_EQ(*tree_->RecordNumber(200), 3u);
  EXPECT_TRUE(absl::IsNotFound(tree_->RecordNumber(103).status()));  // between chunks
  EXPECT_TRUE(absl::IsNotFound(tree_->RecordNumber(99).status()));
  EXPECT_TRUE(absl::IsNotFound(tree_->RecordNumber(201).status()));
  EXPECT_FALSE(tree_->Append({a}).ok());  // a chunk already in the tree
}

}  // namespace
}  // namespace points::receipts

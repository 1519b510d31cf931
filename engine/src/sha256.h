// SHA-256 through OpenSSL, in the two shapes the journal needs.
#ifndef POINTS_ENGINE_SHA256_H_
#define POINTS_ENGINE_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace points {

using Hash = std::array<uint8_t, 32>;

// One-shot hash of `prefix` (a single domain byte, RFC 6962 style) followed by `data`.
Hash Sha256WithPrefix(uint8_t prefix, const void* data, size_t size);

// Incremental hash for the chain.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  Hash Finish();  // also resets for the next use

 private:
  alignas(8) uint8_t context_[128];  // SHA256_CTX, kept opaque to keep OpenSSL out of headers
};

std::string HashHex(const Hash& hash);

}  // namespace points

#endif  // POINTS_ENGINE_SHA256_H_

// The low-level SHA256_* calls are deprecated in OpenSSL 3 in favour of EVP, but they are the
// fastest path for many small inputs (no context allocation per leaf), which the journal needs.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "sha256.h"

#include <openssl/sha.h>

#include <cassert>

namespace points {

static_assert(sizeof(SHA256_CTX) <= 128, "Sha256::context_ too small");

Hash Sha256WithPrefix(uint8_t prefix, const void* data, size_t size) {
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, &prefix, 1);
  SHA256_Update(&context, data, size);
  Hash hash;
  SHA256_Final(hash.data(), &context);
  return hash;
}

Sha256::Sha256() { SHA256_Init(reinterpret_cast<SHA256_CTX*>(context_)); }
Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t size) {
  SHA256_Update(reinterpret_cast<SHA256_CTX*>(context_), data, size);
}

Hash Sha256::Finish() {
  Hash hash;
  auto* context = reinterpret_cast<SHA256_CTX*>(context_);
  SHA256_Final(hash.data(), context);
  SHA256_Init(context);
  return hash;
}

std::string HashHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (uint8_t byte : hash) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 15]);
  }
  return hex;
}

}  // namespace points

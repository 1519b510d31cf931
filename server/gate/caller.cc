#include "server/gate/caller.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace points::server {
namespace {

// Bytes of the per-process secret: as many as a token's, guessing it is out of the question.
constexpr size_t kBridgeSecretBytes = 32;

const std::string& BridgeSecret() {
  static const std::string* secret = [] {
    unsigned char bytes[kBridgeSecretBytes];
    if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no randomness: nothing is safe
    return new std::string(
        absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof bytes)));
  }();
  return *secret;
}

}  // namespace

void MarkBridged(grpc::ClientContext& context, std::string_view peer) {
  context.AddMetadata(kBridgedPeerKey, absl::StrCat(BridgeSecret(), " ",
                                                    absl::string_view(peer.data(), peer.size())));
}

CallOrigin OriginOf(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                    std::string grpc_peer) {
  const auto it = metadata.find(kBridgedPeerKey);
  if (it != metadata.end()) {
    const std::string& secret = BridgeSecret();
    const std::string_view value(it->second.data(), it->second.size());
    if (value.size() > secret.size() + 1 && value[secret.size()] == ' ' &&
        CRYPTO_memcmp(value.data(), secret.data(), secret.size()) == 0) {
      return {std::string(value.substr(secret.size() + 1)), kProtocolConnect};
    }
  }
  return {std::move(grpc_peer), kProtocolGrpc};
}

CallOrigin OriginOf(const grpc::ServerContextBase& context) {
  return OriginOf(context.client_metadata(), context.peer());
}

}  // namespace points::server

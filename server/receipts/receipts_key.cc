#include "server/receipts/receipts_key.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "server/gate/token_file.h"

namespace points::server {

std::string ReceiptsKeyPath(const std::string& data_dir) { return data_dir + "/receipts.key"; }
namespace {

// The key file is one line of about 100 bytes: anything much longer is not ours.
constexpr std::uintmax_t kKeyFileBytesMax = 4096;

std::string KeyPath(const std::string& data_dir) { return ReceiptsKeyPath(data_dir); }

}  // namespace

absl::StatusOr<receipts::Signer> LoadReceiptsKey(const std::string& data_dir) {
  const std::string path = KeyPath(data_dir);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat(path, " does not exist"));
  }
  if (std::filesystem::file_size(path, error) > kKeyFileBytesMax || error) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a receipts key"));
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<receipts::Signer> signer = receipts::Signer::FromText(text.str());
  if (!signer.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": ", signer.status().message()));
  }
  return signer;
}

absl::StatusOr<receipts::Signer> LoadOrMakeReceiptsKey(const std::string& data_dir,
                                                       const std::string& origin, bool* made) {
  *made = false;
  absl::StatusOr<receipts::Signer> loaded = LoadReceiptsKey(data_dir);
  if (!absl::IsNotFound(loaded.status())) return loaded;
  absl::StatusOr<receipts::Signer> signer =
      receipts::Signer::Generate(origin, receipts::KeyType::kEd25519);
  if (!signer.ok()) return signer.status();
  if (absl::Status s = WriteTokenFile(KeyPath(data_dir), signer->PrivateText()); !s.ok()) {
    return s;
  }
  *made = true;
  return signer;
}

}  // namespace points::server

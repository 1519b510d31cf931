// The checkpoints' Ed25519 key in DATA_DIR/receipts.key, kept like the first admin's token
// (token_file.h): made at the first start, readable by pointsd's user only, never overwritten.
#ifndef POINTS_SERVER_RECEIPTS_RECEIPTS_KEY_H_
#define POINTS_SERVER_RECEIPTS_RECEIPTS_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/receipts/note.h"

namespace points::server {

// DATA_DIR/receipts.key.
std::string ReceiptsKeyPath(const std::string& data_dir);
// The key in DATA_DIR/receipts.key; NOT_FOUND when there is none.
absl::StatusOr<receipts::Signer> LoadReceiptsKey(const std::string& data_dir);
// The same, made first (named `origin`) when the file does not exist; *made says whether it was.
absl::StatusOr<receipts::Signer> LoadOrMakeReceiptsKey(const std::string& data_dir,
                                                       const std::string& origin, bool* made);

}  // namespace points::server

#endif  // POINTS_SERVER_RECEIPTS_RECEIPTS_KEY_H_

// A principal's token written for its owner: the first admin's (DATA_DIR/admin.token) and the
// demo's (DATA_DIR/demo-tokens/NAME). The file is made new (never overwritten), readable by
// pointsd's user only, and synced before the token counts as handed over.
#ifndef POINTS_SERVER_GATE_TOKEN_FILE_H_
#define POINTS_SERVER_GATE_TOKEN_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace points::server {

// ALREADY_EXISTS when `path` exists; INTERNAL when it cannot be made or written.
absl::Status WriteTokenFile(const std::string& path, const std::string& token);

}  // namespace points::server

#endif  // POINTS_SERVER_GATE_TOKEN_FILE_H_

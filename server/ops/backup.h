// Online backup of a pointsd data directory: the ledger's journal and the domain store, each
// copied at a consistent point while writes go on, into a new directory laid out like a data
// directory (`pointsd --data-dir BACKUP` serves it; `pointsd verify --data-dir BACKUP` checks it).
#ifndef POINTS_SERVER_OPS_BACKUP_H_
#define POINTS_SERVER_OPS_BACKUP_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "points/engine.h"
#include "server/domain/store/domain_store.h"

namespace points::server {

// `dir` must be an absolute path that does not exist yet, in an existing directory. The
// domain store is copied first, then the ledger: the domain writes its intent before it moves
// points (server/domain/README.md), so a ledger copied later holds everything the domain copy
// refers to, and reopening repairs the intents that the ledger copy already answered. Then each
// of `key_files` (the checkpoints' signing key: a restored server must sign with the key its
// receipts name) is copied into `dir` under its own name, readable by its owner only.
absl::Status BackupDataDir(const Engine& engine, const domain::DomainStore& store,
                           const std::string& dir, const std::vector<std::string>& key_files);

}  // namespace points::server

#endif  // POINTS_SERVER_OPS_BACKUP_H_

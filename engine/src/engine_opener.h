// Engine::Open and Engine::OpenReadOnly on a RocksDB Env of the caller's: the fault-injection
// tests (tests/engine/fault_test.cc) hand in a file system that fails on demand. Internal, so
// that points/engine.h names no RocksDB type; nullptr is RocksDB's default Env, as the public
// opens use.
#ifndef POINTS_ENGINE_SRC_ENGINE_OPENER_H_
#define POINTS_ENGINE_SRC_ENGINE_OPENER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "points/engine.h"
#include "rocksdb/env.h"

namespace points {

struct EngineOpener {
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const Options& options,
                                                      const std::string& dir, rocksdb::Env* env);
  static absl::StatusOr<std::unique_ptr<Engine>> OpenReadOnly(const Options& options,
                                                              const std::string& dir,
                                                              rocksdb::Env* env);
};

}  // namespace points

#endif  // POINTS_ENGINE_SRC_ENGINE_OPENER_H_

// Snapshot files: a checksummed dump of derived state (LedgerState and the journal's position),
// so that reopening a large store does not replay the whole journal. A snapshot is a cache,
// never the truth: one that is missing, damaged, or does not match the journal's hash chain is
// ignored and the journal is replayed from its start. engine/FORMAT.md, "Snapshot".
#ifndef POINTS_ENGINE_SNAPSHOT_H_
#define POINTS_ENGINE_SNAPSHOT_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sha256.h"

namespace points {

inline constexpr char kSnapshotFileName[] = "points-snapshot";
inline constexpr char kSnapshotMagic[8] = {'P', 'T', 'S', 'N', 'A', 'P', '0', '1'};

// The journal's position that a snapshot reflects.
struct JournalPosition {
  uint64_t record_count = 0;
  Hash chain_head{};
  std::vector<uint64_t> chunk_first_timestamps;
};

// A fast, non-cryptographic checksum over the stream (it guards against torn or damaged files,
// not against an attacker: Verify and the hash chain do that).
class StreamChecksum {
 public:
  void Update(const void* data, size_t size);
  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = 0x243F6A8885A308D3;
};

class SnapshotWriter {
 public:
  // Writes to `path` + ".tmp"; Finish() syncs it and renames it over `path`.
  explicit SnapshotWriter(std::string path);
  ~SnapshotWriter();
  void Put(const void* data, size_t size);
  template <typename T>
  void PutPod(const T& value) {
    Put(&value, sizeof(T));
  }
  absl::Status Finish();

 private:
  std::string path_;
  std::string temporary_path_;
  FILE* file_ = nullptr;
  bool failed_ = false;
  StreamChecksum checksum_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(const std::string& path);
  ~SnapshotReader();
  bool exists() const { return file_ != nullptr; }
  // False once anything could not be read; the reader then reads zeros.
  bool Get(void* data, size_t size);
  template <typename T>
  bool GetPod(T* value) {
    return Get(value, sizeof(T));
  }
  // Reads the trailing checksum and checks it and that nothing follows.
  absl::Status Finish();

 private:
  FILE* file_ = nullptr;
  bool failed_ = false;
  StreamChecksum checksum_;
};

}  // namespace points

#endif  // POINTS_ENGINE_SNAPSHOT_H_

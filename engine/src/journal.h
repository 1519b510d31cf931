// The journal in RocksDB: chunks of records (column family "journal") and their leaf hashes and
// hash chain (column family "chain"), written together in one synced WriteBatch per group and
// never updated or deleted. engine/FORMAT.md specifies the bytes.
//
// Append runs on one thread at a time (the engine's syncer); reads may run beside it on others.
#ifndef POINTS_ENGINE_JOURNAL_H_
#define POINTS_ENGINE_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "points/engine.h"
#include "records.h"
#include "sha256.h"
#include "snapshot.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Env;
}  // namespace rocksdb

namespace points {

struct ChunkView {
  uint64_t first_timestamp = 0;
  absl::Span<const Record> records;
  ChainHeader header;
  absl::Span<const Hash> leaves;
};

class Journal {
 public:
  static absl::StatusOr<std::unique_ptr<Journal>> Open(const std::string& dir, rocksdb::Env* env,
                                                       bool create_if_missing);
  // RocksDB's read-only open, which changes nothing in `dir` (Engine::OpenReadOnly): Append
  // fails. FAILED_PRECONDITION while another process has the store open for writing.
  static absl::StatusOr<std::unique_ptr<Journal>> OpenReadOnly(const std::string& dir,
                                                               rocksdb::Env* env);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Every chunk's records from the first, in order. Also rebuilds the chunk index and the chain
  // head.
  using ChunkVisitor = absl::FunctionRef<absl::Status(absl::Span<const Record>)>;
  absl::Status Scan(ChunkVisitor visit);

  // The position a snapshot records, and resuming from one: checks that the journal holds the
  // snapshot's last chunk with the same chain hash, adopts the position, then visits every record
  // after it. FAILED_PRECONDITION when the snapshot does not belong to this journal.
  JournalPosition Position() const;
  absl::Status ResumeFrom(const JournalPosition& position, ChunkVisitor visit);

  // Every chunk with its chain entry, in order, for Verify.
  absl::Status ForEachChunk(absl::FunctionRef<absl::Status(const ChunkView&)> visit) const;

  // Appends the records (increasing, contiguous timestamps) as chunks, hashed and chained, in one
  // WriteBatch written with sync. On failure nothing in memory moves on: the caller fail-stops.
  absl::Status Append(absl::Span<const Record> records);

  // Chain entries after the one keyed `after_first_timestamp` (0: from the first), at most
  // `max_chunks`, as Engine::ReadLeafChunks gives them.
  absl::Status ReadLeafChunks(uint64_t after_first_timestamp, size_t max_chunks,
                              std::vector<LeafChunk>* out) const;

  // The records with these timestamps (each must exist), in the same order.
  absl::Status ReadRecords(absl::Span<const uint64_t> timestamps, std::vector<Record>* out) const;

  // A consistent copy of the journal in `dir` (which must not exist), taken while appends go
  // on: hard links to its files plus a flush, so it costs little disk on the same filesystem.
  absl::Status Checkpoint(const std::string& dir) const;

  Hash chain_head() const;
  uint64_t record_count() const;
  uint64_t bytes_appended() const;
  // A RocksDB integer property of the journal's store (e.g. "rocksdb.total-sst-files-size"),
  // summed over its column families (the journal's records, the hash chain, the format key);
  // 0 when RocksDB does not know it.
  uint64_t SummedIntProperty(const char* name) const;
  // A RocksDB integer property asked of the records' column family: its own figures (e.g. its
  // block cache's use) or the whole database's (e.g. "rocksdb.background-errors").
  uint64_t JournalIntProperty(const char* name) const;

 private:
  Journal() = default;
  void Adopt(rocksdb::DB* db);
  // The format key: written (synced and flushed) into a new store, checked in an existing one.
  absl::Status CheckFormat(const std::string& dir, bool write_if_missing);
  // Visits the chunks after `after_key` (all when empty), extending the chunk index, then reads
  // the chain head from the last chain entry.
  absl::Status ScanAfter(const std::string& after_key, ChunkVisitor visit);

  std::unique_ptr<rocksdb::DB> db_;
  bool read_only_ = false;  // opened with OpenReadOnly: nothing to flush at close
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // default (meta), journal, chain
  rocksdb::ColumnFamilyHandle* journal_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* chain_cf_ = nullptr;
  // Open, Scan and ResumeFrom run before any other call; afterwards Append changes these under
  // position_mu_ while readers route timestamps to chunks under it.
  mutable absl::Mutex position_mu_;
  std::vector<uint64_t> chunk_first_timestamps_;  // sorted: routes a timestamp to its chunk
  Hash chain_head_{};
  uint64_t record_count_ = 0;
  uint64_t bytes_appended_ = 0;
  std::vector<Hash> leaves_;  // scratch for Append
};

}  // namespace points

#endif  // POINTS_ENGINE_JOURNAL_H_

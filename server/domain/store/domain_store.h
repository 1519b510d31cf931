// The domain's own records (README.md, "Storage of the domain's own records"): a small RocksDB
// of its own beside the engine's, for meaning and workflow state, never for a balance. Every
// write is synced before it returns, so a workflow step that was acknowledged survives a crash.
#ifndef POINTS_SERVER_DOMAIN_STORE_DOMAIN_STORE_H_
#define POINTS_SERVER_DOMAIN_STORE_DOMAIN_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace points::domain {

// One key's new value, as part of a DomainStore::Write.
struct StoreWrite {
  std::string key;
  std::string value;
};

class DomainStore {
 public:
  // Opens (or creates) the store in `dir`, creating missing parent directories.
  static absl::StatusOr<std::unique_ptr<DomainStore>> Open(const std::string& dir);
  // Opens the store in `dir` to read it and change nothing (`pointsd verify` of a backup):
  // RocksDB's read-only open, so nothing in `dir` is created, changed or removed; Put is
  // refused with FAILED_PRECONDITION "... opened read-only". An error when `dir`
  // holds no store. Like Engine::OpenReadOnly, not beside a writer: open the engine's store
  // read-only first, which refuses one that a running pointsd holds.
  static absl::StatusOr<std::unique_ptr<DomainStore>> OpenReadOnly(const std::string& dir);
  ~DomainStore();
  DomainStore(const DomainStore&) = delete;
  DomainStore& operator=(const DomainStore&) = delete;

  absl::Status Put(const std::string& key, const std::string& value);
  // Every one of `writes` or none, in one synced write: two books' records that must exist
  // together (a basket's intent and the used mark of the code that pays it) are written so.
  absl::Status Write(const std::vector<StoreWrite>& writes);
  // NOT_FOUND when the key is absent.
  absl::StatusOr<std::string> Get(const std::string& key) const;
  // A consistent copy of the store in `dir` (which must not exist), taken while writes go on.
  absl::Status Checkpoint(const std::string& dir) const;
  // Calls `visit` for every key starting with `prefix`, in key order, until it returns false.
  absl::Status Scan(
      const std::string& prefix,
      const std::function<bool(const std::string& key, const std::string& value)>& visit) const;
  // The same from the first key at or after `start` (which starts with `prefix`).
  absl::Status ScanFrom(
      const std::string& prefix, const std::string& start,
      const std::function<bool(const std::string& key, const std::string& value)>& visit) const;

 private:
  DomainStore(std::unique_ptr<rocksdb::DB> db, bool read_only);
  absl::Status CheckWritable() const;
  std::unique_ptr<rocksdb::DB> db_;
  const bool read_only_;
};

// Decodes every record under `prefix` with `decode` (bytes -> absl::StatusOr<T>) and hands each
// to `visit`, in key order. A record that does not decode stops the scan with its error.
template <typename Decode, typename Visit>
absl::Status ScanRecords(const DomainStore& store, const std::string& prefix, Decode decode,
                         Visit visit) {
  absl::Status decode_error;
  absl::Status status = store.Scan(prefix, [&](const std::string&, const std::string& bytes) {
    auto record = decode(bytes);
    if (!record.ok()) {
      decode_error = record.status();
      return false;
    }
    visit(*std::move(record));
    return true;
  });
  return status.ok() ? decode_error : status;
}

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_STORE_DOMAIN_STORE_H_

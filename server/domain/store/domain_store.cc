#include "server/domain/store/domain_store.h"

#include <cstdarg>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace points::domain {
namespace {

absl::Status FromRocks(const rocksdb::Status& status, const char* what) {
  if (status.ok()) return absl::OkStatus();
  if (status.IsNotFound()) return absl::NotFoundError(what);
  return absl::UnavailableError(absl::StrCat("domain store: ", what, ": ", status.ToString()));
}

// RocksDB's info log, for a read-only open: nowhere, so that nothing is written into the store.
class DiscardingLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

}  // namespace

DomainStore::DomainStore(std::unique_ptr<rocksdb::DB> db, bool read_only)
    : db_(std::move(db)), read_only_(read_only) {}

DomainStore::~DomainStore() {
  if (db_ != nullptr) db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::unique_ptr<DomainStore>> DomainStore::Open(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  rocksdb::DB* db = nullptr;
  if (absl::Status status = FromRocks(rocksdb::DB::Open(options, dir, &db), "open"); !status.ok()) {
    return status;
  }
  return std::unique_ptr<DomainStore>(
      new DomainStore(std::unique_ptr<rocksdb::DB>(db), /*read_only=*/false));
}

absl::StatusOr<std::unique_ptr<DomainStore>> DomainStore::OpenReadOnly(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = false;
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.info_log = std::make_shared<DiscardingLogger>();
  rocksdb::DB* db = nullptr;
  if (absl::Status status =
          FromRocks(rocksdb::DB::OpenForReadOnly(options, dir, &db), "open read-only");
      !status.ok()) {
    return status;
  }
  return std::unique_ptr<DomainStore>(
      new DomainStore(std::unique_ptr<rocksdb::DB>(db), /*read_only=*/true));
}

absl::Status DomainStore::CheckWritable() const {
  if (!read_only_) return absl::OkStatus();
  return absl::FailedPreconditionError("domain store: opened read-only: writes are refused");
}

absl::Status DomainStore::Checkpoint(const std::string& dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  if (absl::Status s = FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint");
      !s.ok()) {
    return s;
  }
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocks(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0), "checkpoint");
}

absl::Status DomainStore::Put(const std::string& key, const std::string& value) {
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  rocksdb::WriteOptions options;
  options.sync = true;  // a step is acknowledged only once it would survive a power cut
  return FromRocks(db_->Put(options, key, value), "put");
}

absl::Status DomainStore::Write(const std::vector<StoreWrite>& writes) {
  rocksdb::WriteBatch batch;
  for (const StoreWrite& w : writes) {
    if (absl::Status s = FromRocks(batch.Put(w.key, w.value), "write"); !s.ok()) return s;
  }
  rocksdb::WriteOptions options;
  options.sync = true;  // as Put: acknowledged only once it would survive a power cut
  return FromRocks(db_->Write(options, &batch), "write");
}

absl::StatusOr<std::string> DomainStore::Get(const std::string& key) const {
  std::string value;
  if (absl::Status status = FromRocks(db_->Get(rocksdb::ReadOptions(), key, &value), "get");
      !status.ok()) {
    return status;
  }
  return value;
}

absl::Status DomainStore::Scan(
    const std::string& prefix,
    const std::function<bool(const std::string& key, const std::string& value)>& visit) const {
  return ScanFrom(prefix, prefix, visit);
}

absl::Status DomainStore::ScanFrom(
    const std::string& prefix, const std::string& start,
    const std::function<bool(const std::string& key, const std::string& value)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!visit(it->key().ToString(), it->value().ToString())) break;
  }
  return FromRocks(it->status(), "scan");
}

}  // namespace points::domain

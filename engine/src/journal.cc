#include "journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "points/check.h"
#include "points/limits.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace points {
namespace {

constexpr char kJournalFamily[] = "journal";
constexpr char kChainFamily[] = "chain";
constexpr char kFormatKey[] = "format";
constexpr char kFormatValue[] = "points-journal 1";

absl::Status FromRocks(absl::string_view what, const rocksdb::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::UnavailableError(message);  // IO errors, full disk, a read-only DB
}

rocksdb::ColumnFamilyOptions JournalFamilyOptions() {
  rocksdb::ColumnFamilyOptions options;
  // Records are mostly random ids: compression costs CPU and saves little.
  options.compression = rocksdb::kNoCompression;
  options.write_buffer_size = 64 << 20;
  options.target_file_size_base = 64 << 20;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 16 << 10;  // about one chunk per block: a point read touches one block
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

rocksdb::DBOptions JournalDBOptions(rocksdb::Env* env, bool create_if_missing) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = create_if_missing;
  db_options.create_missing_column_families = create_if_missing;
  db_options.max_background_jobs = 2;
  db_options.paranoid_checks = true;
  // A torn record at the tail of the WAL after a crash can only be an unacknowledged group: it is
  // dropped. Corruption anywhere else fails the open rather than silently dropping acknowledged
  // groups after it (which kPointInTimeRecovery would do).
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // Opening replays the WAL into memtables and keeps them there instead of flushing at open; the
  // clean close flushes, so that a reopen after it has little WAL to replay.
  db_options.avoid_flush_during_recovery = true;
  // Bounds the WAL a crash leaves to replay at open: past this, RocksDB flushes memtables.
  db_options.max_total_wal_size = 512 << 20;
  if (env != nullptr) db_options.env = env;
  return db_options;
}

std::vector<rocksdb::ColumnFamilyDescriptor> JournalFamilies() {
  const rocksdb::ColumnFamilyOptions family = JournalFamilyOptions();
  return {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kJournalFamily, family},
      {kChainFamily, family},
  };
}

// RocksDB's info log, for a read-only open: nowhere, said here rather than left to RocksDB's
// defaults, which for a writer's open create DIR/LOG and rename the one there to LOG.old.*.
class DiscardingLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

// FAILED_PRECONDITION while another process holds the store's RocksDB LOCK (a running pointsd):
// RocksDB leaves a read-only open beside a writer undefined. Asks with F_GETLK on a read-only
// descriptor, so the file is neither created nor changed.
absl::Status CheckNoWriter(const std::string& dir) {
  const int fd = open((dir + "/LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::OkStatus();  // no writer has opened the store here
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;  // l_start 0, l_len 0: the whole file, as RocksDB locks it
  const int asked = fcntl(fd, F_GETLK, &lock);
  close(fd);
  if (asked != 0 || lock.l_type == F_UNLCK) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      dir, " is open for writing by process ", lock.l_pid, ": stop it first, or use a backup"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(const std::string& dir, rocksdb::Env* env,
                                                       bool create_if_missing) {
  if (create_if_missing) {
    // RocksDB creates only the last directory of the path; a data dir like ./var/pointsd on a
    // fresh checkout needs its parents too.
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
      return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", error.message()));
    }
  }
  std::unique_ptr<Journal> journal(new Journal());
  rocksdb::DB* db = nullptr;
  absl::Status status = FromRocks(absl::StrCat("open ", dir),
                                  rocksdb::DB::Open(JournalDBOptions(env, create_if_missing), dir,
                                                    JournalFamilies(), &journal->handles_, &db));
  if (!status.ok()) return status;
  journal->Adopt(db);
  if (absl::Status s = journal->CheckFormat(dir, /*write_if_missing=*/true); !s.ok()) return s;
  return journal;
}

absl::StatusOr<std::unique_ptr<Journal>> Journal::OpenReadOnly(const std::string& dir,
                                                               rocksdb::Env* env) {
  if (absl::Status s = CheckNoWriter(dir); !s.ok()) return s;
  rocksdb::DBOptions db_options = JournalDBOptions(env, /*create_if_missing=*/false);
  db_options.info_log = std::make_shared<DiscardingLogger>();
  std::unique_ptr<Journal> journal(new Journal());
  journal->read_only_ = true;
  rocksdb::DB* db = nullptr;
  absl::Status status = FromRocks(
      absl::StrCat("open ", dir, " read-only"),
      rocksdb::DB::OpenForReadOnly(db_options, dir, JournalFamilies(), &journal->handles_, &db));
  if (!status.ok()) return status;
  journal->Adopt(db);
  if (absl::Status s = journal->CheckFormat(dir, /*write_if_missing=*/false); !s.ok()) return s;
  return journal;
}

void Journal::Adopt(rocksdb::DB* db) {
  db_.reset(db);
  journal_cf_ = handles_[1];
  chain_cf_ = handles_[2];
}

absl::Status Journal::CheckFormat(const std::string& dir, bool write_if_missing) {
  std::string format;
  rocksdb::Status read = db_->Get(rocksdb::ReadOptions(), kFormatKey, &format);
  if (read.IsNotFound() && !write_if_missing) {
    return absl::FailedPreconditionError(absl::StrCat(dir, " holds no journal format key"));
  }
  if (read.IsNotFound()) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    absl::Status status = FromRocks("write format", db_->Put(sync, kFormatKey, kFormatValue));
    // Flushed at once: a column family with unflushed data pins every WAL file after it, and a
    // reopen would replay them all.
    if (status.ok()) status = FromRocks("flush format", db_->Flush(rocksdb::FlushOptions()));
    return status;
  }
  if (!read.ok()) return FromRocks("read format", read);
  if (format != kFormatValue) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " holds format '", format, "', this engine reads '", kFormatValue, "'"));
  }
  return absl::OkStatus();
}

Journal::~Journal() {
  if (db_ == nullptr) return;
  if (!read_only_) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    db_->Flush(flush, handles_).PermitUncheckedError();
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle);
  }
  db_->Close();
}

absl::Status Journal::Scan(ChunkVisitor visit) {
  chunk_first_timestamps_.clear();
  record_count_ = 0;
  chain_head_ = Hash{};
  return ScanAfter("", visit);
}

JournalPosition Journal::Position() const {
  absl::MutexLock lock(&position_mu_);
  return JournalPosition{record_count_, chain_head_, chunk_first_timestamps_};
}

absl::Status Journal::Checkpoint(const std::string& dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  if (absl::Status s = FromRocks("checkpoint", rocksdb::Checkpoint::Create(db_.get(), &raw));
      !s.ok()) {
    return s;
  }
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: flush the memtables first, so the copy needs no WAL to be complete.
  return FromRocks(absl::StrCat("checkpoint to ", dir),
                   checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0));
}

Hash Journal::chain_head() const {
  absl::MutexLock lock(&position_mu_);
  return chain_head_;
}

uint64_t Journal::record_count() const {
  absl::MutexLock lock(&position_mu_);
  return record_count_;
}

uint64_t Journal::SummedIntProperty(const char* name) const {
  uint64_t value = 0;
  return db_->GetAggregatedIntProperty(name, &value) ? value : 0;
}

uint64_t Journal::JournalIntProperty(const char* name) const {
  uint64_t value = 0;
  return db_->GetIntProperty(journal_cf_, name, &value) ? value : 0;
}

uint64_t Journal::bytes_appended() const {
  absl::MutexLock lock(&position_mu_);
  return bytes_appended_;
}

absl::Status Journal::ResumeFrom(const JournalPosition& position, ChunkVisitor visit) {
  if (position.chunk_first_timestamps.empty()) return Scan(visit);
  const std::string last_key = ChunkKey(position.chunk_first_timestamps.back());
  std::string chain_value;
  rocksdb::Status read = db_->Get(rocksdb::ReadOptions(), chain_cf_, last_key, &chain_value);
  ChainHeader header;
  if (!read.ok() || !DecodeChainHeader(chain_value, &header) ||
      header.hash != position.chain_head) {
    return absl::FailedPreconditionError("the snapshot does not match the journal's hash chain");
  }
  chunk_first_timestamps_ = position.chunk_first_timestamps;
  record_count_ = position.record_count;
  chain_head_ = position.chain_head;
  return ScanAfter(last_key, visit);
}

absl::Status Journal::ScanAfter(const std::string& after_key, ChunkVisitor visit) {
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  options.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, journal_cf_));
  Record records[kChunkRecordsMax];
  if (after_key.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(after_key);
    if (it->Valid() && it->key() == rocksdb::Slice(after_key)) it->Next();
  }
  for (; it->Valid(); it->Next()) {
    uint64_t first_timestamp;
    const rocksdb::Slice value = it->value();
    if (!ParseChunkKey(it->key().ToStringView(), &first_timestamp) || value.size() == 0 ||
        value.size() % kRecordSize != 0 || value.size() / kRecordSize > kChunkRecordsMax) {
      return absl::DataLossError("journal chunk with a malformed key or size");
    }
    chunk_first_timestamps_.push_back(first_timestamp);
    const size_t count = value.size() / kRecordSize;
    std::memcpy(records, value.data(), value.size());
    if (absl::Status status = visit(absl::MakeConstSpan(records, count)); !status.ok()) {
      return status;
    }
    record_count_ += count;
  }
  if (absl::Status status = FromRocks("scan journal", it->status()); !status.ok()) return status;

  std::unique_ptr<rocksdb::Iterator> chain(db_->NewIterator(rocksdb::ReadOptions(), chain_cf_));
  chain->SeekToLast();
  if (chain->Valid()) {
    ChainHeader header;
    if (!DecodeChainHeader(chain->value().ToStringView(), &header)) {
      return absl::DataLossError("last chain entry is malformed");
    }
    uint64_t last_chain_timestamp;
    if (!ParseChunkKey(chain->key().ToStringView(), &last_chain_timestamp) ||
        chunk_first_timestamps_.empty() || last_chain_timestamp != chunk_first_timestamps_.back()) {
      return absl::DataLossError("the chain and the journal end at different chunks");
    }
    chain_head_ = header.hash;
  } else if (!chunk_first_timestamps_.empty()) {
    return absl::DataLossError("journal chunks without a hash chain");
  }
  return FromRocks("scan chain", chain->status());
}

absl::Status Journal::ForEachChunk(absl::FunctionRef<absl::Status(const ChunkView&)> visit) const {
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  options.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> records(db_->NewIterator(options, journal_cf_));
  std::unique_ptr<rocksdb::Iterator> chain(db_->NewIterator(options, chain_cf_));
  std::vector<Record> record_buffer;
  std::vector<Hash> leaf_buffer;
  records->SeekToFirst();
  chain->SeekToFirst();
  for (; records->Valid(); records->Next(), chain->Next()) {
    ChunkView view;
    if (!chain->Valid() || records->key() != chain->key()) {
      return absl::DataLossError("journal chunk without its chain entry");
    }
    const rocksdb::Slice value = records->value();
    const std::string_view chain_value = chain->value().ToStringView();
    if (!ParseChunkKey(records->key().ToStringView(), &view.first_timestamp) ||
        !DecodeChainHeader(chain_value, &view.header) ||
        value.size() != size_t{view.header.count} * kRecordSize) {
      return absl::DataLossError("journal chunk with a malformed key, size or chain entry");
    }
    record_buffer.resize(view.header.count);
    std::memcpy(record_buffer.data(), value.data(), value.size());
    leaf_buffer.resize(view.header.count);
    std::memcpy(leaf_buffer.data(), chain_value.data() + kChainHeaderSize,
                sizeof(Hash) * view.header.count);
    view.records = record_buffer;
    view.leaves = leaf_buffer;
    if (absl::Status status = visit(view); !status.ok()) return status;
  }
  if (chain->Valid()) return absl::DataLossError("chain entry without its journal chunk");
  if (absl::Status status = FromRocks("scan journal", records->status()); !status.ok()) {
    return status;
  }
  return FromRocks("scan chain", chain->status());
}

absl::Status Journal::Append(absl::Span<const Record> records) {
  if (records.empty()) return absl::OkStatus();
  leaves_.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) leaves_[i] = LeafHash(records[i]);
  rocksdb::WriteBatch batch(0, 0, 0, 0);
  Hash head = chain_head();
  std::vector<uint64_t> new_chunks;
  for (size_t start = 0; start < records.size(); start += kChunkRecordsMax) {
    const size_t count = std::min(kChunkRecordsMax, records.size() - start);
    const uint64_t first_timestamp = RecordTimestamp(records[start]);
    POINTS_CHECK(RecordTimestamp(records[start + count - 1]) == first_timestamp + count - 1);
    ChainHeader header;
    header.count = static_cast<uint16_t>(count);
    header.prev = head;
    header.hash = ChainHash(head, first_timestamp, &leaves_[start], header.count);
    head = header.hash;
    const std::string key = ChunkKey(first_timestamp);
    const rocksdb::Slice value(reinterpret_cast<const char*>(records[start].bytes.data()),
                               count * kRecordSize);
    absl::Status status = FromRocks("batch", batch.Put(journal_cf_, key, value));
    if (status.ok()) {
      status =
          FromRocks("batch", batch.Put(chain_cf_, key, EncodeChainValue(header, &leaves_[start])));
    }
    if (!status.ok()) return status;
    new_chunks.push_back(first_timestamp);
  }
  rocksdb::WriteOptions options;
  options.sync = true;
  const size_t bytes = batch.GetDataSize();
  if (absl::Status status = FromRocks("journal write", db_->Write(options, &batch)); !status.ok()) {
    return status;
  }
  absl::MutexLock lock(&position_mu_);
  chain_head_ = head;
  chunk_first_timestamps_.insert(chunk_first_timestamps_.end(), new_chunks.begin(),
                                 new_chunks.end());
  record_count_ += records.size();
  bytes_appended_ += bytes;
  return absl::OkStatus();
}

absl::Status Journal::ReadLeafChunks(uint64_t after_first_timestamp, size_t max_chunks,
                                     std::vector<LeafChunk>* out) const {
  std::unique_ptr<rocksdb::Iterator> chain(db_->NewIterator(rocksdb::ReadOptions(), chain_cf_));
  if (after_first_timestamp == 0) {
    chain->SeekToFirst();  // timestamps are never 0
  } else {
    const std::string after_key = ChunkKey(after_first_timestamp);
    chain->Seek(after_key);
    if (chain->Valid() && chain->key() == rocksdb::Slice(after_key)) chain->Next();
  }
  for (size_t n = 0; n < max_chunks && chain->Valid(); ++n, chain->Next()) {
    LeafChunk chunk;
    ChainHeader header;
    const std::string_view value = chain->value().ToStringView();
    if (!ParseChunkKey(chain->key().ToStringView(), &chunk.first_timestamp) ||
        !DecodeChainHeader(value, &header) ||
        value.size() != kChainHeaderSize + sizeof(Hash) * header.count) {
      return absl::DataLossError("malformed chain entry");
    }
    chunk.leaves.resize(header.count);
    std::memcpy(chunk.leaves.data(), value.data() + kChainHeaderSize, sizeof(Hash) * header.count);
    out->push_back(std::move(chunk));
  }
  return FromRocks("read chain", chain->status());
}

absl::Status Journal::ReadRecords(absl::Span<const uint64_t> timestamps,
                                  std::vector<Record>* out) const {
  out->resize(timestamps.size());
  // Route each timestamp to its chunk, then read each distinct chunk once.
  std::vector<uint64_t> chunk_of(timestamps.size());
  std::vector<uint64_t> chunks;
  absl::ReleasableMutexLock lock(&position_mu_);
  for (size_t i = 0; i < timestamps.size(); ++i) {
    auto it = std::upper_bound(chunk_first_timestamps_.begin(), chunk_first_timestamps_.end(),
                               timestamps[i]);
    if (it == chunk_first_timestamps_.begin()) {
      return absl::InternalError(absl::StrCat("no journal chunk holds timestamp ", timestamps[i]));
    }
    chunk_of[i] = *(it - 1);
    chunks.push_back(chunk_of[i]);
  }
  lock.Release();
  std::sort(chunks.begin(), chunks.end());
  chunks.erase(std::unique(chunks.begin(), chunks.end()), chunks.end());
  std::vector<std::string> key_storage;
  key_storage.reserve(chunks.size());
  std::vector<rocksdb::Slice> keys;
  keys.reserve(chunks.size());
  for (uint64_t chunk : chunks) {
    key_storage.push_back(ChunkKey(chunk));
    keys.emplace_back(key_storage.back());
  }
  std::vector<rocksdb::PinnableSlice> values(chunks.size());
  std::vector<rocksdb::Status> statuses(chunks.size());
  db_->MultiGet(rocksdb::ReadOptions(), journal_cf_, keys.size(), keys.data(), values.data(),
                statuses.data(), /*sorted_input=*/true);
  for (size_t i = 0; i < timestamps.size(); ++i) {
    const size_t c = std::lower_bound(chunks.begin(), chunks.end(), chunk_of[i]) - chunks.begin();
    if (absl::Status status = FromRocks("read journal chunk", statuses[c]); !status.ok()) {
      return status;
    }
    const uint64_t position = timestamps[i] - chunk_of[i];
    if ((position + 1) * kRecordSize > values[c].size()) {
      return absl::DataLossError(absl::StrCat("journal chunk lacks timestamp ", timestamps[i]));
    }
    std::memcpy((*out)[i].bytes.data(), values[c].data() + position * kRecordSize, kRecordSize);
    if (RecordTimestamp((*out)[i]) != timestamps[i]) {
      return absl::DataLossError(absl::StrCat("journal record at ", timestamps[i], " misplaced"));
    }
  }
  return absl::OkStatus();
}

}  // namespace points

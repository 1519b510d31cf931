#include "snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace points {
namespace {

constexpr size_t kFileBufferBytes = 4 << 20;

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

void StreamChecksum::Update(const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  uint64_t state = state_;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    state = (state ^ word) * 0x9E3779B97F4A7C15ull;
    state ^= state >> 29;
  }
  for (; i < size; ++i) state = (state ^ bytes[i]) * 0x100000001B3ull;
  state_ = state;
}

SnapshotWriter::SnapshotWriter(std::string path)
    : path_(std::move(path)), temporary_path_(path_ + ".tmp") {
  file_ = std::fopen(temporary_path_.c_str(), "wb");
  if (file_ == nullptr) {
    failed_ = true;
    return;
  }
  std::setvbuf(file_, nullptr, _IOFBF, kFileBufferBytes);
}

SnapshotWriter::~SnapshotWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(temporary_path_.c_str());
  }
}

void SnapshotWriter::Put(const void* data, size_t size) {
  if (failed_ || size == 0) return;
  checksum_.Update(data, size);
  if (std::fwrite(data, 1, size, file_) != size) failed_ = true;
}

absl::Status SnapshotWriter::Finish() {
  const uint64_t checksum = checksum_.value();
  if (!failed_ && std::fwrite(&checksum, 1, sizeof(checksum), file_) != sizeof(checksum)) {
    failed_ = true;
  }
  if (!failed_ && std::fflush(file_) != 0) failed_ = true;
  if (!failed_ && fdatasync(fileno(file_)) != 0) failed_ = true;
  if (file_ != nullptr && std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  if (failed_ || std::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
    std::remove(temporary_path_.c_str());
    return absl::UnavailableError(
        absl::StrCat("could not write snapshot ", path_, ": ", std::strerror(errno)));
  }
  // The rename is durable once the directory is synced.
  const int directory = open(DirectoryOf(path_).c_str(), O_RDONLY | O_DIRECTORY);
  if (directory >= 0) {
    fsync(directory);
    close(directory);
  }
  return absl::OkStatus();
}

SnapshotReader::SnapshotReader(const std::string& path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ != nullptr) std::setvbuf(file_, nullptr, _IOFBF, kFileBufferBytes);
}

SnapshotReader::~SnapshotReader() {
  if (file_ != nullptr) std::fclose(file_);
}

bool SnapshotReader::Get(void* data, size_t size) {
  if (size == 0) return !failed_;
  if (failed_ || file_ == nullptr || std::fread(data, 1, size, file_) != size) {
    failed_ = true;
    std::memset(data, 0, size);
    return false;
  }
  checksum_.Update(data, size);
  return true;
}

absl::Status SnapshotReader::Finish() {
  const uint64_t expected = checksum_.value();
  uint64_t stored = 0;
  if (failed_ || file_ == nullptr || std::fread(&stored, 1, sizeof(stored), file_) != 8) {
    return absl::DataLossError("snapshot is truncated");
  }
  if (stored != expected) return absl::DataLossError("snapshot checksum does not match");
  if (std::fgetc(file_) != EOF) return absl::DataLossError("snapshot has trailing bytes");
  return absl::OkStatus();
}

}  // namespace points

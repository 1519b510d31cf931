#include "server/ops/backup.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "server/domain/values/text.h"

namespace points::server {

namespace {

absl::Status CopyKeyFiles(const std::vector<std::string>& key_files,
                          const std::filesystem::path& target) {
  for (const std::string& file : key_files) {
    const std::filesystem::path copy = target / std::filesystem::path(file).filename();
    std::error_code error;
    std::filesystem::copy_file(file, copy, error);
    if (!error) {
      std::filesystem::permissions(copy, std::filesystem::perms::owner_read, error);
    }
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("copying ", file, " into the backup: ", error.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status BackupDataDir(const Engine& engine, const domain::DomainStore& store,
                           const std::string& dir, const std::vector<std::string>& key_files) {
  const std::filesystem::path target(dir);
  if (!target.is_absolute() || target.filename().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dir: an absolute path on the server, not ending in '/', got ", domain::Echo(dir)));
  }
  std::error_code error;
  if (std::filesystem::exists(target, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat("dir: ", domain::Echo(dir), " exists; name a new directory"));
  }
  if (!std::filesystem::is_directory(target.parent_path(), error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("dir: ", domain::Echo(target.parent_path().string()), " is not a directory"));
  }
  // The ledger's copy must be created by RocksDB in a directory that does not exist, so the
  // domain's copy waits beside it and moves in afterwards (same filesystem: a rename).
  const std::string domain_part = dir + ".domain-part";
  if (std::filesystem::exists(domain_part, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat(domain_part, " exists (left by an interrupted backup?): remove it"));
  }
  if (absl::Status s = store.Checkpoint(domain_part); !s.ok()) return s;
  if (absl::Status s = engine.Checkpoint(dir); !s.ok()) {
    std::filesystem::remove_all(domain_part, error);
    return s;
  }
  std::filesystem::rename(domain_part, target / "domain", error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("moving the domain store's copy into ", dir, ": ", error.message()));
  }
  return CopyKeyFiles(key_files, target);
}

}  // namespace points::server

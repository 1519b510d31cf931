// A full disk through the real pointsd: on a small tmpfs that fills up, the server stops taking
// writes (UNAVAILABLE, saying why; health's "points.write" NOT_SERVING) and goes on serving
// reads, loses nothing it acknowledged, and after space is freed and it restarts it takes
// writes again. Needs root to mount the tmpfs; skipped (saying so) where that is not allowed.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "clients/cpp/ledger_client.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/engine/testing.h"
#include "tests/testing/health_check.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/server_testing.h"

namespace points::server {
namespace {

using client::ClientOptions;
using client::LedgerClient;
using testing::TempDir;

constexpr size_t kBatch = 5000;

Transfer Award(uint64_t id) { return testing::DemoAward(0xd15c, id); }

// A small tmpfs for the test's data, unmounted at the end.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& dir) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    mounted_ =
        std::system(
            absl::StrCat("mount -t tmpfs -o size=32m tmpfs '", dir_, "' 2>/dev/null").c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) std::system(absl::StrCat("umount -l '", dir_, "'").c_str());
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

// pointsd keeps a reserve of free space (--disk-reserve-mb) and turns read-only before the
// journal's writes could meet a full disk: Debian's RocksDB 7.8, built with assertions, may
// abort in its WAL writer after an ENOSPC ("AssertFalseAndGetStatusForPrevError ...
// sync_without_flush_called_", upstream facebook/rocksdb#12448), which would end reads too.
TEST(FullDiskTest, AFullDiskStopsWritesKeepsReadsLosesNothingAndARestartAfterFreeingResumes) {
  TempDir dir;
  SmallDisk disk(dir.path() + "/disk");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): not tested";
  const std::string data = dir.path() + "/disk/data";
  const std::string filler = dir.path() + "/disk/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string block(64 << 10, 'x');
    for (int i = 0; i < 128; ++i) out << block;  // 8 MiB the operator can free later
  }
  const std::vector<std::string> reserve = {"--disk-reserve-mb", "10"};
  std::vector<std::string> flags = reserve;
  flags.push_back("--demo");
  auto pointsd = std::make_unique<testing::Pointsd>(data, 0, flags);
  ClientOptions once;
  once.retry.max_attempts = 1;  // a retry would only hit the full disk again
  once.token = pointsd->admin_token();
  LedgerClient client(pointsd->target(), once);
  auto seeded = client.LookupAccounts({101});
  ASSERT_TRUE(seeded.ok() && seeded->size() == 1) << seeded.status();
  const uint64_t baseline = (*seeded)[0].credits_posted;

  uint64_t acknowledged = 0;  // ids 1..acknowledged were answered ok
  absl::Status refused;
  for (int batch = 0; batch < 200 && refused.ok(); ++batch) {
    std::vector<Transfer> transfers;
    for (size_t i = 1; i <= kBatch; ++i) transfers.push_back(Award(acknowledged + i));
    auto results = client.CreateTransfers(transfers);
    if (!results.ok()) {
      refused = results.status();
      break;
    }
    for (const TransferEventResult& r : *results) ASSERT_EQ(r.result, CreateTransferResult::kOk);
    acknowledged += kBatch;
  }
  ASSERT_FALSE(refused.ok()) << "the disk never filled up";
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_NE(refused.message().find("less than the reserve of 10 MiB"), std::string::npos)
      << refused;
  ASSERT_GT(acknowledged, 0u);

  // Read-only: reads go on, every acknowledged point is there, health says so.
  auto read = client.LookupAccounts({101});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_GE((*read)[0].credits_posted, baseline + acknowledged);
  int write_health = 0;
  for (int i = 0;
       i < 100 && (write_health = testing::HealthStatusOf(pointsd->target(), "points.write")) != 2;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(write_health, 2) << "points.write NOT_SERVING";
  EXPECT_EQ(testing::HealthStatusOf(pointsd->target(), ""), 1) << "reads are still served";
  EXPECT_EQ(client.CreateTransfers({Award(acknowledged + kBatch + 1)}).status().code(),
            absl::StatusCode::kUnavailable);
  pointsd->Stop(SIGTERM);  // its exit code may say the final snapshot could not be written
  pointsd.reset();

  // The operator frees space and restarts: writes resume, nothing acknowledged is lost.
  std::filesystem::remove(filler);
  pointsd = std::make_unique<testing::Pointsd>(data, 0, reserve);
  LedgerClient after(pointsd->target(), once);
  EXPECT_EQ(testing::HealthStatusOf(pointsd->target(), "points.write"), 1);
  auto resumed = after.CreateTransfers({Award(1'000'000)});
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ((*resumed)[0].result, CreateTransferResult::kOk);
  for (uint64_t first = 1; first <= acknowledged; first += 1000) {
    std::vector<Id> ids;
    for (uint64_t id = first; id < first + 1000 && id <= acknowledged; ++id) {
      ids.push_back(Award(id).id);
    }
    auto found = after.LookupTransfers(ids);
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_EQ(found->size(), ids.size()) << "acknowledged before the disk filled";
  }
  auto again = after.CreateTransfers({Award(acknowledged)});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)[0].result, CreateTransferResult::kExists) << "applied exactly once";
  EXPECT_EQ(pointsd->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace points::server

// pointsctl receipts award|basket|checkpoint against the real pointsd (--demo): the receipts of
// an award's and a basket's records verify offline with `receipts verify` and the county's key,
// the record goes only to who may read it (else the leaf hash is printed for --leaf), and a
// household cannot ask for a neighbour's basket.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/clients/pointsctl/pointsctl_process.h"
#include "tests/engine/testing.h"

namespace points::client {
namespace {

using testing::Pointsd;
using testing::Shell;
using testing::TempDir;

constexpr int kExitOk = 0;
constexpr int kExitRefused = 3;
// The tree keeper signs a new checkpoint at most every 2 s; a record is in one well within this.
constexpr auto kCheckpointWait = std::chrono::seconds(20);

std::string Describe(const testing::Run& run) {
  return absl::StrCat("exit ", run.exit_code, "\nstdout:\n", run.out, "\nstderr:\n", run.err);
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Runs `args` until it stops answering NOT_FOUND (a record not in a checkpoint yet).
testing::Run UntilInACheckpoint(const Shell& ctl, const std::string& token,
                                const std::vector<std::string>& args) {
  const auto deadline = std::chrono::steady_clock::now() + kCheckpointWait;
  testing::Run run = ctl.As(token, args);
  while (run.exit_code != kExitOk && absl::StrContains(run.err, "NOT_FOUND") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    run = ctl.As(token, args);
  }
  return run;
}

// The files --out wrote, one per line of its output "PATH: record N of SIZE, ...".
std::vector<std::string> WrittenFiles(const std::string& out) {
  std::vector<std::string> files;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    files.emplace_back(line.substr(0, line.find(": record ")));
  }
  return files;
}

// How many receipts an output names: printed ("# record N ...") or written ("PATH: record N ...").
size_t ReceiptCount(const std::string& out) {
  size_t count = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    count += absl::StartsWith(line, "# record ") || absl::StrContains(line, ": record ");
  }
  return count;
}

std::string LeafOf(const std::string& line) {
  const size_t at = line.find(", leaf ");
  return at == std::string::npos ? "" : line.substr(at + 7, 64);
}

class ReceiptsCtlTest : public ::testing::Test {
 protected:
  TempDir data_, scratch_;
  Pointsd pointsd_{data_.path(), 0, {"--demo"}};
  const Shell ctl_{pointsd_, data_.path(), scratch_.path()};

  std::string Key() {
    const testing::Run checkpoint = ctl_({"receipts", "checkpoint"});
    EXPECT_EQ(checkpoint.exit_code, kExitOk) << Describe(checkpoint);
    const size_t at = checkpoint.out.rfind("\nkey ");
    return at == std::string::npos ? "" : FirstLine(checkpoint.out.substr(at + 5));
  }
  testing::Run Verify(const std::string& file, const std::string& leaf = "") {
    std::vector<std::string> args = {"receipts", "verify", file, "--key", Key()};
    if (!leaf.empty()) args.insert(args.end(), {"--leaf", leaf});
    return testing::RunPointsctl(scratch_.path(), args);
  }
};

TEST_F(ReceiptsCtlTest, AnAwardsRecordsVerifyOfflineOnceItIsOnNotice) {
  // The demo's award 9001 waits for review: nothing of it is in the books yet.
  const testing::Run waiting = ctl_({"receipts", "award", "1", "9001"});
  EXPECT_EQ(waiting.exit_code, kExitRefused) << Describe(waiting);
  EXPECT_TRUE(absl::StrContains(waiting.err, "FAILED_PRECONDITION")) << waiting.err;
  const testing::Run approved = ctl_.As(ctl_.Demo("committee-li"),
                                        {"awards", "approve", "1", "9001", "--by", "committee-li"});
  ASSERT_EQ(approved.exit_code, kExitOk) << Describe(approved);

  // Anyone of the village may ask (the award is on the board); the household it is for gets the
  // records of its own account.
  const std::string out = scratch_.path() + "/award";
  const testing::Run proved = UntilInACheckpoint(ctl_, ctl_.Demo("household-2"),
                                                 {"receipts", "award", "1", "9001", "--out", out});
  ASSERT_EQ(proved.exit_code, kExitOk) << Describe(proved);
  const std::vector<std::string> files = WrittenFiles(proved.out);
  ASSERT_FALSE(files.empty()) << proved.out;
  for (const std::string& file : files) ASSERT_TRUE(std::filesystem::exists(file)) << file;
  bool with_record = false;
  for (absl::string_view line : absl::StrSplit(proved.out, '\n', absl::SkipEmpty())) {
    const std::string text(line);
    with_record |= LeafOf(text).empty();
    const testing::Run verified = Verify(text.substr(0, text.find(": record ")), LeafOf(text));
    EXPECT_EQ(verified.exit_code, kExitOk) << Describe(verified) << "\n" << text;
  }
  EXPECT_TRUE(with_record) << proved.out;

  // Printed instead of written, for a neighbour: the same proofs, never the records.
  const testing::Run neighbour =
      ctl_.As(ctl_.Demo("household-1"), {"receipts", "award", "1", "9001"});
  ASSERT_EQ(neighbour.exit_code, kExitOk) << Describe(neighbour);
  EXPECT_TRUE(absl::StrContains(neighbour.out, "c2sp.org/tlog-proof@v1")) << neighbour.out;
  EXPECT_TRUE(absl::StrContains(neighbour.out, ", leaf ")) << neighbour.out;
  EXPECT_FALSE(absl::StrContains(neighbour.out, "\nextra ")) << neighbour.out;

  // A tampered receipt is refused.
  std::string text;
  {
    std::ifstream in(files[0]);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t index = text.find("\nindex ");
  ASSERT_NE(index, std::string::npos) << text;
  text[index + 7] = text[index + 7] == '9' ? '8' : char(text[index + 7] + 1);
  const std::string tampered = scratch_.path() + "/tampered.tlog-proof";
  std::ofstream(tampered) << text;
  const testing::Run refused = Verify(tampered, LeafOf(FirstLine(proved.out)));
  EXPECT_EQ(refused.exit_code, kExitRefused) << Describe(refused);
}

TEST_F(ReceiptsCtlTest, ABasketsRedemptionAndReturnVerifyAndOnlyItsHouseholdAndShopAsk) {
  const std::string shop = ctl_.Demo("shop-1"), household = ctl_.Demo("household-1");
  const testing::Run code = ctl_.As(household, {"baskets", "pay-code", "1", "1"});
  ASSERT_EQ(code.exit_code, kExitOk) << Describe(code);
  const testing::Run basket = ctl_.As(shop, {"baskets", "redeem", "1", "1", "1:2", "--id", "7001",
                                             "--household", "1", "--code", FirstLine(code.out)});
  ASSERT_EQ(basket.exit_code, kExitOk) << Describe(basket);
  const std::vector<std::string> prove = {"receipts", "basket", "1", "7001"};
  const testing::Run redeemed = UntilInACheckpoint(ctl_, household, prove);
  ASSERT_EQ(redeemed.exit_code, kExitOk) << Describe(redeemed);
  const size_t redeemed_records = ReceiptCount(redeemed.out);
  ASSERT_GT(redeemed_records, 0u) << redeemed.out;

  const testing::Run returned = ctl_.As(shop, {"baskets", "return", "1", "7001"});
  ASSERT_EQ(returned.exit_code, kExitOk) << Describe(returned);
  const std::string out = scratch_.path() + "/basket";
  std::vector<std::string> to_files = prove;
  to_files.insert(to_files.end(), {"--out", out});
  // Until the return's records are in a checkpoint too: more receipts than before.
  testing::Run both = UntilInACheckpoint(ctl_, shop, to_files);
  for (int i = 0; i < 80 && both.exit_code == kExitOk && ReceiptCount(both.out) <= redeemed_records;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    both = UntilInACheckpoint(ctl_, shop, to_files);
  }
  ASSERT_EQ(both.exit_code, kExitOk) << Describe(both);
  // The shopkeeper gets proofs and leaf hashes, not the records.
  for (absl::string_view line : absl::StrSplit(both.out, '\n', absl::SkipEmpty())) {
    const std::string text(line);
    ASSERT_FALSE(LeafOf(text).empty()) << text;
    const testing::Run verified = Verify(text.substr(0, text.find(": record ")), LeafOf(text));
    EXPECT_EQ(verified.exit_code, kExitOk) << Describe(verified) << "\n" << text;
  }
  EXPECT_GT(ReceiptCount(both.out), redeemed_records) << both.out;

  const testing::Run other_shop = ctl_.As(ctl_.Demo("shop-2"), prove);
  EXPECT_EQ(other_shop.exit_code, kExitRefused) << Describe(other_shop);
  EXPECT_TRUE(absl::StrContains(other_shop.err, "PERMISSION_DENIED")) << other_shop.err;
  const testing::Run neighbour = ctl_.As(ctl_.Demo("household-2"), prove);
  EXPECT_EQ(neighbour.exit_code, kExitRefused) << Describe(neighbour);
  EXPECT_TRUE(absl::StrContains(neighbour.err, "PERMISSION_DENIED")) << neighbour.err;
  const testing::Run unknown = ctl_.As(shop, {"receipts", "basket", "1", "7999"});
  EXPECT_EQ(unknown.exit_code, kExitRefused) << Describe(unknown);
  EXPECT_TRUE(absl::StrContains(unknown.err, "NOT_FOUND")) << unknown.err;
}

}  // namespace
}  // namespace points::client

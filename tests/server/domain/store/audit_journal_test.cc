// The operator audit journal against a real domain store: entries chain to their predecessors, a
// reopen continues the chain, List pages by seq and village, and Verify names the first entry
// edited, forged or missing in the store behind the journal's back.
#include "server/domain/store/audit_journal.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/domain/books/principal_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/values/ids.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using testing::TempDir;

const std::string kZeroHash(kAuditHashBytes, '\0');

class AuditJournalTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() { ASSERT_NO_FATAL_FAILURE(ReopenBook(dir_.path(), &clock_, &store_, &journal_)); }

  // Appends `n` entries, entry i (from 1) in village i % 3 (0: county-wide), a nanosecond apart.
  void AppendMany(int n) {
    for (int i = 1; i <= n; ++i) {
      clock_.Advance(1);
      auto e = journal_->Append("committee-li", "committee", i % 3, "rule.change",
                                absl::StrCat("rule ", i));
      ASSERT_TRUE(e.ok()) << e.status();
    }
  }

  // The entry as stored, bypassing the journal.
  AuditEntry Stored(uint64_t seq) {
    auto bytes = store_->Get(AuditKey(seq));
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    auto e = DecodeAuditEntry(bytes.ok() ? *bytes : "");
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? *e : AuditEntry();
  }

  static std::vector<uint64_t> Seqs(const std::vector<AuditEntry>& entries) {
    std::vector<uint64_t> seqs;
    for (const AuditEntry& e : entries) seqs.push_back(e.seq);
    return seqs;
  }

  TempDir dir_;
  ManualClock clock_{1'000'000'000};
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<AuditJournal> journal_;
};

TEST_F(AuditJournalTest, EachEntryChainsToItsPredecessor) {
  EXPECT_EQ(journal_->last_seq(), 0u);
  auto first = journal_->Append("bootstrap", "", 0, "principal.create", "admin-qingxi (admin)");
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(7);
  auto second = journal_->Append("admin-qingxi", "admin", 3, "village.create", "村 3 青溪");
  ASSERT_TRUE(second.ok()) << second.status();
  auto third = journal_->Append("committee-li", "committee", 3, "award.approve", "award 9001");
  ASSERT_TRUE(third.ok()) << third.status();

  EXPECT_EQ(first->seq, 1u);
  EXPECT_EQ(first->at_ns, 1'000'000'000u);
  EXPECT_EQ(first->prev_hash, kZeroHash) << "seq 1 follows nothing";
  EXPECT_EQ(second->seq, 2u);
  EXPECT_EQ(second->at_ns, 1'000'000'007u);
  EXPECT_EQ(second->prev_hash, first->hash);
  EXPECT_EQ(third->seq, 3u);
  EXPECT_EQ(third->prev_hash, second->hash);
  for (const AuditEntry& e : {*first, *second, *third}) {
    EXPECT_EQ(e.hash.size(), kAuditHashBytes);
    EXPECT_EQ(e.hash, AuditEntryHash(e)) << e.seq;
  }
  EXPECT_NE(first->hash, second->hash);
  EXPECT_EQ(journal_->last_seq(), 3u);

  // What List returns is what Append did, field for field, and what the store holds.
  auto listed = journal_->List(1, 0);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0], *first);
  EXPECT_EQ((*listed)[1], *second);
  EXPECT_EQ((*listed)[2], *third);
  EXPECT_EQ(Stored(2), *second);
  EXPECT_EQ((*listed)[1].detail, "村 3 青溪");

  // Any field changed changes the hash: the input covers them all.
  AuditEntry changed = *second;
  for (auto change : std::vector<void (*)(AuditEntry&)>{
           [](AuditEntry& e) { ++e.seq; }, [](AuditEntry& e) { ++e.at_ns; },
           [](AuditEntry& e) { e.principal += "x"; }, [](AuditEntry& e) { e.role += "x"; },
           [](AuditEntry& e) { ++e.village; }, [](AuditEntry& e) { e.act += "x"; },
           [](AuditEntry& e) { e.detail += "x"; }, [](AuditEntry& e) { e.prev_hash[0] ^= 1; }}) {
    changed = *second;
    change(changed);
    EXPECT_NE(AuditEntryHash(changed), second->hash);
  }
  // Field boundaries are part of the input: moving a byte from one field to the next is a
  // different entry.
  changed = *second;
  changed.act = "village.creat";
  changed.detail = "e" + changed.detail;
  EXPECT_NE(AuditEntryHash(changed), second->hash);
}

TEST_F(AuditJournalTest, AReopenContinuesTheChain) {
  ASSERT_NO_FATAL_FAILURE(AppendMany(2));
  const AuditEntry second = Stored(2);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(journal_->last_seq(), 2u);
  auto third = journal_->Append("auditor-wu", "auditor", 0, "backup", "to /backup/1");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->seq, 3u) << "not restarted at 1";
  EXPECT_EQ(third->prev_hash, second.hash);
  EXPECT_EQ(Stored(1).seq, 1u) << "seq 1 not overwritten";
  auto checked = journal_->Verify();
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(*checked, 3u);
}

TEST_F(AuditJournalTest, ListPagesBySeqAndLimitAndFiltersByVillage) {
  // Past 256 entries, so pages cross the blocks List reads the store in.
  ASSERT_NO_FATAL_FAILURE(AppendMany(300));
  auto page = journal_->List(1, 3);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{1, 2, 3}));
  page = journal_->List(4, 3);
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{4, 5, 6}));
  page = journal_->List(0, 2);
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{1, 2})) << "from 0 reads as from 1";
  page = journal_->List(254, 4);
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{254, 255, 256, 257}));
  page = journal_->List(298, 10);
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{298, 299, 300})) << "the end, short";
  page = journal_->List(301, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->empty());
  page = journal_->List(1, 0);
  EXPECT_EQ(page->size(), 300u) << "0: the most a page holds";

  // Village 2 holds seqs 2, 5, 8, ...; county-wide entries (village 0) are not in it.
  page = journal_->List(1, 4, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{2, 5, 8, 11}));
  for (const AuditEntry& e : *page) EXPECT_EQ(e.village, 2u);
  page = journal_->List(12, 3, 2);
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{14, 17, 20})) << "the next page";
  page = journal_->List(250, 4, 2);
  EXPECT_EQ(Seqs(*page), (std::vector<uint64_t>{251, 254, 257, 260})) << "across a block";
  page = journal_->List(1, 0, 2);
  EXPECT_EQ(page->size(), 100u);
  page = journal_->List(1, 0, 7);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->empty()) << "no entries in village 7";
}

TEST_F(AuditJournalTest, APageHoldsAtMostTheListMax) {
  ASSERT_NO_FATAL_FAILURE(AppendMany(kAuditListMax + 5));
  for (size_t limit : {size_t{0}, kAuditListMax + 1, size_t{1'000'000}}) {
    auto page = journal_->List(1, limit);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->size(), kAuditListMax) << limit;
    EXPECT_EQ(page->back().seq, kAuditListMax);
  }
  auto rest = journal_->List(kAuditListMax + 1, 0);
  EXPECT_EQ(rest->size(), 5u);
}

TEST_F(AuditJournalTest, VerifyCountsTheEntries) {
  auto checked = journal_->Verify();
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(*checked, 0u) << "an empty journal is a valid one";
  ASSERT_NO_FATAL_FAILURE(AppendMany(5));
  checked = journal_->Verify();
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(*checked, 5u);
}

TEST_F(AuditJournalTest, VerifyNamesAnEditedEntryAndAForgedHash) {
  ASSERT_NO_FATAL_FAILURE(AppendMany(5));
  // The detail edited in the store, the old hash kept: entry 3 no longer gives its hash.
  AuditEntry edited = Stored(3);
  edited.detail = "rule 3 (never changed)";
  ASSERT_TRUE(store_->Put(AuditKey(3), EncodeAuditEntry(edited)).ok());
  auto checked = journal_->Verify();
  EXPECT_EQ(checked.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(
      absl::StrContains(checked.status().message(), "seq 3: its hash does not match its contents"))
      << checked.status();

  // Re-hashed too: entry 3 is self-consistent, but entry 4 chains to the original.
  edited.hash = AuditEntryHash(edited);
  ASSERT_TRUE(store_->Put(AuditKey(3), EncodeAuditEntry(edited)).ok());
  checked = journal_->Verify();
  EXPECT_EQ(checked.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(checked.status().message(),
                                "seq 4: its prev_hash is not the hash of seq 3"))
      << checked.status();
}

TEST_F(AuditJournalTest, VerifyNamesAGapAndAReopenDoesNotFillIt) {
  ASSERT_NO_FATAL_FAILURE(AppendMany(3));
  // Entry 4 removed, as it were: entry 5 written straight to the store, chained to entry 3 and
  // correctly hashed, so only the missing seq gives it away.
  AuditEntry fifth = Stored(3);
  fifth.seq = 5;
  fifth.detail = "after the gap";
  fifth.prev_hash = fifth.hash;
  fifth.hash = AuditEntryHash(fifth);
  ASSERT_TRUE(store_->Put(AuditKey(5), EncodeAuditEntry(fifth)).ok());
  auto checked = journal_->Verify();
  EXPECT_EQ(checked.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(checked.status().message(), "seq 4 is missing"))
      << checked.status();

  // Continuing from the count would overwrite entry 5; the journal continues after it.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(journal_->last_seq(), 5u);
  auto sixth = journal_->Append("admin-qingxi", "admin", 0, "backup", "");
  ASSERT_TRUE(sixth.ok()) << sixth.status();
  EXPECT_EQ(sixth->seq, 6u);
  EXPECT_EQ(sixth->prev_hash, fifth.hash);
  EXPECT_EQ(Stored(5), fifth);
}

TEST_F(AuditJournalTest, AnUndecodableEntryIsDataLoss) {
  ASSERT_NO_FATAL_FAILURE(AppendMany(3));
  ASSERT_TRUE(store_->Put(AuditKey(2), "not an entry").ok());
  auto checked = journal_->Verify();
  EXPECT_EQ(checked.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(checked.status().message(), "seq 2 does not decode"))
      << checked.status();
  EXPECT_EQ(journal_->List(1, 0).status().code(), absl::StatusCode::kDataLoss);

  // The tail undecodable: there is no hash to continue the chain from.
  ASSERT_TRUE(store_->Put(AuditKey(3), "not an entry").ok());
  journal_.reset();
  auto reopened = AuditJournal::Open(&clock_, store_.get());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(reopened.status().message(), "seq 3")) << reopened.status();
}

TEST_F(AuditJournalTest, FieldsOverTheirLimitsAreRefused) {
  const std::string act_max(kAuditActBytesMax, 'a');
  const std::string detail_max(kAuditDetailBytesMax, 'd');
  const std::string principal_max(kPrincipalNameBytesMax, 'p');
  auto at_limits = journal_->Append(principal_max, "committee", kVillagesMax, act_max, detail_max);
  ASSERT_TRUE(at_limits.ok()) << at_limits.status();

  struct Case {
    std::string principal, role;
    uint32_t village;
    std::string act, detail;
    const char* refusal;
  } cases[] = {
      {"li", "committee", 1, "", "x", "act: 1..64 bytes"},
      {"li", "committee", 1, act_max + "a", "x", "act: 1..64 bytes"},
      {"", "committee", 1, "award.approve", "x", "principal: 1..64 bytes"},
      {principal_max + "p", "committee", 1, "award.approve", "x", "principal: 1..64 bytes"},
      {"li", std::string(kAuditRoleBytesMax + 1, 'r'), 1, "award.approve", "x", "role: 0..32"},
      {"li", "committee", 1, "award.approve", detail_max + "d", "detail: 0..2048 bytes"},
      {"li", "committee", 1, "award.approve", "bad \xff byte", "detail: must be UTF-8"},
      {"li", "committee", 1, "award.approve", "overlong \xc0\xaf slash", "detail: must be UTF-8"},
      {"li", "committee", 1, "award.approve", "cut \xe6\x9d", "detail: must be UTF-8"},
      {"li", "committee", 1, "award.\xff", "x", "act: must be UTF-8"},
      {"li", "committee", kVillagesMax + 1, "award.approve", "x", "village: 0 (county-wide) or"},
  };
  for (const Case& c : cases) {
    auto refused = journal_->Append(c.principal, c.role, c.village, c.act, c.detail);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << c.refusal;
    EXPECT_TRUE(absl::StrContains(refused.status().message(), c.refusal)) << refused.status();
  }
  EXPECT_EQ(journal_->last_seq(), 1u) << "nothing refused was journaled";
  auto checked = journal_->Verify();
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(*checked, 1u);
}

TEST_F(AuditJournalTest, ConcurrentAppendsFormOneChain) {
  constexpr int kThreads = 8;
  constexpr int kAppendsPerThread = 25;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsPerThread; ++i) {
        auto e = journal_->Append(absl::StrCat("grid-", t), "grid-worker", t + 1, "award.request",
                                  absl::StrCat("thread ", t, " append ", i));
        EXPECT_TRUE(e.ok()) << e.status();
        if (e.ok()) seqs[t].push_back(e->seq);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<uint64_t> all;
  for (const auto& s : seqs) {
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end())) << "one thread's appends in its order";
    all.insert(all.end(), s.begin(), s.end());
  }
  std::sort(all.begin(), all.end());
  constexpr uint64_t kTotal = kThreads * kAppendsPerThread;
  ASSERT_EQ(all.size(), kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) ASSERT_EQ(all[i], i + 1) << "each seq once, no gaps";
  EXPECT_EQ(journal_->last_seq(), kTotal);
  auto checked = journal_->Verify();
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(*checked, kTotal);
  auto listed = journal_->List(1, 0, 3);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->size(), static_cast<size_t>(kAppendsPerThread)) << "thread 2's village";
}

}  // namespace
}  // namespace points::domain

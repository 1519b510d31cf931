// Micro-benchmarks of the engine's hot path, one piece each (bench/README.md, "micro"): the
// record codec, the leaf and chain hashes, one transfer's apply, the id index, and the prefetch
// of originals (finding which to read, and reading them from the journal). Engine internals
// only, as the engine tests link them: nothing of the server.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

#include "bench/micro/micro_main.h"
#include "bench/micro/temp_dir.h"
#include "journal.h"
#include "ledger_state.h"
#include "points/limits.h"
#include "records.h"
#include "sha256.h"

namespace points {
namespace {

constexpr uint32_t kLedger = 1;
constexpr uint64_t kSeed = 42;
constexpr size_t kBatch = kBatchEventsMax;  // a full request: what apply and prefetch see
// The fixtures' sizes. The full ones are what the figures quote: a million accounts (as
// engine_bench's memory figure), a million transfers in the id index, and a journal larger than
// its block cache (64 MiB), as a live store's is. --small shrinks them for the test run, where
// only building and passing counts.
struct Sizes {
  uint64_t accounts = uint64_t{1} << 20;   // of the large shared ledger
  uint64_t transfers = uint64_t{1} << 20;  // committed in every shared ledger
  uint64_t journal_accounts = uint64_t{1} << 16;
  uint64_t journal_transfers = uint64_t{1} << 20;
};
Sizes sizes;
constexpr Sizes kSmallSizes{.accounts = uint64_t{1} << 16,
                            .transfers = uint64_t{1} << 16,
                            .journal_accounts = uint64_t{1} << 12,
                            .journal_transfers = uint64_t{1} << 16};
constexpr uint64_t kFewAccounts = uint64_t{1} << 10;  // a ledger whose accounts stay in cache

Id AccountId(uint64_t n) { return absl::MakeUint128(0xacc, n); }
Id TransferId(uint64_t n) { return absl::MakeUint128(0x7e5, n); }

// Transfer n between two different accounts drawn from `rng`, as a terminal's would be.
Transfer SampleTransfer(uint64_t n, uint64_t accounts, std::mt19937_64& rng) {
  const uint64_t debit = rng() % accounts;
  const uint64_t credit = (debit + 1 + rng() % (accounts - 1)) % accounts;
  Transfer t;
  t.id = TransferId(n);
  t.debit_account_id = AccountId(debit);
  t.credit_account_id = AccountId(credit);
  t.amount = 1 + n % 100;
  t.user_data_64 = n;
  t.ledger = kLedger;
  t.code = 1;
  return t;
}

// Applies `events` in a group of their own and commits it, as the writer and syncer do.
// Returns the group's records, or nullptr when an event did not succeed.
template <typename Event>
std::shared_ptr<const std::vector<Record>> CommitBatch(LedgerState& state,
                                                       const std::vector<Event>& events) {
  const uint64_t first = state.last_timestamp() + 1;
  state.BeginGroup(first, first);
  bool ok = true;
  if constexpr (std::is_same_v<Event, Account>) {
    std::vector<AccountEventResult> results(events.size());
    state.CreateAccounts(events, results.data());
    for (const auto& r : results) ok = ok && r.result == CreateAccountResult::kOk;
  } else {
    std::vector<TransferEventResult> results(events.size());
    state.CreateTransfers(events, results.data());
    for (const auto& r : results) ok = ok && r.result == CreateTransferResult::kOk;
  }
  auto records = state.EndGroup();
  state.CommitOldestGroup();
  return ok ? records : nullptr;
}

// A ledger of `accounts` accounts and `transfers` committed transfers, built through apply in
// full batches; every group's records are appended to `journal` when there is one.
bool Populate(LedgerState& state, uint64_t accounts, uint64_t transfers, Journal* journal) {
  auto commit = [&](const auto& batch) {
    auto records = CommitBatch(state, batch);
    if (records == nullptr) return false;
    return journal == nullptr || journal->Append(*records).ok();
  };
  std::vector<Account> account_batch;
  for (uint64_t n = 0; n < accounts; ++n) {
    Account& a = account_batch.emplace_back();
    a.id = AccountId(n);
    a.ledger = kLedger;
    a.code = 1;
    if (account_batch.size() == kBatch || n + 1 == accounts) {
      if (!commit(account_batch)) return false;
      account_batch.clear();
    }
  }
  std::mt19937_64 rng(kSeed);
  std::vector<Transfer> transfer_batch;
  for (uint64_t n = 0; n < transfers; ++n) {
    transfer_batch.push_back(SampleTransfer(n, accounts, rng));
    if (transfer_batch.size() == kBatch || n + 1 == transfers) {
      if (!commit(transfer_batch)) return false;
      transfer_batch.clear();
    }
  }
  return true;
}

// One ledger per account count, built at its first use and kept for every benchmark after it
// (building one takes far longer than measuring on it). Nullptr if it could not be built.
LedgerState* SharedLedger(uint64_t accounts) {
  static std::map<uint64_t, std::unique_ptr<LedgerState>> ledgers;
  auto [it, inserted] = ledgers.try_emplace(accounts);
  if (inserted) {
    it->second = std::make_unique<LedgerState>();
    if (!Populate(*it->second, accounts, sizes.transfers, nullptr)) it->second.reset();
  }
  return it->second.get();
}

// `count` transfers of SharedLedger(accounts)'s committed ones, in random order: retries.
std::vector<Transfer> CommittedSample(uint64_t accounts, size_t count) {
  std::mt19937_64 rng(kSeed);
  std::vector<Transfer> all;
  all.reserve(sizes.transfers);
  for (uint64_t n = 0; n < sizes.transfers; ++n) {
    all.push_back(SampleTransfer(n, accounts, rng));
  }
  std::vector<Transfer> sample;
  for (size_t i = 0; i < count; ++i) sample.push_back(all[rng() % all.size()]);
  return sample;
}

std::vector<Record> SampleRecords(size_t count) {
  std::mt19937_64 rng(kSeed);
  std::vector<Record> records;
  for (size_t n = 0; n < count; ++n) {
    Transfer t = SampleTransfer(n, 1 << 20, rng);
    t.timestamp = 1'000'000 + n;
    records.push_back(EncodeTransfer(RecordKind::kTransfer, t, 0));
  }
  return records;
}

// ---- Records and hashes ----

void BM_RecordEncode(benchmark::State& bench) {
  std::mt19937_64 rng(kSeed);
  std::vector<Transfer> transfers;
  for (size_t n = 0; n < kChunkRecordsMax; ++n) transfers.push_back(SampleTransfer(n, 1000, rng));
  for (auto _ : bench) {
    for (const Transfer& t : transfers) {
      Record record = EncodeTransfer(RecordKind::kTransfer, t, 0);
      benchmark::DoNotOptimize(record);
    }
  }
  bench.SetItemsProcessed(bench.iterations() * transfers.size());
  bench.SetBytesProcessed(bench.iterations() * transfers.size() * kRecordSize);
}

void BM_RecordDecode(benchmark::State& bench) {
  const std::vector<Record> records = SampleRecords(kChunkRecordsMax);
  DecodedRecord decoded;
  for (auto _ : bench) {
    for (const Record& record : records) {
      if (!DecodeRecord(record, &decoded)) bench.SkipWithError("a record did not decode");
      benchmark::DoNotOptimize(decoded);
    }
  }
  bench.SetItemsProcessed(bench.iterations() * records.size());
  bench.SetBytesProcessed(bench.iterations() * records.size() * kRecordSize);
}

// RFC 6962 leaf hash of one 128-byte record: SHA-256 of 129 bytes, two compression rounds.
void BM_LeafHash(benchmark::State& bench) {
  const std::vector<Record> records = SampleRecords(kChunkRecordsMax);
  for (auto _ : bench) {
    for (const Record& record : records) {
      Hash hash = LeafHash(record);
      benchmark::DoNotOptimize(hash);
    }
  }
  bench.SetItemsProcessed(bench.iterations() * records.size());
  bench.SetBytesProcessed(bench.iterations() * records.size() * kRecordSize);
}

// The chain hash of one full chunk over its leaf hashes: one per kChunkRecordsMax records.
void BM_ChainHash(benchmark::State& bench) {
  const std::vector<Record> records = SampleRecords(kChunkRecordsMax);
  std::vector<Hash> leaves;
  for (const Record& record : records) leaves.push_back(LeafHash(record));
  Hash prev{};
  for (auto _ : bench) {
    prev = ChainHash(prev, RecordTimestamp(records[0]), leaves.data(), leaves.size());
    benchmark::DoNotOptimize(prev);
  }
  bench.SetItemsProcessed(bench.iterations());  // chunks
  bench.SetBytesProcessed(bench.iterations() * leaves.size() * sizeof(Hash));
}

// ---- Apply ----

// One new posted transfer's apply (checks, balances, history, id index, undo entry, its
// record), in a full batch applied into a group, on a ledger of range(0) accounts holding
// sizes.transfers. The group is rolled back untimed, so every iteration applies the same
// batch to the same ledger.
void BM_ApplyTransfer(benchmark::State& bench) {
  const uint64_t accounts = bench.range(0);
  LedgerState* state = SharedLedger(accounts);
  if (state == nullptr) return bench.SkipWithError("the ledger could not be built");
  std::mt19937_64 rng(kSeed + 1);
  std::vector<Transfer> batch;
  for (size_t i = 0; i < kBatch; ++i) {
    batch.push_back(SampleTransfer(sizes.transfers + i, accounts, rng));
  }
  std::vector<TransferEventResult> results(batch.size());
  for (auto _ : bench) {
    const uint64_t first = state->last_timestamp() + 1;
    state->BeginGroup(first, first);
    state->CreateTransfers(batch, results.data());
    bench.PauseTiming();
    state->RollbackUncommitted();
    bench.ResumeTiming();
  }
  for (const TransferEventResult& r : results) {
    if (r.result != CreateTransferResult::kOk) return bench.SkipWithError("a transfer failed");
  }
  bench.SetItemsProcessed(bench.iterations() * batch.size());
}

// ---- The id index ----

// A lookup of a transfer id in the id index of sizes.transfers, found (a retry) or not (a
// new transfer: every apply asks first).
void IdIndexProbe(benchmark::State& bench, bool hit) {
  LedgerState* state = SharedLedger(sizes.accounts);
  if (state == nullptr) return bench.SkipWithError("the ledger could not be built");
  std::vector<Id> ids;
  for (const Transfer& t : CommittedSample(sizes.accounts, kBatch)) {
    ids.push_back(hit ? t.id : TransferId(absl::Uint128Low64(t.id) + sizes.transfers));
  }
  size_t found = 0;
  for (auto _ : bench) {
    for (const Id& id : ids) found += state->FindId(id) != nullptr;
  }
  if (found != (hit ? bench.iterations() * ids.size() : 0)) {
    return bench.SkipWithError("the index did not answer as built");
  }
  bench.SetItemsProcessed(bench.iterations() * ids.size());
}
void BM_IdIndexProbeHit(benchmark::State& bench) { IdIndexProbe(bench, true); }
void BM_IdIndexProbeMiss(benchmark::State& bench) { IdIndexProbe(bench, false); }

// ---- Prefetch ----

// The writer's first prefetch step on a batch of retries: which originals to read
// (CollectOriginalsNeeded over a full batch of committed ids, in random order).
void BM_PrefetchCollect(benchmark::State& bench) {
  LedgerState* state = SharedLedger(sizes.accounts);
  if (state == nullptr) return bench.SkipWithError("the ledger could not be built");
  const std::vector<Transfer> batch = CommittedSample(sizes.accounts, kBatch);
  std::vector<uint64_t> timestamps;
  for (auto _ : bench) {
    timestamps.clear();
    state->CollectOriginalsNeeded(batch, &timestamps);
    benchmark::DoNotOptimize(timestamps.data());
  }
  if (timestamps.size() != batch.size()) return bench.SkipWithError("an original was not needed");
  bench.SetItemsProcessed(bench.iterations() * batch.size());
}

// A journal of sizes.journal_accounts accounts and sizes.journal_transfers transfers, written
// through apply, closed (flushed to table files) and opened again.
struct JournalFixture {
  bench::TempDir dir;
  std::unique_ptr<Journal> journal;
  std::vector<uint64_t> transfer_timestamps;  // of every transfer, in order
};

JournalFixture* SharedJournal() {
  static std::unique_ptr<JournalFixture> fixture = []() -> std::unique_ptr<JournalFixture> {
    auto f = std::make_unique<JournalFixture>();
    {
      auto opened = Journal::Open(f->dir.path(), nullptr, /*create_if_missing=*/true);
      if (!opened.ok()) return nullptr;
      LedgerState state;
      if (!Populate(state, sizes.journal_accounts, sizes.journal_transfers, opened->get()))
        return nullptr;
    }
    auto reopened = Journal::Open(f->dir.path(), nullptr, /*create_if_missing=*/false);
    if (!reopened.ok()) return nullptr;
    f->journal = *std::move(reopened);
    if (!f->journal->Scan([](absl::Span<const Record>) { return absl::OkStatus(); }).ok()) {
      return nullptr;
    }
    // Accounts take the first timestamps (from 1), transfers the ones after them.
    for (uint64_t n = 0; n < sizes.journal_transfers; ++n) {
      f->transfer_timestamps.push_back(sizes.journal_accounts + 1 + n);
    }
    return f;
  }();
  return fixture.get();
}

// The writer's second prefetch step: reading the originals of a full batch of retries from the
// journal (one MultiGet of their chunks) and decoding them, timestamps sorted as the writer
// sorts them. Per original read.
void BM_PrefetchRead(benchmark::State& bench) {
  JournalFixture* fixture = SharedJournal();
  if (fixture == nullptr) return bench.SkipWithError("the journal could not be built");
  std::mt19937_64 rng(kSeed);
  std::vector<uint64_t> timestamps;
  for (size_t i = 0; i < kBatch; ++i) {
    timestamps.push_back(fixture->transfer_timestamps[rng() % sizes.journal_transfers]);
  }
  std::sort(timestamps.begin(), timestamps.end());
  timestamps.erase(std::unique(timestamps.begin(), timestamps.end()), timestamps.end());
  std::vector<Record> records;
  DecodedRecord decoded;
  for (auto _ : bench) {
    if (!fixture->journal->ReadRecords(timestamps, &records).ok()) {
      return bench.SkipWithError("the journal read failed");
    }
    for (const Record& record : records) {
      if (!DecodeRecord(record, &decoded)) return bench.SkipWithError("undecodable record");
    }
    benchmark::DoNotOptimize(decoded);
  }
  bench.SetItemsProcessed(bench.iterations() * timestamps.size());
  bench.SetBytesProcessed(bench.iterations() * timestamps.size() * kRecordSize);
}

// Registered once the sizes are known, in the order of the hot path.
void RegisterBenchmarks() {
  benchmark::RegisterBenchmark("BM_RecordEncode", BM_RecordEncode);
  benchmark::RegisterBenchmark("BM_RecordDecode", BM_RecordDecode);
  benchmark::RegisterBenchmark("BM_LeafHash", BM_LeafHash);
  benchmark::RegisterBenchmark("BM_ChainHash", BM_ChainHash);
  benchmark::RegisterBenchmark("BM_IdIndexProbeHit", BM_IdIndexProbeHit)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_IdIndexProbeMiss", BM_IdIndexProbeMiss)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_PrefetchCollect", BM_PrefetchCollect)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_PrefetchRead", BM_PrefetchRead)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_ApplyTransfer", BM_ApplyTransfer)
      ->ArgName("accounts")
      ->Arg(static_cast<int64_t>(kFewAccounts))
      ->Arg(static_cast<int64_t>(sizes.accounts))
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace
}  // namespace points

int main(int argc, char** argv) {
  if (points::bench::TakeFlag(&argc, argv, "--small")) points::sizes = points::kSmallSizes;
  points::RegisterBenchmarks();
  return points::bench::RunMicroBenchmarks(argc, argv);
}

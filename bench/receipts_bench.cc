// receipts_bench: what the Merkle tree over the journal costs (server/receipts/README.md).
// One run measures, in this order: the engine's throughput with the tree keeper off and on
// (A/B in --rounds pairs, the order alternating, each on a fresh store, the same load; medians),
// the tree's bytes per record in the domain store, the time to build an inclusion and a consistency
// proof, and the time to sign a checkpoint.
//
//   receipts_bench --transfers 200000 --batch 64 --dir /tmp/rb
//
// Figures on a shared or busy machine are noisy: run it alone, several times.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "points/engine.h"
#include "server/domain/store/domain_store.h"
#include "server/receipts/tree_keeper.h"

namespace points {
namespace {

// Accounts the load moves points between.
constexpr uint64_t kAccounts = 1000;

struct Flags {
  uint64_t transfers = 200'000;
  uint32_t batch = 64;
  std::string dir = "/tmp/receipts_bench";
  uint32_t rounds = 3;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

struct Run {
  double transfers_per_second = 0;
  uint64_t records = 0;
  uint64_t tree_bytes = 0;
};

// The same load on a fresh store, the keeper following it when `tree` (as pointsd runs it).
Run Load(const Flags& flags, bool tree, const std::string& dir,
         std::unique_ptr<receipts::TreeKeeper>* kept, std::unique_ptr<domain::DomainStore>* store,
         std::unique_ptr<Engine>* engine, receipts::KeeperWake* wake) {
  std::filesystem::remove_all(dir);
  Options options;
  options.on_commit = [wake] { wake->Notify(); };
  *engine = *Engine::Open(options, dir + "/ledger");
  *store = *domain::DomainStore::Open(dir + "/domain");
  if (tree) {
    auto signer = receipts::Signer::Generate("bench.example/ledger", receipts::KeyType::kEd25519);
    *kept = *receipts::TreeKeeper::Open(engine->get(), store->get(), *signer, SystemClock(), wake);
    (*kept)->Start();
  }
  std::vector<Account> accounts;
  for (uint64_t i = 1; i <= kAccounts; ++i) accounts.push_back({.id = i, .ledger = 1, .code = 1});
  (void)(*engine)->CreateAccounts(accounts);
  std::mt19937_64 random(7);
  const auto started = std::chrono::steady_clock::now();
  for (uint64_t sent = 0; sent < flags.transfers; sent += flags.batch) {
    std::vector<Transfer> batch;
    for (uint32_t i = 0; i < flags.batch; ++i) {
      const uint64_t debit = 1 + random() % kAccounts;
      batch.push_back({.id = absl::MakeUint128(1, sent + i + 1),
                       .debit_account_id = debit,
                       .credit_account_id = 1 + debit % kAccounts,
                       .amount = 1,
                       .ledger = 1,
                       .code = 1});
    }
    (void)(*engine)->CreateTransfers(std::move(batch));
  }
  Run run;
  run.transfers_per_second = double(flags.transfers) / Seconds(started);
  run.records = (*engine)->Stats().journal_records;
  if (tree) {
    (void)(*kept)->CatchUp();
    run.tree_bytes = DirBytes(dir + "/domain");
  }
  return run;
}

double Median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

// The tree stays on after the last round, for the proofs' figures.
struct AbResult {
  std::vector<double> off, on;
  Run last_on;
};

// --rounds pairs of runs, the order alternating (off, on; then on, off; ...) so neither side
// always runs first on a warm or a cold disk.
AbResult AbRounds(const Flags& flags, std::unique_ptr<receipts::TreeKeeper>* keeper,
                  std::unique_ptr<domain::DomainStore>* store, std::unique_ptr<Engine>* engine,
                  receipts::KeeperWake* wake) {
  AbResult ab;
  for (uint32_t round = 0; round < flags.rounds; ++round) {
    for (int side = 0; side < 2; ++side) {
      const bool tree = (round % 2 == 0) == (side == 1);
      keeper->reset();  // before the engine and the store it follows
      engine->reset();
      store->reset();
      const Run run =
          Load(flags, tree, flags.dir + (tree ? "/on" : "/off"), keeper, store, engine, wake);
      (tree ? ab.on : ab.off).push_back(run.transfers_per_second);
      if (tree) ab.last_on = run;
      std::printf("round %u, tree %s: %.0f transfers/s\n", round + 1, tree ? "on " : "off",
                  run.transfers_per_second);
    }
  }
  return ab;
}

int Main(const Flags& flags) {
  receipts::KeeperWake wake;
  std::unique_ptr<receipts::TreeKeeper> keeper;
  std::unique_ptr<domain::DomainStore> store;
  std::unique_ptr<Engine> engine;
  const AbResult ab = AbRounds(flags, &keeper, &store, &engine, &wake);
  if (!keeper) {  // the last round ran the tree first: run it once more for the proofs
    engine.reset();
    store.reset();
    Load(flags, true, flags.dir + "/on", &keeper, &store, &engine, &wake);
  }
  const double off = Median(ab.off), on = Median(ab.on);
  std::printf("engine, tree off: %.0f transfers/s (median of %zu)\n", off, ab.off.size());
  std::printf("engine, tree on:  %.0f transfers/s (median of %zu; %.1f %% of off)\n", on,
              ab.on.size(), 100 * on / off);
  std::printf(
      "tree: %llu records, %.1f bytes per record in the domain store (unflushed WAL "
      "included)\n",
      static_cast<unsigned long long>(ab.last_on.records),
      double(ab.last_on.tree_bytes) / ab.last_on.records);
  const receipts::TreeStore& tree = keeper->tree();
  const uint64_t size = tree.head().size;
  std::mt19937_64 random(9);
  constexpr int kProofs = 2000;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kProofs; ++i) (void)tree.InclusionProof(random() % size, size);
  std::printf("inclusion proof: %.1f us per call\n", Seconds(started) * 1e6 / kProofs);
  started = std::chrono::steady_clock::now();
  for (int i = 0; i < kProofs; ++i) (void)tree.ConsistencyProof(1 + random() % size, size);
  std::printf("consistency proof: %.1f us per call\n", Seconds(started) * 1e6 / kProofs);
  auto signer = receipts::Signer::Generate("bench.example/ledger", receipts::KeyType::kEd25519);
  const std::string text = receipts::CheckpointText({"bench.example/ledger", size, {}, ""});
  started = std::chrono::steady_clock::now();
  for (int i = 0; i < kProofs; ++i) (void)signer->SignNote(text);
  std::printf("checkpoint signing: %.1f us per checkpoint\n", Seconds(started) * 1e6 / kProofs);
  keeper.reset();
  return 0;
}

}  // namespace
}  // namespace points

int main(int argc, char** argv) {
  points::Flags flags;
  CLI::App app{"receipts_bench: the Merkle tree's costs (server/receipts/README.md)"};
  app.add_option("--transfers", flags.transfers, "transfers per run");
  app.add_option("--batch", flags.batch, "transfers per request");
  app.add_option("--dir", flags.dir, "where the two stores go (removed first)");
  app.add_option("--rounds", flags.rounds, "A/B pairs, the order alternating (median reported)")
      ->check(CLI::Range(1u, 99u));
  CLI11_PARSE(app, argc, argv);
  return points::Main(flags);
}

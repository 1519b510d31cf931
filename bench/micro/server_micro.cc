// Micro-benchmarks of the server's pieces on the hot path (bench/README.md, "micro"): a payment
// code's check at the till, and the wire form of a 1,000-transfer CreateTransfers request (its
// parse, its conversion to engine values and the results' conversion back). The domain layer
// and the wire form only: no gRPC service, no engine behind the store.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/micro/micro_main.h"
#include "bench/micro/temp_dir.h"
#include "points/engine.h"
#include "server/convert/convert.h"
#include "server/domain/books/payment_book.h"
#include "server/domain/store/domain_store.h"

namespace points {
namespace {

constexpr size_t kRequestTransfers = 1000;
constexpr uint64_t kStartNs = uint64_t{1'772'352'000} * 1'000'000'000;  // 2026-03-01T08:00:00Z
constexpr domain::VillageId kVillage = 3;
constexpr uint64_t kHousehold = 7;

// ---- A payment code's check ----

// A payment book on a real domain store in a temporary directory, holding one household's
// secret, and a code that household's app shows.
struct PaymentFixture {
  bench::TempDir dir;
  ManualClock clock{kStartNs};
  std::unique_ptr<domain::DomainStore> store;
  std::unique_ptr<domain::PaymentBook> book;
  std::string code;
};

PaymentFixture* SharedPayments() {
  static std::unique_ptr<PaymentFixture> fixture = []() -> std::unique_ptr<PaymentFixture> {
    auto f = std::make_unique<PaymentFixture>();
    auto store = domain::DomainStore::Open(f->dir.path() + "/domain");
    if (!store.ok()) return nullptr;
    f->store = *std::move(store);
    auto book = domain::PaymentBook::Open(&f->clock, f->store.get());
    if (!book.ok()) return nullptr;
    f->book = *std::move(book);
    auto code = f->book->IssueCode(kVillage, kHousehold);
    if (!code.ok()) return nullptr;
    f->code = code->code;
    f->clock.Advance(1'000'000'000);  // shown a second after it was made
    return f;
  }();
  return fixture.get();
}

// What the terminal learns first from a scanned code: whose it is (HouseholdOfCode, a parse).
void BM_PaymentCodeHousehold(benchmark::State& bench) {
  PaymentFixture* f = SharedPayments();
  if (f == nullptr) return bench.SkipWithError("the payment book could not be set up");
  for (auto _ : bench) {
    auto household = domain::PaymentBook::HouseholdOfCode(f->code);
    if (!household.ok()) return bench.SkipWithError("the code did not parse");
    benchmark::DoNotOptimize(household->second);
  }
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_PaymentCodeHousehold);

// A code's whole check for one payment, as ShopBook::Redeem asks it: whose code it is, then the
// consent's Check and Use (the household's lock, its record read from the store, the HMAC, the
// time and used-mark rules). Use's write is handed to a writer that stores nothing, so the code
// stays unused and every iteration checks the same one: the store's synced write, which the
// payment's intent carries, is not part of this figure.
void BM_PaymentCodeCheck(benchmark::State& bench) {
  PaymentFixture* f = SharedPayments();
  if (f == nullptr) return bench.SkipWithError("the payment book could not be set up");
  domain::ShownConsent shown;
  shown.payment_code = f->code;
  int64_t writes = 0;
  auto discard = [&writes](std::vector<domain::StoreWrite> w) {
    writes += static_cast<int64_t>(w.size());
    return absl::OkStatus();
  };
  for (auto _ : bench) {
    auto household = domain::PaymentBook::HouseholdOfCode(f->code);
    if (!household.ok()) return bench.SkipWithError("the code did not parse");
    std::unique_ptr<domain::Consent> consent =
        f->book->ConsentOf(household->first, household->second, shown);
    if (!consent->Check().ok() || !consent->Use(discard).ok()) {
      return bench.SkipWithError("the code was refused");
    }
  }
  if (writes != bench.iterations()) return bench.SkipWithError("the used mark was not written");
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_PaymentCodeCheck);

// ---- The wire form of CreateTransfers ----

// A request of kRequestTransfers transfers as a shop's terminal or service_load sends them:
// 16-byte ids, every field a posted transfer has.
v1::CreateTransfersRequest SampleRequest() {
  v1::CreateTransfersRequest request;
  for (uint64_t n = 0; n < kRequestTransfers; ++n) {
    v1::Transfer* t = request.add_transfers();
    t->set_id(server::IdToBytes(absl::MakeUint128(0x7e5, n + 1)));
    t->set_debit_account_id(server::IdToBytes(absl::MakeUint128(0xacc, 2 * n + 1)));
    t->set_credit_account_id(server::IdToBytes(absl::MakeUint128(0xacc, 2 * n + 2)));
    t->set_amount(1 + n % 100);
    t->set_user_data_64(n);
    t->set_ledger(1);
    t->set_code(1);
  }
  return request;
}

// The request's bytes parsed into the message (what gRPC does before the handler runs).
void BM_CreateTransfersParse(benchmark::State& bench) {
  const std::string wire = SampleRequest().SerializeAsString();
  v1::CreateTransfersRequest request;
  for (auto _ : bench) {
    if (!request.ParseFromString(wire)) return bench.SkipWithError("the request did not parse");
    benchmark::DoNotOptimize(request.transfers_size());
  }
  bench.SetItemsProcessed(bench.iterations() * kRequestTransfers);
  bench.SetBytesProcessed(bench.iterations() * wire.size());
}
BENCHMARK(BM_CreateTransfersParse)->Unit(benchmark::kMicrosecond);

// The parsed request to engine values, every field checked (server::TransfersFromProto).
void BM_CreateTransfersFromProto(benchmark::State& bench) {
  const v1::CreateTransfersRequest request = SampleRequest();
  for (auto _ : bench) {
    auto transfers = server::TransfersFromProto(request);
    if (!transfers.ok()) return bench.SkipWithError("the request was refused");
    benchmark::DoNotOptimize(transfers->data());
  }
  bench.SetItemsProcessed(bench.iterations() * kRequestTransfers);
  bench.SetBytesProcessed(bench.iterations() * request.ByteSizeLong());
}
BENCHMARK(BM_CreateTransfersFromProto)->Unit(benchmark::kMicrosecond);

// The engine's results for the request back to the response message
// (server::TransferResultsToProto), into a fresh response as each call makes one.
void BM_CreateTransfersResultsToProto(benchmark::State& bench) {
  std::vector<TransferEventResult> results(kRequestTransfers);
  for (size_t i = 0; i < results.size(); ++i) results[i].timestamp = kStartNs + i;
  for (auto _ : bench) {
    v1::CreateTransfersResponse response;
    server::TransferResultsToProto(results, &response);
    benchmark::DoNotOptimize(response.results_size());
  }
  bench.SetItemsProcessed(bench.iterations() * kRequestTransfers);
}
BENCHMARK(BM_CreateTransfersResultsToProto)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace points

int main(int argc, char** argv) { return points::bench::RunMicroBenchmarks(argc, argv); }

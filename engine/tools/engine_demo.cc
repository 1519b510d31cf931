// engine_demo: a tiny points scheme on the engine, end to end, printed step by step.
// A village issuer awards points to three households, two of them redeem at the village
// points supermarket, one retry is resent (and harmless), one overspend is refused, and the
// whole journal is verified. Usage: engine_demo [DATA_DIR] (default ./var/engine-demo).
#include <cstdio>
#include <string>
#include <vector>

#include "points/engine.h"

namespace {

using points::Account;
using points::Engine;
using points::Id;
using points::Transfer;

constexpr uint32_t kPointsLedger = 1;
enum AccountCode : uint16_t { kIssuer = 1, kHousehold = 2, kShop = 3 };
enum TransferCode : uint16_t { kHygieneAward = 10, kVolunteerAward = 11, kRedemption = 20 };

Id AccountId(uint64_t n) { return absl::MakeUint128(0xD3110, n); }
Id TransferId(uint64_t n) { return absl::MakeUint128(0x7F, n); }

Transfer Move(uint64_t id, uint64_t from, uint64_t to, uint64_t points, uint16_t code) {
  Transfer t;
  t.id = TransferId(id);
  t.debit_account_id = AccountId(from);
  t.credit_account_id = AccountId(to);
  t.amount = points;
  t.ledger = kPointsLedger;
  t.code = code;
  return t;
}

const char* Name(uint64_t n) {
  static const char* kNames[] = {"",
                                 "village issuer",
                                 "household Zhang",
                                 "household Li",
                                 "household Wang",
                                 "points supermarket"};
  return kNames[n];
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "engine_demo: %s\n", status.ToString().c_str());
  return 1;
}

void PrintBalances(Engine& engine) {
  std::vector<Id> ids;
  for (uint64_t n = 1; n <= 5; ++n) ids.push_back(AccountId(n));
  const absl::StatusOr<std::vector<Account>> found = engine.LookupAccounts(ids);
  if (!found.ok()) return;
  for (const Account& a : *found) {
    const uint64_t n = absl::Uint128Low64(a.id);
    std::printf("  %-20s credits %6llu  debits %6llu  balance %6lld\n", Name(n),
                (unsigned long long)a.credits_posted, (unsigned long long)a.debits_posted,
                (long long)(a.credits_posted - a.debits_posted));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "./var/engine-demo";
  if (argc > 2 || (argc == 2 && std::string(argv[1]).rfind("-", 0) == 0)) {
    std::printf("usage: engine_demo [DATA_DIR]   (default ./var/engine-demo)\n");
    return argc == 2 && std::string(argv[1]) == "--help" ? 0 : 2;
  }
  auto opened = Engine::Open(points::Options(), dir);
  if (!opened.ok()) return Fail(opened.status());
  Engine& engine = **opened;
  std::printf("store: %s (%llu transfers already there)\n", dir.c_str(),
              (unsigned long long)engine.Stats().transfers);

  std::vector<Account> accounts;
  for (uint64_t n = 1; n <= 5; ++n) {
    Account a;
    a.id = AccountId(n);
    a.ledger = kPointsLedger;
    a.code = n == 1 ? kIssuer : n == 5 ? kShop : kHousehold;
    // A household cannot spend points it has not got.
    if (a.code == kHousehold) a.flags = points::kAccountDebitsMustNotExceedCredits;
    accounts.push_back(a);
  }
  auto created = engine.CreateAccounts(accounts);
  if (!created.ok()) return Fail(created.status());
  std::printf("accounts: created or found %zu\n", created->size());

  const std::vector<Transfer> round = {
      Move(1, 1, 2, 50, kHygieneAward),   Move(2, 1, 3, 40, kHygieneAward),
      Move(3, 1, 4, 30, kVolunteerAward), Move(4, 2, 5, 20, kRedemption),
      Move(4, 2, 5, 20, kRedemption),   // the terminal's retry of the same redemption
      Move(5, 3, 5, 500, kRedemption),  // more than household Li has
  };
  auto results = engine.CreateTransfers(round);
  if (!results.ok()) return Fail(results.status());
  const char* what[] = {"award Zhang 50 (hygiene)",     "award Li 40 (hygiene)",
                        "award Wang 30 (volunteering)", "Zhang redeems 20",
                        "Zhang's terminal resends it",  "Li tries to redeem 500"};
  for (size_t i = 0; i < results->size(); ++i) {
    std::printf("  %-30s -> %s\n", what[i],
                std::string(points::ResultName((*results)[i].result)).c_str());
  }
  std::printf("balances:\n");
  PrintBalances(engine);
  points::VerifyReport report;
  if (absl::Status verified = engine.Verify(&report); !verified.ok()) return Fail(verified);
  std::printf("verify: ok, %llu records in %llu chunks, chain head %s\n",
              (unsigned long long)report.records, (unsigned long long)report.chunks,
              report.chain_head_hex.c_str());
  std::printf("run it again: every id is already there, so nothing changes (exists).\n");
  return 0;
}

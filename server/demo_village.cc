#include "demo_village.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace points::server {
namespace {

enum AccountCode : uint16_t { kIssuerCode = 1, kHouseholdCode = 2, kShopCode = 3 };
enum TransferCode : uint16_t { kHygieneAward = 10, kVolunteerAward = 11, kRedemption = 20 };

Transfer Move(uint64_t id, uint64_t from, uint64_t to, uint64_t points, uint16_t code) {
  Transfer t;
  t.id = id;
  t.debit_account_id = from;
  t.credit_account_id = to;
  t.amount = points;
  t.ledger = kDemoPointsLedger;
  t.code = code;
  return t;
}

}  // namespace

absl::Status SeedDemoVillage(Engine& engine) {
  std::vector<Account> accounts;
  auto add = [&](uint64_t id, uint16_t code, uint16_t flags) {
    Account a;
    a.id = id;
    a.ledger = kDemoPointsLedger;
    a.code = code;
    a.flags = flags;
    accounts.push_back(a);
  };
  add(kDemoIssuer, kIssuerCode, 0);
  // A household cannot spend points it has not got; households and the shop keep balance
  // history, so that their apps can watch them (WatchAccounts).
  for (uint64_t h : kDemoHouseholds) {
    add(h, kHouseholdCode, kAccountDebitsMustNotExceedCredits | kAccountHistory);
  }
  add(kDemoShop, kShopCode, kAccountHistory);
  auto created = engine.CreateAccounts(accounts);
  if (!created.ok()) return created.status();
  for (const AccountEventResult& r : *created) {
    if (r.result != CreateAccountResult::kOk && r.result != CreateAccountResult::kExists) {
      return absl::InternalError(
          absl::StrCat("demo account refused: ", std::string(ResultName(r.result))));
    }
  }
  auto moved = engine.CreateTransfers({
      Move(1001, kDemoIssuer, 101, 50, kHygieneAward),
      Move(1002, kDemoIssuer, 102, 40, kHygieneAward),
      Move(1003, kDemoIssuer, 103, 30, kVolunteerAward),
      Move(1004, 101, kDemoShop, 20, kRedemption),
  });
  if (!moved.ok()) return moved.status();
  for (const TransferEventResult& r : *moved) {
    if (r.result != CreateTransferResult::kOk && r.result != CreateTransferResult::kExists) {
      return absl::InternalError(
          absl::StrCat("demo transfer refused: ", std::string(ResultName(r.result))));
    }
  }
  return absl::OkStatus();
}

}  // namespace points::server

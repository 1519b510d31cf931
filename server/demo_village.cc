#include "demo_village.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ids.h"
#include "ledger_layout.h"

namespace points::server {
namespace {

enum AccountCode : uint16_t { kIssuerCode = 1, kHouseholdCode = 2, kShopCode = 3 };
enum TransferCode : uint16_t { kHygieneAward = 10, kVolunteerAward = 11, kRedemption = 20 };

Transfer Move(uint64_t id, uint64_t from, uint64_t to, uint64_t points, uint16_t code) {
  return domain::MakeTransfer(id, from, to, points, kDemoPointsLedger, code);
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

absl::Status SeedDemoSupermarket(Engine& engine, domain::AwardBook& awards,
                                 domain::ShopBook& shops) {
  namespace d = domain;
  if (absl::Status s = awards.SetUpVillage(kDemoVillage); !s.ok()) return s;
  const uint64_t opening[] = {100, 60, 30};
  std::vector<Transfer> carried_over;
  for (uint64_t h = 1; h <= 3; ++h) {
    if (absl::Status s = awards.SetUpHousehold(kDemoVillage, h); !s.ok()) return s;
    Transfer t = d::MakeTransfer(absl::MakeUint128(0xde70, h),
                                 d::ids::OfVillageAccount(kDemoVillage, d::VillageAccount::kIssuer),
                                 d::ids::Household(kDemoVillage, h), opening[h - 1],
                                 d::LedgersOf(kDemoVillage).points, d::kCodeModelAward);
    carried_over.push_back(t);
  }
  auto moved = engine.CreateTransfers(carried_over);
  if (!moved.ok()) return moved.status();
  for (const TransferEventResult& r : *moved) {
    if (r.result != CreateTransferResult::kOk && r.result != CreateTransferResult::kExists) {
      return absl::InternalError(
          absl::StrCat("demo opening balance refused: ", std::string(ResultName(r.result))));
    }
  }
  if (absl::Status s = shops.CreateShop(kDemoVillage, kDemoSupermarket, "村积分超市"); !s.ok()) {
    return s;
  }
  const d::Item items[] = {{1, "酱油 500ml (soy sauce)", 10, 1200, 0},
                           {2, "肥皂 (soap)", 3, 400, 0},
                           {3, "洗衣粉 (washing powder)", 15, 1800, 0}};
  for (const d::Item& item : items) {
    if (absl::Status s = shops.PutItem(kDemoVillage, kDemoSupermarket, item); !s.ok()) return s;
    if (absl::Status s = shops.Restock(kDemoVillage, kDemoSupermarket, item.item, item.item, 20);
        !s.ok()) {
      return s;
    }
  }
  d::AwardRequest award;
  award.award = 9001;
  award.village = kDemoVillage;
  award.household = 2;
  award.rule = {1, 1, d::kCodeHygiene, 10, 100, 0, 0, 0};
  award.evidence = {"photo:demo-yard-2"};
  award.note = "庭院整洁 (yard kept clean)";
  award.recorded_by = "grid-wang";
  return awards.Record(award).status();
}

}  // namespace points::server

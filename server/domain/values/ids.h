// Deterministic ids for every account and transfer the domain creates (README.md, "Accounts").
//
// An id is SHA-256 over a tag and the fields that name the thing, cut to 120 bits, under the
// prefix byte 0xD0: so the same award leg or cap account always gets the same id (a resent step
// answers `exists`), and a domain id never equals a small hand-made id such as the demo's 101.
#ifndef POINTS_SERVER_DOMAIN_VALUES_IDS_H_
#define POINTS_SERVER_DOMAIN_VALUES_IDS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "points/types.h"
#include "server/domain/values/number_range.h"

namespace points::domain {

// Villages are numbered 1..kVillagesMax; their ledgers are derived from the number.
using VillageId = uint32_t;
inline constexpr VillageId kVillagesMax = 1u << 20;
inline constexpr NumberRange kVillageRange{1, kVillagesMax};

// The one check of a village number, for every book and request: INVALID_ARGUMENT
// "village: must be 1..1048576, got 0" (with `field` for a nested one, "awards[1].village").
inline absl::Status CheckVillage(VillageId village, absl::string_view field = "village") {
  return CheckNumber(village, kVillageRange, field);
}

// The three ledgers of a village (README.md, "Ledgers of a village").
struct Ledgers {
  uint32_t points = 0;  // points: awards, redemptions, settlement's points leg, expiry
  uint32_t money = 0;   // fen: micro-fund levy, settlement's money leg
  uint32_t limits = 0;  // control units: budget, caps, stock reservations
};
// Requires 1 <= village <= kVillagesMax.
Ledgers LedgersOf(VillageId village);
// The village whose ledger `ledger` is, or 0 for a ledger no village has (the raw ledger's).
VillageId VillageOfLedger(uint32_t ledger);

// A village's own accounts.
enum class VillageAccount : uint8_t {
  kIssuer = 1,           // points: the source of every award
  kExpirySink = 2,       // points: where lapsed points go
  kMicroFund = 3,        // money: the community micro-fund
  kCommitteeCash = 4,    // money: what the committee pays shops from
  kLimitSource = 5,      // limits: funds budget, cap and stock accounts
  kLimitSink = 6,        // limits: takes reservations against them
  kCashSales = 7,        // money: the counterpart of cash that shops take from members
  kDonorCash = 8,        // money: the counterpart of donations into the micro-fund (fund_book.h)
  kProjectPayments = 9,  // money: what the micro-fund paid (or holds reserved) for projects
};

// The windows a cap counts over.
enum class CapWindow : uint8_t { kDay = 1, kMonth = 2, kYear = 3 };

// The legs of an award's chain and the steps that move them.
enum class AwardLeg : uint8_t {
  kBudget = 1,
  kCapDay = 2,
  kCapMonth = 3,
  kCapYear = 4,
  kPoints = 5,  // issuer -> household (a deduction: household -> issuer)
};
enum class AwardStep : uint8_t { kPending = 1, kPost = 2, kVoid = 3 };

// A shop's two accounts, and the two legs of each basket line.
enum class ShopAccount : uint8_t { kPoints = 1, kMoney = 2 };
enum class BasketLeg : uint8_t { kStock = 1, kPoints = 2 };
// A settlement's legs: points back to the issuer, money to the shop.
enum class SettlementLeg : uint8_t { kPoints = 1, kMoney = 2 };
// A cash sale's legs: the revenue the shop took, the levy it owes the micro-fund.
enum class CashSaleLeg : uint8_t { kRevenue = 1, kLevy = 2 };
// The steps of a project's draw on the micro-fund (proposal_book.h): the pending reservation
// when it is approved, its post when it is paid, its void when it is cancelled.
enum class SpendStep : uint8_t { kReserve = 1, kPay = 2, kRelease = 3 };

namespace ids {

Id OfVillageAccount(VillageId village, VillageAccount kind);
Id Household(VillageId village, uint64_t household);
// The issuance budget of `period` (e.g. 202611 for a month, 2026 for a year: the village says).
Id Budget(VillageId village, uint32_t period);
Id BudgetFunding(VillageId village, uint32_t period);
// A household's cap for one rule in one window: `window_index` numbers the day, month or year.
Id Cap(VillageId village, uint64_t household, uint32_t rule, CapWindow window,
       uint32_t window_index);
Id CapFunding(VillageId village, uint64_t household, uint32_t rule, CapWindow window,
              uint32_t window_index);
// One leg of an award at one step; `award` is the client-chosen award id.
Id AwardTransfer(VillageId village, Id award, AwardLeg leg, AwardStep step);

Id OfShopAccount(VillageId village, uint32_t shop, ShopAccount kind);
// The stock of an item at a shop, in units, and one restocking of it (client-chosen id).
Id Stock(VillageId village, uint32_t shop, uint32_t item);
Id Restock(VillageId village, uint32_t shop, uint32_t item, Id restock);
// One leg of one line of a basket (client-chosen basket id), and of its return.
Id BasketTransfer(VillageId village, Id basket, uint32_t line, BasketLeg leg);
Id ReturnTransfer(VillageId village, Id basket, uint32_t line, BasketLeg leg);
// The two legs of a shop's settlement (client-chosen settlement id).
Id SettlementTransfer(VillageId village, Id settlement, SettlementLeg leg);
// The legs of a cash sale (client-chosen sale id).
Id CashSaleTransfer(VillageId village, Id sale, CashSaleLeg leg);
// The lapse of a household's points at the end of `year`; `attempt` (1, 2, ...) is new whenever
// the ledger refused the previous one, whose id stays failed for ever.
Id Expiry(VillageId village, uint64_t household, uint32_t year, uint32_t attempt);
// The post (or void) that resolves pending lapse `attempt`.
Id ExpiryResolve(VillageId village, uint64_t household, uint32_t year, uint32_t attempt);
// A task's slots (task_book.h): the account whose floor refuses a claim once every slot is
// taken, its one funding at posting, one claim's slot (client-chosen claim id), and the lapse
// of the slots nobody claimed by the deadline.
Id TaskSlots(VillageId village, uint32_t task);
Id TaskSlotsFunding(VillageId village, uint32_t task);
Id TaskClaim(VillageId village, uint32_t task, Id claim);
Id TaskLapse(VillageId village, uint32_t task);
// The award id under which a verified household claim is recorded (AwardBook::Record).
Id TaskAward(VillageId village, uint32_t task, Id claim);
// A donation into the micro-fund (client-chosen donation id; fund_book.h).
Id Donation(VillageId village, Id donation);
// One step of project `proposal`'s draw on the micro-fund; `attempt` (1, 2, ...) is new whenever
// the ledger refused the previous reservation, whose id stays failed for ever.
Id ProjectSpend(VillageId village, uint32_t proposal, uint32_t attempt, SpendStep step);

}  // namespace ids
}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_IDS_H_

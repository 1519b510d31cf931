#include "server/domain/values/ids.h"

#include <openssl/sha.h>

#include <string>

#include "points/check.h"
#include "server/domain/values/codec.h"

namespace points::domain {
namespace {

// The bytes an id is hashed from: a tag naming the kind of thing, then its fields, each
// fixed-width big-endian, so that no two different tuples encode alike.
class IdInput {
 public:
  explicit IdInput(const char* tag) { writer_.Text(tag); }
  IdInput& U8(uint8_t v) { return Put(v, 1); }
  IdInput& U32(uint32_t v) { return Put(v, 4); }
  IdInput& U64(uint64_t v) { return Put(v, 8); }
  IdInput& U128(Id v) {
    writer_.Id128(v);
    return *this;
  }

  Id Hash() {
    const std::string bytes = std::move(writer_).bytes();
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
    uint64_t high = 0xD0;  // the domain's prefix byte, then 120 bits of the digest
    for (int i = 0; i < 7; ++i) high = high << 8 | digest[i];
    uint64_t low = 0;
    for (int i = 7; i < 15; ++i) low = low << 8 | digest[i];
    return absl::MakeUint128(high, low);
  }

 private:
  IdInput& Put(uint64_t v, int width) {
    writer_.Int(v, width);
    return *this;
  }
  RecordWriter writer_;
};

// The fields that name a cap window, and a basket line's leg: shared by the ids that differ only
// in their tag.
IdInput CapIdInput(const char* tag, VillageId village, uint64_t household, uint32_t rule,
                   CapWindow window, uint32_t window_index) {
  IdInput input(tag);
  input.U32(village).U64(household).U32(rule).U8(static_cast<uint8_t>(window)).U32(window_index);
  return input;
}

IdInput LineIdInput(const char* tag, VillageId village, Id basket, uint32_t line, BasketLeg leg) {
  IdInput input(tag);
  input.U32(village).U128(basket).U32(line).U8(static_cast<uint8_t>(leg));
  return input;
}

}  // namespace

Ledgers LedgersOf(VillageId village) {
  POINTS_CHECK(village >= 1);
  POINTS_CHECK(village <= kVillagesMax);
  return Ledgers{2 * village, 2 * village + 1, (1u << 31) + 2 * village};
}

VillageId VillageOfLedger(uint32_t ledger) {
  const uint32_t offset = ledger >= (1u << 31) ? ledger - (1u << 31) : ledger;
  const uint32_t village = offset / 2;
  if (village < 1 || village > kVillagesMax) return 0;
  if (ledger >= (1u << 31) && offset % 2 != 0) return 0;  // only the even one is a limits ledger
  return village;
}

namespace ids {

Id OfVillageAccount(VillageId village, VillageAccount kind) {
  return IdInput("village-account").U32(village).U8(static_cast<uint8_t>(kind)).Hash();
}

Id Household(VillageId village, uint64_t household) {
  return IdInput("household").U32(village).U64(household).Hash();
}

Id Budget(VillageId village, uint32_t period) {
  return IdInput("budget").U32(village).U32(period).Hash();
}

Id BudgetFunding(VillageId village, uint32_t period) {
  return IdInput("budget-funding").U32(village).U32(period).Hash();
}

Id Cap(VillageId village, uint64_t household, uint32_t rule, CapWindow window,
       uint32_t window_index) {
  return CapIdInput("cap", village, household, rule, window, window_index).Hash();
}

Id CapFunding(VillageId village, uint64_t household, uint32_t rule, CapWindow window,
              uint32_t window_index) {
  return CapIdInput("cap-funding", village, household, rule, window, window_index).Hash();
}

Id AwardTransfer(VillageId village, Id award, AwardLeg leg, AwardStep step) {
  return IdInput("award")
      .U32(village)
      .U128(award)
      .U8(static_cast<uint8_t>(leg))
      .U8(static_cast<uint8_t>(step))
      .Hash();
}

Id OfShopAccount(VillageId village, uint32_t shop, ShopAccount kind) {
  return IdInput("shop-account").U32(village).U32(shop).U8(static_cast<uint8_t>(kind)).Hash();
}

Id Stock(VillageId village, uint32_t shop, uint32_t item) {
  return IdInput("stock").U32(village).U32(shop).U32(item).Hash();
}

Id Restock(VillageId village, uint32_t shop, uint32_t item, Id restock) {
  return IdInput("restock").U32(village).U32(shop).U32(item).U128(restock).Hash();
}

Id BasketTransfer(VillageId village, Id basket, uint32_t line, BasketLeg leg) {
  return LineIdInput("basket", village, basket, line, leg).Hash();
}

Id ReturnTransfer(VillageId village, Id basket, uint32_t line, BasketLeg leg) {
  return LineIdInput("basket-return", village, basket, line, leg).Hash();
}

Id SettlementTransfer(VillageId village, Id settlement, SettlementLeg leg) {
  return IdInput("settlement").U32(village).U128(settlement).U8(static_cast<uint8_t>(leg)).Hash();
}

Id CashSaleTransfer(VillageId village, Id sale, CashSaleLeg leg) {
  return IdInput("cash-sale").U32(village).U128(sale).U8(static_cast<uint8_t>(leg)).Hash();
}

Id Expiry(VillageId village, uint64_t household, uint32_t year, uint32_t attempt) {
  return IdInput("expiry").U32(village).U64(household).U32(year).U32(attempt).Hash();
}

Id ExpiryResolve(VillageId village, uint64_t household, uint32_t year, uint32_t attempt) {
  return IdInput("expiry-resolve").U32(village).U64(household).U32(year).U32(attempt).Hash();
}

Id TaskSlots(VillageId village, uint32_t task) {
  return IdInput("task-slots").U32(village).U32(task).Hash();
}

Id TaskSlotsFunding(VillageId village, uint32_t task) {
  return IdInput("task-slots-funding").U32(village).U32(task).Hash();
}

Id TaskClaim(VillageId village, uint32_t task, Id claim) {
  return IdInput("task-claim").U32(village).U32(task).U128(claim).Hash();
}

Id TaskLapse(VillageId village, uint32_t task) {
  return IdInput("task-lapse").U32(village).U32(task).Hash();
}

Id TaskAward(VillageId village, uint32_t task, Id claim) {
  return IdInput("task-award").U32(village).U32(task).U128(claim).Hash();
}

Id Donation(VillageId village, Id donation) {
  return IdInput("donation").U32(village).U128(donation).Hash();
}

Id ProjectSpend(VillageId village, uint32_t proposal, uint32_t attempt, SpendStep step) {
  return IdInput("project-spend")
      .U32(village)
      .U32(proposal)
      .U32(attempt)
      .U8(static_cast<uint8_t>(step))
      .Hash();
}

}  // namespace ids
}  // namespace points::domain

// The ledger shapes of shops (README.md, "Shops, baskets, stock"): a shop's accounts, an item's
// stock account whose floor refuses selling what is not there, restocking, and the one linked
// chain that redeems a basket — every item or none, stock taken in the same commit — and the
// chain that returns it. Pure functions, like ledger_layout.h.
#ifndef POINTS_SERVER_DOMAIN_VALUES_SHOP_LAYOUT_H_
#define POINTS_SERVER_DOMAIN_VALUES_SHOP_LAYOUT_H_

#include <cstdint>
#include <vector>

#include "points/types.h"
#include "server/domain/values/codes.h"
#include "server/domain/values/ids.h"

namespace points::domain {

// Rates in basis points (1/100 of a percent): a discount of 1000 is 九折 (10 % off).
inline constexpr uint32_t kBasisPointsMax = 10'000;

// Lines of one basket, named once: a terminal's basket is a few dozen items at most.
inline constexpr size_t kBasketLinesMax = 64;

// The shop's points account (redemptions arrive here) and money account (fen).
std::vector<Account> ShopAccounts(VillageId village, uint32_t shop);
Account StockAccount(VillageId village, uint32_t shop, uint32_t item);
// Adds `quantity` units to the item's stock; idempotent by `restock`.
Transfer Restock(VillageId village, uint32_t shop, uint32_t item, Id restock, uint64_t quantity);

struct BasketLineSpec {
  uint32_t item = 0;
  uint64_t quantity = 0;     // units, > 0
  uint64_t points_each = 0;  // the price the basket was sold at, > 0
};

struct BasketSpec {
  VillageId village = 0;
  Id basket = 0;  // client-chosen: the legs' ids derive from it
  uint32_t shop = 0;
  uint64_t household = 0;
  std::vector<BasketLineSpec> lines;  // 1..kBasketLinesMax
};

// Per line, in order: the stock leg (stock -> limit sink, quantity) and the points leg
// (household -> shop, quantity x points_each; the caller checked the product), all linked.
std::vector<Transfer> RedeemChain(const BasketSpec& basket);
// The reversal of every line of a redeemed basket, linked, each leg naming the basket in
// user_data_128.
std::vector<Transfer> ReturnChain(const BasketSpec& basket);

// A shop's settlement: `points` go back from the shop to the issuer and `fen` from the
// committee's cash to the shop's money account, linked across the two ledgers. The shop's
// points floor refuses settling more than it holds, so two settlements cannot pay twice.
std::vector<Transfer> SettlementChain(VillageId village, uint32_t shop, Id settlement,
                                      uint64_t points, uint64_t fen);

// A cash sale to a scheme member, on the money ledger: the revenue the shop took after the
// discount (paid_fen; the list price and discount travel in user_data_64 and user_data_32), and,
// linked to it, the levy the shop pays into the village micro-fund (none when levy_fen is 0).
std::vector<Transfer> CashSaleChain(VillageId village, uint32_t shop, Id sale, uint64_t paid_fen,
                                    uint64_t list_fen, uint32_t discount_bp, uint64_t levy_fen);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_SHOP_LAYOUT_H_

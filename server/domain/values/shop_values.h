// The shop side's values (README.md, "Shops, baskets"): items, baskets, settlements and cash
// sales as the shop book keeps them and the clients see them. Values only: the book that keeps
// them is shop_book.h; clients link these without the store.
#ifndef POINTS_SERVER_DOMAIN_VALUES_SHOP_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_SHOP_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "points/types.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/shop_layout.h"

namespace points::domain {

inline constexpr size_t kItemNameBytesMax = 128;
inline constexpr uint64_t kItemPointsPriceMax = 1'000'000;
// Units one restocking adds (stock is funded from the village's limit source, like caps).
inline constexpr uint64_t kRestockUnitsMax = 1'000'000;

struct Item {
  uint32_t item = 0;  // the item's number in the shop, not zero
  std::string name;   // UTF-8, e.g. 酱油 500ml
  uint64_t points_price = 0;
  uint64_t cash_price_fen = 0;  // 0: not sold for cash
  uint64_t stock = 0;           // units left (read from the ledger; ignored by PutItem)
  friend bool operator==(const Item&, const Item&) = default;
};

struct BasketRequest {
  Id basket = 0;  // client-chosen, the idempotency key
  VillageId village = 0;
  uint32_t shop = 0;
  uint64_t household = 0;
  std::vector<std::pair<uint32_t, uint64_t>> lines;  // (item, quantity), 1..kBasketLinesMax
};

enum class BasketState : uint8_t {
  kSubmitting = 1,  // saved with its prices; its chain is being submitted (Resume finishes it)
  kRedeemed = 2,
  kRefused = 3,    // the ledger refused it: nothing was taken
  kReturning = 4,  // a return was saved; its chain is being submitted (Resume finishes it)
  kReturned = 5,   // every line reversed: points back to the household, items back in stock
};
const char* BasketStateName(BasketState state);

struct Basket {
  BasketSpec spec;  // the lines with the prices they were sold at
  BasketState state = BasketState::kSubmitting;
  uint64_t points_total = 0;
  uint64_t redeemed_at_ns = 0;
  std::string refusal;  // e.g. "item 3 (酱油) is out of stock"
};

enum class SettlementState : uint8_t {
  kSettling = 1,  // saved with its amounts; its chain is being submitted (Resume finishes it)
  kSettled = 2,
  kRefused = 3,  // the ledger refused it (the shop held fewer points by then): nothing moved
};
const char* SettlementStateName(SettlementState state);

// The committee settles a shop: the points the shop took go back to the issuer and money at the
// village's rate goes to the shop, in one linked commit across the two ledgers. The statement
// the shop reconciles is its points account's history up to `settled_at_ns`.
struct Settlement {
  VillageId village = 0;
  Id settlement = 0;  // client-chosen, the idempotency key
  uint32_t shop = 0;
  uint64_t points = 0;         // everything the shop held when the settlement was made
  uint64_t fen_per_point = 0;  // the rate, e.g. 100 (1 point = 1 yuan)
  uint64_t fen = 0;            // points x fen_per_point
  SettlementState state = SettlementState::kSettling;
  uint64_t settled_at_ns = 0;
  std::string refusal;
};
inline constexpr uint64_t kFenPerPointMax = 100'000;

// A shop's terms for scheme members paying cash, in basis points: the discount they get (1000 =
// 九折) and the share of the paid price the shop pays into the village micro-fund.
struct ShopTerms {
  uint32_t discount_bp = 0;
  uint32_t levy_bp = 0;
};

// The largest limits a committee may set: a month offline, and sums far above a village shop's
// day. 0 is allowed everywhere: offline_hours 0 turns selling offline off.
inline constexpr uint32_t kOfflineHoursMax = 30 * 24;
inline constexpr uint64_t kOfflinePointsMax = 100'000;
inline constexpr uint32_t kOfflineBasketsMax = 10'000;

// What a shop's terminal may do offline, per village (offline_book.h, clients/web/OFFLINE.md);
// the defaults are the starting proposal of the offline-terminal facts.
struct OfflineLimits {
  uint32_t offline_hours = 72;
  uint64_t household_points = 50;
  uint32_t household_baskets = 2;
  uint64_t terminal_points = 500;
  uint32_t terminal_baskets = 100;
  uint64_t basket_points_max = 50;
};

struct CashSaleRequest {
  Id sale = 0;  // client-chosen, the idempotency key
  VillageId village = 0;
  uint32_t shop = 0;
  uint64_t household = 0;                            // the member buying (must have an account)
  std::vector<std::pair<uint32_t, uint64_t>> lines;  // (item, quantity), 1..kBasketLinesMax
};

struct CashSale {
  CashSaleRequest request;
  uint64_t list_fen = 0;     // at the catalogue's cash prices
  uint32_t discount_bp = 0;  // the shop's terms when the sale was made
  uint64_t paid_fen = 0;     // list minus the discount (rounded in the member's favour)
  uint32_t levy_bp = 0;
  uint64_t levy_fen = 0;  // paid x levy, rounded down, into the micro-fund
  bool recorded = false;  // false: saved, its ledger chain not yet confirmed
  uint64_t sold_at_ns = 0;
};

// A shop of a village as ListShops names it.
struct ShopName {
  uint32_t shop = 0;
  std::string name;
  friend bool operator==(const ShopName&, const ShopName&) = default;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_SHOP_VALUES_H_

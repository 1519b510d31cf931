#include "server/domain/values/shop_layout.h"

#include "points/check.h"
#include "server/domain/values/ledger_layout.h"

namespace points::domain {

std::vector<Account> ShopAccounts(VillageId village, uint32_t shop) {
  const Ledgers ledgers = LedgersOf(village);
  // The points floor: a shop never gives back (settles or refunds) more points than it took.
  return {MakeAccount(ids::OfShopAccount(village, shop, ShopAccount::kPoints), ledgers.points,
                      kAccountCodeShop, kAccountHistory | kAccountDebitsMustNotExceedCredits),
          MakeAccount(ids::OfShopAccount(village, shop, ShopAccount::kMoney), ledgers.money,
                      kAccountCodeShop, kAccountHistory)};
}

Account StockAccount(VillageId village, uint32_t shop, uint32_t item) {
  // Never more taken from the stock than was put in: the floor that refuses overselling.
  return MakeAccount(ids::Stock(village, shop, item), LedgersOf(village).limits, kAccountCodeStock,
                     kAccountDebitsMustNotExceedCredits);
}

Transfer Restock(VillageId village, uint32_t shop, uint32_t item, Id restock, uint64_t quantity) {
  Transfer t = MakeTransfer(ids::Restock(village, shop, item, restock),
                            ids::OfVillageAccount(village, VillageAccount::kLimitSource),
                            ids::Stock(village, shop, item), quantity, LedgersOf(village).limits,
                            kCodeRestock);
  t.user_data_32 = item;
  return t;
}

namespace {

// The redemption (or, reversed, the return) of every line.
std::vector<Transfer> BasketLegs(const BasketSpec& b, bool reverse) {
  POINTS_CHECK(!b.lines.empty());
  POINTS_CHECK(b.lines.size() <= kBasketLinesMax);
  const Ledgers ledgers = LedgersOf(b.village);
  const Id limit_sink = ids::OfVillageAccount(b.village, VillageAccount::kLimitSink);
  const Id household = ids::Household(b.village, b.household);
  const Id shop = ids::OfShopAccount(b.village, b.shop, ShopAccount::kPoints);
  auto id = reverse ? ids::ReturnTransfer : ids::BasketTransfer;
  std::vector<Transfer> chain;
  for (uint32_t line = 0; line < b.lines.size(); ++line) {
    const BasketLineSpec& l = b.lines[line];
    POINTS_CHECK(l.quantity > 0);
    POINTS_CHECK(l.points_each > 0);
    POINTS_CHECK(l.points_each <= UINT64_MAX / l.quantity);
    const Id stock = ids::Stock(b.village, b.shop, l.item);
    Transfer taken =
        reverse ? MakeTransfer(id(b.village, b.basket, line, BasketLeg::kStock), limit_sink, stock,
                               l.quantity, ledgers.limits, kCodeStockReturned)
                : MakeTransfer(id(b.village, b.basket, line, BasketLeg::kStock), stock, limit_sink,
                               l.quantity, ledgers.limits, kCodeStockTaken);
    Transfer paid =
        reverse ? MakeTransfer(id(b.village, b.basket, line, BasketLeg::kPoints), shop, household,
                               l.quantity * l.points_each, ledgers.points, kCodeReturn)
                : MakeTransfer(id(b.village, b.basket, line, BasketLeg::kPoints), household, shop,
                               l.quantity * l.points_each, ledgers.points, kCodeRedemption);
    for (Transfer* t : {&taken, &paid}) {
      t->user_data_128 = b.basket;  // every leg names its basket
      t->user_data_32 = l.item;
      chain.push_back(*t);
    }
  }
  return Linked(std::move(chain));
}

}  // namespace

std::vector<Transfer> RedeemChain(const BasketSpec& basket) { return BasketLegs(basket, false); }

std::vector<Transfer> ReturnChain(const BasketSpec& basket) { return BasketLegs(basket, true); }

std::vector<Transfer> SettlementChain(VillageId village, uint32_t shop, Id settlement,
                                      uint64_t points, uint64_t fen) {
  POINTS_CHECK(points > 0);
  POINTS_CHECK(fen > 0);
  const Ledgers ledgers = LedgersOf(village);
  Transfer back = MakeTransfer(ids::SettlementTransfer(village, settlement, SettlementLeg::kPoints),
                               ids::OfShopAccount(village, shop, ShopAccount::kPoints),
                               ids::OfVillageAccount(village, VillageAccount::kIssuer), points,
                               ledgers.points, kCodeSettlement);
  Transfer pay = MakeTransfer(ids::SettlementTransfer(village, settlement, SettlementLeg::kMoney),
                              ids::OfVillageAccount(village, VillageAccount::kCommitteeCash),
                              ids::OfShopAccount(village, shop, ShopAccount::kMoney), fen,
                              ledgers.money, kCodeSettlementPay);
  back.user_data_128 = pay.user_data_128 = settlement;
  back.user_data_32 = pay.user_data_32 = shop;
  return Linked({back, pay});
}

std::vector<Transfer> CashSaleChain(VillageId village, uint32_t shop, Id sale, uint64_t paid_fen,
                                    uint64_t list_fen, uint32_t discount_bp, uint64_t levy_fen) {
  POINTS_CHECK(paid_fen > 0);
  POINTS_CHECK(levy_fen <= paid_fen);
  POINTS_CHECK(paid_fen <= list_fen);
  const uint32_t money = LedgersOf(village).money;
  const Id shop_money = ids::OfShopAccount(village, shop, ShopAccount::kMoney);
  Transfer revenue = MakeTransfer(ids::CashSaleTransfer(village, sale, CashSaleLeg::kRevenue),
                                  ids::OfVillageAccount(village, VillageAccount::kCashSales),
                                  shop_money, paid_fen, money, kCodeCashSale);
  revenue.user_data_128 = sale;
  revenue.user_data_64 = list_fen;
  revenue.user_data_32 = discount_bp;
  if (levy_fen == 0) return {revenue};
  Transfer levy = MakeTransfer(ids::CashSaleTransfer(village, sale, CashSaleLeg::kLevy), shop_money,
                               ids::OfVillageAccount(village, VillageAccount::kMicroFund), levy_fen,
                               money, kCodeLevy);
  levy.user_data_128 = sale;
  levy.user_data_32 = shop;
  return Linked({revenue, levy});
}

}  // namespace points::domain

// Shops, their catalogues and stock, and basket redemptions (README.md, "Shops, baskets"). A
// basket is one linked ledger chain: every item or none, its stock taken in the same commit, the
// household's floor and each item's stock floor checked by the engine's one writer, so terminals
// redeeming at once can never overspend a household or oversell the last item. Idempotent by
// basket id: a terminal on a weak link resends the same basket and is never charged twice.
//
// Crash-safety as in the award book: the basket (with the prices it is sold at) is saved before
// its chain is submitted, and Resume resubmits the chain of a basket a crash left in between, so
// a resend after a price change still pays the first price. Fault points (fault_point.h):
// "shop.redeem.before_intent", "shop.redeem.after_intent", and after a chain committed, before
// its outcome is saved, "shop.submit.after_chain", "shop.settle.after_chain" and
// "shop.cash_sale.after_chain". Calls block on the ledger: the server runs them on its worker
// pool.
//
// Consent (consent.h): a new basket is redeemed only with the household's consent, and the
// consent is used up in the one store write that saves the basket's intent, so a payment code is
// used if and only if its basket exists. Everything that can refuse a basket before the ledger
// (its lines, quantities, items, an id used for other lines) is checked first: such a refusal
// uses nothing, and the same code pays for the corrected basket. A crash at any point leaves
// either no basket and an unused code, or the basket and its used code: the terminal's identical
// resend answers with the basket (a recorded basket needs no new consent). A basket the ledger
// refuses (points, stock) gives its code back in the same write as the refusal, so the household
// pays a smaller basket under a new id with the same code; the refused id stays refused. Only
// when a later code of the household was used meanwhile, or a crash came between the basket's
// intent and its refusal (Resume then records it), does the code stay used: the
// household shows a new one. A card is checked before the intent (a wrong PIN counts toward its
// lockout, a right one resets it) and nothing of it is used up; a basket refused before its
// consent is looked at tells nothing about the PIN, so it counts nothing.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_SHOP_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_SHOP_BOOK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/books/consent.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/resume.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/shop_layout.h"
#include "server/domain/values/shop_values.h"

namespace points::domain {

// The stored form of a basket (a version byte first); DATA_LOSS when the bytes do not decode.
std::string EncodeBasket(const Basket& basket);
absl::StatusOr<Basket> DecodeBasket(const std::string& bytes);

class ShopBook {
 public:
  // Decodes the baskets, settlements and cash sales and writes nothing (`pointsd verify` opens
  // it on a read-only store): those a crash left between intent and chain are only counted.
  static absl::StatusOr<std::unique_ptr<ShopBook>> Open(Engine* engine, Clock* clock,
                                                        DomainStore* store);

  // Baskets and returns submitting, settlements settling and cash sales not yet confirmed that
  // a crash left so (resume.h), as Open found them less those Resume has finished since.
  uint64_t interrupted() const;
  // Resubmits their chains (the same ids answer exists where the first attempt got through). One
  // that fails stays as it is: a resend of it, or the next Resume, tries again.
  ResumeReport Resume();

  // A shop of the village (its points and money accounts); idempotent.
  absl::Status CreateShop(VillageId village, uint32_t shop, const std::string& name);
  // The village's shops in number order, with their names (for reports and the board).
  absl::StatusOr<std::vector<ShopName>> ListShops(VillageId village) const;
  // Adds an item to the shop's catalogue or changes its name and prices (baskets keep the price
  // they were sold at).
  absl::Status PutItem(VillageId village, uint32_t shop, const Item& item);
  // Adds units to an item's stock; idempotent by `restock`.
  absl::Status Restock(VillageId village, uint32_t shop, uint32_t item, Id restock,
                       uint64_t quantity);
  // The shop's catalogue with the stock left of each item.
  absl::StatusOr<std::vector<Item>> Items(VillageId village, uint32_t shop) const;

  // Redeems a basket with the household's consent: redeemed, or refused with the reason (nothing
  // taken). The same basket id with the same lines again returns the basket as it stands, and
  // looks at no consent; with other lines, ALREADY_EXISTS. INVALID_ARGUMENT and NOT_FOUND (an
  // item not in the catalogue) come before the consent is looked at and use nothing; a refused
  // consent is its error (PERMISSION_DENIED) and records nothing.
  absl::StatusOr<Basket> Redeem(const BasketRequest& request, Consent& consent);
  // Returns every line of a redeemed basket; idempotent.
  absl::StatusOr<Basket> Return(VillageId village, Id basket);
  absl::StatusOr<Basket> GetBasket(VillageId village, Id basket) const;

  // Settles everything the shop holds at `fen_per_point`. Idempotent by settlement id;
  // FAILED_PRECONDITION when the shop holds no points.
  absl::StatusOr<Settlement> Settle(VillageId village, uint32_t shop, Id settlement,
                                    uint64_t fen_per_point);
  absl::StatusOr<Settlement> GetSettlement(VillageId village, Id settlement) const;

  // Sets the shop's terms for members paying cash; later sales use them.
  absl::Status SetTerms(VillageId village, uint32_t shop, const ShopTerms& terms);
  // Records a cash sale to a member: the discount on the catalogue's cash prices, and the levy
  // moved from the shop's money account into the micro-fund in the same commit as the sale.
  // Idempotent by sale id (the same lines again return the sale; other lines ALREADY_EXISTS).
  absl::StatusOr<CashSale> RecordCashSale(const CashSaleRequest& request);

 private:
  ShopBook(Engine* engine, Clock* clock, DomainStore* store);
  absl::StatusOr<Item> LoadItem(VillageId village, uint32_t shop, uint32_t item) const;
  absl::Status SaveBasket(const Basket& basket);
  // The basket the request asks for, priced from the catalogue: every check but the ledger's.
  absl::StatusOr<Basket> PriceBasket(const BasketRequest& request) const;
  // The basket recorded under the request's id (nullopt: none); ALREADY_EXISTS for other lines.
  absl::StatusOr<std::optional<Basket>> KnownBasket(const BasketRequest& request) const;
  // Submits the basket's redeem (or return) chain and saves the outcome. With `consent` (the
  // one Redeem used for its intent), a refused redemption gives it back in the same write.
  absl::StatusOr<Basket> Submit(Basket basket, Consent* consent = nullptr);
  absl::Status SaveSettlement(const Settlement& settlement);
  absl::StatusOr<Settlement> SubmitSettlement(Settlement settlement);
  absl::StatusOr<CashSale> SubmitCashSale(CashSale sale);
  // A record Open found between its intent and its chain.
  struct Interrupted {
    enum Kind { kBasket, kSettlement, kCashSale };
    Kind kind;
    VillageId village;
    Id id;
  };
  // Resumes one: OK when it is finished (by this, or by a resend meanwhile).
  absl::Status ResumeOne(const Interrupted& record);

  Engine* const engine_;
  Clock* const clock_;
  DomainStore* const store_;
  // One record's steps in turn, by its store key (a basket, a settlement, a cash sale): a resend
  // arriving while its original is between intent and outcome waits for that outcome instead of
  // submitting the chain beside it, so it answers with the ledger's first reason (a second submit
  // meets only id_already_failed) and never races the first call's give-back of the code.
  // Different records never wait for each other, not even for a synced intent; a payment code
  // shared by two baskets is kept to one by the consent itself (consent.h).
  RecordLocks<std::string> record_locks_;
  // The interrupted records found at open, for Resume.
  InterruptedWork<Interrupted> interrupted_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_SHOP_BOOK_H_

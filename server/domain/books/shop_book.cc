#include "server/domain/books/shop_book.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "points/results.h"
#include "server/domain/store/fault_point.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/number_range.h"
#include "server/domain/values/text.h"

namespace points::domain {
namespace {

using TR = CreateTransferResult;
constexpr uint8_t kItemFormatVersion = 1;
constexpr uint8_t kBasketFormatVersion = 1;
constexpr uint8_t kSettlementFormatVersion = 1;
constexpr uint8_t kCashSaleFormatVersion = 1;

std::string ShopKey(const char* kind, VillageId village, uint32_t shop) {
  return absl::StrCat(kind, BigEndian(village, 4), BigEndian(shop, 4));
}
std::string ItemKey(VillageId village, uint32_t shop, uint32_t item) {
  return absl::StrCat(ShopKey(keys::kItem, village, shop), BigEndian(item, 4));
}
std::string BasketKey(VillageId village, Id basket) {
  return absl::StrCat(keys::kBasket, BigEndian(village, 4),
                      BigEndian(absl::Uint128High64(basket), 8),
                      BigEndian(absl::Uint128Low64(basket), 8));
}

std::string SettlementKey(VillageId village, Id settlement) {
  return absl::StrCat(keys::kSettlement, BigEndian(village, 4),
                      BigEndian(absl::Uint128High64(settlement), 8),
                      BigEndian(absl::Uint128Low64(settlement), 8));
}

std::string EncodeSettlement(const Settlement& t) {
  return std::move(RecordWriter()
                       .Int(kSettlementFormatVersion, 1)
                       .Int(t.village, 4)
                       .Id128(t.settlement)
                       .Int(t.shop, 4)
                       .Int(t.points, 8)
                       .Int(t.fen_per_point, 8)
                       .Int(t.fen, 8)
                       .Int(static_cast<uint8_t>(t.state), 1)
                       .Int(t.settled_at_ns, 8)
                       .Text(t.refusal))
      .bytes();
}

absl::StatusOr<Settlement> DecodeSettlement(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kSettlementFormatVersion) {
    return absl::DataLossError("settlement record: unknown version");
  }
  Settlement t;
  t.village = static_cast<VillageId>(r.Int(4));
  t.settlement = r.Id128();
  t.shop = static_cast<uint32_t>(r.Int(4));
  t.points = r.Int(8);
  t.fen_per_point = r.Int(8);
  t.fen = r.Int(8);
  const uint64_t state = r.Int(1);
  if (state < 1 || state > 3) return absl::DataLossError("settlement record: unknown state");
  t.state = static_cast<SettlementState>(state);
  t.settled_at_ns = r.Int(8);
  t.refusal = r.Text();
  if (!r.done_ok()) return absl::DataLossError("settlement record: truncated or trailing bytes");
  return t;
}

std::string TermsKey(VillageId village, uint32_t shop) {
  return ShopKey(keys::kShopTerms, village, shop);
}

std::string CashSaleKey(VillageId village, Id sale) {
  return absl::StrCat(keys::kCashSale, BigEndian(village, 4),
                      BigEndian(absl::Uint128High64(sale), 8),
                      BigEndian(absl::Uint128Low64(sale), 8));
}

std::string EncodeCashSale(const CashSale& c) {
  RecordWriter w;
  w.Int(kCashSaleFormatVersion, 1).Int(c.request.village, 4).Id128(c.request.sale);
  w.Int(c.request.shop, 4).Int(c.request.household, 8).Int(c.request.lines.size(), 4);
  for (const auto& [item, quantity] : c.request.lines) w.Int(item, 4).Int(quantity, 8);
  w.Int(c.list_fen, 8).Int(c.discount_bp, 4).Int(c.paid_fen, 8).Int(c.levy_bp, 4);
  w.Int(c.levy_fen, 8).Int(c.recorded ? 1 : 0, 1).Int(c.sold_at_ns, 8);
  return std::move(w).bytes();
}

absl::StatusOr<CashSale> DecodeCashSale(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kCashSaleFormatVersion) {
    return absl::DataLossError("cash sale record: unknown version");
  }
  CashSale c;
  c.request.village = static_cast<VillageId>(r.Int(4));
  c.request.sale = r.Id128();
  c.request.shop = static_cast<uint32_t>(r.Int(4));
  c.request.household = r.Int(8);
  const uint64_t lines = r.Int(4);
  if (lines > kBasketLinesMax) return absl::DataLossError("cash sale record: line count");
  for (uint64_t i = 0; i < lines; ++i) {
    const uint32_t item = static_cast<uint32_t>(r.Int(4));
    c.request.lines.emplace_back(item, r.Int(8));
  }
  c.list_fen = r.Int(8);
  c.discount_bp = static_cast<uint32_t>(r.Int(4));
  c.paid_fen = r.Int(8);
  c.levy_bp = static_cast<uint32_t>(r.Int(4));
  c.levy_fen = r.Int(8);
  c.recorded = r.Int(1) == 1;
  c.sold_at_ns = r.Int(8);
  if (!r.done_ok()) return absl::DataLossError("cash sale record: truncated or trailing bytes");
  return c;
}

std::string EncodeItem(const Item& item) {
  return std::move(RecordWriter()
                       .Int(kItemFormatVersion, 1)
                       .Int(item.item, 4)
                       .Text(item.name)
                       .Int(item.points_price, 8)
                       .Int(item.cash_price_fen, 8))
      .bytes();
}

absl::StatusOr<Item> DecodeItem(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kItemFormatVersion) return absl::DataLossError("item record: unknown version");
  Item item;
  item.item = static_cast<uint32_t>(r.Int(4));
  item.name = r.Text();
  item.points_price = r.Int(8);
  item.cash_price_fen = r.Int(8);
  if (!r.done_ok()) return absl::DataLossError("item record: truncated or trailing bytes");
  return item;
}

}  // namespace

std::string EncodeBasket(const Basket& b) {
  RecordWriter w;
  w.Int(kBasketFormatVersion, 1).Int(b.spec.village, 4).Id128(b.spec.basket).Int(b.spec.shop, 4);
  w.Int(b.spec.household, 8).Int(b.spec.lines.size(), 4);
  for (const BasketLineSpec& l : b.spec.lines) {
    w.Int(l.item, 4).Int(l.quantity, 8).Int(l.points_each, 8);
  }
  w.Int(static_cast<uint8_t>(b.state), 1).Int(b.points_total, 8).Int(b.redeemed_at_ns, 8);
  w.Text(b.refusal);
  return std::move(w).bytes();
}

absl::StatusOr<Basket> DecodeBasket(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kBasketFormatVersion) {
    return absl::DataLossError("basket record: unknown version");
  }
  Basket b;
  b.spec.village = static_cast<VillageId>(r.Int(4));
  b.spec.basket = r.Id128();
  b.spec.shop = static_cast<uint32_t>(r.Int(4));
  b.spec.household = r.Int(8);
  const uint64_t lines = r.Int(4);
  if (lines > kBasketLinesMax) return absl::DataLossError("basket record: line count");
  for (uint64_t i = 0; i < lines; ++i) {
    BasketLineSpec l;
    l.item = static_cast<uint32_t>(r.Int(4));
    l.quantity = r.Int(8);
    l.points_each = r.Int(8);
    b.spec.lines.push_back(l);
  }
  const uint64_t state = r.Int(1);
  if (state < 1 || state > 5) return absl::DataLossError("basket record: unknown state");
  b.state = static_cast<BasketState>(state);
  b.points_total = r.Int(8);
  b.redeemed_at_ns = r.Int(8);
  b.refusal = r.Text();
  if (!r.done_ok()) return absl::DataLossError("basket record: truncated or trailing bytes");
  return b;
}

namespace {

absl::Status CheckShop(VillageId village, uint32_t shop) {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  return CheckNumber(shop, {1, UINT32_MAX}, "shop");
}

}  // namespace

ShopBook::ShopBook(Engine* engine, Clock* clock, DomainStore* store)
    : engine_(engine), clock_(clock), store_(store) {}

absl::StatusOr<std::unique_ptr<ShopBook>> ShopBook::Open(Engine* engine, Clock* clock,
                                                         DomainStore* store) {
  std::unique_ptr<ShopBook> book(new ShopBook(engine, clock, store));
  // A crash between saving a basket, its return, a settlement or a cash sale and its chain
  // leaves it for Resume, which resends the same chain.
  std::vector<Interrupted> interrupted;
  absl::Status status = ScanRecords(*store, keys::kBasket, DecodeBasket, [&](const Basket& basket) {
    if (basket.state == BasketState::kSubmitting || basket.state == BasketState::kReturning) {
      interrupted.push_back({Interrupted::kBasket, basket.spec.village, basket.spec.basket});
    }
  });
  if (!status.ok()) return status;
  status =
      ScanRecords(*store, keys::kSettlement, DecodeSettlement, [&](const Settlement& settlement) {
        if (settlement.state == SettlementState::kSettling) {
          interrupted.push_back(
              {Interrupted::kSettlement, settlement.village, settlement.settlement});
        }
      });
  if (!status.ok()) return status;
  status = ScanRecords(*store, keys::kCashSale, DecodeCashSale, [&](const CashSale& sale) {
    if (!sale.recorded) {
      interrupted.push_back({Interrupted::kCashSale, sale.request.village, sale.request.sale});
    }
  });
  if (!status.ok()) return status;
  if (absl::Status s = book->interrupted_.Set(std::move(interrupted)); !s.ok()) return s;
  return book;
}

uint64_t ShopBook::interrupted() const { return interrupted_.count(); }

ResumeReport ShopBook::Resume() {
  return interrupted_.Resume([&](const Interrupted& record) { return ResumeOne(record); },
                             [](const Interrupted& record) {
                               const char* kind = record.kind == Interrupted::kBasket ? "basket"
                                                  : record.kind == Interrupted::kSettlement
                                                      ? "settlement"
                                                      : "cash sale";
                               return ItemName(kind, record.village, record.id);
                             });
}

absl::Status ShopBook::ResumeOne(const Interrupted& record) {
  const auto [kind, village, id] = record;
  if (kind == Interrupted::kBasket) {
    auto held = record_locks_.Lock(BasketKey(village, id));  // a resend may be finishing it
    absl::StatusOr<Basket> basket = GetBasket(village, id);
    if (!basket.ok()) return basket.status();
    if (basket->state != BasketState::kSubmitting && basket->state != BasketState::kReturning) {
      return absl::OkStatus();  // a resend finished it
    }
    const bool returning = basket->state == BasketState::kReturning;
    absl::Status submitted = Submit(*std::move(basket)).status();
    // A return the ledger refused is finished too: the basket was saved redeemed again.
    if (returning && submitted.code() == absl::StatusCode::kFailedPrecondition) {
      return absl::OkStatus();
    }
    return submitted;
  }
  if (kind == Interrupted::kSettlement) {
    auto held = record_locks_.Lock(SettlementKey(village, id));
    absl::StatusOr<Settlement> settlement = GetSettlement(village, id);
    if (!settlement.ok()) return settlement.status();
    if (settlement->state != SettlementState::kSettling) return absl::OkStatus();
    return SubmitSettlement(*std::move(settlement)).status();
  }
  auto held = record_locks_.Lock(CashSaleKey(village, id));
  absl::StatusOr<std::string> bytes = store_->Get(CashSaleKey(village, id));
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<CashSale> sale = DecodeCashSale(*bytes);
  if (!sale.ok()) return sale.status();
  if (sale->recorded) return absl::OkStatus();
  return SubmitCashSale(*std::move(sale)).status();
}

absl::Status ShopBook::CreateShop(VillageId village, uint32_t shop, const std::string& name) {
  if (absl::Status s = CheckShop(village, shop); !s.ok()) return s;
  if (name.empty() || name.size() > kItemNameBytesMax || !IsUtf8(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: 1..", kItemNameBytesMax, " bytes of UTF-8"));
  }
  absl::StatusOr<std::vector<AccountEventResult>> created =
      engine_->CreateAccounts(ShopAccounts(village, shop));
  if (!created.ok()) return created.status();
  for (const AccountEventResult& r : *created) {
    if (r.result != CreateAccountResult::kOk && r.result != CreateAccountResult::kExists) {
      return absl::FailedPreconditionError(
          absl::StrCat("shop accounts refused: ", std::string(ResultName(r.result))));
    }
  }
  return store_->Put(ShopKey(keys::kShop, village, shop), name);
}

absl::StatusOr<std::vector<ShopName>> ShopBook::ListShops(VillageId village) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  // Keys are "s/" + village (4 bytes) + shop (4 bytes), big-endian: the scan is in shop order.
  const std::string prefix = absl::StrCat(keys::kShop, BigEndian(village, 4));
  std::vector<ShopName> shops;
  absl::Status bad_key;
  absl::Status status = store_->Scan(prefix, [&](const std::string& key, const std::string& name) {
    if (key.size() != prefix.size() + 4) {
      bad_key = absl::DataLossError("shop record: malformed key");
      return false;
    }
    const std::string number = key.substr(prefix.size());
    RecordReader r(number);
    shops.push_back({static_cast<uint32_t>(r.Int(4)), name});
    return true;
  });
  if (!status.ok()) return status;
  if (!bad_key.ok()) return bad_key;
  return shops;
}

absl::Status ShopBook::PutItem(VillageId village, uint32_t shop, const Item& item) {
  if (absl::Status s = CheckShop(village, shop); !s.ok()) return s;
  if (absl::Status s = CheckNumber(item.item, {1, UINT32_MAX}, "item"); !s.ok()) return s;
  if (item.name.empty() || item.name.size() > kItemNameBytesMax || !IsUtf8(item.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: 1..", kItemNameBytesMax, " bytes of UTF-8"));
  }
  if (item.points_price == 0 || item.points_price > kItemPointsPriceMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("points_price: must be 1..", kItemPointsPriceMax));
  }
  if (!store_->Get(ShopKey(keys::kShop, village, shop)).ok()) {
    return absl::NotFoundError(absl::StrCat("no shop ", shop, " in village ", village));
  }
  absl::StatusOr<std::vector<AccountEventResult>> created =
      engine_->CreateAccounts({StockAccount(village, shop, item.item)});
  if (!created.ok()) return created.status();
  if ((*created)[0].result != CreateAccountResult::kOk &&
      (*created)[0].result != CreateAccountResult::kExists) {
    return absl::FailedPreconditionError("the item's stock account was refused");
  }
  return store_->Put(ItemKey(village, shop, item.item), EncodeItem(item));
}

absl::Status ShopBook::Restock(VillageId village, uint32_t shop, uint32_t item, Id restock,
                               uint64_t quantity) {
  if (restock == 0 || quantity == 0) {
    return absl::InvalidArgumentError("restock id and quantity must not be zero");
  }
  if (quantity > kRestockUnitsMax) {
    return absl::InvalidArgumentError(absl::StrCat("quantity: at most ", kRestockUnitsMax));
  }
  if (absl::StatusOr<Item> found = LoadItem(village, shop, item); !found.ok()) {
    return found.status();
  }
  absl::StatusOr<std::vector<TransferEventResult>> done =
      engine_->CreateTransfers({domain::Restock(village, shop, item, restock, quantity)});
  if (!done.ok()) return done.status();
  if (!Accepted((*done)[0].result)) {
    return absl::AlreadyExistsError(
        absl::StrCat("restock refused: ", std::string(ResultName((*done)[0].result))));
  }
  return absl::OkStatus();
}

absl::StatusOr<Item> ShopBook::LoadItem(VillageId village, uint32_t shop, uint32_t item) const {
  if (absl::Status s = CheckShop(village, shop); !s.ok()) return s;
  absl::StatusOr<std::string> bytes = store_->Get(ItemKey(village, shop, item));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError(
        absl::StrCat("item ", item, " is not in shop ", shop, "'s catalogue"));
  }
  return DecodeItem(*bytes);
}

absl::StatusOr<std::vector<Item>> ShopBook::Items(VillageId village, uint32_t shop) const {
  if (absl::Status s = CheckShop(village, shop); !s.ok()) return s;
  std::vector<Item> items;
  absl::Status status = ScanRecords(*store_, ShopKey(keys::kItem, village, shop), DecodeItem,
                                    [&](Item item) { items.push_back(std::move(item)); });
  if (!status.ok()) return status;
  std::vector<Id> stock_ids;
  for (const Item& item : items) stock_ids.push_back(ids::Stock(village, shop, item.item));
  absl::StatusOr<std::vector<Account>> stocks = engine_->LookupAccounts(stock_ids);
  if (!stocks.ok()) return stocks.status();
  for (size_t i = 0, j = 0; i < items.size() && j < stocks->size(); ++i) {
    const Account& a = (*stocks)[j];
    if (a.id != stock_ids[i]) continue;
    items[i].stock = a.credits_posted - a.debits_posted - a.debits_pending;
    ++j;
  }
  return items;
}

absl::Status ShopBook::SaveBasket(const Basket& basket) {
  return store_->Put(BasketKey(basket.spec.village, basket.spec.basket), EncodeBasket(basket));
}

absl::StatusOr<Basket> ShopBook::GetBasket(VillageId village, Id basket) const {
  absl::StatusOr<std::string> bytes = store_->Get(BasketKey(village, basket));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError("no such basket in this village");
  }
  return DecodeBasket(*bytes);
}

absl::StatusOr<Basket> ShopBook::PriceBasket(const BasketRequest& request) const {
  if (absl::Status s = CheckShop(request.village, request.shop); !s.ok()) return s;
  if (request.basket == 0) return absl::InvalidArgumentError("basket: must not be zero");
  if (absl::Status s = CheckNumber(request.household, {1, UINT64_MAX}, "household"); !s.ok()) {
    return s;
  }
  if (request.lines.empty() || request.lines.size() > kBasketLinesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("lines: 1..", kBasketLinesMax, ", got ", request.lines.size()));
  }
  Basket basket;
  basket.spec.village = request.village;
  basket.spec.basket = request.basket;
  basket.spec.shop = request.shop;
  basket.spec.household = request.household;
  for (size_t i = 0; i < request.lines.size(); ++i) {
    const auto& [item_number, quantity] = request.lines[i];
    if (quantity == 0 || quantity > 10'000) {
      return absl::InvalidArgumentError(absl::StrCat("lines[", i, "].quantity: must be 1..10000"));
    }
    absl::StatusOr<Item> item = LoadItem(request.village, request.shop, item_number);
    if (!item.ok()) return item.status();
    // Both factors are bounded (10^4 x 10^6 per line, 64 lines): no overflow.
    basket.spec.lines.push_back({item_number, quantity, item->points_price});
    basket.points_total += quantity * item->points_price;
  }
  return basket;
}

absl::StatusOr<std::optional<Basket>> ShopBook::KnownBasket(const BasketRequest& request) const {
  absl::StatusOr<Basket> existing = GetBasket(request.village, request.basket);
  if (absl::IsNotFound(existing.status())) return std::nullopt;
  if (!existing.ok()) return existing.status();
  bool same = existing->spec.shop == request.shop &&
              existing->spec.household == request.household &&
              existing->spec.lines.size() == request.lines.size();
  for (size_t i = 0; same && i < request.lines.size(); ++i) {
    same = existing->spec.lines[i].item == request.lines[i].first &&
           existing->spec.lines[i].quantity == request.lines[i].second;
  }
  if (!same) return absl::AlreadyExistsError("this basket id was used for another basket");
  return *std::move(existing);
}

absl::StatusOr<Basket> ShopBook::Redeem(const BasketRequest& request, Consent& consent) {
  absl::StatusOr<Basket> basket = PriceBasket(request);
  if (!basket.ok()) return basket.status();
  absl::StatusOr<std::optional<Basket>> known = KnownBasket(request);
  if (!known.ok()) return known.status();
  // The slow part of a consent (a PIN's hash) before the intent lock, for a new basket only.
  if (!known->has_value()) {
    if (absl::Status s = consent.Check(); !s.ok()) return s;
  }
  const std::string key = BasketKey(request.village, request.basket);
  auto held = record_locks_.Lock(key);  // a resend waits here for this basket's outcome
  known = KnownBasket(request);         // again: a resend may have recorded it meanwhile
  if (!known.ok()) return known.status();
  if (known->has_value()) {
    if ((*known)->state != BasketState::kSubmitting) return **std::move(known);
    basket = **std::move(known);  // left submitting (a crash, a failed call): its prices
  } else {
    basket->state = BasketState::kSubmitting;
    basket->redeemed_at_ns = clock_->NowNanos();
    // Fault points (fault_point.h) on either side of the one write of intent and consent.
    FaultPoint("shop.redeem.before_intent");
    if (absl::Status s = consent.Use([&](std::vector<StoreWrite> writes) {
          writes.push_back({key, EncodeBasket(*basket)});
          return store_->Write(writes);
        });
        !s.ok()) {
      return s;
    }
    FaultPoint("shop.redeem.after_intent");
  }
  // Only the call that recorded the intent used the consent, and may give it back.
  return Submit(*std::move(basket), known->has_value() ? nullptr : &consent);
}

absl::StatusOr<Basket> ShopBook::Return(VillageId village, Id basket_id) {
  auto held = record_locks_.Lock(BasketKey(village, basket_id));
  absl::StatusOr<Basket> found = GetBasket(village, basket_id);
  if (!found.ok()) return found.status();
  if (found->state == BasketState::kReturned) return found;
  if (found->state != BasketState::kRedeemed && found->state != BasketState::kReturning) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the basket is ", BasketStateName(found->state), ": only a redeemed one returns"));
  }
  Basket basket = *std::move(found);
  basket.state = BasketState::kReturning;
  if (absl::Status s = SaveBasket(basket); !s.ok()) return s;
  return Submit(std::move(basket));
}

namespace {

// Why the ledger refused a basket, in the shopkeeper's words: the chain is a stock leg and a
// points leg per line, in line order.
std::string BasketRefusal(const Basket& basket, const ChainOutcome& outcome) {
  const TR r = outcome.refused_result;
  const BasketLineSpec& line = basket.spec.lines[outcome.refused_index / 2];
  const bool stock_leg = outcome.refused_index % 2 == 0;
  if (r == TR::kExceedsCredits && stock_leg) {
    return absl::StrCat("item ", line.item, " is out of stock (", line.quantity, " wanted)");
  }
  if (r == TR::kExceedsCredits) {
    return absl::StrCat("the household has not enough points (", basket.points_total, " needed)");
  }
  return std::string(ResultName(r));
}

}  // namespace

absl::StatusOr<Basket> ShopBook::Submit(Basket basket, Consent* consent) {
  const bool returning = basket.state == BasketState::kReturning;
  std::vector<Transfer> chain = returning ? ReturnChain(basket.spec) : RedeemChain(basket.spec);
  std::optional<TR> return_refused;
  // An engine error is an unknown outcome: Open or a resend submits the same chain again.
  absl::StatusOr<Basket> done = SubmitStep<Basket>(
      *engine_, std::move(chain), "shop.submit.after_chain", std::move(basket),
      [&](Basket& b, const ChainOutcome& outcome) {
        if (outcome.accepted) {
          b.state = returning ? BasketState::kReturned : BasketState::kRedeemed;
        } else if (returning) {
          // Nothing moved; the basket stays redeemed. The usual cause: the shop settled the
          // points with the committee already, so its floor refuses giving them back.
          b.state = BasketState::kRedeemed;
          return_refused = outcome.refused_result;
        } else {
          b.state = BasketState::kRefused;
          b.refusal = BasketRefusal(b, outcome);
        }
      },
      [&](const Basket& b) {
        if (b.state != BasketState::kRefused || consent == nullptr) return SaveBasket(b);
        // Nothing was taken: the household's code pays another basket.
        return consent->GiveBack([&](std::vector<StoreWrite> writes) {
          writes.push_back({BasketKey(b.spec.village, b.spec.basket), EncodeBasket(b)});
          return store_->Write(writes);
        });
      });
  if (done.ok() && return_refused.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ledger refused the return (", std::string(ResultName(*return_refused)),
        "): the shop no longer holds these points (settled?); correct it with a new entry"));
  }
  return done;
}

// ---- Settlement ----

absl::Status ShopBook::SaveSettlement(const Settlement& settlement) {
  return store_->Put(SettlementKey(settlement.village, settlement.settlement),
                     EncodeSettlement(settlement));
}

absl::StatusOr<Settlement> ShopBook::GetSettlement(VillageId village, Id settlement) const {
  absl::StatusOr<std::string> bytes = store_->Get(SettlementKey(village, settlement));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError("no such settlement in this village");
  }
  return DecodeSettlement(*bytes);
}

absl::StatusOr<Settlement> ShopBook::Settle(VillageId village, uint32_t shop, Id settlement_id,
                                            uint64_t fen_per_point) {
  if (absl::Status s = CheckShop(village, shop); !s.ok()) return s;
  if (settlement_id == 0) return absl::InvalidArgumentError("settlement: must not be zero");
  if (fen_per_point == 0 || fen_per_point > kFenPerPointMax) {
    return absl::InvalidArgumentError(absl::StrCat("fen_per_point: must be 1..", kFenPerPointMax));
  }
  Settlement settlement;
  // Held to the outcome: a resend waits for it. A settlement of the same shop under another id
  // does not wait; the points leg's floor refuses the one that finds the points gone.
  auto held = record_locks_.Lock(SettlementKey(village, settlement_id));
  {
    absl::StatusOr<Settlement> existing = GetSettlement(village, settlement_id);
    if (existing.ok()) {
      if (existing->shop != shop || existing->fen_per_point != fen_per_point) {
        return absl::AlreadyExistsError("this settlement id was used for another settlement");
      }
      if (existing->state != SettlementState::kSettling) return existing;
      settlement = *std::move(existing);
    } else if (existing.status().code() != absl::StatusCode::kNotFound) {
      return existing.status();
    } else {
      absl::StatusOr<std::vector<Account>> found =
          engine_->LookupAccounts({ids::OfShopAccount(village, shop, ShopAccount::kPoints)});
      if (!found.ok()) return found.status();
      if (found->empty()) return absl::NotFoundError(absl::StrCat("no shop ", shop));
      const Account& a = (*found)[0];
      const uint64_t held = a.credits_posted - a.debits_posted - a.debits_pending;
      if (held == 0) return absl::FailedPreconditionError("the shop holds no points to settle");
      if (held > UINT64_MAX / fen_per_point) {
        return absl::InvalidArgumentError("points x fen_per_point overflows");
      }
      settlement = Settlement{village,
                              settlement_id,
                              shop,
                              held,
                              fen_per_point,
                              held * fen_per_point,
                              SettlementState::kSettling,
                              clock_->NowNanos(),
                              ""};
      if (absl::Status s = SaveSettlement(settlement); !s.ok()) return s;
    }
  }
  return SubmitSettlement(std::move(settlement));
}

absl::StatusOr<Settlement> ShopBook::SubmitSettlement(Settlement settlement) {
  std::vector<Transfer> chain =
      SettlementChain(settlement.village, settlement.shop, settlement.settlement, settlement.points,
                      settlement.fen);
  // An engine error is an unknown outcome: Resume resends the chain.
  return SubmitStep<Settlement>(
      *engine_, std::move(chain), "shop.settle.after_chain", std::move(settlement),
      [](Settlement& st, const ChainOutcome& outcome) {
        if (outcome.accepted) {
          st.state = SettlementState::kSettled;
          return;
        }
        st.state = SettlementState::kRefused;
        st.refusal = outcome.refused_result == TR::kExceedsCredits
                         ? "the shop holds fewer points than when the settlement was made "
                           "(settled or refunded meanwhile)"
                         : std::string(ResultName(outcome.refused_result));
      },
      [&](const Settlement& st) { return SaveSettlement(st); });
}

// ---- Cash sales to members: discount and micro-fund ----

absl::Status ShopBook::SetTerms(VillageId village, uint32_t shop, const ShopTerms& terms) {
  if (absl::Status s = CheckShop(village, shop); !s.ok()) return s;
  if (terms.discount_bp > kBasisPointsMax || terms.levy_bp > kBasisPointsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("discount and levy are basis points, 0..", kBasisPointsMax));
  }
  if (!store_->Get(ShopKey(keys::kShop, village, shop)).ok()) {
    return absl::NotFoundError(absl::StrCat("no shop ", shop, " in village ", village));
  }
  return store_->Put(TermsKey(village, shop),
                     absl::StrCat(BigEndian(terms.discount_bp, 4), BigEndian(terms.levy_bp, 4)));
}

absl::StatusOr<CashSale> ShopBook::RecordCashSale(const CashSaleRequest& request) {
  if (absl::Status s = CheckShop(request.village, request.shop); !s.ok()) return s;
  if (request.sale == 0) return absl::InvalidArgumentError("sale: must not be zero");
  if (request.lines.empty() || request.lines.size() > kBasketLinesMax) {
    return absl::InvalidArgumentError(absl::StrCat("lines: 1..", kBasketLinesMax));
  }
  absl::StatusOr<std::vector<Account>> member =
      engine_->LookupAccounts({ids::Household(request.village, request.household)});
  if (!member.ok()) return member.status();
  if (request.household == 0 || member->empty()) {
    return absl::NotFoundError("the buyer is not a household of the scheme: no member discount");
  }
  CashSale sale;
  sale.request = request;
  for (size_t i = 0; i < request.lines.size(); ++i) {
    const auto& [item_number, quantity] = request.lines[i];
    if (quantity == 0 || quantity > 10'000) {
      return absl::InvalidArgumentError(absl::StrCat("lines[", i, "].quantity: must be 1..10000"));
    }
    absl::StatusOr<Item> item = LoadItem(request.village, request.shop, item_number);
    if (!item.ok()) return item.status();
    if (item->cash_price_fen == 0 || item->cash_price_fen > kItemPointsPriceMax * 100) {
      return absl::InvalidArgumentError(
          absl::StrCat("lines[", i, "]: item ", item_number, " is not sold for cash"));
    }
    sale.list_fen += quantity * item->cash_price_fen;  // bounded: 64 x 10^4 x 10^8
  }
  absl::StatusOr<std::string> terms = store_->Get(TermsKey(request.village, request.shop));
  if (terms.ok()) {
    RecordReader r(*terms);
    sale.discount_bp = static_cast<uint32_t>(r.Int(4));
    sale.levy_bp = static_cast<uint32_t>(r.Int(4));
  } else if (terms.status().code() != absl::StatusCode::kNotFound) {
    return terms.status();
  }
  // The member pays the list price less the discount, the discount rounded up in their favour;
  // the levy is the share of what was paid, rounded down.
  const uint64_t discount_fen =
      (sale.list_fen * sale.discount_bp + kBasisPointsMax - 1) / kBasisPointsMax;
  sale.paid_fen = sale.list_fen - std::min(discount_fen, sale.list_fen);
  sale.levy_fen = sale.paid_fen * sale.levy_bp / kBasisPointsMax;
  if (sale.paid_fen == 0) return absl::InvalidArgumentError("the sale comes to 0 fen");
  auto held = record_locks_.Lock(CashSaleKey(request.village, request.sale));  // to the outcome
  {
    absl::StatusOr<std::string> bytes = store_->Get(CashSaleKey(request.village, request.sale));
    if (bytes.ok()) {
      absl::StatusOr<CashSale> existing = DecodeCashSale(*bytes);
      if (!existing.ok()) return existing.status();
      if (existing->request.shop != request.shop ||
          existing->request.household != request.household ||
          existing->request.lines != request.lines) {
        return absl::AlreadyExistsError("this sale id was used for another sale");
      }
      if (existing->recorded) return existing;
      sale = *std::move(existing);  // a resend: the amounts it was saved with
    } else if (bytes.status().code() != absl::StatusCode::kNotFound) {
      return bytes.status();
    } else {
      sale.sold_at_ns = clock_->NowNanos();
      if (absl::Status s =
              store_->Put(CashSaleKey(request.village, request.sale), EncodeCashSale(sale));
          !s.ok()) {
        return s;
      }
    }
  }
  return SubmitCashSale(std::move(sale));
}

absl::StatusOr<CashSale> ShopBook::SubmitCashSale(CashSale sale) {
  std::vector<Transfer> chain =
      CashSaleChain(sale.request.village, sale.request.shop, sale.request.sale, sale.paid_fen,
                    sale.list_fen, sale.discount_bp, sale.levy_fen);
  // An engine error is an unknown outcome: a resend or Resume tries again.
  return SubmitStepOrFail<CashSale>(
      *engine_, std::move(chain), "shop.cash_sale.after_chain", std::move(sale),
      [](CashSale& c) { c.recorded = true; },
      [&](const CashSale& c) {
        return store_->Put(CashSaleKey(c.request.village, c.request.sale), EncodeCashSale(c));
      },
      [](CreateTransferResult r) {
        return absl::FailedPreconditionError(
            absl::StrCat("the ledger refused the sale: ", std::string(ResultName(r)),
                         " (is the shop set up on the money ledger?)"));
      });
}

}  // namespace points::domain

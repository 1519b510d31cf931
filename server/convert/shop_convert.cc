#include "server/convert/shop_convert.h"

#include "absl/strings/str_cat.h"
#include "server/convert/convert.h"

namespace points::server {

static_assert(v1::BASKET_STATE_SUBMITTING == static_cast<int>(domain::BasketState::kSubmitting));
static_assert(v1::BASKET_STATE_RETURNED == static_cast<int>(domain::BasketState::kReturned));
static_assert(v1::SETTLEMENT_STATE_REFUSED == static_cast<int>(domain::SettlementState::kRefused));

absl::StatusOr<domain::BasketRequest> BasketRequestFromProto(const v1::Basket& b) {
  domain::BasketRequest r;
  absl::StatusOr<Id> id = IdFromBytes(b.basket_id(), "basket.basket_id");
  if (!id.ok()) return id.status();
  r.basket = *id;
  r.village = b.village();
  r.shop = b.shop();
  r.household = b.household();
  if (b.lines_size() == 0 || static_cast<size_t>(b.lines_size()) > domain::kBasketLinesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("basket.lines: 1..", domain::kBasketLinesMax, " lines, got ", b.lines_size()));
  }
  for (const v1::BasketLine& line : b.lines()) r.lines.emplace_back(line.item(), line.quantity());
  return r;
}

void BasketToProto(const domain::Basket& b, v1::Basket* out) {
  out->set_basket_id(IdToBytes(b.spec.basket));
  out->set_village(b.spec.village);
  out->set_shop(b.spec.shop);
  out->set_household(b.spec.household);
  for (const domain::BasketLineSpec& l : b.spec.lines) {
    v1::BasketLine* line = out->add_lines();
    line->set_item(l.item);
    line->set_quantity(l.quantity);
    line->set_points_each(l.points_each);
  }
  out->set_state(static_cast<v1::BasketState>(b.state));  // numbered alike
  out->set_points_total(b.points_total);
  out->set_redeemed_at(b.redeemed_at_ns);
  out->set_refusal(b.refusal);
}

absl::StatusOr<domain::Basket> BasketFromProto(const v1::Basket& in) {
  absl::StatusOr<domain::BasketRequest> request = BasketRequestFromProto(in);
  if (!request.ok()) return request.status();
  if (in.state() < v1::BASKET_STATE_SUBMITTING || in.state() > v1::BASKET_STATE_RETURNED) {
    return absl::InvalidArgumentError("basket.state: unknown");
  }
  domain::Basket b;
  b.spec.village = request->village;
  b.spec.basket = request->basket;
  b.spec.shop = request->shop;
  b.spec.household = request->household;
  for (const v1::BasketLine& l : in.lines()) {
    b.spec.lines.push_back({l.item(), l.quantity(), l.points_each()});
  }
  b.state = static_cast<domain::BasketState>(in.state());
  b.points_total = in.points_total();
  b.redeemed_at_ns = in.redeemed_at();
  b.refusal = in.refusal();
  return b;
}

domain::Item ItemFromProto(const v1::Item& item) {
  return domain::Item{item.item(), item.name(), item.points_price(), item.cash_price_fen(),
                      item.stock()};
}

void ItemToProto(const domain::Item& item, v1::Item* out) {
  out->set_item(item.item);
  out->set_name(item.name);
  out->set_points_price(item.points_price);
  out->set_cash_price_fen(item.cash_price_fen);
  out->set_stock(item.stock);
}

void SettlementToProto(const domain::Settlement& t, v1::Settlement* out) {
  out->set_settlement_id(IdToBytes(t.settlement));
  out->set_village(t.village);
  out->set_shop(t.shop);
  out->set_points(t.points);
  out->set_fen_per_point(t.fen_per_point);
  out->set_fen(t.fen);
  out->set_state(static_cast<v1::SettlementState>(t.state));  // numbered alike
  out->set_settled_at(t.settled_at_ns);
  out->set_refusal(t.refusal);
}

absl::StatusOr<domain::Settlement> SettlementFromProto(const v1::Settlement& in) {
  absl::StatusOr<Id> id = IdFromBytes(in.settlement_id(), "settlement.settlement_id");
  if (!id.ok()) return id.status();
  if (in.state() < v1::SETTLEMENT_STATE_SETTLING || in.state() > v1::SETTLEMENT_STATE_REFUSED) {
    return absl::InvalidArgumentError("settlement.state: unknown");
  }
  return domain::Settlement{in.village(),
                            *id,
                            in.shop(),
                            in.points(),
                            in.fen_per_point(),
                            in.fen(),
                            static_cast<domain::SettlementState>(in.state()),
                            in.settled_at(),
                            in.refusal()};
}

absl::StatusOr<domain::CashSaleRequest> CashSaleRequestFromProto(
    const v1::RecordCashSaleRequest& request) {
  domain::CashSaleRequest r;
  absl::StatusOr<Id> id = IdFromBytes(request.sale_id(), "sale_id");
  if (!id.ok()) return id.status();
  r.sale = *id;
  r.village = request.village();
  r.shop = request.shop();
  r.household = request.household();
  if (request.lines_size() == 0 ||
      static_cast<size_t>(request.lines_size()) > domain::kBasketLinesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("lines: 1..", domain::kBasketLinesMax, " lines, got ", request.lines_size()));
  }
  for (const v1::BasketLine& line : request.lines()) {
    r.lines.emplace_back(line.item(), line.quantity());
  }
  return r;
}

void CashSaleToProto(const domain::CashSale& sale, v1::RecordCashSaleResponse* out) {
  out->set_list_fen(sale.list_fen);
  out->set_discount_bp(sale.discount_bp);
  out->set_paid_fen(sale.paid_fen);
  out->set_levy_bp(sale.levy_bp);
  out->set_levy_fen(sale.levy_fen);
  out->set_sold_at(sale.sold_at_ns);
}

void OfflineLimitsToProto(const domain::OfflineLimits& limits, v1::OfflineLimits* out) {
  out->set_offline_hours(limits.offline_hours);
  out->set_household_points(limits.household_points);
  out->set_household_baskets(limits.household_baskets);
  out->set_terminal_points(limits.terminal_points);
  out->set_terminal_baskets(limits.terminal_baskets);
  out->set_basket_points_max(limits.basket_points_max);
}

domain::OfflineLimits OfflineLimitsFromProto(const v1::OfflineLimits& limits) {
  return {.offline_hours = limits.offline_hours(),
          .household_points = limits.household_points(),
          .household_baskets = limits.household_baskets(),
          .terminal_points = limits.terminal_points(),
          .terminal_baskets = limits.terminal_baskets(),
          .basket_points_max = limits.basket_points_max()};
}

}  // namespace points::server

// pointsctl's shop commands (ShopService): shops, items, stock, baskets, cash sales,
// settlement.

#include "clients/pointsctl/pointsctl_cli.h"

namespace points::client {
namespace {

// ---- Shops and baskets ----

// The ITEM:QUANTITY arguments from position `first` on, e.g. 3:2.
std::vector<std::pair<uint32_t, uint64_t>> ItemLines(const Invocation& in, size_t first) {
  std::vector<std::pair<uint32_t, uint64_t>> lines;
  for (size_t i = first; i < in.args.size(); ++i) {
    const std::vector<std::string> parts = absl::StrSplit(in.args[i], ':');
    if (parts.size() != 2) Usage(absl::StrCat("'", in.args[i], "': give ITEM:QUANTITY, e.g. 3:2"));
    lines.emplace_back(NumberArg("item", parts[0], UINT32_MAX),
                       NumberArg("quantity", parts[1], 10'000));
  }
  return lines;
}

void PrintBasket(const GlobalOptions& global, const domain::Basket& b) {
  if (global.json) {
    std::vector<std::string> lines;
    for (const domain::BasketLineSpec& l : b.spec.lines) {
      lines.push_back(absl::StrCat("{\"item\":", l.item, ",\"quantity\":\"", l.quantity,
                                   "\",\"points_each\":\"", l.points_each, "\"}"));
    }
    JsonObject()
        .String("basket_id", FormatId(b.spec.basket))
        .Uint32("village", b.spec.village)
        .Uint32("shop", b.spec.shop)
        .Uint64("household", b.spec.household)
        .Raw("lines", absl::StrCat("[", absl::StrJoin(lines, ","), "]"))
        .String("state", domain::BasketStateName(b.state))
        .Uint64("points_total", b.points_total)
        .String("refusal", b.refusal)
        .PrintLine(stdout);
    return;
  }
  Table table({{"BASKET"}, {"HOUSEHOLD", true}, {"POINTS", true}, {"STATE"}, {"WHY"}});
  table.AddRow({FormatId(b.spec.basket), absl::StrCat(b.spec.household),
                absl::StrCat(b.points_total), domain::BasketStateName(b.state), OrDash(b.refusal)});
  table.Print(stdout);
}

// Prints the basket a step returned; a refusal (by the ledger or the workflow) exits 3.
int BasketStepDone(const Invocation& in, const absl::StatusOr<domain::Basket>& basket) {
  if (!basket.ok()) return WorkflowFailed(basket.status());
  PrintBasket(in.global, *basket);
  return basket->state == domain::BasketState::kRefused ? kExitRefused : kExitOk;
}

int ShopStepDone(const absl::Status& status, const std::string& done) {
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("%s\n", done.c_str());
  return kExitOk;
}

int RunShopsCreate(const Invocation& in) {
  if (in.args.size() != 3) Usage("give the village, the shop number and its name");
  LedgerClient client = MakeClient(in.global);
  return ShopStepDone(client.CreateShop(VillageArg(in.args[0]),
                                        NumberArg("shop", in.args[1], UINT32_MAX), in.args[2]),
                      absl::StrCat("shop ", in.args[1], " (", in.args[2], ") ready"));
}

int RunItemsPut(const Invocation& in) {
  if (in.args.size() != 3) Usage("give the village, the shop and the item number");
  domain::Item item;
  item.item = NumberArg("item", in.args[2], UINT32_MAX);
  item.name = TextFlag(in, "--name");
  RequireFlag(in, "--points");
  item.points_price = NumberFlag(in, "--points", domain::kItemPointsPriceMax);
  item.cash_price_fen = NumberFlag(in, "--cash-fen", UINT64_MAX);
  LedgerClient client = MakeClient(in.global);
  return ShopStepDone(
      client.PutItem(VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX), item),
      absl::StrCat("item ", item.item, " (", item.name, "): ", item.points_price, " points"));
}

int RunItemsList(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the shop");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<domain::Item>> items =
      client.ListItems(VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX));
  if (!items.ok()) return WorkflowFailed(items.status());
  if (in.global.json) {
    for (const domain::Item& i : *items) {
      JsonObject()
          .Uint32("item", i.item)
          .String("name", i.name)
          .Uint64("points_price", i.points_price)
          .Uint64("cash_price_fen", i.cash_price_fen)
          .Uint64("stock", i.stock)
          .PrintLine(stdout);
    }
    return kExitOk;
  }
  Table table({{"ITEM", true}, {"NAME"}, {"POINTS", true}, {"CASH_FEN", true}, {"STOCK", true}});
  for (const domain::Item& i : *items) {
    table.AddRow({absl::StrCat(i.item), i.name, absl::StrCat(i.points_price),
                  absl::StrCat(i.cash_price_fen), absl::StrCat(i.stock)});
  }
  table.Print(stdout);
  return kExitOk;
}

int RunStockAdd(const Invocation& in) {
  if (in.args.size() != 3) Usage("give the village, the shop and the item number");
  RequireFlag(in, "--id");
  RequireFlag(in, "--quantity");
  const uint64_t quantity = NumberFlag(in, "--quantity", UINT64_MAX);
  LedgerClient client = MakeClient(in.global);
  return ShopStepDone(
      client.Restock(VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX),
                     NumberArg("item", in.args[2], UINT32_MAX), IdFlag(in, "--id"), quantity),
      absl::StrCat("item ", in.args[2], ": ", quantity, " more in stock"));
}

int RunBasketsRedeem(const Invocation& in) {
  if (in.args.size() < 3) Usage("give the village, the shop and at least one ITEM:QUANTITY");
  domain::BasketRequest basket;
  basket.village = VillageArg(in.args[0]);
  basket.shop = NumberArg("shop", in.args[1], UINT32_MAX);
  RequireFlag(in, "--id");
  basket.basket = IdFlag(in, "--id");
  RequireFlag(in, "--household");
  basket.household = RequiredNumberFlag(in, "--household", UINT64_MAX);
  basket.lines = ItemLines(in, 2);
  LedgerClient::Consent consent;
  consent.payment_code = in.Value("--code").value_or("");
  consent.card_number = in.Value("--card").value_or("");
  consent.pin = in.Value("--pin").value_or("");
  if (consent.payment_code.empty() == consent.card_number.empty()) {
    Usage("give the household's consent: --code CODE (from its app), or --card N with --pin");
  }
  if (!consent.card_number.empty() && consent.pin.empty()) Usage("--card needs --pin");
  LedgerClient client = MakeClient(in.global);
  return BasketStepDone(in, client.RedeemBasket(basket, consent));
}

int RunPayCode(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::IssuePaymentCodeResponse> code = client.IssuePaymentCode(
      VillageArg(in.args[0]), NumberArg("household", in.args[1], UINT64_MAX));
  if (!code.ok()) return WorkflowFailed(code.status());
  if (in.global.json) {
    JsonObject()
        .String("code", code->code())
        .String("expires_at", absl::StrCat(code->expires_at()))
        .PrintLine(stdout);
  } else {
    std::printf("%s\nvalid until %s, for one basket\n", code->code().c_str(),
                FormatTimestamp(code->expires_at()).c_str());
  }
  return kExitOk;
}

int RunCardIssue(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household");
  RequireFlag(in, "--pin");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::string> card =
      client.IssueCard(VillageArg(in.args[0]), NumberArg("household", in.args[1], UINT64_MAX),
                       TextFlag(in, "--pin"));
  if (!card.ok()) return WorkflowFailed(card.status());
  if (in.global.json) {
    JsonObject().String("card_number", *card).PrintLine(stdout);
  } else {
    std::printf("card %s (the old card, if any, no longer works)\n", card->c_str());
  }
  return kExitOk;
}

int RunBasketsReturn(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the basket id");
  LedgerClient client = MakeClient(in.global);
  return BasketStepDone(
      in, client.ReturnBasket(VillageArg(in.args[0]), IdArg("basket id", in.args[1])));
}

int RunBasketsShow(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the basket id");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::Basket> basket =
      client.GetBasket(VillageArg(in.args[0]), IdArg("basket id", in.args[1]));
  if (!basket.ok()) return BasketStepDone(in, basket);
  PrintBasket(in.global, *basket);
  return kExitOk;
}

int RunShopsSettle(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the shop");
  RequireFlag(in, "--id");
  RequireFlag(in, "--fen-per-point");
  const uint64_t rate = NumberFlag(in, "--fen-per-point", domain::kFenPerPointMax);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::Settlement> settled = client.SettleShop(
      VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX), IdFlag(in, "--id"), rate);
  if (!settled.ok()) return WorkflowFailed(settled.status());
  if (in.global.json) {
    JsonObject()
        .String("settlement_id", FormatId(settled->settlement))
        .Uint32("shop", settled->shop)
        .Uint64("points", settled->points)
        .Uint64("fen_per_point", settled->fen_per_point)
        .Uint64("fen", settled->fen)
        .String("state", domain::SettlementStateName(settled->state))
        .Uint64("settled_at", settled->settled_at_ns)
        .String("refusal", settled->refusal)
        .PrintLine(stdout);
  } else {
    Table table({{"SETTLEMENT"},
                 {"SHOP", true},
                 {"POINTS", true},
                 {"FEN", true},
                 {"STATE"},
                 {"SETTLED_AT"},
                 {"WHY"}});
    table.AddRow({FormatId(settled->settlement), absl::StrCat(settled->shop),
                  absl::StrCat(settled->points), absl::StrCat(settled->fen),
                  domain::SettlementStateName(settled->state),
                  FormatTimestamp(settled->settled_at_ns), OrDash(settled->refusal)});
    table.Print(stdout);
  }
  return settled->state == domain::SettlementState::kSettled ? kExitOk : kExitRefused;
}

int RunShopsTerms(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the shop");
  domain::ShopTerms terms;
  terms.discount_bp =
      static_cast<uint32_t>(NumberFlag(in, "--discount-bp", domain::kBasisPointsMax));
  terms.levy_bp = static_cast<uint32_t>(NumberFlag(in, "--levy-bp", domain::kBasisPointsMax));
  LedgerClient client = MakeClient(in.global);
  return ShopStepDone(
      client.SetShopTerms(VillageArg(in.args[0]), NumberArg("shop", in.args[1], UINT32_MAX), terms),
      absl::StrCat("shop ", in.args[1], ": members get ", terms.discount_bp, " bp off, ",
                   terms.levy_bp, " bp of sales to the micro-fund"));
}

// The offline limits' flags, each with the limit in force as its default.
domain::OfflineLimits LimitsFromFlags(const Invocation& in, const domain::OfflineLimits& now) {
  domain::OfflineLimits l;
  l.offline_hours = static_cast<uint32_t>(
      NumberFlag(in, "--offline-hours", domain::kOfflineHoursMax, now.offline_hours));
  l.household_points =
      NumberFlag(in, "--household-points", domain::kOfflinePointsMax, now.household_points);
  l.household_baskets = static_cast<uint32_t>(
      NumberFlag(in, "--household-baskets", domain::kOfflineBasketsMax, now.household_baskets));
  l.terminal_points =
      NumberFlag(in, "--terminal-points", domain::kOfflinePointsMax, now.terminal_points);
  l.terminal_baskets = static_cast<uint32_t>(
      NumberFlag(in, "--terminal-baskets", domain::kOfflineBasketsMax, now.terminal_baskets));
  l.basket_points_max =
      NumberFlag(in, "--basket-points", domain::kOfflinePointsMax, now.basket_points_max);
  return l;
}

int RunShopsOfflineLimits(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  const uint32_t village = VillageArg(in.args[0]);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::OfflineLimits> now = client.GetOfflineLimits(village);
  if (!now.ok()) return WorkflowFailed(now.status());
  domain::OfflineLimits limits = LimitsFromFlags(in, *now);
  bool changing = false;
  for (const char* flag : {"--offline-hours", "--household-points", "--household-baskets",
                           "--terminal-points", "--terminal-baskets", "--basket-points"}) {
    changing |= in.Has(flag);
  }
  if (changing) {
    if (absl::Status s = client.SetOfflineLimits(village, limits); !s.ok()) {
      return WorkflowFailed(s);
    }
  }
  if (in.global.json) {
    JsonObject()
        .Uint32("offline_hours", limits.offline_hours)
        .Uint64("household_points", limits.household_points)
        .Uint32("household_baskets", limits.household_baskets)
        .Uint64("terminal_points", limits.terminal_points)
        .Uint32("terminal_baskets", limits.terminal_baskets)
        .Uint64("basket_points_max", limits.basket_points_max)
        .PrintLine(stdout);
    return kExitOk;
  }
  std::printf(
      "village %u%s: offline for %u h after the last answer; per household %llu points and %u "
      "baskets; per terminal %llu points and %u baskets; at most %llu points a basket\n",
      village, changing ? " now" : "", limits.offline_hours,
      static_cast<unsigned long long>(limits.household_points), limits.household_baskets,
      static_cast<unsigned long long>(limits.terminal_points), limits.terminal_baskets,
      static_cast<unsigned long long>(limits.basket_points_max));
  return kExitOk;
}

int RunSalesRecord(const Invocation& in) {
  if (in.args.size() < 3) Usage("give the village, the shop and at least one ITEM:QUANTITY");
  domain::CashSaleRequest sale;
  sale.village = VillageArg(in.args[0]);
  sale.shop = NumberArg("shop", in.args[1], UINT32_MAX);
  RequireFlag(in, "--id");
  sale.sale = IdFlag(in, "--id");
  RequireFlag(in, "--household");
  sale.household = RequiredNumberFlag(in, "--household", UINT64_MAX);
  sale.lines = ItemLines(in, 2);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::CashSale> sold = client.RecordCashSale(sale);
  if (!sold.ok()) return WorkflowFailed(sold.status());
  if (in.global.json) {
    JsonObject()
        .String("sale_id", FormatId(sale.sale))
        .Uint64("list_fen", sold->list_fen)
        .Uint32("discount_bp", sold->discount_bp)
        .Uint64("paid_fen", sold->paid_fen)
        .Uint32("levy_bp", sold->levy_bp)
        .Uint64("levy_fen", sold->levy_fen)
        .PrintLine(stdout);
    return kExitOk;
  }
  Table table({{"SALE"}, {"LIST_FEN", true}, {"PAID_FEN", true}, {"LEVY_FEN", true}});
  table.AddRow({FormatId(sale.sale), absl::StrCat(sold->list_fen), absl::StrCat(sold->paid_fen),
                absl::StrCat(sold->levy_fen)});
  table.Print(stdout);
  return kExitOk;
}

// The committee's terms for a shop and for the village's terminals offline.
std::vector<Command> TermsCommands() {
  return {
      {"shops",
       "terms",
       "VILLAGE SHOP",
       "set a shop's discount and micro-fund levy",
       "Sets what scheme members get off the cash price at this shop, and the share of what\n"
       "they pay that the shop pays into the village micro-fund, in basis points (1000 = 10 %,\n"
       "i.e. 九折). Later cash sales use them.\n",
       {{"--discount-bp", "N", "members' discount, 0..10000 (default 0)"},
        {"--levy-bp", "N", "share of paid sales for the micro-fund, 0..10000 (default 0)"}},
       RunShopsTerms},
      {"shops",
       "offline-limits",
       "VILLAGE",
       "show or set what the village's shop terminals may do offline",
       "Without flags, shows the limits the village's terminals keep while they cannot reach\n"
       "the server (clients/web/OFFLINE.md). With flags, the committee changes those named (the\n"
       "others stay); terminals take them with their next catalogue while online. A basket sold\n"
       "offline that arrives later than --offline-hours after its sale is refused and becomes the\n"
       "shop's shortfall. --offline-hours 0 turns selling offline off.\n",
       {{"--offline-hours", "N", "hours a terminal may sell after its last answer, 0..720"},
        {"--household-points", "N", "points per household offline, 0..100000"},
        {"--household-baskets", "N", "baskets per household offline, 0..10000"},
        {"--terminal-points", "N", "points a terminal may hold unsent, 0..100000"},
        {"--terminal-baskets", "N", "baskets a terminal may hold unsent, 0..10000"},
        {"--basket-points", "N", "a larger basket is sold online only, 0..100000"}},
       RunShopsOfflineLimits},
  };
}

}  // namespace

std::vector<Command> ShopCommands() {
  std::vector<Command> commands = {
      {"shops",
       "create",
       "VILLAGE SHOP NAME",
       "create a shop",
       "Creates shop SHOP of the village (its points and money accounts). Safe to run again.\n",
       {},
       RunShopsCreate},
      {"shops",
       "settle",
       "VILLAGE SHOP",
       "settle a shop: its points back, money to it",
       "The committee settles the shop: every point it holds goes back to the issuer and\n"
       "points x --fen-per-point fen go from the committee's cash to the shop's money account,\n"
       "in one commit. Safe to run again with the same --id. The shop reconciles against its\n"
       "points account's history up to SETTLED_AT (pointsctl history ACCOUNT --to TIME).\n",
       {{"--id", "ID", "the settlement id, its idempotency key; required"},
        {"--fen-per-point", "N", "the rate, 1..100000 (100: 1 point = 1 yuan); required"}},
       RunShopsSettle},
      {"sales",
       "record",
       "VILLAGE SHOP ITEM:QUANTITY...",
       "record a member's cash purchase",
       "Records a cash sale to a member household at the catalogue's cash prices: the discount\n"
       "and, in the same commit, the levy moved from the shop's money account into the micro-\n"
       "fund. Safe to resend with the same --id.\n",
       {{"--household", "N", "the member household buying; required"},
        {"--id", "ID", "the sale id, its idempotency key; required"}},
       RunSalesRecord},
      {"items",
       "put",
       "VILLAGE SHOP ITEM",
       "add an item to a shop or change it",
       "Adds ITEM to the shop's catalogue, or changes its name and prices. Baskets keep the\n"
       "price they were sold at.\n",
       {{"--name", "TEXT", "e.g. 酱油 500ml; required"},
        {"--points", "N", "points per unit, 1..1000000; required"},
        {"--cash-fen", "N", "cash price in fen (default 0: not sold for cash)"}},
       RunItemsPut},
      {"items",
       "list",
       "VILLAGE SHOP",
       "show a shop's items and stock",
       "Shows the shop's catalogue with the units left in stock.\n",
       {},
       RunItemsList},
      {"stock",
       "add",
       "VILLAGE SHOP ITEM",
       "add units to an item's stock",
       "Adds --quantity units to the item's stock. Safe to run again with the same --id.\n",
       {{"--id", "ID", "the delivery's id, its idempotency key; required"},
        {"--quantity", "N", "units; required"}},
       RunStockAdd},
      {"baskets",
       "redeem",
       "VILLAGE SHOP ITEM:QUANTITY...",
       "redeem a basket for a household",
       "Redeems a basket: every item or none, the stock taken and the household's points\n"
       "paid in one commit. Safe to resend with the same --id: never charged twice. Exit code\n"
       "3 when refused (out of stock, not enough points: the WHY column says which); nothing\n"
       "is taken then.\n"
       "\n"
       "The household consents with the payment code its app shows (--code; one basket, two\n"
       "minutes) or its card and PIN (--card, --pin); a resend of the same basket needs no new\n"
       "code. Only the shop's own shopkeeper may redeem (server/AUTHZ.md).\n"
       "\n"
       "Example: pointsctl baskets redeem 1 2 1:2 3:1 --household 7 --id 7001 --code PC1-1-7-...\n",
       {{"--household", "N", "the household paying; required"},
        {"--id", "ID", "the basket id, its idempotency key; required"},
        {"--code", "CODE", "the household's payment code (pointsctl baskets pay-code)"},
        {"--card", "N", "the household's card number, with --pin"},
        {"--pin", "PIN", "the card's PIN"}},
       RunBasketsRedeem},
      {"baskets",
       "pay-code",
       "VILLAGE HOUSEHOLD",
       "a payment code for the household (its app)",
       "Issues a payment code for the household, as its app shows it as a QR code: valid for\n"
       "two minutes and one basket. Only the household's own principal may ask.\n",
       {},
       RunPayCode},
      {"baskets",
       "card",
       "VILLAGE HOUSEHOLD",
       "issue a household a card and PIN (committee)",
       "Issues the household a printed card (its number is printed) with a PIN of 4 to 8\n"
       "digits, for households without a smartphone; the old card stops working. Five wrong\n"
       "PINs in a row lock the card for 15 minutes.\n",
       {{"--pin", "PIN", "4..8 digits; required"}},
       RunCardIssue},
      {"baskets",
       "return",
       "VILLAGE BASKET_ID",
       "return a redeemed basket",
       "Reverses every line: points back to the household, items back in stock. Safe to run\n"
       "again.\n",
       {},
       RunBasketsReturn},
      {"baskets",
       "show",
       "VILLAGE BASKET_ID",
       "show a basket",
       "Shows a basket and where it stands.\n",
       {},
       RunBasketsShow},
  };
  std::vector<Command> terms = TermsCommands();
  commands.insert(commands.begin() + 2, terms.begin(), terms.end());  // after create, settle
  return commands;
}

}  // namespace points::client

#include "server/domain/books/disclosure.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "points/limits.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/number_range.h"
#include "server/domain/values/shop_layout.h"

namespace points::domain {
namespace {

// Adds into 64-bit sums and remembers whether any of them overflowed, so a long summing loop
// stays readable and still reports OUT_OF_RANGE instead of a wrapped figure.
class Checked {
 public:
  void Add(uint64_t& sum, uint64_t v) {
    if (v > UINT64_MAX - sum) {
      overflowed_ = true;
      return;
    }
    sum += v;
  }
  absl::Status status(const char* what) const {
    if (!overflowed_) return absl::OkStatus();
    return absl::OutOfRangeError(absl::StrCat(what, ": a sum overflows 64 bits"));
  }

 private:
  bool overflowed_ = false;
};

// A movement of one account as it changed the account: a post or void resolved against the
// pending transfer it names (the journal keeps a post as sent, with accounts, code and amount 0).
struct Movement {
  Transfer transfer;  // as journaled
  MovementState state = MovementState::kPosted;
  bool credit = false;
  uint64_t amount = 0;
  uint16_t code = 0;
  Id counterparty = 0;
  Id reference = 0;
  uint32_t detail = 0;
};

// Calls `visit` for every transfer of `account` with a timestamp in [begin_ns, end_ns), oldest
// first, until it returns false.
template <typename Visit>
absl::Status ForEachMovement(const Engine& engine, Id account, uint64_t begin_ns, uint64_t end_ns,
                             Visit visit) {
  HistoryFilter filter;
  filter.account_id = account;
  filter.timestamp_min = begin_ns;
  filter.timestamp_max = end_ns - 1;  // end_ns > begin_ns >= 1: never 0, which means "no bound"
  filter.limit = static_cast<uint32_t>(kHistoryPageMax);
  while (true) {
    absl::StatusOr<std::vector<Transfer>> page = engine.GetAccountTransfers(filter);
    if (!page.ok()) return page.status();
    std::vector<Id> pending_ids;
    for (const Transfer& t : *page) {
      if (t.flags & (kTransferPostPendingTransfer | kTransferVoidPendingTransfer)) {
        pending_ids.push_back(t.pending_id);
      }
    }
    std::map<Id, Transfer> pending;
    if (!pending_ids.empty()) {  // a page holds at most kHistoryPageMax = kLookupIdsMax ids
      absl::StatusOr<std::vector<Transfer>> found = engine.LookupTransfers(pending_ids);
      if (!found.ok()) return found.status();
      for (const Transfer& p : *found) pending.emplace(p.id, p);
    }
    for (const Transfer& t : *page) {
      Movement m;
      m.transfer = t;
      Transfer effect = t;
      const bool post = t.flags & kTransferPostPendingTransfer;
      if (post || (t.flags & kTransferVoidPendingTransfer)) {
        auto it = pending.find(t.pending_id);
        if (it == pending.end()) {
          return absl::DataLossError("a post or void names a pending transfer the ledger lacks");
        }
        const Transfer& p = it->second;
        effect.debit_account_id = p.debit_account_id;
        effect.credit_account_id = p.credit_account_id;
        effect.code = p.code;
        effect.amount = post && t.amount != 0 ? t.amount : p.amount;
        if (effect.user_data_128 == 0) effect.user_data_128 = p.user_data_128;
        if (effect.user_data_32 == 0) effect.user_data_32 = p.user_data_32;
        m.state = post ? MovementState::kPosted : MovementState::kVoided;
      } else if (t.flags & kTransferPending) {
        m.state = MovementState::kPending;
      }
      m.credit = effect.credit_account_id == account;
      m.amount = effect.amount;
      m.code = effect.code;
      m.counterparty = m.credit ? effect.debit_account_id : effect.credit_account_id;
      m.reference = effect.user_data_128;
      m.detail = effect.user_data_32;
      if (!visit(m)) return absl::OkStatus();
    }
    if (page->size() < filter.limit) return absl::OkStatus();
    filter.timestamp_min = page->back().timestamp + 1;  // timestamps are unique
    if (filter.timestamp_min > filter.timestamp_max) return absl::OkStatus();
  }
}

// The account's balances right after its last change at or before `at_ns` (zeros before its
// first change). Needs an account with history.
absl::StatusOr<AccountBalance> BalanceAt(const Engine& engine, Id account, uint64_t at_ns) {
  HistoryFilter filter;
  filter.account_id = account;
  filter.timestamp_min = 0;
  filter.timestamp_max = at_ns;  // >= 1: see MonthBounds
  filter.limit = 1;
  filter.reversed = true;
  absl::StatusOr<std::vector<AccountBalance>> last = engine.GetAccountBalances(filter);
  if (!last.ok()) return last.status();
  if (last->empty()) return AccountBalance();
  return last->front();
}

uint64_t Posted(const AccountBalance& b) { return b.credits_posted - b.debits_posted; }

// A statement's lines: every movement of `account` in [begin_ns, end_ns) with the posted balance
// running from `opening`, handed to `line(movement, running)`, at most kStatementLinesMax of
// them (*truncated then). INTERNAL, naming `whose`, when they do not add up to `closing`.
template <typename Line>
absl::Status WalkStatement(const Engine& engine, Id account, uint64_t begin_ns, uint64_t end_ns,
                           uint64_t opening, uint64_t closing, const char* whose, bool* truncated,
                           Line line) {
  uint64_t running = opening;
  size_t lines = 0;
  bool broken = false;  // the history and the balances disagree
  absl::Status walked = ForEachMovement(engine, account, begin_ns, end_ns, [&](const Movement& m) {
    if (lines == kStatementLinesMax) {
      *truncated = true;
      return false;
    }
    if (m.state == MovementState::kPosted) {
      if (m.credit ? m.amount > UINT64_MAX - running : m.amount > running) {
        broken = true;
        return false;
      }
      running = m.credit ? running + m.amount : running - m.amount;
    }
    line(m, running);
    ++lines;
    return true;
  });
  if (!walked.ok()) return walked;
  if (broken || (!*truncated && running != closing)) {
    return absl::InternalError(absl::StrCat(
        whose, " transfers do not add up to its balance history: run the engine's Verify"));
  }
  return absl::OkStatus();
}

std::string NameOf(const RuleNamer& rule_name, VillageId village, const Award& award) {
  if (!rule_name) return "";
  return rule_name(village, award.request.rule.rule, award.request.rule.version);
}

BoardAward ToBoard(const Award& a, const std::map<uint64_t, std::string>& names,
                   const RuleNamer& rule_name) {
  BoardAward b;
  b.award = a.request.award;
  b.household = a.request.household;
  if (auto it = names.find(b.household); it != names.end()) b.household_name = it->second;
  b.rule = a.request.rule.rule;
  b.rule_version = a.request.rule.version;
  b.code = a.request.rule.code;
  b.rule_name = NameOf(rule_name, a.request.village, a);
  b.points = a.amount;
  b.deduction = a.request.rule.code == kCodeDeduction;
  b.note = a.request.note;
  b.notice_ends_at_ns = a.notice_ends_at_ns;
  b.objected = a.state == AwardState::kHeld;
  return b;
}

// The village's posted awards and deductions whose window ended in `span`, oldest window first
// (ties by award id).
absl::StatusOr<std::vector<Award>> PostedIn(const AwardBook& awards, VillageId village,
                                            const MonthSpan& span) {
  absl::StatusOr<std::vector<Award>> posted = awards.List(village, AwardState::kPosted);
  if (!posted.ok()) return posted.status();
  std::vector<Award> in;
  for (Award& a : *posted) {
    if (a.notice_ends_at_ns >= span.begin_ns && a.notice_ends_at_ns < span.end_ns) {
      in.push_back(std::move(a));
    }
  }
  std::stable_sort(in.begin(), in.end(), [](const Award& x, const Award& y) {
    return x.notice_ends_at_ns < y.notice_ends_at_ns;  // List gave award-id order: ties keep it
  });
  return in;
}

// The micro-fund's month: its balance at both ends and what moved between, by kind.
absl::Status AddFundMonth(const Engine& engine, VillageId village, const MonthSpan& span,
                          FundFlow* flow, FundDetail* detail) {
  const Id fund = ids::OfVillageAccount(village, VillageAccount::kMicroFund);
  absl::StatusOr<AccountBalance> open = BalanceAt(engine, fund, span.begin_ns - 1);
  if (!open.ok()) return open.status();
  absl::StatusOr<AccountBalance> close = BalanceAt(engine, fund, span.end_ns - 1);
  if (!close.ok()) return close.status();
  // The fund's floor keeps it from being overdrawn; a fund set up before the floor existed
  // could be in principle: report 0 then rather than a wrapped figure.
  flow->opening = open->credits_posted >= open->debits_posted ? Posted(*open) : 0;
  flow->closing = close->credits_posted >= close->debits_posted ? Posted(*close) : 0;
  detail->reserved = close->debits_pending;
  Checked checked;
  absl::Status walked =
      ForEachMovement(engine, fund, span.begin_ns, span.end_ns, [&](const Movement& m) {
        if (m.state != MovementState::kPosted) return true;
        if (m.credit) {
          ++flow->in_count;
          checked.Add(flow->in, m.amount);
          if (m.code == kCodeLevy) checked.Add(detail->levy_in, m.amount);
          if (m.code == kCodeDonation) {
            ++detail->donations;
            checked.Add(detail->donations_in, m.amount);
          }
        } else {
          ++flow->out_count;
          checked.Add(flow->out, m.amount);
          if (m.code == kCodeProjectSpend) {
            ++detail->projects;
            checked.Add(detail->projects_paid, m.amount);
          }
        }
        return true;
      });
  if (!walked.ok()) return walked;
  return checked.status("micro-fund");
}

// The names of the parties rounds are about: households (as the board shows them), shops and
// partner organisations.
struct PartyNames {
  const std::map<uint64_t, std::string>* households = nullptr;
  std::map<uint64_t, std::string> shops;
  std::map<uint64_t, std::string> partners;

  std::string Of(PartyKind kind, uint64_t number) const {
    const std::map<uint64_t, std::string>* names = kind == PartyKind::kHousehold      ? households
                                                   : kind == PartyKind::kShop         ? &shops
                                                   : kind == PartyKind::kOrganisation ? &partners
                                                                                      : nullptr;
    if (names == nullptr) return "";
    auto it = names->find(number);
    return it == names->end() ? "" : it->second;
  }
};

// The month's rated matters, and the residents and organisations they commend.
absl::Status AddRatedMatters(const DisclosureSources& s, VillageId village, const MonthSpan& span,
                             uint64_t now_ns, const PartyNames& names, Board* board) {
  absl::StatusOr<std::vector<RatingRound>> rounds = s.rounds->List(village);
  if (!rounds.ok()) return rounds.status();
  // Per party: rounds, ratings and Σ stars (from each round's exact histogram).
  std::map<std::pair<PartyKind, uint64_t>, std::tuple<uint64_t, uint64_t, uint64_t>> parties;
  for (const RatingRound& r : *rounds) {
    const RoundRequest& q = r.request;
    if (q.closes_at_ns < span.begin_ns || q.closes_at_ns >= span.end_ns) continue;
    const bool closed = q.closes_at_ns <= now_ns;
    board->rated.push_back({q.round, q.subject, q.subject_number, q.title, q.party_kind, q.party,
                            names.Of(q.party_kind, q.party), q.closes_at_ns, closed, r.ratings,
                            r.average_milli});
    if (!closed || q.party_kind == PartyKind::kNone) continue;
    auto& [count, ratings, stars] = parties[{q.party_kind, q.party}];
    ++count;
    ratings += r.ratings;
    for (size_t i = 0; i < r.stars.size(); ++i) stars += r.stars[i] * (i + 1);
  }
  std::stable_sort(board->rated.begin(), board->rated.end(),
                   [](const RatedMatter& x, const RatedMatter& y) {
                     return std::tie(x.closes_at_ns, x.round) < std::tie(y.closes_at_ns, y.round);
                   });
  for (const auto& [party, sums] : parties) {
    const auto& [count, ratings, stars] = sums;
    const uint64_t average = AverageMilli(stars, ratings);
    if (ratings < kCommendRatingsMin || average < kCommendAverageMilliMin) continue;
    board->commended.push_back(
        {party.first, party.second, names.Of(party.first, party.second), count, ratings, average});
  }
  std::stable_sort(board->commended.begin(), board->commended.end(),
                   [](const Commendation& x, const Commendation& y) {
                     return x.average_milli > y.average_milli;  // the map gave kind, number order
                   });
  if (board->commended.size() > kCommendedMax) board->commended.resize(kCommendedMax);
  return absl::OkStatus();
}

// The fund now and its month, rated matters and commendations, on the board.
absl::Status AddCommunity(const DisclosureSources& s, VillageId village, const MonthSpan& span,
                          uint64_t now_ns, const std::map<uint64_t, std::string>& households,
                          Board* board) {
  absl::StatusOr<FundBalance> fund = ReadFundBalance(*s.engine, village);
  if (fund.ok()) {
    board->fund = *fund;
    FundFlow flow;
    FundDetail detail;
    if (absl::Status st = AddFundMonth(*s.engine, village, span, &flow, &detail); !st.ok()) {
      return st;
    }
    board->fund_in = flow.in;
    board->fund_out = flow.out;
  } else if (fund.status().code() != absl::StatusCode::kFailedPrecondition) {
    return fund.status();  // FAILED_PRECONDITION: a village without accounts shows no fund
  }
  if (s.rounds == nullptr) return absl::OkStatus();
  PartyNames names;
  names.households = &households;
  absl::StatusOr<std::vector<ShopName>> shops = s.shops->ListShops(village);
  if (!shops.ok()) return shops.status();
  for (const ShopName& shop : *shops) names.shops[shop.shop] = shop.name;
  if (s.fund != nullptr) {
    absl::StatusOr<std::vector<Partner>> partners = s.fund->ListPartners(village);
    if (!partners.ok()) return partners.status();
    for (const Partner& p : *partners) names.partners[p.partner] = p.name;
  }
  return AddRatedMatters(s, village, span, now_ns, names, board);
}

// The report's award lines: issued by category and by rule, deducted by rule.
void AddAwardTotals(const std::vector<Award>& posted, VillageId village, const RuleNamer& rule_name,
                    Checked& checked, Report* report) {
  std::map<uint16_t, CategoryTotal> by_category;
  std::map<uint32_t, RuleTotal> issued_by_rule, deducted_by_rule;
  for (const Award& a : posted) {  // oldest window first: a rule's last award names it
    const bool deduction = a.request.rule.code == kCodeDeduction;
    RuleTotal& r = (deduction ? deducted_by_rule : issued_by_rule)[a.request.rule.rule];
    r.rule = a.request.rule.rule;
    r.code = a.request.rule.code;
    r.rule_name = NameOf(rule_name, village, a);
    ++r.awards;
    checked.Add(r.points, a.amount);
    if (deduction) {
      ++report->deductions;
      checked.Add(report->deducted_points, a.amount);
      continue;
    }
    CategoryTotal& c = by_category[a.request.rule.code];
    c.code = a.request.rule.code;
    ++c.awards;
    checked.Add(c.points, a.amount);
    ++report->issued_awards;
    checked.Add(report->issued_points, a.amount);
  }
  for (auto& [code, c] : by_category) report->issued_by_category.push_back(c);
  for (auto& [rule, r] : issued_by_rule) report->issued_by_rule.push_back(std::move(r));
  for (auto& [rule, r] : deducted_by_rule) report->deducted_by_rule.push_back(std::move(r));
}

// What the shop's money account took in the month: settlements, cash sales, the levy paid.
absl::Status AddShopMoney(const Engine& engine, Id money, const MonthSpan& span, Checked& checked,
                          ShopTotal* total) {
  return ForEachMovement(engine, money, span.begin_ns, span.end_ns, [&](const Movement& m) {
    if (m.state != MovementState::kPosted) return true;
    if (m.credit && m.code == kCodeSettlementPay) checked.Add(total->settled_fen, m.amount);
    if (m.credit && m.code == kCodeCashSale) checked.Add(total->cash_sales_fen, m.amount);
    if (!m.credit && m.code == kCodeLevy) checked.Add(total->levy_fen, m.amount);
    return true;
  });
}

// One shop's month from its points and money accounts' histories, with the points it holds at
// the month's end, which it also adds to `held_by_shops`.
absl::StatusOr<ShopTotal> ShopMonth(const Engine& engine, VillageId village, const ShopName& shop,
                                    const MonthSpan& span, Checked& checked,
                                    uint64_t* held_by_shops) {
  ShopTotal total;
  total.shop = shop.shop;
  total.name = shop.name;
  std::set<Id> baskets, returns;
  const Id points = ids::OfShopAccount(village, shop.shop, ShopAccount::kPoints);
  absl::Status walked =
      ForEachMovement(engine, points, span.begin_ns, span.end_ns, [&](const Movement& m) {
        if (m.state != MovementState::kPosted) return true;
        if (m.credit && m.code == kCodeRedemption) {
          baskets.insert(m.reference);
          checked.Add(total.redeemed, m.amount);
        } else if (!m.credit && m.code == kCodeReturn) {
          returns.insert(m.reference);
          checked.Add(total.returned, m.amount);
        } else if (!m.credit && m.code == kCodeSettlement) {
          checked.Add(total.settled_points, m.amount);
        }
        return true;
      });
  if (!walked.ok()) return walked;
  const Id money = ids::OfShopAccount(village, shop.shop, ShopAccount::kMoney);
  if (absl::Status s = AddShopMoney(engine, money, span, checked, &total); !s.ok()) return s;
  total.baskets = baskets.size();
  total.returns = returns.size();
  if (total.redeemed > static_cast<uint64_t>(INT64_MAX) ||
      total.returned > static_cast<uint64_t>(INT64_MAX)) {
    return absl::OutOfRangeError("shop totals: beyond int64_t");
  }
  total.net = static_cast<int64_t>(total.redeemed) - static_cast<int64_t>(total.returned);
  absl::StatusOr<AccountBalance> held = BalanceAt(engine, points, span.end_ns - 1);
  if (!held.ok()) return held.status();
  total.held = Posted(*held);
  checked.Add(*held_by_shops, total.held);
  return total;
}

// The shop's offline shortfalls recorded in the month (none without the offline book).
absl::Status AddShortfalls(const DisclosureSources& s, VillageId village, const MonthSpan& span,
                           Checked& checked, ShopTotal* total) {
  if (s.offline == nullptr) return absl::OkStatus();
  absl::StatusOr<std::vector<OfflineShortfall>> all =
      ShopShortfalls(*s.offline, *s.shops, village, total->shop);
  if (!all.ok()) return all.status();
  for (const OfflineShortfall& shortfall : *all) {
    if (shortfall.recorded_at_ns < span.begin_ns || shortfall.recorded_at_ns >= span.end_ns) {
      continue;
    }
    ++total->offline_shortfalls;
    checked.Add(total->offline_shortfall_points, shortfall.points);
  }
  return absl::OkStatus();
}

// Outstanding: every household's balances at the month's end.
absl::Status AddOutstanding(const DisclosureSources& s, VillageId village, const MonthSpan& span,
                            Checked& checked, Outstanding* outstanding) {
  absl::StatusOr<std::vector<Household>> households = s.households->ListHouseholds(village, true);
  if (!households.ok()) return households.status();
  for (const Household& h : *households) {
    absl::StatusOr<AccountBalance> b =
        BalanceAt(*s.engine, ids::Household(village, h.household), span.end_ns - 1);
    if (!b.ok() && b.status().code() == absl::StatusCode::kNotFound) continue;  // no account
    if (!b.ok()) return b.status();
    ++outstanding->households;
    checked.Add(outstanding->points, Posted(*b));
    checked.Add(outstanding->pending_awards, b->credits_pending);
    checked.Add(outstanding->pending_deductions, b->debits_pending);
  }
  return absl::OkStatus();
}

// The month's ranking: households by points earned (awarded less deducted), the first
// kRankingMax, ties sharing a rank.
absl::StatusOr<std::vector<RankingEntry>> RankingOf(const std::vector<Award>& posted,
                                                    const std::map<uint64_t, std::string>& names) {
  Checked checked;
  std::map<uint64_t, RankingEntry> by_household;
  for (const Award& a : posted) {
    RankingEntry& e = by_household[a.request.household];
    e.household = a.request.household;
    checked.Add(a.request.rule.code == kCodeDeduction ? e.deducted : e.awarded, a.amount);
  }
  if (absl::Status s = checked.status("ranking"); !s.ok()) return s;
  std::vector<RankingEntry> ranking;
  for (auto& [household, e] : by_household) {
    if (e.awarded <= e.deducted) continue;
    e.earned = e.awarded - e.deducted;
    if (auto it = names.find(household); it != names.end()) e.household_name = it->second;
    ranking.push_back(std::move(e));
  }
  // Most earned first; the map gave household order, which stable_sort keeps among ties.
  std::stable_sort(
      ranking.begin(), ranking.end(),
      [](const RankingEntry& x, const RankingEntry& y) { return x.earned > y.earned; });
  if (ranking.size() > kRankingMax) ranking.resize(kRankingMax);
  for (size_t i = 0; i < ranking.size(); ++i) {
    const bool tied = i > 0 && ranking[i].earned == ranking[i - 1].earned;
    ranking[i].rank = tied ? ranking[i - 1].rank : static_cast<uint32_t>(i + 1);
  }
  return ranking;
}

}  // namespace

absl::StatusOr<MonthSpan> MonthBounds(uint32_t month, int utc_offset_seconds) {
  const uint32_t year = month / 100;
  const uint32_t mm = month % 100;
  if (year < kPeriodYearMin || year > kPeriodYearMax || mm < 1 || mm > 12) {
    return absl::InvalidArgumentError(absl::StrCat("month: YYYYMM with YYYY in ", kPeriodYearMin,
                                                   "..", kPeriodYearMax, ", got ", month));
  }
  const absl::TimeZone zone = absl::FixedTimeZone(utc_offset_seconds);
  const absl::CivilMonth first(year, mm);
  auto ns = [&](absl::CivilMonth m) {
    return static_cast<uint64_t>(absl::ToUnixNanos(absl::FromCivil(absl::CivilSecond(m), zone)));
  };
  return MonthSpan{ns(first), ns(first + 1)};
}

uint32_t MonthOf(uint64_t ns, int utc_offset_seconds) {
  return CivilDateOf(ns, utc_offset_seconds).month;
}

std::string HouseholdNameOf(const Household& household) {
  if (!household.name.empty()) return household.name;
  for (const Member& m : household.members) {
    if (m.role == MemberRole::kHead) return m.name;
  }
  return household.members.empty() ? "" : household.members.front().name;
}

absl::StatusOr<Board> Disclosure::GetBoard(VillageId village, uint32_t month, uint64_t now_ns,
                                           bool reveal, const RuleNamer& rule_name) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  Board board;
  board.village = village;
  board.month = month != 0 ? month : MonthOf(now_ns, s_.utc_offset_seconds);
  board.as_of_ns = now_ns;
  absl::StatusOr<MonthSpan> span = MonthBounds(board.month, s_.utc_offset_seconds);
  if (!span.ok()) return span.status();

  absl::StatusOr<std::vector<Household>> households =
      s_.households->ListHouseholds(village, reveal);
  if (!households.ok()) return households.status();
  std::map<uint64_t, std::string> names;
  for (const Household& h : *households) names[h.household] = HouseholdNameOf(h);

  for (AwardState state : {AwardState::kOnNotice, AwardState::kHeld}) {
    absl::StatusOr<std::vector<Award>> listed = s_.awards->List(village, state);
    if (!listed.ok()) return listed.status();
    for (const Award& a : *listed) board.on_notice.push_back(ToBoard(a, names, rule_name));
  }
  std::sort(
      board.on_notice.begin(), board.on_notice.end(), [](const BoardAward& x, const BoardAward& y) {
        return std::tie(x.notice_ends_at_ns, x.award) < std::tie(y.notice_ends_at_ns, y.award);
      });
  board.on_notice_total = board.on_notice.size();
  if (board.on_notice.size() > kBoardOnNoticeMax) board.on_notice.resize(kBoardOnNoticeMax);

  absl::StatusOr<std::vector<Award>> posted = PostedIn(*s_.awards, village, *span);
  if (!posted.ok()) return posted.status();
  board.posted_in_month = posted->size();
  // Newest window first; among equal windows, award-id order.
  std::vector<const Award*> newest;
  for (const Award& a : *posted) newest.push_back(&a);
  std::stable_sort(newest.begin(), newest.end(), [](const Award* x, const Award* y) {
    return x->notice_ends_at_ns > y->notice_ends_at_ns;
  });
  for (size_t i = 0; i < newest.size() && i < kBoardRecentMax; ++i) {
    board.recent.push_back(ToBoard(*newest[i], names, rule_name));
  }

  absl::StatusOr<std::vector<RankingEntry>> ranking = RankingOf(*posted, names);
  if (!ranking.ok()) return ranking.status();
  board.ranking = *std::move(ranking);

  if (s_.ratings != nullptr) {
    absl::StatusOr<std::vector<RatingAverage>> shops = s_.ratings->ShopAverages(village);
    if (!shops.ok()) return shops.status();
    board.shop_ratings = *std::move(shops);
    absl::StatusOr<std::vector<RatingAverage>> tasks = s_.ratings->TaskAverages(village);
    if (!tasks.ok()) return tasks.status();
    board.task_ratings = *std::move(tasks);
  }
  if (absl::Status st = AddCommunity(s_, village, *span, now_ns, names, &board); !st.ok()) {
    return st;
  }
  return board;
}

absl::StatusOr<Statement> Disclosure::GetStatement(VillageId village, uint64_t household,
                                                   uint32_t month) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  if (household == 0) return absl::InvalidArgumentError("household: must not be zero");
  Statement st;
  st.village = village;
  st.household = household;
  st.month = month;
  absl::StatusOr<MonthSpan> span = MonthBounds(month, s_.utc_offset_seconds);
  if (!span.ok()) return span.status();
  st.span = *span;
  const Id account = ids::Household(village, household);
  absl::StatusOr<std::vector<Account>> found = s_.engine->LookupAccounts({account});
  if (!found.ok()) return found.status();
  if (found->empty()) {
    return absl::NotFoundError(
        absl::StrCat("household ", household, " of village ", village, " has no account"));
  }
  absl::StatusOr<AccountBalance> open = BalanceAt(*s_.engine, account, st.span.begin_ns - 1);
  if (!open.ok()) return open.status();
  absl::StatusOr<AccountBalance> close = BalanceAt(*s_.engine, account, st.span.end_ns - 1);
  if (!close.ok()) return close.status();
  st.opening = Posted(*open);
  st.closing = Posted(*close);
  st.credited = close->credits_posted - open->credits_posted;
  st.debited = close->debits_posted - open->debits_posted;
  st.pending_in = close->credits_pending;
  st.pending_out = close->debits_pending;

  absl::Status walked = WalkStatement(
      *s_.engine, account, st.span.begin_ns, st.span.end_ns, st.opening, st.closing,
      "the household's", &st.truncated, [&](const Movement& m, uint64_t running) {
        st.lines.push_back({m.transfer.timestamp, m.state, m.credit, m.amount, m.code,
                            m.transfer.id, m.reference, m.detail, m.counterparty, running});
      });
  if (!walked.ok()) return walked;
  return st;
}

absl::StatusOr<Report> Disclosure::GetReport(VillageId village, uint32_t month,
                                             const RuleNamer& rule_name) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  Report report;
  report.village = village;
  report.month = month;
  absl::StatusOr<MonthSpan> span = MonthBounds(month, s_.utc_offset_seconds);
  if (!span.ok()) return span.status();
  report.span = *span;
  Checked checked;

  // Issued and deducted: posted awards by the month their window ended.
  absl::StatusOr<std::vector<Award>> posted = PostedIn(*s_.awards, village, report.span);
  if (!posted.ok()) return posted.status();
  AddAwardTotals(*posted, village, rule_name, checked, &report);

  // Shops: their points and money accounts' histories in the month.
  absl::StatusOr<std::vector<ShopName>> shops = s_.shops->ListShops(village);
  if (!shops.ok()) return shops.status();
  for (const ShopName& shop : *shops) {
    absl::StatusOr<ShopTotal> total = ShopMonth(*s_.engine, village, shop, report.span, checked,
                                                &report.outstanding.held_by_shops);
    if (!total.ok()) return total.status();
    if (absl::Status s = AddShortfalls(s_, village, report.span, checked, &*total); !s.ok()) {
      return s;
    }
    report.shops.push_back(*std::move(total));
  }

  if (absl::Status s = AddOutstanding(s_, village, report.span, checked, &report.outstanding);
      !s.ok()) {
    return s;
  }
  // The micro-fund: its balance at both ends and what moved between.
  if (absl::Status s = AddFundMonth(*s_.engine, village, report.span, &report.micro_fund,
                                    &report.micro_fund_detail);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = checked.status("report"); !s.ok()) return s;
  return report;
}

absl::StatusOr<FundStatement> Disclosure::GetFundStatement(VillageId village, uint32_t month,
                                                           const FundNamer& name) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  FundStatement st;
  st.village = village;
  st.month = month;
  absl::StatusOr<MonthSpan> span = MonthBounds(month, s_.utc_offset_seconds);
  if (!span.ok()) return span.status();
  st.span = *span;
  if (absl::StatusOr<FundBalance> fund = ReadFundBalance(*s_.engine, village); !fund.ok()) {
    return fund.status();  // FAILED_PRECONDITION: the village is not set up
  }
  const Id account = ids::OfVillageAccount(village, VillageAccount::kMicroFund);
  absl::StatusOr<AccountBalance> open = BalanceAt(*s_.engine, account, st.span.begin_ns - 1);
  if (!open.ok()) return open.status();
  absl::StatusOr<AccountBalance> close = BalanceAt(*s_.engine, account, st.span.end_ns - 1);
  if (!close.ok()) return close.status();
  if (open->credits_posted < open->debits_posted || close->credits_posted < close->debits_posted) {
    return absl::FailedPreconditionError("the micro-fund is overdrawn (a fund without its floor)");
  }
  st.opening = Posted(*open);
  st.closing = Posted(*close);
  st.in = close->credits_posted - open->credits_posted;
  st.out = close->debits_posted - open->debits_posted;
  st.reserved = close->debits_pending;
  absl::Status walked =
      WalkStatement(*s_.engine, account, st.span.begin_ns, st.span.end_ns, st.opening, st.closing,
                    "the micro-fund's", &st.truncated, [&](const Movement& m, uint64_t running) {
                      FundLine line{m.transfer.timestamp,
                                    m.state,
                                    m.credit,
                                    m.amount,
                                    m.code,
                                    m.transfer.id,
                                    m.reference,
                                    m.detail,
                                    m.transfer.user_data_64,
                                    "",
                                    running};
                      if (name) line.what = name(village, line);
                      st.lines.push_back(std::move(line));
                    });
  if (!walked.ok()) return walked;
  return st;
}

}  // namespace points::domain

// Disclosure (README.md, "Expiry, disclosure, reports, satisfaction"): the village's public
// board, a household's monthly statement, the committee's monthly report and the micro-fund's
// statement. Read-only: every
// figure is read from the ledger's accounts and histories or from the domain store's awards,
// names and ratings; nothing here writes, and nothing here keeps a balance of its own.
//
// Periods are months, YYYYMM, in the village's time (AwardPolicy::utc_offset_seconds, China
// Standard Time unless configured): a month runs from 00:00 on its first day to 00:00 on the
// next month's first day, village time. Two clocks attribute things to a month, and they are
// kept apart on purpose:
//
// - An award (or deduction) counts in the month its notice window ENDED (notice_ends_at_ns),
//   whatever time the notice timer got round to posting it. This is the date the village sees
//   on the board and the one the committee decided on: an award whose window ends at 23:59 on
//   30 November, Beijing time, counts in November even if its post commits at 00:00:01 on
//   1 December. The board's recent list and ranking, and the report's "issued" and "deducted"
//   figures, use it. Only posted awards count there; on notice, held, voided and refused ones
//   do not.
// - A movement of an account (a post, a redemption, a return, a settlement, a levy) counts in
//   the month of its ledger timestamp: the statement, the report's shop figures, the
//   micro-fund and the outstanding points use it, because that is when the balance changed.
//
// Blocking: calls read the engine and the domain store; the server runs them on its worker pool.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_DISCLOSURE_H_
#define POINTS_SERVER_DOMAIN_BOOKS_DISCLOSURE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "points/engine.h"
#include "points/types.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/fund_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/offline_book.h"
#include "server/domain/books/rating_book.h"
#include "server/domain/books/rating_round_book.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/values/disclosure_values.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/village_time.h"

namespace points::domain {

// A month, [begin_ns, end_ns) in Unix nanoseconds.
struct MonthSpan {
  uint64_t begin_ns = 0;
  uint64_t end_ns = 0;
  friend bool operator==(const MonthSpan&, const MonthSpan&) = default;
};
// The span of `month` (YYYYMM) at the village's offset; INVALID_ARGUMENT for a month outside
// kPeriodYearMin..kPeriodYearMax or 01..12.
absl::StatusOr<MonthSpan> MonthBounds(uint32_t month, int utc_offset_seconds);
// The month (YYYYMM) that `ns` falls in, at the village's offset.
uint32_t MonthOf(uint64_t ns, int utc_offset_seconds);

// The rule catalogue's name of a rule version; an empty function gives empty names.
using RuleNamer = std::function<std::string(VillageId village, uint32_t rule, uint32_t version)>;

// ---- Board ----

// An award or deduction as the board shows it.
struct BoardAward {
  Id award = 0;
  uint64_t household = 0;
  std::string household_name;  // masked (张*明) unless revealed; see HouseholdNameOf below
  uint32_t rule = 0;
  uint32_t rule_version = 0;
  uint16_t code = 0;  // the category, kCodeHygiene..kCodeTask, or kCodeDeduction
  std::string rule_name;
  uint64_t points = 0;
  bool deduction = false;  // code == kCodeDeduction: points taken away
  std::string note;        // the reason, as recorded
  uint64_t notice_ends_at_ns = 0;
  bool objected = false;  // held: an objection waits for the committee's decision
  friend bool operator==(const BoardAward&, const BoardAward&) = default;
};

// One household on the ranking (光荣榜).
struct RankingEntry {
  uint32_t rank = 0;  // 1-based; households that earned the same share a rank (1, 2, 2, 4)
  uint64_t household = 0;
  std::string household_name;
  uint64_t awarded = 0;   // posted awards whose window ended in the month
  uint64_t deducted = 0;  // posted deductions whose window ended in the month
  uint64_t earned = 0;    // awarded - deducted, > 0
  friend bool operator==(const RankingEntry&, const RankingEntry&) = default;
};

// A rating round as the board shows it: the month's rated matters (rating_round_book.h).
struct RatedMatter {
  uint32_t round = 0;
  RoundSubject subject = RoundSubject::kProject;
  uint32_t subject_number = 0;
  std::string title;
  PartyKind party_kind = PartyKind::kNone;
  uint64_t party = 0;
  std::string party_name;  // a household's masked unless revealed, a shop's or partner's
  uint64_t closes_at_ns = 0;
  bool closed = false;
  uint64_t ratings = 0;
  uint64_t average_milli = 0;
  friend bool operator==(const RatedMatter&, const RatedMatter&) = default;
};

// A resident or organisation commended (表彰) for the rounds about it that closed in the month.
struct Commendation {
  PartyKind party_kind = PartyKind::kNone;
  uint64_t party = 0;
  std::string party_name;
  uint64_t rounds = 0;
  uint64_t ratings = 0;
  uint64_t average_milli = 0;
  friend bool operator==(const Commendation&, const Commendation&) = default;
};

struct Board {
  VillageId village = 0;
  uint32_t month = 0;
  uint64_t as_of_ns = 0;
  // Every award and deduction on notice now (kOnNotice, and kHeld flagged objected), whatever
  // month it was recorded in, soonest window end first (ties by award id); at most
  // kBoardOnNoticeMax of on_notice_total.
  std::vector<BoardAward> on_notice;
  size_t on_notice_total = 0;
  // Posted awards and deductions whose window ended in the month, the latest window end first
  // (ties by award id); at most kBoardRecentMax of posted_in_month.
  std::vector<BoardAward> recent;
  size_t posted_in_month = 0;
  // Households by points earned in the month: earned = posted awards - posted deductions whose
  // window ended in the month. Only households that earned more than 0 are ranked (an honour
  // roll; deductions are shown in `recent`). Ordered by earned, most first, ties by household
  // number; at most kRankingMax.
  std::vector<RankingEntry> ranking;
  // Satisfaction averages of the village (RatingBook), all time; empty without a rating book.
  std::vector<RatingAverage> shop_ratings;
  std::vector<RatingAverage> task_ratings;
  // The micro-fund (fen): as it stands now (FundBalance: balance, reserved for approved
  // projects, available), and its month as the report counts it.
  FundBalance fund;
  uint64_t fund_in = 0;
  uint64_t fund_out = 0;
  // Rating rounds whose window closes in the month (open ones too), soonest first (ties by
  // number); empty without a rating round book. Commended: the residents and organisations whose
  // rounds closed in the month averaged at least kCommendAverageMilliMin over at least
  // kCommendRatingsMin ratings, best first (ties by kind and number), at most kCommendedMax.
  std::vector<RatedMatter> rated;
  std::vector<Commendation> commended;
};

// ---- Statement ----

enum class MovementState : uint8_t {
  kPosted = 1,   // changed the balance
  kPending = 2,  // reserved (an award or deduction on notice): the balance is unchanged
  kVoided = 3,   // a reservation released (an objection upheld): the balance is unchanged
};

// One movement of the household's account, one per ledger transfer: a basket of three items is
// three lines (one per item, each naming the basket); an award is a pending line when it went on
// notice and a posted line when its window ended and it was posted.
struct StatementLine {
  uint64_t timestamp_ns = 0;  // the ledger's time of the transfer
  MovementState state = MovementState::kPosted;
  bool credit = false;  // true: points came in to the household
  uint64_t amount = 0;
  // Why (codes.h TransferCode); a post or void carries
  // the code of the pending transfer it resolves.
  uint16_t code = 0;
  Id transfer = 0;      // the transfer's own id
  Id reference = 0;     // its user_data_128: the award id, or the basket id of a redemption/return
  uint32_t detail = 0;  // its user_data_32: the award's rule, or the basket line's item
  Id counterparty = 0;  // the other account: the issuer, a shop's points account, ...
  uint64_t balance_after = 0;  // posted balance after the line
  friend bool operator==(const StatementLine&, const StatementLine&) = default;
};

struct Statement {
  VillageId village = 0;
  uint64_t household = 0;
  uint32_t month = 0;
  MonthSpan span;
  uint64_t opening = 0;  // posted credits - posted debits before the month began
  // Every transfer of the month in timestamp order; at most kStatementLinesMax (truncated then;
  // the totals and balances below stay exact, they come from the balance history).
  std::vector<StatementLine> lines;
  bool truncated = false;
  uint64_t credited = 0;  // points posted in during the month
  uint64_t debited = 0;   // points posted out during the month
  uint64_t closing = 0;   // opening + credited - debited: the balance at the month's end
  // Reservations open at the month's end: awards (in) and deductions (out) still on notice.
  uint64_t pending_in = 0;
  uint64_t pending_out = 0;
};

// ---- Report ----

struct CategoryTotal {
  uint16_t code = 0;  // kCodeHygiene..kCodeTask
  uint64_t awards = 0;
  uint64_t points = 0;
  friend bool operator==(const CategoryTotal&, const CategoryTotal&) = default;
};

struct RuleTotal {
  uint32_t rule = 0;
  uint16_t code = 0;      // the category of the rule's most recent award in the month
  std::string rule_name;  // of that award's rule version
  uint64_t awards = 0;
  uint64_t points = 0;
  friend bool operator==(const RuleTotal&, const RuleTotal&) = default;
};

// A shop's month, from its points and money accounts' histories (ledger time).
struct ShopTotal {
  uint32_t shop = 0;
  std::string name;
  uint64_t baskets = 0;   // distinct baskets redeemed
  uint64_t redeemed = 0;  // points of redemptions (household -> shop)
  uint64_t returns = 0;   // distinct baskets returned
  uint64_t returned = 0;  // points given back by returns (shop -> household)
  // redeemed - returned: negative when returns of earlier months' baskets outweigh the month's
  // redemptions (OUT_OF_RANGE beyond int64_t, which no village reaches).
  int64_t net = 0;
  uint64_t settled_points = 0;  // settlement's points leg (shop -> issuer)
  uint64_t settled_fen = 0;     // settlement's money leg (committee cash -> shop)
  uint64_t cash_sales_fen = 0;  // members' cash purchases, after the discount
  uint64_t levy_fen = 0;        // paid into the micro-fund
  // Baskets sold offline and refused at sync in the month (by when they were recorded), and
  // their points: goods that left the shop unpaid, for the settlement (offline_book.h).
  uint64_t offline_shortfalls = 0;
  uint64_t offline_shortfall_points = 0;
  // Points held at the month's end (now, for this month), not yet settled.
  uint64_t held = 0;
  friend bool operator==(const ShopTotal&, const ShopTotal&) = default;
};

// The committee's liability at the end of the month (or now, for the current month).
struct Outstanding {
  uint64_t households = 0;          // households with an account, closed ones included
  uint64_t points = 0;              // Σ household posted credits - posted debits
  uint64_t pending_awards = 0;      // Σ household credits pending: awards on notice or held
  uint64_t pending_deductions = 0;  // Σ household debits pending: deductions on notice or held
  uint64_t held_by_shops = 0;       // Σ shop points not yet settled
  friend bool operator==(const Outstanding&, const Outstanding&) = default;
};

// The micro-fund's month, in fen (ledger time).
struct FundFlow {
  uint64_t opening = 0;
  uint64_t in = 0;  // credits: levies
  uint64_t in_count = 0;
  uint64_t out = 0;  // debits: what the fund paid out
  uint64_t out_count = 0;
  uint64_t closing = 0;
  friend bool operator==(const FundFlow&, const FundFlow&) = default;
};

// Where the micro-fund's month came from and went (fen, ledger time), beside FundFlow.
struct FundDetail {
  uint64_t levy_in = 0;       // partner shops' levy (kCodeLevy)
  uint64_t donations_in = 0;  // donations (kCodeDonation)
  uint64_t donations = 0;
  uint64_t projects_paid = 0;  // payouts to projects (kCodeProjectSpend, posted)
  uint64_t projects = 0;
  uint64_t reserved = 0;  // reserved for approved projects at the month's end
  friend bool operator==(const FundDetail&, const FundDetail&) = default;
};

struct Report {
  VillageId village = 0;
  uint32_t month = 0;
  MonthSpan span;
  // Posted awards whose window ended in the month (deductions apart), by category (code order,
  // only categories with awards) and by rule (rule order).
  std::vector<CategoryTotal> issued_by_category;
  std::vector<RuleTotal> issued_by_rule;
  uint64_t issued_awards = 0;
  uint64_t issued_points = 0;
  // Posted deductions whose window ended in the month, by rule.
  std::vector<RuleTotal> deducted_by_rule;
  uint64_t deductions = 0;
  uint64_t deducted_points = 0;
  // Every shop of the village (ShopBook::ListShops), in shop order, even one idle all month.
  std::vector<ShopTotal> shops;
  Outstanding outstanding;
  FundFlow micro_fund;
  FundDetail micro_fund_detail;
};

// ---- The micro-fund's statement ----

// One movement of the micro-fund's account: a levy, a donation, a project's reservation
// (pending), its payment (posted) or its release (voided).
struct FundLine {
  uint64_t timestamp_ns = 0;
  MovementState state = MovementState::kPosted;
  bool credit = false;  // true: money came in
  uint64_t fen = 0;
  uint16_t code = 0;  // kCodeLevy, kCodeDonation, kCodeProjectSpend (a post or void: its pending's)
  Id transfer = 0;
  Id reference = 0;            // user_data_128: the cash sale, the donation id, the proposal id
  uint32_t detail = 0;         // user_data_32: the shop, the campaign, the proposal number
  uint64_t receipt = 0;        // a donation's receipt number (user_data_64)
  std::string what;            // named by the FundNamer: the shop, the donor as shown, the project
  uint64_t balance_after = 0;  // posted balance after the line
  friend bool operator==(const FundLine&, const FundLine&) = default;
};

struct FundStatement {
  VillageId village = 0;
  uint32_t month = 0;
  MonthSpan span;
  uint64_t opening = 0;
  std::vector<FundLine> lines;  // at most kStatementLinesMax (truncated then; totals stay exact)
  bool truncated = false;
  uint64_t in = 0;
  uint64_t out = 0;
  uint64_t closing = 0;
  uint64_t reserved = 0;  // pending at the month's end
};

// Says what a line of the fund's statement is, in words (the donor masked as the donor chose).
using FundNamer = std::function<std::string(VillageId village, const FundLine& line)>;

// The board's, the statement's and the report's reader. The sources must outlive it; `ratings`
// may be null (no averages on the board).
struct DisclosureSources {
  const Engine* engine = nullptr;
  const AwardBook* awards = nullptr;
  const HouseholdBook* households = nullptr;
  const ShopBook* shops = nullptr;
  const RatingBook* ratings = nullptr;
  int utc_offset_seconds = kChinaStandardTimeSeconds;  // as AwardPolicy::utc_offset_seconds
  // Optional: rated matters and commendations on the board, and partners' names there.
  const RatingRoundBook* rounds = nullptr;
  const FundBook* fund = nullptr;
  // Optional: the shops' offline shortfalls in the report.
  const OfflineBook* offline = nullptr;
};

class Disclosure {
 public:
  explicit Disclosure(DisclosureSources sources) : s_(sources) {}

  // The public board of `village` for `month` (0: the month `now_ns` falls in). Names masked
  // unless `reveal` (the committee's view).
  absl::StatusOr<Board> GetBoard(VillageId village, uint32_t month, uint64_t now_ns, bool reveal,
                                 const RuleNamer& rule_name = {}) const;

  // A household's monthly statement: opening balance, every transfer of its account in the
  // month, running and closing balance, reservations open at the month's end. NOT_FOUND when
  // the household has no account.
  absl::StatusOr<Statement> GetStatement(VillageId village, uint64_t household,
                                         uint32_t month) const;

  // The committee's report of `village` for `month`. Every sum is checked for overflow
  // (OUT_OF_RANGE). The households counted in `outstanding` are HouseholdBook's.
  absl::StatusOr<Report> GetReport(VillageId village, uint32_t month,
                                   const RuleNamer& rule_name = {}) const;

  // The micro-fund's statement of `month`: opening balance, every movement with the running
  // balance, closing balance and what was reserved at the month's end.
  absl::StatusOr<FundStatement> GetFundStatement(VillageId village, uint32_t month,
                                                 const FundNamer& name = {}) const;

 private:
  const DisclosureSources s_;
};

// The name the board shows for a household: its own name, else its head's, else its first
// member's; "" when it has none (or is not in the household book).
std::string HouseholdNameOf(const Household& household);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_DISCLOSURE_H_

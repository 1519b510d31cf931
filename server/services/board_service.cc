#include "server/services/board_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/convert/convert.h"
#include "server/convert/request_check.h"
#include "server/services/offload.h"

namespace points::server {
namespace {

static_assert(v1::MOVEMENT_STATE_POSTED == static_cast<int>(domain::MovementState::kPosted));
static_assert(v1::MOVEMENT_STATE_VOIDED == static_cast<int>(domain::MovementState::kVoided));
static_assert(v1::RATING_SUBJECT_TASK == static_cast<int>(domain::RatingSubject::kTask));

void BoardAwardToProto(const domain::BoardAward& a, v1::BoardAward* out) {
  out->set_award_id(IdToBytes(a.award));
  out->set_household(a.household);
  out->set_household_name(a.household_name);
  out->set_rule(a.rule);
  out->set_rule_version(a.rule_version);
  out->set_category(static_cast<v1::Category>(a.code));  // categories are the transfer codes
  out->set_rule_name(a.rule_name);
  out->set_points(a.points);
  out->set_note(a.note);
  out->set_notice_ends_at(a.notice_ends_at_ns);
  out->set_objected(a.objected);
}

void AveragesToProto(const std::vector<domain::RatingAverage>& averages,
                     google::protobuf::RepeatedPtrField<v1::RatingAverage>* out) {
  for (const domain::RatingAverage& a : averages) {
    v1::RatingAverage* average = out->Add();
    average->set_subject(a.subject);
    average->set_ratings(a.count);
    average->set_average_milli(a.average_milli);
  }
}

// The board's community part: the micro-fund, rated matters, commendations.
void CommunityToProto(const domain::Board& board, v1::GetBoardResponse* out) {
  out->set_fund_balance(board.fund.balance);
  out->set_fund_reserved(board.fund.reserved);
  out->set_fund_available(board.fund.available);
  out->set_fund_in(board.fund_in);
  out->set_fund_out(board.fund_out);
  for (const domain::RatedMatter& m : board.rated) {
    v1::RatedMatter* rated = out->add_rated();
    rated->set_round(m.round);
    rated->set_subject(static_cast<v1::RoundSubject>(m.subject));
    rated->set_subject_number(m.subject_number);
    rated->set_title(m.title);
    rated->set_party_kind(static_cast<v1::PartyKind>(m.party_kind));
    rated->set_party(m.party);
    rated->set_party_name(m.party_name);
    rated->set_closes_at(m.closes_at_ns);
    rated->set_closed(m.closed);
    rated->set_ratings(m.ratings);
    rated->set_average_milli(m.average_milli);
  }
  for (const domain::Commendation& c : board.commended) {
    v1::Commendation* commended = out->add_commended();
    commended->set_party_kind(static_cast<v1::PartyKind>(c.party_kind));
    commended->set_party(c.party);
    commended->set_party_name(c.party_name);
    commended->set_rounds(c.rounds);
    commended->set_ratings(c.ratings);
    commended->set_average_milli(c.average_milli);
  }
}

void BoardToProto(const domain::Board& board, v1::GetBoardResponse* out) {
  out->set_month(board.month);
  for (const domain::BoardAward& a : board.on_notice) BoardAwardToProto(a, out->add_on_notice());
  out->set_on_notice_total(board.on_notice_total);
  for (const domain::BoardAward& a : board.recent) BoardAwardToProto(a, out->add_recent());
  out->set_posted_in_month(board.posted_in_month);
  for (const domain::RankingEntry& r : board.ranking) {
    v1::RankingEntry* entry = out->add_ranking();
    entry->set_rank(r.rank);
    entry->set_household(r.household);
    entry->set_household_name(r.household_name);
    entry->set_earned(r.earned);
    entry->set_awarded(r.awarded);
    entry->set_deducted(r.deducted);
  }
  AveragesToProto(board.shop_ratings, out->mutable_shop_ratings());
  AveragesToProto(board.task_ratings, out->mutable_task_ratings());
  CommunityToProto(board, out);
}

void StatementToProto(const domain::Statement& s, v1::GetStatementResponse* out) {
  out->set_opening(s.opening);
  for (const domain::StatementLine& l : s.lines) {
    v1::StatementLine* line = out->add_lines();
    line->set_timestamp(l.timestamp_ns);
    line->set_state(static_cast<v1::MovementState>(l.state));
    line->set_credit(l.credit);
    line->set_amount(l.amount);
    line->set_code(l.code);
    line->set_transfer_id(IdToBytes(l.transfer));
    line->set_reference(IdToBytes(l.reference));
    line->set_detail(l.detail);
    line->set_balance_after(l.balance_after);
    line->set_counterparty(IdToBytes(l.counterparty));
  }
  out->set_truncated(s.truncated);
  out->set_credited(s.credited);
  out->set_debited(s.debited);
  out->set_closing(s.closing);
  out->set_pending_in(s.pending_in);
  out->set_pending_out(s.pending_out);
}

void RuleTotalsToProto(const std::vector<domain::RuleTotal>& totals,
                       google::protobuf::RepeatedPtrField<v1::RuleTotal>* out) {
  for (const domain::RuleTotal& t : totals) {
    v1::RuleTotal* total = out->Add();
    total->set_rule(t.rule);
    total->set_category(static_cast<v1::Category>(t.code));
    total->set_rule_name(t.rule_name);
    total->set_awards(t.awards);
    total->set_points(t.points);
  }
}

void ReportToProto(const domain::Report& r, v1::GetReportResponse* out) {
  for (const domain::CategoryTotal& c : r.issued_by_category) {
    v1::CategoryTotal* total = out->add_issued_by_category();
    total->set_category(static_cast<v1::Category>(c.code));
    total->set_awards(c.awards);
    total->set_points(c.points);
  }
  RuleTotalsToProto(r.issued_by_rule, out->mutable_issued_by_rule());
  out->set_issued_awards(r.issued_awards);
  out->set_issued_points(r.issued_points);
  RuleTotalsToProto(r.deducted_by_rule, out->mutable_deducted_by_rule());
  out->set_deductions(r.deductions);
  out->set_deducted_points(r.deducted_points);
  for (const domain::ShopTotal& s : r.shops) {
    v1::ShopTotal* shop = out->add_shops();
    shop->set_shop(s.shop);
    shop->set_name(s.name);
    shop->set_baskets(s.baskets);
    shop->set_redeemed(s.redeemed);
    shop->set_returns(s.returns);
    shop->set_returned(s.returned);
    shop->set_net(s.net);
    shop->set_settled_points(s.settled_points);
    shop->set_settled_fen(s.settled_fen);
    shop->set_cash_sales_fen(s.cash_sales_fen);
    shop->set_levy_fen(s.levy_fen);
    shop->set_offline_shortfalls(s.offline_shortfalls);
    shop->set_offline_shortfall_points(s.offline_shortfall_points);
    shop->set_held_points(s.held);
  }
  out->set_outstanding_households(r.outstanding.households);
  out->set_outstanding_points(r.outstanding.points);
  out->set_outstanding_pending_awards(r.outstanding.pending_awards);
  out->set_outstanding_pending_deductions(r.outstanding.pending_deductions);
  out->set_outstanding_held_by_shops(r.outstanding.held_by_shops);
  out->set_fund_opening(r.micro_fund.opening);
  out->set_fund_in(r.micro_fund.in);
  out->set_fund_in_count(r.micro_fund.in_count);
  out->set_fund_out(r.micro_fund.out);
  out->set_fund_out_count(r.micro_fund.out_count);
  out->set_fund_closing(r.micro_fund.closing);
  out->set_fund_in_levy(r.micro_fund_detail.levy_in);
  out->set_fund_in_donations(r.micro_fund_detail.donations_in);
  out->set_fund_donations(r.micro_fund_detail.donations);
  out->set_fund_out_projects(r.micro_fund_detail.projects_paid);
  out->set_fund_projects_paid(r.micro_fund_detail.projects);
  out->set_fund_reserved(r.micro_fund_detail.reserved);
}

absl::StatusOr<domain::RatingRequest> RatingRequestFromProto(const v1::RateRequest& in) {
  domain::RatingRequest r;
  r.village = in.village();
  r.household = in.household();
  r.stars = in.stars();
  r.comment = in.comment();
  switch (in.subject()) {
    case v1::RATING_SUBJECT_BASKET: {
      absl::StatusOr<Id> basket = IdFromBytes(in.subject_id(), "subject_id");
      if (!basket.ok()) return basket.status();
      r.kind = domain::RatingSubject::kBasket;
      r.subject = *basket;
      return r;
    }
    case v1::RATING_SUBJECT_TASK:
      if (in.subject_task() == 0) {
        return absl::InvalidArgumentError("subject_task: name the task, not 0");
      }
      r.kind = domain::RatingSubject::kTask;
      r.subject = in.subject_task();
      return r;
    default: {
      // Unknown numbers are named; a subject added to the enum but not here is refused too.
      absl::Status unknown = CheckEnum<v1::RatingSubject>(in.subject(), "subject");
      return unknown.ok() ? absl::InvalidArgumentError(
                                absl::StrCat("subject: ", in.subject(), " cannot be rated"))
                          : unknown;
    }
  }
}

// Names rules on the board and in reports: the catalogue's name of the version an award used.
domain::RuleNamer NamerOf(const domain::RuleBook* rules) {
  return [rules](domain::VillageId village, uint32_t rule, uint32_t version) {
    absl::StatusOr<domain::CatalogueRule> found = rules->Get(village, rule, version);
    return found.ok() ? found->name : std::string();
  };
}

}  // namespace

grpc::ServerUnaryReactor* BoardService::GetBoard(grpc::CallbackServerContext* context,
                                                 const v1::GetBoardRequest* request,
                                                 v1::GetBoardResponse* response) {
  return Offload(context, gate_, Rpc::kGetBoard, workers_, *request,
                 Target{.village = request->village(), .reveal_names = request->reveal()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<domain::Board> board = disclosure_->GetBoard(
                       request->village(), request->month(), clock_->NowNanos(), request->reveal(),
                       NamerOf(rules_));
                   if (!board.ok()) return board.status();
                   BoardToProto(*board, response);
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* BoardService::GetStatement(grpc::CallbackServerContext* context,
                                                     const v1::GetStatementRequest* request,
                                                     v1::GetStatementResponse* response) {
  return Offload(context, gate_, Rpc::kGetStatement, workers_, *request,
                 Target{.village = request->village(), .household = request->household()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<domain::Statement> statement = disclosure_->GetStatement(
                       request->village(), request->household(), request->month());
                   if (!statement.ok()) return statement.status();
                   StatementToProto(*statement, response);
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* BoardService::GetReport(grpc::CallbackServerContext* context,
                                                  const v1::GetReportRequest* request,
                                                  v1::GetReportResponse* response) {
  return Offload(
      context, gate_, Rpc::kGetReport, workers_, *request, Target{.village = request->village()},
      [this, request, response]() -> absl::Status {
        absl::StatusOr<domain::Report> report =
            disclosure_->GetReport(request->village(), request->month(), NamerOf(rules_));
        if (!report.ok()) return report.status();
        ReportToProto(*report, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* BoardService::Rate(grpc::CallbackServerContext* context,
                                             const v1::RateRequest* request,
                                             v1::RateResponse* response) {
  return Offload(context, gate_, Rpc::kRate, workers_, *request,
                 Target{.village = request->village(), .household = request->household()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<domain::RatingRequest> rating = RatingRequestFromProto(*request);
                   if (!rating.ok()) return rating.status();
                   absl::StatusOr<domain::Rating> rated = ratings_->Rate(*rating);
                   if (!rated.ok()) return rated.status();
                   response->set_stars(rated->request.stars);
                   response->set_shop(rated->shop);
                   response->set_rated_at(rated->rated_at_ns);
                   return absl::OkStatus();
                 });
}

}  // namespace points::server

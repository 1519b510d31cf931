// pointsctl's disclosure commands (BoardService): the notice board, statements, reports (also
// as CSV) and satisfaction ratings.

#include "clients/pointsctl/pointsctl_cli.h"
#include "server/domain/values/disclosure_values.h"

namespace points::client {
namespace {

// ---- Disclosure: balances with expiry, the board, statements, reports, ratings ----

const char* CategoryOf(int code) { return domain::TransferCodeName(static_cast<uint16_t>(code)); }

void PrintBoardAwards(const char* title,
                      const google::protobuf::RepeatedPtrField<v1::BoardAward>& awards) {
  std::printf("%s\n", title);
  Table table(
      {{"HOUSEHOLD", true}, {"NAME"}, {"RULE"}, {"POINTS", true}, {"NOTICE_ENDS"}, {"WHY"}});
  for (const v1::BoardAward& a : awards) {
    table.AddRow({absl::StrCat(a.household()), OrDash(a.household_name()),
                  OrDash(a.rule_name().empty() ? absl::StrCat(a.rule()) : a.rule_name()),
                  absl::StrCat(a.category() == v1::CATEGORY_DEDUCTION ? "-" : "", a.points()),
                  FormatTimestamp(a.notice_ends_at()),
                  OrDash(absl::StrCat(a.objected() ? "[objected] " : "", a.note()))});
  }
  table.Print(stdout);
}

// The board's community part: the micro-fund, the month's rated matters, commendations.
void PrintBoardCommunityJson(const v1::GetBoardResponse& board) {
  JsonObject()
      .String("section", "micro_fund")
      .Uint64("balance_fen", board.fund_balance())
      .Uint64("reserved_fen", board.fund_reserved())
      .Uint64("available_fen", board.fund_available())
      .Uint64("in_fen", board.fund_in())
      .Uint64("out_fen", board.fund_out())
      .PrintLine(stdout);
  for (const v1::RatedMatter& m : board.rated()) {
    JsonObject()
        .String("section", "rated")
        .Uint32("round", m.round())
        .String("title", m.title())
        .String("party", m.party_name())
        .Bool("closed", m.closed())
        .Uint64("ratings", m.ratings())
        .Uint64("average_milli", m.average_milli())
        .PrintLine(stdout);
  }
  for (const v1::Commendation& c : board.commended()) {
    JsonObject()
        .String("section", "commended")
        .Uint64("party", c.party())
        .String("name", c.party_name())
        .Uint64("ratings", c.ratings())
        .Uint64("average_milli", c.average_milli())
        .PrintLine(stdout);
  }
}

void PrintBoardCommunity(const v1::GetBoardResponse& board) {
  auto yuan = [](uint64_t fen) { return absl::StrFormat("%d.%02d", fen / 100, fen % 100); };
  auto stars = [](uint64_t milli) {
    return absl::StrFormat("%d.%03d", milli / 1000, milli % 1000);
  };
  std::printf(
      "\nMicro-fund (社区微基金), yuan: balance %s, reserved for projects %s, available %s; "
      "this month in %s, out %s\n",
      yuan(board.fund_balance()).c_str(), yuan(board.fund_reserved()).c_str(),
      yuan(board.fund_available()).c_str(), yuan(board.fund_in()).c_str(),
      yuan(board.fund_out()).c_str());
  if (board.rated_size() > 0) {
    std::printf("\nRated this month (评议), stars out of 5:\n");
    Table rated(
        {{"ROUND", true}, {"MATTER"}, {"BY"}, {"CLOSES"}, {"RATINGS", true}, {"AVERAGE", true}});
    for (const v1::RatedMatter& m : board.rated()) {
      rated.AddRow({absl::StrCat(m.round()), m.title(), OrDash(m.party_name()),
                    m.closed() ? "closed" : FormatTimestamp(m.closes_at()),
                    absl::StrCat(m.ratings()), m.ratings() == 0 ? "-" : stars(m.average_milli())});
    }
    rated.Print(stdout);
  }
  if (board.commended_size() > 0) {
    std::printf("\nCommended (表彰):\n");
    Table commended({{"WHO"}, {"RATINGS", true}, {"AVERAGE", true}});
    for (const v1::Commendation& c : board.commended()) {
      commended.AddRow(
          {OrDash(c.party_name()), absl::StrCat(c.ratings()), stars(c.average_milli())});
    }
    commended.Print(stdout);
  }
}

int RunBoardShow(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::GetBoardRequest request;
  request.set_village(VillageArg(in.args[0]));
  if (in.Has("--month")) request.set_month(MonthArg("--month", *in.Value("--month")));
  request.set_reveal(in.Has("--reveal"));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetBoardResponse> board = client.GetBoard(request);
  if (!board.ok()) return WorkflowFailed(board.status());
  if (in.global.json) {
    // One line per entry; "section" says which part of the board it is.
    auto award_line = [](const char* section, const v1::BoardAward& a) {
      JsonObject()
          .String("section", section)
          .Uint64("household", a.household())
          .String("name", a.household_name())
          .Uint32("rule", a.rule())
          .String("rule_name", a.rule_name())
          .String("category", CategoryOf(a.category()))
          .Uint64("points", a.points())
          .String("note", a.note())
          .Uint64("notice_ends_at", a.notice_ends_at())
          .Bool("objected", a.objected())
          .PrintLine(stdout);
    };
    for (const v1::BoardAward& a : board->on_notice()) award_line("on_notice", a);
    for (const v1::BoardAward& a : board->recent()) award_line("posted", a);
    for (const v1::RankingEntry& r : board->ranking()) {
      JsonObject()
          .String("section", "ranking")
          .Uint32("rank", r.rank())
          .Uint64("household", r.household())
          .String("name", r.household_name())
          .Uint64("earned", r.earned())
          .PrintLine(stdout);
    }
    for (const auto& [kind, averages] :
         {std::pair{"shop", &board->shop_ratings()}, std::pair{"task", &board->task_ratings()}}) {
      for (const v1::RatingAverage& a : *averages) {
        JsonObject()
            .String("section", "satisfaction")
            .String("of", kind)
            .Uint32("subject", a.subject())
            .Uint64("ratings", a.ratings())
            .Uint64("average_milli", a.average_milli())
            .PrintLine(stdout);
      }
    }
    PrintBoardCommunityJson(*board);
    return kExitOk;
  }
  std::printf("公示栏 notice board of village %s, month %u\n\n", in.args[0].c_str(),
              board->month());
  PrintBoardAwards("On notice (公示中; object with `pointsctl awards object`):",
                   board->on_notice());
  std::printf("\n");
  PrintBoardAwards(absl::StrCat("Posted this month (", board->posted_in_month(), "):").c_str(),
                   board->recent());
  std::printf("\nRanking (光荣榜), points earned this month:\n");
  Table ranking({{"RANK", true}, {"HOUSEHOLD", true}, {"NAME"}, {"EARNED", true}});
  for (const v1::RankingEntry& r : board->ranking()) {
    ranking.AddRow({absl::StrCat(r.rank()), absl::StrCat(r.household()), OrDash(r.household_name()),
                    absl::StrCat(r.earned())});
  }
  ranking.Print(stdout);
  if (board->shop_ratings_size() + board->task_ratings_size() > 0) {
    std::printf("\nSatisfaction (满意度), stars out of 5:\n");
    Table ratings({{"OF"}, {"RATINGS", true}, {"AVERAGE", true}});
    auto add = [&](const char* kind, const v1::RatingAverage& a) {
      ratings.AddRow(
          {absl::StrCat(kind, " ", a.subject()), absl::StrCat(a.ratings()),
           absl::StrFormat("%d.%03d", a.average_milli() / 1000, a.average_milli() % 1000)});
    };
    for (const v1::RatingAverage& a : board->shop_ratings()) add("shop", a);
    for (const v1::RatingAverage& a : board->task_ratings()) add("task", a);
    ratings.Print(stdout);
  }
  PrintBoardCommunity(*board);
  return kExitOk;
}

int RunStatementsShow(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  v1::GetStatementRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_household(NumberArg("household", in.args[1], UINT64_MAX));
  request.set_month(MonthArg("--month", TextFlag(in, "--month")));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetStatementResponse> s = client.GetStatement(request);
  if (!s.ok()) return WorkflowFailed(s.status());
  static const char* kStates[] = {"?", "posted", "pending", "voided"};  // MovementState
  auto state_of = [](int state) { return kStates[state >= 1 && state <= 3 ? state : 0]; };
  if (in.global.json) {
    for (const v1::StatementLine& l : s->lines()) {
      JsonObject()
          .Uint64("timestamp", l.timestamp())
          .String("state", state_of(l.state()))
          .Bool("credit", l.credit())
          .Uint64("amount", l.amount())
          .Uint32("code", l.code())
          .Uint64("balance_after", l.balance_after())
          .PrintLine(stdout);
    }
    JsonObject()
        .String("summary", "month")
        .Uint64("opening", s->opening())
        .Uint64("credited", s->credited())
        .Uint64("debited", s->debited())
        .Uint64("closing", s->closing())
        .Uint64("pending_in", s->pending_in())
        .Uint64("pending_out", s->pending_out())
        .Bool("truncated", s->truncated())
        .PrintLine(stdout);
    return kExitOk;
  }
  std::printf("Statement of household %s, village %s, month %u: opening balance %llu\n",
              in.args[1].c_str(), in.args[0].c_str(), request.month(),
              static_cast<unsigned long long>(s->opening()));
  Table table({{"TIME"}, {"STATE"}, {"WHAT"}, {"POINTS", true}, {"BALANCE", true}});
  for (const v1::StatementLine& l : s->lines()) {
    table.AddRow({FormatTimestamp(l.timestamp()), state_of(l.state()),
                  absl::StrCat(CategoryOf(static_cast<int>(l.code())), " (", l.code(), ")"),
                  absl::StrCat(l.credit() ? "+" : "-", l.amount()),
                  absl::StrCat(l.balance_after())});
  }
  table.Print(stdout);
  std::printf(
      "closing balance %llu (in %llu, out %llu); on notice at the month's end: +%llu -%llu%s\n",
      static_cast<unsigned long long>(s->closing()), static_cast<unsigned long long>(s->credited()),
      static_cast<unsigned long long>(s->debited()),
      static_cast<unsigned long long>(s->pending_in()),
      static_cast<unsigned long long>(s->pending_out()),
      s->truncated()
          ? absl::StrCat(" (only the first ", domain::kStatementLinesMax, " movements are listed)")
                .c_str()
          : "");
  return kExitOk;
}

// A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string CsvCell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// The report as CSV: one line per figure, `section,key,name,count,amount`, so a spreadsheet can
// filter by section. An empty count means the figure is an amount alone.
void PrintReportCsv(const v1::GetReportResponse& r) {
  auto line = [](absl::string_view section, const std::string& key, const std::string& name,
                 const std::string& count, auto amount) {
    std::printf(
        "%s\n",
        absl::StrCat(section, ",", key, ",", CsvCell(name), ",", count, ",", amount).c_str());
  };
  std::printf("section,key,name,count,amount\n");
  for (const v1::CategoryTotal& c : r.issued_by_category()) {
    line("issued_by_category", absl::StrCat(c.category()), CategoryOf(c.category()),
         absl::StrCat(c.awards()), c.points());
  }
  for (const v1::RuleTotal& t : r.issued_by_rule()) {
    line("issued_by_rule", absl::StrCat(t.rule()), t.rule_name(), absl::StrCat(t.awards()),
         t.points());
  }
  for (const v1::RuleTotal& t : r.deducted_by_rule()) {
    line("deducted_by_rule", absl::StrCat(t.rule()), t.rule_name(), absl::StrCat(t.awards()),
         t.points());
  }
  for (const v1::ShopTotal& s : r.shops()) {
    const std::string shop = absl::StrCat(s.shop());
    line("redeemed_by_shop", shop, s.name(), absl::StrCat(s.baskets()), s.net());
    line("settled_points_by_shop", shop, s.name(), "", s.settled_points());
    line("settled_fen_by_shop", shop, s.name(), "", s.settled_fen());
    line("cash_sales_fen_by_shop", shop, s.name(), "", s.cash_sales_fen());
    line("levy_fen_by_shop", shop, s.name(), "", s.levy_fen());
    line("offline_shortfall_points_by_shop", shop, s.name(), absl::StrCat(s.offline_shortfalls()),
         s.offline_shortfall_points());
  }
  line("outstanding", "points", "households", absl::StrCat(r.outstanding_households()),
       r.outstanding_points());
  line("outstanding", "pending_awards", "", "", r.outstanding_pending_awards());
  line("outstanding", "pending_deductions", "", "", r.outstanding_pending_deductions());
  line("outstanding", "held_by_shops", "", "", r.outstanding_held_by_shops());
  line("micro_fund_fen", "opening", "", "", r.fund_opening());
  line("micro_fund_fen", "in", "", absl::StrCat(r.fund_in_count()), r.fund_in());
  line("micro_fund_fen", "out", "", absl::StrCat(r.fund_out_count()), r.fund_out());
  line("micro_fund_fen", "closing", "", "", r.fund_closing());
  line("micro_fund_fen", "in_levy", "", "", r.fund_in_levy());
  line("micro_fund_fen", "in_donations", "", absl::StrCat(r.fund_donations()),
       r.fund_in_donations());
  line("micro_fund_fen", "out_projects", "", absl::StrCat(r.fund_projects_paid()),
       r.fund_out_projects());
  line("micro_fund_fen", "reserved", "", "", r.fund_reserved());
}

int RunReportsShow(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::GetReportRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_month(MonthArg("--month", TextFlag(in, "--month")));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetReportResponse> r = client.GetReport(request);
  if (!r.ok()) return WorkflowFailed(r.status());
  if (in.Has("--csv")) {
    PrintReportCsv(*r);
    return kExitOk;
  }
  std::printf(
      "Village %s, month %u\n\nIssued (posted awards whose notice ended this month): "
      "%llu awards, %llu points\n",
      in.args[0].c_str(), request.month(), static_cast<unsigned long long>(r->issued_awards()),
      static_cast<unsigned long long>(r->issued_points()));
  Table rules({{"RULE", true}, {"NAME"}, {"AWARDS", true}, {"POINTS", true}});
  for (const v1::RuleTotal& t : r->issued_by_rule()) {
    rules.AddRow({absl::StrCat(t.rule()), OrDash(t.rule_name()), absl::StrCat(t.awards()),
                  absl::StrCat(t.points())});
  }
  rules.Print(stdout);
  std::printf("\nDeducted: %llu deductions, %llu points\n\nShops:\n",
              static_cast<unsigned long long>(r->deductions()),
              static_cast<unsigned long long>(r->deducted_points()));
  Table shops({{"SHOP", true},
               {"NAME"},
               {"BASKETS", true},
               {"NET_POINTS", true},
               {"SETTLED_POINTS", true},
               {"SETTLED_FEN", true},
               {"LEVY_FEN", true},
               {"SHORTFALL_POINTS", true}});
  for (const v1::ShopTotal& s : r->shops()) {
    shops.AddRow({absl::StrCat(s.shop()), s.name(), absl::StrCat(s.baskets()),
                  absl::StrCat(s.net()), absl::StrCat(s.settled_points()),
                  absl::StrCat(s.settled_fen()), absl::StrCat(s.levy_fen()),
                  absl::StrCat(s.offline_shortfall_points())});
  }
  shops.Print(stdout);
  std::printf(
      "\nOutstanding (the committee's liability): %llu points held by %llu households; on "
      "notice, %llu to come and %llu to be deducted; %llu held by shops before settlement\n",
      static_cast<unsigned long long>(r->outstanding_points()),
      static_cast<unsigned long long>(r->outstanding_households()),
      static_cast<unsigned long long>(r->outstanding_pending_awards()),
      static_cast<unsigned long long>(r->outstanding_pending_deductions()),
      static_cast<unsigned long long>(r->outstanding_held_by_shops()));
  std::printf("Micro-fund (fen): opening %llu, in %llu, out %llu, closing %llu\n",
              static_cast<unsigned long long>(r->fund_opening()),
              static_cast<unsigned long long>(r->fund_in()),
              static_cast<unsigned long long>(r->fund_out()),
              static_cast<unsigned long long>(r->fund_closing()));
  std::printf(
      "  in: levy %llu, %llu donations %llu; out: %llu projects paid %llu; reserved for "
      "approved projects %llu\n",
      static_cast<unsigned long long>(r->fund_in_levy()),
      static_cast<unsigned long long>(r->fund_donations()),
      static_cast<unsigned long long>(r->fund_in_donations()),
      static_cast<unsigned long long>(r->fund_projects_paid()),
      static_cast<unsigned long long>(r->fund_out_projects()),
      static_cast<unsigned long long>(r->fund_reserved()));
  return kExitOk;
}

int RunRatingsAdd(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  domain::RatingRequest request;
  request.village = VillageArg(in.args[0]);
  request.household = NumberArg("household", in.args[1], UINT64_MAX);
  if (in.Has("--basket") == in.Has("--task")) Usage("give --basket ID or --task N");
  if (in.Has("--basket")) {
    request.kind = domain::RatingSubject::kBasket;
    request.subject = IdFlag(in, "--basket");
  } else {
    request.kind = domain::RatingSubject::kTask;
    request.subject = NumberFlag(in, "--task", UINT32_MAX);
  }
  request.stars = static_cast<uint32_t>(RequiredNumberFlag(in, "--stars", 5));
  request.comment = in.Value("--comment").value_or("");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::RateResponse> rated = client.Rate(request);
  if (!rated.ok()) return WorkflowFailed(rated.status());
  std::printf("rated %u stars\n", rated->stars());
  return kExitOk;
}

}  // namespace

std::vector<Command> BoardCommands() {
  return {
      {"board",
       "show",
       "VILLAGE",
       "show the village's notice board (公示栏)",
       "Shows the awards on notice now (anyone may object until the window ends), the awards\n"
       "posted in the month with their reasons, the ranking of households by points earned in\n"
       "the month, satisfaction averages, the micro-fund, the month's rated matters and the\n"
       "residents and organisations commended. Names are masked (张*明) unless --reveal.\n"
       "--json prints one line per entry, its \"section\" naming the part of the board.\n",
       {{"--month", "YYYYMM", "the month (default: this month)"},
        {"--reveal", "", "show full names (the committee's view)"}},
       RunBoardShow},
      {"statements",
       "show",
       "VILLAGE HOUSEHOLD",
       "show a household's monthly statement",
       "Lists every movement of the household's points in the month with the running balance:\n"
       "awards (pending while on notice, then posted), deductions, redemptions, returns,\n"
       "expiry; the opening and closing balances.\n",
       {{"--month", "YYYYMM", "the month; required"}},
       RunStatementsShow},
      {"reports",
       "show",
       "VILLAGE",
       "show the committee's monthly report",
       "Points issued by rule, deducted, redeemed and settled by shop, outstanding points (the\n"
       "committee's liability) and the micro-fund's month. --csv prints it as CSV lines\n"
       "`section,key,name,count,amount` for a spreadsheet.\n",
       {{"--month", "YYYYMM", "the month; required"}, {"--csv", "", "print CSV"}},
       RunReportsShow},
      {"ratings",
       "add",
       "VILLAGE HOUSEHOLD",
       "rate a redemption or a task (满意度评价), once",
       "A household rates a basket it redeemed or a task it did, 1..5 stars, once. The same\n"
       "rating again changes nothing; a different one is refused (exit code 3).\n",
       {{"--basket", "ID", "the basket redeemed"},
        {"--task", "N", "the task done"},
        {"--stars", "N", "1..5; required"},
        {"--comment", "TEXT", "optional, at most 500 bytes"}},
       RunRatingsAdd},
  };
}

}  // namespace points::client

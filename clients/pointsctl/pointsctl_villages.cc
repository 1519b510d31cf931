// pointsctl's commands about a village's organisation and its awards: towns, villages, grids,
// households, budgets, expiry, the rule catalogue, and the award workflow (VillageService,
// AwardService).

#include "clients/pointsctl/pointsctl_cli.h"

namespace points::client {
namespace {

// VILLAGE AWARD_ID, the arguments of every command about one award.
std::pair<uint32_t, Id> AwardArgs(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the award id");
  return {VillageArg(in.args[0]), IdArg("award id", in.args[1])};
}

void PrintAwards(const GlobalOptions& global, const std::vector<domain::Award>& awards) {
  if (global.json) {
    for (const domain::Award& a : awards) {
      JsonObject json;
      json.String("award_id", FormatId(a.request.award))
          .Uint32("village", a.request.village)
          .Uint64("household", a.request.household)
          .Uint32("rule", a.request.rule.rule)
          .Uint32("rule_version", a.request.rule.version)
          .Uint64("points", a.amount)
          .String("state", domain::AwardStateName(a.state))
          .Uint64("recorded_at", a.recorded_at_ns)
          .Uint64("notice_ends_at", a.notice_ends_at_ns)
          .String("recorded_by", a.request.recorded_by)
          .String("reviewed_by", a.reviewed_by)
          .String("objection", a.objection)
          .String("refusal", a.refusal)
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"AWARD"},
               {"HOUSEHOLD", true},
               {"RULE", true},
               {"POINTS", true},
               {"STATE"},
               {"NOTICE_ENDS"},
               {"WHY"}});
  for (const domain::Award& a : awards) {
    table.AddRow({FormatId(a.request.award), absl::StrCat(a.request.household),
                  absl::StrCat(a.request.rule.rule, "v", a.request.rule.version),
                  absl::StrCat(a.amount), domain::AwardStateName(a.state),
                  a.notice_ends_at_ns != 0 ? FormatTimestamp(a.notice_ends_at_ns) : "-",
                  OrDash(!a.refusal.empty() ? a.refusal : a.objection)});
  }
  table.Print(stdout);
}

// Prints the award a step returned; a refusal by the ledger exits 3, and so does a step the
// workflow refuses (no such award, not allowed, not in a state for it, id used otherwise).
int AwardStepDone(const Invocation& in, const absl::StatusOr<domain::Award>& award) {
  if (!award.ok()) return WorkflowFailed(award.status());
  PrintAwards(in.global, {*award});
  return award->state == domain::AwardState::kRefused ? kExitRefused : kExitOk;
}

int RunVillagesCreate(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village number");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<Id> issuer = client.CreateVillage(VillageArg(in.args[0]));
  if (!issuer.ok()) return RpcFailed(issuer.status());
  std::printf("village %s ready; issuer account %s\n", in.args[0].c_str(),
              FormatId(*issuer).c_str());
  return kExitOk;
}

int RunHouseholdsCreate(const Invocation& in) {
  if (in.args.size() < 2) Usage("give the village and at least one household number");
  const uint32_t village = VillageArg(in.args[0]);
  LedgerClient client = MakeClient(in.global);
  Table table({{"HOUSEHOLD", true}, {"ACCOUNT"}});
  for (size_t i = 1; i < in.args.size(); ++i) {
    absl::StatusOr<uint64_t> household = ParseUnsigned(in.args[i], UINT64_MAX);
    if (!household.ok() || *household == 0) Usage("household: a number, not zero");
    absl::StatusOr<Id> account = client.CreateHousehold(village, *household);
    if (!account.ok()) return RpcFailed(account.status());
    table.AddRow({in.args[i], FormatId(*account)});
  }
  table.Print(stdout);
  return kExitOk;
}

int RunHouseholdsShow(const Invocation& in) {
  if (in.args.size() < 2) Usage("give the village and at least one household number");
  const uint32_t village = VillageArg(in.args[0]);
  std::vector<Id> ids;
  for (size_t i = 1; i < in.args.size(); ++i) {
    ids.push_back(domain::ids::Household(village, NumberArg("household", in.args[i], UINT32_MAX)));
  }
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<Account>> accounts = client.LookupAccounts(ids);
  if (!accounts.ok()) return RpcFailed(accounts.status());
  PrintAccounts(in.global, *accounts);
  std::vector<Id> found;
  for (const Account& a : *accounts) found.push_back(a.id);
  return ReportNotFound("household account", ids, found);
}

// NAME:head|member[:PHONE], or for a proxy NAME[:PHONE].
std::vector<std::string> Parts(const std::string& text) { return absl::StrSplit(text, ':'); }

int RunHouseholdsPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  domain::Household h;
  h.village = VillageArg(in.args[0]);
  h.household = NumberArg("household", in.args[1], UINT32_MAX);
  h.name = in.Value("--name").value_or("");
  h.grid = static_cast<uint32_t>(NumberFlag(in, "--grid", UINT32_MAX));
  if (in.Has("--member")) {
    for (const std::string& text : in.flags.at("--member")) {
      const std::vector<std::string> parts = Parts(text);
      if (parts.size() < 2 || parts.size() > 3 || (parts[1] != "head" && parts[1] != "member")) {
        Usage(absl::StrCat("--member '", text, "': give NAME:head or NAME:member[:PHONE]"));
      }
      h.members.push_back(
          {parts[0], parts[1] == "head" ? domain::MemberRole::kHead : domain::MemberRole::kMember,
           parts.size() == 3 ? parts[2] : ""});
    }
  }
  if (std::optional<std::string> proxy = in.Value("--proxy")) {
    const std::vector<std::string> parts = Parts(*proxy);
    if (parts.size() > 2) Usage("--proxy: give NAME or NAME:PHONE");
    h.proxy_name = parts[0];
    h.proxy_phone = parts.size() == 2 ? parts[1] : "";
  }
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<Id> account = client.PutHousehold(h);
  if (!account.ok()) return WorkflowFailed(account.status());
  std::printf("household %s of village %s saved; points account %s\n", in.args[1].c_str(),
              in.args[0].c_str(), FormatId(*account).c_str());
  return kExitOk;
}

int RunHouseholdsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<domain::Household>> households =
      client.ListHouseholds(VillageArg(in.args[0]), in.Has("--reveal"));
  if (!households.ok()) return WorkflowFailed(households.status());
  auto members_text = [](const domain::Household& h) {
    std::vector<std::string> names;
    for (const domain::Member& m : h.members) {
      names.push_back(absl::StrCat(m.name, m.role == domain::MemberRole::kHead ? " (head)" : "",
                                   m.phone.empty() ? "" : " " + m.phone));
    }
    return absl::StrJoin(names, "; ");
  };
  if (in.global.json) {
    for (const domain::Household& h : *households) {
      JsonObject()
          .Uint64("household", h.household)
          .String("name", h.name)
          .Uint32("grid", h.grid)
          .String("members", members_text(h))
          .String("proxy", h.proxy_name)
          .Bool("closed", h.closed)
          .PrintLine(stdout);
    }
    return kExitOk;
  }
  Table table({{"HOUSEHOLD", true}, {"NAME"}, {"GRID", true}, {"MEMBERS"}, {"PROXY"}, {"CLOSED"}});
  for (const domain::Household& h : *households) {
    table.AddRow({absl::StrCat(h.household), OrDash(h.name), absl::StrCat(h.grid),
                  OrDash(members_text(h)), OrDash(h.proxy_name), h.closed ? "yes" : "no"});
  }
  table.Print(stdout);
  return kExitOk;
}

int RunHouseholdsClose(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  LedgerClient client = MakeClient(in.global);
  absl::Status status =
      client.CloseHousehold(VillageArg(in.args[0]), NumberArg("household", in.args[1], UINT32_MAX));
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("household %s of village %s closed\n", in.args[1].c_str(), in.args[0].c_str());
  return kExitOk;
}

int RunBudgetSet(const Invocation& in) {
  if (in.args.size() != 3) Usage("give the village, the month (YYYYMM) and the points");
  const uint32_t month = MonthArg("month", in.args[1]);
  absl::StatusOr<uint64_t> points = ParseUnsigned(in.args[2], UINT64_MAX);
  if (!points.ok() || *points == 0) Usage("points: a number, not zero");
  LedgerClient client = MakeClient(in.global);
  absl::Status status = client.SetBudget(VillageArg(in.args[0]), month, *points);
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("budget of village %s for %s: %s points\n", in.args[0].c_str(), in.args[1].c_str(),
              in.args[2].c_str());
  return kExitOk;
}

uint16_t CategoryFlag(const Invocation& in) {
  const uint16_t code = CategoryCode(TextFlag(in, "--category"));
  if (code == 0) {
    Usage(
        "--category: one of hygiene, volunteering, village_agreement, model_award, task, "
        "deduction");
  }
  return code;
}

int RunAwardsRecord(const Invocation& in) {
  domain::AwardRequest r;
  r.village = VillageArg(TextFlag(in, "--village"));
  RequireFlag(in, "--id");
  r.award = IdFlag(in, "--id");
  r.household = RequiredNumberFlag(in, "--household", UINT64_MAX);
  r.rule.rule = static_cast<uint32_t>(RequiredNumberFlag(in, "--rule", domain::kRuleNumberMax));
  r.rule.version = static_cast<uint32_t>(NumberFlag(in, "--version", UINT32_MAX, 0));
  r.quantity = NumberFlag(in, "--quantity", UINT64_MAX, 1);
  if (in.Has("--evidence")) r.evidence = in.flags.at("--evidence");
  r.note = in.Value("--note").value_or("");
  r.recorded_by = ByFlag(in);
  LedgerClient client = MakeClient(in.global);
  return AwardStepDone(in, client.RecordAward(r));
}

const char* CategoryName(uint16_t code) { return domain::TransferCodeName(code); }

void PrintRules(const GlobalOptions& global, const std::vector<domain::CatalogueRule>& rules) {
  if (global.json) {
    for (const domain::CatalogueRule& r : rules) {
      JsonObject()
          .Uint32("village", r.village)
          .Uint32("rule", r.rule.rule)
          .Uint32("version", r.rule.version)
          .String("name", r.name)
          .String("category", CategoryName(r.rule.code))
          .Uint64("points_per_unit", r.rule.points_per_unit)
          .Uint32("difficulty_percent", r.rule.difficulty_percent)
          .Uint64("cap_per_day", r.rule.cap_per_day)
          .Uint64("cap_per_month", r.rule.cap_per_month)
          .Uint64("cap_per_year", r.rule.cap_per_year)
          .Uint64("effective_from", r.effective_from_ns)
          .Bool("retired", r.retired)
          .String("changed_by", r.changed_by)
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"RULE", true},
               {"VERSION", true},
               {"NAME"},
               {"CATEGORY"},
               {"POINTS", true},
               {"DIFFICULTY%", true},
               {"CAPS D/M/Y"},
               {"IN_EFFECT_FROM"},
               {"BY"}});
  for (const domain::CatalogueRule& r : rules) {
    table.AddRow(
        {absl::StrCat(r.rule.rule), absl::StrCat(r.rule.version), r.name,
         r.retired ? "retired" : CategoryName(r.rule.code), absl::StrCat(r.rule.points_per_unit),
         absl::StrCat(r.rule.difficulty_percent),
         absl::StrCat(r.rule.cap_per_day, "/", r.rule.cap_per_month, "/", r.rule.cap_per_year),
         FormatTimestamp(r.effective_from_ns), r.changed_by});
  }
  table.Print(stdout);
}

int RunRulesPut(const Invocation& in) {
  domain::CatalogueRule r;
  r.village = VillageArg(TextFlag(in, "--village"));
  r.rule.rule = static_cast<uint32_t>(RequiredNumberFlag(in, "--rule", domain::kRuleNumberMax));
  r.name = TextFlag(in, "--name");
  r.rule.code = CategoryFlag(in);
  r.rule.points_per_unit = RequiredNumberFlag(in, "--points-per-unit", UINT64_MAX);
  r.rule.difficulty_percent = static_cast<uint32_t>(
      NumberFlag(in, "--difficulty-percent", domain::kDifficultyPercentMax, 100));
  r.rule.cap_per_day = NumberFlag(in, "--cap-per-day", UINT64_MAX);
  r.rule.cap_per_month = NumberFlag(in, "--cap-per-month", UINT64_MAX);
  r.rule.cap_per_year = NumberFlag(in, "--cap-per-year", UINT64_MAX);
  if (std::optional<std::string> from = in.Value("--effective-from")) {
    absl::StatusOr<uint64_t> ns = ParseTimestamp(*from);
    if (!ns.ok()) Usage(absl::StrCat("--effective-from: ", ns.status().message()));
    r.effective_from_ns = *ns;
  }
  r.retired = in.Has("--retire");
  r.changed_by = ByFlag(in);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::CatalogueRule> put = client.PutRule(
      r, static_cast<uint32_t>(NumberFlag(in, "--replaces", domain::kRuleVersionsMax, 0)));
  if (!put.ok()) return WorkflowFailed(put.status());
  PrintRules(in.global, {*put});
  return kExitOk;
}

int RunRulesList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<domain::CatalogueRule>> rules =
      client.ListRules(VillageArg(in.args[0]),
                       static_cast<uint32_t>(NumberFlag(in, "--rule", domain::kRuleNumberMax, 0)));
  if (!rules.ok()) return WorkflowFailed(rules.status());
  PrintRules(in.global, *rules);
  return kExitOk;
}

// `awards import`: an inspection round from a CSV file, in requests of --batch awards, each
// line idempotent by its award id, so running the same file again changes nothing.
int RunAwardsImport(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the CSV file (- reads stdin)");
  const std::string path = in.args[0];
  const uint32_t village = VillageArg(TextFlag(in, "--village"));
  const std::string by = ByFlag(in);
  const size_t batch_size = NumberFlag(in, "--batch", 1000, 200);
  if (batch_size == 0) Usage("--batch must be 1..1000");
  std::ifstream file;
  uint64_t file_bytes;
  std::istream* input = OpenImport(path, file, &file_bytes);
  ProgressBar progress(file_bytes);
  std::string line;
  if (!std::getline(*input, line)) Usage(absl::StrCat(path, " is empty"));
  uint64_t bytes_read = line.size() + 1;
  absl::StatusOr<AwardCsvHeader> header = ParseAwardCsvHeader(line);
  if (!header.ok()) Usage(absl::StrCat(path, ":1: ", header.status().message()));
  // Every line is checked before anything is sent: a round goes in whole or not at all.
  std::vector<domain::AwardRequest> awards;
  std::vector<int> lines;
  for (int number = 2; std::getline(*input, line); ++number) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<domain::AwardRequest> award = ParseAwardCsvLine(*header, line);
    if (!award.ok()) {
      Usage(absl::StrCat(path, ":", number, ": ", award.status().message(), " (nothing was sent)"));
    }
    award->village = village;
    award->recorded_by = by;
    awards.push_back(*std::move(award));
    lines.push_back(number);
  }
  LedgerClient client = MakeClient(in.global);
  std::map<std::string, uint64_t> counts;  // by state, or by error
  int refused = 0;
  for (size_t first = 0; first < awards.size(); first += batch_size) {
    const size_t n = std::min(batch_size, awards.size() - first);
    auto results = client.RecordAwards(absl::MakeConstSpan(awards).subspan(first, n));
    if (!results.ok()) {
      progress.Clear();
      RpcFailed(results.status());
      std::fprintf(stderr,
                   "pointsctl: stopped at line %d; run the same import again to finish (awards "
                   "already recorded are not recorded twice)\n",
                   lines[first]);
      return kExitRpcFailed;
    }
    for (size_t i = 0; i < n; ++i) {
      const absl::StatusOr<domain::Award>& r = (*results)[i];
      const bool ok = r.ok() && r->state != domain::AwardState::kRefused;
      ++counts[r.ok() ? domain::AwardStateName(r->state)
                      : absl::StatusCodeToString(r.status().code())];
      if (ok) continue;
      ++refused;
      progress.Clear();
      std::printf("line %d: award %s: %s\n", lines[first + i],
                  FormatId(awards[first + i].award).c_str(),
                  r.ok() ? r->refusal.c_str() : std::string(r.status().message()).c_str());
    }
    bytes_read = file_bytes * (first + n) / awards.size();
    progress.Show(bytes_read, first + n, "awards");
  }
  progress.Clear();
  std::vector<std::string> parts;
  for (const auto& [what, count] : counts) parts.push_back(absl::StrCat(what, " ", count));
  std::printf("%s: %zu awards: %s\n", path.c_str(), awards.size(),
              parts.empty() ? "none" : absl::StrJoin(parts, ", ").c_str());
  return refused == 0 ? kExitOk : kExitRefused;
}

int RunAwardsApprove(const Invocation& in) {
  const auto [village, award] = AwardArgs(in);
  LedgerClient client = MakeClient(in.global);
  return AwardStepDone(in, client.ApproveAward(village, award));
}

int RunAwardsObject(const Invocation& in) {
  const auto [village, award] = AwardArgs(in);
  LedgerClient client = MakeClient(in.global);
  return AwardStepDone(in, client.ObjectToAward(village, award, TextFlag(in, "--reason")));
}

int RunAwardsDecide(const Invocation& in) {
  const auto [village, award] = AwardArgs(in);
  if (in.Has("--keep") == in.Has("--void")) Usage("give exactly one of --keep and --void");
  LedgerClient client = MakeClient(in.global);
  return AwardStepDone(in, client.DecideAward(village, award, in.Has("--keep")));
}

int RunAwardsShow(const Invocation& in) {
  const auto [village, award] = AwardArgs(in);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<domain::Award> found = client.GetAward(village, award);
  if (!found.ok()) return AwardStepDone(in, found);
  PrintAwards(in.global, {*found});
  return kExitOk;
}

int RunAwardsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  static const std::map<std::string, domain::AwardState, std::less<>> kStates = {
      {"awaiting_review", domain::AwardState::kAwaitingReview},
      {"on_notice", domain::AwardState::kOnNotice},
      {"held", domain::AwardState::kHeld},
      {"posted", domain::AwardState::kPosted},
      {"voided", domain::AwardState::kVoided},
      {"refused", domain::AwardState::kRefused}};
  const std::string name = in.Value("--state").value_or("on_notice");
  auto state = kStates.find(name);
  if (state == kStates.end()) {
    Usage("--state: one of awaiting_review, on_notice, held, posted, voided, refused");
  }
  LedgerClient client = MakeClient(in.global);
  bool truncated = false;
  absl::StatusOr<std::vector<domain::Award>> awards =
      client.ListAwards(VillageArg(in.args[0]), state->second, &truncated);
  if (!awards.ok()) return WorkflowFailed(awards.status());
  PrintAwards(in.global, *awards);
  if (truncated) std::fprintf(stderr, "pointsctl: only the first 1000 awards are shown\n");
  return kExitOk;
}

int RunHouseholdsBalance(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the household number");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetHouseholdResponse> h =
      client.GetHousehold(VillageArg(in.args[0]), NumberArg("household", in.args[1], UINT64_MAX));
  if (!h.ok()) return WorkflowFailed(h.status());
  if (in.global.json) {
    std::vector<std::string> expiring;
    for (const v1::ExpiringPoints& e : h->expiring()) {
      expiring.push_back(absl::StrCat("{\"year\":", e.year(), ",\"expires_at\":\"", e.expires_at(),
                                      "\",\"points\":\"", e.points(), "\"}"));
    }
    JsonObject()
        .Uint32("village", h->household().village())
        .Uint64("household", h->household().household())
        .Uint64("balance", h->points_balance())
        .Uint64("incoming", h->points_incoming())
        .Uint64("outgoing", h->points_outgoing())
        .Raw("expiring", absl::StrCat("[", absl::StrJoin(expiring, ","), "]"))
        .PrintLine(stdout);
    return kExitOk;
  }
  Table table(
      {{"HOUSEHOLD", true}, {"BALANCE", true}, {"ON_NOTICE_IN", true}, {"ON_NOTICE_OUT", true}});
  table.AddRow({absl::StrCat(h->household().household()), absl::StrCat(h->points_balance()),
                absl::StrCat(h->points_incoming()), absl::StrCat(h->points_outgoing())});
  table.Print(stdout);
  if (h->expiring_size() > 0) {
    Table lapses({{"EXPIRES_AT"}, {"POINTS", true}});
    for (const v1::ExpiringPoints& e : h->expiring()) {
      lapses.AddRow({FormatTimestamp(e.expires_at()), absl::StrCat(e.points())});
    }
    std::printf("\nIf nothing more is spent, points lapse:\n");
    lapses.Print(stdout);
  }
  return kExitOk;
}

int RunExpirySet(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  if (in.Has("--off") == in.Has("--grace-years")) Usage("give --grace-years N or --off");
  const uint32_t grace = static_cast<uint32_t>(NumberFlag(in, "--grace-years", 10, 0));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::SetExpiryPolicyResponse> set =
      client.SetExpiryPolicy(VillageArg(in.args[0]), !in.Has("--off"), grace);
  if (!set.ok()) return WorkflowFailed(set.status());
  if (!set->enabled()) {
    std::printf("village %s: points do not expire\n", in.args[0].c_str());
  } else {
    std::printf("village %s: points lapse at the end of the %s year they were earned in%s\n",
                in.args[0].c_str(), set->grace_years() == 0 ? "same" : "following",
                set->grace_years() > 1 ? absl::StrCat(" + ", set->grace_years() - 1).c_str() : "");
  }
  return kExitOk;
}

// ---- The organisation: towns, villages, grids ----

int RunTownsPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the town number and its name");
  v1::Town town;
  town.set_town(NumberArg("town", in.args[0], UINT32_MAX));
  town.set_name(in.args[1]);
  LedgerClient client = MakeClient(in.global);
  absl::Status status = client.PutTown(town);
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("town %u: %s\n", town.town(), town.name().c_str());
  return kExitOk;
}

int RunTownsList(const Invocation& in) {
  if (!in.args.empty()) Usage("takes no arguments");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Town>> towns = client.ListTowns();
  if (!towns.ok()) return WorkflowFailed(towns.status());
  Table table({{"TOWN", true}, {"NAME"}});
  for (const v1::Town& t : *towns) {
    if (in.global.json) {
      JsonObject().Uint32("town", t.town()).String("name", t.name()).PrintLine(stdout);
    } else {
      table.AddRow({absl::StrCat(t.town()), t.name()});
    }
  }
  if (!in.global.json) table.Print(stdout);
  return kExitOk;
}

int RunVillagesPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village number and its name");
  v1::Village village;
  village.set_village(VillageArg(in.args[0]));
  village.set_name(in.args[1]);
  village.set_town(static_cast<uint32_t>(NumberFlag(in, "--town", UINT32_MAX, 0)));
  village.set_community(in.Has("--community"));
  LedgerClient client = MakeClient(in.global);
  absl::Status status = client.PutVillage(village);
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("%s %u: %s\n", village.community() ? "community" : "village", village.village(),
              village.name().c_str());
  return kExitOk;
}

int RunVillagesList(const Invocation& in) {
  if (!in.args.empty()) Usage("takes no arguments");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Village>> villages =
      client.ListVillages(static_cast<uint32_t>(NumberFlag(in, "--town", UINT32_MAX, 0)));
  if (!villages.ok()) return WorkflowFailed(villages.status());
  Table table({{"VILLAGE", true}, {"NAME"}, {"TOWN", true}, {"KIND"}});
  for (const v1::Village& v : *villages) {
    const char* kind = v.community() ? "community" : "village";
    if (in.global.json) {
      JsonObject()
          .Uint32("village", v.village())
          .String("name", v.name())
          .Uint32("town", v.town())
          .String("kind", kind)
          .PrintLine(stdout);
    } else {
      table.AddRow({absl::StrCat(v.village()), v.name(), absl::StrCat(v.town()), kind});
    }
  }
  if (!in.global.json) table.Print(stdout);
  return kExitOk;
}

int RunGridsPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the grid number");
  v1::Grid grid;
  grid.set_village(VillageArg(in.args[0]));
  grid.set_grid(NumberArg("grid", in.args[1], UINT32_MAX));
  grid.set_name(in.Value("--name").value_or(""));
  grid.set_worker(in.Value("--worker").value_or(""));
  LedgerClient client = MakeClient(in.global);
  absl::Status status = client.PutGrid(grid);
  if (!status.ok()) return WorkflowFailed(status);
  std::printf("grid %u of village %u\n", grid.grid(), grid.village());
  return kExitOk;
}

int RunGridsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Grid>> grids = client.ListGrids(VillageArg(in.args[0]));
  if (!grids.ok()) return WorkflowFailed(grids.status());
  Table table({{"GRID", true}, {"NAME"}, {"WORKER"}});
  for (const v1::Grid& g : *grids) {
    if (in.global.json) {
      JsonObject()
          .Uint32("village", g.village())
          .Uint32("grid", g.grid())
          .String("name", g.name())
          .String("worker", g.worker())
          .PrintLine(stdout);
    } else {
      table.AddRow({absl::StrCat(g.grid()), OrDash(g.name()), OrDash(g.worker())});
    }
  }
  if (!in.global.json) table.Print(stdout);
  return kExitOk;
}

}  // namespace

std::vector<Command> VillageCommands() {
  return {
      {"towns",
       "put",
       "TOWN NAME",
       "register a town (镇/街道) or rename it",
       "Registers town TOWN (1..1048576) with its name, e.g. 清溪镇. Safe to run again.\n",
       {},
       RunTownsPut},
      {"towns", "list", "", "list the towns", "Lists the registered towns.\n", {}, RunTownsList},
      {"villages",
       "create",
       "VILLAGE",
       "set up a village's accounts",
       "Creates the accounts of village VILLAGE (1..1048576) on its ledgers: the issuer every\n"
       "award comes from, the sinks, the micro-fund. Safe to run again.\n",
       {},
       RunVillagesCreate},
      {"villages",
       "put",
       "VILLAGE NAME",
       "register a village (or community) with its name and town",
       "Saves the village's record (name, town, village or community) and creates its\n"
       "accounts, as `villages create` does. Safe to run again.\n",
       {{"--town", "N", "a registered town (default 0: none yet)"},
        {"--community", "", "an urban community (社区), not a village"}},
       RunVillagesPut},
      {"villages",
       "list",
       "",
       "list the registered villages",
       "Lists the registered villages, of one town with --town.\n",
       {{"--town", "N", "only this town's villages"}},
       RunVillagesList},
      {"grids",
       "put",
       "VILLAGE GRID",
       "register a grid (网格) of a village with its worker",
       "Registers grid GRID (1..9999) of a registered village. Households name their grid;\n"
       "a household's grid must be registered.\n",
       {{"--name", "TEXT", "e.g. 第三网格 (optional)"},
        {"--worker", "NAME", "the grid worker who records for it (optional)"}},
       RunGridsPut},
      {"grids",
       "list",
       "VILLAGE",
       "list a village's grids",
       "Lists the village's grids and their workers.\n",
       {},
       RunGridsList},
      {"households",
       "create",
       "VILLAGE HOUSEHOLD...",
       "create households' points accounts",
       "Creates the points account of each household (by its number in the village) and\n"
       "shows the account id, which accounts lookup and accounts watch take. Safe to run\n"
       "again.\n",
       {},
       RunHouseholdsCreate},
      {"households",
       "put",
       "VILLAGE HOUSEHOLD",
       "save a household's members, proxy and grid",
       "Saves the household's details (replacing earlier ones) and creates its points\n"
       "account. Example:\n"
       "\n"
       "  pointsctl households put 1 7 --name 张家 --grid 3 --member 张小明:head:13800000000 \\\n"
       "      --member 李芳:member --proxy 王大妈\n",
       {{"--name", "TEXT", "the household's name (default none)"},
        {"--grid", "N", "its grid (default 0: none)"},
        {"--member", "NAME:ROLE[:PHONE]", "ROLE head or member; repeatable", true},
        {"--proxy", "NAME[:PHONE]", "someone who may act for the household (default none)"}},
       RunHouseholdsPut},
      {"households",
       "show",
       "VILLAGE HOUSEHOLD...",
       "show households' points accounts",
       "Shows the points accounts of households by their numbers in the village: the balance\n"
       "is credits_posted minus debits_posted; pending columns are awards on notice and\n"
       "deductions not yet posted.\n",
       {},
       RunHouseholdsShow},
      {"households",
       "balance",
       "VILLAGE HOUSEHOLD",
       "show a household's points and what expires when",
       "Shows the points a household holds, the points on notice for and against it, and, in a\n"
       "village with expiry, what lapses at the next year ends if nothing more is spent.\n",
       {},
       RunHouseholdsBalance},
      {"households",
       "list",
       "VILLAGE",
       "list a village's households",
       "Lists the village's households. Names are masked (张*明) and phones left out unless\n"
       "--reveal is given.\n",
       {{"--reveal", "", "show names and phones in full"}},
       RunHouseholdsList},
      {"households",
       "close",
       "VILLAGE HOUSEHOLD",
       "close a household that moves away",
       "Closes the household's account. Refused (exit code 3) while it holds points or has\n"
       "awards or deductions pending: settle them first.\n",
       {},
       RunHouseholdsClose},
      {"budget",
       "set",
       "VILLAGE MONTH POINTS",
       "set a month's issuance budget",
       "Sets how many points the village may issue in MONTH (YYYYMM, China Standard Time).\n"
       "Set once; awards that would pass it are refused by the ledger (exit code 3 when it\n"
       "was already set to another amount).\n",
       {},
       RunBudgetSet},
      {"expiry",
       "set",
       "VILLAGE",
       "turn points expiry on or off for a village",
       "At each year end after this (Jan 1 00:00 China Standard Time) the points a household\n"
       "earned before the cut-off and has not spent lapse, oldest first, through journaled\n"
       "transfers to the village's expiry sink; nothing is deleted. --grace-years 0 resets\n"
       "points every year; 1 keeps them until the end of the following year.\n",
       {{"--grace-years", "N", "0..10: years points stay valid after the year they were earned"},
        {"--off", "", "points do not expire"}},
       RunExpirySet},
      {"rules",
       "put",
       "",
       "add a rule, or the next version of one, to a village's catalogue",
       "Adds version 1 of a new rule, or the next version of a changed one. Versions are never\n"
       "edited: an award keeps the version it was scored by. Running the same command again\n"
       "changes nothing. --retire makes a version under which the rule scores nothing.\n"
       "Versions take effect in order; exit code 3 when the catalogue refuses.\n"
       "\n"
       "Example: pointsctl rules put --village 1 --rule 1 --name 庭院卫生评比 --category hygiene "
       "\\\n"
       "             --points-per-unit 10 --cap-per-month 30 --by committee-li\n",
       {{"--village", "N", "the village; required"},
        {"--rule", "N", "the rule's number, 1..9999; required"},
        {"--name", "TEXT", "its name, 1..64 bytes of UTF-8; required"},
        {"--category", "NAME",
         "hygiene, volunteering, village_agreement, model_award, task or\n"
         "                            deduction; required"},
        {"--points-per-unit", "N", "points per check, hour, ...; required"},
        {"--difficulty-percent", "N", "multiplier, 1..10000 (default 100)"},
        {"--cap-per-day", "N", "cap per household and day (default 0: none)"},
        {"--cap-per-month", "N", "per month (default 0: none)"},
        {"--cap-per-year", "N", "per year (default 0: none)"},
        {"--effective-from", "TIME", "RFC 3339, e.g. 2027-01-01T00:00:00+08:00 (default: now)"},
        {"--retire", "", "the rule scores nothing from --effective-from on"},
        {"--replaces", "N",
         "change it only if version N is still the latest (default: any);\n"
         "                            refused, exit code 3, when someone changed it meanwhile"},
        {"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"}},
       RunRulesPut},
      {"rules",
       "list",
       "VILLAGE",
       "list a village's rules with every version",
       "Lists every version of the village's rules, in rule then version order.\n",
       {{"--rule", "N", "only this rule (default: all)"}},
       RunRulesList},
      {"awards",
       "record",
       "",
       "record an award or deduction",
       "Records an award for a household by a rule of the village's catalogue (rules put),\n"
       "scored by the version in effect now: points = the rule's points per unit x --quantity x\n"
       "its difficulty. Above the server's review threshold it waits for a second person\n"
       "(awards approve); otherwise it goes on the notice board at once. Safe to run again with\n"
       "the same --id. Exit code 3 when the ledger refuses it (budget used up, cap reached: the\n"
       "WHY column says which) or the catalogue has no such rule in effect.\n"
       "\n"
       "Example: pointsctl awards record --village 1 --id 9001 --household 7 --rule 1 \\\n"
       "             --by grid-wang --evidence photo:3f2a\n",
       {{"--village", "N", "the village; required"},
        {"--id", "ID", "the award id, its idempotency key; required"},
        {"--household", "N", "the household's number; required"},
        {"--rule", "N", "the rule's number in the catalogue; required"},
        {"--version", "N", "the rule's version (default: the one in effect)"},
        {"--quantity", "N", "checks, hours, ... (default 1)"},
        {"--evidence", "REF", "a reference such as a photo hash; repeatable", true},
        {"--note", "TEXT", "why (default empty)"},
        {"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"}},
       RunAwardsRecord},
      {"awards",
       "import",
       "FILE.csv",
       "record an inspection round from a CSV file",
       "Records every award of a CSV file (- reads stdin) for one village, in requests of\n"
       "--batch awards; each line is idempotent by its award id, so running the file again\n"
       "records nothing twice. Every line is checked before anything is sent. The first line\n"
       "names the columns, in any order. Required: id, household, rule (its number in the\n"
       "village's catalogue). Optional: version (default: the one in effect), quantity,\n"
       "evidence (references joined by |), note (no commas).\n"
       "\n"
       "  id,household,rule,evidence,note\n"
       "  20261122001,1,1,photo:3f2a,院落整洁\n"
       "\n"
       "Lines the server or the ledger refused are listed with the reason; the end is a count\n"
       "per state (awaiting_review, on_notice, refused, ...). A progress bar is drawn on\n"
       "stderr when stderr is a terminal.\n",
       {{"--village", "N", "the village; required"},
        {"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"},
        {"--batch", "N", "awards per request, 1..1000 (default 200)"}},
       RunAwardsImport},
      {"awards",
       "approve",
       "VILLAGE AWARD_ID",
       "approve an award: it goes on notice",
       "A second person approves an award awaiting review: it goes on the notice board (or\n"
       "the ledger refuses it, exit code 3). The recorder cannot approve their own award.\n",
       {{"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"}},
       RunAwardsApprove},
      {"awards",
       "object",
       "VILLAGE AWARD_ID",
       "object to an award on notice",
       "Holds an award during its notice window until the committee decides.\n",
       {{"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"},
        {"--reason", "TEXT", "why; required"}},
       RunAwardsObject},
      {"awards",
       "decide",
       "VILLAGE AWARD_ID",
       "keep or void a held award",
       "The committee's decision on a held award: --keep (it posts once its window has\n"
       "ended) or --void (its points, budget and caps are given back).\n",
       {{"--keep", "", "keep the award"},
        {"--void", "", "void the award"},
        {"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"}},
       RunAwardsDecide},
      {"awards",
       "show",
       "VILLAGE AWARD_ID",
       "show an award",
       "Shows an award and where it stands.\n",
       {},
       RunAwardsShow},
      {"awards",
       "list",
       "VILLAGE",
       "list a village's awards in one state",
       "Lists the village's awards in one state, at most 1000.\n",
       {{"--state", "NAME",
         "awaiting_review, on_notice, held, posted, voided or refused\n"
         "                            (default on_notice)"}},
       RunAwardsList},
  };
}

}  // namespace points::client

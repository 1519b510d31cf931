// pointsctl's community commands (CommunityService): partners, campaigns, donations and the
// fund's statement; proposals, votes and decisions; projects and their payouts; rating rounds
// and the committee's follow-ups.

#include "clients/pointsctl/pointsctl_cli.h"
#include "points/v1/community.pb.h"
#include "server/domain/values/fund_values.h"
#include "server/domain/values/proposal_values.h"
#include "server/domain/values/rating_round_values.h"

namespace points::client {
namespace {

// An id as the wire carries it: 16 bytes, big-endian (ledger.proto).
std::string IdBytes(Id id) {
  std::string out(16, '\0');
  const uint64_t halves[2] = {absl::Uint128High64(id), absl::Uint128Low64(id)};
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < 8; ++i) out[h * 8 + i] = static_cast<char>(halves[h] >> (56 - 8 * i));
  }
  return out;
}

// Fen as yuan with two decimals: 30000 -> 300.00.
std::string Yuan(uint64_t fen) { return absl::StrFormat("%d.%02d", fen / 100, fen % 100); }

std::string Stars(uint64_t milli) { return absl::StrFormat("%d.%03d", milli / 1000, milli % 1000); }

const char* ProposalStateText(int state) {
  return state >= 1 && state <= 14
             ? domain::ProposalStateName(static_cast<domain::ProposalState>(state))
             : "?";
}

const char* DecisionText(int decision) {
  return decision >= 0 && decision <= 3
             ? domain::DecisionName(static_cast<domain::Decision>(decision))
             : "?";
}

// The one of `flags` given (a usage error unless exactly one is), as its position.
size_t OneOf(const Invocation& in, std::initializer_list<absl::string_view> flags) {
  size_t given = 0, which = 0, i = 0;
  for (absl::string_view flag : flags) {
    if (in.Has(flag)) ++given, which = i;
    ++i;
  }
  if (given != 1) Usage(absl::StrCat("give exactly one of ", absl::StrJoin(flags, ", ")));
  return which;
}

// --vote-window SECONDS or --closes TIME (RFC 3339): a time after now.
uint64_t WindowEnd(const Invocation& in, absl::string_view window, absl::string_view at) {
  if (OneOf(in, {window, at}) == 1) return TimestampFlag(in, at);
  const uint64_t seconds = NumberFlag(in, window, 90ull * 86'400);
  return static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) + seconds * 1'000'000'000ull;
}

// ---- The micro-fund ----

void PrintPartners(const GlobalOptions& global, const std::vector<v1::Partner>& partners) {
  static const char* kKinds[] = {"?", "company", "institution", "social_organisation"};
  auto kind = [](int k) { return kKinds[k >= 1 && k <= 3 ? k : 0]; };
  if (global.json) {
    for (const v1::Partner& p : partners) {
      JsonObject()
          .Uint32("partner", p.partner())
          .String("name", p.name())
          .String("kind", kind(p.kind()))
          .String("registered_by", p.registered_by())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"PARTNER", true}, {"NAME"}, {"KIND"}});
  for (const v1::Partner& p : partners) {
    table.AddRow({absl::StrCat(p.partner()), p.name(), kind(p.kind())});
  }
  table.Print(stdout);
}

int RunPartnersPut(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the partner number");
  v1::PutPartnerRequest request;
  v1::Partner* p = request.mutable_partner();
  p->set_village(VillageArg(in.args[0]));
  p->set_partner(NumberArg("partner", in.args[1], domain::kPartnerNumberMax));
  p->set_name(TextFlag(in, "--name"));
  const std::string kind = in.Value("--kind").value_or("company");
  if (kind == "company") {
    p->set_kind(v1::PARTNER_KIND_COMPANY);
  } else if (kind == "institution") {
    p->set_kind(v1::PARTNER_KIND_INSTITUTION);
  } else if (kind == "social") {
    p->set_kind(v1::PARTNER_KIND_SOCIAL_ORGANISATION);
  } else {
    Usage("--kind: company, institution or social");
  }
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::PutPartnerResponse> put = client.PutPartner(request);
  if (!put.ok()) return WorkflowFailed(put.status());
  PrintPartners(in.global, {put->partner()});
  return kExitOk;
}

int RunPartnersList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::ListPartnersRequest request;
  request.set_village(VillageArg(in.args[0]));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ListPartnersResponse> listed = client.ListPartners(request);
  if (!listed.ok()) return WorkflowFailed(listed.status());
  PrintPartners(in.global, {listed->partners().begin(), listed->partners().end()});
  return kExitOk;
}

void PrintCampaigns(const GlobalOptions& global, const std::vector<v1::Campaign>& campaigns) {
  if (global.json) {
    for (const v1::Campaign& c : campaigns) {
      JsonObject()
          .Uint32("campaign", c.campaign())
          .String("title", c.title())
          .Uint64("target_fen", c.target_fen())
          .Uint64("raised_fen", c.raised_fen())
          .Uint64("donations", c.donations())
          .Uint64("ends_at", c.ends_at())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"CAMPAIGN", true},
               {"TITLE"},
               {"TARGET_YUAN", true},
               {"RAISED_YUAN", true},
               {"DONATIONS", true},
               {"ENDS"}});
  for (const v1::Campaign& c : campaigns) {
    table.AddRow({absl::StrCat(c.campaign()), c.title(), Yuan(c.target_fen()), Yuan(c.raised_fen()),
                  absl::StrCat(c.donations()),
                  c.ends_at() == 0 ? "-" : FormatTimestamp(c.ends_at())});
  }
  table.Print(stdout);
}

int RunCampaignsOpen(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the campaign number");
  v1::OpenCampaignRequest request;
  v1::Campaign* c = request.mutable_campaign();
  c->set_village(VillageArg(in.args[0]));
  c->set_campaign(NumberArg("campaign", in.args[1], domain::kCampaignNumberMax));
  c->set_title(TextFlag(in, "--title"));
  c->set_target_fen(RequiredNumberFlag(in, "--target-fen", domain::kCampaignTargetFenMax));
  c->set_ends_at(TimestampFlag(in, "--ends"));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::OpenCampaignResponse> opened = client.OpenCampaign(request);
  if (!opened.ok()) return WorkflowFailed(opened.status());
  PrintCampaigns(in.global, {opened->campaign()});
  return kExitOk;
}

int RunCampaignsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::ListCampaignsRequest request;
  request.set_village(VillageArg(in.args[0]));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ListCampaignsResponse> listed = client.ListCampaigns(request);
  if (!listed.ok()) return WorkflowFailed(listed.status());
  PrintCampaigns(in.global, {listed->campaigns().begin(), listed->campaigns().end()});
  return kExitOk;
}

int RunDonationsAdd(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  RequireFlag(in, "--id");
  v1::DonateRequest request;
  v1::Donation* d = request.mutable_donation();
  d->set_village(VillageArg(in.args[0]));
  d->set_donation_id(IdBytes(IdFlag(in, "--id")));
  d->set_fen(RequiredNumberFlag(in, "--fen", domain::kDonationFenMax));
  switch (OneOf(in, {"--partner", "--person", "--anonymous"})) {
    case 0:
      d->set_donor_kind(v1::DONOR_KIND_PARTNER);
      d->set_partner(static_cast<uint32_t>(NumberFlag(in, "--partner", domain::kPartnerNumberMax)));
      break;
    case 1:
      d->set_donor_kind(v1::DONOR_KIND_PERSON);
      d->set_donor_name(*in.Value("--person"));
      break;
    default:
      d->set_donor_kind(v1::DONOR_KIND_ANONYMOUS);
  }
  const std::string shown = in.Value("--shown").value_or("name");
  if (shown == "name") {
    d->set_shown(v1::DONOR_SHOWN_NAME);
  } else if (shown == "masked") {
    d->set_shown(v1::DONOR_SHOWN_MASKED);
  } else if (shown == "hidden") {
    d->set_shown(v1::DONOR_SHOWN_HIDDEN);
  } else {
    Usage("--shown: name, masked or hidden");
  }
  d->set_campaign(static_cast<uint32_t>(NumberFlag(in, "--campaign", domain::kCampaignNumberMax)));
  d->set_note(in.Value("--note").value_or(""));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::DonateResponse> gift = client.Donate(request);
  if (!gift.ok()) return WorkflowFailed(gift.status());
  const v1::Donation& g = gift->donation();
  static const char* kStates[] = {"?", "recording", "recorded", "refused"};
  const char* state = kStates[g.state() >= 1 && g.state() <= 3 ? g.state() : 0];
  if (in.global.json) {
    JsonObject()
        .Uint64("receipt", g.receipt())
        .Uint64("fen", g.fen())
        .String("donor", g.donor_shown_as())
        .String("state", state)
        .String("refusal", g.refusal())
        .PrintLine(stdout);
  } else {
    std::printf("receipt %llu: %s yuan from %s, %s%s\n",
                static_cast<unsigned long long>(g.receipt()), Yuan(g.fen()).c_str(),
                g.donor_shown_as().c_str(), state,
                g.refusal().empty() ? "" : absl::StrCat(" (", g.refusal(), ")").c_str());
  }
  return g.state() == v1::DONATION_STATE_RECORDED ? kExitOk : kExitRefused;
}

int RunFundShow(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::GetFundStatementRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_month(MonthArg("--month", TextFlag(in, "--month")));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetFundStatementResponse> s = client.GetFundStatement(request);
  if (!s.ok()) return WorkflowFailed(s.status());
  static const char* kStates[] = {"?", "posted", "reserved", "released"};  // MovementState
  auto state_of = [](int state) { return kStates[state >= 1 && state <= 3 ? state : 0]; };
  if (in.global.json) {
    for (const v1::FundLine& l : s->lines()) {
      JsonObject()
          .Uint64("timestamp", l.timestamp())
          .String("state", state_of(l.state()))
          .Bool("credit", l.credit())
          .Uint64("fen", l.fen())
          .String("what", l.what())
          .Uint64("balance_after", l.balance_after())
          .PrintLine(stdout);
    }
    JsonObject()
        .String("summary", "month")
        .Uint64("opening", s->opening())
        .Uint64("in", s->fen_in())
        .Uint64("out", s->fen_out())
        .Uint64("closing", s->closing())
        .Uint64("balance", s->balance())
        .Uint64("reserved", s->reserved())
        .Uint64("available", s->available())
        .PrintLine(stdout);
    return kExitOk;
  }
  std::printf("社区微基金 micro-fund of village %s, month %u: opening %s yuan\n",
              in.args[0].c_str(), request.month(), Yuan(s->opening()).c_str());
  Table table({{"TIME"}, {"STATE"}, {"WHAT"}, {"YUAN", true}, {"BALANCE", true}});
  for (const v1::FundLine& l : s->lines()) {
    table.AddRow({FormatTimestamp(l.timestamp()), state_of(l.state()), l.what(),
                  absl::StrCat(l.credit() ? "+" : "-", Yuan(l.fen())), Yuan(l.balance_after())});
  }
  table.Print(stdout);
  std::printf(
      "closing %s yuan (in %s, out %s); now: balance %s, reserved for projects %s, "
      "available %s%s\n",
      Yuan(s->closing()).c_str(), Yuan(s->fen_in()).c_str(), Yuan(s->fen_out()).c_str(),
      Yuan(s->balance()).c_str(), Yuan(s->reserved()).c_str(), Yuan(s->available()).c_str(),
      s->floored() ? "" : " (a fund without its floor: it pays nothing out)");
  return kExitOk;
}

// ---- Proposals and projects ----

void PrintProposals(const GlobalOptions& global, const std::vector<v1::Proposal>& proposals) {
  if (global.json) {
    for (const v1::Proposal& p : proposals) {
      JsonObject()
          .Uint32("number", p.number())
          .Uint64("household", p.household())
          .String("title", p.title())
          .Uint64("cost_fen", p.cost_fen())
          .String("state", ProposalStateText(p.state()))
          .Uint64("vote_ends_at", p.vote_ends_at())
          .Uint64("votes", p.votes())
          .Bool("vote_closed", p.vote_closed())
          .Uint64("votes_for", p.votes_for())
          .Uint64("votes_against", p.votes_against())
          .Uint64("votes_abstain", p.votes_abstain())
          .String("decision", DecisionText(p.decision()))
          .String("decision_reason", p.decision_reason())
          .String("refusal", p.refusal())
          .Uint64("payout_notice_ends_at", p.payout_notice_ends_at())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"NO", true}, {"TITLE"}, {"COST_YUAN", true}, {"STATE"}, {"VOTES"}, {"WHY"}});
  for (const v1::Proposal& p : proposals) {
    const std::string votes = p.vote_closed()
                                  ? absl::StrCat(p.votes_for(), " for, ", p.votes_against(),
                                                 " against, ", p.votes_abstain(), " abstain")
                                  : absl::StrCat(p.votes(), " cast");
    std::string why = p.decision_reason().empty() ? p.review_reason() : p.decision_reason();
    if (!p.refusal().empty()) why = p.refusal();
    if (!p.objection().empty()) why = absl::StrCat("[objected] ", p.objection());
    table.AddRow({absl::StrCat(p.number()), p.title(), Yuan(p.cost_fen()),
                  ProposalStateText(p.state()), p.vote_ends_at() == 0 ? "-" : votes, OrDash(why)});
  }
  table.Print(stdout);
}

int ProposalDone(const Invocation& in, const absl::StatusOr<v1::Proposal>& proposal) {
  if (!proposal.ok()) return WorkflowFailed(proposal.status());
  PrintProposals(in.global, {*proposal});
  return kExitOk;
}

template <typename Response>
absl::StatusOr<v1::Proposal> ProposalOf(const absl::StatusOr<Response>& response) {
  if (!response.ok()) return response.status();
  return response->proposal();
}

// VILLAGE NUMBER, into a request with village() and proposal().
template <typename Request>
Request ProposalRequest(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the proposal number");
  Request request;
  request.set_village(VillageArg(in.args[0]));
  request.set_proposal(NumberArg("proposal", in.args[1], UINT32_MAX));
  return request;
}

int RunProposalsPropose(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  RequireFlag(in, "--id");
  v1::ProposeRequest request;
  v1::Proposal* p = request.mutable_proposal();
  p->set_village(VillageArg(in.args[0]));
  p->set_proposal_id(IdBytes(IdFlag(in, "--id")));
  p->set_household(RequiredNumberFlag(in, "--household", UINT64_MAX));
  p->set_title(TextFlag(in, "--title"));
  p->set_description(in.Value("--description").value_or(""));
  p->set_cost_fen(NumberFlag(in, "--cost-fen", domain::kProjectCostFenMax));
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.Propose(request)));
}

int RunProposalsAccept(const Invocation& in) {
  auto request = ProposalRequest<v1::ReviewProposalRequest>(in);
  request.set_accept(true);
  request.set_vote_ends_at(WindowEnd(in, "--vote-window", "--vote-ends"));
  request.set_reason(in.Value("--note").value_or(""));
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.ReviewProposal(request)));
}

int RunProposalsDecline(const Invocation& in) {
  auto request = ProposalRequest<v1::ReviewProposalRequest>(in);
  request.set_accept(false);
  request.set_reason(TextFlag(in, "--reason"));
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.ReviewProposal(request)));
}

int RunProposalsComment(const Invocation& in) {
  auto request = ProposalRequest<v1::CommentOnProposalRequest>(in);
  RequireFlag(in, "--id");
  v1::Remark* remark = request.mutable_remark();
  remark->set_remark_id(IdBytes(IdFlag(in, "--id")));
  remark->set_household(RequiredNumberFlag(in, "--household", UINT64_MAX));
  remark->set_text(TextFlag(in, "--text"));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::CommentOnProposalResponse> saved = client.CommentOnProposal(request);
  if (!saved.ok()) return WorkflowFailed(saved.status());
  std::printf("commented as household %llu\n",
              static_cast<unsigned long long>(saved->remark().household()));
  return kExitOk;
}

int RunProposalsVote(const Invocation& in) {
  auto request = ProposalRequest<v1::CastVoteRequest>(in);
  request.set_household(RequiredNumberFlag(in, "--household", UINT64_MAX));
  const v1::VoteChoice choices[] = {v1::VOTE_CHOICE_FOR, v1::VOTE_CHOICE_AGAINST,
                                    v1::VOTE_CHOICE_ABSTAIN};
  request.set_choice(choices[OneOf(in, {"--for", "--against", "--abstain"})]);
  request.set_proxy_name(in.Value("--proxy").value_or(""));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::CastVoteResponse> cast = client.CastVote(request);
  if (!cast.ok()) return WorkflowFailed(cast.status());
  std::printf("household %llu voted %s%s\n", static_cast<unsigned long long>(request.household()),
              domain::VoteChoiceName(static_cast<domain::VoteChoice>(cast->choice())),
              cast->proxy_name().empty()
                  ? ""
                  : absl::StrCat(" (by its proxy ", cast->proxy_name(), ")").c_str());
  return kExitOk;
}

int RunProposalsDecide(const Invocation& in) {
  auto request = ProposalRequest<v1::DecideProposalRequest>(in);
  const v1::Decision decisions[] = {v1::DECISION_APPROVE, v1::DECISION_REJECT, v1::DECISION_DEFER};
  request.set_decision(decisions[OneOf(in, {"--approve", "--reject", "--defer"})]);
  request.set_reason(in.Value("--reason").value_or(""));
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.DecideProposal(request)));
}

int RunProposalsShow(const Invocation& in) {
  auto request = ProposalRequest<v1::GetProposalRequest>(in);
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetProposalResponse> got = client.GetProposal(request);
  if (!got.ok()) return WorkflowFailed(got.status());
  PrintProposals(in.global, {got->proposal()});
  if (got->remarks_size() == 0) return kExitOk;
  if (in.global.json) {
    for (const v1::Remark& r : got->remarks()) {
      JsonObject().Uint64("household", r.household()).String("text", r.text()).PrintLine(stdout);
    }
    return kExitOk;
  }
  std::printf("\nComments (议事):\n");
  Table table({{"HOUSEHOLD", true}, {"AT"}, {"COMMENT"}});
  for (const v1::Remark& r : got->remarks()) {
    table.AddRow({absl::StrCat(r.household()), FormatTimestamp(r.at()), r.text()});
  }
  table.Print(stdout);
  return kExitOk;
}

int RunProposalsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::ListProposalsRequest request;
  request.set_village(VillageArg(in.args[0]));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ListProposalsResponse> listed = client.ListProposals(request);
  if (!listed.ok()) return WorkflowFailed(listed.status());
  PrintProposals(in.global, {listed->proposals().begin(), listed->proposals().end()});
  return kExitOk;
}

int RunProjectsComplete(const Invocation& in) {
  auto request = ProposalRequest<v1::CompleteProjectRequest>(in);
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.CompleteProject(request)));
}

int RunProjectsApprovePayout(const Invocation& in) {
  auto request = ProposalRequest<v1::ApprovePayoutRequest>(in);
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.ApprovePayout(request)));
}

int RunProjectsObject(const Invocation& in) {
  auto request = ProposalRequest<v1::ObjectToPayoutRequest>(in);
  request.set_household(NumberFlag(in, "--household", UINT64_MAX));
  request.set_reason(TextFlag(in, "--reason"));
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.ObjectToPayout(request)));
}

int RunProjectsDecide(const Invocation& in) {
  auto request = ProposalRequest<v1::DecidePayoutRequest>(in);
  request.set_keep(OneOf(in, {"--keep", "--withdraw"}) == 0);
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.DecidePayout(request)));
}

int RunProjectsCancel(const Invocation& in) {
  auto request = ProposalRequest<v1::CancelProjectRequest>(in);
  request.set_reason(TextFlag(in, "--reason"));
  LedgerClient client = MakeClient(in.global);
  return ProposalDone(in, ProposalOf(client.CancelProject(request)));
}

// ---- Rating rounds ----

void PrintRounds(const GlobalOptions& global, const std::vector<v1::RatingRound>& rounds) {
  static const char* kSubjects[] = {"?", "project", "task", "service"};
  auto subject = [](const v1::RatingRound& r) {
    const int s = r.subject() >= 1 && r.subject() <= 3 ? r.subject() : 0;
    return r.subject_number() == 0 ? std::string(kSubjects[s])
                                   : absl::StrCat(kSubjects[s], " ", r.subject_number());
  };
  if (global.json) {
    for (const v1::RatingRound& r : rounds) {
      JsonObject()
          .Uint32("round", r.round())
          .String("subject", subject(r))
          .String("title", r.title())
          .String("party", r.party_name())
          .String("code", r.code())
          .Bool("open", r.open())
          .Uint64("ratings", r.ratings())
          .Uint64("average_milli", r.average_milli())
          .Bool("follow_up", r.follow_up())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"ROUND", true},
               {"SUBJECT"},
               {"TITLE"},
               {"BY"},
               {"CODE"},
               {"OPEN"},
               {"RATINGS", true},
               {"AVERAGE", true}});
  for (const v1::RatingRound& r : rounds) {
    table.AddRow({absl::StrCat(r.round()), subject(r), r.title(), OrDash(r.party_name()), r.code(),
                  r.open() ? "yes" : "no", absl::StrCat(r.ratings()),
                  r.ratings() == 0 ? "-" : Stars(r.average_milli())});
  }
  table.Print(stdout);
}

void PrintRoundRatings(const GlobalOptions& global,
                       const google::protobuf::RepeatedPtrField<v1::RoundRating>& ratings) {
  if (global.json) {
    for (const v1::RoundRating& r : ratings) {
      JsonObject()
          .Uint64("household", r.household())
          .Uint32("stars", r.stars())
          .String("comment", r.comment())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"HOUSEHOLD", true}, {"STARS", true}, {"COMMENT"}});
  for (const v1::RoundRating& r : ratings) {
    table.AddRow({absl::StrCat(r.household()), absl::StrCat(r.stars()), OrDash(r.comment())});
  }
  table.Print(stdout);
}

int RunRoundsOpen(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the round number");
  v1::OpenRatingRoundRequest request;
  v1::RatingRound* r = request.mutable_round();
  r->set_village(VillageArg(in.args[0]));
  r->set_round(NumberArg("round", in.args[1], domain::kRoundNumberMax));
  r->set_title(TextFlag(in, "--title"));
  switch (OneOf(in, {"--project", "--task", "--service"})) {
    case 0:
      r->set_subject(v1::ROUND_SUBJECT_PROJECT);
      r->set_subject_number(static_cast<uint32_t>(NumberFlag(in, "--project", UINT32_MAX)));
      break;
    case 1:
      r->set_subject(v1::ROUND_SUBJECT_TASK);
      r->set_subject_number(static_cast<uint32_t>(NumberFlag(in, "--task", UINT32_MAX)));
      break;
    default:
      r->set_subject(v1::ROUND_SUBJECT_SERVICE);
  }
  const int parties = in.Has("--household") + in.Has("--shop") + in.Has("--organisation");
  if (parties > 1) Usage("give at most one of --household, --shop, --organisation");
  if (parties == 1) {
    const size_t party = OneOf(in, {"--household", "--shop", "--organisation"});
    const v1::PartyKind kinds[] = {v1::PARTY_KIND_HOUSEHOLD, v1::PARTY_KIND_SHOP,
                                   v1::PARTY_KIND_ORGANISATION};
    const absl::string_view flags[] = {"--household", "--shop", "--organisation"};
    r->set_party_kind(kinds[party]);
    r->set_party(NumberFlag(in, flags[party], UINT64_MAX));
  }
  r->set_closes_at(WindowEnd(in, "--window", "--closes"));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::OpenRatingRoundResponse> opened = client.OpenRatingRound(request);
  if (!opened.ok()) return WorkflowFailed(opened.status());
  PrintRounds(in.global, {opened->round()});
  return kExitOk;
}

int RunRoundsRate(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the round number");
  v1::RateRoundRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_round(NumberArg("round", in.args[1], domain::kRoundNumberMax));
  request.set_household(RequiredNumberFlag(in, "--household", UINT64_MAX));
  request.set_stars(static_cast<uint32_t>(RequiredNumberFlag(in, "--stars", 5)));
  request.set_comment(in.Value("--comment").value_or(""));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::RateRoundResponse> rated = client.RateRound(request);
  if (!rated.ok()) return WorkflowFailed(rated.status());
  std::printf("rated %u stars\n", rated->stars());
  return kExitOk;
}

int RunRoundsShow(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the round number");
  v1::GetRatingRoundRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_round(NumberArg("round", in.args[1], domain::kRoundNumberMax));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetRatingRoundResponse> got = client.GetRatingRound(request);
  if (!got.ok()) return WorkflowFailed(got.status());
  PrintRounds(in.global, {got->round()});
  if (got->ratings_size() > 0) {
    if (!in.global.json) std::printf("\nRatings (the committee's view):\n");
    PrintRoundRatings(in.global, got->ratings());
  }
  return kExitOk;
}

int RunRoundsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::ListRatingRoundsRequest request;
  request.set_village(VillageArg(in.args[0]));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ListRatingRoundsResponse> listed = client.ListRatingRounds(request);
  if (!listed.ok()) return WorkflowFailed(listed.status());
  PrintRounds(in.global, {listed->rounds().begin(), listed->rounds().end()});
  return kExitOk;
}

int RunFollowUpsList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  v1::ListFollowUpsRequest request;
  request.set_village(VillageArg(in.args[0]));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ListFollowUpsResponse> listed = client.ListFollowUps(request);
  if (!listed.ok()) return WorkflowFailed(listed.status());
  for (const v1::FollowUp& f : listed->follow_ups()) {
    PrintRounds(in.global, {f.round()});
    PrintRoundRatings(in.global, f.low_ratings());
    if (!in.global.json) std::printf("\n");
  }
  if (!in.global.json && listed->follow_ups_size() == 0) std::printf("no follow-ups\n");
  return kExitOk;
}

int RunFollowUpsResolve(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the round number");
  v1::ResolveFollowUpRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_round(NumberArg("round", in.args[1], domain::kRoundNumberMax));
  request.set_resolution(TextFlag(in, "--note"));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::ResolveFollowUpResponse> resolved = client.ResolveFollowUp(request);
  if (!resolved.ok()) return WorkflowFailed(resolved.status());
  PrintRounds(in.global, {resolved->round()});
  return kExitOk;
}

}  // namespace

std::vector<Command> CommunityCommands() {
  return {
      {"partners",
       "put",
       "VILLAGE PARTNER",
       "register a partner organisation (共建单位)",
       "Registers partner PARTNER of the village, or changes its name or kind. Partners donate,\n"
       "claim tasks as organisations and are rated and commended.\n",
       {{"--name", "TEXT", "e.g. 东山建材有限公司; required"},
        {"--kind", "KIND", "company, institution or social (default company)"}},
       RunPartnersPut},
      {"partners",
       "list",
       "VILLAGE",
       "list the village's partner organisations",
       "Lists the partner organisations.\n",
       {},
       RunPartnersList},
      {"campaigns",
       "open",
       "VILLAGE CAMPAIGN",
       "open a fundraising campaign (社会募捐) with a target",
       "Opens campaign CAMPAIGN; donations may name it until it ends. Safe to run again.\n",
       {{"--title", "TEXT", "required"},
        {"--target-fen", "N", "the target in fen; required"},
        {"--ends", "TIME", "RFC 3339 (default: no end)"}},
       RunCampaignsOpen},
      {"campaigns",
       "list",
       "VILLAGE",
       "list campaigns with what each raised",
       "Lists the campaigns; what each raised is read from the ledger.\n",
       {},
       RunCampaignsList},
      {"donations",
       "add",
       "VILLAGE",
       "record a donation into the micro-fund (捐赠), with a receipt number",
       "Records money received: one transfer into the village's micro-fund. Safe to resend with\n"
       "the same --id: the same receipt comes back and the money moves once.\n",
       {{"--id", "ID", "the donation id, its idempotency key; required"},
        {"--fen", "N", "the amount in fen; required"},
        {"--partner", "N", "a registered partner organisation gives"},
        {"--person", "NAME", "a named person gives"},
        {"--anonymous", "", "nobody named"},
        {"--shown", "HOW", "how the statement shows the donor: name, masked or hidden"},
        {"--campaign", "N", "the campaign it is for"},
        {"--note", "TEXT", "optional"}},
       RunDonationsAdd},
      {"fund",
       "show",
       "VILLAGE",
       "show the micro-fund's statement (社区微基金)",
       "Every movement of the month with the running balance: levies by shop, donations (the\n"
       "donor as the donor chose), projects reserved, paid or released; and the fund now.\n",
       {{"--month", "YYYYMM", "the month; required"}},
       RunFundShow},
      {"proposals",
       "propose",
       "VILLAGE",
       "raise a proposal (民事民提) for a household",
       "A household raises a matter, with an optional cost from the micro-fund. Safe to resend\n"
       "with the same --id. Prints the proposal's number, which the other commands take.\n",
       {{"--id", "ID", "the proposal id, its idempotency key; required"},
        {"--household", "N", "the household raising it; required"},
        {"--title", "TEXT", "required"},
        {"--description", "TEXT", "optional"},
        {"--cost-fen", "N", "from the micro-fund (default 0)"}},
       RunProposalsPropose},
      {"proposals",
       "accept",
       "VILLAGE NUMBER",
       "accept a proposal for deliberation (民事民议), with a vote window",
       "Opens deliberation: comments and one vote per household until the window closes.\n",
       {{"--vote-window", "SECONDS", "the vote closes this long from now"},
        {"--vote-ends", "TIME", "or at this RFC 3339 time"},
        {"--note", "TEXT", "optional"}},
       RunProposalsAccept},
      {"proposals",
       "decline",
       "VILLAGE NUMBER",
       "decline a proposal, with a public reason",
       "Declines a proposal; the reason is public.\n",
       {{"--reason", "TEXT", "required"}},
       RunProposalsDecline},
      {"proposals",
       "comment",
       "VILLAGE NUMBER",
       "comment on a proposal in deliberation",
       "A household's comment (a committee member may write one for it). Safe to resend.\n",
       {{"--id", "ID", "the comment id; required"},
        {"--household", "N", "required"},
        {"--text", "TEXT", "at most 500 bytes; required"}},
       RunProposalsComment},
      {"proposals",
       "vote",
       "VILLAGE NUMBER",
       "vote on a proposal, once per household",
       "A household's app votes for itself; a committee member or the household's grid worker\n"
       "records the vote of its registered proxy with --proxy. A second, different vote is\n"
       "refused (exit code 3), as is a vote after the window.\n",
       {{"--household", "N", "required"},
        {"--for", "", ""},
        {"--against", "", ""},
        {"--abstain", "", ""},
        {"--proxy", "NAME", "the household's registered proxy, voting through you"}},
       RunProposalsVote},
      {"proposals",
       "decide",
       "VILLAGE NUMBER",
       "decide a proposal after its vote (民事民决)",
       "Approve, reject or defer; a reason is required when it differs from the vote. Approving\n"
       "a cost reserves it from the micro-fund, refused (exit code 3) when the fund cannot\n"
       "cover it.\n",
       {{"--approve", "", ""},
        {"--reject", "", ""},
        {"--defer", "", ""},
        {"--reason", "TEXT", "public; required when the decision differs from the vote"}},
       RunProposalsDecide},
      {"proposals",
       "show",
       "VILLAGE NUMBER",
       "show a proposal, its vote and comments",
       "Shows the proposal; the vote's counts once its window has closed.\n",
       {},
       RunProposalsShow},
      {"proposals",
       "list",
       "VILLAGE",
       "list the village's proposals",
       "Lists the latest proposals.\n",
       {},
       RunProposalsList},
      {"projects",
       "complete",
       "VILLAGE NUMBER",
       "report an approved project done: its payout goes to review or notice",
       "A payout above the threshold (1000 yuan) waits for a second person's approval; then it\n"
       "is on notice for objections, and the server pays it when the window ends.\n",
       {},
       RunProjectsComplete},
      {"projects",
       "approve-payout",
       "VILLAGE NUMBER",
       "approve a payout, as a second person",
       "Not the one who reported the project done. The payout goes on notice.\n",
       {},
       RunProjectsApprovePayout},
      {"projects",
       "object",
       "VILLAGE NUMBER",
       "object to a payout on notice",
       "Holds the payout for the committee's decision.\n",
       {{"--reason", "TEXT", "required"},
        {"--household", "N", "the household objecting (a household's app)"}},
       RunProjectsObject},
      {"projects",
       "decide",
       "VILLAGE NUMBER",
       "decide a held payout: keep or withdraw",
       "Keep: paid when its window ends. Withdraw: the project stays approved, its cost\n"
       "reserved.\n",
       {{"--keep", "", ""}, {"--withdraw", "", ""}},
       RunProjectsDecide},
      {"projects",
       "cancel",
       "VILLAGE NUMBER",
       "cancel an approved project before it is paid",
       "Its reservation goes back to the micro-fund.\n",
       {{"--reason", "TEXT", "required"}},
       RunProjectsCancel},
      {"rounds",
       "open",
       "VILLAGE ROUND",
       "open a rating round (评议) for a finished project, task or service",
       "Any household of the village rates it once until the window closes, by scanning the\n"
       "printed code (CODE) at a rating point. Name who did it to commend them.\n",
       {{"--title", "TEXT", "required"},
        {"--project", "N", "a project done (the proposal number)"},
        {"--task", "N", "a task"},
        {"--service", "", "a service"},
        {"--household", "N", "done by this household"},
        {"--shop", "N", "done by this shop"},
        {"--organisation", "N", "done by this partner organisation"},
        {"--window", "SECONDS", "ratings taken this long from now"},
        {"--closes", "TIME", "or until this RFC 3339 time"}},
       RunRoundsOpen},
      {"rounds",
       "rate",
       "VILLAGE ROUND",
       "rate a round, once per household",
       "1..5 stars and an optional comment (read by the committee only).\n",
       {{"--household", "N", "required"},
        {"--stars", "N", "1..5; required"},
        {"--comment", "TEXT", "optional, at most 500 bytes"}},
       RunRoundsRate},
      {"rounds",
       "show",
       "VILLAGE ROUND",
       "show a round; its comments for the committee",
       "Shows the round's count and average; the committee and auditor also see each rating.\n",
       {},
       RunRoundsShow},
      {"rounds",
       "list",
       "VILLAGE",
       "list the village's rating rounds",
       "Lists the latest rounds with their averages.\n",
       {},
       RunRoundsList},
      {"followups",
       "list",
       "VILLAGE",
       "the committee's follow-up list of low-rated rounds",
       "Rounds averaging below 3 stars, with their low ratings, until resolved.\n",
       {},
       RunFollowUpsList},
      {"followups",
       "resolve",
       "VILLAGE ROUND",
       "resolve a follow-up, saying what was done",
       "Takes the round off the list.\n",
       {{"--note", "TEXT", "required"}},
       RunFollowUpsResolve},
  };
}

}  // namespace points::client

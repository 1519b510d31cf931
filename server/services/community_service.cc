#include "server/services/community_service.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/convert/convert.h"
#include "server/services/offload.h"

namespace points::server {
namespace {

namespace d = domain;

// Replies that list comments or ratings stop here (community.proto says so): each holds at most
// 500 bytes of text, so a reply stays well inside the 4 MiB message cap.
constexpr size_t kRemarksReplyMax = 1000;
constexpr size_t kRatingsReplyMax = 1000;

// The wire's numbers are the domain's.
static_assert(v1::PARTNER_KIND_SOCIAL_ORGANISATION ==
              static_cast<int>(d::PartnerKind::kSocialOrganisation));
static_assert(v1::DONOR_KIND_ANONYMOUS == static_cast<int>(d::DonorKind::kAnonymous));
static_assert(v1::DONOR_SHOWN_HIDDEN == static_cast<int>(d::DonorShown::kHidden));
static_assert(v1::DONATION_STATE_REFUSED == static_cast<int>(d::DonationState::kRefused));
static_assert(v1::PROPOSAL_STATE_CANCELLED == static_cast<int>(d::ProposalState::kCancelled));
static_assert(v1::PROPOSAL_STATE_PAYOUT_ON_NOTICE ==
              static_cast<int>(d::ProposalState::kPayoutNotice));
static_assert(v1::DECISION_DEFER == static_cast<int>(d::Decision::kDefer));
static_assert(v1::VOTE_CHOICE_ABSTAIN == static_cast<int>(d::VoteChoice::kAbstain));
static_assert(v1::ROUND_SUBJECT_SERVICE == static_cast<int>(d::RoundSubject::kService));
static_assert(v1::PARTY_KIND_ORGANISATION == static_cast<int>(d::PartyKind::kOrganisation));
static_assert(v1::PARTY_KIND_UNSPECIFIED == static_cast<int>(d::PartyKind::kNone));

bool ReadsComments(const d::Principal& caller) {
  return caller.role == d::Role::kCommittee || caller.role == d::Role::kAuditor;
}

void PartnerToProto(const d::Partner& p, v1::Partner* out) {
  out->set_village(p.village);
  out->set_partner(p.partner);
  out->set_name(p.name);
  out->set_kind(static_cast<v1::PartnerKind>(p.kind));
  out->set_registered_by(p.registered_by);
  out->set_registered_at(p.registered_at_ns);
}

void CampaignToProto(const d::Campaign& c, v1::Campaign* out) {
  out->set_village(c.village);
  out->set_campaign(c.campaign);
  out->set_title(c.title);
  out->set_target_fen(c.target_fen);
  out->set_ends_at(c.ends_at_ns);
  out->set_opened_by(c.opened_by);
  out->set_opened_at(c.opened_at_ns);
  out->set_raised_fen(c.raised_fen);
  out->set_donations(c.donations);
}

void DonationToProto(const d::Donation& d, v1::Donation* out) {
  const d::DonationRequest& q = d.request;
  out->set_donation_id(IdToBytes(q.donation));
  out->set_village(q.village);
  out->set_donor_kind(static_cast<v1::DonorKind>(q.donor_kind));
  out->set_partner(q.partner);
  out->set_donor_name(q.donor_name);
  out->set_shown(static_cast<v1::DonorShown>(q.shown));
  out->set_fen(q.fen);
  out->set_campaign(q.campaign);
  out->set_note(q.note);
  out->set_recorded_by(q.recorded_by);
  out->set_receipt(d.receipt);
  out->set_state(static_cast<v1::DonationState>(d.state));
  out->set_received_at(d.received_at_ns);
  out->set_donor_shown_as(d::PublicDonor(d));
  out->set_refusal(d.refusal);
}

// The enums were checked before the scope (request_check.h).
absl::StatusOr<d::DonationRequest> DonationFromProto(const v1::Donation& in,
                                                     const std::string& by) {
  absl::StatusOr<Id> id = IdFromBytes(in.donation_id(), "donation_id");
  if (!id.ok()) return id.status();
  d::DonationRequest q;
  q.village = in.village();
  q.donation = *id;
  q.donor_kind = static_cast<d::DonorKind>(in.donor_kind());
  q.partner = in.partner();
  q.donor_name = in.donor_name();
  q.shown = in.shown() == v1::DONOR_SHOWN_UNSPECIFIED ? d::DonorShown::kName
                                                      : static_cast<d::DonorShown>(in.shown());
  q.fen = in.fen();
  q.campaign = in.campaign();
  q.note = in.note();
  q.recorded_by = by;
  return q;
}

void ProposalToProto(const d::Proposal& p, const d::Tally& tally, v1::Proposal* out) {
  const d::ProposalRequest& q = p.request;
  out->set_proposal_id(IdToBytes(q.proposal));
  out->set_village(q.village);
  out->set_household(q.household);
  out->set_title(q.title);
  out->set_description(q.description);
  out->set_cost_fen(q.cost_fen);
  out->set_proposed_by(q.proposed_by);
  out->set_number(p.number);
  out->set_state(static_cast<v1::ProposalState>(p.state));
  out->set_proposed_at(p.proposed_at_ns);
  out->set_reviewed_by(p.reviewed_by);
  out->set_review_reason(p.review_reason);
  out->set_vote_ends_at(p.vote_ends_at_ns);
  out->set_votes(tally.votes);
  out->set_vote_closed(tally.closed);
  out->set_votes_for(tally.for_votes);
  out->set_votes_against(tally.against);
  out->set_votes_abstain(tally.abstain);
  out->set_vote_result(static_cast<v1::Decision>(tally.result));
  out->set_decision(static_cast<v1::Decision>(p.decision));
  out->set_decision_reason(p.decision_reason);
  out->set_decided_by(p.decided_by);
  out->set_decided_at(p.decided_at_ns);
  out->set_refusal(p.refusal);
  out->set_completed_by(p.completed_by);
  out->set_completed_at(p.completed_at_ns);
  out->set_payout_approved_by(p.payout_approved_by);
  out->set_payout_notice_ends_at(p.notice_ends_at_ns);
  out->set_objected_by(p.objected_by);
  out->set_objection(p.objection);
  out->set_payout_decided_by(p.payout_decided_by);
  out->set_paid_at(p.paid_at_ns);
  out->set_cancelled_by(p.cancelled_by);
  out->set_cancel_reason(p.cancel_reason);
}

void RemarkToProto(const d::Remark& m, v1::Remark* out) {
  out->set_remark_id(IdToBytes(m.remark));
  out->set_household(m.household);
  out->set_text(m.text);
  out->set_by(m.by);
  out->set_at(m.at_ns);
}

void RoundRatingToProto(const d::RoundRating& r, v1::RoundRating* out) {
  out->set_household(r.household);
  out->set_stars(r.stars);
  out->set_comment(r.comment);
  out->set_by(r.by);
  out->set_rated_at(r.rated_at_ns);
}

// The enums were checked before the scope (request_check.h).
absl::StatusOr<d::RoundRequest> RoundFromProto(const v1::RatingRound& in, const std::string& by) {
  d::RoundRequest q;
  q.village = in.village();
  q.round = in.round();
  q.subject = static_cast<d::RoundSubject>(in.subject());
  q.subject_number = in.subject_number();
  q.title = in.title();
  q.party_kind = static_cast<d::PartyKind>(in.party_kind());
  q.party = in.party();
  q.closes_at_ns = in.closes_at();
  q.opened_by = by;
  return q;
}

// ---- Helpers that read the books ----

// A party's name as the public sees it: a household's masked, a shop's or partner's as named.
std::string PartyName(const CommunityBooks& books, d::VillageId village, d::PartyKind kind,
                      uint64_t party) {
  switch (kind) {
    case d::PartyKind::kHousehold: {
      absl::StatusOr<d::Household> h = books.households->GetHousehold(village, party);
      return h.ok() ? d::MaskName(d::HouseholdNameOf(*h)) : "";
    }
    case d::PartyKind::kShop: {
      absl::StatusOr<std::vector<d::ShopName>> shops = books.shops->ListShops(village);
      if (!shops.ok()) return "";
      for (const d::ShopName& s : *shops) {
        if (s.shop == party) return s.name;
      }
      return "";
    }
    case d::PartyKind::kOrganisation: {
      if (party > d::kPartnerNumberMax) return "";
      absl::StatusOr<d::Partner> p = books.fund->GetPartner(village, static_cast<uint32_t>(party));
      return p.ok() ? p->name : "";
    }
    case d::PartyKind::kNone:
      break;
  }
  return "";
}

void RoundToProto(const CommunityBooks& books, const d::RatingRound& r, uint64_t now_ns,
                  v1::RatingRound* out) {
  const d::RoundRequest& q = r.request;
  out->set_village(q.village);
  out->set_round(q.round);
  out->set_subject(static_cast<v1::RoundSubject>(q.subject));
  out->set_subject_number(q.subject_number);
  out->set_title(q.title);
  out->set_party_kind(static_cast<v1::PartyKind>(q.party_kind));
  out->set_party(q.party);
  out->set_closes_at(q.closes_at_ns);
  out->set_opened_by(q.opened_by);
  out->set_opened_at(r.opened_at_ns);
  out->set_code(d::RoundCode(q.village, q.round));
  out->set_open(now_ns >= r.opened_at_ns && now_ns < q.closes_at_ns);
  out->set_ratings(r.ratings);
  out->set_average_milli(r.average_milli);
  for (uint64_t n : r.stars) out->add_stars(n);
  out->set_party_name(PartyName(books, q.village, q.party_kind, q.party));
  out->set_follow_up(d::NeedsFollowUp(r));
  out->set_resolved_by(r.resolved_by);
  out->set_resolution(r.resolution);
  out->set_resolved_at(r.resolved_at_ns);
}

// Who objected to a payout, and why, is for those who decide and supervise (the committee, the
// auditor) and for the objector, as with awards (award_service.cc): objections between
// neighbours are sensitive. Everyone else sees that the payout is held, not by whom or why.
bool SeesObjection(const d::Principal& viewer, const d::Proposal& p) {
  return viewer.role == d::Role::kCommittee || viewer.role == d::Role::kAuditor ||
         (!p.objected_by.empty() && viewer.name == p.objected_by);
}

// A proposal with its vote counts, as the reply to `viewer` carries it.
absl::Status ReplyProposal(const CommunityBooks& books, const d::Principal& viewer,
                           const absl::StatusOr<d::Proposal>& p, v1::Proposal* out) {
  if (!p.ok()) return p.status();
  absl::StatusOr<d::Tally> tally = books.proposals->Count(p->request.village, p->number);
  if (!tally.ok()) return tally.status();
  ProposalToProto(*p, *tally, out);
  if (!SeesObjection(viewer, *p)) {
    out->clear_objected_by();
    out->clear_objection();
  }
  return absl::OkStatus();
}

// The fund statement's words for each line.
d::FundNamer FundNamerOf(const CommunityBooks& books, d::VillageId village) {
  std::map<uint32_t, std::string> shops;
  if (absl::StatusOr<std::vector<d::ShopName>> listed = books.shops->ListShops(village);
      listed.ok()) {
    for (const d::ShopName& s : *listed) shops[s.shop] = s.name;
  }
  return [books, shops](d::VillageId v, const d::FundLine& line) -> std::string {
    switch (line.code) {
      case d::kCodeLevy: {
        auto it = shops.find(line.detail);
        return absl::StrCat("levy of shop ", line.detail,
                            it == shops.end() ? "" : absl::StrCat(" (", it->second, ")"));
      }
      case d::kCodeDonation: {
        absl::StatusOr<d::Donation> gift = books.fund->GetDonation(v, line.reference);
        if (!gift.ok()) return absl::StrCat("donation, receipt ", line.receipt);
        return absl::StrCat("donation, receipt ", gift->receipt, ": ", d::PublicDonor(*gift),
                            gift->request.campaign != 0
                                ? absl::StrCat(" (campaign ", gift->request.campaign, ")")
                                : "");
      }
      case d::kCodeProjectSpend: {
        absl::StatusOr<d::Proposal> p = books.proposals->Get(v, line.detail);
        return absl::StrCat("project ", line.detail, p.ok() ? ": " + p->request.title : "");
      }
      default:
        return d::TransferCodeName(line.code);
    }
  };
}

}  // namespace

d::RoundChecker MakeRoundChecker(const d::ProposalBook* proposals, const d::TaskBook* tasks,
                                 const d::HouseholdBook* households, const d::ShopBook* shops,
                                 const d::FundBook* fund) {
  return [=](const d::RoundRequest& q) -> absl::Status {
    if (q.subject == d::RoundSubject::kProject) {
      absl::StatusOr<d::Proposal> p = proposals->Get(q.village, q.subject_number);
      if (!p.ok()) return p.status();
      const bool done =
          p->state >= d::ProposalState::kPayoutReview && p->state <= d::ProposalState::kCompleted;
      if (!done) {
        return absl::FailedPreconditionError(
            absl::StrCat("subject_number: proposal ", q.subject_number, " is ",
                         d::ProposalStateName(p->state), ": a project is rated once it is done"));
      }
    } else if (q.subject == d::RoundSubject::kTask) {
      if (absl::Status s = tasks->Get(q.village, q.subject_number).status(); !s.ok()) return s;
    }
    switch (q.party_kind) {
      case d::PartyKind::kHousehold:
        return households->GetHousehold(q.village, q.party).status();
      case d::PartyKind::kShop: {
        absl::StatusOr<std::vector<d::ShopName>> listed = shops->ListShops(q.village);
        if (!listed.ok()) return listed.status();
        for (const d::ShopName& s : *listed) {
          if (s.shop == q.party) return absl::OkStatus();
        }
        return absl::NotFoundError(absl::StrCat("party: no shop ", q.party));
      }
      case d::PartyKind::kOrganisation:
        if (q.party > d::kPartnerNumberMax) {
          return absl::InvalidArgumentError("party: a partner number is 1..999999");
        }
        return fund->GetPartner(q.village, static_cast<uint32_t>(q.party)).status();
      case d::PartyKind::kNone:
        break;
    }
    return absl::OkStatus();
  };
}

ProjectCheck MakeProjectCheck(const d::ProposalBook* proposals) {
  return [proposals](d::VillageId village, uint32_t number) -> absl::Status {
    absl::StatusOr<d::Proposal> p = proposals->Get(village, number);
    if (!p.ok()) return p.status();
    if (p->state != d::ProposalState::kApproved) {
      return absl::FailedPreconditionError(
          absl::StrCat("project: proposal ", number, " is ", d::ProposalStateName(p->state),
                       ": tasks are posted for an approved project under way"));
    }
    return absl::OkStatus();
  };
}

// ---- The micro-fund ----

grpc::ServerUnaryReactor* CommunityService::PutPartner(grpc::CallbackServerContext* context,
                                                       const v1::PutPartnerRequest* request,
                                                       v1::PutPartnerResponse* response) {
  const v1::Partner& in = request->partner();
  return Offload(
      context, gate_, Rpc::kPutPartner, workers_, *request, Target{.village = in.village()},
      [this, &in, response](const d::Principal& caller) -> absl::Status {
        absl::StatusOr<d::Partner> put =
            books_.fund->PutPartner({in.village(), in.partner(), in.name(),
                                     static_cast<d::PartnerKind>(in.kind()), caller.name, 0});
        if (!put.ok()) return put.status();
        PartnerToProto(*put, response->mutable_partner());
        return gate_->Journal(caller, in.village(), "partner.put",
                              absl::StrCat("partner ", in.partner(), ": ", in.name()));
      });
}

grpc::ServerUnaryReactor* CommunityService::ListPartners(grpc::CallbackServerContext* context,
                                                         const v1::ListPartnersRequest* request,
                                                         v1::ListPartnersResponse* response) {
  return Offload(context, gate_, Rpc::kListPartners, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<std::vector<d::Partner>> partners =
                       books_.fund->ListPartners(request->village());
                   if (!partners.ok()) return partners.status();
                   for (const d::Partner& p : *partners) {
                     PartnerToProto(p, response->add_partners());
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* CommunityService::OpenCampaign(grpc::CallbackServerContext* context,
                                                         const v1::OpenCampaignRequest* request,
                                                         v1::OpenCampaignResponse* response) {
  const v1::Campaign& in = request->campaign();
  return Offload(context, gate_, Rpc::kOpenCampaign, workers_, *request,
                 Target{.village = in.village()},
                 [this, &in, response](const d::Principal& caller) -> absl::Status {
                   d::Campaign c;
                   c.village = in.village();
                   c.campaign = in.campaign();
                   c.title = in.title();
                   c.target_fen = in.target_fen();
                   c.ends_at_ns = in.ends_at();
                   c.opened_by = caller.name;
                   absl::StatusOr<d::Campaign> opened = books_.fund->OpenCampaign(c);
                   if (!opened.ok()) return opened.status();
                   CampaignToProto(*opened, response->mutable_campaign());
                   return gate_->Journal(caller, c.village, "campaign.open",
                                         absl::StrCat("campaign ", c.campaign, ": ", c.title,
                                                      ", target ", c.target_fen, " fen"));
                 });
}

grpc::ServerUnaryReactor* CommunityService::ListCampaigns(grpc::CallbackServerContext* context,
                                                          const v1::ListCampaignsRequest* request,
                                                          v1::ListCampaignsResponse* response) {
  return Offload(context, gate_, Rpc::kListCampaigns, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<std::vector<d::Campaign>> campaigns =
                       books_.fund->ListCampaigns(request->village());
                   if (!campaigns.ok()) return campaigns.status();
                   for (const d::Campaign& c : *campaigns) {
                     CampaignToProto(c, response->add_campaigns());
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* CommunityService::Donate(grpc::CallbackServerContext* context,
                                                   const v1::DonateRequest* request,
                                                   v1::DonateResponse* response) {
  const v1::Donation& in = request->donation();
  return Offload(context, gate_, Rpc::kDonate, workers_, *request, Target{.village = in.village()},
                 [this, &in, response](const d::Principal& caller) -> absl::Status {
                   absl::StatusOr<d::DonationRequest> q = DonationFromProto(in, caller.name);
                   if (!q.ok()) return q.status();
                   absl::StatusOr<d::Donation> gift = books_.fund->Donate(*q);
                   if (!gift.ok()) return gift.status();
                   DonationToProto(*gift, response->mutable_donation());
                   return gate_->Journal(caller, q->village, "fund.donation",
                                         absl::StrCat("receipt ", gift->receipt, ": ", q->fen,
                                                      " fen from ", d::PublicDonor(*gift)));
                 });
}

grpc::ServerUnaryReactor* CommunityService::GetFundStatement(
    grpc::CallbackServerContext* context, const v1::GetFundStatementRequest* request,
    v1::GetFundStatementResponse* response) {
  return Offload(
      context, gate_, Rpc::kGetFundStatement, workers_, *request,
      Target{.village = request->village()}, [this, request, response]() -> absl::Status {
        absl::StatusOr<d::FundStatement> st = books_.disclosure->GetFundStatement(
            request->village(), request->month(), FundNamerOf(books_, request->village()));
        if (!st.ok()) return st.status();
        absl::StatusOr<d::FundBalance> now = d::ReadFundBalance(*books_.engine, request->village());
        if (!now.ok()) return now.status();
        response->set_opening(st->opening);
        for (const d::FundLine& l : st->lines) {
          v1::FundLine* line = response->add_lines();
          line->set_timestamp(l.timestamp_ns);
          line->set_state(static_cast<v1::MovementState>(l.state));
          line->set_credit(l.credit);
          line->set_fen(l.fen);
          line->set_code(l.code);
          line->set_transfer_id(IdToBytes(l.transfer));
          line->set_reference(IdToBytes(l.reference));
          line->set_detail(l.detail);
          line->set_receipt(l.receipt);
          line->set_what(l.what);
          line->set_balance_after(l.balance_after);
        }
        response->set_truncated(st->truncated);
        response->set_fen_in(st->in);
        response->set_fen_out(st->out);
        response->set_closing(st->closing);
        response->set_reserved_at_end(st->reserved);
        response->set_balance(now->balance);
        response->set_reserved(now->reserved);
        response->set_available(now->available);
        response->set_floored(now->floored);
        return absl::OkStatus();
      });
}

// ---- Proposals ----

grpc::ServerUnaryReactor* CommunityService::Propose(grpc::CallbackServerContext* context,
                                                    const v1::ProposeRequest* request,
                                                    v1::ProposeResponse* response) {
  const v1::Proposal& in = request->proposal();
  return Offload(context, gate_, Rpc::kPropose, workers_, *request,
                 Target{.village = in.village(), .household = in.household()},
                 [this, &in, response](const d::Principal& caller) -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(in.proposal_id(), "proposal_id");
                   if (!id.ok()) return id.status();
                   d::ProposalRequest q;
                   q.village = in.village();
                   q.proposal = *id;
                   q.household = in.household();
                   q.title = in.title();
                   q.description = in.description();
                   q.cost_fen = in.cost_fen();
                   q.proposed_by = caller.name;
                   return ReplyProposal(books_, caller, books_.proposals->Propose(q),
                                        response->mutable_proposal());
                 });
}

grpc::ServerUnaryReactor* CommunityService::ReviewProposal(grpc::CallbackServerContext* context,
                                                           const v1::ReviewProposalRequest* request,
                                                           v1::ReviewProposalResponse* response) {
  return Offload(
      context, gate_, Rpc::kReviewProposal, workers_, *request,
      Target{.village = request->village()},
      [this, request, response](const d::Principal& caller) -> absl::Status {
        absl::StatusOr<d::Proposal> p =
            request->accept()
                ? books_.proposals->Accept(request->village(), request->proposal(),
                                           request->vote_ends_at(), request->reason(), caller.name)
                : books_.proposals->Decline(request->village(), request->proposal(),
                                            request->reason(), caller.name);
        if (absl::Status s = ReplyProposal(books_, caller, p, response->mutable_proposal());
            !s.ok()) {
          return s;
        }
        return gate_->Journal(
            caller, request->village(), request->accept() ? "proposal.accept" : "proposal.decline",
            absl::StrCat("proposal ", request->proposal(), ": ", p->request.title));
      });
}

grpc::ServerUnaryReactor* CommunityService::CommentOnProposal(
    grpc::CallbackServerContext* context, const v1::CommentOnProposalRequest* request,
    v1::CommentOnProposalResponse* response) {
  const v1::Remark& in = request->remark();
  return Offload(context, gate_, Rpc::kCommentOnProposal, workers_, *request,
                 Target{.village = request->village(), .household = in.household()},
                 [this, request, &in, response](const d::Principal& caller) -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(in.remark_id(), "remark_id");
                   if (!id.ok()) return id.status();
                   absl::StatusOr<d::Remark> saved =
                       books_.proposals->Comment({request->village(), request->proposal(), *id,
                                                  in.household(), in.text(), caller.name, 0});
                   if (!saved.ok()) return saved.status();
                   RemarkToProto(*saved, response->mutable_remark());
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* CommunityService::CastVote(grpc::CallbackServerContext* context,
                                                     const v1::CastVoteRequest* request,
                                                     v1::CastVoteResponse* response) {
  return Offload(
      context, gate_, Rpc::kCastVote, workers_, *request,
      Target{.village = request->village(), .household = request->household()},
      [this, request, response](const d::Principal& caller) -> absl::Status {
        const bool app = caller.role == d::Role::kHousehold;
        if (app && !request->proxy_name().empty()) {
          return absl::InvalidArgumentError(
              "proxy_name: a household's app votes for its own household; a proxy's vote is "
              "recorded by a committee member or the household's grid worker");
        }
        if (!app && request->proxy_name().empty()) {
          return absl::InvalidArgumentError(
              "proxy_name: a committee member or grid worker records only a proxy's vote: name "
              "the household's registered proxy");
        }
        if (request->choice() < v1::VOTE_CHOICE_FOR ||
            request->choice() > v1::VOTE_CHOICE_ABSTAIN) {
          return absl::InvalidArgumentError("choice: for, against or abstain");
        }
        d::Vote vote;
        vote.village = request->village();
        vote.proposal = request->proposal();
        vote.household = request->household();
        vote.choice = static_cast<d::VoteChoice>(request->choice());
        vote.by = caller.name;
        vote.proxy_name = request->proxy_name();
        absl::StatusOr<d::Vote> cast = books_.proposals->CastVote(vote);
        if (!cast.ok()) return cast.status();
        response->set_choice(static_cast<v1::VoteChoice>(cast->choice));
        response->set_by(cast->by);
        response->set_proxy_name(cast->proxy_name);
        response->set_cast_at(cast->cast_at_ns);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* CommunityService::DecideProposal(grpc::CallbackServerContext* context,
                                                           const v1::DecideProposalRequest* request,
                                                           v1::DecideProposalResponse* response) {
  return Offload(
      context, gate_, Rpc::kDecideProposal, workers_, *request,
      Target{.village = request->village()},
      [this, request, response](const d::Principal& caller) -> absl::Status {
        absl::StatusOr<d::Proposal> p = books_.proposals->Decide(
            request->village(), request->proposal(), static_cast<d::Decision>(request->decision()),
            request->reason(), caller.name);
        if (absl::Status s = ReplyProposal(books_, caller, p, response->mutable_proposal());
            !s.ok()) {
          return s;
        }
        return gate_->Journal(caller, request->village(), "proposal.decide",
                              absl::StrCat("proposal ", request->proposal(), ": ",
                                           d::DecisionName(p->decision), " ", p->decision_reason));
      });
}

grpc::ServerUnaryReactor* CommunityService::GetProposal(grpc::CallbackServerContext* context,
                                                        const v1::GetProposalRequest* request,
                                                        v1::GetProposalResponse* response) {
  return Offload(
      context, gate_, Rpc::kGetProposal, workers_, *request, Target{.village = request->village()},
      [this, request, response](const d::Principal& caller) -> absl::Status {
        if (absl::Status s = ReplyProposal(
                books_, caller, books_.proposals->Get(request->village(), request->proposal()),
                response->mutable_proposal());
            !s.ok()) {
          return s;
        }
        absl::StatusOr<std::vector<d::Remark>> remarks =
            books_.proposals->Remarks(request->village(), request->proposal());
        if (!remarks.ok()) return remarks.status();
        for (size_t i = 0; i < remarks->size() && i < kRemarksReplyMax; ++i) {
          RemarkToProto((*remarks)[i], response->add_remarks());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* CommunityService::ListProposals(grpc::CallbackServerContext* context,
                                                          const v1::ListProposalsRequest* request,
                                                          v1::ListProposalsResponse* response) {
  return Offload(
      context, gate_, Rpc::kListProposals, workers_, *request,
      Target{.village = request->village()},
      [this, request, response](const d::Principal& caller) -> absl::Status {
        bool truncated = false;
        absl::StatusOr<std::vector<d::Proposal>> listed =
            books_.proposals->List(request->village(), &truncated);
        if (!listed.ok()) return listed.status();
        for (const d::Proposal& p : *listed) {
          if (absl::Status s = ReplyProposal(books_, caller, p, response->add_proposals());
              !s.ok()) {
            return s;
          }
        }
        response->set_truncated(truncated);
        return absl::OkStatus();
      });
}

// ---- Projects ----

namespace {

// A payout step: a committee act on one proposal (`step` takes the caller), journaled.
template <typename Request, typename Response, typename Step>
grpc::ServerUnaryReactor* ProjectStep(grpc::CallbackServerContext* context, Gate* gate,
                                      boost::asio::thread_pool* workers,
                                      const CommunityBooks& books, Rpc rpc, const char* act,
                                      const Request* request, Response* response, Step step) {
  return Offload(
      context, gate, rpc, workers, *request, Target{.village = request->village()},
      [gate, &books, act, request, response,
       step = std::move(step)](const d::Principal& caller) -> absl::Status {
        absl::StatusOr<d::Proposal> p = step(caller);
        if (absl::Status s = ReplyProposal(books, caller, p, response->mutable_proposal());
            !s.ok()) {
          return s;
        }
        return gate->Journal(
            caller, request->village(), act,
            absl::StrCat("proposal ", request->proposal(), ": ", d::ProposalStateName(p->state)));
      });
}

}  // namespace

grpc::ServerUnaryReactor* CommunityService::CompleteProject(
    grpc::CallbackServerContext* context, const v1::CompleteProjectRequest* request,
    v1::CompleteProjectResponse* response) {
  return ProjectStep(context, gate_, workers_, books_, Rpc::kCompleteProject, "project.complete",
                     request, response, [this, request](const d::Principal& caller) {
                       return books_.proposals->Complete(request->village(), request->proposal(),
                                                         caller.name);
                     });
}

grpc::ServerUnaryReactor* CommunityService::ApprovePayout(grpc::CallbackServerContext* context,
                                                          const v1::ApprovePayoutRequest* request,
                                                          v1::ApprovePayoutResponse* response) {
  return ProjectStep(context, gate_, workers_, books_, Rpc::kApprovePayout,
                     "project.approve_payout", request, response,
                     [this, request](const d::Principal& caller) {
                       return books_.proposals->ApprovePayout(request->village(),
                                                              request->proposal(), caller.name);
                     });
}

grpc::ServerUnaryReactor* CommunityService::DecidePayout(grpc::CallbackServerContext* context,
                                                         const v1::DecidePayoutRequest* request,
                                                         v1::DecidePayoutResponse* response) {
  return ProjectStep(context, gate_, workers_, books_, Rpc::kDecidePayout, "project.decide_payout",
                     request, response, [this, request](const d::Principal& caller) {
                       return books_.proposals->DecidePayout(
                           request->village(), request->proposal(), request->keep(), caller.name);
                     });
}

grpc::ServerUnaryReactor* CommunityService::CancelProject(grpc::CallbackServerContext* context,
                                                          const v1::CancelProjectRequest* request,
                                                          v1::CancelProjectResponse* response) {
  return ProjectStep(context, gate_, workers_, books_, Rpc::kCancelProject, "project.cancel",
                     request, response, [this, request](const d::Principal& caller) {
                       return books_.proposals->Cancel(request->village(), request->proposal(),
                                                       request->reason(), caller.name);
                     });
}

grpc::ServerUnaryReactor* CommunityService::ObjectToPayout(grpc::CallbackServerContext* context,
                                                           const v1::ObjectToPayoutRequest* request,
                                                           v1::ObjectToPayoutResponse* response) {
  return Offload(context, gate_, Rpc::kObjectToPayout, workers_, *request,
                 Target{.village = request->village(), .household = request->household()},
                 [this, request, response](const d::Principal& caller) -> absl::Status {
                   return ReplyProposal(
                       books_, caller,
                       books_.proposals->ObjectToPayout(request->village(), request->proposal(),
                                                        caller.name, request->reason()),
                       response->mutable_proposal());
                 });
}

// ---- Rating rounds ----

grpc::ServerUnaryReactor* CommunityService::OpenRatingRound(
    grpc::CallbackServerContext* context, const v1::OpenRatingRoundRequest* request,
    v1::OpenRatingRoundResponse* response) {
  const v1::RatingRound& in = request->round();
  return Offload(context, gate_, Rpc::kOpenRatingRound, workers_, *request,
                 Target{.village = in.village()},
                 [this, &in, response](const d::Principal& caller) -> absl::Status {
                   absl::StatusOr<d::RoundRequest> q = RoundFromProto(in, caller.name);
                   if (!q.ok()) return q.status();
                   absl::StatusOr<d::RatingRound> round = books_.rounds->OpenRound(*q);
                   if (!round.ok()) return round.status();
                   RoundToProto(books_, *round, clock_->NowNanos(), response->mutable_round());
                   return gate_->Journal(caller, q->village, "rating_round.open",
                                         absl::StrCat("round ", q->round, ": ", q->title));
                 });
}

grpc::ServerUnaryReactor* CommunityService::RateRound(grpc::CallbackServerContext* context,
                                                      const v1::RateRoundRequest* request,
                                                      v1::RateRoundResponse* response) {
  return Offload(context, gate_, Rpc::kRateRound, workers_, *request,
                 Target{.village = request->village(), .household = request->household()},
                 [this, request, response](const d::Principal& caller) -> absl::Status {
                   absl::StatusOr<d::RoundRating> rated = books_.rounds->Rate(
                       {request->village(), request->round(), request->household(),
                        request->stars(), request->comment(), caller.name, 0});
                   if (!rated.ok()) return rated.status();
                   response->set_stars(rated->stars);
                   response->set_comment(rated->comment);
                   response->set_rated_at(rated->rated_at_ns);
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* CommunityService::GetRatingRound(grpc::CallbackServerContext* context,
                                                           const v1::GetRatingRoundRequest* request,
                                                           v1::GetRatingRoundResponse* response) {
  return Offload(context, gate_, Rpc::kGetRatingRound, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response](const d::Principal& caller) -> absl::Status {
                   absl::StatusOr<d::RatingRound> round =
                       books_.rounds->Get(request->village(), request->round());
                   if (!round.ok()) return round.status();
                   RoundToProto(books_, *round, clock_->NowNanos(), response->mutable_round());
                   if (!ReadsComments(caller))
                     return absl::OkStatus();  // averages only, for everyone
                   absl::StatusOr<std::vector<d::RoundRating>> ratings =
                       books_.rounds->Ratings(request->village(), request->round());
                   if (!ratings.ok()) return ratings.status();
                   for (size_t i = 0; i < ratings->size() && i < kRatingsReplyMax; ++i) {
                     RoundRatingToProto((*ratings)[i], response->add_ratings());
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* CommunityService::ListRatingRounds(
    grpc::CallbackServerContext* context, const v1::ListRatingRoundsRequest* request,
    v1::ListRatingRoundsResponse* response) {
  return Offload(context, gate_, Rpc::kListRatingRounds, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response]() -> absl::Status {
                   bool truncated = false;
                   absl::StatusOr<std::vector<d::RatingRound>> rounds =
                       books_.rounds->List(request->village(), &truncated);
                   if (!rounds.ok()) return rounds.status();
                   const uint64_t now = clock_->NowNanos();
                   for (const d::RatingRound& r : *rounds) {
                     RoundToProto(books_, r, now, response->add_rounds());
                   }
                   response->set_truncated(truncated);
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* CommunityService::ListFollowUps(grpc::CallbackServerContext* context,
                                                          const v1::ListFollowUpsRequest* request,
                                                          v1::ListFollowUpsResponse* response) {
  return Offload(context, gate_, Rpc::kListFollowUps, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<std::vector<d::FollowUp>> work =
                       books_.rounds->FollowUps(request->village());
                   if (!work.ok()) return work.status();
                   const uint64_t now = clock_->NowNanos();
                   for (const d::FollowUp& f : *work) {
                     v1::FollowUp* item = response->add_follow_ups();
                     RoundToProto(books_, f.round, now, item->mutable_round());
                     for (size_t i = 0; i < f.low.size() && i < kRatingsReplyMax; ++i) {
                       RoundRatingToProto(f.low[i], item->add_low_ratings());
                     }
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* CommunityService::ResolveFollowUp(
    grpc::CallbackServerContext* context, const v1::ResolveFollowUpRequest* request,
    v1::ResolveFollowUpResponse* response) {
  return Offload(context, gate_, Rpc::kResolveFollowUp, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response](const d::Principal& caller) -> absl::Status {
                   absl::StatusOr<d::RatingRound> round = books_.rounds->Resolve(
                       request->village(), request->round(), request->resolution(), caller.name);
                   if (!round.ok()) return round.status();
                   RoundToProto(books_, *round, clock_->NowNanos(), response->mutable_round());
                   return gate_->Journal(
                       caller, request->village(), "follow_up.resolve",
                       absl::StrCat("round ", request->round(), ": ", request->resolution()));
                 });
}

}  // namespace points::server

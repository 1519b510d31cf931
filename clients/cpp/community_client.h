// points.v1.CommunityService (community.proto): the micro-fund, proposals and their votes,
// projects and payouts, rating rounds and their follow-ups.
//
// What this header exposes, and why: every request and answer as its points.v1 message
// (community.pb.h). Each call is a request the caller fills field by field and an answer it
// prints; the messages are the contract (community.proto documents each field), and a C++ copy
// of each would repeat the proto. Each call is tried again on UNAVAILABLE and DEADLINE_EXCEEDED
// like every call: the writes are idempotent by their ids and numbers (community.proto). gRPC
// stays inside.
#ifndef POINTS_CLIENTS_CPP_COMMUNITY_CLIENT_H_
#define POINTS_CLIENTS_CPP_COMMUNITY_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "clients/cpp/channel.h"
#include "points/v1/community.pb.h"

namespace points::client {

class CommunityClient {
 public:
  explicit CommunityClient(std::shared_ptr<Channel> channel);
  ~CommunityClient();
  CommunityClient(const CommunityClient&) = delete;
  CommunityClient& operator=(const CommunityClient&) = delete;

  absl::StatusOr<v1::PutPartnerResponse> PutPartner(const v1::PutPartnerRequest& request);
  absl::StatusOr<v1::ListPartnersResponse> ListPartners(const v1::ListPartnersRequest& request);
  absl::StatusOr<v1::OpenCampaignResponse> OpenCampaign(const v1::OpenCampaignRequest& request);
  absl::StatusOr<v1::ListCampaignsResponse> ListCampaigns(const v1::ListCampaignsRequest& request);
  absl::StatusOr<v1::DonateResponse> Donate(const v1::DonateRequest& request);
  absl::StatusOr<v1::GetFundStatementResponse> GetFundStatement(
      const v1::GetFundStatementRequest& request);
  absl::StatusOr<v1::ProposeResponse> Propose(const v1::ProposeRequest& request);
  absl::StatusOr<v1::ReviewProposalResponse> ReviewProposal(
      const v1::ReviewProposalRequest& request);
  absl::StatusOr<v1::CommentOnProposalResponse> CommentOnProposal(
      const v1::CommentOnProposalRequest& request);
  absl::StatusOr<v1::CastVoteResponse> CastVote(const v1::CastVoteRequest& request);
  absl::StatusOr<v1::DecideProposalResponse> DecideProposal(
      const v1::DecideProposalRequest& request);
  absl::StatusOr<v1::GetProposalResponse> GetProposal(const v1::GetProposalRequest& request);
  absl::StatusOr<v1::ListProposalsResponse> ListProposals(const v1::ListProposalsRequest& request);
  absl::StatusOr<v1::CompleteProjectResponse> CompleteProject(
      const v1::CompleteProjectRequest& request);
  absl::StatusOr<v1::ApprovePayoutResponse> ApprovePayout(const v1::ApprovePayoutRequest& request);
  absl::StatusOr<v1::ObjectToPayoutResponse> ObjectToPayout(
      const v1::ObjectToPayoutRequest& request);
  absl::StatusOr<v1::DecidePayoutResponse> DecidePayout(const v1::DecidePayoutRequest& request);
  absl::StatusOr<v1::CancelProjectResponse> CancelProject(const v1::CancelProjectRequest& request);
  absl::StatusOr<v1::OpenRatingRoundResponse> OpenRatingRound(
      const v1::OpenRatingRoundRequest& request);
  absl::StatusOr<v1::RateRoundResponse> RateRound(const v1::RateRoundRequest& request);
  absl::StatusOr<v1::GetRatingRoundResponse> GetRatingRound(
      const v1::GetRatingRoundRequest& request);
  absl::StatusOr<v1::ListRatingRoundsResponse> ListRatingRounds(
      const v1::ListRatingRoundsRequest& request);
  absl::StatusOr<v1::ListFollowUpsResponse> ListFollowUps(const v1::ListFollowUpsRequest& request);
  absl::StatusOr<v1::ResolveFollowUpResponse> ResolveFollowUp(
      const v1::ResolveFollowUpRequest& request);

 private:
  struct Stub;  // v1::CommunityService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_COMMUNITY_CLIENT_H_

#include "clients/cpp/community_client.h"

#include <utility>

#include "clients/cpp/channel_core.h"
#include "points/v1/community.grpc.pb.h"

namespace points::client {
namespace {

using Service = v1::CommunityService::Stub;

}  // namespace

struct CommunityClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Service service;
};

CommunityClient::CommunityClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

CommunityClient::~CommunityClient() = default;

absl::StatusOr<v1::PutPartnerResponse> CommunityClient::PutPartner(
    const v1::PutPartnerRequest& request) {
  return channel_->Ask<Service>(stub_->service, "PutPartner", &Service::PutPartner, request);
}

absl::StatusOr<v1::ListPartnersResponse> CommunityClient::ListPartners(
    const v1::ListPartnersRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ListPartners", &Service::ListPartners, request);
}

absl::StatusOr<v1::OpenCampaignResponse> CommunityClient::OpenCampaign(
    const v1::OpenCampaignRequest& request) {
  return channel_->Ask<Service>(stub_->service, "OpenCampaign", &Service::OpenCampaign, request);
}

absl::StatusOr<v1::ListCampaignsResponse> CommunityClient::ListCampaigns(
    const v1::ListCampaignsRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ListCampaigns", &Service::ListCampaigns, request);
}

absl::StatusOr<v1::DonateResponse> CommunityClient::Donate(const v1::DonateRequest& request) {
  return channel_->Ask<Service>(stub_->service, "Donate", &Service::Donate, request);
}

absl::StatusOr<v1::GetFundStatementResponse> CommunityClient::GetFundStatement(
    const v1::GetFundStatementRequest& request) {
  return channel_->Ask<Service>(stub_->service, "GetFundStatement", &Service::GetFundStatement,
                                request);
}

absl::StatusOr<v1::ProposeResponse> CommunityClient::Propose(const v1::ProposeRequest& request) {
  return channel_->Ask<Service>(stub_->service, "Propose", &Service::Propose, request);
}

absl::StatusOr<v1::ReviewProposalResponse> CommunityClient::ReviewProposal(
    const v1::ReviewProposalRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ReviewProposal", &Service::ReviewProposal,
                                request);
}

absl::StatusOr<v1::CommentOnProposalResponse> CommunityClient::CommentOnProposal(
    const v1::CommentOnProposalRequest& request) {
  return channel_->Ask<Service>(stub_->service, "CommentOnProposal", &Service::CommentOnProposal,
                                request);
}

absl::StatusOr<v1::CastVoteResponse> CommunityClient::CastVote(const v1::CastVoteRequest& request) {
  return channel_->Ask<Service>(stub_->service, "CastVote", &Service::CastVote, request);
}

absl::StatusOr<v1::DecideProposalResponse> CommunityClient::DecideProposal(
    const v1::DecideProposalRequest& request) {
  return channel_->Ask<Service>(stub_->service, "DecideProposal", &Service::DecideProposal,
                                request);
}

absl::StatusOr<v1::GetProposalResponse> CommunityClient::GetProposal(
    const v1::GetProposalRequest& request) {
  return channel_->Ask<Service>(stub_->service, "GetProposal", &Service::GetProposal, request);
}

absl::StatusOr<v1::ListProposalsResponse> CommunityClient::ListProposals(
    const v1::ListProposalsRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ListProposals", &Service::ListProposals, request);
}

absl::StatusOr<v1::CompleteProjectResponse> CommunityClient::CompleteProject(
    const v1::CompleteProjectRequest& request) {
  return channel_->Ask<Service>(stub_->service, "CompleteProject", &Service::CompleteProject,
                                request);
}

absl::StatusOr<v1::ApprovePayoutResponse> CommunityClient::ApprovePayout(
    const v1::ApprovePayoutRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ApprovePayout", &Service::ApprovePayout, request);
}

absl::StatusOr<v1::ObjectToPayoutResponse> CommunityClient::ObjectToPayout(
    const v1::ObjectToPayoutRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ObjectToPayout", &Service::ObjectToPayout,
                                request);
}

absl::StatusOr<v1::DecidePayoutResponse> CommunityClient::DecidePayout(
    const v1::DecidePayoutRequest& request) {
  return channel_->Ask<Service>(stub_->service, "DecidePayout", &Service::DecidePayout, request);
}

absl::StatusOr<v1::CancelProjectResponse> CommunityClient::CancelProject(
    const v1::CancelProjectRequest& request) {
  return channel_->Ask<Service>(stub_->service, "CancelProject", &Service::CancelProject, request);
}

absl::StatusOr<v1::OpenRatingRoundResponse> CommunityClient::OpenRatingRound(
    const v1::OpenRatingRoundRequest& request) {
  return channel_->Ask<Service>(stub_->service, "OpenRatingRound", &Service::OpenRatingRound,
                                request);
}

absl::StatusOr<v1::RateRoundResponse> CommunityClient::RateRound(
    const v1::RateRoundRequest& request) {
  return channel_->Ask<Service>(stub_->service, "RateRound", &Service::RateRound, request);
}

absl::StatusOr<v1::GetRatingRoundResponse> CommunityClient::GetRatingRound(
    const v1::GetRatingRoundRequest& request) {
  return channel_->Ask<Service>(stub_->service, "GetRatingRound", &Service::GetRatingRound,
                                request);
}

absl::StatusOr<v1::ListRatingRoundsResponse> CommunityClient::ListRatingRounds(
    const v1::ListRatingRoundsRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ListRatingRounds", &Service::ListRatingRounds,
                                request);
}

absl::StatusOr<v1::ListFollowUpsResponse> CommunityClient::ListFollowUps(
    const v1::ListFollowUpsRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ListFollowUps", &Service::ListFollowUps, request);
}

absl::StatusOr<v1::ResolveFollowUpResponse> CommunityClient::ResolveFollowUp(
    const v1::ResolveFollowUpRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ResolveFollowUp", &Service::ResolveFollowUp,
                                request);
}

}  // namespace points::client

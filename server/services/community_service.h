// points.v1.CommunityService (proto/points/v1/community.proto): a thin layer over the domain's
// fund, proposal and rating round books (server/domain/books/fund_book.h, proposal_book.h,
// rating_round_book.h) and the micro-fund's statement (disclosure.h). Steps wait for the ledger
// or the domain store's sync, so every handler runs on the worker pool (offload.h).
#ifndef POINTS_SERVER_SERVICES_COMMUNITY_SERVICE_H_
#define POINTS_SERVER_SERVICES_COMMUNITY_SERVICE_H_

#include "boost/asio/thread_pool.hpp"
#include "points/v1/community.grpc.pb.h"
#include "server/domain/books/disclosure.h"
#include "server/domain/books/fund_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/proposal_book.h"
#include "server/domain/books/rating_round_book.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/books/task_book.h"
#include "server/gate/authz.h"
#include "server/services/task_service.h"

namespace points::server {

// What CommunityService works on; everything must outlive it.
struct CommunityBooks {
  const Engine* engine = nullptr;
  domain::FundBook* fund = nullptr;
  domain::ProposalBook* proposals = nullptr;
  domain::RatingRoundBook* rounds = nullptr;
  const domain::Disclosure* disclosure = nullptr;
  const domain::HouseholdBook* households = nullptr;
  const domain::ShopBook* shops = nullptr;
};

// The rating round book's check of a new round (rating_round_book.h): a project must be a
// proposal done (being paid or completed), a task one of the task board; the party a household,
// shop or partner organisation of the village.
domain::RoundChecker MakeRoundChecker(const domain::ProposalBook* proposals,
                                      const domain::TaskBook* tasks,
                                      const domain::HouseholdBook* households,
                                      const domain::ShopBook* shops, const domain::FundBook* fund);

// TaskService's check of a task posted for a project (task_service.h): the proposal is approved,
// its cost reserved, and not yet reported done.
ProjectCheck MakeProjectCheck(const domain::ProposalBook* proposals);

class CommunityService final : public v1::CommunityService::CallbackService {
 public:
  CommunityService(Gate* gate, CommunityBooks books, Clock* clock,
                   boost::asio::thread_pool* workers)
      : gate_(gate), books_(books), clock_(clock), workers_(workers) {}

  grpc::ServerUnaryReactor* PutPartner(grpc::CallbackServerContext* context,
                                       const v1::PutPartnerRequest* request,
                                       v1::PutPartnerResponse* response) override;
  grpc::ServerUnaryReactor* ListPartners(grpc::CallbackServerContext* context,
                                         const v1::ListPartnersRequest* request,
                                         v1::ListPartnersResponse* response) override;
  grpc::ServerUnaryReactor* OpenCampaign(grpc::CallbackServerContext* context,
                                         const v1::OpenCampaignRequest* request,
                                         v1::OpenCampaignResponse* response) override;
  grpc::ServerUnaryReactor* ListCampaigns(grpc::CallbackServerContext* context,
                                          const v1::ListCampaignsRequest* request,
                                          v1::ListCampaignsResponse* response) override;
  grpc::ServerUnaryReactor* Donate(grpc::CallbackServerContext* context,
                                   const v1::DonateRequest* request,
                                   v1::DonateResponse* response) override;
  grpc::ServerUnaryReactor* GetFundStatement(grpc::CallbackServerContext* context,
                                             const v1::GetFundStatementRequest* request,
                                             v1::GetFundStatementResponse* response) override;
  grpc::ServerUnaryReactor* Propose(grpc::CallbackServerContext* context,
                                    const v1::ProposeRequest* request,
                                    v1::ProposeResponse* response) override;
  grpc::ServerUnaryReactor* ReviewProposal(grpc::CallbackServerContext* context,
                                           const v1::ReviewProposalRequest* request,
                                           v1::ReviewProposalResponse* response) override;
  grpc::ServerUnaryReactor* CommentOnProposal(grpc::CallbackServerContext* context,
                                              const v1::CommentOnProposalRequest* request,
                                              v1::CommentOnProposalResponse* response) override;
  grpc::ServerUnaryReactor* CastVote(grpc::CallbackServerContext* context,
                                     const v1::CastVoteRequest* request,
                                     v1::CastVoteResponse* response) override;
  grpc::ServerUnaryReactor* DecideProposal(grpc::CallbackServerContext* context,
                                           const v1::DecideProposalRequest* request,
                                           v1::DecideProposalResponse* response) override;
  grpc::ServerUnaryReactor* GetProposal(grpc::CallbackServerContext* context,
                                        const v1::GetProposalRequest* request,
                                        v1::GetProposalResponse* response) override;
  grpc::ServerUnaryReactor* ListProposals(grpc::CallbackServerContext* context,
                                          const v1::ListProposalsRequest* request,
                                          v1::ListProposalsResponse* response) override;
  grpc::ServerUnaryReactor* CompleteProject(grpc::CallbackServerContext* context,
                                            const v1::CompleteProjectRequest* request,
                                            v1::CompleteProjectResponse* response) override;
  grpc::ServerUnaryReactor* ApprovePayout(grpc::CallbackServerContext* context,
                                          const v1::ApprovePayoutRequest* request,
                                          v1::ApprovePayoutResponse* response) override;
  grpc::ServerUnaryReactor* ObjectToPayout(grpc::CallbackServerContext* context,
                                           const v1::ObjectToPayoutRequest* request,
                                           v1::ObjectToPayoutResponse* response) override;
  grpc::ServerUnaryReactor* DecidePayout(grpc::CallbackServerContext* context,
                                         const v1::DecidePayoutRequest* request,
                                         v1::DecidePayoutResponse* response) override;
  grpc::ServerUnaryReactor* CancelProject(grpc::CallbackServerContext* context,
                                          const v1::CancelProjectRequest* request,
                                          v1::CancelProjectResponse* response) override;
  grpc::ServerUnaryReactor* OpenRatingRound(grpc::CallbackServerContext* context,
                                            const v1::OpenRatingRoundRequest* request,
                                            v1::OpenRatingRoundResponse* response) override;
  grpc::ServerUnaryReactor* RateRound(grpc::CallbackServerContext* context,
                                      const v1::RateRoundRequest* request,
                                      v1::RateRoundResponse* response) override;
  grpc::ServerUnaryReactor* GetRatingRound(grpc::CallbackServerContext* context,
                                           const v1::GetRatingRoundRequest* request,
                                           v1::GetRatingRoundResponse* response) override;
  grpc::ServerUnaryReactor* ListRatingRounds(grpc::CallbackServerContext* context,
                                             const v1::ListRatingRoundsRequest* request,
                                             v1::ListRatingRoundsResponse* response) override;
  grpc::ServerUnaryReactor* ListFollowUps(grpc::CallbackServerContext* context,
                                          const v1::ListFollowUpsRequest* request,
                                          v1::ListFollowUpsResponse* response) override;
  grpc::ServerUnaryReactor* ResolveFollowUp(grpc::CallbackServerContext* context,
                                            const v1::ResolveFollowUpRequest* request,
                                            v1::ResolveFollowUpResponse* response) override;

 private:
  Gate* const gate_;
  const CommunityBooks books_;
  Clock* const clock_;
  boost::asio::thread_pool* const workers_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_COMMUNITY_SERVICE_H_

// points.v1.VillageService and points.v1.AwardService: thin layers over the domain's AwardBook
// (server/domain/). The book's steps wait for the engine's group commit and the domain store's
// sync, so every handler hands its work to the reader pool and finishes from there; reactors
// never block.
#ifndef POINTS_SERVER_AWARD_SERVICE_H_
#define POINTS_SERVER_AWARD_SERVICE_H_

#include "award_book.h"
#include "boost/asio/thread_pool.hpp"
#include "household_book.h"
#include "points/v1/awards.grpc.pb.h"

namespace points::server {

class VillageService final : public v1::VillageService::CallbackService {
 public:
  VillageService(domain::AwardBook* book, domain::HouseholdBook* households,
                 boost::asio::thread_pool* workers)
      : book_(book), households_(households), workers_(workers) {}

  grpc::ServerUnaryReactor* CreateVillage(grpc::CallbackServerContext* context,
                                          const v1::CreateVillageRequest* request,
                                          v1::CreateVillageResponse* response) override;
  grpc::ServerUnaryReactor* CreateHousehold(grpc::CallbackServerContext* context,
                                            const v1::CreateHouseholdRequest* request,
                                            v1::CreateHouseholdResponse* response) override;
  grpc::ServerUnaryReactor* SetBudget(grpc::CallbackServerContext* context,
                                      const v1::SetBudgetRequest* request,
                                      v1::SetBudgetResponse* response) override;
  grpc::ServerUnaryReactor* PutHousehold(grpc::CallbackServerContext* context,
                                         const v1::PutHouseholdRequest* request,
                                         v1::PutHouseholdResponse* response) override;
  grpc::ServerUnaryReactor* GetHousehold(grpc::CallbackServerContext* context,
                                         const v1::GetHouseholdRequest* request,
                                         v1::GetHouseholdResponse* response) override;
  grpc::ServerUnaryReactor* ListHouseholds(grpc::CallbackServerContext* context,
                                           const v1::ListHouseholdsRequest* request,
                                           v1::ListHouseholdsResponse* response) override;
  grpc::ServerUnaryReactor* CloseHousehold(grpc::CallbackServerContext* context,
                                           const v1::CloseHouseholdRequest* request,
                                           v1::CloseHouseholdResponse* response) override;

 private:
  domain::AwardBook* const book_;
  domain::HouseholdBook* const households_;
  boost::asio::thread_pool* const workers_;
};

class AwardService final : public v1::AwardService::CallbackService {
 public:
  AwardService(domain::AwardBook* book, boost::asio::thread_pool* workers)
      : book_(book), workers_(workers) {}

  grpc::ServerUnaryReactor* RecordAward(grpc::CallbackServerContext* context,
                                        const v1::RecordAwardRequest* request,
                                        v1::RecordAwardResponse* response) override;
  grpc::ServerUnaryReactor* RecordAwards(grpc::CallbackServerContext* context,
                                         const v1::RecordAwardsRequest* request,
                                         v1::RecordAwardsResponse* response) override;
  grpc::ServerUnaryReactor* ApproveAward(grpc::CallbackServerContext* context,
                                         const v1::ApproveAwardRequest* request,
                                         v1::ApproveAwardResponse* response) override;
  grpc::ServerUnaryReactor* ObjectToAward(grpc::CallbackServerContext* context,
                                          const v1::ObjectToAwardRequest* request,
                                          v1::ObjectToAwardResponse* response) override;
  grpc::ServerUnaryReactor* DecideAward(grpc::CallbackServerContext* context,
                                        const v1::DecideAwardRequest* request,
                                        v1::DecideAwardResponse* response) override;
  grpc::ServerUnaryReactor* GetAward(grpc::CallbackServerContext* context,
                                     const v1::GetAwardRequest* request,
                                     v1::GetAwardResponse* response) override;
  grpc::ServerUnaryReactor* ListAwards(grpc::CallbackServerContext* context,
                                       const v1::ListAwardsRequest* request,
                                       v1::ListAwardsResponse* response) override;

 private:
  domain::AwardBook* const book_;
  boost::asio::thread_pool* const workers_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_AWARD_SERVICE_H_

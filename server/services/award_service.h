// points.v1.VillageService and points.v1.AwardService: thin layers over the domain's AwardBook
// (server/domain/). The book's steps wait for the engine's group commit and the domain store's
// sync, so every handler hands its work to the worker pool and finishes from there; reactors
// never block.
#ifndef POINTS_SERVER_SERVICES_AWARD_SERVICE_H_
#define POINTS_SERVER_SERVICES_AWARD_SERVICE_H_

#include "boost/asio/thread_pool.hpp"
#include "points/v1/awards.grpc.pb.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/expiry_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/org_book.h"
#include "server/domain/books/rule_book.h"
#include "server/gate/authz.h"

namespace points::server {

class VillageService final : public v1::VillageService::CallbackService {
 public:
  VillageService(Gate* gate, Engine* engine, domain::OrgBook* org, domain::AwardBook* book,
                 domain::HouseholdBook* households, domain::ExpiryBook* expiry,
                 boost::asio::thread_pool* workers)
      : gate_(gate),
        engine_(engine),
        org_(org),
        book_(book),
        households_(households),
        expiry_(expiry),
        workers_(workers) {}

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
  grpc::ServerUnaryReactor* SetExpiryPolicy(grpc::CallbackServerContext* context,
                                            const v1::SetExpiryPolicyRequest* request,
                                            v1::SetExpiryPolicyResponse* response) override;
  grpc::ServerUnaryReactor* PutTown(grpc::CallbackServerContext* context,
                                    const v1::PutTownRequest* request,
                                    v1::PutTownResponse* response) override;
  grpc::ServerUnaryReactor* ListTowns(grpc::CallbackServerContext* context,
                                      const v1::ListTownsRequest* request,
                                      v1::ListTownsResponse* response) override;
  grpc::ServerUnaryReactor* PutVillage(grpc::CallbackServerContext* context,
                                       const v1::PutVillageRequest* request,
                                       v1::PutVillageResponse* response) override;
  grpc::ServerUnaryReactor* ListVillages(grpc::CallbackServerContext* context,
                                         const v1::ListVillagesRequest* request,
                                         v1::ListVillagesResponse* response) override;
  grpc::ServerUnaryReactor* PutGrid(grpc::CallbackServerContext* context,
                                    const v1::PutGridRequest* request,
                                    v1::PutGridResponse* response) override;
  grpc::ServerUnaryReactor* ListGrids(grpc::CallbackServerContext* context,
                                      const v1::ListGridsRequest* request,
                                      v1::ListGridsResponse* response) override;

 private:
  Gate* const gate_;
  Engine* const engine_;
  domain::OrgBook* const org_;
  domain::AwardBook* const book_;
  domain::HouseholdBook* const households_;
  domain::ExpiryBook* const expiry_;
  boost::asio::thread_pool* const workers_;
};

class AwardService final : public v1::AwardService::CallbackService {
 public:
  AwardService(Gate* gate, domain::AwardBook* book, domain::RuleBook* rules,
               boost::asio::thread_pool* workers)
      : gate_(gate), book_(book), rules_(rules), workers_(workers) {}

  grpc::ServerUnaryReactor* PutRule(grpc::CallbackServerContext* context,
                                    const v1::PutRuleRequest* request,
                                    v1::PutRuleResponse* response) override;
  grpc::ServerUnaryReactor* ListRules(grpc::CallbackServerContext* context,
                                      const v1::ListRulesRequest* request,
                                      v1::ListRulesResponse* response) override;

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
  Gate* const gate_;
  domain::AwardBook* const book_;
  domain::RuleBook* const rules_;
  boost::asio::thread_pool* const workers_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_AWARD_SERVICE_H_

#include "award_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "award_convert.h"
#include "convert.h"
#include "ids.h"
#include "offload.h"
#include "status.h"

namespace points::server {
namespace {

// Replies at most this many awards to ListAwards, and takes at most this many in one
// RecordAwards (awards.proto says so).
constexpr size_t kListAwardsMax = 1000;
constexpr int kRoundAwardsMax = 1000;

// Puts the award (or the error) of a workflow step into `out`.
absl::Status Reply(const absl::StatusOr<domain::Award>& award, v1::Award* out) {
  if (!award.ok()) return award.status();
  AwardToProto(*award, out);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* VillageService::CreateVillage(grpc::CallbackServerContext* context,
                                                        const v1::CreateVillageRequest* request,
                                                        v1::CreateVillageResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    if (absl::Status s = book_->SetUpVillage(request->village()); !s.ok()) return s;
    const domain::Ledgers ledgers = domain::LedgersOf(request->village());
    response->set_points_ledger(ledgers.points);
    response->set_money_ledger(ledgers.money);
    response->set_issuer_account_id(IdToBytes(
        domain::ids::OfVillageAccount(request->village(), domain::VillageAccount::kIssuer)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* VillageService::CreateHousehold(grpc::CallbackServerContext* context,
                                                          const v1::CreateHouseholdRequest* request,
                                                          v1::CreateHouseholdResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    if (absl::Status s = book_->SetUpHousehold(request->village(), request->household()); !s.ok()) {
      return s;
    }
    response->set_account_id(
        IdToBytes(domain::ids::Household(request->village(), request->household())));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* VillageService::SetBudget(grpc::CallbackServerContext* context,
                                                    const v1::SetBudgetRequest* request,
                                                    v1::SetBudgetResponse* /*response*/) {
  return Offload(context, workers_, [this, request] {
    return book_->SetBudget(request->village(), request->month(), request->points());
  });
}

grpc::ServerUnaryReactor* VillageService::PutHousehold(grpc::CallbackServerContext* context,
                                                       const v1::PutHouseholdRequest* request,
                                                       v1::PutHouseholdResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    const domain::Household household = HouseholdFromProto(request->household());
    if (absl::Status s = households_->PutHousehold(household); !s.ok()) return s;
    response->set_account_id(
        IdToBytes(domain::ids::Household(household.village, household.household)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* VillageService::GetHousehold(grpc::CallbackServerContext* context,
                                                       const v1::GetHouseholdRequest* request,
                                                       v1::GetHouseholdResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<domain::Household> h =
        households_->GetHousehold(request->village(), request->household());
    if (!h.ok()) return h.status();
    HouseholdToProto(*h, response->mutable_household());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* VillageService::ListHouseholds(grpc::CallbackServerContext* context,
                                                         const v1::ListHouseholdsRequest* request,
                                                         v1::ListHouseholdsResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<std::vector<domain::Household>> found =
        households_->ListHouseholds(request->village(), request->reveal());
    if (!found.ok()) return found.status();
    for (const domain::Household& h : *found) HouseholdToProto(h, response->add_households());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* VillageService::CloseHousehold(grpc::CallbackServerContext* context,
                                                         const v1::CloseHouseholdRequest* request,
                                                         v1::CloseHouseholdResponse* /*response*/) {
  return Offload(context, workers_, [this, request] {
    return households_->CloseHousehold(request->village(), request->household());
  });
}

grpc::ServerUnaryReactor* AwardService::RecordAward(grpc::CallbackServerContext* context,
                                                    const v1::RecordAwardRequest* request,
                                                    v1::RecordAwardResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<domain::AwardRequest> award = AwardRequestFromProto(request->award());
    if (!award.ok()) return award.status();
    return Reply(book_->Record(*award), response->mutable_award());
  });
}

grpc::ServerUnaryReactor* AwardService::RecordAwards(grpc::CallbackServerContext* context,
                                                     const v1::RecordAwardsRequest* request,
                                                     v1::RecordAwardsResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    if (request->awards_size() == 0 || request->awards_size() > kRoundAwardsMax) {
      return absl::InvalidArgumentError(absl::StrCat("awards: 1..", kRoundAwardsMax,
                                                     " per request, got ", request->awards_size()));
    }
    for (int i = 0; i < request->awards_size(); ++i) {
      v1::RecordAwardsResponse::Result* result = response->add_results();
      absl::StatusOr<domain::AwardRequest> award = AwardRequestFromProto(request->awards(i));
      absl::StatusOr<domain::Award> recorded =
          award.ok() ? book_->Record(*award) : absl::StatusOr<domain::Award>(award.status());
      if (recorded.ok()) {
        AwardToProto(*recorded, result->mutable_award());
      } else {
        result->set_error_code(static_cast<int32_t>(recorded.status().code()));
        result->set_error_message(absl::StrCat("awards[", i, "]: ", recorded.status().message()));
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AwardService::ApproveAward(grpc::CallbackServerContext* context,
                                                     const v1::ApproveAwardRequest* request,
                                                     v1::ApproveAwardResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
    if (!id.ok()) return id.status();
    return Reply(book_->Approve(request->village(), *id, request->reviewer()),
                 response->mutable_award());
  });
}

grpc::ServerUnaryReactor* AwardService::ObjectToAward(grpc::CallbackServerContext* context,
                                                      const v1::ObjectToAwardRequest* request,
                                                      v1::ObjectToAwardResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
    if (!id.ok()) return id.status();
    return Reply(book_->Object(request->village(), *id, request->by(), request->reason()),
                 response->mutable_award());
  });
}

grpc::ServerUnaryReactor* AwardService::DecideAward(grpc::CallbackServerContext* context,
                                                    const v1::DecideAwardRequest* request,
                                                    v1::DecideAwardResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
    if (!id.ok()) return id.status();
    return Reply(book_->Decide(request->village(), *id, request->keep(), request->by()),
                 response->mutable_award());
  });
}

grpc::ServerUnaryReactor* AwardService::GetAward(grpc::CallbackServerContext* context,
                                                 const v1::GetAwardRequest* request,
                                                 v1::GetAwardResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
    if (!id.ok()) return id.status();
    return Reply(book_->Get(request->village(), *id), response->mutable_award());
  });
}

grpc::ServerUnaryReactor* AwardService::ListAwards(grpc::CallbackServerContext* context,
                                                   const v1::ListAwardsRequest* request,
                                                   v1::ListAwardsResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    absl::StatusOr<domain::AwardState> state = AwardStateFromProto(request->state(), "state");
    if (!state.ok()) return state.status();
    absl::StatusOr<std::vector<domain::Award>> awards = book_->List(request->village(), *state);
    if (!awards.ok()) return awards.status();
    for (size_t i = 0; i < awards->size() && i < kListAwardsMax; ++i) {
      AwardToProto((*awards)[i], response->add_awards());
    }
    response->set_truncated(awards->size() > kListAwardsMax);
    return absl::OkStatus();
  });
}

}  // namespace points::server

#include "clients/cpp/award_client.h"

#include <utility>

#include "clients/cpp/channel_core.h"
#include "points/v1/awards.grpc.pb.h"
#include "server/convert/award_convert.h"
#include "server/convert/convert.h"

namespace points::client {
namespace {

using Villages = v1::VillageService::Stub;
using Awards = v1::AwardService::Stub;

// An award as the server sent it, decoded by the server's own checks.
absl::StatusOr<domain::Award> AwardFromResponse(absl::string_view method, const v1::Award& in) {
  absl::StatusOr<domain::AwardRequest> request = server::AwardRequestFromProto(in);
  if (!request.ok()) return MalformedResponse(method, request.status());
  domain::Award award;
  award.request = *std::move(request);
  award.amount = in.points();
  if (in.state() < v1::AWARD_STATE_AWAITING_REVIEW || in.state() > v1::AWARD_STATE_REFUSED) {
    return MalformedResponse(method, absl::InternalError("unknown award state"));
  }
  award.state = static_cast<domain::AwardState>(in.state());
  award.recorded_at_ns = in.recorded_at();
  award.notice_ends_at_ns = in.notice_ends_at();
  award.reviewed_by = in.reviewed_by();
  award.objected_by = in.objected_by();
  award.objection = in.objection();
  award.decided_by = in.decided_by();
  award.refusal = in.refusal();
  return award;
}

// The award of a response that carries one, or the call's failure.
template <typename Response>
absl::StatusOr<domain::Award> AwardOfResponse(absl::string_view method,
                                              const absl::StatusOr<Response>& response) {
  if (!response.ok()) return response.status();
  return AwardFromResponse(method, response->award());
}

}  // namespace

// ---- VillageService ----

struct VillageClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Villages service;
};

VillageClient::VillageClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

VillageClient::~VillageClient() = default;

absl::StatusOr<Id> VillageClient::CreateVillage(uint32_t village) {
  v1::CreateVillageRequest request;
  request.set_village(village);
  absl::StatusOr<v1::CreateVillageResponse> response =
      channel_->Ask<Villages>(stub_->service, "CreateVillage", &Villages::CreateVillage, request);
  if (!response.ok()) return response.status();
  return server::IdFromBytes(response->issuer_account_id(), "issuer_account_id");
}

absl::StatusOr<Id> VillageClient::CreateHousehold(uint32_t village, uint64_t household) {
  v1::CreateHouseholdRequest request;
  request.set_village(village);
  request.set_household(household);
  absl::StatusOr<v1::CreateHouseholdResponse> response = channel_->Ask<Villages>(
      stub_->service, "CreateHousehold", &Villages::CreateHousehold, request);
  if (!response.ok()) return response.status();
  return server::IdFromBytes(response->account_id(), "account_id");
}

absl::StatusOr<Id> VillageClient::PutHousehold(const domain::Household& household) {
  v1::PutHouseholdRequest request;
  server::HouseholdToProto(household, request.mutable_household());
  absl::StatusOr<v1::PutHouseholdResponse> response =
      channel_->Ask<Villages>(stub_->service, "PutHousehold", &Villages::PutHousehold, request);
  if (!response.ok()) return response.status();
  return server::IdFromBytes(response->account_id(), "account_id");
}

absl::StatusOr<std::vector<domain::Household>> VillageClient::ListHouseholds(uint32_t village,
                                                                             bool reveal) {
  v1::ListHouseholdsRequest request;
  request.set_village(village);
  request.set_reveal(reveal);
  absl::StatusOr<v1::ListHouseholdsResponse> response =
      channel_->Ask<Villages>(stub_->service, "ListHouseholds", &Villages::ListHouseholds, request);
  if (!response.ok()) return response.status();
  std::vector<domain::Household> households;
  for (const v1::Household& h : response->households()) {
    households.push_back(server::HouseholdFromProto(h));
  }
  return households;
}

absl::Status VillageClient::CloseHousehold(uint32_t village, uint64_t household) {
  v1::CloseHouseholdRequest request;
  request.set_village(village);
  request.set_household(household);
  return channel_
      ->Ask<Villages>(stub_->service, "CloseHousehold", &Villages::CloseHousehold, request)
      .status();
}

absl::Status VillageClient::SetBudget(uint32_t village, uint32_t month, uint64_t points) {
  v1::SetBudgetRequest request;
  request.set_village(village);
  request.set_month(month);
  request.set_points(points);
  return channel_->Ask<Villages>(stub_->service, "SetBudget", &Villages::SetBudget, request)
      .status();
}

absl::StatusOr<v1::GetHouseholdResponse> VillageClient::GetHousehold(uint32_t village,
                                                                     uint64_t household) {
  v1::GetHouseholdRequest request;
  request.set_village(village);
  request.set_household(household);
  return channel_->Ask<Villages>(stub_->service, "GetHousehold", &Villages::GetHousehold, request);
}

absl::StatusOr<v1::SetExpiryPolicyResponse> VillageClient::SetExpiryPolicy(uint32_t village,
                                                                           bool enabled,
                                                                           uint32_t grace_years) {
  v1::SetExpiryPolicyRequest request;
  request.set_village(village);
  request.set_enabled(enabled);
  request.set_grace_years(grace_years);
  return channel_->Ask<Villages>(stub_->service, "SetExpiryPolicy", &Villages::SetExpiryPolicy,
                                 request);
}

absl::Status VillageClient::PutTown(const v1::Town& town) {
  v1::PutTownRequest request;
  *request.mutable_town() = town;
  return channel_->Ask<Villages>(stub_->service, "PutTown", &Villages::PutTown, request).status();
}

absl::StatusOr<std::vector<v1::Town>> VillageClient::ListTowns() {
  absl::StatusOr<v1::ListTownsResponse> response = channel_->Ask<Villages>(
      stub_->service, "ListTowns", &Villages::ListTowns, v1::ListTownsRequest());
  if (!response.ok()) return response.status();
  return std::vector<v1::Town>(response->towns().begin(), response->towns().end());
}

absl::Status VillageClient::PutVillage(const v1::Village& village) {
  v1::PutVillageRequest request;
  *request.mutable_village() = village;
  return channel_->Ask<Villages>(stub_->service, "PutVillage", &Villages::PutVillage, request)
      .status();
}

absl::StatusOr<std::vector<v1::Village>> VillageClient::ListVillages(uint32_t town) {
  v1::ListVillagesRequest request;
  request.set_town(town);
  absl::StatusOr<v1::ListVillagesResponse> response =
      channel_->Ask<Villages>(stub_->service, "ListVillages", &Villages::ListVillages, request);
  if (!response.ok()) return response.status();
  return std::vector<v1::Village>(response->villages().begin(), response->villages().end());
}

absl::Status VillageClient::PutGrid(const v1::Grid& grid) {
  v1::PutGridRequest request;
  *request.mutable_grid() = grid;
  return channel_->Ask<Villages>(stub_->service, "PutGrid", &Villages::PutGrid, request).status();
}

absl::StatusOr<std::vector<v1::Grid>> VillageClient::ListGrids(uint32_t village) {
  v1::ListGridsRequest request;
  request.set_village(village);
  absl::StatusOr<v1::ListGridsResponse> response =
      channel_->Ask<Villages>(stub_->service, "ListGrids", &Villages::ListGrids, request);
  if (!response.ok()) return response.status();
  return std::vector<v1::Grid>(response->grids().begin(), response->grids().end());
}

// ---- AwardService ----

struct AwardClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Awards service;
};

AwardClient::AwardClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

AwardClient::~AwardClient() = default;

absl::StatusOr<domain::CatalogueRule> AwardClient::PutRule(const domain::CatalogueRule& rule,
                                                           uint32_t replaces_version) {
  v1::PutRuleRequest request;
  request.set_village(rule.village);
  request.set_replaces_version(replaces_version);
  server::CatalogueRuleToProto(rule, request.mutable_rule());
  absl::StatusOr<v1::PutRuleResponse> response =
      channel_->Ask<Awards>(stub_->service, "PutRule", &Awards::PutRule, request);
  if (!response.ok()) return response.status();
  absl::StatusOr<domain::CatalogueRule> put =
      server::CatalogueRuleFromProto(rule.village, response->rule());
  if (!put.ok()) return MalformedResponse("PutRule", put.status());
  return put;
}

absl::StatusOr<std::vector<domain::CatalogueRule>> AwardClient::ListRules(uint32_t village,
                                                                          uint32_t rule) {
  v1::ListRulesRequest request;
  request.set_village(village);
  request.set_rule(rule);
  absl::StatusOr<v1::ListRulesResponse> response =
      channel_->Ask<Awards>(stub_->service, "ListRules", &Awards::ListRules, request);
  if (!response.ok()) return response.status();
  std::vector<domain::CatalogueRule> rules;
  for (const v1::Rule& r : response->rules()) {
    absl::StatusOr<domain::CatalogueRule> rule = server::CatalogueRuleFromProto(village, r);
    if (!rule.ok()) return MalformedResponse("ListRules", rule.status());
    rules.push_back(*std::move(rule));
  }
  return rules;
}

absl::StatusOr<domain::Award> AwardClient::RecordAward(const domain::AwardRequest& award) {
  v1::RecordAwardRequest request;
  domain::Award as_award;
  as_award.request = award;
  server::AwardToProto(as_award, request.mutable_award());
  return AwardOfResponse("RecordAward", channel_->Ask<Awards>(stub_->service, "RecordAward",
                                                              &Awards::RecordAward, request));
}

absl::StatusOr<std::vector<absl::StatusOr<domain::Award>>> AwardClient::RecordAwards(
    absl::Span<const domain::AwardRequest> awards) {
  v1::RecordAwardsRequest request;
  for (const domain::AwardRequest& award : awards) {
    domain::Award as_award;
    as_award.request = award;
    server::AwardToProto(as_award, request.add_awards());
  }
  absl::StatusOr<v1::RecordAwardsResponse> response =
      channel_->Ask<Awards>(stub_->service, "RecordAwards", &Awards::RecordAwards, request);
  if (!response.ok()) return response.status();
  if (static_cast<size_t>(response->results_size()) != awards.size()) {
    return MalformedResponse("RecordAwards", absl::InternalError("one result per award expected"));
  }
  std::vector<absl::StatusOr<domain::Award>> results;
  for (const v1::RecordAwardsResponse::Result& r : response->results()) {
    if (r.error_code() != 0) {
      results.push_back(
          absl::Status(static_cast<absl::StatusCode>(r.error_code()), r.error_message()));
    } else {
      results.push_back(AwardFromResponse("RecordAwards", r.award()));
    }
  }
  return results;
}

absl::StatusOr<domain::Award> AwardClient::ApproveAward(uint32_t village, Id award) {
  v1::ApproveAwardRequest request;
  request.set_village(village);
  request.set_award_id(server::IdToBytes(award));
  return AwardOfResponse("ApproveAward", channel_->Ask<Awards>(stub_->service, "ApproveAward",
                                                               &Awards::ApproveAward, request));
}

absl::StatusOr<domain::Award> AwardClient::ObjectToAward(uint32_t village, Id award,
                                                         const std::string& reason) {
  v1::ObjectToAwardRequest request;
  request.set_village(village);
  request.set_award_id(server::IdToBytes(award));
  request.set_reason(reason);
  return AwardOfResponse("ObjectToAward", channel_->Ask<Awards>(stub_->service, "ObjectToAward",
                                                                &Awards::ObjectToAward, request));
}

absl::StatusOr<domain::Award> AwardClient::DecideAward(uint32_t village, Id award, bool keep) {
  v1::DecideAwardRequest request;
  request.set_village(village);
  request.set_award_id(server::IdToBytes(award));
  request.set_keep(keep);
  return AwardOfResponse("DecideAward", channel_->Ask<Awards>(stub_->service, "DecideAward",
                                                              &Awards::DecideAward, request));
}

absl::StatusOr<domain::Award> AwardClient::GetAward(uint32_t village, Id award) {
  v1::GetAwardRequest request;
  request.set_village(village);
  request.set_award_id(server::IdToBytes(award));
  return AwardOfResponse(
      "GetAward", channel_->Ask<Awards>(stub_->service, "GetAward", &Awards::GetAward, request));
}

absl::StatusOr<std::vector<domain::Award>> AwardClient::ListAwards(uint32_t village,
                                                                   domain::AwardState state,
                                                                   bool* truncated) {
  v1::ListAwardsRequest request;
  request.set_village(village);
  request.set_state(static_cast<v1::AwardState>(state));
  absl::StatusOr<v1::ListAwardsResponse> response =
      channel_->Ask<Awards>(stub_->service, "ListAwards", &Awards::ListAwards, request);
  if (!response.ok()) return response.status();
  std::vector<domain::Award> awards;
  for (const v1::Award& a : response->awards()) {
    absl::StatusOr<domain::Award> award = AwardFromResponse("ListAwards", a);
    if (!award.ok()) return award.status();
    awards.push_back(*std::move(award));
  }
  if (truncated != nullptr) *truncated = response->truncated();
  return awards;
}

}  // namespace points::client

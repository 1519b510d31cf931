// points.v1.VillageService and AwardService (awards.proto): the village's set-up and its
// organisation, and the award workflow with its rule catalogue.
//
// What this header exposes, and why: the writes and the awards are the domain's values
// (domain::Household, domain::CatalogueRule, domain::Award from server/domain/values/), because
// the domain has them and the wire form converts to them in one place (server/convert/). The
// organisation (towns, villages, grids) and the household's balance view have no domain value
// beside their messages, so they come as points.v1 messages (awards.pb.h): those messages are the
// contract, and a C++ copy of each would repeat the proto field by field. gRPC stays inside.
#ifndef POINTS_CLIENTS_CPP_AWARD_CLIENT_H_
#define POINTS_CLIENTS_CPP_AWARD_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "clients/cpp/channel.h"
#include "points/types.h"
#include "points/v1/awards.pb.h"
#include "server/domain/values/award.h"
#include "server/domain/values/household_values.h"
#include "server/domain/values/rule_values.h"

namespace points::client {

class VillageClient {
 public:
  explicit VillageClient(std::shared_ptr<Channel> channel);
  ~VillageClient();
  VillageClient(const VillageClient&) = delete;
  VillageClient& operator=(const VillageClient&) = delete;

  // Idempotent set-up: the village's accounts (returns its issuer account id), a household's
  // points account (returns its id), a month's issuance budget (YYYYMM, set once).
  absl::StatusOr<Id> CreateVillage(uint32_t village);
  absl::StatusOr<Id> CreateHousehold(uint32_t village, uint64_t household);
  absl::Status SetBudget(uint32_t village, uint32_t month, uint64_t points);
  // A household's details and its points account (returns its id); its village's households
  // (names masked unless `reveal`); closing one whose balance is settled.
  absl::StatusOr<Id> PutHousehold(const domain::Household& household);
  absl::StatusOr<std::vector<domain::Household>> ListHouseholds(uint32_t village, bool reveal);
  absl::Status CloseHousehold(uint32_t village, uint64_t household);
  // A household's details, balance and what expires when; the village's expiry policy.
  absl::StatusOr<v1::GetHouseholdResponse> GetHousehold(uint32_t village, uint64_t household);
  absl::StatusOr<v1::SetExpiryPolicyResponse> SetExpiryPolicy(uint32_t village, bool enabled,
                                                              uint32_t grace_years);
  // The organisation, as its messages: towns, village records (PutVillage also creates the
  // village's accounts), grids with their workers.
  absl::Status PutTown(const v1::Town& town);
  absl::StatusOr<std::vector<v1::Town>> ListTowns();
  absl::Status PutVillage(const v1::Village& village);
  absl::StatusOr<std::vector<v1::Village>> ListVillages(uint32_t town);
  absl::Status PutGrid(const v1::Grid& grid);
  absl::StatusOr<std::vector<v1::Grid>> ListGrids(uint32_t village);

 private:
  struct Stub;  // v1::VillageService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

class AwardClient {
 public:
  explicit AwardClient(std::shared_ptr<Channel> channel);
  ~AwardClient();
  AwardClient(const AwardClient&) = delete;
  AwardClient& operator=(const AwardClient&) = delete;

  // The rule catalogue: adds the next version of a rule (returns it; a put that changes nothing
  // returns the latest), and lists the versions of the village's rules (or of one, rule != 0).
  absl::StatusOr<domain::CatalogueRule> PutRule(const domain::CatalogueRule& rule,
                                                uint32_t replaces_version = 0);
  absl::StatusOr<std::vector<domain::CatalogueRule>> ListRules(uint32_t village, uint32_t rule);
  // The award workflow (server/domain/README.md); each returns the award as it now stands.
  // Awards name their rule (and optionally its version); the catalogue scores them.
  absl::StatusOr<domain::Award> RecordAward(const domain::AwardRequest& award);
  // A whole round in one request (1..1000 awards): one outcome per award, in order. An error
  // status means no answer arrived; resending the same round is safe.
  absl::StatusOr<std::vector<absl::StatusOr<domain::Award>>> RecordAwards(
      absl::Span<const domain::AwardRequest> awards);
  // Who approves, objects or decides is the principal of the client's token.
  absl::StatusOr<domain::Award> ApproveAward(uint32_t village, Id award);
  absl::StatusOr<domain::Award> ObjectToAward(uint32_t village, Id award,
                                              const std::string& reason);
  absl::StatusOr<domain::Award> DecideAward(uint32_t village, Id award, bool keep);
  absl::StatusOr<domain::Award> GetAward(uint32_t village, Id award);
  // At most 1000; `truncated` (may be null) says whether more are in that state.
  absl::StatusOr<std::vector<domain::Award>> ListAwards(uint32_t village, domain::AwardState state,
                                                        bool* truncated = nullptr);

 private:
  struct Stub;  // v1::AwardService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_AWARD_CLIENT_H_

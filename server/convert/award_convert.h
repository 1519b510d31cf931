// The one place where the messages of awards.proto become domain values and back. Wire checks
// (id lengths, enum values) happen here and name the field; the domain checks the rest (limits
// of text, amounts) and names the field too.
#ifndef POINTS_SERVER_CONVERT_AWARD_CONVERT_H_
#define POINTS_SERVER_CONVERT_AWARD_CONVERT_H_

#include "absl/status/statusor.h"
#include "points/v1/awards.pb.h"
#include "server/domain/values/award.h"
#include "server/domain/values/household_values.h"
#include "server/domain/values/rule_values.h"

namespace points::server {

// Recording reads only the rule's number and version: the catalogue has the rest.
absl::StatusOr<domain::AwardRequest> AwardRequestFromProto(const v1::Award& award);
void AwardToProto(const domain::Award& award, v1::Award* out);
domain::RuleVersion RuleVersionFromProto(const v1::Rule& rule);
void RuleVersionToProto(const domain::RuleVersion& rule, v1::Rule* out);
// INVALID_ARGUMENT for a category outside hygiene .. deduction (the catalogue checks the rest).
absl::StatusOr<domain::CatalogueRule> CatalogueRuleFromProto(uint32_t village,
                                                             const v1::Rule& rule);
void CatalogueRuleToProto(const domain::CatalogueRule& rule, v1::Rule* out);
domain::Household HouseholdFromProto(const v1::Household& household);
void HouseholdToProto(const domain::Household& household, v1::Household* out);
// AWARD_STATE_UNSPECIFIED and unknown values are INVALID_ARGUMENT naming `field` and the number.
absl::StatusOr<domain::AwardState> AwardStateFromProto(v1::AwardState state,
                                                       const std::string& field);

}  // namespace points::server

#endif  // POINTS_SERVER_CONVERT_AWARD_CONVERT_H_

// What a request of the points supermarket's services must hold before anyone looks at whether
// its caller may make it: every number that names something (village, town, grid, household,
// shop, item, rule, task) within its documented range, and every enum one of the values the
// contract names. Offload (offload.h) runs CheckRequest after authenticating the caller and
// before authorizing it, so a malformed request gets INVALID_ARGUMENT naming the field, the
// range and the number received, never NOT_FOUND for a number that cannot exist nor
// PERMISSION_DENIED for a scope it cannot name. One overload per request type: a new RPC does
// not compile until it has one.
//
// The books check again what they are given (they are called from elsewhere too); these checks
// only make the answer the same for every caller and name the field as the client sent it.
#ifndef POINTS_SERVER_CONVERT_REQUEST_CHECK_H_
#define POINTS_SERVER_CONVERT_REQUEST_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "points/v1/admin.pb.h"
#include "points/v1/awards.pb.h"
#include "points/v1/board.pb.h"
#include "points/v1/community.pb.h"
#include "points/v1/receipts.pb.h"
#include "points/v1/shops.pb.h"
#include "points/v1/tasks.pb.h"

namespace points::server {

// INVALID_ARGUMENT unless `value` is one of `Enum`'s named values other than 0 (*_UNSPECIFIED):
// "state: got 99, want one of AWARD_STATE_AWAITING_REVIEW (1), ..., AWARD_STATE_REFUSED (7)".
// The number received is named, since a client that sends an unknown one sees no name for it.
absl::Status CheckEnumNumber(const google::protobuf::EnumDescriptor* descriptor, int value,
                             absl::string_view field);
template <typename Enum>
absl::Status CheckEnum(int value, absl::string_view field) {
  return CheckEnumNumber(google::protobuf::GetEnumDescriptor<Enum>(), value, field);
}

// VillageService
absl::Status CheckRequest(const v1::CreateVillageRequest& request);
absl::Status CheckRequest(const v1::CreateHouseholdRequest& request);
absl::Status CheckRequest(const v1::SetBudgetRequest& request);
absl::Status CheckRequest(const v1::PutHouseholdRequest& request);
absl::Status CheckRequest(const v1::GetHouseholdRequest& request);
absl::Status CheckRequest(const v1::ListHouseholdsRequest& request);
absl::Status CheckRequest(const v1::CloseHouseholdRequest& request);
absl::Status CheckRequest(const v1::SetExpiryPolicyRequest& request);
absl::Status CheckRequest(const v1::PutTownRequest& request);
absl::Status CheckRequest(const v1::ListTownsRequest& request);
absl::Status CheckRequest(const v1::PutVillageRequest& request);
absl::Status CheckRequest(const v1::ListVillagesRequest& request);
absl::Status CheckRequest(const v1::PutGridRequest& request);
absl::Status CheckRequest(const v1::ListGridsRequest& request);
// AwardService
absl::Status CheckRequest(const v1::PutRuleRequest& request);
absl::Status CheckRequest(const v1::ListRulesRequest& request);
absl::Status CheckRequest(const v1::RecordAwardRequest& request);
// The round as a whole: 1..kRoundAwardsMax awards, and each award's village (the call is
// authorized for the first one's). Each award's other numbers are checked with its line
// (CheckAward), so one bad line is refused on its own.
inline constexpr int kRoundAwardsMax = 1000;
absl::Status CheckRequest(const v1::RecordAwardsRequest& request);
absl::Status CheckRequest(const v1::ApproveAwardRequest& request);
absl::Status CheckRequest(const v1::ObjectToAwardRequest& request);
absl::Status CheckRequest(const v1::DecideAwardRequest& request);
absl::Status CheckRequest(const v1::GetAwardRequest& request);
absl::Status CheckRequest(const v1::ListAwardsRequest& request);
// An award as a recorder sends it (fields named "award.household", ...): its id's 16 bytes
// too, since it names the award.
absl::Status CheckAward(const v1::Award& award);
// BoardService
absl::Status CheckRequest(const v1::GetBoardRequest& request);
absl::Status CheckRequest(const v1::GetStatementRequest& request);
absl::Status CheckRequest(const v1::GetReportRequest& request);
absl::Status CheckRequest(const v1::RateRequest& request);
// ShopService
absl::Status CheckRequest(const v1::CreateShopRequest& request);
absl::Status CheckRequest(const v1::PutItemRequest& request);
absl::Status CheckRequest(const v1::RestockRequest& request);
absl::Status CheckRequest(const v1::ListItemsRequest& request);
absl::Status CheckRequest(const v1::RedeemBasketRequest& request);
absl::Status CheckRequest(const v1::ReturnBasketRequest& request);
absl::Status CheckRequest(const v1::GetBasketRequest& request);
absl::Status CheckRequest(const v1::SettleShopRequest& request);
absl::Status CheckRequest(const v1::GetSettlementRequest& request);
absl::Status CheckRequest(const v1::SetShopTermsRequest& request);
absl::Status CheckRequest(const v1::SetOfflineLimitsRequest& request);
absl::Status CheckRequest(const v1::GetOfflineLimitsRequest& request);
absl::Status CheckRequest(const v1::RecordCashSaleRequest& request);
absl::Status CheckRequest(const v1::IssuePaymentCodeRequest& request);
absl::Status CheckRequest(const v1::IssueCardRequest& request);
// TaskService
absl::Status CheckRequest(const v1::PostTaskRequest& request);
absl::Status CheckRequest(const v1::ClaimTaskRequest& request);
absl::Status CheckRequest(const v1::CompleteTaskRequest& request);
absl::Status CheckRequest(const v1::VerifyTaskRequest& request);
absl::Status CheckRequest(const v1::GetTaskRequest& request);
absl::Status CheckRequest(const v1::ListTasksRequest& request);
// CommunityService
absl::Status CheckRequest(const v1::PutPartnerRequest& request);
absl::Status CheckRequest(const v1::ListPartnersRequest& request);
absl::Status CheckRequest(const v1::OpenCampaignRequest& request);
absl::Status CheckRequest(const v1::ListCampaignsRequest& request);
absl::Status CheckRequest(const v1::DonateRequest& request);
absl::Status CheckRequest(const v1::GetFundStatementRequest& request);
absl::Status CheckRequest(const v1::ProposeRequest& request);
absl::Status CheckRequest(const v1::ReviewProposalRequest& request);
absl::Status CheckRequest(const v1::CommentOnProposalRequest& request);
absl::Status CheckRequest(const v1::CastVoteRequest& request);
absl::Status CheckRequest(const v1::DecideProposalRequest& request);
absl::Status CheckRequest(const v1::GetProposalRequest& request);
absl::Status CheckRequest(const v1::ListProposalsRequest& request);
absl::Status CheckRequest(const v1::CompleteProjectRequest& request);
absl::Status CheckRequest(const v1::ApprovePayoutRequest& request);
absl::Status CheckRequest(const v1::ObjectToPayoutRequest& request);
absl::Status CheckRequest(const v1::DecidePayoutRequest& request);
absl::Status CheckRequest(const v1::CancelProjectRequest& request);
absl::Status CheckRequest(const v1::OpenRatingRoundRequest& request);
absl::Status CheckRequest(const v1::RateRoundRequest& request);
absl::Status CheckRequest(const v1::GetRatingRoundRequest& request);
absl::Status CheckRequest(const v1::ListRatingRoundsRequest& request);
absl::Status CheckRequest(const v1::ListFollowUpsRequest& request);
absl::Status CheckRequest(const v1::ResolveFollowUpRequest& request);
// AdminService
absl::Status CheckRequest(const v1::BackupRequest& request);
absl::Status CheckRequest(const v1::CreatePrincipalRequest& request);
absl::Status CheckRequest(const v1::ListPrincipalsRequest& request);
absl::Status CheckRequest(const v1::GetCallerRequest& request);
absl::Status CheckRequest(const v1::RevokePrincipalRequest& request);
// ReceiptService: sizes and ids are checked against the tree by the service itself.
absl::Status CheckRequest(const v1::GetCheckpointRequest& request);
absl::Status CheckRequest(const v1::GetConsistencyProofRequest& request);
absl::Status CheckRequest(const v1::ProveTransfersRequest& request);
absl::Status CheckRequest(const v1::ProveAwardRequest& request);
absl::Status CheckRequest(const v1::ProveBasketRequest& request);
absl::Status CheckRequest(const v1::AddCosignatureRequest& request);
absl::Status CheckRequest(const v1::ListAuditRequest& request);

}  // namespace points::server

#endif  // POINTS_SERVER_CONVERT_REQUEST_CHECK_H_

#include "server/domain/values/fund_values.h"

namespace points::domain {

const char* PartnerKindName(PartnerKind kind) {
  switch (kind) {
    case PartnerKind::kCompany:
      return "company";
    case PartnerKind::kInstitution:
      return "institution";
    case PartnerKind::kSocialOrganisation:
      return "social_organisation";
  }
  return "?";
}

const char* DonorKindName(DonorKind kind) {
  switch (kind) {
    case DonorKind::kPartner:
      return "partner";
    case DonorKind::kPerson:
      return "person";
    case DonorKind::kAnonymous:
      return "anonymous";
  }
  return "?";
}

const char* DonorShownName(DonorShown shown) {
  switch (shown) {
    case DonorShown::kName:
      return "name";
    case DonorShown::kMasked:
      return "masked";
    case DonorShown::kHidden:
      return "hidden";
  }
  return "?";
}

const char* DonationStateName(DonationState state) {
  switch (state) {
    case DonationState::kRecording:
      return "recording";
    case DonationState::kRecorded:
      return "recorded";
    case DonationState::kRefused:
      return "refused";
  }
  return "?";
}

}  // namespace points::domain

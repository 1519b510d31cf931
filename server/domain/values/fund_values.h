// The micro-fund's values (fund_book.h keeps them): partners, campaigns, donations and their
// limits, shared with the clients. Values only: no store, no engine.
#ifndef POINTS_SERVER_DOMAIN_VALUES_FUND_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_FUND_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/domain/values/ids.h"

namespace points::domain {

inline constexpr uint32_t kPartnerNumberMax = 999'999;  // partners of a village: 1..
inline constexpr size_t kPartnerNameBytesMax = 128;     // e.g. 东山建材有限公司 (UTF-8)
inline constexpr uint32_t kCampaignNumberMax = 999'999;
inline constexpr size_t kCampaignTitleBytesMax = 200;
inline constexpr uint64_t kCampaignTargetFenMax = 100'000'000'000;  // 10^9 yuan
inline constexpr uint64_t kDonationFenMax = 10'000'000'000;         // one donation: 10^8 yuan
inline constexpr size_t kDonorNameBytesMax = 128;
inline constexpr size_t kDonationNoteBytesMax = 500;

enum class PartnerKind : uint8_t { kCompany = 1, kInstitution = 2, kSocialOrganisation = 3 };
const char* PartnerKindName(PartnerKind kind);

// A partner organisation (共建单位) of the village: a company, an institution or a social
// organisation that co-builds the community; it may donate, claim tasks (task_book.h's
// organisation claimants use its number) and be rated and commended.
struct Partner {
  VillageId village = 0;
  uint32_t partner = 0;  // 1..kPartnerNumberMax
  std::string name;      // 1..kPartnerNameBytesMax bytes of UTF-8
  PartnerKind kind = PartnerKind::kCompany;
  std::string registered_by;  // the principal that registered or last renamed it
  uint64_t registered_at_ns = 0;
  friend bool operator==(const Partner&, const Partner&) = default;
};

// A fundraising campaign (社会募捐) with a target; donations may name it until it ends.
struct Campaign {
  VillageId village = 0;
  uint32_t campaign = 0;  // 1..kCampaignNumberMax
  std::string title;      // 1..kCampaignTitleBytesMax bytes of UTF-8
  uint64_t target_fen = 0;
  uint64_t ends_at_ns = 0;  // 0: until further notice
  std::string opened_by;
  uint64_t opened_at_ns = 0;
  // Read from the ledger (ListCampaigns): donations into the fund that named the campaign.
  uint64_t raised_fen = 0;
  uint64_t donations = 0;
};

enum class DonorKind : uint8_t { kPartner = 1, kPerson = 2, kAnonymous = 3 };
// How the fund's statement and board show the donor: as named, masked (张*明), or not at all.
enum class DonorShown : uint8_t { kName = 1, kMasked = 2, kHidden = 3 };
const char* DonorKindName(DonorKind kind);
const char* DonorShownName(DonorShown shown);

struct DonationRequest {
  VillageId village = 0;
  Id donation = 0;  // client-chosen, the idempotency key
  DonorKind donor_kind = DonorKind::kPerson;
  uint32_t partner = 0;    // kPartner: the registered partner
  std::string donor_name;  // kPerson: 1..kDonorNameBytesMax; kPartner and kAnonymous: empty
  DonorShown shown = DonorShown::kName;
  uint64_t fen = 0;       // 1..kDonationFenMax
  uint32_t campaign = 0;  // 0: none
  std::string note;       // optional, e.g. 用于修缮村口路灯
  std::string recorded_by;
  friend bool operator==(const DonationRequest&, const DonationRequest&) = default;
};

enum class DonationState : uint8_t {
  kRecording = 1,  // saved with its receipt number; its transfer is being submitted (repaired)
  kRecorded = 2,
  kRefused = 3,  // the ledger refused it: no money moved
};
const char* DonationStateName(DonationState state);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_FUND_VALUES_H_

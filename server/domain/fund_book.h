// The community micro-fund's money in (README.md, "The community micro-fund"; glossary:
// community micro-fund, partner organisation, donation, fundraising campaign): besides the levy
// that partner shops pay in with each cash sale (shop_book.h), donations from registered partner
// organisations and from named or anonymous people, optionally towards a fundraising campaign
// with a target. Each donation is one transfer on the village's money ledger
// (donor cash -> micro-fund) with a receipt number, idempotent by the client's donation id.
// Money out is for approved projects only (proposal_book.h).
//
// The fund's account carries the engine's floor debits_must_not_exceed_credits: nothing, not a
// reservation and not a payment, takes it below zero, and that is checked in the engine's one
// writer. A village set up before the floor existed keeps its old account (an account's flags
// never change): its fund takes money in but refuses to pay out (FAILED_PRECONDITION, saying so).
//
// Crash safety as in the shop book: the donation (with its receipt number) is saved before its
// transfer is submitted; Open counts a donation a crash left in between and Resume (resume.h)
// resubmits its transfer, and a resend of the same donation id finds the saved one. Fault points
// (fault_point.h): "fund.donate.after_intent" (saved, its transfer not yet sent) and
// "fund.donate.after_transfer" (the transfer committed, the outcome not yet saved). Blocking: calls
// wait for the ledger's group commit, so the server runs them on its reader pool.
//
// Storage (the domain store): "fund/org/" + village (4 bytes) + partner (4): partners;
// "fund/camp/" + village + campaign (4): campaigns; "fund/don/" + village + donation id (16):
// donations, each holding its receipt number.
#ifndef POINTS_SERVER_DOMAIN_FUND_BOOK_H_
#define POINTS_SERVER_DOMAIN_FUND_BOOK_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "domain_store.h"
#include "ids.h"
#include "points/engine.h"
#include "resume.h"

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

struct Donation {
  DonationRequest request;
  uint64_t receipt = 0;  // the village's receipt number, 1, 2, ... in the order recorded
  std::string donor;     // the donor's name as recorded (a partner's name at the time)
  DonationState state = DonationState::kRecording;
  uint64_t received_at_ns = 0;
  std::string refusal;
};
// The donor as the public sees it (DonorShown): the name, masked, or 匿名 (anonymous).
std::string PublicDonor(const Donation& donation);

// The micro-fund as the ledger has it now, in fen.
struct FundBalance {
  uint64_t balance = 0;    // posted credits - posted debits
  uint64_t reserved = 0;   // pending debits: approved projects not yet paid
  uint64_t available = 0;  // balance - reserved: what a new project may reserve
  bool floored = false;    // the account has its floor (false: set up before it; pays nothing)
};
absl::StatusOr<FundBalance> ReadFundBalance(const Engine& engine, VillageId village);

// The fund's money accounts, made if missing (a village set up before they existed), after
// checking the village is set up. With `to_pay_out`, also that the fund's account has its floor:
// FAILED_PRECONDITION otherwise. Checked before any transfer is sent: a transfer refused for a
// missing account keeps its id failed for ever (engine/README.md).
absl::Status EnsureFundAccounts(Engine& engine, VillageId village, bool to_pay_out);

class FundBook {
 public:
  // `engine`, `clock` and `store` must outlive the book. Only decodes and indexes: a donation a
  // crash left between saving and recording is counted, for Resume.
  static absl::StatusOr<std::unique_ptr<FundBook>> Open(Engine* engine, Clock* clock,
                                                        DomainStore* store);
  // Donations a crash left between saving and recording (resume.h), as Open found them less
  // those Resume has finished since.
  uint64_t interrupted() const;
  // Resubmits their transfers (the same ids). One that fails stays as it is: a resend of it, or
  // the next Resume, tries again.
  ResumeReport Resume();

  // Registers a partner or changes its name or kind (donations keep the name they were made
  // under).
  absl::StatusOr<Partner> PutPartner(const Partner& partner);
  absl::StatusOr<Partner> GetPartner(VillageId village, uint32_t partner) const;
  // The village's partners in number order.
  absl::StatusOr<std::vector<Partner>> ListPartners(VillageId village) const;

  // Opens a campaign. Idempotent by number: the same campaign again returns it; another under
  // a used number is ALREADY_EXISTS.
  absl::StatusOr<Campaign> OpenCampaign(const Campaign& campaign);
  // The village's campaigns in number order, with what each raised (from the ledger).
  absl::StatusOr<std::vector<Campaign>> ListCampaigns(VillageId village) const;

  // Records a donation: recorded (the money is in the fund) or refused with the reason.
  // Idempotent by donation id: the same donation again returns it with the same receipt and
  // moves nothing more; other content under a used id is ALREADY_EXISTS.
  absl::StatusOr<Donation> Donate(const DonationRequest& request);
  // NOT_FOUND when the village has no donation of that id.
  absl::StatusOr<Donation> GetDonation(VillageId village, Id donation) const;

 private:
  FundBook(Engine* engine, Clock* clock, DomainStore* store)
      : engine_(engine), clock_(clock), store_(store) {}
  // The request checked, with the donor's name (a partner's from the registry).
  absl::StatusOr<std::string> CheckDonation(const DonationRequest& request) const;
  // Saves a new donation with the next receipt number, or finds the one saved under its id.
  absl::StatusOr<Donation> SaveIntent(const DonationRequest& request, const std::string& donor);
  absl::Status Save(const Donation& donation);
  // Submits the donation's transfer and saves the outcome.
  absl::StatusOr<Donation> Submit(Donation donation);

  Engine* const engine_;
  Clock* const clock_;
  DomainStore* const store_;
  // Held while a donation id is checked and its intent saved (with the next receipt number),
  // never across a ledger call.
  mutable absl::Mutex mu_;
  std::map<VillageId, uint64_t> last_receipt_ ABSL_GUARDED_BY(mu_);
  // What Open found recording, by village and donation id, for Resume.
  std::vector<std::pair<VillageId, Id>> interrupted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_FUND_BOOK_H_

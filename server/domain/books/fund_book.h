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
// wait for the ledger's group commit, so the server runs them on its worker pool.
//
// Storage (the domain store): "fund/org/" + village (4 bytes) + partner (4): partners;
// "fund/camp/" + village + campaign (4): campaigns; "fund/don/" + village + donation id (16):
// donations, each holding its receipt number.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_FUND_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_FUND_BOOK_H_

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
#include "points/engine.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/store/resume.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/fund_values.h"
#include "server/domain/values/ids.h"

namespace points::domain {

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
  // One village's donation ids checked and intents saved in turn (its receipt numbers follow
  // each other), campaigns opened in turn; other villages do not wait (workflow.h).
  RecordLocks<VillageId> village_locks_;
  // Guards last_receipt_ only, never across a sync.
  mutable absl::Mutex mu_;
  std::map<VillageId, uint64_t> last_receipt_ ABSL_GUARDED_BY(mu_);
  // What Open found recording, by village and donation id, for Resume.
  InterruptedWork<std::pair<VillageId, Id>> interrupted_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_FUND_BOOK_H_

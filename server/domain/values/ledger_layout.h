// The ledger shapes of the points supermarket (README.md): the accounts a village has, and the
// linked chains that put an award on notice, post it and void it, with the budget and cap legs
// whose account floors make the engine refuse an award over a limit. Pure functions: they build
// engine values and submit nothing, so a workflow can resend the very same chain after a crash.
#ifndef POINTS_SERVER_DOMAIN_VALUES_LEDGER_LAYOUT_H_
#define POINTS_SERVER_DOMAIN_VALUES_LEDGER_LAYOUT_H_

#include <cstdint>
#include <vector>

#include "points/types.h"
#include "server/domain/values/codes.h"
#include "server/domain/values/ids.h"

namespace points::domain {

// Building blocks of every chain.
Account MakeAccount(Id id, uint32_t ledger, uint16_t code, uint16_t flags);
Transfer MakeTransfer(Id id, Id debit, Id credit, uint64_t amount, uint32_t ledger, uint16_t code);
// Links a chain: every event but the last carries kTransferLinked.
std::vector<Transfer> Linked(std::vector<Transfer> chain);

// The accounts every village has, on its three ledgers.
std::vector<Account> VillageAccounts(VillageId village);
Account HouseholdAccount(VillageId village, uint64_t household);

// The issuance budget of a period: an account that its funding transfer fills with `budget`
// points of allowance, which award legs then use up. Create the account, then fund it; both are
// idempotent by their ids.
Account BudgetAccount(VillageId village, uint32_t period);
Transfer BudgetFunding(VillageId village, uint32_t period, uint64_t budget);

// A household's cap for one rule in one window, created and funded on first use.
struct CapWindowRef {
  CapWindow window = CapWindow::kDay;
  uint32_t index = 0;  // which day, month or year (the caller numbers them)
  uint64_t limit = 0;  // points the household may earn by the rule in that window
  friend bool operator==(const CapWindowRef&, const CapWindowRef&) = default;
};
Account CapAccount(VillageId village, uint64_t household, uint32_t rule, const CapWindowRef& cap);
Transfer CapFunding(VillageId village, uint64_t household, uint32_t rule, const CapWindowRef& cap);

// What the ledger needs to know of an award (or a deduction).
struct AwardSpec {
  VillageId village = 0;
  Id award = 0;  // the client-chosen award id: its legs' ids derive from it
  uint64_t household = 0;
  uint32_t rule = 0;
  uint16_t code = kCodeHygiene;    // the rule's category; kCodeDeduction for a deduction
  uint64_t amount = 0;             // points, > 0
  uint32_t budget_period = 0;      // 0: no issuance budget applies
  std::vector<CapWindowRef> caps;  // the rule's caps (none for a deduction)
};

// The linked chain that puts the award on notice: every leg pending, all or nothing. Legs in
// order: budget, caps, then the points. A deduction is the points leg alone, household -> issuer.
std::vector<Transfer> OnNoticeChain(const AwardSpec& award);
// Post or void every pending leg of OnNoticeChain, as one linked chain.
std::vector<Transfer> PostChain(const AwardSpec& award);
std::vector<Transfer> VoidChain(const AwardSpec& award);

// The community micro-fund (fund_book.h, proposal_book.h), on the money ledger. The fund's
// account carries the floor debits_must_not_exceed_credits, so neither a reservation nor a
// payment can take it below zero, whatever races.
//
// The money accounts the fund moves between: the fund itself, the counterpart of donations and
// the account projects are paid into (every village has them; FundBook creates the last two for a
// village set up before they existed).
std::vector<Account> FundAccounts(VillageId village);
// A donation: donor cash -> micro-fund, posted at once; user data: the donation id, the receipt
// number and the campaign (0: none).
Transfer DonationTransfer(VillageId village, Id donation, uint64_t receipt, uint32_t campaign,
                          uint64_t fen);
// A project's reservation: micro-fund -> project payments, pending without a timeout (the
// committee's decision, not a clock, ends it); user data: the proposal's id and number.
Transfer SpendReservation(VillageId village, uint32_t proposal, uint32_t attempt, Id proposal_id,
                          uint64_t fen);
// The post (kPay) or void (kRelease) of that reservation.
Transfer SpendResolution(VillageId village, uint32_t proposal, uint32_t attempt, Id proposal_id,
                         SpendStep step);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_LEDGER_LAYOUT_H_

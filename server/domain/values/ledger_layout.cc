#include "server/domain/values/ledger_layout.h"

#include "points/check.h"

namespace points::domain {
namespace {

AwardLeg CapLeg(CapWindow window) {
  switch (window) {
    case CapWindow::kDay:
      return AwardLeg::kCapDay;
    case CapWindow::kMonth:
      return AwardLeg::kCapMonth;
    case CapWindow::kYear:
      return AwardLeg::kCapYear;
  }
  POINTS_CHECK(false);
  return AwardLeg::kCapDay;
}

// One pending leg of an award, before linking.
struct Leg {
  AwardLeg kind;
  Transfer transfer;
};

std::vector<Leg> Legs(const AwardSpec& award) {
  POINTS_CHECK(award.amount > 0);
  const Ledgers ledgers = LedgersOf(award.village);
  const Id limit_sink = ids::OfVillageAccount(award.village, VillageAccount::kLimitSink);
  const Id issuer = ids::OfVillageAccount(award.village, VillageAccount::kIssuer);
  const Id household = ids::Household(award.village, award.household);
  auto pending_id = [&](AwardLeg leg) {
    return ids::AwardTransfer(award.village, award.award, leg, AwardStep::kPending);
  };
  std::vector<Leg> legs;
  if (award.code == kCodeDeduction) {
    POINTS_CHECK(award.budget_period == 0);
    POINTS_CHECK(award.caps.empty());
    legs.push_back(
        {AwardLeg::kPoints, MakeTransfer(pending_id(AwardLeg::kPoints), household, issuer,
                                         award.amount, ledgers.points, award.code)});
    return legs;
  }
  if (award.budget_period != 0) {
    legs.push_back({AwardLeg::kBudget,
                    MakeTransfer(pending_id(AwardLeg::kBudget),
                                 ids::Budget(award.village, award.budget_period), limit_sink,
                                 award.amount, ledgers.limits, kCodeBudgetReservation)});
  }
  for (const CapWindowRef& cap : award.caps) {
    const AwardLeg leg = CapLeg(cap.window);
    legs.push_back(
        {leg,
         MakeTransfer(pending_id(leg),
                      ids::Cap(award.village, award.household, award.rule, cap.window, cap.index),
                      limit_sink, award.amount, ledgers.limits, kCodeCapReservation)});
  }
  legs.push_back({AwardLeg::kPoints, MakeTransfer(pending_id(AwardLeg::kPoints), issuer, household,
                                                  award.amount, ledgers.points, award.code)});
  return legs;
}

std::vector<Transfer> ResolveChain(const AwardSpec& award, AwardStep step) {
  std::vector<Transfer> chain;
  for (const Leg& leg : Legs(award)) {
    Transfer t;
    t.id = ids::AwardTransfer(award.village, award.award, leg.kind, step);
    t.pending_id = leg.transfer.id;
    t.flags =
        step == AwardStep::kPost ? kTransferPostPendingTransfer : kTransferVoidPendingTransfer;
    t.user_data_128 = award.award;
    t.user_data_32 = award.rule;
    chain.push_back(t);  // accounts, ledger, code and amount 0: those of the pending leg
  }
  return Linked(std::move(chain));
}

}  // namespace

Account MakeAccount(Id id, uint32_t ledger, uint16_t code, uint16_t flags) {
  Account a;
  a.id = id;
  a.ledger = ledger;
  a.code = code;
  a.flags = flags;
  return a;
}

Transfer MakeTransfer(Id id, Id debit, Id credit, uint64_t amount, uint32_t ledger, uint16_t code) {
  Transfer t;
  t.id = id;
  t.debit_account_id = debit;
  t.credit_account_id = credit;
  t.amount = amount;
  t.ledger = ledger;
  t.code = code;
  return t;
}

std::vector<Transfer> Linked(std::vector<Transfer> chain) {
  for (size_t i = 0; i + 1 < chain.size(); ++i) chain[i].flags |= kTransferLinked;
  return chain;
}

std::vector<Account> VillageAccounts(VillageId village) {
  const Ledgers ledgers = LedgersOf(village);
  auto id = [village](VillageAccount kind) { return ids::OfVillageAccount(village, kind); };
  std::vector<Account> accounts = {
      MakeAccount(id(VillageAccount::kIssuer), ledgers.points, kAccountCodeIssuer, kAccountHistory),
      MakeAccount(id(VillageAccount::kExpirySink), ledgers.points, kAccountCodeSink, 0),
      MakeAccount(id(VillageAccount::kCommitteeCash), ledgers.money, kAccountCodeCommitteeCash, 0),
      MakeAccount(id(VillageAccount::kLimitSource), ledgers.limits, kAccountCodeLimitSource, 0),
      MakeAccount(id(VillageAccount::kLimitSink), ledgers.limits, kAccountCodeSink, 0),
      MakeAccount(id(VillageAccount::kCashSales), ledgers.money, kAccountCodeSink, 0),
  };
  for (const Account& a : FundAccounts(village)) accounts.push_back(a);
  return accounts;
}

std::vector<Account> FundAccounts(VillageId village) {
  const uint32_t money = LedgersOf(village).money;
  auto id = [village](VillageAccount kind) { return ids::OfVillageAccount(village, kind); };
  return {
      MakeAccount(id(VillageAccount::kMicroFund), money, kAccountCodeMicroFund,
                  kAccountDebitsMustNotExceedCredits | kAccountHistory),
      MakeAccount(id(VillageAccount::kDonorCash), money, kAccountCodeSink, 0),
      MakeAccount(id(VillageAccount::kProjectPayments), money, kAccountCodeSink, kAccountHistory),
  };
}

Transfer DonationTransfer(VillageId village, Id donation, uint64_t receipt, uint32_t campaign,
                          uint64_t fen) {
  Transfer t = MakeTransfer(ids::Donation(village, donation),
                            ids::OfVillageAccount(village, VillageAccount::kDonorCash),
                            ids::OfVillageAccount(village, VillageAccount::kMicroFund), fen,
                            LedgersOf(village).money, kCodeDonation);
  t.user_data_128 = donation;
  t.user_data_64 = receipt;
  t.user_data_32 = campaign;
  return t;
}

Transfer SpendReservation(VillageId village, uint32_t proposal, uint32_t attempt, Id proposal_id,
                          uint64_t fen) {
  Transfer t = MakeTransfer(ids::ProjectSpend(village, proposal, attempt, SpendStep::kReserve),
                            ids::OfVillageAccount(village, VillageAccount::kMicroFund),
                            ids::OfVillageAccount(village, VillageAccount::kProjectPayments), fen,
                            LedgersOf(village).money, kCodeProjectSpend);
  t.flags = kTransferPending;  // no timeout: only the committee's decision ends a reservation
  t.user_data_128 = proposal_id;
  t.user_data_32 = proposal;
  return t;
}

Transfer SpendResolution(VillageId village, uint32_t proposal, uint32_t attempt, Id proposal_id,
                         SpendStep step) {
  POINTS_CHECK(step != SpendStep::kReserve);
  Transfer t;
  t.id = ids::ProjectSpend(village, proposal, attempt, step);
  t.pending_id = ids::ProjectSpend(village, proposal, attempt, SpendStep::kReserve);
  t.flags = step == SpendStep::kPay ? kTransferPostPendingTransfer : kTransferVoidPendingTransfer;
  t.user_data_128 = proposal_id;
  t.user_data_32 = proposal;
  return t;  // accounts, ledger, code and amount 0: those of the reservation
}

Account HouseholdAccount(VillageId village, uint64_t household) {
  // A household never spends points it has not got; its app watches it (history).
  return MakeAccount(ids::Household(village, household), LedgersOf(village).points,
                     kAccountCodeHousehold, kAccountDebitsMustNotExceedCredits | kAccountHistory);
}

Account BudgetAccount(VillageId village, uint32_t period) {
  return MakeAccount(ids::Budget(village, period), LedgersOf(village).limits, kAccountCodeBudget,
                     kAccountDebitsMustNotExceedCredits);
}

Transfer BudgetFunding(VillageId village, uint32_t period, uint64_t budget) {
  return MakeTransfer(ids::BudgetFunding(village, period),
                      ids::OfVillageAccount(village, VillageAccount::kLimitSource),
                      ids::Budget(village, period), budget, LedgersOf(village).limits,
                      kCodeLimitFunding);
}

Account CapAccount(VillageId village, uint64_t household, uint32_t rule, const CapWindowRef& cap) {
  return MakeAccount(ids::Cap(village, household, rule, cap.window, cap.index),
                     LedgersOf(village).limits, kAccountCodeCap,
                     kAccountDebitsMustNotExceedCredits);
}

Transfer CapFunding(VillageId village, uint64_t household, uint32_t rule, const CapWindowRef& cap) {
  return MakeTransfer(ids::CapFunding(village, household, rule, cap.window, cap.index),
                      ids::OfVillageAccount(village, VillageAccount::kLimitSource),
                      ids::Cap(village, household, rule, cap.window, cap.index), cap.limit,
                      LedgersOf(village).limits, kCodeLimitFunding);
}

std::vector<Transfer> OnNoticeChain(const AwardSpec& award) {
  std::vector<Transfer> chain;
  for (Leg& leg : Legs(award)) {
    leg.transfer.flags = kTransferPending;  // no timeout: the notice timer ends the window
    leg.transfer.user_data_128 = award.award;
    leg.transfer.user_data_32 = award.rule;
    chain.push_back(leg.transfer);
  }
  return Linked(std::move(chain));
}

std::vector<Transfer> PostChain(const AwardSpec& award) {
  return ResolveChain(award, AwardStep::kPost);
}

std::vector<Transfer> VoidChain(const AwardSpec& award) {
  return ResolveChain(award, AwardStep::kVoid);
}

}  // namespace points::domain

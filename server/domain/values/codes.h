// Every account code and transfer code the domain uses, in one list, so a number is never given
// twice and a statement or report can name any movement. Numbers are given once and never
// changed: they are in the journal.
#ifndef POINTS_SERVER_DOMAIN_VALUES_CODES_H_
#define POINTS_SERVER_DOMAIN_VALUES_CODES_H_

#include <cstdint>

namespace points::domain {

// What kind of account it is.
enum AccountCode : uint16_t {
  kAccountCodeIssuer = 1,
  kAccountCodeHousehold = 2,
  kAccountCodeShop = 3,
  kAccountCodeMicroFund = 4,
  kAccountCodeSink = 5,
  kAccountCodeCommitteeCash = 6,
  kAccountCodeLimitSource = 7,
  kAccountCodeBudget = 8,
  kAccountCodeCap = 9,
  kAccountCodeStock = 10,      // an item's stock at a shop (shop_layout.h)
  kAccountCodeTaskSlots = 11,  // a task's open slots (task_book.h)
};

// Why points, fen or limit units moved.
enum TransferCode : uint16_t {
  // Award categories (the rule catalogue's categories are these numbers).
  kCodeHygiene = 10,
  kCodeVolunteering = 11,
  kCodeVillageAgreement = 12,
  kCodeModelAward = 13,
  kCodeTask = 14,
  kCodeDeduction = 15,
  kCodeExpiry = 16,  // points lapsed at a year end: household -> expiry sink (expiry_book.h)
  kCodeOpeningBalance = 17,  // points carried over from a paper ledger when a scheme moves in
  // Shops (shop_layout.h).
  kCodeRedemption = 20,     // household -> shop points
  kCodeReturn = 21,         // shop points -> household, reversing a redemption
  kCodeSettlement = 22,     // shop points -> issuer: the points a settlement pays for
  kCodeSettlementPay = 23,  // committee cash -> shop money, in fen
  kCodeCashSale = 24,       // cash sales -> shop money: a member's cash purchase, after discount
  kCodeLevy = 25,           // shop money -> micro-fund: the share of revenue the shop pays in
  // The community micro-fund (fund_book.h, proposal_book.h).
  kCodeDonation = 26,      // donor cash -> micro-fund: a donation, with its receipt number
  kCodeProjectSpend = 27,  // micro-fund -> project payments: reserved on approval, paid when done
  // Control movements on the limits ledger.
  kCodeLimitFunding = 100,       // a budget or cap account receives its limit
  kCodeBudgetReservation = 101,  // an award's budget leg
  kCodeCapReservation = 102,     // an award's cap leg
  kCodeStockTaken = 103,         // stock -> limit sink
  kCodeStockReturned = 104,      // limit sink -> stock
  kCodeRestock = 105,            // limit source -> stock
  kCodeTaskSlotsFunding = 106,   // limit source -> slots, at posting
  kCodeTaskSlotTaken = 107,      // slots -> limit sink, 1 per claim
  kCodeTaskSlotsLapsed = 108,    // slots -> limit sink, the unclaimed rest at the deadline
};

// A transfer code's name as statements, reports and pointsctl print it ("code_?" when unknown).
inline const char* TransferCodeName(uint16_t code) {
  switch (code) {
    case kCodeHygiene:
      return "hygiene";
    case kCodeVolunteering:
      return "volunteering";
    case kCodeVillageAgreement:
      return "village_agreement";
    case kCodeModelAward:
      return "model_award";
    case kCodeTask:
      return "task";
    case kCodeDeduction:
      return "deduction";
    case kCodeExpiry:
      return "expiry";
    case kCodeOpeningBalance:
      return "opening_balance";
    case kCodeRedemption:
      return "redemption";
    case kCodeReturn:
      return "return";
    case kCodeSettlement:
      return "settlement";
    case kCodeSettlementPay:
      return "settlement_pay";
    case kCodeCashSale:
      return "cash_sale";
    case kCodeLevy:
      return "levy";
    case kCodeDonation:
      return "donation";
    case kCodeProjectSpend:
      return "project_spend";
    case kCodeLimitFunding:
      return "limit_funding";
    case kCodeBudgetReservation:
      return "budget_reservation";
    case kCodeCapReservation:
      return "cap_reservation";
    case kCodeStockTaken:
      return "stock_taken";
    case kCodeStockReturned:
      return "stock_returned";
    case kCodeRestock:
      return "restock";
    case kCodeTaskSlotsFunding:
      return "task_slots_funding";
    case kCodeTaskSlotTaken:
      return "task_slot_taken";
    case kCodeTaskSlotsLapsed:
      return "task_slots_lapsed";
  }
  return "code_?";
}

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_CODES_H_

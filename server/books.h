// Every book of the points supermarket over one engine and one domain store: the one place that
// wires the domain together. Members are declared in dependency order (a book only points at
// those above it), so construction and destruction are right by construction. pointsd's
// Server (server.h) opens them to serve; `pointsd verify` opens them over read-only stores,
// where Open only decodes, and reads what a crash interrupted without resuming it.
#ifndef POINTS_SERVER_BOOKS_H_
#define POINTS_SERVER_BOOKS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "audit_journal.h"
#include "award_book.h"
#include "disclosure.h"
#include "domain_store.h"
#include "expiry_book.h"
#include "fund_book.h"
#include "household_book.h"
#include "metrics.h"
#include "offline_book.h"
#include "org_book.h"
#include "payment_book.h"
#include "points/engine.h"
#include "principal_book.h"
#include "proposal_book.h"
#include "rating_book.h"
#include "rating_round_book.h"
#include "rule_book.h"
#include "shop_book.h"
#include "task_book.h"

namespace points::server {

class Books {
 public:
  // Opens every book; the first that fails names itself ("open the task book: ...").
  static absl::StatusOr<std::unique_ptr<Books>> Open(Engine* engine, domain::DomainStore* store,
                                                     const domain::AwardPolicy& policy);

  Books(const Books&) = delete;
  Books& operator=(const Books&) = delete;

  // Sends on what a crash left between a saved intent and its outcome (domain/resume.h), once
  // every book is open and before pointsd serves: logged and counted. One that fails is logged
  // as an error and stays interrupted, for a client's resend or the next start.
  void Resume(Metrics& metrics);

  const domain::AwardPolicy policy;
  domain::RuleBook rules;
  std::unique_ptr<domain::AwardBook> awards;
  std::unique_ptr<domain::ShopBook> shops;
  domain::OrgBook org;
  domain::HouseholdBook households;
  std::unique_ptr<domain::ExpiryBook> expiry;
  std::unique_ptr<domain::PrincipalBook> principals;
  std::unique_ptr<domain::AuditJournal> audit;
  std::unique_ptr<domain::PaymentBook> payments;
  std::unique_ptr<domain::OfflineBook> offline;
  std::unique_ptr<domain::TaskBook> tasks;
  std::unique_ptr<domain::FundBook> fund;
  std::unique_ptr<domain::ProposalBook> proposals;
  std::unique_ptr<domain::RatingBook> ratings;
  std::unique_ptr<domain::RatingRoundBook> rounds;
  std::unique_ptr<const domain::Disclosure> disclosure;

 private:
  Books(Engine* engine, domain::DomainStore* store, const domain::AwardPolicy& policy);
  absl::Status OpenAll(Engine* engine, domain::DomainStore* store);
};

}  // namespace points::server

#endif  // POINTS_SERVER_BOOKS_H_

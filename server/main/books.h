// Every book of the points supermarket over one engine and one domain store: the one place that
// wires the domain together. Members are declared in dependency order (a book only points at
// those above it), so construction and destruction are right by construction. pointsd's
// Server (server.h) opens them to serve; `pointsd verify` opens them over read-only stores,
// where Open only decodes, and reads what a crash interrupted without resuming it.
#ifndef POINTS_SERVER_MAIN_BOOKS_H_
#define POINTS_SERVER_MAIN_BOOKS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "points/engine.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/disclosure.h"
#include "server/domain/books/expiry_book.h"
#include "server/domain/books/fund_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/offline_book.h"
#include "server/domain/books/org_book.h"
#include "server/domain/books/payment_book.h"
#include "server/domain/books/principal_book.h"
#include "server/domain/books/proposal_book.h"
#include "server/domain/books/rating_book.h"
#include "server/domain/books/rating_round_book.h"
#include "server/domain/books/rule_book.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/books/task_book.h"
#include "server/domain/store/audit_journal.h"
#include "server/domain/store/domain_store.h"
#include "server/ops/metrics.h"

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

#endif  // POINTS_SERVER_MAIN_BOOKS_H_

#include "server/main/books.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/ops/log.h"
#include "server/services/community_service.h"

namespace points::server {
namespace {

// Keeps an opened book, or says which one failed.
template <typename T>
absl::Status Take(absl::StatusOr<std::unique_ptr<T>> opened, std::unique_ptr<T>& into,
                  const char* name) {
  if (!opened.ok()) {
    return absl::Status(opened.status().code(),
                        absl::StrCat("open the ", name, ": ", opened.status().message()));
  }
  into = *std::move(opened);
  return absl::OkStatus();
}

}  // namespace

Books::Books(Engine* engine, domain::DomainStore* store, const domain::AwardPolicy& award_policy)
    : policy(award_policy),
      rules(SystemClock(), store),
      org(store),
      households(engine, store, &org) {}

absl::StatusOr<std::unique_ptr<Books>> Books::Open(Engine* engine, domain::DomainStore* store,
                                                   const domain::AwardPolicy& policy) {
  std::unique_ptr<Books> books(new Books(engine, store, policy));
  if (absl::Status s = books->OpenAll(engine, store); !s.ok()) return s;
  return books;
}

absl::Status Books::OpenAll(Engine* engine, domain::DomainStore* store) {
  Clock* clock = SystemClock();
  absl::Status s =
      Take(domain::AwardBook::Open(engine, clock, store, policy, &rules), awards, "award book");
  if (s.ok()) s = Take(domain::ShopBook::Open(engine, clock, store), shops, "shop book");
  if (s.ok()) {
    s = Take(domain::ExpiryBook::Open(engine, clock, store, &households, policy.utc_offset_seconds),
             expiry, "expiry book");
  }
  if (s.ok()) s = Take(domain::PrincipalBook::Open(clock, store), principals, "principal book");
  if (s.ok()) s = Take(domain::AuditJournal::Open(clock, store), audit, "operator audit journal");
  if (s.ok()) s = Take(domain::PaymentBook::Open(clock, store), payments, "payment book");
  if (s.ok()) {
    s = Take(domain::OfflineBook::Open(clock, store, payments.get()), offline, "offline book");
  }
  if (s.ok()) {
    s = Take(domain::TaskBook::Open(engine, clock, store, awards.get(), &rules), tasks,
             "task book");
  }
  if (s.ok()) s = Take(domain::FundBook::Open(engine, clock, store), fund, "fund book");
  if (s.ok()) {
    s = Take(domain::ProposalBook::Open(engine, clock, store, &households,
                                        {policy.notice_window_ns, domain::kPayoutReviewFenDefault}),
             proposals, "proposal book");
  }
  if (!s.ok()) return s;
  ratings = std::make_unique<domain::RatingBook>(
      shops.get(), clock, store,
      [task_book = tasks.get()](domain::VillageId village, uint32_t task, uint64_t household) {
        return task_book->CheckRatable(village, task, household);
      });
  rounds = std::make_unique<domain::RatingRoundBook>(
      clock, store, &households,
      MakeRoundChecker(proposals.get(), tasks.get(), &households, shops.get(), fund.get()));
  disclosure = std::make_unique<const domain::Disclosure>(domain::DisclosureSources{
      engine, awards.get(), &households, shops.get(), ratings.get(), policy.utc_offset_seconds,
      rounds.get(), fund.get(), offline.get()});
  return absl::OkStatus();
}

void Books::Resume(Metrics& metrics) {
  // Awards first: a task's interrupted verification records its award (Record would finish an
  // approving one itself, but then the award's own count would miss it).
  const domain::ResumeReport reports[] = {awards->Resume(), shops->Resume(), tasks->Resume(),
                                          fund->Resume(), proposals->Resume()};
  const char* const names[] = {"awards", "shops", "tasks", "fund", "proposals"};
  uint64_t resumed = 0;
  uint64_t failed = 0;
  for (size_t i = 0; i < std::size(names); ++i) {
    metrics.OnWorkflowsResumed(names[i], reports[i].resumed, reports[i].failed);
    resumed += reports[i].resumed;
    failed += reports[i].failed;
    for (const domain::ResumeError& error : reports[i].errors) {
      Log(LogLevel::kError, "workflow_resume_failed",
          "could not resume a step a crash interrupted: it stays so, tried again at the next "
          "start or by a resend",
          {{"book", names[i]}, {"item", error.item}, {"status", error.status.ToString()}});
    }
  }
  if (resumed + failed == 0) return;
  Log(LogLevel::kInfo, "workflows_resumed", "resumed the workflow steps a crash interrupted",
      {{"awards", reports[0].resumed},
       {"shops", reports[1].resumed},
       {"tasks", reports[2].resumed},
       {"fund", reports[3].resumed},
       {"proposals", reports[4].resumed},
       {"failed", failed}});
}

}  // namespace points::server

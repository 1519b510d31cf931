#include "server/domain/books/award_book.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "points/results.h"
#include "server/domain/books/household_book.h"
#include "server/domain/store/fault_point.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/number_range.h"
#include "server/domain/values/text.h"
#include "server/domain/values/village_time.h"

namespace points::domain {
namespace {

using TR = CreateTransferResult;

std::string VillagePrefix(const char* kind, VillageId village) {
  return absl::StrCat(kind, BigEndian(village, 4));
}

std::string AwardKey(VillageId village, Id award) {
  return absl::StrCat(VillagePrefix(keys::kAward, village),
                      BigEndian(absl::Uint128High64(award), 8),
                      BigEndian(absl::Uint128Low64(award), 8));
}

std::string BudgetKey(VillageId village, uint32_t period) {
  return absl::StrCat(VillagePrefix(keys::kAwardBudget, village), BigEndian(period, 4));
}

template <typename Result>
absl::Status AllAccepted(const absl::StatusOr<std::vector<Result>>& results, const char* what) {
  if (!results.ok()) return results.status();
  for (const auto& r : *results) {
    if (!Accepted(r.result)) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, " refused by the ledger: ", std::string(ResultName(r.result))));
    }
  }
  return absl::OkStatus();
}

// Why the ledger refused an award's chain, from the first result that is not a linked failure.
std::string RefusalOf(const Award& award, const ChainOutcome& outcome) {
  std::vector<std::string> legs;
  if (award.budget_period != 0) legs.push_back("the issuance budget is used up");
  for (const CapWindowRef& cap : award.caps) {
    const char* window = cap.window == CapWindow::kDay     ? "day"
                         : cap.window == CapWindow::kMonth ? "month"
                                                           : "year";
    legs.push_back(
        absl::StrCat("the household's cap per ", window, " (", cap.limit, " points) is reached"));
  }
  legs.push_back(award.request.rule.code == kCodeDeduction
                     ? "the deduction is larger than the household's balance"
                     : "the household cannot receive it");
  const TR r = outcome.refused_result;
  if (r == TR::kLinkedEventFailed) return "refused";
  const size_t i = outcome.refused_index;
  const std::string name(ResultName(r));
  return r == TR::kExceedsCredits && i < legs.size() ? absl::StrCat(legs[i], " (", name, ")")
                                                     : name;
}

}  // namespace

AwardBook::AwardBook(Engine* engine, Clock* clock, DomainStore* store, AwardPolicy policy,
                     const RuleBook* rules)
    : engine_(engine), clock_(clock), store_(store), policy_(policy), rules_(rules) {}

absl::StatusOr<std::unique_ptr<AwardBook>> AwardBook::Open(Engine* engine, Clock* clock,
                                                           DomainStore* store, AwardPolicy policy,
                                                           const RuleBook* rules) {
  std::unique_ptr<AwardBook> book(new AwardBook(engine, clock, store, policy, rules));
  std::vector<std::pair<VillageId, Id>> interrupted;
  absl::Status status = ScanRecords(*store, keys::kAward, DecodeAward, [&](Award award) {
    book->TrackNotice(award);
    if (award.state == AwardState::kApproving) {
      interrupted.emplace_back(award.request.village, award.request.award);
    }
  });
  if (!status.ok()) return status;
  if (absl::Status s = book->interrupted_.Set(std::move(interrupted)); !s.ok()) return s;
  return book;
}

uint64_t AwardBook::interrupted() const { return interrupted_.count(); }

ResumeReport AwardBook::Resume() {
  using Key = std::pair<VillageId, Id>;
  return interrupted_.Resume(
      [&](const Key& key) {
        auto held = award_locks_.Lock(key);
        absl::StatusOr<Award> award = Load(key.first, key.second);
        if (!award.ok()) return award.status();
        if (award->state != AwardState::kApproving) return absl::OkStatus();  // a resend did it
        // The same chain again: its ids answer exists where the first attempt got through.
        return PutOnNotice(*std::move(award)).status();
      },
      [](const Key& key) { return ItemName("award", key.first, key.second); });
}

absl::Status AwardBook::SetUpVillage(VillageId village) {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  const std::vector<Account> accounts = VillageAccounts(village);
  absl::StatusOr<std::vector<AccountEventResult>> results = engine_->CreateAccounts(accounts);
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < results->size(); ++i) {
    const AccountEventResult& r = (*results)[i];
    // A village set up before the micro-fund had its floor keeps its fund account as it was
    // (flags never change); the fund then takes money in but pays nothing out (fund_book.h).
    const bool legacy_fund =
        r.result == CreateAccountResult::kExistsWithDifferentFlags &&
        accounts[i].id == ids::OfVillageAccount(village, VillageAccount::kMicroFund);
    if (!Accepted(r.result) && !legacy_fund) {
      return absl::FailedPreconditionError(absl::StrCat("village accounts refused by the ledger: ",
                                                        std::string(ResultName(r.result))));
    }
  }
  return absl::OkStatus();
}

absl::Status AwardBook::SetUpHousehold(VillageId village, uint64_t household) {
  return CreateHouseholdAccount(*engine_, village, household);
}

// Checked before anything is saved or submitted: a transfer that fails for a missing account
// records its id as failed for good (engine/README.md), so a step sent before its accounts exist
// could never succeed later.
absl::Status AwardBook::CheckAccountsExist(VillageId village, uint64_t household) const {
  std::vector<Id> needed = {ids::OfVillageAccount(village, VillageAccount::kIssuer),
                            ids::OfVillageAccount(village, VillageAccount::kLimitSource),
                            ids::OfVillageAccount(village, VillageAccount::kLimitSink)};
  if (household != 0) needed.push_back(ids::Household(village, household));
  absl::StatusOr<std::vector<Account>> found = engine_->LookupAccounts(needed);
  if (!found.ok()) return found.status();
  if (found->size() < 3 || (*found)[0].id != needed[0] || (*found)[1].id != needed[1] ||
      (*found)[2].id != needed[2]) {
    return absl::FailedPreconditionError(
        absl::StrCat("village ", village, " is not set up: create the village first"));
  }
  if (found->size() != needed.size()) {
    return absl::FailedPreconditionError(absl::StrCat("household ", household, " of village ",
                                                      village, " has no account: create it first"));
  }
  return absl::OkStatus();
}

absl::Status AwardBook::SetBudget(VillageId village, uint32_t period, uint64_t points) {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  if (period == 0 || points == 0) {
    return absl::InvalidArgumentError("period and points must not be zero");
  }
  if (points > kBudgetPointsMax) {
    return absl::InvalidArgumentError(absl::StrCat("points: at most ", kBudgetPointsMax));
  }
  if (absl::Status s = CheckAccountsExist(village, 0); !s.ok()) return s;
  auto held = budget_locks_.Lock({village, period});
  absl::StatusOr<std::string> set = store_->Get(BudgetKey(village, period));
  if (set.ok() && *set != BigEndian(points, 8)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the budget of period ", period, " is already set"));
  }
  if (!set.ok() && set.status().code() != absl::StatusCode::kNotFound) return set.status();
  if (absl::Status s =
          AllAccepted(engine_->CreateAccounts({BudgetAccount(village, period)}), "budget account");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = AllAccepted(
          engine_->CreateTransfers({BudgetFunding(village, period, points)}), "budget funding");
      !s.ok()) {
    return s;
  }
  return store_->Put(BudgetKey(village, period), BigEndian(points, 8));
}

absl::Status AwardBook::Save(const Award& award) {
  return store_->Put(AwardKey(award.request.village, award.request.award), EncodeAward(award));
}

absl::StatusOr<Award> AwardBook::Load(VillageId village, Id award) const {
  absl::StatusOr<std::string> bytes = store_->Get(AwardKey(village, award));
  if (!bytes.ok()) {
    if (bytes.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError("no such award in this village");
    }
    return bytes.status();
  }
  return DecodeAward(*bytes);
}

void AwardBook::TrackNotice(const Award& award) {
  absl::MutexLock lock(&mu_);
  const auto key =
      std::make_tuple(award.notice_ends_at_ns, award.request.village, award.request.award);
  if (award.state == AwardState::kOnNotice) {
    on_notice_.insert(key);
  } else {
    on_notice_.erase(key);
  }
}

absl::StatusOr<AwardRequest> AwardBook::WithCatalogueRule(const AwardRequest& request,
                                                          const absl::StatusOr<Award>& existing,
                                                          Scoring scoring) const {
  if (rules_ == nullptr) return request;
  AwardRequest scored = request;
  absl::StatusOr<CatalogueRule> rule;
  if (existing.ok() && existing->request.rule.rule == request.rule.rule &&
      (request.rule.version == 0 || request.rule.version == existing->request.rule.version)) {
    // A resend is scored as the award was, even if a later version has taken effect since (or
    // the award is older than the catalogue, which then has no such version).
    rule = rules_->Get(request.village, request.rule.rule, existing->request.rule.version);
    if (!rule.ok() && rule.status().code() == absl::StatusCode::kNotFound) {
      scored.rule = existing->request.rule;
      return scored;
    }
  } else if (scoring == Scoring::kAsPromised && request.rule.version != 0) {
    rule = rules_->Get(request.village, request.rule.rule, request.rule.version);
  } else {
    rule = rules_->Resolve(request.village, request.rule.rule, request.rule.version,
                           clock_->NowNanos());
  }
  if (!rule.ok()) return rule.status();
  scored.rule = rule->rule;
  return scored;
}

absl::StatusOr<Award> AwardBook::Record(const AwardRequest& unscored, Scoring scoring) {
  if (absl::Status s = CheckVillage(unscored.village); !s.ok()) {
    return s;
  }
  auto held = award_locks_.Lock({unscored.village, unscored.award});
  absl::StatusOr<Begun> begun = Begin(unscored, scoring);
  if (!begun.ok()) return begun.status();
  if (begun->fresh) {
    if (absl::Status s = Save(begun->award); !s.ok()) return s;
  }
  return Continue(*std::move(begun));
}

std::vector<absl::StatusOr<Award>> AwardBook::RecordRound(const std::vector<AwardRequest>& requests,
                                                          Scoring scoring) {
  std::vector<absl::StatusOr<Award>> results;
  results.reserve(requests.size());
  size_t begin = 0;
  while (begin < requests.size()) {
    // A slice: at most kRoundSliceAwards, ending before an award id it already has (a resend
    // within the round is recorded after its original, as if sent after it).
    absl::flat_hash_set<std::pair<VillageId, Id>> ids;
    size_t end = begin;
    while (end < requests.size() && end - begin < kRoundSliceAwards &&
           ids.insert({requests[end].village, requests[end].award}).second) {
      ++end;
    }
    RecordSlice(requests, begin, end, scoring, &results);
    begin = end;
  }
  POINTS_CHECK(results.size() == requests.size());
  return results;
}

void AwardBook::RecordSlice(const std::vector<AwardRequest>& requests, size_t begin, size_t end,
                            Scoring scoring, std::vector<absl::StatusOr<Award>>* results) {
  // Every award's lock, in key order, so that two rounds sharing awards cannot deadlock.
  std::vector<std::pair<VillageId, Id>> keys;
  for (size_t i = begin; i < end; ++i) keys.push_back({requests[i].village, requests[i].award});
  std::sort(keys.begin(), keys.end());
  std::vector<std::unique_ptr<RecordLocks<std::pair<VillageId, Id>>::Held>> held;
  for (const auto& key : keys) held.emplace_back(new auto(award_locks_.Lock(key)));

  std::vector<absl::StatusOr<Begun>> begun;
  std::vector<StoreWrite> writes;
  for (size_t i = begin; i < end; ++i) {
    absl::Status village = CheckVillage(requests[i].village);
    begun.push_back(village.ok() ? Begin(requests[i], scoring) : village);
    if (begun.back().ok() && begun.back()->fresh) {
      const Award& award = begun.back()->award;
      writes.push_back({AwardKey(award.request.village, award.request.award), EncodeAward(award)});
    }
  }
  // The slice's new awards in one synced write: a round is one sync, not one per household.
  const absl::Status saved = writes.empty() ? absl::OkStatus() : store_->Write(writes);
  for (absl::StatusOr<Begun>& one : begun) {
    if (!one.ok()) {
      results->push_back(one.status());
    } else if (one->fresh && !saved.ok()) {
      results->push_back(saved);
    } else {
      results->push_back(Continue(*std::move(one)));
    }
  }
}

absl::StatusOr<AwardBook::Begun> AwardBook::Begin(const AwardRequest& unscored, Scoring scoring) {
  absl::StatusOr<Award> existing = Load(unscored.village, unscored.award);
  absl::StatusOr<AwardRequest> request = WithCatalogueRule(unscored, existing, scoring);
  if (!request.ok()) return request.status();
  absl::StatusOr<uint64_t> amount = AwardAmount(*request);
  if (!amount.ok()) return amount.status();
  if (existing.ok()) {
    if (existing->request != *request) {
      return absl::AlreadyExistsError("this award id was used for a different award");
    }
    return Begun{*std::move(existing), /*fresh=*/false};
  }
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  if (absl::Status s = CheckAccountsExist(request->village, request->household); !s.ok()) return s;

  Award award;
  award.request = *request;
  award.amount = *amount;
  award.recorded_at_ns = clock_->NowNanos();
  const CivilDate date = CivilDateOf(award.recorded_at_ns, policy_.utc_offset_seconds);
  absl::StatusOr<std::string> budget = store_->Get(BudgetKey(request->village, date.month));
  if (budget.ok()) {
    award.budget_period = date.month;
  } else if (budget.status().code() != absl::StatusCode::kNotFound) {
    return budget.status();
  }
  if (request->rule.cap_per_day != 0) {
    award.caps.push_back({CapWindow::kDay, date.day, request->rule.cap_per_day});
  }
  if (request->rule.cap_per_month != 0) {
    award.caps.push_back({CapWindow::kMonth, date.month, request->rule.cap_per_month});
  }
  if (request->rule.cap_per_year != 0) {
    award.caps.push_back({CapWindow::kYear, date.year, request->rule.cap_per_year});
  }
  if (request->rule.code == kCodeDeduction) award.budget_period = 0;  // deductions issue nothing
  const bool needs_review = award.amount > policy_.review_threshold_points;
  award.state = needs_review ? AwardState::kAwaitingReview : AwardState::kApproving;
  return Begun{std::move(award), /*fresh=*/true};
}

absl::StatusOr<Award> AwardBook::Continue(Begun begun) {
  if (!begun.fresh) {
    // A resend finishes an approval that an error interrupted (the same chain, the same ids).
    if (begun.award.state == AwardState::kApproving) return PutOnNotice(std::move(begun.award));
    return std::move(begun.award);
  }
  if (begun.award.state == AwardState::kAwaitingReview) return std::move(begun.award);
  FaultPoint("award.record.after_intent");  // saved approving, its chain not yet submitted
  return PutOnNotice(std::move(begun.award));
}

absl::StatusOr<Award> AwardBook::Approve(VillageId village, Id award_id,
                                         const std::string& reviewer) {
  if (reviewer.empty() || reviewer.size() > kPersonBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("reviewer must name a person in 1..", kPersonBytesMax, " bytes"));
  }
  auto held = award_locks_.Lock({village, award_id});
  absl::StatusOr<Award> award = Load(village, award_id);
  if (!award.ok()) return award.status();
  if (award->state != AwardState::kAwaitingReview) {
    if (award->reviewed_by == reviewer && award->state == AwardState::kApproving) {
      return PutOnNotice(*std::move(award));  // a resend finishes an interrupted approval
    }
    if (award->reviewed_by == reviewer) return award;  // a resent approval
    return absl::FailedPreconditionError(
        absl::StrCat("the award is ", AwardStateName(award->state), ", not awaiting review"));
  }
  if (reviewer == award->request.recorded_by) {
    return absl::PermissionDeniedError("a second person must approve: not the one who recorded");
  }
  award->reviewed_by = reviewer;
  award->state = AwardState::kApproving;
  if (absl::Status s = Save(*award); !s.ok()) return s;
  return PutOnNotice(*std::move(award));
}

absl::Status AwardBook::EnsureCaps(const Award& award) {
  if (award.caps.empty()) return absl::OkStatus();
  std::vector<Account> accounts;
  std::vector<Transfer> fundings;
  for (const CapWindowRef& cap : award.caps) {
    accounts.push_back(
        CapAccount(award.request.village, award.request.household, award.request.rule.rule, cap));
    fundings.push_back(
        CapFunding(award.request.village, award.request.household, award.request.rule.rule, cap));
  }
  if (absl::Status s = AllAccepted(engine_->CreateAccounts(accounts), "cap accounts"); !s.ok()) {
    return s;
  }
  // A cap funded earlier in the window (by an earlier award) answers exists: the first funding
  // of a window stands, even if a later rule version changed the cap.
  absl::StatusOr<std::vector<TransferEventResult>> funded = engine_->CreateTransfers(fundings);
  if (!funded.ok()) return funded.status();
  for (const TransferEventResult& r : *funded) {
    if (!Accepted(r.result) && r.result != TR::kExistsWithDifferentAmount) {
      return absl::FailedPreconditionError(
          absl::StrCat("cap funding refused by the ledger: ", std::string(ResultName(r.result))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Award> AwardBook::PutOnNotice(Award award) {
  if (absl::Status s = EnsureCaps(award); !s.ok()) {
    if (s.code() != absl::StatusCode::kFailedPrecondition) return s;  // unknown: resend later
    award.state = AwardState::kRefused;                               // the ledger said no for good
    award.refusal = std::string(s.message());
    if (absl::Status saved = Save(award); !saved.ok()) return saved;
    return award;
  }
  std::vector<Transfer> chain = OnNoticeChain(LedgerSpecOf(award));
  // An engine error is an unknown outcome: Resume or a resend submits the same chain again.
  return SubmitStep<Award>(
      *engine_, std::move(chain), "award.approve.after_chain", std::move(award),
      [&](Award& a, const ChainOutcome& outcome) {
        if (outcome.accepted) {
          a.state = AwardState::kOnNotice;
          a.notice_ends_at_ns = clock_->NowNanos() + policy_.notice_window_ns;
        } else {
          a.state = AwardState::kRefused;
          a.refusal = RefusalOf(a, outcome);
        }
      },
      [&](const Award& a) {
        if (absl::Status s = Save(a); !s.ok()) return s;
        TrackNotice(a);
        return absl::OkStatus();
      });
}

absl::StatusOr<Award> AwardBook::Object(VillageId village, Id award_id, const std::string& by,
                                        const std::string& reason) {
  if (by.empty() || by.size() > kPersonBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("by must name a person in 1..", kPersonBytesMax, " bytes"));
  }
  if (reason.empty() || reason.size() > kNoteBytesMax || !IsUtf8(reason)) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason must say why, in 1..", kNoteBytesMax, " bytes of UTF-8"));
  }
  auto held = award_locks_.Lock({village, award_id});
  absl::StatusOr<Award> award = Load(village, award_id);
  if (!award.ok()) return award.status();
  if (award->state == AwardState::kHeld && award->objected_by == by && award->objection == reason) {
    return award;  // a resent objection
  }
  if (award->state != AwardState::kOnNotice) {
    return absl::FailedPreconditionError(
        absl::StrCat("the award is ", AwardStateName(award->state), ", not on notice"));
  }
  if (clock_->NowNanos() >= award->notice_ends_at_ns) {
    return absl::FailedPreconditionError("the notice window has ended");
  }
  award->state = AwardState::kHeld;
  award->objected_by = by;
  award->objection = reason;
  if (absl::Status s = Save(*award); !s.ok()) return s;
  TrackNotice(*award);  // only once saved: a failed save leaves it on notice in both places
  return award;
}

absl::StatusOr<Award> AwardBook::Decide(VillageId village, Id award_id, bool keep,
                                        const std::string& by) {
  if (by.empty() || by.size() > kPersonBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("by must name a person in 1..", kPersonBytesMax, " bytes"));
  }
  auto held = award_locks_.Lock({village, award_id});
  absl::StatusOr<Award> award = Load(village, award_id);
  if (!award.ok()) return award.status();
  if (award->state != AwardState::kHeld) {
    const bool resent = award->decided_by == by && (keep ? award->state == AwardState::kOnNotice ||
                                                               award->state == AwardState::kPosted
                                                         : award->state == AwardState::kVoided);
    if (resent) return award;  // the answer to the first attempt was lost
    return absl::FailedPreconditionError(
        absl::StrCat("the award is ", AwardStateName(award->state), ", not held"));
  }
  award->decided_by = by;
  if (keep) {
    award->state = AwardState::kOnNotice;
    if (absl::Status s = Save(*award); !s.ok()) return s;
    TrackNotice(*award);
    if (clock_->NowNanos() >= award->notice_ends_at_ns) return PostOne(*std::move(award));
    return award;
  }
  absl::Status voided =
      AllAccepted(engine_->CreateTransfers(VoidChain(LedgerSpecOf(*award))), "void");
  if (!voided.ok()) return voided;
  award->state = AwardState::kVoided;
  if (absl::Status s = Save(*award); !s.ok()) return s;
  return award;
}

absl::StatusOr<Award> AwardBook::PostOne(Award award) {
  absl::StatusOr<std::vector<TransferEventResult>> results =
      engine_->CreateTransfers(PostChain(LedgerSpecOf(award)));
  if (!results.ok()) return results.status();
  bool accepted = true;
  for (const TransferEventResult& r : *results) accepted &= Accepted(r.result);
  if (!accepted && (*results)[0].result == TR::kPendingTransferAlreadyVoided) {
    // A void committed before a crash kept its state from being saved: it is voided.
    award.state = AwardState::kVoided;
    if (absl::Status s = Save(award); !s.ok()) return s;
    TrackNotice(award);
    return award;
  }
  if (!accepted) {
    return absl::FailedPreconditionError(absl::StrCat(
        "post refused by the ledger: ", std::string(ResultName((*results)[0].result))));
  }
  award.state = AwardState::kPosted;
  if (absl::Status s = Save(award); !s.ok()) return s;
  TrackNotice(award);
  return award;
}

absl::StatusOr<size_t> AwardBook::PostDue() {
  const uint64_t now = clock_->NowNanos();
  std::vector<std::tuple<uint64_t, VillageId, Id>> due;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& entry : on_notice_) {
      if (std::get<0>(entry) > now) break;
      due.push_back(entry);
    }
  }
  // One award that cannot be posted must not hold up the others behind it: its error is
  // reported after the rest were tried, and it is tried again at the next tick.
  size_t posted = 0;
  absl::Status first_error;
  for (const auto& [ends_at, village, award_id] : due) {
    auto held = award_locks_.Lock({village, award_id});
    absl::StatusOr<Award> award = Load(village, award_id);
    if (award.ok() && award->state != AwardState::kOnNotice) {
      absl::MutexLock lock(&mu_);
      on_notice_.erase(std::make_tuple(ends_at, village, award_id));  // the store knows better
      continue;
    }
    absl::StatusOr<Award> done = award.ok() ? PostOne(*std::move(award)) : award;
    if (done.ok() && done->state == AwardState::kPosted) ++posted;
    if (!done.ok() && first_error.ok()) first_error = done.status();
  }
  if (!first_error.ok()) return first_error;
  return posted;
}

absl::StatusOr<Award> AwardBook::Get(VillageId village, Id award) const {
  return Load(village, award);
}

absl::StatusOr<std::vector<Award>> AwardBook::List(VillageId village, AwardState state) const {
  std::vector<Award> found;
  absl::Status status =
      ScanRecords(*store_, VillagePrefix(keys::kAward, village), DecodeAward, [&](Award award) {
        if (award.state == state) found.push_back(std::move(award));
      });
  if (!status.ok()) return status;
  return found;
}

}  // namespace points::domain

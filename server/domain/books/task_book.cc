#include "server/domain/books/task_book.h"

#include <limits>
#include <optional>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "points/results.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/number_range.h"
#include "server/domain/values/text.h"

namespace points::domain {
namespace {

using TR = CreateTransferResult;

// Version 2 adds the project a task works for; a version 1 record is read as one for none.
constexpr uint8_t kTaskFormatVersion = 2;
constexpr uint8_t kTaskFormatVersionWithoutProject = 1;
constexpr uint8_t kClaimFormatVersion = 1;

std::string TaskPrefix(VillageId village) {
  return absl::StrCat(keys::kTask, BigEndian(village, 4));
}

std::string ClaimPrefix(VillageId village, uint32_t task) {
  return absl::StrCat(keys::kTaskClaim, BigEndian(village, 4), BigEndian(task, 4));
}

absl::Status CheckTask(VillageId village, uint32_t task) {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  return CheckNumber(task, {1, kTaskNumberMax}, "task");
}

absl::Status CheckPerson(const std::string& person, const char* field) {
  if (person.empty() || person.size() > kPersonBytesMax || !IsUtf8(person)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must name a person in 1..", kPersonBytesMax, " bytes of UTF-8"));
  }
  return absl::OkStatus();
}

absl::Status CheckClaimant(const Claimant& c) {
  if (c.kind != ClaimantKind::kHousehold && c.kind != ClaimantKind::kShop &&
      c.kind != ClaimantKind::kOrganisation) {
    return absl::InvalidArgumentError("claimant_kind: household, shop or organisation");
  }
  if (c.number == 0) return absl::InvalidArgumentError("claimant: must not be zero");
  if (c.kind == ClaimantKind::kShop && c.number > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("claimant: a shop number is 1..4294967295");
  }
  return absl::OkStatus();
}

std::string Named(const Claimant& c) {
  return absl::StrCat(ClaimantKindName(c.kind), " ", c.number);
}

uint64_t Balance(const Account& a) {
  // Never negative: the floor keeps debits_posted + debits_pending <= credits_posted.
  return a.credits_posted - a.debits_posted - a.debits_pending;
}

Account SlotsAccount(VillageId village, uint32_t task) {
  // Never more claims than slots: the floor that refuses a claim once every slot is taken.
  return MakeAccount(ids::TaskSlots(village, task), LedgersOf(village).limits,
                     kAccountCodeTaskSlots, kAccountDebitsMustNotExceedCredits);
}

Transfer SlotsFunding(const Task& task) {
  const VillageId v = task.request.village;
  Transfer t = MakeTransfer(ids::TaskSlotsFunding(v, task.request.task),
                            ids::OfVillageAccount(v, VillageAccount::kLimitSource),
                            ids::TaskSlots(v, task.request.task), task.request.slots,
                            LedgersOf(v).limits, kCodeTaskSlotsFunding);
  t.user_data_32 = task.request.task;
  return t;
}

Transfer SlotTaken(const ClaimRequest& claim) {
  const VillageId v = claim.village;
  Transfer t =
      MakeTransfer(ids::TaskClaim(v, claim.task, claim.claim), ids::TaskSlots(v, claim.task),
                   ids::OfVillageAccount(v, VillageAccount::kLimitSink), 1, LedgersOf(v).limits,
                   kCodeTaskSlotTaken);
  t.user_data_128 = claim.claim;  // the slot names its claim
  t.user_data_32 = claim.task;
  return t;
}

Transfer SlotsLapsed(const Task& task) {
  const VillageId v = task.request.village;
  Transfer t =
      MakeTransfer(ids::TaskLapse(v, task.request.task), ids::TaskSlots(v, task.request.task),
                   ids::OfVillageAccount(v, VillageAccount::kLimitSink), task.lapsed_slots,
                   LedgersOf(v).limits, kCodeTaskSlotsLapsed);
  t.user_data_32 = task.request.task;
  return t;
}

}  // namespace

std::string TaskKey(VillageId village, uint32_t task) {
  return absl::StrCat(TaskPrefix(village), BigEndian(task, 4));
}

std::string TaskClaimKey(VillageId village, uint32_t task, Id claim) {
  return absl::StrCat(ClaimPrefix(village, task), BigEndian(absl::Uint128High64(claim), 8),
                      BigEndian(absl::Uint128Low64(claim), 8));
}

std::string EncodeTask(const Task& t) {
  const TaskRequest& q = t.request;
  RecordWriter w;
  w.Int(kTaskFormatVersion, 1).Int(q.village, 4).Int(q.task, 4).Text(q.title).Int(q.rule, 4);
  w.Int(q.units, 8).Int(q.slots, 4).Int(q.deadline_ns, 8).Text(q.posted_by);
  w.Int(static_cast<uint8_t>(t.state), 1).Int(t.rule_version, 4).Int(t.points_per_claim, 8);
  w.Int(t.posted_at_ns, 8).Int(t.lapsed_slots, 8).Int(t.closed_at_ns, 8).Int(q.project, 4);
  return std::move(w).bytes();
}

absl::StatusOr<Task> DecodeTask(const std::string& bytes) {
  RecordReader r(bytes);
  const uint64_t version = r.Int(1);
  if (version != kTaskFormatVersion && version != kTaskFormatVersionWithoutProject) {
    return absl::DataLossError("task record: unknown version");
  }
  Task t;
  TaskRequest& q = t.request;
  q.village = static_cast<VillageId>(r.Int(4));
  q.task = static_cast<uint32_t>(r.Int(4));
  q.title = r.Text();
  q.rule = static_cast<uint32_t>(r.Int(4));
  q.units = r.Int(8);
  q.slots = static_cast<uint32_t>(r.Int(4));
  q.deadline_ns = r.Int(8);
  q.posted_by = r.Text();
  const uint64_t state = r.Int(1);
  if (state < 1 || state > 4) return absl::DataLossError("task record: unknown state");
  t.state = static_cast<TaskState>(state);
  t.rule_version = static_cast<uint32_t>(r.Int(4));
  t.points_per_claim = r.Int(8);
  t.posted_at_ns = r.Int(8);
  t.lapsed_slots = r.Int(8);
  t.closed_at_ns = r.Int(8);
  if (version == kTaskFormatVersion) q.project = static_cast<uint32_t>(r.Int(4));
  if (!r.done_ok()) return absl::DataLossError("task record: truncated or trailing bytes");
  return t;
}

std::string EncodeTaskClaim(const TaskClaim& c) {
  const ClaimRequest& q = c.request;
  RecordWriter w;
  w.Int(kClaimFormatVersion, 1).Int(q.village, 4).Int(q.task, 4).Id128(q.claim);
  w.Int(static_cast<uint8_t>(q.claimant.kind), 1).Int(q.claimant.number, 8).Text(q.by);
  w.Int(static_cast<uint8_t>(c.state), 1).Int(c.claimed_at_ns, 8).Text(c.refusal);
  w.Int(c.evidence.size(), 4);
  for (const std::string& e : c.evidence) w.Text(e);
  w.Text(c.note).Text(c.completed_by).Int(c.completed_at_ns, 8).Text(c.verified_by);
  w.Int(c.verified_at_ns, 8);
  WriteRuleVersion(w, c.rule);
  w.Id128(c.award).Int(c.lapsed_at_ns, 8);
  return std::move(w).bytes();
}

absl::StatusOr<TaskClaim> DecodeTaskClaim(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kClaimFormatVersion) return absl::DataLossError("claim record: unknown version");
  TaskClaim c;
  ClaimRequest& q = c.request;
  q.village = static_cast<VillageId>(r.Int(4));
  q.task = static_cast<uint32_t>(r.Int(4));
  q.claim = r.Id128();
  const uint64_t kind = r.Int(1);
  if (kind < 1 || kind > 3) return absl::DataLossError("claim record: unknown claimant kind");
  q.claimant.kind = static_cast<ClaimantKind>(kind);
  q.claimant.number = r.Int(8);
  q.by = r.Text();
  const uint64_t state = r.Int(1);
  if (state < 1 || state > 7) return absl::DataLossError("claim record: unknown state");
  c.state = static_cast<ClaimState>(state);
  c.claimed_at_ns = r.Int(8);
  c.refusal = r.Text();
  const uint64_t evidence = r.Int(4);
  if (evidence > kEvidenceRefsMax) return absl::DataLossError("claim record: evidence count");
  for (uint64_t i = 0; i < evidence; ++i) c.evidence.push_back(r.Text());
  c.note = r.Text();
  c.completed_by = r.Text();
  c.completed_at_ns = r.Int(8);
  c.verified_by = r.Text();
  c.verified_at_ns = r.Int(8);
  c.rule = ReadRuleVersion(r);
  c.award = r.Id128();
  c.lapsed_at_ns = r.Int(8);
  if (!r.done_ok()) return absl::DataLossError("claim record: truncated or trailing bytes");
  return c;
}

TaskBook::TaskBook(Engine* engine, Clock* clock, DomainStore* store, AwardBook* awards,
                   const RuleBook* rules)
    : engine_(engine), clock_(clock), store_(store), awards_(awards), rules_(rules) {}

absl::StatusOr<std::unique_ptr<TaskBook>> TaskBook::Open(Engine* engine, Clock* clock,
                                                         DomainStore* store, AwardBook* awards,
                                                         const RuleBook* rules) {
  if (engine == nullptr || clock == nullptr || store == nullptr || awards == nullptr ||
      rules == nullptr) {
    return absl::InvalidArgumentError("TaskBook::Open: every dependency is required");
  }
  std::unique_ptr<TaskBook> book(new TaskBook(engine, clock, store, awards, rules));
  absl::MutexLock lock(&book->mu_);
  using Step = InterruptedStep;
  std::vector<Step> verifying;
  std::vector<Step> claiming;
  // Runs under book->mu_, held above: the lock analysis does not follow a lock into a lambda.
  absl::Status status = ScanRecords(
      *store, keys::kTask, DecodeTask, [&](const Task& task) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        if (task.state == TaskState::kClosed) return;
        const TaskRequest& r = task.request;
        book->open_tasks_.insert({r.deadline_ns, r.village, r.task});
        if (task.state == TaskState::kPosting) {
          book->interrupted_.push_back({Step::kPosting, r.village, r.task, 0});
        }
      });
  if (!status.ok()) return status;
  // Runs under book->mu_, held above: the lock analysis does not follow a lock into a lambda.
  status = ScanRecords(*store, keys::kTaskClaim, DecodeTaskClaim,
                       [&](const TaskClaim& claim) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                         book->TrackLocked(claim);
                         const ClaimRequest& q = claim.request;
                         if (claim.state == ClaimState::kClaiming) {
                           claiming.push_back({Step::kClaiming, q.village, q.task, q.claim});
                         }
                         if (claim.state == ClaimState::kVerifying) {
                           verifying.push_back({Step::kVerifying, q.village, q.task, q.claim});
                         }
                       });
  if (!status.ok()) return status;
  // Closing tasks are not resumed here: LapseDue's next tick finishes them, once their claims
  // in flight are settled.
  book->interrupted_.insert(book->interrupted_.end(), verifying.begin(), verifying.end());
  book->interrupted_.insert(book->interrupted_.end(), claiming.begin(), claiming.end());
  return book;
}

uint64_t TaskBook::interrupted() const {
  absl::MutexLock lock(&mu_);
  return interrupted_.size();
}

ResumeReport TaskBook::Resume() {
  std::vector<InterruptedStep> steps;
  {
    absl::MutexLock lock(&mu_);
    steps = std::move(interrupted_);
    interrupted_.clear();
  }
  ResumeReport report;
  std::vector<InterruptedStep> still;
  for (const InterruptedStep& step : steps) {
    if (absl::Status s = ResumeStep(step); s.ok()) {
      ++report.resumed;
    } else {
      report.Fail(StepName(step), s);
      still.push_back(step);
    }
  }
  absl::MutexLock lock(&mu_);
  interrupted_.insert(interrupted_.end(), still.begin(), still.end());
  return report;
}

std::string TaskBook::StepName(const InterruptedStep& step) {
  switch (step.kind) {
    case InterruptedStep::kPosting:
      return ItemName("posting of task", step.village, step.task);
    case InterruptedStep::kVerifying:
      return absl::StrCat(ItemName("verification of claim", step.village, step.claim), " on task ",
                          step.task);
    case InterruptedStep::kClaiming:
      break;
  }
  return absl::StrCat(ItemName("claim", step.village, step.claim), " on task ", step.task);
}

absl::StatusOr<bool> TaskBook::StillInterrupted(const InterruptedStep& step) const {
  if (step.kind == InterruptedStep::kPosting) {
    absl::StatusOr<Task> task = LoadTask(step.village, step.task);
    if (!task.ok()) return task.status();
    return task->state == TaskState::kPosting;
  }
  absl::StatusOr<TaskClaim> claim = LoadClaim(step.village, step.task, step.claim);
  if (!claim.ok()) return claim.status();
  return claim->state == (step.kind == InterruptedStep::kVerifying ? ClaimState::kVerifying
                                                                   : ClaimState::kClaiming);
}

absl::Status TaskBook::ResumeStep(const InterruptedStep& step) {
  absl::Status sent;
  std::optional<TaskClaim> to_submit;
  {
    auto held = task_locks_.Lock({step.village, step.task});
    absl::StatusOr<bool> still = StillInterrupted(step);
    if (!still.ok()) return still.status();
    if (!*still) return absl::OkStatus();  // a resend finished it
    absl::StatusOr<Task> task = LoadTask(step.village, step.task);
    if (!task.ok()) return task.status();
    absl::StatusOr<TaskClaim> claim = step.kind == InterruptedStep::kPosting
                                          ? absl::StatusOr<TaskClaim>(TaskClaim())
                                          : LoadClaim(step.village, step.task, step.claim);
    if (!claim.ok()) return claim.status();
    switch (step.kind) {
      case InterruptedStep::kPosting:
        sent = FinishPost(*std::move(task)).status();
        break;
      case InterruptedStep::kVerifying:
        sent = FinishVerify(*std::move(claim), *task).status();
        break;
      case InterruptedStep::kClaiming:
        to_submit = *std::move(claim);
        break;
    }
  }
  // A claim is submitted without the task's lock, as Claim does.
  if (to_submit.has_value()) sent = SubmitClaim(*std::move(to_submit)).status();
  if (sent.ok()) return sent;
  // A refusal is an outcome too (a claim for the last slot taken meanwhile is saved refused):
  // failed means still interrupted.
  auto held = task_locks_.Lock({step.village, step.task});
  absl::StatusOr<bool> still = StillInterrupted(step);
  return still.ok() && !*still ? absl::OkStatus() : sent;
}

absl::StatusOr<Task> TaskBook::LoadTask(VillageId village, uint32_t task) const {
  absl::StatusOr<std::string> bytes = store_->Get(TaskKey(village, task));
  if (!bytes.ok()) {
    if (bytes.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("no task ", task, " in village ", village));
    }
    return bytes.status();
  }
  return DecodeTask(*bytes);
}

absl::StatusOr<TaskClaim> TaskBook::LoadClaim(VillageId village, uint32_t task, Id claim) const {
  absl::StatusOr<std::string> bytes = store_->Get(TaskClaimKey(village, task, claim));
  if (!bytes.ok()) {
    if (bytes.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("no such claim on task ", task));
    }
    return bytes.status();
  }
  return DecodeTaskClaim(*bytes);
}

absl::Status TaskBook::SaveTask(const Task& task) {
  Task stored = task;
  stored.counts = TaskCounts();  // counts are read, never stored
  return store_->Put(TaskKey(task.request.village, task.request.task), EncodeTask(stored));
}

absl::Status TaskBook::SaveClaim(const TaskClaim& claim) {
  const ClaimRequest& q = claim.request;
  return store_->Put(TaskClaimKey(q.village, q.task, q.claim), EncodeTaskClaim(claim));
}

void TaskBook::Track(const TaskClaim& claim) {
  absl::MutexLock lock(&mu_);
  TrackLocked(claim);
}

void TaskBook::TrackLocked(const TaskClaim& claim) {
  const ClaimRequest& q = claim.request;
  const ClaimantKey who{q.village, q.task, static_cast<uint8_t>(q.claimant.kind),
                        q.claimant.number};
  if (claim.state == ClaimState::kRefused) {
    // A refused claim holds no slot; the claimant's other claim, if any, stays its own.
    auto it = active_claims_.find(who);
    if (it != active_claims_.end() && it->second == q.claim) active_claims_.erase(it);
  } else {
    active_claims_[who] = q.claim;
  }
  const ClaimKey key{q.village, q.task, q.claim};
  if (claim.state == ClaimState::kClaiming) {
    claiming_.insert(key);
  } else {
    claiming_.erase(key);
  }
}

Id TaskBook::ActiveClaim(VillageId village, uint32_t task, const Claimant& claimant) const {
  absl::MutexLock lock(&mu_);
  auto it = active_claims_.find(
      ClaimantKey{village, task, static_cast<uint8_t>(claimant.kind), claimant.number});
  return it == active_claims_.end() ? 0 : it->second;
}

absl::StatusOr<TaskClaim> TaskBook::ClaimOf(VillageId village, uint32_t task,
                                            const Claimant& claimant) const {
  const Id claim = ActiveClaim(village, task, claimant);
  if (claim == 0) {
    return absl::NotFoundError(absl::StrCat(Named(claimant), " has no claim on task ", task));
  }
  return LoadClaim(village, task, claim);
}

// Checked before anything is saved or submitted: a transfer that fails for a missing account
// records its id as failed for good (engine/README.md, "Failed ids").
absl::Status TaskBook::CheckVillageAccounts(VillageId village) const {
  const std::vector<Id> needed = {ids::OfVillageAccount(village, VillageAccount::kLimitSource),
                                  ids::OfVillageAccount(village, VillageAccount::kLimitSink)};
  absl::StatusOr<std::vector<Account>> found = engine_->LookupAccounts(needed);
  if (!found.ok()) return found.status();
  if (found->size() != needed.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("village ", village, " is not set up: create the village first"));
  }
  return absl::OkStatus();
}

absl::Status TaskBook::CheckClaimantAccounts(VillageId village, const Claimant& claimant) const {
  Id needed = 0;
  switch (claimant.kind) {
    case ClaimantKind::kHousehold:
      needed = ids::Household(village, claimant.number);
      break;
    case ClaimantKind::kShop:
      needed =
          ids::OfShopAccount(village, static_cast<uint32_t>(claimant.number), ShopAccount::kPoints);
      break;
    case ClaimantKind::kOrganisation:
      return absl::OkStatus();  // no registry of organisations yet: the committee numbers them
  }
  absl::StatusOr<std::vector<Account>> found = engine_->LookupAccounts({needed});
  if (!found.ok()) return found.status();
  if (found->empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Named(claimant), " of village ", village, " has no account: create it first"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> TaskBook::SlotsLeft(VillageId village, uint32_t task) const {
  absl::StatusOr<std::vector<Account>> found =
      engine_->LookupAccounts({ids::TaskSlots(village, task)});
  if (!found.ok()) return found.status();
  return found->empty() ? 0 : Balance((*found)[0]);  // not yet created: no slot yet
}

absl::StatusOr<Task> TaskBook::Post(const TaskRequest& request) {
  if (absl::Status s = CheckTask(request.village, request.task); !s.ok()) return s;
  if (request.title.empty() || request.title.size() > kTaskTitleBytesMax ||
      !IsUtf8(request.title)) {
    return absl::InvalidArgumentError(
        absl::StrCat("title: 1..", kTaskTitleBytesMax, " bytes of UTF-8"));
  }
  if (request.rule == 0) return absl::InvalidArgumentError("rule: must not be zero");
  if (request.units == 0 || request.units > kAwardPointsMax) {
    return absl::InvalidArgumentError(absl::StrCat("units: must be 1..", kAwardPointsMax));
  }
  if (request.slots == 0 || request.slots > kTaskSlotsMax) {
    return absl::InvalidArgumentError(absl::StrCat("slots: must be 1..", kTaskSlotsMax));
  }
  if (absl::Status s = CheckPerson(request.posted_by, "posted_by"); !s.ok()) return s;

  auto held = task_locks_.Lock({request.village, request.task});
  absl::StatusOr<Task> existing = LoadTask(request.village, request.task);
  if (existing.ok()) {
    if (existing->request != request) {
      return absl::AlreadyExistsError(absl::StrCat(
          "task ", request.task, " of village ", request.village, " was posted with other fields"));
    }
    // A resend finishes a posting that an error interrupted.
    if (existing->state == TaskState::kPosting) return FinishPost(*std::move(existing));
    return existing;
  }
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();

  const uint64_t now = clock_->NowNanos();
  if (request.deadline_ns <= now) {
    return absl::InvalidArgumentError("deadline: must be after now");
  }
  absl::StatusOr<CatalogueRule> rule = rules_->Resolve(request.village, request.rule, 0, now);
  if (!rule.ok()) {
    // Not "no such task": the task cannot be posted until the catalogue has the rule.
    if (rule.status().code() == absl::StatusCode::kNotFound) {
      return absl::FailedPreconditionError(rule.status().message());
    }
    return rule.status();
  }
  if (rule->rule.code != kCodeTask) {
    return absl::FailedPreconditionError(absl::StrCat("rule ", request.rule, " (", rule->name,
                                                      ") is of category ", rule->rule.code,
                                                      ", not a task rule (", int{kCodeTask}, ")"));
  }
  const absl::uint128 points = ScorePoints(rule->rule, request.units);
  if (points == 0) return absl::InvalidArgumentError("units: a claim would come to 0 points");
  if (points > kAwardPointsMax) {
    return absl::InvalidArgumentError(absl::StrCat("units: a claim would come to more than ",
                                                   kAwardPointsMax, " points, one award's limit"));
  }
  if (absl::Status s = CheckVillageAccounts(request.village); !s.ok()) return s;

  Task task;
  task.request = request;
  task.state = TaskState::kPosting;
  task.rule_version = rule->rule.version;
  task.points_per_claim = static_cast<uint64_t>(points);
  task.posted_at_ns = now;
  if (absl::Status s = SaveTask(task); !s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    open_tasks_.insert({request.deadline_ns, request.village, request.task});
  }
  return FinishPost(std::move(task));
}

absl::StatusOr<Task> TaskBook::FinishPost(Task task) {
  absl::StatusOr<std::vector<AccountEventResult>> created =
      engine_->CreateAccounts({SlotsAccount(task.request.village, task.request.task)});
  if (!created.ok()) return created.status();
  if (!Accepted((*created)[0].result)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the slots account was refused by the ledger: ",
                     std::string(ResultName((*created)[0].result))));
  }
  std::vector<Transfer> chain = {SlotsFunding(task)};
  // An engine error is an unknown outcome: a resend or Resume tries again.
  return SubmitStepOrFail<Task>(
      *engine_, std::move(chain), "task.post.after_funding", std::move(task),
      [](Task& t) { t.state = TaskState::kOpen; }, [&](const Task& t) { return SaveTask(t); },
      [](CreateTransferResult r) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the slots' funding was refused by the ledger: ", std::string(ResultName(r))));
      });
}

absl::StatusOr<TaskClaim> TaskBook::Claim(const ClaimRequest& request) {
  if (absl::Status s = CheckTask(request.village, request.task); !s.ok()) return s;
  if (request.claim == 0) return absl::InvalidArgumentError("claim_id: must not be zero");
  if (absl::Status s = CheckClaimant(request.claimant); !s.ok()) return s;
  if (absl::Status s = CheckPerson(request.by, "by"); !s.ok()) return s;

  TaskClaim claim;
  {
    auto held = task_locks_.Lock({request.village, request.task});
    absl::StatusOr<Task> task = LoadTask(request.village, request.task);
    if (!task.ok()) return task.status();
    absl::StatusOr<TaskClaim> existing = LoadClaim(request.village, request.task, request.claim);
    if (existing.ok()) {
      if (existing->request != request) {
        return absl::AlreadyExistsError("this claim id was used for another claim");
      }
      if (existing->state == ClaimState::kRefused) {
        return absl::FailedPreconditionError(existing->refusal);  // the same answer again
      }
      if (existing->state != ClaimState::kClaiming) return existing;
      claim = *std::move(existing);  // in flight, or interrupted: the same transfer again
    } else if (existing.status().code() != absl::StatusCode::kNotFound) {
      return existing.status();
    } else {
      if (task->state == TaskState::kPosting) {
        task = FinishPost(*std::move(task));
        if (!task.ok()) return task.status();
      }
      const uint64_t now = clock_->NowNanos();
      if (task->state != TaskState::kOpen || now >= task->request.deadline_ns) {
        return absl::FailedPreconditionError(
            absl::StrCat("the deadline of task ", request.task, " has passed"));
      }
      if (ActiveClaim(request.village, request.task, request.claimant) != 0) {
        return absl::AlreadyExistsError(
            absl::StrCat(Named(request.claimant), " already holds a slot of task ", request.task));
      }
      if (absl::Status s = CheckClaimantAccounts(request.village, request.claimant); !s.ok()) {
        return s;
      }
      // A shortcut only, not the guard: slots never come back, so none left now means none
      // ever; while some are left, the ledger's floor decides who gets the last one.
      absl::StatusOr<uint64_t> left = SlotsLeft(request.village, request.task);
      if (!left.ok()) return left.status();
      if (*left == 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "no slot left on task ", request.task, " (all ", task->request.slots, " taken)"));
      }
      claim.request = request;
      claim.state = ClaimState::kClaiming;
      claim.claimed_at_ns = now;
      if (absl::Status s = SaveClaim(claim); !s.ok()) return s;
      Track(claim);
    }
  }
  return SubmitClaim(std::move(claim));
}

// A claim whose slot transfer got no answer (e.g. the engine's queue was full) would keep its
// task from closing until a resend or a restart: the timer resends it, with the same id, so it
// answers `exists` if it had landed. A claim still on its first way is resent harmlessly too.
void TaskBook::ResendClaimsInFlightOfDueTasks() {
  std::vector<ClaimKey> in_flight;
  {
    absl::MutexLock lock(&mu_);
    const uint64_t now = clock_->NowNanos();
    for (const auto& [deadline, village, task] : open_tasks_) {
      if (deadline > now) break;
      for (auto it = claiming_.lower_bound(ClaimKey{village, task, 0});
           it != claiming_.end() && std::get<0>(*it) == village && std::get<1>(*it) == task; ++it) {
        in_flight.push_back(*it);
      }
    }
  }
  for (const auto& [village, task, id] : in_flight) {
    absl::StatusOr<TaskClaim> claim = LoadClaim(village, task, id);
    if (claim.ok()) SubmitClaim(*std::move(claim)).IgnoreError();
  }
}

absl::StatusOr<TaskClaim> TaskBook::SubmitClaim(TaskClaim claim) {
  // Outside the lock: claims of many claimants share one group commit, and the slots account's
  // floor, not this book, decides which of them get the last slots.
  absl::StatusOr<std::vector<TransferEventResult>> results =
      engine_->CreateTransfers({SlotTaken(claim.request)});
  if (!results.ok()) return results.status();  // unknown outcome: a resend or Resume tries again
  const TR result = (*results)[0].result;
  const ClaimRequest& q = claim.request;
  auto held = task_locks_.Lock({q.village, q.task});
  absl::StatusOr<TaskClaim> current = LoadClaim(q.village, q.task, q.claim);
  if (!current.ok()) return current.status();
  if (current->state == ClaimState::kClaiming) {  // else a concurrent resend saved the outcome
    if (Accepted(result)) {
      current->state = ClaimState::kClaimed;
    } else {
      current->state = ClaimState::kRefused;
      // exceeds_credits: the floor refused the slot. id_already_failed: a resend of a claim
      // whose first answer was that (its outcome was not saved); the accounts were checked
      // before, so the floor is the one state the slot can have failed on.
      current->refusal =
          result == TR::kExceedsCredits || result == TR::kIdAlreadyFailed
              ? absl::StrCat("no slot left on task ", q.task)
              : absl::StrCat("the ledger refused the slot: ", std::string(ResultName(result)));
    }
    if (absl::Status s = SaveClaim(*current); !s.ok()) return s;
    Track(*current);
  }
  if (current->state == ClaimState::kRefused) {
    return absl::FailedPreconditionError(current->refusal);
  }
  return current;
}

absl::StatusOr<TaskClaim> TaskBook::Complete(VillageId village, uint32_t task,
                                             const Claimant& claimant,
                                             const std::vector<std::string>& evidence,
                                             const std::string& note, const std::string& by) {
  if (absl::Status s = CheckTask(village, task); !s.ok()) return s;
  if (absl::Status s = CheckClaimant(claimant); !s.ok()) return s;
  if (evidence.empty() || evidence.size() > kEvidenceRefsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("evidence: 1..", kEvidenceRefsMax, " references, got ", evidence.size()));
  }
  for (size_t i = 0; i < evidence.size(); ++i) {
    if (evidence[i].empty() || evidence[i].size() > kEvidenceRefBytesMax || !IsUtf8(evidence[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("evidence[", i, "]: 1..", kEvidenceRefBytesMax, " bytes of UTF-8"));
    }
  }
  if (note.size() > kNoteBytesMax || !IsUtf8(note)) {
    return absl::InvalidArgumentError(
        absl::StrCat("note: at most ", kNoteBytesMax, " bytes of UTF-8"));
  }
  if (absl::Status s = CheckPerson(by, "by"); !s.ok()) return s;

  auto held = task_locks_.Lock({village, task});
  absl::StatusOr<Task> found = LoadTask(village, task);
  if (!found.ok()) return found.status();
  absl::StatusOr<TaskClaim> claim = ClaimOf(village, task, claimant);
  if (!claim.ok()) return claim.status();
  const bool resent =
      claim->evidence == evidence && claim->note == note && claim->completed_by == by;
  switch (claim->state) {
    case ClaimState::kCompleted:
    case ClaimState::kVerifying:
    case ClaimState::kVerified:
      if (resent) return claim;
      return absl::AlreadyExistsError(
          absl::StrCat("the claim of ", Named(claimant), " on task ", task,
                       " was completed already, with other evidence, note or person"));
    case ClaimState::kClaimed:
      break;
    case ClaimState::kClaiming:
      return absl::FailedPreconditionError(
          "the claim is still being submitted: resend the claim first");
    case ClaimState::kRefused:
    case ClaimState::kLapsed:
      return absl::FailedPreconditionError(
          absl::StrCat("the claim is ", ClaimStateName(claim->state), ", not claimed"));
  }
  const uint64_t now = clock_->NowNanos();
  if (now >= found->request.deadline_ns) {
    return absl::FailedPreconditionError(
        absl::StrCat("the deadline of task ", task, " has passed: completion is due before it"));
  }
  claim->state = ClaimState::kCompleted;
  claim->evidence = evidence;
  claim->note = note;
  claim->completed_by = by;
  claim->completed_at_ns = now;
  if (absl::Status s = SaveClaim(*claim); !s.ok()) return s;
  return claim;
}

absl::StatusOr<TaskClaim> TaskBook::Verify(VillageId village, uint32_t task,
                                           const Claimant& claimant, const std::string& by) {
  if (absl::Status s = CheckTask(village, task); !s.ok()) return s;
  if (absl::Status s = CheckClaimant(claimant); !s.ok()) return s;
  if (absl::Status s = CheckPerson(by, "by"); !s.ok()) return s;

  auto held = task_locks_.Lock({village, task});
  absl::StatusOr<Task> found = LoadTask(village, task);
  if (!found.ok()) return found.status();
  absl::StatusOr<TaskClaim> claim = ClaimOf(village, task, claimant);
  if (!claim.ok()) return claim.status();
  if (claim->state == ClaimState::kVerified || claim->state == ClaimState::kVerifying) {
    if (claim->verified_by != by) {
      return absl::FailedPreconditionError(
          absl::StrCat("the claim was verified already, by ", claim->verified_by));
    }
    if (claim->state == ClaimState::kVerified) return claim;  // a resend
    return FinishVerify(*std::move(claim), *found);           // a resend finishes it
  }
  if (claim->state != ClaimState::kCompleted) {
    return absl::FailedPreconditionError(
        absl::StrCat("the claim is ", ClaimStateName(claim->state), ", not completed"));
  }
  const uint64_t now = clock_->NowNanos();
  claim->verified_by = by;
  claim->verified_at_ns = now;
  if (claimant.kind != ClaimantKind::kHousehold) {
    // Shops and organisations hold no points: their work is recognised, not paid.
    claim->state = ClaimState::kVerified;
    if (absl::Status s = SaveClaim(*claim); !s.ok()) return s;
    return claim;
  }
  // The version in effect when the task was posted: the task pays what it promised, even if
  // the rule changed or was retired since.
  absl::StatusOr<CatalogueRule> rule =
      rules_->Get(village, found->request.rule, found->rule_version);
  if (!rule.ok()) return rule.status();
  claim->state = ClaimState::kVerifying;
  claim->rule = rule->rule;
  claim->award = ids::TaskAward(village, task, claim->request.claim);
  if (absl::Status s = SaveClaim(*claim); !s.ok()) return s;
  return FinishVerify(*std::move(claim), *found);
}

absl::StatusOr<TaskClaim> TaskBook::FinishVerify(TaskClaim claim, const Task& task) {
  AwardRequest award;
  award.award = claim.award;
  award.village = claim.request.village;
  award.household = claim.request.claimant.number;
  award.rule = claim.rule;  // pinned at verification: a resend is the very same award
  award.quantity = task.request.units;
  award.evidence = claim.evidence;
  award.note = task.request.title;
  award.recorded_by = claim.verified_by;
  absl::StatusOr<Award> recorded = awards_->Record(award, AwardBook::Scoring::kAsPromised);
  if (!recorded.ok()) {
    // Record saves the award before anything moves: no award under the id means nothing
    // happened, and the claim goes back to completed so that a later verification (after the
    // catalogue is fixed, say) scores it afresh.
    absl::StatusOr<Award> stored = awards_->Get(award.village, award.award);
    if (!stored.ok() && stored.status().code() == absl::StatusCode::kNotFound) {
      claim.state = ClaimState::kCompleted;
      claim.verified_by.clear();
      claim.verified_at_ns = 0;
      claim.rule = RuleVersion();
      claim.award = 0;
      if (absl::Status s = SaveClaim(claim); !s.ok()) return s;
    }
    return recorded.status();
  }
  claim.state = ClaimState::kVerified;
  if (absl::Status s = SaveClaim(claim); !s.ok()) return s;
  return claim;
}

absl::StatusOr<size_t> TaskBook::LapseDue() {
  ResendClaimsInFlightOfDueTasks();
  const uint64_t now = clock_->NowNanos();
  std::vector<std::tuple<uint64_t, VillageId, uint32_t>> due;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& entry : open_tasks_) {
      if (std::get<0>(entry) > now) break;
      due.push_back(entry);
    }
  }
  size_t closed = 0;
  absl::Status first_error;
  for (const auto& [deadline, village, task_number] : due) {
    auto held = task_locks_.Lock({village, task_number});  // no claim starts or ends meanwhile
    if (ClaimsInFlight(village, task_number)) continue;
    absl::StatusOr<Task> task = LoadTask(village, task_number);
    absl::Status status = task.status();
    if (task.ok() && task->state == TaskState::kClosed) {
      absl::MutexLock lock(&mu_);
      open_tasks_.erase(std::make_tuple(deadline, village, task_number));  // the store knows
      continue;
    }
    if (task.ok()) status = Close(*std::move(task));
    if (status.ok()) ++closed;
    if (!status.ok() && first_error.ok()) first_error = status;
  }
  if (!first_error.ok()) return first_error;
  return closed;
}

// A claim saved before the deadline may still be waiting for its slot: the slots left are only
// known once it has its answer.
bool TaskBook::ClaimsInFlight(VillageId village, uint32_t task) const {
  absl::MutexLock lock(&mu_);
  const auto in_flight = claiming_.lower_bound(ClaimKey{village, task, 0});
  return in_flight != claiming_.end() && std::get<0>(*in_flight) == village &&
         std::get<1>(*in_flight) == task;
}

absl::Status TaskBook::Close(Task task) {
  const VillageId village = task.request.village;
  const uint32_t number = task.request.task;
  const uint64_t now = clock_->NowNanos();
  if (task.state == TaskState::kPosting) {
    absl::StatusOr<Task> posted = FinishPost(std::move(task));
    if (!posted.ok()) return posted.status();
    task = *std::move(posted);
  }
  if (task.state == TaskState::kOpen) {
    // Stable while the task's lock is held: no claim is in flight (LapseDue checked) and none
    // can start, the deadline having passed; the state below refuses one even if the clock is
    // set back.
    absl::StatusOr<uint64_t> left = SlotsLeft(village, number);
    if (!left.ok()) return left.status();
    task.state = TaskState::kClosing;
    task.lapsed_slots = *left;
    if (absl::Status s = SaveTask(task); !s.ok()) return s;
  }
  if (task.lapsed_slots > 0) {
    absl::StatusOr<std::vector<TransferEventResult>> lapsed =
        engine_->CreateTransfers({SlotsLapsed(task)});
    if (!lapsed.ok()) return lapsed.status();  // unknown outcome: the next tick resends it
    if (!Accepted((*lapsed)[0].result)) {
      // Only a change of the slots account by hand can bring this here.
      return absl::FailedPreconditionError(absl::StrCat(
          "the lapse of task ", number,
          "'s slots was refused by the ledger: ", std::string(ResultName((*lapsed)[0].result))));
    }
  }
  std::vector<TaskClaim> unfinished;
  absl::Status status =
      ScanRecords(*store_, ClaimPrefix(village, number), DecodeTaskClaim, [&](TaskClaim claim) {
        if (claim.state == ClaimState::kClaimed) unfinished.push_back(std::move(claim));
      });
  if (!status.ok()) return status;
  for (TaskClaim& claim : unfinished) {
    claim.state = ClaimState::kLapsed;
    claim.lapsed_at_ns = now;
    if (absl::Status s = SaveClaim(claim); !s.ok()) return s;
    Track(claim);
  }
  task.state = TaskState::kClosed;
  task.closed_at_ns = now;
  if (absl::Status s = SaveTask(task); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  open_tasks_.erase(std::make_tuple(task.request.deadline_ns, village, number));
  return absl::OkStatus();
}

absl::Status TaskBook::FillCounts(std::vector<Task>& tasks) const {
  if (tasks.empty()) return absl::OkStatus();
  std::vector<Id> slot_ids;
  for (Task& task : tasks) {
    slot_ids.push_back(ids::TaskSlots(task.request.village, task.request.task));
    TaskCounts& c = task.counts;
    c = TaskCounts();
    absl::Status status = ScanRecords(*store_, ClaimPrefix(task.request.village, task.request.task),
                                      DecodeTaskClaim, [&](const TaskClaim& claim) {
                                        switch (claim.state) {
                                          case ClaimState::kClaiming:
                                          case ClaimState::kRefused:
                                            return;  // no slot (yet)
                                          case ClaimState::kVerified:
                                            ++c.verified;
                                            [[fallthrough]];
                                          case ClaimState::kCompleted:
                                          case ClaimState::kVerifying:
                                            ++c.completed;
                                            break;
                                          case ClaimState::kLapsed:
                                            ++c.lapsed;
                                            break;
                                          case ClaimState::kClaimed:
                                            break;
                                        }
                                        ++c.claimed;
                                      });
    if (!status.ok()) return status;
  }
  absl::StatusOr<std::vector<Account>> slots = engine_->LookupAccounts(slot_ids);
  if (!slots.ok()) return slots.status();
  // Lookups skip missing ids (a task still posting): match them up in order.
  for (size_t i = 0, j = 0; i < tasks.size() && j < slots->size(); ++i) {
    if ((*slots)[j].id != slot_ids[i]) continue;
    tasks[i].counts.slots_left = Balance((*slots)[j]);
    ++j;
  }
  return absl::OkStatus();
}

absl::StatusOr<Task> TaskBook::Get(VillageId village, uint32_t task) const {
  if (absl::Status s = CheckTask(village, task); !s.ok()) return s;
  absl::StatusOr<Task> found = LoadTask(village, task);
  if (!found.ok()) return found.status();
  std::vector<Task> one = {*std::move(found)};
  if (absl::Status s = FillCounts(one); !s.ok()) return s;
  return std::move(one[0]);
}

absl::StatusOr<std::vector<Task>> TaskBook::List(VillageId village, bool* truncated) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  std::vector<Task> tasks;
  absl::Status status = ScanRecords(*store_, TaskPrefix(village), DecodeTask,
                                    [&](Task task) { tasks.push_back(std::move(task)); });
  if (!status.ok()) return status;
  // The highest-numbered (latest) tasks; their counts take one ledger lookup.
  if (truncated != nullptr) *truncated = tasks.size() > kTaskListMax;
  if (tasks.size() > kTaskListMax) {
    tasks.erase(tasks.begin(), tasks.end() - static_cast<std::ptrdiff_t>(kTaskListMax));
  }
  if (absl::Status s = FillCounts(tasks); !s.ok()) return s;
  return tasks;
}

absl::StatusOr<std::vector<TaskClaim>> TaskBook::Claims(VillageId village, uint32_t task) const {
  if (absl::Status s = CheckTask(village, task); !s.ok()) return s;
  if (absl::StatusOr<Task> found = LoadTask(village, task); !found.ok()) return found.status();
  std::vector<TaskClaim> claims;
  absl::Status status = ScanRecords(*store_, ClaimPrefix(village, task), DecodeTaskClaim,
                                    [&](TaskClaim claim) { claims.push_back(std::move(claim)); });
  if (!status.ok()) return status;
  return claims;
}

absl::Status TaskBook::CheckRatable(VillageId village, uint32_t task, uint64_t household) const {
  if (absl::Status s = CheckTask(village, task); !s.ok()) return s;
  const Claimant claimant{ClaimantKind::kHousehold, household};
  if (absl::StatusOr<Task> found = LoadTask(village, task); !found.ok()) return found.status();
  absl::StatusOr<TaskClaim> claim = ClaimOf(village, task, claimant);
  if (!claim.ok()) return claim.status();
  if (claim->state != ClaimState::kVerified) {
    return absl::FailedPreconditionError(absl::StrCat(
        Named(claimant), "'s claim on task ", task, " is ", ClaimStateName(claim->state),
        ", not verified: a task is rated once the committee has verified the work"));
  }
  return absl::OkStatus();
}

}  // namespace points::domain

#include "server/services/task_service.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/convert/convert.h"
#include "server/convert/request_check.h"
#include "server/services/offload.h"

namespace points::server {
namespace {

// Claims in one GetTask reply (tasks.proto says so): each may carry 16 evidence references and a
// note, so 500 stay well inside the 4 MiB message cap.
constexpr size_t kClaimsReplyMax = 500;

// The wire's numbers are the domain's.
static_assert(v1::TASK_STATE_CLOSED == static_cast<int>(domain::TaskState::kClosed));
static_assert(v1::CLAIMANT_KIND_ORGANISATION ==
              static_cast<int>(domain::ClaimantKind::kOrganisation));
static_assert(v1::CLAIM_STATE_LAPSED == static_cast<int>(domain::ClaimState::kLapsed));

absl::StatusOr<domain::Claimant> ClaimantFromProto(v1::ClaimantKind kind, uint64_t number) {
  if (absl::Status s = CheckEnum<v1::ClaimantKind>(kind, "claimant_kind"); !s.ok()) return s;
  if (number == 0) return absl::InvalidArgumentError("claimant: must not be zero");
  return domain::Claimant{static_cast<domain::ClaimantKind>(kind), number};
}

// Whom a claim acts for, as the gate sees it: a household claimant is checked against the
// caller's scope; a shop or organisation claimant is not a household's to make.
Target ClaimTarget(domain::VillageId village, v1::ClaimantKind kind, uint64_t claimant) {
  const bool household = kind == v1::CLAIMANT_KIND_HOUSEHOLD;
  return {
      .village = village, .household = household ? claimant : 0, .for_non_household = !household};
}

void TaskToProto(const domain::Task& t, v1::Task* out) {
  const domain::TaskRequest& r = t.request;
  out->set_village(r.village);
  out->set_task(r.task);
  out->set_title(r.title);
  out->set_rule(r.rule);
  out->set_units(r.units);
  out->set_slots(r.slots);
  out->set_deadline(r.deadline_ns);
  out->set_posted_by(r.posted_by);
  out->set_state(static_cast<v1::TaskState>(t.state));
  out->set_rule_version(t.rule_version);
  out->set_points_per_claim(t.points_per_claim);
  out->set_posted_at(t.posted_at_ns);
  out->set_slots_left(t.counts.slots_left);
  out->set_claimed(t.counts.claimed);
  out->set_completed(t.counts.completed);
  out->set_verified(t.counts.verified);
  out->set_lapsed(t.counts.lapsed);
  out->set_lapsed_slots(t.lapsed_slots);
  out->set_project(r.project);
}

void ClaimToProto(const domain::TaskClaim& c, v1::Claim* out) {
  out->set_claim_id(IdToBytes(c.request.claim));
  out->set_claimant_kind(static_cast<v1::ClaimantKind>(c.request.claimant.kind));
  out->set_claimant(c.request.claimant.number);
  out->set_by(c.request.by);
  out->set_state(static_cast<v1::ClaimState>(c.state));
  out->set_claimed_at(c.claimed_at_ns);
  out->set_refusal(c.refusal);
  for (const std::string& e : c.evidence) out->add_evidence(e);
  out->set_note(c.note);
  out->set_completed_by(c.completed_by);
  out->set_verified_by(c.verified_by);
  if (c.award != 0) out->set_award_id(IdToBytes(c.award));
}

absl::Status ReplyClaim(const absl::StatusOr<domain::TaskClaim>& claim, v1::Claim* out) {
  if (!claim.ok()) return claim.status();
  ClaimToProto(*claim, out);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* TaskService::PostTask(grpc::CallbackServerContext* context,
                                                const v1::PostTaskRequest* request,
                                                v1::PostTaskResponse* response) {
  return Offload(context, gate_, Rpc::kPostTask, workers_, *request,
                 Target{.village = request->task().village()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   const v1::Task& t = request->task();
                   domain::TaskRequest task;
                   task.village = t.village();
                   task.task = t.task();
                   task.title = t.title();
                   task.rule = t.rule();
                   task.units = t.units() == 0 ? 1 : t.units();
                   task.slots = t.slots();
                   task.deadline_ns = t.deadline();
                   task.posted_by = caller.name;
                   task.project = t.project();
                   // Checked for a new task only: a resend of one posted is answered as it is.
                   if (task.project != 0 && !tasks_->Get(task.village, task.task).ok()) {
                     absl::Status under_way =
                         project_check_ != nullptr
                             ? project_check_(task.village, task.project)
                             : absl::FailedPreconditionError("project: no projects on this server");
                     if (!under_way.ok()) return under_way;
                   }
                   absl::StatusOr<domain::Task> posted = tasks_->Post(task);
                   if (!posted.ok()) return posted.status();
                   // As Get shows it: with its slots and claims counted.
                   absl::StatusOr<domain::Task> counted = tasks_->Get(task.village, task.task);
                   TaskToProto(counted.ok() ? *counted : *posted, response->mutable_task());
                   return gate_->Journal(caller, task.village, "task.post",
                                         absl::StrCat("task ", task.task, ": ", task.title));
                 });
}

grpc::ServerUnaryReactor* TaskService::ClaimTask(grpc::CallbackServerContext* context,
                                                 const v1::ClaimTaskRequest* request,
                                                 v1::ClaimTaskResponse* response) {
  return Offload(context, gate_, Rpc::kClaimTask, workers_, *request,
                 ClaimTarget(request->village(), request->claimant_kind(), request->claimant()),
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(request->claim_id(), "claim_id");
                   if (!id.ok()) return id.status();
                   absl::StatusOr<domain::Claimant> claimant =
                       ClaimantFromProto(request->claimant_kind(), request->claimant());
                   if (!claimant.ok()) return claimant.status();
                   domain::ClaimRequest claim;
                   claim.village = request->village();
                   claim.task = request->task();
                   claim.claim = *id;
                   claim.claimant = *claimant;
                   claim.by = caller.name;
                   return ReplyClaim(tasks_->Claim(claim), response->mutable_claim());
                 });
}

grpc::ServerUnaryReactor* TaskService::CompleteTask(grpc::CallbackServerContext* context,
                                                    const v1::CompleteTaskRequest* request,
                                                    v1::CompleteTaskResponse* response) {
  return Offload(
      context, gate_, Rpc::kCompleteTask, workers_, *request,
      ClaimTarget(request->village(), request->claimant_kind(), request->claimant()),
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<domain::Claimant> claimant =
            ClaimantFromProto(request->claimant_kind(), request->claimant());
        if (!claimant.ok()) return claimant.status();
        if (static_cast<size_t>(request->evidence_size()) > domain::kEvidenceRefsMax) {
          return absl::InvalidArgumentError(absl::StrCat("evidence: ", request->evidence_size(),
                                                         " references, the limit is ",
                                                         domain::kEvidenceRefsMax));
        }
        const std::vector<std::string> evidence(request->evidence().begin(),
                                                request->evidence().end());
        return ReplyClaim(tasks_->Complete(request->village(), request->task(), *claimant, evidence,
                                           request->note(), caller.name),
                          response->mutable_claim());
      });
}

grpc::ServerUnaryReactor* TaskService::VerifyTask(grpc::CallbackServerContext* context,
                                                  const v1::VerifyTaskRequest* request,
                                                  v1::VerifyTaskResponse* response) {
  return Offload(
      context, gate_, Rpc::kVerifyTask, workers_, *request, Target{.village = request->village()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<domain::Claimant> claimant =
            ClaimantFromProto(request->claimant_kind(), request->claimant());
        if (!claimant.ok()) return claimant.status();
        if (absl::Status s = ReplyClaim(
                tasks_->Verify(request->village(), request->task(), *claimant, caller.name),
                response->mutable_claim());
            !s.ok()) {
          return s;
        }
        return gate_->Journal(
            caller, request->village(), "task.verify",
            absl::StrCat("task ", request->task(), " claimant ", request->claimant()));
      });
}

grpc::ServerUnaryReactor* TaskService::GetTask(grpc::CallbackServerContext* context,
                                               const v1::GetTaskRequest* request,
                                               v1::GetTaskResponse* response) {
  return Offload(
      context, gate_, Rpc::kGetTask, workers_, *request, Target{.village = request->village()},
      [this, request, response]() -> absl::Status {
        absl::StatusOr<domain::Task> task = tasks_->Get(request->village(), request->task());
        if (!task.ok()) return task.status();
        TaskToProto(*task, response->mutable_task());
        absl::StatusOr<std::vector<domain::TaskClaim>> claims =
            tasks_->Claims(request->village(), request->task());
        if (!claims.ok()) return claims.status();
        for (size_t i = 0; i < claims->size() && i < kClaimsReplyMax; ++i) {
          ClaimToProto((*claims)[i], response->add_claims());
        }
        response->set_truncated(claims->size() > kClaimsReplyMax);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TaskService::ListTasks(grpc::CallbackServerContext* context,
                                                 const v1::ListTasksRequest* request,
                                                 v1::ListTasksResponse* response) {
  return Offload(context, gate_, Rpc::kListTasks, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response]() -> absl::Status {
                   bool truncated = false;
                   absl::StatusOr<std::vector<domain::Task>> tasks =
                       tasks_->List(request->village(), &truncated);
                   if (!tasks.ok()) return tasks.status();
                   for (const domain::Task& t : *tasks) TaskToProto(t, response->add_tasks());
                   response->set_truncated(truncated);
                   return absl::OkStatus();
                 });
}

}  // namespace points::server

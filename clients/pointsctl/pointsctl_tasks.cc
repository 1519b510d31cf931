// pointsctl's task commands (TaskService): post, claim, complete, verify, show, list.

#include "clients/pointsctl/pointsctl_cli.h"
#include "server/domain/values/task_values.h"

namespace points::client {
namespace {

// ---- Tasks ----

// --household N, --shop N or --organisation N: exactly one.
std::pair<v1::ClaimantKind, uint64_t> ClaimantFlags(const Invocation& in) {
  const int given = in.Has("--household") + in.Has("--shop") + in.Has("--organisation");
  if (given != 1) Usage("give exactly one of --household N, --shop N, --organisation N");
  if (in.Has("--household")) {
    return {v1::CLAIMANT_KIND_HOUSEHOLD, NumberFlag(in, "--household", UINT64_MAX)};
  }
  if (in.Has("--shop")) return {v1::CLAIMANT_KIND_SHOP, NumberFlag(in, "--shop", UINT32_MAX)};
  return {v1::CLAIMANT_KIND_ORGANISATION, NumberFlag(in, "--organisation", UINT64_MAX)};
}

// The domain's names (task_book.h); the wire numbers are the domain's (task_service.cc checks).
const char* TaskStateText(int state) {
  return state >= 1 && state <= 4 ? domain::TaskStateName(static_cast<domain::TaskState>(state))
                                  : "?";
}

const char* ClaimStateText(int state) {
  return state >= 1 && state <= 7 ? domain::ClaimStateName(static_cast<domain::ClaimState>(state))
                                  : "?";
}

const char* ClaimantKindText(int kind) {
  return kind >= 1 && kind <= 3 ? domain::ClaimantKindName(static_cast<domain::ClaimantKind>(kind))
                                : "?";
}

void PrintTasks(const GlobalOptions& global, const std::vector<v1::Task>& tasks) {
  if (global.json) {
    for (const v1::Task& t : tasks) {
      JsonObject()
          .Uint32("village", t.village())
          .Uint32("task", t.task())
          .String("title", t.title())
          .String("state", TaskStateText(t.state()))
          .Uint64("points_per_claim", t.points_per_claim())
          .Uint32("slots", t.slots())
          .Uint64("slots_left", t.slots_left())
          .Uint64("claimed", t.claimed())
          .Uint64("completed", t.completed())
          .Uint64("verified", t.verified())
          .Uint64("lapsed_slots", t.lapsed_slots())
          .Uint64("deadline", t.deadline())
          .Uint32("project", t.project())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"TASK", true},
               {"TITLE"},
               {"POINTS", true},
               {"SLOTS", true},
               {"LEFT", true},
               {"DONE", true},
               {"VERIFIED", true},
               {"STATE"},
               {"DEADLINE"},
               {"PROJECT", true}});
  for (const v1::Task& t : tasks) {
    table.AddRow({absl::StrCat(t.task()), t.title(), absl::StrCat(t.points_per_claim()),
                  absl::StrCat(t.slots()), absl::StrCat(t.slots_left()),
                  absl::StrCat(t.completed()), absl::StrCat(t.verified()), TaskStateText(t.state()),
                  FormatTimestamp(t.deadline()),
                  t.project() == 0 ? "-" : absl::StrCat(t.project())});
  }
  table.Print(stdout);
}

void PrintClaims(const GlobalOptions& global, const std::vector<v1::Claim>& claims) {
  if (global.json) {
    for (const v1::Claim& c : claims) {
      JsonObject()
          .String("claimant_kind", ClaimantKindText(c.claimant_kind()))
          .Uint64("claimant", c.claimant())
          .String("state", ClaimStateText(c.state()))
          .String("award_id",
                  LedgerClient::AwardOf(c) != 0 ? FormatId(LedgerClient::AwardOf(c)) : "")
          .String("refusal", c.refusal())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"CLAIMANT"}, {"STATE"}, {"AWARD"}, {"WHY"}});
  for (const v1::Claim& c : claims) {
    table.AddRow({absl::StrCat(ClaimantKindText(c.claimant_kind()), " ", c.claimant()),
                  ClaimStateText(c.state()),
                  LedgerClient::AwardOf(c) != 0 ? FormatId(LedgerClient::AwardOf(c)) : "-",
                  OrDash(c.refusal())});
  }
  table.Print(stdout);
}

int ClaimStepDone(const Invocation& in, const absl::StatusOr<v1::Claim>& claim) {
  if (!claim.ok()) return WorkflowFailed(claim.status());
  PrintClaims(in.global, {*claim});
  return kExitOk;
}

int RunTasksPost(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  v1::Task task;
  task.set_village(VillageArg(in.args[0]));
  task.set_task(NumberArg("task", in.args[1], UINT32_MAX));
  task.set_title(TextFlag(in, "--title"));
  task.set_rule(static_cast<uint32_t>(RequiredNumberFlag(in, "--rule", domain::kRuleNumberMax)));
  task.set_units(NumberFlag(in, "--units", UINT64_MAX, 1));
  task.set_slots(static_cast<uint32_t>(RequiredNumberFlag(in, "--slots", UINT32_MAX)));
  absl::StatusOr<uint64_t> deadline = ParseTimestamp(TextFlag(in, "--deadline"));
  if (!deadline.ok()) Usage(absl::StrCat("--deadline: ", deadline.status().message()));
  task.set_deadline(*deadline);
  task.set_project(static_cast<uint32_t>(NumberFlag(in, "--project", UINT32_MAX, 0)));
  task.set_posted_by(ByFlag(in));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::Task> posted = client.PostTask(task);
  if (!posted.ok()) return WorkflowFailed(posted.status());
  PrintTasks(in.global, {*posted});
  return kExitOk;
}

int RunTasksClaim(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  RequireFlag(in, "--id");
  const auto [kind, claimant] = ClaimantFlags(in);
  LedgerClient client = MakeClient(in.global);
  return ClaimStepDone(
      in, client.ClaimTask(VillageArg(in.args[0]), NumberArg("task", in.args[1], UINT32_MAX),
                           IdFlag(in, "--id"), kind, claimant));
}

int RunTasksComplete(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  v1::CompleteTaskRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_task(NumberArg("task", in.args[1], UINT32_MAX));
  const auto [kind, claimant] = ClaimantFlags(in);
  request.set_claimant_kind(kind);
  request.set_claimant(claimant);
  RequireFlag(in, "--evidence");
  for (const std::string& e : in.flags.at("--evidence")) request.add_evidence(e);
  request.set_note(in.Value("--note").value_or(""));
  LedgerClient client = MakeClient(in.global);
  return ClaimStepDone(in, client.CompleteTask(request));
}

int RunTasksVerify(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  v1::VerifyTaskRequest request;
  request.set_village(VillageArg(in.args[0]));
  request.set_task(NumberArg("task", in.args[1], UINT32_MAX));
  const auto [kind, claimant] = ClaimantFlags(in);
  request.set_claimant_kind(kind);
  request.set_claimant(claimant);
  LedgerClient client = MakeClient(in.global);
  return ClaimStepDone(in, client.VerifyTask(request));
}

int RunTasksShow(const Invocation& in) {
  if (in.args.size() != 2) Usage("give the village and the task number");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::GetTaskResponse> task =
      client.GetTask(VillageArg(in.args[0]), NumberArg("task", in.args[1], UINT32_MAX));
  if (!task.ok()) return WorkflowFailed(task.status());
  PrintTasks(in.global, {task->task()});
  if (!in.global.json) std::printf("\n");
  PrintClaims(in.global, {task->claims().begin(), task->claims().end()});
  return kExitOk;
}

int RunTasksList(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the village");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Task>> tasks = client.ListTasks(VillageArg(in.args[0]));
  if (!tasks.ok()) return WorkflowFailed(tasks.status());
  PrintTasks(in.global, *tasks);
  return kExitOk;
}

}  // namespace

std::vector<Command> TaskCommands() {
  return {
      {"tasks",
       "post",
       "VILLAGE TASK",
       "post a task (认领任务) with points, slots and a deadline",
       "Posts task TASK: claimants (households, partner shops, social organisations) take one\n"
       "of --slots slots until --deadline; a household's verified claim earns the task rule's\n"
       "points x --units through the usual review and notice. Unclaimed slots lapse at the\n"
       "deadline. Safe to run again.\n",
       {{"--title", "TEXT", "what to do, e.g. 清理村口垃圾; required"},
        {"--rule", "N", "a task rule of the village's catalogue; required"},
        {"--units", "N", "the award's quantity (default 1)"},
        {"--slots", "N", "how many may claim it, 1..10000; required"},
        {"--deadline", "TIME", "RFC 3339, e.g. 2026-12-05T18:00:00+08:00; required"},
        {"--project", "N",
         "the approved community project (its proposal number) the task works for"},
        {"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"}},
       RunTasksPost},
      {"tasks",
       "claim",
       "VILLAGE TASK",
       "claim a slot of a task",
       "Claims a slot for a household, a shop or an organisation. Safe to resend with the same\n"
       "--id; a second claim by the same claimant, no slot left or a passed deadline is\n"
       "refused (exit code 3).\n",
       {{"--id", "ID", "the claim id, its idempotency key; required"},
        {"--household", "N", "a household claims"},
        {"--shop", "N", "a partner shop claims"},
        {"--organisation", "N", "a social organisation claims"},
        {"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"}},
       RunTasksClaim},
      {"tasks",
       "complete",
       "VILLAGE TASK",
       "report a claimed task done, with evidence",
       "The claimant reports the work done before the deadline.\n",
       {{"--household", "N", "the claimant (or --shop, --organisation)"},
        {"--shop", "N", ""},
        {"--organisation", "N", ""},
        {"--evidence", "REF", "e.g. a photo hash; at least one", true},
        {"--note", "TEXT", "optional"},
        {"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"}},
       RunTasksComplete},
      {"tasks",
       "verify",
       "VILLAGE TASK",
       "verify a completed task: a household's earns its award",
       "The committee verifies a completed claim. For a household this records an award (its\n"
       "id is shown) that goes through review and notice like any other.\n",
       {{"--household", "N", "the claimant (or --shop, --organisation)"},
        {"--shop", "N", ""},
        {"--organisation", "N", ""},
        {"--by", "NAME",
         "ignored (kept for old scripts): the server records the caller's principal"}},
       RunTasksVerify},
      {"tasks",
       "show",
       "VILLAGE TASK",
       "show a task and its claims",
       "Shows a task, its slots and every claim.\n",
       {},
       RunTasksShow},
      {"tasks",
       "list",
       "VILLAGE",
       "list a village's tasks",
       "Lists the village's tasks with their slots and claims counted.\n",
       {},
       RunTasksList},
  };
}

}  // namespace points::client

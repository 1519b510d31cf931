// pointsctl's operations commands: an online backup (points.v1.AdminService) and the health
// check (grpc.health.v1), the one a container's HEALTHCHECK or a person on the server runs.

#include "absl/strings/escaping.h"
#include "clients/pointsctl/pointsctl_cli.h"

namespace points::client {
namespace {

int RunAdminBackup(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the backup directory: an absolute path on the server");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::BackupResponse> backup = client.Backup(in.args[0]);
  if (!backup.ok()) return WorkflowFailed(backup.status());
  std::printf("backup of the server's data directory in %s (taken at %s)\n", backup->dir().c_str(),
              FormatTimestamp(backup->taken_at()).c_str());
  return kExitOk;
}

// The roles as pointsctl and server/AUTHZ.md name them.
constexpr std::pair<absl::string_view, v1::Role> kRoles[] = {
    {"admin", v1::ROLE_ADMIN},
    {"committee", v1::ROLE_COMMITTEE},
    {"grid-worker", v1::ROLE_GRID_WORKER},
    {"shopkeeper", v1::ROLE_SHOPKEEPER},
    {"household", v1::ROLE_HOUSEHOLD},
    {"auditor", v1::ROLE_AUDITOR},
};

std::string RoleText(v1::Role role) {
  for (const auto& [name, value] : kRoles) {
    if (value == role) return std::string(name);
  }
  return absl::StrCat(static_cast<int>(role));
}

int RunPrincipalsCreate(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the principal's name");
  RequireFlag(in, "--role");
  v1::Principal principal;
  principal.set_name(in.args[0]);
  const std::string role = TextFlag(in, "--role");
  for (const auto& [name, value] : kRoles) {
    if (name == role) principal.set_role(value);
  }
  if (principal.role() == v1::ROLE_UNSPECIFIED) {
    Usage(
        absl::StrCat("--role must be admin, committee, grid-worker, shopkeeper, household or "
                     "auditor, got '",
                     role, "'"));
  }
  principal.set_town(static_cast<uint32_t>(NumberFlag(in, "--town", UINT32_MAX)));
  principal.set_village(static_cast<uint32_t>(NumberFlag(in, "--village", UINT32_MAX)));
  principal.set_grid(static_cast<uint32_t>(NumberFlag(in, "--grid", UINT32_MAX)));
  principal.set_shop(static_cast<uint32_t>(NumberFlag(in, "--shop", UINT32_MAX)));
  principal.set_household(NumberFlag(in, "--household", UINT64_MAX));
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::CreatePrincipalResponse> made = client.CreatePrincipal(principal);
  if (!made.ok()) return WorkflowFailed(made.status());
  if (in.global.json) {
    JsonObject()
        .String("name", made->principal().name())
        .String("role", RoleText(made->principal().role()))
        .String("token", made->token())
        .PrintLine(stdout);
  } else {
    std::printf("%s\n", made->token().c_str());
    std::fprintf(stderr,
                 "pointsctl: the token of %s %s above is shown only now: hand it over (a file "
                 "for --token-file), the server keeps only its hash\n",
                 RoleText(made->principal().role()).c_str(), made->principal().name().c_str());
  }
  return kExitOk;
}

void PrintPrincipals(const Invocation& in, const std::vector<v1::Principal>& principals) {
  if (in.global.json) {
    for (const v1::Principal& p : principals) {
      JsonObject()
          .String("name", p.name())
          .String("role", RoleText(p.role()))
          .Uint32("town", p.town())
          .Uint32("village", p.village())
          .Uint32("grid", p.grid())
          .Uint32("shop", p.shop())
          .Uint64("household", p.household())
          .String("created_by", p.created_by())
          .Uint64("created_at", p.created_at())
          .Bool("revoked", p.revoked())
          .PrintLine(stdout);
    }
    return;
  }
  Table table({{"NAME"},
               {"ROLE"},
               {"TOWN", true},
               {"VILLAGE", true},
               {"GRID", true},
               {"SHOP", true},
               {"HOUSEHOLD", true},
               {"CREATED BY"},
               {"REVOKED"}});
  for (const v1::Principal& p : principals) {
    table.AddRow({p.name(), RoleText(p.role()), absl::StrCat(p.town()), absl::StrCat(p.village()),
                  absl::StrCat(p.grid()), absl::StrCat(p.shop()), absl::StrCat(p.household()),
                  p.created_by(), p.revoked() ? FormatTimestamp(p.revoked_at()) : "-"});
  }
  table.Print(stdout);
}

int RunPrincipalsList(const Invocation& in) {
  if (!in.args.empty()) Usage("principals list takes no arguments");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::Principal>> principals = client.ListPrincipals();
  if (!principals.ok()) return WorkflowFailed(principals.status());
  PrintPrincipals(in, *principals);
  return kExitOk;
}

int RunPrincipalsRevoke(const Invocation& in) {
  if (in.args.size() != 1) Usage("give the principal's name");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::Principal> revoked = client.RevokePrincipal(in.args[0]);
  if (!revoked.ok()) return WorkflowFailed(revoked.status());
  PrintPrincipals(in, {*revoked});
  return kExitOk;
}

int RunAuditList(const Invocation& in) {
  if (!in.args.empty()) Usage("audit list takes no arguments");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<std::vector<v1::AuditEntry>> entries =
      client.ListAudit(NumberFlag(in, "--from", UINT64_MAX, 1),
                       static_cast<uint32_t>(NumberFlag(in, "--limit", 1000)),
                       static_cast<uint32_t>(NumberFlag(in, "--village", UINT32_MAX)));
  if (!entries.ok()) return WorkflowFailed(entries.status());
  if (in.global.json) {
    for (const v1::AuditEntry& e : *entries) {
      JsonObject()
          .Uint64("seq", e.seq())
          .Uint64("at", e.at())
          .String("principal", e.principal())
          .String("role", e.role())
          .Uint32("village", e.village())
          .String("act", e.act())
          .String("detail", e.detail())
          .String("hash", absl::BytesToHexString(e.hash()))
          .PrintLine(stdout);
    }
    return kExitOk;
  }
  Table table(
      {{"SEQ", true}, {"AT"}, {"PRINCIPAL"}, {"ROLE"}, {"VILLAGE", true}, {"ACT"}, {"DETAIL"}});
  for (const v1::AuditEntry& e : *entries) {
    table.AddRow({absl::StrCat(e.seq()), FormatTimestamp(e.at()), e.principal(), e.role(),
                  absl::StrCat(e.village()), e.act(), e.detail()});
  }
  table.Print(stdout);
  return kExitOk;
}

int RunWhoAmI(const Invocation& in) {
  if (!in.args.empty()) Usage("whoami takes no arguments");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<v1::Principal> me = client.GetCaller();
  if (!me.ok()) return WorkflowFailed(me.status());
  PrintPrincipals(in, {*me});
  return kExitOk;
}

int RunHealth(const Invocation& in) {
  if (!in.args.empty()) Usage("health takes no arguments; name a service with --service");
  const std::string service = in.Value("--service").value_or("");
  LedgerClient client = MakeClient(in.global);
  absl::StatusOr<HealthStatus> health = client.Health(service);
  // An unknown service is NOT_FOUND, which WorkflowFailed maps to 3 like any name not found; an
  // unreachable server is 1, as for every other command.
  if (!health.ok()) return WorkflowFailed(health.status());
  if (in.global.json) {
    JsonObject()
        .String("service", service)
        .String("status", HealthStatusName(*health))
        .PrintLine(stdout);
  } else {
    std::printf("%s\n", HealthStatusName(*health));
  }
  // The server answered, but not SERVING: as a refusal, so a probe tells "down" (1) from "up but
  // not taking this" (3).
  return *health == HealthStatus::kServing ? kExitOk : kExitRefused;
}

}  // namespace

std::vector<Command> PrincipalCommands() {
  return {
      {"principals",
       "create",
       "NAME",
       "make a principal and print its token (admin)",
       "Makes a principal: a person, terminal or app with one role and the scope it acts in,\n"
       "and prints its token (64 hex digits) on stdout, the only time it is shown. Scopes:\n"
       "admin and auditor --town N (0 = the whole county; an auditor may name --village\n"
       "instead), committee --village, grid-worker --village --grid, shopkeeper --village\n"
       "--shop, household --village --household. Who may do what: server/AUTHZ.md.\n"
       "\n"
       "Example: pointsctl principals create shop-1-2 --role shopkeeper --village 1 --shop 2\n"
       "           > shop-1-2.token\n",
       {{"--role", "ROLE", "admin, committee, grid-worker, shopkeeper, household or auditor"},
        {"--town", "N", "the town (admin, auditor)"},
        {"--village", "N", "the village"},
        {"--grid", "N", "the grid (grid-worker)"},
        {"--shop", "N", "the shop (shopkeeper)"},
        {"--household", "N", "the household (household)"}},
       RunPrincipalsCreate},
      {"principals",
       "list",
       "",
       "list the principals in your scope",
       "Lists the principals within the caller's scope, live and revoked; never a token.\n",
       {},
       RunPrincipalsList},
      {"principals",
       "revoke",
       "NAME",
       "revoke a principal's token at once",
       "Revokes the principal's token: its next call is refused (UNAUTHENTICATED). The name\n"
       "stays taken, so the audit keeps naming one principal.\n",
       {},
       RunPrincipalsRevoke},
      {"audit",
       "list",
       "",
       "the operator audit journal (admin, auditor)",
       "Lists administrative acts (principals made and revoked, rules changed, approvals and\n"
       "decisions, villages, shops, settlements, backups) with who did them, in order; each\n"
       "entry's hash chains it to the one before (pointsd verify checks the chain).\n",
       {{"--from", "SEQ", "the first entry (default 1)"},
        {"--limit", "N", "at most N entries (default and most 1000)"},
        {"--village", "N", "one village's acts (default: all in your scope)"}},
       RunAuditList},
      {"",
       "whoami",
       "",
       "who your token belongs to: its name, role and scope",
       "Asks the server whose token this is (AdminService.GetCaller) and prints the principal's\n"
       "name, role and scope (town, village, grid, shop, household), never the token. Any\n"
       "principal may ask about itself.\n",
       {},
       RunWhoAmI},
  };
}

std::vector<Command> AdminCommands() {
  return {
      {"admin",
       "backup",
       "DIR",
       "back up the server's data directory while it runs",
       "Makes a consistent copy of the server's data directory (the ledger's journal and the\n"
       "domain store) in DIR, an absolute path on the server's machine that does not exist\n"
       "yet, while writes go on: every write acknowledged before the command is in it. Copy\n"
       "DIR elsewhere to keep it. To restore, stop the server and start it with\n"
       "--data-dir DIR (or a copy of it); `pointsd verify --data-dir DIR` checks it first.\n",
       {},
       RunAdminBackup},
      {"",
       "health",
       "",
       "check the server's health (grpc.health.v1)",
       "Asks the server's grpc.health.v1 service for the status of a service and prints it:\n"
       "SERVING or NOT_SERVING. pointsd's services: \"\" (the default), the whole server, which\n"
       "turns NOT_SERVING while it drains on SIGTERM; and \"points.write\", NOT_SERVING once the\n"
       "engine stops taking writes (a full disk, a failed sync) while reads go on.\n"
       "\n"
       "Exit code 0 only when SERVING; 3 when the server answers anything else or does not\n"
       "know the service (NOT_FOUND); 1 when it cannot be reached. For a probe, keep it short:\n"
       "pointsctl --attempts 1 --deadline-seconds 3 health\n",
       {{"--service", "NAME", "the service to ask about (default \"\": the whole server)"}},
       RunHealth},
  };
}

}  // namespace points::client

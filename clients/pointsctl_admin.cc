// pointsctl's operations commands: an online backup (points.v1.AdminService) and the health
// check (grpc.health.v1), the one a container's HEALTHCHECK or a person on the server runs.

#include "pointsctl_cli.h"

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

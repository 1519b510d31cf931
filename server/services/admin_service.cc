#include "server/services/admin_service.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/domain/values/text.h"
#include "server/ops/backup.h"
#include "server/services/offload.h"

namespace points::server {
namespace {

// The wire's role numbers are the book's.
static_assert(v1::ROLE_ADMIN == static_cast<int>(domain::Role::kAdmin));
static_assert(v1::ROLE_AUDITOR == static_cast<int>(domain::Role::kAuditor));

std::string ScopeText(const domain::Principal& p) {
  return absl::StrCat(domain::RoleName(p.role), " ", p.name, " (town ", p.scope.town, ", village ",
                      p.scope.village, ", grid ", p.scope.grid, ", shop ", p.scope.shop,
                      ", household ", p.scope.household, ")");
}

}  // namespace

void PrincipalToProto(const domain::Principal& p, v1::Principal* out) {
  out->set_name(p.name);
  out->set_role(static_cast<v1::Role>(p.role));
  out->set_town(p.scope.town);
  out->set_village(p.scope.village);
  out->set_grid(p.scope.grid);
  out->set_shop(p.scope.shop);
  out->set_household(p.scope.household);
  out->set_created_by(p.created_by);
  out->set_created_at(p.created_at_ns);
  out->set_revoked(p.revoked);
  out->set_revoked_at(p.revoked_at_ns);
}

domain::Principal PrincipalFromProto(const v1::Principal& proto) {
  domain::Principal p;
  p.name = proto.name();
  p.role = static_cast<domain::Role>(proto.role());  // the book refuses numbers it does not know
  p.scope = {.town = proto.town(),
             .village = proto.village(),
             .grid = proto.grid(),
             .shop = proto.shop(),
             .household = proto.household()};
  return p;
}

grpc::ServerUnaryReactor* AdminService::Backup(grpc::CallbackServerContext* context,
                                               const v1::BackupRequest* request,
                                               v1::BackupResponse* response) {
  return Offload(
      context, gate_, Rpc::kBackup, workers_, *request, Target{},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        const uint64_t taken_at = clock_->NowNanos();
        if (absl::Status s = BackupDataDir(*engine_, *store_, request->dir(), key_files_);
            !s.ok()) {
          return s;
        }
        response->set_dir(request->dir());
        response->set_taken_at(taken_at);
        return gate_->Journal(caller, 0, "backup", request->dir());
      });
}

grpc::ServerUnaryReactor* AdminService::CreatePrincipal(grpc::CallbackServerContext* context,
                                                        const v1::CreatePrincipalRequest* request,
                                                        v1::CreatePrincipalResponse* response) {
  return Offload(
      context, gate_, Rpc::kCreatePrincipal, workers_, *request, Target{},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        domain::Principal made = PrincipalFromProto(request->principal());
        made.created_by = caller.name;
        if (!gate_->Covers(caller, made)) {
          return absl::PermissionDeniedError(
              absl::StrCat("admin ", caller.name, " may make principals only within its scope (",
                           caller.scope.town == 0 ? "the county" : "its town", ")"));
        }
        absl::StatusOr<std::string> token = principals_->Create(made);
        if (!token.ok()) return token.status();
        absl::StatusOr<domain::Principal> stored = principals_->Authenticate(*token);
        if (!stored.ok()) return stored.status();
        PrincipalToProto(*stored, response->mutable_principal());
        response->set_token(*token);
        return gate_->Journal(caller, made.scope.village, "principal.create", ScopeText(made));
      });
}

grpc::ServerUnaryReactor* AdminService::ListPrincipals(grpc::CallbackServerContext* context,
                                                       const v1::ListPrincipalsRequest* request,
                                                       v1::ListPrincipalsResponse* response) {
  return Offload(context, gate_, Rpc::kListPrincipals, workers_, *request, Target{},
                 [this, response](const domain::Principal& caller) -> absl::Status {
                   for (const domain::Principal& p : principals_->List()) {
                     if (gate_->Covers(caller, p)) PrincipalToProto(p, response->add_principals());
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* AdminService::RevokePrincipal(grpc::CallbackServerContext* context,
                                                        const v1::RevokePrincipalRequest* request,
                                                        v1::RevokePrincipalResponse* response) {
  return Offload(
      context, gate_, Rpc::kRevokePrincipal, workers_, *request, Target{},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        const domain::Principal* found = nullptr;
        const std::vector<domain::Principal> all = principals_->List();
        for (const domain::Principal& p : all) {
          if (p.name == request->name()) found = &p;
        }
        // A principal outside the caller's scope is as unknown to it as one that does not exist.
        if (found == nullptr || !gate_->Covers(caller, *found)) {
          return absl::NotFoundError(absl::StrCat("no principal ", domain::Echo(request->name()),
                                                  " in the scope of ", caller.name));
        }
        if (absl::Status s = principals_->Revoke(request->name()); !s.ok()) return s;
        for (const domain::Principal& p : principals_->List()) {
          if (p.name == request->name()) PrincipalToProto(p, response->mutable_principal());
        }
        return gate_->Journal(caller, found->scope.village, "principal.revoke", ScopeText(*found));
      });
}

grpc::ServerUnaryReactor* AdminService::ListAudit(grpc::CallbackServerContext* context,
                                                  const v1::ListAuditRequest* request,
                                                  v1::ListAuditResponse* response) {
  return Offload(
      context, gate_, Rpc::kListAudit, workers_, *request, Target{},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        // A village auditor sees its village only; a town's principals see their town's villages
        // (and the county-wide acts stay with the county).
        uint32_t village = request->village();
        if (caller.scope.village != 0) {
          if (village != 0 && village != caller.scope.village) {
            return absl::PermissionDeniedError(absl::StrCat(
                caller.name, " may read the audit of village ", caller.scope.village, " only"));
          }
          village = caller.scope.village;
        }
        const bool town_scoped = caller.scope.town != 0 && caller.scope.village == 0;
        if (town_scoped && village == 0) {
          return absl::InvalidArgumentError(
              "village: a town's principal lists one village's audit at a time");
        }
        if (town_scoped) {
          domain::Principal probe;
          probe.scope.village = village;
          if (!gate_->Covers(caller, probe)) {
            return absl::PermissionDeniedError(
                absl::StrCat("village ", village, " is outside the town of ", caller.name));
          }
        }
        absl::StatusOr<std::vector<domain::AuditEntry>> entries =
            gate_->audit()->List(request->from_seq(), request->limit(), village);
        if (!entries.ok()) return entries.status();
        for (const domain::AuditEntry& e : *entries) {
          v1::AuditEntry* out = response->add_entries();
          out->set_seq(e.seq);
          out->set_at(e.at_ns);
          out->set_principal(e.principal);
          out->set_role(e.role);
          out->set_village(e.village);
          out->set_act(e.act);
          out->set_detail(e.detail);
          out->set_prev_hash(e.prev_hash);
          out->set_hash(e.hash);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminService::GetCaller(grpc::CallbackServerContext* context,
                                                  const v1::GetCallerRequest* request,
                                                  v1::GetCallerResponse* response) {
  return Offload(context, gate_, Rpc::kGetCaller, workers_, *request, Target{},
                 [response](const domain::Principal& caller) -> absl::Status {
                   PrincipalToProto(caller, response->mutable_principal());
                   return absl::OkStatus();
                 });
}

}  // namespace points::server

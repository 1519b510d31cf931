#include "clients/cpp/admin_client.h"

#include <utility>

#include "clients/cpp/channel_core.h"
#include "points/v1/admin.grpc.pb.h"

namespace points::client {
namespace {

using Service = v1::AdminService::Stub;

// The principal of a response that carries one, or the call's failure.
template <typename Response>
absl::StatusOr<v1::Principal> PrincipalOf(const absl::StatusOr<Response>& response) {
  if (!response.ok()) return response.status();
  return response->principal();
}

}  // namespace

struct AdminClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Service service;
};

AdminClient::AdminClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

AdminClient::~AdminClient() = default;

absl::StatusOr<v1::BackupResponse> AdminClient::Backup(const std::string& dir) {
  v1::BackupRequest request;
  request.set_dir(dir);
  // A backup is not retried: a second attempt would find the first one's directory.
  return channel_->Ask<Service>(stub_->service, "Backup", &Service::Backup, request,
                                Resend::kNever);
}

absl::StatusOr<v1::CreatePrincipalResponse> AdminClient::CreatePrincipal(
    const v1::Principal& principal) {
  v1::CreatePrincipalRequest request;
  *request.mutable_principal() = principal;
  // Once: a resend would find the name taken, the token lost.
  return channel_->Ask<Service>(stub_->service, "CreatePrincipal", &Service::CreatePrincipal,
                                request, Resend::kNever);
}

absl::StatusOr<std::vector<v1::Principal>> AdminClient::ListPrincipals() {
  absl::StatusOr<v1::ListPrincipalsResponse> response = channel_->Ask<Service>(
      stub_->service, "ListPrincipals", &Service::ListPrincipals, v1::ListPrincipalsRequest());
  if (!response.ok()) return response.status();
  return std::vector<v1::Principal>(response->principals().begin(), response->principals().end());
}

absl::StatusOr<v1::Principal> AdminClient::RevokePrincipal(const std::string& name) {
  v1::RevokePrincipalRequest request;
  request.set_name(name);
  return PrincipalOf(channel_->Ask<Service>(stub_->service, "RevokePrincipal",
                                            &Service::RevokePrincipal, request));
}

absl::StatusOr<v1::Principal> AdminClient::GetCaller() {
  return PrincipalOf(channel_->Ask<Service>(stub_->service, "GetCaller", &Service::GetCaller,
                                            v1::GetCallerRequest()));
}

absl::StatusOr<std::vector<v1::AuditEntry>> AdminClient::ListAudit(uint64_t from_seq,
                                                                   uint32_t limit,
                                                                   uint32_t village) {
  v1::ListAuditRequest request;
  request.set_from_seq(from_seq);
  request.set_limit(limit);
  request.set_village(village);
  absl::StatusOr<v1::ListAuditResponse> response =
      channel_->Ask<Service>(stub_->service, "ListAudit", &Service::ListAudit, request);
  if (!response.ok()) return response.status();
  return std::vector<v1::AuditEntry>(response->entries().begin(), response->entries().end());
}

}  // namespace points::client

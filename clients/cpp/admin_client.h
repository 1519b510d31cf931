// points.v1.AdminService (admin.proto): the online backup, principals and their tokens, and the
// operator audit.
//
// What this header exposes, and why: principals, audit entries and the answers as their
// points.v1 messages (admin.pb.h): the server keeps principals in a domain book, which clients
// may not include (tests/dependencies/), so the messages are the contract, and a C++ copy would
// repeat the proto. gRPC stays inside.
#ifndef POINTS_CLIENTS_CPP_ADMIN_CLIENT_H_
#define POINTS_CLIENTS_CPP_ADMIN_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/cpp/channel.h"
#include "points/v1/admin.pb.h"

namespace points::client {

class AdminClient {
 public:
  explicit AdminClient(std::shared_ptr<Channel> channel);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // A consistent online backup of the server's data directory into `dir` on the server; tried
  // once, since a resend would find the directory made.
  absl::StatusOr<v1::BackupResponse> Backup(const std::string& dir);
  // Principals and the operator audit. CreatePrincipal is tried once: its token is shown only in
  // the answer, and a resend would find the name taken.
  absl::StatusOr<v1::CreatePrincipalResponse> CreatePrincipal(const v1::Principal& principal);
  absl::StatusOr<std::vector<v1::Principal>> ListPrincipals();
  absl::StatusOr<v1::Principal> RevokePrincipal(const std::string& name);
  // The principal the client's token belongs to.
  absl::StatusOr<v1::Principal> GetCaller();
  absl::StatusOr<std::vector<v1::AuditEntry>> ListAudit(uint64_t from_seq, uint32_t limit,
                                                        uint32_t village);

 private:
  struct Stub;  // v1::AdminService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_ADMIN_CLIENT_H_

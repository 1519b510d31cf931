// points.v1.AdminService: operations on the running server (backup), the principals who may
// call it and the operator audit journal. Backups copy files and the books sync, so every handler
// runs on the worker pool; reactors never block.
#ifndef POINTS_SERVER_SERVICES_ADMIN_SERVICE_H_
#define POINTS_SERVER_SERVICES_ADMIN_SERVICE_H_

#include <string>
#include <utility>
#include <vector>

#include "boost/asio/thread_pool.hpp"
#include "points/engine.h"
#include "points/v1/admin.grpc.pb.h"
#include "server/domain/books/principal_book.h"
#include "server/domain/store/audit_journal.h"
#include "server/domain/store/domain_store.h"
#include "server/gate/authz.h"

namespace points::server {

class AdminService final : public v1::AdminService::CallbackService {
 public:
  // `key_files` go into every backup beside the stores (BackupDataDir).
  AdminService(Gate* gate, const Engine* engine, const domain::DomainStore* store,
               std::vector<std::string> key_files, domain::PrincipalBook* principals, Clock* clock,
               boost::asio::thread_pool* workers)
      : gate_(gate),
        engine_(engine),
        store_(store),
        key_files_(std::move(key_files)),
        principals_(principals),
        clock_(clock),
        workers_(workers) {}

  grpc::ServerUnaryReactor* Backup(grpc::CallbackServerContext* context,
                                   const v1::BackupRequest* request,
                                   v1::BackupResponse* response) override;
  grpc::ServerUnaryReactor* CreatePrincipal(grpc::CallbackServerContext* context,
                                            const v1::CreatePrincipalRequest* request,
                                            v1::CreatePrincipalResponse* response) override;
  grpc::ServerUnaryReactor* ListPrincipals(grpc::CallbackServerContext* context,
                                           const v1::ListPrincipalsRequest* request,
                                           v1::ListPrincipalsResponse* response) override;
  grpc::ServerUnaryReactor* RevokePrincipal(grpc::CallbackServerContext* context,
                                            const v1::RevokePrincipalRequest* request,
                                            v1::RevokePrincipalResponse* response) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* context,
                                      const v1::ListAuditRequest* request,
                                      v1::ListAuditResponse* response) override;
  grpc::ServerUnaryReactor* GetCaller(grpc::CallbackServerContext* context,
                                      const v1::GetCallerRequest* request,
                                      v1::GetCallerResponse* response) override;

 private:
  Gate* const gate_;
  const Engine* const engine_;
  const domain::DomainStore* const store_;
  const std::vector<std::string> key_files_;
  domain::PrincipalBook* const principals_;
  Clock* const clock_;
  boost::asio::thread_pool* const workers_;
};

// The wire form of a principal (never its token).
void PrincipalToProto(const domain::Principal& principal, v1::Principal* out);
domain::Principal PrincipalFromProto(const v1::Principal& proto);

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_ADMIN_SERVICE_H_

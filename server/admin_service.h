// points.v1.AdminService: operations on the running server (backup). Backups copy files, so
// the handler runs on the reader pool; reactors never block.
#ifndef POINTS_SERVER_ADMIN_SERVICE_H_
#define POINTS_SERVER_ADMIN_SERVICE_H_

#include "boost/asio/thread_pool.hpp"
#include "domain_store.h"
#include "points/engine.h"
#include "points/v1/admin.grpc.pb.h"

namespace points::server {

class AdminService final : public v1::AdminService::CallbackService {
 public:
  AdminService(const Engine* engine, const domain::DomainStore* store, Clock* clock,
               boost::asio::thread_pool* workers)
      : engine_(engine), store_(store), clock_(clock), workers_(workers) {}

  grpc::ServerUnaryReactor* Backup(grpc::CallbackServerContext* context,
                                   const v1::BackupRequest* request,
                                   v1::BackupResponse* response) override;

 private:
  const Engine* const engine_;
  const domain::DomainStore* const store_;
  Clock* const clock_;
  boost::asio::thread_pool* const workers_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_ADMIN_SERVICE_H_

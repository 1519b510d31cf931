#include "admin_service.h"

#include "backup.h"
#include "offload.h"

namespace points::server {

grpc::ServerUnaryReactor* AdminService::Backup(grpc::CallbackServerContext* context,
                                               const v1::BackupRequest* request,
                                               v1::BackupResponse* response) {
  return Offload(context, workers_, [this, request, response]() -> absl::Status {
    const uint64_t taken_at = clock_->NowNanos();
    if (absl::Status s = BackupDataDir(*engine_, *store_, request->dir()); !s.ok()) return s;
    response->set_dir(request->dir());
    response->set_taken_at(taken_at);
    return absl::OkStatus();
  });
}

}  // namespace points::server

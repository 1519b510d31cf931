// points.v1.TaskService: a thin layer over the domain's TaskBook (server/domain/books/task_book.h).
// Steps wait for the engine's group commit and the domain store's sync, so every handler runs on
// the worker pool; reactors never block.
#ifndef POINTS_SERVER_SERVICES_TASK_SERVICE_H_
#define POINTS_SERVER_SERVICES_TASK_SERVICE_H_

#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "boost/asio/thread_pool.hpp"
#include "points/v1/tasks.grpc.pb.h"
#include "server/domain/books/task_book.h"
#include "server/gate/authz.h"

namespace points::server {

// OK when project `number` of the village is approved and under way (a task may be posted for
// it), else why not (community_service.h makes it from the proposal book).
using ProjectCheck = std::function<absl::Status(domain::VillageId village, uint32_t number)>;

class TaskService final : public v1::TaskService::CallbackService {
 public:
  TaskService(Gate* gate, domain::TaskBook* tasks, boost::asio::thread_pool* workers,
              ProjectCheck project_check = nullptr)
      : gate_(gate), tasks_(tasks), workers_(workers), project_check_(std::move(project_check)) {}

  grpc::ServerUnaryReactor* PostTask(grpc::CallbackServerContext* context,
                                     const v1::PostTaskRequest* request,
                                     v1::PostTaskResponse* response) override;
  grpc::ServerUnaryReactor* ClaimTask(grpc::CallbackServerContext* context,
                                      const v1::ClaimTaskRequest* request,
                                      v1::ClaimTaskResponse* response) override;
  grpc::ServerUnaryReactor* CompleteTask(grpc::CallbackServerContext* context,
                                         const v1::CompleteTaskRequest* request,
                                         v1::CompleteTaskResponse* response) override;
  grpc::ServerUnaryReactor* VerifyTask(grpc::CallbackServerContext* context,
                                       const v1::VerifyTaskRequest* request,
                                       v1::VerifyTaskResponse* response) override;
  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* context,
                                    const v1::GetTaskRequest* request,
                                    v1::GetTaskResponse* response) override;
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* context,
                                      const v1::ListTasksRequest* request,
                                      v1::ListTasksResponse* response) override;

 private:
  Gate* const gate_;
  domain::TaskBook* const tasks_;
  boost::asio::thread_pool* const workers_;
  const ProjectCheck project_check_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_TASK_SERVICE_H_

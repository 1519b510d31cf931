// points.v1.TaskService (tasks.proto): posted tasks and their claims.
//
// What this header exposes, and why: tasks and claims come as their points.v1 messages
// (tasks.pb.h). The domain keeps them in its task book with store-only fields; the messages are
// the contract callers read and build, and a C++ copy would repeat the proto field by field.
// gRPC stays inside.
#ifndef POINTS_CLIENTS_CPP_TASK_CLIENT_H_
#define POINTS_CLIENTS_CPP_TASK_CLIENT_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/cpp/channel.h"
#include "points/types.h"
#include "points/v1/tasks.pb.h"

namespace points::client {

class TaskClient {
 public:
  explicit TaskClient(std::shared_ptr<Channel> channel);
  ~TaskClient();
  TaskClient(const TaskClient&) = delete;
  TaskClient& operator=(const TaskClient&) = delete;

  // Post, claim (idempotent by `claim`), complete, verify, and read.
  absl::StatusOr<v1::Task> PostTask(const v1::Task& task);
  absl::StatusOr<v1::Claim> ClaimTask(uint32_t village, uint32_t task, Id claim,
                                      v1::ClaimantKind kind, uint64_t claimant);
  absl::StatusOr<v1::Claim> CompleteTask(const v1::CompleteTaskRequest& request);
  absl::StatusOr<v1::Claim> VerifyTask(const v1::VerifyTaskRequest& request);
  absl::StatusOr<v1::GetTaskResponse> GetTask(uint32_t village, uint32_t task);
  absl::StatusOr<std::vector<v1::Task>> ListTasks(uint32_t village);
  // The award a household's verified claim recorded; 0 when none.
  static Id AwardOf(const v1::Claim& claim);

 private:
  struct Stub;  // v1::TaskService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_TASK_CLIENT_H_

#include "clients/cpp/task_client.h"

#include <utility>

#include "clients/cpp/channel_core.h"
#include "points/v1/tasks.grpc.pb.h"
#include "server/convert/convert.h"

namespace points::client {
namespace {

using Service = v1::TaskService::Stub;

// The claim of a response that carries one, or the call's failure.
template <typename Response>
absl::StatusOr<v1::Claim> ClaimOf(const absl::StatusOr<Response>& response) {
  if (!response.ok()) return response.status();
  return response->claim();
}

}  // namespace

struct TaskClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Service service;
};

TaskClient::TaskClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

TaskClient::~TaskClient() = default;

absl::StatusOr<v1::Task> TaskClient::PostTask(const v1::Task& task) {
  v1::PostTaskRequest request;
  *request.mutable_task() = task;
  absl::StatusOr<v1::PostTaskResponse> response =
      channel_->Ask<Service>(stub_->service, "PostTask", &Service::PostTask, request);
  if (!response.ok()) return response.status();
  return response->task();
}

absl::StatusOr<v1::Claim> TaskClient::ClaimTask(uint32_t village, uint32_t task, Id claim,
                                                v1::ClaimantKind kind, uint64_t claimant) {
  v1::ClaimTaskRequest request;
  request.set_village(village);
  request.set_task(task);
  request.set_claim_id(server::IdToBytes(claim));
  request.set_claimant_kind(kind);
  request.set_claimant(claimant);
  return ClaimOf(channel_->Ask<Service>(stub_->service, "ClaimTask", &Service::ClaimTask, request));
}

absl::StatusOr<v1::Claim> TaskClient::CompleteTask(const v1::CompleteTaskRequest& request) {
  return ClaimOf(
      channel_->Ask<Service>(stub_->service, "CompleteTask", &Service::CompleteTask, request));
}

absl::StatusOr<v1::Claim> TaskClient::VerifyTask(const v1::VerifyTaskRequest& request) {
  return ClaimOf(
      channel_->Ask<Service>(stub_->service, "VerifyTask", &Service::VerifyTask, request));
}

Id TaskClient::AwardOf(const v1::Claim& claim) {
  absl::StatusOr<Id> award = server::IdFromBytes(claim.award_id(), "award_id");
  return award.ok() ? *award : 0;
}

absl::StatusOr<v1::GetTaskResponse> TaskClient::GetTask(uint32_t village, uint32_t task) {
  v1::GetTaskRequest request;
  request.set_village(village);
  request.set_task(task);
  return channel_->Ask<Service>(stub_->service, "GetTask", &Service::GetTask, request);
}

absl::StatusOr<std::vector<v1::Task>> TaskClient::ListTasks(uint32_t village) {
  v1::ListTasksRequest request;
  request.set_village(village);
  absl::StatusOr<v1::ListTasksResponse> response =
      channel_->Ask<Service>(stub_->service, "ListTasks", &Service::ListTasks, request);
  if (!response.ok()) return response.status();
  return std::vector<v1::Task>(response->tasks().begin(), response->tasks().end());
}

}  // namespace points::client

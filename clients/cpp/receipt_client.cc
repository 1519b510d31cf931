#include "clients/cpp/receipt_client.h"

#include <utility>

#include "clients/cpp/channel_core.h"
#include "points/v1/receipts.grpc.pb.h"

namespace points::client {
namespace {

using Service = v1::ReceiptService::Stub;

}  // namespace

struct ReceiptClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Service service;
};

ReceiptClient::ReceiptClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

ReceiptClient::~ReceiptClient() = default;

absl::StatusOr<v1::GetCheckpointResponse> ReceiptClient::GetCheckpoint(
    const v1::GetCheckpointRequest& request) {
  return channel_->Ask<Service>(stub_->service, "GetCheckpoint", &Service::GetCheckpoint, request);
}

absl::StatusOr<v1::GetConsistencyProofResponse> ReceiptClient::GetConsistencyProof(
    const v1::GetConsistencyProofRequest& request) {
  return channel_->Ask<Service>(stub_->service, "GetConsistencyProof",
                                &Service::GetConsistencyProof, request);
}

absl::StatusOr<v1::ProveTransfersResponse> ReceiptClient::ProveTransfers(
    const v1::ProveTransfersRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ProveTransfers", &Service::ProveTransfers,
                                request);
}

absl::StatusOr<v1::ProveAwardResponse> ReceiptClient::ProveAward(
    const v1::ProveAwardRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ProveAward", &Service::ProveAward, request);
}

absl::StatusOr<v1::ProveBasketResponse> ReceiptClient::ProveBasket(
    const v1::ProveBasketRequest& request) {
  return channel_->Ask<Service>(stub_->service, "ProveBasket", &Service::ProveBasket, request);
}

absl::StatusOr<v1::AddCosignatureResponse> ReceiptClient::AddCosignature(
    const v1::AddCosignatureRequest& request) {
  return channel_->Ask<Service>(stub_->service, "AddCosignature", &Service::AddCosignature,
                                request);
}

}  // namespace points::client

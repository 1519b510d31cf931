// points.v1.ReceiptService (receipts.proto), the calls a witness makes: the log's checkpoint, a
// consistency proof, a cosignature.
//
// What this header exposes, and why: the requests and answers as their points.v1 messages
// (receipts.pb.h). They carry signed notes and proof hashes that pointsctl checks byte for byte
// (server/receipts/); the messages are the contract, and a C++ copy would repeat the proto. gRPC
// stays inside.
#ifndef POINTS_CLIENTS_CPP_RECEIPT_CLIENT_H_
#define POINTS_CLIENTS_CPP_RECEIPT_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "clients/cpp/channel.h"
#include "points/v1/receipts.pb.h"

namespace points::client {

class ReceiptClient {
 public:
  explicit ReceiptClient(std::shared_ptr<Channel> channel);
  ~ReceiptClient();
  ReceiptClient(const ReceiptClient&) = delete;
  ReceiptClient& operator=(const ReceiptClient&) = delete;

  absl::StatusOr<v1::GetCheckpointResponse> GetCheckpoint(const v1::GetCheckpointRequest& request);
  absl::StatusOr<v1::GetConsistencyProofResponse> GetConsistencyProof(
      const v1::GetConsistencyProofRequest& request);
  absl::StatusOr<v1::ProveTransfersResponse> ProveTransfers(
      const v1::ProveTransfersRequest& request);
  absl::StatusOr<v1::ProveAwardResponse> ProveAward(const v1::ProveAwardRequest& request);
  absl::StatusOr<v1::ProveBasketResponse> ProveBasket(const v1::ProveBasketRequest& request);
  absl::StatusOr<v1::AddCosignatureResponse> AddCosignature(
      const v1::AddCosignatureRequest& request);

 private:
  struct Stub;  // v1::ReceiptService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_RECEIPT_CLIENT_H_

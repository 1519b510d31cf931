#include "clients/cpp/health_client.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "clients/cpp/channel_core.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/generic/generic_stub.h"

namespace points::client {

// grpc.health.v1.Health/Check through a generic stub: Debian's gRPC ships no generated health
// stubs, and both messages are one field each, HealthCheckRequest{string service = 1} and
// HealthCheckResponse{ServingStatus status = 1}, so they are encoded here by hand.
class HealthClient::Stub {
 public:
  explicit Stub(std::shared_ptr<grpc::Channel> channel) : generic_(std::move(channel)) {}

  // The shape of a generated stub's method, so Channel::Call retries it like the others.
  grpc::Status Check(grpc::ClientContext* context, const grpc::ByteBuffer& request,
                     grpc::ByteBuffer* response) {
    absl::Notification done;
    grpc::Status status;
    generic_.UnaryCall(context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                       response, [&](grpc::Status s) {
                         status = std::move(s);
                         done.Notify();
                       });
    done.WaitForNotification();
    return status;
  }

  static grpc::ByteBuffer EncodeRequest(const std::string& service) {
    std::string bytes;
    {
      google::protobuf::io::StringOutputStream stream(&bytes);
      google::protobuf::io::CodedOutputStream out(&stream);
      if (!service.empty()) {
        google::protobuf::internal::WireFormatLite::WriteString(1, service, &out);
      }
    }
    grpc::Slice slice(bytes);
    return grpc::ByteBuffer(&slice, 1);
  }

  // The status field; fields this client does not know are skipped, as protobuf does.
  static absl::StatusOr<HealthStatus> DecodeResponse(const grpc::ByteBuffer& response) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (response.Valid() && !response.Dump(&slices).ok()) {
      return absl::InternalError("Health: unreadable response");
    }
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    uint32_t status = 0;  // absent: UNKNOWN, protobuf's default
    for (uint32_t tag; (tag = in.ReadTag()) != 0;) {
      using google::protobuf::internal::WireFormatLite;
      const bool ok = tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT)
                          ? in.ReadVarint32(&status)
                          : WireFormatLite::SkipField(&in, tag);
      if (!ok) return absl::InternalError("Health: malformed response from the server");
    }
    if (!in.ConsumedEntireMessage() || status > 3) {
      return absl::InternalError("Health: malformed response from the server");
    }
    return static_cast<HealthStatus>(status);
  }

 private:
  grpc::GenericStub generic_;
};

const char* HealthStatusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kServing:
      return "SERVING";
    case HealthStatus::kNotServing:
      return "NOT_SERVING";
    case HealthStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case HealthStatus::kUnknown:
      break;
  }
  return "UNKNOWN";
}

HealthClient::HealthClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(channel_->grpc_channel())) {}

HealthClient::~HealthClient() = default;

absl::StatusOr<HealthStatus> HealthClient::Health(const std::string& service) {
  const grpc::ByteBuffer request = Stub::EncodeRequest(service);
  grpc::ByteBuffer response;
  if (absl::Status status =
          channel_->Call<Stub>(*stub_, "Health", &Stub::Check, request, &response);
      !status.ok()) {
    return status;
  }
  return Stub::DecodeResponse(response);
}

}  // namespace points::client

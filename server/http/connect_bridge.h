// The Connect bridge: a Connect call becomes a gRPC call through the server's in-process channel
// and a generic stub, so the interceptors and the gate see it exactly as a gRPC client's. No
// per-method code: methods, their types and their JSON mapping come from the descriptors of the
// generated pool (proto/points/v1), and protobuf's own JSON <-> binary conversion.
//
// Calls are asynchronous (the callback API): what they report arrives on a gRPC thread, and the
// HTTP side posts it to its own threads. JSON conversion runs on the HTTP threads.
#ifndef POINTS_SERVER_HTTP_CONNECT_BRIDGE_H_
#define POINTS_SERVER_HTTP_CONNECT_BRIDGE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/type_resolver.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"

namespace points::server::http {

// The package whose services the bridge serves: every one pointsd registers.
inline constexpr std::string_view kServedPackage = "points.v1.";

// A method the bridge serves.
struct ConnectMethod {
  std::string path;  // "/points.v1.LedgerService/LookupAccounts", the gRPC method name
  std::string request_type_url, response_type_url;
  bool server_streaming = false;
  bool no_side_effects = false;  // `option idempotency_level = NO_SIDE_EFFECTS`: GET allowed
};

enum class Codec { kJson, kProto };

// What the bridge takes from the HTTP request besides the message.
struct CallHeaders {
  std::string authorization;  // the `Authorization` header, "" when none
  std::string peer;           // the client's address, gRPC's format: "ipv4:10.0.0.7:51234"
  std::optional<int64_t> timeout_ms;
};

// Metadata of a gRPC answer as HTTP headers: initial metadata as is, trailers as "trailer-..."
// (unary) or in the end-of-stream frame (streams).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct UnaryResult {
  grpc::Status status;
  std::string response;  // the binary message when status is OK
  HeaderList headers;
};

// A server-streaming call in progress. `on_message` hands over each message (binary); the
// receiver then calls exactly one of Next() (send me the next) or Stop() (I am done: cancel).
// `on_done` comes last, once. Both run on gRPC threads. Cancel() may be called at any time (the
// client went away); a message already on its way is still handed over, and answered by Stop().
class ServerStream {
 public:
  virtual ~ServerStream() = default;
  virtual void Next() = 0;
  virtual void Stop() = 0;
  virtual void Cancel() = 0;
};
struct StreamHandlers {
  std::function<void(std::string message)> on_message;
  std::function<void(grpc::Status status, HeaderList headers, std::string end_stream_json)> on_done;
};

class ConnectBridge {
 public:
  explicit ConnectBridge(std::shared_ptr<grpc::Channel> channel);
  ~ConnectBridge();

  // The method at `path`, or nullptr when pointsd serves none there.
  const ConnectMethod* Find(std::string_view path);

  // The request message, binary, from a body in `codec`; INVALID_ARGUMENT saying what is wrong
  // (bad JSON, an unknown field, a wrong type).
  absl::StatusOr<std::string> DecodeRequest(const ConnectMethod& method, Codec codec,
                                            std::string body) const;
  // The response message in `codec` from its binary form.
  absl::StatusOr<std::string> EncodeResponse(const ConnectMethod& method, Codec codec,
                                             std::string binary) const;

  // Starts a unary call of `method` (which outlives it); `done` runs once, on a gRPC thread.
  void Unary(const ConnectMethod& method, const CallHeaders& headers, std::string request,
             std::function<void(UnaryResult)> done);
  // Starts a server-streaming call of `method`.
  std::shared_ptr<ServerStream> Stream(const ConnectMethod& method, const CallHeaders& headers,
                                       std::string request, StreamHandlers handlers);

 private:
  std::unique_ptr<grpc::GenericStub> stub_;
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_;
  absl::Mutex mu_;
  // Only methods that exist: a client cannot grow it.
  absl::flat_hash_map<std::string, std::unique_ptr<ConnectMethod>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace points::server::http

#endif  // POINTS_SERVER_HTTP_CONNECT_BRIDGE_H_

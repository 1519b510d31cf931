#include "server/http/connect_bridge.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_callback.h"
#include "server/gate/caller.h"
#include "server/http/connect_protocol.h"

namespace points::server::http {
namespace {

namespace pb = google::protobuf;

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// protobuf's JSON conversion asks its resolver for each message type of every call, and the
// descriptor pool's resolver builds a google.protobuf.Type from the descriptor each time: keep
// each one once built.
class CachingTypeResolver : public pb::util::TypeResolver {
 public:
  CachingTypeResolver()
      : inner_(pb::util::NewTypeResolverForDescriptorPool(kTypeUrlPrefix,
                                                          pb::DescriptorPool::generated_pool())) {}

  pb::util::Status ResolveMessageType(const std::string& type_url, pb::Type* type) override {
    return Resolve(types_, type_url, type, [this](const std::string& url, pb::Type* out) {
      pb::util::Status status = inner_->ResolveMessageType(url, out);
      // The conversion reads no field's options, and each call copies the type: the request
      // limits (limits.proto) on every field would be copied for nothing. The type's own
      // options stay (map_entry is read).
      for (pb::Field& field : *out->mutable_fields()) field.clear_options();
      return status;
    });
  }
  pb::util::Status ResolveEnumType(const std::string& type_url, pb::Enum* enum_type) override {
    return Resolve(enums_, type_url, enum_type, [this](const std::string& url, pb::Enum* out) {
      return inner_->ResolveEnumType(url, out);
    });
  }

 private:
  // The generated pool is fixed: a type found once is the same for ever; one not found is not
  // kept (clients name no types: the bridge does, so the cache is bounded by the protos).
  template <typename T, typename Build>
  pb::util::Status Resolve(absl::flat_hash_map<std::string, T>& cache, const std::string& url,
                           T* out, Build build) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = cache.find(url); it != cache.end()) {
        *out = it->second;
        return pb::util::OkStatus();
      }
    }
    pb::util::Status status = build(url, out);
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      cache.emplace(url, *out);
    }
    return status;
  }

  std::unique_ptr<pb::util::TypeResolver> inner_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, pb::Type> types_;
  absl::flat_hash_map<std::string, pb::Enum> enums_;
};

std::string TypeUrl(const pb::Descriptor* type) {
  return absl::StrCat(kTypeUrlPrefix, "/", type->full_name());
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Headers an answer's metadata may not set: HTTP's own, and those of the Connect protocol.
bool Reserved(absl::string_view key) {
  return key == "content-type" || key == "content-length" || key == "content-encoding" ||
         key == "transfer-encoding" || key == "connection" || key.substr(0, 8) == "connect-" ||
         key.substr(0, 5) == "grpc-" || key == "date" || key == "server";
}

void AppendMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                    std::string_view prefix, HeaderList& headers) {
  for (const auto& [key_ref, value_ref] : metadata) {
    const absl::string_view key(key_ref.data(), key_ref.size());
    if (Reserved(key)) continue;
    headers.emplace_back(absl::StrCat(absl::string_view(prefix.data(), prefix.size()), key),
                         HeaderValueOf(key, {value_ref.data(), value_ref.size()}));
  }
}

void Prepare(grpc::ClientContext& context, const CallHeaders& headers) {
  if (!headers.authorization.empty()) context.AddMetadata("authorization", headers.authorization);
  MarkBridged(context, headers.peer);
  if (headers.timeout_ms) {
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(*headers.timeout_ms));
  }
}

// One unary call's state, alive until its callback ran.
struct UnaryCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request, response;
};

class StreamCall : public ServerStream,
                   public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                   public std::enable_shared_from_this<StreamCall> {
 public:
  explicit StreamCall(StreamHandlers handlers) : handlers_(std::move(handlers)) {}

  void Start(grpc::GenericStub& stub, const ConnectMethod& method, const CallHeaders& headers,
             const std::string& request) {
    self_ = shared_from_this();  // until OnDone
    Prepare(context_, headers);
    request_ = ToByteBuffer(request);
    stub.PrepareBidiStreamingCall(&context_, method.path, grpc::StubOptions(), this);
    // Held until the receiver stops reading (a failed read or Stop), so that OnDone never comes
    // while it may still call Next.
    AddHold();
    StartWrite(&request_, grpc::WriteOptions().set_last_message());
    StartRead(&message_);
    StartCall();
  }

  void Next() override { StartRead(&message_); }
  void Stop() override {
    context_.TryCancel();
    RemoveHold();
  }
  void Cancel() override { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      RemoveHold();
      return;
    }
    handlers_.on_message(ToString(message_));
  }

  void OnDone(const grpc::Status& status) override {
    HeaderList headers;
    AppendMetadata(context_.GetServerInitialMetadata(), "", headers);
    handlers_.on_done(status, std::move(headers),
                      EndStreamJson(status, context_.GetServerTrailingMetadata()));
    self_.reset();  // the receiver may still hold it, for a Cancel that no longer matters
  }

 private:
  StreamHandlers handlers_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_, message_;
  std::shared_ptr<StreamCall> self_;
};

}  // namespace

ConnectBridge::ConnectBridge(std::shared_ptr<grpc::Channel> channel)
    : stub_(std::make_unique<grpc::GenericStub>(std::move(channel))),
      resolver_(std::make_unique<CachingTypeResolver>()) {}

ConnectBridge::~ConnectBridge() = default;

const ConnectMethod* ConnectBridge::Find(std::string_view std_path) {
  const absl::string_view path(std_path.data(), std_path.size());
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = methods_.find(path); it != methods_.end()) return it->second.get();
  }
  // "/points.v1.Service/Method"
  const size_t slash = path.find('/', 1);
  if (path.size() < 2 || path[0] != '/' || slash == std::string_view::npos ||
      path.substr(1, kServedPackage.size()) !=
          absl::string_view(kServedPackage.data(), kServedPackage.size())) {
    return nullptr;
  }
  const pb::ServiceDescriptor* service = pb::DescriptorPool::generated_pool()->FindServiceByName(
      std::string(path.substr(1, slash - 1)));
  if (service == nullptr) return nullptr;
  const pb::MethodDescriptor* descriptor =
      service->FindMethodByName(std::string(path.substr(slash + 1)));
  if (descriptor == nullptr || descriptor->client_streaming()) return nullptr;
  auto method = std::make_unique<ConnectMethod>();
  method->path = std::string(path);
  method->request_type_url = TypeUrl(descriptor->input_type());
  method->response_type_url = TypeUrl(descriptor->output_type());
  method->server_streaming = descriptor->server_streaming();
  method->no_side_effects =
      descriptor->options().idempotency_level() == pb::MethodOptions::NO_SIDE_EFFECTS;
  absl::MutexLock lock(&mu_);
  return methods_.try_emplace(method->path, std::move(method)).first->second.get();
}

absl::StatusOr<std::string> ConnectBridge::DecodeRequest(const ConnectMethod& method, Codec codec,
                                                         std::string body) const {
  if (codec == Codec::kProto) return body;  // pointsd parses it, as for a gRPC client
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) body = "{}";  // curl -d ''
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field is an error, not a silent default
  std::string binary;
  const pb::util::Status status = pb::util::JsonToBinaryString(
      resolver_.get(), method.request_type_url, body, &binary, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the JSON body is not a ", method.request_type_url.substr(sizeof kTypeUrlPrefix), ": ",
        ValidUtf8(std::string(status.message()))));
  }
  return binary;
}

absl::StatusOr<std::string> ConnectBridge::EncodeResponse(const ConnectMethod& method, Codec codec,
                                                          std::string binary) const {
  if (codec == Codec::kProto) return binary;
  // protobuf's JSON mapping as it stands: a field holding its zero value is left out, as Connect
  // servers do and its clients expect. Printing them too (always_print_primitive_fields) cost
  // a fifth of a JSON read's instructions (callgrind, GetHousehold).
  const pb::util::JsonPrintOptions options;
  std::string json;
  const pb::util::Status status = pb::util::BinaryToJsonString(
      resolver_.get(), method.response_type_url, binary, &json, options);
  if (!status.ok()) return absl::InternalError(std::string(status.message()));
  return json;
}

void ConnectBridge::Unary(const ConnectMethod& method, const CallHeaders& headers,
                          std::string request, std::function<void(UnaryResult)> done) {
  auto call = std::make_shared<UnaryCall>();
  Prepare(call->context, headers);
  call->request = ToByteBuffer(request);
  stub_->UnaryCall(&call->context, method.path, grpc::StubOptions(), &call->request,
                   &call->response, [call, done = std::move(done)](grpc::Status status) {
                     UnaryResult result;
                     AppendMetadata(call->context.GetServerInitialMetadata(), "", result.headers);
                     AppendMetadata(call->context.GetServerTrailingMetadata(), "trailer-",
                                    result.headers);
                     if (status.ok()) result.response = ToString(call->response);
                     result.status = std::move(status);
                     done(std::move(result));
                   });
}

std::shared_ptr<ServerStream> ConnectBridge::Stream(const ConnectMethod& method,
                                                    const CallHeaders& headers, std::string request,
                                                    StreamHandlers handlers) {
  auto call = std::make_shared<StreamCall>(std::move(handlers));
  call->Start(*stub_, method, headers, request);
  return call;
}

}  // namespace points::server::http

#include "server/gate/call_guard.h"

#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "server/convert/status.h"
#include "server/gate/request_limits.h"
#include "server/ops/log.h"

namespace points::server {
namespace {

// The field the protobuf parser last refused on this thread ("points.v1.Award.note"), set by
// the log handler and taken by the guard of the call whose request it was parsing.
thread_local std::string t_refused_field;

constexpr absl::string_view kUtf8Prefix = "String field '";

void OnProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                   const std::string& message) {
  if (absl::StartsWith(message, kUtf8Prefix) && absl::StrContains(message, "when parsing")) {
    const size_t end = message.find('\'', kUtf8Prefix.size());
    if (end != std::string::npos) {
      t_refused_field = message.substr(kUtf8Prefix.size(), end - kUtf8Prefix.size());
      return;  // the guard answers and logs it, rate-limited per peer
    }
  }
  const LogLevel ours = level >= google::protobuf::LOGLEVEL_ERROR     ? LogLevel::kError
                        : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                                      : LogLevel::kInfo;
  Log(ours, "protobuf", message, {{"file", filename != nullptr ? filename : ""}, {"line", line}});
}

// What a request that did not parse is told (after the token check): the field by its path
// from the request, or the message type when the bytes are not protobuf at all.
std::string WhatDidNotParse(const char* method, const std::string& field) {
  // "/points.v1.AwardService/RecordAward" -> "points.v1.AwardService.RecordAward"
  std::string name = method != nullptr ? method : "";
  if (absl::StartsWith(name, "/")) name.erase(0, 1);
  absl::StrReplaceAll({{"/", "."}}, &name);
  const google::protobuf::MethodDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  if (descriptor == nullptr) return "the request does not parse";
  const google::protobuf::Descriptor& type = *descriptor->input_type();
  if (!field.empty()) {
    const std::string path = FieldPath(type, field);
    return absl::StrCat(path.empty() ? field : path,
                        ": not valid UTF-8 (text fields take UTF-8 only; binary data goes in "
                        "bytes fields)");
  }
  return absl::StrCat("the request is not a valid ", type.full_name(), " (protobuf wire format)");
}

class CallGuard final : public grpc::experimental::Interceptor {
 public:
  CallGuard(const Gate* gate, grpc::experimental::ServerRpcInfo* info) : gate_(gate), info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE)) {
      // Taken at every message, so a field left by another call's parse is never reused.
      std::string field = std::exchange(t_refused_field, {});
      if (methods->GetRecvMessage() == nullptr) {
        unparsed_ = true;
        field_ = std::move(field);
      }
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      if (unparsed_) {
        const std::string what = WhatDidNotParse(info_->method(), field_);
        methods->ModifySendStatus(
            ToGrpcStatus(gate_->Unparsed(*info_->server_context(), info_->method(), what)));
      } else if (methods->GetSendStatus().error_message().size() > kStatusMessageBytesMax) {
        methods->ModifySendStatus(BoundedStatus(methods->GetSendStatus()));
      }
    }
    methods->Proceed();
  }

 private:
  const Gate* const gate_;
  grpc::experimental::ServerRpcInfo* const info_;
  bool unparsed_ = false;
  std::string field_;
};

class CallGuardFactoryImpl final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallGuardFactoryImpl(const Gate* gate) : gate_(gate) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallGuard(gate_, info);
  }

 private:
  const Gate* const gate_;
};

}  // namespace

void InstallProtobufLogHandler() { google::protobuf::SetLogHandler(&OnProtobufLog); }

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> CallGuardFactory(
    const Gate* gate) {
  return std::make_unique<CallGuardFactoryImpl>(gate);
}

}  // namespace points::server

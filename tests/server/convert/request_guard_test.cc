// What every request meets before a handler reads it (issue 13, items 1 and 2), through the real
// pointsd: a text field holding bytes that are not UTF-8 is refused with INVALID_ARGUMENT naming
// the field (not gRPC's UNIMPLEMENTED ""), every string, bytes and repeated field is bounded by
// the limit the contract declares beside it (proto/points/v1/limits.proto), and no status message
// grows with its input, so a long value never stalls the caller's connection.
//
// The cases are generated from the descriptors of every RPC in the authorization table, so a new
// RPC or field is covered without editing this file.
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "points/limits.h"
#include "points/v1/admin.pb.h"
#include "points/v1/awards.pb.h"
#include "points/v1/board.pb.h"
#include "points/v1/community.pb.h"
#include "points/v1/ledger.pb.h"
#include "points/v1/receipts.pb.h"
#include "points/v1/shops.pb.h"
#include "points/v1/tasks.pb.h"
#include "server/convert/status.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/org_book.h"
#include "server/domain/books/payment_book.h"
#include "server/domain/books/principal_book.h"
#include "server/domain/books/rating_book.h"
#include "server/domain/books/rule_book.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/books/task_book.h"
#include "server/domain/values/award.h"
#include "server/domain/values/text.h"
#include "server/gate/authz.h"
#include "server/gate/request_limits.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"

namespace points::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

// The generated pool knows a .proto file once its code is linked in: name one message of each
// (a new file must be added here, or MethodOf finds none of its RPCs and the tests say so).
const bool kEveryFileLinked = v1::CreateTransfersRequest::descriptor() != nullptr &&
                              v1::RecordAwardRequest::descriptor() != nullptr &&
                              v1::RedeemBasketRequest::descriptor() != nullptr &&
                              v1::GetBoardRequest::descriptor() != nullptr &&
                              v1::PostTaskRequest::descriptor() != nullptr &&
                              v1::CreatePrincipalRequest::descriptor() != nullptr &&
                              v1::DonateRequest::descriptor() != nullptr &&
                              v1::ProveTransfersRequest::descriptor() != nullptr;

const MethodDescriptor* MethodOf(const RpcRule& rule) {
  EXPECT_TRUE(kEveryFileLinked);
  std::string name = std::string(rule.method).substr(1);  // "/points.v1.X/Y" -> "points.v1.X.Y"
  absl::StrReplaceAll({{"/", "."}}, &name);
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
}

// A field reached from a request through message fields.
struct FieldPathInRequest {
  std::vector<const FieldDescriptor*> steps;  // the last is the field itself
  // "awards[].evidence[]" as the parser's refusal names it, "awards[0].evidence[0]" as a limit
  // names the element over it, "awards[0].evidence" as a count over its limit names the field.
  std::string Name(bool indexed, bool element = true) const {
    std::string name;
    for (const FieldDescriptor* f : steps) {
      absl::StrAppend(&name, name.empty() ? "" : ".", f->name());
      if (f->is_repeated() && (element || f != steps.back())) {
        absl::StrAppend(&name, indexed ? "[0]" : "[]");
      }
    }
    return name;
  }
};

void CollectFields(const Descriptor& type, std::vector<const FieldDescriptor*>* prefix,
                   std::set<const Descriptor*>* open, std::vector<FieldPathInRequest>* out) {
  if (!open->insert(&type).second) return;  // a message type within itself: once is enough
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* f = type.field(i);
    prefix->push_back(f);
    out->push_back({*prefix});
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      CollectFields(*f->message_type(), prefix, open, out);
    }
    prefix->pop_back();
  }
  open->erase(&type);
}

std::vector<FieldPathInRequest> FieldsOf(const Descriptor& request) {
  std::vector<FieldPathInRequest> out;
  std::vector<const FieldDescriptor*> prefix;
  std::set<const Descriptor*> open;
  CollectFields(request, &prefix, &open, &out);
  return out;
}

bool IsText(const FieldDescriptor& f) { return f.type() == FieldDescriptor::TYPE_STRING; }
bool IsTextOrBytes(const FieldDescriptor& f) {
  return f.type() == FieldDescriptor::TYPE_STRING || f.type() == FieldDescriptor::TYPE_BYTES;
}

// Protobuf's wire format by hand, so that the bytes are exactly what a client sent and no
// library refuses to write them.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

std::string LengthDelimited(const FieldDescriptor& f, const std::string& payload) {
  return Varint(uint64_t(f.number()) << 3 | 2) + Varint(payload.size()) + payload;
}

// A request holding `elements` copies of `leaf` in the path's last field, and nothing else. A
// number field (RatingRound.stars) holds `elements` zeros instead, each as its own varint.
std::string Encode(const FieldPathInRequest& path, const std::string& leaf, size_t elements = 1) {
  const FieldDescriptor& last = *path.steps.back();
  const bool number = last.cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
                      last.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE;
  std::string bytes;
  for (size_t i = 0; i < elements; ++i) {
    bytes +=
        number ? Varint(uint64_t(last.number()) << 3) + Varint(0) : LengthDelimited(last, leaf);
  }
  for (size_t k = path.steps.size() - 1; k-- > 0;) bytes = LengthDelimited(*path.steps[k], bytes);
  return bytes;
}

// Unary calls by method name on one channel, as a client library would make them.
class RawCaller {
 public:
  explicit RawCaller(const std::string& target)
      : channel_(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
        stub_(channel_) {}

  grpc::Status Call(const std::string& method, const std::string& bytes, const std::string& token,
                    int deadline_seconds = 10) {
    grpc::Slice slice(bytes);
    const grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_seconds));
    if (!token.empty()) testing::AddToken(&context, token);
    absl::Notification done;
    grpc::Status status;
    stub_.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      status = s;
                      done.Notify();
                    });
    done.WaitForNotification();
    return status;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
};

TEST(RequestLimitsTest, EveryTextBytesAndRepeatedFieldOfEveryRequestHasALimit) {
  size_t fields = 0;
  for (const RpcRule& rule : AuthzTable()) {
    const MethodDescriptor* method = MethodOf(rule);
    ASSERT_NE(method, nullptr) << rule.method;
    for (const FieldPathInRequest& path : FieldsOf(*method->input_type())) {
      const FieldDescriptor& f = *path.steps.back();
      if (IsTextOrBytes(f)) {
        ++fields;
        EXPECT_GT(MaxBytes(f), 0u) << f.full_name() << " (in " << rule.method
                                   << ") has no [(max_bytes) = N] in the contract";
      }
      if (f.is_repeated()) {
        EXPECT_GT(MaxItems(f), 0u) << f.full_name() << " (in " << rule.method
                                   << ") has no [(max_items) = N] in the contract";
      }
    }
  }
  EXPECT_GT(fields, 50u);
}

// The contract's limits are the domain's and the engine's: one truth, checked here where both
// are known.
TEST(RequestLimitsTest, TheContractDeclaresTheDomainsLimits) {
  const std::map<std::string, uint64_t> bytes = {
      {"points.v1.Award.note", domain::kNoteBytesMax},
      {"points.v1.Award.evidence", domain::kEvidenceRefBytesMax},
      {"points.v1.Award.recorded_by", domain::kPersonBytesMax},
      {"points.v1.ObjectToAwardRequest.reason", domain::kNoteBytesMax},
      {"points.v1.CompleteTaskRequest.note", domain::kNoteBytesMax},
      {"points.v1.CompleteTaskRequest.evidence", domain::kEvidenceRefBytesMax},
      {"points.v1.Town.name", domain::kOrgNameBytesMax},
      {"points.v1.Village.name", domain::kOrgNameBytesMax},
      {"points.v1.Grid.name", domain::kOrgNameBytesMax},
      {"points.v1.Household.name", domain::kNameBytesMax},
      {"points.v1.HouseholdMember.name", domain::kNameBytesMax},
      {"points.v1.HouseholdMember.phone", domain::kPhoneBytesMax},
      {"points.v1.Rule.name", domain::kRuleNameBytesMax},
      {"points.v1.Item.name", domain::kItemNameBytesMax},
      {"points.v1.CreateShopRequest.name", domain::kItemNameBytesMax},
      {"points.v1.Task.title", domain::kTaskTitleBytesMax},
      {"points.v1.RateRequest.comment", domain::kRatingCommentBytesMax},
      {"points.v1.Principal.name", domain::kPrincipalNameBytesMax},
      {"points.v1.RevokePrincipalRequest.name", domain::kPrincipalNameBytesMax},
      {"points.v1.PaymentConsent.payment_code", domain::kPaymentCodeBytesMax},
      {"points.v1.PaymentConsent.card_number", domain::kCardNumberDigits},
      {"points.v1.PaymentConsent.pin", domain::kPinDigitsMax},
      {"points.v1.IssueCardRequest.pin", domain::kPinDigitsMax},
  };
  const std::map<std::string, uint64_t> items = {
      {"points.v1.CreateTransfersRequest.transfers", kBatchEventsMax},
      {"points.v1.CreateAccountsRequest.accounts", kBatchEventsMax},
      {"points.v1.LookupAccountsRequest.ids", kLookupIdsMax},
      {"points.v1.LookupTransfersRequest.ids", kLookupIdsMax},
      {"points.v1.WatchAccountsRequest.account_ids", kWatchAccountsMax},
      {"points.v1.Award.evidence", domain::kEvidenceRefsMax},
      {"points.v1.Household.members", domain::kMembersMax},
      {"points.v1.Basket.lines", domain::kBasketLinesMax},
  };
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const auto& [name, max] : bytes) {
    const FieldDescriptor* f = pool->FindFieldByName(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(MaxBytes(*f), max) << name;
  }
  for (const auto& [name, max] : items) {
    const FieldDescriptor* f = pool->FindFieldByName(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(MaxItems(*f), max) << name;
  }
}

TEST(StatusBoundTest, LongMessagesAreCutOnACharacterBoundaryWithTheirLength) {
  EXPECT_EQ(BoundedStatusMessage("short"), "short");
  std::string chinese;
  for (int i = 0; i < 1000; ++i) chinese += "积";  // 3 bytes each
  const std::string cut = BoundedStatusMessage(chinese);
  EXPECT_LE(cut.size(), kStatusMessageBytesMax);
  EXPECT_TRUE(domain::IsUtf8(cut)) << cut;
  EXPECT_TRUE(absl::StrContains(cut, "(cut; 3000 bytes)")) << cut;
  EXPECT_EQ(domain::Echo("abc"), "'abc'");
  const std::string echoed = domain::Echo(std::string(100'000, 'x'));
  EXPECT_LT(echoed.size(), 64u);
  EXPECT_TRUE(absl::StrContains(echoed, "(100000 bytes)")) << echoed;
  EXPECT_TRUE(domain::IsUtf8(domain::Echo(chinese)));
  EXPECT_EQ(domain::Echo("a\xFF"), "'a\\xFF'");
}

// An INVALID_ARGUMENT whose message starts with `start`, for a call of `method`.
void ExpectInvalidArgument(const grpc::Status& status, const std::string& start,
                           const char* method) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << method << " " << start << ": " << status.error_message();
  EXPECT_TRUE(absl::StartsWith(status.error_message(), start))
      << method << ": " << status.error_message();
}

class RequestGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/request_guard_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    pointsd_ = std::make_unique<testing::Pointsd>(
        dir_ + "/data", 0, std::vector<std::string>{"--demo", "--log-format", "json"},
        dir_ + "/pointsd.log");
    ASSERT_GT(pointsd_->port(), 0);
    admin_ = pointsd_->admin_token();
    ASSERT_FALSE(admin_.empty());
  }
  void TearDown() override {
    pointsd_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }

  // A token of a role the RPC allows, in the demo village's scope.
  std::string TokenFor(const RpcRule& rule) {
    using domain::Role;
    for (const Role role : {Role::kAdmin, Role::kCommittee, Role::kGridWorker, Role::kShopkeeper,
                            Role::kHousehold, Role::kAuditor}) {
      if (!RoleMay(role, rule.rpc)) continue;
      if (role == Role::kAdmin) return admin_;
      auto [it, made] = tokens_.try_emplace(role);
      if (made) {
        testing::PrincipalSpec spec{.name = absl::StrCat("guard-", domain::RoleName(role)),
                                    .role = static_cast<v1::Role>(role)};
        if (role != Role::kAuditor) spec.village = 1;
        if (role == Role::kGridWorker) spec.grid = 1;
        if (role == Role::kShopkeeper) spec.shop = 1;
        if (role == Role::kHousehold) spec.household = 1;
        it->second = testing::MakePrincipal(pointsd_->target(), admin_, spec);
      }
      return it->second;
    }
    ADD_FAILURE() << rule.method << " is allowed to no role";
    return admin_;
  }

  std::string Log() const {
    std::ifstream file(dir_ + "/pointsd.log");
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  std::string dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::string admin_;
  std::map<domain::Role, std::string> tokens_;
};

TEST_F(RequestGuardTest, TextThatIsNotUtf8IsRefusedNamingTheFieldInEveryRequest) {
  RawCaller caller(pointsd_->target());
  size_t cases = 0;
  for (const RpcRule& rule : AuthzTable()) {
    const MethodDescriptor* method = MethodOf(rule);
    ASSERT_NE(method, nullptr) << rule.method;
    for (const FieldPathInRequest& path : FieldsOf(*method->input_type())) {
      if (!IsText(*path.steps.back())) continue;
      ASSERT_FALSE(method->server_streaming()) << "teach this test to open a stream";
      const std::string request = Encode(path, "ok\xC3\x28no\xFF");
      const grpc::Status status = caller.Call(rule.method, request, admin_);
      ExpectInvalidArgument(status, path.Name(false) + ": not valid UTF-8", rule.method);
      // Without a token the caller learns nothing of its request.
      const grpc::Status anonymous = caller.Call(rule.method, request, "");
      EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << rule.method << " " << path.Name(false) << ": " << anonymous.error_message();
      ++cases;
    }
  }
  EXPECT_GT(cases, 40u);
  // The server's log stays one JSON object per line: no plain "[libprotobuf ERROR ...]" text.
  std::istringstream lines(Log());
  size_t unparsed = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(absl::StartsWith(line, "{") && absl::EndsWith(line, "}")) << line;
    EXPECT_FALSE(absl::StrContains(line, "libprotobuf")) << line;
    unparsed += absl::StrContains(line, "\"event\":\"unparsed_request\"");
  }
  EXPECT_GT(unparsed, 0u);
}

TEST_F(RequestGuardTest, AnOverlongValueInEveryFieldGetsAPromptAnswerNamingTheLimit) {
  RawCaller caller(pointsd_->target());
  const std::string long_value((1 << 20) - 1024, 'a');  // 1 MiB - 1 KiB: within the 4 MiB cap
  size_t cases = 0;
  for (const RpcRule& rule : AuthzTable()) {
    const MethodDescriptor* method = MethodOf(rule);
    ASSERT_NE(method, nullptr) << rule.method;
    const std::string token = TokenFor(rule);
    for (const FieldPathInRequest& path : FieldsOf(*method->input_type())) {
      const FieldDescriptor& f = *path.steps.back();
      if (!IsTextOrBytes(f) || method->server_streaming()) continue;
      const auto started = std::chrono::steady_clock::now();
      const grpc::Status status = caller.Call(rule.method, Encode(path, long_value), token);
      const auto took = std::chrono::steady_clock::now() - started;
      const std::string expected =
          absl::StrCat(path.Name(true), ": ", long_value.size(), " bytes, at most ", MaxBytes(f));
      ExpectInvalidArgument(status, expected, rule.method);
      EXPECT_LE(status.error_message().size(), kStatusMessageBytesMax);
      EXPECT_LT(took, std::chrono::seconds(5)) << rule.method << " " << expected;
      ++cases;
    }
    // The same connection serves the next call at once.
    const grpc::Status next = caller.Call("/points.v1.VillageService/ListTowns", "", admin_, 5);
    ASSERT_TRUE(next.ok()) << "after " << rule.method << ": " << next.error_message();
  }
  EXPECT_GT(cases, 50u);
}

TEST_F(RequestGuardTest, EveryRepeatedFieldOverItsCountNamesTheLimit) {
  RawCaller caller(pointsd_->target());
  size_t cases = 0;
  for (const RpcRule& rule : AuthzTable()) {
    const MethodDescriptor* method = MethodOf(rule);
    ASSERT_NE(method, nullptr) << rule.method;
    const std::string token = TokenFor(rule);
    for (const FieldPathInRequest& path : FieldsOf(*method->input_type())) {
      const FieldDescriptor& f = *path.steps.back();
      if (!f.is_repeated() || MaxItems(f) == 0 || method->server_streaming()) continue;
      const grpc::Status status =
          caller.Call(rule.method, Encode(path, "", MaxItems(f) + 1), token);
      const std::string expected = absl::StrCat(path.Name(true, false), ": ", MaxItems(f) + 1,
                                                " items, at most ", MaxItems(f));
      ExpectInvalidArgument(status, expected, rule.method);
      ++cases;
    }
  }
  EXPECT_GT(cases, 8u);
}

// A name of 100,000 bytes once got no answer (its INVALID_ARGUMENT repeated it whole and
// overflowed the client's metadata limit) and hung the next call on the connection too.
TEST_F(RequestGuardTest, ALongPrincipalNameIsRefusedAndTheConnectionGoesOn) {
  RawCaller caller(pointsd_->target());
  v1::CreatePrincipalRequest request;
  request.mutable_principal()->set_name(std::string(100'000, 'n'));
  request.mutable_principal()->set_role(v1::ROLE_COMMITTEE);
  request.mutable_principal()->set_village(1);
  const grpc::Status status = caller.Call("/points.v1.AdminService/CreatePrincipal",
                                          request.SerializeAsString(), admin_, 5);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(status.error_message(),
            "principal.name: 100000 bytes, at most 64 (proto/points/v1/limits.proto)");
  v1::RevokePrincipalRequest revoke;
  revoke.set_name(std::string(64, 'r'));
  const grpc::Status unknown =
      caller.Call("/points.v1.AdminService/RevokePrincipal", revoke.SerializeAsString(), admin_, 5);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND) << unknown.error_message();
  EXPECT_LT(unknown.error_message().size(), 120u) << unknown.error_message();
  EXPECT_TRUE(caller.Call("/points.v1.VillageService/ListTowns", "", admin_, 5).ok());
}

}  // namespace
}  // namespace points::server

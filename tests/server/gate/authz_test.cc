// Who may do what (server/AUTHZ.md), held against the real pointsd over TLS: every RPC of the
// authorization table in code (AuthzTable(), server/gate/authz.cc) called as every role, so a new
// RPC without a case here fails; calls without a valid token; the scope of each role (village,
// grid, shop, household, the raw ledger); an award's recorder approving it; denied calls that
// write nothing and are counted and logged; revocation at once and across a restart, in the
// hash-chained operator audit; and the per-principal rate limit. Certificates are made for each
// run with the openssl command, as tls_test.cc does.
#include "server/gate/authz.h"

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "points/v1/admin.grpc.pb.h"
#include "points/v1/awards.grpc.pb.h"
#include "points/v1/board.grpc.pb.h"
#include "points/v1/community.grpc.pb.h"
#include "points/v1/ledger.grpc.pb.h"
#include "points/v1/receipts.grpc.pb.h"
#include "points/v1/shops.grpc.pb.h"
#include "points/v1/tasks.grpc.pb.h"
#include "server/domain/books/principal_book.h"
#include "server/domain/values/ids.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"
#include "tests/testing/server_testing.h"
#include "tests/testing/tls_testing.h"

namespace points::server {
namespace {

using domain::Role;
using grpc::StatusCode;

// The demo village (server/main/demo_village.cc): village 1 of town 1; households 1 and 2 in grid
// 1, household 3 in grid 2; shop 1 the village supermarket, shop 2 a partner shop; award 9001 of
// household 2 recorded by grid-wang and awaiting review.
using testing::IdBytes;

constexpr uint32_t kVillage = 1;
constexpr uint32_t kGrid = 1;
constexpr uint32_t kOtherGrid = 2;
constexpr uint64_t kHousehold = 1;
constexpr uint64_t kNeighbour = 2;
constexpr uint64_t kOtherGridHousehold = 3;
constexpr uint32_t kShop = 1;
constexpr uint32_t kOtherShop = 2;
constexpr uint64_t kDemoAward = 9001;
constexpr uint32_t kTaskRule = 5;  // the demo catalogue's task rule

constexpr Role kRoles[] = {Role::kAdmin,      Role::kCommittee, Role::kGridWorker,
                           Role::kShopkeeper, Role::kHousehold, Role::kAuditor};

std::string HouseholdAccount(uint64_t household) {
  return IdBytes(domain::ids::Household(kVillage, household));
}

using testing::MakeCertificates;

std::string Read(const std::string& path) { return testing::ReadFile(path); }

// The sum of every sample of points_rpc_denied_total whose labels include `label` (all of them
// when empty).
double DeniedTotal(const std::string& metrics, const std::string& label = "") {
  double total = 0;
  for (const absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::StartsWith(line, "points_rpc_denied_total{")) continue;
    if (!label.empty() && !absl::StrContains(line, label)) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) total += value;
  }
  return total;
}

// This month, YYYYMM in China Standard Time.
uint32_t ThisMonth() {
  const absl::CivilMonth m = absl::ToCivilMonth(absl::Now(), absl::FixedTimeZone(8 * 3600));
  return static_cast<uint32_t>(m.year() * 100 + m.month());
}

uint64_t NowNs() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

// What an `authorization` metadata value is made of: "" sends none.
std::string Bearer(const std::string& token) { return "Bearer " + token; }

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), " ", status.error_message());
}

// One call of an RPC with the given `authorization` metadata ("" for none).
using Call = std::function<grpc::Status(const std::string& authorization)>;

class AuthzTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_dir_ = new testing::TempDir();
    certs_ok_ = MakeCertificates(certs_dir_->path(), "server");
    ca_pem_ = Read(certs_dir_->path() + "/server-ca.pem");
  }
  static void TearDownTestSuite() {
    delete certs_dir_;
    certs_dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(certs_ok_) << "openssl could not make certificates";
    MakeCalls();
  }

  // Starts pointsd over TLS on the test's data directory, with the demo village, metrics, JSON
  // logs in pointsd.log and `rate_limit`.
  void Start(const std::string& rate_limit = "1000/5000") {
    const std::string certs = certs_dir_->path();
    pointsd_.reset();
    pointsd_ = std::make_unique<testing::Pointsd>(
        data_dir(), 0,
        std::vector<std::string>{"--tls-cert", certs + "/server.pem", "--tls-key",
                                 certs + "/server.key", "--demo", "--metrics-listen", "127.0.0.1:0",
                                 "--log-format", "json", "--rate-limit", rate_limit},
        log_path());
    ASSERT_GT(pointsd_->port(), 0) << Read(log_path());
    ASSERT_GT(pointsd_->metrics_port(), 0);
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ca_pem_;
    credentials_ = grpc::SslCredentials(tls);
    channel_ = grpc::CreateChannel(pointsd_->target(), credentials_);
    ledger_ = v1::LedgerService::NewStub(channel_);
    village_ = v1::VillageService::NewStub(channel_);
    award_ = v1::AwardService::NewStub(channel_);
    board_ = v1::BoardService::NewStub(channel_);
    shop_ = v1::ShopService::NewStub(channel_);
    task_ = v1::TaskService::NewStub(channel_);
    admin_ = v1::AdminService::NewStub(channel_);
    receipts_ = v1::ReceiptService::NewStub(channel_);
    community_ = v1::CommunityService::NewStub(channel_);
    admin_token_ = pointsd_->admin_token();
    ASSERT_EQ(admin_token_.size(), 64u);
  }

  std::string data_dir() const { return dir_.path() + "/data"; }
  std::string log_path() const { return dir_.path() + "/pointsd.log"; }

  std::string MakePrincipal(const testing::PrincipalSpec& spec) {
    return testing::MakePrincipal(pointsd_->target(), admin_token_, spec, credentials_);
  }

  // One principal of each role in village 1, and the others the scope checks need.
  void MakePrincipals() {
    token_[Role::kAdmin] = admin_token_;  // "admin": the whole county
    token_[Role::kCommittee] =
        MakePrincipal({.name = "committee-1", .role = v1::ROLE_COMMITTEE, .village = kVillage});
    token_[Role::kGridWorker] = MakePrincipal(
        {.name = "grid-1-1", .role = v1::ROLE_GRID_WORKER, .village = kVillage, .grid = kGrid});
    token_[Role::kShopkeeper] = MakePrincipal(
        {.name = "shop-1-1", .role = v1::ROLE_SHOPKEEPER, .village = kVillage, .shop = kShop});
    token_[Role::kHousehold] = MakePrincipal({.name = "household-1-1",
                                              .role = v1::ROLE_HOUSEHOLD,
                                              .village = kVillage,
                                              .household = kHousehold});
    token_[Role::kAuditor] = MakePrincipal({.name = "auditor-county", .role = v1::ROLE_AUDITOR});
    second_committee_ =
        MakePrincipal({.name = "committee-1b", .role = v1::ROLE_COMMITTEE, .village = kVillage});
    other_village_committee_ =
        MakePrincipal({.name = "committee-2", .role = v1::ROLE_COMMITTEE, .village = 2});
    other_shopkeeper_ = MakePrincipal(
        {.name = "shop-1-2", .role = v1::ROLE_SHOPKEEPER, .village = kVillage, .shop = kOtherShop});
    neighbour_ = MakePrincipal({.name = "household-1-2",
                                .role = v1::ROLE_HOUSEHOLD,
                                .village = kVillage,
                                .household = kNeighbour});
    other_grid_worker_ = MakePrincipal({.name = "grid-1-2",
                                        .role = v1::ROLE_GRID_WORKER,
                                        .village = kVillage,
                                        .grid = kOtherGrid});
    for (Role role : kRoles) ASSERT_EQ(token_[role].size(), 64u) << domain::RoleName(role);
  }
  std::string As(Role role) { return Bearer(token_[role]); }

  // A call context with `authorization` ("" sends none) and a deadline.
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& authorization,
                                                  int deadline_seconds = 20) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(deadline_seconds));
    if (!authorization.empty()) context->AddMetadata("authorization", authorization);
    return context;
  }

  Id Fresh(uint64_t tag) { return absl::MakeUint128(tag, ++serial_); }

  // The household's payment code, asked by its own app.
  std::string PaymentCode(uint64_t household = kHousehold) {
    v1::IssuePaymentCodeRequest r;
    r.set_village(kVillage);
    r.set_household(household);
    v1::IssuePaymentCodeResponse out;
    const std::string& token = household == kHousehold ? token_[Role::kHousehold] : neighbour_;
    const grpc::Status s = shop_->IssuePaymentCode(Ctx(Bearer(token)).get(), r, &out);
    EXPECT_TRUE(s.ok()) << "IssuePaymentCode: " << Describe(s);
    return out.code();
  }

  // Redeems one soap (3 points) at `shop` for household 1 with `code`.
  grpc::Status Redeem(const std::string& authorization, uint32_t shop, Id basket,
                      const std::string& code, v1::Basket* out = nullptr) {
    v1::RedeemBasketRequest r;
    v1::Basket* b = r.mutable_basket();
    b->set_basket_id(IdBytes(basket));
    b->set_village(kVillage);
    b->set_shop(shop);
    b->set_household(kHousehold);
    v1::BasketLine* line = b->add_lines();
    line->set_item(2);
    line->set_quantity(1);
    r.mutable_consent()->set_payment_code(code);
    v1::RedeemBasketResponse response;
    const grpc::Status s = shop_->RedeemBasket(Ctx(authorization).get(), r, &response);
    if (out != nullptr) *out = response.basket();
    return s;
  }

  // A basket redeemed at shop 1, for the calls that name one.
  void RedeemKnownBasket() {
    known_basket_ = Fresh(0xba5);
    v1::Basket basket;
    const grpc::Status s =
        Redeem(As(Role::kShopkeeper), kShop, known_basket_, PaymentCode(), &basket);
    ASSERT_TRUE(s.ok()) << Describe(s);
    ASSERT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  }

  grpc::Status RecordAward(const std::string& authorization, Id id, uint64_t household,
                           v1::Award* out = nullptr) {
    v1::RecordAwardRequest r;
    v1::Award* a = r.mutable_award();
    a->set_award_id(IdBytes(id));
    a->set_village(kVillage);
    a->set_household(household);
    a->mutable_rule()->set_rule(1);  // yard hygiene check, 10 points
    a->set_quantity(1);
    a->add_evidence("photo:authz-test");
    a->set_note("authz test");
    a->set_recorded_by("someone-else");  // ignored: the recorder is the caller
    v1::RecordAwardResponse response;
    const grpc::Status s = award_->RecordAward(Ctx(authorization).get(), r, &response);
    if (out != nullptr) *out = response.award();
    return s;
  }

  grpc::Status Approve(const std::string& authorization, Id id, v1::Award* out = nullptr) {
    v1::ApproveAwardRequest r;
    r.set_village(kVillage);
    r.set_award_id(IdBytes(id));
    v1::ApproveAwardResponse response;
    const grpc::Status s = award_->ApproveAward(Ctx(authorization).get(), r, &response);
    if (out != nullptr) *out = response.award();
    return s;
  }

  // Reads the first answer of a watch on `accounts`, or its status: OK once a change came.
  grpc::Status Watch(const std::string& authorization, const std::vector<std::string>& accounts) {
    v1::WatchAccountsRequest r;
    for (const std::string& account : accounts) r.add_account_ids(account);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1500));
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    std::unique_ptr<grpc::ClientReader<v1::WatchAccountsResponse>> reader =
        ledger_->WatchAccounts(&context, r);
    v1::WatchAccountsResponse first;
    if (reader->Read(&first)) {
      context.TryCancel();
      reader->Finish();
      return grpc::Status::OK;
    }
    return reader->Finish();
  }

  // For every RPC, a call on a well-formed request for village 1, shop 1, household 1 (of grid
  // 1): authorization-wise fine for every role the table allows, so that only the gate decides.
  void MakeCalls() {
    auto add = [this](const std::string& method, Call call) {
      EXPECT_TRUE(calls_.emplace(method, std::move(call)).second) << method << " twice";
    };
    // points.v1.LedgerService
    add("/points.v1.LedgerService/CreateAccounts", [this](const std::string& auth) {
      v1::CreateAccountsRequest r;
      v1::Account* a = r.add_accounts();
      a->set_id(IdBytes(absl::MakeUint128(0xa07a, 1)));
      a->set_ledger(1);
      a->set_code(9);
      v1::CreateAccountsResponse out;
      return ledger_->CreateAccounts(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.LedgerService/CreateTransfers", [this](const std::string& auth) {
      v1::CreateTransfersRequest r;
      v1::Transfer* t = r.add_transfers();
      t->set_id(IdBytes(absl::MakeUint128(0xa07a, 2)));
      t->set_debit_account_id(IdBytes(1));  // the demo issuer and household 101, on ledger 1
      t->set_credit_account_id(IdBytes(101));
      t->set_amount(1);
      t->set_ledger(1);
      t->set_code(10);
      v1::CreateTransfersResponse out;
      return ledger_->CreateTransfers(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.LedgerService/LookupAccounts", [this](const std::string& auth) {
      v1::LookupAccountsRequest r;
      r.add_ids(HouseholdAccount(kHousehold));
      v1::LookupAccountsResponse out;
      return ledger_->LookupAccounts(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.LedgerService/LookupTransfers", [this](const std::string& auth) {
      v1::LookupTransfersRequest r;
      r.add_ids(IdBytes(absl::MakeUint128(0xde70, kHousehold)));  // its opening balance
      v1::LookupTransfersResponse out;
      return ledger_->LookupTransfers(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.LedgerService/GetAccountHistory", [this](const std::string& auth) {
      v1::GetAccountHistoryRequest r;
      r.set_account_id(HouseholdAccount(kHousehold));
      r.set_limit(10);
      v1::GetAccountHistoryResponse out;
      return ledger_->GetAccountHistory(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.LedgerService/WatchAccounts",
        [this](const std::string& auth) { return Watch(auth, {HouseholdAccount(kHousehold)}); });
    // points.v1.VillageService
    add("/points.v1.VillageService/PutTown", [this](const std::string& auth) {
      v1::PutTownRequest r;
      r.mutable_town()->set_town(1);
      r.mutable_town()->set_name("清溪镇");
      v1::PutTownResponse out;
      return village_->PutTown(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/ListTowns", [this](const std::string& auth) {
      v1::ListTownsResponse out;
      return village_->ListTowns(Ctx(auth).get(), v1::ListTownsRequest(), &out);
    });
    add("/points.v1.VillageService/PutVillage", [this](const std::string& auth) {
      v1::PutVillageRequest r;
      r.mutable_village()->set_village(kVillage);
      r.mutable_village()->set_name("东山村");
      r.mutable_village()->set_town(1);
      v1::PutVillageResponse out;
      return village_->PutVillage(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/ListVillages", [this](const std::string& auth) {
      v1::ListVillagesResponse out;
      return village_->ListVillages(Ctx(auth).get(), v1::ListVillagesRequest(), &out);
    });
    add("/points.v1.VillageService/PutGrid", [this](const std::string& auth) {
      v1::PutGridRequest r;
      v1::Grid* g = r.mutable_grid();
      g->set_village(kVillage);
      g->set_grid(kGrid);
      g->set_name("第一网格");
      g->set_worker("grid-wang");
      v1::PutGridResponse out;
      return village_->PutGrid(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/ListGrids", [this](const std::string& auth) {
      v1::ListGridsRequest r;
      r.set_village(kVillage);
      v1::ListGridsResponse out;
      return village_->ListGrids(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/CreateVillage", [this](const std::string& auth) {
      v1::CreateVillageRequest r;
      r.set_village(kVillage);
      v1::CreateVillageResponse out;
      return village_->CreateVillage(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/CreateHousehold", [this](const std::string& auth) {
      v1::CreateHouseholdRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      v1::CreateHouseholdResponse out;
      return village_->CreateHousehold(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/PutHousehold", [this](const std::string& auth) {
      v1::PutHouseholdRequest r;  // household 1 as the demo has it
      v1::Household* h = r.mutable_household();
      h->set_village(kVillage);
      h->set_household(kHousehold);
      h->set_name("张家");
      h->set_grid(kGrid);
      v1::HouseholdMember* head = h->add_members();
      head->set_name("张小明");
      head->set_head(true);
      v1::PutHouseholdResponse out;
      return village_->PutHousehold(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/GetHousehold", [this](const std::string& auth) {
      v1::GetHouseholdRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      v1::GetHouseholdResponse out;
      return village_->GetHousehold(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/ListHouseholds", [this](const std::string& auth) {
      v1::ListHouseholdsRequest r;
      r.set_village(kVillage);
      v1::ListHouseholdsResponse out;
      return village_->ListHouseholds(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/CloseHousehold", [this](const std::string& auth) {
      v1::CloseHouseholdRequest r;  // refused by the book: household 1 holds points
      r.set_village(kVillage);
      r.set_household(kHousehold);
      v1::CloseHouseholdResponse out;
      return village_->CloseHousehold(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/SetExpiryPolicy", [this](const std::string& auth) {
      v1::SetExpiryPolicyRequest r;
      r.set_village(kVillage);
      r.set_enabled(false);
      v1::SetExpiryPolicyResponse out;
      return village_->SetExpiryPolicy(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.VillageService/SetBudget", [this](const std::string& auth) {
      v1::SetBudgetRequest r;
      r.set_village(kVillage);
      r.set_month(209912);  // far ahead: no award of this test falls in it
      r.set_points(1000);
      v1::SetBudgetResponse out;
      return village_->SetBudget(Ctx(auth).get(), r, &out);
    });
    // points.v1.AwardService
    add("/points.v1.AwardService/PutRule", [this](const std::string& auth) {
      v1::PutRuleRequest r;
      r.set_village(kVillage);
      v1::Rule* rule = r.mutable_rule();
      rule->set_rule(7);
      rule->set_category(v1::CATEGORY_HYGIENE);
      rule->set_points_per_unit(1);
      rule->set_name("authz test rule");
      v1::PutRuleResponse out;
      return award_->PutRule(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.AwardService/ListRules", [this](const std::string& auth) {
      v1::ListRulesRequest r;
      r.set_village(kVillage);
      v1::ListRulesResponse out;
      return award_->ListRules(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.AwardService/RecordAward",
        [this](const std::string& auth) { return RecordAward(auth, Fresh(0xa3a), kHousehold); });
    add("/points.v1.AwardService/RecordAwards", [this](const std::string& auth) {
      v1::RecordAwardsRequest r;
      v1::Award* a = r.add_awards();
      a->set_award_id(IdBytes(Fresh(0xa3a)));
      a->set_village(kVillage);
      a->set_household(kHousehold);
      a->mutable_rule()->set_rule(2);  // volunteering, per hour
      a->set_quantity(1);
      v1::RecordAwardsResponse out;
      const grpc::Status s = award_->RecordAwards(Ctx(auth).get(), r, &out);
      if (s.ok() && out.results_size() == 1 && out.results(0).error_code() != 0) {
        return grpc::Status(StatusCode(out.results(0).error_code()),
                            out.results(0).error_message());
      }
      return s;
    });
    add("/points.v1.AwardService/ApproveAward", [this](const std::string& auth) {
      return Approve(auth, kDemoAward);  // recorded by grid-wang
    });
    add("/points.v1.AwardService/ObjectToAward", [this](const std::string& auth) {
      v1::ObjectToAwardRequest r;
      r.set_village(kVillage);
      r.set_award_id(IdBytes(kDemoAward));
      r.set_reason("the yard was not clean");
      v1::ObjectToAwardResponse out;
      return award_->ObjectToAward(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.AwardService/DecideAward", [this](const std::string& auth) {
      v1::DecideAwardRequest r;
      r.set_village(kVillage);
      r.set_award_id(IdBytes(kDemoAward));
      r.set_keep(true);
      v1::DecideAwardResponse out;
      return award_->DecideAward(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.AwardService/GetAward", [this](const std::string& auth) {
      v1::GetAwardRequest r;
      r.set_village(kVillage);
      r.set_award_id(IdBytes(kDemoAward));
      v1::GetAwardResponse out;
      return award_->GetAward(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.AwardService/ListAwards", [this](const std::string& auth) {
      v1::ListAwardsRequest r;
      r.set_village(kVillage);
      r.set_state(v1::AWARD_STATE_AWAITING_REVIEW);
      v1::ListAwardsResponse out;
      return award_->ListAwards(Ctx(auth).get(), r, &out);
    });
    // points.v1.BoardService
    add("/points.v1.BoardService/GetBoard", [this](const std::string& auth) {
      v1::GetBoardRequest r;
      r.set_village(kVillage);
      v1::GetBoardResponse out;
      return board_->GetBoard(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.BoardService/GetStatement", [this](const std::string& auth) {
      v1::GetStatementRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      r.set_month(202601);
      v1::GetStatementResponse out;
      return board_->GetStatement(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.BoardService/GetReport", [this](const std::string& auth) {
      v1::GetReportRequest r;
      r.set_village(kVillage);
      r.set_month(202601);
      v1::GetReportResponse out;
      return board_->GetReport(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.BoardService/Rate", [this](const std::string& auth) {
      v1::RateRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      r.set_subject(v1::RATING_SUBJECT_BASKET);
      r.set_subject_id(IdBytes(known_basket_));
      r.set_stars(5);
      v1::RateResponse out;
      return board_->Rate(Ctx(auth).get(), r, &out);
    });
    // points.v1.ShopService
    add("/points.v1.ShopService/CreateShop", [this](const std::string& auth) {
      v1::CreateShopRequest r;
      r.set_village(kVillage);
      r.set_shop(kShop);
      r.set_name("村积分超市");
      v1::CreateShopResponse out;
      return shop_->CreateShop(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/PutItem", [this](const std::string& auth) {
      v1::PutItemRequest r;  // item 2 as the demo has it
      r.set_village(kVillage);
      r.set_shop(kShop);
      r.mutable_item()->set_item(2);
      r.mutable_item()->set_name("肥皂 (soap)");
      r.mutable_item()->set_points_price(3);
      r.mutable_item()->set_cash_price_fen(400);
      v1::PutItemResponse out;
      return shop_->PutItem(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/Restock", [this](const std::string& auth) {
      v1::RestockRequest r;
      r.set_village(kVillage);
      r.set_shop(kShop);
      r.set_item(2);
      r.set_restock_id(IdBytes(Fresh(0x5e5)));
      r.set_quantity(1);
      v1::RestockResponse out;
      return shop_->Restock(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/ListItems", [this](const std::string& auth) {
      v1::ListItemsRequest r;
      r.set_village(kVillage);
      r.set_shop(kShop);
      v1::ListItemsResponse out;
      return shop_->ListItems(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/RedeemBasket", [this](const std::string& auth) {
      return Redeem(auth, kShop, Fresh(0xba5), PaymentCode());  // with the household's consent
    });
    add("/points.v1.ShopService/ReturnBasket", [this](const std::string& auth) {
      v1::ReturnBasketRequest r;
      r.set_village(kVillage);
      r.set_basket_id(IdBytes(known_basket_));
      v1::ReturnBasketResponse out;
      return shop_->ReturnBasket(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/GetBasket", [this](const std::string& auth) {
      v1::GetBasketRequest r;
      r.set_village(kVillage);
      r.set_basket_id(IdBytes(known_basket_));
      v1::GetBasketResponse out;
      return shop_->GetBasket(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/SettleShop", [this](const std::string& auth) {
      v1::SettleShopRequest r;
      const Id id = Fresh(0x5e7);
      r.set_village(kVillage);
      r.set_shop(kShop);
      r.set_settlement_id(IdBytes(id));
      r.set_fen_per_point(100);
      v1::SettleShopResponse out;
      const grpc::Status s = shop_->SettleShop(Ctx(auth).get(), r, &out);
      if (s.ok()) last_settlement_ = id;
      return s;
    });
    add("/points.v1.ShopService/GetSettlement", [this](const std::string& auth) {
      v1::GetSettlementRequest r;
      r.set_village(kVillage);
      r.set_settlement_id(IdBytes(last_settlement_ != 0 ? last_settlement_ : Fresh(0x5e7)));
      v1::GetSettlementResponse out;
      return shop_->GetSettlement(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/SetOfflineLimits", [this](const std::string& auth) {
      v1::SetOfflineLimitsRequest r;  // the defaults again: the snapshot does not change
      r.set_village(kVillage);
      r.mutable_limits()->set_offline_hours(72);
      r.mutable_limits()->set_household_points(50);
      r.mutable_limits()->set_household_baskets(2);
      r.mutable_limits()->set_terminal_points(500);
      r.mutable_limits()->set_terminal_baskets(100);
      r.mutable_limits()->set_basket_points_max(50);
      v1::SetOfflineLimitsResponse out;
      return shop_->SetOfflineLimits(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/GetOfflineLimits", [this](const std::string& auth) {
      v1::GetOfflineLimitsRequest r;
      r.set_village(kVillage);
      v1::GetOfflineLimitsResponse out;
      return shop_->GetOfflineLimits(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/SetShopTerms", [this](const std::string& auth) {
      v1::SetShopTermsRequest r;
      r.set_village(kVillage);
      r.set_shop(kShop);
      r.set_discount_bp(500);
      r.set_levy_bp(500);
      v1::SetShopTermsResponse out;
      return shop_->SetShopTerms(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/RecordCashSale", [this](const std::string& auth) {
      v1::RecordCashSaleRequest r;
      r.set_sale_id(IdBytes(Fresh(0xca5)));
      r.set_village(kVillage);
      r.set_shop(kShop);
      r.set_household(kHousehold);
      v1::BasketLine* line = r.add_lines();
      line->set_item(1);
      line->set_quantity(1);
      v1::RecordCashSaleResponse out;
      return shop_->RecordCashSale(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/IssuePaymentCode", [this](const std::string& auth) {
      v1::IssuePaymentCodeRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      v1::IssuePaymentCodeResponse out;
      return shop_->IssuePaymentCode(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ShopService/IssueCard", [this](const std::string& auth) {
      v1::IssueCardRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      r.set_pin("2468");
      v1::IssueCardResponse out;
      return shop_->IssueCard(Ctx(auth).get(), r, &out);
    });
    // points.v1.TaskService
    add("/points.v1.TaskService/PostTask", [this](const std::string& auth) {
      v1::PostTaskRequest r;
      v1::Task* t = r.mutable_task();
      t->set_village(kVillage);
      t->set_task(1);
      t->set_title("清理村口垃圾 (clear the rubbish at the village gate)");
      t->set_rule(kTaskRule);
      t->set_units(3);
      t->set_slots(5);
      t->set_deadline(task_deadline_);
      v1::PostTaskResponse out;
      return task_->PostTask(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.TaskService/ClaimTask", [this](const std::string& auth) {
      v1::ClaimTaskRequest r;
      r.set_village(kVillage);
      r.set_task(1);
      r.set_claim_id(IdBytes(Fresh(0xc1a)));
      r.set_claimant_kind(v1::CLAIMANT_KIND_HOUSEHOLD);
      r.set_claimant(kHousehold);
      v1::ClaimTaskResponse out;
      return task_->ClaimTask(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.TaskService/CompleteTask", [this](const std::string& auth) {
      v1::CompleteTaskRequest r;
      r.set_village(kVillage);
      r.set_task(1);
      r.set_claimant_kind(v1::CLAIMANT_KIND_HOUSEHOLD);
      r.set_claimant(kHousehold);
      r.add_evidence("photo:gate-clean");
      v1::CompleteTaskResponse out;
      return task_->CompleteTask(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.TaskService/VerifyTask", [this](const std::string& auth) {
      v1::VerifyTaskRequest r;
      r.set_village(kVillage);
      r.set_task(1);
      r.set_claimant_kind(v1::CLAIMANT_KIND_HOUSEHOLD);
      r.set_claimant(kHousehold);
      v1::VerifyTaskResponse out;
      return task_->VerifyTask(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.TaskService/GetTask", [this](const std::string& auth) {
      v1::GetTaskRequest r;
      r.set_village(kVillage);
      r.set_task(1);
      v1::GetTaskResponse out;
      return task_->GetTask(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.TaskService/ListTasks", [this](const std::string& auth) {
      v1::ListTasksRequest r;
      r.set_village(kVillage);
      v1::ListTasksResponse out;
      return task_->ListTasks(Ctx(auth).get(), r, &out);
    });
    // points.v1.CommunityService (the demo: proposal 1 done, its payout on notice; proposal 2
    // in deliberation; rating round 1 rated by households 1-3)
    add("/points.v1.CommunityService/PutPartner", [this](const std::string& auth) {
      v1::PutPartnerRequest r;
      r.mutable_partner()->set_village(kVillage);
      r.mutable_partner()->set_partner(3);
      r.mutable_partner()->set_name("authz test partner");
      r.mutable_partner()->set_kind(v1::PARTNER_KIND_COMPANY);
      v1::PutPartnerResponse out;
      return community_->PutPartner(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ListPartners", [this](const std::string& auth) {
      v1::ListPartnersRequest r;
      r.set_village(kVillage);
      v1::ListPartnersResponse out;
      return community_->ListPartners(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/OpenCampaign", [this](const std::string& auth) {
      v1::OpenCampaignRequest r;
      r.mutable_campaign()->set_village(kVillage);
      r.mutable_campaign()->set_campaign(1);
      r.mutable_campaign()->set_title("authz test campaign");
      r.mutable_campaign()->set_target_fen(100'000);
      v1::OpenCampaignResponse out;
      return community_->OpenCampaign(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ListCampaigns", [this](const std::string& auth) {
      v1::ListCampaignsRequest r;
      r.set_village(kVillage);
      v1::ListCampaignsResponse out;
      return community_->ListCampaigns(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/Donate", [this](const std::string& auth) {
      v1::DonateRequest r;
      v1::Donation* d = r.mutable_donation();
      d->set_donation_id(IdBytes(Fresh(0xd0a)));
      d->set_village(kVillage);
      d->set_donor_kind(v1::DONOR_KIND_PERSON);
      d->set_donor_name("authz test donor");
      d->set_fen(1);
      v1::DonateResponse out;
      return community_->Donate(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/GetFundStatement", [this](const std::string& auth) {
      v1::GetFundStatementRequest r;
      r.set_village(kVillage);
      r.set_month(202601);
      v1::GetFundStatementResponse out;
      return community_->GetFundStatement(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/Propose", [this](const std::string& auth) {
      v1::ProposeRequest r;
      v1::Proposal* p = r.mutable_proposal();
      p->set_proposal_id(IdBytes(Fresh(0x9a0)));
      p->set_village(kVillage);
      p->set_household(kHousehold);
      p->set_title("authz test proposal");
      v1::ProposeResponse out;
      return community_->Propose(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ReviewProposal", [this](const std::string& auth) {
      v1::ReviewProposalRequest r;  // proposal 2 is in deliberation already: refused
      r.set_village(kVillage);
      r.set_proposal(2);
      r.set_accept(false);
      r.set_reason("authz test");
      v1::ReviewProposalResponse out;
      return community_->ReviewProposal(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/CommentOnProposal", [this](const std::string& auth) {
      v1::CommentOnProposalRequest r;
      r.set_village(kVillage);
      r.set_proposal(2);
      r.mutable_remark()->set_remark_id(IdBytes(Fresh(0x3e3)));
      r.mutable_remark()->set_household(kHousehold);
      r.mutable_remark()->set_text("authz test comment");
      v1::CommentOnProposalResponse out;
      return community_->CommentOnProposal(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/CastVote", [this](const std::string& auth) {
      v1::CastVoteRequest r;  // the app's own vote; others must name a proxy: INVALID_ARGUMENT
      r.set_village(kVillage);
      r.set_proposal(2);
      r.set_household(kHousehold);
      r.set_choice(v1::VOTE_CHOICE_FOR);
      v1::CastVoteResponse out;
      return community_->CastVote(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/DecideProposal", [this](const std::string& auth) {
      v1::DecideProposalRequest r;  // proposal 2's vote is open: refused
      r.set_village(kVillage);
      r.set_proposal(2);
      r.set_decision(v1::DECISION_DEFER);
      r.set_reason("authz test");
      v1::DecideProposalResponse out;
      return community_->DecideProposal(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/GetProposal", [this](const std::string& auth) {
      v1::GetProposalRequest r;
      r.set_village(kVillage);
      r.set_proposal(1);
      v1::GetProposalResponse out;
      return community_->GetProposal(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ListProposals", [this](const std::string& auth) {
      v1::ListProposalsRequest r;
      r.set_village(kVillage);
      v1::ListProposalsResponse out;
      return community_->ListProposals(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/CompleteProject", [this](const std::string& auth) {
      v1::CompleteProjectRequest r;  // proposal 1 is done already: refused
      r.set_village(kVillage);
      r.set_proposal(1);
      v1::CompleteProjectResponse out;
      return community_->CompleteProject(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ApprovePayout", [this](const std::string& auth) {
      v1::ApprovePayoutRequest r;  // proposal 1's payout needs no review: refused
      r.set_village(kVillage);
      r.set_proposal(1);
      v1::ApprovePayoutResponse out;
      return community_->ApprovePayout(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ObjectToPayout", [this](const std::string& auth) {
      v1::ObjectToPayoutRequest r;
      r.set_village(kVillage);
      r.set_proposal(1);
      r.set_household(kHousehold);
      r.set_reason("authz test objection");
      v1::ObjectToPayoutResponse out;
      return community_->ObjectToPayout(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/DecidePayout", [this](const std::string& auth) {
      v1::DecidePayoutRequest r;
      r.set_village(kVillage);
      r.set_proposal(1);
      r.set_keep(true);
      v1::DecidePayoutResponse out;
      return community_->DecidePayout(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/CancelProject", [this](const std::string& auth) {
      v1::CancelProjectRequest r;  // no such proposal: NOT_FOUND
      r.set_village(kVillage);
      r.set_proposal(99);
      r.set_reason("authz test");
      v1::CancelProjectResponse out;
      return community_->CancelProject(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/OpenRatingRound", [this](const std::string& auth) {
      v1::OpenRatingRoundRequest r;
      v1::RatingRound* round = r.mutable_round();
      round->set_village(kVillage);
      round->set_round(5);
      round->set_subject(v1::ROUND_SUBJECT_SERVICE);
      round->set_title("authz test round");
      round->set_closes_at(task_deadline_);
      v1::OpenRatingRoundResponse out;
      return community_->OpenRatingRound(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/RateRound", [this](const std::string& auth) {
      v1::RateRoundRequest r;  // household 1 gave the demo's round 5 stars: a resend
      r.set_village(kVillage);
      r.set_round(1);
      r.set_household(kHousehold);
      r.set_stars(5);
      v1::RateRoundResponse out;
      return community_->RateRound(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/GetRatingRound", [this](const std::string& auth) {
      v1::GetRatingRoundRequest r;
      r.set_village(kVillage);
      r.set_round(1);
      v1::GetRatingRoundResponse out;
      return community_->GetRatingRound(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ListRatingRounds", [this](const std::string& auth) {
      v1::ListRatingRoundsRequest r;
      r.set_village(kVillage);
      v1::ListRatingRoundsResponse out;
      return community_->ListRatingRounds(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ListFollowUps", [this](const std::string& auth) {
      v1::ListFollowUpsRequest r;
      r.set_village(kVillage);
      v1::ListFollowUpsResponse out;
      return community_->ListFollowUps(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.CommunityService/ResolveFollowUp", [this](const std::string& auth) {
      v1::ResolveFollowUpRequest r;  // round 1 is rated well: not on the list
      r.set_village(kVillage);
      r.set_round(1);
      r.set_resolution("authz test");
      v1::ResolveFollowUpResponse out;
      return community_->ResolveFollowUp(Ctx(auth).get(), r, &out);
    });
    // points.v1.AdminService
    add("/points.v1.AdminService/Backup", [this](const std::string& auth) {
      v1::BackupRequest r;
      r.set_dir(absl::StrCat(dir_.path(), "/backup-", ++serial_));
      v1::BackupResponse out;
      return admin_->Backup(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.AdminService/CreatePrincipal", [this](const std::string& auth) {
      v1::CreatePrincipalRequest r;
      const std::string name = absl::StrCat("made-", ++serial_);
      r.mutable_principal()->set_name(name);
      r.mutable_principal()->set_role(v1::ROLE_HOUSEHOLD);
      r.mutable_principal()->set_village(kVillage);
      r.mutable_principal()->set_household(kHousehold);
      v1::CreatePrincipalResponse out;
      const grpc::Status s = admin_->CreatePrincipal(Ctx(auth).get(), r, &out);
      if (s.ok()) last_made_ = name;
      return s;
    });
    add("/points.v1.AdminService/ListPrincipals", [this](const std::string& auth) {
      v1::ListPrincipalsResponse out;
      return admin_->ListPrincipals(Ctx(auth).get(), v1::ListPrincipalsRequest(), &out);
    });
    add("/points.v1.AdminService/RevokePrincipal", [this](const std::string& auth) {
      v1::RevokePrincipalRequest r;
      r.set_name(last_made_.empty() ? "made-none" : last_made_);
      v1::RevokePrincipalResponse out;
      return admin_->RevokePrincipal(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.AdminService/ListAudit", [this](const std::string& auth) {
      v1::ListAuditResponse out;
      return admin_->ListAudit(Ctx(auth).get(), v1::ListAuditRequest(), &out);
    });
    add("/points.v1.AdminService/GetCaller", [this](const std::string& auth) {
      v1::GetCallerResponse out;
      return admin_->GetCaller(Ctx(auth).get(), v1::GetCallerRequest(), &out);
    });
    add("/points.v1.ReceiptService/GetCheckpoint", [this](const std::string& auth) {
      v1::GetCheckpointResponse out;
      return receipts_->GetCheckpoint(Ctx(auth).get(), v1::GetCheckpointRequest(), &out);
    });
    add("/points.v1.ReceiptService/GetConsistencyProof", [this](const std::string& auth) {
      v1::GetConsistencyProofRequest r;
      r.set_old_size(1);
      r.set_size(1);
      v1::GetConsistencyProofResponse out;
      return receipts_->GetConsistencyProof(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ReceiptService/ProveTransfers", [this](const std::string& auth) {
      v1::ProveTransfersRequest r;
      r.add_transfer_ids(std::string(16, '\x7f'));  // no such transfer: NOT_FOUND
      v1::ProveTransfersResponse out;
      return receipts_->ProveTransfers(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ReceiptService/ProveAward", [this](const std::string& auth) {
      v1::ProveAwardRequest r;  // waits for review: FAILED_PRECONDITION, nothing in the books
      r.set_village(kVillage);
      r.set_award_id(IdBytes(kDemoAward));
      v1::ProveAwardResponse out;
      return receipts_->ProveAward(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ReceiptService/ProveBasket", [this](const std::string& auth) {
      v1::ProveBasketRequest r;
      r.set_village(kVillage);
      r.set_basket_id(IdBytes(known_basket_));
      v1::ProveBasketResponse out;
      return receipts_->ProveBasket(Ctx(auth).get(), r, &out);
    });
    add("/points.v1.ReceiptService/AddCosignature", [this](const std::string& auth) {
      v1::AddCosignatureRequest r;  // no witness key: INVALID_ARGUMENT, nothing stored
      v1::AddCosignatureResponse out;
      return receipts_->AddCosignature(Ctx(auth).get(), r, &out);
    });
  }

  const Call* CallOf(const RpcRule& row) {
    auto it = calls_.find(row.method);
    return it == calls_.end() ? nullptr : &it->second;
  }

  // What a reader with the admin's token sees of everything the calls could change: balances,
  // awards in every state, rules, shops' catalogues and stock, tasks, households, principals,
  // the operator audit. Named parts, so a difference says where it is.
  std::vector<std::pair<std::string, std::string>> Snapshot() {
    std::vector<std::pair<std::string, std::string>> parts;
    const std::string admin = Bearer(admin_token_);
    auto keep = [&parts](const std::string& name, const grpc::Status& s,
                         const google::protobuf::Message& m) {
      EXPECT_TRUE(s.ok()) << name << ": " << Describe(s);
      parts.emplace_back(name, m.SerializeAsString());
    };
    {
      v1::LookupAccountsRequest r;
      for (uint64_t h = 1; h <= 3; ++h) r.add_ids(HouseholdAccount(h));
      for (uint32_t shop : {kShop, kOtherShop}) {
        for (auto kind : {domain::ShopAccount::kPoints, domain::ShopAccount::kMoney}) {
          r.add_ids(IdBytes(domain::ids::OfShopAccount(kVillage, shop, kind)));
        }
      }
      r.add_ids(IdBytes(domain::ids::OfVillageAccount(kVillage, domain::VillageAccount::kIssuer)));
      for (uint64_t demo : {1, 101, 102, 103, 201}) r.add_ids(IdBytes(demo));
      r.add_ids(IdBytes(absl::MakeUint128(0xa07a, 1)));  // what CreateAccounts would make
      v1::LookupAccountsResponse out;
      keep("accounts", ledger_->LookupAccounts(Ctx(admin).get(), r, &out), out);
      EXPECT_EQ(out.accounts_size(), 3 + 4 + 1 + 5) << "the account CreateAccounts makes is new";
    }
    {
      v1::LookupTransfersRequest r;
      r.add_ids(IdBytes(absl::MakeUint128(0xa07a, 2)));  // what CreateTransfers would make
      v1::LookupTransfersResponse out;
      keep("transfers", ledger_->LookupTransfers(Ctx(admin).get(), r, &out), out);
    }
    for (int state = v1::AWARD_STATE_AWAITING_REVIEW; state <= v1::AWARD_STATE_REFUSED; ++state) {
      v1::ListAwardsRequest r;
      r.set_village(kVillage);
      r.set_state(v1::AwardState(state));
      v1::ListAwardsResponse out;
      keep(absl::StrCat("awards in state ", state), award_->ListAwards(Ctx(admin).get(), r, &out),
           out);
    }
    {
      v1::ListRulesRequest r;
      r.set_village(kVillage);
      v1::ListRulesResponse out;
      keep("rules", award_->ListRules(Ctx(admin).get(), r, &out), out);
    }
    for (uint32_t shop : {kShop, kOtherShop}) {
      v1::ListItemsRequest r;
      r.set_village(kVillage);
      r.set_shop(shop);
      v1::ListItemsResponse out;
      keep(absl::StrCat("items of shop ", shop), shop_->ListItems(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::GetBasketRequest r;
      r.set_village(kVillage);
      r.set_basket_id(IdBytes(known_basket_));
      v1::GetBasketResponse out;
      keep("known basket", shop_->GetBasket(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::ListTasksRequest r;
      r.set_village(kVillage);
      v1::ListTasksResponse out;
      keep("tasks", task_->ListTasks(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::ListHouseholdsRequest r;
      r.set_village(kVillage);
      r.set_reveal(true);  // full names and phones: the auditor may, the admin may not
      v1::ListHouseholdsResponse out;
      keep("households", village_->ListHouseholds(Ctx(As(Role::kAuditor)).get(), r, &out), out);
    }
    {
      v1::ListGridsRequest r;
      r.set_village(kVillage);
      v1::ListGridsResponse out;
      keep("grids", village_->ListGrids(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::ListPrincipalsResponse out;
      keep("principals",
           admin_->ListPrincipals(Ctx(admin).get(), v1::ListPrincipalsRequest(), &out), out);
    }
    {
      v1::ListAuditResponse out;
      keep("audit", admin_->ListAudit(Ctx(admin).get(), v1::ListAuditRequest(), &out), out);
    }
    {
      v1::GetFundStatementRequest r;
      r.set_village(kVillage);
      r.set_month(ThisMonth());
      v1::GetFundStatementResponse out;
      keep("micro-fund", community_->GetFundStatement(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::ListProposalsRequest r;
      r.set_village(kVillage);
      v1::ListProposalsResponse out;
      keep("proposals", community_->ListProposals(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::GetProposalRequest r;  // with its comments
      r.set_village(kVillage);
      r.set_proposal(2);
      v1::GetProposalResponse out;
      keep("proposal 2", community_->GetProposal(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::ListPartnersRequest r;
      r.set_village(kVillage);
      v1::ListPartnersResponse out;
      keep("partners", community_->ListPartners(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::ListCampaignsRequest r;
      r.set_village(kVillage);
      v1::ListCampaignsResponse out;
      keep("campaigns", community_->ListCampaigns(Ctx(admin).get(), r, &out), out);
    }
    {
      v1::ListRatingRoundsRequest r;
      r.set_village(kVillage);
      v1::ListRatingRoundsResponse out;
      const grpc::Status s = community_->ListRatingRounds(Ctx(admin).get(), r, &out);
      for (v1::RatingRound& round : *out.mutable_rounds()) round.clear_open();  // time, not a write
      keep("rating rounds", s, out);
    }
    return parts;
  }

  std::string Metrics() { return testing::ScrapeMetrics(pointsd_->metrics_port()); }

  // The pointsd log lines of event "denied".
  std::vector<std::string> DeniedLogLines() {
    std::vector<std::string> lines;
    for (const absl::string_view line : absl::StrSplit(Read(log_path()), '\n')) {
      if (absl::StrContains(line, "\"event\":\"denied\"")) lines.emplace_back(line);
    }
    return lines;
  }

  // Calls that reach outside the caller's scope, each PERMISSION_DENIED, none of them writing.
  // Returns how many denials the server should have counted.
  int CallOutsideScopes() {
    int denied = 0;
    auto expect_denied = [&denied](const std::string& what, const grpc::Status& s) {
      EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED) << what << ": " << Describe(s);
      EXPECT_TRUE(absl::StrContains(s.error_message(), "outside its scope"))
          << what << ": " << s.error_message();
      ++denied;
    };
    // A committee member of village 2 in village 1.
    const std::string committee_2 = Bearer(other_village_committee_);
    expect_denied("committee of village 2 approves in village 1", Approve(committee_2, kDemoAward));
    {
      v1::PutRuleRequest r;
      r.set_village(kVillage);
      r.mutable_rule()->set_rule(8);
      r.mutable_rule()->set_category(v1::CATEGORY_HYGIENE);
      r.mutable_rule()->set_points_per_unit(1);
      r.mutable_rule()->set_name("from another village");
      v1::PutRuleResponse out;
      expect_denied("committee of village 2 puts a rule in village 1",
                    award_->PutRule(Ctx(committee_2).get(), r, &out));
    }
    // The shopkeeper of shop 2 redeems into shop 1, with a valid payment code; takes shop 1's
    // basket back; changes shop 1's catalogue.
    const std::string shop_2 = Bearer(other_shopkeeper_);
    unspent_code_ = PaymentCode();
    expect_denied("shopkeeper of shop 2 redeems into shop 1",
                  Redeem(shop_2, kShop, Fresh(0xba5), unspent_code_));
    {
      v1::ReturnBasketRequest r;
      r.set_village(kVillage);
      r.set_basket_id(IdBytes(known_basket_));
      v1::ReturnBasketResponse out;
      expect_denied("shopkeeper of shop 2 returns a basket of shop 1",
                    shop_->ReturnBasket(Ctx(shop_2).get(), r, &out));
    }
    {
      v1::PutItemRequest r;
      r.set_village(kVillage);
      r.set_shop(kShop);
      r.mutable_item()->set_item(9);
      r.mutable_item()->set_name("not its shop");
      r.mutable_item()->set_points_price(1);
      v1::PutItemResponse out;
      expect_denied("shopkeeper of shop 2 puts an item in shop 1",
                    shop_->PutItem(Ctx(shop_2).get(), r, &out));
    }
    // Household 2 reads and acts for household 1.
    const std::string household_2 = Bearer(neighbour_);
    {
      v1::GetStatementRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      r.set_month(202601);
      v1::GetStatementResponse out;
      expect_denied("household 2 reads household 1's statement",
                    board_->GetStatement(Ctx(household_2).get(), r, &out));
    }
    {
      v1::GetHouseholdRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      v1::GetHouseholdResponse out;
      expect_denied("household 2 reads household 1",
                    village_->GetHousehold(Ctx(household_2).get(), r, &out));
    }
    {
      v1::IssuePaymentCodeRequest r;
      r.set_village(kVillage);
      r.set_household(kHousehold);
      v1::IssuePaymentCodeResponse out;
      expect_denied("household 2 asks for household 1's payment code",
                    shop_->IssuePaymentCode(Ctx(household_2).get(), r, &out));
    }
    // A household's raw ledger: its own account only.
    {
      v1::GetAccountHistoryRequest r;
      r.set_account_id(HouseholdAccount(kNeighbour));
      r.set_limit(10);
      v1::GetAccountHistoryResponse out;
      expect_denied("household 1 reads household 2's account history",
                    ledger_->GetAccountHistory(Ctx(As(Role::kHousehold)).get(), r, &out));
    }
    {
      v1::LookupAccountsRequest r;
      r.add_ids(HouseholdAccount(kHousehold));
      r.add_ids(HouseholdAccount(kNeighbour));
      v1::LookupAccountsResponse out;
      expect_denied("household 1 looks up household 2's account with its own",
                    ledger_->LookupAccounts(Ctx(As(Role::kHousehold)).get(), r, &out));
    }
    expect_denied("household 1 watches household 2's account",
                  Watch(As(Role::kHousehold), {HouseholdAccount(kNeighbour)}));
    {
      v1::ClaimTaskRequest r;  // a claim for a shop is not a household's
      r.set_village(kVillage);
      r.set_task(1);
      r.set_claim_id(IdBytes(Fresh(0xc1a)));
      r.set_claimant_kind(v1::CLAIMANT_KIND_SHOP);
      r.set_claimant(kShop);
      v1::ClaimTaskResponse out;
      expect_denied("household 1 claims a task for shop 1",
                    task_->ClaimTask(Ctx(As(Role::kHousehold)).get(), r, &out));
    }
    // The community: household 2 votes and rates for household 1; the committee of village 2
    // records a donation in village 1; grid 1's worker records household 3's proxy vote.
    {
      v1::CastVoteRequest r;
      r.set_village(kVillage);
      r.set_proposal(2);
      r.set_household(kHousehold);
      r.set_choice(v1::VOTE_CHOICE_AGAINST);
      v1::CastVoteResponse out;
      expect_denied("household 2 votes for household 1",
                    community_->CastVote(Ctx(household_2).get(), r, &out));
      r.set_household(kOtherGridHousehold);
      r.set_proxy_name("王村医");
      expect_denied("grid worker of grid 1 records household 3's proxy vote",
                    community_->CastVote(Ctx(As(Role::kGridWorker)).get(), r, &out));
    }
    {
      v1::RateRoundRequest r;
      r.set_village(kVillage);
      r.set_round(1);
      r.set_household(kHousehold);
      r.set_stars(1);
      v1::RateRoundResponse out;
      expect_denied("household 2 rates as household 1",
                    community_->RateRound(Ctx(household_2).get(), r, &out));
    }
    {
      v1::DonateRequest r;
      r.mutable_donation()->set_donation_id(IdBytes(Fresh(0xd0a)));
      r.mutable_donation()->set_village(kVillage);
      r.mutable_donation()->set_donor_kind(v1::DONOR_KIND_ANONYMOUS);
      r.mutable_donation()->set_fen(100);
      v1::DonateResponse out;
      expect_denied("committee of village 2 records a donation in village 1",
                    community_->Donate(Ctx(committee_2).get(), r, &out));
    }
    // The grid worker of grid 1 records for household 3, of grid 2.
    const std::string grid_1 = As(Role::kGridWorker);
    expect_denied("grid worker of grid 1 records for household 3",
                  RecordAward(grid_1, Fresh(0xa3a), kOtherGridHousehold));
    {
      v1::GetHouseholdRequest r;
      r.set_village(kVillage);
      r.set_household(kOtherGridHousehold);
      v1::GetHouseholdResponse out;
      expect_denied("grid worker of grid 1 reads household 3",
                    village_->GetHousehold(Ctx(grid_1).get(), r, &out));
    }
    {
      v1::ClaimTaskRequest r;
      r.set_village(kVillage);
      r.set_task(1);
      r.set_claim_id(IdBytes(Fresh(0xc1a)));
      r.set_claimant_kind(v1::CLAIMANT_KIND_HOUSEHOLD);
      r.set_claimant(kOtherGridHousehold);
      v1::ClaimTaskResponse out;
      expect_denied("grid worker of grid 1 claims for household 3",
                    task_->ClaimTask(Ctx(grid_1).get(), r, &out));
    }
    {
      // In a round, the line for household 3 is refused on its own.
      v1::RecordAwardsRequest r;
      v1::Award* a = r.add_awards();
      a->set_award_id(IdBytes(Fresh(0xa3a)));
      a->set_village(kVillage);
      a->set_household(kOtherGridHousehold);
      a->mutable_rule()->set_rule(1);
      a->set_quantity(1);
      v1::RecordAwardsResponse out;
      const grpc::Status s = award_->RecordAwards(Ctx(grid_1).get(), r, &out);
      EXPECT_TRUE(s.ok()) << Describe(s);
      EXPECT_EQ(out.results_size(), 1);
      if (out.results_size() == 1) {
        EXPECT_EQ(out.results(0).error_code(), int(StatusCode::PERMISSION_DENIED))
            << out.results(0).error_message();
        EXPECT_FALSE(out.results(0).has_award());
      }
      ++denied;
    }
    return denied;
  }

  static testing::TempDir* certs_dir_;
  static bool certs_ok_;
  static std::string ca_pem_;

  testing::TempDir dir_;
  std::unique_ptr<testing::Pointsd> pointsd_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::unique_ptr<v1::VillageService::Stub> village_;
  std::unique_ptr<v1::AwardService::Stub> award_;
  std::unique_ptr<v1::BoardService::Stub> board_;
  std::unique_ptr<v1::ShopService::Stub> shop_;
  std::unique_ptr<v1::TaskService::Stub> task_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::ReceiptService::Stub> receipts_;
  std::unique_ptr<v1::CommunityService::Stub> community_;
  std::string admin_token_;
  std::map<Role, std::string> token_;
  std::string second_committee_;
  std::string other_village_committee_;
  std::string other_shopkeeper_;
  std::string neighbour_;
  std::string other_grid_worker_;
  std::map<std::string, Call> calls_;
  uint64_t serial_ = 0;
  Id known_basket_ = 0;
  Id last_settlement_ = 0;
  std::string last_made_;
  std::string unspent_code_;
  const uint64_t task_deadline_ = NowNs() + 86'400ull * 1'000'000'000ull;
};

testing::TempDir* AuthzTest::certs_dir_ = nullptr;
bool AuthzTest::certs_ok_ = false;
std::string AuthzTest::ca_pem_;

TEST_F(AuthzTest, EveryRpcOfTheTableHasACase) {
  const std::vector<RpcRule>& table = AuthzTable();
  ASSERT_EQ(table.size(), kRpcCount);
  for (const RpcRule& row : table) {
    EXPECT_NE(CallOf(row), nullptr) << row.method << " has no call in authz_test.cc: add one";
  }
  EXPECT_EQ(calls_.size(), table.size()) << "a call for an RPC the table does not have";
}

TEST_F(AuthzTest, EveryRpcAsEveryRoleFollowsTheTable) {
  Start();
  MakePrincipals();
  RedeemKnownBasket();
  int pairs = 0, allowed = 0, succeeded = 0;
  std::vector<std::string> domain_errors;
  for (const RpcRule& row : AuthzTable()) {
    const Call* call = CallOf(row);
    if (call == nullptr) {
      ADD_FAILURE() << row.method << " has no call in authz_test.cc";
      continue;
    }
    for (Role role : kRoles) {
      SCOPED_TRACE(absl::StrCat(row.method, " as ", domain::RoleName(role)));
      const grpc::Status s = (*call)(As(role));
      ++pairs;
      if (!RoleMay(role, row.rpc)) {
        EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED) << Describe(s);
        EXPECT_TRUE(absl::StrContains(s.error_message(), "may not call"))
            << "denied by role, not by something else: " << s.error_message();
        continue;
      }
      ++allowed;
      EXPECT_NE(s.error_code(), StatusCode::PERMISSION_DENIED) << Describe(s);
      EXPECT_NE(s.error_code(), StatusCode::UNAUTHENTICATED) << Describe(s);
      EXPECT_NE(s.error_code(), StatusCode::RESOURCE_EXHAUSTED) << Describe(s);
      if (s.ok()) {
        ++succeeded;
      } else {
        domain_errors.push_back(
            absl::StrCat(row.method, " as ", domain::RoleName(role), ": ", Describe(s)));
      }
    }
  }
  EXPECT_EQ(pairs, int(kRpcCount * std::size(kRoles)));
  std::cout << pairs << " (rpc, role) pairs: " << pairs - allowed << " denied, " << allowed
            << " allowed, of which " << succeeded
            << " succeeded and these answered a domain error:\n";
  for (const std::string& line : domain_errors) std::cout << "  " << line << "\n";
}

TEST_F(AuthzTest, EveryRpcRefusesCallsWithoutAValidToken) {
  Start();
  MakePrincipals();
  RedeemKnownBasket();
  const std::string unknown(64, 'a');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no token", ""},
      {"an unknown token", Bearer(unknown)},
      {"a malformed token", Bearer("not-a-token")},
      {"the admin's token without Bearer", "Basic " + admin_token_}};
  std::string unknown_message;
  for (const RpcRule& row : AuthzTable()) {
    const Call* call = CallOf(row);
    ASSERT_NE(call, nullptr) << row.method;
    for (const auto& [what, authorization] : cases) {
      const grpc::Status s = (*call)(authorization);
      EXPECT_EQ(s.error_code(), StatusCode::UNAUTHENTICATED)
          << row.method << " with " << what << ": " << Describe(s);
      if (what == "an unknown token") unknown_message = s.error_message();
    }
  }
  // A revoked token is answered as an unknown one.
  v1::RevokePrincipalRequest revoke;
  revoke.set_name("household-1-2");
  v1::RevokePrincipalResponse revoked;
  ASSERT_TRUE(admin_->RevokePrincipal(Ctx(Bearer(admin_token_)).get(), revoke, &revoked).ok());
  const grpc::Status s = calls_.at("/points.v1.VillageService/ListTowns")(Bearer(neighbour_));
  EXPECT_EQ(s.error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), unknown_message) << "the same answer for each";
}

TEST_F(AuthzTest, EachRoleActsOnlyWithinItsScope) {
  Start();
  MakePrincipals();
  RedeemKnownBasket();
  CallOutsideScopes();
  // Within the scope, the same calls pass.
  const std::string committee = As(Role::kCommittee);
  v1::Award approved;
  ASSERT_TRUE(Approve(committee, kDemoAward, &approved).ok());
  EXPECT_EQ(approved.reviewed_by(), "committee-1");
  EXPECT_EQ(approved.state(), v1::AWARD_STATE_ON_NOTICE);
  // The code shop 2's keeper was refused with is unused: shop 1's keeper redeems with it.
  v1::Basket basket;
  const grpc::Status redeemed =
      Redeem(As(Role::kShopkeeper), kShop, Fresh(0xba5), unspent_code_, &basket);
  ASSERT_TRUE(redeemed.ok()) << Describe(redeemed);
  EXPECT_EQ(basket.state(), v1::BASKET_STATE_REDEEMED) << basket.refusal();
  // ... the other grid's worker records for household 3, household 2 reads its own statement.
  v1::Award recorded;
  const grpc::Status by_grid_2 =
      RecordAward(Bearer(other_grid_worker_), Fresh(0xa3a), kOtherGridHousehold, &recorded);
  ASSERT_TRUE(by_grid_2.ok()) << Describe(by_grid_2);
  EXPECT_EQ(recorded.recorded_by(), "grid-1-2") << "the caller, not the request's recorded_by";
  v1::GetStatementRequest statement;
  statement.set_village(kVillage);
  statement.set_household(kNeighbour);
  statement.set_month(202601);
  v1::GetStatementResponse own;
  EXPECT_TRUE(board_->GetStatement(Ctx(Bearer(neighbour_)).get(), statement, &own).ok());
  // A household's LookupTransfers leaves out other households' transfers.
  v1::LookupTransfersRequest lookup;
  lookup.add_ids(IdBytes(absl::MakeUint128(0xde70, kHousehold)));
  lookup.add_ids(IdBytes(absl::MakeUint128(0xde70, kNeighbour)));
  v1::LookupTransfersResponse found;
  ASSERT_TRUE(ledger_->LookupTransfers(Ctx(As(Role::kHousehold)).get(), lookup, &found).ok());
  ASSERT_EQ(found.transfers_size(), 1);
  EXPECT_EQ(found.transfers(0).credit_account_id(), HouseholdAccount(kHousehold));
  ASSERT_TRUE(ledger_->LookupTransfers(Ctx(As(Role::kAuditor)).get(), lookup, &found).ok());
  EXPECT_EQ(found.transfers_size(), 2) << "the county's auditor sees both";
}

TEST_F(AuthzTest, AnAwardsRecorderMayNotApproveIt) {
  Start();
  MakePrincipals();
  const Id id = Fresh(0xa3a);
  v1::Award award;
  ASSERT_TRUE(RecordAward(As(Role::kCommittee), id, kHousehold, &award).ok());
  EXPECT_EQ(award.recorded_by(), "committee-1") << "the caller, not the request's recorded_by";
  ASSERT_EQ(award.state(), v1::AWARD_STATE_AWAITING_REVIEW);
  const grpc::Status own = Approve(As(Role::kCommittee), id);
  EXPECT_EQ(own.error_code(), StatusCode::PERMISSION_DENIED)
      << "server/AUTHZ.md rule 5: the award book refuses the recorder: " << Describe(own);
  EXPECT_FALSE(own.ok());
  v1::Award approved;
  const grpc::Status other = Approve(Bearer(second_committee_), id, &approved);
  ASSERT_TRUE(other.ok()) << Describe(other);
  EXPECT_EQ(approved.reviewed_by(), "committee-1b");
  EXPECT_EQ(approved.state(), v1::AWARD_STATE_ON_NOTICE);
}

TEST_F(AuthzTest, DeniedCallsWriteNothingAndAreCountedAndLogged) {
  Start();
  MakePrincipals();
  RedeemKnownBasket();
  const auto before = Snapshot();
  const double denied_before = DeniedTotal(Metrics());
  const size_t logged_before = DeniedLogLines().size();
  int denied = 0;
  for (const RpcRule& row : AuthzTable()) {
    const Call* call = CallOf(row);
    ASSERT_NE(call, nullptr) << row.method;
    for (Role role : kRoles) {
      if (RoleMay(role, row.rpc)) continue;
      const grpc::Status s = (*call)(As(role));
      EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED)
          << row.method << " as " << domain::RoleName(role) << ": " << Describe(s);
      ++denied;
    }
    for (const std::string& authorization : {std::string(), Bearer(std::string(64, 'b'))}) {
      const grpc::Status s = (*call)(authorization);
      EXPECT_EQ(s.error_code(), StatusCode::UNAUTHENTICATED) << row.method << ": " << Describe(s);
      ++denied;
    }
  }
  denied += CallOutsideScopes();
  const auto after = Snapshot();
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(before[i].second == after[i].second) << before[i].first << " changed";
  }
  // Counted, by method and code.
  const std::string metrics = Metrics();
  EXPECT_EQ(DeniedTotal(metrics) - denied_before, denied) << metrics;
  EXPECT_GE(DeniedTotal(metrics, "code=\"UNAUTHENTICATED\""), 2.0 * kRpcCount);
  EXPECT_GE(DeniedTotal(metrics, "method=\"/points.v1.AwardService/PutRule\""), 1 + 5 + 2);
  // Logged: event "denied" with the method, the principal and the code.
  const std::vector<std::string> lines = DeniedLogLines();
  EXPECT_EQ(lines.size() - logged_before, size_t(denied));
  bool found = false;
  for (const std::string& line : lines) {
    found |= absl::StrContains(line, "/points.v1.AwardService/PutRule") &&
             absl::StrContains(line, "\"principal\":\"committee-2\"") &&
             absl::StrContains(line, "PERMISSION_DENIED");
  }
  EXPECT_TRUE(found) << "no denied line for committee-2's PutRule";
}

TEST_F(AuthzTest, RevocationIsImmediateAndSurvivesARestart) {
  Start();
  MakePrincipals();
  const std::string revoked_token = MakePrincipal({.name = "household-app-lost",
                                                   .role = v1::ROLE_HOUSEHOLD,
                                                   .village = kVillage,
                                                   .household = kHousehold});
  const Call& get_household = calls_.at("/points.v1.VillageService/GetHousehold");
  const grpc::Status before = get_household(Bearer(revoked_token));
  ASSERT_TRUE(before.ok()) << Describe(before);

  // A watch the app opened before: it must end too, not go on reporting the balance.
  grpc::ClientContext watch_context;
  watch_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  watch_context.AddMetadata("authorization", Bearer(revoked_token));
  v1::WatchAccountsRequest watch;
  watch.add_account_ids(HouseholdAccount(kHousehold));
  std::unique_ptr<grpc::ClientReader<v1::WatchAccountsResponse>> watching =
      ledger_->WatchAccounts(&watch_context, watch);
  v1::WatchAccountsResponse history;
  ASSERT_TRUE(watching->Read(&history)) << "the household's own history, before the revocation";

  v1::RevokePrincipalRequest revoke;
  revoke.set_name("household-app-lost");
  v1::RevokePrincipalResponse revoked;
  ASSERT_TRUE(admin_->RevokePrincipal(Ctx(Bearer(admin_token_)).get(), revoke, &revoked).ok());
  EXPECT_TRUE(revoked.principal().revoked());
  EXPECT_EQ(get_household(Bearer(revoked_token)).error_code(), StatusCode::UNAUTHENTICATED)
      << "the very next call";
  // Any commit wakes the parked watch, which checks its token again before it reads.
  v1::CreateAccountsRequest any;
  v1::Account* account = any.add_accounts();
  account->set_id(IdBytes(Fresh(0x3a7c)));
  account->set_ledger(1);
  account->set_code(1);
  v1::CreateAccountsResponse made;
  ASSERT_TRUE(ledger_->CreateAccounts(Ctx(Bearer(admin_token_)).get(), any, &made).ok());
  v1::WatchAccountsResponse more;
  while (watching->Read(&more)) {
  }
  const grpc::Status ended = watching->Finish();
  EXPECT_EQ(ended.error_code(), StatusCode::UNAUTHENTICATED)
      << "an open watch ends once its token is revoked: " << Describe(ended);
  EXPECT_TRUE(get_household(As(Role::kHousehold)).ok()) << "another principal of household 1";

  ASSERT_EQ(pointsd_->Stop(SIGTERM), 0);
  Start();
  EXPECT_EQ(get_household(Bearer(revoked_token)).error_code(), StatusCode::UNAUTHENTICATED)
      << "after a restart";
  EXPECT_TRUE(get_household(As(Role::kHousehold)).ok());
  v1::ListPrincipalsResponse principals;
  ASSERT_TRUE(
      admin_
          ->ListPrincipals(Ctx(As(Role::kAuditor)).get(), v1::ListPrincipalsRequest(), &principals)
          .ok());
  int listed = 0;
  for (const v1::Principal& p : principals.principals()) {
    if (p.name() != "household-app-lost") {
      EXPECT_FALSE(p.revoked()) << p.name();
      continue;
    }
    ++listed;
    EXPECT_TRUE(p.revoked());
    EXPECT_GT(p.revoked_at(), 0u);
    EXPECT_EQ(p.created_by(), "admin");
  }
  EXPECT_EQ(listed, 1);

  // The operator audit, as the auditor reads it: made and revoked by the admin, hash-chained.
  v1::ListAuditRequest request;
  request.set_from_seq(1);
  v1::ListAuditResponse audit;
  const grpc::Status listed_audit =
      admin_->ListAudit(Ctx(As(Role::kAuditor)).get(), request, &audit);
  ASSERT_TRUE(listed_audit.ok()) << Describe(listed_audit);
  ASSERT_GE(audit.entries_size(), 3);
  bool created = false, revoked_entry = false;
  for (int i = 0; i < audit.entries_size(); ++i) {
    const v1::AuditEntry& e = audit.entries(i);
    EXPECT_EQ(e.hash().size(), 32u);
    EXPECT_EQ(e.prev_hash().size(), 32u);
    if (i == 0) {
      EXPECT_EQ(e.seq(), 1u);
      EXPECT_EQ(e.prev_hash(), std::string(32, '\0')) << "the chain starts at zero";
    } else {
      EXPECT_EQ(e.seq(), audit.entries(i - 1).seq() + 1);
      EXPECT_EQ(e.prev_hash(), audit.entries(i - 1).hash()) << "entry " << e.seq();
    }
    if (!absl::StrContains(e.detail(), "household-app-lost")) continue;
    if (e.act() == "principal.create") {
      created = true;
      EXPECT_EQ(e.principal(), "admin");
      EXPECT_EQ(e.role(), "admin");
    } else if (e.act() == "principal.revoke") {
      revoked_entry = true;
      EXPECT_EQ(e.principal(), "admin");
    }
  }
  EXPECT_TRUE(created) << "principal.create of household-app-lost";
  EXPECT_TRUE(revoked_entry) << "principal.revoke of household-app-lost";
  // pointsd verify checks the chain too.
  ASSERT_EQ(pointsd_->Stop(SIGTERM), 0);
  const testing::Verified verified = testing::VerifyDataDir(data_dir());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
}

TEST_F(AuthzTest, TheRateLimitIsPerPrincipalAndNamesTheFlag) {
  Start("5/5");
  const std::string busy =
      MakePrincipal({.name = "committee-busy", .role = v1::ROLE_COMMITTEE, .village = kVillage});
  const std::string other = MakePrincipal(
      {.name = "household-calm", .role = v1::ROLE_HOUSEHOLD, .village = kVillage, .household = 1});
  const Call& list_towns = calls_.at("/points.v1.VillageService/ListTowns");
  for (int i = 1; i <= 5; ++i) {
    const grpc::Status s = list_towns(Bearer(busy));
    ASSERT_TRUE(s.ok()) << "call " << i << ": " << Describe(s);
  }
  const grpc::Status sixth = list_towns(Bearer(busy));
  EXPECT_EQ(sixth.error_code(), StatusCode::RESOURCE_EXHAUSTED) << Describe(sixth);
  EXPECT_TRUE(absl::StrContains(sixth.error_message(), "--rate-limit")) << sixth.error_message();
  EXPECT_TRUE(absl::StrContains(sixth.error_message(), "committee-busy")) << sixth.error_message();
  const grpc::Status served = list_towns(Bearer(other));
  EXPECT_TRUE(served.ok()) << "another principal: " << Describe(served);
  EXPECT_GE(DeniedTotal(Metrics(), "code=\"RESOURCE_EXHAUSTED\""), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(450));  // 5 calls/s: two come back
  const grpc::Status later = list_towns(Bearer(busy));
  EXPECT_TRUE(later.ok()) << "after a pause: " << Describe(later);

  // A flood of calls with bad tokens from one address: each refused and counted, but logged
  // only at the rate limit, so it cannot flood the log.
  const double counted_before = DeniedTotal(Metrics(), "code=\"UNAUTHENTICATED\"");
  const size_t logged_before = DeniedLogLines().size();
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(list_towns(Bearer(std::string(64, 'f'))).error_code(), StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(DeniedTotal(Metrics(), "code=\"UNAUTHENTICATED\"") - counted_before, 40);
  const size_t logged = DeniedLogLines().size() - logged_before;
  EXPECT_GE(logged, 1u);
  EXPECT_LE(logged, 10u) << "a burst of 5 and a refill of 5 calls/s while the flood lasts";
}

}  // namespace
}  // namespace points::server

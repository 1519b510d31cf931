// domain_load: closed-loop load of what villages actually call on a running pointsd: shop
// terminals redeeming baskets and committees recording inspection rounds, alone and mixed, next
// to the raw single-transfer CreateTransfers rate measured in the same run.
//
//   domain_load --target 127.0.0.1:50051 --token-file DATA_DIR/admin.token
//       --villages 16 --terminals 4 --in-flight 64 --seconds 10 --round-size 200 --json
//
// It sets up what it needs through the contract (proto/points/v1), as an operator would, under
// names and numbers of its own run (random), so it can run again on the same server: the admin
// makes the villages, their budgets, households and shop (one village supermarket with
// kItemsPerShop items in stock) and the principals (two committee members per village, one
// shopkeeper per terminal, one household app per basket slot); a committee member puts the rules
// and the catalogue; each basket household is awarded kFundingPoints, approved by the other
// committee member, which the server posts when the notice window ends (pointsd
// --notice-seconds 1). Then four timed phases, each --seconds long, one after the other:
//   raw      --in-flight single-transfer CreateTransfers calls (the admin, a raw ledger);
//   baskets  --in-flight RedeemBasket calls, each slot a terminal of one village paying for its
//            own household with a payment code issued before the phase (a code is single use
//            and lives 2 minutes, so they are issued in bulk just before each basket phase);
//   awards   --rounds-in-flight RecordAwards calls of --round-size awards (a committee each);
//   mixed    both of the last two at once.
// Slot s belongs to village s % villages and to terminal (s / villages) % terminals. Every
// principal is rate limited by pointsd (server/AUTHZ.md): run it with --rate-limit 0.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "nlohmann/json.hpp"
#include "points/v1/admin.grpc.pb.h"
#include "points/v1/awards.grpc.pb.h"
#include "points/v1/ledger.grpc.pb.h"
#include "points/v1/shops.grpc.pb.h"

namespace points::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kShop = 1;            // each village's supermarket, where its terminals are
constexpr uint32_t kItemsPerShop = 4;    // its catalogue: 1 point each
constexpr uint32_t kLinesPerBasket = 2;  // items in each basket, one unit of each
constexpr uint64_t kStockPerItem = 1'000'000;          // one delivery at most (kRestockUnitsMax)
constexpr uint64_t kFundingPoints = 1'000'000;         // one award at most (kAwardPointsMax)
constexpr uint64_t kBudgetPoints = 1'000'000'000'000;  // a month's at most (kBudgetPointsMax)
constexpr uint32_t kFundingRule = 1;  // 1000 points x 1000 units: a basket household's points
constexpr uint32_t kRoundRule = 2;    // 1 point: an inspection round's awards
constexpr uint32_t kRawLedger = 1;    // not a village's (server/AUTHZ.md, rule 4)
constexpr int kRawAccounts = 1000;
constexpr uint32_t kVillageMax = 1u << 20;  // village numbers are 1..2^20
constexpr int kSetupThreads = 16;           // synchronous setup calls at once
constexpr int kCallDeadlineSeconds = 60;
constexpr double kPhaseSecondsMax = 60;  // a basket phase, after its codes, within their 2 minutes
constexpr int kChinaUtcOffsetSeconds = 8 * 3600;  // budgets are by month in China Standard Time

struct Flags {
  std::string target = "127.0.0.1:50051";
  std::string token;  // the admin's, from --token-file
  int villages = 16;
  int terminals = 4;
  int in_flight = 64;
  int rounds_in_flight = 0;  // 0: one per village
  int round_size = 200;
  int households = 200;
  int channels = 4;
  double seconds = 10;
  double max_baskets_per_second = 5000;
  double fund_timeout_seconds = 60;
  bool json = false;
};

// The token in `path`'s first line; a usage error when there is none.
std::string ReadTokenFile(const std::string& path) {
  std::ifstream file(path);
  std::string token;
  if (!file || !std::getline(file, token)) {
    throw CLI::ValidationError("--token-file", "cannot read '" + path + "'");
  }
  token = std::string(absl::StripAsciiWhitespace(token));
  if (token.empty()) throw CLI::ValidationError("--token-file", "'" + path + "' holds no token");
  return token;
}

void AddShapeOptions(CLI::App& app, Flags& flags) {
  app.add_option("--villages", flags.villages, "villages, each with its supermarket and committee")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--terminals", flags.terminals, "shop terminals (shopkeepers) per village")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--in-flight", flags.in_flight,
                 "baskets (and raw transfer calls) kept outstanding, spread over the villages' "
                 "terminals; each slot pays for a household of its own")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--rounds-in-flight", flags.rounds_in_flight,
                 "RecordAwards rounds kept outstanding (0: one per village)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  app.add_option("--round-size", flags.round_size, "awards in each RecordAwards round")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--households", flags.households,
                 "households per village, awarded in turn by the rounds (at least one per "
                 "basket slot of the village)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--channels", flags.channels, "gRPC channels the calls are spread over")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
}

// The flags (CLI11: `domain_load --help` is generated from them); a bad one exits 2 with the
// reason, --help exits 0.
Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  CLI::App app(
      "Loads pointsd through the contract with what villages call (baskets redeemed with payment "
      "codes, inspection rounds recorded) and, in the same run, raw single-transfer "
      "CreateTransfers calls; sets up its own villages first. Run pointsd with --rate-limit 0 "
      "--notice-seconds 1 (the basket households' points are awards, posted after the notice)",
      "domain_load");
  app.add_option("--target", flags.target, "pointsd to load (HOST:PORT)")->capture_default_str();
  std::string token_file;
  app.add_option("--token-file", token_file,
                 "a county admin's token (pointsd's first is in DATA_DIR/admin.token): it sets "
                 "up the villages and principals and makes the raw calls")
      ->required();
  AddShapeOptions(app, flags);
  app.add_option("--seconds", flags.seconds, "length of each of the four phases")
      ->check(CLI::Range(0.1, kPhaseSecondsMax))
      ->capture_default_str();
  app.add_option("--max-baskets-per-second", flags.max_baskets_per_second,
                 "payment codes issued before each basket phase: enough for this rate; a slot "
                 "that runs out stops (counted in codes_ran_out)")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  app.add_option("--fund-timeout-seconds", flags.fund_timeout_seconds,
                 "how long to wait for the basket households' awards to post")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--json", flags.json, "one JSON object instead of text");
  try {
    app.parse(argc, argv);
    flags.token = ReadTokenFile(token_file);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error) == 0 ? 0 : 2);
  }
  if (flags.rounds_in_flight == 0) flags.rounds_in_flight = flags.villages;
  const int slots_per_village = (flags.in_flight + flags.villages - 1) / flags.villages;
  flags.households = std::max(flags.households, slots_per_village);
  return flags;
}

std::string IdBytes(uint64_t high, uint64_t low) {
  std::string bytes(16, '\0');
  for (int i = 7; i >= 0; --i, high >>= 8) bytes[i] = static_cast<char>(high & 0xff);
  for (int i = 15; i >= 8; --i, low >>= 8) bytes[i] = static_cast<char>(low & 0xff);
  return bytes;
}

absl::Status FromGrpc(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

// A call context carrying `token`, with a deadline.
std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(kCallDeadlineSeconds));
  context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

// The services' stubs on one channel.
struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : ledger(v1::LedgerService::NewStub(channel)),
        villages(v1::VillageService::NewStub(channel)),
        awards(v1::AwardService::NewStub(channel)),
        shops(v1::ShopService::NewStub(channel)),
        admin(v1::AdminService::NewStub(channel)) {}
  std::unique_ptr<v1::LedgerService::Stub> ledger;
  std::unique_ptr<v1::VillageService::Stub> villages;
  std::unique_ptr<v1::AwardService::Stub> awards;
  std::unique_ptr<v1::ShopService::Stub> shops;
  std::unique_ptr<v1::AdminService::Stub> admin;
};

std::vector<std::unique_ptr<Stubs>> Connect(const Flags& flags) {
  std::vector<std::unique_ptr<Stubs>> stubs;
  for (int c = 0; c < flags.channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);  // distinct arguments: distinct connections
    args.SetMaxReceiveMessageSize(4 << 20);
    stubs.push_back(std::make_unique<Stubs>(
        grpc::CreateCustomChannel(flags.target, grpc::InsecureChannelCredentials(), args)));
  }
  return stubs;
}

// Runs task(0..n-1) on kSetupThreads threads; the first error stops the rest.
absl::Status ForEachParallel(int n, const std::function<absl::Status(int)>& task) {
  std::atomic<int> next{0};
  std::mutex mu;
  absl::Status first = absl::OkStatus();
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min(n, kSetupThreads); ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < n && !failed.load(); i = next++) {
        absl::Status s = task(i);
        if (s.ok()) continue;
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok()) first = s;
        failed = true;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return first;
}

// One village of the run and its principals' tokens.
struct Village {
  uint32_t number = 0;
  std::string recorder;                // committee member: rules, catalogue, awards
  std::string reviewer;                // committee member: approves the funding awards
  std::vector<std::string> terminals;  // shopkeepers of kShop
};

// A basket slot: one terminal paying for one household, with the codes its app issued.
struct BasketSlot {
  int village = 0;  // index into Plan::villages
  uint64_t household = 0;
  std::string household_token;
  std::string terminal_token;
  std::vector<std::string> codes;
  size_t next_code = 0;
};

// What the run set up, and the ids it hands out.
struct Plan {
  uint64_t run_id = 0;  // the high half of every id the run makes
  std::string tag;      // in every principal's name
  std::vector<Village> villages;
  std::vector<BasketSlot> slots;
  std::atomic<uint64_t> next_id{1};
  std::string raw_account_id(int n) const { return IdBytes(run_id, 1 + n); }
  std::string id_of(uint64_t n) const { return IdBytes(run_id, kRawAccounts + n); }
  std::string fresh_id() { return id_of(next_id++); }
};

class Setup {
 public:
  Setup(const Flags& flags, std::vector<std::unique_ptr<Stubs>>& stubs, Plan& plan)
      : flags_(flags), stubs_(stubs), plan_(plan) {}

  absl::Status Run();
  absl::Status IssueCodes(int per_slot);

 private:
  Stubs& At(int i) { return *stubs_[i % stubs_.size()]; }
  absl::StatusOr<std::string> MakePrincipal(const std::string& name, v1::Role role,
                                            uint32_t village, uint32_t shop, uint64_t household);
  absl::Status MakeVillage(int index);
  absl::Status SetBudgets(uint32_t village);
  absl::Status PutRules(const Village& village);
  absl::Status StockShop(const Village& village);
  absl::Status MakeHouseholds();
  absl::Status MakeSlots();
  absl::Status FundSlots();
  absl::Status AwaitFunding();
  absl::Status MakeRawAccounts();

  const Flags& flags_;
  std::vector<std::unique_ptr<Stubs>>& stubs_;
  Plan& plan_;
};

absl::StatusOr<std::string> Setup::MakePrincipal(const std::string& name, v1::Role role,
                                                 uint32_t village, uint32_t shop,
                                                 uint64_t household) {
  v1::CreatePrincipalRequest request;
  v1::Principal* p = request.mutable_principal();
  p->set_name(absl::StrCat("dl", plan_.tag, "-", name));
  p->set_role(role);
  p->set_village(village);
  p->set_shop(shop);
  p->set_household(household);
  v1::CreatePrincipalResponse response;
  grpc::Status status =
      At(0).admin->CreatePrincipal(Context(flags_.token).get(), request, &response);
  if (!status.ok()) return FromGrpc(status, "CreatePrincipal " + p->name());
  return response.token();
}

// The month's budget, and the next month's (a run may cross the month's end), as YYYYMM.
absl::Status Setup::SetBudgets(uint32_t village) {
  const absl::TimeZone china = absl::FixedTimeZone(kChinaUtcOffsetSeconds);
  const absl::CivilMonth month = absl::ToCivilMonth(absl::Now(), china);
  for (const absl::CivilMonth m : {month, month + 1}) {
    v1::SetBudgetRequest request;
    request.set_village(village);
    request.set_month(static_cast<uint32_t>(m.year() * 100 + m.month()));
    request.set_points(kBudgetPoints);
    v1::SetBudgetResponse response;
    grpc::Status status =
        At(village).villages->SetBudget(Context(flags_.token).get(), request, &response);
    if (!status.ok()) return FromGrpc(status, "SetBudget");
  }
  return absl::OkStatus();
}

absl::Status Setup::PutRules(const Village& village) {
  for (const auto& [rule, points] :
       {std::pair{kFundingRule, uint64_t{1000}}, std::pair{kRoundRule, uint64_t{1}}}) {
    v1::PutRuleRequest request;
    request.set_village(village.number);
    v1::Rule* r = request.mutable_rule();
    r->set_rule(rule);
    r->set_category(v1::CATEGORY_HYGIENE);
    r->set_points_per_unit(points);
    r->set_name(rule == kFundingRule ? "开户积分 (opening points)" : "庭院卫生评比 (yard check)");
    v1::PutRuleResponse response;
    grpc::Status status =
        At(village.number).awards->PutRule(Context(village.recorder).get(), request, &response);
    if (!status.ok()) return FromGrpc(status, "PutRule");
  }
  return absl::OkStatus();
}

absl::Status Setup::StockShop(const Village& village) {
  v1::CreateShopRequest shop;
  shop.set_village(village.number);
  shop.set_shop(kShop);
  shop.set_name("村积分超市");
  v1::CreateShopResponse created;
  Stubs& stubs = At(village.number);
  grpc::Status status = stubs.shops->CreateShop(Context(flags_.token).get(), shop, &created);
  if (!status.ok()) return FromGrpc(status, "CreateShop");
  for (uint32_t item = 1; item <= kItemsPerShop; ++item) {
    v1::PutItemRequest put;
    put.set_village(village.number);
    put.set_shop(kShop);
    put.mutable_item()->set_item(item);
    put.mutable_item()->set_name(absl::StrCat("item ", item));
    put.mutable_item()->set_points_price(1);
    v1::PutItemResponse put_done;
    status = stubs.shops->PutItem(Context(village.recorder).get(), put, &put_done);
    if (!status.ok()) return FromGrpc(status, "PutItem");
    v1::RestockRequest restock;
    restock.set_village(village.number);
    restock.set_shop(kShop);
    restock.set_item(item);
    restock.set_restock_id(plan_.fresh_id());
    restock.set_quantity(kStockPerItem);
    v1::RestockResponse restocked;
    status = stubs.shops->Restock(Context(village.recorder).get(), restock, &restocked);
    if (!status.ok()) return FromGrpc(status, "Restock");
  }
  return absl::OkStatus();
}

// Village `index`: its accounts, budgets, committee, rules, shop and terminals.
absl::Status Setup::MakeVillage(int index) {
  Village& village = plan_.villages[index];
  v1::CreateVillageRequest request;
  request.set_village(village.number);
  v1::CreateVillageResponse response;
  grpc::Status status =
      At(index).villages->CreateVillage(Context(flags_.token).get(), request, &response);
  if (!status.ok()) return FromGrpc(status, "CreateVillage");
  if (absl::Status s = SetBudgets(village.number); !s.ok()) return s;
  const std::string v = absl::StrCat(village.number);
  for (auto [name, token] :
       {std::pair{"recorder", &village.recorder}, std::pair{"reviewer", &village.reviewer}}) {
    absl::StatusOr<std::string> made =
        MakePrincipal(absl::StrCat(name, "-", v), v1::ROLE_COMMITTEE, village.number, 0, 0);
    if (!made.ok()) return made.status();
    *token = *made;
  }
  if (absl::Status s = PutRules(village); !s.ok()) return s;
  if (absl::Status s = StockShop(village); !s.ok()) return s;
  for (int t = 0; t < flags_.terminals; ++t) {
    absl::StatusOr<std::string> made = MakePrincipal(absl::StrCat("till-", v, "-", t),
                                                     v1::ROLE_SHOPKEEPER, village.number, kShop, 0);
    if (!made.ok()) return made.status();
    village.terminals.push_back(*made);
  }
  return absl::OkStatus();
}

absl::Status Setup::MakeHouseholds() {
  const int per_village = flags_.households;
  return ForEachParallel(flags_.villages * per_village, [&](int i) {
    v1::CreateHouseholdRequest request;
    request.set_village(plan_.villages[i / per_village].number);
    request.set_household(i % per_village + 1);
    v1::CreateHouseholdResponse response;
    return FromGrpc(
        At(i).villages->CreateHousehold(Context(flags_.token).get(), request, &response),
        "CreateHousehold");
  });
}

// Slot s: village s % villages, its terminal (s / villages) % terminals, household
// s / villages + 1 with its app's principal.
absl::Status Setup::MakeSlots() {
  plan_.slots.resize(flags_.in_flight);
  return ForEachParallel(flags_.in_flight, [&](int s) {
    BasketSlot& slot = plan_.slots[s];
    slot.village = s % flags_.villages;
    slot.household = s / flags_.villages + 1;
    const Village& village = plan_.villages[slot.village];
    slot.terminal_token = village.terminals[(s / flags_.villages) % flags_.terminals];
    absl::StatusOr<std::string> made =
        MakePrincipal(absl::StrCat("app-", village.number, "-", slot.household), v1::ROLE_HOUSEHOLD,
                      village.number, 0, slot.household);
    if (!made.ok()) return made.status();
    slot.household_token = *made;
    return absl::OkStatus();
  });
}

// Each basket household is awarded kFundingPoints (one round per village); the other committee
// member approves what awaits review.
absl::Status Setup::FundSlots() {
  return ForEachParallel(flags_.villages, [&](int v) {
    const Village& village = plan_.villages[v];
    v1::RecordAwardsRequest round;
    for (const BasketSlot& slot : plan_.slots) {
      if (slot.village != v) continue;
      v1::Award* a = round.add_awards();
      a->set_award_id(plan_.fresh_id());
      a->set_village(village.number);
      a->set_household(slot.household);
      a->mutable_rule()->set_rule(kFundingRule);
      a->set_quantity(kFundingPoints / 1000);
    }
    if (round.awards().empty()) return absl::OkStatus();  // fewer slots than villages
    v1::RecordAwardsResponse recorded;
    grpc::Status status =
        At(v).awards->RecordAwards(Context(village.recorder).get(), round, &recorded);
    if (!status.ok()) return FromGrpc(status, "RecordAwards (funding)");
    for (const auto& result : recorded.results()) {
      if (result.error_code() != 0) {
        return absl::InternalError("funding award refused: " + result.error_message());
      }
      if (result.award().state() != v1::AWARD_STATE_AWAITING_REVIEW) continue;
      v1::ApproveAwardRequest approve;
      approve.set_village(village.number);
      approve.set_award_id(result.award().award_id());
      v1::ApproveAwardResponse approved;
      status = At(v).awards->ApproveAward(Context(village.reviewer).get(), approve, &approved);
      if (!status.ok()) return FromGrpc(status, "ApproveAward (funding)");
      if (approved.award().state() == v1::AWARD_STATE_REFUSED) {
        return absl::InternalError("funding award refused: " + approved.award().refusal());
      }
    }
    return absl::OkStatus();
  });
}

// Until every basket household holds its points: the server posts them when the notice ends.
absl::Status Setup::AwaitFunding() {
  const auto give_up =
      SteadyClock::now() + std::chrono::duration<double>(flags_.fund_timeout_seconds);
  for (size_t s = 0; s < plan_.slots.size(); ++s) {
    const BasketSlot& slot = plan_.slots[s];
    for (;;) {
      v1::GetHouseholdRequest request;
      request.set_village(plan_.villages[slot.village].number);
      request.set_household(slot.household);
      v1::GetHouseholdResponse response;
      grpc::Status status =
          At(s).villages->GetHousehold(Context(flags_.token).get(), request, &response);
      if (!status.ok()) return FromGrpc(status, "GetHousehold");
      if (response.points_balance() >= kFundingPoints) break;
      if (SteadyClock::now() > give_up) {
        return absl::DeadlineExceededError(absl::StrFormat(
            "the basket households' awards did not post within %.0f s: run pointsd with "
            "--notice-seconds 1",
            flags_.fund_timeout_seconds));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return absl::OkStatus();
}

absl::Status Setup::MakeRawAccounts() {
  v1::CreateAccountsRequest request;
  for (int n = 0; n < kRawAccounts; ++n) {
    v1::Account* a = request.add_accounts();
    a->set_id(plan_.raw_account_id(n));
    a->set_ledger(kRawLedger);
    a->set_code(1);
  }
  v1::CreateAccountsResponse response;
  grpc::Status status =
      At(0).ledger->CreateAccounts(Context(flags_.token).get(), request, &response);
  if (!status.ok()) return FromGrpc(status, "CreateAccounts (raw)");
  for (const auto& r : response.results()) {
    if (r.result() != v1::CREATE_ACCOUNT_RESULT_OK) {
      return absl::InternalError(absl::StrCat("raw account refused: result ", r.result()));
    }
  }
  return absl::OkStatus();
}

absl::Status Setup::Run() {
  std::mt19937_64 random(std::random_device{}());
  plan_.run_id = random() | 1;
  plan_.tag = absl::StrFormat("%08x", static_cast<uint32_t>(random()));
  // Villages numbered in a row from a random start: a run never meets an earlier one's.
  const uint32_t first = 1 + static_cast<uint32_t>(random() % (kVillageMax - flags_.villages));
  plan_.villages.resize(flags_.villages);
  for (int v = 0; v < flags_.villages; ++v) plan_.villages[v].number = first + v;
  if (absl::Status s = MakeRawAccounts(); !s.ok()) return s;
  if (absl::Status s = ForEachParallel(flags_.villages, [&](int v) { return MakeVillage(v); });
      !s.ok()) {
    return s;
  }
  if (absl::Status s = MakeHouseholds(); !s.ok()) return s;
  if (absl::Status s = MakeSlots(); !s.ok()) return s;
  if (absl::Status s = FundSlots(); !s.ok()) return s;
  return AwaitFunding();
}

// `per_slot` fresh codes for each slot's household, in the order they were issued (the order
// they must be used in: a code used makes the household's older ones void).
absl::Status Setup::IssueCodes(int per_slot) {
  return ForEachParallel(static_cast<int>(plan_.slots.size()), [&](int s) {
    BasketSlot& slot = plan_.slots[s];
    slot.codes.clear();
    slot.next_code = 0;
    v1::IssuePaymentCodeRequest request;
    request.set_village(plan_.villages[slot.village].number);
    request.set_household(slot.household);
    for (int i = 0; i < per_slot; ++i) {
      v1::IssuePaymentCodeResponse response;
      grpc::Status status =
          At(s).shops->IssuePaymentCode(Context(slot.household_token).get(), request, &response);
      if (!status.ok()) return FromGrpc(status, "IssuePaymentCode");
      slot.codes.push_back(response.code());
    }
    return absl::OkStatus();
  });
}

// ---- The closed loop ----

// A finished call: taken or not, and how many units of work it did (baskets, awards, calls).
struct Outcome {
  bool ok = false;       // the RPC answered OK
  uint64_t units = 0;    // redeemed baskets, recorded awards, accepted transfers
  uint64_t refused = 0;  // units the server answered but did not take
  std::string why;       // the first reason, when not ok or refused
};
using Done = std::function<void(Outcome)>;
// Starts a slot's next call and returns true, or returns false when the slot has no work left.
using StartCall = std::function<bool(int slot, Done done)>;

// One kind of call in a phase, with its own slots.
struct Lane {
  std::string kind;
  int slots = 0;
  StartCall start;
};

// What a lane's calls came to.
class Tally {
 public:
  void Add(const Outcome& outcome, double latency_us) {
    std::lock_guard<std::mutex> lock(mu_);
    latencies_us_.push_back(latency_us);
    units_ += outcome.units;
    refused_ += outcome.refused;
    if (!outcome.ok) ++errors_;
    if (!outcome.why.empty() && why_.empty()) why_ = outcome.why;
  }
  void NoteRanOut() {
    std::lock_guard<std::mutex> lock(mu_);
    ++ran_out_;
  }

  std::mutex mu_;
  std::vector<double> latencies_us_;
  uint64_t units_ = 0, refused_ = 0, errors_ = 0, ran_out_ = 0;
  std::string why_;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

struct LaneResult {
  std::string kind;
  uint64_t calls = 0, units = 0, refused = 0, errors = 0, ran_out = 0;
  double calls_per_second = 0, units_per_second = 0, latency_us_p50 = 0, latency_us_p99 = 0;
  std::string why;
};

struct PhaseResult {
  double seconds = 0;
  std::vector<LaneResult> lanes;
  double latency_us_p50 = 0, latency_us_p99 = 0;  // every call of the phase
  const LaneResult& Of(const std::string& kind) const {
    for (const LaneResult& lane : lanes) {
      if (lane.kind == kind) return lane;
    }
    static const LaneResult none;
    return none;
  }
};

PhaseResult Summarize(const std::vector<Lane>& lanes, std::vector<Tally>& tallies, double elapsed) {
  PhaseResult phase;
  phase.seconds = elapsed;
  std::vector<double> all;
  for (size_t l = 0; l < lanes.size(); ++l) {
    Tally& t = tallies[l];
    LaneResult r;
    r.kind = lanes[l].kind;
    r.calls = t.latencies_us_.size();
    r.units = t.units_;
    r.refused = t.refused_;
    r.errors = t.errors_;
    r.ran_out = t.ran_out_;
    r.why = t.why_;
    r.calls_per_second = r.calls / elapsed;
    r.units_per_second = r.units / elapsed;
    r.latency_us_p50 = Percentile(t.latencies_us_, 0.50);
    r.latency_us_p99 = Percentile(t.latencies_us_, 0.99);
    all.insert(all.end(), t.latencies_us_.begin(), t.latencies_us_.end());
    phase.lanes.push_back(r);
  }
  phase.latency_us_p50 = Percentile(all, 0.50);
  phase.latency_us_p99 = Percentile(all, 0.99);
  return phase;
}

// Keeps every lane's slots busy for `seconds`, each completion starting the slot's next call,
// then lets the calls in flight finish.
PhaseResult RunPhase(double seconds, const std::vector<Lane>& lanes) {
  std::vector<Tally> tallies(lanes.size());
  int total = 0;
  for (const Lane& lane : lanes) total += lane.slots;
  std::atomic<bool> stop{false};
  std::atomic<int> outstanding{total};
  absl::Notification drained;
  auto slot_done = [&] {
    if (--outstanding == 0) drained.Notify();
  };
  std::function<void(size_t, int)> issue = [&](size_t l, int slot) {
    if (stop.load()) return slot_done();
    const auto sent = SteadyClock::now();
    const bool started = lanes[l].start(slot, [&, l, slot, sent](Outcome outcome) {
      tallies[l].Add(outcome,
                     std::chrono::duration<double, std::micro>(SteadyClock::now() - sent).count());
      issue(l, slot);
    });
    if (!started) {
      tallies[l].NoteRanOut();
      slot_done();
    }
  };
  const auto start = SteadyClock::now();
  if (total == 0) drained.Notify();
  for (size_t l = 0; l < lanes.size(); ++l) {
    for (int slot = 0; slot < lanes[l].slots; ++slot) issue(l, slot);
  }
  drained.WaitForNotificationWithTimeout(absl::Seconds(seconds));
  stop = true;
  drained.WaitForNotification();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  return Summarize(lanes, tallies, elapsed);
}

std::string StatusText(const grpc::Status& status) {
  return absl::StrFormat("code %d: %s", static_cast<int>(status.error_code()),
                         status.error_message());
}

// ---- The calls ----

class Calls {
 public:
  Calls(const Flags& flags, std::vector<std::unique_ptr<Stubs>>& stubs, Plan& plan)
      : flags_(flags), stubs_(stubs), plan_(plan) {
    for (int slot = 0; slot < flags.in_flight; ++slot) picks_.emplace_back(plan.run_id + slot);
  }

  Lane Raw();
  Lane Baskets();
  Lane Rounds();

 private:
  Stubs& At(int slot) { return *stubs_[slot % stubs_.size()]; }

  const Flags& flags_;
  std::vector<std::unique_ptr<Stubs>>& stubs_;
  Plan& plan_;
  std::vector<std::mt19937_64> picks_;  // each raw slot's accounts
};

// One transfer between two of the run's raw accounts per call, as service_load sends.
Lane Calls::Raw() {
  return {"raw", flags_.in_flight, [this](int slot, Done done) {
            struct Call {
              grpc::ClientContext context;
              v1::CreateTransfersRequest request;
              v1::CreateTransfersResponse response;
            };
            auto* call = new Call();
            call->context.AddMetadata("authorization", "Bearer " + flags_.token);
            std::uniform_int_distribution<int> account(0, kRawAccounts - 1);
            const int debit = account(picks_[slot]);
            const int credit =
                (debit + 1 + account(picks_[slot]) % (kRawAccounts - 1)) % kRawAccounts;
            v1::Transfer* t = call->request.add_transfers();
            t->set_id(plan_.fresh_id());
            t->set_debit_account_id(plan_.raw_account_id(debit));
            t->set_credit_account_id(plan_.raw_account_id(credit));
            t->set_amount(1);
            t->set_ledger(kRawLedger);
            t->set_code(1);
            At(slot).ledger->async()->CreateTransfers(
                &call->context, &call->request, &call->response, [call, done](grpc::Status s) {
                  Outcome o;
                  o.ok = s.ok();
                  if (!s.ok()) o.why = StatusText(s);
                  for (const auto& r : call->response.results()) {
                    if (r.result() == v1::CREATE_TRANSFER_RESULT_OK) {
                      ++o.units;
                    } else {
                      ++o.refused;
                      if (o.why.empty()) o.why = absl::StrCat("transfer result ", r.result());
                    }
                  }
                  delete call;  // first: the last done() lets the phase, and the program, end
                  done(std::move(o));
                });
            return true;
          }};
}

// A basket of kLinesPerBasket one-point items at the slot's terminal, paid with the slot's
// next code; false when its codes are used up.
Lane Calls::Baskets() {
  return {"basket", flags_.in_flight, [this](int slot_index, Done done) {
            BasketSlot& slot = plan_.slots[slot_index];
            if (slot.next_code >= slot.codes.size()) return false;
            struct Call {
              grpc::ClientContext context;
              v1::RedeemBasketRequest request;
              v1::RedeemBasketResponse response;
            };
            auto* call = new Call();
            call->context.AddMetadata("authorization", "Bearer " + slot.terminal_token);
            v1::Basket* b = call->request.mutable_basket();
            b->set_basket_id(plan_.fresh_id());
            b->set_village(plan_.villages[slot.village].number);
            b->set_shop(kShop);
            b->set_household(slot.household);
            const uint32_t first_item = slot.next_code % kItemsPerShop;
            for (uint32_t line = 0; line < kLinesPerBasket; ++line) {
              v1::BasketLine* l = b->add_lines();
              l->set_item((first_item + line) % kItemsPerShop + 1);
              l->set_quantity(1);
            }
            call->request.mutable_consent()->set_payment_code(slot.codes[slot.next_code++]);
            At(slot_index)
                .shops->async()
                ->RedeemBasket(&call->context, &call->request, &call->response,
                               [call, done](grpc::Status s) {
                                 Outcome o;
                                 o.ok = s.ok();
                                 if (!s.ok()) o.why = StatusText(s);
                                 const v1::Basket& basket = call->response.basket();
                                 if (s.ok() && basket.state() == v1::BASKET_STATE_REDEEMED) {
                                   o.units = 1;
                                 } else if (s.ok()) {
                                   o.refused = 1;
                                   o.why = "basket refused: " + basket.refusal();
                                 }
                                 delete call;
                                 done(std::move(o));
                               });
            return true;
          }};
}

// An inspection round: --round-size one-point awards to the village's households in turn,
// recorded by its committee member in one RecordAwards call.
Lane Calls::Rounds() {
  return {"round", flags_.rounds_in_flight, [this](int slot, Done done) {
            const Village& village = plan_.villages[slot % flags_.villages];
            struct Call {
              grpc::ClientContext context;
              v1::RecordAwardsRequest request;
              v1::RecordAwardsResponse response;
            };
            auto* call = new Call();
            call->context.AddMetadata("authorization", "Bearer " + village.recorder);
            for (int i = 0; i < flags_.round_size; ++i) {
              const uint64_t n = plan_.next_id++;
              v1::Award* a = call->request.add_awards();
              a->set_award_id(plan_.id_of(n));
              a->set_village(village.number);
              a->set_household(n % flags_.households + 1);
              a->mutable_rule()->set_rule(kRoundRule);
              a->set_quantity(1);
              a->add_evidence(absl::StrFormat("photo:%016x%016x", plan_.run_id, n));
            }
            At(slot).awards->async()->RecordAwards(
                &call->context, &call->request, &call->response, [call, done](grpc::Status s) {
                  Outcome o;
                  o.ok = s.ok();
                  if (!s.ok()) o.why = StatusText(s);
                  for (const auto& r : call->response.results()) {
                    if (r.error_code() == 0 && r.award().state() != v1::AWARD_STATE_REFUSED) {
                      ++o.units;
                      continue;
                    }
                    ++o.refused;
                    if (o.why.empty()) {
                      o.why = "award refused: " +
                              (r.error_code() != 0 ? r.error_message() : r.award().refusal());
                    }
                  }
                  delete call;
                  done(std::move(o));
                });
            return true;
          }};
}

// ---- The report ----

// A figure for the report: whole numbers (microseconds, calls) read best.
int64_t Whole(double value) { return std::llround(value); }

nlohmann::ordered_json LaneJson(const LaneResult& lane, const std::string& unit) {
  nlohmann::ordered_json j;
  j[unit + "_per_second"] = Whole(lane.units_per_second);
  j["calls_per_second"] = Whole(lane.calls_per_second);
  j["latency_us_p50"] = Whole(lane.latency_us_p50);
  j["latency_us_p99"] = Whole(lane.latency_us_p99);
  j[unit] = lane.units;
  j["calls"] = lane.calls;
  j["refused"] = lane.refused;
  j["errors"] = lane.errors;
  if (lane.kind == "basket") j["codes_ran_out"] = lane.ran_out;
  return j;
}

struct Report {
  PhaseResult raw, baskets, awards, mixed;
  double setup_seconds = 0;
  double codes_seconds = 0;  // issuing the payment codes before both basket phases
};

nlohmann::ordered_json ReportJson(const Flags& flags, const Report& r) {
  nlohmann::ordered_json j;
  j["target"] = flags.target;
  j["villages"] = flags.villages;
  j["terminals"] = flags.terminals;
  j["in_flight"] = flags.in_flight;
  j["rounds_in_flight"] = flags.rounds_in_flight;
  j["round_size"] = flags.round_size;
  j["channels"] = flags.channels;
  j["seconds"] = flags.seconds;
  const LaneResult& raw = r.raw.Of("raw");
  const LaneResult& baskets = r.baskets.Of("basket");
  j["baskets_per_second"] = Whole(baskets.units_per_second);
  j["awards_per_second"] = Whole(r.awards.Of("round").units_per_second);
  j["raw_transfer_calls_per_second"] = Whole(raw.calls_per_second);
  j["basket_to_raw_ratio"] =
      raw.calls_per_second > 0
          ? std::round(1000 * baskets.calls_per_second / raw.calls_per_second) / 1000
          : 0.0;
  j["latency_us_p50"] = Whole(baskets.latency_us_p50);
  j["latency_us_p99"] = Whole(baskets.latency_us_p99);
  const LaneResult& mixed_baskets = r.mixed.Of("basket");
  const LaneResult& mixed_rounds = r.mixed.Of("round");
  j["mixed_basket_latency_us_p99"] = Whole(mixed_baskets.latency_us_p99);
  j["mixed_round_latency_us_p99"] = Whole(mixed_rounds.latency_us_p99);
  nlohmann::ordered_json mixed;
  mixed["baskets_per_second"] = Whole(mixed_baskets.units_per_second);
  mixed["awards_per_second"] = Whole(mixed_rounds.units_per_second);
  mixed["latency_us_p50"] = Whole(r.mixed.latency_us_p50);
  mixed["latency_us_p99"] = Whole(r.mixed.latency_us_p99);
  mixed["basket"] = LaneJson(mixed_baskets, "baskets");
  mixed["round"] = LaneJson(mixed_rounds, "awards");
  j["phases"] = {{"raw", LaneJson(raw, "transfers")},
                 {"baskets", LaneJson(baskets, "baskets")},
                 {"awards", LaneJson(r.awards.Of("round"), "awards")},
                 {"mixed", mixed}};
  j["setup_seconds"] = std::round(10 * r.setup_seconds) / 10;
  j["codes_seconds"] = std::round(10 * r.codes_seconds) / 10;
  return j;
}

void PrintText(const Report& r) {
  auto line = [](const char* phase, const LaneResult& lane, const char* unit) {
    std::printf(
        "%-7s %-6s %9.0f %s/s  %7.0f calls/s  p50 %8.0f us  p99 %8.0f us  refused %llu"
        "  errors %llu\n",
        phase, lane.kind.c_str(), lane.units_per_second, unit, lane.calls_per_second,
        lane.latency_us_p50, lane.latency_us_p99, (unsigned long long)lane.refused,
        (unsigned long long)lane.errors);
  };
  std::printf("setup:  %.1f s, payment codes %.1f s\n", r.setup_seconds, r.codes_seconds);
  line("raw", r.raw.Of("raw"), "transfers");
  line("alone", r.baskets.Of("basket"), "baskets");
  line("alone", r.awards.Of("round"), "awards");
  line("mixed", r.mixed.Of("basket"), "baskets");
  line("mixed", r.mixed.Of("round"), "awards");
}

// The phases' failures: every call must have been answered OK and taken.
int Verdict(const Report& r) {
  int failed = 0;
  for (const PhaseResult* phase : {&r.raw, &r.baskets, &r.awards, &r.mixed}) {
    for (const LaneResult& lane : phase->lanes) {
      if (lane.ran_out > 0 && lane.kind == "basket") {
        std::fprintf(stderr,
                     "domain_load: %llu basket slots ran out of payment codes before the phase "
                     "ended: raise --max-baskets-per-second\n",
                     (unsigned long long)lane.ran_out);
      }
      if (lane.errors + lane.refused == 0) continue;
      std::fprintf(stderr, "domain_load: %s: %llu errors, %llu refused; first: %s\n",
                   lane.kind.c_str(), (unsigned long long)lane.errors,
                   (unsigned long long)lane.refused, lane.why.c_str());
      failed = 1;
    }
  }
  return failed;
}

// Issues the codes for a basket phase: its seconds at --max-baskets-per-second, shared by the
// slots.
absl::Status IssueCodes(const Flags& flags, Setup& setup, Report& report) {
  const int codes_per_slot =
      static_cast<int>(std::ceil(flags.max_baskets_per_second * flags.seconds / flags.in_flight));
  const auto start = SteadyClock::now();
  absl::Status status = setup.IssueCodes(codes_per_slot);
  report.codes_seconds += std::chrono::duration<double>(SteadyClock::now() - start).count();
  return status;
}

absl::Status RunPhases(const Flags& flags, Setup& setup, Calls& calls, Report& report) {
  report.raw = RunPhase(flags.seconds, {calls.Raw()});
  if (absl::Status s = IssueCodes(flags, setup, report); !s.ok()) return s;
  report.baskets = RunPhase(flags.seconds, {calls.Baskets()});
  report.awards = RunPhase(flags.seconds, {calls.Rounds()});
  if (absl::Status s = IssueCodes(flags, setup, report); !s.ok()) return s;
  report.mixed = RunPhase(flags.seconds, {calls.Baskets(), calls.Rounds()});
  return absl::OkStatus();
}

int Run(const Flags& flags) {
  std::vector<std::unique_ptr<Stubs>> stubs = Connect(flags);
  Plan plan;
  Setup setup(flags, stubs, plan);
  Report report;
  const auto start = SteadyClock::now();
  absl::Status status = setup.Run();
  report.setup_seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  Calls calls(flags, stubs, plan);
  if (status.ok()) status = RunPhases(flags, setup, calls, report);
  if (!status.ok()) {
    std::fprintf(stderr, "domain_load: %s\n", status.ToString().c_str());
    if (status.code() == absl::StatusCode::kUnauthenticated ||
        status.code() == absl::StatusCode::kPermissionDenied) {
      std::fprintf(stderr, "domain_load: --token-file must hold a county admin's token\n");
    } else if (status.code() == absl::StatusCode::kResourceExhausted) {
      std::fprintf(stderr, "domain_load: run pointsd with --rate-limit 0\n");
    }
    return 1;
  }
  if (flags.json) {
    std::printf("%s\n", ReportJson(flags, report).dump().c_str());
  } else {
    PrintText(report);
  }
  return Verdict(report);
}

}  // namespace
}  // namespace points::bench

int main(int argc, char** argv) {
  return points::bench::Run(points::bench::ParseFlags(argc, argv));
}

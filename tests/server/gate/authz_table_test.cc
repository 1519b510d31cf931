// The authorization table (server/gate/authz.cc) against its readable copy (server/AUTHZ.md), its
// invariants, and the scope rules of Gate::Authorize on their own, with the facts it looks up
// given by the test. tests/server/gate/authz_test.cc checks the same through a real pointsd.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "server/domain/values/ids.h"
#include "server/gate/authz.h"

namespace points::server {
namespace {

using domain::Principal;
using domain::Role;

const std::vector<std::pair<std::string, Role>> kColumns = {{"admin", Role::kAdmin},
                                                            {"committee", Role::kCommittee},
                                                            {"grid-worker", Role::kGridWorker},
                                                            {"shopkeeper", Role::kShopkeeper},
                                                            {"household", Role::kHousehold},
                                                            {"auditor", Role::kAuditor}};

// The rows of AUTHZ.md's table: "Service.Method" -> cells.
std::map<std::string, std::vector<std::string>> ReadDocumentedTable() {
  std::ifstream file(AUTHZ_MD_PATH);
  std::stringstream text;
  text << file.rdbuf();
  std::map<std::string, std::vector<std::string>> rows;
  bool in_table = false;
  for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
    if (absl::StartsWith(line, "| RPC |")) {
      in_table = true;
      continue;
    }
    if (!in_table || !absl::StartsWith(line, "| ") || absl::StartsWith(line, "|---")) continue;
    std::vector<std::string> cells;
    for (absl::string_view cell : absl::StrSplit(line, '|')) {
      cells.emplace_back(absl::StripAsciiWhitespace(cell));
    }
    // "", name, 6 roles, reach, writes, ""
    if (cells.size() != 11) continue;
    rows[cells[1]] = std::vector<std::string>(cells.begin() + 2, cells.end() - 1);
  }
  return rows;
}

TEST(AuthzTableTest, TheDocumentSaysWhatTheCodeDoes) {
  const auto documented = ReadDocumentedTable();
  ASSERT_EQ(documented.size(), kRpcCount) << "AUTHZ.md's table and Rpc differ in length";
  for (const RpcRule& rule : AuthzTable()) {
    std::string name = rule.method;  // /points.v1.Service/Method -> Service.Method
    name = name.substr(std::string("/points.v1.").size());
    name[name.find('/')] = '.';
    auto row = documented.find(name);
    ASSERT_NE(row, documented.end()) << name << " is not in AUTHZ.md";
    for (size_t i = 0; i < kColumns.size(); ++i) {
      EXPECT_EQ(row->second[i] == "✓", RoleMay(kColumns[i].second, rule.rpc))
          << name << " for " << kColumns[i].first;
    }
    const char* reach = rule.reach == Reach::kAny      ? "any"
                        : rule.reach == Reach::kScoped ? "scoped"
                                                       : "accounts";
    EXPECT_EQ(row->second[6], reach) << name;
    EXPECT_EQ(row->second[7], rule.writes ? "writes" : "reads") << name;
  }
}

TEST(AuthzTableTest, EveryRpcHasOneRowAndTheAuditorNeverWrites) {
  std::set<std::string> methods;
  for (size_t i = 0; i < AuthzTable().size(); ++i) {
    const RpcRule& rule = AuthzTable()[i];
    EXPECT_EQ(static_cast<size_t>(rule.rpc), i);
    EXPECT_TRUE(methods.insert(rule.method).second) << rule.method << " twice";
    if (rule.writes) {
      EXPECT_FALSE(RoleMay(Role::kAuditor, rule.rpc)) << rule.method;
    }
  }
  // Separation of duties: the admin scores, approves and redeems nothing.
  for (Rpc rpc : {Rpc::kRecordAward, Rpc::kRecordAwards, Rpc::kApproveAward, Rpc::kDecideAward,
                  Rpc::kRedeemBasket, Rpc::kPutRule}) {
    EXPECT_FALSE(RoleMay(Role::kAdmin, rpc)) << RuleOf(rpc).method;
  }
}

// A gate whose facts are the test's: village 7 is in town 2, village 8 in town 3; household 70
// is of grid 1 and household 71 of grid 2; basket 500 is from shop 4.
class GateScopeTest : public ::testing::Test {
 protected:
  GateScopeTest()
      : gate_(nullptr, nullptr, nullptr,
              ScopeFacts{
                  .town_of_village = [](domain::VillageId v) -> absl::StatusOr<uint32_t> {
                    if (v == 7) return 2;
                    if (v == 8) return 3;
                    return absl::NotFoundError("no such village");
                  },
                  .grid_of_household = [](domain::VillageId v,
                                          uint64_t h) -> absl::StatusOr<uint32_t> {
                    if (v == 7 && h == 70) return 1;
                    if (v == 7 && h == 71) return 2;
                    return absl::NotFoundError("no such household");
                  },
                  .shop_of_basket = [](domain::VillageId v, Id basket) -> absl::StatusOr<uint32_t> {
                    if (v == 7 && basket == 500) return 4;
                    return absl::NotFoundError("no such basket");
                  }},
              [this](Rpc, absl::StatusCode) { ++denied_; }) {}

  static Principal Make(Role role, domain::Scope scope) {
    Principal p;
    p.name = "p";
    p.role = role;
    p.scope = scope;
    return p;
  }
  absl::StatusCode Check(const Principal& p, Rpc rpc, const Target& target) {
    return gate_.Authorize(p, rpc, target).code();
  }

  int denied_ = 0;
  Gate gate_;
};

constexpr absl::StatusCode kOk = absl::StatusCode::kOk;
constexpr absl::StatusCode kDenied = absl::StatusCode::kPermissionDenied;

TEST_F(GateScopeTest, AGridWorkerRecordsOnlyForHouseholdsOfItsGrid) {
  const Principal worker = Make(Role::kGridWorker, {.village = 7, .grid = 1});
  EXPECT_EQ(Check(worker, Rpc::kRecordAward, {.village = 7, .household = 70}), kOk);
  EXPECT_EQ(Check(worker, Rpc::kRecordAward, {.village = 7, .household = 71}), kDenied);
  EXPECT_EQ(Check(worker, Rpc::kRecordAward, {.village = 7, .household = 99}), kDenied);
  EXPECT_EQ(Check(worker, Rpc::kRecordAward, {.village = 8, .household = 70}), kDenied);
  EXPECT_EQ(denied_, 3);
}

TEST_F(GateScopeTest, ACommitteeMemberActsInItsVillageOnly) {
  const Principal member = Make(Role::kCommittee, {.village = 7});
  EXPECT_EQ(Check(member, Rpc::kApproveAward, {.village = 7}), kOk);
  EXPECT_EQ(Check(member, Rpc::kRecordAward, {.village = 7, .household = 71}), kOk);
  EXPECT_EQ(Check(member, Rpc::kApproveAward, {.village = 8}), kDenied);
}

TEST_F(GateScopeTest, AShopkeeperActsForItsShopAndItsBasketsOnly) {
  const Principal keeper = Make(Role::kShopkeeper, {.village = 7, .shop = 4});
  EXPECT_EQ(Check(keeper, Rpc::kRedeemBasket, {.village = 7, .shop = 4}), kOk);
  EXPECT_EQ(Check(keeper, Rpc::kRedeemBasket, {.village = 7, .shop = 5}), kDenied);
  EXPECT_EQ(Check(keeper, Rpc::kRedeemBasket, {.village = 8, .shop = 4}), kDenied);
  EXPECT_EQ(Check(keeper, Rpc::kReturnBasket, {.village = 7, .basket = 500}), kOk);
  const Principal other = Make(Role::kShopkeeper, {.village = 7, .shop = 5});
  EXPECT_EQ(Check(other, Rpc::kReturnBasket, {.village = 7, .basket = 500}), kDenied);
}

TEST_F(GateScopeTest, AHouseholdReadsOnlyItself) {
  const Principal home = Make(Role::kHousehold, {.village = 7, .household = 70});
  EXPECT_EQ(Check(home, Rpc::kGetStatement, {.village = 7, .household = 70}), kOk);
  EXPECT_EQ(Check(home, Rpc::kGetStatement, {.village = 7, .household = 71}), kDenied);
  EXPECT_EQ(Check(home, Rpc::kClaimTask, {.village = 7, .for_non_household = true}), kDenied);
  const Id own = domain::ids::Household(7, 70);
  EXPECT_EQ(Check(home, Rpc::kGetAccountHistory, {.accounts = {own}}), kOk);
  EXPECT_EQ(Check(home, Rpc::kGetAccountHistory, {.accounts = {domain::ids::Household(7, 71)}}),
            kDenied);
  EXPECT_EQ(Check(home, Rpc::kLookupAccounts, {.accounts = {own, own + 1}}), kDenied);
}

TEST_F(GateScopeTest, ATownAdminOrAuditorActsInTheVillagesOfItsTown) {
  const Principal town_admin = Make(Role::kAdmin, {.town = 2});
  EXPECT_EQ(Check(town_admin, Rpc::kCreateShop, {.village = 7, .shop = 1}), kOk);
  EXPECT_EQ(Check(town_admin, Rpc::kCreateShop, {.village = 8, .shop = 1}), kDenied);
  EXPECT_EQ(Check(town_admin, Rpc::kPutVillage, {.town = 2, .village = 9}), kOk);      // a new one
  EXPECT_EQ(Check(town_admin, Rpc::kPutVillage, {.town = 2, .village = 8}), kDenied);  // town 3's
  EXPECT_EQ(Check(town_admin, Rpc::kPutTown, {.town = 3}), kDenied);
  EXPECT_EQ(Check(town_admin, Rpc::kCreateTransfers, {}), kDenied);  // the raw ledger: county only
  const Principal county = Make(Role::kAdmin, {});
  EXPECT_EQ(Check(county, Rpc::kCreateTransfers, {}), kOk);
  EXPECT_EQ(Check(county, Rpc::kCreateShop, {.village = 8, .shop = 1}), kOk);
  const Principal village_auditor = Make(Role::kAuditor, {.village = 8});
  EXPECT_EQ(Check(village_auditor, Rpc::kGetReport, {.village = 8}), kOk);
  EXPECT_EQ(Check(village_auditor, Rpc::kGetReport, {.village = 7}), kDenied);
}

TEST_F(GateScopeTest, FullNamesAreTheCommitteesAndTheAuditorsOnly) {
  const Target reveal{.village = 7, .reveal_names = true};
  EXPECT_EQ(Check(Make(Role::kCommittee, {.village = 7}), Rpc::kGetBoard, reveal), kOk);
  EXPECT_EQ(Check(Make(Role::kAuditor, {}), Rpc::kGetBoard, reveal), kOk);
  EXPECT_EQ(Check(Make(Role::kAdmin, {}), Rpc::kListHouseholds, reveal), kDenied);
  EXPECT_EQ(Check(Make(Role::kHousehold, {.village = 7, .household = 70}), Rpc::kGetBoard, reveal),
            kDenied);
  EXPECT_EQ(Check(Make(Role::kHousehold, {.village = 7, .household = 70}), Rpc::kGetBoard,
                  {.village = 7}),
            kOk);
}

TEST_F(GateScopeTest, NobodyMovesAVillagesPointsByRawTransfers) {
  const Principal county = Make(Role::kAdmin, {});
  EXPECT_EQ(Check(county, Rpc::kCreateTransfers, {.ledgers = {1, 1}}), kOk);
  const domain::Ledgers village = domain::LedgersOf(7);
  for (uint32_t ledger : {village.points, village.money, village.limits}) {
    EXPECT_EQ(Check(county, Rpc::kCreateTransfers, {.ledgers = {1, ledger}}), kDenied) << ledger;
    EXPECT_EQ(Check(county, Rpc::kCreateAccounts, {.ledgers = {ledger}}), kDenied) << ledger;
  }
  EXPECT_EQ(domain::VillageOfLedger(1), 0u);
  EXPECT_EQ(domain::VillageOfLedger(village.points), 7u);
  EXPECT_EQ(domain::VillageOfLedger(village.limits), 7u);
  EXPECT_EQ(domain::VillageOfLedger(village.limits + 1), 0u);
}

TEST_F(GateScopeTest, ATownAdminCoversOnlyPrincipalsOfItsTownsVillages) {
  const Principal town_admin = Make(Role::kAdmin, {.town = 2});
  EXPECT_TRUE(gate_.Covers(town_admin, Make(Role::kCommittee, {.village = 7})));
  EXPECT_FALSE(gate_.Covers(town_admin, Make(Role::kCommittee, {.village = 8})));
  // Naming its own town beside another town's village does not make the village its own.
  EXPECT_FALSE(gate_.Covers(town_admin, Make(Role::kCommittee, {.town = 2, .village = 8})));
  EXPECT_FALSE(gate_.Covers(town_admin, Make(Role::kAdmin, {})));  // the county's
  EXPECT_TRUE(gate_.Covers(town_admin, Make(Role::kAuditor, {.town = 2})));
  EXPECT_FALSE(gate_.Covers(Make(Role::kCommittee, {.village = 7}),
                            Make(Role::kHousehold, {.village = 7, .household = 70})));
}

}  // namespace
}  // namespace points::server

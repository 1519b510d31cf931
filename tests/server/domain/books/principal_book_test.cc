// Principals and their tokens against a real domain store: a token is shown once and stored only
// as its hash, authenticates its principal and nothing else, stops working the moment it is
// revoked and stays revoked across a reopen; each role must name exactly the scope it acts in.
#include "server/domain/books/principal_book.h"

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/domain/store/domain_store.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using testing::TempDir;

class PrincipalBookTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() { ASSERT_NO_FATAL_FAILURE(ReopenBook(dir_.path(), &clock_, &store_, &book_)); }

  static Principal GridWorker(const std::string& name) {
    Principal p;
    p.name = name;
    p.role = Role::kGridWorker;
    p.scope.village = 1;
    p.scope.grid = 2;
    p.created_by = "admin-qingxi";
    return p;
  }

  TempDir dir_;
  ManualClock clock_{1'000'000'000};
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<PrincipalBook> book_;
};

TEST_F(PrincipalBookTest, ATokenAuthenticatesItsPrincipalAndIsStoredOnlyHashed) {
  auto token = book_->Create(GridWorker("grid-wang"));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->size(), 2 * kTokenBytes);
  auto who = book_->Authenticate(*token);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->name, "grid-wang");
  EXPECT_EQ(who->role, Role::kGridWorker);
  EXPECT_EQ(who->scope.grid, 2u);
  EXPECT_EQ(who->created_at_ns, 1'000'000'000u);

  auto other = book_->Create(GridWorker("grid-zhao"));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *token) << "tokens are random";
  EXPECT_EQ(book_->Authenticate(*other)->name, "grid-zhao");

  // Near misses and junk are refused alike, saying nothing about why.
  std::string near = *token;
  near[0] = near[0] == 'a' ? 'b' : 'a';
  for (const std::string& wrong : {near, std::string(), std::string("x"), token->substr(1)}) {
    auto refused = book_->Authenticate(wrong);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << wrong;
    EXPECT_EQ(refused.status().message(), "unknown or revoked token");
  }

  // Nothing in the store holds the token, as text or as bytes.
  const std::string raw = absl::HexStringToBytes(*token);
  int records = 0;
  ASSERT_TRUE(store_
                  ->Scan("",
                         [&](const std::string& key, const std::string& value) {
                           ++records;
                           EXPECT_FALSE(absl::StrContains(value, *token)) << key;
                           EXPECT_FALSE(absl::StrContains(value, raw)) << key;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(records, 2);
}

TEST_F(PrincipalBookTest, ARevokedTokenStopsAtOnceAndStaysRevokedAcrossAReopen) {
  auto wang = book_->Create(GridWorker("grid-wang"));
  auto zhao = book_->Create(GridWorker("grid-zhao"));
  ASSERT_TRUE(wang.ok() && zhao.ok());
  clock_.Advance(5);
  ASSERT_TRUE(book_->Revoke("grid-wang").ok());
  EXPECT_EQ(book_->Authenticate(*wang).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(book_->Authenticate(*zhao).ok()) << "only the one revoked";
  EXPECT_TRUE(book_->Revoke("grid-wang").ok()) << "again: nothing changes";
  EXPECT_EQ(book_->Revoke("nobody").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(book_->Create(GridWorker("grid-wang")).status().code(),
            absl::StatusCode::kAlreadyExists)
      << "a revoked name stays taken";

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(book_->Authenticate(*wang).status().code(), absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(book_->Authenticate(*zhao).ok());
  const std::vector<Principal> all = book_->List();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "grid-wang");
  EXPECT_TRUE(all[0].revoked);
  EXPECT_EQ(all[0].revoked_at_ns, 1'000'000'005u);
  EXPECT_FALSE(all[1].revoked);
}

TEST_F(PrincipalBookTest, EachRoleNamesExactlyItsScope) {
  struct Case {
    Role role;
    Scope scope;
    const char* refusal;  // nullptr: accepted
  } cases[] = {
      {Role::kAdmin, {}, nullptr},
      {Role::kAdmin, {.town = 3}, nullptr},
      {Role::kAdmin, {.village = 1}, "village: the admin role has none"},
      {Role::kAuditor, {.village = 1}, nullptr},
      {Role::kCommittee, {}, "village: the committee role needs one"},
      {Role::kCommittee, {.village = 1, .shop = 2}, "shop: the committee role has none"},
      {Role::kGridWorker, {.village = 1}, "grid: the grid-worker role needs one"},
      {Role::kShopkeeper, {.village = 1, .shop = 2}, nullptr},
      {Role::kShopkeeper, {.village = 1}, "shop: the shopkeeper role needs one"},
      {Role::kHousehold, {.village = 1, .household = 7}, nullptr},
      {Role::kHousehold,
       {.village = 1, .grid = 1, .household = 7},
       "grid: the household role has none"},
      {Role::kCommittee, {.village = kVillagesMax + 1}, "village: must be 1.."},
      // A village-scoped role names no town (authorization must not read a town it chose).
      {Role::kCommittee, {.town = 9, .village = 1}, "town: the committee role has none"},
      {Role::kShopkeeper, {.town = 9, .village = 1, .shop = 2}, "town: the shopkeeper role"},
      {Role::kAuditor, {.town = 2}, nullptr},
      {Role::kAuditor, {.town = 2, .village = 1}, "town: the village auditor's role has none"},
      // Numbers no role has are refused, not stored (they would not decode at the next open).
      {static_cast<Role>(0), {}, "role: 0 is none of"},
      {static_cast<Role>(7), {.village = 1}, "role: 7 is none of"},
  };
  int n = 0;
  for (const Case& c : cases) {
    Principal p;
    p.name = absl::StrCat("p", ++n);
    p.role = c.role;
    p.scope = c.scope;
    p.created_by = "bootstrap";
    auto token = book_->Create(p);
    if (c.refusal == nullptr) {
      EXPECT_TRUE(token.ok()) << RoleName(c.role) << ": " << token.status();
    } else {
      EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument) << RoleName(c.role);
      EXPECT_TRUE(absl::StrContains(token.status().message(), c.refusal)) << token.status();
    }
  }
  Principal bad = GridWorker("Grid Wang");
  EXPECT_TRUE(absl::StrContains(book_->Create(bad).status().message(), "name: 1..64 of a-z"));
  bad = GridWorker(std::string(kPrincipalNameBytesMax + 1, 'a'));
  EXPECT_EQ(book_->Create(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = GridWorker("ok-name");
  bad.created_by = "";
  EXPECT_TRUE(absl::StrContains(book_->Create(bad).status().message(), "created_by"));
}

}  // namespace
}  // namespace points::domain

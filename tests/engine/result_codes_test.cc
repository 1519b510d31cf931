// One or more tests per result code of results.h, each checking the exact code and whether the
// ledger changed. The semantics are engine/README.md's: order of checks, linked chains,
// idempotency (exists, exists_with_different_*, id_already_failed), pending / post / void, expiry.
//
// Not covered: the capacity codes (CreateAccountResult::kAccountsLimitReached,
// CreateTransferResult::kTransfersLimitReached and kPendingTransfersLimitReached). Reaching them
// takes 16.8M accounts, 537M transfers or 4.2M unresolved pending transfers (limits.h), far
// beyond what a unit test can create in well under a second.

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <source_location>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "points/limits.h"
#include "points/results.h"
#include "points/types.h"
#include "tests/engine/testing.h"

namespace points {

namespace {

using AR = CreateAccountResult;
using TR = CreateTransferResult;
using CR = CloseAccountResult;
using ::points::testing::MakeId;
using ::points::testing::TempDir;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
// A fixed, realistic start time (2023-11-14) so that timestamps and expiry are deterministic.
constexpr uint64_t kStartNs = 1'700'000'000ull * kNanosPerSecond;
constexpr uint32_t kLedger = 1;
constexpr uint32_t kOtherLedger = 2;
constexpr uint16_t kCode = 1;
// A result no engine returns: what the helpers give back when a call itself failed.
constexpr TR kNoTransferResult = static_cast<TR>(0xFFFFFFFFu);
constexpr AR kNoAccountResult = static_cast<AR>(0xFFFFFFFFu);
constexpr CR kNoCloseResult = static_cast<CR>(0xFFFFFFFFu);

// Balances of one account, compared as a unit.
struct Balances {
  uint64_t debits_pending = 0;
  uint64_t debits_posted = 0;
  uint64_t credits_pending = 0;
  uint64_t credits_posted = 0;
  friend bool operator==(const Balances&, const Balances&) = default;
};
void PrintTo(const Balances& b, std::ostream* os) {
  *os << "{dp=" << b.debits_pending << " dpo=" << b.debits_posted << " cp=" << b.credits_pending
      << " cpo=" << b.credits_posted << "}";
}

Account MakeAccount(Id id, uint16_t flags = 0, uint32_t ledger = kLedger) {
  Account a;
  a.id = id;
  a.ledger = ledger;
  a.code = kCode;
  a.flags = flags;
  return a;
}

Transfer MakeTransfer(Id id, Id debit, Id credit, uint64_t amount, uint16_t flags = 0) {
  Transfer t;
  t.id = id;
  t.debit_account_id = debit;
  t.credit_account_id = credit;
  t.amount = amount;
  t.ledger = kLedger;
  t.code = kCode;
  t.flags = flags;
  return t;
}

Transfer MakePending(Id id, Id debit, Id credit, uint64_t amount, uint32_t timeout = 0) {
  Transfer t = MakeTransfer(id, debit, credit, amount, kTransferPending);
  t.timeout = timeout;
  return t;
}

// A post or void that leaves accounts, ledger and code 0: the engine takes them from the pending.
Transfer MakeResolve(Id id, Id pending_id, uint16_t flag, uint64_t amount = 0) {
  Transfer t;
  t.id = id;
  t.pending_id = pending_id;
  t.amount = amount;
  t.flags = flag;
  return t;
}
Transfer MakePost(Id id, Id pending_id, uint64_t amount = 0) {
  return MakeResolve(id, pending_id, kTransferPostPendingTransfer, amount);
}
Transfer MakeVoid(Id id, Id pending_id, uint64_t amount = 0) {
  return MakeResolve(id, pending_id, kTransferVoidPendingTransfer, amount);
}

// Account ids: small numbers are readable in failure output.
constexpr Id kA = 1;
constexpr Id kB = 2;
constexpr Id kC = 3;
constexpr Id kD = 4;
constexpr Id kIssuer = 9;
constexpr Id kMissing = 999;  // never created
// Transfer ids live in their own range so that they never look like account ids.
Id T(uint64_t n) { return MakeId(1, n); }

class ResultCodesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(OpenEngine()); }

  // Every test must leave a balanced ledger behind, whatever it did.
  void TearDown() override {
    if (engine_ != nullptr) CheckInvariants();
  }

  // The expiry tests control expiry by calling ExpirePendingTransfers themselves; a long poll
  // interval keeps the idle writer from expiring anything behind their back.
  bool OpenEngine(uint64_t expiry_poll_interval_ms = 3'600'000) {
    Options options;
    options.clock = &clock_;
    options.expiry_poll_interval_ms = expiry_poll_interval_ms;
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(options, dir_.path());
    EXPECT_TRUE(engine.ok()) << engine.status();
    if (!engine.ok()) return false;
    engine_ = *std::move(engine);
    return true;
  }

  std::vector<AccountEventResult> CreateAccounts(std::vector<Account> accounts) {
    for (const Account& a : accounts) Remember(a.id);
    const size_t n = accounts.size();
    absl::StatusOr<std::vector<AccountEventResult>> r =
        engine_->CreateAccounts(std::move(accounts));
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    EXPECT_EQ(r->size(), n);
    return *std::move(r);
  }
  std::vector<AR> AccountCodes(std::vector<Account> accounts) {
    std::vector<AR> codes;
    for (const AccountEventResult& r : CreateAccounts(std::move(accounts)))
      codes.push_back(r.result);
    return codes;
  }
  AR CreateAccount(const Account& a) {
    std::vector<AR> codes = AccountCodes({a});
    return codes.size() == 1 ? codes[0] : kNoAccountResult;
  }

  std::vector<TransferEventResult> CreateTransfers(std::vector<Transfer> transfers) {
    const size_t n = transfers.size();
    absl::StatusOr<std::vector<TransferEventResult>> r =
        engine_->CreateTransfers(std::move(transfers));
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    EXPECT_EQ(r->size(), n);
    return *std::move(r);
  }
  std::vector<TR> TransferCodes(std::vector<Transfer> transfers) {
    std::vector<TR> codes;
    for (const TransferEventResult& r : CreateTransfers(std::move(transfers))) {
      codes.push_back(r.result);
    }
    return codes;
  }
  TR Submit(const Transfer& t) {
    std::vector<TR> codes = TransferCodes({t});
    return codes.size() == 1 ? codes[0] : kNoTransferResult;
  }

  std::vector<CR> Close(std::vector<Id> ids) {
    const size_t n = ids.size();
    absl::StatusOr<std::vector<CloseAccountResult>> r = engine_->CloseAccounts(std::move(ids));
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    EXPECT_EQ(r->size(), n);
    return *std::move(r);
  }
  CR CloseOne(Id id) {
    std::vector<CR> codes = Close({id});
    return codes.size() == 1 ? codes[0] : kNoCloseResult;
  }

  // Every account this test tried to create, in the order tried (lookups skip missing ones).
  std::vector<Account> Snapshot() {
    absl::StatusOr<std::vector<Account>> r = engine_->LookupAccounts(created_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : std::vector<Account>{};
  }
  std::vector<Account> LookupAccounts(std::vector<Id> ids) {
    absl::StatusOr<std::vector<Account>> r = engine_->LookupAccounts(ids);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : std::vector<Account>{};
  }
  bool AccountExists(Id id) { return LookupAccounts({id}).size() == 1; }
  Account LookupAccount(Id id) {
    std::vector<Account> found = LookupAccounts({id});
    EXPECT_EQ(found.size(), 1u) << "account " << id;
    return found.size() == 1 ? found[0] : Account{};
  }
  Balances Bal(Id id) {
    Account a = LookupAccount(id);
    return {a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted};
  }
  std::vector<Transfer> LookupTransfers(std::vector<Id> ids) {
    absl::StatusOr<std::vector<Transfer>> r = engine_->LookupTransfers(ids);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : std::vector<Transfer>{};
  }
  bool TransferExists(Id id) { return LookupTransfers({id}).size() == 1; }

  // Creates the usual cast: A, B, C, D plain accounts and an issuer on kLedger.
  void CreateBasicAccounts() {
    ASSERT_EQ(AccountCodes({MakeAccount(kA), MakeAccount(kB), MakeAccount(kC), MakeAccount(kD),
                            MakeAccount(kIssuer)}),
              (std::vector<AR>{AR::kOk, AR::kOk, AR::kOk, AR::kOk, AR::kOk}));
  }

  // A failure that depends on the ledger's state: nothing changes, the transfer does not exist,
  // and the id is now recorded as failed, so an identical retry gets id_already_failed.
  void ExpectStateFailure(const Transfer& t, TR expected,
                          std::source_location loc = std::source_location::current()) {
    ::testing::ScopedTrace trace(loc.file_name(), static_cast<int>(loc.line()), "");
    const std::vector<Account> before = Snapshot();
    EXPECT_EQ(Submit(t), expected);
    EXPECT_EQ(Snapshot(), before);
    EXPECT_FALSE(TransferExists(t.id));
    EXPECT_EQ(Submit(t), TR::kIdAlreadyFailed);
    EXPECT_EQ(Snapshot(), before);
    EXPECT_FALSE(TransferExists(t.id));
  }

  // README "Invariants": per ledger, the sums of posted and of pending balances agree, and every
  // account with a floor flag satisfies it. Sums are 128-bit: the overflow tests hold 2^64 - 1.
  void CheckInvariants() {
    struct Sums {
      absl::uint128 dp = 0, dpo = 0, cp = 0, cpo = 0;
    };
    std::map<uint32_t, Sums> by_ledger;
    for (const Account& a : Snapshot()) {
      Sums& s = by_ledger[a.ledger];
      s.dp += a.debits_pending;
      s.dpo += a.debits_posted;
      s.cp += a.credits_pending;
      s.cpo += a.credits_posted;
      const absl::uint128 debits = absl::uint128(a.debits_pending) + a.debits_posted;
      const absl::uint128 credits = absl::uint128(a.credits_pending) + a.credits_posted;
      if (a.flags & kAccountDebitsMustNotExceedCredits) {
        EXPECT_LE(debits, a.credits_posted) << "floor broken on account " << a.id;
      }
      if (a.flags & kAccountCreditsMustNotExceedDebits) {
        EXPECT_LE(credits, a.debits_posted) << "floor broken on account " << a.id;
      }
    }
    for (const auto& [ledger, s] : by_ledger) {
      EXPECT_EQ(s.dpo, s.cpo) << "posted sums differ on ledger " << ledger;
      EXPECT_EQ(s.dp, s.cp) << "pending sums differ on ledger " << ledger;
    }
  }

  ManualClock clock_{kStartNs};
  TempDir dir_;
  std::unique_ptr<Engine> engine_;

 private:
  void Remember(Id id) {
    if (id == 0) return;
    for (Id seen : created_) {
      if (seen == id) return;
    }
    created_.push_back(id);
  }
  std::vector<Id> created_;
};

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

TEST_F(ResultCodesTest, AccountOkStoresFieldsAndAssignsTimestamp) {
  Account a = MakeAccount(kA, kAccountHistory);
  a.user_data_128 = MakeId(7, 7);
  a.user_data_64 = 8;
  a.user_data_32 = 9;
  std::vector<AccountEventResult> r = CreateAccounts({a});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].result, AR::kOk);
  EXPECT_NE(r[0].timestamp, 0u);
  a.timestamp = r[0].timestamp;
  EXPECT_EQ(LookupAccount(kA), a);
}

TEST_F(ResultCodesTest, AccountExistsKeepsOriginalTimestampAndChangesNothing) {
  const Account a = MakeAccount(kA);
  std::vector<AccountEventResult> first = CreateAccounts({a});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].result, AR::kOk);
  clock_.Advance(kNanosPerSecond);
  // Within one batch the second sees the first; in a later batch the journal has it.
  std::vector<AccountEventResult> again = CreateAccounts({a, a});
  ASSERT_EQ(again.size(), 2u);
  for (const AccountEventResult& r : again) {
    EXPECT_EQ(r.result, AR::kExists);
    EXPECT_EQ(r.timestamp, first[0].timestamp);
  }
  EXPECT_EQ(LookupAccount(kA).timestamp, first[0].timestamp);
}

TEST_F(ResultCodesTest, AccountSameIdTwiceInOneBatchIsOkThenExists) {
  const Account a = MakeAccount(kA);
  std::vector<AccountEventResult> r = CreateAccounts({a, a});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].result, AR::kOk);
  EXPECT_EQ(r[1].result, AR::kExists);
  EXPECT_EQ(r[1].timestamp, r[0].timestamp);
}

// Codes of the event alone: nothing is created, so the same id then succeeds when valid.
TEST_F(ResultCodesTest, AccountValidationCodes) {
  struct Case {
    const char* name;
    std::function<void(Account&)> mutate;
    AR expected;
  };
  const std::vector<Case> cases = {
      {"timestamp", [](Account& a) { a.timestamp = 1; }, AR::kTimestampMustBeZero},
      {"reserved flag", [](Account& a) { a.flags = 1u << 5; }, AR::kReservedFlag},
      {"reserved high flag", [](Account& a) { a.flags = 1u << 15; }, AR::kReservedFlag},
      {"id zero", [](Account& a) { a.id = 0; }, AR::kIdMustNotBeZero},
      {"both floors",
       [](Account& a) {
         a.flags = kAccountDebitsMustNotExceedCredits | kAccountCreditsMustNotExceedDebits;
       },
       AR::kFlagsAreMutuallyExclusive},
      {"debits pending", [](Account& a) { a.debits_pending = 1; }, AR::kDebitsPendingMustBeZero},
      {"debits posted", [](Account& a) { a.debits_posted = 1; }, AR::kDebitsPostedMustBeZero},
      {"credits pending", [](Account& a) { a.credits_pending = 1; }, AR::kCreditsPendingMustBeZero},
      {"credits posted", [](Account& a) { a.credits_posted = kMax; }, AR::kCreditsPostedMustBeZero},
      {"ledger zero", [](Account& a) { a.ledger = 0; }, AR::kLedgerMustNotBeZero},
      {"code zero", [](Account& a) { a.code = 0; }, AR::kCodeMustNotBeZero},
  };
  uint64_t next_id = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Id id = next_id++;
    Account bad = MakeAccount(id);
    c.mutate(bad);
    EXPECT_EQ(CreateAccount(bad), c.expected);
    EXPECT_FALSE(AccountExists(id));
    EXPECT_EQ(CreateAccount(bad), c.expected) << "a deterministic failure repeats";
    EXPECT_EQ(CreateAccount(MakeAccount(id)), AR::kOk) << "the failure recorded nothing";
  }
}

TEST_F(ResultCodesTest, AccountExistsWithDifferentEachField) {
  Account base = MakeAccount(kA, kAccountHistory);
  base.user_data_128 = 7;
  base.user_data_64 = 8;
  base.user_data_32 = 9;
  std::vector<AccountEventResult> first = CreateAccounts({base});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].result, AR::kOk);
  base.timestamp = first[0].timestamp;
  struct Case {
    const char* name;
    std::function<void(Account&)> mutate;
    AR expected;
  };
  const std::vector<Case> cases = {
      {"flags", [](Account& a) { a.flags = 0; }, AR::kExistsWithDifferentFlags},
      {"flags added", [](Account& a) { a.flags |= kAccountDebitsMustNotExceedCredits; },
       AR::kExistsWithDifferentFlags},
      {"user_data_128", [](Account& a) { a.user_data_128 = 70; },
       AR::kExistsWithDifferentUserData128},
      {"user_data_64", [](Account& a) { a.user_data_64 = 80; }, AR::kExistsWithDifferentUserData64},
      {"user_data_32", [](Account& a) { a.user_data_32 = 90; }, AR::kExistsWithDifferentUserData32},
      {"ledger", [](Account& a) { a.ledger = kOtherLedger; }, AR::kExistsWithDifferentLedger},
      {"code", [](Account& a) { a.code = 2; }, AR::kExistsWithDifferentCode},
      // Two fields differ: the one first in the enum wins.
      {"flags and code",
       [](Account& a) {
         a.flags = 0;
         a.code = 2;
       },
       AR::kExistsWithDifferentFlags},
      {"user_data_64 and ledger",
       [](Account& a) {
         a.user_data_64 = 80;
         a.ledger = kOtherLedger;
       },
       AR::kExistsWithDifferentUserData64},
      // The id index is checked before the event alone: ledger 0 is a difference, not invalid.
      {"ledger zero", [](Account& a) { a.ledger = 0; }, AR::kExistsWithDifferentLedger},
      {"code zero", [](Account& a) { a.code = 0; }, AR::kExistsWithDifferentCode},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Account retry = base;
    retry.timestamp = 0;
    c.mutate(retry);
    EXPECT_EQ(CreateAccount(retry), c.expected);
    EXPECT_EQ(LookupAccount(kA), base) << "the original is untouched";
  }
}

TEST_F(ResultCodesTest, AccountPrecedence) {
  struct Case {
    const char* name;
    std::function<void(Account&)> mutate;
    AR expected;
  };
  const std::vector<Case> cases = {
      {"timestamp over reserved flag and id zero",
       [](Account& a) {
         a.timestamp = 5;
         a.flags = 1u << 6;
         a.id = 0;
       },
       AR::kTimestampMustBeZero},
      {"reserved flag over id zero",
       [](Account& a) {
         a.flags = 1u << 6;
         a.id = 0;
       },
       AR::kReservedFlag},
      {"id zero over everything after it",
       [](Account& a) {
         a.id = 0;
         a.debits_posted = 1;
         a.ledger = 0;
       },
       AR::kIdMustNotBeZero},
      {"exclusive flags over balances",
       [](Account& a) {
         a.flags = kAccountDebitsMustNotExceedCredits | kAccountCreditsMustNotExceedDebits;
         a.credits_posted = 1;
       },
       AR::kFlagsAreMutuallyExclusive},
      {"debits pending over the other balances",
       [](Account& a) {
         a.debits_pending = 1;
         a.debits_posted = 1;
         a.credits_pending = 1;
         a.credits_posted = 1;
       },
       AR::kDebitsPendingMustBeZero},
      {"debits posted over credits",
       [](Account& a) {
         a.debits_posted = 1;
         a.credits_pending = 1;
       },
       AR::kDebitsPostedMustBeZero},
      {"credits pending over credits posted",
       [](Account& a) {
         a.credits_pending = 1;
         a.credits_posted = 1;
       },
       AR::kCreditsPendingMustBeZero},
      {"balances over ledger",
       [](Account& a) {
         a.credits_posted = 1;
         a.ledger = 0;
       },
       AR::kCreditsPostedMustBeZero},
      {"ledger over code",
       [](Account& a) {
         a.ledger = 0;
         a.code = 0;
       },
       AR::kLedgerMustNotBeZero},
  };
  uint64_t next_id = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Account bad = MakeAccount(next_id++);
    c.mutate(bad);
    EXPECT_EQ(CreateAccount(bad), c.expected);
  }
  EXPECT_TRUE(Snapshot().empty());
}

TEST_F(ResultCodesTest, AccountLinkedChainSucceedsWhole) {
  EXPECT_EQ(AccountCodes({MakeAccount(kA, kAccountLinked), MakeAccount(kB, kAccountLinked),
                          MakeAccount(kC)}),
            (std::vector<AR>{AR::kOk, AR::kOk, AR::kOk}));
  EXPECT_EQ(Snapshot().size(), 3u);
}

TEST_F(ResultCodesTest, AccountLinkedChainFailsWhole) {
  Account bad = MakeAccount(kC);
  bad.ledger = 0;
  // D follows the chain and is independent of it.
  EXPECT_EQ(AccountCodes({MakeAccount(kA, kAccountLinked), MakeAccount(kB, kAccountLinked), bad,
                          MakeAccount(kD)}),
            (std::vector<AR>{AR::kLinkedEventFailed, AR::kLinkedEventFailed,
                             AR::kLedgerMustNotBeZero, AR::kOk}));
  EXPECT_FALSE(AccountExists(kA));
  EXPECT_FALSE(AccountExists(kB));
  EXPECT_FALSE(AccountExists(kC));
  EXPECT_TRUE(AccountExists(kD));
  // linked_event_failed recorded nothing: the same account alone now succeeds.
  EXPECT_EQ(CreateAccount(MakeAccount(kA)), AR::kOk);
}

TEST_F(ResultCodesTest, AccountLinkedChainOpenAtEndOfBatch) {
  EXPECT_EQ(AccountCodes({MakeAccount(kA), MakeAccount(kB, kAccountLinked),
                          MakeAccount(kC, kAccountLinked)}),
            (std::vector<AR>{AR::kOk, AR::kLinkedEventFailed, AR::kLinkedEventChainOpen}));
  EXPECT_TRUE(AccountExists(kA));
  EXPECT_FALSE(AccountExists(kB));
  EXPECT_FALSE(AccountExists(kC));
  // A lone linked event is an open chain too; the open chain is checked before anything else.
  Account bad = MakeAccount(kD, kAccountLinked);
  bad.timestamp = 1;
  bad.ledger = 0;
  EXPECT_EQ(CreateAccount(bad), AR::kLinkedEventChainOpen);
  EXPECT_FALSE(AccountExists(kD));
  EXPECT_EQ(CreateAccount(MakeAccount(kC)), AR::kOk) << "an open chain recorded nothing";
}

// ---------------------------------------------------------------------------------------------
// Transfers: success, exists, exists_with_different_*
// ---------------------------------------------------------------------------------------------

TEST_F(ResultCodesTest, TransferOkMovesPostedBalances) {
  CreateBasicAccounts();
  Transfer t = MakeTransfer(T(1), kA, kB, 1);  // the smallest amount
  t.user_data_128 = 5;
  t.user_data_64 = 6;
  t.user_data_32 = 7;
  std::vector<TransferEventResult> r = CreateTransfers({t});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].result, TR::kOk);
  EXPECT_GT(r[0].timestamp, LookupAccount(kA).timestamp);
  EXPECT_EQ(Bal(kA), (Balances{0, 1, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 1}));
  t.timestamp = r[0].timestamp;
  EXPECT_EQ(LookupTransfers({T(1)}), std::vector<Transfer>{t});
  // The largest amount fits too: balances may reach exactly 2^64 - 1.
  EXPECT_EQ(Submit(MakeTransfer(T(2), kC, kD, kMax)), TR::kOk);
  EXPECT_EQ(Bal(kC), (Balances{0, kMax, 0, 0}));
  EXPECT_EQ(Bal(kD), (Balances{0, 0, 0, kMax}));
}

TEST_F(ResultCodesTest, TransferExistsKeepsOriginalTimestampAndChangesNothing) {
  CreateBasicAccounts();
  const Transfer t = MakeTransfer(T(1), kA, kB, 5);
  // Within one batch the second sees the first.
  std::vector<TransferEventResult> first = CreateTransfers({t, t});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].result, TR::kOk);
  EXPECT_EQ(first[1].result, TR::kExists);
  EXPECT_EQ(first[1].timestamp, first[0].timestamp);
  clock_.Advance(kNanosPerSecond);
  std::vector<TransferEventResult> again = CreateTransfers({t});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].result, TR::kExists);
  EXPECT_EQ(again[0].timestamp, first[0].timestamp);
  EXPECT_EQ(Bal(kA), (Balances{0, 5, 0, 0})) << "moved once, not three times";
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 5}));
  std::vector<Transfer> found = LookupTransfers({T(1)});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].timestamp, first[0].timestamp);
}

TEST_F(ResultCodesTest, TransferExistsWithDifferentEachField) {
  CreateBasicAccounts();
  Transfer base = MakePending(T(1), kA, kB, 10, /*timeout=*/3600);
  base.user_data_128 = 7;
  base.user_data_64 = 8;
  base.user_data_32 = 9;
  std::vector<TransferEventResult> first = CreateTransfers({base});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].result, TR::kOk);
  const std::vector<Account> before = Snapshot();
  struct Case {
    const char* name;
    std::function<void(Transfer&)> mutate;
    TR expected;
  };
  // Several of these are also invalid on their own (a plain transfer with a timeout, a pending
  // id on a pending transfer, ledger 0): the id index is checked first, so they are differences.
  const std::vector<Case> cases = {
      {"flags", [](Transfer& t) { t.flags = 0; }, TR::kExistsWithDifferentFlags},
      {"flags post added", [](Transfer& t) { t.flags |= kTransferPostPendingTransfer; },
       TR::kExistsWithDifferentFlags},
      {"debit account", [](Transfer& t) { t.debit_account_id = kC; },
       TR::kExistsWithDifferentDebitAccountId},
      {"credit account", [](Transfer& t) { t.credit_account_id = kC; },
       TR::kExistsWithDifferentCreditAccountId},
      {"amount", [](Transfer& t) { t.amount = 11; }, TR::kExistsWithDifferentAmount},
      {"pending id", [](Transfer& t) { t.pending_id = T(77); }, TR::kExistsWithDifferentPendingId},
      {"user_data_128", [](Transfer& t) { t.user_data_128 = 70; },
       TR::kExistsWithDifferentUserData128},
      {"user_data_64", [](Transfer& t) { t.user_data_64 = 80; },
       TR::kExistsWithDifferentUserData64},
      {"user_data_32", [](Transfer& t) { t.user_data_32 = 90; },
       TR::kExistsWithDifferentUserData32},
      {"timeout", [](Transfer& t) { t.timeout = 7200; }, TR::kExistsWithDifferentTimeout},
      {"ledger", [](Transfer& t) { t.ledger = kOtherLedger; }, TR::kExistsWithDifferentLedger},
      {"ledger zero", [](Transfer& t) { t.ledger = 0; }, TR::kExistsWithDifferentLedger},
      {"code", [](Transfer& t) { t.code = 2; }, TR::kExistsWithDifferentCode},
      // Several fields differ: the first in the enum's order wins.
      {"amount and code",
       [](Transfer& t) {
         t.amount = 11;
         t.code = 2;
       },
       TR::kExistsWithDifferentAmount},
      {"credit account and user_data_32",
       [](Transfer& t) {
         t.credit_account_id = kD;
         t.user_data_32 = 90;
       },
       TR::kExistsWithDifferentCreditAccountId},
      {"timeout and ledger",
       [](Transfer& t) {
         t.timeout = 1;
         t.ledger = kOtherLedger;
       },
       TR::kExistsWithDifferentTimeout},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Transfer retry = base;
    c.mutate(retry);
    std::vector<TransferEventResult> r = CreateTransfers({retry});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].result, c.expected);
    EXPECT_EQ(Snapshot(), before);
  }
  Transfer stored = base;
  stored.timestamp = first[0].timestamp;
  EXPECT_EQ(LookupTransfers({T(1)}), std::vector<Transfer>{stored});
  EXPECT_EQ(Bal(kA), (Balances{10, 0, 0, 0}));
}

// results.h, TransferEventResult::timestamp: "the original's when exists*", so a client can find
// the transfer it collided with. (README names only `exists`; the header's contract is wider.)
TEST_F(ResultCodesTest, TransferExistsWithDifferentCarriesOriginalTimestamp) {
  CreateBasicAccounts();
  const Transfer t = MakeTransfer(T(1), kA, kB, 5);
  std::vector<TransferEventResult> first = CreateTransfers({t});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].result, TR::kOk);
  Transfer retry = t;
  retry.amount = 6;
  std::vector<TransferEventResult> r = CreateTransfers({retry});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].result, TR::kExistsWithDifferentAmount);
  EXPECT_EQ(r[0].timestamp, first[0].timestamp);
}

// ---------------------------------------------------------------------------------------------
// Transfers: validation of the event alone (codes 3-5, 19-29), which records nothing
// ---------------------------------------------------------------------------------------------

TEST_F(ResultCodesTest, TransferValidationCodesRecordNothing) {
  CreateBasicAccounts();
  struct Case {
    const char* name;
    std::function<void(Transfer&)> mutate;
    TR expected;
  };
  const std::vector<Case> cases = {
      {"timestamp", [](Transfer& t) { t.timestamp = 1; }, TR::kTimestampMustBeZero},
      {"reserved flag", [](Transfer& t) { t.flags = 1u << 4; }, TR::kReservedFlag},
      {"reserved high flag", [](Transfer& t) { t.flags = 1u << 15; }, TR::kReservedFlag},
      {"id zero", [](Transfer& t) { t.id = 0; }, TR::kIdMustNotBeZero},
      {"pending and post",
       [](Transfer& t) { t.flags = kTransferPending | kTransferPostPendingTransfer; },
       TR::kFlagsAreMutuallyExclusive},
      {"pending and void",
       [](Transfer& t) { t.flags = kTransferPending | kTransferVoidPendingTransfer; },
       TR::kFlagsAreMutuallyExclusive},
      {"post and void",
       [](Transfer& t) {
         t.flags = kTransferPostPendingTransfer | kTransferVoidPendingTransfer;
         t.pending_id = T(500);
       },
       TR::kFlagsAreMutuallyExclusive},
      {"debit zero", [](Transfer& t) { t.debit_account_id = 0; }, TR::kDebitAccountIdMustNotBeZero},
      {"credit zero", [](Transfer& t) { t.credit_account_id = 0; },
       TR::kCreditAccountIdMustNotBeZero},
      {"same account", [](Transfer& t) { t.credit_account_id = t.debit_account_id; },
       TR::kAccountsMustBeDifferent},
      {"pending id on plain", [](Transfer& t) { t.pending_id = T(500); }, TR::kPendingIdMustBeZero},
      {"pending id on pending",
       [](Transfer& t) {
         t.flags = kTransferPending;
         t.pending_id = T(500);
       },
       TR::kPendingIdMustBeZero},
      {"post without pending id", [](Transfer& t) { t.flags = kTransferPostPendingTransfer; },
       TR::kPendingIdMustNotBeZero},
      {"void without pending id", [](Transfer& t) { t.flags = kTransferVoidPendingTransfer; },
       TR::kPendingIdMustNotBeZero},
      {"post with the same account twice",
       [](Transfer& t) {
         t.flags = kTransferPostPendingTransfer;
         t.pending_id = T(500);
         t.credit_account_id = t.debit_account_id;
       },
       TR::kAccountsMustBeDifferent},
      {"post of itself",
       [](Transfer& t) {
         t.flags = kTransferPostPendingTransfer;
         t.pending_id = t.id;
       },
       TR::kPendingIdMustBeDifferent},
      {"timeout on plain", [](Transfer& t) { t.timeout = 1; },
       TR::kTimeoutReservedForPendingTransfer},
      {"timeout on post",
       [](Transfer& t) {
         t.flags = kTransferPostPendingTransfer;
         t.pending_id = T(500);
         t.timeout = 1;
       },
       TR::kTimeoutReservedForPendingTransfer},
      {"ledger zero", [](Transfer& t) { t.ledger = 0; }, TR::kLedgerMustNotBeZero},
      {"code zero", [](Transfer& t) { t.code = 0; }, TR::kCodeMustNotBeZero},
      {"amount zero", [](Transfer& t) { t.amount = 0; }, TR::kAmountMustNotBeZero},
      {"pending amount zero",
       [](Transfer& t) {
         t.flags = kTransferPending;
         t.amount = 0;
       },
       TR::kAmountMustNotBeZero},
  };
  uint64_t next_id = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Id id = T(next_id++);
    Transfer bad = MakeTransfer(id, kA, kB, 5);
    c.mutate(bad);
    const std::vector<Account> before = Snapshot();
    EXPECT_EQ(Submit(bad), c.expected);
    EXPECT_EQ(Snapshot(), before);
    EXPECT_FALSE(TransferExists(id));
    // Deterministic: a retry fails the same way, not with id_already_failed.
    EXPECT_EQ(Submit(bad), c.expected);
    EXPECT_EQ(Snapshot(), before);
  }
  // Nothing was recorded under those ids: each now takes a valid transfer (A -> B, 1 each).
  for (uint64_t n = 100; n < next_id; ++n) {
    EXPECT_EQ(Submit(MakeTransfer(T(n), kA, kB, 1)), TR::kOk) << "id " << n;
  }
  EXPECT_EQ(Bal(kA).debits_posted, next_id - 100);
}

TEST_F(ResultCodesTest, TransferPrecedenceWithinValidation) {
  CreateBasicAccounts();
  struct Case {
    const char* name;
    std::function<void(Transfer&)> mutate;
    TR expected;
  };
  const std::vector<Case> cases = {
      {"timestamp over reserved flag and id zero",
       [](Transfer& t) {
         t.timestamp = 1;
         t.flags = 1u << 5;
         t.id = 0;
       },
       TR::kTimestampMustBeZero},
      {"reserved flag over id zero",
       [](Transfer& t) {
         t.flags = 1u << 5;
         t.id = 0;
       },
       TR::kReservedFlag},
      {"id zero over the event alone",
       [](Transfer& t) {
         t.id = 0;
         t.amount = 0;
       },
       TR::kIdMustNotBeZero},
      {"exclusive flags over zero accounts",
       [](Transfer& t) {
         t.flags = kTransferPending | kTransferVoidPendingTransfer;
         t.debit_account_id = 0;
       },
       TR::kFlagsAreMutuallyExclusive},
      {"debit zero over credit zero",
       [](Transfer& t) {
         t.debit_account_id = 0;
         t.credit_account_id = 0;
       },
       TR::kDebitAccountIdMustNotBeZero},
      {"same accounts over pending id",
       [](Transfer& t) {
         t.credit_account_id = t.debit_account_id;
         t.pending_id = T(500);
       },
       TR::kAccountsMustBeDifferent},
      {"same missing accounts are checked before lookup",
       [](Transfer& t) {
         t.debit_account_id = kMissing;
         t.credit_account_id = kMissing;
       },
       TR::kAccountsMustBeDifferent},
      {"pending id over timeout",
       [](Transfer& t) {
         t.pending_id = T(500);
         t.timeout = 1;
       },
       TR::kPendingIdMustBeZero},
      {"timeout over ledger",
       [](Transfer& t) {
         t.timeout = 1;
         t.ledger = 0;
       },
       TR::kTimeoutReservedForPendingTransfer},
      {"ledger over code and amount",
       [](Transfer& t) {
         t.ledger = 0;
         t.code = 0;
         t.amount = 0;
       },
       TR::kLedgerMustNotBeZero},
      {"code over amount",
       [](Transfer& t) {
         t.code = 0;
         t.amount = 0;
       },
       TR::kCodeMustNotBeZero},
      {"amount zero over a missing account",
       [](Transfer& t) {
         t.amount = 0;
         t.debit_account_id = kMissing;
       },
       TR::kAmountMustNotBeZero},
  };
  uint64_t next_id = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Transfer bad = MakeTransfer(T(next_id++), kA, kB, 5);
    c.mutate(bad);
    EXPECT_EQ(Submit(bad), c.expected);
  }
  for (const Account& a : Snapshot()) EXPECT_EQ(a.debits_posted + a.credits_posted, 0u);
}

// ---------------------------------------------------------------------------------------------
// Transfers: state-dependent failures (codes 30-55), which record the id as failed
// ---------------------------------------------------------------------------------------------

TEST_F(ResultCodesTest, DebitAndCreditAccountNotFound) {
  CreateBasicAccounts();
  ExpectStateFailure(MakeTransfer(T(1), kMissing, kB, 5), TR::kDebitAccountNotFound);
  ExpectStateFailure(MakeTransfer(T(2), kA, kMissing, 5), TR::kCreditAccountNotFound);
  // Both missing: the debit side is checked first.
  ExpectStateFailure(MakeTransfer(T(3), kMissing, kMissing + 1, 5), TR::kDebitAccountNotFound);
}

// The failure was reported, so it must never turn into a success once the account exists.
TEST_F(ResultCodesTest, IdAlreadyFailedAfterMissingAccountIsCreated) {
  CreateBasicAccounts();
  const Transfer t = MakeTransfer(T(1), kA, kMissing, 5);
  ASSERT_EQ(Submit(t), TR::kCreditAccountNotFound);
  ASSERT_EQ(CreateAccount(MakeAccount(kMissing)), AR::kOk);
  EXPECT_EQ(Submit(t), TR::kIdAlreadyFailed);
  EXPECT_FALSE(TransferExists(T(1)));
  EXPECT_EQ(Bal(kA), (Balances{0, 0, 0, 0}));
  EXPECT_EQ(Bal(kMissing), (Balances{0, 0, 0, 0}));
  // A new id is how a client tries again.
  EXPECT_EQ(Submit(MakeTransfer(T(2), kA, kMissing, 5)), TR::kOk);
  EXPECT_EQ(Bal(kMissing), (Balances{0, 0, 0, 5}));
}

TEST_F(ResultCodesTest, IdAlreadyFailedAfterBalanceGrew) {
  CreateBasicAccounts();
  ASSERT_EQ(CreateAccount(MakeAccount(100, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  ASSERT_EQ(Submit(MakeTransfer(T(1), kIssuer, 100, 3)), TR::kOk);
  const Transfer spend = MakeTransfer(T(2), 100, kB, 5);
  ASSERT_EQ(Submit(spend), TR::kExceedsCredits);
  ASSERT_EQ(Submit(MakeTransfer(T(3), kIssuer, 100, 10)), TR::kOk);
  const Balances funded{0, 0, 0, 13};
  ASSERT_EQ(Bal(100), funded);
  // 5 <= 13 now, yet the id failed once and stays failed.
  EXPECT_EQ(Submit(spend), TR::kIdAlreadyFailed);
  EXPECT_EQ(Bal(100), funded);
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 0}));
  EXPECT_FALSE(TransferExists(T(2)));
}

// A failed id keeps its fields: a retry that differs is exists_with_different_*, not failed.
TEST_F(ResultCodesTest, FailedIdRetriedWithDifferentFields) {
  CreateBasicAccounts();
  const Transfer t = MakeTransfer(T(1), kA, kMissing, 5);
  ASSERT_EQ(Submit(t), TR::kCreditAccountNotFound);
  Transfer other = t;
  other.amount = 6;
  EXPECT_EQ(Submit(other), TR::kExistsWithDifferentAmount);
  other = t;
  other.credit_account_id = kB;  // would succeed as a new id
  EXPECT_EQ(Submit(other), TR::kExistsWithDifferentCreditAccountId);
  other = t;
  other.code = 2;
  EXPECT_EQ(Submit(other), TR::kExistsWithDifferentCode);
  EXPECT_FALSE(TransferExists(T(1)));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 0}));
}

TEST_F(ResultCodesTest, AccountsMustHaveTheSameLedger) {
  CreateBasicAccounts();
  ASSERT_EQ(CreateAccount(MakeAccount(100, 0, kOtherLedger)), AR::kOk);
  ExpectStateFailure(MakeTransfer(T(1), kA, 100, 5), TR::kAccountsMustHaveTheSameLedger);
  // Different ledgers, whichever ledger the transfer names.
  Transfer t = MakeTransfer(T(2), 100, kA, 5);
  t.ledger = kOtherLedger;
  ExpectStateFailure(t, TR::kAccountsMustHaveTheSameLedger);
}

TEST_F(ResultCodesTest, TransferMustHaveTheSameLedgerAsAccounts) {
  CreateBasicAccounts();
  Transfer t = MakeTransfer(T(1), kA, kB, 5);
  t.ledger = kOtherLedger;
  ExpectStateFailure(t, TR::kTransferMustHaveTheSameLedgerAsAccounts);
  Transfer p = MakePending(T(2), kA, kB, 5);
  p.ledger = kOtherLedger;
  ExpectStateFailure(p, TR::kTransferMustHaveTheSameLedgerAsAccounts);
}

TEST_F(ResultCodesTest, PrecedenceOfAccountChecks) {
  CreateBasicAccounts();
  ASSERT_EQ(CreateAccount(MakeAccount(100, 0, kOtherLedger)), AR::kOk);
  ASSERT_EQ(CloseOne(kC), CR::kOk);
  ASSERT_EQ(CloseOne(kD), CR::kOk);
  // Missing debit over missing credit was checked above; missing over closed:
  ExpectStateFailure(MakeTransfer(T(1), kC, kMissing, 5), TR::kCreditAccountNotFound);
  // Different ledgers over a ledger mismatch with the transfer.
  Transfer t = MakeTransfer(T(2), kA, 100, 5);
  t.ledger = 3;
  ExpectStateFailure(t, TR::kAccountsMustHaveTheSameLedger);
  // Ledger mismatch over a closed account.
  t = MakeTransfer(T(3), kC, kA, 5);
  t.ledger = kOtherLedger;
  ExpectStateFailure(t, TR::kTransferMustHaveTheSameLedgerAsAccounts);
  // Debit closed over credit closed.
  ExpectStateFailure(MakeTransfer(T(4), kC, kD, 5), TR::kDebitAccountClosed);
}

TEST_F(ResultCodesTest, ExceedsCreditsAtTheFloor) {
  CreateBasicAccounts();
  const Id household = 100;
  ASSERT_EQ(CreateAccount(MakeAccount(household, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  ASSERT_EQ(Submit(MakeTransfer(T(1), kIssuer, household, 10)), TR::kOk);
  // One over the floor fails; exactly reaching it succeeds.
  ExpectStateFailure(MakeTransfer(T(2), household, kB, 11), TR::kExceedsCredits);
  EXPECT_EQ(Submit(MakeTransfer(T(3), household, kB, 10)), TR::kOk);
  EXPECT_EQ(Bal(household), (Balances{0, 10, 0, 10}));
  ExpectStateFailure(MakeTransfer(T(4), household, kB, 1), TR::kExceedsCredits);
  // The floor holds for pending transfers, and a reservation counts against it.
  ASSERT_EQ(Submit(MakeTransfer(T(5), kIssuer, household, 10)), TR::kOk);
  ExpectStateFailure(MakePending(T(6), household, kB, 11), TR::kExceedsCredits);
  EXPECT_EQ(Submit(MakePending(T(7), household, kB, 6)), TR::kOk);
  ExpectStateFailure(MakeTransfer(T(8), household, kB, 5), TR::kExceedsCredits);
  EXPECT_EQ(Submit(MakeTransfer(T(9), household, kB, 4)), TR::kOk);
  EXPECT_EQ(Bal(household), (Balances{6, 14, 0, 20}));
}

TEST_F(ResultCodesTest, ExceedsDebitsAtTheFloor) {
  CreateBasicAccounts();
  const Id fund = 100;
  ASSERT_EQ(CreateAccount(MakeAccount(fund, kAccountCreditsMustNotExceedDebits)), AR::kOk);
  ASSERT_EQ(Submit(MakeTransfer(T(1), fund, kIssuer, 10)), TR::kOk);
  ExpectStateFailure(MakeTransfer(T(2), kA, fund, 11), TR::kExceedsDebits);
  EXPECT_EQ(Submit(MakeTransfer(T(3), kA, fund, 10)), TR::kOk);
  ExpectStateFailure(MakeTransfer(T(4), kA, fund, 1), TR::kExceedsDebits);
  ASSERT_EQ(Submit(MakeTransfer(T(5), fund, kIssuer, 10)), TR::kOk);
  EXPECT_EQ(Submit(MakePending(T(6), kA, fund, 6)), TR::kOk);
  ExpectStateFailure(MakeTransfer(T(7), kA, fund, 5), TR::kExceedsDebits);
  EXPECT_EQ(Submit(MakeTransfer(T(8), kA, fund, 4)), TR::kOk);
  EXPECT_EQ(Bal(fund), (Balances{0, 20, 6, 14}));
}

TEST_F(ResultCodesTest, ExceedsCreditsBeforeExceedsDebits) {
  CreateBasicAccounts();
  ASSERT_EQ(CreateAccount(MakeAccount(100, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  ASSERT_EQ(CreateAccount(MakeAccount(101, kAccountCreditsMustNotExceedDebits)), AR::kOk);
  ExpectStateFailure(MakeTransfer(T(1), 100, 101, 1), TR::kExceedsCredits);
}

// Each overflow code at the integer limit: the first transfer brings a balance to exactly
// 2^64 - 1 (which must succeed), the next one by 1 more.
TEST_F(ResultCodesTest, OverflowsDebitsPending) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, kMax)), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{kMax, 0, 0, 0}));
  ExpectStateFailure(MakePending(T(2), kA, kC, 1), TR::kOverflowsDebitsPending);
  // Both sides would overflow: debits pending comes first.
  ExpectStateFailure(MakePending(T(3), kA, kB, 1), TR::kOverflowsDebitsPending);
}

TEST_F(ResultCodesTest, OverflowsCreditsPending) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, kMax)), TR::kOk);
  ExpectStateFailure(MakePending(T(2), kC, kB, 1), TR::kOverflowsCreditsPending);
}

TEST_F(ResultCodesTest, OverflowsDebitsPosted) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakeTransfer(T(1), kA, kB, kMax)), TR::kOk);
  ExpectStateFailure(MakeTransfer(T(2), kA, kC, 1), TR::kOverflowsDebitsPosted);
  ExpectStateFailure(MakeTransfer(T(3), kA, kB, 1), TR::kOverflowsDebitsPosted);
}

TEST_F(ResultCodesTest, OverflowsCreditsPosted) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakeTransfer(T(1), kA, kB, kMax)), TR::kOk);
  ExpectStateFailure(MakeTransfer(T(2), kC, kB, 1), TR::kOverflowsCreditsPosted);
}

TEST_F(ResultCodesTest, OverflowsDebits) {
  CreateBasicAccounts();
  // debits_pending = max; a posted 1 fits debits_posted but not the sum of the two.
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, kMax)), TR::kOk);
  ExpectStateFailure(MakeTransfer(T(2), kA, kC, 1), TR::kOverflowsDebits);
}

TEST_F(ResultCodesTest, OverflowsCredits) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, kMax)), TR::kOk);
  ExpectStateFailure(MakeTransfer(T(2), kC, kB, 1), TR::kOverflowsCredits);
}

TEST_F(ResultCodesTest, OverflowBeforeFloor) {
  CreateBasicAccounts();
  const Id household = 100;
  ASSERT_EQ(CreateAccount(MakeAccount(household, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  ASSERT_EQ(Submit(MakeTransfer(T(1), kIssuer, household, kMax)), TR::kOk);
  ASSERT_EQ(Submit(MakeTransfer(T(2), household, kB, kMax)), TR::kOk);
  // Overflows debits_posted and exceeds credits: the overflow is listed first.
  ExpectStateFailure(MakeTransfer(T(3), household, kC, 1), TR::kOverflowsDebitsPosted);
}

TEST_F(ResultCodesTest, OverflowsTimeout) {
  // 5 s before the end of time: a 4 s timeout still fits in 64 bits, a 6 s one does not.
  clock_.Set(kMax - 5 * kNanosPerSecond);
  CreateBasicAccounts();
  EXPECT_EQ(Submit(MakePending(T(1), kA, kB, 1, /*timeout=*/4)), TR::kOk);
  ExpectStateFailure(MakePending(T(2), kA, kB, 1, /*timeout=*/6), TR::kOverflowsTimeout);
  ExpectStateFailure(MakePending(T(3), kA, kB, 1, /*timeout=*/UINT32_MAX), TR::kOverflowsTimeout);
  EXPECT_EQ(Bal(kA), (Balances{1, 0, 0, 0}));
}

TEST_F(ResultCodesTest, OverflowsTimeoutBeforeBalanceChecks) {
  clock_.Set(kMax - 5 * kNanosPerSecond);
  CreateBasicAccounts();
  ASSERT_EQ(CreateAccount(MakeAccount(100, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  // Would also exceed the household's credits (0).
  ExpectStateFailure(MakePending(T(1), 100, kB, 1, /*timeout=*/6), TR::kOverflowsTimeout);
}

// ---------------------------------------------------------------------------------------------
// Pending, post, void
// ---------------------------------------------------------------------------------------------

TEST_F(ResultCodesTest, PendingReservesAndFullPostWithAmountZero) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10)), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{10, 0, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 10, 0}));
  EXPECT_EQ(Submit(MakePost(T(2), T(1))), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{0, 10, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 10}));
  EXPECT_TRUE(TransferExists(T(2)));
}

TEST_F(ResultCodesTest, PartialPostReleasesTheRest) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10)), TR::kOk);
  ExpectStateFailure(MakePost(T(2), T(1), 11), TR::kExceedsPendingTransferAmount);
  EXPECT_EQ(Submit(MakePost(T(3), T(1), 4)), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{0, 4, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 4}));
}

TEST_F(ResultCodesTest, PostWithExactAmountAndMatchingFields) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10)), TR::kOk);
  // Fields may be given as long as they equal the pending transfer's.
  Transfer post = MakeTransfer(T(2), kA, kB, 10, kTransferPostPendingTransfer);
  post.pending_id = T(1);
  EXPECT_EQ(Submit(post), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{0, 10, 0, 0}));
}

TEST_F(ResultCodesTest, VoidWithAmountZeroOrExactReleases) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10)), TR::kOk);
  ASSERT_EQ(Submit(MakePending(T(2), kA, kB, 7)), TR::kOk);
  ExpectStateFailure(MakeVoid(T(3), T(1), 5), TR::kPendingTransferHasDifferentAmount);
  ExpectStateFailure(MakeVoid(T(4), T(1), 11), TR::kPendingTransferHasDifferentAmount);
  EXPECT_EQ(Bal(kA), (Balances{17, 0, 0, 0}));
  EXPECT_EQ(Submit(MakeVoid(T(5), T(1))), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{7, 0, 0, 0}));
  EXPECT_EQ(Submit(MakeVoid(T(6), T(2), 7)), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{0, 0, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 0}));
}

TEST_F(ResultCodesTest, PendingTransferNotFoundAndNotPending) {
  CreateBasicAccounts();
  ExpectStateFailure(MakePost(T(1), T(500)), TR::kPendingTransferNotFound);
  ExpectStateFailure(MakeVoid(T(2), T(500)), TR::kPendingTransferNotFound);
  ASSERT_EQ(Submit(MakeTransfer(T(3), kA, kB, 5)), TR::kOk);
  ExpectStateFailure(MakePost(T(4), T(3)), TR::kPendingTransferNotPending);
  ExpectStateFailure(MakeVoid(T(5), T(3)), TR::kPendingTransferNotPending);
  // A failed id is not a transfer, pending or otherwise.
  ASSERT_EQ(Submit(MakePending(T(6), kA, kMissing, 5)), TR::kCreditAccountNotFound);
  ExpectStateFailure(MakePost(T(7), T(6)), TR::kPendingTransferNotFound);
}

TEST_F(ResultCodesTest, PendingTransferAlreadyPosted) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10)), TR::kOk);
  ASSERT_EQ(Submit(MakePost(T(2), T(1), 3)), TR::kOk);
  const Balances after_post{0, 3, 0, 0};
  ASSERT_EQ(Bal(kA), after_post);
  ExpectStateFailure(MakePost(T(3), T(1)), TR::kPendingTransferAlreadyPosted);
  ExpectStateFailure(MakeVoid(T(4), T(1)), TR::kPendingTransferAlreadyPosted);
  // Already posted comes before any comparison with the pending transfer's fields.
  Transfer mismatched = MakePost(T(5), T(1), 100);
  mismatched.debit_account_id = kC;
  ExpectStateFailure(mismatched, TR::kPendingTransferAlreadyPosted);
  EXPECT_EQ(Bal(kA), after_post);
}

TEST_F(ResultCodesTest, PendingTransferAlreadyVoided) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10)), TR::kOk);
  ASSERT_EQ(Submit(MakeVoid(T(2), T(1))), TR::kOk);
  ExpectStateFailure(MakeVoid(T(3), T(1)), TR::kPendingTransferAlreadyVoided);
  ExpectStateFailure(MakePost(T(4), T(1)), TR::kPendingTransferAlreadyVoided);
  Transfer mismatched = MakeVoid(T(5), T(1), 3);
  mismatched.code = 2;
  ExpectStateFailure(mismatched, TR::kPendingTransferAlreadyVoided);
  EXPECT_EQ(Bal(kA), (Balances{0, 0, 0, 0}));
}

TEST_F(ResultCodesTest, PendingTransferHasDifferentFields) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10)), TR::kOk);
  Transfer t = MakePost(T(2), T(1));
  t.debit_account_id = kC;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentDebitAccountId);
  t = MakeVoid(T(3), T(1));
  t.credit_account_id = kC;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentCreditAccountId);
  t = MakePost(T(4), T(1));
  t.ledger = kOtherLedger;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentLedger);
  t = MakeVoid(T(5), T(1));
  t.code = 2;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentCode);
  // Precedence among them: debit, credit, ledger, code, amount.
  t = MakePost(T(6), T(1), 11);
  t.debit_account_id = kC;
  t.credit_account_id = kD;
  t.code = 2;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentDebitAccountId);
  t = MakePost(T(7), T(1), 11);
  t.credit_account_id = kD;
  t.ledger = kOtherLedger;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentCreditAccountId);
  t = MakePost(T(8), T(1), 11);
  t.ledger = kOtherLedger;
  t.code = 2;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentLedger);
  t = MakeVoid(T(9), T(1), 3);
  t.code = 2;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentCode);
  // Swapped accounts are a different debit account, not a valid post.
  t = MakePost(T(10), T(1));
  t.debit_account_id = kB;
  t.credit_account_id = kA;
  ExpectStateFailure(t, TR::kPendingTransferHasDifferentDebitAccountId);
  // After all those failures the pending is untouched and still resolvable.
  EXPECT_EQ(Bal(kA), (Balances{10, 0, 0, 0}));
  EXPECT_EQ(Submit(MakePost(T(11), T(1))), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{0, 10, 0, 0}));
}

TEST_F(ResultCodesTest, PostAndVoidOfThePendingInTheSameBatch) {
  CreateBasicAccounts();
  // Each event sees the ones before it in the batch: the post resolves it, the void is late.
  EXPECT_EQ(
      TransferCodes({MakePending(T(1), kA, kB, 10), MakePost(T(2), T(1)), MakeVoid(T(3), T(1))}),
      (std::vector<TR>{TR::kOk, TR::kOk, TR::kPendingTransferAlreadyPosted}));
  EXPECT_EQ(Bal(kA), (Balances{0, 10, 0, 0}));
}

// ---------------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------------

TEST_F(ResultCodesTest, PostBeforeTimeoutSucceeds) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10, /*timeout=*/10)), TR::kOk);
  clock_.Advance(9 * kNanosPerSecond);
  absl::StatusOr<uint64_t> expired = engine_->ExpirePendingTransfers();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, 0u) << "not due yet";
  EXPECT_EQ(Submit(MakePost(T(2), T(1))), TR::kOk);
  EXPECT_EQ(Bal(kA), (Balances{0, 10, 0, 0}));
  // A posted transfer has nothing left to expire once its timeout passes.
  clock_.Advance(2 * kNanosPerSecond);
  expired = engine_->ExpirePendingTransfers();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, 0u);
  EXPECT_EQ(Bal(kA), (Balances{0, 10, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 10}));
}

TEST_F(ResultCodesTest, ExpiryVoidsThePendingTransfer) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10, /*timeout=*/10)), TR::kOk);
  ASSERT_EQ(Submit(MakePending(T(2), kA, kB, 3)), TR::kOk);  // never expires
  clock_.Advance(11 * kNanosPerSecond);
  absl::StatusOr<uint64_t> expired = engine_->ExpirePendingTransfers();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, 1u);
  EXPECT_EQ(Bal(kA), (Balances{3, 0, 0, 0})) << "the reservation of T(1) is released";
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 3, 0}));
  EXPECT_TRUE(TransferExists(T(1))) << "the pending transfer itself stays in the journal";
  ExpectStateFailure(MakePost(T(3), T(1)), TR::kPendingTransferExpired);
  ExpectStateFailure(MakeVoid(T(4), T(1)), TR::kPendingTransferExpired);
  absl::StatusOr<uint64_t> again = engine_->ExpirePendingTransfers();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 0u) << "a pending transfer expires once";
  EXPECT_EQ(Submit(MakePost(T(5), T(2))), TR::kOk);
}

TEST_F(ResultCodesTest, PostAfterTimeoutBeforeExpiryRecordIsExpired) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10, /*timeout=*/10)), TR::kOk);
  clock_.Advance(11 * kNanosPerSecond);
  // No ExpirePendingTransfers yet, and the idle writer polls only once an hour here.
  EXPECT_EQ(Submit(MakePost(T(2), T(1))), TR::kPendingTransferExpired);
  EXPECT_EQ(Submit(MakeVoid(T(3), T(1))), TR::kPendingTransferExpired);
  EXPECT_FALSE(TransferExists(T(2)));
  EXPECT_FALSE(TransferExists(T(3)));
  EXPECT_EQ(Submit(MakePost(T(2), T(1))), TR::kIdAlreadyFailed);
  const Balances a = Bal(kA);
  EXPECT_EQ(a.debits_posted, 0u) << "nothing was posted";
  // Either the reservation is still there (no expiry record yet) or the writer already wrote
  // the expiry record; ExpirePendingTransfers must account for exactly one expiry in all.
  const bool still_reserved = a.debits_pending == 10;
  if (!still_reserved) {
    EXPECT_EQ(a.debits_pending, 0u);
  }
  absl::StatusOr<uint64_t> expired = engine_->ExpirePendingTransfers();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, still_reserved ? 1u : 0u);
  EXPECT_EQ(Bal(kA), (Balances{0, 0, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 0}));
  EXPECT_EQ(Submit(MakePost(T(4), T(1))), TR::kPendingTransferExpired);
}

TEST_F(ResultCodesTest, IdleWriterExpiresByItself) {
  engine_.reset();
  ASSERT_TRUE(OpenEngine(/*expiry_poll_interval_ms=*/5));
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 10, /*timeout=*/1)), TR::kOk);
  clock_.Advance(2 * kNanosPerSecond);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (Bal(kA).debits_pending != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Bal(kA), (Balances{0, 0, 0, 0}));
  EXPECT_EQ(Submit(MakePost(T(2), T(1))), TR::kPendingTransferExpired);
}

// ---------------------------------------------------------------------------------------------
// Linked chains of transfers
// ---------------------------------------------------------------------------------------------

TEST_F(ResultCodesTest, LinkedChainSucceedsWholeAndLaterEventsSeeEarlierOnes) {
  CreateBasicAccounts();
  ASSERT_EQ(CreateAccount(MakeAccount(100, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  // The second spends what the first brought in.
  EXPECT_EQ(TransferCodes({MakeTransfer(T(1), kIssuer, 100, 5, kTransferLinked),
                           MakeTransfer(T(2), 100, kB, 5)}),
            (std::vector<TR>{TR::kOk, TR::kOk}));
  EXPECT_EQ(Bal(100), (Balances{0, 5, 0, 5}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 5}));
}

TEST_F(ResultCodesTest, LinkedChainFailsWholeAndRollsBack) {
  CreateBasicAccounts();
  // With history, so that the rollback must also undo the account's history entries.
  ASSERT_EQ(CreateAccount(MakeAccount(100, kAccountDebitsMustNotExceedCredits | kAccountHistory)),
            AR::kOk);
  const std::vector<Transfer> chain = {
      MakeTransfer(T(1), kIssuer, 100, 5, kTransferLinked),
      MakePending(T(2), 100, kB, 5),
  };
  std::vector<Transfer> batch = chain;
  batch[1].flags |= kTransferLinked;
  batch.push_back(MakeTransfer(T(3), kA, kMissing, 1));  // fails, ends the chain
  batch.push_back(MakeTransfer(T(4), kA, kC, 1));        // independent of the chain
  EXPECT_EQ(TransferCodes(batch), (std::vector<TR>{TR::kLinkedEventFailed, TR::kLinkedEventFailed,
                                                   TR::kCreditAccountNotFound, TR::kOk}));
  EXPECT_FALSE(TransferExists(T(1)));
  EXPECT_FALSE(TransferExists(T(2)));
  EXPECT_FALSE(TransferExists(T(3)));
  EXPECT_TRUE(TransferExists(T(4)));
  EXPECT_EQ(Bal(100), (Balances{0, 0, 0, 0})) << "the chain's effects were rolled back";
  EXPECT_EQ(Bal(kIssuer), (Balances{0, 0, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 0}));
  EXPECT_EQ(Bal(kC), (Balances{0, 0, 0, 1}));
  absl::StatusOr<std::vector<AccountBalance>> history =
      engine_->GetAccountBalances({100, 0, 0, 10, false});
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_TRUE(history->empty()) << "rolled back changes leave no history";
  absl::StatusOr<std::vector<Transfer>> listed = engine_->GetAccountTransfers({100, 0, 0, 10});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_TRUE(listed->empty()) << "nor transfers in the account's list";
  // The rolled-back pending never existed.
  EXPECT_EQ(Submit(MakePost(T(5), T(2))), TR::kPendingTransferNotFound);
  // A retry of the chain meets the failed id; the others are still not recorded.
  EXPECT_EQ(
      TransferCodes({batch[0], batch[1], batch[2]}),
      (std::vector<TR>{TR::kLinkedEventFailed, TR::kLinkedEventFailed, TR::kIdAlreadyFailed}));
  EXPECT_EQ(TransferCodes(chain), (std::vector<TR>{TR::kOk, TR::kOk}));
  EXPECT_EQ(Bal(100), (Balances{5, 0, 0, 5}));
  history = engine_->GetAccountBalances({100, 0, 0, 10, false});
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->size(), 2u);
}

TEST_F(ResultCodesTest, LinkedChainFailsInTheMiddle) {
  CreateBasicAccounts();
  const std::vector<Account> before = Snapshot();
  // The event after the failing one is still in the chain (the failing one is linked).
  EXPECT_EQ(TransferCodes({MakeTransfer(T(1), kA, kB, 1, kTransferLinked),
                           MakeTransfer(T(2), kA, kMissing, 1, kTransferLinked),
                           MakeTransfer(T(3), kA, kC, 1)}),
            (std::vector<TR>{TR::kLinkedEventFailed, TR::kCreditAccountNotFound,
                             TR::kLinkedEventFailed}));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_FALSE(TransferExists(T(1)));
  EXPECT_FALSE(TransferExists(T(3)));
  EXPECT_EQ(TransferCodes({MakeTransfer(T(1), kA, kB, 1), MakeTransfer(T(3), kA, kC, 1)}),
            (std::vector<TR>{TR::kOk, TR::kOk}));
}

TEST_F(ResultCodesTest, LinkedChainFailsOnItsFirstEvent) {
  CreateBasicAccounts();
  const std::vector<Account> before = Snapshot();
  // A validation failure (recorded nothing) at the head of the chain.
  Transfer head = MakeTransfer(T(1), kA, kB, 0, kTransferLinked);
  EXPECT_EQ(TransferCodes({head, MakeTransfer(T(2), kA, kB, 5)}),
            (std::vector<TR>{TR::kAmountMustNotBeZero, TR::kLinkedEventFailed}));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_FALSE(TransferExists(T(2)));
  EXPECT_EQ(Submit(MakeTransfer(T(2), kA, kB, 5)), TR::kOk)
      << "linked_event_failed records nothing";
}

TEST_F(ResultCodesTest, LinkedChainOpenAtEndOfBatch) {
  CreateBasicAccounts();
  EXPECT_EQ(
      TransferCodes({MakeTransfer(T(1), kA, kB, 1), MakeTransfer(T(2), kA, kB, 2, kTransferLinked),
                     MakeTransfer(T(3), kA, kB, 4, kTransferLinked)}),
      (std::vector<TR>{TR::kOk, TR::kLinkedEventFailed, TR::kLinkedEventChainOpen}));
  EXPECT_TRUE(TransferExists(T(1)));
  EXPECT_FALSE(TransferExists(T(2)));
  EXPECT_FALSE(TransferExists(T(3)));
  EXPECT_EQ(Bal(kA), (Balances{0, 1, 0, 0}));
  // The open chain is checked first of all, even before the timestamp.
  Transfer lone = MakeTransfer(T(4), kA, kB, 0, kTransferLinked);
  lone.timestamp = 1;
  EXPECT_EQ(Submit(lone), TR::kLinkedEventChainOpen);
  EXPECT_EQ(Bal(kA), (Balances{0, 1, 0, 0}));
  // Nothing was recorded: the same ids, unlinked, succeed.
  EXPECT_EQ(TransferCodes({MakeTransfer(T(2), kA, kB, 2), MakeTransfer(T(3), kA, kB, 4)}),
            (std::vector<TR>{TR::kOk, TR::kOk}));
  EXPECT_EQ(Bal(kA), (Balances{0, 7, 0, 0}));
}

TEST_F(ResultCodesTest, PrecedenceAcrossSteps) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakeTransfer(T(1), kA, kB, 5)), TR::kOk);
  // timestamp (step 2) before the id index (step 3).
  Transfer t = MakeTransfer(T(1), kA, kB, 5);
  t.timestamp = 1;
  EXPECT_EQ(Submit(t), TR::kTimestampMustBeZero);
  // exists (step 3) before the event alone (step 4): amount 0 is a difference, not invalid.
  t = MakeTransfer(T(1), kA, kB, 0);
  EXPECT_EQ(Submit(t), TR::kExistsWithDifferentAmount);
  t = MakeTransfer(T(1), kA, kA, 5);
  EXPECT_EQ(Submit(t), TR::kExistsWithDifferentCreditAccountId);
  // The event alone (step 4) before the pending transfer (step 5): pending id equals the id.
  t = MakePost(T(2), T(2));
  EXPECT_EQ(Submit(t), TR::kPendingIdMustBeDifferent);
  // The pending transfer (step 5) is looked up before its accounts would matter.
  EXPECT_EQ(Submit(MakePost(T(3), T(1))), TR::kPendingTransferNotPending);
  EXPECT_EQ(Bal(kA), (Balances{0, 5, 0, 0}));
}

// ---------------------------------------------------------------------------------------------
// CloseAccounts
// ---------------------------------------------------------------------------------------------

TEST_F(ResultCodesTest, CloseAccountOkSetsTheFlagAndRefusesTransfers) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakeTransfer(T(1), kA, kB, 5)), TR::kOk);
  const Account a_before = LookupAccount(kA);
  EXPECT_EQ(CloseOne(kA), CR::kOk);
  Account a_closed = a_before;
  a_closed.flags |= kAccountClosed;
  EXPECT_EQ(LookupAccount(kA), a_closed) << "only the flag changes";
  ExpectStateFailure(MakeTransfer(T(2), kA, kB, 1), TR::kDebitAccountClosed);
  ExpectStateFailure(MakeTransfer(T(3), kB, kA, 1), TR::kCreditAccountClosed);
  ExpectStateFailure(MakePending(T(4), kB, kA, 1), TR::kCreditAccountClosed);
  EXPECT_EQ(Bal(kA), (Balances{0, 5, 0, 0}));
  EXPECT_EQ(Bal(kB), (Balances{0, 0, 0, 5}));
}

TEST_F(ResultCodesTest, CloseAccountIdMustNotBeZeroAndNotFound) {
  CreateBasicAccounts();
  const std::vector<Account> before = Snapshot();
  EXPECT_EQ(Close({0}), std::vector<CR>{CR::kIdMustNotBeZero});
  EXPECT_EQ(Close({kMissing}), std::vector<CR>{CR::kAccountNotFound});
  EXPECT_FALSE(AccountExists(kMissing));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ResultCodesTest, CloseAccountAlreadyClosed) {
  CreateBasicAccounts();
  ASSERT_EQ(CloseOne(kA), CR::kOk);
  const Account closed = LookupAccount(kA);
  EXPECT_EQ(CloseOne(kA), CR::kAccountAlreadyClosed);
  EXPECT_EQ(LookupAccount(kA), closed);
  // An account may be created closed, too.
  ASSERT_EQ(CreateAccount(MakeAccount(100, kAccountClosed)), AR::kOk);
  EXPECT_EQ(CloseOne(100), CR::kAccountAlreadyClosed);
  ExpectStateFailure(MakeTransfer(T(1), 100, kB, 1), TR::kDebitAccountClosed);
  // In one call, the second close sees the first.
  EXPECT_EQ(Close({kB, kB}), (std::vector<CR>{CR::kOk, CR::kAccountAlreadyClosed}));
}

TEST_F(ResultCodesTest, CloseAccountHasPendingBalance) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 5)), TR::kOk);
  const std::vector<Account> before = Snapshot();
  // Both sides of a reservation hold a pending balance.
  EXPECT_EQ(Close({kA, kB}),
            (std::vector<CR>{CR::kAccountHasPendingBalance, CR::kAccountHasPendingBalance}));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(LookupAccount(kA).flags & kAccountClosed, 0);
  EXPECT_EQ(LookupAccount(kB).flags & kAccountClosed, 0);
  EXPECT_EQ(Submit(MakePost(T(2), T(1))), TR::kOk) << "the pending transfer is unaffected";
  EXPECT_EQ(Close({kA, kB}), (std::vector<CR>{CR::kOk, CR::kOk}));
}

TEST_F(ResultCodesTest, CloseAccountsOneCallMixesCodes) {
  CreateBasicAccounts();
  ASSERT_EQ(Submit(MakePending(T(1), kA, kB, 5)), TR::kOk);
  // Each id gets its own result; the failures do not stop the others.
  ASSERT_EQ(CreateAccount(MakeAccount(100, kAccountClosed)), AR::kOk);
  EXPECT_EQ(Close({0, kMissing, 100, kA}),
            (std::vector<CR>{CR::kIdMustNotBeZero, CR::kAccountNotFound, CR::kAccountAlreadyClosed,
                             CR::kAccountHasPendingBalance}));
  EXPECT_EQ(Close({kC, kB}), (std::vector<CR>{CR::kOk, CR::kAccountHasPendingBalance}));
  EXPECT_NE(LookupAccount(kC).flags & kAccountClosed, 0);
  ASSERT_EQ(Submit(MakeVoid(T(2), T(1))), TR::kOk);
}

TEST_F(ResultCodesTest, AccountCreateRetriedAfterCloseIsExists) {
  Account a = MakeAccount(kA, kAccountHistory);
  a.user_data_64 = 8;
  std::vector<AccountEventResult> first = CreateAccounts({a});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].result, AR::kOk);
  ASSERT_EQ(CloseOne(kA), CR::kOk);
  std::vector<AccountEventResult> retry = CreateAccounts({a});
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].result, AR::kExists) << "the closed flag set later is not a difference";
  EXPECT_EQ(retry[0].timestamp, first[0].timestamp);
  EXPECT_NE(LookupAccount(kA).flags & kAccountClosed, 0) << "and the retry did not reopen it";
  // A real difference is still reported.
  a.user_data_64 = 9;
  EXPECT_EQ(CreateAccount(a), AR::kExistsWithDifferentUserData64);
}

// ---------------------------------------------------------------------------------------------
// The code table itself
// ---------------------------------------------------------------------------------------------

TEST(ResultCodesTableTest, RecordsFailedIdExactlyForStateDependentCodes) {
  for (uint32_t n = 0; n < kCreateTransferResultCount; ++n) {
    const bool state_dependent = n >= 30 && n <= 55;
    EXPECT_EQ(RecordsFailedId(static_cast<TR>(n)), state_dependent) << "code " << n;
  }
}

TEST(ResultCodesTableTest, NamesAreSnakeCaseAndDistinct) {
  EXPECT_EQ(ResultName(TR::kExistsWithDifferentAmount), "exists_with_different_amount");
  EXPECT_EQ(ResultName(TR::kIdAlreadyFailed), "id_already_failed");
  EXPECT_EQ(ResultName(AR::kLinkedEventChainOpen), "linked_event_chain_open");
  EXPECT_EQ(ResultName(CR::kAccountHasPendingBalance), "account_has_pending_balance");
  std::vector<std::string_view> names;
  for (uint32_t n = 0; n < kCreateTransferResultCount; ++n) {
    names.push_back(ResultName(static_cast<TR>(n)));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_FALSE(names[i].empty()) << "code " << i;
    for (size_t j = 0; j < i; ++j) EXPECT_NE(names[i], names[j]) << i << " vs " << j;
  }
}

}  // namespace
}  // namespace points

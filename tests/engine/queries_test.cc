// The read side of the engine: LookupAccounts, LookupTransfers, GetAccountTransfers and
// GetAccountBalances (engine/README.md, "Reads"), on a small ledger whose expected state the test
// keeps beside the engine. Every check runs on the live engine and again after a reopen, since
// all derived state (balances, id index, history, expiry) is rebuilt from the journal at open.

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <string>
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

void PrintTo(const AccountBalance& b, std::ostream* os) {
  *os << "Balance{ts=" << b.timestamp << " dp=" << b.debits_pending << " dpo=" << b.debits_posted
      << " cp=" << b.credits_pending << " cpo=" << b.credits_posted << "}";
}

namespace {

using AR = CreateAccountResult;
using TR = CreateTransferResult;
using CR = CloseAccountResult;
using ::points::testing::MakeId;
using ::points::testing::TempDir;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kStartNs = 1'700'000'000ull * kNanosPerSecond;
constexpr uint32_t kLedger = 1;
constexpr uint16_t kCode = 1;

constexpr Id kA = 1;  // the only account with kAccountHistory
constexpr Id kB = 2;
constexpr Id kC = 3;
constexpr Id kD = 4;  // closed at the end of the setup
constexpr Id kE = 5;  // debit side of a pending transfer that expires
constexpr Id kF = 6;
constexpr Id kMissing = 999;
Id T(uint64_t n) { return MakeId(1, n); }
const Id kFailedId = T(900);   // a transfer that failed for a state reason (recorded as failed)
const Id kPendingId = T(5);    // A -> B, posted later by T(8)
const Id kExpiringId = T(11);  // E -> F, expires

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

template <typename V>
std::vector<V> Reversed(std::vector<V> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

template <typename V>
std::vector<V> Slice(const std::vector<V>& v, size_t from, size_t to_inclusive) {
  return std::vector<V>(v.begin() + from, v.begin() + to_inclusive + 1);
}

class QueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(OpenEngine());
    Populate();
  }

  // A long expiry poll: only ExpirePendingTransfers expires anything, so the counts are exact.
  bool OpenEngine() {
    Options options;
    options.clock = &clock_;
    options.expiry_poll_interval_ms = 3'600'000;
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(options, dir_.path());
    EXPECT_TRUE(engine.ok()) << engine.status();
    if (!engine.ok()) return false;
    engine_ = *std::move(engine);
    return true;
  }

  // Destroys the engine and opens the same directory: state must come back from the journal.
  bool Reopen() {
    engine_.reset();
    return OpenEngine();
  }

  // Submits one batch in which every transfer must succeed, and keeps the model in step.
  void Apply(std::vector<Transfer> batch) {
    clock_.Advance(1000);  // gaps between batches, so that "between two entries" exists
    absl::StatusOr<std::vector<TransferEventResult>> r = engine_->CreateTransfers(batch);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->size(), batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      ASSERT_EQ((*r)[i].result, TR::kOk) << "event " << i;
      Transfer t = batch[i];
      t.timestamp = (*r)[i].timestamp;
      ASSERT_TRUE(transfers_.empty() || t.timestamp > transfers_.back().timestamp);
      transfers_.push_back(t);
      Account& debit = accounts_.at(t.debit_account_id);
      Account& credit = accounts_.at(t.credit_account_id);
      if (t.flags & kTransferPending) {
        debit.debits_pending += t.amount;
        credit.credits_pending += t.amount;
      } else if (t.flags & kTransferPostPendingTransfer) {
        // The posts here give every field and the whole pending amount.
        debit.debits_pending -= t.amount;
        credit.credits_pending -= t.amount;
        debit.debits_posted += t.amount;
        credit.credits_posted += t.amount;
      } else {
        debit.debits_posted += t.amount;
        credit.credits_posted += t.amount;
      }
      for (const Account* a : {&debit, &credit}) {
        if (a->flags & kAccountHistory) {
          history_.push_back({t.timestamp, a->debits_pending, a->debits_posted, a->credits_pending,
                              a->credits_posted});
        }
      }
    }
  }

  void Populate() {
    std::vector<Account> create;
    for (Id id : {kA, kB, kC, kD, kE, kF}) {
      Account a;
      a.id = id;
      a.ledger = kLedger;
      a.code = kCode;
      create.push_back(a);
    }
    create[0].flags = kAccountHistory;
    create[0].user_data_128 = MakeId(11, 12);
    create[0].user_data_64 = 13;
    create[0].user_data_32 = 14;
    create[0].code = 2;
    absl::StatusOr<std::vector<AccountEventResult>> created = engine_->CreateAccounts(create);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_EQ(created->size(), create.size());
    for (size_t i = 0; i < create.size(); ++i) {
      ASSERT_EQ((*created)[i].result, AR::kOk);
      create[i].timestamp = (*created)[i].timestamp;
      accounts_[create[i].id] = create[i];
      account_order_.push_back(create[i].id);
    }

    ASSERT_NO_FATAL_FAILURE(Apply({MakeTransfer(T(1), kA, kB, 10)}));
    ASSERT_NO_FATAL_FAILURE(Apply({MakeTransfer(T(2), kB, kA, 3)}));
    ASSERT_NO_FATAL_FAILURE(Apply({MakeTransfer(T(3), kC, kD, 5)}));  // does not touch A
    ASSERT_NO_FATAL_FAILURE(  // two in one batch: adjacent timestamps
        Apply({MakeTransfer(T(4), kA, kB, 1), MakeTransfer(T(40), kB, kA, 2)}));
    ASSERT_NO_FATAL_FAILURE(Apply({MakeTransfer(kPendingId, kA, kB, 7, kTransferPending)}));

    // A failure recorded as failed: it must show up in no read.
    clock_.Advance(1000);
    absl::StatusOr<std::vector<TransferEventResult>> failed =
        engine_->CreateTransfers({MakeTransfer(kFailedId, kA, kMissing, 4)});
    ASSERT_TRUE(failed.ok()) << failed.status();
    ASSERT_EQ(failed->size(), 1u);
    ASSERT_EQ((*failed)[0].result, TR::kCreditAccountNotFound);

    ASSERT_NO_FATAL_FAILURE(Apply({MakeTransfer(T(7), kA, kC, 6)}));
    Transfer post = MakeTransfer(T(8), kA, kB, 7, kTransferPostPendingTransfer);
    post.pending_id = kPendingId;
    post.user_data_64 = 88;
    ASSERT_NO_FATAL_FAILURE(Apply({post}));
    Transfer with_user_data = MakeTransfer(T(9), kB, kA, 20);
    with_user_data.user_data_128 = MakeId(9, 9);
    with_user_data.user_data_32 = 99;
    ASSERT_NO_FATAL_FAILURE(Apply({with_user_data}));
    ASSERT_NO_FATAL_FAILURE(Apply({MakeTransfer(T(10), kC, kA, 8)}));

    Transfer expiring = MakeTransfer(kExpiringId, kE, kF, 9, kTransferPending);
    expiring.timeout = 5;
    ASSERT_NO_FATAL_FAILURE(Apply({expiring}));
    clock_.Advance(6 * kNanosPerSecond);
    absl::StatusOr<uint64_t> expired = engine_->ExpirePendingTransfers();
    ASSERT_TRUE(expired.ok()) << expired.status();
    ASSERT_EQ(*expired, 1u);
    accounts_[kE].debits_pending = 0;
    accounts_[kF].credits_pending = 0;

    absl::StatusOr<std::vector<CloseAccountResult>> closed = engine_->CloseAccounts({kD});
    ASSERT_TRUE(closed.ok()) << closed.status();
    ASSERT_EQ(*closed, std::vector<CR>{CR::kOk});
    accounts_[kD].flags |= kAccountClosed;

    // The hand-made model itself, so that a bug in Apply cannot hide an engine bug.
    ASSERT_EQ(accounts_[kA].debits_posted, 10u + 1 + 6 + 7);
    ASSERT_EQ(accounts_[kA].credits_posted, 3u + 2 + 20 + 8);
    ASSERT_EQ(accounts_[kA].debits_pending, 0u);
    ASSERT_EQ(history_.size(), 9u);
  }

  std::vector<Transfer> ExpectedTransfersOf(Id account) const {
    std::vector<Transfer> out;
    for (const Transfer& t : transfers_) {
      if (t.debit_account_id == account || t.credit_account_id == account) out.push_back(t);
    }
    return out;
  }

  std::vector<Transfer> Transfers(const HistoryFilter& f) {
    absl::StatusOr<std::vector<Transfer>> r = engine_->GetAccountTransfers(f);
    EXPECT_TRUE(r.ok()) << r.status() << " for account " << f.account_id;
    return r.ok() ? *std::move(r) : std::vector<Transfer>{};
  }
  std::vector<AccountBalance> Balances(const HistoryFilter& f) {
    absl::StatusOr<std::vector<AccountBalance>> r = engine_->GetAccountBalances(f);
    EXPECT_TRUE(r.ok()) << r.status() << " for account " << f.account_id;
    return r.ok() ? *std::move(r) : std::vector<AccountBalance>{};
  }

  // Reads every page, continuing each from the last timestamp seen.
  template <typename Record, typename Fetch>
  std::vector<Record> AllPages(Id account, uint32_t limit, bool reversed, Fetch fetch, int* pages) {
    std::vector<Record> all;
    HistoryFilter f{account, 0, 0, limit, reversed};
    *pages = 0;
    for (int guard = 0; guard < 100; ++guard) {
      std::vector<Record> page = fetch(f);
      ++*pages;
      EXPECT_LE(page.size(), limit);
      all.insert(all.end(), page.begin(), page.end());
      if (page.size() < limit) break;
      if (reversed) {
        f.timestamp_max = page.back().timestamp - 1;
      } else {
        f.timestamp_min = page.back().timestamp + 1;
      }
    }
    return all;
  }

  void CheckLookups() {
    SCOPED_TRACE("lookups");
    std::vector<Id> ask = {kB, kMissing, kA, kE, 0x77, kD};
    absl::StatusOr<std::vector<Account>> accounts = engine_->LookupAccounts(ask);
    ASSERT_TRUE(accounts.ok()) << accounts.status();
    EXPECT_EQ(*accounts,
              (std::vector<Account>{accounts_[kB], accounts_[kA], accounts_[kE], accounts_[kD]}));
    std::vector<Account> all_expected;
    for (Id id : account_order_) all_expected.push_back(accounts_[id]);
    accounts = engine_->LookupAccounts(account_order_);
    ASSERT_TRUE(accounts.ok()) << accounts.status();
    EXPECT_EQ(*accounts, all_expected);
    accounts = engine_->LookupAccounts({});
    ASSERT_TRUE(accounts.ok()) << accounts.status();
    EXPECT_TRUE(accounts->empty());

    // The failed id and a never-seen id are skipped; the rest come in the order asked.
    auto find = [&](Id id) {
      for (const Transfer& t : transfers_) {
        if (t.id == id) return t;
      }
      ADD_FAILURE() << "no transfer " << id << " in the model";
      return Transfer{};
    };
    absl::StatusOr<std::vector<Transfer>> transfers =
        engine_->LookupTransfers({T(9), kFailedId, T(12345), T(1), kPendingId, kExpiringId});
    ASSERT_TRUE(transfers.ok()) << transfers.status();
    EXPECT_EQ(*transfers,
              (std::vector<Transfer>{find(T(9)), find(T(1)), find(kPendingId), find(kExpiringId)}));
    std::vector<Id> all_ids;
    for (const Transfer& t : transfers_) all_ids.push_back(t.id);
    transfers = engine_->LookupTransfers(all_ids);
    ASSERT_TRUE(transfers.ok()) << transfers.status();
    EXPECT_EQ(*transfers, transfers_);
    transfers = engine_->LookupTransfers({kFailedId});
    ASSERT_TRUE(transfers.ok()) << transfers.status();
    EXPECT_TRUE(transfers->empty()) << "a failed transfer's id is not a transfer";
  }

  void CheckAccountTransferPaging() {
    SCOPED_TRACE("GetAccountTransfers paging");
    const std::vector<Transfer> expected = ExpectedTransfersOf(kA);
    ASSERT_EQ(expected.size(), 9u);
    auto fetch = [this](const HistoryFilter& f) { return Transfers(f); };
    int pages = 0;
    EXPECT_EQ(AllPages<Transfer>(kA, 4, false, fetch, &pages), expected);
    EXPECT_EQ(pages, 3);  // 4 + 4 + 1
    EXPECT_EQ(AllPages<Transfer>(kA, 3, false, fetch, &pages), expected);
    EXPECT_EQ(pages, 4);  // 3 + 3 + 3 + an empty page that says "no more"
    EXPECT_EQ(AllPages<Transfer>(kA, 4, true, fetch, &pages), Reversed(expected));
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(AllPages<Transfer>(kA, 1, true, fetch, &pages), Reversed(expected));
    EXPECT_EQ(pages, 10);
    // One page holds everything when the limit allows; the largest limit is valid.
    EXPECT_EQ(Transfers({kA, 0, 0, 100, false}), expected);
    EXPECT_EQ(Transfers({kA, 0, 0, static_cast<uint32_t>(kHistoryPageMax), true}),
              Reversed(expected));
  }

  void CheckAccountTransferRanges() {
    SCOPED_TRACE("GetAccountTransfers ranges");
    const std::vector<Transfer> e = ExpectedTransfersOf(kA);
    ASSERT_EQ(e.size(), 9u);
    // Both bounds are inclusive.
    EXPECT_EQ(Transfers({kA, e[2].timestamp, e[5].timestamp, 100, false}), Slice(e, 2, 5));
    EXPECT_EQ(Transfers({kA, e[2].timestamp, e[5].timestamp, 100, true}), Reversed(Slice(e, 2, 5)));
    EXPECT_EQ(Transfers({kA, e[2].timestamp + 1, e[5].timestamp - 1, 100, false}), Slice(e, 3, 4));
    // The limit cuts from the start of the direction read.
    EXPECT_EQ(Transfers({kA, e[2].timestamp, e[5].timestamp, 2, false}), Slice(e, 2, 3));
    EXPECT_EQ(Transfers({kA, e[2].timestamp, e[5].timestamp, 2, true}), Reversed(Slice(e, 4, 5)));
    // One bound only (timestamp_max 0 = none).
    EXPECT_EQ(Transfers({kA, e[7].timestamp, 0, 100, false}), Slice(e, 7, 8));
    EXPECT_EQ(Transfers({kA, 0, e[1].timestamp, 100, false}), Slice(e, 0, 1));
    EXPECT_EQ(Transfers({kA, 0, e[1].timestamp, 100, true}), Reversed(Slice(e, 0, 1)));
    // Exactly one timestamp.
    EXPECT_EQ(Transfers({kA, e[4].timestamp, e[4].timestamp, 100, false}), Slice(e, 4, 4));
    // Empty ranges are fine, not errors.
    EXPECT_TRUE(Transfers({kA, 0, e[0].timestamp - 1, 100, false}).empty());
    EXPECT_TRUE(Transfers({kA, e[8].timestamp + 1, 0, 100, true}).empty());
  }

  void CheckAccountTransfersOfOtherAccounts() {
    SCOPED_TRACE("GetAccountTransfers of accounts without history");
    // Transfer lists do not need kAccountHistory; only balances do.
    for (Id id : {kB, kC, kD, kE, kF}) {
      SCOPED_TRACE(::testing::Message() << "account " << id);
      EXPECT_EQ(Transfers({id, 0, 0, 100, false}), ExpectedTransfersOf(id));
      EXPECT_EQ(Transfers({id, 0, 0, 100, true}), Reversed(ExpectedTransfersOf(id)));
    }
  }

  void CheckBalances() {
    SCOPED_TRACE("GetAccountBalances");
    const std::vector<Transfer> transfers = ExpectedTransfersOf(kA);
    ASSERT_EQ(history_.size(), transfers.size());
    for (size_t i = 0; i < history_.size(); ++i) {
      ASSERT_EQ(history_[i].timestamp, transfers[i].timestamp);
    }
    EXPECT_EQ(Balances({kA, 0, 0, 100, false}), history_);
    EXPECT_EQ(Balances({kA, 0, 0, 100, true}), Reversed(history_));
    auto fetch = [this](const HistoryFilter& f) { return Balances(f); };
    int pages = 0;
    EXPECT_EQ(AllPages<AccountBalance>(kA, 2, false, fetch, &pages), history_);
    EXPECT_EQ(pages, 5);
    EXPECT_EQ(AllPages<AccountBalance>(kA, 2, true, fetch, &pages), Reversed(history_));
    EXPECT_EQ(pages, 5);
    EXPECT_EQ(Balances({kA, history_[3].timestamp, history_[6].timestamp, 100, false}),
              Slice(history_, 3, 6));

    // The balance as of t: the last entry with timestamp <= t.
    auto as_of = [this](uint64_t t) { return Balances({kA, 0, t, 1, true}); };
    EXPECT_TRUE(as_of(history_[0].timestamp - 1).empty()) << "before the first change";
    for (size_t k = 0; k < history_.size(); ++k) {
      SCOPED_TRACE(::testing::Message() << "entry " << k);
      EXPECT_EQ(as_of(history_[k].timestamp), std::vector<AccountBalance>{history_[k]});
      const uint64_t just_before_next =
          k + 1 < history_.size() ? history_[k + 1].timestamp - 1 : kMax;
      EXPECT_EQ(as_of(just_before_next), std::vector<AccountBalance>{history_[k]});
    }
    // The last entry is the account's current balance.
    const Account& a = accounts_[kA];
    EXPECT_EQ(history_.back(),
              (AccountBalance{history_.back().timestamp, a.debits_pending, a.debits_posted,
                              a.credits_pending, a.credits_posted}));
  }

  void CheckBalancesNeedHistoryFlag() {
    SCOPED_TRACE("GetAccountBalances without kAccountHistory");
    absl::StatusOr<std::vector<AccountBalance>> r =
        engine_->GetAccountBalances({kB, 0, 0, 10, false});
    EXPECT_FALSE(r.ok()) << "got " << (r.ok() ? r->size() : 0) << " entries";
    std::cout << "GetAccountBalances(account without history): " << r.status() << "\n";
  }

  void CheckInvalidFilters() {
    SCOPED_TRACE("invalid filters");
    const uint32_t too_many = static_cast<uint32_t>(kHistoryPageMax) + 1;
    struct Case {
      const char* name;
      HistoryFilter filter;
    };
    const std::vector<Case> cases = {
        {"limit 0", {kA, 0, 0, 0, false}},
        {"limit 0 reversed", {kA, 0, 0, 0, true}},
        {"limit kHistoryPageMax + 1", {kA, 0, 0, too_many, false}},
        {"limit UINT32_MAX", {kA, 0, 0, std::numeric_limits<uint32_t>::max(), true}},
        {"unknown account", {kMissing, 0, 0, 10, false}},
        {"account id 0", {0, 0, 0, 10, false}},
    };
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      absl::StatusOr<std::vector<Transfer>> t = engine_->GetAccountTransfers(c.filter);
      EXPECT_FALSE(t.ok()) << "got " << (t.ok() ? t->size() : 0) << " transfers";
      std::cout << "GetAccountTransfers(" << c.name << "): " << t.status() << "\n";
      absl::StatusOr<std::vector<AccountBalance>> b = engine_->GetAccountBalances(c.filter);
      EXPECT_FALSE(b.ok()) << "got " << (b.ok() ? b->size() : 0) << " balances";
      std::cout << "GetAccountBalances(" << c.name << "): " << b.status() << "\n";
    }
  }

  void CheckAll() {
    ASSERT_NO_FATAL_FAILURE(CheckLookups());
    ASSERT_NO_FATAL_FAILURE(CheckAccountTransferPaging());
    ASSERT_NO_FATAL_FAILURE(CheckAccountTransferRanges());
    ASSERT_NO_FATAL_FAILURE(CheckAccountTransfersOfOtherAccounts());
    ASSERT_NO_FATAL_FAILURE(CheckBalances());
    ASSERT_NO_FATAL_FAILURE(CheckBalancesNeedHistoryFlag());
    ASSERT_NO_FATAL_FAILURE(CheckInvalidFilters());
  }

  ManualClock clock_{kStartNs};
  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::map<Id, Account> accounts_;       // as the engine should store them now
  std::vector<Id> account_order_;        // creation order
  std::vector<Transfer> transfers_;      // successful transfers, in timestamp order
  std::vector<AccountBalance> history_;  // A's balances after each change
};

TEST_F(QueriesTest, LookupAccountsInOrderAskedSkippingMissing) { CheckLookups(); }

TEST_F(QueriesTest, AccountTransfersPageInBothDirections) { CheckAccountTransferPaging(); }

TEST_F(QueriesTest, AccountTransfersByTimestampRange) { CheckAccountTransferRanges(); }

TEST_F(QueriesTest, AccountTransfersOfAccountsWithoutHistory) {
  CheckAccountTransfersOfOtherAccounts();
}

TEST_F(QueriesTest, AccountBalancesAndBalanceAsOf) { CheckBalances(); }

TEST_F(QueriesTest, AccountBalancesNeedTheHistoryFlag) { CheckBalancesNeedHistoryFlag(); }

TEST_F(QueriesTest, InvalidFiltersAreRejected) { CheckInvalidFilters(); }

TEST_F(QueriesTest, EverythingSurvivesReopen) {
  ASSERT_NO_FATAL_FAILURE(CheckAll());
  const uint64_t last_before = transfers_.back().timestamp;
  ASSERT_TRUE(Reopen());
  {
    SCOPED_TRACE("after the first reopen");
    ASSERT_NO_FATAL_FAILURE(CheckAll());
  }

  // Idempotency survives: the id index, failed ids and original timestamps come back.
  Transfer first = transfers_[0];
  first.timestamp = 0;  // as the client sent it
  absl::StatusOr<std::vector<TransferEventResult>> retry =
      engine_->CreateTransfers({first, MakeTransfer(kFailedId, kA, kMissing, 4)});
  ASSERT_TRUE(retry.ok()) << retry.status();
  ASSERT_EQ(retry->size(), 2u);
  EXPECT_EQ((*retry)[0].result, TR::kExists);
  EXPECT_EQ((*retry)[0].timestamp, transfers_[0].timestamp);
  EXPECT_EQ((*retry)[1].result, TR::kIdAlreadyFailed);
  Account a = accounts_[kA];
  a.timestamp = 0;
  absl::StatusOr<std::vector<AccountEventResult>> account_retry = engine_->CreateAccounts({a});
  ASSERT_TRUE(account_retry.ok()) << account_retry.status();
  ASSERT_EQ(account_retry->size(), 1u);
  EXPECT_EQ((*account_retry)[0].result, AR::kExists);
  EXPECT_EQ((*account_retry)[0].timestamp, accounts_[kA].timestamp);

  // The pending transfer resolved before the reopen stays resolved; the expired one stays
  // expired and is not expired a second time; the closed account stays closed.
  Transfer post = MakeTransfer(T(20), 0, 0, 0, kTransferPostPendingTransfer);
  post.ledger = 0;
  post.code = 0;
  post.pending_id = kPendingId;
  Transfer post_expired = post;
  post_expired.id = T(21);
  post_expired.pending_id = kExpiringId;
  absl::StatusOr<std::vector<TransferEventResult>> resolved =
      engine_->CreateTransfers({post, post_expired, MakeTransfer(T(22), kB, kD, 1)});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  ASSERT_EQ(resolved->size(), 3u);
  EXPECT_EQ((*resolved)[0].result, TR::kPendingTransferAlreadyPosted);
  EXPECT_EQ((*resolved)[1].result, TR::kPendingTransferExpired);
  EXPECT_EQ((*resolved)[2].result, TR::kCreditAccountClosed);
  absl::StatusOr<uint64_t> expired = engine_->ExpirePendingTransfers();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(*expired, 0u);

  // Timestamps go on from the end of the journal even when the clock has gone back an hour.
  clock_.Set(kStartNs - 3600 * kNanosPerSecond);
  ASSERT_NO_FATAL_FAILURE(Apply({MakeTransfer(T(30), kA, kB, 4)}));
  EXPECT_GT(transfers_.back().timestamp, last_before);
  {
    SCOPED_TRACE("after a write on the reopened engine");
    ASSERT_NO_FATAL_FAILURE(CheckLookups());
    EXPECT_EQ(Transfers({kA, 0, 0, 100, false}), ExpectedTransfersOf(kA));
    EXPECT_EQ(Balances({kA, 0, 0, 100, false}), history_);
  }
  ASSERT_TRUE(Reopen());
  {
    SCOPED_TRACE("after the second reopen");
    ASSERT_NO_FATAL_FAILURE(CheckLookups());
    EXPECT_EQ(Transfers({kA, 0, 0, 100, false}), ExpectedTransfersOf(kA));
    EXPECT_EQ(Transfers({kA, 0, 0, 3, true}), Reversed(Slice(ExpectedTransfersOf(kA), 7, 9)));
    EXPECT_EQ(Balances({kA, 0, 0, 100, false}), history_);
    ASSERT_NO_FATAL_FAILURE(CheckInvalidFilters());
  }
}

}  // namespace
}  // namespace points

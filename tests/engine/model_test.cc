// Seeded random workloads run against a real Engine and against the reference model
// (reference_model.h, written from engine/README.md). Every per-event result must equal the
// model's, and every balance must equal the model's after every batch, after the engine is closed
// and reopened, and Verify must pass. A failure prints the seed; POINTS_TEST_SEED=<seed> repeats
// it.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "points/limits.h"
#include "points/results.h"
#include "points/types.h"
#include "tests/engine/reference_model.h"
#include "tests/engine/testing.h"

namespace points {
namespace {

using testing::MakeId;
using testing::ReferenceModel;
using testing::TempDir;
using testing::TestSeed;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kMillis = 1'000'000;

// Ledgers and account codes of the workload.
constexpr uint32_t kPoints = 1;  // households, shops, issuers, funds
constexpr uint32_t kOther = 2;   // a second ledger, for cross-ledger failures
constexpr uint32_t kBig = 3;     // huge amounts, for the overflow checks

std::string IdString(const Id& id) {
  if (absl::Uint128High64(id) == 0) return absl::StrFormat("%d", absl::Uint128Low64(id));
  return absl::StrFormat("%#x:%d", absl::Uint128High64(id), absl::Uint128Low64(id));
}

std::string Describe(const Transfer& t) {
  return absl::StrFormat(
      "{id=%s flags=%#x debit=%s credit=%s amount=%d pending_id=%s ud128=%s ud64=%d ud32=%d "
      "timeout=%d ledger=%d code=%d timestamp=%d}",
      IdString(t.id), t.flags, IdString(t.debit_account_id), IdString(t.credit_account_id),
      t.amount, IdString(t.pending_id), IdString(t.user_data_128), t.user_data_64, t.user_data_32,
      t.timeout, t.ledger, t.code, t.timestamp);
}

std::string Describe(const Account& a) {
  return absl::StrFormat(
      "{id=%s dp=%d dpo=%d cp=%d cpo=%d ud128=%s ud64=%d ud32=%d ledger=%d code=%d flags=%#x}",
      IdString(a.id), a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted,
      IdString(a.user_data_128), a.user_data_64, a.user_data_32, a.ledger, a.code, a.flags);
}

enum class Role { kIssuer, kHousehold, kShop, kFund, kOther, kBig, kClosed, kNone };

struct PlannedAccount {
  Account account;
  Role role = Role::kNone;
};

// Generates the events. It peeks at the model only to aim amounts at the floors and overflow
// boundaries; the model alone decides the expected outcome.
class Workload {
 public:
  Workload(uint64_t seed, const ReferenceModel* model) : rng_(seed), model_(model) {}

  uint64_t Between(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Between(0, v.size() - 1)];
  }

  // ---- Accounts ------------------------------------------------------------------------------

  std::vector<PlannedAccount> InitialAccounts() {
    std::vector<PlannedAccount> out;
    for (int i = 0; i < 2; ++i) out.push_back(NewAccount(Role::kIssuer));
    for (int i = 0; i < 40; ++i) out.push_back(NewAccount(Role::kHousehold));
    for (int i = 0; i < 10; ++i) out.push_back(NewAccount(Role::kShop));
    for (int i = 0; i < 3; ++i) out.push_back(NewAccount(Role::kFund));
    for (int i = 0; i < 4; ++i) out.push_back(NewAccount(Role::kOther));
    for (int i = 0; i < 4; ++i) out.push_back(NewAccount(Role::kBig));
    for (int i = 0; i < 2; ++i) out.push_back(NewAccount(Role::kClosed));
    return out;
  }

  // New accounts (replacing closed ones, fresh big accounts), replays and invalid accounts.
  std::vector<PlannedAccount> MoreAccounts() {
    std::vector<PlannedAccount> out;
    const uint64_t fresh = Between(1, 4);
    for (uint64_t i = 0; i < fresh; ++i) {
      const uint64_t r = Between(0, 9);
      out.push_back(NewAccount(r < 5 ? Role::kHousehold : r < 7 ? Role::kShop : Role::kBig));
    }
    const uint64_t replays = Between(0, 3);
    for (uint64_t i = 0; i < replays && !model_->accounts().empty(); ++i) {
      out.push_back({ReplayAccount(), Role::kNone});
    }
    if (Chance(0.4)) out.push_back({InvalidAccount(), Role::kNone});
    if (Chance(0.3)) {  // a linked chain of accounts, sometimes with a bad member
      PlannedAccount a = NewAccount(Role::kHousehold);
      PlannedAccount b = NewAccount(Role::kShop);
      a.account.flags |= kAccountLinked;
      if (Chance(0.5)) b.account.ledger = 0;
      out.push_back(a);
      out.push_back(b);
    }
    if (Chance(0.05)) out.back().account.flags |= kAccountLinked;  // open chain
    return out;
  }

  // Files the accounts the model created under their roles.
  void AccountsApplied(const std::vector<PlannedAccount>& planned,
                       const std::vector<CreateAccountResult>& results) {
    for (size_t i = 0; i < planned.size(); ++i) {
      if (results[i] != CreateAccountResult::kOk) continue;
      const Id id = planned[i].account.id;
      switch (planned[i].role) {
        case Role::kIssuer:
          issuers_.push_back(id);
          break;
        case Role::kHousehold:
          households_.push_back(id);
          break;
        case Role::kShop:
          shops_.push_back(id);
          break;
        case Role::kFund:
          funds_.push_back(id);
          break;
        case Role::kOther:
          others_.push_back(id);
          break;
        case Role::kBig:
          big_.push_back(id);
          break;
        case Role::kClosed:
          closed_.push_back(id);
          break;
        case Role::kNone:
          break;
      }
    }
  }

  std::vector<Id> CloseCandidates() {
    std::vector<Id> ids;
    const uint64_t n = Between(1, 3);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t r = Between(0, 19);
      if (r < 8) {  // an account without pending balances, so that the close succeeds
        std::vector<Id> settled;
        for (size_t k = kHotHouseholds; k < households_.size(); ++k) {
          const Account& a = AccountOf(households_[k]);
          if (a.debits_pending == 0 && a.credits_pending == 0) settled.push_back(a.id);
        }
        if (settled.size() > 3) {
          ids.push_back(Pick(settled));
          continue;
        }
      }
      if (r < 10 && households_.size() > kHotHouseholds + 5) {
        ids.push_back(households_[Between(kHotHouseholds, households_.size() - 1)]);
      } else if (r < 14 && shops_.size() > kHotShops + 3) {
        ids.push_back(shops_[Between(kHotShops, shops_.size() - 1)]);
      } else if (r < 15 && big_.size() > 4) {
        ids.push_back(Pick(big_));
      } else if (r < 17) {
        ids.push_back(Pick(closed_));
      } else if (r < 18) {
        ids.push_back(0);
      } else {
        ids.push_back(MissingAccount());
      }
    }
    return ids;
  }

  void Closed(const std::vector<Id>& ids, const std::vector<CloseAccountResult>& results) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (results[i] != CloseAccountResult::kOk) continue;
      for (std::vector<Id>* list : {&households_, &shops_, &big_}) {
        list->erase(std::remove(list->begin(), list->end(), ids[i]), list->end());
      }
      closed_.push_back(ids[i]);
    }
  }

  // ---- Transfers -----------------------------------------------------------------------------

  std::vector<Transfer> NextBatch(uint64_t now) {
    now_ = now;
    open_pendings_.assign(model_->open_pending().begin(), model_->open_pending().end());
    const uint64_t r = Between(0, 9);
    const size_t size = r < 4 ? Between(1, 10) : r < 8 ? Between(11, 200) : Between(201, 500);
    std::vector<Transfer> batch;
    while (batch.size() < size) {
      const size_t room = size - batch.size();
      if (room >= 2 && Chance(0.12)) {
        const size_t k = Between(2, std::min<size_t>(5, room));
        for (size_t j = 0; j < k; ++j) {
          Transfer t = Single(/*in_chain=*/true);
          if (j + 1 < k) {
            t.flags |= kTransferLinked;
          } else {
            t.flags &= ~kTransferLinked;
          }
          batch.push_back(t);
        }
      } else if (!batch.empty() && Chance(0.03)) {  // an id of this very batch again
        Transfer t = batch[Between(0, batch.size() - 1)];
        if (Chance(0.3)) t.user_data_32 += 1;
        batch.push_back(t);
      } else {
        batch.push_back(Single(/*in_chain=*/false));
      }
    }
    if (Chance(0.03)) batch.back().flags |= kTransferLinked;  // an open chain
    for (const Transfer& t : batch) {
      history_.push_back(t);
      if ((t.flags & kTransferPending) != 0 && t.pending_id == 0) pendings_.push_back(t);
    }
    return batch;
  }

  // Identical replays of old events, for after a reopen.
  std::vector<Transfer> ReplayBatch(size_t n) {
    std::vector<Transfer> batch;
    for (size_t i = 0; i < n; ++i) batch.push_back(Pick(history_));
    return batch;
  }

  std::vector<Id> AllTransferIds() const {
    std::vector<Id> ids;
    ids.reserve(history_.size());
    for (const Transfer& t : history_) ids.push_back(t.id);
    return ids;
  }

 private:
  static constexpr size_t kHotHouseholds = 3;
  static constexpr size_t kHotShops = 2;

  PlannedAccount NewAccount(Role role) {
    Account a;
    a.id = MakeId(0xACC, ++next_account_);
    a.user_data_128 = MakeId(rng_(), rng_());
    a.user_data_64 = rng_();
    a.user_data_32 = static_cast<uint32_t>(rng_());
    a.ledger = kPoints;
    const uint16_t history = Chance(0.2) ? kAccountHistory : 0;
    switch (role) {
      case Role::kIssuer:
        a.code = 1;
        a.flags = history;
        break;
      case Role::kHousehold:
        a.code = 2;
        a.flags = kAccountDebitsMustNotExceedCredits | history;
        break;
      case Role::kShop:
        a.code = 3;
        a.flags = history;
        break;
      case Role::kFund:
        a.code = 4;
        a.flags = kAccountCreditsMustNotExceedDebits | history;
        break;
      case Role::kOther:
        a.ledger = kOther;
        a.code = 2;
        a.flags = others_planned_++ == 0 ? 0 : kAccountDebitsMustNotExceedCredits;
        break;
      case Role::kBig:
        a.ledger = kBig;
        a.code = 5;
        break;
      case Role::kClosed:
        a.code = 2;
        a.flags = kAccountClosed;
        break;
      case Role::kNone:
        break;
    }
    return {a, role};
  }

  Account ReplayAccount() {
    auto it = model_->accounts().begin();
    std::advance(it, Between(0, model_->accounts().size() - 1));
    Account a = it->second.account;
    a.flags = it->second.created_flags;
    a.debits_pending = a.debits_posted = a.credits_pending = a.credits_posted = 0;
    a.timestamp = 0;
    switch (Between(0, 9)) {
      case 0:
        a.flags ^= kAccountHistory;
        break;
      case 1:
        a.user_data_128 += 1;
        break;
      case 2:
        a.user_data_64 ^= 0x40;
        break;
      case 3:
        a.user_data_32 += 7;
        break;
      case 4:
        a.ledger = a.ledger == kPoints ? kOther : kPoints;
        break;
      case 5:
        a.code += 1;
        break;
      case 6:
        a.credits_posted = 5;  // the id index is checked before the balances
        a.user_data_32 += Between(0, 1);
        break;
      default:
        break;  // identical: exists
    }
    return a;
  }

  Account InvalidAccount() {
    Account a = NewAccount(Role::kHousehold).account;
    switch (Between(0, 9)) {
      case 0:
        a.timestamp = 1;
        break;
      case 1:
        a.flags |= 1u << 9;
        break;
      case 2:
        a.id = 0;
        break;
      case 3:
        a.flags |= kAccountCreditsMustNotExceedDebits;
        break;
      case 4:
        a.debits_pending = 1;
        break;
      case 5:
        a.debits_posted = 2;
        a.credits_posted = 2;
        break;
      case 6:
        a.credits_pending = 3;
        break;
      case 7:
        a.credits_posted = 4;
        a.ledger = 0;
        break;
      case 8:
        a.ledger = 0;
        a.code = 0;
        break;
      default:
        a.code = 0;
        break;
    }
    return a;
  }

  Id MissingAccount() { return MakeId(0xACC, 0xF000'0000 + Between(0, 1000)); }
  Id NewTransferId() { return MakeId(0x7F, ++next_transfer_); }

  Id Household() {
    if (Chance(0.6)) return households_[Between(0, kHotHouseholds - 1)];
    return Pick(households_);
  }
  Id Shop() {
    if (Chance(0.6)) return shops_[Between(0, kHotShops - 1)];
    return Pick(shops_);
  }
  Id Issuer() { return Chance(0.8) ? issuers_[0] : Pick(issuers_); }

  // An account other than the given ones, from ledger kPoints or a missing one.
  Id OtherAccount(const Id& a, const Id& b, const Id& c = 0) {
    for (;;) {
      const uint64_t r = Between(0, 3);
      const Id id = r == 0 ? Shop() : r == 1 ? Household() : r == 2 ? Issuer() : MissingAccount();
      if (id != a && id != b && id != c) return id;
    }
  }

  const Account& AccountOf(const Id& id) { return model_->FindAccount(id)->account; }

  // Amounts at and around what a household can still spend, or a plain random amount.
  uint64_t NearAvailable(const Id& household) {
    if (Chance(0.5)) return Between(1, 300);
    const Account& a = AccountOf(household);
    const uint64_t used = a.debits_pending + a.debits_posted;
    const uint64_t available = a.credits_posted > used ? a.credits_posted - used : 0;
    const uint64_t r = Between(0, 3);
    const uint64_t amount = r == 0   ? available - std::min<uint64_t>(available, 1)
                            : r == 3 ? available + 1
                                     : available;
    return std::max<uint64_t>(amount, 1);
  }

  uint32_t PendingTimeout() {
    const uint64_t r = Between(0, 99);
    if (r < 45) return 0;
    if (r < 90) return static_cast<uint32_t>(Between(1, 20));
    if (r < 95) return static_cast<uint32_t>(Between(21, 600));
    // Huge: beyond 2^64 - 1 when the clock is high. Keep away from the exact boundary.
    const absl::uint128 boundary = (absl::uint128(kMax) - now_) / kNanosPerSecond;
    for (;;) {
      const uint64_t t = Between(1'000'000'000, std::numeric_limits<uint32_t>::max());
      const absl::uint128 d = t > boundary ? t - boundary : boundary - t;
      if (d > 100'000) return static_cast<uint32_t>(t);
    }
  }

  Transfer Base(const Id& debit, const Id& credit, uint64_t amount, uint32_t ledger) {
    Transfer t;
    t.id = NewTransferId();
    t.debit_account_id = debit;
    t.credit_account_id = credit;
    t.amount = amount;
    t.user_data_128 = MakeId(0, rng_());
    t.user_data_64 = rng_();
    t.user_data_32 = static_cast<uint32_t>(rng_());
    t.ledger = ledger;
    t.code = static_cast<uint16_t>(Between(1, 5));
    return t;
  }

  Transfer Single(bool in_chain) {
    if (in_chain && Chance(0.5)) return LikelyOk();
    const uint64_t r = Between(0, 99);
    if (r < 13) return Base(Issuer(), Household(), Between(1, 2000), kPoints);  // award
    if (r < 31) {  // spend, at and beyond the floor
      const Id h = Household();
      const Id to = Chance(0.7) ? Shop() : OtherAccount(h, Issuer());
      return Base(h, to, NearAvailable(h), kPoints);
    }
    if (r < 36) return Base(Shop(), Issuer(), Between(1, 500), kPoints);  // redeem
    if (r < 40) {  // into a fund: credits must not exceed debits
      const Id f = Pick(funds_);
      const Account& a = AccountOf(f);
      const uint64_t room =
          a.debits_posted - std::min(a.debits_posted, a.credits_posted + a.credits_pending);
      const uint64_t amount = Chance(0.5) ? Between(1, 300) : room + Between(0, 2) - 1;
      return Base(Chance(0.5) ? Issuer() : Shop(), f, std::max<uint64_t>(amount, 1), kPoints);
    }
    if (r < 43) return Base(Pick(funds_), Shop(), Between(1, 800), kPoints);
    if (r < 55) return NewPending();
    if (r < 65) return Resolve(/*post=*/true);
    if (r < 71) return Resolve(/*post=*/false);
    if (r < 73) return ResolveWrongTarget();
    if (r < 76) return ToMissing();
    if (r < 79) return WrongLedgerOrClosed();
    if (r < 85) return BigLedger();
    if (r < 87) return Invalid();
    if (history_.empty() || (in_chain && Chance(0.7))) return NewPending();
    if (r < 95) return Pick(RecentHistory());  // identical replay
    return MutatedReplay();
  }

  // Events that mostly succeed, so that chains succeed often enough.
  Transfer LikelyOk() {
    const uint64_t r = Between(0, 9);
    if (r < 4) return Base(Issuer(), Household(), Between(1, 100), kPoints);
    if (r < 6) {
      const Id h = Household();
      const Account& a = AccountOf(h);
      const uint64_t used = a.debits_pending + a.debits_posted;
      const uint64_t available = a.credits_posted > used ? a.credits_posted - used : 0;
      return Base(h, Shop(), std::max<uint64_t>(1, available / 8), kPoints);
    }
    if (r < 8 || open_pendings_.empty()) {
      Transfer t = Base(Issuer(), Shop(), Between(1, 100), kPoints);
      t.flags = kTransferPending;
      return t;
    }
    Transfer t = Base(0, 0, 0, 0);
    t.code = 0;
    t.flags = Chance(0.7) ? kTransferPostPendingTransfer : kTransferVoidPendingTransfer;
    t.pending_id = Pick(open_pendings_);
    return t;
  }

  const std::vector<Transfer>& RecentHistory() {
    recent_.clear();
    const size_t n = history_.size();
    if (Chance(0.5) || n < 2000) {
      recent_.push_back(history_[Between(0, n - 1)]);
    } else {
      recent_.push_back(history_[Between(n - 2000, n - 1)]);
    }
    return recent_;
  }

  Transfer NewPending() {
    Transfer t;
    if (Chance(0.7)) {
      const Id h = Household();
      t = Base(h, Shop(), NearAvailable(h), kPoints);
    } else {
      t = Base(Issuer(), Household(), Between(1, 1000), kPoints);
    }
    t.flags = kTransferPending;
    t.timeout = PendingTimeout();
    return t;
  }

  // A post or void of a pending transfer seen before (resolved, expired, failed or open).
  Transfer Resolve(bool post) {
    if (pendings_.empty()) return NewPending();
    const size_t n = pendings_.size();
    const uint64_t which = Between(0, 9);
    const Transfer& p = which < 5 && !open_pendings_.empty()
                            ? model_->FindTransfer(Pick(open_pendings_))->event
                        : which < 9 ? pendings_[Between(n > 300 ? n - 300 : 0, n - 1)]
                                    : Pick(pendings_);
    Transfer t = Base(0, 0, 0, 0);
    t.code = 0;
    t.flags = post ? kTransferPostPendingTransfer : kTransferVoidPendingTransfer;
    t.pending_id = p.id;
    const uint64_t r = Between(0, 99);
    if (post) {
      if (r < 35) {
        t.amount = 0;
      } else if (r < 65) {
        t.amount = p.amount > 1 ? Between(1, p.amount - 1) : 1;
      } else if (r < 85) {
        t.amount = p.amount;
      } else if (r < 90) {
        t.amount = p.amount + Between(1, 10);
      }
    } else {
      t.amount = r < 60 ? 0 : r < 92 ? p.amount : p.amount + Between(1, 3);
    }
    auto field = [&](const Id& right) -> Id {
      const uint64_t f = Between(0, 99);
      if (f < 60) return 0;
      if (f < 94) return right;
      return OtherAccount(p.debit_account_id, p.credit_account_id);
    };
    t.debit_account_id = field(p.debit_account_id);
    t.credit_account_id = field(p.credit_account_id);
    const uint64_t l = Between(0, 99);
    t.ledger = l < 70 ? 0 : l < 97 ? p.ledger : (p.ledger == kPoints ? kOther : kPoints);
    const uint64_t c = Between(0, 99);
    t.code = c < 70 ? 0 : c < 97 ? p.code : static_cast<uint16_t>(p.code + 10);
    return t;
  }

  // A post or void of something that is not a pending transfer (or not even a transfer).
  Transfer ResolveWrongTarget() {
    Transfer t = Base(0, 0, 0, 0);
    t.code = 0;
    t.flags = Chance(0.5) ? kTransferPostPendingTransfer : kTransferVoidPendingTransfer;
    t.pending_id = history_.empty() || Chance(0.3) ? MakeId(0x7F, 0xFFFF'0000 + Between(0, 99))
                                                   : Pick(history_).id;
    if (t.pending_id == t.id) t.pending_id += 1;
    return t;
  }

  Transfer ToMissing() {
    const uint64_t r = Between(0, 2);
    if (r == 0) return Base(MissingAccount(), Shop(), Between(1, 100), kPoints);
    if (r == 1) return Base(Issuer(), MissingAccount(), Between(1, 100), kPoints);
    Transfer t = Base(MissingAccount(), MissingAccount(), Between(1, 100), kPoints);
    if (t.debit_account_id == t.credit_account_id) t.credit_account_id += 1;
    if (Chance(0.5)) t.flags = kTransferPending;
    return t;
  }

  Transfer WrongLedgerOrClosed() {
    switch (Between(0, 5)) {
      case 0:  // accounts on different ledgers
        return Base(Household(), Pick(others_), Between(1, 10), kPoints);
      case 1:  // the transfer's ledger is not the accounts'
        return Base(Issuer(), Household(), Between(1, 10), kOther);
      case 2: {  // traffic on the second ledger, with a floor
        const size_t d = Between(0, others_.size() - 1);
        const size_t c = (d + Between(1, others_.size() - 1)) % others_.size();
        return Base(others_[d], others_[c], Between(1, 500), kOther);
      }
      case 3:
        return Base(Pick(closed_), Shop(), Between(1, 10), kPoints);
      case 4: {
        Transfer t = Base(Issuer(), Pick(closed_), Between(1, 10), kPoints);
        if (Chance(0.5)) t.flags = kTransferPending;
        return t;
      }
      default:
        return Base(Pick(closed_), Pick(closed_), Between(1, 10), kPoints);
    }
  }

  // Amounts at the overflow boundaries of the big accounts.
  Transfer BigLedger() {
    if (big_.size() < 2) return NewPending();
    const Id d = Pick(big_);
    Id c = Pick(big_);
    if (c == d) c = big_[(std::find(big_.begin(), big_.end(), d) - big_.begin() + 1) % big_.size()];
    const Account& da = AccountOf(d);
    const Account& ca = AccountOf(c);
    const bool pending = Chance(0.35);
    uint64_t amount = 0;
    const uint64_t r = Between(0, 9);
    if (r < 3) {
      amount = Between(uint64_t{1} << 60, uint64_t{1} << 63);
    } else if (r < 8) {
      uint64_t used = 0;
      switch (Between(0, 5)) {
        case 0:
          used = da.debits_pending;
          break;
        case 1:
          used = ca.credits_pending;
          break;
        case 2:
          used = da.debits_posted;
          break;
        case 3:
          used = ca.credits_posted;
          break;
        case 4:
          used = da.debits_pending + std::min(da.debits_posted, kMax - da.debits_pending);
          break;
        default:
          used = ca.credits_pending + std::min(ca.credits_posted, kMax - ca.credits_pending);
          break;
      }
      amount = kMax - used + Between(0, 1);  // may wrap to 0: amount_must_not_be_zero
    } else {
      amount = Between(1, 1000);
    }
    Transfer t = Base(d, c, amount, kBig);
    if (pending) {
      t.flags = kTransferPending;
      t.timeout = Chance(0.8) ? 0 : static_cast<uint32_t>(Between(1, 20));
    }
    return t;
  }

  Transfer Invalid() {
    Transfer t = Base(Issuer(), Household(), Between(1, 50), kPoints);
    switch (Between(0, 13)) {
      case 0:
        t.timestamp = 12345;
        break;
      case 1:
        t.flags = 1u << 7;
        break;
      case 2:
        t.id = 0;
        break;
      case 3:
        t.flags = kTransferPending | kTransferVoidPendingTransfer;
        break;
      case 4:
        t.debit_account_id = 0;
        break;
      case 5:
        t.credit_account_id = 0;
        t.amount = 0;
        break;
      case 6:
        t.credit_account_id = t.debit_account_id;
        break;
      case 7:
        t.pending_id = MakeId(0x7F, 1);
        break;
      case 8:
        t.flags = kTransferPostPendingTransfer;
        t.pending_id = 0;
        break;
      case 9:
        t.flags = kTransferVoidPendingTransfer;
        t.pending_id = t.id;
        break;
      case 10:
        t.timeout = 5;
        break;
      case 11:
        t.ledger = 0;
        break;
      case 12:
        t.code = 0;
        break;
      default:
        t.amount = 0;
        break;
    }
    return t;
  }

  // An old id with one or two fields changed. For posts and voids, where a zero account, ledger,
  // code or amount stands for the pending transfer's value, a changed field never takes 0 or the
  // pending transfer's value: either reading of "the same field" then sees a difference.
  Transfer MutatedReplay() {
    Transfer t = Pick(RecentHistory());
    const bool resolves =
        (t.flags & (kTransferPostPendingTransfer | kTransferVoidPendingTransfer)) != 0;
    Transfer p;  // the pending transfer a post or void refers to, when there is one
    if (resolves) {
      if (const auto* e = model_->FindTransfer(t.pending_id); e != nullptr) p = e->event;
    }
    const int changes = Chance(0.8) ? 1 : 2;
    for (int i = 0; i < changes; ++i) {
      switch (Between(0, 10)) {
        case 0:
          t.flags ^= static_cast<uint16_t>(1u << Between(1, 3));
          break;
        case 1:
          t.debit_account_id = OtherAccount(t.debit_account_id, p.debit_account_id);
          break;
        case 2:
          t.credit_account_id = OtherAccount(t.credit_account_id, p.credit_account_id);
          break;
        case 3: {
          uint64_t a = t.amount + Between(1, 50);
          while (a == 0 || a == p.amount) ++a;
          t.amount = a;
          break;
        }
        case 4:
          t.pending_id =
              t.pending_id == 0 ? MakeId(0x7F, Between(1, next_transfer_)) : t.pending_id + 1;
          break;
        case 5:
          t.user_data_128 += 1;
          break;
        case 6:
          t.user_data_64 ^= uint64_t{1} << Between(0, 63);
          break;
        case 7:
          t.user_data_32 += 1;
          break;
        case 8:
          t.timeout += static_cast<uint32_t>(Between(1, 5));
          break;
        case 9: {
          uint32_t l = t.ledger + 1;
          while (l == 0 || l == p.ledger) ++l;
          t.ledger = l;
          break;
        }
        default: {
          uint16_t c = static_cast<uint16_t>(t.code + 1);
          while (c == 0 || c == p.code) ++c;
          t.code = c;
          break;
        }
      }
    }
    return t;
  }

  std::mt19937_64 rng_;
  const ReferenceModel* model_;
  uint64_t now_ = 0;
  uint64_t next_account_ = 0;
  uint64_t next_transfer_ = 0;
  int others_planned_ = 0;
  std::vector<Id> issuers_, households_, shops_, funds_, others_, big_, closed_;
  std::vector<Transfer> history_;   // every transfer event submitted
  std::vector<Transfer> pendings_;  // every new pending transfer submitted
  std::vector<Transfer> recent_;
  std::vector<Id> open_pendings_;  // the model's open pending transfers before this batch
};

// Every account of the model, looked up in the engine, must equal the model's (all but timestamp).
::testing::AssertionResult BalancesMatch(const Engine& engine, const ReferenceModel& model) {
  std::vector<Id> ids;
  for (const auto& [id, entry] : model.accounts()) ids.push_back(id);
  for (size_t start = 0; start < ids.size(); start += kLookupIdsMax) {
    const size_t end = std::min(ids.size(), start + kLookupIdsMax);
    absl::StatusOr<std::vector<Account>> got =
        engine.LookupAccounts(absl::MakeConstSpan(ids.data() + start, end - start));
    if (!got.ok()) return ::testing::AssertionFailure() << "LookupAccounts: " << got.status();
    if (got->size() != end - start) {
      return ::testing::AssertionFailure()
             << "LookupAccounts found " << got->size() << " of " << end - start << " accounts";
    }
    for (size_t i = start; i < end; ++i) {
      Account g = (*got)[i - start];
      const Account& want = model.FindAccount(ids[i])->account;
      if (g.timestamp == 0) {
        return ::testing::AssertionFailure() << "account without timestamp: " << Describe(g);
      }
      g.timestamp = 0;
      if (!(g == want)) {
        return ::testing::AssertionFailure()
               << "account differs\n  model:  " << Describe(want) << "\n  engine: " << Describe(g);
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// Every id ever submitted: the model's successful transfers are found with their fields, every
// other id is not.
::testing::AssertionResult TransfersMatch(const Engine& engine, const ReferenceModel& model,
                                          std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove(ids.begin(), ids.end(), Id{0}), ids.end());
  uint64_t found = 0;
  for (size_t start = 0; start < ids.size(); start += kLookupIdsMax) {
    const size_t end = std::min(ids.size(), start + kLookupIdsMax);
    std::vector<Id> asked;
    std::vector<const ReferenceModel::TransferEntry*> expected;
    for (size_t i = start; i < end; ++i) {
      asked.push_back(ids[i]);
      const ReferenceModel::TransferEntry* e = model.FindTransfer(ids[i]);
      if (e != nullptr && !e->failed) expected.push_back(e);
    }
    absl::StatusOr<std::vector<Transfer>> got = engine.LookupTransfers(asked);
    if (!got.ok()) return ::testing::AssertionFailure() << "LookupTransfers: " << got.status();
    if (got->size() != expected.size()) {
      return ::testing::AssertionFailure() << "LookupTransfers found " << got->size()
                                           << " transfers, the model has " << expected.size();
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      const Transfer& g = (*got)[i];
      const ReferenceModel::TransferEntry& e = *expected[i];
      Transfer want = e.event;
      Transfer have = g;
      if (have.timestamp == 0) {
        return ::testing::AssertionFailure() << "transfer without timestamp: " << Describe(g);
      }
      have.timestamp = 0;
      // A post or void may be stored with the zero fields filled from its pending transfer.
      if ((want.flags & (kTransferPostPendingTransfer | kTransferVoidPendingTransfer)) != 0) {
        if (want.debit_account_id == 0 && have.debit_account_id == e.resolved_debit) {
          have.debit_account_id = 0;
        }
        if (want.credit_account_id == 0 && have.credit_account_id == e.resolved_credit) {
          have.credit_account_id = 0;
        }
        if (want.ledger == 0 && have.ledger == e.resolved_ledger) have.ledger = 0;
        if (want.code == 0 && have.code == e.resolved_code) have.code = 0;
        if (want.amount == 0 && have.amount == e.resolved_amount) have.amount = 0;
      }
      if (!(have == want)) {
        return ::testing::AssertionFailure()
               << "transfer differs\n  model:  " << Describe(want) << "\n  engine: " << Describe(g);
      }
    }
    found += got->size();
  }
  if (found != model.ok_transfers()) {
    return ::testing::AssertionFailure()
           << "found " << found << " transfers, the model has " << model.ok_transfers();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult StatsMatch(const Engine& engine, const ReferenceModel& model) {
  const EngineStats stats = engine.Stats();
  if (stats.accounts != model.accounts().size() || stats.transfers != model.ok_transfers() ||
      stats.failed_ids != model.failed_ids() || stats.pending_open != model.open_pending().size()) {
    return ::testing::AssertionFailure() << absl::StrFormat(
               "stats: engine accounts=%d transfers=%d failed_ids=%d pending=%d; "
               "model accounts=%d transfers=%d failed_ids=%d pending=%d",
               stats.accounts, stats.transfers, stats.failed_ids, stats.pending_open,
               model.accounts().size(), model.ok_transfers(), model.failed_ids(),
               model.open_pending().size());
  }
  return ::testing::AssertionSuccess();
}

// The events around a differing result: its chain, or its neighbours.
std::string Context(const std::vector<Transfer>& batch,
                    const std::vector<CreateTransferResult>& want,
                    const std::vector<TransferEventResult>& got, size_t at) {
  size_t first = at;
  while (first > 0 && (batch[first - 1].flags & kTransferLinked) != 0) --first;
  size_t last = at;
  while (last + 1 < batch.size() && (batch[last].flags & kTransferLinked) != 0) ++last;
  first = std::min(first, at > 2 ? at - 2 : 0);
  last = std::max(last, std::min(batch.size() - 1, at + 2));
  std::string out;
  for (size_t i = first; i <= last; ++i) {
    absl::StrAppendFormat(&out, "  [%d] %s expected %s got %s\n", i, Describe(batch[i]),
                          ResultName(want[i]), ResultName(got[i].result));
  }
  return out;
}

class ModelRun {
 public:
  ModelRun(uint64_t seed, uint64_t clock_base)
      : seed_(seed), clock_base_(clock_base), clock_(clock_base), workload_(seed, &model_) {}

  void Run(size_t events_min) {
    options_.clock = &clock_;
    // The test expires pending transfers itself (ExpirePendingTransfers), at known clock times.
    options_.expiry_poll_interval_ms = uint64_t{24} * 3600 * 1000;
    absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(options_, dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.status();
    engine_ = *std::move(opened);

    std::vector<PlannedAccount> initial = workload_.InitialAccounts();
    ASSERT_NO_FATAL_FAILURE(ApplyAccounts(initial));
    for (const CreateAccountResult r : last_account_results_) {
      ASSERT_EQ(r, CreateAccountResult::kOk);
    }

    size_t events = 0;
    size_t batches = 0;
    while (events < events_min) {
      ++batches;
      AdvanceClock();
      // Due pending transfers are expired on demand, or by the writer before the next group.
      if (workload_.Chance(0.5)) {
        ASSERT_NO_FATAL_FAILURE(Expire());
      }
      if (workload_.Chance(0.01)) {
        const std::vector<Id> ids = workload_.CloseCandidates();
        const std::vector<CloseAccountResult> want = model_.CloseAccounts(ids, clock_.NowNanos());
        absl::StatusOr<std::vector<CloseAccountResult>> got = engine_->CloseAccounts(ids);
        ASSERT_TRUE(got.ok()) << got.status();
        ASSERT_EQ(got->size(), ids.size());
        for (size_t i = 0; i < ids.size(); ++i) {
          ++close_counts_[static_cast<uint32_t>(want[i])];
          ASSERT_EQ((*got)[i], want[i]) << "CloseAccounts " << IdString(ids[i]) << ": expected "
                                        << ResultName(want[i]) << ", got " << ResultName((*got)[i]);
        }
        workload_.Closed(ids, want);
      }
      if (workload_.Chance(0.02)) {
        std::vector<PlannedAccount> more = workload_.MoreAccounts();
        ASSERT_NO_FATAL_FAILURE(ApplyAccounts(more));
      }
      if (workload_.Chance(0.15)) {  // several batches at once, likely one group
        std::vector<std::vector<Transfer>> group;
        const uint64_t n = workload_.Between(2, 6);
        for (uint64_t b = 0; b < n; ++b) {
          group.push_back(workload_.NextBatch(clock_.NowNanos()));
          events += group.back().size();
        }
        ASSERT_NO_FATAL_FAILURE(ApplyTransferGroup(group, batches, /*submit=*/true));
        batches += n - 1;
      } else {
        const std::vector<Transfer> batch = workload_.NextBatch(clock_.NowNanos());
        ASSERT_NO_FATAL_FAILURE(ApplyTransfers(batch, batches));
        events += batch.size();
      }
      ASSERT_TRUE(BalancesMatch(*engine_, model_)) << "after batch " << batches;
      if (batches % 200 == 0) {
        ASSERT_TRUE(StatsMatch(*engine_, model_));
      }
    }

    // The end: every transfer id, the stats, then the same after a close and reopen.
    ASSERT_TRUE(TransfersMatch(*engine_, model_, workload_.AllTransferIds()));
    ASSERT_TRUE(StatsMatch(*engine_, model_));
    engine_.reset();
    opened = Engine::Open(options_, dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.status();
    engine_ = *std::move(opened);
    ASSERT_TRUE(BalancesMatch(*engine_, model_)) << "after reopen";
    ASSERT_TRUE(StatsMatch(*engine_, model_)) << "after reopen";
    ASSERT_TRUE(TransfersMatch(*engine_, model_, workload_.AllTransferIds())) << "after reopen";
    VerifyReport report;
    const absl::Status verified = engine_->Verify(&report);
    ASSERT_TRUE(verified.ok()) << verified;
    EXPECT_EQ(report.accounts, model_.accounts().size());
    EXPECT_EQ(report.transfers, model_.ok_transfers());

    // Idempotency survives the reopen; the ledger goes on where it stopped.
    AdvanceClock();
    ASSERT_NO_FATAL_FAILURE(ApplyTransfers(workload_.ReplayBatch(500), batches + 1));
    ASSERT_NO_FATAL_FAILURE(Expire());
    ASSERT_NO_FATAL_FAILURE(ApplyTransfers(workload_.NextBatch(clock_.NowNanos()), batches + 2));
    ASSERT_TRUE(BalancesMatch(*engine_, model_)) << "after reopen and more batches";
    ASSERT_TRUE(engine_->Verify().ok());
    std::printf("seed %llu: %zu batches, %zu events, %llu transfers, %llu failed ids\n",
                static_cast<unsigned long long>(seed_), batches, events,
                static_cast<unsigned long long>(model_.ok_transfers()),
                static_cast<unsigned long long>(model_.failed_ids()));
    std::string histogram;
    for (uint32_t code = 0; code < kCreateTransferResultCount; ++code) {
      if (result_counts_[code] == 0) continue;
      absl::StrAppendFormat(&histogram, " %s=%d",
                            ResultName(static_cast<CreateTransferResult>(code)),
                            result_counts_[code]);
    }
    std::printf("results:%s\n", histogram.c_str());
    histogram.clear();
    for (uint32_t code = 0; code < kCreateAccountResultCount; ++code) {
      if (account_counts_[code] == 0) continue;
      absl::StrAppendFormat(&histogram, " %s=%d",
                            ResultName(static_cast<CreateAccountResult>(code)),
                            account_counts_[code]);
    }
    for (uint32_t code = 0; code < kCloseAccountResultCount; ++code) {
      if (close_counts_[code] == 0) continue;
      absl::StrAppendFormat(&histogram, " close:%s=%d",
                            ResultName(static_cast<CloseAccountResult>(code)), close_counts_[code]);
    }
    const EngineStats stats = engine_->Stats();
    std::printf("accounts:%s; expired on demand %llu; %.1f events per group\n", histogram.c_str(),
                static_cast<unsigned long long>(expired_on_demand_),
                stats.groups_committed == 0
                    ? 0.0
                    : static_cast<double>(stats.events_committed) / stats.groups_committed);

    // The workload reaches every transfer result but the capacity ones (and overflows_timeout
    // needs a clock near 2^64 ns), and the accounts' life cycle.
    for (uint32_t code = 0; code <= 55; ++code) {
      const auto r = static_cast<CreateTransferResult>(code);
      if (r == CreateTransferResult::kOverflowsTimeout && clock_base_ < kMax / 2) continue;
      EXPECT_GT(result_counts_[code], 0u) << "the workload never produced " << ResultName(r);
    }
    EXPECT_GT(account_counts_[static_cast<uint32_t>(CreateAccountResult::kExists)], 0u);
    EXPECT_GT(close_counts_[static_cast<uint32_t>(CloseAccountResult::kOk)], 0u);
    EXPECT_GT(expired_on_demand_, 0u);
  }

 private:
  // A little time between batches, now and then past pending timeouts; never within a
  // millisecond of a pending transfer's expiry, where the engine's timestamps (a few nanoseconds
  // after the clock) and the model's clock-based expiry could disagree.
  void AdvanceClock() {
    if (workload_.Chance(0.03)) {
      clock_.Advance(workload_.Between(1, 25) * kNanosPerSecond +
                     workload_.Between(0, 999) * kMillis);
    } else {
      clock_.Advance(workload_.Between(1, 5) * kMillis);
    }
    while (model_.NearExpiry(clock_.NowNanos(), kMillis)) clock_.Advance(kMillis);
  }

  // Expires due pending transfers in both.
  void Expire() {
    const uint64_t now = clock_.NowNanos();
    const uint64_t want = model_.ExpirePendingTransfers(now);
    absl::StatusOr<uint64_t> got = engine_->ExpirePendingTransfers();
    ASSERT_TRUE(got.ok()) << got.status();
    // The writer may have voided some of them on its own first (it checks the clock between
    // groups), so the call itself voids at most that many; balances and pending states, compared
    // after every batch, must still match exactly.
    ASSERT_LE(*got, want) << "ExpirePendingTransfers at " << now;
    expired_on_demand_ += want;
  }

  void ApplyAccounts(const std::vector<PlannedAccount>& planned) {
    std::vector<Account> accounts;
    for (const PlannedAccount& p : planned) accounts.push_back(p.account);
    const std::vector<CreateAccountResult> want =
        model_.CreateAccounts(accounts, clock_.NowNanos());
    absl::StatusOr<std::vector<AccountEventResult>> got = engine_->CreateAccounts(accounts);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), accounts.size());
    for (size_t i = 0; i < accounts.size(); ++i) {
      ++account_counts_[static_cast<uint32_t>(want[i])];
      ASSERT_EQ((*got)[i].result, want[i])
          << "account event " << i << " of " << accounts.size() << ": " << Describe(accounts[i])
          << "\n  expected " << ResultName(want[i]) << ", got " << ResultName((*got)[i].result);
      if (want[i] == CreateAccountResult::kOk) {
        EXPECT_GT((*got)[i].timestamp, last_timestamp_);
        last_timestamp_ = std::max(last_timestamp_, (*got)[i].timestamp);
      }
    }
    last_account_results_ = want;
    workload_.AccountsApplied(planned, want);
  }

  void ApplyTransfers(const std::vector<Transfer>& batch, size_t batch_number) {
    ApplyTransferGroup({batch}, batch_number, /*submit=*/false);
  }

  // Applies the batches to the model in order, and to the engine: by blocking calls, or all
  // submitted at once (SubmitCreateTransfers) so that the writer takes several into one group.
  void ApplyTransferGroup(const std::vector<std::vector<Transfer>>& batches, size_t batch_number,
                          bool submit) {
    const uint64_t now = clock_.NowNanos();
    std::vector<std::vector<CreateTransferResult>> want;
    for (const std::vector<Transfer>& batch : batches) {
      want.push_back(model_.CreateTransfers(batch, now));
    }
    std::vector<absl::StatusOr<std::vector<TransferEventResult>>> got(batches.size());
    if (submit) {
      std::mutex mu;
      std::condition_variable cv;
      size_t done = 0;
      for (size_t b = 0; b < batches.size(); ++b) {
        engine_->SubmitCreateTransfers(
            batches[b], [&, b](absl::StatusOr<std::vector<TransferEventResult>> results) {
              std::lock_guard<std::mutex> lock(mu);
              got[b] = std::move(results);
              ++done;
              cv.notify_all();
            });
      }
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done == batches.size(); });
    } else {
      for (size_t b = 0; b < batches.size(); ++b) got[b] = engine_->CreateTransfers(batches[b]);
    }
    for (size_t b = 0; b < batches.size(); ++b) {
      ASSERT_TRUE(got[b].ok()) << got[b].status();
      ASSERT_NO_FATAL_FAILURE(CheckResults(batches[b], want[b], *got[b], batch_number + b, now));
    }
  }

  void CheckResults(const std::vector<Transfer>& batch,
                    const std::vector<CreateTransferResult>& want,
                    const std::vector<TransferEventResult>& got, size_t batch_number,
                    uint64_t now) {
    ASSERT_EQ(got.size(), batch.size());
    if (const char* dump = std::getenv("POINTS_MODEL_DUMP"); dump != nullptr) {
      FILE* f = std::fopen(dump, "a");
      std::fprintf(f, "batch %zu clock %llu\n", batch_number, static_cast<unsigned long long>(now));
      for (size_t i = 0; i < batch.size(); ++i) {
        std::fprintf(f, "  [%zu] %s expected %s got %s\n", i, Describe(batch[i]).c_str(),
                     std::string(ResultName(want[i])).c_str(),
                     std::string(ResultName(got[i].result)).c_str());
      }
      std::fclose(f);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const TransferEventResult& g = got[i];
      ++result_counts_[static_cast<uint32_t>(want[i])];
      ASSERT_EQ(g.result, want[i]) << absl::StrFormat(
          "batch %d (clock %d), event %d of %d: %s\n  expected %s, got %s\n%s", batch_number, now,
          i, batch.size(), Describe(batch[i]), ResultName(want[i]), ResultName(g.result),
          Context(batch, want, got, i));
      const auto code = static_cast<uint32_t>(g.result);
      if (g.result == CreateTransferResult::kOk) {
        ASSERT_GT(g.timestamp, last_timestamp_) << "timestamps must increase: " << i;
        last_timestamp_ = g.timestamp;
        ok_timestamps_[batch[i].id] = g.timestamp;
      } else if (code >= 6 && code <= 17) {  // exists*: the original's timestamp (results.h)
        auto it = ok_timestamps_.find(batch[i].id);
        const ReferenceModel::TransferEntry* e = model_.FindTransfer(batch[i].id);
        if (it != ok_timestamps_.end() && e != nullptr && !e->failed) {
          if (g.result == CreateTransferResult::kExists) {
            ASSERT_EQ(g.timestamp, it->second)
                << "the timestamp of exists for " << Describe(batch[i]);
          } else if (g.timestamp != it->second && ++different_timestamp_reports_ <= 3) {
            ADD_FAILURE() << "the timestamp of " << ResultName(g.result) << " for "
                          << Describe(batch[i]) << " is " << g.timestamp << ", not the original's "
                          << it->second << " (reported 3 times)";
          }
        }
      }
    }
  }

  uint64_t seed_;
  uint64_t clock_base_;
  TempDir dir_;
  ManualClock clock_;
  Options options_;
  ReferenceModel model_;
  Workload workload_;
  std::unique_ptr<Engine> engine_;
  std::vector<CreateAccountResult> last_account_results_;
  absl::flat_hash_map<Id, uint64_t> ok_timestamps_;
  uint64_t last_timestamp_ = 0;
  int different_timestamp_reports_ = 0;
  uint64_t result_counts_[kCreateTransferResultCount] = {};
  uint64_t account_counts_[kCreateAccountResultCount] = {};
  uint64_t close_counts_[kCloseAccountResultCount] = {};
  uint64_t expired_on_demand_ = 0;
};

constexpr size_t kEventsPerSeed = 200'000;
constexpr uint64_t kClockBase = 1'700'000'000'000'000'000;  // 2023-11-14
// High enough that the largest pending timeouts overflow 2^64 - 1 nanoseconds.
constexpr uint64_t kHighClockBase = 16'000'000'000'000'000'000u;

void RunSeed(uint64_t fallback, uint64_t clock_base) {
  const uint64_t seed = TestSeed(fallback);
  SCOPED_TRACE(absl::StrFormat("seed %d (repeat: POINTS_TEST_SEED=%d)", seed, seed));
  ModelRun run(seed, clock_base);
  run.Run(kEventsPerSeed);
}

TEST(ModelTest, Seed1) { RunSeed(1, kClockBase); }
TEST(ModelTest, Seed2) { RunSeed(0x5eed'0002, kClockBase); }
TEST(ModelTest, Seed3HighClock) { RunSeed(0x5eed'0003, kHighClockBase); }
TEST(ModelTest, Seed4) { RunSeed(0x5eed'0004, kClockBase); }
TEST(ModelTest, Seed5HighClock) { RunSeed(0x5eed'0005, kHighClockBase); }

}  // namespace
}  // namespace points

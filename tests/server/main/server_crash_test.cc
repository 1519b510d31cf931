// Crash recovery through the real server: terminals send awards and redemptions to pointsd —
// single transfers, batches with duplicates, linked chains, pending redemptions and their posts,
// resends of earlier requests, and the supermarket's award and basket workflows — while the test
// SIGKILLs pointsd at a random moment, restarts it and checks that:
// - every acknowledged transfer is there exactly once, with the fields and the timestamp it was
//   acknowledged with, and every refused one is absent;
// - nothing unacknowledged is half applied: a linked chain is all there or not at all, and no
//   award or basket is left between the domain's intent and the ledger;
// - each account's balances equal the sums of the transfers that exist, and the ledger's debits
//   equal its credits;
// - resent requests get `exists` (or `id_already_failed` for a recorded failure); acknowledged
//   awards and baskets come back unchanged;
// - `pointsd verify` (hash chain, balances rebuilt from the journal, indexes) passes.
// Baskets really redeem: the households start with points from awards recorded at setup and
// posted by pointsd's notice timer before the first kill, and every fifth cycle outlives the
// 1-second notice window so that the timer posts the awards on notice since (a kill may land
// mid-posting). Each household's account must hold exactly its awards minus its redeemed
// baskets, each redeemed basket's points and stock legs must be in the ledger (and a refused
// basket's absent), and the shop's points and the item's stock must add up.
// Each terminal calls as the principals a real one would (server/AUTHZ.md): the admin drives the
// raw ledger, a grid worker records the village's awards, the shop's terminal redeems baskets,
// and each basket is paid with a fresh payment code from its household's app.
// Cycles: $POINTS_CRASH_CYCLES (default 30); seed: $POINTS_TEST_SEED (the kill moments and the
// requests; the interleaving of the terminals is the machine's).
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/cpp/ledger_client.h"
#include "gtest/gtest.h"
#include "points/results.h"
#include "server/domain/values/codes.h"
#include "server/domain/values/ids.h"
#include "tests/engine/testing.h"
#include "tests/testing/pointsd_process.h"
#include "tests/testing/principals_testing.h"
#include "tests/testing/server_testing.h"

namespace points::server {
namespace {

using client::ClientOptions;
using client::LedgerClient;
using TR = CreateTransferResult;

// ---- The test's own ledger: an issuer, households with a floor, shops ----
// Not a village's ledger (ids::VillageOfLedger): the raw ledger's own.
constexpr uint32_t kLedger = 1u << 30;
constexpr uint16_t kCodeAward = 10;
constexpr uint16_t kCodeRedemption = 20;
constexpr uint64_t kIssuer = 1;
constexpr uint64_t kHouseholds = 8;  // accounts 11..18
constexpr uint64_t kShops = 2;       // accounts 21..22
Id AccountId(uint64_t n) { return absl::MakeUint128(0xC0, n); }
uint64_t HouseholdAccount(uint64_t h) { return 10 + h; }
uint64_t ShopAccount(uint64_t s) { return 20 + s; }

// ---- The supermarket's village: households 1..4, shop 1 selling item 1 for 1 point ----
constexpr uint32_t kVillage = 7;
constexpr uint64_t kVillageHouseholds = 4;
constexpr uint32_t kShop = 1;
constexpr uint32_t kItem = 1;
constexpr uint32_t kGrid = 1;  // every household of the village is in it
constexpr uint64_t kPointsPerCheck = 5;
constexpr uint64_t kItemPoints = 1;
constexpr uint64_t kStockRestocked = 1'000'000;
// The hygiene checks each household passed before the test ([h]; 0 unused), posted at setup:
// points for the first cycles' baskets, and none for household 4, whose baskets are refused
// until the notice timer posts its awards.
constexpr uint64_t kChecksBefore[kVillageHouseholds + 1] = {0, 12, 8, 4, 0};

const std::vector<std::string> kFlags = {"--notice-seconds", "1", "--review-threshold", "1000"};

enum class Outcome { kUnknown, kApplied, kRefused };

struct SentTransfer {
  Transfer transfer;
  Outcome outcome = Outcome::kUnknown;
  TR result = TR::kOk;
  uint64_t timestamp = 0;  // when applied
  int chain = -1;          // the linked chain it belongs to, if any
  int ok_answers = 0;      // answers `ok`: at most one, ever (two terminals may race a resend)
};

struct SentAward {
  domain::AwardRequest request;
  Outcome outcome = Outcome::kUnknown;
  domain::Award answer;
};

struct SentBasket {
  domain::BasketRequest request;
  std::string code;  // the household's payment code it was first sent with; resends reuse it
  Outcome outcome = Outcome::kUnknown;
  domain::Basket answer;
  bool legs_checked = false;  // its ledger legs were looked up once it was settled
};

// The principals the test acts as, made once at the first start (their tokens outlive restarts).
struct Tokens {
  std::string admin;                    // sets up, and writes and reads the raw ledger
  std::string committee;                // the village's rules
  std::string recorder;                 // the grid worker who records the village's awards
  std::string shopkeeper;               // the shop's terminal: items, stock, baskets
  std::vector<std::string> households;  // [h]: household h's app, which issues payment codes
};

// A terminal's clients, one per principal it acts as.
struct Clients {
  Clients(const std::string& target, const Tokens& tokens, const ClientOptions& options = {}) {
    auto as = [&](const std::string& token) {
      ClientOptions with = options;
      with.token = token;
      return std::make_unique<LedgerClient>(target, with);
    };
    admin = as(tokens.admin);
    committee = as(tokens.committee);
    recorder = as(tokens.recorder);
    shop = as(tokens.shopkeeper);
    for (const std::string& token : tokens.households) households.push_back(as(token));
  }
  LedgerClient& household(uint64_t h) { return *households[h]; }

  std::unique_ptr<LedgerClient> admin, committee, recorder, shop;
  std::vector<std::unique_ptr<LedgerClient>> households;
};

// The household's consent: its payment code.
LedgerClient::Consent Paying(const std::string& code) {
  LedgerClient::Consent consent;
  consent.payment_code = code;
  return consent;
}

// Whether the shop was refused for the household's payment code (used, superseded by a later
// code of the household that was used first, or expired): nothing was redeemed, and the till asks
// the household for a fresh code.
template <typename T>
bool CodeRefused(const absl::StatusOr<T>& answer) {
  return !answer.ok() && answer.status().code() == absl::StatusCode::kPermissionDenied &&
         absl::StrContains(answer.status().message(), "payment code");
}

// Everything the terminals sent and what they learned, shared by them under one mutex.
class Model {
 public:
  explicit Model(uint64_t seed) : seed_(seed), sample_(seed) {}

  // A request of new transfers made by `make`, remembered for resends; returns its index.
  size_t AddRequest(std::vector<Transfer> transfers, bool linked_chain) {
    absl::MutexLock lock(&mu_);
    std::vector<size_t> indexes;
    const int chain = linked_chain ? chains_++ : -1;
    for (Transfer& t : transfers) {
      auto [it, fresh] = index_.try_emplace(t.id, sent_.size());
      if (fresh) sent_.push_back({t, Outcome::kUnknown, TR::kOk, 0, chain});
      indexes.push_back(it->second);
    }
    requests_.push_back(std::move(indexes));
    return requests_.size() - 1;
  }

  std::vector<Transfer> TransfersOf(size_t request) {
    absl::MutexLock lock(&mu_);
    std::vector<Transfer> transfers;
    for (size_t i : requests_[request]) transfers.push_back(sent_[i].transfer);
    return transfers;
  }

  // Takes in the answer to a request (sent for the first time or again) and checks it against
  // what was learned before: an applied transfer stays applied with its timestamp, a recorded
  // failure stays a failure.
  void Answered(size_t request, const std::vector<TransferEventResult>& results) {
    absl::MutexLock lock(&mu_);
    const std::vector<size_t>& indexes = requests_[request];
    ASSERT_EQ(results.size(), indexes.size());
    for (size_t k = 0; k < indexes.size(); ++k) {
      SentTransfer& s = sent_[indexes[k]];
      const TR r = results[k].result;
      SCOPED_TRACE(absl::StrCat("transfer ", absl::Uint128Low64(s.transfer.id), " answered ",
                                std::string(ResultName(r)), ", seed ", seed_));
      if (r == TR::kOk || r == TR::kExists) {
        // Answers to a request and its resend may be taken in either order: `exists` may come
        // first. What must hold is one `ok` at most and one timestamp.
        if (r == TR::kOk) {
          EXPECT_EQ(++s.ok_answers, 1) << "applied twice";
        }
        if (s.outcome == Outcome::kApplied) {
          EXPECT_EQ(results[k].timestamp, s.timestamp) << "a second copy";
        }
        EXPECT_FALSE(s.outcome == Outcome::kRefused && RecordsFailedId(s.result))
            << "a reported failure (" << ResultName(s.result) << ") turned into a success";
        if (s.outcome != Outcome::kApplied && (s.transfer.flags & kTransferPending) != 0) {
          pending_applied_.push_back(indexes[k]);  // now it may be posted
        }
        s.outcome = Outcome::kApplied;
        s.timestamp = results[k].timestamp;
      } else {
        EXPECT_NE(s.outcome, Outcome::kApplied) << "an applied transfer reported as failed";
        if (r != TR::kIdAlreadyFailed) s.result = r;
        s.outcome = Outcome::kRefused;
      }
    }
  }

  // A pending redemption that was applied and has no post yet, claimed for one post.
  bool ClaimPending(std::mt19937_64& rng, Transfer* pending) {
    absl::MutexLock lock(&mu_);
    if (pending_applied_.empty()) return false;
    const size_t pick = rng() % pending_applied_.size();
    *pending = sent_[pending_applied_[pick]].transfer;
    pending_applied_.erase(pending_applied_.begin() + static_cast<ptrdiff_t>(pick));
    return true;
  }

  size_t RequestCount() {
    absl::MutexLock lock(&mu_);
    return requests_.size();
  }

  uint64_t NextId() { return next_id_++; }

  uint64_t UnknownAtRestart() {
    absl::MutexLock lock(&mu_);
    return unknown_at_restart_;
  }

  void AddAward(const SentAward& award) {
    absl::MutexLock lock(&mu_);
    awards_.push_back(award);
  }
  void AddBasket(const SentBasket& basket) {
    absl::MutexLock lock(&mu_);
    baskets_.push_back(basket);
  }
  // A basket's send was refused its code, and the household showed a fresh one.
  void CodeRenewed() { ++codes_renewed_; }
  uint64_t CodesRenewed() const { return codes_renewed_; }
  // What is known to be in the village: awards, baskets (redeemed or refused) and of those the
  // redeemed ones; the workflows ran at all.
  struct VillageCounts {
    size_t awards = 0, baskets = 0, redeemed = 0;
    uint64_t points_redeemed = 0;
    size_t refused_reason_lost = 0;  // refused, the reason read `id_already_failed` (see below)
  };
  VillageCounts InVillage() {
    absl::MutexLock lock(&mu_);
    VillageCounts counts;
    for (const SentAward& a : awards_) counts.awards += a.outcome == Outcome::kApplied;
    for (const SentBasket& b : baskets_) {
      if (b.outcome != Outcome::kApplied) continue;
      ++counts.baskets;
      counts.refused_reason_lost += b.answer.state == domain::BasketState::kRefused &&
                                    b.answer.refusal == "id_already_failed";
      if (b.answer.state == domain::BasketState::kRedeemed) {
        ++counts.redeemed;
        counts.points_redeemed += b.answer.points_total;
      }
    }
    return counts;
  }
  // Baskets whose answer a kill took away, and of those the ones found redeemed at the restart.
  std::pair<uint64_t, uint64_t> BasketsUnknownAtRestart() {
    absl::MutexLock lock(&mu_);
    return {baskets_unknown_at_restart_, baskets_landed_redeemed_};
  }
  // The award points the notice timer posted, as of the last check.
  uint64_t AwardPointsPosted() {
    absl::MutexLock lock(&mu_);
    return award_points_posted_;
  }

  // After a restart (no terminal running): the checks of the file comment.
  void CheckAfterRestart(LedgerClient& client);
  void CheckVillageAfterRestart(LedgerClient& client);
  // Resends what is still unknown, as a terminal does, and a sample of acknowledged requests.
  void Resend(Clients& clients, std::mt19937_64& rng);

 private:
  void CheckBalances(LedgerClient& client);

  // Whether a record that a check already settled is looked up again: 1 in 16, so that each
  // cycle's checks cost what the cycle added, not the whole history, while the balances (which
  // sum every transfer) still catch a lost old one.
  bool Sample() { return sample_() % 16 == 0; }

  const uint64_t seed_;
  std::mt19937_64 sample_;
  size_t transfers_checked_ = 0;
  uint64_t unknown_at_restart_ = 0;  // transfers whose answer a kill took away  // sent_[0,
                                     // transfers_checked_) were settled by a check
  size_t awards_checked_ = 0;
  size_t baskets_checked_ = 0;
  uint64_t award_points_posted_ = 0;         // over the households, found by the last check
  uint64_t baskets_unknown_at_restart_ = 0;  // baskets whose answer a kill took away
  uint64_t baskets_landed_redeemed_ = 0;     // of those, the ones found redeemed after the restart
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> codes_renewed_{0};
  absl::Mutex mu_;
  std::vector<SentTransfer> sent_;
  absl::flat_hash_map<Id, size_t> index_;
  std::vector<std::vector<size_t>> requests_;
  std::vector<size_t> pending_applied_;  // applied pending transfers without a post yet
  int chains_ = 0;
  std::vector<SentAward> awards_;
  std::vector<SentBasket> baskets_;
};

void Model::CheckAfterRestart(LedgerClient& client) {
  absl::MutexLock lock(&mu_);
  SCOPED_TRACE(absl::StrCat("seed ", seed_));
  std::vector<Id> ids;
  absl::flat_hash_set<int> unknown_chains;  // judged whole or not by all their members
  for (const SentTransfer& s : sent_) {
    if (s.chain >= 0 && s.outcome == Outcome::kUnknown) unknown_chains.insert(s.chain);
  }
  std::vector<bool> looked_up(sent_.size());
  for (size_t i = 0; i < sent_.size(); ++i) {
    const SentTransfer& s = sent_[i];
    looked_up[i] = i >= transfers_checked_ || s.outcome == Outcome::kUnknown ||
                   unknown_chains.contains(s.chain) || Sample();
    if (looked_up[i]) ids.push_back(s.transfer.id);
  }
  absl::flat_hash_map<Id, Transfer> found;
  for (size_t first = 0; first < ids.size(); first += 4096) {
    const size_t n = std::min<size_t>(4096, ids.size() - first);
    auto page = client.LookupTransfers(absl::MakeConstSpan(ids).subspan(first, n));
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Transfer& t : *page) found[t.id] = t;
  }
  absl::flat_hash_map<int, std::pair<int, int>> chains;  // chain -> (present, absent)
  for (size_t i = 0; i < sent_.size(); ++i) {
    if (!looked_up[i]) continue;
    SentTransfer& s = sent_[i];
    const auto it = found.find(s.transfer.id);
    const uint64_t id = absl::Uint128Low64(s.transfer.id);
    if (s.outcome == Outcome::kApplied) {
      ASSERT_NE(it, found.end()) << "acknowledged transfer " << id << " lost";
      Transfer expected = s.transfer;
      expected.timestamp = s.timestamp;
      EXPECT_EQ(it->second, expected) << "transfer " << id << " changed";
    } else if (s.outcome == Outcome::kRefused) {
      EXPECT_EQ(it, found.end()) << "refused transfer " << id << " (" << ResultName(s.result)
                                 << ") is in the ledger";
    } else {  // unknown: a kill took its answer away
      ++unknown_at_restart_;
      if (it != found.end()) {  // it did land: as sent
        Transfer expected = s.transfer;
        expected.timestamp = it->second.timestamp;
        EXPECT_EQ(it->second, expected) << "transfer " << id << " landed changed";
        s.outcome = Outcome::kApplied;
        s.timestamp = it->second.timestamp;
        if ((s.transfer.flags & kTransferPending) != 0) pending_applied_.push_back(i);
      }
    }
    if (s.chain >= 0) {
      auto& [present, absent] = chains[s.chain];
      (it != found.end() ? present : absent)++;
    }
  }
  for (const auto& [chain, counts] : chains) {
    EXPECT_TRUE(counts.first == 0 || counts.second == 0)
        << "linked chain " << chain << " half applied: " << counts.first << " present, "
        << counts.second << " absent";
  }
  transfers_checked_ = sent_.size();
  CheckBalances(client);
}

// Each account's balances from the transfers that exist: the ledger must agree exactly.
void Model::CheckBalances(LedgerClient& client) {
  absl::flat_hash_map<Id, Account> expected;
  std::vector<Id> ids = {AccountId(kIssuer)};
  for (uint64_t h = 1; h <= kHouseholds; ++h) ids.push_back(AccountId(HouseholdAccount(h)));
  for (uint64_t s = 1; s <= kShops; ++s) ids.push_back(AccountId(ShopAccount(s)));
  for (const Id& id : ids) expected[id].id = id;
  for (const SentTransfer& s : sent_) {
    if (s.outcome != Outcome::kApplied) continue;
    const Transfer& t = s.transfer;
    Account& debit = expected[t.debit_account_id];
    Account& credit = expected[t.credit_account_id];
    if ((t.flags & kTransferPending) != 0) {
      debit.debits_pending += t.amount;
      credit.credits_pending += t.amount;
    } else if ((t.flags & kTransferPostPendingTransfer) != 0) {
      debit.debits_pending -= t.amount;  // posts here always post the whole pending amount
      credit.credits_pending -= t.amount;
      debit.debits_posted += t.amount;
      credit.credits_posted += t.amount;
    } else {
      debit.debits_posted += t.amount;
      credit.credits_posted += t.amount;
    }
  }
  auto accounts = client.LookupAccounts(ids);
  ASSERT_TRUE(accounts.ok()) << accounts.status();
  ASSERT_EQ(accounts->size(), ids.size());
  uint64_t debits = 0, credits = 0, debits_pending = 0, credits_pending = 0;
  for (const Account& a : *accounts) {
    const Account& e = expected[a.id];
    EXPECT_EQ(a.debits_posted, e.debits_posted) << "account " << absl::Uint128Low64(a.id);
    EXPECT_EQ(a.credits_posted, e.credits_posted) << "account " << absl::Uint128Low64(a.id);
    EXPECT_EQ(a.debits_pending, e.debits_pending) << "account " << absl::Uint128Low64(a.id);
    EXPECT_EQ(a.credits_pending, e.credits_pending) << "account " << absl::Uint128Low64(a.id);
    debits += a.debits_posted;
    credits += a.credits_posted;
    debits_pending += a.debits_pending;
    credits_pending += a.credits_pending;
  }
  EXPECT_EQ(debits, credits) << "the ledger's posted sums";
  EXPECT_EQ(debits_pending, credits_pending) << "the ledger's pending sums";
}

bool Settled(domain::AwardState state) {
  return state == domain::AwardState::kOnNotice || state == domain::AwardState::kPosted ||
         state == domain::AwardState::kRefused;
}

void Model::CheckVillageAfterRestart(LedgerClient& client) {
  absl::MutexLock lock(&mu_);
  SCOPED_TRACE(absl::StrCat("seed ", seed_));
  const uint32_t points_ledger = domain::LedgersOf(kVillage).points;
  const uint32_t limits_ledger = domain::LedgersOf(kVillage).limits;
  const Id limit_sink = domain::ids::OfVillageAccount(kVillage, domain::VillageAccount::kLimitSink);
  const Id shop_points = domain::ids::OfShopAccount(kVillage, kShop, domain::ShopAccount::kPoints);
  const Id stock = domain::ids::Stock(kVillage, kShop, kItem);
  std::vector<uint64_t> earned(kVillageHouseholds + 1), spent(kVillageHouseholds + 1);
  for (size_t k = 0; k < awards_.size(); ++k) {
    SentAward& a = awards_[k];
    const uint64_t id = absl::Uint128Low64(a.request.award);
    if (k >= awards_checked_ || a.outcome != Outcome::kApplied || !Settled(a.answer.state) ||
        Sample()) {
      auto now = client.GetAward(kVillage, a.request.award);
      if (a.outcome == Outcome::kApplied) {
        ASSERT_TRUE(now.ok()) << "acknowledged award " << id << ": " << now.status();
        EXPECT_EQ(now->amount, a.answer.amount) << "award " << id;
        EXPECT_EQ(now->state == domain::AwardState::kRefused,
                  a.answer.state == domain::AwardState::kRefused)
            << "award " << id << " was " << domain::AwardStateName(a.answer.state) << ", is "
            << domain::AwardStateName(now->state);
      } else if (!now.ok()) {
        EXPECT_EQ(now.status().code(), absl::StatusCode::kNotFound) << now.status();
        continue;
      }
      EXPECT_TRUE(Settled(now->state))
          << "award " << id << " left half done, state " << domain::AwardStateName(now->state);
      a.outcome = Outcome::kApplied;  // it is there: from now on it is known
      a.answer = *now;
    }
    // On notice or posted, the points are the household's (pending, then posted).
    if (a.answer.state != domain::AwardState::kRefused)
      earned[a.request.household] += a.answer.amount;
  }
  awards_checked_ = awards_.size();
  // The baskets whose ledger legs are looked up below: those just read from the shop's book, those
  // a resend settled since, and those the shop's book does not have (their legs must be absent).
  std::vector<size_t> legs_of;
  uint64_t shop_took = 0, stock_taken = 0;
  for (size_t k = 0; k < baskets_.size(); ++k) {
    SentBasket& b = baskets_[k];
    const uint64_t id = absl::Uint128Low64(b.request.basket);
    if (k >= baskets_checked_ || b.outcome != Outcome::kApplied || Sample()) {
      auto now = client.GetBasket(kVillage, b.request.basket);
      if (b.outcome != Outcome::kApplied) {  // a kill took its answer away
        ++baskets_unknown_at_restart_;
        baskets_landed_redeemed_ += now.ok() && now->state == domain::BasketState::kRedeemed;
      }
      if (b.outcome == Outcome::kApplied) {
        ASSERT_TRUE(now.ok()) << "acknowledged basket " << id << ": " << now.status();
        EXPECT_EQ(now->state, b.answer.state) << "basket " << id;
        EXPECT_EQ(now->points_total, b.answer.points_total) << "basket " << id;
      } else if (!now.ok()) {
        EXPECT_EQ(now.status().code(), absl::StatusCode::kNotFound) << now.status();
        legs_of.push_back(k);  // never reached the shop's book: nothing of it in the ledger
        continue;
      }
      EXPECT_TRUE(now->state == domain::BasketState::kRedeemed ||
                  now->state == domain::BasketState::kRefused)
          << "basket " << id << " left half done, state " << domain::BasketStateName(now->state);
      b.outcome = Outcome::kApplied;
      b.answer = *now;
      legs_of.push_back(k);
    } else if (!b.legs_checked) {
      legs_of.push_back(k);
    }
    if (b.answer.state == domain::BasketState::kRefused) {
      // The stock never runs out: a basket is refused only for want of the household's points.
      // When its chain is submitted again after the ledger refused it (the repair at a restart
      // after a kill, or two sends of the basket at once), the reason the basket keeps is the
      // resubmission's `id_already_failed`: still refused, nothing moved (its legs are checked
      // below), only the first reason is lost.
      EXPECT_TRUE(absl::StartsWith(b.answer.refusal, "the household has not enough points") ||
                  b.answer.refusal == "id_already_failed")
          << "basket " << id << " refused: " << b.answer.refusal;
    }
    if (b.answer.state == domain::BasketState::kRedeemed) {
      uint64_t units = 0;
      for (const auto& [item, quantity] : b.request.lines) units += quantity;
      EXPECT_EQ(b.answer.points_total, units * kItemPoints) << "redeemed basket " << id;
      spent[b.request.household] += b.answer.points_total;
      shop_took += b.answer.points_total;
      stock_taken += units;
    }
  }
  baskets_checked_ = baskets_.size();
  // Each basket's chain: per line a stock leg and a points leg, all there for a redeemed basket
  // and none for a refused one (or one the shop's book does not have).
  std::vector<Id> leg_ids;
  for (size_t k : legs_of) {
    const SentBasket& b = baskets_[k];
    for (uint32_t line = 0; line < b.request.lines.size(); ++line) {
      leg_ids.push_back(
          domain::ids::BasketTransfer(kVillage, b.request.basket, line, domain::BasketLeg::kStock));
      leg_ids.push_back(domain::ids::BasketTransfer(kVillage, b.request.basket, line,
                                                    domain::BasketLeg::kPoints));
    }
  }
  absl::flat_hash_map<Id, Transfer> legs;
  for (size_t first = 0; first < leg_ids.size(); first += 4096) {
    const size_t n = std::min<size_t>(4096, leg_ids.size() - first);
    auto page = client.LookupTransfers(absl::MakeConstSpan(leg_ids).subspan(first, n));
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Transfer& t : *page) legs[t.id] = t;
  }
  for (size_t k : legs_of) {
    SentBasket& b = baskets_[k];
    const uint64_t id = absl::Uint128Low64(b.request.basket);
    const bool redeemed =
        b.outcome == Outcome::kApplied && b.answer.state == domain::BasketState::kRedeemed;
    for (uint32_t line = 0; line < b.request.lines.size(); ++line) {
      const auto& [item, units] = b.request.lines[line];
      const auto stock_leg = legs.find(
          domain::ids::BasketTransfer(kVillage, b.request.basket, line, domain::BasketLeg::kStock));
      const auto points_leg = legs.find(domain::ids::BasketTransfer(
          kVillage, b.request.basket, line, domain::BasketLeg::kPoints));
      if (!redeemed) {
        EXPECT_TRUE(stock_leg == legs.end())
            << "basket " << id << " is not redeemed, yet its line " << line << " took stock";
        EXPECT_TRUE(points_leg == legs.end())
            << "basket " << id << " is not redeemed, yet its line " << line << " took points";
        continue;
      }
      ASSERT_TRUE(points_leg != legs.end())
          << "redeemed basket " << id << " took no points, line " << line;
      ASSERT_TRUE(stock_leg != legs.end())
          << "redeemed basket " << id << " took no stock, line " << line;
      const Transfer& paid = points_leg->second;
      EXPECT_EQ(paid.debit_account_id, domain::ids::Household(kVillage, b.request.household))
          << "basket " << id;
      EXPECT_EQ(paid.credit_account_id, shop_points) << "basket " << id;
      EXPECT_EQ(paid.amount, units * kItemPoints) << "basket " << id;
      EXPECT_EQ(paid.ledger, points_ledger) << "basket " << id;
      EXPECT_EQ(paid.code, domain::kCodeRedemption) << "basket " << id;
      EXPECT_EQ(paid.flags & (kTransferPending | kTransferVoidPendingTransfer), 0)
          << "basket " << id;
      const Transfer& taken = stock_leg->second;
      EXPECT_EQ(taken.debit_account_id, domain::ids::Stock(kVillage, kShop, item))
          << "basket " << id;
      EXPECT_EQ(taken.credit_account_id, limit_sink) << "basket " << id;
      EXPECT_EQ(taken.amount, units) << "basket " << id;
      EXPECT_EQ(taken.ledger, limits_ledger) << "basket " << id;
    }
    b.legs_checked = b.outcome == Outcome::kApplied;
  }
  // Each household's account holds exactly what its awards gave and its baskets took; what it
  // holds posted, the notice timer posted.
  uint64_t posted = 0;
  for (uint64_t h = 1; h <= kVillageHouseholds; ++h) {
    auto account = client.LookupAccounts({domain::ids::Household(kVillage, h)});
    ASSERT_TRUE(account.ok() && account->size() == 1) << account.status();
    const Account& a = (*account)[0];
    EXPECT_EQ(a.credits_posted + a.credits_pending, earned[h]) << "household " << h;
    EXPECT_EQ(a.debits_posted + a.debits_pending, spent[h]) << "household " << h;
    EXPECT_EQ(a.debits_pending, 0u) << "household " << h;
    EXPECT_GE(a.credits_posted, a.debits_posted) << "household " << h << " below its floor";
    posted += a.credits_posted;
  }
  award_points_posted_ = posted;
  // The shop took exactly the redeemed baskets' points, and the item's stock gave their units.
  auto accounts = client.LookupAccounts({shop_points, stock});
  ASSERT_TRUE(accounts.ok() && accounts->size() == 2) << accounts.status();
  for (const Account& a : *accounts) {
    const bool is_shop = a.id == shop_points;
    EXPECT_EQ(a.credits_posted, is_shop ? shop_took : kStockRestocked)
        << (is_shop ? "the shop's points" : "the item's stock");
    EXPECT_EQ(a.debits_posted, is_shop ? 0 : stock_taken)
        << (is_shop ? "the shop's points" : "the item's stock");
    EXPECT_EQ(a.credits_pending + a.debits_pending, 0u)
        << (is_shop ? "the shop's points" : "the item's stock");
  }
}

void Model::Resend(Clients& clients, std::mt19937_64& rng) {
  std::vector<size_t> again;
  {
    absl::MutexLock lock(&mu_);
    for (size_t r = 0; r < requests_.size(); ++r) {
      bool unknown = false;
      for (size_t i : requests_[r]) unknown |= sent_[i].outcome == Outcome::kUnknown;
      if (unknown || rng() % 64 == 0) again.push_back(r);
    }
  }
  for (size_t r : again) {
    auto results = clients.admin->CreateTransfers(TransfersOf(r));
    ASSERT_TRUE(results.ok()) << results.status();
    Answered(r, *results);
  }
  std::vector<SentAward> awards;
  std::vector<SentBasket> baskets;
  {
    absl::MutexLock lock(&mu_);
    awards = awards_;
    baskets = baskets_;
  }
  for (SentAward& a : awards) {
    if (a.outcome == Outcome::kApplied && rng() % 64 != 0) continue;
    auto answer = clients.recorder->RecordAward(a.request);
    ASSERT_TRUE(answer.ok()) << answer.status();
    if (a.outcome == Outcome::kApplied) {
      EXPECT_EQ(answer->amount, a.answer.amount);
    }
    a.outcome = Outcome::kApplied;
    a.answer = *answer;
  }
  for (SentBasket& b : baskets) {
    if (b.outcome == Outcome::kApplied && rng() % 64 != 0) continue;
    // With the code of its first send: a basket the shop has needs no consent again.
    auto answer = clients.shop->RedeemBasket(b.request, Paying(b.code));
    if (CodeRefused(answer)) {
      // Asked for consent, so the shop does not have it: the kill took the first send's answer
      // and its code is spent (used by that send before the kill, or superseded by a later code
      // of the household). The household shows a fresh one, as at the till.
      EXPECT_NE(b.outcome, Outcome::kApplied)
          << "the resend of acknowledged basket " << absl::Uint128Low64(b.request.basket)
          << " was asked for consent: " << answer.status();
      auto code =
          clients.household(b.request.household).IssuePaymentCode(kVillage, b.request.household);
      ASSERT_TRUE(code.ok()) << code.status();
      b.code = code->code();
      ++codes_renewed_;
      answer = clients.shop->RedeemBasket(b.request, Paying(b.code));
    }
    ASSERT_TRUE(answer.ok()) << answer.status();
    if (b.outcome == Outcome::kApplied) {
      EXPECT_EQ(answer->state, b.answer.state) << "a resent basket changed its outcome";
    }
    b.outcome = Outcome::kApplied;
    b.answer = *answer;
  }
  absl::MutexLock lock(&mu_);
  awards_ = std::move(awards);
  baskets_ = std::move(baskets);
}

// ---- A terminal: one kind of request after another until its server goes away ----

Transfer NewTransfer(Model& model, uint64_t debit, uint64_t credit, uint64_t amount, uint16_t code,
                     uint16_t flags = 0) {
  Transfer t;
  t.id = absl::MakeUint128(0xC7A5, model.NextId());
  t.debit_account_id = AccountId(debit);
  t.credit_account_id = AccountId(credit);
  t.amount = amount;
  t.ledger = kLedger;
  t.code = code;
  t.flags = flags;
  return t;
}

Transfer Award(Model& model, std::mt19937_64& rng) {
  return NewTransfer(model, kIssuer, HouseholdAccount(1 + rng() % kHouseholds), 1 + rng() % 20,
                     kCodeAward);
}
Transfer Redemption(Model& model, std::mt19937_64& rng, uint64_t household, uint16_t flags = 0) {
  return NewTransfer(model, HouseholdAccount(household), ShopAccount(1 + rng() % kShops),
                     1 + rng() % 30, kCodeRedemption, flags);
}

// Sends one request; false when no answer came (the server is gone).
bool SendTransfers(Model& model, LedgerClient& client, size_t request) {
  auto results = client.CreateTransfers(model.TransfersOf(request));
  if (!results.ok()) return false;
  model.Answered(request, *results);
  return true;
}

bool OneRequest(Model& model, Clients& clients, std::mt19937_64& rng) {
  LedgerClient& client = *clients.admin;  // the raw ledger
  const uint64_t household = 1 + rng() % kHouseholds;
  switch (rng() % 10) {
    case 0:
    case 1:
      return SendTransfers(model, client, model.AddRequest({Award(model, rng)}, false));
    case 2:
    case 3: {  // a batch of awards and redemptions, sometimes with an event twice
      std::vector<Transfer> batch;
      const size_t n = 2 + rng() % 63;
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(rng() % 2 ? Award(model, rng) : Redemption(model, rng, 1 + rng() % 8));
      }
      if (rng() % 4 == 0) batch.push_back(batch[rng() % batch.size()]);
      return SendTransfers(model, client, model.AddRequest(std::move(batch), false));
    }
    case 4: {  // a basket as one linked chain: all its lines or none
      std::vector<Transfer> chain;
      const size_t n = 2 + rng() % 3;
      for (size_t i = 0; i < n; ++i) {
        chain.push_back(Redemption(model, rng, household, i + 1 < n ? kTransferLinked : 0));
      }
      return SendTransfers(model, client, model.AddRequest(std::move(chain), true));
    }
    case 5:  // a pending redemption, posted later
      return SendTransfers(
          model, client,
          model.AddRequest({Redemption(model, rng, household, kTransferPending)}, false));
    case 6: {
      Transfer pending;
      if (!model.ClaimPending(rng, &pending)) return true;
      Transfer post =
          NewTransfer(model, 0, 0, pending.amount, pending.code, kTransferPostPendingTransfer);
      post.debit_account_id = pending.debit_account_id;
      post.credit_account_id = pending.credit_account_id;
      post.pending_id = pending.id;
      return SendTransfers(model, client, model.AddRequest({post}, false));
    }
    case 7: {  // a resend of an earlier request, as a terminal after a lost reply
      const size_t count = model.RequestCount();
      return count == 0 || SendTransfers(model, client, rng() % count);
    }
    case 8: {  // the supermarket: an award through the review → notice → post workflow
      SentAward a;
      a.request.award = absl::MakeUint128(0xA3A2, model.NextId());
      a.request.village = kVillage;
      a.request.household = 1 + rng() % kVillageHouseholds;
      a.request.rule.rule = 1;
      a.request.quantity = 1 + rng() % 3;
      a.request.recorded_by = "grid-crash";  // ignored: the recorder is the caller
      auto answer = clients.recorder->RecordAward(a.request);
      if (answer.ok()) {
        a.outcome = Outcome::kApplied;
        a.answer = *answer;
      }
      model.AddAward(a);
      return answer.ok() || !client::IsRetryable(answer.status().code());
    }
    default: {  // a basket at the supermarket's terminal
      SentBasket b;
      b.request.basket = absl::MakeUint128(0xBA5C, model.NextId());
      b.request.village = kVillage;
      b.request.shop = kShop;
      b.request.household = 1 + rng() % kVillageHouseholds;
      b.request.lines = {{kItem, 1 + rng() % 4}};
      // The household's app shows a fresh code; the shop's terminal redeems with it.
      LedgerClient& app = clients.household(b.request.household);
      auto code = app.IssuePaymentCode(kVillage, b.request.household);
      if (!code.ok()) {  // nothing sent yet
        EXPECT_NE(code.status().code(), absl::StatusCode::kPermissionDenied) << code.status();
        EXPECT_NE(code.status().code(), absl::StatusCode::kUnauthenticated) << code.status();
        return !client::IsRetryable(code.status().code());
      }
      b.code = code->code();
      auto answer = clients.shop->RedeemBasket(b.request, Paying(b.code));
      // Two terminals may serve one household at once: the code used first voids the other's
      // (older) one, which was then refused before anything was redeemed; a fresh one is asked.
      for (int again = 0; again < 10 && CodeRefused(answer); ++again) {
        code = app.IssuePaymentCode(kVillage, b.request.household);
        if (!code.ok()) break;
        b.code = code->code();
        model.CodeRenewed();
        answer = clients.shop->RedeemBasket(b.request, Paying(b.code));
      }
      if (answer.ok()) {
        b.outcome = Outcome::kApplied;
        b.answer = *answer;
      }
      model.AddBasket(b);
      return answer.ok() || !client::IsRetryable(answer.status().code());
    }
  }
}

ClientOptions NoRetries() {
  ClientOptions options;
  options.retry.max_attempts = 1;  // a lost answer is the test's to find out about
  options.deadline = absl::Seconds(10);
  return options;
}

// The principals the terminals act as, made by the first admin.
Tokens MakeTokens(const testing::Pointsd& pointsd) {
  Tokens tokens;
  tokens.admin = pointsd.admin_token();
  EXPECT_EQ(tokens.admin.size(), 64u) << "no admin.token in the data directory";
  const std::string target = pointsd.target();
  tokens.committee = testing::CommitteeToken(target, tokens.admin, kVillage, "committee-li");
  tokens.recorder = testing::MakePrincipal(
      target, tokens.admin,
      {.name = "grid-crash", .role = v1::ROLE_GRID_WORKER, .village = kVillage, .grid = kGrid});
  tokens.shopkeeper = testing::ShopkeeperToken(target, tokens.admin, kVillage, kShop);
  tokens.households.resize(kVillageHouseholds + 1);
  for (uint64_t h = 1; h <= kVillageHouseholds; ++h) {
    tokens.households[h] = testing::HouseholdToken(target, tokens.admin, kVillage, h);
  }
  return tokens;
}

// The ledger's accounts and the village, once.
void SetUpLedgerAndVillage(Clients& clients) {
  LedgerClient& client = *clients.admin;
  std::vector<Account> accounts;
  auto account = [&](uint64_t n, uint16_t flags) {
    Account a;
    a.id = AccountId(n);
    a.ledger = kLedger;
    a.code = 1;
    a.flags = flags;
    accounts.push_back(a);
  };
  account(kIssuer, 0);
  for (uint64_t h = 1; h <= kHouseholds; ++h) {
    account(HouseholdAccount(h), kAccountDebitsMustNotExceedCredits);
  }
  for (uint64_t s = 1; s <= kShops; ++s) account(ShopAccount(s), 0);
  auto created = client.CreateAccounts(accounts);
  ASSERT_TRUE(created.ok()) << created.status();
  for (const AccountEventResult& r : *created) ASSERT_EQ(r.result, CreateAccountResult::kOk);

  ASSERT_TRUE(client.CreateVillage(kVillage).ok());
  // The grid its worker records for, with every household in it.
  v1::Village village;
  village.set_village(kVillage);
  village.set_name("南岭村");
  ASSERT_TRUE(client.PutVillage(village).ok());
  v1::Grid grid;
  grid.set_village(kVillage);
  grid.set_grid(kGrid);
  grid.set_worker("grid-crash");
  ASSERT_TRUE(client.PutGrid(grid).ok());
  for (uint64_t h = 1; h <= kVillageHouseholds; ++h) {
    ASSERT_TRUE(client.CreateHousehold(kVillage, h).ok());
    domain::Household household;
    household.village = kVillage;
    household.household = h;
    household.grid = kGrid;
    auto put = client.PutHousehold(household);
    ASSERT_TRUE(put.ok()) << put.status();
  }
  domain::CatalogueRule rule;
  rule.village = kVillage;
  rule.rule.rule = 1;
  rule.rule.points_per_unit = kPointsPerCheck;
  rule.name = "庭院卫生评比";
  rule.changed_by = "committee-li";  // ignored: the caller is
  ASSERT_TRUE(clients.committee->PutRule(rule).ok());
  ASSERT_TRUE(client.CreateShop(kVillage, kShop, "村积分超市").ok());
  ASSERT_TRUE(clients.shop->PutItem(kVillage, kShop, {kItem, "肥皂", kItemPoints, 0, 0}).ok());
  ASSERT_TRUE(clients.shop->Restock(kVillage, kShop, kItem, 1, kStockRestocked).ok());
}

// What the households earned before the test: awards recorded, then posted by pointsd's notice
// timer once their window ends, as in the village (the raw ledger may not move a village's points).
void EarnBeforeTheTest(Clients& clients, Model& model) {
  std::vector<SentAward> awards;
  for (uint64_t h = 1; h <= kVillageHouseholds; ++h) {
    if (kChecksBefore[h] == 0) continue;
    SentAward a;
    a.request.award = absl::MakeUint128(0xA3A2, model.NextId());
    a.request.village = kVillage;
    a.request.household = h;
    a.request.rule.rule = 1;
    a.request.quantity = kChecksBefore[h];
    auto answer = clients.recorder->RecordAward(a.request);
    ASSERT_TRUE(answer.ok()) << answer.status();
    ASSERT_EQ(answer->state, domain::AwardState::kOnNotice);
    ASSERT_EQ(answer->amount, kChecksBefore[h] * kPointsPerCheck);
    a.outcome = Outcome::kApplied;
    a.answer = *answer;
    awards.push_back(a);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (SentAward& a : awards) {
    while (a.answer.state != domain::AwardState::kPosted) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "award " << absl::Uint128Low64(a.request.award) << " not posted, "
          << domain::AwardStateName(a.answer.state);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto now = clients.admin->GetAward(kVillage, a.request.award);
      ASSERT_TRUE(now.ok()) << now.status();
      a.answer = *now;
    }
    model.AddAward(a);
  }
}

int Cycles() {
  const char* text = std::getenv("POINTS_CRASH_CYCLES");
  return text != nullptr && std::atoi(text) > 0 ? std::atoi(text) : 30;
}

TEST(ServerCrashTest, KilledAtRandomTheServerKeepsEveryAcknowledgedWriteAndNothingElse) {
  const uint64_t seed = testing::TestSeed(std::random_device{}());
  SCOPED_TRACE(absl::StrCat("POINTS_TEST_SEED=", seed));
  std::mt19937_64 rng(seed);
  testing::TempDir dir;
  Model model(seed);
  Tokens tokens;
  {
    testing::Pointsd first(dir.path(), 0, kFlags);
    ASSERT_NE(first.port(), 0) << "pointsd did not start";
    tokens = MakeTokens(first);
    ASSERT_FALSE(::testing::Test::HasFailure());
    Clients clients(first.target(), tokens);
    ASSERT_NO_FATAL_FAILURE(SetUpLedgerAndVillage(clients));
    ASSERT_NO_FATAL_FAILURE(EarnBeforeTheTest(clients, model));
  }  // SIGKILLed
  const int cycles = Cycles();
  uint64_t answered = 0;
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    auto pointsd = std::make_unique<testing::Pointsd>(dir.path(), 0, kFlags);
    ASSERT_NE(pointsd->port(), 0) << "pointsd did not start";
    {
      Clients checker(pointsd->target(), tokens);
      ASSERT_NO_FATAL_FAILURE(model.CheckAfterRestart(*checker.admin));
      ASSERT_NO_FATAL_FAILURE(model.CheckVillageAfterRestart(*checker.admin));
      ASSERT_NO_FATAL_FAILURE(model.Resend(checker, rng));
    }
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> requests{0};
    std::vector<std::thread> terminals;
    for (int t = 0; t < 3; ++t) {
      terminals.emplace_back([&, thread_seed = rng()] {
        std::mt19937_64 own(thread_seed);
        Clients clients(pointsd->target(), tokens, NoRetries());
        while (!stop && OneRequest(model, clients, own)) ++requests;
      });
    }
    // Every fifth cycle outlives the notice window: pointsd's notice timer, a second after the
    // start, posts the awards whose notice ended, and the kill lands before, during or after.
    const auto moment =
        std::chrono::milliseconds(cycle % 5 == 0 ? 700 + rng() % 800 : 20 + rng() % 400);
    std::this_thread::sleep_for(moment);
    pointsd->Stop(SIGKILL);
    stop = true;
    for (std::thread& t : terminals) t.join();
    if (::testing::Test::HasFatalFailure()) return;
    answered += requests;
    if (cycle % 10 == 0 || cycle == cycles) {
      const testing::Verified verified = testing::VerifyDataDir(dir.path());
      ASSERT_EQ(verified.exit_code, 0) << verified.output;
      std::printf("crash test: cycle %d of %d, %llu requests answered, verify OK\n", cycle, cycles,
                  static_cast<unsigned long long>(answered));
      std::fflush(stdout);
    }
  }
  // A last start: everything checked once more, then a clean stop and a clean verify.
  testing::Pointsd last(dir.path(), 0, kFlags);
  {
    Clients checker(last.target(), tokens);
    ASSERT_NO_FATAL_FAILURE(model.CheckAfterRestart(*checker.admin));
    ASSERT_NO_FATAL_FAILURE(model.CheckVillageAfterRestart(*checker.admin));
  }
  ASSERT_EQ(last.Stop(SIGTERM), 0);
  // Kills landed while requests were in flight, not only between them: the test saw outcomes
  // it had to find out after the restart.
  EXPECT_GT(model.UnknownAtRestart(), 0u);
  // The village's workflows ran as their principals: awards recorded, baskets paid with codes
  // reached the shop's book (redeemed, or refused for want of posted points), and baskets were
  // really redeemed: their points taken from the households, whose balances the checks matched.
  const Model::VillageCounts village = model.InVillage();
  EXPECT_GT(village.awards, 0u) << "no award was recorded";
  EXPECT_GT(village.baskets, 0u) << "no basket reached the shop's book";
  if (cycles >= 10) {
    EXPECT_GT(village.redeemed, 0u) << "no basket was redeemed";
    EXPECT_GT(village.points_redeemed, 0u) << "no basket took points";
  }
  const testing::Verified verified = testing::VerifyDataDir(dir.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  std::printf(
      "crash test: %d cycles, %llu requests answered, %llu transfers in flight at a kill, %zu "
      "awards (%llu points posted by the notice timer) and %zu baskets (%zu redeemed for %llu "
      "points, %zu refused, %zu of them reading id_already_failed) in the village, %llu baskets "
      "in flight at a kill (%llu found redeemed), %llu payment codes renewed, seed %llu\n",
      cycles, static_cast<unsigned long long>(answered),
      static_cast<unsigned long long>(model.UnknownAtRestart()), village.awards,
      static_cast<unsigned long long>(model.AwardPointsPosted()), village.baskets, village.redeemed,
      static_cast<unsigned long long>(village.points_redeemed), village.baskets - village.redeemed,
      village.refused_reason_lost,
      static_cast<unsigned long long>(model.BasketsUnknownAtRestart().first),
      static_cast<unsigned long long>(model.BasketsUnknownAtRestart().second),
      static_cast<unsigned long long>(model.CodesRenewed()), static_cast<unsigned long long>(seed));
}

}  // namespace
}  // namespace points::server

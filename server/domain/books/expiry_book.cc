#include "server/domain/books/expiry_book.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "points/limits.h"
#include "points/results.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/number_range.h"

namespace points::domain {
namespace expiry_internal {

// Key "e/v/" village.
struct VillageState {
  VillageId village = 0;
  ExpiryPolicy policy;
  uint32_t done_through_year = 0;  // the last year whose end reached every household; 0: none
};

// Key "e/h/" village, year, household: one village's year end reads as one range.
struct HouseholdYear {
  enum class State : uint8_t {
    kNone = 0,    // nothing written yet
    kIntent = 1,  // transfer `attempt` of `amount` points may have been submitted
    kDone = 2,    // lapsed `amount` points (maybe 0): never again for this year
  };
  State state = State::kNone;
  uint32_t attempt = 0;  // the last attempt whose id was used; attempts count from 1
  uint64_t amount = 0;
};

}  // namespace expiry_internal

namespace {

using TR = CreateTransferResult;
using expiry_internal::HouseholdYear;
using expiry_internal::VillageState;

constexpr uint8_t kVillageFormatVersion = 1;
constexpr uint8_t kHouseholdYearFormatVersion = 1;
// The expiry book's part of the domain store.
// Upcoming shows this many year ends still to come.
constexpr uint32_t kUpcomingYearEnds = 2;

std::string VillageKey(VillageId village) {
  return absl::StrCat(keys::kExpiryVillage, BigEndian(village, 4));
}

std::string HouseholdYearKey(VillageId village, uint32_t year, uint64_t household) {
  return absl::StrCat(keys::kExpiryHouseholdYear, BigEndian(village, 4), BigEndian(year, 4),
                      BigEndian(household, 8));
}

std::string EncodeVillage(const VillageState& s) {
  RecordWriter w;
  w.Int(kVillageFormatVersion, 1).Int(s.village, 4).Int(s.policy.enabled ? 1 : 0, 1);
  w.Int(s.policy.grace_years, 4).Int(s.policy.set_at_ns, 8).Int(s.done_through_year, 4);
  return std::move(w).bytes();
}

absl::StatusOr<VillageState> DecodeVillage(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kVillageFormatVersion) {
    return absl::DataLossError("expiry policy record: unknown version");
  }
  VillageState s;
  s.village = static_cast<VillageId>(r.Int(4));
  s.policy.enabled = r.Int(1) == 1;
  s.policy.grace_years = static_cast<uint32_t>(r.Int(4));
  s.policy.set_at_ns = r.Int(8);
  s.done_through_year = static_cast<uint32_t>(r.Int(4));
  if (!r.done_ok()) return absl::DataLossError("expiry policy record: truncated or trailing bytes");
  if (s.policy.grace_years > kExpiryGraceYearsMax) {
    return absl::DataLossError("expiry policy record: grace_years out of range");
  }
  return s;
}

std::string EncodeHouseholdYear(const HouseholdYear& h) {
  RecordWriter w;
  w.Int(kHouseholdYearFormatVersion, 1).Int(static_cast<uint8_t>(h.state), 1);
  w.Int(h.attempt, 4).Int(h.amount, 8);
  return std::move(w).bytes();
}

absl::StatusOr<HouseholdYear> DecodeHouseholdYear(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kHouseholdYearFormatVersion) {
    return absl::DataLossError("expiry record: unknown version");
  }
  HouseholdYear h;
  const uint64_t state = r.Int(1);
  if (state > static_cast<uint8_t>(HouseholdYear::State::kDone)) {
    return absl::DataLossError("expiry record: unknown state");
  }
  h.state = static_cast<HouseholdYear::State>(state);
  h.attempt = static_cast<uint32_t>(r.Int(4));
  h.amount = r.Int(8);
  if (!r.done_ok()) return absl::DataLossError("expiry record: truncated or trailing bytes");
  return h;
}

// A run's totals are a report: saturating one never changes what was lapsed.
uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

}  // namespace

ExpiryBook::ExpiryBook(Engine* engine, Clock* clock, DomainStore* store, HouseholdBook* households,
                       int utc_offset_seconds)
    : engine_(engine),
      clock_(clock),
      store_(store),
      households_(households),
      utc_offset_seconds_(utc_offset_seconds) {}

absl::StatusOr<std::unique_ptr<ExpiryBook>> ExpiryBook::Open(Engine* engine, Clock* clock,
                                                             DomainStore* store,
                                                             HouseholdBook* households,
                                                             int utc_offset_seconds) {
  // Nothing to repair here: a lapse a crash interrupted is finished by the next RunDue, which
  // looks its saved intent up in the ledger before it does anything else.
  return std::unique_ptr<ExpiryBook>(
      new ExpiryBook(engine, clock, store, households, utc_offset_seconds));
}

uint64_t ExpiryBook::NewYearNs(uint32_t year) const {
  return domain::NewYearNs(year, utc_offset_seconds_);
}

uint32_t ExpiryBook::YearOf(uint64_t ns) const { return CivilDateOf(ns, utc_offset_seconds_).year; }

// The end of the year the policy was set in is the first after it; a year end before (or at)
// that moment is never applied.
uint32_t ExpiryBook::FirstYearToRun(const VillageState& state) const {
  return std::max(YearOf(state.policy.set_at_ns), state.done_through_year + 1);
}

absl::StatusOr<VillageState> ExpiryBook::LoadVillage(VillageId village) const {
  absl::StatusOr<std::string> bytes = store_->Get(VillageKey(village));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    VillageState none;  // no policy: disabled
    none.village = village;
    return none;
  }
  return DecodeVillage(*bytes);
}

absl::Status ExpiryBook::SaveVillage(VillageId village, const VillageState& state) {
  return store_->Put(VillageKey(village), EncodeVillage(state));
}

absl::StatusOr<HouseholdYear> ExpiryBook::LoadHouseholdYear(VillageId village, uint32_t year,
                                                            uint64_t household) const {
  absl::StatusOr<std::string> bytes = store_->Get(HouseholdYearKey(village, year, household));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return HouseholdYear();
  }
  return DecodeHouseholdYear(*bytes);
}

absl::Status ExpiryBook::SaveHouseholdYear(VillageId village, uint32_t year, uint64_t household,
                                           const HouseholdYear& record) {
  return store_->Put(HouseholdYearKey(village, year, household), EncodeHouseholdYear(record));
}

absl::Status ExpiryBook::SetPolicy(VillageId village, const ExpiryPolicy& policy) {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  if (policy.grace_years > kExpiryGraceYearsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("grace_years must be 0..", kExpiryGraceYearsMax));
  }
  if (policy.enabled) {
    // A lapse sent to a missing sink would fail for good (engine/README.md, "Failed ids").
    const Id sink = ids::OfVillageAccount(village, VillageAccount::kExpirySink);
    absl::StatusOr<std::vector<Account>> found = engine_->LookupAccounts({sink});
    if (!found.ok()) return found.status();
    if (found->empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("village ", village, " is not set up: create the village first"));
    }
  }
  auto held = village_locks_.Lock(village);
  absl::StatusOr<VillageState> state = LoadVillage(village);
  if (!state.ok()) return state.status();
  if (state->policy.enabled == policy.enabled && state->policy.grace_years == policy.grace_years) {
    return absl::OkStatus();  // a resend: the first setting's time stands
  }
  // The year ends that passed under the old policy are the old policy's to apply.
  ExpiryRun ignored;
  if (absl::Status s = RunVillage(village, &*state, &ignored); !s.ok()) return s;
  state->policy.enabled = policy.enabled;
  state->policy.grace_years = policy.grace_years;
  state->policy.set_at_ns = clock_->NowNanos();
  return SaveVillage(village, *state);
}

absl::StatusOr<ExpiryPolicy> ExpiryBook::GetPolicy(VillageId village) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<VillageState> state = LoadVillage(village);
  if (!state.ok()) return state.status();
  return state->policy;
}

absl::StatusOr<uint64_t> ExpiryBook::EarnedBefore(Id account, uint64_t cut_off_ns) const {
  // Credits_posted in the last balance before the cut-off. Pending credits (awards on notice)
  // are not earned yet; they count once posted, at the time of the post.
  if (cut_off_ns == 0) return 0;
  HistoryFilter before;
  before.account_id = account;
  before.timestamp_max = cut_off_ns - 1;
  before.limit = 1;
  before.reversed = true;
  absl::StatusOr<std::vector<AccountBalance>> balance = engine_->GetAccountBalances(before);
  if (!balance.ok()) return balance.status();
  return balance->empty() ? 0 : (*balance)[0].credits_posted;
}

absl::StatusOr<uint64_t> ExpiryBook::ResolveLapse(VillageId village, uint64_t household,
                                                  uint32_t year, uint32_t attempt,
                                                  uint64_t cut_off_ns, const Transfer& pending) {
  const Id account = ids::Household(village, household);
  absl::StatusOr<uint64_t> earned = EarnedBefore(account, cut_off_ns);
  if (!earned.ok()) return earned.status();
  // The household's balance right after the pending lapse: what had been spent by then, in the
  // ledger's own order, whatever raced the run.
  HistoryFilter at;
  at.account_id = account;
  at.timestamp_max = pending.timestamp;
  at.limit = 1;
  at.reversed = true;
  absl::StatusOr<std::vector<AccountBalance>> balance = engine_->GetAccountBalances(at);
  if (!balance.ok()) return balance.status();
  if (balance->empty() || (*balance)[0].timestamp != pending.timestamp) {
    return absl::InternalError("the pending lapse is not in the household's history");
  }
  const uint64_t spent = (*balance)[0].debits_posted;
  const uint64_t due = *earned > spent ? std::min(*earned - spent, pending.amount) : 0;
  Transfer resolve;
  resolve.id = ids::ExpiryResolve(village, household, year, attempt);
  resolve.pending_id = pending.id;
  resolve.flags = due > 0 ? kTransferPostPendingTransfer : kTransferVoidPendingTransfer;
  resolve.amount = due;  // a post of less than the pending amount releases the rest
  absl::StatusOr<std::vector<TransferEventResult>> results = engine_->CreateTransfers({resolve});
  if (!results.ok()) return results.status();
  const TR result = (*results)[0].result;
  if (result != TR::kOk && result != TR::kExists) {
    return absl::FailedPreconditionError(absl::StrCat(
        "resolving household ", household,
        "'s pending lapse was refused by the ledger: ", std::string(ResultName(result))));
  }
  return due;
}

absl::StatusOr<uint64_t> ExpiryBook::LapseAt(VillageId village, uint64_t household,
                                             uint64_t cut_off_ns, uint64_t extra_debits) const {
  const Id id = ids::Household(village, household);
  absl::StatusOr<std::vector<Account>> found = engine_->LookupAccounts({id});
  if (!found.ok()) return found.status();
  if (found->empty()) return 0;
  const Account& now = (*found)[0];
  // A closed account refuses every transfer: nothing can lapse from it (and it closed settled).
  if ((now.flags & kAccountClosed) != 0) return 0;
  absl::StatusOr<uint64_t> earned_before = EarnedBefore(id, cut_off_ns);
  if (!earned_before.ok()) return earned_before.status();
  const uint64_t earned = *earned_before;
  // FIFO: every debit so far (redemptions, deductions, earlier lapses) used the oldest points.
  if (now.debits_posted > std::numeric_limits<uint64_t>::max() - extra_debits) return 0;
  const uint64_t spent = now.debits_posted + extra_debits;
  if (earned <= spent) return 0;
  // What the household can give now: its floor keeps this non-negative, checked all the same.
  if (now.debits_posted > now.credits_posted ||
      now.debits_pending > now.credits_posted - now.debits_posted) {
    return 0;
  }
  const uint64_t available = now.credits_posted - now.debits_posted - now.debits_pending;
  if (available <= extra_debits) return 0;
  return std::min(earned - spent, available - extra_debits);
}

absl::StatusOr<uint64_t> ExpiryBook::FinishLapse(VillageId village, uint32_t year,
                                                 uint64_t household, uint64_t cut_off_ns,
                                                 const Transfer& pending, HouseholdYear* record) {
  absl::StatusOr<uint64_t> lapsed =
      ResolveLapse(village, household, year, record->attempt, cut_off_ns, pending);
  if (!lapsed.ok()) return lapsed.status();
  record->state = HouseholdYear::State::kDone;
  record->amount = *lapsed;
  if (absl::Status s = SaveHouseholdYear(village, year, household, *record); !s.ok()) return s;
  return *lapsed;
}

absl::StatusOr<uint64_t> ExpiryBook::ExpireHousehold(VillageId village, uint32_t year,
                                                     uint32_t grace_years, uint64_t household) {
  absl::StatusOr<HouseholdYear> record = LoadHouseholdYear(village, year, household);
  if (!record.ok()) return record.status();
  if (record->state == HouseholdYear::State::kDone) return 0;
  // Years run from 1970 (the clock's epoch) and grace_years <= kExpiryGraceYearsMax, so this
  // does not wrap.
  const uint64_t cut_off_ns = NewYearNs(year + 1 - grace_years);
  if (record->state == HouseholdYear::State::kIntent) {
    // A crash or an error came between the submit and the outcome: the ledger knows. A lapse
    // refused before is not found, and its id stays failed: the next attempt takes a new one.
    absl::StatusOr<std::vector<Transfer>> sent =
        engine_->LookupTransfers({ids::Expiry(village, household, year, record->attempt)});
    if (!sent.ok()) return sent.status();
    if (!sent->empty())
      return FinishLapse(village, year, household, cut_off_ns, (*sent)[0], &*record);
  }
  const Ledgers ledgers = LedgersOf(village);
  for (uint32_t tries = 0; tries < kExpiryAttemptsMax; ++tries) {
    absl::StatusOr<uint64_t> amount = LapseAt(village, household, cut_off_ns, 0);
    if (!amount.ok()) return amount.status();
    if (*amount == 0) {
      record->state = HouseholdYear::State::kDone;
      record->amount = 0;
      if (absl::Status s = SaveHouseholdYear(village, year, household, *record); !s.ok()) return s;
      return 0;
    }
    if (record->attempt == std::numeric_limits<uint32_t>::max()) {
      return absl::ResourceExhaustedError("no expiry attempt numbers left for this household");
    }
    ++record->attempt;
    record->amount = *amount;
    record->state = HouseholdYear::State::kIntent;
    // The intent first, synced: after a crash the next run looks this very id up.
    if (absl::Status s = SaveHouseholdYear(village, year, household, *record); !s.ok()) return s;
    Transfer lapse = MakeTransfer(ids::Expiry(village, household, year, record->attempt),
                                  ids::Household(village, household),
                                  ids::OfVillageAccount(village, VillageAccount::kExpirySink),
                                  *amount, ledgers.points, kCodeExpiry);
    if (before_submit_) before_submit_();
    lapse.flags = kTransferPending;  // holds the points; ResolveLapse posts what FIFO allows
    lapse.user_data_32 = year;       // statements name the year that ended
    lapse.user_data_64 = cut_off_ns;
    absl::StatusOr<std::vector<TransferEventResult>> results = engine_->CreateTransfers({lapse});
    if (!results.ok()) return results.status();  // unknown outcome: the intent is looked up next
    const TR result = (*results)[0].result;
    if (result == TR::kOk || result == TR::kExists) {
      absl::StatusOr<std::vector<Transfer>> sent = engine_->LookupTransfers({lapse.id});
      if (!sent.ok()) return sent.status();
      if (sent->empty()) return absl::InternalError("a committed lapse was not found");
      return FinishLapse(village, year, household, cut_off_ns, (*sent)[0], &*record);
    }
    // A redemption or deduction raced between the read and the submit (the floor refused), or
    // the household closed: read again and lapse what is left, under a new id.
    // `id_already_failed` cannot come from this book (every attempt's intent is saved before
    // it is sent, and a refused one is never sent again), but it is no harm to step past.
    if (result == TR::kExceedsCredits || result == TR::kDebitAccountClosed ||
        result == TR::kIdAlreadyFailed) {
      continue;
    }
    return absl::FailedPreconditionError(
        absl::StrCat("the lapse of household ", household,
                     "'s points was refused by the ledger: ", std::string(ResultName(result))));
  }
  return absl::AbortedError(absl::StrCat("household ", household, ": the ledger refused ",
                                         kExpiryAttemptsMax,
                                         " lapses in a row; the next run tries again"));
}

absl::Status ExpiryBook::RunVillage(VillageId village, VillageState* state, ExpiryRun* run) {
  if (!state->policy.enabled) return absl::OkStatus();
  const uint64_t now = clock_->NowNanos();
  for (uint32_t year = FirstYearToRun(*state); NewYearNs(year + 1) <= now; ++year) {
    absl::StatusOr<std::vector<Household>> households =
        households_->ListHouseholds(village, /*reveal=*/true);
    if (!households.ok()) return households.status();
    // One household that fails must not keep the others' points from lapsing; its year stays
    // open, and the next run finishes it before any later year (FIFO needs that order).
    absl::Status first_error;
    for (const Household& h : *households) {
      if (h.closed) continue;  // settled to zero when it closed, and refuses transfers since
      absl::StatusOr<uint64_t> lapsed =
          ExpireHousehold(village, year, state->policy.grace_years, h.household);
      if (!lapsed.ok()) {
        if (first_error.ok()) first_error = lapsed.status();
        continue;
      }
      if (*lapsed > 0) {
        run->households = SaturatingAdd(run->households, 1);
        run->points = SaturatingAdd(run->points, *lapsed);
      }
    }
    if (!first_error.ok()) return first_error;
    state->done_through_year = year;
    if (absl::Status s = SaveVillage(village, *state); !s.ok()) return s;
    run->year_ends = SaturatingAdd(run->year_ends, 1);
  }
  return absl::OkStatus();
}

absl::StatusOr<ExpiryRun> ExpiryBook::RunDue() {
  std::vector<VillageId> villages;
  absl::Status status = ScanRecords(*store_, keys::kExpiryVillage, DecodeVillage,
                                    [&](VillageState s) { villages.push_back(s.village); });
  if (!status.ok()) return status;
  // One village that fails must not hold up the others; its error is reported after them.
  ExpiryRun run;
  absl::Status first_error;
  for (VillageId village : villages) {
    auto held = village_locks_.Lock(village);
    absl::StatusOr<VillageState> state = LoadVillage(village);  // as it is now, under the lock
    absl::Status s = state.ok() ? RunVillage(village, &*state, &run) : state.status();
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  if (!first_error.ok()) return first_error;
  return run;
}

absl::StatusOr<std::vector<Lapse>> ExpiryBook::Upcoming(VillageId village,
                                                        uint64_t household) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  // Only the households RunDue goes through: anything else would promise a lapse never made.
  absl::StatusOr<Household> h = households_->GetHousehold(village, household);
  if (!h.ok()) return h.status();
  absl::StatusOr<VillageState> state = LoadVillage(village);
  if (!state.ok()) return state.status();
  std::vector<Lapse> lapses;
  if (!state->policy.enabled || h->closed) return lapses;
  const uint64_t now = clock_->NowNanos();
  const uint32_t this_year = YearOf(now);
  // Each lapse shown counts as spent for the ones after it, as it will be when they come.
  uint64_t extra_debits = 0;
  for (uint32_t year = FirstYearToRun(*state); year < this_year + kUpcomingYearEnds; ++year) {
    if (year < this_year) {  // passed, but RunDue has not finished it for the village
      absl::StatusOr<HouseholdYear> record = LoadHouseholdYear(village, year, household);
      if (!record.ok()) return record.status();
      if (record->state == HouseholdYear::State::kDone) continue;  // already in debits_posted
    }
    absl::StatusOr<uint64_t> points =
        LapseAt(village, household, NewYearNs(year + 1 - state->policy.grace_years), extra_debits);
    if (!points.ok()) return points.status();
    lapses.push_back(Lapse{NewYearNs(year + 1), year, *points});
    extra_debits = SaturatingAdd(extra_debits, *points);
  }
  return lapses;
}

}  // namespace points::domain

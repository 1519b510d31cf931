#include "server/gate/rate_limiter.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace points::server {
namespace {

// Buckets count in billionths of a call, so that a rate in calls per second refills
// `calls_per_second` of them per nanosecond: exact, with no division on the way.
constexpr uint64_t kNanocallsPerCall = 1'000'000'000;
// When Evict has to run, it frees at least this fraction of buckets_max, so that a stream of new
// principals at the cap pays for one sweep per buckets_max / 8 of them, not one per call.
constexpr size_t kEvictFreesOneIn = 8;
// A rate or burst longer than this many digits is over its cap anyway (and would overflow).
constexpr size_t kRateLimitDigitsMax = 10;

}  // namespace

RateLimiter::RateLimiter(RateLimit limit, std::function<uint64_t()> now_ns, size_t buckets_max)
    : default_limit_(Widen(limit, /*own=*/false)),
      now_ns_(std::move(now_ns)),
      buckets_max_(std::max<size_t>(buckets_max, 1)) {}

RateLimiter::Effective RateLimiter::Widen(RateLimit limit, bool own) {
  Effective e;
  e.calls_per_second = limit.calls_per_second;
  e.burst = limit.burst != 0 ? limit.burst : 2 * e.calls_per_second;
  e.own = own;
  // At most 2 × (2^32 - 1) calls: × kNanocallsPerCall stays below 2^64.
  return e;
}

uint64_t RateLimiter::Level(const Effective& limit, uint64_t now_ns, const Bucket& bucket) {
  const uint64_t capacity = limit.burst * kNanocallsPerCall;
  const uint64_t level = std::min(bucket.nanocalls, capacity);
  if (now_ns <= bucket.at_ns || limit.calls_per_second == 0) return level;
  const uint64_t elapsed_ns = now_ns - bucket.at_ns;
  const uint64_t missing = capacity - level;
  // elapsed_ns × rate overflows only when it is far more than fills the bucket: past the time
  // the bucket takes to fill, it is full; before it, the product is at most `missing`.
  if (elapsed_ns > missing / limit.calls_per_second) return capacity;
  return level + elapsed_ns * limit.calls_per_second;
}

const RateLimiter::Effective& RateLimiter::LimitOf(const std::string& principal) const {
  if (overrides_.empty()) return default_limit_;
  const auto it = overrides_.find(principal);
  return it == overrides_.end() ? default_limit_ : it->second;
}

absl::Status RateLimiter::Admit(const std::string& principal) {
  const uint64_t now_ns = now_ns_();
  absl::MutexLock lock(&mu_);
  const Effective& limit = LimitOf(principal);
  if (limit.calls_per_second == 0) return absl::OkStatus();
  auto it = buckets_.find(principal);
  if (it == buckets_.end()) {
    if (buckets_.size() >= buckets_max_) Evict(now_ns);
    // A principal not seen (or not seen for long) starts with a full bucket.
    it = buckets_.emplace(principal, Bucket{limit.burst * kNanocallsPerCall, now_ns}).first;
  } else {
    it->second.nanocalls = Level(limit, now_ns, it->second);
    // Readings from callers racing to the lock may come out of order: time never goes back.
    it->second.at_ns = std::max(it->second.at_ns, now_ns);
  }
  if (it->second.nanocalls < kNanocallsPerCall) {
    return absl::ResourceExhaustedError(
        absl::StrCat("rate limit: principal ", principal, " is over ", limit.calls_per_second,
                     " calls/s (burst ", limit.burst, "); set ",
                     limit.own ? "for this principal" : "by --rate-limit"));
  }
  it->second.nanocalls -= kNanocallsPerCall;
  return absl::OkStatus();
}

void RateLimiter::Evict(uint64_t now_ns) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const Effective& limit = LimitOf(it->first);
    if (Level(limit, now_ns, it->second) >= limit.burst * kNanocallsPerCall) {
      buckets_.erase(it++);
    } else {
      ++it;
    }
  }
  const size_t keep = buckets_max_ - std::max<size_t>(buckets_max_ / kEvictFreesOneIn, 1);
  if (buckets_.size() <= keep) return;
  // Still too many callers in the middle of their bursts: those idle longest go (they come back
  // with a full bucket, a leniency only while more than buckets_max principals are busy).
  std::vector<uint64_t> at;
  at.reserve(buckets_.size());
  for (const auto& [name, bucket] : buckets_) at.push_back(bucket.at_ns);
  size_t drop = buckets_.size() - keep;
  std::nth_element(at.begin(), at.begin() + (drop - 1), at.end());
  const uint64_t cutoff = at[drop - 1];  // drop every bucket idle since before it, some since it
  for (auto it = buckets_.begin(); it != buckets_.end() && drop > 0;) {
    if (it->second.at_ns < cutoff) {
      buckets_.erase(it++);
      --drop;
    } else {
      ++it;
    }
  }
  for (auto it = buckets_.begin(); it != buckets_.end() && drop > 0;) {
    if (it->second.at_ns == cutoff) {
      buckets_.erase(it++);
      --drop;
    } else {
      ++it;
    }
  }
}

void RateLimiter::SetLimit(const std::string& principal, RateLimit limit) {
  const uint64_t now_ns = now_ns_();
  absl::MutexLock lock(&mu_);
  const Effective own = Widen(limit, /*own=*/true);
  const auto it = buckets_.find(principal);
  if (it != buckets_.end()) {
    if (own.calls_per_second == 0) {
      buckets_.erase(it);
    } else {
      Bucket& bucket = it->second;
      bucket.nanocalls =
          std::min(Level(LimitOf(principal), now_ns, bucket), own.burst * kNanocallsPerCall);
      bucket.at_ns = std::max(bucket.at_ns, now_ns);
    }
  }
  overrides_[principal] = own;
}

size_t RateLimiter::buckets() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

absl::StatusOr<RateLimit> ParseRateLimit(const std::string& text) {
  const auto bad_form = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("--rate-limit: expected CALLS_PER_SECOND[/BURST], e.g. 50/100, 50 (burst 2 "
                     "× the rate: 100) or 0 (unlimited); got '",
                     text, "'"));
  };
  const std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() > 2) return bad_form();
  uint64_t numbers[2] = {0, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty() || part.size() > kRateLimitDigitsMax ||
        !std::all_of(part.begin(), part.end(), [](char c) { return absl::ascii_isdigit(c); }) ||
        !absl::SimpleAtoi(part, &numbers[i])) {
      return bad_form();
    }
  }
  const uint64_t calls_per_second = numbers[0];
  if (calls_per_second > kRateLimitCallsPerSecondMax) {
    return absl::InvalidArgumentError(absl::StrCat("--rate-limit: at most ",
                                                   kRateLimitCallsPerSecondMax,
                                                   " calls per second, got ", calls_per_second));
  }
  RateLimit limit;
  if (calls_per_second == 0) {
    if (parts.size() == 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("--rate-limit: 0 means unlimited and takes no burst; got '", text, "'"));
    }
    return limit;
  }
  limit.calls_per_second = static_cast<uint32_t>(calls_per_second);
  if (parts.size() == 1) {
    limit.burst = 2 * limit.calls_per_second;  // at most 2'000'000: below kRateLimitBurstMax
    return limit;
  }
  const uint64_t burst = numbers[1];
  if (burst == 0 || burst > kRateLimitBurstMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rate-limit: a burst of 1..", kRateLimitBurstMax, " calls, got ", burst));
  }
  limit.burst = static_cast<uint32_t>(burst);
  return limit;
}

}  // namespace points::server

// pointsd's per-principal rate limit (--rate-limit CALLS_PER_SECOND[/BURST]): one token bucket
// per principal name, so one misbehaving shop terminal or script cannot starve the village's
// other callers. A bucket holds at most `burst` calls and refills at `calls_per_second`; a call
// that finds it empty is refused with RESOURCE_EXHAUSTED, which says which limit it hit and how
// to change it. Integer arithmetic only (in billionths of a call), exact and overflow-free for
// any clock reading. No gRPC here: the interceptor that calls Admit is the server's.
#ifndef POINTS_SERVER_GATE_RATE_LIMITER_H_
#define POINTS_SERVER_GATE_RATE_LIMITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace points::server {

// Buckets kept. A bucket that has refilled is the same as none, so full (idle) buckets are
// dropped first when a new principal would go over; only if that frees too little are the
// longest-idle partly used ones dropped too (their principals start afresh with a full bucket).
inline constexpr size_t kRateLimitedPrincipalsMax = 100'000;
inline constexpr uint32_t kRateLimitCallsPerSecondMax = 1'000'000;
inline constexpr uint32_t kRateLimitBurstMax = 10'000'000;

struct RateLimit {
  uint32_t calls_per_second = 0;  // 0 = unlimited
  uint32_t burst = 0;  // calls at once; 0 with a rate: 2 × the rate (the flag's default)
  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

class RateLimiter {
 public:
  // `now_ns`: a clock in nanoseconds (tests inject one; the server passes a monotonic clock).
  // A reading earlier than the last one refills nothing.
  explicit RateLimiter(RateLimit limit, std::function<uint64_t()> now_ns)
      : RateLimiter(limit, std::move(now_ns), kRateLimitedPrincipalsMax) {}
  // With `buckets_max` in place of kRateLimitedPrincipalsMax (at least 1): for tests.
  RateLimiter(RateLimit limit, std::function<uint64_t()> now_ns, size_t buckets_max);

  // OK, taking one call from the principal's bucket, or RESOURCE_EXHAUSTED whose message names
  // the limit and where it was set, e.g. "rate limit: principal shop-2 is over 50 calls/s
  // (burst 100); set by --rate-limit".
  absl::Status Admit(const std::string& principal);

  // The principal's own limit in place of the flag's from now on (0 calls/s: unlimited). Its
  // bucket keeps what it holds, up to the new burst.
  void SetLimit(const std::string& principal, RateLimit limit);

  // The buckets kept now: for tests.
  size_t buckets() const;

 private:
  // Limits as Admit uses them: the burst filled in, both widened so no product overflows.
  struct Effective {
    uint64_t calls_per_second = 0;
    uint64_t burst = 0;
    bool own = false;  // set by SetLimit, not by the flag
  };
  struct Bucket {
    uint64_t nanocalls = 0;  // calls left × 1e9
    uint64_t at_ns = 0;      // when it was last refilled: its last call
  };

  static Effective Widen(RateLimit limit, bool own);
  // What `bucket` holds at `now_ns`, refilled for the time since at_ns, up to the burst.
  static uint64_t Level(const Effective& limit, uint64_t now_ns, const Bucket& bucket);
  // Makes room for new buckets: drops the full ones, then the longest idle.
  void Evict(uint64_t now_ns) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Effective& LimitOf(const std::string& principal) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Effective default_limit_;
  const std::function<uint64_t()> now_ns_;
  const size_t buckets_max_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Effective> overrides_ ABSL_GUARDED_BY(mu_);
};

// Parses the flag's text "CALLS_PER_SECOND[/BURST]": "50/100", "50" (burst 2 × the rate, 100)
// or "0" (unlimited). INVALID_ARGUMENT explaining the form, or naming the cap exceeded
// (kRateLimitCallsPerSecondMax, kRateLimitBurstMax), otherwise.
absl::StatusOr<RateLimit> ParseRateLimit(const std::string& text);

}  // namespace points::server

#endif  // POINTS_SERVER_GATE_RATE_LIMITER_H_

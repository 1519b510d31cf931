// The per-principal rate limit on a clock the test moves: a burst, then refusals that name the
// limit and the flag, refills at the rate, principals apart, overrides, no overflow however long
// the clock jumps, a bounded number of buckets, and the flag's text.
#include "server/gate/rate_limiter.h"

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace points::server {
namespace {

constexpr uint64_t kMs = 1'000'000;  // nanoseconds

class RateLimiterTest : public ::testing::Test {
 protected:
  std::function<uint64_t()> Clock() {
    return [this] { return now_ns_.load(); };
  }

  // How many calls in a row `principal` is admitted, stopping at `most`.
  static int AdmittedInARow(RateLimiter& limiter, const std::string& principal, int most = 1000) {
    int admitted = 0;
    while (admitted < most && limiter.Admit(principal).ok()) ++admitted;
    return admitted;
  }

  std::atomic<uint64_t> now_ns_{5'000 * kMs};
};

TEST_F(RateLimiterTest, ABurstThenARefusalNamingTheLimitAndTheFlag) {
  RateLimiter limiter({.calls_per_second = 50, .burst = 100}, Clock());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.Admit("shop-2").ok()) << i;
  const absl::Status refused = limiter.Admit("shop-2");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.message(),
            "rate limit: principal shop-2 is over 50 calls/s (burst 100); set by --rate-limit");
  EXPECT_EQ(limiter.Admit("shop-2").code(), absl::StatusCode::kResourceExhausted)
      << "still refused with no time gone by";
}

TEST_F(RateLimiterTest, ABucketRefillsAtTheRate) {
  RateLimiter limiter({.calls_per_second = 50, .burst = 100}, Clock());
  ASSERT_EQ(AdmittedInARow(limiter, "shop-2"), 100);
  now_ns_ += 100 * kMs;
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2"), 5) << "100 ms at 50/s";
  now_ns_ += 19 * kMs;
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2"), 0) << "19 ms: 0.95 of a call";
  now_ns_ += 1 * kMs;
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2"), 1) << "the fraction was kept: 20 ms, one call";
  // Refused calls take nothing: the same time still refills the same.
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limiter.Admit("shop-2").ok());
  now_ns_ += 1'000 * kMs;
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2"), 50);
  now_ns_ += 60'000 * kMs;
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2"), 100) << "a minute idle: full, not more";
}

TEST_F(RateLimiterTest, TheRateHoldsCallByCall) {
  // 3 calls/s does not divide a second evenly: each call is exactly 333'333'333.3 ns apart.
  RateLimiter limiter({.calls_per_second = 3, .burst = 1}, Clock());
  int admitted = 0;
  for (int ms = 0; ms < 10'000; ++ms) {
    if (limiter.Admit("grid-wang").ok()) ++admitted;
    now_ns_ += kMs;
  }
  EXPECT_EQ(admitted, 30) << "the first from the burst, then 3 a second for 10 s, less the "
                             "one the last third of a second has not yet refilled";
}

TEST_F(RateLimiterTest, PrincipalsHaveTheirOwnBuckets) {
  RateLimiter limiter({.calls_per_second = 10, .burst = 20}, Clock());
  ASSERT_EQ(AdmittedInARow(limiter, "shop-1"), 20);
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2"), 20) << "shop-1's calls cost shop-2 nothing";
  EXPECT_FALSE(limiter.Admit("shop-1").ok());
  EXPECT_TRUE(absl::StrContains(limiter.Admit("shop-2").message(), "principal shop-2 "));
}

TEST_F(RateLimiterTest, ZeroIsUnlimited) {
  RateLimiter limiter({}, Clock());
  EXPECT_EQ(AdmittedInARow(limiter, "script", 100'000), 100'000);
  EXPECT_EQ(limiter.buckets(), 0u) << "nothing kept for an unlimited principal";
}

TEST_F(RateLimiterTest, ABurstOfZeroIsTwiceTheRate) {
  RateLimiter limiter({.calls_per_second = 7, .burst = 0}, Clock());
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2"), 14);
  EXPECT_TRUE(absl::StrContains(limiter.Admit("shop-2").message(), "7 calls/s (burst 14)"));
}

TEST_F(RateLimiterTest, APrincipalsOwnLimitOverridesTheFlag) {
  RateLimiter limiter({.calls_per_second = 10, .burst = 10}, Clock());
  ASSERT_EQ(AdmittedInARow(limiter, "shop-1", 4), 4);
  limiter.SetLimit("shop-1", {.calls_per_second = 1, .burst = 2});
  EXPECT_EQ(AdmittedInARow(limiter, "shop-1"), 2) << "6 left, capped at the new burst";
  const absl::Status refused = limiter.Admit("shop-1");
  EXPECT_EQ(refused.message(),
            "rate limit: principal shop-1 is over 1 calls/s (burst 2); set for this principal");
  now_ns_ += 1'000 * kMs;
  EXPECT_EQ(AdmittedInARow(limiter, "shop-1"), 1) << "refills at its own rate";
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2"), 10) << "others keep the flag's";

  limiter.SetLimit("audit-export", {.calls_per_second = 0, .burst = 0});
  EXPECT_EQ(AdmittedInARow(limiter, "audit-export", 10'000), 10'000) << "unlimited";
  limiter.SetLimit("shop-2", {.calls_per_second = 0, .burst = 0});
  EXPECT_EQ(AdmittedInARow(limiter, "shop-2", 10'000), 10'000) << "lifted with a bucket empty";

  RateLimiter unlimited({}, Clock());
  unlimited.SetLimit("script", {.calls_per_second = 5, .burst = 5});
  EXPECT_EQ(AdmittedInARow(unlimited, "script"), 5) << "a limit where the flag sets none";
  EXPECT_EQ(AdmittedInARow(unlimited, "other", 10'000), 10'000);
}

TEST_F(RateLimiterTest, HugeJumpsAndTheLargestLimitsDoNotOverflow) {
  constexpr uint32_t kMax32 = std::numeric_limits<uint32_t>::max();
  for (const RateLimit limit : {RateLimit{.calls_per_second = 50, .burst = 100},
                                RateLimit{.calls_per_second = kMax32, .burst = kMax32},
                                RateLimit{.calls_per_second = kMax32, .burst = 0},
                                RateLimit{.calls_per_second = 1, .burst = kMax32}}) {
    SCOPED_TRACE(absl::StrCat(limit.calls_per_second, "/", limit.burst));
    now_ns_ = 0;
    RateLimiter limiter(limit, Clock());
    const uint64_t burst = limit.burst != 0 ? limit.burst : 2 * uint64_t{limit.calls_per_second};
    ASSERT_TRUE(limiter.Admit("shop-2").ok());
    // From time 0 to the end of time: elapsed × rate is ~2^96 nanocalls, a wrapped product would
    // leave the bucket anywhere. Full is `burst` calls, less the one being admitted now.
    now_ns_ = std::numeric_limits<uint64_t>::max();
    if (burst <= 1'000) {
      EXPECT_EQ(AdmittedInARow(limiter, "shop-2", 10'000), static_cast<int>(burst));
    } else {
      EXPECT_EQ(AdmittedInARow(limiter, "shop-2", 1'000), 1'000);
    }
  }

  // The clock going back refills nothing and breaks nothing.
  RateLimiter small({.calls_per_second = 1, .burst = 1}, Clock());
  now_ns_ = std::numeric_limits<uint64_t>::max();
  ASSERT_TRUE(small.Admit("shop-2").ok());
  now_ns_ = 0;
  EXPECT_FALSE(small.Admit("shop-2").ok());
  now_ns_ = std::numeric_limits<uint64_t>::max();
  EXPECT_FALSE(small.Admit("shop-2").ok()) << "no time has passed since the last call";
}

TEST_F(RateLimiterTest, FullBucketsAreDroppedFirstAndTheCountStaysBounded) {
  constexpr size_t kMax = 16;
  RateLimiter limiter({.calls_per_second = 1, .burst = 3}, Clock(), kMax);
  // Two busy principals, their buckets part used; the rest call once and refill.
  ASSERT_EQ(AdmittedInARow(limiter, "busy-1"), 3);
  ASSERT_EQ(AdmittedInARow(limiter, "busy-2"), 3);
  for (size_t i = 0; i < kMax - 2; ++i) ASSERT_TRUE(limiter.Admit(absl::StrCat("idle-", i)).ok());
  ASSERT_EQ(limiter.buckets(), kMax);
  now_ns_ += 1'000 * kMs;  // the idle ones are full again; the busy ones hold 1 of 3
  for (int i = 0; i < 1'000; ++i) {
    ASSERT_TRUE(limiter.Admit(absl::StrCat("new-", i)).ok()) << "a new principal has a bucket";
    ASSERT_LE(limiter.buckets(), kMax) << i;
    // The busy ones call once a second, at their rate: their buckets stay at 1 of 3, never
    // full, so never dropped.
    if (i % 10 == 0) {
      now_ns_ += 1'000 * kMs;
      ASSERT_TRUE(limiter.Admit("busy-1").ok()) << i;
      ASSERT_TRUE(limiter.Admit("busy-2").ok()) << i;
    }
  }
  // Each holds the one call it had left, not a fresh burst of 3: its bucket was never dropped.
  EXPECT_EQ(AdmittedInARow(limiter, "busy-1"), 1);
  EXPECT_EQ(AdmittedInARow(limiter, "busy-2"), 1);

  // When every bucket is part used, the longest idle go: still bounded.
  RateLimiter crowded({.calls_per_second = 1, .burst = 2}, Clock(), kMax);
  for (int i = 0; i < 1'000; ++i) {
    now_ns_ += 1;
    ASSERT_TRUE(crowded.Admit(absl::StrCat("p-", i)).ok());
    ASSERT_LE(crowded.buckets(), kMax) << i;
  }
  EXPECT_EQ(AdmittedInARow(crowded, "p-999"), 1) << "the newest kept its part-used bucket";
  EXPECT_EQ(AdmittedInARow(crowded, "p-0"), 2) << "the oldest was dropped: a fresh bucket";
}

TEST_F(RateLimiterTest, TheDefaultBucketCountIsTheNamedMax) {
  RateLimiter limiter({.calls_per_second = 1, .burst = 1}, Clock());
  for (size_t i = 0; i < kRateLimitedPrincipalsMax + 100; ++i) {
    ASSERT_TRUE(limiter.Admit(absl::StrCat("household-", i)).ok()) << i;
  }
  EXPECT_LE(limiter.buckets(), kRateLimitedPrincipalsMax);
  EXPECT_GT(limiter.buckets(), kRateLimitedPrincipalsMax / 2);
}

TEST_F(RateLimiterTest, ConcurrentCallersShareOneBucketExactly) {
  // Twice the burst, from 8 threads at once: a lost update would admit more than the burst.
  RateLimiter limiter({.calls_per_second = 1, .burst = 100'000}, Clock());
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25'000; ++i) {
        if (limiter.Admit("shop-2").ok()) ++admitted;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 100'000);
}

TEST(ParseRateLimitTest, AcceptsTheForms) {
  struct Case {
    const char* text;
    RateLimit limit;
  } cases[] = {
      {"50/100", {50, 100}},
      {"50", {50, 100}},
      {"0", {0, 0}},
      {"1/1", {1, 1}},
      {"7/3", {7, 3}},
      {"007", {7, 14}},
      {"1000000", {kRateLimitCallsPerSecondMax, 2 * kRateLimitCallsPerSecondMax}},
      {"1000000/10000000", {kRateLimitCallsPerSecondMax, kRateLimitBurstMax}},
  };
  for (const Case& c : cases) {
    auto limit = ParseRateLimit(c.text);
    ASSERT_TRUE(limit.ok()) << c.text << ": " << limit.status();
    EXPECT_EQ(*limit, c.limit) << c.text;
  }
}

TEST(ParseRateLimitTest, RefusesOtherTextSayingWhy) {
  struct Case {
    const char* text;
    const char* refusal;
  } cases[] = {
      {"", "expected CALLS_PER_SECOND[/BURST]"},
      {"fast", "expected CALLS_PER_SECOND[/BURST]"},
      {"50/", "expected CALLS_PER_SECOND[/BURST]"},
      {"/100", "expected CALLS_PER_SECOND[/BURST]"},
      {"50/100/2", "expected CALLS_PER_SECOND[/BURST]"},
      {"-5", "expected CALLS_PER_SECOND[/BURST]"},
      {"+5", "expected CALLS_PER_SECOND[/BURST]"},
      {" 5", "expected CALLS_PER_SECOND[/BURST]"},
      {"5 ", "expected CALLS_PER_SECOND[/BURST]"},
      {"5.5", "expected CALLS_PER_SECOND[/BURST]"},
      {"5/2x", "expected CALLS_PER_SECOND[/BURST]"},
      {"99999999999999999999999", "expected CALLS_PER_SECOND[/BURST]"},
      {"1000001", "at most 1000000 calls per second, got 1000001"},
      {"4294967296", "at most 1000000 calls per second"},
      {"50/0", "a burst of 1..10000000 calls, got 0"},
      {"50/10000001", "a burst of 1..10000000 calls, got 10000001"},
      {"0/100", "0 means unlimited and takes no burst"},
  };
  for (const Case& c : cases) {
    auto limit = ParseRateLimit(c.text);
    EXPECT_EQ(limit.status().code(), absl::StatusCode::kInvalidArgument) << "'" << c.text << "'";
    EXPECT_TRUE(absl::StrContains(limit.status().message(), c.refusal)) << limit.status();
    EXPECT_TRUE(absl::StartsWith(limit.status().message(), "--rate-limit: ")) << limit.status();
  }
}

}  // namespace
}  // namespace points::server

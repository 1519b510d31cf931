// Invariant checks that stay on in production builds. A broken invariant means the in-memory
// ledger can no longer be trusted: the process stops before it can journal or report anything
// built on it (TigerBeetle's rule: assertions are a force multiplier, not a debug aid). One
// condition per check (no `a && b`): the message then names the condition that failed.
#ifndef POINTS_CHECK_H_
#define POINTS_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define POINTS_CHECK(condition)                                                                \
  do {                                                                                         \
    if (__builtin_expect(!(condition), 0)) {                                                   \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)

// A check of what is costly to check on every call (a whole structure, a loop over entries), for
// debug builds and for the sanitizer and fuzz builds (POINTS_DEBUG_CHECKS, set by CMake); compiled
// out of release builds, where the condition is not evaluated. Never a substitute for a
// POINTS_CHECK of an invariant the ledger's correctness rests on. As with POINTS_CHECK, one
// condition per check, so a failure names the one that broke.
#if !defined(NDEBUG) || defined(POINTS_DEBUG_CHECKS)
#define POINTS_DCHECK(condition) POINTS_CHECK(condition)
#else
#define POINTS_DCHECK(condition)  \
  do {                            \
    if (false) (void)(condition); \
  } while (false)
#endif

#endif  // POINTS_CHECK_H_

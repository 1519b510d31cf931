// Invariant checks that stay on in production builds. A broken invariant means the in-memory
// ledger can no longer be trusted: the process stops before it can journal or report anything
// built on it (TigerBeetle's rule: assertions are a force multiplier, not a debug aid).
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

#endif  // POINTS_CHECK_H_

// Fault points: named places where a crash test makes pointsd die as if the power failed there,
// so a window between two durable steps is tested on purpose rather than hit by luck. With
// POINTS_FAULT_POINT=<name> in its environment the process SIGKILLs itself the first time it
// reaches the point of that name. Unset (as in production) a fault point costs a comparison with
// a string read once. The names are listed where they are placed; tests name them.
#ifndef POINTS_SERVER_DOMAIN_STORE_FAULT_POINT_H_
#define POINTS_SERVER_DOMAIN_STORE_FAULT_POINT_H_

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace points::domain {

inline void FaultPoint(const char* name) {
  static const char* const armed = std::getenv("POINTS_FAULT_POINT");
  if (armed != nullptr && std::strcmp(armed, name) == 0) std::raise(SIGKILL);
}

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_STORE_FAULT_POINT_H_

// An LD_PRELOAD shim for the sync-failure test: while the file named by $POINTS_FAIL_SYNC_FLAG
// exists, fsync and fdatasync fail with EIO, as they do on a dying disk or a lost network block
// device. pointsd itself is the unmodified binary.
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#include <cstdlib>

namespace {

bool Failing() {
  const char* flag = std::getenv("POINTS_FAIL_SYNC_FLAG");
  return flag != nullptr && access(flag, F_OK) == 0;
}

using SyncFunction = int (*)(int);

int Sync(const char* name, int fd) {
  if (Failing()) {
    errno = EIO;
    return -1;
  }
  // Looked up on each call: a static would be shared by both names' first callers.
  auto real = reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, name));
  return real != nullptr ? real(fd) : -1;
}

}  // namespace

extern "C" int fsync(int fd) { return Sync("fsync", fd); }
extern "C" int fdatasync(int fd) { return Sync("fdatasync", fd); }

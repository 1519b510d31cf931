// Large tables on transparent huge pages (2 MiB). The id index of millions of transfers is one
// allocation of hundreds of MiB filled in random order; on 4 KiB pages every first touch of a
// page faulted, and a reopen of 10M transfers from its snapshot spent a third of its time in
// those faults (in a VM, where a fault costs more). The kernel's THP mode is usually "madvise",
// so the allocation asks for them. Smaller allocations come from operator new as usual.
#ifndef POINTS_ENGINE_HUGE_PAGES_H_
#define POINTS_ENGINE_HUGE_PAGES_H_

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace points {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// An allocator for std and absl containers: at least kHugePageBytes from mmap with
// MADV_HUGEPAGE (advice only: without THP it is an ordinary mapping), less from operator new.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: rebinding, as allocators do

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) {
      return static_cast<T*>(::operator new(bytes, std::align_val_t(alignof(T))));
    }
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    (void)madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) {
      ::operator delete(p, std::align_val_t(alignof(T)));
    } else {
      munmap(p, bytes);
    }
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

}  // namespace points

#endif  // POINTS_ENGINE_HUGE_PAGES_H_

// SPDX-License-Identifier: BSD-3-Clause
// An allocator for large buffers read and written at random, such as a gradient over
// every feature or an epoch's order of rows: it asks the kernel for 2 MB pages, as numpy
// does for its arrays, so that scattered accesses do not each miss the TLB, and a fresh
// buffer costs one page fault instead of hundreds (on the VM of bench/RESULTS.md, a fresh
// 2 MB vector took 0.85-1.1 ms to zero on 4 kB pages and 0.07 ms on a 2 MB one). The C++
// benchmarks allocate their data with it too, to read it as training from Python does.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace sgdlearn {

template <class T>
struct HugePageAllocator {
  using value_type = T;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kThreshold) return std::allocator<T>().allocate(n);
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, rounded, MADV_HUGEPAGE);  // advice: a kernel without it still works
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < kThreshold) {
      std::allocator<T>().deallocate(p, n);
    } else {
      std::free(p);
    }
  }

 private:
  static constexpr std::size_t kHugePage = std::size_t(2) << 20;
  // Each buffer from here up takes whole huge pages, at least half of them its own
  // (numpy's threshold is 4 MB, where rounding up costs at most a third).
  static constexpr std::size_t kThreshold = std::size_t(1) << 20;
};

template <class T, class U>
bool operator==(const HugePageAllocator<T>&, const HugePageAllocator<U>&) { return true; }
template <class T, class U>
bool operator!=(const HugePageAllocator<T>&, const HugePageAllocator<U>&) { return false; }

template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace sgdlearn

// SPDX-License-Identifier: BSD-3-Clause
// A std::vector whose growth leaves new elements uninitialised, for buffers that are
// sized first and written after: text read from files, values written by the parsers.
#pragma once

#include <memory>
#include <utility>
#include <vector>

namespace sgdlearn::readers {

// std::allocator, except that a value-less construct leaves the element uninitialised.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

template <class T>
using UninitializedVector = std::vector<T, UninitializedAllocator<T>>;

}  // namespace sgdlearn::readers

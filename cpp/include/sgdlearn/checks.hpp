// SPDX-License-Identifier: BSD-3-Clause
// Checks of input values in one pass each: the Python layer asks for them on
// partial_fit's path for small batches, where numpy takes two to five calls for each
// (microseconds apiece once other work has evicted their caches), and the trainers
// check their weights with them.
#pragma once

#include <algorithm>
#include <cstdint>

#include "sgdlearn/data_view.hpp"

namespace sgdlearn {

// Whether every value is finite. Blocks without an early exit, which the compiler
// vectorises: x - x is 0 for a finite x and NaN for an infinite or NaN one. The flags
// are or-ed as integers (see CsrMatrix::first_bad_index).
template <class T>
bool all_finite(const T* v, Index n) {
  constexpr Index kBlock = 1024;
  for (Index start = 0; start < n; start += kBlock) {
    const Index end = std::min(n, start + kBlock);
    std::uint32_t any_bad = 0;
    for (Index j = start; j < end; ++j) any_bad |= std::uint32_t(!(v[j] - v[j] == T(0)));
    if (any_bad) return false;
  }
  return true;
}

// Writes each label's position among `classes` (sorted ascending, distinct) into
// `positions`, as numpy's searchsorted would; returns the index of the first label that
// is none of the classes (a NaN is none), or -1.
template <class Label>
Index class_positions(const Label* labels, Index n, const Label* classes, Index n_classes,
                      std::int32_t* positions) {
  const Label* end = classes + n_classes;
  for (Index i = 0; i < n; ++i) {
    const Label* at = std::lower_bound(classes, end, labels[i]);
    if (at == end || !(*at == labels[i])) return i;
    positions[i] = std::int32_t(at - classes);
  }
  return -1;
}

}  // namespace sgdlearn

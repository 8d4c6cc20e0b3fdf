// SPDX-License-Identifier: BSD-3-Clause
// Zero-copy views over caller memory: dense row-major matrices and CSR matrices,
// and the row types that every kernel iterates over.
#pragma once

#include <algorithm>
#include <cstdint>
#include <variant>

namespace sgdlearn {

using Index = std::int64_t;

// One dense row: every feature is present, index j is implicit.
template <class T>
struct DenseRow {
  const T* values;
  Index n_features;

  Index size() const { return n_features; }

  template <class F>
  void for_each(F&& f) const {
    for (Index j = 0; j < n_features; ++j) f(j, values[j]);
  }
  // Accumulates in double, in feature order (the order scikit-learn uses).
  template <class W>
  double dot(const W* w) const {
    double sum = 0.0;
    for (Index j = 0; j < n_features; ++j) sum += double(w[j]) * double(values[j]);
    return sum;
  }
  double squared_norm() const {
    double sum = 0.0;
    for (Index j = 0; j < n_features; ++j) sum += double(values[j]) * double(values[j]);
    return sum;
  }
};

// One sparse row: nnz (index, value) pairs.
template <class T>
struct SparseRow {
  const T* values;
  const std::int32_t* indices;
  Index nnz;

  Index size() const { return nnz; }

  template <class F>
  void for_each(F&& f) const {
    for (Index k = 0; k < nnz; ++k) f(Index(indices[k]), values[k]);
  }
  template <class W>
  double dot(const W* w) const {
    double sum = 0.0;
    for (Index k = 0; k < nnz; ++k) sum += double(w[indices[k]]) * double(values[k]);
    return sum;
  }
  double squared_norm() const {
    double sum = 0.0;
    for (Index k = 0; k < nnz; ++k) sum += double(values[k]) * double(values[k]);
    return sum;
  }
};

template <class T>
struct DenseMatrix {
  using Scalar = T;
  using Row = DenseRow<T>;
  static constexpr bool kSparse = false;

  const T* data;
  Index n_rows;
  Index n_cols;

  Row row(Index i) const { return Row{data + i * n_cols, n_cols}; }
  Index nnz() const { return n_rows * n_cols; }

  // Shuffled rows are far apart in memory: the trainers ask for a row a few examples
  // ahead so that its cache misses overlap with work. Dense rows need only their start.
  void prefetch_row_pointer(Index) const {}
  void prefetch_row(Index i) const {
    const T* start = data + i * n_cols;
    for (Index j = 0; j < std::min<Index>(n_cols, 4 * kCacheLineValues); j += kCacheLineValues)
      __builtin_prefetch(start + j);
  }

 private:
  static constexpr Index kCacheLineValues = 64 / Index(sizeof(T));
};

// CSR with int32 indices and row pointers, as scipy builds it for fewer than 2^31
// stored values.
template <class T>
struct CsrMatrix {
  using Scalar = T;
  using Row = SparseRow<T>;
  static constexpr bool kSparse = true;

  const T* data;
  const std::int32_t* indices;
  const std::int32_t* indptr;
  Index n_rows;
  Index n_cols;

  Row row(Index i) const {
    const Index begin = indptr[i];
    return Row{data + begin, indices + begin, Index(indptr[i + 1]) - begin};
  }
  Index nnz() const { return indptr[n_rows]; }

  // Prefetching a shuffled row takes two steps, each issued well before use: its entry
  // in indptr, then (once that has arrived) its values and indices.
  void prefetch_row_pointer(Index i) const { __builtin_prefetch(indptr + i); }
  void prefetch_row(Index i) const {
    const Index begin = indptr[i], end = indptr[i + 1];
    for (Index k = begin; k < end; k += 64 / Index(sizeof(T))) __builtin_prefetch(data + k);
    for (Index k = begin; k < end; k += 16) __builtin_prefetch(indices + k);
  }
};

template <class T>
using MatrixView = std::variant<DenseMatrix<T>, CsrMatrix<T>>;

}  // namespace sgdlearn

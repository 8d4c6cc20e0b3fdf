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
  // The k-th stored entry, for loops that take entries two at a time.
  Index index(Index k) const { return k; }
  T value(Index k) const { return values[k]; }

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
  bool has_distinct_sorted_indices() const { return true; }
};

// One sparse row: nnz (index, value) pairs.
template <class T>
struct SparseRow {
  const T* values;
  const std::int32_t* indices;
  Index nnz;

  Index size() const { return nnz; }
  Index index(Index k) const { return Index(indices[k]); }
  T value(Index k) const { return values[k]; }

  template <class F>
  void for_each(F&& f) const {
    for (Index k = 0; k < nnz; ++k) f(Index(indices[k]), values[k]);
  }
  // Four partial sums: the gathers from w are independent, and one running sum would
  // make each wait for the previous add.
  template <class W>
  double dot(const W* w) const {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    Index k = 0;
    for (; k + 4 <= nnz; k += 4) {
      s0 += double(w[indices[k]]) * double(values[k]);
      s1 += double(w[indices[k + 1]]) * double(values[k + 1]);
      s2 += double(w[indices[k + 2]]) * double(values[k + 2]);
      s3 += double(w[indices[k + 3]]) * double(values[k + 3]);
    }
    for (; k < nnz; ++k) s0 += double(w[indices[k]]) * double(values[k]);
    return (s0 + s1) + (s2 + s3);
  }
  double squared_norm() const {
    double sum = 0.0;
    for (Index k = 0; k < nnz; ++k) sum += double(values[k]) * double(values[k]);
    return sum;
  }
  // scipy allows repeated indices in a row (they add up); canonical rows have none.
  bool has_distinct_sorted_indices() const {
    for (Index k = 1; k < nnz; ++k) {
      if (indices[k] <= indices[k - 1]) return false;
    }
    return true;
  }
};

// Which cache a prefetch fills: __builtin_prefetch's locality. kL2 is prefetcht1;
// kL1NonTemporal is prefetchnta, which fills L1 and marks the line as read once, so
// that it leaves the caches before the weights do.
enum class CacheLevel : int { kL2 = 2, kL1NonTemporal = 0 };

// Asks for every cache line of [begin, end), by default into the L2 cache: a row's ten
// or so lines, a few rows ahead, are more misses than the L1 cache can keep in flight.
// Where memory is slow (200-250 ns a random load on one 2-vCPU machine of
// bench/RESULTS.md), asking for them into L1 that far ahead left plain SGD's shuffled
// epochs waiting on them (46 -> 36 ms an epoch of 250,000 text-like rows with L2); a
// second, near request moves them on into L1 (prefetch_ahead). The empty asm marks each
// step as a side effect: a loop of bare prefetches has none, and GCC deletes it.
template <CacheLevel kLevel = CacheLevel::kL2>
inline void prefetch_range(const void* begin, const void* end) {
  constexpr std::uintptr_t kCacheLine = 64;
  for (auto p = reinterpret_cast<std::uintptr_t>(begin) & ~(kCacheLine - 1);
       p < reinterpret_cast<std::uintptr_t>(end); p += kCacheLine) {
    __builtin_prefetch(reinterpret_cast<const void*>(p), 0, int(kLevel));
    asm volatile("" : : "r"(p));
  }
}

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
  bool rows_have_distinct_sorted_indices() const { return true; }

  // Shuffled rows are far apart in memory: the trainers ask for a row a few examples
  // ahead so that its cache misses overlap with work. Dense rows need only their start.
  void prefetch_row_pointer(Index) const {}
  template <CacheLevel kLevel = CacheLevel::kL2>
  void prefetch_row(Index i) const {
    const T* start = data + i * n_cols;
    prefetch_range<kLevel>(start, start + std::min<Index>(n_cols, kPrefetchValues));
  }

 private:
  // The hardware prefetcher follows a long row once it has seen it start.
  static constexpr Index kPrefetchValues = 256 / Index(sizeof(T));
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

  // Whether every row is canonical (see SparseRow::has_distinct_sorted_indices): one
  // pass for a whole call, where checking each row as it is used would take one an
  // epoch, in shuffled order. Rows are short, and a loop a row spent its time starting
  // and ending: one loop without a branch counts every index not above the one before
  // it over the whole array (vectorised), then those at the first index of a row are
  // taken off (250,000 rows of 45: 2.9 -> 2.1 ms).
  bool rows_have_distinct_sorted_indices() const {
    const Index n = nnz();
    std::uint32_t descents = 0;  // nnz < 2^31
    for (Index k = 1; k < n; ++k) descents += std::uint32_t(indices[k] <= indices[k - 1]);
    for (Index i = 1; i < n_rows; ++i) {
      const Index first = indptr[i];  // of row i, or where it would be when empty
      const bool new_position = first > indptr[i - 1];
      if (new_position && first < n && indices[first] <= indices[first - 1]) --descents;
    }
    return descents == 0;
  }

  // Position of the first column index outside [0, n_cols), or -1: scipy does not check
  // them, and one out of range would make a kernel read outside the weights.
  Index first_bad_index() const {
    // As unsigned, a negative index is above any int32 limit: one compare finds both.
    const auto limit = std::uint32_t(std::min<Index>(n_cols, Index(1) << 31));
    const Index n = nnz();
    // Blocks without an early exit, which the compiler vectorises: a branch per index
    // made this 1.3x slower than reading the indices. The flags are or-ed as integers:
    // GCC leaves a loop that ors bools scalar (3.3 ms for 11.4M indices against 1.4).
    constexpr Index kBlock = 4096;
    for (Index start = 0; start < n; start += kBlock) {
      const Index end = std::min(n, start + kBlock);
      std::uint32_t any_bad = 0;
      for (Index k = start; k < end; ++k) any_bad |= std::uint32_t(std::uint32_t(indices[k]) >= limit);
      if (!any_bad) continue;
      for (Index k = start; k < end; ++k) {
        if (std::uint32_t(indices[k]) >= limit) return k;
      }
    }
    return -1;
  }

  // Prefetching a shuffled row takes two steps, each issued well before use: its entry
  // in indptr, then (once that has arrived) its values and indices.
  void prefetch_row_pointer(Index i) const { __builtin_prefetch(indptr + i); }
  template <CacheLevel kLevel = CacheLevel::kL2>
  void prefetch_row(Index i) const {
    const Index begin = indptr[i], end = indptr[i + 1];
    prefetch_range<kLevel>(data + begin, data + end);
    prefetch_range<kLevel>(indices + begin, indices + end);
  }
};

template <class T>
using MatrixView = std::variant<DenseMatrix<T>, CsrMatrix<T>>;

}  // namespace sgdlearn

// SPDX-License-Identifier: BSD-3-Clause
// The columns of a sparse matrix cut into contiguous ranges holding about equal shares
// of its stored values, and its rows cut at those ranges, for a mini-batch step shared
// by column (batch_trainer.hpp): each thread reads its part of the rows, sums the
// gradient and steps the weights of its own columns, so that no coordinate's gradient
// or state is written by two threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "sgdlearn/data_view.hpp"

namespace sgdlearn::detail {

// parts + 1 column boundaries (0 first, n_cols last) with about nnz / parts stored
// values between each two, counted over evenly spaced rows of X holding about 2^20
// values: counting all 11.4M of a 250,000-row matrix took 3 ms a call, and the
// boundaries only balance the threads' work.
template <class Matrix>
std::vector<Index> column_splits(const Matrix& X, int parts) {
  std::vector<Index> splits(std::size_t(parts) + 1, X.n_cols);
  splits[0] = 0;
  if constexpr (Matrix::kSparse) {
    constexpr Index kCountedValues = Index(1) << 20;
    const Index row_step = std::max<Index>(1, X.nnz() / kCountedValues);
    std::vector<Index> per_column(std::size_t(X.n_cols), 0);
    Index nnz = 0;
    for (Index i = 0; i < X.n_rows; i += row_step) {
      const auto row = X.row(i);
      for (Index k = 0; k < row.nnz; ++k) ++per_column[std::size_t(row.indices[k])];
      nnz += row.nnz;
    }
    Index seen = 0, column = 0;
    for (int part = 1; part < parts; ++part) {
      const Index wanted = nnz * part / parts;
      while (column < X.n_cols && seen < wanted) seen += per_column[std::size_t(column++)];
      splits[std::size_t(part)] = column;
    }
  } else {
    for (int part = 1; part < parts; ++part) splits[std::size_t(part)] = X.n_cols * part / parts;
  }
  return splits;
}

// The position of the first index >= column in sorted indices [first, first + n),
// without a branch per halving (they are mispredicted one time in two).
inline Index first_at_or_after(const std::int32_t* first, Index n, Index column) {
  if (n == 0) return 0;
  const std::int32_t* base = first;
  while (n > 1) {  // the answer lies in [base, base + n]
    const Index half = n / 2;
    base = Index(base[half]) < column ? base + half : base;
    n -= half;
  }
  return Index(base - first) + (Index(*base) < column ? 1 : 0);
}

// Where a row's values enter each part's columns: [begin, end) of its values.
struct RowCut {
  Index begin, end;
};

// For a matrix whose rows have sorted, distinct indices: the column boundaries, and
// where every row crosses them, found once for a training call (a binary search a
// row and boundary) so that a step's threads read only their own parts of the rows.
class ColumnCuts {
 public:
  template <class Matrix>
  ColumnCuts(const Matrix& X, int parts) : parts_(parts), bounds_(column_splits(X, parts)) {
    if constexpr (Matrix::kSparse) {
      const std::vector<Index>& bounds = bounds_;
      inner_.resize(std::size_t(X.n_rows) * std::size_t(parts - 1));
      // The threads that will share the steps share this search (2 ms on one thread
      // for 250,000 rows of 45 values).
#pragma omp parallel for num_threads(parts) schedule(static)
      for (Index i = 0; i < X.n_rows; ++i) {
        const auto row = X.row(i);
        for (int part = 1; part < parts; ++part) {
          inner_[std::size_t(i * (parts - 1) + part - 1)] =
              std::int32_t(first_at_or_after(row.indices, row.nnz, bounds[std::size_t(part)]));
        }
      }
    }
  }

  // Row i (of nnz values) in the columns of `part`.
  RowCut cut(Index i, Index nnz, int part) const {
    const std::int32_t* at = inner_.data() + i * (parts_ - 1);
    return {part == 0 ? 0 : Index(at[part - 1]), part == parts_ - 1 ? nnz : Index(at[part])};
  }
  void prefetch(Index i) const { __builtin_prefetch(inner_.data() + i * (parts_ - 1)); }

  // The columns of `part`: [first, last).
  std::pair<Index, Index> columns(int part) const {
    return {bounds_[std::size_t(part)], bounds_[std::size_t(part) + 1]};
  }

 private:
  int parts_;
  std::vector<Index> bounds_;
  std::vector<std::int32_t> inner_;  // per row, its parts' first values but the first's
};

// Where a piece of a row lies in the matrix's arrays, in 8 bytes where a SparseRow takes
// 24: a step keeps its pieces from its first pass to its second, one per example and part.
struct PiecePlace {
  std::int32_t begin, size;

  template <class T>
  static PiecePlace of(const CsrMatrix<T>& X, const SparseRow<T>& piece) {
    return {std::int32_t(piece.indices - X.indices), std::int32_t(piece.nnz)};
  }
  template <class T>
  SparseRow<T> in(const CsrMatrix<T>& X) const {
    return {X.data + begin, X.indices + begin, Index(size)};
  }
};

template <class T>
SparseRow<T> row_piece(const SparseRow<T>& row, RowCut cut) {
  return {row.values + cut.begin, row.indices + cut.begin, cut.end - cut.begin};
}

template <class T>
void prefetch_piece(const SparseRow<T>& piece) {
  prefetch_range(piece.values, piece.values + piece.nnz);
  prefetch_range(piece.indices, piece.indices + piece.nnz);
}

}  // namespace sgdlearn::detail

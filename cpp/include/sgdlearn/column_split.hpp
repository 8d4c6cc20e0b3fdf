// SPDX-License-Identifier: BSD-3-Clause
// The columns of a sparse matrix cut into contiguous ranges holding about equal shares
// of its stored values, and its rows cut at those ranges, for a mini-batch step shared
// by column (batch_trainer.hpp): each thread reads its part of the rows, sums the
// gradient and steps the weights of its own columns, so that no coordinate's gradient
// or state is written by two threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "sgdlearn/data_view.hpp"

namespace sgdlearn::detail {

// parts + 1 column boundaries (0 first, n_cols last) with about nnz / parts stored
// values between each two, found among the column indices of evenly spaced rows of X
// holding about 2^16 values: the boundaries only balance the threads' work. Each
// boundary is one past the column of the value at its rank among them, which
// nth_element finds without a count per column: a partial_fit call touches no array
// over every feature (a count per column made a call of 1000 rows over 2^22 features
// take 23-25 ms instead of 1.1-1.2 with n_jobs=2). (2^16 values of a 250,000-row matrix
// moved its middle boundary by 0.2% of the columns from 2^20.)
template <class Matrix>
std::vector<Index> column_splits(const Matrix& X, int parts) {
  std::vector<Index> splits(std::size_t(parts) + 1, X.n_cols);
  splits[0] = 0;
  if constexpr (Matrix::kSparse) {
    constexpr Index kCountedValues = Index(1) << 16;
    const Index row_step = std::max<Index>(1, X.nnz() / kCountedValues);
    std::vector<std::int32_t> columns;
    for (Index i = 0; i < X.n_rows; i += row_step) {
      const auto row = X.row(i);
      columns.insert(columns.end(), row.indices, row.indices + row.nnz);
    }
    const Index counted = Index(columns.size());
    auto ranked = columns.begin();  // values before it are ranked below the rest
    for (int part = 1; part < parts; ++part) {
      const Index wanted = counted * part / parts;  // values left of the boundary
      if (wanted == 0) {
        splits[std::size_t(part)] = 0;
        continue;
      }
      const auto last_left = columns.begin() + (wanted - 1);
      std::nth_element(ranked, last_left, columns.end());
      ranked = last_left;
      splits[std::size_t(part)] = Index(*last_left) + 1;
    }
  } else {
    for (int part = 1; part < parts; ++part) splits[std::size_t(part)] = X.n_cols * part / parts;
  }
  return splits;
}

// Where a row's values enter each part's columns: [begin, end) of its values.
struct RowCut {
  Index begin, end;
};

// The column boundaries, and where every row of a sparse matrix crosses them, found
// once for a training call so that a step's threads read only their own parts of the
// rows. The cuts are only right for rows with sorted, distinct indices: the same pass
// checks that every row has them (rows_canonical()). For 250,000 rows of 45 it takes
// 2.5 ms on two threads, where a check of its own (3.4 ms on one) and binary searches
// for the cuts (1.7-3 ms) each read every index.
class ColumnCuts {
 public:
  template <class Matrix>
  ColumnCuts(const Matrix& X, int parts) : parts_(parts), bounds_(column_splits(X, parts)) {
    if constexpr (Matrix::kSparse) {
      const std::vector<Index>& bounds = bounds_;
      inner_.resize(std::size_t(X.n_rows) * std::size_t(parts - 1));
      std::uint32_t descents = 0;  // nnz < 2^31
      // Counts without a branch, which the compiler vectorises: a row's values are few,
      // and a binary search's dependent steps cost more than comparing them all. The
      // threads that will share the steps share this pass.
#pragma omp parallel for num_threads(parts) schedule(static) reduction(+ : descents)
      for (Index i = 0; i < X.n_rows; ++i) {
        const auto row = X.row(i);
        std::uint32_t row_descents = 0;
        for (Index k = 1; k < row.nnz; ++k) {
          row_descents += std::uint32_t(row.indices[k] <= row.indices[k - 1]);
        }
        descents += row_descents;
        for (int part = 1; part < parts; ++part) {
          const Index bound = bounds[std::size_t(part)];
          std::int32_t before = std::int32_t(row.nnz);  // every int32 index is below 2^31
          if (bound <= std::numeric_limits<std::int32_t>::max()) {
            const auto bound32 = std::int32_t(bound);
            before = 0;
            for (Index k = 0; k < row.nnz; ++k) before += std::int32_t(row.indices[k] < bound32);
          }
          inner_[std::size_t(i * (parts - 1) + part - 1)] = before;
        }
      }
      rows_canonical_ = descents == 0;
    }
  }

  // Whether every row's indices are sorted and distinct (scipy allows rows without);
  // if not, the cuts may be wrong.
  bool rows_canonical() const { return rows_canonical_; }

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
  bool rows_canonical_ = true;
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

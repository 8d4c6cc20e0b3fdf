// SPDX-License-Identifier: BSD-3-Clause
// Parsed rows in CSR form: the parsers append to a RowBlock line by line, the readers
// move rows between blocks to build chunks of an exact number of rows, and the
// bindings hand the arrays to numpy without copying.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sgdlearn/readers/uninitialized_vector.hpp"

namespace sgdlearn::readers {

// What parsing saw besides the rows: the smallest and largest column index written
// (and the first line with the largest), the rows, and the malformed lines dropped.
struct BlockStats {
  std::int64_t min_index = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_index = -1;
  std::size_t max_index_file = 0;
  long long max_index_line = 0;
  long long rows = 0;
  long long skipped = 0;      // on_error="skip"
  std::string first_skipped;  // "path:line: reason" of the first of them

  void note_index(std::int64_t index, std::size_t file, long long line) {
    min_index = std::min(min_index, index);
    if (index > max_index) {
      max_index = index;
      max_index_file = file;
      max_index_line = line;
    }
  }

  void merge(const BlockStats& other) {
    min_index = std::min(min_index, other.min_index);
    if (other.max_index > max_index) {
      max_index = other.max_index;
      max_index_file = other.max_index_file;
      max_index_line = other.max_index_line;
    }
    rows += other.rows;
    if (skipped == 0) first_skipped = other.first_skipped;
    skipped += other.skipped;
  }
};

template <class T>
struct RowBlock {
  std::vector<double> y;
  std::vector<double> weight;       // importance weights (VW); empty means all ones
  std::vector<std::int64_t> qid;    // svmlight query ids; empty when not asked for
  // Where each row was read: its file (an index into the reader's paths) and line, so
  // that an error found in a row later (an unknown label) can name them.
  std::vector<std::uint32_t> file;
  std::vector<std::int64_t> line;
  std::vector<std::int64_t> indptr{0};
  UninitializedVector<std::int32_t> indices;  // column indices (as written, until shifted)
  UninitializedVector<T> data;
  BlockStats stats;  // of the lines parsed into this block

  std::size_t n_rows() const { return y.size(); }
  std::size_t nnz() const { return indices.size(); }

  // Empties the block but keeps its memory, so that a reused block does not fault in
  // fresh pages.
  void clear() {
    y.clear();
    weight.clear();
    qid.clear();
    file.clear();
    line.clear();
    indptr.assign(1, 0);
    indices.clear();
    data.clear();
    stats = BlockStats();
  }

  void reserve(std::size_t rows, std::size_t values) {
    y.reserve(rows);
    file.reserve(rows);
    line.reserve(rows);
    indptr.reserve(rows + 1);
    indices.reserve(values);
    data.reserve(values);
  }

  // Undo a partly appended row (a malformed line being skipped).
  void truncate_to(std::size_t rows) {
    y.resize(std::min(y.size(), rows));
    weight.resize(std::min(weight.size(), rows));
    qid.resize(std::min(qid.size(), rows));
    file.resize(std::min(file.size(), rows));
    line.resize(std::min(line.size(), rows));
    indptr.resize(rows + 1);
    indices.resize(std::size_t(indptr.back()));
    data.resize(std::size_t(indptr.back()));
  }

  // Copies rows [from, from + count) of `other` to the end of this block (not its stats).
  void append_rows(const RowBlock& other, std::size_t from, std::size_t count) {
    const auto begin = std::size_t(other.indptr[from]);
    const auto end = std::size_t(other.indptr[from + count]);
    const std::int64_t shift = std::int64_t(indices.size()) - std::int64_t(begin);
    const auto row = [from](const auto& v, std::size_t k) { return v.begin() + std::ptrdiff_t(from + k); };
    y.insert(y.end(), row(other.y, 0), row(other.y, count));
    if (!other.weight.empty()) weight.insert(weight.end(), row(other.weight, 0), row(other.weight, count));
    if (!other.qid.empty()) qid.insert(qid.end(), row(other.qid, 0), row(other.qid, count));
    file.insert(file.end(), row(other.file, 0), row(other.file, count));
    line.insert(line.end(), row(other.line, 0), row(other.line, count));
    for (std::size_t r = from + 1; r <= from + count; ++r) indptr.push_back(other.indptr[r] + shift);
    indices.insert(indices.end(), other.indices.begin() + std::ptrdiff_t(begin),
                   other.indices.begin() + std::ptrdiff_t(end));
    data.insert(data.end(), other.data.begin() + std::ptrdiff_t(begin),
                other.data.begin() + std::ptrdiff_t(end));
  }
};

}  // namespace sgdlearn::readers

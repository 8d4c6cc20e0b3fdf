// SPDX-License-Identifier: BSD-3-Clause
// Loading whole files: blocks of lines parsed in parallel groups, then one CSR matrix
// assembled from them. svmlight's zero_based="auto" is decided as scikit-learn decides
// it, once every index is known: one-based when some index was read and none is 0.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "sgdlearn/errors.hpp"
#include "sgdlearn/readers/line_blocks.hpp"
#include "sgdlearn/readers/parallel_for.hpp"
#include "sgdlearn/readers/parse_error.hpp"
#include "sgdlearn/readers/row_block.hpp"
#include "sgdlearn/readers/text_format.hpp"
#include "sgdlearn/stop_token.hpp"

namespace sgdlearn::readers {

// The distinct labels a scan saw, up to kMaxLabels; more is a regression target, not
// classes, and the set is dropped.
struct LabelSet {
  static constexpr std::size_t kMaxLabels = 1000;
  std::set<double> values;
  bool overflow = false;

  void add(const std::vector<double>& y) {
    double last = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < y.size() && !overflow; ++i) {
      if (y[i] == last) continue;
      last = y[i];
      values.insert(last);
      if (values.size() > kMaxLabels) {
        overflow = true;
        values.clear();
      }
    }
  }
};

// Every block of the files, parsed (or only their statistics and labels, for a scan,
// when `labels` is given); `stats` gets the merged statistics.
template <class T>
std::vector<RowBlock<T>> parse_files(const std::vector<std::string>& paths, const ReaderOptions& options,
                                     int n_threads, std::size_t block_bytes, BlockStats& stats,
                                     StopToken& stop, LabelSet* labels = nullptr) {
  BlockReader reader(paths, block_bytes);
  std::vector<TextBlock> text;
  std::vector<RowBlock<T>> group, blocks;
  const std::size_t group_size = std::size_t(std::max(1, n_threads)) * 2;
  WorkerTeam team(std::max(1, n_threads) - 1);
  for (;;) {
    if (stop.should_stop()) throw Interrupted();
    const std::size_t n = read_group(reader, text, group_size);
    if (n == 0) break;
    std::exception_ptr error;
    parse_group(text, n, paths, options, group, team, error);
    if (error) std::rethrow_exception(error);
    for (std::size_t i = 0; i < n; ++i) {
      stats.merge(group[i].stats);
      if (labels) {
        labels->add(group[i].y);
      } else {
        blocks.push_back(std::move(group[i]));
      }
    }
  }
  return blocks;
}

// svmlight's first column (0 or 1) from the requested one (-1: auto) and the indices seen.
inline int resolve_first_index(int requested, const BlockStats& summary) {
  if (requested >= 0) return requested;
  return summary.max_index >= 0 && summary.min_index > 0 ? 1 : 0;
}

// The matrix width: n_features when given (checked against the largest index), else
// one more than the largest (shifted) index.
inline std::int64_t resolve_width(std::int64_t n_features, int first_index, const BlockStats& summary,
                           const std::vector<std::string>& paths) {
  const std::int64_t needed = summary.max_index >= 0 ? summary.max_index - first_index + 1 : 0;
  if (n_features < 0) return needed;
  if (needed > n_features) {
    throw ParseError(paths[summary.max_index_file], summary.max_index_line,
                     "feature index " + std::to_string(summary.max_index) + " beyond n_features=" +
                         std::to_string(n_features) +
                         (first_index ? " (indices are one-based)" : " (indices are zero-based)"));
  }
  return n_features;
}

// Concatenates the blocks into caller-allocated CSR arrays (sizes from the blocks'
// totals), shifting indices down by first_index; blocks are copied in parallel.
template <class T, class Index>
void concatenate(const std::vector<RowBlock<T>>& blocks, int first_index, T* data, Index* indices,
                 Index* indptr, double* y, double* weight, std::int64_t* qid, int n_threads) {
  const std::size_t n = blocks.size();
  std::vector<std::size_t> row_start(n + 1, 0), value_start(n + 1, 0);
  for (std::size_t b = 0; b < n; ++b) {
    row_start[b + 1] = row_start[b] + blocks[b].n_rows();
    value_start[b + 1] = value_start[b] + blocks[b].nnz();
  }
  indptr[0] = 0;
  parallel_for(n, n_threads, [&](std::size_t b) {
    const RowBlock<T>& block = blocks[b];
    const std::size_t r0 = row_start[b], v0 = value_start[b];
    std::copy(block.data.begin(), block.data.end(), data + v0);
    for (std::size_t k = 0; k < block.nnz(); ++k) indices[v0 + k] = Index(block.indices[k] - first_index);
    for (std::size_t r = 0; r < block.n_rows(); ++r) {
      indptr[r0 + r + 1] = Index(v0 + std::size_t(block.indptr[r + 1]));
      y[r0 + r] = block.y[r];
    }
    if (weight) {
      for (std::size_t r = 0; r < block.n_rows(); ++r) weight[r0 + r] = block.weight.empty() ? 1.0 : block.weight[r];
    }
    if (qid) std::copy(block.qid.begin(), block.qid.end(), qid + r0);
  });
}

}  // namespace sgdlearn::readers

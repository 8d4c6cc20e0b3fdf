// SPDX-License-Identifier: BSD-3-Clause
// Training sets for the microbenchmarks, generated here so that the benchmark binaries
// stand alone. The sparse one follows bench/datasets.py's text_like recipe in short:
// documents of words drawn with Zipf popularity (the r-th most popular word with
// probability proportional to 1/r), counts times idf, unit-norm rows, word ids a random
// permutation of ranks; labels from a hidden linear model. Not the same draws as Python.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "sgdlearn/data_view.hpp"
#include "sgdlearn/huge_pages.hpp"

namespace sgdlearn::bench {

// Arrays on huge pages, as numpy allocates them (sgdlearn/huge_pages.hpp; from 1 MB
// where numpy's start at 4 MB): the benchmarks read their rows through the pages that
// training from Python reads them through (a shuffled read of compare.py's size took
// 12.4 ms on 4 kB pages, 11.1 ms on 2 MB ones).
using sgdlearn::HugeVector;

// Problem sizes, settable on the command line (see parse_size_flags).
struct Sizes {
  Index rows = 20000;
  Index sparse_features = Index(1) << 16;
  Index nnz_per_row = 45;
  Index dense_features = 256;
};

inline Sizes& sizes() {
  static Sizes s;
  return s;
}

// Reads --rows=N, --sparse_features=N, --nnz_per_row=N and --dense_features=N from
// what benchmark::Initialize left in argv; returns false on anything else.
inline bool parse_size_flags(int argc, char** argv, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    Index* target = name == "--rows"              ? &sizes().rows
                    : name == "--sparse_features" ? &sizes().sparse_features
                    : name == "--nnz_per_row"     ? &sizes().nnz_per_row
                    : name == "--dense_features"  ? &sizes().dense_features
                                                  : nullptr;
    char* end = nullptr;
    const long long value =
        eq == std::string::npos ? 0 : std::strtoll(arg.c_str() + eq + 1, &end, 10);
    if (!target || eq == std::string::npos || *end != '\0' || value < 1) {
      error = "unknown or invalid argument: " + arg +
              " (sizes: --rows=N --sparse_features=N --nnz_per_row=N --dense_features=N)";
      return false;
    }
    *target = Index(value);
  }
  return true;
}

template <class T>
struct SparseData {
  HugeVector<T> values;
  HugeVector<std::int32_t> indices, indptr;
  std::vector<std::int32_t> classes;  // 1 positive, 0 negative
  Index n_cols = 0;

  CsrMatrix<T> view() const {
    return {values.data(), indices.data(), indptr.data(), Index(indptr.size()) - 1, n_cols};
  }
  Index n_rows() const { return Index(indptr.size()) - 1; }
};

template <class T>
struct DenseData {
  HugeVector<T> values;  // row-major
  std::vector<std::int32_t> classes;
  Index n_cols = 0;

  DenseMatrix<T> view() const { return {values.data(), Index(classes.size()), n_cols}; }
  Index n_rows() const { return Index(classes.size()); }
};

namespace detail {

inline std::vector<std::int32_t> labels_from_hidden_model(const std::vector<double>& margins) {
  std::vector<double> sorted = margins;
  auto middle = sorted.begin() + std::ptrdiff_t(sorted.size() / 2);
  std::nth_element(sorted.begin(), middle, sorted.end());
  std::vector<std::int32_t> classes(margins.size());
  for (std::size_t i = 0; i < margins.size(); ++i) classes[i] = margins[i] > *middle ? 1 : 0;
  return classes;
}

}  // namespace detail

template <class T>
SparseData<T> make_text_like(Index n_rows, Index n_features, Index nnz_per_row,
                             std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> cumulative(n_features), idf_of_rank(n_features);
  double total = 0.0;
  for (Index r = 0; r < n_features; ++r) total += 1.0 / double(r + 1);
  double running = 0.0;
  for (Index r = 0; r < n_features; ++r) {
    running += 1.0 / double(r + 1) / total;
    cumulative[r] = running;
    idf_of_rank[r] = std::log(total * double(r + 1));
  }
  std::vector<std::int32_t> word_of_rank(n_features);
  std::iota(word_of_rank.begin(), word_of_rank.end(), 0);
  std::shuffle(word_of_rank.begin(), word_of_rank.end(), rng);
  std::normal_distribution<double> normal;
  std::vector<double> hidden(n_features);
  for (double& h : hidden) h = normal(rng);

  // Draw words until the row has nnz_per_row distinct ones (or a cap of draws).
  SparseData<T> d;
  d.n_cols = n_features;
  d.indptr.push_back(0);
  std::uniform_real_distribution<double> uniform;
  std::vector<double> counts(n_features, 0.0);
  std::vector<Index> ranks;
  std::vector<double> margins(n_rows);
  for (Index i = 0; i < n_rows; ++i) {
    ranks.clear();
    const Index distinct = std::min(nnz_per_row, n_features);
    for (Index draw = 0; Index(ranks.size()) < distinct && draw < 20 * nnz_per_row; ++draw) {
      const auto rank = std::upper_bound(cumulative.begin(), cumulative.end(), uniform(rng));
      const Index r = std::min<Index>(n_features - 1, Index(rank - cumulative.begin()));
      if (counts[r]++ == 0.0) ranks.push_back(r);
    }
    std::vector<std::pair<std::int32_t, double>> row;
    double norm = 0.0;
    for (Index r : ranks) {
      const double v = counts[r] * idf_of_rank[r];
      row.emplace_back(word_of_rank[r], v);
      norm += v * v;
      counts[r] = 0.0;
    }
    std::sort(row.begin(), row.end());
    norm = std::sqrt(norm);
    double margin = 0.0;
    for (const auto& [j, v] : row) {
      d.indices.push_back(j);
      d.values.push_back(T(v / norm));
      margin += hidden[j] * v / norm;
    }
    margins[i] = margin;
    d.indptr.push_back(std::int32_t(d.indices.size()));
  }
  d.classes = detail::labels_from_hidden_model(margins);
  return d;
}

// Standard normal features; labels from a hidden linear model.
template <class T>
DenseData<T> make_dense(Index n_rows, Index n_features, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> hidden(n_features);
  for (double& h : hidden) h = normal(rng);
  DenseData<T> d;
  d.n_cols = n_features;
  d.values.resize(std::size_t(n_rows * n_features));
  std::vector<double> margins(n_rows, 0.0);
  for (Index i = 0; i < n_rows; ++i) {
    for (Index j = 0; j < n_features; ++j) {
      const double v = normal(rng);
      d.values[std::size_t(i * n_features + j)] = T(v);
      margins[i] += hidden[j] * v;
    }
  }
  d.classes = detail::labels_from_hidden_model(margins);
  return d;
}

// One generated set per type for the whole run, at the sizes of the command line.
template <class T>
const SparseData<T>& sparse_data() {
  static const SparseData<T> d =
      make_text_like<T>(sizes().rows, sizes().sparse_features, sizes().nnz_per_row, 42);
  return d;
}

template <class T>
const DenseData<T>& dense_data() {
  static const DenseData<T> d = make_dense<T>(sizes().rows, sizes().dense_features, 42);
  return d;
}

}  // namespace sgdlearn::bench

// SPDX-License-Identifier: BSD-3-Clause
// The inner kernels of every step: a row's dot product with the weights and the
// scaled-weight update w += c x (with its norm tracking), over all rows of a generated
// set in storage order; the bare reading of every row, in storage order or shuffled,
// which is what a shuffled epoch pays before any arithmetic; an epoch of nothing but
// those two kernels, in either order; and the shuffle between epochs. Items are stored
// values, so items/s is nonzeros/s (rows for the shuffle).
//
//   bench_kernels [--benchmark_...]
//                 [--rows=N --sparse_features=N --nnz_per_row=N --dense_features=N]
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "sgdlearn/sgdlearn.hpp"
#include "synthetic.hpp"

namespace {

using sgdlearn::Index;
using sgdlearn::ScaledWeights;
namespace synth = sgdlearn::bench;

template <class Data>
void count_values(benchmark::State& state, const Data& data) {
  const auto X = data.view();
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(X.nnz()));
  state.counters["rows"] = double(X.n_rows);
}

template <class Data>
void dot_all_rows(benchmark::State& state, const Data& data) {
  using T = typename decltype(data.view())::Scalar;
  const auto X = data.view();
  // Small nonzero weights, as after some training: the values do not matter to speed.
  const std::vector<T> w(std::size_t(X.n_cols), T(1e-3));
  for (auto _ : state) {
    double sum = 0.0;
    for (Index i = 0; i < X.n_rows; ++i) sum += X.row(i).dot(w.data());
    benchmark::DoNotOptimize(sum);
  }
  count_values(state, data);
}

template <class Data>
void axpy_all_rows(benchmark::State& state, const Data& data) {
  using T = typename decltype(data.view())::Scalar;
  const auto X = data.view();
  std::vector<T> v(std::size_t(X.n_cols), T(0));
  ScaledWeights<T> w(v.data(), nullptr, X.n_cols);
  for (auto _ : state) {
    for (Index i = 0; i < X.n_rows; ++i) w.add(X.row(i), 1e-6);
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
  }
  count_values(state, data);
}

// Sums every stored value and index of the sparse rows, in storage order (shuffled:0) or
// in a shuffled order (shuffled:1), asking for each row `ahead` rows in advance as the
// trainers do (detail::prefetch_ahead; theirs is 8, then 2 into L1, non-temporal). Rows
// out of order miss every cache once the data outgrow them (--rows=250000 is
// compare.py's text-like size); in order, the hardware prefetcher streams them. Reading
// alone goes faster than training, so it hides the same latency with a longer look
// ahead: the fastest shuffled read is the memory floor of a shuffled epoch.
template <class T>
void BM_SparseRowsRead(benchmark::State& state) {
  const auto X = synth::sparse_data<T>().view();
  const Index ahead = Index(state.range(1));
  sgdlearn::RowOrder order(std::size_t(X.n_rows));
  std::iota(order.begin(), order.end(), Index(0));
  if (state.range(0)) {
    sgdlearn::ShuffleRng rng(0);
    sgdlearn::detail::shuffle(order, rng);  // the trainers' permutation
  }
  const double* no_labels = nullptr;
  for (auto _ : state) {
    double values[4] = {0.0, 0.0, 0.0, 0.0};  // four chains: reading, not adding, is timed
    std::int64_t indices = 0;
    for (Index m = 0; m < X.n_rows; ++m) {
      sgdlearn::detail::prefetch_ahead(X, order, m, no_labels, nullptr, 1, ahead);
      const auto row = X.row(order[std::size_t(m)]);
      for (Index k = 0; k < row.nnz; ++k) {
        values[k & 3] += double(row.values[k]);
        indices |= row.indices[k];
      }
    }
    benchmark::DoNotOptimize(values);
    benchmark::DoNotOptimize(indices);
  }
  count_values(state, synth::sparse_data<T>());
}

// One epoch of plain SGD stripped to its kernels: for each row, with the trainers'
// prefetching, the dot product and the update w += c x (c from the dot, so that each
// step waits on the last as in training); no schedule, loss, penalty or bookkeeping.
// Shuffled, what an epoch costs before anything the trainer adds; in order, what the
// arithmetic costs when the rows stream in (BM_SparseRowsRead in order is the reading).
template <class T>
void BM_SparseBareEpoch(benchmark::State& state) {
  const auto X = synth::sparse_data<T>().view();
  sgdlearn::RowOrder order(std::size_t(X.n_rows));
  std::iota(order.begin(), order.end(), Index(0));
  if (state.range(0)) {
    sgdlearn::ShuffleRng rng(0);
    sgdlearn::detail::shuffle(order, rng);
  }
  std::vector<T> v(std::size_t(X.n_cols), T(0));
  ScaledWeights<T> w(v.data(), nullptr, X.n_cols, nullptr, 1.0, false);
  const double* no_labels = nullptr;
  for (auto _ : state) {
    for (Index m = 0; m < X.n_rows; ++m) {
      sgdlearn::detail::prefetch_ahead(X, order, m, no_labels, nullptr);
      const auto row = X.row(order[std::size_t(m)]);
      const double wx = w.dot(row);
      w.add(row, wx < 1.0 ? 1e-4 : -1e-4, wx);
    }
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
  }
  count_values(state, synth::sparse_data<T>());
}

// The trainers' shuffle of an epoch's order (detail::shuffle), which runs between
// epochs: by then the epoch's rows have evicted the order from the caches, so each
// iteration first reads a buffer larger than the last-level cache (not timed).
void BM_Shuffle(benchmark::State& state) {
  const Index n_rows = synth::sparse_data<double>().view().n_rows;
  sgdlearn::RowOrder order(static_cast<std::size_t>(n_rows));
  std::iota(order.begin(), order.end(), Index(0));
  const std::vector<double> evictor(std::size_t(64) << 17, 1.0);  // 64 MB
  sgdlearn::ShuffleRng rng(0);
  for (auto _ : state) {
    state.PauseTiming();
    benchmark::DoNotOptimize(std::accumulate(evictor.begin(), evictor.end(), 0.0));
    state.ResumeTiming();
    sgdlearn::detail::shuffle(order, rng);
    benchmark::DoNotOptimize(order.data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(n_rows));
}

template <class T>
void BM_SparseDot(benchmark::State& state) { dot_all_rows(state, synth::sparse_data<T>()); }
template <class T>
void BM_SparseAxpy(benchmark::State& state) { axpy_all_rows(state, synth::sparse_data<T>()); }
template <class T>
void BM_DenseDot(benchmark::State& state) { dot_all_rows(state, synth::dense_data<T>()); }
template <class T>
void BM_DenseAxpy(benchmark::State& state) { axpy_all_rows(state, synth::dense_data<T>()); }

BENCHMARK(BM_SparseDot<float>);
BENCHMARK(BM_SparseDot<double>);
BENCHMARK(BM_SparseAxpy<float>);
BENCHMARK(BM_SparseAxpy<double>);
BENCHMARK(BM_DenseDot<float>);
BENCHMARK(BM_DenseDot<double>);
BENCHMARK(BM_DenseAxpy<float>);
BENCHMARK(BM_DenseAxpy<double>);
constexpr std::int64_t kTrainersAhead = sgdlearn::detail::kPrefetchDistance;
BENCHMARK(BM_SparseRowsRead<float>)
    ->ArgNames({"shuffled", "ahead"})
    ->Args({0, kTrainersAhead})
    ->Args({1, kTrainersAhead});
BENCHMARK(BM_SparseRowsRead<double>)
    ->ArgNames({"shuffled", "ahead"})
    ->Args({0, kTrainersAhead})
    ->Args({1, kTrainersAhead})
    ->Args({1, 16})
    ->Args({1, 32});
BENCHMARK(BM_SparseBareEpoch<float>)->ArgNames({"shuffled"})->Arg(0)->Arg(1);
BENCHMARK(BM_SparseBareEpoch<double>)->ArgNames({"shuffled"})->Arg(0)->Arg(1);
BENCHMARK(BM_Shuffle);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (std::string error; !synth::parse_size_flags(argc, argv, error)) {
    std::fprintf(stderr, "%s: %s\n", argv[0], error.c_str());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

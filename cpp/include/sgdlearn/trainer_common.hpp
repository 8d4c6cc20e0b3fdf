// SPDX-License-Identifier: BSD-3-Clause
// What both trainers share: the training set and targets, per-output tasks, the
// history they return, the order of examples, held-out scoring and the stopping rule.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "sgdlearn/checks.hpp"
#include "sgdlearn/config.hpp"
#include "sgdlearn/data_view.hpp"
#include "sgdlearn/schedules.hpp"
#include "sgdlearn/shuffle.hpp"

namespace sgdlearn {

// Targets of the whole training set: regression values or class indices.
struct Targets {
  const double* values = nullptr;         // regression
  const std::int32_t* classes = nullptr;  // classification: index into classes_
};

// What one output (one binary problem, or the regression) learns.
struct OutputTask {
  std::int32_t positive_class = -1;  // classification: this class is +1, the rest negative
  double weight_positive = 1.0;      // class weights
  double weight_negative = 1.0;
  std::uint64_t seed = 0;            // shuffling
};

// An output's class weights, looked up by whether an example is positive rather than
// chosen by a branch: labels come in no order, and a branch on them was mispredicted
// about every other example (4% of a plain SGD epoch in bench_epoch's text-like rows).
class ClassWeights {
 public:
  explicit ClassWeights(const OutputTask& task)
      : by_sign_{task.weight_negative, task.weight_positive} {}
  double operator()(bool positive) const { return by_sign_[positive]; }

 private:
  double by_sign_[2];
};

template <class T>
struct TrainingSet {
  MatrixView<T> X;
  Targets targets;
  const double* sample_weight = nullptr;     // null: all ones
  const std::uint8_t* validation = nullptr;  // null: no held-out examples
};

struct EpochRecord {
  double objective;         // mean over the epoch's examples of weighted loss + penalty
  // Sum over the epoch's examples of the weighted loss of each before its own step:
  // progressive validation, as Vowpal Wabbit reports it (fit_stream sums it).
  double loss_sum;
  double validation_score;  // accuracy or R^2 on the held-out examples; NaN without
  double learning_rate;     // of the epoch's last step
  double seconds;
  // Weights (with intercepts) that the epoch's steps updated: shows what a step costs,
  // O(nnz) with lazy sparse updates, O(n_features) with dense ones.
  double coordinate_updates;
};

struct OutputResult {
  long n_iter = 0;  // epochs
  long steps = 0;   // weight updates in this call
  std::vector<EpochRecord> history;
};

// Entries per output of the weight norms kept between calls: squared L2, L1, and
// coordinate updates since they were summed (detail::ResumPeriod).
constexpr Index kNormEntries = 3;

namespace detail {

// scikit-learn's bound on a loss derivative in its per-example loop (MAX_DLOSS).
constexpr double kMaxDerivative = 1e12;

// Asks for example i's label and weight (either may be null).
template <class Label>
void prefetch_label(const Label* labels, const double* weights, Index i) {
  if (labels) __builtin_prefetch(labels + i);
  if (weights) __builtin_prefetch(weights + i);
}

// Shuffled rows are cache misses. Example m asks for the row pointers of example
// m + 2d and the row, label and weight of example m + d (every `stride`-th example of
// `order` being this thread's), which hides most of that latency (d = 8 against 4: 41
// -> 36 ms a plain SGD epoch where a random load takes 200-250 ns; 16 no better), then
// for the row of example m + 2 again, into the L1 cache: read from L2, each index kept
// the gather of its weight waiting (5 epochs of 250,000 text-like rows, interleaved
// fits: plain SGD 0.212 -> 0.185 s, lazy Adam 0.596 -> 0.546; the bare shuffled read of
// bench_kernels 25.5 -> 20.4 ms; m + 1 to m + 4 alike). That second request is
// non-temporal, as a row is read once an epoch: most likely its lines then stop pushing
// the weights out of the caches (no counters on the machine measured to confirm it).
// bench_epoch, sparse float64 plain SGD: 29.4-33.6 -> 27.4-29.5 ms an epoch in three
// interleaved runs; float32 and Adam unchanged. `labels` and `weights` may be null;
// `distance` is d (a benchmark varies it).
constexpr Index kPrefetchDistance = 8;
constexpr Index kNearPrefetchDistance = 2;
template <class Matrix, class Label>
void prefetch_ahead(const Matrix& X, const RowOrder& order, Index m,
                    const Label* labels, const double* weights, Index stride = 1,
                    Index distance = kPrefetchDistance) {
  const Index n = Index(order.size());
  if (m + 2 * distance * stride < n) X.prefetch_row_pointer(order[m + 2 * distance * stride]);
  if (m + distance * stride < n) {
    const Index ahead = order[m + distance * stride];
    X.prefetch_row(ahead);
    prefetch_label(labels, weights, ahead);
  }
  if (m + kNearPrefetchDistance * stride < n) {
    const Index near = order[m + kNearPrefetchDistance * stride];
    X.template prefetch_row<CacheLevel::kL1NonTemporal>(near);
  }
}

// Whether the weights a step reads are likely in memory rather than in cache, so that
// asking for them a step ahead (prefetch_weights_ahead) pays: with a sparse model too
// large to stay cached (16 MB and up; plain SGD epochs on text-like rows 1.2-1.4x faster
// with 2^21-2^23 float64 weights, but 33 -> 44 ms with 2^16, where the prefetches cost
// more than the misses they hide), or in a call that reads fewer values than the model
// has weights: a small partial_fit batch, whose weights other work has evicted since the
// last call (100 rows: 36 -> 29 us a call). Dense rows read their weights in order.
template <class Matrix>
bool weights_worth_prefetching(const Matrix& X) {
  constexpr std::size_t kLargeModelBytes = std::size_t(16) << 20;
  const auto model_bytes = std::size_t(X.n_cols) * sizeof(typename Matrix::Scalar);
  return Matrix::kSparse && (X.nnz() < X.n_cols || model_bytes >= kLargeModelBytes);
}

// Asks for the weights example m + stride of `order` (this thread's next) will read and
// write, which arrive during example m's step (one step ahead did better than two to
// four).
template <class Matrix, class T>
void prefetch_weights_ahead(const Matrix& X, const RowOrder& order, Index m,
                            const T* weights, Index stride = 1) {
  if constexpr (Matrix::kSparse) {
    if (m + stride >= Index(order.size())) return;
    const auto row = X.row(order[m + stride]);
    for (Index k = 0; k < row.nnz; ++k) {
      const T* p = weights + row.indices[k];
      __builtin_prefetch(p, 1, 3);
      asm volatile("" : : "r"(p));  // kept, as in prefetch_range
    }
  }
}

// The rows to train on and those held out (validation[i] nonzero), each in storage
// order. Reserved first: growing the order by doubling took 0.7 ms of a fit on 250,000
// rows (0.1 reserved).
inline void split_rows(Index n_rows, const std::uint8_t* validation, RowOrder& train,
                       RowOrder& held_out) {
  if (!validation) {
    train.resize(std::size_t(n_rows));
    std::iota(train.begin(), train.end(), Index(0));
    return;
  }
  train.reserve(std::size_t(n_rows));
  for (Index i = 0; i < n_rows; ++i) (validation[i] ? held_out : train).push_back(i);
}

// scikit-learn's early-stopping score: accuracy for classifiers, R^2 for regressors,
// both weighted by sample weight. y: each row's target (+1 or -1 for a class).
template <class Predict>
double validation_score(const RowOrder& rows, const double* y,
                        const double* sample_weight, bool classification, Predict predict) {
  double sum_w = 0.0, hits = 0.0, sum_wy = 0.0;
  for (Index i : rows) {
    const double sw = sample_weight ? sample_weight[i] : 1.0;
    sum_w += sw;
    if (classification) {
      hits += ((predict(i) > 0.0) == (y[i] > 0.0)) ? sw : 0.0;
    } else {
      sum_wy += sw * y[i];
    }
  }
  if (classification) return hits / sum_w;
  const double mean = sum_wy / sum_w;
  double residual = 0.0, total = 0.0;
  for (Index i : rows) {
    const double sw = sample_weight ? sample_weight[i] : 1.0;
    const double r = y[i] - predict(i);
    residual += sw * r * r;
    total += sw * (y[i] - mean) * (y[i] - mean);
  }
  if (total == 0.0) return residual == 0.0 ? 1.0 : 0.0;
  return 1.0 - residual / total;
}

// Tracked weight norms drift (by rounding, and by the cross terms of a row's repeated
// indices that trainer.hpp's norm update misses); they are re-summed from the weights
// once per `period` coordinate updates (one per weight), counted across calls, so that
// a call with fewer, a small partial_fit batch, does not cost O(n_features) and many
// of them still re-sum.
class ResumPeriod {
 public:
  // `kept`: the weight norms the last call left ({squared L2, L1, updates since they
  // were summed}, see keep()), or null.
  ResumPeriod(double period, const double* kept) : period_(period) {
    if (kept && std::isfinite(kept[2])) since_ = kept[2];
  }
  // After `updates` more: whether to re-sum now.
  bool due_after(double updates) {
    since_ += updates;
    if (since_ < period_) return false;
    since_ = 0.0;
    return true;
  }
  // Writes the count for the next call into `norms`' third entry.
  void keep(double* norms) const { norms[2] = since_; }

 private:
  double period_;
  double since_ = 0.0;  // an earlier re-sum than due is harmless: 0 when not known
};

inline std::string divergence_message(long epoch, double t) {
  return "training diverged: the weights became inf or NaN during epoch " +
         std::to_string(epoch + 1) + " (step " + std::to_string(long(t - 1.0)) +
         "). Use a smaller learning rate (eta0), or scale the features, for example with "
         "sklearn.preprocessing.StandardScaler.";
}

// scikit-learn's rule, after each epoch: count epochs whose objective (or held-out
// score) did not improve on the best by tol; after n_iter_no_change of them stop, or
// shrink an adaptive learning rate and go on. Returns true to stop.
inline bool stopping_criterion_says_stop(const TrainerConfig& cfg, double objective, double score,
                                         double& best_objective, double& best_score,
                                         long& no_improvement, Schedule& schedule) {
  const bool check_tol = cfg.tol > -std::numeric_limits<double>::infinity();
  if (cfg.early_stopping) {
    no_improvement = (check_tol && score < best_score + cfg.tol) ? no_improvement + 1 : 0;
    best_score = std::max(best_score, score);
  } else {
    no_improvement = (check_tol && objective > best_objective - cfg.tol) ? no_improvement + 1 : 0;
    best_objective = std::min(best_objective, objective);
  }
  if (no_improvement < cfg.n_iter_no_change) return false;
  if (!schedule.shrink_on_stall()) return true;
  no_improvement = 0;
  return false;
}

}  // namespace detail
}  // namespace sgdlearn

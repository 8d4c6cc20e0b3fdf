// SPDX-License-Identifier: BSD-3-Clause
// Hogwild! (Niu, Recht, Re, Wright 2011): plain per-example SGD in which n_jobs threads
// take disjoint shards of each epoch's shuffled examples and update one shared weight
// vector without locks. Where rows hold mostly rare features, two threads seldom touch
// the same coordinate at once, so lost updates are rare and cost little (features in
// nearly every row make the threads fight over their cache lines instead); results are
// not deterministic.
//
// Thread k takes examples k, k + K, k + 2K, ... of the epoch's order, and example m is
// step m of the epoch whichever thread runs it: its learning rate is the sequential
// one, and no counter is shared. L2 goes through a scale factor, w = scale * v, as in
// trainer.hpp, but one that no thread writes: the factor each step reads and leaves
// depends only on the step's place in the epoch, so the epoch's factors are computed
// before it (StepLevel) and every thread reads its own steps'. Where the factor falls
// below ScaledWeights' floor, trainer.hpp folds it into the weights; here that step
// runs alone, between barriers, and folds them. The intercept, which every step
// writes, is summed per thread and merged every kMergeInterval steps. With one thread
// this is trainer.hpp's loop, operation for operation, but for the intercept's sums
// (the tests check that).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <vector>

#include <omp.h>

#include "sgdlearn/config.hpp"
#include "sgdlearn/data_view.hpp"
#include "sgdlearn/errors.hpp"
#include "sgdlearn/losses.hpp"
#include "sgdlearn/penalties.hpp"
#include "sgdlearn/schedules.hpp"
#include "sgdlearn/stop_token.hpp"
#include "sgdlearn/trainer_common.hpp"
#include "sgdlearn/weight_vector.hpp"

namespace sgdlearn {
namespace detail {

// Racy shared memory without undefined behaviour: relaxed atomic accesses compile to
// plain loads and stores; a lost update is what Hogwild accepts.
template <class T>
T relaxed_load(const T* p) {
  T value;
  __atomic_load(p, &value, __ATOMIC_RELAXED);
  return value;
}
template <class T>
void relaxed_store(T* p, T value) {
  __atomic_store(p, &value, __ATOMIC_RELAXED);
}

// A shared weight as the rows' own dot products read it (double(w[j])): by a relaxed
// load, so that the prediction sums in trainer.hpp's order.
template <class T>
struct RacyWeight {
  T stored;
  explicit operator double() const { return double(relaxed_load(&stored)); }
};

inline void atomic_add(std::atomic<double>& target, double x) {
  double seen = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(seen, seen + x, std::memory_order_relaxed)) {
  }
}

// Step m of an epoch: its learning rate, the scale factor its prediction reads and the
// one its update writes through (after the step's L2 shrink, and 1 after a fold).
struct StepLevel {
  double eta, predict_scale, update_scale;
};

// A step whose L2 shrink takes the scale factor below the floor: it multiplies every
// weight by `factor` (the scale factor then) before its update.
struct FoldStep {
  Index step;
  double factor;
};

// Trains one output's coef and intercept in place; state as in trainer.hpp.
template <class Matrix, class LossT>
OutputResult train_output_hogwild(const TrainerConfig& cfg, const Matrix& X, const LossT& loss,
                                  const HugeVector<double>& y, const double* sample_weight,
                                  const std::uint8_t* validation, bool classification,
                                  typename Matrix::Scalar* coef, typename Matrix::Scalar* intercept_out,
                                  const OutputTask& task, double t0, StopToken& stop) {
  using T = typename Matrix::Scalar;
  using Clock = std::chrono::steady_clock;
  constexpr unsigned kMergeInterval = 1024;  // also how often Ctrl-C is polled
  static_assert(sizeof(RacyWeight<T>) == sizeof(T));

  const Index n_features = X.n_cols;
  const int n_threads = std::max(1, cfg.n_jobs);
  const bool l2 = has_l2(cfg.penalty);
  const double l1_ratio = effective_l1_ratio(cfg.penalty, cfg.l1_ratio);
  const double typw = cfg.alpha > 0.0 ? std::sqrt(1.0 / std::sqrt(cfg.alpha)) : 1.0;
  RowOrder train_rows, held_out_rows;
  split_rows(X.n_rows, validation, train_rows, held_out_rows);
  const Index n_train = Index(train_rows.size());
  const bool prefetch_weights = weights_worth_prefetching(X);
  Schedule schedule(cfg.schedule, cfg.alpha, loss.derivative(-typw, 1.0),
                    double(cfg.max_iter) * double(n_train));
  ShuffleRng rng(task.seed);
  const ClassWeights class_weights(task);
  const auto* racy_coef = reinterpret_cast<const RacyWeight<T>*>(coef);

  std::vector<StepLevel> levels(n_train);
  std::vector<FoldStep> fold_steps;  // the epoch's, in order
  double scale = 1.0;                // after the steps so far, w = scale * coef
  std::atomic<double> intercept{double(*intercept_out)};
  double steps_before = 0.0;         // this call's steps before the epoch

  // The model as the caller keeps it: plain weights.
  auto write_back = [&](double final_scale) {
    fold_scale(coef, n_features, final_scale);
    *intercept_out = T(intercept.load());
  };

  OutputResult result;
  long no_improvement = 0;
  double best_objective = std::numeric_limits<double>::infinity();
  double best_score = -std::numeric_limits<double>::infinity();
  for (long epoch = 0; epoch < cfg.max_iter; ++epoch) {
    const auto started = Clock::now();
    schedule.begin_epoch(epoch);
    if (cfg.shuffle) shuffle(train_rows, rng);
    // The scale factors trainer.hpp's loop would go through.
    fold_steps.clear();
    for (Index m = 0; m < n_train; ++m) {
      StepLevel& level = levels[std::size_t(m)];
      level.eta = schedule.at(t0 + steps_before + double(m), steps_before + double(m));
      level.predict_scale = scale;
      if (l2) {
        scale *= l2_shrink(level.eta, cfg.alpha, l1_ratio);
        if (scale < ScaledWeights<T>::kScaleFloor) {
          fold_steps.push_back({m, scale});
          scale = 1.0;
        }
      }
      level.update_scale = scale;
    }
    std::vector<double> loss_sums(n_threads, 0.0), weighted_loss_sums(n_threads, 0.0),
        updates(n_threads, 0.0);
    std::exception_ptr error;
    std::atomic<bool> halted{false};  // a thread saw Ctrl-C or an error
    bool halt_agreed = false;         // written between barriers, read by every thread
    Index reached = n_train;          // the lowest step a stopped thread had come to

#pragma omp parallel num_threads(n_threads)
    {
      const int me = omp_get_thread_num();
      const Index team = omp_get_num_threads();
      double loss_sum = 0.0, weighted_loss_sum = 0.0, my_updates = 0.0;
      double intercept_seen = intercept.load(std::memory_order_relaxed), my_intercept_steps = 0.0;
      unsigned steps_since_merge = 0;

      // Adds this thread's intercept steps to the shared intercept.
      auto merge_intercept = [&] {
        atomic_add(intercept, my_intercept_steps);
        my_intercept_steps = 0.0;
      };
      auto halt = [&](Index m) {
#pragma omp critical(sgdlearn_hogwild_reached)
        {
          if (!error) error = std::current_exception();
          reached = std::min(reached, m);
        }
        halted.store(true, std::memory_order_relaxed);
      };

      // Step m; a fold step multiplies every weight by its scale factor between its
      // prediction and its update, as trainer.hpp's ScaledWeights::scale does.
      auto step = [&](Index m, double fold_factor) {
        const Index i = train_rows[m];
        const auto row = X.row(i);
        const double yi = y[i];
        const double sw = sample_weight ? sample_weight[i] : 1.0;
        const double class_weight = class_weights(yi > 0.0);
        const StepLevel level = levels[std::size_t(m)];
        const double p = row.dot(racy_coef) * level.predict_scale +
                         (intercept_seen + my_intercept_steps);
        const double loss_value = loss.value(p, yi);
        loss_sum += loss_value;
        weighted_loss_sum += sw * class_weight * loss_value;
        const double d = std::clamp(loss.derivative(p, yi), -kMaxDerivative, kMaxDerivative);
        const double update = -level.eta * d * class_weight * sw;
        if (fold_factor != 1.0) fold_scale(coef, n_features, fold_factor);
        if (update != 0.0) {
          const double scaled = update / level.update_scale;
          my_updates += double(row.size()) + 1.0;
          row.for_each([&](Index j, auto x) {
            relaxed_store(&coef[j], T(double(relaxed_load(&coef[j])) + double(x) * scaled));
          });
          if (cfg.fit_intercept) my_intercept_steps += update * cfg.intercept_decay;
        }
      };

      Index begin = 0;
      for (std::size_t segment = 0; segment <= fold_steps.size(); ++segment) {
        const Index end = segment < fold_steps.size() ? fold_steps[segment].step : n_train;
        Index m = begin + me;
        try {
          for (; m < end; m += team) {
            if (++steps_since_merge == kMergeInterval) {
              steps_since_merge = 0;
              merge_intercept();
              intercept_seen = intercept.load(std::memory_order_relaxed);
              if (halted.load(std::memory_order_relaxed)) break;
              if (stop.should_stop()) throw Interrupted();
            }
            prefetch_ahead(X, train_rows, m, y.data(), sample_weight, team);
            if (prefetch_weights) prefetch_weights_ahead(X, train_rows, m, coef, team);
            step(m, 1.0);
          }
        } catch (...) {
          halt(m);
        }
        if (segment == fold_steps.size()) break;
        // The fold step: every thread's earlier steps done, one thread runs it alone.
        merge_intercept();
#pragma omp barrier
#pragma omp single
        {
          if (halted.load(std::memory_order_relaxed)) {
            halt_agreed = true;
          } else {
            intercept_seen = intercept.load(std::memory_order_relaxed);
            try {
              step(end, fold_steps[segment].factor);
            } catch (...) {
              halt(end);
              halt_agreed = true;
            }
            merge_intercept();
          }
        }  // a barrier: every thread reads the same halt_agreed
        if (halt_agreed) break;
        intercept_seen = intercept.load(std::memory_order_relaxed);
        begin = end + 1;
      }
      merge_intercept();
      loss_sums[me] = loss_sum;
      weighted_loss_sums[me] = weighted_loss_sum;
      updates[me] = my_updates;
    }
    if (halted.load()) {  // halt() kept the first exception: Interrupted, or an error
      // Threads stopped near the same step; the slowest one's scale is as good as any.
      write_back(reached < n_train ? levels[std::size_t(reached)].predict_scale : scale);
      std::rethrow_exception(error);
    }
    if (stop.should_stop()) {  // an epoch too short for the threads to poll
      write_back(scale);
      throw Interrupted();
    }
    steps_before += double(n_train);

    double sq_norm = 0.0;
    for (Index j = 0; j < n_features; ++j) sq_norm += double(coef[j]) * double(coef[j]);
    sq_norm *= scale * scale;
    const double b = intercept.load();
    if (!std::isfinite(b) || !std::isfinite(sq_norm)) {
      write_back(scale);
      throw DivergenceError(divergence_message(epoch, t0 + steps_before));
    }
    // The penalty at the epoch's end stands for the per-step penalties of trainer.hpp,
    // which no thread could read off a shared tracked norm.
    const double penalty = l2 ? (1.0 - l1_ratio) * cfg.alpha * 0.5 * sq_norm : 0.0;
    double loss_total = 0.0, weighted_total = 0.0, updates_total = 0.0;
    for (int k = 0; k < n_threads; ++k) {
      loss_total += loss_sums[k];
      weighted_total += weighted_loss_sums[k];
      updates_total += updates[k];
    }
    double score = std::numeric_limits<double>::quiet_NaN();
    if (cfg.early_stopping) {
      score = validation_score(held_out_rows, y.data(), sample_weight, classification, [&](Index i) {
        return X.row(i).dot(coef) * scale + b;
      });
    }
    const double objective = loss_total / double(n_train) + penalty;
    result.history.push_back(EpochRecord{
        weighted_total / double(n_train) + penalty, weighted_total, score, schedule.current(),
        std::chrono::duration<double>(Clock::now() - started).count(), updates_total});
    result.n_iter = epoch + 1;
    result.steps = long(steps_before);
    if (stopping_criterion_says_stop(cfg, objective, score, best_objective, best_score,
                                     no_improvement, schedule)) {
      break;
    }
  }
  write_back(scale);
  return result;
}

}  // namespace detail
}  // namespace sgdlearn

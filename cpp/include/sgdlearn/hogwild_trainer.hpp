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
// one, and no counter is shared. The shared scale factor of trainer.hpp would be a
// write of every thread at every step, so L2 is applied per coordinate just in time
// instead: S[m] is the product of (1 - eta alpha (1 - l1_ratio)) over steps <= m
// (computed before the epoch), and coordinate j, last brought to S_j, is multiplied by
// S[m] / S_j when step m touches it, never "un-shrunk" when another thread ran ahead,
// and settled at the end of the epoch (see ShrinkLevels for epochs that shrink so much
// that the product would underflow). The intercept, which every step writes,
// is summed per thread and merged every kMergeInterval steps. With one thread this is
// exactly trainer.hpp's loop (the tests check that).
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
#include "sgdlearn/huge_pages.hpp"
#include "sgdlearn/losses.hpp"
#include "sgdlearn/schedules.hpp"
#include "sgdlearn/stop_token.hpp"
#include "sgdlearn/trainer_common.hpp"

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

inline void atomic_add(std::atomic<double>& target, double x) {
  double seen = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(seen, seen + x, std::memory_order_relaxed)) {
  }
}

// Where the L2 shrink stands within an epoch, as a level that only falls: the product
// of the steps' shrinks, or its log when the epoch's product would underflow (below
// kSmallest: a rate times alpha near 1). Bringing a coordinate from level `from` to
// `to` multiplies it by to / from, or exp(to - from): the logs' exp at every
// coordinate of every step made hogwild on one thread 2.1x slower than the quotient
// (storing reciprocals to multiply instead gained 1%).
struct ShrinkLevels {
  static constexpr double kSmallest = 1e-290;
  bool logs = false;

  double start() const { return logs ? 0.0 : 1.0; }
  double factor(double from, double to) const { return logs ? std::exp(to - from) : to / from; }
};

// Trains one output's coef and intercept in place; state as in trainer.hpp.
template <class Matrix, class LossT>
OutputResult train_output_hogwild(const TrainerConfig& cfg, const Matrix& X, const LossT& loss,
                                  const std::vector<double>& y, const double* sample_weight,
                                  const std::uint8_t* validation, bool classification,
                                  typename Matrix::Scalar* coef, typename Matrix::Scalar* intercept_out,
                                  const OutputTask& task, double t0, StopToken& stop) {
  using T = typename Matrix::Scalar;
  using Clock = std::chrono::steady_clock;
  constexpr unsigned kMergeInterval = 1024;  // also how often Ctrl-C is polled

  const Index n_features = X.n_cols;
  const int n_threads = std::max(1, cfg.n_jobs);
  const double l2_rate =
      has_l2(cfg.penalty) ? (1.0 - effective_l1_ratio(cfg.penalty, cfg.l1_ratio)) * cfg.alpha : 0.0;
  const double typw = cfg.alpha > 0.0 ? std::sqrt(1.0 / std::sqrt(cfg.alpha)) : 1.0;
  std::vector<Index> train_rows, held_out_rows;
  split_rows(X.n_rows, validation, train_rows, held_out_rows);
  const Index n_train = Index(train_rows.size());
  Schedule schedule(cfg.schedule, cfg.alpha, loss.derivative(-typw, 1.0),
                    double(cfg.max_iter) * double(n_train));
  ShuffleRng rng(task.seed);
  const ClassWeights class_weights(task);

  std::vector<double> eta(n_train);          // rate of step m of the epoch
  std::vector<double> shrunk_to(n_train);    // S[m]: the level after step m
  ShrinkLevels levels;                       // this epoch's
  // S_j, relative to the epoch's start; read at random: on huge pages (huge_pages.hpp)
  std::vector<double, HugePageAllocator<double>> applied(n_features, levels.start());
  std::atomic<double> intercept{double(*intercept_out)};
  double steps_before = 0.0;                 // this call's steps before the epoch

  // Brings every coordinate to S = `to`; single-threaded, between epochs.
  auto settle = [&](double to) {
    for (Index j = 0; j < n_features; ++j) {
      if (applied[j] > to) coef[j] = T(double(coef[j]) * levels.factor(applied[j], to));
      applied[j] = levels.start();
    }
  };

  OutputResult result;
  long no_improvement = 0;
  double best_objective = std::numeric_limits<double>::infinity();
  double best_score = -std::numeric_limits<double>::infinity();
  for (long epoch = 0; epoch < cfg.max_iter; ++epoch) {
    const auto started = Clock::now();
    schedule.begin_epoch(epoch);
    if (cfg.shuffle) shuffle(train_rows, rng);
    // Step m multiplies the weights by 1 - shrink_rate(m).
    const auto shrink_rate = [&](Index m) { return std::min(eta[m] * l2_rate, 1.0 - 1e-12); };
    double product = 1.0;
    for (Index m = 0; m < n_train; ++m) {
      eta[m] = schedule.at(t0 + steps_before + double(m), steps_before + double(m));
      if (l2_rate > 0.0) product *= 1.0 - shrink_rate(m);
      shrunk_to[m] = product;
    }
    if (product < ShrinkLevels::kSmallest) {  // this epoch's levels as logs
      if (!levels.logs) std::fill(applied.begin(), applied.end(), 0.0);
      levels.logs = true;
      double cumulative = 0.0;
      for (Index m = 0; m < n_train; ++m) {
        if (l2_rate > 0.0) cumulative += std::log1p(-shrink_rate(m));
        shrunk_to[m] = cumulative;
      }
    } else if (levels.logs) {
      std::fill(applied.begin(), applied.end(), 1.0);
      levels.logs = false;
    }
    std::vector<double> loss_sums(n_threads, 0.0), weighted_loss_sums(n_threads, 0.0),
        updates(n_threads, 0.0);
    std::exception_ptr error;
    Index reached = n_train;  // the lowest step a stopped thread had come to

#pragma omp parallel num_threads(n_threads)
    {
      const int me = omp_get_thread_num();
      const Index team = omp_get_num_threads();
      const ShrinkLevels epoch_levels = levels;  // a local, kept in a register
      double loss_sum = 0.0, weighted_loss_sum = 0.0, my_updates = 0.0;
      double intercept_seen = intercept.load(std::memory_order_relaxed), my_intercept_steps = 0.0;
      unsigned steps_since_merge = 0;
      try {
        for (Index m = me; m < n_train; m += team) {
          if (++steps_since_merge == kMergeInterval) {
            steps_since_merge = 0;
            atomic_add(intercept, my_intercept_steps);
            my_intercept_steps = 0.0;
            intercept_seen = intercept.load(std::memory_order_relaxed);
            if (stop.should_stop()) {
#pragma omp critical(sgdlearn_hogwild_reached)
              reached = std::min(reached, m);
              break;
            }
          }
          prefetch_ahead(X, train_rows, m, y.data(), sample_weight, team);
          const Index i = train_rows[m];
          const auto row = X.row(i);
          const double yi = y[i];
          const double sw = sample_weight ? sample_weight[i] : 1.0;
          const double class_weight = class_weights(yi > 0.0);
          const double s = m > 0 ? shrunk_to[m - 1] : epoch_levels.start();

          // The prediction, with the row's weights as shrunk to S[m-1]; nothing is
          // written unless the step updates them (below), so that a step without an
          // update leaves the lines shared with the other threads clean.
          double p = intercept_seen + my_intercept_steps;
          row.for_each([&](Index j, auto x) {
            double wj = relaxed_load(&coef[j]);
            if (l2_rate > 0.0) {
              const double sj = relaxed_load(&applied[j]);
              if (sj > s) wj *= epoch_levels.factor(sj, s);
            }
            p += wj * double(x);
          });

          const double loss_value = loss.value(p, yi);
          loss_sum += loss_value;
          weighted_loss_sum += sw * class_weight * loss_value;
          const double d = std::clamp(loss.derivative(p, yi), -kMaxDerivative, kMaxDerivative);
          const double update = -eta[m] * d * class_weight * sw;
          if (update != 0.0) {
            // As in trainer.hpp, the step's shrink comes before its update:
            // w <- (1 - eta alpha) w + update x.
            const double s_new = shrunk_to[m];
            my_updates += double(row.size()) + 1.0;
            row.for_each([&](Index j, auto x) {
              double wj = relaxed_load(&coef[j]);
              if (l2_rate > 0.0) {
                const double sj = relaxed_load(&applied[j]);
                if (sj > s_new) {
                  wj *= epoch_levels.factor(sj, s_new);
                  relaxed_store(&applied[j], s_new);
                }
              }
              relaxed_store(&coef[j], T(wj + update * double(x)));
            });
            if (cfg.fit_intercept) my_intercept_steps += update * cfg.intercept_decay;
          }
        }
      } catch (...) {
#pragma omp critical(sgdlearn_hogwild_error)
        if (!error) error = std::current_exception();
        stop.request_stop();
      }
      atomic_add(intercept, my_intercept_steps);
      loss_sums[me] = loss_sum;
      weighted_loss_sums[me] = weighted_loss_sum;
      updates[me] = my_updates;
    }
    if (error) std::rethrow_exception(error);
    if (stop.should_stop()) {
      // Threads stopped near the same step; the slowest one's is as good as any.
      settle(shrunk_to[std::min(n_train - 1, reached)]);
      *intercept_out = T(intercept.load());
      throw Interrupted();
    }
    steps_before += double(n_train);

    settle(n_train > 0 ? shrunk_to[n_train - 1] : levels.start());
    double sq_norm = 0.0;
    for (Index j = 0; j < n_features; ++j) sq_norm += double(coef[j]) * double(coef[j]);
    const double b = intercept.load();
    if (!std::isfinite(b) || !std::isfinite(sq_norm)) {
      *intercept_out = T(b);
      throw DivergenceError(divergence_message(epoch, t0 + steps_before));
    }
    // The penalty at the epoch's end stands for the per-step penalties of trainer.hpp,
    // which no thread could read off a shared tracked norm.
    const double penalty = l2_rate * 0.5 * sq_norm;
    double loss_total = 0.0, weighted_total = 0.0, updates_total = 0.0;
    for (int k = 0; k < n_threads; ++k) {
      loss_total += loss_sums[k];
      weighted_total += weighted_loss_sums[k];
      updates_total += updates[k];
    }
    double score = std::numeric_limits<double>::quiet_NaN();
    if (cfg.early_stopping) {
      score = validation_score(held_out_rows, y, sample_weight, classification, [&](Index i) {
        return X.row(i).dot(coef) + b;
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
  *intercept_out = T(intercept.load());
  return result;
}

}  // namespace detail
}  // namespace sgdlearn

// SPDX-License-Identifier: BSD-3-Clause
// The trainer: the epoch loop around one output's linear model (order of examples,
// held-out examples, stopping, divergence, history), and the loop over outputs
// (one-vs-rest classes), run in parallel threads.
//
// The per-example step reproduces scikit-learn's _plain_sgd (sklearn/linear_model/
// _sgd_fast.pyx.tp) for every loss, penalty, schedule and averaging option:
//   p      = w.x + b
//   eta    = schedule(t)
//   update = -eta * clip(dloss(p, y), +-1e12)     (passive-aggressive: from the loss)
//   update *= class_weight(y) * sample_weight
//   w     *= max(0, 1 - (1 - l1_ratio) eta alpha)  (L2 part)
//   w     += update * x;   b += update * intercept_decay
//   averaged SGD, then the cumulative L1 penalty on the row's coordinates;  t += 1
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "sgdlearn/config.hpp"
#include "sgdlearn/data_view.hpp"
#include "sgdlearn/errors.hpp"
#include "sgdlearn/losses.hpp"
#include "sgdlearn/penalties.hpp"
#include "sgdlearn/schedules.hpp"
#include "sgdlearn/stop_token.hpp"
#include "sgdlearn/hogwild_trainer.hpp"
#include "sgdlearn/trainer_common.hpp"
#include "sgdlearn/weight_vector.hpp"

namespace sgdlearn {

// One output's state, in the caller's arrays (updated in place).
template <class T>
struct OutputState {
  T* coef = nullptr;               // n_features
  T* intercept = nullptr;          // one value
  T* average_coef = nullptr;       // n_features, when averaging
  T* average_intercept = nullptr;  // one value, when averaging
  T* l1_q = nullptr;               // n_features, when the penalty has an L1 part
  double* l1_u = nullptr;          // one value, when the penalty has an L1 part
  // {squared L2, L1, coordinate updates since they were summed} of coef when given;
  // NaN: not known (ResumPeriod).
  double* weight_norms = nullptr;
  // When given, w = *coef_scale * coef: the L2 shrink's factor, kept between calls so that
  // a call need not touch every feature to fold it in. Null: w = coef.
  double* coef_scale = nullptr;
  // When given with coef_scale and averaging, {a, b} with the average
  // (average_coef + a * coef) / b, kept between calls for the same reason. Null: the
  // average is average_coef.
  double* average_factors = nullptr;
  // With averaging, the iterates in the average (0: not begun), kept between calls:
  // steps are not always every output's (held-out rows, an output that stopped early),
  // so the count cannot be told from t.
  double* average_count = nullptr;
};

namespace detail {

// Trains one output for up to max_iter epochs; see the file comment for the step.
template <class Matrix, class LossT>
OutputResult train_output(const TrainerConfig& cfg, const Matrix& X, const LossT& loss,
                          const HugeVector<double>& y, const double* sample_weight,
                          const std::uint8_t* validation, bool classification,
                          OutputState<typename Matrix::Scalar>& state, const OutputTask& task,
                          double t, StopToken& stop) {
  using T = typename Matrix::Scalar;
  using Clock = std::chrono::steady_clock;
  constexpr unsigned kStopCheckInterval = 1024;

  const Index n_features = X.n_cols;
  const bool averaging = cfg.average > 0;
  const bool l2 = has_l2(cfg.penalty);
  const bool l1 = has_l1(cfg.penalty);
  const double l1_ratio = effective_l1_ratio(cfg.penalty, cfg.l1_ratio);
  const double average_start = double(cfg.average);

  ScaledWeights<T> w(state.coef, averaging ? state.average_coef : nullptr, n_features,
                     state.weight_norms, state.coef_scale ? *state.coef_scale : 1.0,
                     l1_ratio > 0.0, state.average_factors);
  ResumPeriod resum(double(n_features), state.weight_norms);
  const bool prefetch_weights = weights_worth_prefetching(X);
  const CumulativeL1<T> cumulative_l1{state.l1_q, state.l1_u};
  const double typw = cfg.alpha > 0.0 ? std::sqrt(1.0 / std::sqrt(cfg.alpha)) : 1.0;
  RowOrder train_rows, held_out_rows;
  split_rows(X.n_rows, validation, train_rows, held_out_rows);
  const double n_train = double(train_rows.size());
  Schedule schedule(cfg.schedule, cfg.alpha, loss.derivative(-typw, 1.0),
                    double(cfg.max_iter) * n_train);
  double intercept = *state.intercept;
  double average_intercept = averaging ? *state.average_intercept : 0.0;
  double n_averaged = averaging ? *state.average_count : 0.0;

  ShuffleRng rng(task.seed);
  const ClassWeights class_weights(task);

  auto write_back = [&] {
    if (state.coef_scale && (!averaging || state.average_factors)) {
      *state.coef_scale = w.scale_factor();
    } else {
      w.fold();
      if (state.coef_scale) *state.coef_scale = 1.0;
    }
    if (averaging && state.average_factors) w.keep_average_factors(state.average_factors);
    if (state.weight_norms) {
      state.weight_norms[0] = w.raw_squared_norm();
      state.weight_norms[1] = w.raw_l1_norm();
      resum.keep(state.weight_norms);
    }
    *state.intercept = T(intercept);
    if (averaging) *state.average_intercept = T(average_intercept);
    if (averaging) *state.average_count = n_averaged;
  };

  OutputResult result;
  long no_improvement = 0;
  double best_objective = std::numeric_limits<double>::infinity();
  double best_score = -std::numeric_limits<double>::infinity();
  unsigned steps_since_check = 0;
  double call_step = 0.0;
  const auto& pa = cfg.schedule;
  try {
    for (long epoch = 0; epoch < cfg.max_iter; ++epoch) {
      const auto started = Clock::now();
      schedule.begin_epoch(epoch);
      if (cfg.shuffle) shuffle(train_rows, rng);
      double coordinate_updates = 0.0;
      // The epoch's objectives, as sums of three: scikit-learn's stopping criterion
      // (unweighted loss plus penalty), what loss_curve_ reports (weighted loss plus
      // penalty) and fit_stream's progressive loss (weighted loss). Kept apart and
      // combined at the epoch's end: summing each objective at every step cost 3% of a
      // plain SGD epoch on text-like rows.
      double loss_sum = 0.0, weighted_loss_sum = 0.0;
      double sq_norm_sum = 0.0, l1_norm_sum = 0.0;  // of w before each step
      const Index n_rows = Index(train_rows.size());
      for (Index m = 0; m < n_rows; ++m) {
        if (++steps_since_check == kStopCheckInterval) {
          steps_since_check = 0;
          if (stop.should_stop()) throw Interrupted();
        }
        prefetch_ahead(X, train_rows, m, y.data(), sample_weight);
        if (prefetch_weights) prefetch_weights_ahead(X, train_rows, m, w.raw());
        const Index i = train_rows[m];
        const auto row = X.row(i);
        const double yi = y[i];
        const double sw = sample_weight ? sample_weight[i] : 1.0;
        const double class_weight = class_weights(yi > 0.0);
        const double wx = w.dot(row);
        const double p = wx + intercept;
        const double eta = schedule.at(t, call_step);

        const double loss_value = loss.value(p, yi);
        loss_sum += loss_value;
        weighted_loss_sum += sw * class_weight * loss_value;
        if (l2) sq_norm_sum += w.squared_norm();
        if (l1) l1_norm_sum += w.l1_norm();

        double update;
        if (pa.kind == LearningRateKind::kPa1) {
          const double sq = row.squared_norm();
          if (sq == 0.0) continue;
          update = std::min(pa.eta0, loss_value / sq);
        } else if (pa.kind == LearningRateKind::kPa2) {
          update = loss_value / (row.squared_norm() + 0.5 / pa.eta0);
        } else {
          double d = std::clamp(loss.derivative(p, yi), -kMaxDerivative, kMaxDerivative);
          if (cfg.clip_norm > 0.0) {
            // The example's gradient is weight * d * (x, 1): clip its norm (torch's rule).
            const double norm = std::fabs(d * class_weight * sw) *
                                std::sqrt(row.squared_norm() + (cfg.fit_intercept ? 1.0 : 0.0));
            const double factor = cfg.clip_norm / (norm + 1e-6);
            if (factor < 1.0) d *= factor;
          }
          update = -eta * d;
        }
        if (schedule.passive_aggressive()) {
          if (classification) {
            update *= yi;
          } else if (yi - p < 0.0) {
            update = -update;
          }
        }
        update *= class_weight * sw;

        double shrink = 1.0;
        if (l2) {
          shrink = l2_shrink(eta, cfg.alpha, l1_ratio);
          w.scale(shrink);
        }
        if (update != 0.0) {
          coordinate_updates += double(row.size()) + 1.0;
          w.add(row, update, wx * shrink);
          if (cfg.fit_intercept) intercept += update * cfg.intercept_decay;
        }
        if (averaging && average_start <= t) {
          if (++n_averaged == 1.0) w.begin_average();
          w.add_average(row, update, n_averaged);
          average_intercept += (intercept - average_intercept) / n_averaged;
        }
        if (l1) {
          *state.l1_u += l1_ratio * eta * cfg.alpha;
          cumulative_l1.apply(w, row);
        }
        t += 1.0;
        call_step += 1.0;
      }

      if (resum.due_after(coordinate_updates)) w.recompute_norms();
      // A non-finite weight makes the tracked norms non-finite, and keeps them so.
      if (!std::isfinite(intercept) || !std::isfinite(w.squared_norm()) ||
          !std::isfinite(w.l1_norm())) {
        throw DivergenceError(divergence_message(epoch, t));
      }

      double score = std::numeric_limits<double>::quiet_NaN();
      if (cfg.early_stopping) {
        // Score the model as it would be returned: the average once averaging has begun.
        if (n_averaged > 0.0) {
          w.fold();
          const T* avg = state.average_coef;
          score = validation_score(held_out_rows, y.data(), sample_weight, classification, [&](Index i) {
            return X.row(i).dot(avg) + average_intercept;
          });
        } else {
          score = validation_score(held_out_rows, y.data(), sample_weight, classification,
                                   [&](Index i) { return w.dot(X.row(i)) + intercept; });
        }
      }
      const double penalty_sum =
          cfg.alpha * ((1.0 - l1_ratio) * 0.5 * sq_norm_sum + l1_ratio * l1_norm_sum);
      const double objective =
          (loss_sum + (schedule.passive_aggressive() ? 0.0 : penalty_sum)) / n_train;
      result.history.push_back(EpochRecord{
          (weighted_loss_sum + penalty_sum) / n_train, weighted_loss_sum, score,
          schedule.current(),
          std::chrono::duration<double>(Clock::now() - started).count(), coordinate_updates});
      result.n_iter = epoch + 1;
      result.steps = long(call_step);
      if (stopping_criterion_says_stop(cfg, objective, score, best_objective, best_score,
                                       no_improvement, schedule)) {
        break;
      }
    }
  } catch (...) {
    write_back();
    throw;
  }
  write_back();
  return result;
}

}  // namespace detail

// Trains every output (one per one-vs-rest class, or the single regression output) for
// up to cfg.max_iter epochs, outputs in parallel over cfg.n_jobs threads. `t` is the
// count of examples learned before this call, plus one (scikit-learn's t_). Each output
// depends only on its own seed, so results do not depend on the number of threads.
template <class T>
std::vector<OutputResult> fit_outputs(const TrainerConfig& cfg, const TrainingSet<T>& data,
                                      const std::vector<OutputTask>& tasks,
                                      std::vector<OutputState<T>>& states, double t,
                                      StopToken& stop) {
  if (const std::string problem = check_config(cfg); !problem.empty()) {
    throw InvalidArgument(problem);
  }
  if (tasks.size() != states.size()) throw InvalidArgument("one state per task is needed");
  const Loss loss = make_loss(cfg.loss, cfg.epsilon);
  const bool classification = data.targets.classes != nullptr;
  const double negative = negative_label(cfg.loss);
  const Index n_rows = std::visit([](const auto& X) { return X.n_rows; }, data.X);

  const long n_outputs = long(tasks.size());
  std::vector<OutputResult> results(n_outputs);
  std::exception_ptr error;
  bool error_is_interrupt = false;

  auto targets_of = [&](const OutputTask& task) {
    HugeVector<double> y(n_rows);
    for (Index i = 0; i < n_rows; ++i) {
      y[i] = classification ? (data.targets.classes[i] == task.positive_class ? 1.0 : negative)
                            : data.targets.values[i];
    }
    return y;
  };

  if (cfg.hogwild) {
    // The threads share each output's examples instead: outputs one after another.
    const Index n_features = std::visit([](const auto& X) { return X.n_cols; }, data.X);
    for (long k = 0; k < n_outputs; ++k) {
      if (double* scale = states[k].coef_scale) fold_scale(states[k].coef, n_features, *scale);
      const HugeVector<double> y = targets_of(tasks[k]);
      results[k] = std::visit(
          [&](const auto& X, const auto& loss_fn) {
            return detail::train_output_hogwild(cfg, X, loss_fn, y, data.sample_weight,
                                                data.validation, classification, states[k].coef,
                                                states[k].intercept, tasks[k], t, stop);
          },
          data.X, loss);
      if (double* norms = states[k].weight_norms) std::fill_n(norms, kNormEntries, std::nan(""));
    }
    return results;
  }

  auto train_one = [&](long k) {
    try {
      const HugeVector<double> y = targets_of(tasks[k]);
      results[k] = std::visit(
          [&](const auto& X, const auto& loss_fn) {
            return detail::train_output(cfg, X, loss_fn, y, data.sample_weight, data.validation,
                                        classification, states[k], tasks[k], t, stop);
          },
          data.X, loss);
    } catch (...) {
      const bool interrupt = [] {
        try {
          throw;
        } catch (const Interrupted&) {
          return true;
        } catch (...) {
          return false;
        }
      }();
#pragma omp critical(sgdlearn_fit_outputs_error)
      {
        // Keep the first real error: the interrupts it caused in other threads are noise.
        if (!error || (error_is_interrupt && !interrupt)) {
          error = std::current_exception();
          error_is_interrupt = interrupt;
        }
      }
      stop.request_stop();
    }
  };
  // One output trains on this thread, without a first poll of the stop token (which
  // takes the GIL back): both cost a small partial_fit batch more than its epoch's
  // setup. The trainer polls every kStopCheckInterval steps.
  if (n_outputs == 1) {
    train_one(0);
  } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, std::min<int>(cfg.n_jobs, int(n_outputs))))
    for (long k = 0; k < n_outputs; ++k) {
      if (!stop.should_stop()) train_one(k);
    }
  }
  if (error) std::rethrow_exception(error);
  if (stop.should_stop()) throw Interrupted();
  return results;
}

// Instantiated once, in src/trainer.cpp.
#define SGDLEARN_FIT_OUTPUTS(T)                                                          \
  std::vector<OutputResult> fit_outputs<T>(const TrainerConfig&, const TrainingSet<T>&, \
                                           const std::vector<OutputTask>&,              \
                                           std::vector<OutputState<T>>&, double, StopToken&)
extern template SGDLEARN_FIT_OUTPUTS(float);
extern template SGDLEARN_FIT_OUTPUTS(double);

}  // namespace sgdlearn

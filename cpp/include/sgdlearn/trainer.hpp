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
#include <random>
#include <string>
#include <vector>

#include "sgdlearn/config.hpp"
#include "sgdlearn/data_view.hpp"
#include "sgdlearn/errors.hpp"
#include "sgdlearn/losses.hpp"
#include "sgdlearn/penalties.hpp"
#include "sgdlearn/schedules.hpp"
#include "sgdlearn/stop_token.hpp"
#include "sgdlearn/weight_vector.hpp"

namespace sgdlearn {

// Targets of the whole training set: regression values or class indices.
struct Targets {
  const double* values = nullptr;          // regression
  const std::int32_t* classes = nullptr;   // classification: index into classes_
};

// What one output (one binary problem, or the regression) learns.
struct OutputTask {
  std::int32_t positive_class = -1;  // classification: this class is +1, the rest negative
  double weight_positive = 1.0;      // class weights
  double weight_negative = 1.0;
  std::uint64_t seed = 0;            // shuffling
};

// One output's state, in the caller's arrays (updated in place).
template <class T>
struct OutputState {
  T* coef = nullptr;               // n_features
  T* intercept = nullptr;          // one value
  T* average_coef = nullptr;       // n_features, when averaging
  T* average_intercept = nullptr;  // one value, when averaging
  T* l1_q = nullptr;               // n_features, when the penalty has an L1 part
  double* l1_u = nullptr;          // one value, when the penalty has an L1 part
};

struct EpochRecord {
  double objective;         // mean over the epoch's examples of weighted loss + penalty
  double validation_score;  // accuracy or R^2 on the held-out examples; NaN without
  double learning_rate;     // at the end of the epoch
  double seconds;
};

struct OutputResult {
  long n_iter = 0;
  std::vector<EpochRecord> history;
};

template <class T>
struct TrainingSet {
  MatrixView<T> X;
  Targets targets;
  const double* sample_weight = nullptr;    // null: all ones
  const std::uint8_t* validation = nullptr;  // null: no held-out examples
};

namespace detail {

// Uniform integer in [0, n) from a 64-bit generator, the same on every platform
// (std::uniform_int_distribution is implementation-defined). Lemire's method.
inline std::uint64_t bounded(std::mt19937_64& rng, std::uint64_t n) {
  std::uint64_t x = rng();
  __uint128_t m = __uint128_t(x) * n;
  auto low = std::uint64_t(m);
  if (low < n) {
    const std::uint64_t threshold = -n % n;
    while (low < threshold) {
      x = rng();
      m = __uint128_t(x) * n;
      low = std::uint64_t(m);
    }
  }
  return std::uint64_t(m >> 64);
}

inline void shuffle(std::vector<Index>& order, std::mt19937_64& rng) {
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[bounded(rng, i)]);
  }
}

// scikit-learn's early-stopping score: accuracy for classifiers, R^2 for regressors,
// both weighted by sample weight.
template <class Predict>
double validation_score(const std::vector<Index>& rows, const std::vector<double>& y,
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

template <class T>
bool all_finite(const T* v, Index n) {
  for (Index j = 0; j < n; ++j)
    if (!std::isfinite(v[j])) return false;
  return true;
}

// Trains one output for up to max_iter epochs; see the file comment for the step.
template <class Matrix, class LossT>
OutputResult train_output(const TrainerConfig& cfg, const Matrix& X, const LossT& loss,
                          const std::vector<double>& y, const double* sample_weight,
                          const std::uint8_t* validation, bool classification,
                          OutputState<typename Matrix::Scalar>& state, const OutputTask& task,
                          double t, StopToken& stop) {
  using T = typename Matrix::Scalar;
  using Clock = std::chrono::steady_clock;
  constexpr double kMaxDerivative = 1e12;
  constexpr unsigned kStopCheckInterval = 1024;

  const Index n_features = X.n_cols;
  const bool averaging = cfg.average > 0;
  const bool l2 = has_l2(cfg.penalty);
  const bool l1 = has_l1(cfg.penalty);
  const double l1_ratio = effective_l1_ratio(cfg.penalty, cfg.l1_ratio);
  const double average_start = double(cfg.average);

  ScaledWeights<T> w(state.coef, averaging ? state.average_coef : nullptr, n_features);
  const CumulativeL1<T> cumulative_l1{state.l1_q, state.l1_u};
  const double typw = cfg.alpha > 0.0 ? std::sqrt(1.0 / std::sqrt(cfg.alpha)) : 1.0;
  Schedule schedule(cfg.learning_rate, cfg.eta0, cfg.power_t, cfg.alpha,
                    loss.derivative(-typw, 1.0));
  double intercept = *state.intercept;
  double average_intercept = averaging ? *state.average_intercept : 0.0;

  std::vector<Index> train_rows, held_out_rows;
  for (Index i = 0; i < X.n_rows; ++i) {
    (validation && validation[i] ? held_out_rows : train_rows).push_back(i);
  }
  const double n_train = double(train_rows.size());
  std::mt19937_64 rng(task.seed);

  auto write_back = [&] {
    w.fold();
    *state.intercept = T(intercept);
    if (averaging) *state.average_intercept = T(average_intercept);
  };

  OutputResult result;
  long no_improvement = 0;
  double best_objective = std::numeric_limits<double>::infinity();
  double best_score = -std::numeric_limits<double>::infinity();
  unsigned steps_since_check = 0;
  try {
    for (long epoch = 0; epoch < cfg.max_iter; ++epoch) {
      const auto started = Clock::now();
      if (cfg.shuffle) shuffle(train_rows, rng);
      double objective_sum = 0.0;           // scikit-learn's stopping criterion: unweighted
      double weighted_objective_sum = 0.0;  // what loss_curve_ reports
      for (Index i : train_rows) {
        if (++steps_since_check == kStopCheckInterval) {
          steps_since_check = 0;
          if (stop.should_stop()) throw Interrupted();
        }
        const auto row = X.row(i);
        const double yi = y[i];
        const double sw = sample_weight ? sample_weight[i] : 1.0;
        const double class_weight = yi > 0.0 ? task.weight_positive : task.weight_negative;
        const double p = w.dot(row) + intercept;
        const double eta = schedule.at(t);

        const double loss_value = loss.value(p, yi);
        double penalty = 0.0;
        if (cfg.penalty != PenaltyKind::kNone) {
          penalty = cfg.alpha * ((1.0 - l1_ratio) * 0.5 * w.squared_norm() +
                                 l1_ratio * w.l1_norm());
        }
        objective_sum += loss_value + (schedule.passive_aggressive() ? 0.0 : penalty);
        weighted_objective_sum += sw * class_weight * loss_value + penalty;

        double update;
        if (cfg.learning_rate == LearningRateKind::kPa1) {
          const double sq = row.squared_norm();
          if (sq == 0.0) continue;
          update = std::min(cfg.eta0, loss_value / sq);
        } else if (cfg.learning_rate == LearningRateKind::kPa2) {
          update = loss_value / (row.squared_norm() + 0.5 / cfg.eta0);
        } else {
          const double d = std::clamp(loss.derivative(p, yi), -kMaxDerivative, kMaxDerivative);
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

        if (l2) w.scale(std::max(0.0, 1.0 - (1.0 - l1_ratio) * eta * cfg.alpha));
        if (update != 0.0) {
          w.add(row, update);
          if (cfg.fit_intercept) intercept += update * cfg.intercept_decay;
        }
        if (averaging && average_start <= t) {
          const double n_averaged = t - average_start + 1.0;
          w.add_average(row, update, n_averaged);
          average_intercept += (intercept - average_intercept) / n_averaged;
        }
        if (l1) {
          *state.l1_u += l1_ratio * eta * cfg.alpha;
          cumulative_l1.apply(w, row);
        }
        t += 1.0;
      }

      if (!std::isfinite(intercept) || !all_finite(w.raw(), n_features) ||
          !std::isfinite(w.scale_factor())) {
        throw DivergenceError(
            "training diverged: the weights became inf or NaN during epoch " +
            std::to_string(epoch + 1) + " (after " + std::to_string(long(t - 1.0)) +
            " steps). Use a smaller learning rate (eta0), or scale the features, for "
            "example with sklearn.preprocessing.StandardScaler.");
      }
      w.recompute_norms();

      double score = std::numeric_limits<double>::quiet_NaN();
      if (cfg.early_stopping) {
        // Score the model as it would be returned: the average once averaging has begun.
        if (averaging && average_start <= t - 1.0) {
          w.fold();
          const T* avg = state.average_coef;
          score = validation_score(held_out_rows, y, sample_weight, classification, [&](Index i) {
            return X.row(i).dot(avg) + average_intercept;
          });
        } else {
          score = validation_score(held_out_rows, y, sample_weight, classification,
                                   [&](Index i) { return w.dot(X.row(i)) + intercept; });
        }
      }
      const double objective = objective_sum / n_train;
      result.history.push_back(EpochRecord{
          weighted_objective_sum / n_train, score, schedule.current(),
          std::chrono::duration<double>(Clock::now() - started).count()});
      result.n_iter = epoch + 1;

      const bool check_tol = cfg.tol > -std::numeric_limits<double>::infinity();
      if (cfg.early_stopping) {
        no_improvement = (check_tol && score < best_score + cfg.tol) ? no_improvement + 1 : 0;
        best_score = std::max(best_score, score);
      } else {
        no_improvement =
            (check_tol && objective > best_objective - cfg.tol) ? no_improvement + 1 : 0;
        best_objective = std::min(best_objective, objective);
      }
      if (no_improvement >= cfg.n_iter_no_change) {
        if (!schedule.shrink_on_stall()) break;
        no_improvement = 0;
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

#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, std::min<int>(cfg.n_jobs, int(n_outputs))))
  for (long k = 0; k < n_outputs; ++k) {
    if (stop.should_stop()) continue;
    try {
      std::vector<double> y(n_rows);
      for (Index i = 0; i < n_rows; ++i) {
        y[i] = classification ? (data.targets.classes[i] == tasks[k].positive_class ? 1.0 : negative)
                              : data.targets.values[i];
      }
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

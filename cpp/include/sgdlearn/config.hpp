// SPDX-License-Identifier: BSD-3-Clause
// The one configuration struct of a training call, and its validator. Defaults live in
// the Python estimators; the values here only make a default-constructed config valid.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "sgdlearn/losses.hpp"
#include "sgdlearn/penalties.hpp"
#include "sgdlearn/schedules.hpp"

namespace sgdlearn {

struct TrainerConfig {
  LossKind loss = LossKind::kHinge;
  double epsilon = 0.1;  // epsilon losses' insensitive width, huber's delta

  PenaltyKind penalty = PenaltyKind::kL2;
  double alpha = 1e-4;
  double l1_ratio = 0.15;

  LearningRateKind learning_rate = LearningRateKind::kOptimal;
  double eta0 = 0.01;
  double power_t = 0.5;

  bool fit_intercept = true;
  // Multiplies every intercept step. scikit-learn forces 0.01 on sparse input; 1 is
  // plain SGD on the intercept.
  double intercept_decay = 1.0;

  long max_iter = 1000;  // epochs
  double tol = 1e-3;     // -inf disables the stopping criterion
  long n_iter_no_change = 5;
  bool early_stopping = false;
  bool shuffle = true;
  // Averaged SGD starts at example `average` (counted by t); 0 is off.
  long average = 0;

  int n_jobs = 1;
};

// Returns an empty string when the config is usable, else what is wrong.
inline std::string check_config(const TrainerConfig& c) {
  if (!(c.alpha >= 0.0) || !std::isfinite(c.alpha)) return "alpha must be a finite number >= 0";
  if (!(c.l1_ratio >= 0.0 && c.l1_ratio <= 1.0)) return "l1_ratio must be in [0, 1]";
  if (!(c.eta0 > 0.0) || !std::isfinite(c.eta0)) return "eta0 must be a finite number > 0";
  if (!std::isfinite(c.power_t)) return "power_t must be finite";
  if (!(c.epsilon >= 0.0)) return "epsilon must be >= 0";
  if (c.learning_rate == LearningRateKind::kOptimal && !(c.alpha > 0.0))
    return "alpha must be > 0 since learning_rate is 'optimal'";
  if (!(c.intercept_decay >= 0.0)) return "intercept_decay must be >= 0";
  if (c.max_iter < 1) return "max_iter must be >= 1";
  if (std::isnan(c.tol)) return "tol must not be NaN";
  if (c.n_iter_no_change < 1) return "n_iter_no_change must be >= 1";
  if (c.average < 0) return "average must be >= 0";
  if (c.n_jobs < 1) return "n_jobs must be >= 1";
  return {};
}

}  // namespace sgdlearn

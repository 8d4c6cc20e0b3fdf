// SPDX-License-Identifier: BSD-3-Clause
// The one configuration struct of a training call, and its validator. Defaults live in
// the Python estimators; the values here only make a default-constructed config valid.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "sgdlearn/losses.hpp"
#include "sgdlearn/optimizers.hpp"
#include "sgdlearn/penalties.hpp"
#include "sgdlearn/schedules.hpp"

namespace sgdlearn {

struct TrainerConfig {
  LossKind loss = LossKind::kHinge;
  double epsilon = 0.1;  // epsilon losses' insensitive width, huber's delta
  // Softmax cross-entropy over the classes, trained jointly (needs log_loss).
  bool multinomial = false;

  PenaltyKind penalty = PenaltyKind::kL2;
  double alpha = 1e-4;
  double l1_ratio = 0.15;

  ScheduleParams schedule;
  OptimizerParams optimizer;
  // Examples per step: 1 is streaming SGD, 0 the whole training set (gradient descent).
  long batch_size = 1;
  // Sparse rows: update only the coordinates present in the batch (see batch_trainer.hpp).
  bool lazy_sparse_updates = true;
  // Rescale the loss gradient to this L2 norm when it is longer; 0 is off.
  double clip_norm = 0.0;

  bool fit_intercept = true;
  // Multiplies every intercept step. scikit-learn forces 0.01 on sparse input; 1 is
  // plain SGD on the intercept.
  double intercept_decay = 1.0;

  long max_iter = 1000;  // epochs
  double tol = 1e-3;     // -inf disables the stopping criterion
  long n_iter_no_change = 5;
  bool early_stopping = false;
  bool shuffle = true;
  // Averaged SGD starts at step `average` (counted by t); 0 is off.
  long average = 0;

  int n_jobs = 1;
  // Plain SGD with n_jobs threads updating shared weights without locks
  // (hogwild_trainer.hpp): faster on sparse data, not deterministic.
  bool hogwild = false;
};

// True when the configuration is scikit-learn's plain SGD: one example a step, one
// binary problem per output, trained by trainer.hpp's per-example loop.
inline bool is_plain_sgd(const TrainerConfig& c) {
  return c.optimizer.kind == OptimizerKind::kSgd && c.batch_size == 1 && !c.multinomial;
}

// Returns an empty string when the config is usable, else what is wrong.
inline std::string check_config(const TrainerConfig& c) {
  const ScheduleParams& s = c.schedule;
  const OptimizerParams& o = c.optimizer;
  if (!(c.alpha >= 0.0) || !std::isfinite(c.alpha)) return "alpha must be a finite number >= 0";
  if (!(c.l1_ratio >= 0.0 && c.l1_ratio <= 1.0)) return "l1_ratio must be in [0, 1]";
  if (!(s.eta0 > 0.0) || !std::isfinite(s.eta0)) return "eta0 must be a finite number > 0";
  if (!std::isfinite(s.power_t)) return "power_t must be finite";
  if (!(s.gamma > 0.0 && s.gamma <= 1.0)) return "gamma must be in (0, 1]";
  if (s.step_size < 1) return "step_size must be >= 1";
  if (!(s.eta_min >= 0.0 && s.eta_min <= s.eta0)) return "eta_min must be in [0, eta0]";
  if (s.warmup_steps < 0) return "warmup_steps must be >= 0";
  if (!(c.epsilon >= 0.0)) return "epsilon must be >= 0";
  if (s.kind == LearningRateKind::kOptimal && !(c.alpha > 0.0))
    return "alpha must be > 0 since learning_rate is 'optimal'";
  if (!(o.momentum >= 0.0 && o.momentum < 1.0)) return "momentum must be in [0, 1)";
  if (!(o.beta_1 >= 0.0 && o.beta_1 < 1.0)) return "beta_1 must be in [0, 1)";
  if (!(o.beta_2 >= 0.0 && o.beta_2 < 1.0)) return "beta_2 must be in [0, 1)";
  if (!(o.rho >= 0.0 && o.rho < 1.0)) return "rho must be in [0, 1)";
  if (!(o.eps > 0.0)) return "eps must be > 0";
  if (!(o.ftrl_beta >= 0.0)) return "ftrl_beta must be >= 0";
  if (c.batch_size < 0) return "batch_size must be >= 1, or 0 for the whole data";
  if (!(c.clip_norm >= 0.0)) return "clip_norm must be >= 0";
  if (c.multinomial && c.loss != LossKind::kLogLoss) return "multinomial needs log_loss";
  if ((s.kind == LearningRateKind::kPa1 || s.kind == LearningRateKind::kPa2) && !is_plain_sgd(c))
    return "passive-aggressive steps need optimizer='sgd' and batch_size=1";
  if (c.average > 0 && o.kind != OptimizerKind::kSgd) return "averaging needs optimizer='sgd'";
  if (o.first_step < 1) return "the optimizer's first step must be >= 1";
  if (!(c.intercept_decay >= 0.0)) return "intercept_decay must be >= 0";
  if (c.max_iter < 1) return "max_iter must be >= 1";
  if (std::isnan(c.tol)) return "tol must not be NaN";
  if (c.n_iter_no_change < 1) return "n_iter_no_change must be >= 1";
  if (c.average < 0) return "average must be >= 0";
  if (c.n_jobs < 1) return "n_jobs must be >= 1";
  if (c.hogwild) {
    if (!is_plain_sgd(c)) return "hogwild needs optimizer='sgd', batch_size=1 and one-vs-rest";
    if (has_l1(c.penalty)) return "hogwild supports penalty 'l2' or None, not an L1 part";
    if (c.average > 0) return "hogwild does not support averaging";
    if (s.kind == LearningRateKind::kPa1 || s.kind == LearningRateKind::kPa2)
      return "hogwild does not support passive-aggressive steps";
    if (c.clip_norm > 0.0) return "hogwild does not support clip_norm";
  }
  return {};
}

}  // namespace sgdlearn

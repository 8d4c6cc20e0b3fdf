// SPDX-License-Identifier: BSD-3-Clause
// Learning rate per step, as scikit-learn's SGD defines it (_sgd_fast.pyx.tp):
//   constant    eta = eta0
//   optimal     eta = 1 / (alpha (t0 + t - 1)), t0 chosen so that the first step is
//               typw / max(1, dloss(-typw, 1)) with typw = sqrt(1 / sqrt(alpha))  (Bottou)
//   invscaling  eta = eta0 / t^power_t
//   adaptive    eta = eta0, divided by 5 each time the stopping criterion stalls
//   pa1, pa2    passive-aggressive steps (Crammer et al. 2006): eta0 is the
//               aggressiveness C, the step is computed from the loss (trainer)
// t counts the examples learned so far, starting at 1 (scikit-learn's `t_`).
#pragma once

#include <algorithm>
#include <cmath>

namespace sgdlearn {

enum class LearningRateKind { kConstant, kOptimal, kInvScaling, kAdaptive, kPa1, kPa2 };

class Schedule {
 public:
  // `initial_derivative` is dloss(p = -typw, y = 1) of the loss being trained; only
  // the optimal schedule needs it.
  Schedule(LearningRateKind kind, double eta0, double power_t, double alpha,
           double initial_derivative)
      : kind_(kind), eta0_(eta0), power_t_(power_t), alpha_(alpha), eta_(eta0) {
    if (kind_ == LearningRateKind::kOptimal) {
      const double typw = std::sqrt(1.0 / std::sqrt(alpha));
      const double initial_eta = typw / std::max(1.0, initial_derivative);
      optimal_init_ = 1.0 / (initial_eta * alpha);
    }
  }

  // The rate for the step that learns example number t.
  double at(double t) {
    if (kind_ == LearningRateKind::kOptimal) {
      eta_ = 1.0 / (alpha_ * (optimal_init_ + t - 1.0));
    } else if (kind_ == LearningRateKind::kInvScaling) {
      eta_ = eta0_ / std::pow(t, power_t_);
    }
    return eta_;
  }

  // Called when the stopping criterion has stalled n_iter_no_change times; returns
  // true when training goes on (adaptive with room left to shrink).
  bool shrink_on_stall() {
    if (kind_ == LearningRateKind::kAdaptive && eta_ > 1e-6) {
      eta_ /= 5.0;
      return true;
    }
    return false;
  }

  double current() const { return eta_; }
  bool passive_aggressive() const {
    return kind_ == LearningRateKind::kPa1 || kind_ == LearningRateKind::kPa2;
  }
  LearningRateKind kind() const { return kind_; }
  double eta0() const { return eta0_; }

 private:
  LearningRateKind kind_;
  double eta0_;
  double power_t_;
  double alpha_;
  double eta_;
  double optimal_init_ = 0.0;
};

}  // namespace sgdlearn

// SPDX-License-Identifier: BSD-3-Clause
// Learning rate per step. t counts steps from 1 across calls (scikit-learn's `t_` when
// a step is one example); epochs count from 0 within a call.
//   constant     eta = eta0
//   optimal      eta = 1 / (alpha (t0 + t - 1)), t0 chosen so that the first step is
//                typw / max(1, dloss(-typw, 1)) with typw = sqrt(1 / sqrt(alpha))  (Bottou;
//                scikit-learn's _sgd_fast.pyx.tp)
//   invscaling   eta = eta0 / t^power_t
//   adaptive     eta = eta0, divided by 5 each time the stopping criterion stalls
//   pa1, pa2     passive-aggressive (Crammer et al. 2006): eta0 is the aggressiveness C,
//                the step comes from the loss (trainer)
//   exponential  eta = eta0 gamma^epoch                         torch ExponentialLR
//   step         eta = eta0 gamma^floor(epoch / step_size)      torch StepLR
//   cosine       eta = eta_min + (eta0 - eta_min) (1 + cos(pi s / S)) / 2, s the step of
//                this call from 0 and S the steps planned for it      torch CosineAnnealingLR
// Any of them times min(1, t / warmup_steps) during a linear warm-up.
#pragma once

#include <algorithm>
#include <cmath>

namespace sgdlearn {

enum class LearningRateKind {
  kConstant,
  kOptimal,
  kInvScaling,
  kAdaptive,
  kPa1,
  kPa2,
  kExponential,
  kStep,
  kCosine,
};

struct ScheduleParams {
  LearningRateKind kind = LearningRateKind::kOptimal;
  double eta0 = 0.01;
  double power_t = 0.5;
  double gamma = 0.9;     // exponential and step decay factor
  long step_size = 10;    // epochs between step decays
  double eta_min = 0.0;   // cosine floor
  long warmup_steps = 0;  // linear warm-up length, 0 for none
};

class Schedule {
 public:
  // `alpha` and `initial_derivative` (dloss(p = -typw, y = 1) of the loss) set the
  // optimal schedule; `planned_steps` the cosine's length.
  Schedule(const ScheduleParams& p, double alpha, double initial_derivative, double planned_steps)
      : p_(p), alpha_(alpha), planned_steps_(std::max(1.0, planned_steps)), eta_(p.eta0) {
    if (p_.kind == LearningRateKind::kOptimal) {
      const double typw = std::sqrt(1.0 / std::sqrt(alpha));
      const double initial_eta = typw / std::max(1.0, initial_derivative);
      optimal_init_ = 1.0 / (initial_eta * alpha);
    }
  }

  void begin_epoch(long epoch) {
    if (p_.kind == LearningRateKind::kExponential) {
      epoch_rate_ = p_.eta0 * std::pow(p_.gamma, double(epoch));
    } else if (p_.kind == LearningRateKind::kStep) {
      epoch_rate_ = p_.eta0 * std::pow(p_.gamma, double(epoch / std::max(1L, p_.step_size)));
    }
  }

  // The rate of step t; `call_step` counts this call's steps from 0 (cosine).
  double at(double t, double call_step = 0.0) {
    constexpr double kPi = 3.14159265358979323846;
    switch (p_.kind) {
      case LearningRateKind::kOptimal: eta_ = 1.0 / (alpha_ * (optimal_init_ + t - 1.0)); break;
      case LearningRateKind::kInvScaling: eta_ = p_.eta0 / std::pow(t, p_.power_t); break;
      case LearningRateKind::kExponential:
      case LearningRateKind::kStep: eta_ = epoch_rate_; break;
      case LearningRateKind::kCosine:
        eta_ = p_.eta_min + (p_.eta0 - p_.eta_min) *
                                (1.0 + std::cos(kPi * std::min(call_step, planned_steps_) /
                                                planned_steps_)) / 2.0;
        break;
      default: break;  // constant, adaptive, pa1, pa2 keep eta_
    }
    last_ = eta_;
    if (p_.warmup_steps > 0 && t < double(p_.warmup_steps)) last_ *= t / double(p_.warmup_steps);
    return last_;
  }

  // Called when the stopping criterion has stalled n_iter_no_change times; returns
  // true when training goes on (adaptive with room left to shrink).
  bool shrink_on_stall() {
    if (p_.kind == LearningRateKind::kAdaptive && eta_ > 1e-6) {
      eta_ /= 5.0;
      return true;
    }
    return false;
  }

  // The rate of the last step.
  double current() const { return last_; }
  bool passive_aggressive() const {
    return p_.kind == LearningRateKind::kPa1 || p_.kind == LearningRateKind::kPa2;
  }

 private:
  ScheduleParams p_;
  double alpha_;
  double planned_steps_;
  double eta_;
  double last_ = eta_;
  double epoch_rate_ = 0.0;
  double optimal_init_ = 0.0;
};

}  // namespace sgdlearn

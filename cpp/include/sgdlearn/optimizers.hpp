// SPDX-License-Identifier: BSD-3-Clause
// Per-coordinate update rules and their state, matching torch.optim step for step
// (default options: no dampening, no amsgrad, no centering, lr_decay 0).
//
//   g is the coordinate's gradient with the coupled penalty terms already added.
//   momentum   b <- mu b + g;             w <- w - lr b                  torch SGD(momentum)
//   nesterov   b <- mu b + g;             w <- w - lr (g + mu b)         torch SGD(nesterov=True)
//   adagrad    s <- s + g^2;              w <- w - lr g / (sqrt(s) + eps)            torch Adagrad
//   rmsprop    s <- rho s + (1-rho) g^2;  w <- w - lr g / (sqrt(s) + eps)   torch RMSprop(alpha=rho)
//   adam       m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2
//              w <- w - lr/(1-b1^k) m / (sqrt(v)/sqrt(1-b2^k) + eps)      torch Adam (step k)
//   adamw      w <- w (1 - lr wd), then adam without the penalty in g     torch AdamW
//   ftrl       FTRL-Proximal (McMahan et al. 2013, "Ad click prediction", Algorithm 1),
//              per coordinate with a = lr, b = ftrl_beta, regularization l1, l2:
//              sigma = (sqrt(n + g^2) - sqrt(n)) / a;  z <- z + g - sigma w;  n <- n + g^2
//              w = 0 if |z| <= l1, else -(z - sign(z) l1) / ((b + sqrt(n)) / a + l2)
// State slots: momentum/nesterov b; adagrad/rmsprop s; adam(w) m, v; ftrl z, n.
#pragma once

#include <cmath>

namespace sgdlearn {

enum class OptimizerKind { kSgd, kMomentum, kNesterov, kAdagrad, kRmsprop, kAdam, kAdamW, kFtrl };

inline int state_slots(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd: return 0;
    case OptimizerKind::kMomentum:
    case OptimizerKind::kNesterov:
    case OptimizerKind::kAdagrad:
    case OptimizerKind::kRmsprop: return 1;
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW:
    case OptimizerKind::kFtrl: return 2;
  }
  return 0;
}

struct OptimizerParams {
  OptimizerKind kind = OptimizerKind::kSgd;
  double momentum = 0.9;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double rho = 0.99;
  double eps = 1e-8;
  double ftrl_beta = 1.0;
};

// The update of one step, shared by every coordinate of that step.
class CoordinateStep {
 public:
  // `step` counts optimizer steps from 1 (Adam's bias correction); `decoupled_decay` is
  // AdamW's weight decay (0 elsewhere).
  CoordinateStep(const OptimizerParams& p, double lr, long step, double decoupled_decay)
      : p_(p), lr_(lr), decay_(1.0 - lr * decoupled_decay) {
    if (p.kind == OptimizerKind::kAdam || p.kind == OptimizerKind::kAdamW) {
      step_size_ = lr / (1.0 - std::pow(p.beta_1, double(step)));
      bias2_sqrt_ = std::sqrt(1.0 - std::pow(p.beta_2, double(step)));
    }
  }

  // Returns the new weight; s0, s1 are the coordinate's state slots. l1, l2 are FTRL's
  // regularization (the other rules get the penalty through g).
  double apply(double w, double g, double& s0, double& s1, double l1, double l2) const {
    switch (p_.kind) {
      case OptimizerKind::kSgd:
        return w - lr_ * g;
      case OptimizerKind::kMomentum:
        s0 = p_.momentum * s0 + g;
        return w - lr_ * s0;
      case OptimizerKind::kNesterov:
        s0 = p_.momentum * s0 + g;
        return w - lr_ * (g + p_.momentum * s0);
      case OptimizerKind::kAdagrad:
        s0 += g * g;
        return w - lr_ * g / (std::sqrt(s0) + p_.eps);
      case OptimizerKind::kRmsprop:
        s0 = p_.rho * s0 + (1.0 - p_.rho) * g * g;
        return w - lr_ * g / (std::sqrt(s0) + p_.eps);
      case OptimizerKind::kAdamW:
        w *= decay_;
        [[fallthrough]];
      case OptimizerKind::kAdam:
        s0 += (1.0 - p_.beta_1) * (g - s0);
        s1 = p_.beta_2 * s1 + (1.0 - p_.beta_2) * g * g;
        return w - step_size_ * s0 / (std::sqrt(s1) / bias2_sqrt_ + p_.eps);
      case OptimizerKind::kFtrl: {
        const double n_new = s1 + g * g;
        const double sigma = (std::sqrt(n_new) - std::sqrt(s1)) / lr_;
        s0 += g - sigma * w;
        s1 = n_new;
        if (std::fabs(s0) <= l1) return 0.0;
        const double shrunk = s0 - std::copysign(l1, s0);
        return -shrunk / ((p_.ftrl_beta + std::sqrt(s1)) / lr_ + l2);
      }
    }
    return w;
  }

 private:
  const OptimizerParams& p_;
  double lr_;
  double decay_;
  double step_size_ = 0.0;
  double bias2_sqrt_ = 1.0;
};

}  // namespace sgdlearn

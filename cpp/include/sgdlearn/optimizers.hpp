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
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sgdlearn {

enum class OptimizerKind { kSgd, kMomentum, kNesterov, kAdagrad, kRmsprop, kAdam, kAdamW, kFtrl };

constexpr int state_slots(OptimizerKind kind) {
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

// Two coordinates updated at once: the square root and the division of the adaptive
// rules are the slowest instructions of a sparse step, and their two-lane forms cost
// about what one scalar does. GCC's vector extension gives the arithmetic (lane by lane,
// the same IEEE operations as on one double, so the same results).
using Pair = double __attribute__((vector_size(16)));

inline double lane_sqrt(double x) { return std::sqrt(x); }
inline Pair lane_sqrt(Pair x) {
#if defined(__SSE2__)
  return Pair(_mm_sqrt_pd(__m128d(x)));
#else
  return Pair{std::sqrt(x[0]), std::sqrt(x[1])};
#endif
}

// f(std::integral_constant<OptimizerKind, kind>{}): the caller's loop compiled once per
// rule, chosen once per step rather than once per coordinate.
template <class F>
decltype(auto) with_optimizer(OptimizerKind kind, F&& f) {
  using K = OptimizerKind;
  switch (kind) {
    case K::kSgd: return f(std::integral_constant<K, K::kSgd>{});
    case K::kMomentum: return f(std::integral_constant<K, K::kMomentum>{});
    case K::kNesterov: return f(std::integral_constant<K, K::kNesterov>{});
    case K::kAdagrad: return f(std::integral_constant<K, K::kAdagrad>{});
    case K::kRmsprop: return f(std::integral_constant<K, K::kRmsprop>{});
    case K::kAdam: return f(std::integral_constant<K, K::kAdam>{});
    case K::kAdamW: return f(std::integral_constant<K, K::kAdamW>{});
    case K::kFtrl: break;
  }
  return f(std::integral_constant<K, K::kFtrl>{});
}

struct OptimizerParams {
  OptimizerKind kind = OptimizerKind::kSgd;
  double momentum = 0.9;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double rho = 0.99;
  double eps = 1e-8;
  double ftrl_beta = 1.0;
  // The model's step count t at the state's first step: an optimizer switched to between
  // calls starts from zero state and counts its own steps from there, as a new torch
  // optimizer does (Adam's k = t - first_step + 1).
  long first_step = 1;
};

// beta_1^k and beta_2^k, Adam's bias corrections at its step k (counted from 1), for a
// run of consecutive steps: one multiplication a step where two calls of pow would cost
// as much as updating a sparse row. A run (a call of fit, or after a jump) starts with
// pow; the products then drift from pow by about k ulps, far below what the steps resolve.
class BiasPowers {
 public:
  // `t`: the model's step count (the trainer's t).
  void advance_to(long t, const OptimizerParams& p) {
    const long step = t - p.first_step + 1;
    if (step == step_ + 1 && step_ > 0) {
      beta_1_ *= p.beta_1;
      beta_2_ *= p.beta_2;
    } else {
      beta_1_ = std::pow(p.beta_1, double(step));
      beta_2_ = std::pow(p.beta_2, double(step));
    }
    step_ = step;
  }
  double beta_1() const { return beta_1_; }
  double beta_2() const { return beta_2_; }

 private:
  long step_ = 0;
  double beta_1_ = 1.0, beta_2_ = 1.0;
};

// The update of one step, shared by every coordinate of that step.
class CoordinateStep {
 public:
  // `powers` are at this step (Adam's bias corrections); `decoupled_decay` is AdamW's
  // weight decay (0 elsewhere).
  CoordinateStep(const OptimizerParams& p, double lr, const BiasPowers& powers,
                 double decoupled_decay)
      : p_(p), lr_(lr), decay_(1.0 - lr * decoupled_decay) {
    if (p.kind == OptimizerKind::kAdam || p.kind == OptimizerKind::kAdamW) {
      step_size_ = lr / (1.0 - powers.beta_1());
      // A multiply per coordinate where torch divides: the divider is the bottleneck of
      // a sparse step (a square root and a division per coordinate are left).
      inverse_bias2_sqrt_ = 1.0 / std::sqrt(1.0 - powers.beta_2());
    }
  }

  // Returns the new weight; s0, s1 are the coordinate's state slots. l1, l2 are FTRL's
  // regularization (the other rules get the penalty through g). Loops over coordinates
  // call this form, with the rule fixed at compile time (see with_optimizer): a switch
  // per coordinate would cost as much as some of the rules.
  // V is double, or Pair for two coordinates at once (every rule but FTRL, whose
  // branches stay scalar).
  template <OptimizerKind Kind, class V = double>
  V apply(V w, V g, V& s0, V& s1, double l1, double l2) const {
    if constexpr (Kind == OptimizerKind::kSgd) {
      return w - lr_ * g;
    } else if constexpr (Kind == OptimizerKind::kMomentum) {
      s0 = p_.momentum * s0 + g;
      return w - lr_ * s0;
    } else if constexpr (Kind == OptimizerKind::kNesterov) {
      s0 = p_.momentum * s0 + g;
      return w - lr_ * (g + p_.momentum * s0);
    } else if constexpr (Kind == OptimizerKind::kAdagrad) {
      s0 += g * g;
      return w - lr_ * g / (lane_sqrt(s0) + p_.eps);
    } else if constexpr (Kind == OptimizerKind::kRmsprop) {
      s0 = p_.rho * s0 + (1.0 - p_.rho) * g * g;
      return w - lr_ * g / (lane_sqrt(s0) + p_.eps);
    } else if constexpr (Kind == OptimizerKind::kAdam || Kind == OptimizerKind::kAdamW) {
      if constexpr (Kind == OptimizerKind::kAdamW) w *= decay_;
      s0 += (1.0 - p_.beta_1) * (g - s0);
      s1 = p_.beta_2 * s1 + (1.0 - p_.beta_2) * g * g;
      return w - step_size_ * s0 / (lane_sqrt(s1) * inverse_bias2_sqrt_ + p_.eps);
    } else {
      static_assert(Kind == OptimizerKind::kFtrl && std::is_same_v<V, double>);
      const double n_new = s1 + g * g;
      const double sigma = (std::sqrt(n_new) - std::sqrt(s1)) / lr_;
      s0 += g - sigma * w;
      s1 = n_new;
      if (std::fabs(s0) <= l1) return 0.0;
      const double shrunk = s0 - std::copysign(l1, s0);
      return -shrunk / ((p_.ftrl_beta + std::sqrt(s1)) / lr_ + l2);
    }
  }

 private:
  // A copy, not a reference: the caller's weights are stored between reads of these, and
  // through a reference the compiler would have to reload them after every store.
  OptimizerParams p_;
  double lr_;
  double decay_;
  double step_size_ = 0.0;
  double inverse_bias2_sqrt_ = 1.0;
};

}  // namespace sgdlearn

// SPDX-License-Identifier: BSD-3-Clause
// Penalties: alpha * ((1 - l1_ratio) / 2 * ||w||^2 + l1_ratio * ||w||_1).
//
// L2 is applied through the weight vector's scale factor (weight_vector.hpp).
// L1 uses the cumulative penalty of Tsuruoka, Tsujii and Ananiadou (2009), "Stochastic
// gradient descent training for L1-regularized log-linear models with cumulative
// penalty", as scikit-learn's l1penalty does:
//   u      total L1 penalty each weight could have received so far: sum of l1_ratio eta alpha
//   q[j]   the penalty weight j actually received
//   after an update touching j:  w_j <- max(0, w_j - (u + q_j))  if w_j > 0
//                                w_j <- min(0, w_j + (u - q_j))  if w_j < 0
// u and q are state of the model and carried across partial_fit calls (scikit-learn
// resets them at each call, which lets a stream of small calls escape the penalty).
#pragma once

#include <algorithm>

#include "sgdlearn/weight_vector.hpp"

namespace sgdlearn {

enum class PenaltyKind { kNone, kL2, kL1, kElasticNet };

inline bool has_l2(PenaltyKind p) { return p == PenaltyKind::kL2 || p == PenaltyKind::kElasticNet; }
inline bool has_l1(PenaltyKind p) { return p == PenaltyKind::kL1 || p == PenaltyKind::kElasticNet; }

// The l1_ratio the penalty really uses: l2 is 0, l1 is 1, elasticnet as given.
inline double effective_l1_ratio(PenaltyKind p, double l1_ratio) {
  if (p == PenaltyKind::kL2) return 0.0;
  if (p == PenaltyKind::kL1) return 1.0;
  return l1_ratio;
}

// The factor by which a step of rate eta shrinks the weights: the L2 part of the penalty.
inline double l2_shrink(double eta, double alpha, double l1_ratio) {
  return std::max(0.0, 1.0 - (1.0 - l1_ratio) * eta * alpha);
}

template <class T>
struct CumulativeL1 {
  T* q;       // n_features
  double* u;  // one value

  // One coordinate's truncation after a step: the value z of v_j (w_j = scale z) moves
  // towards 0 by what the penalty still owes it, and q[j] records what it received.
  // Reads *u as the Truncation was made: a step shared by threads makes one first.
  struct Truncation {
    static constexpr bool kActive = true;
    T* q;
    double total;

    T operator()(Index j, double z, double scale) const {
      double now = z;
      if (scale * z > 0.0) {
        now = T(std::max(0.0, z - (total + q[j]) / scale));
      } else if (scale * z < 0.0) {
        now = T(std::min(0.0, z + (total - q[j]) / scale));
      }
      q[j] = T(q[j] + scale * (now - z));
      return T(now);
    }
  };
  Truncation truncation() const { return {q, *u}; }

  template <class Row>
  void apply(ScaledWeights<T>& w, const Row& row) const {
    const Truncation truncate = truncation();
    const double scale = w.scale_factor();
    const T* v = w.raw();
    row.for_each([&](Index j, auto) { w.set_after_step(j, truncate(j, v[j], scale)); });
  }
};

}  // namespace sgdlearn

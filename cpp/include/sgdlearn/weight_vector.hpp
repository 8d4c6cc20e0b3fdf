// SPDX-License-Identifier: BSD-3-Clause
// A weight vector stored as  w = scale * v  so that the L2 shrink  w <- (1 - eta alpha) w
// costs O(1) and a sparse row costs O(nnz) (Bottou, "Stochastic Gradient Descent
// Tricks", 2012; scikit-learn's WeightVector).
//
// Averaged SGD uses the same trick for the running mean  wbar_t = mean(w_a .. w_t):
//   wbar = (avg + average_a * v) / average_b
// so that each step touches only the row's coordinates; `fold()` writes wbar and w
// back into plain arrays. Squared L2 and L1 norms are tracked exactly for the objective,
// coordinate by coordinate or from the step's dot product (scikit-learn re-sums only the
// coordinates of the last row, which is the true norm only for dense rows).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "sgdlearn/data_view.hpp"

namespace sgdlearn {

// Multiplies `values` by `scale` and resets it to 1: for a weight vector kept as
// w = scale * values between calls (OutputState::coef_scale), by a trainer that works on
// the plain array.
template <class T>
void fold_scale(T* values, Index n, double& scale) {
  if (scale == 1.0) return;
  for (Index j = 0; j < n; ++j) values[j] = T(values[j] * scale);
  scale = 1.0;
}

// A shared step's truncation when the penalty has no L1 term (ScaledWeights'
// shared_step_range; a penalty's own, as CumulativeL1::Truncation, has kActive).
struct NoTruncation {
  static constexpr bool kActive = false;
  double operator()(Index, double z, double) const { return z; }
};

template <class T>
class ScaledWeights {
 public:
  // Below this scale the stored v would lose precision; scikit-learn uses the same.
  static constexpr double kScaleFloor = std::is_same_v<T, float> ? 1e-6 : 1e-9;

  // `average` may be null when averaging is off.
  // `known_norms`, when given and finite, are {squared L2, L1} of `values`: the caller
  // kept them from the last call, which spares a pass over every feature.
  // `scale` is the factor w = scale * values that the last call left.
  // Without `tracks_l1` (no L1 term in the penalty) l1_norm() stays 0: summing it would
  // chain every coordinate's update on the previous one's add, for nothing.
  // `average_factors`, when given with `average`, are {average_a, average_b} that the last
  // call left unfolded (keep_average_factors): wbar = (average + average_a * values) /
  // average_b, values before the scale.
  ScaledWeights(T* values, T* average, Index n_features, const double* known_norms = nullptr,
                double scale = 1.0, bool tracks_l1 = true,
                const double* average_factors = nullptr)
      : v_(values), avg_(average), n_(n_features), scale_(scale), tracks_l1_(tracks_l1) {
    if (avg_ != nullptr && average_factors != nullptr) {
      average_a_ = average_factors[0];
      average_b_ = average_factors[1];
    }
    if (known_norms && std::isfinite(known_norms[0]) &&
        (!tracks_l1_ || std::isfinite(known_norms[1]))) {
      raw_sq_norm_ = known_norms[0];
      raw_l1_norm_ = tracks_l1_ ? known_norms[1] : 0.0;
    } else {
      recompute_norms();
    }
  }

  template <class Row>
  double dot(const Row& row) const { return row.dot(v_) * scale_; }

  // w += c * x
  template <class Row>
  void add(const Row& row, double c) {
    const double step = c / scale_;
    // Local sums: the members could alias v_ (T = double), which would make every
    // coordinate wait on a store and reload of the norms.
    double sq_change = 0.0, l1_change = 0.0;
    row.for_each([&](Index j, auto x) {
      const double old = v_[j];
      const T now = T(old + double(x) * step);
      v_[j] = now;
      sq_change += double(now) * double(now) - old * old;
      if (tracks_l1_) l1_change += std::fabs(double(now)) - std::fabs(old);
    });
    raw_sq_norm_ += sq_change;
    raw_l1_norm_ += l1_change;
  }

  // w += c * x, for a caller that knows wx = w . x (what dot(row) gave, times the factors
  // of any scale() since). Without an L1 term the squared norm then changes by
  // 2 s (v . x) + s^2 |x|^2 with s = c / scale: no add chained across the row's
  // coordinates (that chain cost 6% of a plain SGD epoch on text-like rows). Exact but for
  // rounding, and for repeated indices in a row (scipy allows them), whose cross terms it
  // misses; recompute_norms() clears both.
  template <class Row>
  void add(const Row& row, double c, double wx) {
    if (tracks_l1_) return add(row, c);
    const double step = c / scale_;
    double x_sq0 = 0.0, x_sq1 = 0.0;  // two sums: each add waits on the one before
    const Index n = row.size();
    Index k = 0;
    for (; k + 2 <= n; k += 2) {
      const double x0 = double(row.value(k)), x1 = double(row.value(k + 1));
      T& v0 = v_[row.index(k)];
      v0 = T(v0 + x0 * step);
      T& v1 = v_[row.index(k + 1)];
      v1 = T(v1 + x1 * step);
      x_sq0 += x0 * x0;
      x_sq1 += x1 * x1;
    }
    if (k < n) {
      const double x0 = double(row.value(k));
      T& v0 = v_[row.index(k)];
      v0 = T(v0 + x0 * step);
      x_sq0 += x0 * x0;
    }
    raw_sq_norm_ += 2.0 * step * (wx / scale_) + step * step * (x_sq0 + x_sq1);
  }

  // A step shared by threads over disjoint coordinates (a column-shared mini-batch
  // step), whose parts read the weights as the step found them, so the scale factor
  // and the average's factors move only at its end: begin_shared_step gives the step's
  // scalars, every thread runs shared_step_range on its coordinates, and
  // end_shared_step takes their norm changes, summed in a fixed order. The arithmetic
  // of scale(shrink), add(), add_average() and a truncation's set_after_step(), but
  // that each coordinate's change of the norms is added once. A step under which the
  // scale would fall below kScaleFloor cannot be shared so: the parts would divide by
  // that scale (by 0 when eta alpha >= 1); the caller, seeing SharedStep::scale under
  // the floor, then takes the step whole, after scale(shrink).
  struct SharedStep {
    double step = 0.0;              // v's change per unit of g: c / the scale after the step
    double average_step = 0.0;      // avg's, while averaging
    double scale = 1.0;             // the scale after the step, which a truncation reads
    double average_a_before = 0.0;  // the average_a that set_after_step would use
    bool averaging = false;
  };
  struct NormChange {
    double sq = 0.0, l1 = 0.0;
  };
  SharedStep begin_shared_step(double c, double shrink, bool averaging) const {
    SharedStep s;
    s.scale = scale_ * shrink;
    s.step = c / s.scale;
    s.averaging = averaging;
    if (averaging) s.average_step = average_a_ * (-c / s.scale);
    s.average_a_before = averaging ? average_a_ : average_a_before_step_;
    return s;
  }
  // Coordinates at[0..n) of a shared step, from their gradient g[j] (zeroed for the
  // next step): v_j += g_j step, avg_j += g_j average_step, then v_j <- truncate(j, v_j)
  // (NoTruncation, or a penalty's), which the average sees only in this step's iterate.
  template <class Truncate>
  NormChange shared_step_range(const SharedStep& s, const Index* at, Index n, double* g,
                               const Truncate& truncate) {
    NormChange change;  // locals, not members: v_ could alias them
    const bool tracks_l1 = tracks_l1_;
    for (Index m = 0; m < n; ++m) {
      const Index j = at[m];
      const double old = v_[j];
      const T added = T(old + g[j] * s.step);
      if (s.averaging) avg_[j] = T(avg_[j] + g[j] * s.average_step);
      g[j] = 0.0;
      T now = added;
      if constexpr (Truncate::kActive) {
        now = truncate(j, double(added), s.scale);
        if (avg_ != nullptr) avg_[j] = T(avg_[j] - s.average_a_before * (double(now) - double(added)));
      }
      v_[j] = now;
      change.sq += double(now) * double(now) - old * old;
      if (tracks_l1) change.l1 += std::fabs(double(now)) - std::fabs(old);
    }
    return change;
  }
  // `n_averaged`: the iterates the average covers after this step, 0 when not averaging.
  void end_shared_step(double shrink, NormChange change, double n_averaged) {
    raw_sq_norm_ += change.sq;
    raw_l1_norm_ += change.l1;
    scale_ *= shrink;  // not scale(): a fold needs the average's factors of this step
    if (n_averaged > 0.0) advance_average(n_averaged);
    if (scale_ < kScaleFloor) fold();
  }

  // Starts the average afresh, before its first iterate: whatever the average arrays
  // held (a caller may keep the weights there until averaging begins) is dropped.
  // O(n_features), once per start.
  void begin_average() {
    std::fill(avg_, avg_ + n_, T(0));
    average_a_ = 0.0;
    average_a_before_step_ = 0.0;
    average_b_ = 1.0;
  }

  // The averaged-SGD update after w += c * x, where wbar covers `n_averaged` steps.
  template <class Row>
  void add_average(const Row& row, double c, double n_averaged) {
    const double step = average_a_ * (-c / scale_);
    row.for_each([&](Index j, auto x) { avg_[j] = T(avg_[j] + double(x) * step); });
    advance_average(n_averaged);
  }

  // Sets coordinate j of v after the step's add/add_average (the L1 truncation).
  // wbar must see the new value only in this step's iterate, not in the past ones that
  // average_a * v also stands for: scikit-learn skips this and lets each truncation
  // rewrite the whole history, so its averaged L1 models depend on call boundaries.
  void set_after_step(Index j, T value) {
    const double old = v_[j];
    v_[j] = value;
    track(old, value);
    if (avg_ != nullptr) avg_[j] = T(avg_[j] - average_a_before_step_ * (double(value) - old));
  }

  // w *= c
  void scale(double c) {
    scale_ *= c;
    if (scale_ < kScaleFloor) fold();
  }

  // Writes w and wbar into the plain arrays and resets the scale factors.
  void fold() {
    if (avg_ != nullptr) {
      const double inv_b = 1.0 / average_b_;
      for (Index j = 0; j < n_; ++j) avg_[j] = T((avg_[j] + average_a_ * v_[j]) * inv_b);
      average_a_ = 0.0;
      average_a_before_step_ = 0.0;
      average_b_ = 1.0;
    }
    raw_sq_norm_ *= scale_ * scale_;
    raw_l1_norm_ *= std::fabs(scale_);
    fold_scale(v_, n_, scale_);
  }

  // Re-sums the norms, to stop rounding drift.
  void recompute_norms() {
    raw_sq_norm_ = 0.0;
    raw_l1_norm_ = 0.0;
    for (Index j = 0; j < n_; ++j) {
      raw_sq_norm_ += double(v_[j]) * double(v_[j]);
      if (tracks_l1_) raw_l1_norm_ += std::fabs(double(v_[j]));
    }
  }

  // Writes {average_a, average_b} for the next call's constructor, which then goes on
  // from them: a call need not fold the average into every feature.
  void keep_average_factors(double* out) const {
    out[0] = average_a_;
    out[1] = average_b_;
  }

  double squared_norm() const { return raw_sq_norm_ * scale_ * scale_; }
  double l1_norm() const { return raw_l1_norm_ * std::fabs(scale_); }
  double scale_factor() const { return scale_; }
  // The norms of the stored values, without the scale factor (the L1 norm is NaN, not
  // known, when it is not tracked).
  double raw_squared_norm() const { return raw_sq_norm_; }
  double raw_l1_norm() const {
    return tracks_l1_ ? raw_l1_norm_ : std::numeric_limits<double>::quiet_NaN();
  }
  T* raw() { return v_; }
  const T* raw() const { return v_; }
  Index size() const { return n_; }

 private:
  // The average's factors after a step whose iterate is the n_averaged-th in wbar.
  void advance_average(double n_averaged) {
    const double mu = 1.0 / n_averaged;
    if (n_averaged > 1) average_b_ /= (1.0 - mu);
    average_a_before_step_ = average_a_;
    average_a_ += mu * average_b_ * scale_;
  }
  // Keeps the tracked norms true after a coordinate of v changed from `old` to `now`.
  void track(double old, double now) {
    raw_sq_norm_ += now * now - old * old;
    if (tracks_l1_) raw_l1_norm_ += std::fabs(now) - std::fabs(old);
  }

  T* v_;
  T* avg_;
  Index n_;
  double scale_ = 1.0;
  bool tracks_l1_ = true;
  double average_a_ = 0.0;
  double average_a_before_step_ = 0.0;
  double average_b_ = 1.0;
  double raw_sq_norm_ = 0.0;
  double raw_l1_norm_ = 0.0;
};

}  // namespace sgdlearn

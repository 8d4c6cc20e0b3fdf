// SPDX-License-Identifier: BSD-3-Clause
// The mini-batch trainer: every output of the model trained jointly, one step per
// batch of B examples on the batch's mean gradient (B = the whole training set is
// gradient descent). It runs every optimizer, the multinomial (softmax) loss, and plain
// SGD with batches; trainer.hpp keeps scikit-learn's one-example loop.
//
// A step, for the batch's examples i and outputs k:
//   G[k, j] = 1/|B| sum_i s_i c_ik dloss(p_i, y_i)/dp_k x_ij,  Gb[k] likewise without x
//   (clipped to norm clip_norm when longer, as torch.nn.utils.clip_grad_norm_)
// then an update of the coordinates the step touches:
//   optimizer="sgd": w <- w (1 - eta alpha (1 - l1_ratio)) - eta G, through the weight
//     vector's scale factor (exact for every coordinate at O(nnz) cost), averaged SGD and
//     the cumulative L1 penalty as in trainer.hpp;
//   other optimizers: optimizers.hpp with g = G + alpha (1 - l1_ratio) w + alpha l1_ratio
//     sign(w) (coupled, as torch's weight_decay), except adamw (decoupled decay alpha (1 -
//     l1_ratio), the L1 term still in g) and ftrl (l1 = alpha l1_ratio, l2 = alpha (1 -
//     l1_ratio) in its proximal step). The intercept gets the same rule without penalty.
// Touched coordinates: all of them for dense rows or lazy_sparse_updates=false, else
// those present in the batch. Lazily, untouched coordinates keep their value and state
// (torch.optim.SparseAdam's semantics): their L2 decay is exact for sgd (scale factor)
// and skipped for the other optimizers, whose momentum and moments also wait.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <omp.h>

#include "sgdlearn/column_split.hpp"
#include "sgdlearn/config.hpp"
#include "sgdlearn/data_view.hpp"
#include "sgdlearn/errors.hpp"
#include "sgdlearn/gradient_buffers.hpp"
#include "sgdlearn/losses.hpp"
#include "sgdlearn/optimizers.hpp"
#include "sgdlearn/penalties.hpp"
#include "sgdlearn/schedules.hpp"
#include "sgdlearn/stop_token.hpp"
#include "sgdlearn/team_chooser.hpp"
#include "sgdlearn/trainer_common.hpp"
#include "sgdlearn/weight_vector.hpp"

namespace sgdlearn {

// The whole model, in the caller's arrays: K outputs over n_features.
template <class T>
struct JointState {
  T* coef = nullptr;               // K x n_features
  T* intercept = nullptr;          // K
  T* average_coef = nullptr;       // K x n_features, sgd averaging
  T* average_intercept = nullptr;  // K
  T* l1_q = nullptr;               // K x n_features, sgd with an L1 part
  double* l1_u = nullptr;          // K
  T* slot0 = nullptr;              // K x n_features, optimizer state
  T* slot1 = nullptr;
  T* slot0_intercept = nullptr;    // K
  T* slot1_intercept = nullptr;
  // K each, as OutputState's: plain SGD keeps the scale factors (ScaledSgdRule), the
  // other optimizers fold them in at the start; both keep the norms.
  double* coef_scale = nullptr;
  double* weight_norms = nullptr;  // K x kNormEntries
  double* average_factors = nullptr;  // K x 2, as OutputState's
  double* average_counts = nullptr;   // K, as OutputState's average_count
};

namespace detail {

// g += c x over the row's coordinates. A zero c (a hinge margin met: most examples, once
// trained) adds nothing, bit for bit (a gradient sum never holds -0.0), and its scatter
// would miss the cache at every coordinate: skipped.
template <class Row>
void add_to_gradient(double* g, const Row& row, double c) {
  if (c != 0.0) row.for_each([&](Index j, auto x) { g[j] += c * double(x); });
}

// Runs body(0), ..., body(parts - 1), in parallel threads when parts > 1. One piece
// runs inline: opening a parallel region costs more than a small step.
template <class Body>
void run_pieces(int parts, Body&& body) {
  if (parts == 1) {
    body(0);
    return;
  }
#pragma omp parallel for schedule(static, 1) num_threads(parts)
  for (int part = 0; part < parts; ++part) body(part);
}

// [begin, end) cut into `parts` nearly equal contiguous pieces: piece `part`.
inline std::pair<Index, Index> piece(Index begin, Index end, int part, int parts) {
  const Index n = end - begin;
  return {begin + n * part / parts, begin + n * (part + 1) / parts};
}

// Loss and derivatives of one example over the K outputs.
template <class LossT>
class JointLoss {
 public:
  JointLoss(const LossT& loss, const TrainerConfig& cfg, const Targets& targets,
            const std::vector<OutputTask>& tasks)
      : loss_(loss), multinomial_(cfg.multinomial), targets_(targets), tasks_(tasks),
        negative_(negative_label(cfg.loss)) {}

  // d[k] <- weight * dloss/dp_k; returns the weighted loss.
  double evaluate(Index i, const double* p, double* d, double sample_weight) const {
    const Index K = Index(tasks_.size());
    if (targets_.values) {
      d[0] = sample_weight * loss_.derivative(p[0], targets_.values[i]);
      return sample_weight * loss_.value(p[0], targets_.values[i]);
    }
    const std::int32_t cls = targets_.classes[i];
    if (multinomial_) {
      const double top = *std::max_element(p, p + K);
      double sum = 0.0;
      for (Index k = 0; k < K; ++k) sum += std::exp(p[k] - top);
      const double w = sample_weight * tasks_[cls].weight_positive;
      for (Index k = 0; k < K; ++k) {
        d[k] = w * (std::exp(p[k] - top) / sum - (k == cls ? 1.0 : 0.0));
      }
      return w * (std::log(sum) + top - p[cls]);
    }
    double total = 0.0;
    const double labels[2] = {negative_, 1.0};  // by whether positive, as ClassWeights
    for (Index k = 0; k < K; ++k) {
      const bool positive = cls == tasks_[k].positive_class;
      const double y = labels[positive];
      const double w = sample_weight * ClassWeights(tasks_[k])(positive);
      d[k] = w * loss_.derivative(p[k], y);
      total += w * loss_.value(p[k], y);
    }
    return total;
  }

  // Accuracy (classes: argmax, or the sign of the one binary output) or R^2.
  template <class Predict>
  double validation_score(const RowOrder& rows, const double* sample_weight,
                          Index K, Predict predict) const {
    std::vector<double> p(K);
    if (targets_.values) {
      return detail::validation_score(rows, targets_.values, sample_weight, false, [&](Index i) {
        predict(i, p.data());
        return p[0];
      });
    }
    double hits = 0.0, sum_w = 0.0;
    for (Index i : rows) {
      const double sw = sample_weight ? sample_weight[i] : 1.0;
      predict(i, p.data());
      bool correct;
      if (K == 1) {
        correct = (p[0] > 0.0) == (targets_.classes[i] == tasks_[0].positive_class);
      } else {
        const Index best = Index(std::max_element(p.begin(), p.end()) - p.begin());
        correct = (multinomial_ ? std::int32_t(best) : tasks_[best].positive_class) ==
                  targets_.classes[i];
      }
      hits += correct ? sw : 0.0;
      sum_w += sw;
    }
    return hits / sum_w;
  }

 private:
  const LossT& loss_;
  bool multinomial_;
  const Targets& targets_;
  const std::vector<OutputTask>& tasks_;
  double negative_;
};

// optimizer="sgd": one ScaledWeights per output, as in trainer.hpp, which takes the
// scale factor and the norms that the last call left (s.coef_scale, `known_norms`: see
// CoordinateRule) and leaves them for the next (write_back, keep_norms), so that a small
// partial_fit batch costs O(nnz).
template <class T>
class ScaledSgdRule {
 public:
  ScaledSgdRule(const TrainerConfig& cfg, JointState<T>& s, Index K, Index n_features,
                const double* known_norms)
      : cfg_(cfg), s_(s), nf_(n_features), l1_ratio_(effective_l1_ratio(cfg.penalty, cfg.l1_ratio)),
        resum_(double(K) * double(n_features), known_norms) {
    if (cfg.average > 0) averaged_.assign(s.average_counts, s.average_counts + K);
    // The L1 norm enters the objective only under an L1 term (ScaledWeights' tracks_l1).
    const bool tracks_l1 = has_l1(cfg.penalty);
    for (Index k = 0; k < K; ++k) {
      w_.emplace_back(s.coef + k * nf_, cfg.average > 0 ? s.average_coef + k * nf_ : nullptr, nf_,
                      known_norms + kNormEntries * k, s.coef_scale ? s.coef_scale[k] : 1.0,
                      tracks_l1, s.average_factors ? s.average_factors + 2 * k : nullptr);
    }
  }

  template <class Row>
  double predict(const Row& row, Index k) const { return dot(row, k) + intercept(k); }
  template <class Row>
  double dot(const Row& row, Index k) const { return w_[k].dot(row); }
  double intercept(Index k) const { return double(s_.intercept[k]); }

  double penalty() const {
    if (cfg_.penalty == PenaltyKind::kNone) return 0.0;
    double total = 0.0;
    for (const auto& w : w_) {
      total += cfg_.alpha * ((1.0 - l1_ratio_) * 0.5 * w.squared_norm() + l1_ratio_ * w.l1_norm());
    }
    return total;
  }

  // The step of a batch from its gradient G (K x n_features) over `touched`, which it
  // zeroes there: the shared step's (below) with one part, so that a thread's batch and
  // the parts of one shared by column take one arithmetic.
  void step(double* G, const double* Gb, const CoordinateList& touched, double eta, double t) {
    begin_range_step(1, long(t), eta);
    take_part({G, &touched}, 0);
    finish_step(Gb, eta);
  }

  // A step shared by column ranges, as CoordinateRule's (begin_range_step, step_range
  // for every part, finish_step): the coordinates of a step depend on each other only
  // through per-step scalars (the scale factor, the average's factors, the L1 penalty's
  // total), which the parts read as the step found them and finish_step moves
  // (ScaledWeights::begin_shared_step).
  void begin_range_step(int parts, long step, double eta) {
    const Index K = Index(w_.size());
    step_averages_ = cfg_.average > 0 && double(cfg_.average) <= double(step);
    const double step_shrink = shrink(eta);
    shared_.resize(std::size_t(K));
    range_changes_.assign(std::size_t(parts * K), {});
    deferred_parts_.assign(std::size_t(parts), {});
    step_folds_ = false;
    for (Index k = 0; k < K; ++k) {
      if (step_averages_ && ++averaged_[std::size_t(k)] == 1.0) w_[k].begin_average();
      if (has_l1(cfg_.penalty)) s_.l1_u[k] += l1_ratio_ * eta * cfg_.alpha;
      shared_[std::size_t(k)] = w_[k].begin_shared_step(-eta, step_shrink, step_averages_);
      // the parts would divide by a scale under its floor (by 0 when eta alpha >= 1)
      step_folds_ = step_folds_ || shared_[std::size_t(k)].scale < ScaledWeights<T>::kScaleFloor;
    }
  }
  Index step_range(GradientPart& range, int part, double) {
    take_part({range.G.data(), &range.touched}, part);
    return range.touched.size();
  }
  // The end of a shared step: the parts' norm changes in part order, the scale and the
  // average's factors, then the intercepts. A step under which a scale falls below its
  // floor is taken here whole, after the fold, as step() takes it.
  void finish_step(const double* Gb, double eta) {
    const Index K = Index(w_.size());
    double shrink_left = shrink(eta);
    if (step_folds_) {
      for (Index k = 0; k < K; ++k) {
        w_[k].scale(shrink_left);
        shared_[std::size_t(k)] = w_[k].begin_shared_step(-eta, 1.0, step_averages_);
      }
      for (int part = 0; part < int(deferred_parts_.size()); ++part) {
        step_part(deferred_parts_[std::size_t(part)], part);
      }
      shrink_left = 1.0;
    }
    for (Index k = 0; k < K; ++k) {
      typename ScaledWeights<T>::NormChange sum;
      for (std::size_t m = std::size_t(k); m < range_changes_.size(); m += std::size_t(K)) {
        sum.sq += range_changes_[m].sq;
        sum.l1 += range_changes_[m].l1;
      }
      const double n_averaged = step_averages_ ? averaged_[std::size_t(k)] : 0.0;
      w_[k].end_shared_step(shrink_left, sum, n_averaged);
      step_intercept(k, Gb, eta);
      step_average_intercept(k, n_averaged);
    }
  }

  // Output k of the model as returned: the average once its averaging has begun.
  bool use_average(Index k) const { return cfg_.average > 0 && averaged_[std::size_t(k)] > 0.0; }
  // Writes the plain weights (and average) into the arrays.
  void fold() {
    for (auto& w : w_) w.fold();
  }
  // The end of a call: the scale factors (and the average's) stay beside the weights
  // where the caller keeps them (s.coef_scale, s.average_factors); else fold().
  void write_back() {
    const bool averaging = cfg_.average > 0;
    for (Index k = 0; k < Index(w_.size()); ++k) {
      if (s_.coef_scale && (!averaging || s_.average_factors)) {
        s_.coef_scale[k] = w_[k].scale_factor();
      } else {
        w_[k].fold();
        if (s_.coef_scale) s_.coef_scale[k] = 1.0;
      }
      if (averaging && s_.average_factors) w_[k].keep_average_factors(s_.average_factors + 2 * k);
      if (averaging) s_.average_counts[k] = averaged_[std::size_t(k)];
    }
  }
  // At an epoch's end, after `coordinate_updates` more (see ResumPeriod).
  void end_epoch(double coordinate_updates) {
    if (!resum_.due_after(coordinate_updates)) return;
    for (auto& w : w_) w.recompute_norms();
  }
  // A non-finite weight makes the tracked norms non-finite, and keeps them so.
  bool finite() const {
    for (const auto& w : w_) {
      if (!std::isfinite(w.squared_norm()) || !std::isfinite(w.l1_norm())) return false;
    }
    return true;
  }
  // The norms of the stored values for the next call, NaN where not tracked.
  void keep_norms(double* norms) const {
    for (std::size_t k = 0; k < w_.size(); ++k) {
      double* out = norms + kNormEntries * Index(k);
      out[0] = w_[k].raw_squared_norm();
      out[1] = w_[k].raw_l1_norm();
      resum_.keep(out);
    }
  }

 private:
  // Plain SGD's intercept step; intercept_decay multiplies its learning rate.
  void step_intercept(Index k, const double* Gb, double eta) {
    if (cfg_.fit_intercept) s_.intercept[k] = T(s_.intercept[k] - eta * Gb[k] * cfg_.intercept_decay);
  }
  // The averaged intercept after a step whose iterate is the n_averaged-th (0: none).
  void step_average_intercept(Index k, double n_averaged) {
    if (n_averaged == 0.0) return;
    s_.average_intercept[k] =
        T(s_.average_intercept[k] + (s_.intercept[k] - s_.average_intercept[k]) / n_averaged);
  }
  // The L2 part of the penalty's shrink of every weight at a step (1 without).
  double shrink(double eta) const {
    return has_l2(cfg_.penalty) ? l2_shrink(eta, cfg_.alpha, l1_ratio_) : 1.0;
  }
  // A part of a step: the gradient G (K x n_features) of its coordinates `touched`.
  struct Part {
    double* G = nullptr;
    const CoordinateList* touched = nullptr;
  };
  // Steps the part now, or leaves it to finish_step when the step folds.
  void take_part(Part p, int part) {
    if (step_folds_) {
      deferred_parts_[std::size_t(part)] = p;
    } else {
      step_part(p, part);
    }
  }
  // Part `part` of a step: its coordinates of every output, under the step's scalars
  // (shared_), their norm changes kept for finish_step.
  void step_part(Part p, int part) {
    const Index K = Index(w_.size());
    const Index* at = p.touched->data();
    const Index n = p.touched->size();
    for (Index k = 0; k < K; ++k) {
      const auto& step = shared_[std::size_t(k)];
      double* g = p.G + k * nf_;
      auto& change = range_changes_[std::size_t(part * K + k)];
      if (has_l1(cfg_.penalty)) {
        const CumulativeL1<T> l1{s_.l1_q + k * nf_, s_.l1_u + k};
        change = w_[k].shared_step_range(step, at, n, g, l1.truncation());
      } else {
        change = w_[k].shared_step_range(step, at, n, g, NoTruncation{});
      }
    }
  }

  const TrainerConfig& cfg_;
  JointState<T>& s_;
  Index nf_;
  double l1_ratio_;
  ResumPeriod resum_;
  std::vector<ScaledWeights<T>> w_;
  std::vector<double> averaged_;  // per output, the iterates in its average (averaging)
  // A shared step's, reused: per output its scalars, per part and output the norm
  // changes; the parts left to finish_step; whether it averages, whether it folds.
  std::vector<typename ScaledWeights<T>::SharedStep> shared_;
  std::vector<typename ScaledWeights<T>::NormChange> range_changes_;
  std::vector<Part> deferred_parts_;
  bool step_averages_ = false;
  bool step_folds_ = false;
};

// Every other optimizer: plain weights and per-coordinate state (optimizers.hpp).
template <class T>
class CoordinateRule {
 public:
  // `known_norms`, when given and finite for every output, are the {squared L2, L1,
  // updates since summed} of each output's weights that the last call left (see
  // keep_norms, kNormEntries a row): they spare a pass
  // over every weight, which a small partial_fit batch would otherwise pay at each call.
  // `small_call`: the call's data has fewer nonzeros than there are weights (see
  // tracks_sq_norm_).
  CoordinateRule(const TrainerConfig& cfg, JointState<T>& s, Index K, Index n_features,
                 const double* known_norms, bool small_call)
      : cfg_(cfg), s_(s), K_(K), nf_(n_features),
        l1_ratio_(effective_l1_ratio(cfg.penalty, cfg.l1_ratio)),
        tracks_sq_norm_(cfg.penalty == PenaltyKind::kNone ? small_call : l1_ratio_ < 1.0),
        tracks_l1_norm_(cfg.penalty != PenaltyKind::kNone && l1_ratio_ > 0.0),
        sq_norm_(std::size_t(K), 0.0), l1_norm_(std::size_t(K), 0.0),
        resum_(double(K) * double(n_features), known_norms) {
    const double l2 = has_l2(cfg.penalty) ? cfg.alpha * (1.0 - l1_ratio_) : 0.0;
    const double l1 = has_l1(cfg.penalty) ? cfg.alpha * l1_ratio_ : 0.0;
    switch (cfg.optimizer.kind) {
      case OptimizerKind::kAdamW: decoupled_ = l2; coupled_l1_ = l1; break;  // L1 stays in g
      case OptimizerKind::kFtrl: ftrl_l1_ = l1; ftrl_l2_ = l2; break;
      default: coupled_l2_ = l2; coupled_l1_ = l1; break;
    }
    if (!tracks_any_norm()) return;  // none tracked: the norms stay 0, unused
    bool known = known_norms != nullptr;
    for (Index k = 0; known && k < K; ++k) {
      const double* kept = known_norms + kNormEntries * k;
      known = (!tracks_sq_norm_ || std::isfinite(kept[0])) &&
              (!tracks_l1_norm_ || std::isfinite(kept[1]));
    }
    if (!known) {
      recompute_norms();
      return;
    }
    for (Index k = 0; k < K; ++k) {  // an untracked norm is not used: 0, never NaN
      const double* kept = known_norms + kNormEntries * k;
      sq_norm_[std::size_t(k)] = tracks_sq_norm_ ? kept[0] : 0.0;
      l1_norm_[std::size_t(k)] = tracks_l1_norm_ ? kept[1] : 0.0;
    }
  }

  template <class Row>
  double predict(const Row& row, Index k) const {
    return dot(row, k) + intercept(k);
  }
  template <class Row>
  double dot(const Row& row, Index k) const { return row.dot(s_.coef + k * nf_); }
  double intercept(Index k) const { return double(s_.intercept[k]); }

  double penalty() const {
    if (cfg_.penalty == PenaltyKind::kNone) return 0.0;
    double sq = 0.0, l1 = 0.0;
    for (Index k = 0; k < K_; ++k) {
      sq += sq_norm_[std::size_t(k)];
      l1 += l1_norm_[std::size_t(k)];
    }
    return cfg_.alpha * ((1.0 - l1_ratio_) * 0.5 * sq + l1_ratio_ * l1);
  }

  // Coordinates are independent: `parts` threads update disjoint pieces of `touched`,
  // and their norm changes are summed in piece order.
  void step(double* G, const double* Gb, const CoordinateList& touched, double eta,
            long step, int parts) {
    begin_range_step(parts, step, eta);
    const CoordinateStep weights_step(cfg_.optimizer, eta, powers_, decoupled_);
    const Index n_touched = touched.size();
    run_pieces(parts, [&](int part) {
      const auto [lo, hi] = piece(0, n_touched, part, parts);
      update_part(part, touched.data() + lo, hi - lo, G, weights_step);
    });
    finish_step(Gb, eta);
  }

  // A step shared by column ranges (column_split.hpp): the thread of part p holds the
  // whole batch's gradient over the columns of its range, in its GradientPart, and
  // updates the coordinates it touched. Calls: begin_range_step, then step_range for
  // every part (in parallel), then finish_step; step_range returns how many
  // coordinates it updated.
  void begin_range_step(int parts, long step, double /*eta*/) {
    powers_.advance_to(step, cfg_.optimizer);
    sq_change_.assign(std::size_t(parts * K_), 0.0);
    l1_change_.assign(std::size_t(parts * K_), 0.0);
  }
  Index step_range(GradientPart& range, int part, double eta) {
    const CoordinateStep weights_step(cfg_.optimizer, eta, powers_, decoupled_);
    update_part(part, range.touched.data(), range.touched.size(), range.G.data(), weights_step);
    return range.touched.size();
  }
  // The end of a step: the pieces' norm changes in piece order, then the intercepts.
  void finish_step(const double* Gb, double eta) {
    for (std::size_t m = 0; m < sq_change_.size(); ++m) {  // part by part
      sq_norm_[m % std::size_t(K_)] += sq_change_[m];
      l1_norm_[m % std::size_t(K_)] += l1_change_[m];
    }
    step_intercepts(Gb, eta);
  }

  // The step of a single example whose row has distinct indices: its gradient is
  // d_k x (and d_k for the intercept), taken straight from the row, with nothing to
  // accumulate or de-duplicate. Same arithmetic as step() with a batch of one.
  template <class Row>
  void step_example(const Row& row, const double* d, double eta, long step) {
    powers_.advance_to(step, cfg_.optimizer);
    const CoordinateStep weights_step(cfg_.optimizer, eta, powers_, decoupled_);
    with_optimizer(cfg_.optimizer.kind, [&](auto kind) {
      // Locals of the loop's own function: the weights are stored to between every use,
      // and through a reference from outside, the compiler would have to keep the sums
      // and the step's parameters in memory, a store and a reload per coordinate.
      constexpr OptimizerKind kKind = decltype(kind)::value;
      const CoordinateStep rule_step = weights_step;
      for (Index k = 0; k < K_; ++k) {
        NormChange sums;
        const double dk = d[k];
        Index m = 0;
        if constexpr (kKind != OptimizerKind::kFtrl) {
          // The row's indices are distinct (the caller checked): two at a time.
          for (; m + 2 <= row.size(); m += 2) {
            const Pair g = {dk * double(row.value(m)), dk * double(row.value(m + 1))};
            update_pair<kKind>(k, row.index(m), row.index(m + 1), g, rule_step, sums);
          }
        }
        for (; m < row.size(); ++m) {
          update<kKind>(k, row.index(m), dk * double(row.value(m)), rule_step, sums);
        }
        sq_norm_[std::size_t(k)] += sums.sq;
        l1_norm_[std::size_t(k)] += sums.l1;
      }
    });
    step_intercepts(d, eta);
  }

  bool use_average(Index) const { return false; }
  void fold() {}
  void write_back() {}
  // Re-sums the norms, to stop their rounding drift.
  void recompute_norms() {
    for (Index k = 0; k < K_; ++k) {
      double sq = 0.0, l1 = 0.0;
      const T* w = s_.coef + k * nf_;
      for (Index j = 0; j < nf_; ++j) {
        sq += double(w[j]) * double(w[j]);
        l1 += std::fabs(double(w[j]));
      }
      sq_norm_[std::size_t(k)] = sq;
      l1_norm_[std::size_t(k)] = l1;
    }
  }
  // At an epoch's end, after `coordinate_updates` more (see ResumPeriod).
  void end_epoch(double coordinate_updates) {
    if (tracks_any_norm() && resum_.due_after(coordinate_updates)) recompute_norms();
  }
  // Whether every weight is finite: a non-finite weight makes a tracked norm non-finite
  // and keeps it so; without a tracked norm every weight is read.
  bool finite() const {
    if (!tracks_any_norm()) return all_finite(s_.coef, K_ * nf_);
    for (Index k = 0; k < K_; ++k) {
      if (!std::isfinite(sq_norm_[std::size_t(k)]) || !std::isfinite(l1_norm_[std::size_t(k)])) {
        return false;
      }
    }
    return true;
  }
  // The norms for the next call (CoordinateRule's known_norms): NaN for an untracked one.
  void keep_norms(double* norms) const {
    for (Index k = 0; k < K_; ++k) {
      double* out = norms + kNormEntries * k;
      out[0] = tracks_sq_norm_ ? sq_norm_[std::size_t(k)] : std::nan("");
      out[1] = tracks_l1_norm_ ? l1_norm_[std::size_t(k)] : std::nan("");
      resum_.keep(out);
    }
  }

 private:
  const TrainerConfig& cfg_;
  JointState<T>& s_;
  Index K_;
  Index nf_;
  double l1_ratio_;
  // The norms that penalty() reads, kept up to date step by step: summing a norm that it
  // multiplies by zero chains every coordinate's update on the previous one's add.
  // Without a penalty a call with fewer nonzeros than weights (a small partial_fit
  // batch) keeps the squared norm all the same: finite exactly when every weight is, it
  // spares the divergence check a pass over every weight, which would cost more than
  // the call's steps (adam, 1000 rows, 2^22 features: 1.36 -> 0.25 ms a call). A
  // larger call reads the weights instead: summing cost 4-6% of an epoch.
  bool tracks_sq_norm_, tracks_l1_norm_;
  double coupled_l2_ = 0.0, coupled_l1_ = 0.0, decoupled_ = 0.0, ftrl_l1_ = 0.0, ftrl_l2_ = 0.0;
  std::vector<double> sq_norm_, l1_norm_;      // per output
  ResumPeriod resum_;
  std::vector<double> sq_change_, l1_change_;  // per piece of a step and output, reused
  BiasPowers powers_;                          // at the current step

  // Norm changes of a step, summed in locals: w could alias a member array.
  struct NormChange {
    double sq = 0.0, l1 = 0.0;
  };
  // Piece `part` of a step: the coordinates at[0], ..., at[n - 1] of every output step
  // from their gradients in G (K x n_features); their norm changes are kept per output.
  void update_part(int part, const Index* at, Index n, double* G,
                   const CoordinateStep& weights_step) {
    with_optimizer(cfg_.optimizer.kind, [&](auto kind) {
      const CoordinateStep rule_step = weights_step;  // a local, see step_example
      for (Index k = 0; k < K_; ++k) {
        NormChange sums;
        update_listed<decltype(kind)::value>(k, at, n, G + k * nf_, rule_step, sums);
        sq_change_[std::size_t(part * K_ + k)] = sums.sq;
        l1_change_[std::size_t(part * K_ + k)] = sums.l1;
      }
    });
  }
  bool tracks_any_norm() const { return tracks_sq_norm_ || tracks_l1_norm_; }

  // The coordinates at[0], ..., at[n - 1] of output k, distinct, step from their
  // gradients g[at[m]]: two at a time, as step_example does. Each gradient is left zero
  // for the next step, a store to the line just read, where clearing them afterwards
  // went through the touched list and the gradient again (adam, batch_size=256: 2%).
  template <OptimizerKind Kind>
  void update_listed(Index k, const Index* at, Index n, double* g,
                     const CoordinateStep& weights_step, NormChange& change) {
    Index m = 0;
    if constexpr (Kind != OptimizerKind::kFtrl) {
      for (; m + 2 <= n; m += 2) {
        const Pair gm = {g[at[m]], g[at[m + 1]]};
        g[at[m]] = 0.0;
        g[at[m + 1]] = 0.0;
        update_pair<Kind>(k, at[m], at[m + 1], gm, weights_step, change);
      }
    }
    for (; m < n; ++m) {
      const double gm = g[at[m]];
      g[at[m]] = 0.0;
      update<Kind>(k, at[m], gm, weights_step, change);
    }
  }

  // Coordinate j of output k takes its step from its loss gradient g.
  template <OptimizerKind Kind>
  void update(Index k, Index j, double g, const CoordinateStep& weights_step,
              NormChange& change) {
    const Index at[1] = {j};
    update_lanes<Kind>(k, at, g, weights_step, change);
  }

  // Coordinates j0 != j1 of output k at once, each exactly as update() steps it.
  template <OptimizerKind Kind>
  void update_pair(Index k, Index j0, Index j1, Pair g, const CoordinateStep& weights_step,
                   NormChange& change) {
    const Index at[2] = {j0, j1};
    update_lanes<Kind>(k, at, g, weights_step, change);
  }

  // The step of N distinct coordinates of output k (N = 1: V is double; 2: Pair).
  template <OptimizerKind Kind, std::size_t N, class V>
  void update_lanes(Index k, const Index (&at)[N], V g, const CoordinateStep& weights_step,
                    NormChange& change) {
    static_assert(N == 1 || N == 2);
    constexpr int slots = state_slots(Kind);
    const auto gather = [&](const T* values) {
      if constexpr (N == 1) {
        return double(values[at[0]]);
      } else {
        return Pair{double(values[at[0]]), double(values[at[1]])};
      }
    };
    const auto scatter = [&](T* values, V v) {
      if constexpr (N == 1) {
        values[at[0]] = T(v);
      } else {
        values[at[0]] = T(v[0]);
        values[at[1]] = T(v[1]);
      }
    };
    T* w = s_.coef + k * nf_;
    const V old = gather(w);
    g += coupled_l2_ * old;
    // The sign is computed without a branch, and only under an L1 penalty: weights'
    // signs are random, and a branch on them is mispredicted every other coordinate.
    if (coupled_l1_ != 0.0) {
      const auto sign = [](double v) { return double(int(v > 0.0) - int(v < 0.0)); };
      if constexpr (N == 1) {
        g += coupled_l1_ * sign(old);
      } else {
        g += coupled_l1_ * Pair{sign(old[0]), sign(old[1])};
      }
    }
    V a{}, b{};
    if constexpr (slots >= 1) a = gather(s_.slot0 + k * nf_);
    if constexpr (slots >= 2) b = gather(s_.slot1 + k * nf_);
    const V next = weights_step.apply<Kind>(old, g, a, b, ftrl_l1_, ftrl_l2_);
    V now;  // as stored, rounded to T
    if constexpr (N == 1) {
      now = double(T(next));
    } else {
      now = Pair{double(T(next[0])), double(T(next[1]))};
    }
    scatter(w, now);
    if constexpr (slots >= 1) scatter(s_.slot0 + k * nf_, a);
    if constexpr (slots >= 2) scatter(s_.slot1 + k * nf_, b);
    if (tracks_sq_norm_) {
      const V sq = now * now - old * old;
      if constexpr (N == 1) {
        change.sq += sq;
      } else {
        change.sq += sq[0] + sq[1];
      }
    }
    if (tracks_l1_norm_) {
      if constexpr (N == 1) {
        change.l1 += std::fabs(now) - std::fabs(old);
      } else {
        change.l1 += (std::fabs(now[0]) - std::fabs(old[0])) + (std::fabs(now[1]) - std::fabs(old[1]));
      }
    }
  }

  // intercept_decay multiplies the intercepts' learning rate (plain SGD's step).
  void step_intercepts(const double* Gb, double eta) {
    if (!cfg_.fit_intercept) return;
    const CoordinateStep intercept_step(cfg_.optimizer, eta * cfg_.intercept_decay, powers_, 0.0);
    with_optimizer(cfg_.optimizer.kind, [&](auto kind) {
      for (Index k = 0; k < K_; ++k) {
        double a = s_.slot0_intercept ? double(s_.slot0_intercept[k]) : 0.0;
        double b = s_.slot1_intercept ? double(s_.slot1_intercept[k]) : 0.0;
        s_.intercept[k] = T(intercept_step.apply<decltype(kind)::value>(double(s_.intercept[k]), Gb[k], a, b, 0.0, 0.0));
        if (s_.slot0_intercept) s_.slot0_intercept[k] = T(a);
        if (s_.slot1_intercept) s_.slot1_intercept[k] = T(b);
      }
    });
  }
};

template <class Matrix, class LossT, class Rule>
OutputResult train_joint(const TrainerConfig& cfg, const Matrix& X, const LossT& loss,
                         const TrainingSet<typename Matrix::Scalar>& data,
                         const std::vector<OutputTask>& tasks, JointState<typename Matrix::Scalar>& state,
                         Rule& rule, double t, StopToken& stop, GradientBuffers* buffers) {
  using T = typename Matrix::Scalar;
  using Clock = std::chrono::steady_clock;
  constexpr double kClipEps = 1e-6;  // torch.nn.utils.clip_grad_norm_'s

  const Index K = Index(tasks.size());
  const Index nf = X.n_cols;
  const JointLoss<LossT> joint(loss, cfg, data.targets, tasks);

  RowOrder train_rows, held_out_rows;
  split_rows(X.n_rows, data.validation, train_rows, held_out_rows);
  const Index n_train = Index(train_rows.size());
  const Index batch = cfg.batch_size == 0 ? n_train : std::min<Index>(cfg.batch_size, n_train);
  const Index steps_per_epoch = (n_train + batch - 1) / batch;
  const double typw = cfg.alpha > 0.0 ? std::sqrt(1.0 / std::sqrt(cfg.alpha)) : 1.0;
  Schedule schedule(cfg.schedule, cfg.alpha, loss.derivative(-typw, 1.0),
                    double(cfg.max_iter * steps_per_epoch));
  ShuffleRng rng(tasks[0].seed);

  constexpr bool kCoordinateRule = std::is_same_v<Rule, CoordinateRule<T>>;
  const bool every_coordinate = !Matrix::kSparse || !cfg.lazy_sparse_updates;
  // A step of one example can skip the gradient buffers (CoordinateRule::step_example).
  const bool single_example_steps = batch == 1 && !every_coordinate && cfg.clip_norm == 0.0;
  // Rows with repeated or unsorted indices (scipy allows them) take the general path.
  const bool every_row_distinct = single_example_steps && X.rows_have_distinct_sorted_indices();
  constexpr Index kStopCheckInterval = 1024;  // examples between Ctrl-C checks
  // Threads share a batch only when each gets enough examples to pay for sharing it.
  constexpr Index kMinRowsPerThread = 32;
  const int threads_wanted =
      int(std::clamp<Index>(batch / kMinRowsPerThread, 1, std::max(1, cfg.n_jobs)));
  // A step of sparse rows with sorted, distinct indices is shared by column: part p
  // computes every example's dot product over the columns of its range, then its piece
  // of the examples' losses from the summed parts, then the batch's gradient over its
  // columns (in example order, as one thread sums it) and the step of the coordinates
  // it touched (every coordinate of its range, for dense updates), in one parallel
  // region. No coordinate's gradient or state is written by two threads; only the dot
  // products' parts and the loss derivatives cross between them. A clipped step needs
  // the whole gradient's norm first.
  std::optional<ColumnCuts> column_cuts;
  if (Matrix::kSparse && threads_wanted > 1 && cfg.clip_norm == 0.0) {
    column_cuts.emplace(X, threads_wanted);
    if (!column_cuts->rows_canonical()) column_cuts.reset();
  }
  const bool column_steps = column_cuts.has_value();
  // Other steps are shared by example: each thread sums the gradient of its piece over
  // every column, then one thread adds the pieces up. Over sparse rows updated lazily
  // that sum goes over scattered coordinates which the other core wrote, and pays only
  // for large pieces: at batch_size=256 of text-like rows, plain SGD so shared on two
  // threads took 1.2x (binary) to 3.4x (5 classes) as long as on one; with 1024 rows it
  // broke even, with 2048 and more it gained (1.2-1.5x). Dense rows gain at 256 (1.8x).
  constexpr Index kMinSparseRowsPerThread = 512;
  const int parts = column_steps || every_coordinate
                        ? threads_wanted
                        : int(std::clamp<Index>(batch / kMinSparseRowsPerThread, 1, threads_wanted));
  // Single-example steps on canonical rows use no gradient buffers: none is allocated
  // (O(K n_features) a call, which a small partial_fit batch would pay); others are
  // the caller's kept ones when it has them.
  const Index gradient_width =
      kCoordinateRule && single_example_steps && every_row_distinct ? 0 : nf;
  GradientBuffers fresh;
  std::vector<GradientPart> gradient =
      (buffers ? *buffers : fresh).take(K, gradient_width, every_coordinate, parts);
  GradientPart& total = gradient[0];
  // Whether the second pass of a column-shared step asks for its pieces of the rows
  // again: those the first pass read are still in the cache when they were few (asking
  // again cost 3.5% at batch_size=256; not asking made batches of 65536 twice as slow).
  bool refetch_pieces = false;
  if (column_steps) {
    if constexpr (Matrix::kSparse) {
      constexpr double kCachedBytes = 256 * 1024;
      const double values_per_row = double(X.nnz()) / double(std::max<Index>(1, X.n_rows));
      const double part_bytes =
          double(batch) * values_per_row / double(parts) * double(sizeof(T) + sizeof(std::int32_t));
      refetch_pieces = part_bytes > kCachedBytes;
    }
    if (every_coordinate) {  // each part steps its range, touched or not
      for (int part = 0; part < parts; ++part) {
        const auto [first, last] = column_cuts->columns(part);
        gradient[std::size_t(part)].touched.assign_range(first, last);
      }
    }
  }
  // Per example of a step: each part's share of its K dot products, then its K loss
  // derivatives (weighted, over the batch size).
  std::vector<double> dot_parts(column_steps ? std::size_t(parts * batch * K) : 0);
  std::vector<double> derivatives(column_steps ? std::size_t(batch * K) : 0);
  // Per part and example of a step, its piece of the row as the first pass found it:
  // the second pass looked each up again (a row pointer, a cut) (adam, batch_size=256,
  // n_jobs=2: 0.237 -> 0.217 s).
  std::vector<PiecePlace> piece_places(column_steps ? std::size_t(parts * batch) : 0);
  TeamChooser teams(parts);

  // Example m of the epoch's order asks for what example m + d will read.
  auto prefetch_example = [&](Index m) {
    if (data.targets.classes) {
      prefetch_ahead(X, train_rows, m, data.targets.classes, data.sample_weight);
    } else {
      prefetch_ahead(X, train_rows, m, data.targets.values, data.sample_weight);
    }
  };
  // Single-example steps on a model the caches cannot hold ask for the next example's
  // weights and optimizer state a step ahead (weights_worth_prefetching).
  const bool prefetch_state = single_example_steps && weights_worth_prefetching(X);
  auto prefetch_next_state = [&](Index m) {
    for (const T* array : {state.coef, state.slot0, state.slot1}) {
      for (Index k = 0; array && k < K; ++k) {
        prefetch_weights_ahead(X, train_rows, m, array + k * nf);
      }
    }
  };
  // Example i's predictions into g.p and loss derivatives into g.d; returns its loss.
  auto evaluate_example = [&](Index i, const auto& row, GradientPart& g) {
    for (Index k = 0; k < K; ++k) g.p[k] = rule.predict(row, k);
    const double sw = data.sample_weight ? data.sample_weight[i] : 1.0;
    return joint.evaluate(i, g.p.data(), g.d.data(), sw);
  };
  // The gradient of examples [lo, hi) of the epoch's order, each weighted 1/batch, into g.
  auto accumulate = [&](GradientPart& g, Index lo, Index hi, double inv_batch) {
    for (Index m = lo; m < hi; ++m) {
      prefetch_example(m);
      const Index i = train_rows[m];
      const auto row = X.row(i);
      g.objective += evaluate_example(i, row, g);
      for (Index k = 0; k < K; ++k) {
        const double c = g.d[k] * inv_batch;
        add_to_gradient(g.G.data() + k * nf, row, c);
        g.Gb[k] += c;
      }
      g.touch(row);
    }
  };

  OutputResult result;
  long no_improvement = 0;
  double best_objective = std::numeric_limits<double>::infinity();
  double best_score = -std::numeric_limits<double>::infinity();
  double call_step = 0.0;
  Index examples_since_check = 0;
  try {
    for (long epoch = 0; epoch < cfg.max_iter; ++epoch) {
      const auto started = Clock::now();
      schedule.begin_epoch(epoch);
      if (cfg.shuffle) shuffle(train_rows, rng);
      double objective_sum = 0.0;
      double loss_sum = 0.0;  // the objective's losses alone, for fit_stream
      double coordinate_updates = 0.0;
      for (Index begin = 0; begin < n_train; begin += batch) {
        const Index end = std::min(n_train, begin + batch);
        examples_since_check += end - begin;
        if (examples_since_check >= kStopCheckInterval) {
          examples_since_check = 0;
          if (stop.should_stop()) throw Interrupted();
        }
        const double inv_batch = 1.0 / double(end - begin);
        const double eta = schedule.at(t, call_step);
        objective_sum += double(end - begin) * rule.penalty();
        if constexpr (kCoordinateRule) {
          const Index i = train_rows[begin];
          const auto row = X.row(i);
          if (single_example_steps &&
              (every_row_distinct || row.has_distinct_sorted_indices())) {
            prefetch_example(begin);
            if (prefetch_state) prefetch_next_state(begin);
            const double loss = evaluate_example(i, row, total);
            objective_sum += loss;
            loss_sum += loss;
            rule.step_example(row, total.d.data(), eta, long(t));
            coordinate_updates += double(K) * double(row.size() + 1);
            t += 1.0;
            call_step += 1.0;
            continue;
          }
        }
        if (column_steps) {
          if constexpr (Matrix::kSparse) {
            rule.begin_range_step(parts, long(t), eta);
            const Index n_batch = end - begin;
            Index updated = 0;
            // Example m's values in the columns of `part`, and a look ahead of the
            // first pass over the batch: the piece of example m + 8, the row pointer and
            // cuts of example m + 16 (a row's piece takes a few tens of ns: nearer
            // rows arrive late).
            const auto piece_of = [&](Index m, int part) {
              const Index i = train_rows[begin + m];
              const auto row = X.row(i);
              return row_piece(row, column_cuts->cut(i, row.size(), part));
            };
            const auto prefetch_for = [&](Index m, int part) {
              constexpr Index kNear = 8, kFar = 16;
              if (m + kFar < n_batch) {
                X.prefetch_row_pointer(train_rows[begin + m + kFar]);
                column_cuts->prefetch(train_rows[begin + m + kFar]);
              }
              if (m + kNear < n_batch) {
                const Index i = train_rows[begin + m + kNear];
                const auto row = X.row(i);
                prefetch_piece(row_piece(row, column_cuts->cut(i, row.size(), part)));
              }
            };
            // A team smaller than asked for (nested parallelism, or a TeamChooser that
            // measured one thread faster) takes several parts each: the parts, and so
            // the result, stay those of n_jobs.
            const auto step_started = Clock::now();
#pragma omp parallel num_threads(teams.team()) reduction(+ : updated)
            {
              const int team = omp_get_num_threads(), me = omp_get_thread_num();
              for (int part = me; part < parts; part += team) {
                double* dots = dot_parts.data() + std::size_t(part * n_batch * K);
                PiecePlace* const places = piece_places.data() + std::size_t(part * n_batch);
                for (Index m = 0; m < n_batch; ++m) {
                  prefetch_for(m, part);
                  const auto row = piece_of(m, part);
                  places[m] = PiecePlace::of(X, row);
                  for (Index k = 0; k < K; ++k) dots[m * K + k] = rule.dot(row, k);
                }
              }
#pragma omp barrier
              for (int part = me; part < parts; part += team) {
                GradientPart& g = gradient[std::size_t(part)];
                g.clear(K, nf, true);  // its sums from the previous step
                const auto [lo, hi] = piece(0, n_batch, part, parts);
                for (Index m = lo; m < hi; ++m) {
                  if (m + 8 < hi) {
                    const Index ahead = train_rows[begin + m + 8];
                    if (data.targets.classes) {
                      prefetch_label(data.targets.classes, data.sample_weight, ahead);
                    } else {
                      prefetch_label(data.targets.values, data.sample_weight, ahead);
                    }
                  }
                  const Index i = train_rows[begin + m];
                  for (Index k = 0; k < K; ++k) {
                    double p = 0.0;
                    for (int q = 0; q < parts; ++q) p += dot_parts[std::size_t((q * n_batch + m) * K + k)];
                    g.p[k] = p + rule.intercept(k);
                  }
                  const double sw = data.sample_weight ? data.sample_weight[i] : 1.0;
                  g.objective += joint.evaluate(i, g.p.data(), g.d.data(), sw);
                  for (Index k = 0; k < K; ++k) {
                    const double c = g.d[k] * inv_batch;
                    derivatives[std::size_t(m * K + k)] = c;
                    g.Gb[k] += c;
                  }
                }
              }
#pragma omp barrier
              for (int part = me; part < parts; part += team) {
                GradientPart& g = gradient[std::size_t(part)];
                const PiecePlace* const places = piece_places.data() + std::size_t(part * n_batch);
                for (Index m = 0; m < n_batch; ++m) {
                  if (refetch_pieces && m + 8 < n_batch) {
                    prefetch_piece(places[m + 8].in(X));
                  }
                  const auto row = places[m].in(X);
                  for (Index k = 0; k < K; ++k) {
                    add_to_gradient(g.G.data() + k * nf, row, derivatives[std::size_t(m * K + k)]);
                  }
                  g.touch(row);
                }
                updated += rule.step_range(g, part, eta);
              }
            }
            teams.record(std::chrono::duration<double>(Clock::now() - step_started).count());
            for (int part = 1; part < parts; ++part) gradient[std::size_t(part)].add_sums_into(total, K);
            objective_sum += total.objective;
            loss_sum += total.objective;
            if (!cfg.fit_intercept) std::fill(total.Gb.begin(), total.Gb.end(), 0.0);
            rule.finish_step(total.Gb.data(), eta);
            coordinate_updates += double(K) * double(updated + 1);
            t += 1.0;
            call_step += 1.0;
            continue;
          }
        }
        run_pieces(parts, [&](int part) {
          const auto [lo, hi] = piece(begin, end, part, parts);
          accumulate(gradient[part], lo, hi, inv_batch);
        });
        for (int part = 1; part < parts; ++part) gradient[part].move_into(total, K, nf);
        objective_sum += total.objective;
        loss_sum += total.objective;
        const CoordinateList& touched = total.touched;
        auto& G = total.G;
        std::vector<double>& Gb = total.Gb;
        if (!cfg.fit_intercept) std::fill(Gb.begin(), Gb.end(), 0.0);
        if (cfg.clip_norm > 0.0) {
          double sq = 0.0;
          for (Index k = 0; k < K; ++k) {
            for (Index j : touched) sq += G[k * nf + j] * G[k * nf + j];
            sq += Gb[k] * Gb[k];
          }
          const double factor = cfg.clip_norm / (std::sqrt(sq) + kClipEps);
          if (factor < 1.0) {
            for (Index k = 0; k < K; ++k) {
              for (Index j : touched) G[k * nf + j] *= factor;
              Gb[k] *= factor;
            }
          }
        }
        if constexpr (std::is_same_v<Rule, ScaledSgdRule<T>>) {
          rule.step(G.data(), Gb.data(), touched, eta, t);
        } else {
          rule.step(G.data(), Gb.data(), touched, eta, long(t), parts);
        }
        coordinate_updates += double(K) * double(touched.size() + 1);
        total.clear(K, nf, true);  // the rules zeroed G where they stepped
        t += 1.0;
        call_step += 1.0;
      }

      bool finite = rule.finite();
      for (Index k = 0; k < K; ++k) finite = finite && std::isfinite(double(state.intercept[k]));
      if (!finite) throw DivergenceError(divergence_message(epoch, t));
      rule.end_epoch(coordinate_updates);

      double score = std::numeric_limits<double>::quiet_NaN();
      if (cfg.early_stopping) {
        rule.fold();
        score = joint.validation_score(held_out_rows, data.sample_weight, K, [&](Index i, double* out) {
          const auto row = X.row(i);
          for (Index k = 0; k < K; ++k) {
            const bool average = rule.use_average(k);
            const T* W = average ? state.average_coef : state.coef;
            const T* b = average ? state.average_intercept : state.intercept;
            out[k] = row.dot(W + k * nf) + double(b[k]);
          }
        });
      }
      const double objective = objective_sum / double(n_train);
      result.history.push_back(EpochRecord{objective, loss_sum, score, schedule.current(),
          std::chrono::duration<double>(Clock::now() - started).count(), coordinate_updates});
      result.n_iter = epoch + 1;
      result.steps = long(call_step);
      if (stopping_criterion_says_stop(cfg, objective, score, best_objective, best_score,
                                       no_improvement, schedule)) {
        break;
      }
    }
  } catch (...) {
    rule.write_back();
    throw;
  }
  rule.write_back();
  if (buffers) buffers->give_back(std::move(gradient), K, gradient_width, every_coordinate);
  return result;
}

}  // namespace detail

// Trains all outputs jointly (see the file comment). tasks[k] describes output k; with
// multinomial, tasks[c].weight_positive is class c's weight. `buffers`, when given, are
// the gradient buffers a caller keeps between calls (partial_fit's).
template <class T>
OutputResult fit_joint(const TrainerConfig& cfg, const TrainingSet<T>& data,
                       const std::vector<OutputTask>& tasks, JointState<T>& state, double t,
                       StopToken& stop, GradientBuffers* buffers = nullptr) {
  if (const std::string problem = check_config(cfg); !problem.empty()) throw InvalidArgument(problem);
  if (long(t) < cfg.optimizer.first_step) {
    throw InvalidArgument("t is before the optimizer's first step");
  }
  const Index nf = std::visit([](const auto& X) { return X.n_cols; }, data.X);
  const Index K = Index(tasks.size());
  const int slots = state_slots(cfg.optimizer.kind);
  if ((slots >= 1 && (!state.slot0 || !state.slot0_intercept)) ||
      (slots >= 2 && (!state.slot1 || !state.slot1_intercept))) {
    throw InvalidArgument("the optimizer's state arrays are missing");
  }
  // The norms the last call left stay known where no scale was folded into the weights,
  // and are unknown (NaN) during the call: one that stops early leaves them so, and the
  // next sums them again. Plain SGD's rule takes the scale factors as they are.
  const bool takes_scale = cfg.optimizer.kind == OptimizerKind::kSgd;
  std::vector<double> known_norms(std::size_t(kNormEntries * K), std::nan(""));
  for (Index k = 0; k < K; ++k) {
    const bool folded = !takes_scale && state.coef_scale && state.coef_scale[k] != 1.0;
    if (folded) fold_scale(state.coef + k * nf, nf, state.coef_scale[k]);
    if (!state.weight_norms) continue;
    if (!folded) {
      std::copy_n(state.weight_norms + kNormEntries * k, kNormEntries,
                  known_norms.begin() + kNormEntries * k);
    }
    std::fill_n(state.weight_norms + kNormEntries * k, kNormEntries, std::nan(""));
  }
  const Loss loss = make_loss(cfg.loss, cfg.epsilon);
  return std::visit(
      [&](const auto& X, const auto& loss_fn) {
        const auto train = [&](auto& rule) {
          OutputResult result =
              detail::train_joint(cfg, X, loss_fn, data, tasks, state, rule, t, stop, buffers);
          if (state.weight_norms) rule.keep_norms(state.weight_norms);
          return result;
        };
        if (takes_scale) {
          detail::ScaledSgdRule<T> rule(cfg, state, K, nf, known_norms.data());
          return train(rule);
        }
        const bool small_call = X.nnz() < K * nf;
        detail::CoordinateRule<T> rule(cfg, state, K, nf, known_norms.data(), small_call);
        return train(rule);
      },
      data.X, loss);
}

#define SGDLEARN_FIT_JOINT(T)                                                             \
  OutputResult fit_joint<T>(const TrainerConfig&, const TrainingSet<T>&,                 \
                            const std::vector<OutputTask>&, JointState<T>&, double, StopToken&, \
                            GradientBuffers*)
extern template SGDLEARN_FIT_JOINT(float);
extern template SGDLEARN_FIT_JOINT(double);

}  // namespace sgdlearn

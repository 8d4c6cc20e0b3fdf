// SPDX-License-Identifier: BSD-3-Clause
// Losses: value and derivative with respect to the prediction p, for one target y.
//
// The formulas are those of scikit-learn's SGD (sklearn/linear_model/_sgd_fast.pyx.tp
// and sklearn/_loss/_loss.pyx.tp), so that the trainer reproduces its models:
//   hinge(threshold)       max(0, threshold - p y)                  y in {-1, 1}
//   squared_hinge          max(0, 1 - p y)^2                        y in {-1, 1}
//   modified_huber         (1 - p y)^2 if p y >= -1, else -4 p y    y in {-1, 1}
//   log_loss               log(1 + exp(p)) - y p (half binomial)    y in {0, 1}
//   squared_error          (p - y)^2 / 2
//   huber(delta)           (p - y)^2 / 2 if |p - y| <= delta, else delta (|p - y| - delta / 2)
//   epsilon_insensitive    max(0, |y - p| - epsilon)
//   squared_epsilon_insensitive  max(0, |y - p| - epsilon)^2
// perceptron is hinge with threshold 0.
#pragma once

#include <cmath>
#include <variant>

namespace sgdlearn {

enum class LossKind {
  kHinge,
  kSquaredHinge,
  kModifiedHuber,
  kPerceptron,
  kLogLoss,
  kSquaredError,
  kHuber,
  kEpsilonInsensitive,
  kSquaredEpsilonInsensitive,
};

struct Hinge {
  double threshold = 1.0;
  double value(double p, double y) const {
    const double z = p * y;
    return z <= threshold ? threshold - z : 0.0;
  }
  double derivative(double p, double y) const { return p * y <= threshold ? -y : 0.0; }
};

struct SquaredHinge {
  double value(double p, double y) const {
    const double z = 1.0 - p * y;
    return z > 0.0 ? z * z : 0.0;
  }
  double derivative(double p, double y) const {
    const double z = 1.0 - p * y;
    return z > 0.0 ? -2.0 * y * z : 0.0;
  }
};

struct ModifiedHuber {
  double value(double p, double y) const {
    const double z = p * y;
    if (z >= 1.0) return 0.0;
    if (z >= -1.0) return (1.0 - z) * (1.0 - z);
    return -4.0 * z;
  }
  double derivative(double p, double y) const {
    const double z = p * y;
    if (z >= 1.0) return 0.0;
    if (z >= -1.0) return 2.0 * (1.0 - z) * -y;
    return -4.0 * y;
  }
};

struct LogLoss {
  // log(1 + exp(x)) without overflow, with scikit-learn's cut points.
  static double log1pexp(double x) {
    if (x <= -37.0) return std::exp(x);
    if (x <= -2.0) return std::log1p(std::exp(x));
    if (x <= 18.0) return std::log(1.0 + std::exp(x));
    if (x <= 33.3) return x + std::exp(-x);
    return x;
  }
  double value(double p, double y) const { return log1pexp(p) - y * p; }
  // expit(p) - y, written to stay finite for any p.
  double derivative(double p, double y) const {
    if (p > -37.0) {
      const double e = std::exp(-p);
      return ((1.0 - y) - y * e) / (1.0 + e);
    }
    return std::exp(p) - y;
  }
};

struct SquaredError {
  double value(double p, double y) const { return 0.5 * (p - y) * (p - y); }
  double derivative(double p, double y) const { return p - y; }
};

struct Huber {
  double delta = 0.1;
  double value(double p, double y) const {
    const double r = std::fabs(y - p);
    return r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
  }
  double derivative(double p, double y) const {
    const double r = p - y;
    if (std::fabs(r) <= delta) return r;
    return r >= 0.0 ? delta : -delta;
  }
};

struct EpsilonInsensitive {
  double epsilon = 0.1;
  double value(double p, double y) const {
    const double r = std::fabs(y - p) - epsilon;
    return r > 0.0 ? r : 0.0;
  }
  double derivative(double p, double y) const {
    if (y - p > epsilon) return -1.0;
    if (p - y > epsilon) return 1.0;
    return 0.0;
  }
};

struct SquaredEpsilonInsensitive {
  double epsilon = 0.1;
  double value(double p, double y) const {
    const double r = std::fabs(y - p) - epsilon;
    return r > 0.0 ? r * r : 0.0;
  }
  double derivative(double p, double y) const {
    const double z = y - p;
    if (z > epsilon) return -2.0 * (z - epsilon);
    if (z < -epsilon) return 2.0 * (-z - epsilon);
    return 0.0;
  }
};

using Loss = std::variant<Hinge, SquaredHinge, ModifiedHuber, LogLoss, SquaredError, Huber,
                          EpsilonInsensitive, SquaredEpsilonInsensitive>;

// `epsilon` is the width of the insensitive region (epsilon losses) or huber's delta.
inline Loss make_loss(LossKind kind, double epsilon) {
  switch (kind) {
    case LossKind::kHinge: return Hinge{1.0};
    case LossKind::kPerceptron: return Hinge{0.0};
    case LossKind::kSquaredHinge: return SquaredHinge{};
    case LossKind::kModifiedHuber: return ModifiedHuber{};
    case LossKind::kLogLoss: return LogLoss{};
    case LossKind::kSquaredError: return SquaredError{};
    case LossKind::kHuber: return Huber{epsilon};
    case LossKind::kEpsilonInsensitive: return EpsilonInsensitive{epsilon};
    case LossKind::kSquaredEpsilonInsensitive: return SquaredEpsilonInsensitive{epsilon};
  }
  return Hinge{1.0};
}

// Classification losses take y in {-1, 1} except log_loss, which takes {0, 1}.
inline double negative_label(LossKind kind) { return kind == LossKind::kLogLoss ? 0.0 : -1.0; }

}  // namespace sgdlearn

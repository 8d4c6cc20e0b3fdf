// SPDX-License-Identifier: BSD-3-Clause
// Decision scores X w_k + b_k of a fitted linear model, rows shared among threads.
#pragma once

#include <algorithm>

#include "sgdlearn/data_view.hpp"

namespace sgdlearn {

// out[i * n_outputs + k] = x_i . coef[k] * scale[k] + intercept[k]; coef is
// n_outputs x n_cols, row-major; scale, when given, the factor training left on each
// output's weights (OutputState::coef_scale), applied as training applies it. Each row
// is independent, so any number of threads gives the same scores.
template <class Matrix, class Out>
void decision_scores(const Matrix& X, const typename Matrix::Scalar* coef,
                     const typename Matrix::Scalar* intercept, const double* scale,
                     Index n_outputs, Out* out, int n_threads) {
#pragma omp parallel for schedule(static) num_threads(std::max(1, n_threads))
  for (Index i = 0; i < X.n_rows; ++i) {
    const auto row = X.row(i);
    for (Index k = 0; k < n_outputs; ++k) {
      double dot = row.dot(coef + k * X.n_cols);
      if (scale) dot *= scale[k];
      out[i * n_outputs + k] = Out(dot + double(intercept[k]));
    }
  }
}

}  // namespace sgdlearn

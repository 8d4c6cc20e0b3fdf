# SPDX-License-Identifier: BSD-3-Clause
"""Full-batch gradient descent reaches the optimum that scipy's L-BFGS finds for the
same objective: mean loss + alpha/2 ||w||^2, intercept unpenalised."""

import numpy as np
import pytest
from scipy.optimize import minimize, root
from scipy.special import logsumexp
from sklearn.datasets import make_classification, make_regression
from sklearn.preprocessing import StandardScaler

from sgdlearn import SGDClassifier, SGDRegressor

ALPHA = 0.05


def _lbfgs(objective, n_params):
    """scipy's L-BFGS optimum, polished by scipy's root finder on the gradient.

    L-BFGS's line search can stop ("ABNORMAL") where the objective's rounding hides
    further progress, about 1e-9 short in the gradient on some BLAS builds; the
    gradient itself is exact to rounding, so solving gradient = 0 from there gets the
    optimum to machine precision, and the assertion below checks that it did.
    """
    result = minimize(objective, np.zeros(n_params), jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000})
    optimum = root(lambda theta: objective(theta)[1], result.x, tol=1e-15).x
    assert np.abs(objective(optimum)[1]).max() < 1e-12
    return optimum


def test_ridge_by_gradient_descent_reaches_the_lbfgs_optimum():
    X, y = make_regression(200, 6, noise=3.0, random_state=0)
    X, y = StandardScaler().fit_transform(X), y / np.std(y)
    n, d = X.shape

    def objective(theta):
        w, b = theta[:d], theta[d]
        r = X @ w + b - y
        value = 0.5 * np.mean(r * r) + ALPHA / 2 * w @ w
        return value, np.r_[X.T @ r / n + ALPHA * w, np.mean(r)]

    optimum = _lbfgs(objective, d + 1)
    reg = SGDRegressor(batch_size=None, learning_rate="constant", eta0=0.5, alpha=ALPHA,
                       penalty="l2", max_iter=2000, tol=None).fit(X, y)
    np.testing.assert_allclose(reg.coef_, optimum[:d], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(reg.intercept_[0], optimum[d], rtol=1e-7, atol=1e-9)
    assert reg.loss_curve_[-1] == pytest.approx(objective(optimum)[0], rel=1e-9)


def test_multinomial_by_gradient_descent_reaches_the_lbfgs_optimum():
    X, y = make_classification(200, 5, n_informative=4, n_redundant=0, n_classes=3,
                               random_state=0)
    X = StandardScaler().fit_transform(X)
    n, d, k = X.shape[0], X.shape[1], 3
    onehot = np.eye(k)[y]

    def objective(theta):
        W, b = theta[: k * d].reshape(k, d), theta[k * d:]
        logits = X @ W.T + b
        log_p = logits - logsumexp(logits, axis=1, keepdims=True)
        value = -np.mean(np.sum(onehot * log_p, axis=1)) + ALPHA / 2 * np.sum(W * W)
        residual = (np.exp(log_p) - onehot) / n
        return value, np.r_[(residual.T @ X + ALPHA * W).ravel(), residual.sum(axis=0)]

    optimum = _lbfgs(objective, k * d + k)
    clf = SGDClassifier(loss="log_loss", multi_class="multinomial", batch_size=None,
                        learning_rate="constant", eta0=1.0, alpha=ALPHA, penalty="l2",
                        max_iter=3000, tol=None).fit(X, y)
    np.testing.assert_allclose(clf.coef_, optimum[: k * d].reshape(k, d), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(clf.intercept_, optimum[k * d:], rtol=1e-6, atol=1e-8)

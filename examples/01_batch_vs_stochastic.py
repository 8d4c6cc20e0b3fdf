# SPDX-License-Identifier: BSD-3-Clause
"""Batch gradient descent, streaming SGD and mini-batch SGD on one linear regression.

    python examples/01_batch_vs_stochastic.py [--quick] [--out DIR]

Every method reads each example once per epoch, but gradient descent (batch_size=None)
turns a pass into a single exact step, streaming SGD (batch_size=1) into n noisy steps
and mini-batch SGD (batch_size=64) into n/64 less noisy ones. The plot shows the
distance of the objective to its minimum (solved exactly) after each epoch, against
epochs and against the training time the core measured: gradient descent slides down
smoothly and slowly, SGD drops within one epoch and then jitters at a level its
constant step size sets, and mini-batches, at ten times the rate, jitter lower.
"""

import argparse
import pathlib

import numpy as np

import sgdlearn

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    raise SystemExit('this example draws with matplotlib: pip install "sgdlearn[plot]"') from None

ALPHA = 1e-4
# Gradient descent at 1/L, the textbook step (L, the Hessian's largest eigenvalue, is ~1
# here); mini-batches of 64 at ten times the rate of single examples.
METHODS = {
    "gradient descent (batch_size=None)": dict(batch_size=None, eta0=1.0),
    "streaming SGD (batch_size=1)": dict(batch_size=1, eta0=0.01),
    "mini-batch SGD (batch_size=64)": dict(batch_size=64, eta0=0.1),
}


def make_regression(n_samples, n_features, seed):
    """Gaussian features whose scales fall from 1 to 0.1 (condition number ~100)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) * np.logspace(0, -1, n_features)
    y = X @ rng.standard_normal(n_features) + 1.0 + 0.5 * rng.standard_normal(n_samples)
    return X, y


def objective(X, y, coef, intercept):
    """sgdlearn's objective: mean of (x.w + b - y)^2 / 2 plus alpha/2 ||w||^2."""
    residual = X @ coef + intercept - y
    return 0.5 * np.mean(residual**2) + 0.5 * ALPHA * coef @ coef


def minimum(X, y):
    """The exact minimiser, from the normal equations (the intercept is not penalised)."""
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    H = A.T @ A / X.shape[0]
    H[:-1, :-1] += ALPHA * np.eye(X.shape[1])
    solution = np.linalg.solve(H, A.T @ y / X.shape[0])
    return objective(X, y, solution[:-1], solution[-1])


def train(X, y, params, epochs):
    """One partial_fit call per epoch: the gap to the minimum and the core's seconds."""
    model = sgdlearn.SGDRegressor(
        alpha=ALPHA, learning_rate="constant", random_state=np.random.RandomState(0), **params
    )
    values = []
    for _ in range(epochs):
        model.partial_fit(X, y)
        values.append(objective(X, y, model.coef_, model.intercept_[0]))
    return np.array(values), np.cumsum(model.history_["seconds"]), model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."),
                        help="folder for the PNG (default: the current one)")
    args = parser.parse_args(argv)
    n_samples, epochs = (2_000, 10) if args.quick else (20_000, 40)
    X, y = make_regression(n_samples, 50, seed=0)
    best = minimum(X, y)

    fig, (by_epoch, by_time) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    print(f"{n_samples} examples, 50 features; objective at the minimum {best:.5f}")
    print(f"{'method':<36} {'steps/epoch':>11} {'ms/epoch':>9} "
          f"{'gap after 1 epoch':>17} {f'after {epochs}':>10}")
    for name, params in METHODS.items():
        values, seconds, model = train(X, y, params, epochs)
        gap = values - best
        by_epoch.semilogy(np.arange(1, epochs + 1), gap, marker=".", label=name)
        by_time.semilogy(seconds, gap, marker=".", label=name)
        steps_per_epoch = (model.t_ - 1) / epochs
        print(f"{name:<36} {steps_per_epoch:>11.0f} {1e3 * seconds[-1] / epochs:>9.2f} "
              f"{gap[0]:>17.2e} {gap[-1]:>10.2e}")
    by_epoch.set(xlabel="epoch (passes over the data)", ylabel="objective - minimum",
                 title="per pass over the data")
    by_time.set(xlabel="training time (s)", title="per second of training")
    by_epoch.legend()
    fig.suptitle("Linear regression: exact steps against many noisy ones")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "01_batch_vs_stochastic.png"
    fig.savefig(path, dpi=80)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: BSD-3-Clause
"""Batch size, from one example a step to the whole data set: time per epoch and progress.

    python examples/05_batch_size.py [--quick] [--out DIR]

Linear regression (feature scales from 1 to 0.1, noisy labels) trained for a fixed
budget of epochs with batch sizes 1, 4, 16, ..., and the whole data (gradient
descent), each at the constant rate of a grid that ends lowest. A batch of B examples
makes n/B steps an epoch on a gradient whose variance shrinks like 1/B, and tolerates a
larger rate: the best rate grows with B until the step limit of the full gradient.
With a budget of epochs, batches of 1 to 16 get closest to the minimum and gradient
descent is left far behind: many cheap noisy steps beat a few exact ones.

The left panel shows the core's median time per epoch (one thread). It varies little
with the batch size: each epoch reads every example once, and a step costs little beyond
its examples. The middle panel shows the gap to the minimum after the budget, the right
one each run's objective per epoch, drawn by ``sgdlearn.plot_history``.
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

ALPHA = 1e-6
RATES = tuple(0.002 * 2.0**k for k in range(11))  # 0.002 to ~2, a factor 2 apart


def make_regression(n_samples, n_features, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) * np.logspace(0, -1, n_features)
    y = X @ rng.standard_normal(n_features) + 1.0 + 0.5 * rng.standard_normal(n_samples)
    return X, y


def objective(model, X, y):
    """Mean squared error / 2 plus alpha/2 ||w||^2; inf for an overflowed model."""
    with np.errstate(over="ignore", invalid="ignore"):
        residual = model.predict(X) - y
        return 0.5 * np.mean(residual**2) + 0.5 * ALPHA * model.coef_ @ model.coef_


def minimum(X, y):
    """The exact minimiser from the normal equations (the intercept is not penalised)."""
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    H = A.T @ A / X.shape[0]
    H[:-1, :-1] += ALPHA * np.eye(X.shape[1])
    solution = np.linalg.solve(H, A.T @ y / X.shape[0])
    residual = A @ solution - y
    return 0.5 * np.mean(residual**2) + 0.5 * ALPHA * solution[:-1] @ solution[:-1]


def best_run(X, y, batch_size, epochs):
    """The run of the rate grid whose final model has the lowest objective."""
    runs = []
    for eta0 in RATES:
        model = sgdlearn.SGDRegressor(alpha=ALPHA, learning_rate="constant", eta0=eta0,
                                      batch_size=batch_size, max_iter=epochs, tol=None,
                                      random_state=0, n_jobs=1)
        try:
            model.fit(X, y)
        except sgdlearn.DivergenceError:
            continue
        runs.append((objective(model, X, y), eta0, model))
    return min(runs, key=lambda run: run[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."),
                        help="folder for the PNG (default: the current one)")
    args = parser.parse_args(argv)
    n_samples, epochs = (1_000, 3) if args.quick else (5_000, 10)
    X, y = make_regression(n_samples, 50, seed=0)
    best = minimum(X, y)
    batch_sizes = [4**k for k in range(7) if 4**k < n_samples] + [None]

    print(f"{n_samples} examples, 50 features, {epochs} epochs each; minimum {best:.5f}")
    print(f"{'batch size':>10} {'steps/epoch':>11} {'best eta0':>9} {'ms/epoch':>8} "
          f"{'objective - minimum':>19}")
    names, models, ms_per_epoch, gaps = [], [], [], []
    for batch_size in batch_sizes:
        value, eta0, model = best_run(X, y, batch_size, epochs)
        name = "full" if batch_size is None else str(batch_size)
        names.append(f"{name} (eta0={eta0:.3g})")
        models.append(model)
        ms_per_epoch.append(1e3 * np.median(model.history_["seconds"]))
        gaps.append(value - best)
        steps = -(-n_samples // (batch_size or n_samples))
        print(f"{name:>10} {steps:>11} {eta0:>9.3g} {ms_per_epoch[-1]:>8.2f} {gaps[-1]:>19.2e}")

    fig, (time_ax, gap_ax, curve_ax) = plt.subplots(1, 3, figsize=(12, 3.8))
    positions = np.arange(len(batch_sizes))
    labels = ["full" if b is None else f"{b // 1024}k" if b >= 1024 else str(b)
              for b in batch_sizes]
    time_ax.bar(positions, ms_per_epoch)
    time_ax.set(xticks=positions, xticklabels=labels, xlabel="batch size",
                ylabel="ms per epoch", title="time per epoch")
    gap_ax.semilogy(positions, gaps, marker="o")
    gap_ax.set(xticks=positions, xticklabels=labels, xlabel="batch size",
               ylabel="objective - minimum", title=f"after {epochs} epochs, best rate")
    sgdlearn.plot_history(models, ax=curve_ax, labels=names)
    curve_ax.set_yscale("log")
    curve_ax.legend(fontsize="x-small", title="batch size", title_fontsize="x-small")
    curve_ax.set_title("objective of each epoch (loss_curve_)")
    fig.suptitle("Mini-batch SGD on linear regression: one example a step to gradient descent")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "05_batch_size.png"
    fig.savefig(path, dpi=80)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

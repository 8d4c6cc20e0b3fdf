# SPDX-License-Identifier: BSD-3-Clause
"""Learning-rate schedules, and gradient clipping on a problem that diverges without it.

    python examples/04_schedules_and_clipping.py [--quick] [--out DIR]

Left and middle: mini-batch SGD (batches of 16) on a noisy linear regression with six
schedules of the same initial rate: constant, invscaling (eta0 / sqrt(t)), exponential
(x0.8 an epoch), step (halved every 5 epochs), cosine (to 0 over the run) and cosine
after a linear warm-up of 3 epochs. Both panels come straight from the fitted
estimators with ``sgdlearn.plot_history``: the rate of each epoch's last step, and the
epoch's objective (the mean over its batches), with the minimum dotted. A constant rate
stays in its noise ball; the decaying ones shrink it and end lower; invscaling, which
decays with every step, slows down soonest. The warm-up costs a little at the start
here: on this convex problem there is nothing for it to protect.

Right: features whose row norms are heavy-tailed (one row in a hundred is 10 to 30 times
longer than the median, as documents of very different lengths). A rate that suits the typical row
overshoots on the long ones, and the error grows from epoch to epoch until the weights
overflow (``sgdlearn.DivergenceError``). Clipping each step's gradient to norm 1
(``clip_norm=1.0``) keeps the same rate stable, though it hovers above the minimum (the
rate is still large); a rate small enough for the longest rows is the other cure,
slower in the first epoch, and then on the minimum.
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

BATCH_SIZE = 16


def schedules(steps_per_epoch):
    """Name: learning-rate parameters, all starting from the same eta0."""
    return {
        "constant": dict(learning_rate="constant"),
        "invscaling": dict(learning_rate="invscaling", power_t=0.5),
        "exponential": dict(learning_rate="exponential", gamma=0.8),
        "step": dict(learning_rate="step", gamma=0.5, step_size=5),
        "cosine": dict(learning_rate="cosine"),
        "cosine + warm-up": dict(learning_rate="cosine", warmup_steps=3 * steps_per_epoch),
    }


def noisy_regression(n_samples, n_features, seed):
    """Feature scales from 1 to 0.1, label noise of standard deviation 1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) * np.logspace(0, -1, n_features)
    return X, X @ rng.standard_normal(n_features) + rng.standard_normal(n_samples)


def heavy_tailed_regression(n_samples, n_features, seed):
    """Rows scaled by a log-normal factor: row norms spread over two orders of magnitude."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X *= rng.lognormal(0.0, 1.0, size=(n_samples, 1))
    return X, X @ rng.standard_normal(n_features) + 0.3 * rng.standard_normal(n_samples)


def least_squares_minimum(X, y):
    """The objective's minimum (the penalty, alpha=1e-4, is negligible here)."""
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    residual = A @ np.linalg.lstsq(A, y, rcond=None)[0] - y
    return 0.5 * np.mean(residual**2)


def squared_error_objective(model, X, y):
    """The mean squared error / 2 of the model."""
    return 0.5 * np.mean((model.predict(X) - y) ** 2)


def root_mean_squared_error(model, X, y):
    """Scaled by the largest residual, so that it overflows only when the residuals do."""
    with np.errstate(over="ignore", invalid="ignore"):
        residual = model.predict(X) - y
        largest = np.max(np.abs(residual))
        return largest * np.sqrt(np.mean((residual / largest) ** 2))


def compare_schedules(X, y, epochs, rate_ax, objective_ax):
    steps_per_epoch = -(-X.shape[0] // BATCH_SIZE)
    best = least_squares_minimum(X, y)
    names, models = [], []
    print(f"minimum of the objective {best:.4f}")
    print(f"{'schedule':<17} {'rate, last epoch':>16} {'objective, 1st epoch':>20} "
          f"{'last epoch':>10} {'final model - minimum':>21}")
    for name, params in schedules(steps_per_epoch).items():
        model = sgdlearn.SGDRegressor(eta0=0.6, batch_size=BATCH_SIZE, max_iter=epochs,
                                      tol=None, random_state=0, **params).fit(X, y)
        names.append(name)
        models.append(model)
        gap = squared_error_objective(model, X, y) - best
        print(f"{name:<17} {model.history_['learning_rate'][-1]:>16.2e} "
              f"{model.loss_curve_[0]:>20.4f} {model.loss_curve_[-1]:>10.4f} {gap:>21.2e}")
    sgdlearn.plot_history(models, ax=rate_ax, key="learning_rate", labels=names)
    sgdlearn.plot_history(models, ax=objective_ax, labels=names)
    objective_ax.axhline(best, color="black", linestyle=":", label="minimum")
    objective_ax.set_ylim(best - 0.02, best + 0.2)
    rate_ax.set_title(f"rate at the end of each epoch ({steps_per_epoch} steps)")
    objective_ax.set_title("objective of each epoch (loss_curve_)")
    objective_ax.get_legend().remove()


def clipping(X, y, epochs, ax):
    """Error after each epoch; a diverging run ends at its DivergenceError."""
    runs = {
        "eta0=0.1": dict(eta0=0.1),
        "eta0=0.1, clip_norm=1": dict(eta0=0.1, clip_norm=1.0),
        "eta0=0.003": dict(eta0=0.003),
    }
    best = np.sqrt(2 * least_squares_minimum(X, y))
    print(f"\nroot mean squared error at the minimum {best:.4f}")
    print(f"{'heavy-tailed rows':<24} {'RMSE, 1st epoch':>16} {'last epoch':>22}")
    # Fixed limits, set first: autoscaling a log axis near the largest float overflows.
    ax.set_yscale("log")
    ax.set_ylim(1e-1, 1e306)
    ax.set_autoscaley_on(False)
    ax.set_yticks([10.0**k for k in range(0, 301, 50)])
    for name, params in runs.items():
        model = sgdlearn.SGDRegressor(learning_rate="constant", batch_size=BATCH_SIZE,
                                      random_state=np.random.RandomState(0), **params)
        curve, failure = [], None
        for _ in range(epochs):
            try:
                model.partial_fit(X, y)
            except sgdlearn.DivergenceError as error:
                failure = error
                break
            curve.append(root_mean_squared_error(model, X, y))
        curve = np.array(curve)
        finite = np.isfinite(curve)
        (line,) = ax.plot(np.arange(1, len(curve) + 1)[finite], curve[finite], label=name)
        if failure is not None:
            ax.plot(len(curve) + 1, 1e300, "x", ms=10, color=line.get_color(),
                    label="DivergenceError")
        last = f"{curve[-1]:.4g}" if failure is None else f"diverged in epoch {len(curve) + 1}"
        print(f"{name:<24} {curve[0]:>16.4g} {last:>22}")
        if failure is not None:
            print(f"  sgdlearn.DivergenceError: {failure}")
    ax.set(xlabel="epoch", ylabel="root mean squared error", title="heavy-tailed rows: clipping")
    ax.legend(fontsize="small")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."),
                        help="folder for the PNG (default: the current one)")
    args = parser.parse_args(argv)
    n_samples, epochs = (500, 8) if args.quick else (2_000, 30)

    fig, (rate_ax, objective_ax, clip_ax) = plt.subplots(1, 3, figsize=(11.5, 3.8))
    compare_schedules(*noisy_regression(n_samples, 20, seed=0), epochs, rate_ax, objective_ax)
    # Long enough for the unclipped run to overflow (about 40 epochs at full size).
    clipping(*heavy_tailed_regression(n_samples, 10, seed=2), 3 * epochs, clip_ax)
    fig.suptitle(f"Mini-batch SGD (batches of {BATCH_SIZE}) on linear regression")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "04_schedules_and_clipping.png"
    fig.savefig(path, dpi=80)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

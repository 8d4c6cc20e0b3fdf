# SPDX-License-Identifier: BSD-3-Clause
"""The noise ball: constant-step SGD hovers around the optimum, a decaying step converges.

    python examples/02_noise_ball.py [--quick] [--out DIR]

L2-regularised logistic regression on the breast cancer data that ships with
scikit-learn, trained by streaming SGD (one example a step). Its optimum is found by
scipy's L-BFGS to a gradient norm of about 1e-10. Each SGD step follows the gradient of
one example, which is not zero at the optimum, so with a constant learning rate the
weights stop approaching it and wander in a ball whose radius grows with the step
size. A rate that decays, eta0/sqrt(t) ("invscaling") or 1/(alpha (t0 + t))
("optimal", Bottou's schedule and scikit-learn's default), shrinks the ball as it goes
and converges.
"""

import argparse
import pathlib

import numpy as np
from scipy.optimize import minimize
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import sgdlearn

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    raise SystemExit('this example draws with matplotlib: pip install "sgdlearn[plot]"') from None

ALPHA = 1e-2
CONSTANT_RATES = (0.3, 0.1, 0.03, 0.01)
DECAYING = {
    "0.3/sqrt(t) (invscaling)": dict(learning_rate="invscaling", eta0=0.3, power_t=0.5),
    "1/(alpha (t0 + t)) (optimal)": dict(learning_rate="optimal"),
}


def logistic_objective(theta, X, signs):
    """sgdlearn's log_loss objective and its gradient; theta is (w, b)."""
    w, b = theta[:-1], theta[-1]
    margin = signs * (X @ w + b)
    value = np.mean(np.logaddexp(0.0, -margin)) + 0.5 * ALPHA * w @ w
    dmargin = -signs * np.exp(-np.logaddexp(0.0, margin)) / X.shape[0]
    return value, np.append(X.T @ dmargin + ALPHA * w, dmargin.sum())


def optimum(X, signs):
    """The minimiser by L-BFGS, run until it can no longer reduce the objective."""
    result = minimize(logistic_objective, np.zeros(X.shape[1] + 1), args=(X, signs), jac=True,
                      method="L-BFGS-B", options=dict(gtol=1e-12, ftol=0.0, maxiter=10_000))
    return result.x, np.linalg.norm(result.jac)


def distances(X, y, best, epochs, params):
    """Distance of (coef_, intercept_) to the optimum after each epoch of streaming SGD."""
    model = sgdlearn.SGDClassifier(loss="log_loss", alpha=ALPHA,
                                   random_state=np.random.RandomState(0), **params)
    result = []
    for _ in range(epochs):
        model.partial_fit(X, y, classes=[0, 1])
        result.append(np.linalg.norm(np.append(model.coef_.ravel(), model.intercept_) - best))
    return np.array(result)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."),
                        help="folder for the PNG (default: the current one)")
    args = parser.parse_args(argv)
    epochs = 30 if args.quick else 400
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    best, gradient_norm = optimum(X, np.where(y == 1, 1.0, -1.0))
    print(f"breast cancer: {X.shape[0]} examples, {X.shape[1]} features; L-BFGS optimum "
          f"with gradient norm {gradient_norm:.1e}")

    fig, (paths, radius) = plt.subplots(1, 2, figsize=(9, 3.6), width_ratios=(3, 2))
    epoch = np.arange(1, epochs + 1)
    # The ball's radius: the mean distance over the second half of the run.
    tail = slice(epochs // 2, None)
    print(f"{'learning rate':<30} {'distance after 1 epoch':>22} {f'after {epochs}':>10} "
          f"{'mean over the 2nd half':>22}")
    plateaus = []
    for eta in CONSTANT_RATES:
        d = distances(X, y, best, epochs, dict(learning_rate="constant", eta0=eta))
        plateaus.append(d[tail].mean())
        paths.loglog(epoch, d, label=f"constant {eta}")
        print(f"{f'constant {eta}':<30} {d[0]:>22.3g} {d[-1]:>10.3g} {plateaus[-1]:>22.3g}")
    for name, params in DECAYING.items():
        d = distances(X, y, best, epochs, params)
        paths.loglog(epoch, d, linestyle="--", linewidth=2, label=name)
        print(f"{name:<30} {d[0]:>22.3g} {d[-1]:>10.3g} {d[tail].mean():>22.3g}")
    paths.set(xlabel="epoch", ylabel="||(w, b) - optimum||",
              title="distance to the L-BFGS optimum")
    paths.legend(fontsize="small")
    radius.loglog(CONSTANT_RATES, plateaus, marker="o")
    radius.set(xlabel="constant learning rate", ylabel="mean distance, second half",
               title="the ball grows with the step")
    fig.suptitle("Streaming SGD, logistic regression on breast cancer data")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "02_noise_ball.png"
    fig.savefig(path, dpi=80)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: BSD-3-Clause
"""Eight update rules on two problems: a sparse text-like one and an ill-conditioned dense one.

    python examples/03_optimizers.py [--quick] [--out DIR]

Logistic regression (log_loss, small L2 penalty) trained by plain SGD, momentum,
Nesterov, AdaGrad, RMSprop, Adam, AdamW and averaged SGD (averaging from the second
epoch), each with the constant rate of a small grid that ends lowest, in mini-batches
of 32. The plot shows the training objective after each epoch, on the model each
method returns (the averaged weights for averaged SGD); the table adds held-out
accuracy and the seconds the core spent.

- Text-like: Zipf-distributed words, a few frequent features and many rare ones. The
  adaptive rules (AdaGrad, RMSprop, Adam), which give rarely seen features larger
  steps, are far ahead after one epoch; momentum and Nesterov catch up with them by the
  end on larger, noisier steps; plain SGD trails.
- Ill-conditioned: Gaussian features whose scales fall from 1 to 0.01, all of them
  mattering to the labels. One rate for every coordinate must suit the largest scale
  and so crawls along the smallest: the adaptive rules, which rescale each coordinate,
  end clearly lowest; momentum helps plain SGD a little and averaging smooths its path.
"""

import argparse
import pathlib
import time

import numpy as np
import scipy.sparse as sp

import sgdlearn

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    raise SystemExit('this example draws with matplotlib: pip install "sgdlearn[plot]"') from None

ALPHA = 1e-5
BATCH_SIZE = 32
# name: (parameters, constant rates tried: a factor ~3 apart, around where each rule's best
# lay on these problems). Averaging starts after one epoch (set in `compare`), as Bottou's ASGD.
OPTIMIZERS = {
    "sgd": (dict(optimizer="sgd"), (1.0, 3.0, 10.0, 30.0)),
    "momentum": (dict(optimizer="momentum"), (0.1, 0.3, 1.0, 3.0)),
    "nesterov": (dict(optimizer="nesterov"), (0.1, 0.3, 1.0, 3.0)),
    "adagrad": (dict(optimizer="adagrad"), (0.1, 0.3, 1.0, 3.0)),
    "rmsprop": (dict(optimizer="rmsprop"), (0.003, 0.01, 0.03, 0.1)),
    "adam": (dict(optimizer="adam"), (0.003, 0.01, 0.03, 0.1)),
    "adamw": (dict(optimizer="adamw"), (0.003, 0.01, 0.03, 0.1)),
    "averaged sgd": (dict(optimizer="sgd", average=True), (3.0, 10.0, 30.0, 100.0)),
}


def text_like(n_samples, n_features, words_per_row, seed):
    """Rows of Zipf-popular words, unit norm; labels from a sparse linear model."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_features + 1) ** 1.1
    words = rng.choice(n_features, size=(n_samples, words_per_row), p=popularity / popularity.sum())
    indptr = np.arange(0, n_samples * words_per_row + 1, words_per_row)
    X = sp.csr_matrix((np.ones(words.size), words.ravel(), indptr), shape=(n_samples, n_features))
    X.sum_duplicates()
    X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(axis=1))))
    truth = rng.standard_normal(n_features) * 3 * (rng.random(n_features) < 0.3)
    margin = X @ truth
    return X, (margin + 0.3 * rng.standard_normal(n_samples) > np.median(margin)).astype(int)


def ill_conditioned(n_samples, n_features, seed):
    """Feature scales from 1 to 0.01 (Hessian condition number ~1e4), all informative."""
    rng = np.random.default_rng(seed)
    scales = np.logspace(0, -2, n_features)
    X = rng.standard_normal((n_samples, n_features)) * scales
    margin = X @ (rng.standard_normal(n_features) / scales)
    return X, (margin + rng.standard_normal(n_samples) > 0).astype(int)


def objective(model, X, y):
    """sgdlearn's log_loss objective on the returned model."""
    margin = np.where(y == 1, 1.0, -1.0) * model.decision_function(X)
    coef = model.coef_.ravel()
    return np.mean(np.logaddexp(0.0, -margin)) + 0.5 * ALPHA * coef @ coef


def train(X, y, params, eta0, epochs):
    """The objective after each epoch and the seconds the core spent."""
    model = sgdlearn.SGDClassifier(loss="log_loss", alpha=ALPHA, learning_rate="constant",
                                   eta0=eta0, batch_size=BATCH_SIZE,
                                   random_state=np.random.RandomState(0), **params)
    curve = []
    for _ in range(epochs):
        try:
            model.partial_fit(X, y, classes=[0, 1])
        except sgdlearn.DivergenceError:
            return None, None, None
        curve.append(objective(model, X, y))
    return np.array(curve), sum(model.history_["seconds"]), model


def compare(name, X, y, epochs, ax):
    """Each optimizer at its best rate of the grid: plot and print the results."""
    n_train = int(0.8 * X.shape[0])
    X_train, X_test, y_train, y_test = X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    print(f"\n{name}: {n_train} training examples, {X.shape[1]} features")
    print(f"{'optimizer':<13} {'eta0':>7} {'objective':>10} {'test accuracy':>14} {'seconds':>8}")
    for label, (params, rates) in OPTIMIZERS.items():
        if params.get("average"):
            params = {**params, "average": n_train // BATCH_SIZE + 1}
        runs = [(eta0, *train(X_train, y_train, params, eta0, epochs)) for eta0 in rates]
        eta0, curve, seconds, model = min(
            (run for run in runs if run[1] is not None), key=lambda run: run[1][-1]
        )
        style = "--" if label in ("averaged sgd", "adamw") else "-"
        ax.plot(np.arange(1, epochs + 1), curve, style, label=f"{label} ({eta0:g})")
        print(f"{label:<13} {eta0:>7g} {curve[-1]:>10.4f} {model.score(X_test, y_test):>14.3f} "
              f"{seconds:>8.3f}")
    ax.set(title=name, xlabel="epoch", ylabel="training objective")
    ax.legend(fontsize="small", ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.15),
              title="optimizer (eta0)", title_fontsize="small")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."),
                        help="folder for the PNG (default: the current one)")
    args = parser.parse_args(argv)
    n_samples, epochs = (1_000, 3) if args.quick else (5_000, 15)
    started = time.perf_counter()
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.6))
    compare("sparse text-like", *text_like(n_samples, 2**14, 40, seed=0), epochs, axes[0])
    compare("ill-conditioned dense", *ill_conditioned(n_samples, 50, seed=0), epochs, axes[1])
    fig.suptitle("Optimizers, each at its best constant rate, mini-batches of 32")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "03_optimizers.png"
    fig.savefig(path, dpi=80)
    print(f"\nwrote {path} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()

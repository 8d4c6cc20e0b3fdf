# SPDX-License-Identifier: BSD-3-Clause
"""A first run: sgdlearn against scikit-learn's SGD, same parameters, same data.

    python -m sgdlearn.demo [--quick]

Trains on the handwritten digits that ship with scikit-learn (10 classes, one-vs-rest)
and on a generated sparse text-like problem, and prints test accuracy and the median
fit time of each library.
"""

import argparse
import time

import numpy as np
import scipy.sparse as sp
from sklearn import linear_model
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import sgdlearn


def _median_fit_seconds(make_estimator, X, y, repeats):
    times, model = [], None
    for _ in range(repeats):
        model = make_estimator()
        started = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - started)
    return float(np.median(times)), model


def _text_like(n_samples, n_features, nnz_per_row, seed):
    """Sparse rows with Zipf-popular features, unit norm, labels from a sparse model."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_features + 1) ** 1.1
    popularity /= popularity.sum()
    indices = rng.choice(n_features, size=n_samples * nnz_per_row, p=popularity)
    values = rng.random(n_samples * nnz_per_row) + 0.1
    indptr = np.arange(0, n_samples * nnz_per_row + 1, nnz_per_row)
    X = sp.csr_matrix((values, indices, indptr), shape=(n_samples, n_features))
    X.sum_duplicates()
    X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(axis=1))))
    truth = rng.standard_normal(n_features) * (rng.random(n_features) < 0.2)
    y = np.where(X @ truth + 0.05 * rng.standard_normal(n_samples) > 0, 1, -1)
    return X, y


def _compare(name, X_train, X_test, y_train, y_test, params, repeats):
    print(f"\n{name}: {X_train.shape[0]} training rows, {X_train.shape[1]} features")
    rows = []
    for library, cls in (("scikit-learn", linear_model.SGDClassifier),
                         ("sgdlearn", sgdlearn.SGDClassifier)):
        seconds, model = _median_fit_seconds(lambda: cls(**params), X_train, y_train, repeats)
        rows.append((library, seconds, model.score(X_test, y_test)))
    for library, seconds, accuracy in rows:
        print(f"  {library:<13} fit {seconds * 1e3:8.1f} ms   test accuracy {accuracy:.4f}")
    print(f"  speed-up: {rows[0][1] / rows[1][1]:.1f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 5

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    split = train_test_split(X, y, test_size=0.25, random_state=0)
    _compare("digits (ships with scikit-learn)", *split,
             dict(max_iter=20, tol=None, random_state=0), repeats)

    n_samples = 20_000 if args.quick else 200_000
    X, y = _text_like(n_samples, 2**16, 45, seed=0)
    split = train_test_split(X, y, test_size=0.2, random_state=0)
    _compare("sparse text-like (generated)", *split,
             dict(alpha=1e-6, max_iter=5, tol=None, random_state=0), repeats)


if __name__ == "__main__":
    main()

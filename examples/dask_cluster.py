# SPDX-License-Identifier: BSD-3-Clause
"""From one machine to a cluster: the same estimator, trained where the data is.

    python examples/dask_cluster.py [--rows 200000] [--workers 2] [--epochs 5] [--quick]

Generates a sparse text-like classification problem in blocks on the workers of a local
Dask cluster (the data never passes through this process), trains
``sgdlearn.dask.SGDClassifier`` with each strategy, and trains ``sgdlearn.SGDClassifier``
on the same rows in this process for comparison. Prints held-out accuracy and fit time.
On a real cluster, replace the LocalCluster with ``Client("scheduler-address:8786")``.
"""

import argparse
import time

import dask
import dask.array as da
import numpy as np
import scipy.sparse as sp
import sgdlearn
import sgdlearn.dask
from distributed import Client, LocalCluster, wait

N_FEATURES = 2**18
WORDS_PER_ROW = 40


def text_like_block(block, rows, seed=0):
    """Rows of Zipf-popular words (unit norm) and labels of a fixed sparse linear model."""
    rng = np.random.default_rng([seed, block])
    popularity = 1.0 / np.arange(1, N_FEATURES + 1) ** 1.1
    words = rng.choice(N_FEATURES, size=(rows, WORDS_PER_ROW), p=popularity / popularity.sum())
    X = sp.csr_matrix(
        (rng.random(words.size) + 0.1, words.ravel(), np.arange(0, words.size + 1, WORDS_PER_ROW)),
        shape=(rows, N_FEATURES),
    )
    X.sum_duplicates()
    X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(axis=1))))
    truth = np.random.default_rng([seed, 2**32 - 1]).standard_normal(N_FEATURES)
    truth[:20] = 0.0  # the most frequent words carry no signal, as stop words
    scores = X @ truth
    y = np.where(scores + 0.1 * rng.standard_normal(rows) > 0, 1, -1)
    return X, y


def dask_text_like(n_rows, block_rows, first_block=0):
    """The same rows as a dask array whose blocks are generated on the workers."""
    blocks = [dask.delayed(text_like_block, nout=2)(first_block + b, block_rows)
              for b in range(n_rows // block_rows)]
    X = da.concatenate([da.from_delayed(X, (block_rows, N_FEATURES), dtype=np.float64,
                                        meta=sp.csr_matrix((0, N_FEATURES))) for X, _ in blocks])
    y = da.concatenate([da.from_delayed(y, (block_rows,), dtype=np.int64) for _, y in blocks])
    return X, y


def local_text_like(n_rows, block_rows, first_block=0):
    parts = [text_like_block(first_block + b, block_rows) for b in range(n_rows // block_rows)]
    return sp.vstack([X for X, _ in parts], format="csr"), np.concatenate([y for _, y in parts])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="20000 rows, for CI")
    args = parser.parse_args(argv)
    block_rows = 10_000
    test_rows = 20_000 if args.quick else 50_000
    if args.quick:
        args.rows = 20_000
    params = dict(alpha=1e-6, max_iter=args.epochs, tol=None, random_state=0)

    # ":0": the dashboard (with bokeh installed) on a free port.
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        X, y = client.persist(list(dask_text_like(args.rows, block_rows)))
        wait([X, y])  # generated on the workers, and kept there
        X_test, y_test = local_text_like(test_rows, block_rows, first_block=10_000)
        X_local, y_local = local_text_like(args.rows, block_rows)

        print(f"{args.rows} training rows, {N_FEATURES} features, {args.workers} workers, "
              f"{args.epochs} epochs; accuracy on {test_rows} held-out rows")
        print(f"  {'':<34} {'accuracy':>9} {'fit s':>7} {'of which training s':>20}")
        local = sgdlearn.SGDClassifier(**params)
        started = time.perf_counter()
        local.fit(X_local, y_local)
        local_seconds = time.perf_counter() - started
        local_accuracy = local.score(X_test, y_test)
        print(f"  {'sgdlearn.SGDClassifier (local)':<34} {local_accuracy:9.4f} "
              f"{local_seconds:7.2f} {sum(local.history_['seconds']):20.2f}")
        for strategy in ("mix", "relay"):
            model = sgdlearn.dask.SGDClassifier(strategy=strategy, **params)
            started = time.perf_counter()
            model.fit(X, y)
            seconds = time.perf_counter() - started
            accuracy = model.to_local().score(X_test, y_test)
            # history_ "seconds": the workers' training time (the slowest worker's, per round).
            print(f"  {'sgdlearn.dask, strategy=' + repr(strategy):<34} {accuracy:9.4f} "
                  f"{seconds:7.2f} {sum(model.history_['seconds']):20.2f}   "
                  f"({accuracy - local_accuracy:+.4f} accuracy, "
                  f"{seconds / local_seconds:.1f}x the local time)")


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: BSD-3-Clause
"""sgdlearn on a Dask cluster: the same estimators, trained where the data is.

``sgdlearn.dask.SGDClassifier`` and ``SGDRegressor`` take every parameter of the local
estimators plus ``strategy`` and ``timeout``. ``fit`` takes dask arrays (numpy or
scipy.sparse chunks) and dask dataframes, ``fit_files`` data files that the workers read
with sgdlearn's readers. Blocks are assigned to workers in turn (block i to worker
i mod K) and stay there; each worker trains with the fast local core, and only models
travel. The fitted estimator predicts locally, lazily on dask collections, and
``to_local()`` returns a plain sgdlearn estimator.

Strategies: which converges to what, and when to use which
---------------------------------------------------------

``"mix"`` (default): iterative parameter mixing (McDonald et al. 2010, Zinkevich et al.
    2010). Each round, every worker runs one epoch of the estimator's own algorithm
    (``batch_size``, ``optimizer``, schedule) on its shard from the current model; the
    models are averaged, weighted by the examples each saw (adaptive optimizers weight
    each coordinate by its accumulated squared gradients, as Vowpal Wabbit's AllReduce
    does), and the step counter advances by all the workers' steps. It is not the
    single-machine model: for convex losses it reaches the same neighbourhood of the
    optimum (the average of K SGD runs, each on 1/K of the data), and held-out accuracy
    lands within about a point of the local ``fit`` with the same number of epochs. A
    round costs one exchange of the model (tens of milliseconds up to 2^18 features),
    so it pays once per epoch over a large shard. Use it to train on data that is
    large or lives on the cluster: each epoch runs on all workers at once.

``"relay"``: the model travels from block to block in order, and each block is one local
    ``partial_fit`` call: the result equals local ``partial_fit`` over the blocks, bit for
    bit. Workers take turns, so it is no faster than one machine; it trains where the
    data is (nothing is gathered) and is the exact oracle for the other strategies.
    ``partial_fit`` on dask collections is one relay pass.

``"gradient"`` (``batch_size=None``): each step sums the workers' gradients, so the
    result is single-machine gradient descent to rounding, and converges like it to the
    optimum of the objective. Every step is a round, so it suits problems that need
    few, exact steps (smooth objectives, momentum or Nesterov); the sum is taken by
    averaging the steps the workers take from the same weights, which is exact for the
    update rules affine in the gradient (``sgd`` with an L2 penalty, ``momentum``,
    ``nesterov``); others are refused.

Worker failure: Dask reruns a task whose worker died and rebuilds the blocks that worker
held from the task graph; a round whose model was lost with the workers is run again
once; if it still fails, or Dask gives up on a task, ``fit`` raises ``RuntimeError``
naming the round, and ``timeout`` bounds the wait. The same shards and ``random_state``
give bit-identical models, failures or not.

Scripts that start a ``LocalCluster`` of processes need an ``if __name__ == "__main__":``
guard: the worker processes are spawned and import the calling script.
"""

try:
    import distributed  # noqa: F401
except ImportError as exc:  # pragma: no cover
    raise ImportError(
        "sgdlearn.dask needs dask.distributed: pip install 'sgdlearn[dask]'"
    ) from exc

from sgdlearn.dask._estimators import SGDClassifier, SGDRegressor

__all__ = ["SGDClassifier", "SGDRegressor"]

# SPDX-License-Identifier: BSD-3-Clause
"""Training on the cluster: the epoch a worker runs, and the rounds of each strategy.

The model that travels is a plain local estimator holding the whole training state; a
worker runs its ``partial_fit`` (the fast local core) and sends the model back. The data
never leaves the workers: the client receives models and a few numbers per block.
"""

import copy
import pickle
import time

import dask
import numpy as np
from dask.utils import parse_bytes
from distributed import KilledWorker, wait
from distributed.comm import CommClosedError

from sgdlearn import _schedules
from sgdlearn.dask import _blocks, _mixing

try:  # distributed >= 2024.x
    from distributed.client import FutureCancelledError as _Cancelled
except ImportError:  # pragma: no cover
    from concurrent.futures import CancelledError as _Cancelled

# Failures of the cluster, not of training: the round is tried again from the model the
# client holds. Dask itself already retries a task whose worker died (and rebuilds the
# blocks that worker held from the graph); these are what is left when it cannot.
_CLUSTER_FAILURES = (_Cancelled, CommClosedError, OSError)
_ROUND_ATTEMPTS = 2
_MAX_SEED = np.iinfo(np.int32).max
_LARGE_GRAPH = "distributed.admin.large-graph-warning-threshold"


# -- on the workers ------------------------------------------------------------------


def the_model(model):
    return model


def train_epoch(model, block, n_features, params):
    """One epoch of the local core over the block's pieces, in order, from ``model``.

    ``model`` is copied first: every task on a worker shares the object Dask holds.
    """
    model = copy.deepcopy(model)
    model.set_params(**params)
    classes = getattr(model, "classes_", None)
    for X, y, sample_weight in block:
        if X.shape[0] == 0:
            continue
        X = _blocks.with_width(X, n_features)
        if classes is None:
            model.partial_fit(X, y, sample_weight=sample_weight)
        else:
            model.partial_fit(X, y, classes=classes, sample_weight=sample_weight)
    return model


# -- on the client -------------------------------------------------------------------


def round_schedule(estimator, round_index, stopping):
    """Parameters that make round r's epoch use the learning rate of epoch r of ``fit``.

    The epoch-based schedules count epochs within a call, and each round is a new call;
    the rate they would have in epoch r is constant over that epoch (exponential, step,
    adaptive), so the round gets it as a constant rate. Cosine annealing changes the rate
    every step: a gradient-descent round takes one step and gets its rate exactly; a
    mixing round gets the rate of its first step.
    """
    rate = _schedules.epoch_rate(estimator, round_index, estimator.max_iter, stopping)
    return {} if rate is None else {"learning_rate": "constant", "eta0": rate}


def round_seed(base, round_index, shard):
    """A shuffling seed per round and shard, fixed by the estimator's random_state."""
    return int(np.random.SeedSequence([base, round_index, shard]).generate_state(1)[0] % _MAX_SEED)


class Cluster:
    """The client, and how tasks are pinned to workers and awaited."""

    def __init__(self, client, timeout):
        self.client = client
        self.timeout = timeout

    def submit(self, function, *args, worker, key):
        return self.client.submit(function, *args, workers=[worker], allow_other_workers=True,
                                  pure=False, key=key)

    def put(self, model, key):
        """The model as a task of its own, on the cluster.

        Dependent tasks fetch it from the worker that ran it, and if that worker dies the
        scheduler runs the task again. (A scattered model would be lost with its workers,
        and a broadcast to a worker that just died stalls for the connect timeouts.)
        """
        size = len(pickle.dumps(model, protocol=5))
        threshold = max(parse_bytes(dask.config.get(_LARGE_GRAPH)), 2 * size)
        with dask.config.set({_LARGE_GRAPH: threshold}):  # a model, not data: it must travel
            return self.client.submit(the_model, model, pure=False, key=key)

    def gather(self, futures, what):
        """Results of futures, or a clear error: never a hang past the timeout."""
        try:
            wait(futures, timeout=self.timeout)
        except TimeoutError as exc:
            raise TimeoutError(
                f"sgdlearn.dask: {what} did not finish within timeout={self.timeout} s; "
                "check the workers (client.dashboard_link) or raise timeout"
            ) from exc
        try:
            return self.client.gather(futures)
        except KilledWorker as exc:
            raise RuntimeError(
                f"sgdlearn.dask: {what} failed: the workers running it died repeatedly "
                f"({exc}); the cluster may be short of memory"
            ) from exc


def fit_mixing(cluster, model, shards, owners, rows, n_features, settings):
    """Strategies "mix" and "gradient": rounds of one epoch per shard, then the mix.

    Returns the final local estimator and the number of rounds.
    """
    active = [k for k, n in enumerate(rows) if n > 0]
    stopping = settings["stopping"]
    same_step = settings["strategy"] == "gradient"
    n_rounds = 0
    for r in range(settings["max_iter"]):
        params = round_schedule(model, r, stopping)
        started = time.perf_counter()
        models = _run_round(cluster, model, shards, owners, active, n_features, params,
                            settings, r)
        model = _mixing.mix(model, models, [rows[k] for k in active], same_step=same_step)
        n_rounds = r + 1
        if _report_and_stop(settings, f"Round {n_rounds}", model.loss_curve_[-1], started):
            break
    return model, n_rounds


def _report_and_stop(settings, what, objective, started):
    """Prints a round's or pass's line when verbose; True when training should stop."""
    if settings["verbose"]:
        print(f"-- {what}\nAvg. objective: {objective:.6f}, "
              f"time: {time.perf_counter() - started:.2f} s")
    return not np.isfinite(objective) or settings["stopping"].says_stop(objective)


def _run_round(cluster, model, shards, owners, active, n_features, params, settings, r):
    """The workers' models after one epoch each from ``model``; tried again on lost workers."""
    for attempt in range(1, _ROUND_ATTEMPTS + 1):
        start = None
        try:
            start = cluster.put(model, f"sgdlearn-model-{r}-{settings['token']}-{attempt}")
            futures = [
                cluster.submit(
                    train_epoch, start, shards[k], n_features,
                    {**params, "random_state": round_seed(settings["seed"], r, k)},
                    worker=owners[k],
                    key=f"sgdlearn-round-{r}-shard-{k}-{settings['token']}-{attempt}",
                )
                for k in active
            ]
            return cluster.gather(futures, f"round {r + 1}")
        except TimeoutError:
            raise  # an OSError too, but not a lost worker
        except _CLUSTER_FAILURES as exc:
            if attempt == _ROUND_ATTEMPTS:
                raise RuntimeError(
                    f"sgdlearn.dask: round {r + 1} failed twice because workers were lost "
                    f"({type(exc).__name__}: {exc})"
                ) from exc
            cluster.client.wait_for_workers(1, timeout=cluster.timeout)
        finally:
            if start is not None:
                start.release()


def fit_relay(cluster, model, blocks, owners, rows, n_features, settings):
    """Strategy "relay": the model goes from block to block, in order, for each pass.

    Every step is the local ``partial_fit`` on one block, so the result equals local
    ``partial_fit`` calls over the blocks (an epoch-based schedule at the pass's rate, as
    ``fit_stream`` gives it). The model moves between workers through the
    scheduler; only its final state (and each pass's objectives) comes to the client.
    """
    active = [i for i, n in enumerate(rows) if n > 0]
    current = cluster.put(model, f"sgdlearn-model-{settings['token']}")
    scheduled = model  # the passes' models come back with a pass's constant rate set
    n_passes = 0
    for p in range(settings["max_iter"]):
        params = round_schedule(scheduled, p, settings["stopping"])
        started = time.perf_counter()
        for i in active:
            current = cluster.submit(
                train_epoch, current, blocks[i], n_features, params,
                worker=owners[i],
                key=f"sgdlearn-relay-{p}-block-{i}-{settings['token']}",
            )
        try:
            model = cluster.gather([current], f"pass {p + 1}")[0]
        except TimeoutError:
            raise
        except _CLUSTER_FAILURES as exc:
            raise RuntimeError(
                f"sgdlearn.dask: pass {p + 1} failed because workers were lost "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        n_passes = p + 1
        recent = np.asarray(model.loss_curve_[len(model.loss_curve_) - len(active):])
        objective = float(np.sum(recent * np.asarray([rows[i] for i in active])) / sum(rows))
        if _report_and_stop(settings, f"Pass {n_passes}", objective, started):
            break
    return model, n_passes

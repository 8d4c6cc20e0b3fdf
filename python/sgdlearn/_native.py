# SPDX-License-Identifier: BSD-3-Clause
"""The one place that imports the compiled core: option tables and thin wrappers.

Every other module reaches ``sgdlearn._core`` through here. String options map to
the core's enums in the module-level tables below, and training arrays are made the
exact dtype and layout the core reads without copying.
"""

import os
import sys

import numpy as np
import scipy.sparse as sp

from sgdlearn import _core

DivergenceError = _core.DivergenceError
GradientBuffers = _core.GradientBuffers

LOSS_TYPES = {name: getattr(_core.LossKind, name) for name in _core.LossKind.__members__}
PENALTY_TYPES = {
    None: _core.PenaltyKind.none,
    "l2": _core.PenaltyKind.l2,
    "l1": _core.PenaltyKind.l1,
    "elasticnet": _core.PenaltyKind.elasticnet,
}
LEARNING_RATE_TYPES = {
    name: getattr(_core.LearningRateKind, name) for name in _core.LearningRateKind.__members__
}
OPTIMIZER_TYPES = {
    name: getattr(_core.OptimizerKind, name) for name in _core.OptimizerKind.__members__
}
_SCHEDULE_OPTIONS = ("eta0", "power_t", "gamma", "step_size", "eta_min", "warmup_steps")
_OPTIMIZER_OPTIONS = ("momentum", "beta_1", "beta_2", "rho", "eps", "ftrl_beta", "first_step")


def state_slots(optimizer):
    """How many state arrays (per weight, per intercept) the optimizer keeps."""
    return _core.state_slots(OPTIMIZER_TYPES[optimizer])

_INT32_MAX = np.iinfo(np.int32).max


def as_core_matrix(X):
    """Return X as the core reads it: C-contiguous ndarray, or CSR with int32 indices."""
    if sp.issparse(X):
        if X.indices.dtype != np.int32 or X.indptr.dtype != np.int32:
            if X.nnz > _INT32_MAX:
                raise ValueError(
                    f"sparse X has {X.nnz} stored values; at most {_INT32_MAX} are supported "
                    "in one call: split it and use partial_fit"
                )
            X = sp.csr_matrix(
                (X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)), shape=X.shape
            )
        return X
    return np.ascontiguousarray(X)


# Label dtypes the core's class_positions reads.
_CORE_LABEL_DTYPES = tuple(np.dtype(t) for t in (np.int64, np.float64, np.int32, np.float32))


def all_finite(values):
    """Whether every value of a float32 or float64 array is finite: one pass in the core,
    where numpy's isfinite and all take two calls and a temporary (a 100-row partial_fit
    batch among other work: 4.2 against 5.4 us, mostly the first read of its values)."""
    if values.flags.c_contiguous:
        return _core.all_finite(values)
    return bool(np.isfinite(values).all())


def class_positions(labels, classes):
    """(positions, first_unknown): each of the 1-d labels' position in `classes` (sorted,
    distinct) as int32, as searchsorted finds it, and the index of the first label that
    is none of the classes (-1 if none is; the positions mean nothing then). One pass in
    the core for labels and classes of one numeric dtype; numpy's way takes five calls
    (100 labels among other work: 2.7 against 6.8 us)."""
    if (labels.dtype == classes.dtype and labels.dtype in _CORE_LABEL_DTYPES
            and labels.flags.c_contiguous and classes.flags.c_contiguous):
        return _core.class_positions(labels, classes)
    positions = classes.searchsorted(labels)
    unknown = np.flatnonzero(classes.take(positions, mode="clip") != labels)
    return positions.astype(np.int32), int(unknown[0]) if unknown.size else -1


def make_config(**options):
    """A TrainerConfig from keyword options; string options are looked up in the tables.

    Schedule options (learning_rate, eta0, ...) and optimizer options (optimizer,
    momentum, ...) go to the config's nested parts.
    """
    config = _core.TrainerConfig()
    config.loss = LOSS_TYPES[options.pop("loss")]
    config.penalty = PENALTY_TYPES[options.pop("penalty")]
    schedule, optimizer = config.schedule, config.optimizer
    schedule.kind = LEARNING_RATE_TYPES[options.pop("learning_rate")]
    optimizer.kind = OPTIMIZER_TYPES[options.pop("optimizer", "sgd")]
    for name in _SCHEDULE_OPTIONS:
        if name in options:
            setattr(schedule, name, options.pop(name))
    for name in _OPTIMIZER_OPTIONS:
        if name in options:
            setattr(optimizer, name, options.pop(name))
    config.schedule, config.optimizer = schedule, optimizer
    for name, value in options.items():
        setattr(config, name, value)
    problem = config.check()
    if problem:
        raise ValueError(problem)
    return config


def fit_outputs(config, X, targets, *, positive_class, weight_positive, weight_negative,
                seeds, sample_weight, validation, coef, intercept, average_coef=None,
                average_intercept=None, l1_q=None, l1_u=None, slots=None, weight_norms=None,
                coef_scale=None, average_factors=None, average_counts=None, t=1.0,
                gradient_buffers=None):
    """Train the outputs' models in place (GIL released); one history dict per output.

    With ``coef_scale`` (float64, one per output) the weights are ``coef_scale * coef``
    before and after the call: training may leave a factor there instead of touching
    every feature to fold it in. ``average_factors`` (float64, (a, b) per output, with
    ``coef_scale``) does the same for averaged SGD: the average is
    ``(average_coef + a * coef) / b``, ``coef`` before its scale. ``average_counts``
    (float64, one per output, required with averaging) counts the iterates in each
    output's average, 0 before it begins (the average arrays are then ignored): not
    ``t - average`` where an output skipped steps (held-out rows, an early stop).
    ``gradient_buffers``
    (a ``GradientBuffers``) keeps the mini-batch trainer's gradient sums between calls,
    which spares a small call their O(n_features) allocation.
    """
    return _core.fit_outputs(
        config,
        X,
        targets,
        np.ascontiguousarray(positive_class, dtype=np.int32),
        np.ascontiguousarray(weight_positive, dtype=np.float64),
        np.ascontiguousarray(weight_negative, dtype=np.float64),
        np.ascontiguousarray(seeds, dtype=np.uint64),
        None if sample_weight is None else np.ascontiguousarray(sample_weight, np.float64),
        None if validation is None else np.ascontiguousarray(validation, dtype=np.uint8),
        coef,
        intercept,
        average_coef,
        average_intercept,
        l1_q,
        l1_u,
        slots,
        weight_norms,
        coef_scale,
        average_factors,
        average_counts,
        float(t),
        gradient_buffers,
    )


def decision_scores(X, coef, intercept, n_threads, scale=None):
    """X coef.T * scale + intercept for core-ready X (see as_core_matrix), rows in
    parallel; ``scale`` (float64, one per output) is the factor training left on coef."""
    return _core.decision_scores(X, coef, intercept, scale, int(n_threads))


def thread_count(n_jobs):
    """Threads for ``n_jobs`` by scikit-learn's convention: None is 1, -1 all cores.

    "All cores" are those left to this caller, so that sgdlearn called from parallel
    work never oversubscribes: OpenMP's limit (OMP_NUM_THREADS, which joblib's worker
    processes and threadpoolctl set) and, in a Dask worker, its share of the machine.
    An explicit positive count is taken as given.
    """
    if n_jobs is None:
        return 1
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None (1 thread) or -1 (all cores)")
    if n_jobs > 0:
        return int(n_jobs)
    available = min(os.cpu_count() or 1, _core.max_threads())
    available //= _dask_worker_threads()
    return max(1, available + 1 + int(n_jobs))


def _dask_worker_threads():
    """How many tasks the Dask worker running this code runs at once (1 outside one)."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return 1
    try:
        worker = distributed.get_worker()
    except ValueError:
        return 1
    return max(1, int(worker.state.nthreads))


# The readers (sgdlearn.io): options, whole-file loads, the background chunk stream.
ReaderParseError = _core.ReaderParseError
reader_options = _core.reader_options
load_text = _core.load_text
scan_text = _core.scan_text
ChunkReader = _core.ChunkReader
vw_hash = _core.vw_hash

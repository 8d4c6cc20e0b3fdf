# SPDX-License-Identifier: BSD-3-Clause
"""Combining the models that workers trained from the same start: iterative parameter mixing.

Every worker starts a round from the same model and trains one epoch on its own shard.
The round's result is their average, weighted by the examples each one saw (McDonald,
Hall and Mann 2010; Zinkevich, Weimer, Smola and Li 2010), array by array:

- weights, intercepts, the cumulative L1 penalty (u, q) and momentum: the example-weighted
  mean;
- with an adaptive optimizer (adagrad, rmsprop, adam, adamw, ftrl), each coordinate (and its
  optimizer state) is weighted by the squared gradients it has accumulated on each worker,
  as Vowpal Wabbit's AllReduce does (``accumulate_weighted_avg``): the worker that saw a
  feature most has the most to say about it, and one that never did, nothing;
- the step counter ``t_`` advances by the steps of all workers together, so the learning
  rate decays with the examples the model as a whole has learned from (advancing it by one
  worker's steps cost about 3 points of accuracy when this was planned with scikit-learn);
- the averaged-SGD weights are the mean of every iterate of every worker, counted as if the
  workers' steps had been taken one after another.

When every worker took the same single step (``same_step=True``: a gradient-descent step
from the same weights), the example-weighted mean of an update that is affine in the
gradient is that update with the mean gradient: exactly single-machine gradient descent.
"""

import copy

import numpy as np

# The state slot holding each coordinate's accumulated squared gradients, per optimizer
# (slots 0 and 1 are per weight; 2 and 3 the matching per-intercept ones).
_SQUARED_GRADIENT_SLOT = {"adagrad": 0, "rmsprop": 0, "adam": 1, "adamw": 1, "ftrl": 1}
# How the workers' history entries of a round combine into one.
_HISTORY_COMBINE = {
    "objective": "weighted",
    "validation_score": "weighted",
    "learning_rate": "weighted",
    "seconds": "max",
    "coordinate_updates": "sum",
}


def mix(start, models, n_examples, same_step=False):
    """The model a round ends with, from the model it started with and the workers' models.

    Parameters
    ----------
    start : SGDClassifier or SGDRegressor
        The local estimator every worker started the round from.
    models : list of SGDClassifier or SGDRegressor
        The workers' models, in shard order (the order fixes the rounding: a run is
        bit-identical to a run with the same shards).
    n_examples : list of int
        The examples each worker trained on.
    same_step : bool, default=False
        True when every worker took the same single gradient step (strategy "gradient").

    Returns
    -------
    SGDClassifier or SGDRegressor
        A new local estimator holding the combined training state.
    """
    for model in (start, *models):
        model._settle_factors()  # mixing adds up the stored weights
    share = np.asarray(n_examples, dtype=np.float64)
    share = share / share.sum()
    mixed = copy.deepcopy(models[0])
    mixed.set_params(**start.get_params(deep=False))  # workers ran with a round's seed and rate
    coef_weights, intercept_weights = _coordinate_weights(start, models, share, same_step)

    def combine(name, weights):
        arrays = [getattr(m, name) for m in models]
        if arrays[0] is None:
            return None
        return _weighted_sum(arrays, weights).astype(arrays[0].dtype, copy=False)

    mixed._standard_coef = combine("_standard_coef", coef_weights)
    mixed._standard_intercept = combine("_standard_intercept", intercept_weights)
    slot_weights = (coef_weights, coef_weights, intercept_weights, intercept_weights)
    mixed._optimizer_state = tuple(
        None if models[0]._optimizer_state[slot] is None
        else _weighted_sum([m._optimizer_state[slot] for m in models], slot_weights[slot])
        .astype(models[0]._optimizer_state[slot].dtype, copy=False)
        for slot in range(4)
    )
    mixed._l1_u = combine("_l1_u", share)
    mixed._l1_q = combine("_l1_q", share)

    steps = [m.t_ - start.t_ for m in models]
    mixed.t_ = start.t_ + (steps[0] if same_step else float(sum(steps)))
    if start.average:
        if same_step:
            mixed._average_coef = combine("_average_coef", share)
            mixed._average_intercept = combine("_average_intercept", share)
        else:
            _mix_averages(mixed, start, models)
        mixed._average_counts = mixed._average_counts_from_t()  # as _mix_averages counts
    _append_history(mixed, start, models, share)
    mixed._set_public_coef()
    return mixed


def _coordinate_weights(start, models, share, same_step):
    """Weights of each worker for every weight and every intercept: (K, ...) arrays."""
    by_examples = share.reshape(-1, 1, 1), share.reshape(-1, 1)
    slot = _SQUARED_GRADIENT_SLOT.get(start.optimizer)
    if same_step or slot is None:
        return by_examples
    weights = []
    for coef_slot, fallback in ((slot, by_examples[0]), (slot + 2, by_examples[1])):
        squared = np.stack([np.asarray(m._optimizer_state[coef_slot], np.float64) for m in models])
        total = squared.sum(axis=0)
        seen = total > 0
        # A coordinate no worker has a gradient for keeps the example weights.
        weights.append(np.where(seen, squared / np.where(seen, total, 1.0), fallback))
    return tuple(weights)


def _weighted_sum(arrays, weights):
    """sum_k weights[k] * arrays[k], in float64, added in worker order."""
    total = np.zeros(np.shape(arrays[0]), dtype=np.float64)
    for k, array in enumerate(arrays):
        total += weights[k] * np.asarray(array, dtype=np.float64)
    return total


def _mix_averages(mixed, start, models):
    """Averaged SGD: the mean of all the workers' iterates and of those before the round.

    A worker's average after the round is (A0 c0 + S_k) / (c0 + m_k): A0 the average of the
    c0 iterates before the round, S_k the sum of the m_k iterates it averaged. The mixed
    average is (A0 c0 + sum_k S_k) / (c0 + sum_k m_k).
    """
    first = float(start.average)  # the step averaging starts at (True is 1)
    c0 = max(0.0, start.t_ - first)
    counts = [max(0.0, m.t_ - max(start.t_, first)) for m in models]
    total = c0 + sum(counts)
    for name, standard in (("_average_coef", "_standard_coef"),
                           ("_average_intercept", "_standard_intercept")):
        dtype = getattr(start, name).dtype
        if sum(counts) == 0:
            if first <= mixed.t_ - 1:
                # The workers' steps together reach the averaging start, none alone did:
                # the average begins with the mixed weights.
                setattr(mixed, name, getattr(mixed, standard).copy())
            else:
                setattr(mixed, name, getattr(start, name).copy())
            continue
        before = np.asarray(getattr(start, name), dtype=np.float64) * c0
        sums = [np.asarray(getattr(m, name), dtype=np.float64) * (c0 + n) - before
                for m, n in zip(models, counts)]
        setattr(mixed, name, ((before + sum(sums)) / total).astype(dtype, copy=False))


def _append_history(mixed, start, models, share):
    """One entry per round in loss_curve_ and history_: the workers' epochs combined."""
    entries = {}
    for key, how in _HISTORY_COMBINE.items():
        values = np.array([m.history_[key][-1] for m in models], dtype=np.float64)
        if how == "weighted":
            entries[key] = float(np.sum(share * values))
        elif how == "max":
            entries[key] = float(values.max())
        else:
            entries[key] = float(values.sum())
    mixed.history_ = {key: list(start.history_[key]) + [entries[key]] for key in start.history_}
    mixed.loss_curve_ = list(start.loss_curve_) + [entries["objective"]]

# SPDX-License-Identifier: BSD-3-Clause
"""The rate an epoch-based schedule gives a whole epoch, for training that runs each
epoch as calls of its own: fit_stream's passes (a partial_fit call per chunk) and the
Dask strategies' rounds and passes. The core counts epochs within one call, so each of
those calls would start the schedule again; these callers hand it the epoch's rate as a
constant instead."""

import math

# The schedules of the epochs (the core's Schedule::begin_epoch; cosine also steps
# within one), against those of the step count t_, which goes on across calls.
EPOCH_SCHEDULES = ("exponential", "step", "cosine")


def epoch_rate(estimator, epoch, n_epochs):
    """The rate of epoch `epoch` (from 0) of `n_epochs` planned under the estimator's
    epoch-based schedule, held over the whole epoch (cosine: its rate at the epoch's
    start, as torch's CosineAnnealingLR stepped once an epoch); None for the others."""
    kind, eta0 = estimator.learning_rate, estimator.eta0
    if kind == "exponential":
        return eta0 * estimator.gamma ** epoch
    if kind == "step":
        return eta0 * estimator.gamma ** (epoch // max(1, estimator.step_size))
    if kind == "cosine":
        fraction = min(epoch, n_epochs) / max(1, n_epochs)
        eta_min = estimator.eta_min
        return eta_min + (eta0 - eta_min) * (1 + math.cos(math.pi * fraction)) / 2
    return None

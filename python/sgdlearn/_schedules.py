# SPDX-License-Identifier: BSD-3-Clause
"""Schedules and stopping across calls, for training that runs each epoch as calls of
its own: fit_stream's passes (a partial_fit call per chunk) and the Dask strategies'
rounds and passes. The core counts epochs, and applies its stopping rule, within one
call, so each of those calls would start the schedule again; these callers hand it the
epoch's rate as a constant instead, and apply the rule to their epochs themselves."""

import math

# The schedules of the epochs (the core's Schedule::begin_epoch; cosine also steps
# within one), against those of the step count t_, which goes on across calls.
EPOCH_SCHEDULES = ("exponential", "step", "cosine")


def epoch_rate(estimator, epoch, n_epochs, stopping=None):
    """The rate of epoch `epoch` (from 0) of `n_epochs` planned under the estimator's
    epoch-based schedule, held over the whole epoch (cosine: its rate at the epoch's
    start, as torch's CosineAnnealingLR stepped once an epoch); "adaptive": the rate
    `stopping` (a Stopping over the epochs so far) has come to; None for the others."""
    kind, eta0 = estimator.learning_rate, estimator.eta0
    if kind == "adaptive":
        return None if stopping is None else stopping.eta
    if kind == "exponential":
        return eta0 * estimator.gamma ** epoch
    if kind == "step":
        return eta0 * estimator.gamma ** (epoch // max(1, estimator.step_size))
    if kind == "cosine":
        fraction = min(epoch, n_epochs) / max(1, n_epochs)
        eta_min = estimator.eta_min
        return eta_min + (eta0 - eta_min) * (1 + math.cos(math.pi * fraction)) / 2
    return None


class Stopping:
    """The core's stopping rule, applied to the objective of each epoch of many calls.

    scikit-learn's rule: count epochs whose objective did not improve on the best by tol;
    after n_iter_no_change of them stop, or, with the adaptive schedule, divide the
    learning rate by 5 and go on while it is above 1e-6.
    """

    def __init__(self, tol, n_iter_no_change, adaptive_eta0=None):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.eta = adaptive_eta0
        self.best = math.inf
        self.no_improvement = 0

    def says_stop(self, objective):
        if self.tol is None:
            return False
        stalled = objective > self.best - self.tol
        self.no_improvement = self.no_improvement + 1 if stalled else 0
        self.best = min(self.best, objective)
        if self.no_improvement < self.n_iter_no_change:
            return False
        if self.eta is not None and self.eta > 1e-6:
            self.eta /= 5.0
            self.no_improvement = 0
            return False
        return True

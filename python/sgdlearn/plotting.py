# SPDX-License-Identifier: BSD-3-Clause
"""Plots of what an estimator recorded while it trained (matplotlib, the ``plot`` extra)."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

# What history_ records per epoch, and how an axis names it.
_Y_LABELS = {
    "objective": "objective (mean loss + penalty)",
    "learning_rate": "learning rate",
    "validation_score": "validation score",
    "seconds": "seconds per epoch",
    "coordinate_updates": "coordinate updates per epoch",
}
_X_LABELS = {"epoch": "epoch", "seconds": "training time (s)"}
# Parameters that tell gradient methods apart, in the order a default label shows them.
_LABEL_PARAMS = (
    "optimizer", "batch_size", "learning_rate", "eta0", "average", "warmup_steps", "clip_norm",
)


def plot_history(estimators, ax=None, *, key="objective", x="epoch", labels=None):
    """Draw the per-epoch history of one or several fitted estimators.

    One line per estimator: ``history_[key]`` (``loss_curve_`` for the objective)
    against the epoch number or the cumulative training time the core measured.

    Parameters
    ----------
    estimators : estimator or list of estimators
        Fitted ``SGDClassifier`` / ``SGDRegressor`` (anything with ``history_``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    key : {"objective", "learning_rate", "validation_score", "seconds", \
            "coordinate_updates"}, default="objective"
        Which record of ``history_`` to draw.
    x : {"epoch", "seconds"}, default="epoch"
        The horizontal axis: epochs from 1, or the training seconds summed over epochs.
    labels : list of str, default=None
        One legend entry per estimator; by default the parameters that differ from
        the estimator's defaults among optimizer, batch_size, learning_rate, eta0, ...

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sgdlearn import SGDRegressor, plot_history
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(500, 5)
    >>> y = X @ rng.randn(5)
    >>> models = [SGDRegressor(batch_size=b, max_iter=10, tol=None, random_state=0).fit(X, y)
    ...           for b in (1, None)]
    >>> ax = plot_history(models)
    >>> ax.get_legend_handles_labels()[1]
    ['SGDRegressor', 'batch_size=None']
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            'plot_history needs matplotlib: pip install "sgdlearn[plot]"'
        ) from error
    if key not in _Y_LABELS:
        raise ValueError(f"key must be one of {sorted(_Y_LABELS)}, got {key!r}")
    if x not in _X_LABELS:
        raise ValueError(f"x must be one of {sorted(_X_LABELS)}, got {x!r}")
    if not isinstance(estimators, (list, tuple)):
        estimators = [estimators]
    if labels is not None and len(labels) != len(estimators):
        raise ValueError(f"{len(labels)} labels given for {len(estimators)} estimators")
    for estimator in estimators:
        check_is_fitted(estimator, "history_")

    if ax is None:
        _, ax = plt.subplots()
    for i, estimator in enumerate(estimators):
        history = estimator.history_
        values = np.asarray(history[key], dtype=float)
        if x == "epoch":
            positions = np.arange(1, len(values) + 1)
        else:
            positions = np.cumsum(history["seconds"])
        label = labels[i] if labels is not None else _describe(estimator)
        ax.plot(positions, values, label=label)
    ax.set_xlabel(_X_LABELS[x])
    ax.set_ylabel(_Y_LABELS[key])
    if len(estimators) > 1 or labels is not None:
        ax.legend()
    return ax


def _describe(estimator):
    """The gradient-method parameters set away from their defaults, or the class name."""
    params = estimator.get_params(deep=False)
    defaults = type(estimator)().get_params(deep=False)
    changed = [
        f"{name}={params[name]}"
        for name in _LABEL_PARAMS
        if name in params and params[name] != defaults.get(name)
    ]
    return ", ".join(changed) if changed else type(estimator).__name__

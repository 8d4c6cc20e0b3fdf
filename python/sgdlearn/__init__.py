# SPDX-License-Identifier: BSD-3-Clause
"""sgdlearn: linear models trained by stochastic gradient methods, on a fast C++ core."""

from sgdlearn import io
from sgdlearn._model_file import ModelFileError, load
from sgdlearn._native import DivergenceError
from sgdlearn._sgd import SGDClassifier, SGDRegressor
from sgdlearn.plotting import plot_history

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "ModelFileError",
    "SGDClassifier",
    "SGDRegressor",
    "__version__",
    "io",
    "load",
    "plot_history",
]

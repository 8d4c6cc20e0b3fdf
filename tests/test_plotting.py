# SPDX-License-Identifier: BSD-3-Clause
"""plot_history draws exactly what the estimators recorded."""

import doctest
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import sgdlearn
import sgdlearn.plotting
from sgdlearn import SGDClassifier, SGDRegressor, plot_history

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the display-free backend)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def regression():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 4)
    return X, X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1 * rng.randn(300)


def _fitted(X, y, **params):
    return SGDRegressor(max_iter=8, tol=None, random_state=0, **params).fit(X, y)


def test_one_line_per_estimator_with_the_recorded_values(regression):
    X, y = regression
    models = [_fitted(X, y), _fitted(X, y, optimizer="adam", learning_rate="constant",
                                     eta0=0.05, batch_size=16)]
    ax = plot_history(models)
    assert len(ax.lines) == 2
    for line, model in zip(ax.lines, models):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 9))
        np.testing.assert_array_equal(line.get_ydata(), model.loss_curve_)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == [
        "SGDRegressor", "optimizer=adam, batch_size=16, learning_rate=constant, eta0=0.05"
    ]


def test_partial_fit_epochs_are_appended(regression):
    X, y = regression
    model = SGDRegressor(random_state=0)
    for _ in range(3):
        model.partial_fit(X, y)
    ax = plot_history(model)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), model.loss_curve_)
    assert ax.get_legend() is None


def test_time_axis_is_cumulative_core_seconds_and_other_keys(regression):
    X, y = regression
    model = _fitted(X, y, learning_rate="exponential", gamma=0.5, eta0=0.01)
    _, ax = plt.subplots()
    assert plot_history(model, ax=ax, key="learning_rate", x="seconds", labels=["exp"]) is ax
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.cumsum(model.history_["seconds"]))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 0.01 * 0.5 ** np.arange(8))
    assert ax.get_xlabel() == "training time (s)"
    assert ax.get_ylabel() == "learning rate"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["exp"]


def test_one_vs_rest_classifier_objective_is_the_summed_curve():
    rng = np.random.RandomState(1)
    X = rng.randn(200, 3)
    y = np.digitize(X[:, 0] + 0.3 * X[:, 1], [-0.5, 0.5])
    model = SGDClassifier(max_iter=5, tol=None, random_state=0).fit(X, y)
    ax = plot_history(model)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), model.loss_curve_)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"key": "loss"}, "key must be one of"),
        ({"x": "step"}, "x must be one of"),
        ({"labels": ["a", "b"]}, "2 labels given for 1 estimators"),
    ],
)
def test_bad_arguments_are_value_errors(regression, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_history(_fitted(*regression), **kwargs)


def test_unfitted_estimator_is_not_fitted_error():
    with pytest.raises(NotFittedError):
        plot_history(SGDRegressor())


def test_missing_matplotlib_names_the_plot_extra(regression, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "sgdlearn\[plot\]"'):
        plot_history(_fitted(*regression))


def test_exported_and_docstring_example_runs():
    assert "plot_history" in sgdlearn.__all__
    result = doctest.testmod(sgdlearn.plotting, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0

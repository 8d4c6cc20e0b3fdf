# SPDX-License-Identifier: BSD-3-Clause
"""Same parameters, same data, shuffle=False: the same model as scikit-learn's SGD."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

import sgdlearn

CLASSIFICATION_LOSSES = [
    "hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron",
    "squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive",
]
REGRESSION_LOSSES = ["squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive"]
PENALTIES = [None, "l2", "l1", "elasticnet"]


def _cases(losses, default_rate, pa_loss):
    cases = []
    for loss in losses:
        for penalty in PENALTIES:
            cases.append(dict(loss=loss, penalty=penalty, learning_rate=default_rate))
        for rate in ["constant", "optimal", "invscaling", "adaptive"]:
            cases.append(dict(loss=loss, penalty="elasticnet", learning_rate=rate, eta0=0.005))
        for average in [True, 37]:
            cases.append(dict(loss=loss, learning_rate=default_rate, average=average))
    for rate in ["pa1", "pa2"]:
        cases.append(dict(loss=pa_loss, learning_rate=rate, eta0=0.1))
        cases.append(dict(loss=pa_loss, learning_rate=rate, eta0=0.1, average=True))
    return cases


def _relative_difference(ours, theirs):
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    return np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-300)


def assert_same_model(ours, theirs, rtol=1e-6):
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    assert ours.coef_.shape == theirs.coef_.shape
    assert _relative_difference(ours.coef_, theirs.coef_) < rtol
    assert _relative_difference(ours.intercept_, theirs.intercept_) < rtol


def _fit_both(ours_class, theirs_class, X, y, params, **fit_kw):
    ours = ours_class(shuffle=False, **params)
    theirs = theirs_class(shuffle=False, **params)
    with pytest.warns() if False else _no_convergence_noise():
        ours.fit(X, y, **fit_kw)
        theirs.fit(X, y, **fit_kw)
    return ours, theirs


class _no_convergence_noise:
    """Both estimators warn alike when max_iter runs out; that is not under test here."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", ConvergenceWarning)

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


@pytest.fixture(scope="module")
def binary_data():
    X, y = make_classification(300, 12, n_informative=6, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def multiclass_data():
    X, y = make_classification(300, 12, n_informative=6, n_classes=3, random_state=1)
    return X, y


@pytest.fixture(scope="module")
def regression_data():
    X, y = make_regression(300, 12, n_informative=6, noise=5.0, random_state=2)
    return X / 10, y / 100


@pytest.mark.parametrize("params", _cases(CLASSIFICATION_LOSSES, "optimal", "hinge"), ids=str)
def test_binary_classifier_parity(binary_data, params):
    X, y = binary_data
    assert_same_model(*_fit_both(sgdlearn.SGDClassifier, linear_model.SGDClassifier, X, y, params))


@pytest.mark.parametrize("params", _cases(CLASSIFICATION_LOSSES, "optimal", "hinge"), ids=str)
def test_multiclass_classifier_parity(multiclass_data, params):
    X, y = multiclass_data
    assert_same_model(*_fit_both(sgdlearn.SGDClassifier, linear_model.SGDClassifier, X, y, params))


@pytest.mark.parametrize(
    "params", _cases(REGRESSION_LOSSES, "invscaling", "epsilon_insensitive"), ids=str
)
def test_regressor_parity(regression_data, params):
    X, y = regression_data
    assert_same_model(*_fit_both(sgdlearn.SGDRegressor, linear_model.SGDRegressor, X, y, params))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_and_sample_weight_parity(n_classes):
    X, y = make_classification(200, 8, n_informative=5, n_classes=n_classes, random_state=3)
    sample_weight = np.random.RandomState(0).uniform(0.1, 3.0, size=len(y))
    class_weight = {c: 0.5 + c for c in range(n_classes)}
    for cw in (class_weight, "balanced"):
        params = dict(class_weight=cw, loss="log_loss", penalty="elasticnet")
        assert_same_model(*_fit_both(sgdlearn.SGDClassifier, linear_model.SGDClassifier, X, y,
                                     params, sample_weight=sample_weight))


def test_regressor_sample_weight_parity(regression_data):
    X, y = regression_data
    sample_weight = np.random.RandomState(1).uniform(0.0, 2.0, size=len(y))
    assert_same_model(*_fit_both(sgdlearn.SGDRegressor, linear_model.SGDRegressor, X, y,
                                 dict(loss="huber", average=10), sample_weight=sample_weight))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_early_stopping_parity(binary_data, regression_data, estimator, weighted):
    # The same held-out rows, scored with their sample weights: the same stopping epoch
    # and model as scikit-learn's, and the last score is the returned model's (its own
    # score method, weighted) on the rows scikit-learn's splitter holds out.
    from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

    if estimator == "classifier":
        (X, y), name, splitter = binary_data, "SGDClassifier", StratifiedShuffleSplit
    else:
        (X, y), name, splitter = regression_data, "SGDRegressor", ShuffleSplit
    params = dict(early_stopping=True, n_iter_no_change=3, tol=1e-2, max_iter=60,
                  random_state=0, learning_rate="constant", eta0=0.01)
    sample_weight = np.random.RandomState(0).uniform(0.1, 3.0, len(y)) if weighted else None
    ours, theirs = _fit_both(getattr(sgdlearn, name), getattr(linear_model, name), X, y,
                             params, sample_weight=sample_weight)
    assert 3 < ours.n_iter_ < 60
    assert_same_model(ours, theirs)
    held_out = next(splitter(test_size=0.1, random_state=0).split(np.zeros((len(y), 1)), y))[1]
    weights = None if sample_weight is None else sample_weight[held_out]
    assert ours.validation_scores_[-1] == pytest.approx(
        ours.score(X[held_out], y[held_out], sample_weight=weights), rel=1e-12)


def test_warm_start_and_init_parity(binary_data):
    X, y = binary_data
    rng = np.random.RandomState(4)
    coef_init, intercept_init = rng.randn(1, X.shape[1]), rng.randn(1)
    ours, theirs = _fit_both(sgdlearn.SGDClassifier, linear_model.SGDClassifier, X, y,
                             dict(max_iter=3, tol=None, warm_start=True),
                             coef_init=coef_init, intercept_init=intercept_init)
    assert_same_model(ours, theirs)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_same_model(ours, theirs)


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_partial_fit_parity(binary_data, regression_data, estimator):
    # Without an L1 part: scikit-learn restarts the cumulative L1 penalty at every call.
    # Averaging only for the regressor: scikit-learn's binary classifier loses its
    # non-averaged intercept between averaged partial_fit calls (sgdlearn keeps it).
    if estimator == "classifier":
        (X, y), ours, theirs = binary_data, sgdlearn.SGDClassifier(), linear_model.SGDClassifier()
        kw = dict(classes=np.unique(y))
    else:
        (X, y), ours, theirs = regression_data, sgdlearn.SGDRegressor(), linear_model.SGDRegressor()
        kw = {}
    for est in (ours, theirs):
        est.set_params(shuffle=False, average=50 if estimator == "regressor" else False)
    for start in range(0, len(y), 64):
        ours.partial_fit(X[start:start + 64], y[start:start + 64], **kw)
        theirs.partial_fit(X[start:start + 64], y[start:start + 64], **kw)
        assert_same_model(ours, theirs)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_sparse_parity(binary_data, penalty):
    # The default intercept_decay="auto" decays intercept steps by 0.01 on sparse input,
    # as scikit-learn does. With a fixed number of epochs the models agree (with tol the
    # stopping epoch may differ: scikit-learn's sparse objective uses a wrong norm).
    X, y = binary_data
    X = sp.csr_matrix(np.where(np.abs(X) > 0.8, X, 0.0))
    params = dict(penalty=penalty, tol=None, max_iter=7)
    ours = sgdlearn.SGDClassifier(shuffle=False, **params).fit(X, y)
    theirs = linear_model.SGDClassifier(shuffle=False, **params).fit(X, y)
    assert_same_model(ours, theirs)


@pytest.mark.parametrize(
    "params",
    [dict(loss="log_loss", learning_rate="constant", eta0=0.01),
     dict(loss="hinge", learning_rate="invscaling", eta0=0.05)],
    ids=str,
)
def test_float32_tracks_float64_closer_than_sklearn(binary_data, params):
    # float32 weights, float64 accumulation: the float32 model stays within float32
    # precision of the float64 one, closer than scikit-learn's float32 model does.
    X, y = binary_data
    params = dict(shuffle=False, tol=None, max_iter=10, **params)
    ours32 = sgdlearn.SGDClassifier(**params).fit(X.astype(np.float32), y)
    ours64 = sgdlearn.SGDClassifier(**params).fit(X, y)
    theirs32 = linear_model.SGDClassifier(**params).fit(X.astype(np.float32), y)
    assert ours32.coef_.dtype == np.float32
    ours_error = _relative_difference(ours32.coef_, ours64.coef_)
    assert ours_error < 1e-6
    assert ours_error < _relative_difference(theirs32.coef_, ours64.coef_)

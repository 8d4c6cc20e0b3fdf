# SPDX-License-Identifier: BSD-3-Clause
"""Behaviour of sgdlearn.SGDClassifier / SGDRegressor beyond scikit-learn parity."""

import itertools
import os
import pickle
import signal
import sys
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model
from sklearn.base import clone, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sgdlearn
from sgdlearn import DivergenceError, SGDClassifier, SGDRegressor


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(400, 15, n_informative=8, n_classes=3, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def sparse_binary():
    rng = np.random.RandomState(0)
    X = sp.random(500, 200, density=0.05, format="csr", random_state=rng)
    w = rng.randn(200)
    y = (X @ w + 0.1 * rng.randn(500) > 0).astype(int)
    return X, y


def test_pickle_round_trip_keeps_predictions_and_training_state(data):
    X, y = data
    clf = SGDClassifier(loss="log_loss", penalty="elasticnet", average=10, random_state=0)
    clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    # Training continues identically from the restored state.
    clf.partial_fit(X[:50], y[:50])
    restored.partial_fit(X[:50], y[:50])
    np.testing.assert_array_equal(restored.coef_, clf.coef_)
    np.testing.assert_array_equal(restored.intercept_, clf.intercept_)


def test_clone_pipeline_and_grid_search(data):
    X, y = data
    search = GridSearchCV(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        {"sgdclassifier__alpha": [1e-4, 1e-2], "sgdclassifier__loss": ["hinge", "log_loss"]},
        cv=3,
    )
    search.fit(X, y)
    assert search.best_score_ > 0.6
    fresh = clone(search.best_estimator_)
    assert not hasattr(fresh[-1], "coef_")


def test_partial_fit_in_chunks_equals_one_epoch_of_fit(data):
    # The whole training state (including the cumulative L1 penalty and the averaging
    # state) carries over between calls, so chunks add up to exactly one epoch.
    X, y = data
    params = dict(penalty="elasticnet", l1_ratio=0.5, average=100, shuffle=False,
                  learning_rate="invscaling", eta0=0.05)
    whole = SGDClassifier(max_iter=1, tol=None, **params).fit(X, y)
    chunked = SGDClassifier(**params)
    for start in range(0, len(y), 37):
        chunked.partial_fit(X[start:start + 37], y[start:start + 37], classes=np.unique(y))
    np.testing.assert_allclose(chunked.coef_, whole.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(chunked.intercept_, whole.intercept_, rtol=1e-12)
    assert chunked.t_ == whole.t_


@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
def test_averaged_weights_are_the_mean_of_the_iterates(data, penalty):
    # Oracle: learn one example per partial_fit call and average the iterates by hand.
    X, y = data
    X, y = X[:120], (y[:120] == 1).astype(int)
    params = dict(penalty=penalty, l1_ratio=0.5, alpha=1e-3, shuffle=False,
                  learning_rate="constant", eta0=0.05)
    averaged = SGDClassifier(average=1, max_iter=1, tol=None, **params).fit(X, y)
    plain = SGDClassifier(**params)
    coefs, intercepts = [], []
    for i in range(len(y)):
        plain.partial_fit(X[i:i + 1], y[i:i + 1], classes=[0, 1])
        coefs.append(plain.coef_.copy())
        intercepts.append(plain.intercept_.copy())
    np.testing.assert_allclose(averaged.coef_, np.mean(coefs, axis=0), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(averaged.intercept_, np.mean(intercepts, axis=0), rtol=1e-10)


def test_l1_state_kept_across_partial_fit_unlike_sklearn(data):
    # scikit-learn restarts the cumulative L1 penalty at every partial_fit call, so its
    # chunked L1 model drifts from its own one-epoch fit; sgdlearn's does not.
    X, y = data
    params = dict(penalty="l1", alpha=1e-3, shuffle=False, learning_rate="constant", eta0=0.01)
    chunks = range(0, len(y), 20)

    def gap(cls):
        whole = cls(max_iter=1, tol=None, **params).fit(X, y)
        chunked = cls(**params)
        for start in chunks:
            chunked.partial_fit(X[start:start + 20], y[start:start + 20], classes=np.unique(y))
        return np.max(np.abs(chunked.coef_ - whole.coef_))

    assert gap(SGDClassifier) < 1e-12
    assert gap(linear_model.SGDClassifier) > 1e-6


@pytest.mark.parametrize("penalty", [None, "l2"])
def test_sparse_input_trains_the_dense_model(sparse_binary, penalty):
    # With a fixed intercept_decay the storage of X does not change the model,
    # the objective (exact weight norms on sparse rows) or the stopping epoch. (An L1
    # part is applied to a weight when its feature is present, so there the stored
    # zeros of a dense X do count.)
    X, y = sparse_binary
    params = dict(penalty=penalty, alpha=1e-3, random_state=0, tol=1e-4, max_iter=200,
                  intercept_decay=1.0)
    on_sparse = SGDClassifier(**params).fit(X, y)
    on_dense = SGDClassifier(**params).fit(X.toarray(), y)
    assert on_sparse.n_iter_ == on_dense.n_iter_
    np.testing.assert_allclose(on_sparse.coef_, on_dense.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(on_sparse.loss_curve_, on_dense.loss_curve_, rtol=1e-9)


def test_loss_curve_starts_at_the_loss_of_the_zero_model(data):
    # A tiny constant step barely moves the weights: the first epoch's objective is the
    # hinge loss of w = 0, which is 1 for every example.
    X, y = data
    clf = SGDClassifier(learning_rate="constant", eta0=1e-9, penalty=None, max_iter=3,
                        tol=None).fit(X[y < 2], y[y < 2])
    assert len(clf.loss_curve_) == clf.n_iter_ == 3
    assert clf.loss_curve_[0] == pytest.approx(1.0, rel=1e-6)
    assert set(clf.history_) == {"objective", "validation_score", "learning_rate", "seconds",
                                 "coordinate_updates"}
    assert clf.history_["learning_rate"] == [1e-9] * 3


@pytest.mark.parametrize("loss", ["hinge", "log_loss"])
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_loss_curve_is_the_mean_objective_before_each_step(data, loss, penalty):
    # Oracle: the model before each step, from one-example partial_fit calls, and the
    # weighted loss plus penalty computed here: loss_curve_ averages them over the epoch.
    X, y = data
    X, y = X[:150], np.where(y[:150] == 1, 1, 0)
    sample_weight = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    params = dict(loss=loss, penalty=penalty, alpha=0.01, l1_ratio=0.4, shuffle=False,
                  learning_rate="constant", eta0=0.05)
    fitted = SGDClassifier(max_iter=1, tol=None, **params).fit(X, y, sample_weight=sample_weight)
    stepped = SGDClassifier(**params)
    l1_ratio = {"l2": 0.0, "l1": 1.0, "elasticnet": 0.4}[penalty]
    objectives = []
    coef, intercept = np.zeros(X.shape[1]), 0.0
    for i in range(len(y)):
        margin = (2 * y[i] - 1) * (X[i] @ coef + intercept)
        loss_value = max(0.0, 1.0 - margin) if loss == "hinge" else np.logaddexp(0.0, -margin)
        penalty_value = 0.01 * ((1 - l1_ratio) / 2 * coef @ coef + l1_ratio * np.abs(coef).sum())
        objectives.append(sample_weight[i] * loss_value + penalty_value)
        stepped.partial_fit(X[i:i + 1], y[i:i + 1], classes=[0, 1],
                            sample_weight=sample_weight[i:i + 1])
        coef, intercept = stepped.coef_.ravel().copy(), stepped.intercept_[0]
    np.testing.assert_allclose(stepped.coef_, fitted.coef_, rtol=1e-10, atol=1e-14)
    assert fitted.loss_curve_ == [pytest.approx(np.mean(objectives), rel=1e-10)]


def test_loss_curve_decreases_on_a_convex_problem():
    X, y = make_regression(500, 10, noise=1.0, random_state=0)
    reg = SGDRegressor(learning_rate="constant", eta0=0.001, max_iter=20, tol=None,
                       shuffle=False).fit(X / 10, y / 100)
    assert np.all(np.diff(reg.loss_curve_) < 0)


def test_early_stopping_scores_held_out_data(data):
    X, y = data
    clf = SGDClassifier(early_stopping=True, n_iter_no_change=3, max_iter=500, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_scores_) == clf.n_iter_
    assert all(0.0 <= s <= 1.0 for s in clf.validation_scores_)
    reg = SGDRegressor(early_stopping=True, random_state=0).fit(*make_regression(300, 5, random_state=0))
    assert len(reg.validation_scores_) == reg.n_iter_
    assert reg.validation_scores_[-1] > 0.9


def test_same_random_state_same_model_whatever_n_jobs(data):
    X, y = data
    models = [SGDClassifier(random_state=7, n_jobs=n).fit(X, y) for n in (1, 2, 1)]
    for model in models[1:]:
        np.testing.assert_array_equal(model.coef_, models[0].coef_)
    other = SGDClassifier(random_state=8).fit(X, y)
    assert not np.array_equal(other.coef_, models[0].coef_)


def test_unknown_label_in_partial_fit_is_an_error(data):
    X, y = data
    clf = SGDClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes"):
        clf.partial_fit(X[:3], [0, 7, 1])


def test_changed_dtype_or_width_in_partial_fit_is_an_error(data):
    X, y = data
    clf = SGDClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="same dtype"):
        clf.partial_fit(X.astype(np.float32), y)
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :5], y)


def test_divergence_names_the_epoch_and_suggests_a_smaller_rate():
    X, y = make_regression(200, 5, random_state=0)
    reg = SGDRegressor(learning_rate="constant", eta0=10.0, penalty=None, max_iter=5, tol=None)
    with pytest.raises(DivergenceError, match=r"epoch 1 .*smaller learning rate"):
        reg.fit(X * 1e150, y)
    assert issubclass(DivergenceError, ValueError)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_rejected(data, bad):
    X, y = data
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        SGDClassifier().fit(X, y)


@pytest.mark.parametrize("loss", ["log_loss", "modified_huber"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_proba_is_scikit_learns_for_the_same_model(data, loss, n_classes):
    # The oracle: scikit-learn's SGDClassifier holding our weights. Its modified_huber
    # estimates clip the scores to [-1, 1] (most are beyond here) and share a row whose
    # scores are all at or below -1 equally among the classes.
    from sklearn.linear_model import SGDClassifier as ScikitLearnSGD

    X, y = data
    X, y = X[y < n_classes], y[y < n_classes]
    ours = SGDClassifier(loss=loss, random_state=0).fit(X, y)
    twin = ScikitLearnSGD(loss=loss)
    for name in ("coef_", "intercept_", "classes_", "n_features_in_", "t_"):
        setattr(twin, name, getattr(ours, name))
    scores = ours.decision_function(X)
    assert np.mean(np.abs(scores) > 1) > 0.5
    rows = np.r_[np.arange(len(y)), np.flatnonzero(np.all(np.atleast_2d(scores.T).T <= -1, axis=1))]
    np.testing.assert_allclose(ours.predict_proba(X[rows]), twin.predict_proba(X[rows]),
                               rtol=1e-12, atol=1e-15)
    with np.errstate(divide="ignore"):  # both take the log of a probability of 0
        np.testing.assert_allclose(ours.predict_log_proba(X), twin.predict_log_proba(X),
                                   rtol=1e-12)


def test_predict_proba(data):
    X, y = data
    for loss in ("log_loss", "modified_huber"):
        proba = SGDClassifier(loss=loss, random_state=0).fit(X, y).predict_proba(X)
        assert proba.shape == (len(y), 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    binary = SGDClassifier(loss="log_loss", random_state=0).fit(X[y < 2], y[y < 2])
    p = binary.predict_proba(X[:5])[:, 1]
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-binary.decision_function(X[:5]))))
    assert not hasattr(SGDClassifier(loss="hinge"), "predict_proba")


def test_sparsify_densify(data):
    X, y = data
    clf = SGDClassifier(penalty="l1", alpha=0.01, random_state=0).fit(X, y)
    dense_prediction = clf.decision_function(X)
    clf.sparsify()
    assert sp.issparse(clf.coef_)
    np.testing.assert_allclose(clf.decision_function(X), dense_prediction)
    with pytest.raises(ValueError, match="densify"):
        clf.partial_fit(X, y)
    clf.densify()
    clf.partial_fit(X, y)


@pytest.mark.parametrize("seed", range(5))
def test_fit_predicts_with_the_weights_coef_shows(seed):
    # fit settles the L2 factor into the weights, as scikit-learn's fit does: scores are
    # the same to the last bit before and after reading coef_ (scores times a pending
    # factor round differently from scores of settled weights), on sparse rows (the
    # core) and dense ones (numpy), which scikit-learn's check_sparsify_coefficients needs.
    X, y = make_classification(200, 30, random_state=seed)
    for est in (SGDClassifier(random_state=seed), SGDRegressor(random_state=seed)):
        est.fit(sp.csr_matrix(X), y)
        score = est.predict if is_regressor(est) else est.decision_function
        before = [score(X), score(sp.csr_matrix(X))]
        est.coef_
        after = [score(X), score(sp.csr_matrix(X))]
        np.testing.assert_array_equal(after[0], before[0])
        np.testing.assert_array_equal(after[1], before[1])


@pytest.mark.parametrize("y", [
    np.array([3, -1, 3, 7, -1]), np.array([2.0, -0.0, 0.0, 2.0]), np.array([True, False, True]),
    np.array([5, 5, 5], dtype=np.uint8), np.array([-3, 9], dtype=np.int16),
    np.array(["b", "a", "b"]), [1, 0, 1],
], ids=["int", "float", "bool", "uint8-one-class", "int16", "str", "list"])
def test_fit_classes_are_numpy_unique(y):
    from sgdlearn._sgd import _checked_classes

    classes = _checked_classes(y)
    np.testing.assert_array_equal(classes, np.unique(y))
    assert classes.dtype == np.unique(y).dtype


def test_continuous_labels_raise_as_in_scikit_learn():
    X = np.random.RandomState(0).randn(4, 2)
    for y in (np.array([0.5, 1.0, 1.0, 0.0]), np.array([0.0, 1.0, 2.0, 2.5])):
        with pytest.raises(ValueError, match="Unknown label type: continuous"):
            SGDClassifier().fit(X, y)


def test_float32_data_trains_float32_weights(data):
    X, y = data
    clf = SGDClassifier(random_state=0).fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == np.float32
    assert clf.score(X.astype(np.float32), y) > 0.6


def test_verbose_prints_one_block_per_epoch(data, capsys):
    X, y = data
    SGDClassifier(verbose=1, max_iter=3, tol=None).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("-- Epoch") == 3 and "Avg. objective" in out


def test_core_rejects_mismatched_buffers_instead_of_copying(data):
    from sgdlearn import _native

    X, y = data
    config = _native.make_config(loss="hinge", penalty="l2", learning_rate="optimal")
    kwargs = dict(positive_class=[1], weight_positive=[1.0], weight_negative=[1.0], seeds=[0],
                  sample_weight=None, validation=None, coef=np.zeros((1, X.shape[1])),
                  intercept=np.zeros(1))
    targets = (y == 1).astype(np.int32)
    with pytest.raises(TypeError, match="float32 or float64"):
        _native.fit_outputs(config, X.astype(np.int64), targets, **kwargs)
    with pytest.raises(ValueError, match="C-contiguous"):
        _native.fit_outputs(config, np.asfortranarray(X), targets, **kwargs)
    with pytest.raises(TypeError, match="coef must have dtype"):
        _native.fit_outputs(config, X, targets, **{**kwargs, "coef": np.zeros((1, 15), np.float32)})
    with pytest.raises(ValueError, match="coef has shape"):
        _native.fit_outputs(config, X, targets, **{**kwargs, "coef": np.zeros((1, 3))})
    bad = sp.csr_matrix(X[:10])
    bad.indices[0] = 99
    with pytest.raises(ValueError, match="column index 99"):
        _native.fit_outputs(config, bad, targets[:10], **kwargs)
    bad.indices[0] = -3
    with pytest.raises(ValueError, match="column index -3"):
        _native.fit_outputs(config, bad, targets[:10], **kwargs)
    # The check reads blocks of 4096 indices: bad ones past the first block, and the
    # first of two reported.
    many = sp.csr_matrix(np.ones((600, X.shape[1])))
    many.indices[-1] = X.shape[1]
    with pytest.raises(ValueError, match=f"column index {X.shape[1]} "):
        _native.fit_outputs(config, many, np.ones(600, np.int32), **kwargs)
    many.indices[5000] = -1
    with pytest.raises(ValueError, match="column index -1 "):
        _native.fit_outputs(config, many, np.ones(600, np.int32), **kwargs)


def _big_problem():
    rng = np.random.RandomState(0)
    X = rng.randn(100_000, 50)
    return X, (X[:, 0] > 0).astype(int)


def test_training_releases_the_gil():
    X, y = _big_problem()
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    started = time.perf_counter()
    SGDClassifier(max_iter=5, tol=None, random_state=0).fit(X, y)
    elapsed = time.perf_counter() - started
    done.set()
    counter.join()
    # With the GIL held the counter could not run at all during the fit.
    assert len(ticks) > 0.2 * elapsed / 0.001 * 0.1


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to itself")
@pytest.mark.parametrize("params", [
    {},
    dict(hogwild=True, n_jobs=2),
    # Steps shrinking the weights by 0.01: a fold of the scale factor every 5 steps, each
    # run by one thread between barriers.
    dict(hogwild=True, n_jobs=2, learning_rate="constant", eta0=0.1, alpha=9.9),
], ids=["plain", "hogwild", "hogwild-folding"])
def test_ctrl_c_stops_training_promptly(params):
    # A shell starts background jobs with SIGINT ignored, and Python keeps it so:
    # install Python's own handler, as an interactive session has it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        X, y = _big_problem()
        if params.get("hogwild"):
            X = sp.csr_matrix(X)
        timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGINT))
        timer.start()
        started = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            SGDClassifier(max_iter=10_000, tol=None, random_state=0, **params).fit(X, y)
        assert time.perf_counter() - started < 5.0
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)


def test_package_exports():
    assert set(sgdlearn.__all__) >= {"SGDClassifier", "SGDRegressor", "DivergenceError"}


def _small_batches(n_features=2000, n_batches=20, seed=0):
    rng = np.random.RandomState(seed)
    X = sp.random(50 * n_batches, n_features, density=0.02, format="csr", random_state=rng)
    y = (X @ rng.randn(n_features) > 0).astype(int)
    return [(X[i:i + 50], y[i:i + 50]) for i in range(0, X.shape[0], 50)]


ADAPTIVE = dict(optimizer="adam", learning_rate="constant", eta0=0.01)


@pytest.mark.parametrize("penalty", ["l2", "elasticnet", None])
@pytest.mark.parametrize("trainer, n_classes", [
    ({}, 2), (ADAPTIVE, 2), ({**ADAPTIVE, "batch_size": 8}, 2),
    ({**ADAPTIVE, "multi_class": "multinomial", "loss": "log_loss"}, 3),
    ({**ADAPTIVE, "batch_size": 8}, 3),
], ids=["plain", "adam", "adam-batches", "adam-multinomial", "adam-ovr-batches"])
def test_partial_fit_keeps_weight_norms_exact_between_calls(penalty, trainer, n_classes):
    # The norms the core keeps between calls (per output, for plain SGD and for the
    # other optimizers alike) must be what re-summing them gives: forgetting them before
    # every call (the general path) changes nothing.
    from sgdlearn import _sgd

    kept = SGDClassifier(penalty=penalty, alpha=1e-3, random_state=0, **trainer)
    summed = clone(kept)
    rng = np.random.RandomState(1)
    for Xb, yb in _small_batches():
        if n_classes == 3:
            yb = yb + (Xb @ rng.randn(Xb.shape[1]) > 0)
        kept.partial_fit(Xb, yb, classes=np.arange(n_classes))
        _sgd._CALL_CACHE.pop(summed, None)
        summed.partial_fit(Xb, yb, classes=np.arange(n_classes))
    np.testing.assert_allclose(kept.coef_, summed.coef_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(kept.loss_curve_, summed.loss_curve_, rtol=1e-9)


def _unsorted_rows(X):
    """X with each row's entries in reverse column order (scipy allows it)."""
    X = X.copy()
    for i in range(X.shape[0]):
        lo, hi = X.indptr[i], X.indptr[i + 1]
        X.indices[lo:hi] = X.indices[lo:hi][::-1].copy()
        X.data[lo:hi] = X.data[lo:hi][::-1].copy()
    X.has_sorted_indices = False
    return X


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("trainer, n_classes", [
    ({"batch_size": 64}, 2),
    ({**ADAPTIVE, "batch_size": 64}, 2),
    ({**ADAPTIVE, "batch_size": 64, "multi_class": "multinomial", "loss": "log_loss"}, 3),
], ids=["sgd-batches", "adam-batches", "adam-multinomial-batches"])
def test_gradient_buffers_kept_between_partial_fits_change_nothing(trainer, n_classes, n_jobs):
    # partial_fit keeps the core's gradient buffers for its next call. Batches of other
    # sizes (one thread or two sharing a step), with rows in and out of column order
    # (the shared-by-column step and the general one) follow each other; forgetting the
    # buffers before every call must give the same bits.
    from sgdlearn import _sgd

    kept = SGDClassifier(random_state=0, n_jobs=n_jobs, **trainer)
    fresh = clone(kept)
    rng = np.random.RandomState(0)
    X = sp.random(1000, 3000, density=0.01, format="csr", random_state=rng)
    y = (X @ rng.randn(3000, n_classes)).argmax(axis=1)
    starts = np.cumsum([0, 30, 200, 70, 130, 90, 250, 100])
    for m, (lo, hi) in enumerate(zip(starts[:-1], starts[1:])):
        Xb, yb = X[lo:hi], y[lo:hi]
        if m % 3 == 1:
            Xb = _unsorted_rows(Xb)
        kept.partial_fit(Xb, yb, classes=np.arange(n_classes))
        _sgd._CALL_CACHE.pop(fresh, None)
        fresh.partial_fit(Xb, yb, classes=np.arange(n_classes))
    assert "gradient_buffers" in _sgd._CALL_CACHE[kept]
    np.testing.assert_array_equal(kept.coef_, fresh.coef_)
    np.testing.assert_array_equal(kept.intercept_, fresh.intercept_)
    kept.fit(X, y)  # fit keeps none
    assert "gradient_buffers" not in _sgd._CALL_CACHE[kept]


@pytest.mark.parametrize("trainer", [
    dict(optimizer="adam", learning_rate="constant", eta0=0.01, batch_size=8),
    dict(hogwild=True, n_jobs=2),
], ids=["adam-batches", "hogwild"])
def test_many_features_take_the_large_buffers_to_the_same_model(trainer):
    # Over 2^20 features the mini-batch trainer's per-feature buffers take huge pages
    # (their own allocator), and hogwild folds its scale into every weight; columns no
    # row holds change nothing, so the model on the first 1000 columns is that of the
    # narrow data.
    X, y = make_classification(200, 20, random_state=0)
    narrow = sp.csr_matrix(X, shape=(200, 1000))
    wide = sp.csr_matrix((narrow.data, narrow.indices, narrow.indptr), shape=(200, 1 << 20))
    params = dict(random_state=0, max_iter=3, tol=None, **trainer)
    n_jobs_1 = dict(params, n_jobs=1)  # hogwild on one thread: deterministic
    small = SGDClassifier(**n_jobs_1).fit(narrow, y)
    large = SGDClassifier(**n_jobs_1).fit(wide, y)
    np.testing.assert_array_equal(large.coef_[:, :1000], small.coef_)
    assert not large.coef_[:, 1000:].any()
    SGDClassifier(**params).fit(wide, y)  # and on two threads


def test_kept_norms_are_re_summed_across_small_calls():
    # Rows with repeated indices make plain SGD's tracked squared norm drift (its update
    # misses their cross terms); the core re-sums it once per n_features coordinate
    # updates counted across calls, so many calls smaller than that do not let the
    # reported objective drift away from the one fresh norms give.
    from sgdlearn import _sgd

    rng = np.random.RandomState(0)
    kept = SGDClassifier(alpha=1e-2, random_state=0)
    summed = clone(kept)
    for _ in range(400):  # 350 coordinate updates a call, 5000 features
        X = sp.csr_matrix((rng.rand(300), rng.randint(0, 20, 300), np.arange(0, 301, 6)),
                          shape=(50, 5000))
        y = rng.randint(0, 2, 50)
        kept.partial_fit(X, y, classes=[0, 1])
        _sgd._CALL_CACHE.pop(summed, None)
        summed.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(kept.coef_, summed.coef_)
    np.testing.assert_allclose(kept.loss_curve_[-100:], summed.loss_curve_[-100:], rtol=3e-4)


def test_norms_kept_between_calls_follow_a_change_of_penalty():
    # Under L2 alone the L1 norm is not tracked: a later call with an L1 term must not
    # read a stale one (it re-sums it), so its objective is what fresh norms give.
    batches = _small_batches()
    kept = SGDClassifier(penalty="elasticnet", l1_ratio=0.5, alpha=1e-3, random_state=0)
    kept.partial_fit(*batches[0], classes=[0, 1])
    kept.set_params(penalty="l2")
    for Xb, yb in batches[1:5]:
        kept.partial_fit(Xb, yb)
    kept.set_params(penalty="elasticnet")
    resummed = pickle.loads(pickle.dumps(kept))  # no cached norms
    for est in (kept, resummed):
        for Xb, yb in batches[5:8]:
            est.partial_fit(Xb, yb)
    np.testing.assert_array_equal(kept.coef_, resummed.coef_)
    np.testing.assert_allclose(kept.loss_curve_[-3:], resummed.loss_curve_[-3:], rtol=1e-12)


class _AlphaAsProperty(SGDClassifier):
    """A subclass that keeps a parameter off the instance's __dict__."""

    @property
    def alpha(self):
        return self._alpha_value

    @alpha.setter
    def alpha(self, value):
        self._alpha_value = value


def test_partial_fit_sees_a_changed_parameter_kept_by_a_property():
    # The config of a call is reused while the parameters read from __dict__ stay the
    # same; a parameter kept elsewhere is read through its attribute, so that changing
    # it between calls still takes effect.
    batches = _small_batches()
    changed = _AlphaAsProperty(alpha=1e-4, random_state=0)
    reference = SGDClassifier(alpha=1e-4, random_state=0)
    for est in (changed, reference):
        est.partial_fit(*batches[0], classes=[0, 1])
        est.set_params(alpha=0.1)
        est.partial_fit(*batches[1])
    np.testing.assert_array_equal(changed.coef_, reference.coef_)
    unchanged = SGDClassifier(alpha=1e-4, random_state=0)
    for Xb, yb in batches[:2]:
        unchanged.partial_fit(Xb, yb, classes=[0, 1])
    assert not np.array_equal(changed.coef_, unchanged.coef_)


@pytest.mark.parametrize("make, params", [
    (SGDClassifier, {}),
    (SGDClassifier, {"average": 10}),
    (SGDClassifier, ADAPTIVE),
    (SGDRegressor, {}),
])
def test_emptying_the_history_between_partial_fit_calls_changes_no_training(make, params):
    # A long stream of small calls grows loss_curve_ and history_ by a call each; the
    # README says a caller may empty them, so training must not read them back.
    batches = _small_batches()
    kept, emptied = make(random_state=0, **params), make(random_state=0, **params)
    fit_args = {} if make is SGDRegressor else {"classes": [0, 1]}
    calls_since_emptied = 0
    for call, (Xb, yb) in enumerate(batches):
        if call % 3 == 1:
            emptied.loss_curve_.clear()
            for values in emptied.history_.values():
                values.clear()
            calls_since_emptied = 0
        for est in (kept, emptied):
            est.partial_fit(Xb, yb, **fit_args)
        calls_since_emptied += 1
    np.testing.assert_array_equal(kept.coef_, emptied.coef_)
    np.testing.assert_array_equal(kept.intercept_, emptied.intercept_)
    assert kept.t_ == emptied.t_
    assert emptied.loss_curve_ == kept.loss_curve_[-calls_since_emptied:]
    for key, values in emptied.history_.items():
        expected = kept.history_[key][-calls_since_emptied:]
        if key == "seconds":  # each estimator's own time
            assert len(values) == len(expected)
        else:
            np.testing.assert_array_equal(values, expected, err_msg=key)


def test_partial_fit_fast_path_equals_general_path():
    # int32 CSR batches take the short validation; int64 ones the general one.
    batches = _small_batches()
    fast, general = SGDClassifier(random_state=0), SGDClassifier(random_state=0)
    for Xb, yb in batches:
        fast.partial_fit(Xb, yb, classes=[0, 1])
        Xl = sp.csr_matrix((Xb.data, Xb.indices.astype(np.int64), Xb.indptr.astype(np.int64)),
                           shape=Xb.shape)
        general.partial_fit(Xl, list(yb), classes=[0, 1])
    np.testing.assert_array_equal(fast.coef_, general.coef_)
    np.testing.assert_array_equal(fast.intercept_, general.intercept_)


def test_partial_fit_touches_only_the_batch_features():
    # The L2 shrink stays a factor beside the stored weights between calls: a call
    # writes only the coordinates its rows hold, whatever n_features is.
    (X0, y0), (X1, y1) = _small_batches()[:2]
    est = SGDClassifier(alpha=1e-3, shuffle=False).partial_fit(X0, y0, classes=[0, 1])
    stored = est._standard_coef.copy()
    est.partial_fit(X1, y1)
    untouched = np.setdiff1d(np.arange(X1.shape[1]), X1.indices)
    np.testing.assert_array_equal(est._standard_coef[:, untouched], stored[:, untouched])
    assert est._coef_scale[0] < 1.0
    reference = linear_model.SGDClassifier(alpha=1e-3, shuffle=False)
    reference.partial_fit(X0, y0, classes=[0, 1]).partial_fit(X1, y1)
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=1e-10, atol=1e-14)
    assert est._coef_scale[0] == 1.0  # reading coef_ folded the factor in


def test_predicting_between_partial_fits_leaves_the_state_as_it_is():
    batches = _small_batches()
    quiet, watched = SGDClassifier(random_state=0), SGDClassifier(random_state=0)
    X_all = sp.vstack([Xb for Xb, _ in batches]).tocsr()
    for Xb, yb in batches:
        quiet.partial_fit(Xb, yb, classes=[0, 1])
        watched.partial_fit(Xb, yb, classes=[0, 1])
        before = watched._standard_coef.copy(), watched._coef_scale.copy()
        scores = watched.decision_function(X_all)
        np.testing.assert_array_equal(watched._standard_coef, before[0])
        np.testing.assert_array_equal(watched._coef_scale, before[1])
        dense = watched.decision_function(X_all.toarray())
        np.testing.assert_allclose(dense, scores, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(quiet.coef_, watched.coef_)
    np.testing.assert_allclose(watched.decision_function(X_all), scores, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("switch_to", [
    dict(optimizer="momentum", learning_rate="constant", eta0=0.01),
    dict(hogwild=True, n_jobs=2),
])
def test_trainers_that_keep_no_factor_fold_it_in_first(switch_to):
    # Plain SGD leaves a factor on the weights; a trainer that works on the plain array
    # multiplies it in first, as reading coef_ does, and leaves the norms to be re-summed.
    batches = _small_batches()
    folded_by_core, folded_by_reading = SGDClassifier(random_state=0), SGDClassifier(random_state=0)
    for est in (folded_by_core, folded_by_reading):
        est.partial_fit(*batches[0], classes=[0, 1])
    folded_by_reading.coef_
    for est in (folded_by_core, folded_by_reading):
        est.set_params(**switch_to).partial_fit(*batches[1])
    if "hogwild" not in switch_to:  # hogwild's threads race: only the plain array is checked
        np.testing.assert_array_equal(folded_by_core.coef_, folded_by_reading.coef_)
    # Back to plain SGD: the norms the core keeps must be those of the weights now.
    resummed = pickle.loads(pickle.dumps(folded_by_core))  # no cached norms
    defaults = SGDClassifier().get_params()
    for est in (folded_by_core, resummed):
        est.set_params(**{name: defaults[name] for name in switch_to}).partial_fit(*batches[2])
    assert folded_by_core.loss_curve_[-1] == pytest.approx(resummed.loss_curve_[-1], rel=1e-12)


@pytest.mark.parametrize("penalty", ["l2", "elasticnet", None])
def test_sgd_batches_in_partial_fit_keep_the_factor_and_touch_only_their_features(penalty):
    # Plain SGD with batches keeps the L2 shrink as a factor between calls too, with the
    # norms: a call writes only its rows' coordinates, and the model, its reported
    # objective and the scale it keeps match folding everything in before each call.
    from sgdlearn import _sgd

    batches = _small_batches()
    kept = SGDClassifier(alpha=1e-3, batch_size=8, penalty=penalty, random_state=0)
    folded = clone(kept)
    for m, (Xb, yb) in enumerate(batches):
        stored = kept._standard_coef.copy() if m else None
        kept.partial_fit(Xb, yb, classes=[0, 1])
        if m:
            untouched = np.setdiff1d(np.arange(Xb.shape[1]), Xb.indices)
            np.testing.assert_array_equal(kept._standard_coef[:, untouched], stored[:, untouched])
        if m:
            folded.coef_  # folds the factor in, as the core did before every call
            _sgd._CALL_CACHE.pop(folded, None)  # and forgets the norms
        folded.partial_fit(Xb, yb, classes=[0, 1])
    if penalty is not None:
        assert kept._coef_scale[0] < 1.0
    np.testing.assert_allclose(kept.coef_, folded.coef_, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(kept.loss_curve_, folded.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("batch_size", [1, 8])
@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
def test_averaged_partial_fit_keeps_its_factors_and_touches_only_the_batch_features(
        batch_size, penalty):
    # Averaged SGD keeps the average as (sum + a w) / b between calls, as the L2 factor:
    # a call writes only its rows' coordinates, and the model matches folding the average
    # in after every call (what reading coef_ does).
    batches = _small_batches()
    params = dict(alpha=1e-3, average=True, batch_size=batch_size, penalty=penalty,
                  l1_ratio=0.3, random_state=0)
    kept, folded = SGDClassifier(**params), SGDClassifier(**params)
    for m, (Xb, yb) in enumerate(batches):
        stored = (kept._average_coef.copy(), kept._standard_coef.copy()) if m else None
        kept.partial_fit(Xb, yb, classes=[0, 1])
        folded.partial_fit(Xb, yb, classes=[0, 1])
        folded.coef_
        assert folded._pending_average() is None
        if m:
            assert kept._pending_average() is not None
            untouched = np.setdiff1d(np.arange(Xb.shape[1]), Xb.indices)
            np.testing.assert_array_equal(kept._average_coef[:, untouched], stored[0][:, untouched])
            np.testing.assert_array_equal(kept._standard_coef[:, untouched], stored[1][:, untouched])
    # Predicting reads the average without folding it.
    factors = kept._average_factors.copy()
    scores = kept.decision_function(batches[0][0])
    np.testing.assert_array_equal(kept._average_factors, factors)
    np.testing.assert_allclose(kept.coef_, folded.coef_, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(kept.intercept_, folded.intercept_, rtol=1e-10)
    np.testing.assert_allclose(scores, folded.decision_function(batches[0][0]), rtol=1e-10,
                               atol=1e-14)


def test_averaged_partial_fit_keeps_matching_scikit_learn():
    # Oracle: scikit-learn's averaged SGDRegressor, which folds the average at every call.
    X, y = make_regression(400, 30, noise=1.0, random_state=0)
    X = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    params = dict(shuffle=False, average=30, alpha=1e-3)
    ours, theirs = SGDRegressor(**params), linear_model.SGDRegressor(**params)
    for start in range(0, len(y), 20):
        for est in (ours, theirs):
            est.partial_fit(X[start:start + 20], y[start:start + 20])
    assert ours._pending_average() is not None
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-9)


def test_a_changed_average_start_step_must_be_ahead():
    # The mean counts the iterates from its start step: moving a start that has passed
    # would miscount them; moving it ahead starts a new mean there.
    batches = _small_batches()
    est = SGDClassifier(average=10, random_state=0)
    for Xb, yb in batches[:2]:
        est.partial_fit(Xb, yb, classes=[0, 1])
    with pytest.raises(ValueError, match="it counts from step 10"):
        est.set_params(average=20).partial_fit(*batches[2])
    ahead = int(est.t_) + 60
    est.set_params(average=ahead)
    along = SGDClassifier(average=ahead, random_state=0)
    for Xb, yb in batches[:2]:
        along.partial_fit(Xb, yb, classes=[0, 1])
    for Xb, yb in batches[2:6]:
        est.partial_fit(Xb, yb)
        along.partial_fit(Xb, yb)
    assert est.t_ - 1 >= ahead  # the new mean has begun
    np.testing.assert_array_equal(est.coef_, along.coef_)
    np.testing.assert_array_equal(est.intercept_, along.intercept_)


def test_switching_averaging_off_ends_the_average_and_a_late_start_is_refused():
    batches = _small_batches()
    est = SGDClassifier(average=True, random_state=0)
    for Xb, yb in batches[:3]:
        est.partial_fit(Xb, yb, classes=[0, 1])
    standard = est._standard_coef * est._coef_scale[:, np.newaxis]
    est.set_params(average=False).partial_fit(*batches[3])
    assert est._average_coef is None
    assert not np.allclose(est.coef_, standard)  # the weights went on from the iterate
    # The mean would have missed the last call's iterates: averaging from an earlier step
    # cannot resume, one from a later step can.
    with pytest.raises(ValueError, match="averaging was off"):
        est.set_params(average=True).partial_fit(*batches[4])
    later = int(est.t_)
    est.set_params(average=later).partial_fit(*batches[4])
    assert est._average_coef is not None
    # Averaging switched on ahead of its start step equals having it on all along.
    along = SGDClassifier(average=later, random_state=0)
    switched = SGDClassifier(random_state=0)
    for m, (Xb, yb) in enumerate(batches[:6]):
        along.partial_fit(Xb, yb, classes=[0, 1])
        if m == 2:
            switched.set_params(average=later)
        switched.partial_fit(Xb, yb, classes=[0, 1])
    np.testing.assert_array_equal(switched.coef_, along.coef_)


def test_one_vs_rest_outputs_that_stop_before_averaging_show_their_weights():
    # Each one-vs-rest problem stops at its own epoch (tol): with `average` between their
    # step counts, those whose average never began showed zeros (scikit-learn's do); they
    # show their weights, and their average begins afresh in the next call.
    X, y = make_classification(300, 5, n_informative=4, n_redundant=0, n_classes=3,
                               random_state=0)
    params = dict(random_state=0)
    averaged = SGDClassifier(average=9900, **params).fit(X, y)
    plain = SGDClassifier(**params).fit(X, y)
    same = np.all(averaged.coef_ == plain.coef_, axis=1)
    assert same.any() and not same.all()  # the average began for some outputs only
    np.testing.assert_array_equal(averaged.intercept_[same], plain.intercept_[same])
    assert averaged.score(X, y) > plain.score(X, y) - 0.05
    # The mean of one iterate is that iterate.
    averaged.partial_fit(X[:1], y[:1])
    plain.partial_fit(X[:1], y[:1])
    np.testing.assert_allclose(averaged.coef_[same], plain.coef_[same], rtol=1e-12)
    np.testing.assert_allclose(averaged.intercept_[same], plain.intercept_[same], rtol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 10])
def test_held_out_rows_do_not_count_as_averaged_steps(tmp_path, batch_size):
    # 20 of 200 rows held out: an epoch is 180 steps (18 batches), while t_ counts 200
    # for plain SGD (scikit-learn's count). Averaging from the step after the epoch has
    # not begun: the model, and the score of its held-out rows, are the weights'.
    from sklearn.model_selection import StratifiedShuffleSplit

    X, y = make_classification(200, 6, random_state=0)
    held_out = next(StratifiedShuffleSplit(test_size=0.1, random_state=0).split(X, y))[1]
    params = dict(early_stopping=True, max_iter=1, tol=None, batch_size=batch_size,
                  random_state=0)
    first_unseen_step = 181 if batch_size == 1 else 19
    averaged = SGDClassifier(average=first_unseen_step, **params).fit(X, y)
    plain = SGDClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(averaged.coef_, plain.coef_)
    assert averaged.validation_scores_[0] == pytest.approx(
        averaged.score(X[held_out], y[held_out]), rel=1e-12)
    # The next call, after a model file, begins the average at its first step: the mean
    # of one iterate.
    averaged.save(tmp_path / "averaged.sgdlearn")
    averaged = sgdlearn.load(tmp_path / "averaged.sgdlearn")
    np.testing.assert_array_equal(averaged.coef_, plain.coef_)
    averaged.partial_fit(X[:1], y[:1])
    plain.partial_fit(X[:1], y[:1])
    np.testing.assert_allclose(averaged.coef_, plain.coef_, rtol=1e-12)
    np.testing.assert_allclose(averaged.intercept_, plain.intercept_, rtol=1e-12)


def test_shuffling_visits_every_order_equally_often():
    # Three one-hot rows: each of the 6 orders gives its own model (the intercept is
    # shared), found by fitting each order unshuffled. Over 600 seeds every order must
    # come up about equally often (a cyclic-only or biased permutation would not).
    from scipy.stats import chisquare

    X, y = np.eye(3), np.array([1, 0, 1])
    params = dict(loss="log_loss", penalty=None, learning_rate="constant", eta0=0.5,
                  max_iter=1, tol=None)

    def signature(model):
        return tuple(np.concatenate([model.coef_.ravel(), model.intercept_]))

    orders = {signature(SGDClassifier(shuffle=False, **params).fit(X[list(p)], y[list(p)])): p
              for p in itertools.permutations(range(3))}
    assert len(orders) == 6
    seen = [orders[signature(SGDClassifier(random_state=seed, **params).fit(X, y))]
            for seed in range(600)]
    counts = [seen.count(order) for order in orders.values()]
    assert chisquare(counts).pvalue > 1e-3, counts


def test_sgd_batches_without_a_penalty_report_no_penalty():
    # penalty=None and an L2 penalty of weight 0 take the same steps: same objective.
    X, y = make_classification(300, 10, random_state=0)
    common = dict(batch_size=8, learning_rate="constant", eta0=0.01, max_iter=3, tol=None,
                  random_state=0)
    none = SGDClassifier(penalty=None, alpha=1e-2, **common).fit(X, y)
    zero = SGDClassifier(penalty="l2", alpha=0.0, **common).fit(X, y)
    np.testing.assert_array_equal(none.coef_, zero.coef_)
    np.testing.assert_allclose(none.loss_curve_, zero.loss_curve_, rtol=1e-12)


def test_another_optimizer_between_partial_fits_starts_from_zero_state():
    # As a new torch optimizer does: Adam's moments are not a momentum buffer.
    batches = _small_batches()
    switched = SGDClassifier(alpha=1e-3, random_state=0, **ADAPTIVE)
    switched.partial_fit(*batches[0], classes=[0, 1])
    reset = pickle.loads(pickle.dumps(switched))
    reset._optimizer_state = tuple(np.zeros_like(a) if a is not None else None
                                   for a in reset._optimizer_state)
    for est in (switched, reset):
        est.set_params(optimizer="momentum").partial_fit(*batches[1])
    np.testing.assert_array_equal(switched.coef_, reset.coef_)
    assert np.any(switched._optimizer_state[0] != 0.0)


@pytest.mark.parametrize("first, then", [
    ({}, ADAPTIVE), ({}, {"penalty": "l1"}), (ADAPTIVE, {"penalty": "elasticnet"}),
    (ADAPTIVE, {"optimizer": "sgd", "learning_rate": "optimal"}),
])
def test_partial_fit_takes_parameters_changed_between_calls(first, then):
    # The state the new parameters need (an optimizer's, an L1 term's) starts at zero;
    # these raised "state arrays are missing" before.
    batches = _small_batches()
    est = SGDClassifier(alpha=1e-3, random_state=0, **first)
    est.partial_fit(*batches[0], classes=[0, 1])
    before = est.coef_.copy()
    est.set_params(**then)
    for Xb, yb in batches[1:4]:
        est.partial_fit(Xb, yb)
    assert np.all(np.isfinite(est.coef_)) and np.any(est.coef_ != before)


def test_norms_kept_by_an_adaptive_optimizer_serve_plain_sgd():
    # The other optimizers' trainer keeps each output's norms as plain SGD's does, for
    # its next call or plain SGD's: they must be those of the weights.
    batches = _small_batches()
    kept = SGDClassifier(alpha=1e-3, random_state=0, **ADAPTIVE)
    for Xb, yb in batches[:5]:
        kept.partial_fit(Xb, yb, classes=[0, 1])
    resummed = pickle.loads(pickle.dumps(kept))  # no cached norms
    for est in (kept, resummed):
        est.set_params(optimizer="sgd", learning_rate="optimal").partial_fit(*batches[5])
    assert kept.loss_curve_[-1] == pytest.approx(resummed.loss_curve_[-1], rel=1e-12)


def test_reading_coef_from_many_threads_folds_the_factor_once():
    batches = _small_batches()
    est = SGDClassifier(alpha=1e-2, random_state=0)
    for Xb, yb in batches:
        est.partial_fit(Xb, yb, classes=[0, 1])
    expected = pickle.loads(pickle.dumps(est)).coef_.copy()
    start = threading.Barrier(8)
    seen = []

    def read():
        start.wait()
        seen.append(est.coef_.copy())

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for coef in seen:
        np.testing.assert_array_equal(coef, expected)


@pytest.mark.parametrize("make_bad, message", [
    (lambda X, y: (X.multiply(np.nan).tocsr(), y), "NaN"),
    (lambda X, y: (X[:, :-1], y), "features"),
    (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
    (lambda X, y: (X, y + 5), "not in classes"),
    (lambda X, y: (X.astype(np.float32), y), "dtype"),
])
def test_partial_fit_rejects_bad_batches_after_the_first(make_bad, message):
    (X0, y0), (X1, y1) = _small_batches()[:2]
    est = SGDClassifier(random_state=0).partial_fit(X0, y0, classes=[0, 1])
    before = est.coef_.copy()
    Xb, yb = make_bad(X1, y1)
    with pytest.raises(ValueError, match=message):
        est.partial_fit(Xb, yb)
    np.testing.assert_array_equal(est.coef_, before)


@pytest.mark.parametrize("make, n_classes", [
    ("SGDRegressor", 0), ("SGDClassifier", 2), ("SGDClassifier", 3),
])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("start", ["fit", "partial_fit"])  # the latter leaves a scale factor
def test_partial_fit_continues_from_assigned_weights_as_scikit_learn(make, n_classes, sparse,
                                                                     start, tmp_path):
    # scikit-learn's partial_fit starts from whatever coef_ and intercept_ hold; the
    # assignment must reach training and model files, not only predict.
    rng = np.random.RandomState(0)
    X = rng.randn(120, 6)
    y = X @ rng.randn(6) if not n_classes else rng.randint(n_classes, size=120)
    if sparse:
        X = sp.csr_matrix(X)
    params = dict(random_state=0, max_iter=3, tol=None, shuffle=False)  # the same order
    ours, theirs = getattr(sgdlearn, make)(**params), getattr(linear_model, make)(**params)
    classes = {"classes": np.arange(n_classes)} if n_classes else {}
    for est in (ours, theirs):
        if start == "fit":
            est.fit(X, y)
        else:
            est.partial_fit(X, y, **classes)
            est.partial_fit(X, y)
    coef = rng.randn(*np.shape(theirs.coef_))
    intercept = rng.randn(*np.shape(theirs.intercept_))
    for est in (ours, theirs):
        est.coef_, est.intercept_ = coef.copy(), intercept.copy()
    kept = pickle.loads(pickle.dumps(ours))
    for est in (ours, theirs):
        est.partial_fit(X[:30], y[:30])
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10, atol=1e-12)
    # A model file keeps them too.
    kept.save(tmp_path / "assigned.sgdl")
    loaded = sgdlearn.load(tmp_path / "assigned.sgdl")
    np.testing.assert_array_equal(loaded.coef_, coef)
    np.testing.assert_array_equal(loaded.intercept_, intercept)
    loaded.partial_fit(X[:30], y[:30])
    np.testing.assert_array_equal(loaded.coef_, ours.coef_)
    # The objective counts the assigned weights' norms, not the replaced ones'.
    assert loaded.history_["objective"][-1] == pytest.approx(ours.history_["objective"][-1])


def test_averaged_sgd_continues_from_its_own_state_after_an_assignment(tmp_path):
    # As scikit-learn's averaged partial_fit does, it ignores an assigned coef_ and shows
    # the average again afterwards (scikit-learn itself is no oracle here: it loses the
    # binary intercept between averaged calls, see the README). A model file cannot
    # keep the assignment: an error.
    rng = np.random.RandomState(0)
    X, y = rng.randn(100, 4), rng.randint(2, size=100)
    params = dict(random_state=0, max_iter=2, tol=None, average=10)
    assigned, untouched = SGDClassifier(**params).fit(X, y), SGDClassifier(**params).fit(X, y)
    assigned.coef_ = np.zeros_like(assigned.coef_)
    with pytest.raises(ValueError, match="assigned to an averaged model"):
        assigned.save(tmp_path / "m.sgdl")
    for est in (assigned, untouched):
        est.partial_fit(X, y)
    np.testing.assert_array_equal(assigned.coef_, untouched.coef_)
    np.testing.assert_array_equal(assigned.intercept_, untouched.intercept_)


def test_partial_fit_continues_from_an_assigned_intercept_alone():
    rng = np.random.RandomState(0)
    X, y = rng.randn(80, 5), rng.randn(80)
    params = dict(random_state=0, max_iter=2, tol=None, shuffle=False)
    ours, theirs = SGDRegressor(**params).fit(X, y), linear_model.SGDRegressor(**params).fit(X, y)
    for est in (ours, theirs):
        est.intercept_ = np.array([4.0])
        est.partial_fit(X[:20], y[:20])
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10)


def test_an_assigned_coef_of_another_shape_is_an_error():
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 4), rng.randn(50)
    est = SGDRegressor(random_state=0).fit(X, y)
    est.coef_ = np.zeros(5)
    with pytest.raises(ValueError, match=r"coef_ has shape \(5,\); the model's is \(4,\)"):
        est.partial_fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("position", [0, 1023, 1024, 2047, 2999])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("sparse", [False, True])
def test_partial_fit_finds_one_non_finite_value_anywhere_in_a_batch(dtype, position, bad,
                                                                    sparse):
    # The core checks values in blocks of 1024 (sgdlearn/checks.hpp): one bad value at
    # either end of a block, or in a short last block, must be found.
    rng = np.random.RandomState(0)
    X = rng.randn(100, 30).astype(dtype)
    y = rng.randint(2, size=100)
    est = SGDClassifier(random_state=0).partial_fit(X, y, classes=[0, 1])
    before = est.coef_.copy()
    X.flat[position] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        est.partial_fit(sp.csr_matrix(X) if sparse else X, y)
    np.testing.assert_array_equal(est.coef_, before)


def test_all_finite_reads_strided_arrays():
    from sgdlearn import _native

    values = np.ones((4, 6))
    values[1, 1] = np.nan
    assert _native.all_finite(values[:, ::2])  # the NaN is in a skipped column
    assert not _native.all_finite(values[:, 1::2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_finds_a_bad_value_in_every_lane_and_in_the_tail(dtype):
    from sgdlearn import _native

    # The core sums x - x in eight lanes, then the values left over (checks.hpp).
    largest = np.finfo(dtype).max
    for n in (1, 7, 8, 9, 17, 1031):
        values = (np.linspace(-1.0, 1.0, n) * largest).astype(dtype)
        values[0] = -0.0
        assert _native.all_finite(values)
        for position in sorted({*range(min(n, 17)), n - 1}):
            for bad in (np.nan, np.inf, -np.inf):
                spoiled = values.copy()
                spoiled[position] = bad
                assert not _native.all_finite(spoiled), (n, position, bad)


def test_class_positions_are_searchsorted_and_find_unknown_labels():
    from sgdlearn import _native

    rng = np.random.RandomState(0)
    for dtype in (np.int32, np.int64, np.float32, np.float64, np.uint8):
        classes = np.unique(2 * rng.randint(1, 25, size=7)).astype(dtype)  # even, >= 2
        labels = rng.choice(classes, size=200)
        positions, first_unknown = _native.class_positions(labels, classes)
        assert first_unknown == -1 and positions.dtype == np.int32
        np.testing.assert_array_equal(positions, np.searchsorted(classes, labels))
        for unknown in (classes[0] - 1, classes[0] + 1, classes[-1] + 1):  # odd
            for at in (0, 117, 199):
                bad = labels.copy()
                bad[at] = unknown
                bad[199 if at < 199 else 0] = unknown  # a second one, after or before
                assert _native.class_positions(bad, classes)[1] == min(at, 199 if at < 199 else 0)
    for bad in (np.nan, 2.5, -np.inf):
        assert _native.class_positions(np.array([1.0, bad]), np.array([1.0, 2.0]))[1] == 1


@pytest.mark.parametrize("labels", [
    np.array([3, 9]), np.array([3, 9], np.int32), np.array([3.0, 9.0]),
    np.array([3.0, 9.0], np.float32), np.array([3, 9], np.uint8), np.array(["a", "b"]),
])
@pytest.mark.parametrize("classes_as", ["same", "list"])
def test_partial_fit_reads_labels_of_any_dtype_alike(labels, classes_as):
    # The core maps labels and classes of one numeric dtype; others go through numpy.
    # Either way the model and the unknown-label error are the same.
    (X0, y0), (X1, y1) = _small_batches()[:2]
    classes = labels if classes_as == "same" else labels.tolist()
    est = SGDClassifier(random_state=0).partial_fit(X0, labels[y0], classes=classes)
    est.partial_fit(X1, labels[y1])
    reference = SGDClassifier(random_state=0).partial_fit(X0, y0, classes=[0, 1])
    reference.partial_fit(X1, y1)
    np.testing.assert_array_equal(est.coef_, reference.coef_)
    unknown = np.where(labels.dtype.kind == "U", "c", labels.dtype.type(5))
    with pytest.raises(ValueError, match="not in classes"):
        est.partial_fit(X1[:3], np.r_[labels[y1[:2]], unknown].astype(labels.dtype))
    if labels.dtype.kind == "f":
        with pytest.raises(ValueError, match="not in classes"):
            est.partial_fit(X1[:2], np.r_[labels[y1[:1]], np.nan].astype(labels.dtype))


def test_partial_fit_regressor_rejects_non_finite_targets():
    X = np.random.RandomState(0).randn(20, 3)
    est = SGDRegressor().partial_fit(X, np.ones(20))
    with pytest.raises(ValueError, match="NaN"):
        est.partial_fit(X, np.r_[np.ones(19), np.nan])


@pytest.mark.parametrize("penalty", ["l2", None])
@pytest.mark.parametrize("batch_size", [1, 8])
@pytest.mark.parametrize("n_features", [1000, 100_000])
def test_other_optimizers_detect_divergence_on_sparse_batches(penalty, batch_size, n_features):
    # Their trainer checks the weights through the norms it tracks (a non-finite weight
    # makes its norms non-finite); without a penalty it reads every weight instead, but
    # for a batch with fewer nonzeros than weights (2,500 against 100,000 here).
    est = SGDRegressor(optimizer="momentum", learning_rate="constant", eta0=1e200,
                       penalty=penalty, alpha=1e-4, batch_size=batch_size, fit_intercept=False)
    rng = np.random.RandomState(0)
    density = 0.05 * 1000 / n_features
    with pytest.raises(DivergenceError, match="learning rate"):
        for _ in range(50):
            X = sp.random(50, n_features, density=density, format="csr", random_state=rng)
            est.partial_fit(X, rng.randn(50))
    # The weights that overflowed stay in coef_; a batch that touches none of them
    # still finds them.
    assert not np.isfinite(est.coef_).all()
    untouched = np.flatnonzero(np.isfinite(est.coef_))[:5]
    X = sp.csr_matrix((np.ones(5), untouched, [0, 5]), shape=(1, n_features))
    with pytest.raises(DivergenceError, match="learning rate"):
        est.partial_fit(X, [0.0])


def test_partial_fit_still_detects_divergence_on_sparse_batches():
    # The core clips loss derivatives, so a huge rate is what makes weights overflow.
    est = SGDRegressor(learning_rate="constant", eta0=1e200, penalty=None)
    rng = np.random.RandomState(0)
    with pytest.raises(DivergenceError, match="learning rate"):
        for _ in range(50):
            X = sp.random(50, 1000, density=0.05, format="csr", random_state=rng)
            est.partial_fit(X, rng.randn(50))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_decision_function_matches_a_scipy_product_on_any_thread_count(n_classes, dtype):
    rng = np.random.RandomState(0)
    X = sp.random(3000, 400, density=0.05, format="csr", random_state=rng, dtype=dtype)
    y = rng.randint(n_classes, size=3000)
    est = SGDClassifier(max_iter=3, tol=None, random_state=0).fit(X, y)
    expected = (X @ est.coef_.T + est.intercept_).astype(dtype)
    expected = expected.ravel() if n_classes == 2 else expected
    scores = {n_jobs: est.set_params(n_jobs=n_jobs).decision_function(X) for n_jobs in (1, 2)}
    assert scores[1].dtype == dtype
    np.testing.assert_allclose(scores[1], expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-6)
    np.testing.assert_array_equal(scores[1], scores[2])
    np.testing.assert_array_equal(est.predict(X), est.classes_[np.argmax(
        np.c_[-expected, expected] if n_classes == 2 else expected, axis=1)])


def _sparse_problem(n_samples=3000, n_features=500, seed=0):
    rng = np.random.RandomState(seed)
    X = sp.random(n_samples, n_features, density=0.03, format="csr", random_state=rng)
    return X, (X @ rng.randn(n_features) > 0).astype(int)


@pytest.mark.parametrize("learning_rate, alpha", [
    ("optimal", 1e-4), ("constant", 1e-4), ("invscaling", 1e-4), ("cosine", 1e-4),
    ("constant", 3.0),  # each step shrinks by 0.7: a fold every 58 steps
])
@pytest.mark.parametrize("penalty", ["l2", None])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hogwild_on_one_thread_is_plain_sgd(learning_rate, alpha, penalty, dtype):
    # The scale factors computed before each epoch, and the folds where they fall below
    # the floor, are those of plain SGD's loop, step for step: without an intercept the
    # weights are plain SGD's bit for bit. The intercept, which hogwild's threads sum
    # apart and merge, differs in rounding.
    X, y = _sparse_problem()
    X = X.astype(dtype)
    params = dict(learning_rate=learning_rate, eta0=0.1, penalty=penalty, alpha=alpha,
                  max_iter=4, tol=None, random_state=0)
    no_intercept = dict(params, fit_intercept=False)
    plain = SGDClassifier(**no_intercept).fit(X, y)
    hogwild = SGDClassifier(**no_intercept, hogwild=True, n_jobs=1).fit(X, y)
    np.testing.assert_array_equal(hogwild.coef_, plain.coef_)
    assert hogwild.t_ == plain.t_ and hogwild.n_iter_ == plain.n_iter_

    plain = SGDClassifier(**params).fit(X, y)
    hogwild = SGDClassifier(**params, hogwild=True, n_jobs=1).fit(X, y)
    rtol = 1e-4 if dtype == np.float32 else 1e-9  # float32 rounds each step (eps 6e-8)
    atol = rtol * 0.1 * np.abs(plain.coef_).max()
    np.testing.assert_allclose(hogwild.coef_, plain.coef_, rtol=rtol, atol=atol)
    np.testing.assert_allclose(hogwild.intercept_, plain.intercept_, rtol=rtol)


def test_hogwild_on_two_threads_learns_as_well_as_one():
    X, y = _sparse_problem(n_samples=6000, n_features=2000)
    params = dict(alpha=1e-5, max_iter=5, tol=None, random_state=0)
    X_train, y_train, X_test, y_test = X[:4000], y[:4000], X[4000:], y[4000:]
    plain = SGDClassifier(**params).fit(X_train, y_train)
    hogwild = SGDClassifier(**params, hogwild=True, n_jobs=2).fit(X_train, y_train)
    assert hogwild.score(X_test, y_test) > plain.score(X_test, y_test) - 0.03
    assert len(hogwild.loss_curve_) == 5 and np.all(np.isfinite(hogwild.loss_curve_))
    # One-vs-rest and the regressor run through the same loop.
    y3 = np.digitize(X @ np.random.RandomState(1).randn(2000), [-0.3, 0.3])
    multi = SGDClassifier(**params, hogwild=True, n_jobs=2).fit(X_train, y3[:4000])
    assert multi.score(X_test, y3[4000:]) > 0.6
    reg = SGDRegressor(max_iter=20, tol=None, hogwild=True, n_jobs=2, random_state=0)
    target = X @ np.random.RandomState(2).randn(2000)
    assert reg.fit(X_train, target[:4000]).score(X_test, target[4000:]) > 0.5


@pytest.mark.parametrize("params, message", [
    (dict(optimizer="adam", learning_rate="constant"), "optimizer='sgd'"),
    (dict(batch_size=32), "batch_size=1"),
    (dict(penalty="elasticnet"), "L1"),
    (dict(average=True), "averaging"),
])
def test_hogwild_refuses_what_it_cannot_do(params, message):
    X, y = _sparse_problem(n_samples=200)
    with pytest.raises(ValueError, match=message):
        SGDClassifier(hogwild=True, **params).fit(X, y)


def test_n_jobs_follows_scikit_learn_and_leaves_room_for_callers(monkeypatch):
    from sgdlearn import _native

    assert _native.thread_count(None) == 1
    assert _native.thread_count(3) == 3
    with pytest.raises(ValueError, match="n_jobs == 0"):
        _native.thread_count(0)
    # -1 is every core OpenMP may use here (joblib's workers and threadpoolctl cap it).
    monkeypatch.setattr(_native._core, "max_threads", lambda: 3)
    monkeypatch.setattr(_native.os, "cpu_count", lambda: 8)
    assert _native.thread_count(-1) == 3
    assert _native.thread_count(-2) == 2
    # In a Dask worker running 2 tasks at once, each gets its share of the machine.
    worker = type("Worker", (), {"state": type("State", (), {"nthreads": 2})()})()
    fake_distributed = type(sys)("distributed")
    fake_distributed.get_worker = lambda: worker
    monkeypatch.setitem(sys.modules, "distributed", fake_distributed)
    monkeypatch.setattr(_native._core, "max_threads", lambda: 8)
    assert _native.thread_count(-1) == 4


def test_omp_num_threads_caps_all_cores():
    import subprocess

    code = "from sgdlearn import _native; print(_native.thread_count(-1))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"}, check=True)
    assert out.stdout.strip() == "1"


def test_partial_fit_checks_classes_passed_again():
    X, y = make_classification(60, 4, random_state=0)
    est = SGDClassifier(random_state=0).partial_fit(X, y, classes=[0, 1])
    est.partial_fit(X, y, classes=np.array([0, 1]))  # the same: accepted
    for other in ([1, 0, 2], [0, 2], ["a", "b"]):
        with pytest.raises(ValueError, match="classes"):
            est.partial_fit(X, y, classes=other)

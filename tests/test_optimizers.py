# SPDX-License-Identifier: BSD-3-Clause
"""Optimizers, batch sizes, schedules, clipping, softmax and lazy sparse updates."""

import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression

from sgdlearn import SGDClassifier, SGDRegressor

OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "ftrl"]


def _params(optimizer, **extra):
    params = dict(optimizer=optimizer, learning_rate="constant", eta0=0.02, alpha=1e-3,
                  loss="log_loss", random_state=0, intercept_decay=1.0)
    return {**params, **extra}


@pytest.fixture(scope="module")
def binary():
    return make_classification(300, 10, n_informative=5, random_state=0)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_lazy_equals_dense_when_every_coordinate_is_in_every_batch(binary, optimizer):
    X, y = binary
    X_sparse = sp.csr_matrix(X)  # every entry stored: each batch touches every feature
    assert X_sparse.nnz == X.size
    params = _params(optimizer, batch_size=8, max_iter=5, tol=None)
    on_dense = SGDClassifier(**params).fit(X, y)
    lazy = SGDClassifier(sparse_update="lazy", **params).fit(X_sparse, y)
    dense = SGDClassifier(sparse_update="dense", **params).fit(X_sparse, y)
    np.testing.assert_allclose(lazy.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lazy.coef_, on_dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lazy.intercept_, dense.intercept_, rtol=1e-10)


def _sparse_with_absent_features(X):
    """X with its last 3 features never present."""
    X = X.copy()
    X[:, -3:] = 0.0
    return sp.csr_matrix(X)


@pytest.mark.parametrize("optimizer", ["momentum", "adam", "adagrad", "rmsprop", "adamw"])
def test_lazy_skips_absent_coordinates_as_sparse_adam_does(binary, optimizer):
    X, y = binary
    X = _sparse_with_absent_features(X)
    coef_init = np.linspace(-1, 1, X.shape[1])[np.newaxis, :]
    params = _params(optimizer, batch_size=16, max_iter=3, tol=None, penalty="l2", alpha=0.1)
    lazy = SGDClassifier(**params).fit(X, y, coef_init=coef_init)
    dense = SGDClassifier(sparse_update="dense", **params).fit(X, y, coef_init=coef_init)
    # Absent features: lazily untouched (value and state); densely decayed by the penalty.
    np.testing.assert_array_equal(lazy.coef_[0, -3:], coef_init[0, -3:])
    assert np.all(lazy._optimizer_state[0][0, -3:] == 0.0)
    assert np.all(np.abs(dense.coef_[0, -3:]) < np.abs(coef_init[0, -3:]))


def test_lazy_sgd_applies_l2_to_absent_coordinates_exactly(binary):
    # Plain SGD's L2 shrink goes through a scale factor, so lazy is exact for it.
    X, y = binary
    X = _sparse_with_absent_features(X)
    coef_init = np.linspace(-1, 1, X.shape[1])[np.newaxis, :]
    params = _params("sgd", batch_size=16, max_iter=3, tol=None, penalty="l2", alpha=0.1)
    lazy = SGDClassifier(**params).fit(X, y, coef_init=coef_init)
    dense = SGDClassifier(sparse_update="dense", **params).fit(X, y, coef_init=coef_init)
    np.testing.assert_allclose(lazy.coef_, dense.coef_, rtol=1e-12, atol=1e-14)
    assert np.all(np.abs(lazy.coef_[0, -3:]) < np.abs(coef_init[0, -3:]))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_lazy_step_costs_nnz_not_n_features(optimizer):
    # The work of an epoch (weights updated) does not grow with unused features when
    # lazy; dense updates pay for every feature at every step.
    rng = np.random.RandomState(0)
    n, nnz_per_row = 400, 50

    def epoch_updates(n_features, sparse_update):
        indices = rng.randint(0, n_features, size=n * nnz_per_row)
        X = sp.csr_matrix((rng.rand(n * nnz_per_row), indices, np.arange(0, n * nnz_per_row + 1,
                          nnz_per_row)), shape=(n, n_features))
        y = rng.randint(0, 2, n)
        clf = SGDClassifier(**_params(optimizer, batch_size=8, max_iter=1, tol=None,
                                      sparse_update=sparse_update)).fit(X, y)
        return clf.history_["coordinate_updates"][0], X.nnz

    small, nnz_small = epoch_updates(2**14, "lazy")
    large, nnz_large = epoch_updates(2**20, "lazy")
    steps = n // 8
    assert small <= nnz_small + steps and large <= nnz_large + steps
    dense, _ = epoch_updates(2**14, "dense")
    assert dense == steps * (2**14 + 1)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_batch_of_the_whole_data_is_gradient_descent(binary, optimizer):
    X, y = binary
    params = _params(optimizer, max_iter=10, tol=None, shuffle=False)
    full = SGDClassifier(batch_size=None, **params).fit(X, y)
    whole = SGDClassifier(batch_size=len(y), **params).fit(X, y)
    np.testing.assert_array_equal(full.coef_, whole.coef_)
    assert full.t_ == whole.t_ == 11


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_learns_on_every_input_kind(binary, optimizer, dtype, sparse):
    X, y = binary
    X = X.astype(dtype)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0))
    clf = SGDClassifier(**_params(optimizer, batch_size=32, max_iter=30, tol=None)).fit(X, y)
    assert clf.coef_.dtype == dtype
    assert clf.score(X, y) > 0.8
    assert len(clf.loss_curve_) == 30 and clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert len(clf.history_["seconds"]) == 30


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_regresses_on_every_input_kind(optimizer, dtype, sparse):
    rng = np.random.RandomState(0)
    X = rng.randn(300, 8)
    X[np.abs(X) < 0.3] = 0.0
    y = X @ rng.randn(8) + 0.5
    X = (sp.csr_matrix(X) if sparse else X).astype(dtype)
    params = _params(optimizer, batch_size=16, max_iter=60, tol=None, loss="squared_error",
                     eta0=0.05, alpha=1e-5)
    reg = SGDRegressor(**params).fit(X, y)
    assert reg.coef_.dtype == dtype
    assert reg.score(X, y) > 0.9


def test_one_vs_rest_with_an_optimizer_and_multinomial(binary):
    X, y = make_classification(300, 10, n_informative=6, n_classes=4, class_sep=2.0,
                               random_state=2)
    for multi_class in ("ovr", "multinomial"):
        clf = SGDClassifier(**_params("adam", batch_size=16, max_iter=40, tol=None,
                                      multi_class=multi_class)).fit(X, y)
        proba = clf.predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
        assert clf.coef_.shape == (4, 10)
        assert clf.score(X, y) > 0.7


def _rates(**params):
    X, y = make_classification(50, 4, random_state=0)
    clf = SGDClassifier(batch_size=None, max_iter=12, tol=None, eta0=0.1, **params).fit(X, y)
    return np.array(clf.history_["learning_rate"])


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_batch_loss_curve_is_the_mean_objective_before_each_step(binary, optimizer, penalty):
    # Oracle: the model before each step, from one-batch partial_fit calls, and the
    # weighted loss of the batch's examples plus the penalty for each, computed here.
    X, y = binary
    X, y = X[:160], y[:160]
    sample_weight = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    params = _params(optimizer, batch_size=16, penalty=penalty, l1_ratio=0.4, shuffle=False)
    fitted = SGDClassifier(max_iter=1, tol=None, **params).fit(X, y, sample_weight=sample_weight)
    stepped = SGDClassifier(**params)
    l1_ratio = 1.0 if penalty == "l1" else 0.4
    coef, intercept, objective = np.zeros(X.shape[1]), 0.0, 0.0
    for start in range(0, len(y), 16):
        rows = slice(start, start + 16)
        margins = (2 * y[rows] - 1) * (X[rows] @ coef + intercept)
        objective += sample_weight[rows] @ np.logaddexp(0.0, -margins)
        objective += 16 * 1e-3 * ((1 - l1_ratio) / 2 * coef @ coef + l1_ratio * np.abs(coef).sum())
        stepped.partial_fit(X[rows], y[rows], classes=[0, 1], sample_weight=sample_weight[rows])
        coef, intercept = stepped.coef_.ravel().copy(), stepped.intercept_[0]
    np.testing.assert_allclose(stepped.coef_, fitted.coef_, rtol=1e-10, atol=1e-14)
    assert fitted.loss_curve_ == [pytest.approx(objective / len(y), rel=1e-10)]


@pytest.mark.parametrize("params", [
    dict(optimizer="adam", batch_size=8),
    dict(optimizer="sgd", batch_size=8),
    dict(optimizer="adam", batch_size=8, multi_class="multinomial"),
], ids=["binary-adam", "binary-sgd", "multinomial-adam"])
def test_class_weights_weigh_examples_as_sample_weights_do(params):
    # Oracle: a class weight is each of its examples' sample weight (for a binary problem
    # and a softmax over the classes; one-vs-rest weighs a class's negatives by 1).
    n_classes = 3 if "multi_class" in params else 2
    X, y = make_classification(240, 8, n_informative=5, n_classes=n_classes, random_state=3)
    class_weight = {0: 2.5, 1: 0.4, 2: 1.7}
    params = _params(max_iter=4, tol=None, **params)
    by_class = SGDClassifier(class_weight={c: class_weight[c] for c in range(n_classes)},
                             **params).fit(X, y)
    by_example = SGDClassifier(**params).fit(X, y, sample_weight=[class_weight[c] for c in y])
    np.testing.assert_allclose(by_class.coef_, by_example.coef_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(by_class.loss_curve_, by_example.loss_curve_, rtol=1e-12)
    unweighted = SGDClassifier(**params).fit(X, y)
    assert not np.allclose(by_class.coef_, unweighted.coef_)


def test_averaged_mini_batch_sgd_is_the_mean_of_its_iterates(binary):
    # Oracle: one batch per partial_fit call, and the iterates averaged here.
    X, y = binary
    X, y = X[:160], y[:160]
    params = _params("sgd", batch_size=16, penalty="elasticnet", l1_ratio=0.3, shuffle=False)
    averaged = SGDClassifier(average=3, max_iter=1, tol=None, **params).fit(X, y)
    plain = SGDClassifier(**params)
    coefs, intercepts = [], []
    for start in range(0, len(y), 16):
        plain.partial_fit(X[start:start + 16], y[start:start + 16], classes=[0, 1])
        coefs.append(plain.coef_.copy())
        intercepts.append(plain.intercept_.copy())
    # Averaging from step 3: the iterates after steps 3, 4, ... (t_ counts steps + 1).
    np.testing.assert_allclose(averaged.coef_, np.mean(coefs[2:], axis=0), rtol=1e-10,
                               atol=1e-13)
    np.testing.assert_allclose(averaged.intercept_, np.mean(intercepts[2:], axis=0), rtol=1e-10)


@pytest.mark.parametrize("kind", ["binary", "multinomial", "regression"])
def test_batch_early_stopping_scores_the_weighted_held_out_rows(kind):
    # Oracle: the returned model's own weighted score on the rows scikit-learn's
    # splitter holds out equals the last validation score.
    from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

    rng = np.random.RandomState(0)
    params = _params("adam", batch_size=8, early_stopping=True, n_iter_no_change=2,
                     max_iter=8, tol=None)
    if kind == "regression":
        X, y = make_regression(300, 6, noise=5.0, random_state=0)
        y = y / 100
        del params["loss"]
        model, splitter = SGDRegressor(**params), ShuffleSplit
    else:
        X, y = make_classification(300, 6, n_informative=4, random_state=0,
                                   n_classes=3 if kind == "multinomial" else 2)
        extra = dict(multi_class="multinomial") if kind == "multinomial" else {}
        model, splitter = SGDClassifier(**params, **extra), StratifiedShuffleSplit
    sample_weight = rng.uniform(0.1, 3.0, len(y))
    model.fit(X, y, sample_weight=sample_weight)
    held_out = next(splitter(test_size=0.1, random_state=0).split(np.zeros((len(y), 1)), y))[1]
    assert model.validation_scores_[-1] == pytest.approx(
        model.score(X[held_out], y[held_out], sample_weight=sample_weight[held_out]),
        rel=1e-12)


def test_schedules_per_epoch():
    e = np.arange(12)
    np.testing.assert_allclose(_rates(learning_rate="exponential", gamma=0.8), 0.1 * 0.8**e)
    np.testing.assert_allclose(_rates(learning_rate="step", gamma=0.5, step_size=5),
                               0.1 * 0.5 ** (e // 5))
    cosine = _rates(learning_rate="cosine", eta_min=0.01)
    np.testing.assert_allclose(cosine, 0.01 + 0.09 * (1 + np.cos(np.pi * e / 12)) / 2)
    warm = _rates(learning_rate="constant", warmup_steps=4)
    np.testing.assert_allclose(warm, 0.1 * np.minimum(1.0, (e + 1) / 4))


@pytest.mark.parametrize("params", [
    dict(learning_rate="exponential", gamma=0.8),
    dict(learning_rate="step", gamma=0.5, step_size=1),
    dict(learning_rate="step", gamma=0.5, step_size=5),
    dict(learning_rate="cosine", eta_min=0.01),
], ids=str)
def test_streams_and_dask_hold_each_epochs_rate_as_the_core_sets_it(params):
    # fit_stream's passes and the Dask rounds take epoch e's rate from _schedules; it is
    # the rate the core starts epoch e of a fit at.
    from sgdlearn import _schedules

    estimator = SGDClassifier(eta0=0.1, **params)
    held = [_schedules.epoch_rate(estimator, e, 12) for e in range(12)]
    np.testing.assert_allclose(held, _rates(**params), rtol=1e-12)


@pytest.mark.parametrize("learning_rate", ["exponential", "step", "cosine"])
def test_epoch_schedules_warn_that_partial_fit_calls_restart_them(learning_rate):
    # Each partial_fit call is a call of its own epochs: the schedule starts again, which
    # the first call says (once).
    X, y = make_classification(60, 4, random_state=0)
    clf = SGDClassifier(learning_rate=learning_rate, eta0=0.1, gamma=0.5, step_size=1,
                        eta_min=0.01, random_state=0)
    with pytest.warns(UserWarning, match="each partial_fit call"):
        clf.partial_fit(X, y, classes=[0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.partial_fit(X, y)
    first, second = clf.history_["learning_rate"]
    assert first == second


def test_clipping_tames_a_diverging_problem():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 5) * 30
    y = X @ rng.randn(5)
    params = dict(learning_rate="constant", eta0=0.01, batch_size=10, max_iter=20, tol=None,
                  penalty=None, shuffle=False)
    with pytest.raises(ValueError, match="diverged"):
        SGDRegressor(**params).fit(X, y)
    clipped = SGDRegressor(clip_norm=1.0, **params).fit(X, y)
    assert np.all(np.isfinite(clipped.coef_))
    assert clipped.loss_curve_[-1] < clipped.loss_curve_[0]


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(optimizer="adam"), "learning_rate='optimal'"),
        (dict(learning_rate="pa1", batch_size=4), "batch_size=1"),
        (dict(optimizer="adam", learning_rate="constant", average=True), "average"),
        (dict(multi_class="multinomial", loss="hinge"), "log_loss"),
    ],
)
def test_invalid_combinations_are_explained(binary, params, message):
    X, y = binary
    with pytest.raises(ValueError, match=message):
        SGDClassifier(**params).fit(X, y)


def _with_rows_reversed(X):
    """A copy of CSR matrix X with each row's entries in reverse order (unsorted)."""
    X = sp.csr_matrix((X.data.copy(), X.indices.copy(), X.indptr.copy()), shape=X.shape)
    for i in range(X.shape[0]):
        row = slice(X.indptr[i], X.indptr[i + 1])
        X.data[row], X.indices[row] = X.data[row][::-1], X.indices[row][::-1]
    X.has_sorted_indices = False
    assert not X.has_sorted_indices
    return X


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "momentum", "ftrl"])
@pytest.mark.parametrize("sparse", [False, True, "unsorted"], ids=["dense", "csr", "unsorted-csr"])
@pytest.mark.parametrize("multinomial", [False, True])
@pytest.mark.parametrize("sparse_update", ["lazy", "dense"])
def test_threads_share_a_batch_deterministically(optimizer, sparse, multinomial, sparse_update):
    # Threads take fixed pieces of the batch (of its examples, or of its columns for
    # sparse rows with sorted indices) and the pieces are added in order: the same
    # n_jobs gives the same bits; other n_jobs only change rounding.
    X, y = make_classification(2000, 30, n_informative=10, n_classes=3 if multinomial else 2,
                               random_state=3)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    if sparse == "unsorted":  # the general path takes them
        X = _with_rows_reversed(X)
    params = _params(optimizer, batch_size=256, max_iter=3, tol=None, sparse_update=sparse_update)
    multi_class = "multinomial" if multinomial else "ovr"
    one = SGDClassifier(n_jobs=1, multi_class=multi_class, **params).fit(X, y)
    two = SGDClassifier(n_jobs=2, multi_class=multi_class, **params).fit(X, y)
    again = SGDClassifier(n_jobs=2, multi_class=multi_class, **params).fit(X, y)
    np.testing.assert_array_equal(two.coef_, again.coef_)
    np.testing.assert_array_equal(two.loss_curve_, again.loss_curve_)
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-9, atol=1e-12)
    reg = SGDRegressor(n_jobs=2, **{**params, "loss": "squared_error"}).fit(X, y)
    assert np.all(np.isfinite(reg.coef_))


@pytest.mark.parametrize("setting", [
    dict(penalty="l2"),  # shared by column, the scale factor moved once the parts are done
    dict(penalty=None),
    dict(penalty="l2", alpha=1.05, eta0=0.9),  # the scale falls below its floor: folded
    dict(penalty="l2", alpha=1.0, eta0=1.0),  # eta alpha = 1: every step zeroes the weights
    dict(penalty="elasticnet", l1_ratio=0.3),  # the L1 penalty's total, moved per step
    dict(penalty="l1", alpha=1e-2),  # most weights truncated to 0
    dict(penalty="l2", average=True),  # the average's factors, moved per step
    dict(penalty="l2", average=2),  # averaging begins within the first call
    dict(penalty="elasticnet", average=True, alpha=1.05, eta0=0.9),  # all three, folded
], ids=["l2", "none", "scale-floor", "zeroing", "elasticnet", "l1", "averaged",
        "average-begins", "averaged-elasticnet-floor"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_plain_sgd_shares_a_sparse_batch_between_threads(setting, n_classes):
    # Plain SGD keeps w = scale * v (and the average and the L1 penalty in per-step
    # scalars): a batch's step is shared by column, its parts reading those scalars as
    # the step found them. Two threads take the steps one thread takes, in other
    # rounding, over several partial_fit calls that leave the scale factor between them.
    X, y = make_classification(3000, 40, n_informative=10, n_classes=n_classes,
                               random_state=5)
    X = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    params = {**dict(optimizer="sgd", learning_rate="constant", eta0=0.01, alpha=1e-3,
                     batch_size=1024, random_state=0), **setting}
    one, two, again = (SGDClassifier(n_jobs=n, **params) for n in (1, 2, 2))
    for start in range(0, 3000, 1500):
        for model in (one, two, again):
            model.partial_fit(X[start:start + 1500], y[start:start + 1500], classes=np.unique(y))
    np.testing.assert_array_equal(two.coef_, again.coef_)
    np.testing.assert_array_equal(two.intercept_, again.intercept_)
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(two.intercept_, one.intercept_, rtol=1e-9, atol=1e-12)
    fitted = SGDClassifier(n_jobs=2, max_iter=5, tol=None, **params).fit(X, y)
    reference = SGDClassifier(n_jobs=1, max_iter=5, tol=None, **params).fit(X, y)
    np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=1e-9, atol=1e-12)
    # the tracked norm of the weights enters the objective
    np.testing.assert_allclose(fitted.loss_curve_, reference.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("setting", [
    dict(penalty="l2"), dict(penalty="l1"), dict(penalty="elasticnet", l1_ratio=0.5),
    dict(penalty="l2", alpha=5.0),  # the scale falls under its floor every 72 steps
], ids=["l2", "l1", "elasticnet", "scale-floor"])
@pytest.mark.parametrize("copies, n_jobs", [(2, 1), (128, 2)], ids=["one-thread", "by-column"])
def test_a_batch_of_copies_of_one_example_takes_that_examples_step(setting, copies, n_jobs):
    # Oracle: the one-example trainer (scikit-learn's algorithm, checked against it in
    # test_sklearn_parity). A batch of copies of one row has that row's gradient, so
    # batches over each row repeated take the steps of one example at a time, with the
    # L2 scale, the L1 penalty's total and the fold at the scale's floor.
    X, y = make_classification(150, 30, n_informative=8, random_state=4)
    X = sp.csr_matrix(np.where(np.abs(X) > 0.8, X, 0.0))
    params = {**dict(optimizer="sgd", learning_rate="constant", eta0=0.05, alpha=1e-3,
                     shuffle=False, max_iter=3, tol=None, random_state=0), **setting}
    single = SGDClassifier(batch_size=1, **params).fit(X, y)
    repeated = np.repeat(np.arange(X.shape[0]), copies)
    batched = SGDClassifier(batch_size=copies, n_jobs=n_jobs, **params).fit(X[repeated], y[repeated])
    np.testing.assert_allclose(batched.coef_, single.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(batched.intercept_, single.intercept_, rtol=1e-9, atol=1e-12)


def test_a_shared_step_begins_the_average_of_outputs_whose_average_had_not_begun():
    # One-vs-rest problems stop at their own epochs, and those that stopped before
    # `average` keep their weights where the model shows the average. Mini-batches
    # shared by column that go on from there begin those averages afresh. Oracle: the
    # mean of the iterates, which a copy that stops averaging shows one call at a time.
    X, y = make_classification(300, 5, n_informative=4, n_redundant=0, n_classes=3,
                               random_state=0)
    first = SGDClassifier(average=9900, random_state=0).fit(X, y)
    not_begun = first._average_counts == 0
    assert 0 < np.count_nonzero(not_begun) < 3  # begun for some outputs only
    averaged, plain = (pickle.loads(pickle.dumps(first)).set_params(batch_size=100, n_jobs=2)
                       for _ in range(2))
    plain.set_params(average=False)
    X_sparse = sp.csr_matrix(X)
    iterates = []
    for start in range(0, 300, 100):  # one step a call
        averaged.partial_fit(X_sparse[start:start + 100], y[start:start + 100])
        plain.partial_fit(X_sparse[start:start + 100], y[start:start + 100])
        iterates.append(plain.coef_.copy())
    np.testing.assert_allclose(averaged.coef_[not_begun], np.mean(iterates, axis=0)[not_begun],
                               rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("setting", [
    dict(penalty="l2"), dict(penalty="elasticnet", l1_ratio=0.3), dict(penalty="l2", average=True),
], ids=["l2", "elasticnet", "averaged"])
def test_plain_sgd_shares_unsorted_rows_by_example(setting):
    # Rows with unsorted indices cannot be cut by column: from 512 rows a thread, each
    # thread sums the gradient of its piece of the batch and one thread takes the step.
    X, y = make_classification(3000, 40, n_informative=10, n_classes=3, random_state=5)
    X = _with_rows_reversed(sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0)))
    params = {**dict(optimizer="sgd", learning_rate="constant", eta0=0.01, alpha=1e-3,
                     batch_size=1024, max_iter=5, tol=None, random_state=0), **setting}
    one, two, again = (SGDClassifier(n_jobs=n, **params).fit(X, y) for n in (1, 2, 2))
    np.testing.assert_array_equal(two.coef_, again.coef_)
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(two.loss_curve_, one.loss_curve_, rtol=1e-9)


_FIT_WITH_TWO_JOBS = """
import sys
import numpy as np
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sgdlearn import SGDClassifier
X, y = make_classification(2000, 30, n_informative=10, random_state=3)
X = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
clf = SGDClassifier(loss="log_loss", optimizer=sys.argv[2], learning_rate="constant", eta0=0.01,
                    batch_size=64, max_iter=5, tol=None, random_state=0, n_jobs=2).fit(X, y)
np.save(sys.argv[1], clf.coef_)
"""


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_smaller_team_of_threads_gives_the_same_bits(tmp_path, optimizer):
    # The pieces of a batch are those of n_jobs, whatever team OpenMP grants: with a
    # thread limit of 1, one thread takes both pieces and must give the same model as
    # two threads taking a piece each. The 160 steps of the granted run also go through
    # the trials of both teams (TeamChooser) and whichever it then keeps. The loss is
    # smooth, so that a difference in rounding changes the model.
    paths = {}
    for name, limit in (("granted", None), ("limited", "1")):
        env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
        if limit:
            env["OMP_THREAD_LIMIT"] = limit
        paths[name] = tmp_path / f"{name}.npy"
        subprocess.run([sys.executable, "-c", _FIT_WITH_TWO_JOBS, str(paths[name]), optimizer],
                       env=env, check=True)
    np.testing.assert_array_equal(np.load(paths["granted"]), np.load(paths["limited"]))


@pytest.mark.parametrize("optimizer", [o for o in OPTIMIZERS if o != "sgd"])
@pytest.mark.parametrize("multinomial", [False, True])
def test_single_example_steps_equal_the_batch_path(optimizer, multinomial):
    # batch_size=1 on sparse rows skips the gradient buffers: it must take the steps
    # the general path takes on the same data stored densely.
    X, y = make_classification(120, 8, n_informative=5, n_classes=3 if multinomial else 2,
                               random_state=0)
    params = _params(optimizer, batch_size=1, max_iter=3, tol=None,
                     multi_class="multinomial" if multinomial else "ovr")
    on_sparse = SGDClassifier(**params).fit(sp.csr_matrix(X), y)
    on_dense = SGDClassifier(**params).fit(X, y)
    np.testing.assert_allclose(on_sparse.coef_, on_dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(on_sparse.intercept_, on_dense.intercept_, rtol=1e-10)
    np.testing.assert_allclose(on_sparse.loss_curve_, on_dense.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("defect, n_jobs, batch_size",
                         [("repeated", 1, 1), ("unsorted", 2, 64), ("repeated", 2, 64)])
def test_one_row_out_of_canonical_order_is_noticed(defect, n_jobs, batch_size):
    # Whether every row is canonical is decided in one pass over all the indices at once,
    # their descents at the starts of rows taken off. One row in the middle holding a
    # repeated or an unsorted pair, among empty rows, must still take the general path
    # where the fast one would go wrong: the one-example step would update a repeated
    # coordinate once, and the step shared by column would cut an unsorted row in the
    # wrong place. A repeated pair on two threads trains right on either path (it stays
    # in one piece of a row cut by column, and its values add up): checked as well.
    X, y = make_classification(300, 12, n_informative=6, random_state=0)
    X[::7] = 0.0
    canonical = sp.csr_matrix(X)
    data, indices, indptr = canonical.data.copy(), canonical.indices.copy(), canonical.indptr.copy()
    row = slice(indptr[150], indptr[151])
    if defect == "repeated":  # its last entry split in two halves
        last = row.stop - 1
        data[last] /= 2
        data, indices = np.insert(data, last, data[last]), np.insert(indices, last, indices[last])
        indptr[151:] += 1
    else:  # reversed, across the columns' cut
        data[row], indices[row] = data[row][::-1], indices[row][::-1]
    odd = sp.csr_matrix((data, indices, indptr), shape=X.shape)
    assert not odd.has_canonical_format
    params = _params("adam", batch_size=batch_size, max_iter=2, tol=None, n_jobs=n_jobs)
    np.testing.assert_allclose(SGDClassifier(**params).fit(odd, y).coef_,
                               SGDClassifier(**params).fit(canonical, y).coef_, rtol=1e-10)


def test_an_empty_row_does_not_hide_a_swapped_pair():
    # The pass takes off each descent at the start of a row once: an empty row shares
    # its start with the next row, and taking that descent off twice would cancel the
    # one descent of a row whose middle pair is swapped, sending it down the step shared
    # by column, which would cut it in the wrong place.
    X, y = make_classification(300, 12, n_informative=6, random_state=0)
    X[100] = 0.0
    canonical = sp.csr_matrix(X)
    data, indices, indptr = canonical.data.copy(), canonical.indices.copy(), canonical.indptr.copy()
    middle = indptr[150] + 5  # columns 5 and 6, on either side of the columns' cut
    for a in (data, indices):
        a[middle], a[middle + 1] = a[middle + 1], a[middle]
    odd = sp.csr_matrix((data, indices, indptr), shape=X.shape)
    params = _params("adam", batch_size=64, max_iter=2, tol=None, n_jobs=2)
    np.testing.assert_allclose(SGDClassifier(**params).fit(odd, y).coef_,
                               SGDClassifier(**params).fit(canonical, y).coef_, rtol=1e-10)


@pytest.mark.parametrize("optimizer", ["adam", "ftrl"])
def test_repeated_indices_in_a_row_add_up(optimizer):
    # scipy keeps duplicate (row, column) entries and means their sum: a row holding
    # x_j in two parts must train as the row holding it once.
    X, y = make_classification(100, 6, random_state=0)
    rows, cols = np.nonzero(X)
    rows, cols = np.r_[rows, rows], np.r_[cols, cols]
    order = np.lexsort((cols, rows))
    indptr = np.searchsorted(rows[order], np.arange(X.shape[0] + 1))
    repeated = sp.csr_matrix((X[rows, cols][order] / 2, cols[order], indptr), shape=X.shape)
    assert not repeated.has_canonical_format
    params = _params(optimizer, batch_size=1, max_iter=2, tol=None)
    np.testing.assert_allclose(SGDClassifier(**params).fit(repeated, y).coef_,
                               SGDClassifier(**params).fit(sp.csr_matrix(X), y).coef_,
                               rtol=1e-10)

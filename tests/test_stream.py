# SPDX-License-Identifier: BSD-3-Clause
"""fit_stream: equal to partial_fit over the same chunks, progressive validation,
passes through the cache, holdout and early stopping, checkpoints and resuming."""

from pathlib import Path

import numpy as np
import pytest
from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss, HalfSquaredError, HuberLoss
from sklearn.datasets import dump_svmlight_file
from sklearn.linear_model import _sgd_fast

import sgdlearn
from sgdlearn import SGDClassifier, SGDRegressor, _stream, io

DATA = Path(__file__).parent / "data"


def make_problem(n=1500, n_features=20, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features)) * (rng.random((n, n_features)) < 0.4)
    W = rng.standard_normal((n_features, n_classes))
    y = np.argmax(X @ W + 0.3 * rng.standard_normal((n, n_classes)), axis=1)
    return X, y


@pytest.mark.parametrize("chunk_size", [1, 2, 100])
def test_an_unknown_label_is_named_by_file_and_line(tmp_path, chunk_size):
    first, second = tmp_path / "first.svm", tmp_path / "second.svm"
    first.write_text("1 1:1\n2 2:1\n")
    second.write_text("# a comment\n2 1:1\n\n5 1:1\n1 2:1\n")
    with pytest.raises(ValueError,
                       match=r"second.svm:4: label 5.0 is not among the classes \[1, 2\]"):
        SGDClassifier().fit_stream([first, second], classes=[1, 2], n_features=2,
                                   chunk_size=chunk_size, progress=False)
    # A fitted model's classes, continued on a new file, are checked alike.
    model = SGDClassifier().fit_stream(first, n_features=2, progress=False)
    with pytest.raises(ValueError, match=r"second.svm:4: label 5.0 is not among"):
        model.fit_stream(second, chunk_size=chunk_size, progress=False)


@pytest.fixture(scope="module")
def binary_file(tmp_path_factory):
    X, y = make_problem()
    path = tmp_path_factory.mktemp("stream") / "binary.svm"
    dump_svmlight_file(X, 2 * y - 1, str(path), zero_based=False)
    return path


@pytest.fixture(scope="module")
def multiclass_file(tmp_path_factory):
    X, y = make_problem(n_classes=4, seed=1)
    path = tmp_path_factory.mktemp("stream") / "multi.svm"
    dump_svmlight_file(X, y + 1, str(path), zero_based=False)
    return path


def partial_fit_reference(
    estimator, path, chunk_size, n_features, passes=1, classes=None, drop=None
):
    """The same estimator trained by partial_fit over iter_chunks (rows `drop` removed)."""
    for _ in range(passes):
        start = 0
        for X, y in io.iter_chunks(path, chunk_size=chunk_size, n_features=n_features):
            keep = np.ones(len(y), bool) if drop is None else ~drop(start, len(y))
            start += len(y)
            if keep.any():
                if classes is None:
                    estimator.partial_fit(X[keep], y[keep])
                else:
                    estimator.partial_fit(X[keep], y[keep], classes=classes)
    return estimator


def assert_same_model(a, b):
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    assert a.t_ == b.t_


@pytest.mark.parametrize(
    "params",
    [
        dict(loss="hinge"),
        dict(loss="log_loss", optimizer="adam", learning_rate="constant", eta0=0.01, batch_size=16),
        dict(loss="modified_huber", average=True, penalty="elasticnet"),
    ],
)
def test_one_pass_equals_partial_fit_over_the_same_chunks(binary_file, params):
    clf = SGDClassifier(random_state=0, **params)
    clf.fit_stream(binary_file, chunk_size=200, classes=[-1, 1], n_features=20, progress=False)
    reference = partial_fit_reference(
        SGDClassifier(random_state=0, **params), binary_file, 200, 20, classes=[-1, 1]
    )
    assert_same_model(clf, reference)
    assert len(clf.progressive_loss_) == 8  # 1500 rows in chunks of 200
    assert clf.stream_history_["examples"] == [1500]


def test_classes_and_width_read_in_a_first_scan(multiclass_file):
    clf = SGDClassifier(random_state=0).fit_stream(multiclass_file, chunk_size=300, progress=False)
    np.testing.assert_array_equal(clf.classes_, [1, 2, 3, 4])
    assert clf.n_features_in_ == 20
    reference = partial_fit_reference(
        SGDClassifier(random_state=0), multiclass_file, 300, 20, classes=[1, 2, 3, 4]
    )
    assert_same_model(clf, reference)
    X, y = io.load_svmlight(multiclass_file, n_features=20)
    assert clf.score(X, y) > 0.6


def weighted_vw_file(path, n=400):
    """Vowpal Wabbit regression lines with importance weights 0.5, 1 and 2."""
    rng = np.random.default_rng(3)
    lines = []
    for _ in range(n):
        features = {
            f"w{k}": round(float(rng.standard_normal()), 4)
            for k in rng.choice(12, 4, replace=False)
        }
        weight = float(rng.choice([0.5, 1.0, 2.0]))
        target = sum(features.values()) + 0.5
        lines.append(
            f"{target:.6f} {weight} |x " + " ".join(f"{k}:{v}" for k, v in features.items())
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_regressor_and_vw_importance_weights(tmp_path):
    path = weighted_vw_file(tmp_path / "r.vw")
    reg = SGDRegressor(random_state=0, learning_rate="constant", eta0=0.02)
    reg.fit_stream(path, chunk_size=64, hash_bits=10, progress=False)
    reference = SGDRegressor(random_state=0, learning_rate="constant", eta0=0.02)
    for X, y, w in io.iter_chunks(path, chunk_size=64, hash_bits=10, return_weights=True):
        reference.partial_fit(X, y, sample_weight=w)
    assert_same_model(reg, reference)
    # the progressive loss: each example's loss just before its own step, weighted
    expected = replayed_progressive_losses(
        SGDRegressor(random_state=0, learning_rate="constant", eta0=0.02, shuffle=False),
        path, chunk_size=64, read=dict(hash_bits=10),
    )
    in_order = SGDRegressor(random_state=0, learning_rate="constant", eta0=0.02, shuffle=False)
    in_order.fit_stream(path, chunk_size=64, hash_bits=10, progress=False)
    np.testing.assert_allclose(in_order.progressive_loss_, expected, rtol=1e-10)
    assert reg.progressive_loss_[-1] < reg.progressive_loss_[0] / 5


def test_importance_weights_in_cached_passes_and_the_holdout_loss(tmp_path):
    path = weighted_vw_file(tmp_path / "r.vw")
    kwargs = dict(chunk_size=64, hash_bits=10, passes=3, progress=False)
    cached = SGDRegressor(random_state=0).fit_stream(path, cache=True, **kwargs)
    reread = SGDRegressor(random_state=0).fit_stream(path, cache=False, **kwargs)
    assert_same_model(cached, reread)
    assert cached.progressive_loss_ == reread.progressive_loss_
    # One chunk: the holdout rows are scored under the zero model, weighted.
    X, y, w = io.load_vw(path, hash_bits=10, return_weights=True)
    held = _stream.held_out(0, len(y), 0.5)
    one = SGDRegressor(random_state=0).fit_stream(path, hash_bits=10, chunk_size=len(y),
                                                  holdout=0.5, progress=False)
    assert one.stream_history_["holdout_loss"][0] == pytest.approx(
        np.average(0.5 * y[held] ** 2, weights=w[held]), rel=1e-12)


def replayed_progressive_losses(estimator, path, chunk_size, read, step_rows=1, classes=None):
    """Per chunk, the weighted mean loss of each example under the model just before the
    step that learns it: `estimator` learns step_rows rows a partial_fit call (one step)
    and example_losses (scikit-learn's losses, tested below) scores them before it."""
    means = []
    for X, y, w in io.iter_chunks(path, chunk_size=chunk_size, return_weights=True, **read):
        losses = []
        for s in range(0, len(y), step_rows):
            rows = slice(s, s + step_rows)
            losses.append(_stream.example_losses(estimator, X[rows], y[rows], classes))
            if classes is None:
                estimator.partial_fit(X[rows], y[rows], sample_weight=w[rows])
            else:
                estimator.partial_fit(X[rows], y[rows], classes=classes, sample_weight=w[rows])
        means.append(np.average(np.concatenate(losses), weights=w))
    return means


@pytest.mark.parametrize(
    "params, step_rows, multiclass",
    [
        (dict(loss="log_loss"), 1, False),
        (dict(loss="hinge", learning_rate="invscaling", eta0=0.05), 1, True),
        (dict(loss="modified_huber", optimizer="adagrad", learning_rate="constant", eta0=0.1), 1, False),
        (dict(loss="log_loss", multi_class="multinomial", optimizer="adam",
              learning_rate="constant", eta0=0.01, batch_size=25), 25, True),
        (dict(loss="squared_hinge", optimizer="momentum", learning_rate="constant",
              eta0=0.01, batch_size=10, n_jobs=2), 10, False),
    ],
)
def test_progressive_loss_is_each_examples_loss_before_its_step(
    binary_file, multiclass_file, params, step_rows, multiclass
):
    path, classes = (multiclass_file, [1, 2, 3, 4]) if multiclass else (binary_file, [-1, 1])
    make = lambda: SGDClassifier(random_state=0, shuffle=False, **params)  # noqa: E731
    clf = make().fit_stream(path, chunk_size=100, classes=classes, n_features=20, progress=False)
    expected = replayed_progressive_losses(
        make(), path, chunk_size=100, read=dict(n_features=20), step_rows=step_rows,
        classes=np.array(classes),
    )
    np.testing.assert_allclose(clf.progressive_loss_, expected, rtol=1e-10)
    assert clf.progressive_loss_[-1] < clf.progressive_loss_[0]


@pytest.mark.parametrize("params", [dict(average=True), dict(class_weight={-1: 2.0, 1: 1.0})])
def test_averaged_or_class_weighted_progressive_loss_is_per_chunk(binary_file, params):
    # the trainer's losses are not the model's here: each chunk is scored before it
    make = lambda: SGDClassifier(random_state=0, **params)  # noqa: E731
    clf = make().fit_stream(binary_file, chunk_size=300, classes=[-1, 1], n_features=20,
                            progress=False)
    model, expected = make(), []
    for X, y in io.iter_chunks(binary_file, chunk_size=300, n_features=20):
        expected.append(_stream.example_losses(model, X, y, np.array([-1, 1])).mean())
        model.partial_fit(X, y, classes=[-1, 1])
    np.testing.assert_allclose(clf.progressive_loss_, expected, rtol=1e-12)


def sklearn_loss(loss, epsilon, p, y):
    """Per-example losses from scikit-learn's own implementations."""
    if loss == "log_loss":
        return HalfBinomialLoss().loss((y > 0).astype(float), p)
    if loss == "squared_error":
        return HalfSquaredError().loss(y, p)
    if loss == "huber":
        return HuberLoss(delta=epsilon).loss(y, p)
    classes = {
        "hinge": lambda: _sgd_fast.Hinge(1.0),
        "perceptron": lambda: _sgd_fast.Hinge(0.0),
        "squared_hinge": lambda: _sgd_fast.SquaredHinge(1.0),
        "modified_huber": lambda: _sgd_fast.ModifiedHuber(),
        "epsilon_insensitive": lambda: _sgd_fast.EpsilonInsensitive(epsilon),
        "squared_epsilon_insensitive": lambda: _sgd_fast.SquaredEpsilonInsensitive(epsilon),
    }
    fn = classes[loss]()
    return np.array([fn.py_loss(pi, yi) for pi, yi in zip(p, y)])


@pytest.mark.parametrize("loss", sorted(_stream._LOSSES))
def test_example_losses_equal_scikit_learns(loss):
    rng = np.random.default_rng(0)
    p = rng.standard_normal(200) * 3
    y = (
        rng.choice([-1.0, 1.0], 200)
        if loss in ("hinge", "perceptron", "squared_hinge", "modified_huber", "log_loss")
        else rng.standard_normal(200)
    )
    ours = _stream._LOSSES[loss](p, y, 0.3)
    np.testing.assert_allclose(ours, sklearn_loss(loss, 0.3, p, y), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", sorted(_stream._LOSSES))
def test_the_trainers_objective_uses_scikit_learns_losses(loss):
    # Oracle: scikit-learn's loss functions at an initial model that a learning rate of
    # 1e-12 leaves in place over the epoch, so loss_curve_ is their mean (no penalty).
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 4))
    coef, intercept = np.array([1.5, -2.0, 0.5, 1.0]), 0.3
    p = X @ coef + intercept
    classification = loss in ("hinge", "perceptron", "squared_hinge", "modified_huber",
                              "log_loss")
    params = dict(loss=loss, penalty=None, learning_rate="constant", eta0=1e-12,
                  max_iter=1, tol=None, shuffle=False, epsilon=0.3)
    if classification:
        y = rng.integers(0, 2, 300)
        model = SGDClassifier(**params).fit(X, y, coef_init=coef, intercept_init=intercept)
        expected = sklearn_loss(loss, 0.3, p, 2.0 * y - 1.0).mean()
    else:
        y = p + rng.standard_normal(300)  # residuals on both sides of epsilon
        model = SGDRegressor(**params).fit(X, y, coef_init=coef, intercept_init=intercept)
        expected = sklearn_loss(loss, 0.3, p, y).mean()
    assert model.loss_curve_[0] == pytest.approx(expected, rel=1e-9)


def test_multiclass_progressive_losses(multiclass_file):
    X, y = io.load_svmlight(multiclass_file, n_features=20)
    classes = np.array([1, 2, 3, 4])
    ovr = SGDClassifier(loss="hinge", random_state=0).partial_fit(X[:500], y[:500], classes=classes)
    scores = ovr.decision_function(X[500:])
    signs = np.where(np.arange(4) == np.searchsorted(classes, y[500:])[:, None], 1.0, -1.0)
    expected = sum(sklearn_loss("hinge", 0, scores[:, k], signs[:, k]) for k in range(4))
    np.testing.assert_allclose(_stream.example_losses(ovr, X[500:], y[500:], classes), expected)
    soft = SGDClassifier(loss="log_loss", multi_class="multinomial", random_state=0)
    soft.partial_fit(X[:500], y[:500], classes=classes)
    raw = soft.decision_function(X[500:])
    expected = HalfMultinomialLoss(n_classes=4).loss(
        np.searchsorted(classes, y[500:]).astype(float), raw
    )
    np.testing.assert_allclose(_stream.example_losses(soft, X[500:], y[500:], classes), expected)


def test_passes_from_the_cache_equal_passes_over_the_files(binary_file, tmp_path):
    kwargs = dict(chunk_size=300, classes=[-1, 1], n_features=20, passes=3, progress=False)
    cached = SGDClassifier(random_state=0).fit_stream(
        binary_file, cache=True, cache_dir=tmp_path, **kwargs
    )
    assert list(tmp_path.iterdir()) == []  # the cache is removed at the end
    reread = SGDClassifier(random_state=0).fit_stream(binary_file, cache=False, **kwargs)
    reference = partial_fit_reference(
        SGDClassifier(random_state=0), binary_file, 300, 20, passes=3, classes=[-1, 1]
    )
    assert_same_model(cached, reference)
    assert_same_model(reread, reference)
    assert cached.progressive_loss_ == reread.progressive_loss_
    assert cached.stream_history_["examples"] == [1500] * 3


def test_more_than_one_pass_reads_the_files_once(binary_file, monkeypatch):
    reads = []
    iter_chunks = io.iter_chunks
    monkeypatch.setattr(io, "iter_chunks", lambda *a, **k: reads.append(1) or iter_chunks(*a, **k))
    kwargs = dict(chunk_size=300, classes=[-1, 1], n_features=20, progress=False)
    SGDClassifier(random_state=0).fit_stream(binary_file, passes=2, **kwargs)  # cache="auto"
    assert len(reads) == 1


def test_passes_without_a_holdout_never_stop_early(binary_file):
    clf = SGDClassifier(random_state=0, n_iter_no_change=2)
    clf.fit_stream(binary_file, passes=5, progress=False)
    assert clf.stream_history_["examples"] == [1500] * 5


def test_a_fitted_model_keeps_its_width_and_classes(binary_file, tmp_path):
    clf = SGDClassifier(random_state=0).fit_stream(binary_file, progress=False)
    narrow = tmp_path / "narrow.svm"  # 3 columns, one label
    narrow.write_text("1 1:0.5 3:1\n1 2:1\n")
    clf.fit_stream(narrow, progress=False)
    assert clf.n_features_in_ == 20 and clf.classes_.tolist() == [-1, 1]
    assert clf.stream_history_["examples"] == [1500, 2]


@pytest.mark.parametrize("schedule, rates", [
    (dict(learning_rate="exponential", gamma=0.5), [0.1, 0.05, 0.025]),
    (dict(learning_rate="step", gamma=0.5, step_size=2), [0.1, 0.1, 0.05]),
    (dict(learning_rate="cosine", eta_min=0.01),
     [0.1, 0.01 + 0.09 * 0.75, 0.01 + 0.09 * 0.25]),  # (1 + cos(pi p / 3)) / 2
])
def test_each_pass_is_an_epoch_of_the_epoch_schedules(binary_file, schedule, rates):
    # Oracle: partial_fit over the chunks with the pass's rate as a constant, by hand.
    # Without it every chunk, a call of its own, would start the schedule again.
    params = dict(random_state=0, eta0=0.1, **schedule)
    streamed = SGDClassifier(**params).fit_stream(
        binary_file, chunk_size=300, classes=[-1, 1], n_features=20, passes=3,
        progress=False)
    reference = SGDClassifier(**{**params, "learning_rate": "constant"})
    for rate in rates:
        reference.set_params(eta0=rate)
        partial_fit_reference(reference, binary_file, 300, 20, classes=[-1, 1])
    np.testing.assert_allclose(streamed.coef_, reference.coef_, rtol=1e-12)
    np.testing.assert_allclose(streamed.intercept_, reference.intercept_, rtol=1e-12)
    np.testing.assert_allclose(np.unique(streamed.history_["learning_rate"]),
                               np.unique(rates), rtol=1e-12)
    assert streamed.get_params()["learning_rate"] == schedule["learning_rate"]
    # Later partial_fit calls are plain calls again (and were warned about on the first).
    streamed.partial_fit(*io.load_svmlight(binary_file, n_features=20))
    assert streamed.history_["learning_rate"][-1] != pytest.approx(rates[-1])


def test_holdout_rows_are_never_learned_and_scored_each_pass(binary_file):
    clf = SGDClassifier(random_state=0, tol=None)
    clf.fit_stream(
        binary_file,
        chunk_size=250,
        classes=[-1, 1],
        n_features=20,
        passes=2,
        holdout=0.1,
        progress=False,
    )
    drop = lambda start, n: _stream.held_out(start, n, 0.1)  # noqa: E731
    assert drop(0, 20).nonzero()[0].tolist() == [9, 19]  # every tenth example
    reference = partial_fit_reference(
        SGDClassifier(random_state=0, tol=None),
        binary_file,
        250,
        20,
        passes=2,
        classes=[-1, 1],
        drop=drop,
    )
    assert_same_model(clf, reference)
    history = clf.stream_history_
    assert history["examples"] == [1350, 1350]
    assert all(np.isfinite(history["holdout_loss"]))


@pytest.mark.parametrize("fraction", [0.1, 0.3, 1 / 7])
def test_holdout_rows_do_not_depend_on_the_chunks(fraction):
    # Rows are held out by their place in the pass, so that every chunking (and a run
    # resumed with another chunk size) holds out the same rows, a fraction f of them.
    whole = _stream.held_out(0, 1000, fraction)
    for sizes in ([250] * 4, [7, 13, 100, 880], [1] * 10 + [990]):
        starts = np.cumsum([0] + sizes[:-1])
        chunked = np.concatenate([_stream.held_out(start, size, fraction)
                                  for start, size in zip(starts, sizes)])
        np.testing.assert_array_equal(chunked, whole)
    assert whole.sum() == int(np.floor(1000 * fraction))


def test_early_stopping_on_the_holdout_loss(binary_file):
    # A tolerance no pass can meet: stop after n_iter_no_change passes without it.
    clf = SGDClassifier(random_state=0, tol=10.0, n_iter_no_change=2)
    clf.fit_stream(
        binary_file,
        chunk_size=500,
        classes=[-1, 1],
        n_features=20,
        passes=10,
        holdout=0.2,
        progress=False,
    )
    assert len(clf.stream_history_["holdout_loss"]) == 3

    def stops(losses, tol, **params):
        """The rule after the passes before the last, and whether it stops after that."""
        estimator = SGDClassifier(tol=tol, n_iter_no_change=2, **params)
        stopping = _stream._holdout_stopping(estimator, losses[:-1])
        return stopping, stopping.says_stop(losses[-1])

    assert not stops([0.5, 0.4, 0.3], 1e-3)[1]
    assert stops([0.5, 0.4, 0.45, 0.41], 1e-3)[1]
    assert stops([0.5, 0.45, 0.4495, 0.4491], 1e-3)[1]  # improving, by less than tol
    assert not stops([0.5, 0.4, 0.45, 0.41], None)[1]
    # The adaptive schedule divides its rate by 5 at each stall, and stops below 1e-6.
    adaptive = dict(learning_rate="adaptive", eta0=0.1)
    stopping, stop = stops([0.5, 0.4, 0.45, 0.41, 0.42, 0.43], 1e-3, **adaptive)
    assert not stop and stopping.eta == pytest.approx(0.1 / 25)
    assert stops([0.5] + [0.6] * 20, 1e-3, **adaptive)[1]


def test_an_adaptive_rate_shrinks_when_the_holdout_loss_stalls(binary_file):
    # A tolerance no pass meets: after the first pass each one stalls, and with
    # n_iter_no_change=1 the next pass learns at a fifth of the rate.
    clf = SGDClassifier(random_state=0, learning_rate="adaptive", eta0=0.1, tol=10.0,
                        n_iter_no_change=1)
    clf.fit_stream(binary_file, chunk_size=500, classes=[-1, 1], n_features=20, passes=4,
                   holdout=0.2, progress=False)
    rates = np.reshape(clf.history_["learning_rate"], (4, -1))
    np.testing.assert_allclose(rates[:, 0], [0.1, 0.1, 0.02, 0.004])
    assert np.all(rates == rates[:, :1])  # held over each pass
    assert clf.get_params()["learning_rate"] == "adaptive"


class Crash(Exception):
    pass


@pytest.mark.parametrize("crash_at", [(0, 600), (1, 900)])  # (pass, rows read)
def test_a_crashed_run_resumes_to_the_uninterrupted_model(binary_file, tmp_path, crash_at):
    kwargs = dict(
        chunk_size=150,
        classes=[-1, 1],
        n_features=20,
        passes=2,
        holdout=0.1,
        checkpoint_every=300,
        progress=False,
    )
    params = dict(
        loss="log_loss",
        optimizer="adagrad",
        learning_rate="constant",
        eta0=0.05,
        random_state=0,
        tol=None,
    )
    whole = SGDClassifier(**params).fit_stream(binary_file, **kwargs)
    checkpoint = tmp_path / "run.sgdl"

    def crash(estimator, info):
        if (info["pass"], info["rows"]) == crash_at:
            raise Crash

    with pytest.raises(Crash):
        SGDClassifier(**params).fit_stream(
            binary_file, checkpoint=checkpoint, callback=crash, **kwargs
        )
    saved = sgdlearn.load(checkpoint)
    assert saved._stream_state["pass"] == crash_at[0]
    assert saved._stream_state["rows"] == crash_at[1]  # a checkpoint every 300 rows
    resumed = SGDClassifier(**params).fit_stream(
        binary_file, checkpoint=checkpoint, resume=checkpoint, **kwargs
    )
    assert_same_model(resumed, whole)
    np.testing.assert_array_equal(resumed._optimizer_state[0], whole._optimizer_state[0])
    assert resumed.progressive_loss_ == whole.progressive_loss_
    for key in ("examples", "progressive_loss", "holdout_loss"):
        assert resumed.stream_history_[key] == whole.stream_history_[key]
    # the final checkpoint is the finished model
    assert_same_model(sgdlearn.load(checkpoint), whole)
    with pytest.raises(ValueError, match="other parameters"):
        SGDClassifier(**{**params, "eta0": 0.1}).fit_stream(
            binary_file, resume=checkpoint, **kwargs
        )


def test_a_plain_model_file_is_not_a_checkpoint(binary_file, tmp_path):
    X, y = io.load_svmlight(binary_file)
    SGDClassifier().fit(X, y).save(tmp_path / "m.sgdl")
    with pytest.raises(ValueError, match="not a fit_stream checkpoint"):
        SGDClassifier().fit_stream(binary_file, resume=tmp_path / "m.sgdl")


def test_reporting(binary_file, capsys):
    SGDClassifier(random_state=0).fit_stream(
        binary_file, chunk_size=100, classes=[-1, 1], n_features=20
    )
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # no bar when not a terminal
    SGDClassifier(random_state=0).fit_stream(
        binary_file, chunk_size=100, classes=[-1, 1], n_features=20, verbose=1
    )
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].split() == ["average", "loss", "since", "last", "examples", "pass"]
    counts = [int(line.split()[2]) for line in lines[1:-1]]
    assert counts == [100, 200, 300, 600, 1100]  # the first chunk end past 1, 2, 4, 8, ...
    assert lines[-1].startswith("pass 1: 1500 examples, progressive loss ")


def test_progress_bar_on_a_terminal(binary_file, monkeypatch):
    import io as text_io
    import sys

    class Terminal(text_io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    SGDClassifier(random_state=0).fit_stream(
        binary_file, chunk_size=100, classes=[-1, 1], n_features=20
    )
    assert "examples" in terminal.getvalue() and "loss=" in terminal.getvalue()
    terminal.truncate(0)
    SGDClassifier(random_state=0).fit_stream(
        binary_file, chunk_size=100, classes=[-1, 1], n_features=20, progress=False
    )
    assert terminal.getvalue() == ""


def test_errors(binary_file, tmp_path):
    bad = tmp_path / "bad.svm"
    bad.write_text("1 1:1\n-1 2:1\nx 1:1\n")
    with pytest.raises(io.ParseError, match="bad.svm:3: bad label 'x'"):
        SGDClassifier().fit_stream(bad, classes=[-1, 1], n_features=2, progress=False)
    empty = tmp_path / "empty.svm"
    empty.write_text("# nothing\n")
    with pytest.raises(ValueError, match="no training examples"):
        SGDRegressor().fit_stream(empty, n_features=3, progress=False)
    with pytest.raises(ValueError, match="passes"):
        SGDClassifier().fit_stream(binary_file, passes=0)
    with pytest.raises(ValueError, match="holdout"):
        SGDClassifier().fit_stream(binary_file, holdout=1.0)
    with pytest.raises(ValueError, match="is not among the classes"):
        SGDClassifier().fit_stream(binary_file, classes=[1, 2], progress=False)
    with pytest.raises(ValueError, match="classes is for classifiers"):
        SGDRegressor().fit_stream(binary_file, classes=[-1, 1], progress=False)
    labels_only = tmp_path / "labels.svm"  # no features at all: one empty column
    labels_only.write_text("1\n-1\n")
    assert SGDClassifier().fit_stream(labels_only, progress=False).n_features_in_ == 1


def test_stream_docstring_examples_run():
    import doctest

    result = doctest.testmod(_stream, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0

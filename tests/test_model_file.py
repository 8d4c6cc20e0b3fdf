# SPDX-License-Identifier: BSD-3-Clause
"""Model files: round trips, exact continuation, and refusal of bad files."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

import sgdlearn
from sgdlearn import ModelFileError, SGDClassifier, SGDRegressor


@pytest.fixture(scope="module")
def data():
    return make_classification(200, 8, n_informative=5, n_classes=3, random_state=0)


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(loss="log_loss", penalty="elasticnet", average=10),
        dict(optimizer="adam", learning_rate="constant", eta0=0.01, batch_size=16),
        dict(optimizer="ftrl", learning_rate="constant", eta0=0.1, penalty="l1"),
        dict(loss="log_loss", multi_class="multinomial", optimizer="momentum",
             learning_rate="constant", eta0=0.01),
    ],
    ids=str,
)
def test_classifier_round_trip_continues_exactly(tmp_path, data, params):
    X, y = data
    labels = np.array(["ant", "bee", "cat"])[y]
    original = SGDClassifier(random_state=0, **params).fit(X, labels)
    # A partial_fit call leaves factors beside the stored weights: the file keeps them.
    original.partial_fit(X[100:150], labels[100:150])
    path = tmp_path / "model.sgdl"
    original.save(path)
    loaded = sgdlearn.load(path)
    assert type(loaded) is SGDClassifier
    assert loaded.get_params() == original.get_params()
    np.testing.assert_array_equal(loaded.predict(X), original.predict(X))
    np.testing.assert_array_equal(loaded.decision_function(X), original.decision_function(X))
    assert loaded.t_ == original.t_ and loaded.loss_curve_ == original.loss_curve_
    for est in (original, loaded):
        est.partial_fit(X[:50], labels[:50])
    np.testing.assert_array_equal(loaded.coef_, original.coef_)
    np.testing.assert_array_equal(loaded.intercept_, original.intercept_)
    if params.get("average"):  # averaging is plain SGD's
        return
    # The file says whose the optimizer state is: another optimizer starts from zero.
    for est in (original, loaded):
        est.set_params(optimizer="nesterov", learning_rate="constant", eta0=0.01)
        est.partial_fit(X[50:100], labels[50:100])
    np.testing.assert_array_equal(loaded.coef_, original.coef_)


def test_regressor_round_trip(tmp_path):
    X, y = make_regression(100, 4, random_state=0)
    original = SGDRegressor(average=True, random_state=0).fit(X, y)
    original.save(tmp_path / "r.sgdl")
    loaded = sgdlearn.load(tmp_path / "r.sgdl")
    np.testing.assert_array_equal(loaded.predict(X), original.predict(X))
    assert loaded.coef_.shape == (4,)


def test_an_optimizer_switched_to_keeps_its_step_count_through_a_file(tmp_path, data):
    # Adam switched to between calls counts its bias correction from its own first step.
    X, y = data
    original = SGDClassifier(random_state=0).fit(X, y)
    original.set_params(optimizer="adam", learning_rate="constant", eta0=0.01, batch_size=8)
    original.partial_fit(X[:50], y[:50])
    original.save(tmp_path / "switched.sgdl")
    loaded = sgdlearn.load(tmp_path / "switched.sgdl")
    for est in (original, loaded):
        est.partial_fit(X[50:100], y[50:100])
    np.testing.assert_array_equal(loaded.coef_, original.coef_)


def test_files_without_average_factors_load_as_a_folded_average(tmp_path, data, monkeypatch):
    # Files written before the average's factors were kept hold the plain average.
    from sgdlearn import _model_file

    X, y = data
    original = SGDClassifier(average=True, random_state=0).fit(X, y)
    monkeypatch.setattr(_model_file, "_ARRAY_ATTRIBUTES",
                        tuple(a for a in _model_file._ARRAY_ATTRIBUTES if a != "_average_factors"))
    original.save(tmp_path / "old.sgdl")
    monkeypatch.undo()
    loaded = sgdlearn.load(tmp_path / "old.sgdl")
    np.testing.assert_array_equal(loaded.decision_function(X), original.decision_function(X))
    for est in (original, loaded):
        est.partial_fit(X[:50], y[:50])
    assert loaded._pending_average() is not None  # it keeps them from now on
    np.testing.assert_array_equal(loaded.coef_, original.coef_)


def test_files_without_average_counts_count_from_t(tmp_path, data, monkeypatch):
    # Files written before each output counted its averaged iterates: every output took
    # every step, so the count is t_ - average.
    from sgdlearn import _model_file

    X, y = data
    original = SGDClassifier(average=10, max_iter=5, tol=None, random_state=0).fit(X, y)
    monkeypatch.setattr(_model_file, "_ARRAY_ATTRIBUTES",
                        tuple(a for a in _model_file._ARRAY_ATTRIBUTES if a != "_average_counts"))
    original.save(tmp_path / "old.sgdl")
    monkeypatch.undo()
    loaded = sgdlearn.load(tmp_path / "old.sgdl")
    assert loaded._average_counts is None
    np.testing.assert_array_equal(loaded.decision_function(X), original.decision_function(X))
    for est in (original, loaded):
        est.partial_fit(X[:50], y[:50])
    np.testing.assert_array_equal(loaded._average_counts, original._average_counts)
    np.testing.assert_array_equal(loaded.coef_, original.coef_)


def test_files_without_a_scale_factor_load_as_folded_weights(tmp_path, data, monkeypatch):
    # Files written before the scale factor was kept hold the plain weights.
    from sgdlearn import _model_file

    X, y = data
    original = SGDClassifier(random_state=0).fit(X, y)
    original.coef_  # folds the factor into the stored weights
    monkeypatch.setattr(_model_file, "_ARRAY_ATTRIBUTES",
                        tuple(a for a in _model_file._ARRAY_ATTRIBUTES if a != "_coef_scale"))
    original.save(tmp_path / "old.sgdl")
    monkeypatch.undo()
    loaded = sgdlearn.load(tmp_path / "old.sgdl")
    np.testing.assert_array_equal(loaded._coef_scale, np.ones(3))
    np.testing.assert_array_equal(loaded.decision_function(X), original.decision_function(X))
    for est in (original, loaded):
        est.partial_fit(X[:50], y[:50])
    np.testing.assert_array_equal(loaded.coef_, original.coef_)


def _saved(tmp_path, data):
    X, y = data
    path = tmp_path / "m.sgdl"
    SGDClassifier(random_state=0).fit(X, y).save(path)
    return path


def test_corrupt_truncated_and_foreign_files_are_refused(tmp_path, data):
    path = _saved(tmp_path, data)
    raw = bytearray(path.read_bytes())
    flipped = raw.copy()
    flipped[len(flipped) // 2] ^= 0xFF
    (tmp_path / "flipped").write_bytes(bytes(flipped))
    with pytest.raises(ModelFileError, match="checksum"):
        sgdlearn.load(tmp_path / "flipped")
    (tmp_path / "short").write_bytes(bytes(raw[:-10]))
    with pytest.raises(ModelFileError, match="checksum"):
        sgdlearn.load(tmp_path / "short")
    (tmp_path / "foreign").write_bytes(b"\x80\x04not a model at all" * 4)
    with pytest.raises(ModelFileError, match="not an sgdlearn model file"):
        sgdlearn.load(tmp_path / "foreign")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(ModelFileError):
        sgdlearn.load(tmp_path / "empty")
    assert issubclass(ModelFileError, ValueError)


def _rewrite(path, out, edit_header=None, version=None):
    """Re-emit a model file with a changed header or version and a valid checksum."""
    import hashlib
    import json
    import struct

    raw = path.read_bytes()[:-32]
    header_len = struct.unpack("<Q", raw[12:20])[0]
    header = json.loads(raw[20:20 + header_len])
    if edit_header:
        edit_header(header)
    header_bytes = json.dumps(header).encode()
    version = 1 if version is None else version
    body = (raw[:8] + struct.pack("<IQ", version, len(header_bytes)) + header_bytes
            + raw[20 + header_len:])
    out.write_bytes(body + hashlib.sha256(body).digest())


def test_other_versions_and_classes_are_refused(tmp_path, data):
    path = _saved(tmp_path, data)
    for version in (0, 2):
        _rewrite(path, tmp_path / "v", version=version)
        with pytest.raises(ModelFileError, match=f"version {version}"):
            sgdlearn.load(tmp_path / "v")

    def to_unknown(header):
        header["estimator"] = "os.system"

    _rewrite(path, tmp_path / "evil", edit_header=to_unknown)
    with pytest.raises(ModelFileError, match="unknown estimator"):
        sgdlearn.load(tmp_path / "evil")

    def to_object_dtype(header):
        header["arrays"][0]["dtype"] = "|O"

    _rewrite(path, tmp_path / "object", edit_header=to_object_dtype)
    with pytest.raises(ModelFileError, match="unsupported dtype"):
        sgdlearn.load(tmp_path / "object")

    def past_the_end(header):
        header["arrays"][0]["shape"] = [10**6]

    _rewrite(path, tmp_path / "long", edit_header=past_the_end)
    with pytest.raises(ModelFileError, match="past the end"):
        sgdlearn.load(tmp_path / "long")

    def edit_array(name, **changes):
        def edit(header):
            next(e for e in header["arrays"] if e["name"] == name).update(changes)
        return edit

    def n_features_in(header):
        header["attributes"]["n_features_in_"] += 1

    n_outputs = 3  # the data's classes
    for edit, message in [
        (edit_array("_standard_coef", shape=[n_outputs * 8]), "not a 2-d float array"),
        (edit_array("_standard_coef", dtype="<i8"), "not a 2-d float array"),
        (edit_array("_coef_scale", shape=[1]), r"'_coef_scale' is float64 of shape \[1\]"),
        (edit_array("_standard_intercept", dtype="<f4", shape=[2 * n_outputs]),
         "'_standard_intercept' is float32"),
        (edit_array("classes_", shape=[2]), "2 classes but weights for 3 outputs"),
        (n_features_in, "n_features_in_ is 9 but the weights have 8 columns"),
    ]:
        _rewrite(path, tmp_path / "shape", edit_header=edit)
        with pytest.raises(ModelFileError, match=message):
            sgdlearn.load(tmp_path / "shape")

    def with_an_unknown_array(header):
        header["arrays"].append(dict(header["arrays"][0], name="__class__"))

    _rewrite(path, tmp_path / "unknown", edit_header=with_an_unknown_array)
    with pytest.raises(ModelFileError, match="unexpected array '__class__'"):
        sgdlearn.load(tmp_path / "unknown")

    def with_a_bad_parameter(header):
        header["params"]["alpha"] = -1.0

    _rewrite(path, tmp_path / "alpha", edit_header=with_a_bad_parameter)
    with pytest.raises(ModelFileError, match="alpha"):
        sgdlearn.load(tmp_path / "alpha")


def test_feature_names_and_a_random_state_instance_round_trip(tmp_path, data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    original = SGDClassifier(random_state=np.random.RandomState(0)).fit(frame, y)
    original.save(tmp_path / "named.sgdl")
    loaded = sgdlearn.load(tmp_path / "named.sgdl")
    np.testing.assert_array_equal(loaded.feature_names_in_, original.feature_names_in_)
    assert loaded.random_state is None  # a generator's state is not a parameter
    np.testing.assert_array_equal(loaded.predict(frame), original.predict(frame))
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame.rename(columns={"f0": "other"}))


def test_unfitted_estimator_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SGDClassifier().save(tmp_path / "x")

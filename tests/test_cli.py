# SPDX-License-Identifier: BSD-3-Clause
"""The sgdlearn command: train, test and predict, checked against the estimators and
scikit-learn's metrics; errors are one line naming file, line and reason."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import dump_svmlight_file
from sklearn.metrics import log_loss, mean_squared_error, r2_score

import sgdlearn
from sgdlearn import io
from sgdlearn.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1200, 15)) * (rng.random((1200, 15)) < 0.5)
    w = rng.standard_normal(15)
    labels = np.where(X @ w + 0.2 * rng.standard_normal(1200) > 0, 1, -1)
    targets = X @ w + 0.1 * rng.standard_normal(1200)
    paths = {}
    for name, y, rows in [
        ("train", labels, slice(0, 1000)),
        ("test", labels, slice(1000, None)),
        ("reg_train", targets, slice(0, 1000)),
        ("reg_test", targets, slice(1000, None)),
    ]:
        paths[name] = folder / f"{name}.svm"
        dump_svmlight_file(X[rows], y[rows], str(paths[name]), zero_based=False)
    paths["folder"] = folder
    return paths


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_train_test_predict_a_classifier(files, capsys):
    model = files["folder"] / "clf.sgdl"
    status, _, err = run(
        capsys,
        "train",
        files["train"],
        "-o",
        model,
        "--n-features",
        15,
        "--passes",
        2,
        "--chunk-size",
        100,
    )
    assert status == 0
    assert "average loss" in err and "model written to" in err
    clf = sgdlearn.load(model)
    assert clf.loss == "log_loss" and clf.stream_history_["examples"] == [1000, 1000]
    X, y = io.load_svmlight(files["test"], n_features=15)
    status, out, _ = run(capsys, "test", model, files["test"], "--json")
    result = json.loads(out)
    assert status == 0 and set(result) == {"accuracy", "log_loss", "n"}
    assert result["n"] == 200
    assert result["accuracy"] == clf.score(X, y)
    assert result["log_loss"] == pytest.approx(log_loss(y, clf.predict_proba(X)), rel=1e-12)
    assert result["accuracy"] > 0.85
    status, out, _ = run(capsys, "predict", model, files["test"])
    assert out.splitlines() == [str(int(v)) for v in clf.predict(X)]
    predictions = files["folder"] / "p.txt"
    run(capsys, "predict", model, files["test"], "--proba", "-o", predictions)
    np.testing.assert_array_equal(np.loadtxt(predictions), clf.predict_proba(X)[:, 1])
    status, out, _ = run(capsys, "test", model, files["test"])
    assert "accuracy" in out and "log_loss" in out
    # the file holds the finished model: fit_stream's, and its stream position at the end
    written = sgdlearn.load(model)
    same = sgdlearn.SGDClassifier(loss="log_loss", alpha=1e-4, random_state=0).fit_stream(
        files["train"], passes=2, chunk_size=100, n_features=15, progress=False)
    np.testing.assert_array_equal(written.coef_, same.coef_)
    np.testing.assert_array_equal(written.intercept_, same.intercept_)
    assert written._stream_state == same._stream_state
    assert written.progressive_loss_ == same.progressive_loss_


def test_train_test_a_regressor_against_sklearn_metrics(files, capsys):
    model = files["folder"] / "reg.sgdl"
    status, _, err = run(
        capsys,
        "train",
        files["reg_train"],
        "-o",
        model,
        "--loss",
        "squared_error",
        "--quiet",
        "--passes",
        3,
    )
    assert status == 0 and err == ""
    reg = sgdlearn.load(model)
    assert type(reg).__name__ == "SGDRegressor"
    X, y = io.load_svmlight(files["reg_test"], n_features=reg.n_features_in_)
    status, out, _ = run(capsys, "test", model, files["reg_test"], "--json")
    result = json.loads(out)
    assert set(result) == {"r2", "mse", "n"}
    assert result["r2"] == pytest.approx(r2_score(y, reg.predict(X)), rel=1e-9)
    assert result["mse"] == pytest.approx(mean_squared_error(y, reg.predict(X)), rel=1e-9)
    assert result["r2"] > 0.9


def test_test_scores_constant_targets_as_scikit_learn_does(files, capsys, tmp_path):
    # R^2 has no variance to explain: scikit-learn's r2_score gives 1 for a perfect fit
    # and 0 otherwise (force_finite), never a division by zero.
    reg = sgdlearn.SGDRegressor(random_state=0).fit(*io.load_svmlight(files["reg_train"]))
    X, _ = io.load_svmlight(files["reg_test"], n_features=reg.n_features_in_)
    constant = tmp_path / "constant.svm"
    dump_svmlight_file(X, np.full(X.shape[0], 3.0), str(constant), zero_based=False)
    fitted = tmp_path / "fitted.sgdl"
    reg.save(fitted)
    flat = tmp_path / "flat.sgdl"  # predicts 3 everywhere
    reg.coef_ = np.zeros_like(reg.coef_)
    reg.intercept_ = np.array([3.0])
    reg.save(flat)
    for model, expected in ((fitted, 0.0), (flat, 1.0)):
        status, out, _ = run(capsys, "test", model, constant, "--json")
        result = json.loads(out)
        predictions = sgdlearn.load(model).predict(X)
        assert status == 0
        assert result["r2"] == r2_score(np.full(X.shape[0], 3.0), predictions) == expected
        assert result["mse"] == pytest.approx(np.mean((predictions - 3.0) ** 2), abs=1e-12)


def test_vw_data_and_options(capsys, tmp_path):
    model = tmp_path / "vw.sgdl"
    status, _, _ = run(
        capsys,
        "train",
        DATA / "rcv1_head.vw",
        "-o",
        model,
        "--hash-bits",
        12,
        "--optimizer",
        "adagrad",
        "--eta0",
        0.1,
        "--quiet",
    )
    assert status == 0
    clf = sgdlearn.load(model)
    assert clf.n_features_in_ == 4096 and clf.optimizer == "adagrad"
    status, out, _ = run(capsys, "test", model, DATA / "rcv1_head.vw", "--json")
    assert json.loads(out)["n"] == 8


@pytest.mark.parametrize(
    ("options", "params", "stream"),
    [
        (
            ["--penalty", "none", "--alpha", 1e-3, "--batch-size", 8, "--average",
             "--n-jobs", 2, "--no-shuffle", "--random-state", 3, "--multi-class",
             "multinomial", "--holdout", 0.2, "--zero-based", "yes", "--n-features", 20],
            dict(penalty=None, alpha=1e-3, batch_size=8, average=True, n_jobs=2,
                 shuffle=False, random_state=3, multi_class="multinomial"),
            dict(holdout=0.2, zero_based=True, n_features=20),
        ),
        (
            ["--optimizer", "adamw", "--penalty", "elasticnet", "--l1-ratio", 0.3,
             "--random-state", 5],
            dict(optimizer="adamw", learning_rate="constant", eta0=1e-3,
                 penalty="elasticnet", l1_ratio=0.3, random_state=5),
            dict(),
        ),
    ],
    ids=["sgd", "adamw"],
)
def test_train_options_make_the_model_fit_stream_makes(files, capsys, tmp_path, options,
                                                        params, stream):
    model = tmp_path / "options.sgdl"
    status, _, _ = run(capsys, "train", files["train"], "-o", model, "--quiet",
                       "--chunk-size", 100, *options)
    assert status == 0
    trained = sgdlearn.load(model)
    expected = sgdlearn.SGDClassifier(loss="log_loss", **params)
    assert trained.get_params() == expected.get_params()
    expected.fit_stream(files["train"], chunk_size=100, progress=False, verbose=0, **stream)
    np.testing.assert_array_equal(trained.coef_, expected.coef_)
    np.testing.assert_array_equal(trained.intercept_, expected.intercept_)


def test_task_regression_trains_a_regressor(files, capsys, tmp_path):
    model = tmp_path / "task.sgdl"
    argv = ["train", files["reg_train"], "-o", model, "--quiet", "--loss", "squared_error"]
    assert run(capsys, *argv, "--task", "regression")[0] == 0
    assert isinstance(sgdlearn.load(model), sgdlearn.SGDRegressor)


def test_csv_options_and_skipped_lines_in_every_command(capsys, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 5))
    y = np.where(X @ [1.0, -2.0, 0.5, 1.5, 0.0] > 0, 1, -1)
    lines = [";".join(f"{v:.6g}" for v in row) + f";{label}" for row, label in zip(X, y)]
    lines.insert(100, "1;2;oops;3;0;1")  # line 101
    data = tmp_path / "semicolons.csv"
    data.write_text("\n".join(lines) + "\n")
    csv = ["--label", "-1", "--delimiter", ";", "--on-error", "skip"]
    model = tmp_path / "csv.sgdl"
    warning = "sgdlearn: warning: skipped 1 malformed line(s); the first: "
    status, _, err = run(capsys, "train", data, "-o", model, "--quiet", *csv)
    assert status == 0 and err == f"{warning}{data}:101: bad value 'oops'\n"
    clf = sgdlearn.load(model)
    assert clf.n_features_in_ == 5
    status, out, err = run(capsys, "test", model, data, "--json", *csv)
    assert status == 0 and err.startswith(warning)
    result = json.loads(out)
    assert result["n"] == 300 and result["accuracy"] == clf.score(X, y) > 0.9
    status, out, err = run(capsys, "predict", model, data, *csv)
    assert status == 0 and err.startswith(warning)
    assert out.splitlines() == [str(int(v)) for v in clf.predict(X)]
    # Vowpal Wabbit lines hash into 2**b columns: a 5-column model cannot read them.
    vw = tmp_path / "lines.vw"
    vw.write_text("1 | a:1 b:2\n")
    status, _, err = run(capsys, "predict", model, vw)
    assert status == 2
    assert err == ("sgdlearn: error: the model has 5 features: not the 2**hash_bits columns "
                   "of Vowpal Wabbit data\n")


def test_a_checkpointed_run_resumes(files, capsys, tmp_path):
    model = tmp_path / "ck.sgdl"
    args = [
        "train",
        files["train"],
        "-o",
        model,
        "--passes",
        3,
        "--checkpoint-every",
        300,
        "--chunk-size",
        100,
        "--quiet",
        "--classes=-1,1",
        "--n-features",
        15,
    ]
    assert run(capsys, *args)[0] == 0
    whole = sgdlearn.load(model)
    assert run(capsys, *args, "--resume")[0] == 0  # a finished run stays finished
    resumed = sgdlearn.load(model)
    np.testing.assert_array_equal(resumed.coef_, whole.coef_)
    assert resumed.stream_history_ == whole.stream_history_  # its times too: not run again


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: ["train", d / "bad.svm", "-o", d / "m.sgdl"],
            r"bad.svm:2: bad feature value 'x'$",
        ),
        (
            lambda d: ["train", d / "nothing.svm", "-o", d / "m.sgdl"],
            r"nothing.svm: No such file or directory$",
        ),
        (lambda d: ["test", d / "bad.svm", d / "bad.svm"], r"bad.svm: not an sgdlearn model file$"),
        (
            lambda d: ["train", d / "bad.svm", "-o", d / "m.sgdl", "--classes", "a,b"],
            "--classes must be numbers",
        ),
    ],
)
def test_errors_are_one_line(capsys, tmp_path, make, message):
    (tmp_path / "bad.svm").write_text("1 1:1\n1 2:x\n")
    status, out, err = run(capsys, *make(tmp_path))
    assert status == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("sgdlearn: error: ")
    import re

    assert re.search(message, err.strip())


@pytest.mark.parametrize("chunk_size", ["1", "10000"])
def test_test_names_the_file_and_line_of_a_label_the_classifier_does_not_know(
        files, capsys, tmp_path, chunk_size):
    # A label outside classes_ would be scored as a miss, and its probability read from
    # another class's column: an error naming where it is instead, in the second file,
    # after a comment, a blank line and a skipped malformed line, in any chunk.
    model = tmp_path / "clf.sgdl"
    assert run(capsys, "train", files["train"], "-o", model, "--n-features", 15)[0] == 0
    (tmp_path / "first.svm").write_text("1 1:1\n-1 2:1\n")
    (tmp_path / "other.svm").write_text("1 1:1\n# a comment\n\nx 1:1\n-1 2:1\n3 2:1\n1 1:2\n")
    status, _, err = run(capsys, "test", model, tmp_path / "first.svm", tmp_path / "other.svm",
                         "--on-error", "skip", "--chunk-size", chunk_size)
    assert status == 2
    assert err.strip().splitlines()[-1].endswith(
        "other.svm:6: label 3.0 is not among the model's classes [-1.0, 1.0]")


def test_train_names_the_file_and_line_of_a_label_outside_classes(capsys, tmp_path):
    data = tmp_path / "data.svm"
    data.write_text("1 1:1\n-1 2:1\n\n2 1:1\n")
    status, _, err = run(capsys, "train", data, "-o", tmp_path / "m.sgdl", "--classes=-1,1",
                         "--quiet")
    assert status == 2 and len(err.splitlines()) == 1
    assert err.strip().endswith("data.svm:4: label 2.0 is not among the classes [-1.0, 1.0]")


def test_python_m_sgdlearn(tmp_path):
    bad = tmp_path / "bad.svm"
    bad.write_text("1 1:1\n-1 1:2 1:3\n")
    done = subprocess.run(
        [sys.executable, "-m", "sgdlearn", "train", str(bad), "-o", str(tmp_path / "m.sgdl")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert (
        done.stderr
        == f"sgdlearn: error: {bad}:2: feature indices must be sorted and unique (1 after 1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "sgdlearn", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "train" in done.stdout


def test_predict_reads_unlabeled_vw_lines(capsys, tmp_path):
    model = tmp_path / "vw.sgdl"
    assert (
        run(capsys, "train", DATA / "rcv1_head.vw", "-o", model, "--hash-bits", 12, "--quiet")[0]
        == 0
    )
    lines = (DATA / "rcv1_head.vw").read_text().splitlines()
    unlabeled = tmp_path / "unlabeled.vw"
    unlabeled.write_text("".join(line[line.index("|") :] + "\n" for line in lines))
    status, out, _ = run(capsys, "predict", model, unlabeled)
    assert status == 0
    labeled = run(capsys, "predict", model, DATA / "rcv1_head.vw")[1]
    assert out == labeled and len(out.splitlines()) == 8
    status, _, err = run(capsys, "test", model, unlabeled)  # scoring needs the labels
    assert status == 2 and "unlabeled.vw:1: missing label" in err

# SPDX-License-Identifier: BSD-3-Clause
"""Vowpal Wabbit text: hashing checked against scikit-learn's MurmurHash3 and, when
it is installed, against Vowpal Wabbit's own parser; labels, weights, namespaces."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.utils import murmurhash3_32

from sgdlearn import io

DATA = Path(__file__).parent / "data"


def vw_hashstring(name, seed):
    """Vowpal Wabbit's hashstring, written from its documentation with sklearn's murmur."""
    if name.isdigit():
        return int(name) + seed
    return murmurhash3_32(name, seed=seed, positive=True)


def expected_columns(namespaces, bits):
    """{column: value} of a line from (namespace, scale, [(name, value)]) triples."""
    row = {}
    for namespace, scale, features in namespaces:
        seed = vw_hashstring(namespace, 0) if namespace else 0
        for name, value in features:
            column = vw_hashstring(name, seed) % (1 << bits)
            row[column] = row.get(column, 0.0) + value * scale
    return row


def as_dict(X, i):
    row = X.getrow(i)
    return dict(zip(row.indices.tolist(), row.data.tolist()))


def test_hashing_labels_weights_and_namespaces(tmp_path):
    path = tmp_path / "a.vw"
    path.write_text(
        "1 |f PFF:2 17 abc\n"
        "-1 0.25 'tag1 |T:2 x:1.5 |  b c:3\n"
        "0.5 2 0 PFF/20091028|T PFF |123 a:0.5 z:0\n"
        "1 0 |f abc\n"  # importance 0: VW reads the example and learns nothing from it
    )
    X, y, w = io.load_vw(path, hash_bits=18, return_weights=True)
    np.testing.assert_array_equal(y, [1.0, -1.0, 0.5, 1.0])
    np.testing.assert_array_equal(w, [1.0, 0.25, 2.0, 0.0])
    assert X.shape == (4, 1 << 18)
    assert as_dict(X, 0) == expected_columns([("f", 1, [("PFF", 2), ("17", 1), ("abc", 1)])], 18)
    assert as_dict(X, 1) == expected_columns(
        [("T", 2, [("x", 1.5)]), ("", 1, [("b", 1), ("c", 3)])], 18
    )
    assert as_dict(X, 2) == expected_columns([("T", 1, [("PFF", 1)]), ("123", 1, [("a", 0.5)])], 18)


def test_columns_equal_vowpal_wabbits_own_parse(tmp_path):
    pyvw = pytest.importorskip("vowpalwabbit.pyvw")
    lines = (DATA / "vw_0002_head.vw").read_text().splitlines()
    lines += ["0.5 2 tag|f PFF:2 17 |123 a:0.5 |  b c:3 |T:2 x:1.5"]
    bits = 18
    workspace = pyvw.Workspace(quiet=True, b=bits)
    path = DATA / "vw_0002_head.vw"
    X, y, w = io.load_vw(path, hash_bits=bits, return_weights=True)
    extra = tmp_path / "extra.vw"
    extra.write_text(lines[-1] + "\n")
    X_extra, _ = io.load_vw(extra, hash_bits=bits)
    for i, line in enumerate(lines):
        example = workspace.example(line)
        expected = {}
        for column, value in example.iter_features():
            if column < (1 << bits):  # VW's constant feature lies beyond the buckets
                expected[column] = expected.get(column, 0.0) + value
        got = as_dict(X, i) if i < X.shape[0] else as_dict(X_extra, 0)
        assert got.keys() == expected.keys()
        assert got == pytest.approx(expected, rel=1e-6)  # VW keeps values in float32
        if i < X.shape[0]:
            assert y[i] == pytest.approx(example.get_simplelabel_label(), rel=1e-6)
            assert w[i] == example.get_simplelabel_weight()
    workspace.finish()


def test_real_rcv1_vw_equals_its_svmlight_twin():
    # rcv1_head.svm is rcv1_head.vw without "|f ": with hash_bits, numeric names in
    # namespace f land at (index + hash("f")) % 2**bits.
    X_vw, y_vw = io.load_vw(DATA / "rcv1_head.vw", hash_bits=20)
    X_svm, y_svm = io.load_svmlight(DATA / "rcv1_head.svm", zero_based=True)
    np.testing.assert_array_equal(y_vw, y_svm)
    seed = murmurhash3_32("f", seed=0, positive=True)
    for i in range(X_svm.shape[0]):
        svm_row = X_svm.getrow(i)
        expected = {(int(j) + seed) % (1 << 20): v for j, v in zip(svm_row.indices, svm_row.data)}
        assert as_dict(X_vw, i) == expected


@pytest.mark.parametrize("block_bytes", [64, 4096])
def test_values_of_every_length_equal_pythons_float(tmp_path, monkeypatch, block_bytes):
    # Short values ("0.097124") take a fast path that reads 8 bytes at a time past them:
    # every length of whole part and fraction, signs, exponents, at every distance from
    # a block's end, must give Python's float() of the text.
    monkeypatch.setattr(io, "_LOAD_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(block_bytes)
    digits = list("0123456789")
    lines, expected = [], []
    for _ in range(800):
        row = {}
        features = []
        for name in rng.choice(50, size=rng.integers(1, 6), replace=False).tolist():
            whole = "".join(rng.choice(digits, size=rng.integers(0, 4)))
            fraction = "".join(rng.choice(digits, size=rng.integers(0, 11)))
            text = (whole or "0") + ("." + fraction if rng.random() < 0.85 else "")
            text = ("-" if rng.random() < 0.2 else "") + text
            text += f"e{int(rng.integers(-5, 5))}" if rng.random() < 0.1 else ""
            features.append(f"{name}:{text}")
            if float(text) != 0.0:
                row[name] = float(text)
        end = str(rng.choice(["", " ", "\r"]))
        lines.append("1 |f " + " ".join(features) + end + "\n")
        expected.append(row)
    path = tmp_path / "values.vw"
    path.write_text("".join(lines)[:-1])  # the last line ends with the file
    X, _ = io.load_vw(path, hash_bits=20)
    seed = vw_hashstring("f", 0)
    for i, row in enumerate(expected):
        assert as_dict(X, i) == {(name + seed) % (1 << 20): value for name, value in row.items()}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("|f a", "missing label"),
        ("x y |f a", "after the tag"),
        ("1 -2 |f a", "negative importance weight"),
        ("1 |f a:b", "bad feature value 'b'"),
        ("1 |f :2", "feature without a name"),
        ("1 |f:x a", "bad namespace scale 'x'"),
        ("1 |f a:nan", "non-finite feature value"),
    ],
)
def test_malformed_vw_lines(tmp_path, line, reason):
    path = tmp_path / "bad.vw"
    path.write_text(f"1 |f a\n\n{line}\n")
    with pytest.raises(io.ParseError) as info:
        io.load_vw(path)
    assert (info.value.line, reason in info.value.reason) == (3, True), info.value


def test_hash_bits_are_checked(tmp_path):
    path = tmp_path / "a.vw"
    path.write_text("1 |f a\n")
    with pytest.raises(ValueError, match="hash_bits"):
        io.load_vw(path, hash_bits=0)
    assert io.load_vw(path, hash_bits=4)[0].shape == (1, 16)


def test_unlabeled_test_lines(tmp_path):
    path = tmp_path / "test.vw"
    path.write_text("|f a b:2\n1 |f a\n 'tag |f c\n")
    with pytest.raises(io.ParseError, match="test.vw:1: missing label"):
        io.load_vw(path)
    ((X, y),) = io.iter_chunks(path, hash_bits=8, require_labels=False)
    assert X.shape == (3, 256) and X.nnz == 4
    np.testing.assert_array_equal(np.isnan(y), [True, False, True])
    with pytest.raises(TypeError, match="not options of the svmlight format"):
        io.iter_chunks(DATA / "rcv1_head.svm", require_labels=False)

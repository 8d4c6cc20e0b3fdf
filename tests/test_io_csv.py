# SPDX-License-Identifier: BSD-3-Clause
"""CSV files of numbers: against numpy.loadtxt, header and label column, errors."""

from pathlib import Path

import numpy as np
import pytest

from sgdlearn import io

DATA = Path(__file__).parent / "data"


def test_equal_to_numpy_loadtxt(tmp_path):
    rng = np.random.default_rng(0)
    table = rng.standard_normal((200, 6)) * (rng.random((200, 6)) < 0.6)
    path = tmp_path / "t.csv"
    np.savetxt(path, table, delimiter=",", fmt="%.17g")
    reference = np.loadtxt(path, delimiter=",")
    X, y = io.load_csv(path)
    np.testing.assert_array_equal(y, reference[:, 0])
    np.testing.assert_array_equal(X.toarray(), reference[:, 1:])
    assert X.nnz == np.count_nonzero(reference[:, 1:])  # zeros are not stored
    X_last, y_last = io.load_csv(path, label=-1, dtype=np.float32)
    np.testing.assert_array_equal(y_last, reference[:, -1])
    np.testing.assert_array_equal(X_last.toarray(), reference[:, :-1].astype(np.float32))


def test_header_and_label_by_name():
    X, y = io.load_csv(DATA / "tiny.csv", label="age")
    np.testing.assert_array_equal(y, [30, 0, 45])
    np.testing.assert_array_equal(X.toarray(), [[1, 1.5, 0], [0, 1.7, 62.5], [1, 0, 80]])
    with pytest.raises(ValueError, match="not in the header"):
        io.load_csv(DATA / "tiny.csv", label="name")
    with pytest.raises(io.ParseError, match=r"tiny.csv:1: bad label 'label'"):
        io.load_csv(DATA / "tiny.csv", header=False)


def test_delimiter_spaces_and_crlf(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_bytes(b"y\ta\tb\r\n1\t 2.5 \t0\r\n0\t-1\t3e2\r\n")
    X, y = io.load_csv(path, delimiter="\t")
    np.testing.assert_array_equal(y, [1, 0])
    np.testing.assert_array_equal(X.toarray(), [[2.5, 0], [-1, 300]])


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1,2", "2 columns where the first line has 3"),
        ("1,2,3,4", "more than the 3 columns"),
        ("1,,3", "empty field in column 2"),
        ("1,x,3", "bad value 'x'"),
        ("1,nan,3", "non-finite value 'nan'"),
        ('1,"2",3', "bad value '\"2\"'"),
    ],
)
def test_malformed_csv_lines(tmp_path, line, reason):
    path = tmp_path / "bad.csv"
    path.write_text(f"y,a,b\n1,2,3\n{line}\n")
    with pytest.raises(io.ParseError) as info:
        io.load_csv(path)
    assert info.value.line == 3
    assert reason in info.value.reason


def test_header_after_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffprice,rooms\n3.5,2\n".encode("utf-8"))
    X, y = io.load_csv(path, label="price")
    np.testing.assert_array_equal(y, [3.5])
    np.testing.assert_array_equal(X.toarray(), [[2.0]])

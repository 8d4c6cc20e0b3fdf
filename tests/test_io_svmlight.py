# SPDX-License-Identifier: BSD-3-Clause
"""sgdlearn.io.load_svmlight against scikit-learn's load_svmlight_file (the oracle),
and its errors: file, line and reason."""

import gzip
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file, load_svmlight_file

from sgdlearn import io

DATA = Path(__file__).parent / "data"


def assert_same_csr(X, X_ref):
    assert sp.issparse(X) and X.format == "csr"
    assert X.shape == X_ref.shape
    assert X.dtype == X_ref.dtype
    np.testing.assert_array_equal(X.indptr, X_ref.indptr)
    np.testing.assert_array_equal(X.indices, X_ref.indices)
    np.testing.assert_array_equal(X.data, X_ref.data)  # bit-exact values


def random_sparse(rng, n_rows, n_cols, density=0.2, integers=False):
    X = sp.random(n_rows, n_cols, density=density, format="csr", random_state=rng)
    if integers:
        X.data = np.round(X.data * 10) - 5
        X.eliminate_zeros()
    else:
        X.data = (X.data - 0.5) * 10.0 ** rng.integers(-8, 8, size=X.nnz)
    return X


@pytest.mark.parametrize("zero_based", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("labels", ["pm1", "01", "classes", "floats"])
def test_equal_to_sklearn_on_dumped_files(tmp_path, zero_based, dtype, labels):
    rng = np.random.default_rng(0)
    X = random_sparse(rng, 300, 40)
    y = {
        "pm1": rng.choice([-1.0, 1.0], 300),
        "01": rng.choice([0.0, 1.0], 300),
        "classes": rng.integers(1, 8, 300).astype(float),
        "floats": rng.standard_normal(300),
    }[labels]
    path = tmp_path / "data.svm"
    dump_svmlight_file(X, y, str(path), zero_based=zero_based, comment="made by a test")
    for given in ("auto", zero_based):
        X_ref, y_ref = load_svmlight_file(path, dtype=dtype, zero_based=given)
        X_got, y_got = io.load_svmlight(path, dtype=dtype, zero_based=given)
        assert_same_csr(X_got, X_ref)
        np.testing.assert_array_equal(y_got, y_ref)
        assert y_got.dtype == np.float64


def test_equal_to_sklearn_with_qid_comments_and_blank_lines(tmp_path):
    text = (
        "# a header comment\n"
        "3 qid:1 1:0.5 7:-2.25e-3   # trailing comment 9:9\n"
        "\n"
        "+1\tqid:1 2:1e5 3:.5 4:7.\n"
        "   \n"
        "-0.5 qid:2 7:1\r\n"
        "2 qid:2\n"
        "1 1:1 10:+2.5"  # no newline at the end
    )
    path = tmp_path / "q.svm"
    path.write_text(text)
    X_ref, y_ref, q_ref = load_svmlight_file(str(path), query_id=True)
    X, y, q = io.load_svmlight(path, query_id=True)
    assert_same_csr(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(q, [1, 1, 2, 2, 0])  # the last line has no qid
    np.testing.assert_array_equal(q[:4], q_ref)
    X_no_qid, y_no_qid = io.load_svmlight(path)
    assert_same_csr(X_no_qid, X_ref)


def test_zero_based_auto_follows_sklearn_and_n_features(tmp_path):
    path = tmp_path / "z.svm"
    path.write_text("1 0:1 4:2\n0 2:3\n")
    X_ref, _ = load_svmlight_file(str(path))
    X, _ = io.load_svmlight(path)
    assert_same_csr(X, X_ref)
    assert X.shape == (2, 5)
    X_wide, _ = io.load_svmlight(path, n_features=9)
    assert X_wide.shape == (2, 9)
    with pytest.raises(io.ParseError, match=r"z.svm:1: feature index 4 beyond n_features=4"):
        io.load_svmlight(path, n_features=4)
    with pytest.raises(io.ParseError, match="index 0 in a one-based file"):
        io.load_svmlight(path, zero_based=False)
    # A stated base is checked as each line is read: the last column is n_features - 1
    # (zero-based) or n_features (one-based), and one more is an error.
    assert io.load_svmlight(path, zero_based=True, n_features=5)[0].shape == (2, 5)
    with pytest.raises(io.ParseError, match=r"z.svm:1: feature index 4 beyond n_features=4 "
                                            r"\(indices are zero-based\)"):
        io.load_svmlight(path, zero_based=True, n_features=4)
    one_based = tmp_path / "o.svm"
    one_based.write_text("1 1:1 5:2\n")
    assert io.load_svmlight(one_based, zero_based=False, n_features=5)[0].shape == (1, 5)
    with pytest.raises(io.ParseError, match=r"o.svm:1: feature index 5 beyond n_features=4 "
                                            r"\(indices are one-based\)"):
        io.load_svmlight(one_based, zero_based=False, n_features=4)


def test_real_rcv1_rows_plain_gzip_and_lists():
    X_ref, y_ref = load_svmlight_file(str(DATA / "rcv1_head.svm"))
    X, y = io.load_svmlight(DATA / "rcv1_head.svm")
    assert_same_csr(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    # gzip is told by its magic bytes, not by its name
    X_gz, y_gz = io.load_svmlight(str(DATA / "rcv1_head_svm.gz"))
    assert_same_csr(X_gz, X_ref)
    # a list of files is one data set, in order
    X2, y2 = io.load_svmlight([DATA / "rcv1_head.svm", DATA / "rcv1_head_svm.gz"])
    assert_same_csr(X2, sp.vstack([X_ref, X_ref], format="csr"))
    np.testing.assert_array_equal(y2, np.concatenate([y_ref, y_ref]))


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_many_small_blocks_in_parallel_keep_rows_and_line_numbers(tmp_path, monkeypatch, n_threads):
    # Blocks of 200 bytes: a few lines each, parsed by several threads.
    monkeypatch.setattr(io, "_LOAD_BLOCK_BYTES", 200)
    rng = np.random.default_rng(1)
    X = random_sparse(rng, 500, 30, density=0.3)
    y = rng.integers(0, 3, 500)
    path = tmp_path / "many.svm"
    dump_svmlight_file(X, y, str(path))
    X_ref, y_ref = load_svmlight_file(str(path))
    X_got, y_got = io.load_svmlight(path, n_threads=n_threads)
    assert_same_csr(X_got, X_ref)
    np.testing.assert_array_equal(y_got, y_ref)
    lines = path.read_text().splitlines(keepends=True)
    lines[436] = "1 3:1 2:4\n"  # line 437: unsorted indices
    lines[480] = "1 nonsense\n"  # a later error is not the one reported
    path.write_text("".join(lines))
    with pytest.raises(io.ParseError) as info:
        io.load_svmlight(path, n_threads=n_threads)
    assert (info.value.path, info.value.line) == (str(path), 437)
    assert "sorted and unique" in info.value.reason


def _number_text(rng):
    """A feature value as files write them: every length of whole part and fraction
    around the 8 bytes read at once, signs, leading zeros, exponents, '5.' and '.5'."""
    whole = "".join(rng.choice(list("0123456789"), size=rng.integers(0, 10)))
    fraction = "".join(rng.choice(list("0123456789"), size=rng.integers(0, 12)))
    text = whole if rng.random() < 0.15 else whole + "." + fraction
    if not text.strip("."):
        text = "7"
    if rng.random() < 0.2:
        text = "-" + text
    if rng.random() < 0.1:
        text += f"e{int(rng.integers(-12, 12))}"
    return text


@pytest.mark.parametrize("block_bytes", [64, 97, 4096])
def test_numbers_of_every_length_anywhere_in_a_block_equal_sklearn(tmp_path, monkeypatch,
                                                                   block_bytes):
    # Indices and fractions are read 8 bytes at a time where the block has room after
    # them: numbers of every length, ending at every distance from a block's end (small
    # blocks), followed by a space, a tab, a comment, '\r' or the end of the file.
    monkeypatch.setattr(io, "_LOAD_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(block_bytes)
    lines = []
    for _ in range(1500):
        digits = rng.integers(1, 10, size=rng.integers(0, 7))
        indices = np.unique(rng.integers(1, 10 ** digits.max(initial=1) + 1, size=len(digits)))
        features = [
            f"{'0' * int(rng.integers(0, 3)) if rng.random() < 0.1 else ''}{i}:{_number_text(rng)}"
            for i in indices
        ]
        separators = rng.choice([" ", " ", " ", "\t", "  "], size=len(features))
        line = str(int(rng.integers(-1, 2))) + "".join(
            f"{sep}{feature}" for sep, feature in zip(separators, features)
        )
        line += str(rng.choice(["", "", "#c", " # note", "\r", " "]))
        lines.append(line + "\n")
    text = "".join(lines)[:-1]  # the last line ends with the file
    path = tmp_path / "numbers.svm"
    path.write_text(text)
    X_ref, y_ref = load_svmlight_file(str(path), zero_based=True)
    X_got, y_got = io.load_svmlight(path, zero_based=True, n_threads=2)
    assert_same_csr(X_got, X_ref)
    np.testing.assert_array_equal(y_got, y_ref)


@pytest.mark.parametrize(
    ("line", "reason", "sklearn_refuses"),
    [
        ("abc 1:2", "bad label 'abc'", True),
        ("1 1:2 x", "feature without ':' 'x'", True),
        ("1 a:2", "bad feature index 'a'", True),
        ("1 -3:2", "negative feature index '-3'", True),
        ("1 1:two", "bad feature value 'two'", True),
        ("1 2:1 2:1", "sorted and unique", True),
        ("1 qid 1:1", "bad qid 'qid'", True),
        ("1 1:2:3", "bad feature value '2:3'", True),
        # scikit-learn lets these through: non-finite values, an index past int32 (an
        # OverflowError), a qid it does not read.
        ("1 1:nan", "non-finite feature value 'nan'", False),
        ("1 1:inf", "non-finite feature value 'inf'", False),
        ("inf 1:1", "non-finite label 'inf'", False),
        ("1 1:1e999", "non-finite feature value '1e999'", False),
        ("1 99999999999:1", "too large", False),
        ("1 qid:x 1:1", "bad qid 'x'", False),
    ],
)
def test_malformed_lines_name_file_line_and_reason(tmp_path, line, reason, sklearn_refuses):
    path = tmp_path / "bad.svm"
    path.write_text(f"1 1:1\n# comment\n{line}\n1 2:2\n")
    with pytest.raises(io.ParseError) as info:
        io.load_svmlight(path)
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.path, error.line) == (str(path), 3)
    assert reason in error.reason
    assert str(error) == f"{path}:3: {error.reason}"
    if sklearn_refuses:
        with pytest.raises(ValueError):
            load_svmlight_file(str(path))


def test_on_error_skip_drops_counts_and_warns(tmp_path):
    path = tmp_path / "skip.svm"
    path.write_text("1 1:1\nbad 1:1\n-1 2:2\n1 3:x\n1 3:3\n")
    with pytest.warns(
        io.SkippedLinesWarning,
        match=r"skipped 2 malformed line\(s\); the first: .*skip.svm:2: bad label",
    ):
        X, y = io.load_svmlight(path, on_error="skip")
    np.testing.assert_array_equal(y, [1, -1, 1])
    np.testing.assert_array_equal(X.toarray(), [[1, 0, 0], [0, 2, 0], [0, 0, 3]])


def test_float_edge_cases_parse_like_python(tmp_path):
    values = [
        "1e-320",
        "4.9e-324",
        "1e-400",
        "123456789012345678901234567890",
        "0.1",
        "-0",
        "1.7976931348623157e308",
        "2.2250738585072014e-308",
        "9007199254740993",
        "0.30000000000000004",
        "1E5",
        "-.5",
        "5.",
        "+.25e+2",
        "0.000000000000000000000001",
    ]
    text = "".join(f"1 1:{v}\n" for v in values)
    path = tmp_path / "floats.svm"
    path.write_text(text)
    X, _ = io.load_svmlight(path)
    expected = np.array([float(v) for v in values])
    nonzero = expected != 0
    np.testing.assert_array_equal(X.toarray()[nonzero, 0], expected[nonzero])


def test_gzip_errors_and_unreadable_files(tmp_path):
    text = "".join(f"{i % 2} 1:{i} 2:0.5\n" for i in range(2000)).encode()
    whole = gzip.compress(text)
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(io.ParseError, match="truncated.gz: truncated gzip stream") as info:
        io.load_svmlight(truncated)
    assert info.value.line is None
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(whole[:100] + bytes(200) + whole[300:])
    with pytest.raises(io.ParseError, match="corrupt.gz: corrupt gzip data"):
        io.load_svmlight(corrupt)
    # concatenated members are one stream, as gzip writes them
    two = tmp_path / "two.gz"
    two.write_bytes(whole + gzip.compress(text))
    assert io.load_svmlight(two)[0].shape[0] == 4000
    with pytest.raises(FileNotFoundError):
        io.load_svmlight(tmp_path / "missing.svm")
    with pytest.raises(IsADirectoryError):
        io.load_svmlight(tmp_path)
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.svm"
        locked.write_text("1 1:1\n")
        locked.chmod(0)
        with pytest.raises(PermissionError):
            io.load_svmlight(locked)


def test_empty_file_and_bad_arguments(tmp_path):
    empty = tmp_path / "empty.svm"
    empty.write_text("")
    X, y = io.load_svmlight(empty, n_features=3)
    assert X.shape == (0, 3) and y.shape == (0,)
    with pytest.raises(ValueError, match="on_error"):
        io.load_svmlight(empty, on_error="ignore")
    with pytest.raises(ValueError, match="zero_based"):
        io.load_svmlight(empty, zero_based="yes")
    with pytest.raises(TypeError, match="source must be a path"):
        io.load_svmlight(3)
    with pytest.raises(ValueError, match="empty list"):
        io.load_svmlight([])


def test_io_docstring_examples_run():
    import doctest

    result = doctest.testmod(io, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_found_by_fuzzing(tmp_path):
    # A value beyond float32 is an error in float32 data, not a silent inf.
    path = tmp_path / "big.svm"
    path.write_text("1 1:1e300\n")
    assert io.load_svmlight(path)[0].data[0] == 1e300
    with pytest.raises(io.ParseError, match="out of the float32 range"):
        io.load_svmlight(path, dtype=np.float32)
    # A reason quoting bytes that are not UTF-8 is still a readable message.
    path = tmp_path / "bytes.svm"
    path.write_bytes(b"1 1:\xc3\x28\n")
    with pytest.raises(io.ParseError, match=r"bad feature value '\\xc3\("):
        io.load_svmlight(path)

# SPDX-License-Identifier: BSD-3-Clause
"""sgdlearn.io's choices before parsing: the format from a file's name or first line,
gzip from its bytes, the CSV layout, and the options' checks; and what chunks of
skipped lines leave behind."""

import gzip
import warnings

import numpy as np
import pytest

from sgdlearn import io


@pytest.mark.parametrize(
    ("name", "first_line", "expected"),
    [
        ("a.svm", "x,y", "svmlight"),  # a known suffix wins over the first line
        ("a.LIBSVM", "1,2", "svmlight"),
        ("a.tsv.gz", "1 1:2", "csv"),  # through .gz
        ("a.VW", "1 1:2", "vw"),
        ("a.txt", "1 |f a b", "vw"),
        ("a.txt", "1.5,0,2", "csv"),
        ("a.txt", "1 1:2,5", "svmlight"),  # commas inside a value: not a CSV
        ("a", "1 3:0.5 7:1", "svmlight"),
    ],
)
def test_the_format_from_the_name_or_the_first_line(tmp_path, name, first_line, expected):
    path = tmp_path / name
    content = (first_line + "\n").encode()
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    assert io.detect_format(path) == expected


def test_gzip_is_told_by_its_bytes_not_its_name(tmp_path):
    zipped, plain = tmp_path / "zipped", tmp_path / "plain.gz"
    zipped.write_bytes(gzip.compress(b"1 |f a b\n"))
    plain.write_text("1,2,3\n")
    assert (io.detect_format(zipped), io.detect_format(plain)) == ("vw", "csv")
    zipped, plain = tmp_path / "zipped.svm", tmp_path / "plain.svm.gz"
    zipped.write_bytes(gzip.compress(b"1 1:2\n-1 2:3\n"))
    plain.write_text("1 1:2\n-1 2:3\n")
    for path in (zipped, plain):
        X, y = io.load_svmlight(path, n_features=2)
        np.testing.assert_array_equal(X.toarray(), [[2, 0], [0, 3]])
        np.testing.assert_array_equal(y, [1, -1])


def test_a_header_is_a_first_line_not_all_numbers(tmp_path):
    path = tmp_path / "years.csv"
    path.write_text("target,2020,2021\n1,0.5,2\n0,1.5,0\n")
    X, y = io.load_csv(path, label="target")
    np.testing.assert_array_equal(y, [1, 0])
    np.testing.assert_array_equal(X.toarray(), [[0.5, 2], [1.5, 0]])


def test_loaded_matrices_are_canonical_csr_with_32_bit_indices(tmp_path):
    path = tmp_path / "a.svm"
    path.write_text("1 1:2 4:1\n-1 2:3\n")
    X, _ = io.load_svmlight(path)
    assert X.indptr.dtype == X.indices.dtype == np.int32
    assert X.has_sorted_indices


def test_options_are_checked(tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("1,2,3\n")
    svm = tmp_path / "a.svm"
    svm.write_text("1 1:2\n")
    with pytest.raises(ValueError, match="outside the 3 columns"):
        io.load_csv(csv, label=3)
    with pytest.raises(ValueError, match="outside the 3 columns"):
        io.load_csv(csv, label=-4)
    with pytest.raises(ValueError, match="n_features=5 but the csv source has 2 columns"):
        list(io.iter_chunks(csv, n_features=5))
    with pytest.raises(ValueError, match="hash_bits"):
        io.load_vw(svm, hash_bits=32)
    with pytest.raises(ValueError, match="n_threads"):
        io.load_svmlight(svm, n_threads=0)
    # numpy's booleans are booleans
    X, _ = io.load_svmlight(svm, zero_based=np.bool_(True))
    assert X.shape == (1, 2)


def test_skipped_lines_leave_no_empty_chunk_and_the_warning_names_the_first(tmp_path,
                                                                            monkeypatch):
    # Small blocks: the bad lines are counted in several chunks, and the blocks of bad
    # lines at the end yield a chunk of no rows, which is not passed on.
    monkeypatch.setattr(io, "_STREAM_BLOCK_BYTES", 4096)
    path = tmp_path / "bad.svm"
    lines = ["1 1:1"] * 2 + ["x 1:1"] + ["1 1:1"] * 19_998 + ["y 1:1"] * 700
    path.write_text("\n".join(lines) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chunks = list(io.iter_chunks(path, chunk_size=10_000, n_features=2, on_error="skip",
                                     n_threads=1))
    assert [len(y) for _, y in chunks] == [10_000, 10_000]
    (warning,) = caught
    assert str(warning.message) == (f"skipped 701 malformed line(s); the first: {path}:3: "
                                    "bad label 'x'")

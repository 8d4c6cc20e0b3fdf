# SPDX-License-Identifier: BSD-3-Clause
"""sgdlearn.io.iter_chunks: chunks equal the whole-file loads, exact sizes, errors in
order, and memory bounded by a few chunks whatever the size of the source."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file

from sgdlearn import io

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 1000])
def test_chunks_know_the_file_and_line_of_each_row(tmp_path, chunk_size):
    # Comments, blank lines and skipped malformed lines take lines but give no rows.
    first, second = tmp_path / "a.svm", tmp_path / "b.svm"
    first.write_text("1 1:1\n# c\n\n-1 2:1\n")
    second.write_text("bad\n1 1:2\n\n-1 2:2\n1 1:3\n")
    places = []
    with pytest.warns(io.SkippedLinesWarning):
        chunks = io.iter_chunks([first, second], chunk_size=chunk_size, n_features=2,
                                on_error="skip")
        for X, y in chunks:
            places += [chunks.place(row) for row in range(len(y))]
    assert [p.rsplit("/", 1)[-1] for p in places] == ["a.svm:1", "a.svm:4", "b.svm:2",
                                                      "b.svm:4", "b.svm:5"]


@pytest.fixture(scope="module")
def svm_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = sp.random(2000, 50, density=0.1, format="csr", random_state=0)
    y = rng.choice([-1, 1], 2000)
    path = tmp_path_factory.mktemp("stream") / "data.svm"
    dump_svmlight_file(X, y, str(path))
    return path


def collect(chunks):
    parts = list(chunks)
    return (
        parts,
        sp.vstack([p[0] for p in parts], format="csr"),
        np.concatenate([p[1] for p in parts]),
    )


@pytest.mark.parametrize("n_features", [None, 50, 60])
@pytest.mark.parametrize("chunk_size", [1, 333, 5000])
def test_chunks_equal_the_whole_load(svm_file, monkeypatch, n_features, chunk_size):
    monkeypatch.setattr(io, "_STREAM_BLOCK_BYTES", 4096)  # many blocks per chunk and back
    X_ref, y_ref = io.load_svmlight(svm_file, n_features=n_features)
    chunks = io.iter_chunks(svm_file, chunk_size=chunk_size, n_features=n_features)
    assert chunks.format == "svmlight" and chunks.n_features == X_ref.shape[1]
    parts, X, y = collect(chunks)
    sizes = [len(p[1]) for p in parts]
    assert sizes == [chunk_size] * (2000 // chunk_size) + (
        [2000 % chunk_size] if 2000 % chunk_size else []
    )
    assert all(p[0].shape[1] == X_ref.shape[1] and p[0].indices.dtype == np.int32 for p in parts)
    assert (X != X_ref).nnz == 0 and X.shape == X_ref.shape
    np.testing.assert_array_equal(y, y_ref)
    assert chunks.rows == 2000


def test_csv_and_vw_chunks_equal_their_loads(tmp_path):
    X_ref, y_ref = io.load_csv(DATA / "tiny.csv")
    _, X, y = collect(io.iter_chunks(DATA / "tiny.csv", chunk_size=2))
    assert (X != X_ref).nnz == 0
    np.testing.assert_array_equal(y, y_ref)
    X_ref, y_ref, w_ref = io.load_vw(DATA / "vw_0002_head.vw", hash_bits=12, return_weights=True)
    parts = list(
        io.iter_chunks(DATA / "vw_0002_head.vw", chunk_size=7, hash_bits=12, return_weights=True)
    )
    assert (sp.vstack([p[0] for p in parts]) != X_ref).nnz == 0
    np.testing.assert_array_equal(np.concatenate([p[2] for p in parts]), w_ref)
    # other formats have unit weights
    parts = list(io.iter_chunks(DATA / "rcv1_head.svm", return_weights=True))
    np.testing.assert_array_equal(parts[0][2], np.ones(8))


def test_gzip_and_lists_stream_in_order():
    X_ref, y_ref = io.load_svmlight([DATA / "rcv1_head_svm.gz", DATA / "rcv1_head.svm"])
    chunks = io.iter_chunks([DATA / "rcv1_head_svm.gz", DATA / "rcv1_head.svm"], chunk_size=5)
    _, X, y = collect(chunks)
    assert (X != X_ref).nnz == 0
    np.testing.assert_array_equal(y, y_ref)


def test_zero_based_auto_with_n_features_is_decided_early_and_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "_STREAM_BLOCK_BYTES", 64)
    path = tmp_path / "late_zero.svm"
    lines = [f"1 {1 + i % 5}:1\n" for i in range(40)] + ["1 0:1\n"]
    path.write_text("".join(lines))
    chunks = io.iter_chunks(path, n_features=5, chunk_size=4, n_threads=1)
    with pytest.raises(
        io.ParseError, match=r"late_zero.svm:41: feature index 0 in a one-based file"
    ):
        list(chunks)
    # Told, or scanning first (no n_features), it is read as scikit-learn reads it.
    X, _ = io.load_svmlight(path)
    _, X_told, _ = collect(io.iter_chunks(path, n_features=6, zero_based=True))
    _, X_scanned, _ = collect(io.iter_chunks(path))
    assert (X_told != X).nnz == 0 and (X_scanned != X).nnz == 0


def test_errors_come_after_the_chunks_before_them(tmp_path):
    path = tmp_path / "bad.svm"
    path.write_text("".join(f"1 {i % 3 + 1}:1\n" for i in range(25)) + "1 x:1\n" + "1 1:1\n" * 5)
    chunks = io.iter_chunks(path, n_features=3, chunk_size=10, n_threads=1)
    assert len(next(chunks)[1]) == 10
    assert len(next(chunks)[1]) == 10
    assert len(next(chunks)[1]) == 5  # the rows before the bad line, then the error
    with pytest.raises(io.ParseError, match=r"bad.svm:26: bad feature index 'x'"):
        next(chunks)
    with pytest.raises(StopIteration):
        next(chunks)
    with pytest.warns(io.SkippedLinesWarning, match="skipped 1 malformed"):
        chunks = io.iter_chunks(path, n_features=3, chunk_size=10, on_error="skip")
        assert [len(c[1]) for c in chunks] == [10, 10, 10]
    assert chunks.skipped_lines == 1


def test_parsing_runs_ahead_but_at_most_two_chunks(svm_file):
    chunks = io.iter_chunks(svm_file, n_features=50, chunk_size=10)
    next(chunks)
    deadline = time.monotonic() + 30
    while chunks.max_queued < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # the consumer is busy: the thread parses ahead meanwhile
    assert chunks.max_queued == 2
    assert sum(1 for _ in chunks) == 199
    assert chunks.max_queued == 2
    early = io.iter_chunks(svm_file, n_features=50, chunk_size=10)
    next(early)
    early.close()  # stops the thread though most of the file is left
    with pytest.raises(StopIteration):
        next(early)


# The child's own peak (VmHWM): its ru_maxrss would start from the parent's size.
_PEAK_RSS = """
import sys
from sgdlearn import io
paths = [sys.argv[1]] * int(sys.argv[2])
rows = sum(X.shape[0] for X, y in io.iter_chunks(paths, n_features=50, chunk_size=500))
print(rows, next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_peak_memory_does_not_grow_with_the_source(svm_file, tmp_path):
    big = tmp_path / "big.svm"
    big.write_bytes(svm_file.read_bytes() * 10)  # 20,000 rows, about 2.5 MB

    def peak_kb(copies):
        out = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, str(big), str(copies)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert int(out[0]) == 20000 * copies
        return int(out[1])

    small, large = peak_kb(1), peak_kb(12)  # 25 MB and 300 MB of text
    assert large - small < 8 * 1024, (small, large)


@pytest.mark.parametrize("read", ["scan", "iter_chunks"])
def test_ctrl_c_stops_reading(read):
    import os
    import signal
    import threading

    many = [DATA / "rcv1_head.svm"] * 200_000  # minutes of reading, in bounded memory
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            if read == "scan":
                io.scan(many, n_features=47236, n_threads=1)
            else:
                for _ in io.iter_chunks(many, n_features=47236, n_threads=1):
                    pass
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)

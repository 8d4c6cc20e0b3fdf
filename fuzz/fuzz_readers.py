# SPDX-License-Identifier: BSD-3-Clause
"""Atheris fuzz target of sgdlearn.io, through files as users pass them.

Each input is written to a file, plain or (by its first byte) gzip-compressed and
possibly truncated, and read with one of the loaders or iter_chunks under options
the first byte picks. The only allowed outcomes are arrays that make a well-formed
CSR matrix of finite values, or sgdlearn.io.ParseError; a crash, a hang or any other
exception is a bug.

    pip install atheris
    mkdir -p new-inputs && python fuzz/fuzz_readers.py new-inputs fuzz/corpus -max_total_time=600

``check_input(data)`` is the test itself; the test suite runs it on mutated inputs
without atheris (tests/test_io_fuzz.py).
"""

import gzip
import os
import sys
import tempfile
import warnings

import numpy as np


def check_input(data, folder):
    from sgdlearn import io

    if not data:
        return
    pick, body = data[0], data[1:]
    path = os.path.join(folder, "input")
    if pick & 0x80:
        body = gzip.compress(body)
        if pick & 0x40:
            body = body[: len(body) * 3 // 4]  # a truncated stream
    with open(path, "wb") as f:
        f.write(body)
    on_error = "skip" if pick & 4 else "raise"
    fmt = ("svmlight", "csv", "vw")[pick % 3]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", io.SkippedLinesWarning)
            if pick & 8:
                chunks = list(
                    io.iter_chunks(
                        path,
                        format=fmt,
                        chunk_size=1 + (pick >> 4),
                        hash_bits=1 + pick % 20,
                        on_error=on_error,
                        n_features=None if pick & 16 else 64,
                    )
                )
                results = [(X, y) for X, y in chunks]
            elif fmt == "svmlight":
                results = [
                    io.load_svmlight(
                        path,
                        zero_based=bool(pick & 16),
                        on_error=on_error,
                        dtype=np.float32 if pick & 32 else np.float64,
                    )
                ]
            elif fmt == "csv":
                results = [
                    io.load_csv(path, on_error=on_error, delimiter=";" if pick & 16 else ",")
                ]
            else:
                results = [io.load_vw(path, hash_bits=1 + pick % 20, on_error=on_error)]
    except io.ParseError:
        return
    except ValueError as exc:  # argument checks on what the first line says (CSV layout)
        if "label" in str(exc) or "columns" in str(exc):
            return
        raise
    for X, y in results:
        X.check_format(full_check=True)
        assert X.shape[0] == len(y)
        assert np.all(np.isfinite(X.data)) and np.all(np.isfinite(y))


def main():
    import atheris

    with atheris.instrument_imports():
        import sgdlearn.io  # noqa: F401
    folder = tempfile.mkdtemp(prefix="sgdlearn-fuzz-")
    atheris.Setup(sys.argv, lambda data: check_input(data, folder))
    atheris.Fuzz()


if __name__ == "__main__":
    main()

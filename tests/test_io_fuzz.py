# SPDX-License-Identifier: BSD-3-Clause
"""The readers' fuzz target (fuzz/fuzz_readers.py) on deterministic random mutations of
its seed corpus: every input parses into a well-formed matrix or raises ParseError.
Long fuzzing runs use atheris, or libFuzzer on fuzz/fuzz_parsers.cpp (see fuzz/)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

FUZZ = Path(__file__).parent.parent / "fuzz"


def load_target():
    spec = importlib.util.spec_from_file_location("fuzz_readers", FUZZ / "fuzz_readers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mutate(rng, data, corpus):
    data = bytearray(data)
    interesting = b" \t\n\r:|#,;.-+eE0123456789qidnaf'"
    for _ in range(int(rng.integers(1, 8))):
        at = int(rng.integers(0, len(data))) if data else 0
        kind = rng.integers(0, 5)
        if kind == 0 and data:
            data[at] = int(rng.integers(0, 256))
        elif kind == 1:
            data.insert(at, interesting[int(rng.integers(0, len(interesting)))])
        elif kind == 2 and data:
            del data[at : at + int(rng.integers(1, 5))]
        elif kind == 3:
            other = corpus[int(rng.integers(0, len(corpus)))]
            start = int(rng.integers(0, len(other)))
            data[at:at] = other[start : start + int(rng.integers(1, 20))]
        elif data:
            data[0] = int(rng.integers(0, 256))
    return bytes(data)


@pytest.mark.parametrize("seed", range(4))
def test_mutated_inputs_parse_or_raise_parse_error(tmp_path, seed):
    target = load_target()
    corpus = [path.read_bytes() for path in sorted((FUZZ / "corpus").iterdir())]
    rng = np.random.default_rng(seed)
    for data in corpus:
        target.check_input(data, str(tmp_path))
    for _ in range(150):
        data = mutate(rng, corpus[int(rng.integers(0, len(corpus)))], corpus)
        target.check_input(data, str(tmp_path))

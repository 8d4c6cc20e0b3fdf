# SPDX-License-Identifier: BSD-3-Clause
"""Every numbered example runs at its CI size, prints its figures and writes its PNG."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import sgdlearn

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NUMBERED = sorted(EXAMPLES.glob("0[0-9]_*.py"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _missing_streaming():
    """Why example 6 cannot run here (streaming and the command line), or None."""
    if not hasattr(sgdlearn.SGDClassifier, "fit_stream"):
        return "SGDClassifier.fit_stream is not in this build"
    if importlib.util.find_spec("sgdlearn.__main__") is None:
        return "the command line (python -m sgdlearn) is not in this build"
    return None


# Examples that need more than the estimators: why they cannot run, or None.
MISSING = {"06_online_from_a_file.py": _missing_streaming}


def test_the_gallery_is_there():
    assert len(NUMBERED) >= 5, f"numbered examples missing from {EXAMPLES}"


@pytest.mark.parametrize("script", NUMBERED, ids=lambda path: path.name)
def test_example_runs_quick_and_writes_its_png(script, tmp_path):
    missing = MISSING.get(script.name, lambda: None)()
    if missing:
        pytest.skip(missing)
    out = tmp_path / "out"
    # -W error: an example that warns fails, as the test suite does.
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script), "--quick", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    pngs = list(out.glob("*.png"))
    assert [png.name for png in pngs] == [script.with_suffix(".png").name]
    data = pngs[0].read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert 300 <= width <= 1200 and 200 <= height <= 800, (width, height)
    assert len(data) < 100_000, "keep the pictures small"
    assert f"wrote {out / pngs[0].name}" in result.stdout
    # The figures are printed as a table: at least a header and a few rows.
    assert len(result.stdout.splitlines()) >= 4

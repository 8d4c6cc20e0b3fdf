# SPDX-License-Identifier: BSD-3-Clause
"""The README's first command runs the demo; keep it working."""

from sgdlearn import demo


def test_demo_quick_prints_both_libraries(capsys):
    demo.main(["--quick"])
    out = capsys.readouterr().out
    assert out.count("sgdlearn ") == 2 and out.count("scikit-learn ") == 2
    assert "speed-up" in out

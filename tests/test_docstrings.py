# SPDX-License-Identifier: BSD-3-Clause
"""The Examples sections of the public docstrings run as written."""

import doctest

import pytest

import sgdlearn._sgd


@pytest.mark.parametrize("module", [sgdlearn._sgd], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0

# SPDX-License-Identifier: BSD-3-Clause
"""``python -m sgdlearn``: the sgdlearn command line (see sgdlearn.cli)."""

import sys

from sgdlearn.cli import main

sys.exit(main())

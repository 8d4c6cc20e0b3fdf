# SPDX-License-Identifier: BSD-3-Clause
"""Shared fixtures. The Dask cluster starts only when a test asks for it."""

import warnings

import pytest


@pytest.fixture(scope="session")
def dask_client():
    """A client of a local cluster: 2 worker processes, 1 thread each, on 127.0.0.1.

    The workers are spawned processes: they import sgdlearn, never the test modules,
    so the functions the tests send them come from sgdlearn, numpy, scipy or os.
    """
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        # Without a dashboard the scheduler still serves health checks: on port 8787, or,
        # when another cluster on this machine holds it, on another port with a warning.
        warnings.filterwarnings("ignore", "Port 8787 is already in use", UserWarning)
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as client:
        yield client

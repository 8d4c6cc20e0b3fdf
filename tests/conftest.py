# SPDX-License-Identifier: BSD-3-Clause
"""Shared fixtures. The Dask cluster starts only when a test asks for it."""

import pytest


@pytest.fixture(scope="session")
def dask_client():
    """A client of a local cluster: 2 worker processes, 1 thread each, on 127.0.0.1.

    The workers are spawned processes: they import sgdlearn, never the test modules,
    so the functions the tests send them come from sgdlearn, numpy, scipy or os.
    """
    distributed = pytest.importorskip("distributed")
    # The scheduler serves health checks (and a dashboard) over HTTP whatever is asked:
    # on a free port of its own, as here, or on 8787, where another cluster on this
    # machine (another test run) made it leak the socket it had tried, a ResourceWarning
    # that failed the first test to start a cluster.
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    with cluster, distributed.Client(cluster) as client:
        yield client

"""The `slurm_cluster` fixture: one throw-away SLURM cluster for the whole test session.

Skipped, with the reason, when SLURM is not installed (`bash scripts/install-slurm.sh` installs
it; scripts/run-tests.sh does so before pytest) or the tests do not run as root (slurmd must).
A cluster that is installed but fails to start is an error, with the daemons' logs, not a skip.
"""

from __future__ import annotations

import os

import pytest
from slurm_cluster import SlurmCluster, missing_binaries


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    missing = missing_binaries()
    if missing:
        pytest.skip(f"SLURM is not installed (missing {', '.join(missing)}); run `bash scripts/install-slurm.sh`")
    if os.geteuid() != 0:
        pytest.skip("the test cluster's slurmd must run as root (SlurmdUser=root); run the tests as root")
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    cluster.start(timeout=60)
    try:
        yield cluster
    finally:
        cluster.stop()

#!/usr/bin/env bash
# One command: install everything, lint the workflow, run the test suite.
# Extra arguments go to pytest, e.g. `bash scripts/run-tests.sh -k national`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# SLURM for the one-node test cluster of tests/cluster (the `slurm` tests are skipped, saying
# why, if it cannot be installed).
bash scripts/install-slurm.sh || echo "[tests] SLURM could not be installed: tests/cluster will be skipped"
export PATH="$(pwd)/.venv/bin:$PATH"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "[tests] snakemake --lint"
snakemake --lint
python -m pytest "$@"

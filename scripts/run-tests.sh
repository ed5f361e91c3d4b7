#!/usr/bin/env bash
# One command: install everything, lint and format-check the code and the workflow, run the test suite.
# Extra arguments go to pytest, e.g. `bash scripts/run-tests.sh -k national`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# SLURM for the one-node test cluster of tests/cluster (the `slurm` tests are skipped, saying
# why, if it cannot be installed).
bash scripts/install-slurm.sh || echo "[tests] SLURM could not be installed: tests/cluster will be skipped"
# Debian's Chromium for the browser test of the report (tests/test_workflow_e2e.py).
if ! command -v chromium >/dev/null 2>&1; then
  echo "[tests] installing chromium (browser test of the report)"
  SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium; } \
    || echo "[tests] chromium could not be installed: the browser test will be skipped"
fi
export PATH="$(pwd)/.venv/bin:$PATH"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "[tests] ruff check, ruff format --check, snakefmt --check, snakemake --lint"
ruff check .
ruff format --check .
snakefmt --check Snakefile workflow/rules/
snakemake --lint
python -m pytest "$@"

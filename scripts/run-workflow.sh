#!/usr/bin/env bash
# One command from a fresh clone: install everything, then run the whole workflow on the
# default data (real national LA data + synthetic child-level data) to report/report.html.
# Extra arguments go to snakemake, e.g. `bash scripts/run-workflow.sh --configfile my.yaml`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$(pwd)/.venv/bin:$PATH"
# One BLAS/OpenMP thread per job: identical numbers locally and on a cluster.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
snakemake --cores "${CORES:-all}" "$@"
echo "Report: $(pwd)/report/report.html"

"""Benchmark (not a test): wall time and peak memory of the national strand.

Copies the repository (without results, logs, .snakemake, local data and the virtualenv) into a
temporary directory, then runs Snakemake there for the national targets: the panel and every
output of the national analysis rules (trends, figures, correlations, Table 6, consistency,
correlelograms). First from scratch, then again with nothing changed (a no-op rerun that should
only check the DAG). Peak memory is the largest summed resident memory of the Snakemake process
tree, sampled every 50 ms. Writes benchmarks/results/national_strand.json.

    .venv/bin/python benchmarks/national_strand.py [--cores 2] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.config import load_schema, validate_config

IGNORE = shutil.ignore_patterns(
    ".venv",
    "results",
    "logs",
    ".snakemake",
    "local",
    ".git",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    "report.html",
    "benchmarks",
)


def national_targets(repo: Path) -> list[str]:
    config = validate_config(
        yaml.safe_load((repo / "config/config.yaml").read_text()), load_schema(repo / "workflow/schemas")
    )
    cfg = config["national_analysis"]
    out = "results/national"
    targets = [
        f"{out}/panel.parquet",
        f"{out}/data_dictionary.csv",
        f"{out}/table06_imd_correlations.csv",
        f"{out}/correlations/consistent_edges.csv",
        f"{out}/trends/trend_fits.csv",
    ]
    targets += [f"{out}/correlelograms/{t}.png" for t in cfg["themes"]]
    targets += [f"{out}/trends/{f}_{v}.png" for f in cfg["trends"]["figures"] for v in cfg["trends"]["views"]]
    return targets


def run_measured(cmd: list[str], cwd: Path) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root] + root.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
        except psutil.NoSuchProcess:
            pass
        peak = max(peak, total)
        time.sleep(0.05)
    output = proc.stdout.read()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-4000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak / 2**20, 1), "jobs": output.count("Finished jobid")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args()
    snakemake = str(ROOT / ".venv" / "bin" / "snakemake")
    tmp = Path(tempfile.mkdtemp(prefix="csc-national-bench-"))
    work = tmp / "repo"
    shutil.copytree(ROOT, work, ignore=IGNORE, symlinks=True)
    # provenance records the git commit; give the copy the same HEAD so the run looks like a clone
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    targets = national_targets(work)
    base = [snakemake, "--nolock", "--cores", str(args.cores)]
    try:
        scratch = run_measured(base + targets, work)
        rerun = run_measured(base + targets, work)
        dry = subprocess.run(base + ["-n"] + targets, cwd=work, capture_output=True, text=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "strand": "national",
        "description": "national panel + national analysis rules (trends, correlations, Table 6, "
        "consistency, correlelograms) via snakemake in a fresh copy of the repository",
        "targets": targets,
        "from_scratch": scratch,
        "no_change_rerun": rerun,
        "no_change_dry_run_has_nothing_to_do": "Nothing to be done" in (dry.stdout + dry.stderr),
        "cores": args.cores,
        "machine": {
            "python": platform.python_version(),
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "platform": platform.platform(),
        },
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "benchmarks" / "results" / "national_strand.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

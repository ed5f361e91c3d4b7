"""Benchmark (not a test): wall time and peak memory of building the national panel from scratch.

Each repetition runs in a fresh Python process (so imports, file reads and caches start cold from
Python's side): verify the raw files' checksums, build the panel, write parquet + CSV + dictionary to
a temporary folder. Wall time is measured around the child process; peak memory is the child's
maximum resident set size (resource.getrusage RUSAGE_CHILDREN, ru_maxrss), plus the split of the
time between the checksum check, the build and the writing as reported by the child.
Writes benchmarks/results/national_panel.json.

    .venv/bin/python benchmarks/national_panel.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1] + "/src")
t0 = time.perf_counter()
from csc_inequalities.national.panel import build_panel
from csc_inequalities.national.sources import verify_manifest
t1 = time.perf_counter()
verify_manifest(Path(sys.argv[1]) / "resources/national/manifest.sha256")
t2 = time.perf_counter()
panel, dictionary, coverage = build_panel(Path(sys.argv[1]) / "resources/national/raw")
t3 = time.perf_counter()
out = Path(sys.argv[2])
panel.to_parquet(out / "panel.parquet", index=False)
panel.to_csv(out / "panel.csv", index=False)
dictionary.to_csv(out / "data_dictionary.csv", index=False)
coverage.to_csv(out / "coverage.csv", index=False)
t4 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "verify_manifest_s": t2 - t1, "build_panel_s": t3 - t2,
                  "write_s": t4 - t3, "rows": len(panel), "columns": panel.shape[1],
                  "las": int(panel["la_code"].nunique()), "years": int(panel["year"].nunique())}))
"""


def run_once() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), tmp], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stages = json.loads(done.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the maximum over all children so far: report it only if it grew.
    return {
        "wall_s": round(wall, 3),
        "peak_rss_mib": round(max(peak_kib, before) / 1024, 1),
        **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in stages.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [run_once() for _ in range(args.repeat)]
    walls = [r["wall_s"] for r in runs]
    result = {
        "benchmark": "national_panel",
        "what": "verify checksums + build panel from the shipped raw files + write outputs, fresh process each run",
        "repeat": args.repeat,
        "wall_s_median": round(statistics.median(walls), 3),
        "wall_s_min": min(walls),
        "peak_rss_mib_max": max(r["peak_rss_mib"] for r in runs),
        "runs": runs,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": psutil.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "benchmarks" / "results" / "national_panel.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()

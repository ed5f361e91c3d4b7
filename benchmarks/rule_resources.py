"""Derive each rule's scheduler resources (workflow/resources.yaml) from measured runs.

For every run directory given, reads the Snakemake benchmark files (results/benchmarks/: peak RSS
and wall time per job) and the provenance JSON of every job (results/**/provenance/: the job's
input files, whose sizes are taken from that directory). Per rule it keeps the largest peak, the
longest wall time and the largest input. With two runs of different size (the default run and the
national run) it fits, per rule, peak = base + slope x input size through the two points (slope
at least 0), and requests
    mem_mb  = 1.3 x fitted peak + 200 MB        (per_input_gb from the slope, x 1.3)
    runtime = 3 x fitted wall time, at least 2 minutes.
With one run, only bases. Prints the table; --write replaces the rules of workflow/resources.yaml;
writes benchmarks/results/rule_resources.json.

    python benchmarks/rule_resources.py --run default=. --run national=/tmp/csc-national [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.report.benchmarks import collect_benchmarks, summarise_by_rule

MEMORY_FACTOR, MEMORY_PLUS_MB, TIME_FACTOR, MIN_MINUTES = 1.3, 200, 3.0, 2


def measure(run_dir: Path) -> dict[str, dict[str, float]]:
    """Per rule: jobs, peak RSS (MB), longest wall (s), largest input (GB)."""
    rules = {
        row.rule: {
            "jobs": int(row.jobs),
            "rss_mb": float(row.max_rss_mb),
            "wall_s": float(row.wall_s_max),
            "input_gb": 0.0,
        }
        for row in summarise_by_rule(collect_benchmarks(run_dir / "results" / "benchmarks")).itertuples(index=False)
    }
    for path in (run_dir / "results").rglob("provenance/**/*.json"):
        try:
            record = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        # A batch member's record names its rule (gradient_models_cpp) and the resources entry its
        # benchmarks are filed under (gradient_models).
        rule = record.get("resources_rule", record.get("rule"))
        if rule not in rules:
            continue
        size = sum(
            (run_dir / i["path"]).stat().st_size
            for i in record.get("inputs", [])
            if isinstance(i, dict) and i.get("path") and (run_dir / i["path"]).is_file()
        )
        rules[rule]["input_gb"] = max(rules[rule]["input_gb"], size / 2**30)
    return rules


def fit(points: list[dict[str, float]], key: str) -> tuple[float, float]:
    """(base, slope per GB) through the smallest and largest run; slope >= 0."""
    points = sorted(points, key=lambda p: p["input_gb"])
    low, high = points[0], points[-1]
    if len(points) < 2 or high["input_gb"] - low["input_gb"] < 1e-3:
        return max(p[key] for p in points), 0.0
    slope = max(0.0, (high[key] - low[key]) / (high["input_gb"] - low["input_gb"]))
    base = max(p[key] for p in points) if slope == 0 else low[key] - slope * low["input_gb"]
    return max(base, 0.0), slope


def derive(runs: dict[str, dict[str, dict[str, float]]]) -> tuple[list[dict], dict[str, dict]]:
    """(table of measurements and requests, {rule: {mem_mb: {...}, runtime: {...}}})."""
    rules = sorted(set().union(*runs.values()))
    table, requested = [], {}
    for rule in rules:
        points = [runs[label][rule] for label in runs if rule in runs[label]]
        mem_base, mem_slope = fit(points, "rss_mb")
        wall_base, wall_slope = fit(points, "wall_s")
        mem = {"base": int(math.ceil((MEMORY_FACTOR * mem_base + MEMORY_PLUS_MB) / 100) * 100)}
        if mem_slope > 0:
            mem["per_input_gb"] = int(math.ceil(MEMORY_FACTOR * mem_slope / 10) * 10)
        runtime = {"base": max(MIN_MINUTES, int(math.ceil(TIME_FACTOR * wall_base / 60)))}
        if wall_slope > 0:
            runtime["per_input_gb"] = round(TIME_FACTOR * wall_slope / 60, 1)
        requested[rule] = {"mem_mb": mem, "runtime": runtime}
        table.append(
            {
                "rule": rule,
                **{
                    f"{label}_{k}": round(v, 3) if isinstance(v, float) else v
                    for label in runs
                    if rule in runs[label]
                    for k, v in runs[label][rule].items()
                },
                "requested": requested[rule],
            }
        )
    return table, requested


def resources_yaml(header: str, requested: dict[str, dict]) -> str:
    """workflow/resources.yaml: its comment header kept, the rules table replaced."""
    body = "\n".join(f"  {rule}: {json.dumps(spec).replace(chr(34), '')}" for rule, spec in requested.items())
    return f"{header}\nrules:\n{body}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", required=True, help="label=run directory (repeatable)")
    parser.add_argument("--write", action="store_true", help="replace the rules table of workflow/resources.yaml")
    args = parser.parse_args()
    runs = {label: measure(Path(path).resolve()) for label, path in (r.split("=", 1) for r in args.run)}
    table, requested = derive(runs)
    for row in table:
        print(json.dumps(row))
    out = ROOT / "benchmarks" / "results" / "rule_resources.json"
    out.write_text(
        json.dumps({"runs": {k: str(v) for k, v in (r.split("=", 1) for r in args.run)}, "rules": table}, indent=1)
    )
    if args.write:
        path = ROOT / "workflow" / "resources.yaml"
        path.write_text(resources_yaml(path.read_text().split("\nrules:")[0], requested))
    print(f"written: {out}" + (" and workflow/resources.yaml" if args.write else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

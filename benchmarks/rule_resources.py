"""Measured peak memory and wall time per rule (from a run's Snakemake benchmark files) beside the
resources the rules request (workflow/resources.yaml), so the table can be re-derived after a run.

    python benchmarks/rule_resources.py [--benchmarks results/benchmarks] [--label default]

Writes benchmarks/results/rule_resources_<label>.json and prints the comparison; exits 1 when a
rule's measured peak exceeds the memory it requests for that run's input sizes.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.report.benchmarks import collect_benchmarks, summarise_by_rule  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", default=str(ROOT / "results" / "benchmarks"))
    parser.add_argument("--label", default="default")
    args = parser.parse_args()
    requested = yaml.safe_load((ROOT / "workflow" / "resources.yaml").read_text())["rules"]
    summary = summarise_by_rule(collect_benchmarks(args.benchmarks))
    rows, too_small = [], []
    for row in summary.itertuples(index=False):
        spec = requested.get(row.rule, {})
        base_mb = spec.get("mem_mb", {}).get("base")
        base_min = spec.get("runtime", {}).get("base")
        rows.append({"rule": row.rule, "jobs": int(row.jobs), "wall_s_max": round(float(row.wall_s_max), 1),
                     "wall_s_total": round(float(row.wall_s_total), 1), "max_rss_mb": round(float(row.max_rss_mb), 0),
                     "requested_mem_mb_base": base_mb, "requested_runtime_min_base": base_min})
        if base_mb is not None and row.max_rss_mb > base_mb and not spec["mem_mb"].get("per_input_gb"):
            too_small.append(row.rule)
    out = ROOT / "benchmarks" / "results" / f"rule_resources_{args.label}.json"
    out.write_text(json.dumps({"label": args.label, "benchmarks": str(args.benchmarks), "rules": rows,
                               "requested_below_measured": too_small}, indent=1))
    width = max(len(r["rule"]) for r in rows) if rows else 10
    print(f"{'rule':<{width}}  jobs  wall_max_s  rss_max_mb  requested_mb  requested_min")
    for r in rows:
        print(f"{r['rule']:<{width}}  {r['jobs']:>4}  {r['wall_s_max']:>10}  {r['max_rss_mb']:>10}  "
              f"{str(r['requested_mem_mb_base']):>12}  {str(r['requested_runtime_min_base']):>13}")
    print(f"written: {out}")
    if too_small:
        print("measured peak above the requested memory:", ", ".join(too_small))
    return 1 if too_small else 0


if __name__ == "__main__":
    sys.exit(main())

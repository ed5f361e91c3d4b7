"""Benchmark of the calibration solver (synthetic/solve.py: what the synthetic_calibration rule runs)
at a config's scale, with its targets and the solver's truth.

    .venv/bin/python benchmarks/calibration_speed.py --configfile config/config.yaml
    .venv/bin/python benchmarks/calibration_speed.py --configfile config/national.yaml --table

Reads the LSOA tables and the national panel that the workflow built (results/lsoa/, results/national/
panel.parquet). Adds one record (config, commit, wall and CPU seconds, rounds and least-squares
evaluations, the load average) to benchmarks/results/calibration_speed.json, keyed by the run label
and the commit, and writes the solution to benchmarks/results/calibrated_parameters_<run_label>.yaml.
``--src DIR`` runs another checkout's package (e.g. ``git archive`` of an older commit's src/) for a
before/after pair on the same machine; ``--parameters-out`` saves its solution for comparison.
``--table`` also writes benchmarks/results/calibration_<run_label>_solver.csv and .json: each target
with the solver's truth (the Python random-intercept fits on the expected counts; the R truth refits
and the estimates need the whole run) and the counts within tolerance / noted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def merged_config(configfile: str) -> dict:
    import yaml

    from csc_inequalities.config import load_schema, validate_config

    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    if configfile != "config/config.yaml":
        for key, value in yaml.safe_load((ROOT / configfile).read_text()).items():
            base[key] = (
                {**base.get(key, {}), **value} if isinstance(value, dict) and isinstance(base.get(key), dict) else value
            )
    return validate_config(base, load_schema(ROOT / "workflow" / "schemas"))


def solver_table(record: dict) -> tuple[list[dict], dict]:
    """The targets' rows (published, solver truth, |log ratio|, within, note) and the counts."""
    import numpy as np

    tolerance = float(record["tolerance"])
    rows = []
    for t in [*record["targets"], *record.get("checks", [])]:
        residual = float(np.log(t["solver_truth"] / t["published"]))
        rows.append(
            {
                "target": t["target"],
                "source": t["source"],
                "kind": "target" if "parameter" in t else "check (not solved)",
                "published": t["published"],
                "solver_truth": round(t["solver_truth"], 4),
                "log_ratio": round(residual, 4),
                "tolerance": tolerance,
                "within_tolerance": abs(residual) <= tolerance,
                "note": t["note"],
            }
        )
    within = [r for r in rows if r["within_tolerance"]]
    beyond = {r["target"]: r["log_ratio"] for r in rows if not r["within_tolerance"]}
    return rows, {
        "rows": len(rows),
        "solved_targets": sum(r["kind"] == "target" for r in rows),
        "within": len(within),
        "beyond": len(beyond),
        "beyond_log_ratio": beyond,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configfile", default="config/config.yaml")
    parser.add_argument("--panel", default="results/national/panel.parquet")
    parser.add_argument("--src", default=str(ROOT / "src"), help="package source to run (another commit's src/)")
    parser.add_argument("--label", default="", help="added to the record's key (e.g. before)")
    parser.add_argument("--parameters-out", default="")
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--from-record", default="", help="write --table from a saved solution, no solving")
    args = parser.parse_args()
    sys.path.insert(0, args.src)
    if args.from_record:
        import pandas as pd
        import yaml

        label = merged_config(args.configfile).get("run_label", "default")
        rows, counts = solver_table(yaml.safe_load(Path(args.from_record).read_text()))
        out = ROOT / "benchmarks" / "results" / f"calibration_{label}_solver"
        pd.DataFrame(rows).to_csv(f"{out}.csv", index=False)
        previous = json.loads(Path(f"{out}.json").read_text()) if Path(f"{out}.json").exists() else {}
        Path(f"{out}.json").write_text(json.dumps({**previous, **counts}, indent=1))
        print(json.dumps(counts, indent=1))
        return

    import pandas as pd
    import yaml

    from csc_inequalities.synthetic import solve
    from csc_inequalities.synthetic.totals import PANEL_SERIES

    config = merged_config(args.configfile)
    synthetic, label = config["synthetic"], config.get("run_label", "default")
    reference = pd.read_parquet(ROOT / "results" / "lsoa" / "lsoa_reference.parquet")
    population = pd.read_parquet(
        ROOT / "results" / "lsoa" / "lsoa_population.parquet", filters=[("la_code", "in", list(synthetic["las"]))]
    )
    panel = (
        pd.read_parquet(ROOT / args.panel, columns=["la_code", "year", *PANEL_SERIES])
        if synthetic["referrals_from_panel"]
        else None
    )
    headline = ROOT / "resources" / "gradient" / "published" / "headline.yaml"
    if hasattr(solve, "PublishedFigures"):
        figures = solve.PublishedFigures.load(headline)
    else:  # a commit before the solver read PublishedFigures: the headline mapping
        figures = yaml.safe_load(headline.read_text())
    wall, cpu = time.perf_counter(), time.process_time()
    record = solve.run_calibration(
        synthetic,
        reference,
        population,
        str(ROOT / "resources" / "lca" / "published"),
        figures,
        panel,
        progress=lambda message: print(f"[{time.perf_counter() - wall:.0f} s] {message}", flush=True),
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    out = ROOT / "benchmarks" / "results"
    parameters_out = Path(args.parameters_out or out / f"calibrated_parameters_{label}.yaml")
    parameters_out.write_text(yaml.safe_dump(record, sort_keys=False))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.src, capture_output=True, text=True)
    entry = {
        "config": args.configfile,
        "src": os.path.relpath(args.src, ROOT),
        "commit": commit.stdout.strip() or "see src",
        "las": len(synthetic["las"]),
        "calibration_enabled": bool(synthetic["calibration"]["enabled"]),
        "target_set": synthetic["calibration"]["target_set"],
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "rounds": record["rounds"],
        "least_squares_evaluations": sum(r["evaluations"] for r in record["rounds"]),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "machine": platform.node(),
        "cpus": os.cpu_count(),
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    if args.table:
        rows, counts = solver_table(record)
        pd.DataFrame(rows).to_csv(out / f"calibration_{label}_solver.csv", index=False)
        (out / f"calibration_{label}_solver.json").write_text(json.dumps({**counts, **entry}, indent=1))
        entry["targets"] = counts
    path = out / "calibration_speed.json"
    records = json.loads(path.read_text()) if path.exists() else {}
    records[f"{label}{'-' + args.label if args.label else ''}@{entry['commit']}"] = entry
    path.write_text(json.dumps(records, indent=1))
    print(json.dumps(entry, indent=1))


if __name__ == "__main__":
    main()

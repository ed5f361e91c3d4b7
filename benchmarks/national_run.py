"""Benchmark (not a test): the whole workflow at national scale (config/national.yaml: 152 LAs,
every LSOA, five collection years), locally.

Copies the repository (without results, logs, local data and the virtualenv) into --workdir and
runs Snakemake there in two timed stages:
  1. the child-level data: generation (one job per LA), reading + validation + pseudonymisation
     (one job per LA) and the merged episode table (target: at most 10 minutes);
  2. everything else, to the report and the privacy check.
Peak memory per rule comes from Snakemake's benchmark files (results/benchmarks/), collected as
the report's appendix does. Writes benchmarks/results/national_run.json and keeps the work
directory (its report/report.html is the national report).

    .venv/bin/python benchmarks/national_run.py --workdir /tmp/csc-national [--cores 2]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.report.benchmarks import collect_benchmarks, summarise_by_rule
from csc_inequalities.report.values import whole_run

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
    ".secrets",
)
STAGE_1_TARGETS = ["results/record_level/episodes.parquet", "results/childlevel/summary.json"]


def run_stage(cmd: list[str], cwd: Path, log_path: Path, env: dict) -> dict:
    started = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.run(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env)
    wall = time.perf_counter() - started
    text = log_path.read_text()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}); log: {log_path}\n{text[-3000:]}")
    return {"wall_s": round(wall, 1), "jobs": text.count("Finished jobid")}


def cpu_by_rule(benchmark_dir: Path) -> dict[str, float]:
    """Summed CPU seconds of each rule's jobs (Snakemake's cpu_time column)."""
    totals: dict[str, float] = {}
    for path in benchmark_dir.rglob("*.tsv"):
        rule = path.relative_to(benchmark_dir).parts[0]
        lines = path.read_text().splitlines()
        if len(lines) >= 2:
            header, values = lines[0].split("\t"), lines[-1].split("\t")
            if "cpu_time" in header:
                totals[rule] = round(totals.get(rule, 0.0) + float(values[header.index("cpu_time")]), 1)
    return dict(sorted(totals.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="where the run goes (not with --fits-only)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--configfile",
        nargs="+",
        default=["config/national.yaml"],
        help="config files, merged in order (e.g. one that switches the calibration off to time stage 1 alone)",
    )
    parser.add_argument(
        "--collect",
        action="store_true",
        help="do not run: collect the figures of a finished run in --workdir (wall times from --note)",
    )
    parser.add_argument("--note", default="", help="how the run went")
    parser.add_argument(
        "--stage-walls",
        type=float,
        nargs=2,
        metavar=("STAGE1_S", "STAGE2_S"),
        help="with --collect: the measured wall times of the two stages",
    )
    parser.add_argument(
        "--resume", action="store_true", help="run in the existing --workdir without copying the repository afresh"
    )
    parser.add_argument(
        "--stage1-only", action="store_true", help="run stage 1 only (generation, reading, validation, episodes)"
    )
    parser.add_argument(
        "--gradient-fits",
        default=None,
        help="JSON of benchmarks/national_gradient_fits.py to include (the per-fit times)",
    )
    parser.add_argument(
        "--truth-fits", default=None, help="JSON of national_gradient_fits.py --expected (truth refits)"
    )
    parser.add_argument(
        "--demand-fits",
        default=None,
        help="JSON of national_gradient_fits.py --models <the demand-class models> (they need the run's latent classes)",
    )
    parser.add_argument(
        "--fits-only",
        action="store_true",
        help="do not run: fold --gradient-fits / --truth-fits into the existing national_run.json",
    )
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "results" / "national_run.json"
    if args.fits_only:
        record = json.loads(out.read_text())
        for key, path in (
            ("gradient_fits", args.gradient_fits),
            ("gradient_truth_fits", args.truth_fits),
            ("gradient_demand_fits", args.demand_fits),
        ):
            if path:
                record[key] = json.loads(Path(path).read_text())
        out.write_text(json.dumps(record, indent=2))
        return
    work = Path(args.workdir).resolve()
    if args.collect:
        walls = args.stage_walls or [None, None]
        stage1 = {"wall_s": walls[0], "jobs": None, "note": args.note}
        stage2 = {"wall_s": walls[1], "jobs": None, "note": args.note}
    else:
        if not args.resume:
            if work.exists():
                shutil.rmtree(work)
            shutil.copytree(ROOT, work, ignore=IGNORE, symlinks=True)
        # The copy's own package first: the virtualenv's editable install points at this
        # checkout, which may change while the run goes on.
        env = dict(
            os.environ,
            PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            PYTHONPATH=str(work / "src"),
        )
        env.pop("LD_LIBRARY_PATH", None)
        snakemake = str(ROOT / ".venv" / "bin" / "snakemake")
        # --configfile takes several values: targets go before it.
        options = ["--nolock", "--cores", str(args.cores), "--configfile", *args.configfile]
        load_before = os.getloadavg()
        stage1 = run_stage([snakemake, *STAGE_1_TARGETS, *options], work, work / "stage1.log", env)
        # The machine may be shared: the load averages (1, 5, 15 min) at the end of the stage say how much.
        stage1.update(
            load_before=[round(v, 2) for v in load_before],
            load_after=[round(v, 2) for v in os.getloadavg()],
            cpu_s=round(sum(cpu_by_rule(work / "results" / "benchmarks").values()), 1),
        )
        if args.note:
            stage1["note"] = args.note
        if args.stage1_only:
            stage2 = {"wall_s": None, "jobs": None, "note": "not run (--stage1-only)"}
        else:
            stage2 = run_stage([snakemake, *options], work, work / "stage2.log", env)
    rules = summarise_by_rule(collect_benchmarks(work / "results" / "benchmarks"))
    summary = json.loads((work / "results" / "childlevel" / "summary.json").read_text())
    report = work / "report" / "report.html"
    result = {
        "description": "whole workflow at national scale, locally, in two stages (see the docstring)",
        "configfile": args.configfile,
        "cores": args.cores,
        "stage1_generation_validation_episodes": stage1,
        "stage2_everything_else": stage2,
        "total_wall_s": (
            round(stage1["wall_s"] + stage2["wall_s"], 1)
            if stage1["wall_s"] is not None and stage2["wall_s"] is not None
            else None
        ),
        "las": summary.get("las"),
        "episodes": summary.get("episodes"),
        "max_rule_peak_rss_mb": round(float(rules["max_rss_mb"].max()), 1),
        "cpu_s_by_rule": cpu_by_rule(work / "results" / "benchmarks"),
        "per_rule": [
            {k: (round(v, 1) if isinstance(v, float) else v) for k, v in row.items()}
            for row in rules.to_dict(orient="records")
        ],
        "report": str(report),
        "report_bytes": report.stat().st_size if report.exists() else None,
        "gradient_fits": json.loads(Path(args.gradient_fits).read_text()) if args.gradient_fits else None,
        "gradient_truth_fits": json.loads(Path(args.truth_fits).read_text()) if args.truth_fits else None,
        "gradient_demand_fits": json.loads(Path(args.demand_fits).read_text()) if args.demand_fits else None,
        "machine": {
            "python": platform.python_version(),
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if out.exists():
        # The run before this one, kept (one level): a stage-1-only run leaves the last whole run's
        # per-rule figures (stage 2: latent classes, gradient, report) in the record.
        previous = json.loads(out.read_text())
        for key in ("gradient_fits", "gradient_truth_fits", "gradient_demand_fits"):
            if result[key] is None:
                result[key] = previous.get(key)
        if args.stage1_only and whole_run(previous) is not previous:
            # The last record measured stage 1 only too: keep the whole run it kept.
            previous = previous["previous"]
        previous.pop("previous", None)
        result["previous"] = previous
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "per_rule"}, indent=2))


if __name__ == "__main__":
    main()

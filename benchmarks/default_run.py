"""Benchmark (not a test): the whole default workflow, before and after a change, back to back.

For each revision (by default main before issue 13, commit 76edbbf, and this checkout's HEAD),
`git archive` unpacks it into a fresh run directory (empty results/), and there, with this
checkout's .venv and the revision's own package first on PYTHONPATH:

1. `snakemake --cores 2` (the default config and profile): wall time from start to finish, CPU
   time of the whole process tree (Snakemake and every job), and the number of jobs it ran;
2. the same command again with nothing to do (the no-op rerun): wall time;
3. per rule, from the run's benchmark files (results/benchmarks/): jobs, summed and longest wall
   time; the ten rules of largest summed wall time ("slowest rules");
4. every CSV table under results/ of the two runs compared: byte-identical, or how far apart; and
   what must agree whatever the pseudonymisation key (compare_beyond_pseudonyms).

The machine's load averages (`os.getloadavg`, as `uptime` prints them) are recorded at the start
and end of each run: other users of the machine make absolute times noisy, so the result is the
ratio of the two runs measured back to back, in pairs whose order alternates (before then after,
then after then before), so a load that grows or fades favours neither. Writes
benchmarks/results/default_run.json.

    .venv/bin/python benchmarks/default_run.py [--before 76edbbf] [--after HEAD] [--pairs 2] [--cores 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.report.benchmarks import collect_benchmarks, summarise_by_rule

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
DONE = re.compile(r"(\d+) of (\d+) steps \(100%\) done")


def unpack(revision: str, directory: Path) -> str:
    """The revision's tree in ``directory``; returns its full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", revision], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    directory.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", commit], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(directory)], stdin=archive.stdout, check=True)
    archive.wait()
    return commit


def timed(cmd: list[str], cwd: Path, env: dict, log: Path) -> tuple[float, float, int, str]:
    """(wall s, CPU s of the whole process tree, return code, log): Snakemake waits for its jobs
    and is waited for here, so the jobs' CPU time adds up in RUSAGE_CHILDREN. CPU time depends far
    less than wall time on what else the machine runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(log, "w") as handle:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, log.read_text(errors="replace")


KEY = Path(".secrets") / "pseudonymisation.key"


def measure(label: str, revision: str, directory: Path, cores: int, key: Path | None = None) -> dict:
    """One run; ``key``: the pseudonymisation key to use (the pair's first run's), so both runs
    of a pair pseudonymise alike. With a fresh random key per run the episode ids, and with them
    the row order and the latent class sample, differ between runs, and so do results that
    depend on them (the LCA and the demand-class models), whatever the code."""
    commit = unpack(revision, directory)
    if key is not None and key.is_file():
        (directory / KEY).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(key, directory / KEY)
    env = {
        **os.environ,
        "PYTHONPATH": str(directory / "src"),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    cmd = [SNAKEMAKE, "--cores", str(cores)]
    load_start = list(os.getloadavg())
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    wall, cpu, code, log = timed(cmd, directory, env, directory / "benchmark_run.log")
    load_end = list(os.getloadavg())
    done = DONE.findall(log)
    noop_wall, noop_cpu, noop_code, noop_log = timed(cmd, directory, env, directory / "benchmark_noop.log")
    table = summarise_by_rule(collect_benchmarks(directory / "results" / "benchmarks"))
    table = table.sort_values(["wall_s_total", "rule"], ascending=[False, True])
    result = {
        "label": label,
        "revision": revision,
        "commit": commit,
        "started": started,
        "returncode": code,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "jobs": int(done[-1][1]) if done else None,
        "noop_returncode": noop_code,
        "noop_wall_s": round(noop_wall, 2),
        "noop_cpu_s": round(noop_cpu, 2),
        "noop_load_average_end": list(os.getloadavg()),
        "noop_nothing_to_do": "Nothing to be done" in noop_log,
        "benchmark_files_wall_s_sum": round(float(table["wall_s_total"].sum()), 1),
        "load_average_start": load_start,
        "load_average_end": load_end,
        "slowest_rules": [
            {
                "rule": row.rule,
                "jobs": int(row.jobs),
                "wall_s_total": round(float(row.wall_s_total), 1),
                "wall_s_max": round(float(row.wall_s_max), 1),
            }
            for row in table.head(10).itertuples(index=False)
        ],
    }
    if code != 0:
        result["log_tail"] = log.splitlines()[-30:]
    print(json.dumps(result, indent=1), flush=True)
    return result


def compare_results(before: Path, after: Path) -> dict:
    """Every CSV table of results/ in both runs: byte-identical, or the largest difference of its
    numbers (absolute, and relative to the larger magnitude) and whether its other columns agree."""
    import numpy as np
    import pandas as pd

    files = sorted(
        p.relative_to(before)
        for p in (before / "results").rglob("*.csv")
        if "benchmarks" not in p.parts and (after / p.relative_to(before)).is_file()
    )
    rows = []
    for name in files:
        a, b = before / name, after / name
        row = {"file": str(name), "identical_bytes": a.read_bytes() == b.read_bytes()}
        if not row["identical_bytes"]:
            x, y = pd.read_csv(a), pd.read_csv(b)
            row["same_shape_and_columns"] = x.shape == y.shape and list(x.columns) == list(y.columns)
            if row["same_shape_and_columns"]:
                numeric = [
                    c for c in x.columns if pd.api.types.is_numeric_dtype(x[c]) and pd.api.types.is_numeric_dtype(y[c])
                ]
                other = [c for c in x.columns if c not in numeric]
                u, v = x[numeric].to_numpy(float), y[numeric].to_numpy(float)
                both = np.isfinite(u) & np.isfinite(v)
                diff = np.abs(u - v)[both]
                scale = np.maximum(np.abs(u), np.abs(v))[both]
                row["same_missing"] = bool((np.isfinite(u) == np.isfinite(v)).all())
                row["max_abs_diff"] = float(diff.max()) if diff.size else 0.0
                row["max_rel_diff"] = float((diff / np.where(scale > 0, scale, 1)).max()) if diff.size else 0.0
                row["other_columns_equal"] = bool(x[other].astype(str).equals(y[other].astype(str)))
        rows.append(row)
    return {
        "files": len(rows),
        "identical_bytes": sum(r["identical_bytes"] for r in rows),
        "max_rel_diff": max([r.get("max_rel_diff", 0.0) for r in rows] or [0.0]),
        "differing": [r for r in rows if not r["identical_bytes"]],
    }


def compare_beyond_pseudonyms(before: Path, after: Path) -> dict:
    """What two runs with different pseudonymisation keys must share: the episodes (apart from
    the pseudonymous ids and the row order they set), the truth refits, and the gradient models
    of every stratum but the demand classes (those come from the latent class sample, which the
    ids order). Differences here are the code's, not the keys'."""
    import numpy as np
    import pandas as pd

    a = pd.read_parquet(before / "results/record_level/episodes.parquet")
    b = pd.read_parquet(after / "results/record_level/episodes.parquet")
    columns = [c for c in a.columns if c not in ("episode_id", "child_id")]
    episodes_equal = bool(
        a[columns]
        .astype(str)
        .sort_values(columns)
        .reset_index(drop=True)
        .equals(b[columns].astype(str).sort_values(columns).reset_index(drop=True))
    )
    keys = ["threshold", "stratum_type", "stratum_level", "model", "term"]
    out = {"episodes_equal_apart_from_pseudonyms_and_order": episodes_equal}
    for name in ("effects", "truth_effects"):
        x = pd.read_csv(before / f"results/gradient/{name}.csv")
        y = pd.read_csv(after / f"results/gradient/{name}.csv")
        both = x.merge(y, on=keys, suffixes=("_before", "_after"))
        both = both[both["stratum_type"] != "demand_class"]
        row = {"rows": int(len(both)), "rows_before": int((x["stratum_type"] != "demand_class").sum())}
        for column in ("estimate", "se"):
            u, v = both[f"{column}_before"].to_numpy(float), both[f"{column}_after"].to_numpy(float)
            ok = np.isfinite(u) & np.isfinite(v)
            row[f"{column}_max_abs_diff"] = float(np.abs(u - v)[ok].max()) if ok.any() else 0.0
            row[f"{column}_max_rel_diff"] = (
                float((np.abs(u - v)[ok] / np.maximum(np.abs(u[ok]), 1e-300)).max()) if ok.any() else 0.0
            )
        if "converged_before" in both:
            row["converged_equal"] = bool((both["converged_before"] == both["converged_after"]).all())
        out[f"gradient_{name}_without_demand_classes"] = row
    return out


def recompare(base: Path) -> None:
    """Add compare_beyond_pseudonyms to each measured pair of default_run.json (run dirs kept)."""
    result = json.loads(OUT.read_text())
    for pair in result["pairs"]:
        folder = base / f"pair{pair['pair']}"
        pair["results_compared"]["beyond_pseudonyms"] = compare_beyond_pseudonyms(folder / "before", folder / "after")
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps([p["results_compared"]["beyond_pseudonyms"] for p in result["pairs"]], indent=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="76edbbf", help="revision before the change (main before issue 13)")
    parser.add_argument("--after", default="HEAD", help="revision after the change")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--pairs",
        type=int,
        default=2,
        help="before/after pairs, back to back, the order alternating (before first in the first)",
    )
    parser.add_argument("--keep", help="keep the run directories under this folder (default: a temporary one, removed)")
    parser.add_argument(
        "--recompare",
        action="store_true",
        help="only compare the kept runs (--keep) beyond their pseudonyms; update default_run.json",
    )
    args = parser.parse_args()
    if args.recompare:
        recompare(Path(args.keep))
        return 0
    # Commits, resolved once: a commit made while the benchmark runs does not enter it.
    args.before, args.after = (
        subprocess.run(["git", "rev-parse", r], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        for r in (args.before, args.after)
    )
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="csc-default-run-"))
    pairs = []
    try:
        for number in range(1, args.pairs + 1):
            order = [("before", args.before), ("after", args.after)]
            if number % 2 == 0:
                order.reverse()
            runs, key = {}, None
            for label, revision in order:
                directory = base / f"pair{number}" / label
                if directory.exists():
                    shutil.rmtree(directory)
                runs[label] = measure(label, revision, directory, args.cores, key)
                key = key or directory / KEY
            before, after = runs["before"], runs["after"]
            pairs.append(
                {
                    "pair": number,
                    "order": [label for label, _ in order],
                    "before": before,
                    "after": after,
                    "wall_ratio_before_over_after": round(before["wall_s"] / after["wall_s"], 2),
                    "cpu_ratio_before_over_after": round(before["cpu_s"] / after["cpu_s"], 2),
                    "noop_ratio_before_over_after": round(before["noop_wall_s"] / after["noop_wall_s"], 2),
                    "results_compared": {
                        **compare_results(base / f"pair{number}" / "before", base / f"pair{number}" / "after"),
                        "beyond_pseudonyms": compare_beyond_pseudonyms(
                            base / f"pair{number}" / "before", base / f"pair{number}" / "after"
                        ),
                    },
                }
            )
            write(args, pairs)  # after every pair: a pair's figures survive if a later one is stopped
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    result = write(args, pairs)
    print(f"written: {OUT}")
    return 0 if all(r == 0 for label in ("before", "after") for r in result[label]["returncodes"]) else 1


OUT = ROOT / "benchmarks" / "results" / "default_run.json"


def write(args: argparse.Namespace, pairs: list[dict]) -> dict:

    def summary(label: str) -> dict:
        runs = [pair[label] for pair in pairs]
        return {
            "wall_s": [r["wall_s"] for r in runs],
            "cpu_s": [r["cpu_s"] for r in runs],
            "noop_wall_s": [r["noop_wall_s"] for r in runs],
            "noop_cpu_s": [r["noop_cpu_s"] for r in runs],
            "jobs": [r["jobs"] for r in runs],
            "returncodes": [r["returncode"] for r in runs],
        }

    result = {
        "benchmark": "default_run",
        "what": f"snakemake --cores {args.cores} on the default config from empty results/, then the no-op "
        f"rerun; before and after measured back to back on the same machine, in {len(pairs)} pair(s), "
        "the order alternating",
        "before_revision": args.before,
        "after_revision": args.after,
        "before": summary("before"),
        "after": summary("after"),
        "wall_ratio_before_over_after": [p["wall_ratio_before_over_after"] for p in pairs],
        "cpu_ratio_before_over_after": [p["cpu_ratio_before_over_after"] for p in pairs],
        "noop_ratio_before_over_after": [p["noop_ratio_before_over_after"] for p in pairs],
        "targets": {"wall_s_at_most": 300, "noop_wall_s_at_most": 3},
        "pairs": pairs,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    sys.exit(main())

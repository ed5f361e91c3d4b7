"""Collect Snakemake `benchmark:` files (one TSV per job) into one table for the report appendix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ["rule", "job", "wall_s", "max_rss_mb", "cpu_time_s"]


def collect_benchmark_files(paths: list[str] | tuple[str, ...], benchmark_dir: str | Path) -> pd.DataFrame:
    """One row per given benchmark file (the jobs of this run, declared as inputs), named by its
    path under ``benchmark_dir``: rule (first part) and job (the rest)."""
    benchmark_dir = Path(benchmark_dir)
    rows = [_row(Path(path), benchmark_dir) for path in sorted(str(p) for p in paths)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(path: Path, benchmark_dir: Path) -> dict:
    frame = pd.read_csv(path, sep="\t")
    relative = (
        path.relative_to(benchmark_dir).with_suffix("") if path.is_relative_to(benchmark_dir) else path.with_suffix("")
    )
    rule = relative.parts[0]
    job = "/".join(relative.parts[1:]) or rule
    max_rss = pd.to_numeric(frame.get("max_rss"), errors="coerce")
    cpu = pd.to_numeric(frame.get("cpu_time"), errors="coerce")
    return {
        "rule": rule,
        "job": job,
        "wall_s": float(frame["s"].mean()),
        "max_rss_mb": float(max_rss.max()) if max_rss is not None else float("nan"),
        "cpu_time_s": float(cpu.mean()) if cpu is not None else float("nan"),
    }


def run_totals(table: pd.DataFrame) -> dict:
    """Jobs, total CPU time and total wall time (summed over jobs) of the benchmark files given."""
    return {
        "jobs": int(len(table)),
        "cpu_time_s": float(table["cpu_time_s"].sum()) if len(table) else 0.0,
        "wall_s": float(table["wall_s"].sum()) if len(table) else 0.0,
        "max_rss_mb": float(table["max_rss_mb"].max()) if len(table) else float("nan"),
    }


def collect_benchmarks(benchmark_dir: str | Path) -> pd.DataFrame:
    """One row per benchmark file: rule (first path part), job (the rest), time and peak memory.

    Snakemake writes `s`, `max_rss` (MB) and `cpu_time` columns; a file with several repeats is
    summarised by its mean time and its largest peak memory.
    """
    benchmark_dir = Path(benchmark_dir)
    rows = []
    for path in sorted(benchmark_dir.rglob("*.tsv")) if benchmark_dir.exists() else []:
        frame = pd.read_csv(path, sep="\t")
        relative = path.relative_to(benchmark_dir).with_suffix("")
        rule = relative.parts[0]
        job = "/".join(relative.parts[1:]) or rule
        max_rss = pd.to_numeric(frame.get("max_rss"), errors="coerce")
        cpu = pd.to_numeric(frame.get("cpu_time"), errors="coerce")
        rows.append(
            {
                "rule": rule,
                "job": job,
                "wall_s": float(frame["s"].mean()),
                "max_rss_mb": float(max_rss.max()) if max_rss is not None else float("nan"),
                "cpu_time_s": float(cpu.mean()) if cpu is not None else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def summarise_by_rule(table: pd.DataFrame) -> pd.DataFrame:
    """Per rule: number of jobs, total and largest wall time, total CPU time, largest peak memory."""
    if table.empty:
        return pd.DataFrame(columns=["rule", "jobs", "wall_s_total", "wall_s_max", "cpu_time_s_total", "max_rss_mb"])
    grouped = table.groupby("rule", sort=True)
    return pd.DataFrame(
        {
            "jobs": grouped.size(),
            "wall_s_total": grouped["wall_s"].sum(),
            "wall_s_max": grouped["wall_s"].max(),
            "cpu_time_s_total": grouped["cpu_time_s"].sum(),
            "max_rss_mb": grouped["max_rss_mb"].max(),
        }
    ).reset_index()

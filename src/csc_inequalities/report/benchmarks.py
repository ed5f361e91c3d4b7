"""Collect Snakemake `benchmark:` files (one TSV per job) into one table for the report appendix."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ["rule", "job", "wall_s", "max_rss_mb", "cpu_time_s"]


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
    """Per rule: number of jobs, total and largest wall time, largest peak memory."""
    if table.empty:
        return pd.DataFrame(columns=["rule", "jobs", "wall_s_total", "wall_s_max", "max_rss_mb"])
    grouped = table.groupby("rule", sort=True)
    return pd.DataFrame(
        {
            "jobs": grouped.size(),
            "wall_s_total": grouped["wall_s"].sum(),
            "wall_s_max": grouped["wall_s"].max(),
            "max_rss_mb": grouped["max_rss_mb"].max(),
        }
    ).reset_index()

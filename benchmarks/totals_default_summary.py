"""Summary of a default run with each LA's totals following the panel: the totals table, the
calibration table, gradient recovery and the calibration rule's time, from the run's result files.

    .venv/bin/python benchmarks/totals_default_summary.py   # after the workflow's synthetic and gradient rules

Copies results/synthetic/{totals_vs_panel.csv, calibration.csv, calibrated_parameters.yaml} to
benchmarks/results/ (totals_vs_panel_default.csv, calibration_default_totals.csv,
calibrated_parameters_default_totals.yaml) and writes benchmarks/results/totals_default.json.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"


def main() -> None:
    for source, target in (
        ("totals_vs_panel.csv", "totals_vs_panel_default.csv"),
        ("calibration.csv", "calibration_default_totals.csv"),
        ("calibrated_parameters.yaml", "calibrated_parameters_default_totals.yaml"),
    ):
        shutil.copyfile(ROOT / "results" / "synthetic" / source, OUT / target)
    t = pd.read_csv(OUT / "totals_vs_panel_default.csv")
    p = t[t["published"].notna()]
    c = pd.read_csv(OUT / "calibration_default_totals.csv")
    c["lr"] = np.log(c["truth"] / c["published"])
    e = pd.read_csv(ROOT / "results" / "gradient" / "effects.csv")
    tr = pd.read_csv(ROOT / "results" / "gradient" / "truth_effects.csv")
    k = ["threshold", "stratum_type", "stratum_level", "model", "term"]
    m = e.merge(tr[k + ["estimate"]].rename(columns={"estimate": "truth"}), on=k)
    m = m[m["se"].notna() & m["truth"].notna()]
    m["z"] = (m["estimate"] - m["truth"]) / m["se"]
    u = m[m["stratum_type"] == "all"]
    bench = pd.read_csv(
        ROOT / "results" / "benchmarks" / "synthetic_calibration" / "synthetic_calibration.tsv", sep="\t"
    )
    table14 = c[c["target"].str.startswith("Table 14")].assign(col=lambda d: d["target"].str.split(", ").str[-1])
    out = {
        "run": "default config (six LAs, seed 20200301), each LA's totals following the national panel",
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "totals_rows": int(len(t)),
        "totals_rows_published": int(len(p)),
        "totals_rows_within_10pct_or_3sd": int(p["within"].sum()),
        "totals_rows_not_within": p[~p["within"]][
            ["la_code", "year", "measure", "synthetic", "expected", "published", "relative_difference"]
        ].to_dict("records"),
        "totals_expected_off_published_by_more_than_0_2pct": p[(p["expected"] / p["published"] - 1).abs() > 0.002][
            ["la_code", "year", "measure", "expected", "published"]
        ].to_dict("records"),
        "totals_largest_abs_relative_difference": {
            mm: float(g["relative_difference"].abs().max()) for mm, g in p.groupby("measure")
        },
        "calibration_targets_with_truth": int(c["truth"].notna().sum()),
        "calibration_within_tolerance": int((c["lr"].abs() <= 0.05).sum()),
        "calibration_gradient_rows": c[~c["target"].str.startswith("Table")][
            ["target", "published", "truth", "estimate", "estimate_low", "estimate_high"]
        ].to_dict("records"),
        "table14_log_residual_by_pathway": {
            col: [float(g["lr"].min()), float(g["lr"].max())] for col, g in table14.groupby("col")
        },
        "gradient_unstratified_within_2_5_se": f"{int((u['z'].abs() <= 2.5).sum())}/{len(u)}",
        "gradient_all_within_2_5_se": f"{int((m['z'].abs() <= 2.5).sum())}/{len(m)}",
        "gradient_all_ci_covers_truth": round(
            float(((m["rr_low"] <= np.exp(m["truth"])) & (np.exp(m["truth"]) <= m["rr_high"])).mean()), 4
        ),
        "gradient_lsoa_slope_z_unstratified": {
            r.threshold: round(float(r.z), 2) for r in u[u["term"] == "lsoa_decile"].itertuples()
        },
        "gradient_outside_2_5_se": m[m["z"].abs() > 2.5][k + ["z"]].to_dict("records"),
        "synthetic_calibration_rule_wall_s": float(bench["s"].iloc[0]),
        "synthetic_calibration_rule_cpu_s": float(bench["cpu_time"].iloc[0]),
        "note": "a shared 2-core machine (load average about 12 during the run): wall times are not comparable with quiet runs",
    }
    (OUT / "totals_default.json").write_text(json.dumps(out, indent=1, default=float))
    print(
        json.dumps({k: v for k, v in out.items() if k not in ("calibration_gradient_rows",)}, indent=1, default=float)
    )


if __name__ == "__main__":
    main()

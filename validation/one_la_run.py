"""A one-LA run of a synthetic LA's files under its real code (issue 14, Must show; not a test).

After a run of the workflow with ``extracts.source: extracts`` on the generator's files of one LA
(copied from ``local/synthetic/extracts/<la_code>/``; the generator's expected counts of that LA in
``results/synthetic/la/<la_code>_expected_counts.parquet`` from an earlier synthetic run), this
refits the within-LA models of every threshold (stratum "all") to the expected, noise-free counts —
the truth, as the workflow's gradient_truth_models rules do on synthetic runs, which a run on
extracts does not have — and sets the run's estimates beside it. It also records the run's
reconciliation with DfE's published figures. Writes validation/results/one_la_run.json.

    .venv/bin/python validation/one_la_run.py --la E06000018
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from csc_inequalities.gradient.batch import fit_models
from csc_inequalities.gradient.models import effects_frame

ROOT = Path(__file__).resolve().parents[1]
KEYS = ["threshold", "stratum_type", "stratum_level", "model", "term"]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--la", required=True)
    parser.add_argument("--out", default=str(ROOT / "validation/results/one_la_run.json"))
    args = parser.parse_args(argv)
    estimates = pd.read_csv(ROOT / "results/gradient/effects.csv")
    estimates = estimates[(estimates["stratum_type"] == "all") & (estimates["term"] == "lsoa_decile")]
    models = [{"threshold": t, "stratum": "all", "level": "all", "slug": "all"} for t in estimates["threshold"]]
    inputs = {
        "expected": str(ROOT / f"results/synthetic/la/{args.la}_expected_counts.parquet"),
        "lsoa_reference": str(ROOT / "results/lsoa/lsoa_reference.parquet"),
    }
    truth = effects_frame([r for _, r, _ in fit_models("truth", models, inputs, engine="glmmTMB", family="poisson")])
    both = estimates.merge(truth[KEYS + ["estimate", "rr"]], on=KEYS, suffixes=("", "_truth"))
    both["z"] = (both["estimate"] - both["estimate_truth"]) / both["se"]
    both["ci_covers_truth"] = (both["rr_low"] <= both["rr_truth"]) & (both["rr_truth"] <= both["rr_high"])
    summary = json.loads((ROOT / f"results/la_report/{args.la}/summary.json").read_text())
    result = {
        "la_code": args.la,
        "la_name": summary["la_name"],
        "within_la_gradient": both[
            ["threshold", "rr", "rr_low", "rr_high", "rr_truth", "z", "ci_covers_truth", "status"]
        ]
        .round(4)
        .to_dict("records"),
        "ci_covering_truth": int(both["ci_covers_truth"].sum()),
        "compared": int(len(both)),
        "max_abs_z": round(float(both["z"].abs().max()), 3),
        "reconciliation": {k: summary[k] for k in ("tolerance", "compared", "flagged", "largest_gap")},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()

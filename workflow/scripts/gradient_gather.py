"""Gather the per-model results: effects table, truth comparison, convergence, Figure 18 and the
stratified forest plots (Figures 19-24)."""

import json
from pathlib import Path

import pandas as pd

from csc_inequalities.gradient.models import compare_with_truth
from csc_inequalities.gradient.plots import figure18, stratum_forest
from csc_inequalities.gradient.summary import convergence_table, gather_summary, published_figure18
from csc_inequalities.published import PublishedFigures
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    results = [json.loads(Path(p).read_text()) for p in snakemake.input.models]
    effects = pd.DataFrame([row for res in results for row in res["effects"]])
    effects.to_csv(snakemake.output.effects, index=False)
    convergence = convergence_table(results)
    convergence.to_csv(snakemake.output.convergence, index=False)
    truth = pd.read_csv(snakemake.input.truth) if "truth" in snakemake.input.keys() else None
    if truth is not None and len(truth):
        truth["stratum_level"] = truth["stratum_level"].astype(str)
        comparison = compare_with_truth(effects, truth, snakemake.params.max_z)
    else:
        comparison = pd.DataFrame(
            columns=[
                "threshold",
                "stratum_type",
                "stratum_level",
                "model",
                "term",
                "estimate",
                "se",
                "truth_estimate",
                "z",
                "within_max_z",
                "ci_covers_truth",
            ]
        )
    comparison.to_csv(snakemake.output.truth_comparison, index=False)
    published = published_figure18(PublishedFigures.load(snakemake.input.headline))
    overall = effects[effects["stratum_type"] == "all"]
    truth_all = truth[truth["stratum_type"] == "all"] if truth is not None and len(truth) else None
    figure18(
        overall,
        snakemake.params.thresholds,
        snakemake.output.figure18,
        truth=truth_all,
        published={(k[0], k[1]): v for k, v in published.items()},
    )
    Path(snakemake.output.forests).mkdir(parents=True, exist_ok=True)
    for stratum, levels in snakemake.params.strata.items():
        stratum_forest(effects, stratum, [str(v) for v in levels], Path(snakemake.output.forests) / f"{stratum}.png")
    summary = gather_summary(effects, comparison, convergence, published, snakemake.params.max_z)
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=1, default=float))
    # Not fitted (e.g. one LA: the LA-deprivation models need >= 2 LAs) is not a convergence failure.
    if summary["models_not_converged"]:
        log.warning(
            "%d fitted models did not converge: flagged in convergence.csv and the report",
            summary["models_not_converged"],
        )
    if summary["models_not_fitted"]:
        log.info("%d models not fitted (reasons in convergence.csv)", summary["models_not_fitted"])

"""Social-gradient scores (2021 summary): per 10-point rise in LSOA income deprivation, at mean LA
deprivation and +/- shift; per-LA scores and their correlation with LA deprivation; rates by band."""

import json
from pathlib import Path

import pandas as pd

from csc_inequalities.gradient.plots import score_plot
from csc_inequalities.gradient.scores import gradient_scores, per_la_scores, rates_by_income_band, score_correlation
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    counts = pd.read_parquet(snakemake.input.counts)
    counts = counts[counts["stratum_type"] == "all"]
    rows, per_la, correlations = [], [], {}
    for threshold in snakemake.params.thresholds:
        table = counts[counts["threshold"] == threshold]
        if table.empty:
            log.warning("threshold %s not in the count table", threshold)
            continue
        result = gradient_scores(table, threshold, snakemake.params.la_shift_points)
        if not result["converged"]:
            log.warning("score model for %s NOT CONVERGED: %s", threshold, result["fit_status"])
        rows.extend(result["rows"])
        la_scores = per_la_scores(table, threshold)
        per_la.append(la_scores)
        correlations[threshold] = score_correlation(la_scores)
    pd.DataFrame(rows).to_csv(snakemake.output.scores, index=False)
    per_la = pd.concat(per_la, ignore_index=True)
    per_la.to_csv(snakemake.output.per_la, index=False)
    Path(snakemake.output.correlation).write_text(json.dumps(correlations, indent=1))
    bands = rates_by_income_band(counts, snakemake.params.band_edges, snakemake.params.min_cell)
    bands.to_csv(snakemake.output.bands, index=False)
    score_plot(per_la, snakemake.output.figure)

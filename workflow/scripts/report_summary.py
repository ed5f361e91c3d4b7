"""Thin adapter: results/report/published_vs_reproduced.csv (+ .json counts), every published number
the run speaks to against its reproduction or, on synthetic runs, its calibration truth and estimate."""

import json

import pandas as pd

from csc_inequalities.published import PublishedFigures
from csc_inequalities.report.summary import build_summary
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    inputs = snakemake.input
    table, counts = build_summary(
        table6_comparison=pd.read_csv(inputs.table6),
        table6_tolerance=float(json.load(open(inputs.table6_summary))["tolerance"]),
        gradient_summary=json.load(open(inputs.gradient_summary)),
        scores=pd.read_csv(inputs.scores),
        headline=PublishedFigures.load(inputs.headline),
        calibration=pd.read_csv(inputs.calibration) if "calibration" in inputs.keys() else None,
        synthetic=bool(snakemake.params.synthetic),
    )
    table.to_csv(snakemake.output.table, index=False)
    with open(snakemake.output.counts, "w") as handle:
        json.dump(counts, handle, indent=1, sort_keys=True)
    log.info("real data: %(matched)d of %(compared)d matched", counts["real"])
    log.info("synthetic calibration: %(matched)d of %(compared)d matched", counts["calibration"])

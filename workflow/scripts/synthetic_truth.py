"""Thin adapter: gather the per-LA generator outputs into the run's truth, episode table, expected
counts and extract manifest."""

import json

import pandas as pd
import yaml

from csc_inequalities.columnar import concat_parquet
from csc_inequalities.national.sources import verify_manifest
from csc_inequalities.synthetic.run import generator_truth, write_truth
from csc_inequalities.synthetic.totals import PANEL_SERIES, totals_vs_panel
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    verify_manifest(snakemake.input.published)
    summaries = [json.load(open(path)) for path in snakemake.input.summaries]
    truth = generator_truth(
        snakemake.params.synthetic,
        pd.read_parquet(snakemake.input.reference),
        snakemake.params.published_dir,
        {s["la_code"]: s["expected_class_shares"] for s in summaries},
        {s["la_code"]: s["la_log_scale"] for s in summaries},
        yaml.safe_load(open(snakemake.input.calibrated)),
        {s["la_code"]: s.get("panel_offsets", {}) for s in summaries},
        {s["la_code"]: s.get("duration_scales", {}) for s in summaries},
    )
    panel = pd.read_parquet(snakemake.input.panel, columns=["la_code", "year", *PANEL_SERIES])
    totals_vs_panel(summaries, panel).to_csv(snakemake.output.totals_vs_panel, index=False)
    write_truth(truth, [snakemake.output.truth_local, snakemake.output.truth])
    with open(snakemake.output.manifest, "w") as handle:
        json.dump({s["la_code"]: s["files"] for s in summaries}, handle, indent=1, sort_keys=True)
    # Concatenated as Arrow tables: no pandas copy of the national episode table.
    rows = concat_parquet(snakemake.input.episodes, snakemake.output.episodes, desc="episode tables")
    concat_parquet(snakemake.input.expected, snakemake.output.expected, desc="expected counts")
    log.info("%d episodes in %d LAs", rows, len(summaries))

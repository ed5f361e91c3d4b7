"""Thin adapter: solve the generator's parameters for the published targets (synthetic/solve.py)."""

import pandas as pd
import yaml

from csc_inequalities.national.sources import verify_manifest
from csc_inequalities.published import PublishedFigures
from csc_inequalities.synthetic.solve import run_calibration
from csc_inequalities.synthetic.totals import PANEL_SERIES
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    verify_manifest(snakemake.input.published)
    config = snakemake.params.synthetic
    reference = pd.read_parquet(snakemake.input.reference)
    population = pd.read_parquet(snakemake.input.population, filters=[("la_code", "in", list(config["las"]))])
    panel = (
        pd.read_parquet(snakemake.input.panel, columns=["la_code", "year", *PANEL_SERIES])
        if "panel" in snakemake.input.keys()
        else None
    )
    record = run_calibration(
        config,
        reference,
        population,
        snakemake.params.published_dir,
        PublishedFigures.load(snakemake.input.headline),
        panel,
        progress=log.info,
    )
    with open(snakemake.output.parameters, "w") as handle:
        yaml.safe_dump(record, handle, sort_keys=False)
    for target in record["targets"]:
        log.info("%s: published %.4f, solver truth %.4f", target["target"], target["published"], target["solver_truth"])

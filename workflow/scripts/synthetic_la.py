"""Thin adapter: generate one LA's synthetic extracts, its episode table and expected counts."""
import json

import pandas as pd
import yaml

from csc_inequalities.childlevel.pseudonymise import load_or_create_key
from csc_inequalities.national.sources import verify_manifest
from csc_inequalities.synthetic.run import generate_one_la
from csc_inequalities.synthetic.totals import PANEL_SERIES
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    verify_manifest(snakemake.input.published)
    la_code = snakemake.params.la_code
    reference = pd.read_parquet(snakemake.input.reference)
    # Only this LA's population cells: memory stays per-LA however many LAs the run has.
    population = pd.read_parquet(snakemake.input.population, filters=[("la_code", "==", la_code)])
    panel = (pd.read_parquet(snakemake.input.panel, columns=["la_code", "year", *PANEL_SERIES])
             if "panel" in snakemake.input.keys() else None)
    one = generate_one_la(snakemake.params.synthetic, la_code, reference, population, snakemake.params.published_dir,
                          snakemake.params.lea_code, snakemake.params.extracts_dir,
                          load_or_create_key(snakemake.params.key_file), panel,
                          yaml.safe_load(open(snakemake.input.calibrated)))
    one["episodes"].to_parquet(snakemake.output.episodes, index=False)
    one["expected"].to_parquet(snakemake.output.expected, index=False)
    with open(snakemake.output.summary, "w") as handle:
        json.dump(one["summary"], handle, indent=1, sort_keys=True)

"""Thin adapter: generate one LA's synthetic extracts, its episode table and expected counts."""

import pandas as pd
import yaml

from csc_inequalities.childlevel.pseudonymise import load_or_create_key
from csc_inequalities.national.sources import verify_manifest
from csc_inequalities.synthetic.batch import generate_and_write
from csc_inequalities.synthetic.totals import PANEL_SERIES
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    verify_manifest(snakemake.input.published)
    panel = (
        pd.read_parquet(snakemake.input.panel, columns=["la_code", "year", *PANEL_SERIES])
        if "panel" in snakemake.input.keys()
        else None
    )
    generate_and_write(
        snakemake.params.synthetic,
        snakemake.params.la_code,
        pd.read_parquet(snakemake.input.reference),
        snakemake.input.population,
        snakemake.params.published_dir,
        snakemake.params.lea_code,
        snakemake.params.extracts_dir,
        load_or_create_key(snakemake.params.key_file),
        panel,
        yaml.safe_load(open(snakemake.input.calibrated)),
        snakemake.output.episodes,
        snakemake.output.expected,
        snakemake.output.summary,
    )

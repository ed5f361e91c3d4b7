"""Thin adapter: verify the raw files' checksums, build the national panel, write it."""

from pathlib import Path

from csc_inequalities.national.panel import build_panel
from csc_inequalities.national.sources import verify_manifest
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    entries = verify_manifest(snakemake.input.manifest)
    log.info("%d raw files match %s", len(entries), snakemake.input.manifest)
    panel, dictionary, coverage = build_panel(
        snakemake.params.raw_dir,
        first_year=snakemake.params.first_year,
        last_year=snakemake.params.last_year,
        rate_source=snakemake.params.rate_source,
        workforce_year_offset=snakemake.params.workforce_year_offset,
        price_base_year=snakemake.params.price_base_year,
        population=snakemake.params.population,
    )
    Path(snakemake.output.panel).parent.mkdir(parents=True, exist_ok=True)
    panel.to_parquet(snakemake.output.panel, index=False)
    panel.to_csv(snakemake.output.panel_csv, index=False)
    dictionary.to_csv(snakemake.output.dictionary, index=False)
    coverage.to_csv(snakemake.output.coverage, index=False)
    log.info("panel %s: %d rows, %d columns", snakemake.output.panel, len(panel), panel.shape[1])

"""Synthetic runs: compare the episodes read back from the generator's files with its own table."""

from csc_inequalities.childlevel.pipeline import round_trip
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    round_trip(snakemake.input.episodes, snakemake.input.generator, snakemake.output.json, log=log)

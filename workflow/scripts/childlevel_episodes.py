"""Merge the LAs' episodes; publish disclosure-controlled counts by validation rule and LA/year."""

from csc_inequalities.childlevel.pipeline import merge_las
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    merge_las(
        episode_paths=list(snakemake.input.episodes),
        count_paths=list(snakemake.input.counts),
        episodes_path=snakemake.output.episodes,
        validation_counts_path=snakemake.output.validation_counts,
        episode_counts_path=snakemake.output.episode_counts,
        summary_path=snakemake.output.summary,
        min_cell=snakemake.params.min_cell,
        suppress_zeros=snakemake.params.suppress_zeros,
        secondary=snakemake.params.secondary,
        source=snakemake.params.source,
        log=log,
    )

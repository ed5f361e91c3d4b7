"""Merge the LAs' episodes; publish disclosure-controlled counts by validation rule and LA/year."""
from csc_inequalities.childlevel.pipeline import merge_las
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:  # noqa: F821
    merge_las(
        episode_paths=list(snakemake.input.episodes),  # noqa: F821
        count_paths=list(snakemake.input.counts),  # noqa: F821
        episodes_path=snakemake.output.episodes,  # noqa: F821
        validation_counts_path=snakemake.output.validation_counts,  # noqa: F821
        episode_counts_path=snakemake.output.episode_counts,  # noqa: F821
        summary_path=snakemake.output.summary,  # noqa: F821
        min_cell=snakemake.params.min_cell,  # noqa: F821
        suppress_zeros=snakemake.params.suppress_zeros,  # noqa: F821
        secondary=snakemake.params.secondary,  # noqa: F821
        source=snakemake.params.source,  # noqa: F821
        log=log,
    )

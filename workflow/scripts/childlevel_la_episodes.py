"""Read, validate and pseudonymise one LA's extracts; write its episodes (record level only)."""
from csc_inequalities.childlevel.pipeline import run_la
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:  # noqa: F821
    run_la(
        la_code=snakemake.params.la_code,  # noqa: F821
        files=snakemake.params.files,  # noqa: F821
        lsoa_reference_path=snakemake.input.lsoa_reference,  # noqa: F821
        key_file=snakemake.params.key_file,  # noqa: F821
        policy=snakemake.params.policy,  # noqa: F821
        dfe_rules=snakemake.params.dfe_rules,  # noqa: F821
        la_number=snakemake.params.la_number,  # noqa: F821
        max_outside_share=snakemake.params.max_outside_share,  # noqa: F821
        last_year=snakemake.params.last_year,  # noqa: F821
        episodes_path=snakemake.output.episodes,  # noqa: F821
        counts_path=snakemake.output.counts,  # noqa: F821
        findings_path=snakemake.output.findings,  # noqa: F821
        identifiers_path=snakemake.output.identifiers,  # noqa: F821
        yearly_counts_path=snakemake.output.yearly_counts,  # noqa: F821
        quality_path=snakemake.output.quality,  # noqa: F821
        min_cell=snakemake.params.min_cell,  # noqa: F821
        log=log,
    )

"""Read, validate and pseudonymise one LA's extracts; write its episodes (record level only)."""

from csc_inequalities.childlevel.pipeline import run_la
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    run_la(
        la_code=snakemake.params.la_code,
        files=snakemake.params.files,
        lsoa_reference_path=snakemake.input.lsoa_reference,
        key_file=snakemake.params.key_file,
        policy=snakemake.params.policy,
        dfe_rules=snakemake.params.dfe_rules,
        la_number=snakemake.params.la_number,
        max_outside_share=snakemake.params.max_outside_share,
        last_year=snakemake.params.last_year,
        episodes_path=snakemake.output.episodes,
        counts_path=snakemake.output.counts,
        findings_path=snakemake.output.findings,
        identifiers_path=snakemake.output.identifiers,
        yearly_counts_path=snakemake.output.yearly_counts,
        quality_path=snakemake.output.quality,
        min_cell=snakemake.params.min_cell,
        log=log,
    )

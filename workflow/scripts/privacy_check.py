"""Fail the workflow if a shared output (results/ outside record_level, report/) holds a raw
child identifier or a list of input birth dates."""

from csc_inequalities.privacy import run_privacy_check
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    run_privacy_check(
        identifier_files=list(snakemake.input.identifiers),
        results_dir=snakemake.params.results_dir,
        report_dir=snakemake.params.report_dir,
        exclude=snakemake.params.exclude,
        output_path=snakemake.output.check,
        details_path=snakemake.params.details,
        min_identifier_length=snakemake.params.min_identifier_length,
        birth_date_threshold=snakemake.params.birth_date_threshold,
        log=log,
    )

"""Fail the workflow if a shared output (results/ outside record_level, report/) holds a raw
child identifier or a list of input birth dates."""
from csc_inequalities.privacy import run_privacy_check
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:  # noqa: F821
    run_privacy_check(
        identifier_files=list(snakemake.input.identifiers),  # noqa: F821
        results_dir=snakemake.params.results_dir,  # noqa: F821
        report_dir=snakemake.params.report_dir,  # noqa: F821
        exclude=snakemake.params.exclude,  # noqa: F821
        output_path=snakemake.output.check,  # noqa: F821
        details_path=snakemake.params.details,  # noqa: F821
        min_identifier_length=snakemake.params.min_identifier_length,  # noqa: F821
        birth_date_threshold=snakemake.params.birth_date_threshold,  # noqa: F821
        log=log,
    )

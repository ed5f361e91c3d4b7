"""Thin adapter: the report about one LA's extracts (reconciliation with DfE, rates, comparisons)."""

from csc_inequalities.childlevel.la_summary import write_la_report
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    summary = write_la_report(
        la_code=snakemake.params.la_code,
        inputs=dict(snakemake.input.items()),
        outputs=dict(snakemake.output.items()),
        tolerance=snakemake.params.tolerance,
        n_neighbours=snakemake.params.n_neighbours,
        scatter_year=snakemake.params.scatter_year,
        thresholds=dict(snakemake.params.thresholds),
        min_cell=snakemake.params.min_cell,
        files=dict(snakemake.params.files),
        dfe_rules=snakemake.params.dfe_rules,
    )
    log.info(
        "LA %s: %d of %d yearly counts beyond the tolerance; largest gap %s",
        summary["la_code"],
        summary["flagged"],
        summary["compared"],
        summary["largest_gap"],
    )

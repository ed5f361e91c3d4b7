"""Thin adapter: the report about one LA's extracts (reconciliation with DfE, rates, comparisons)."""
from csc_inequalities.childlevel.la_summary import write_la_report
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:  # noqa: F821
    summary = write_la_report(
        la_code=snakemake.params.la_code,  # noqa: F821
        inputs=dict(snakemake.input.items()),  # noqa: F821
        outputs=dict(snakemake.output.items()),  # noqa: F821
        tolerance=snakemake.params.tolerance,  # noqa: F821
        n_neighbours=snakemake.params.n_neighbours,  # noqa: F821
        scatter_year=snakemake.params.scatter_year,  # noqa: F821
        thresholds=dict(snakemake.params.thresholds),  # noqa: F821
        min_cell=snakemake.params.min_cell,  # noqa: F821
        files=dict(snakemake.params.files),  # noqa: F821
        dfe_rules=snakemake.params.dfe_rules,  # noqa: F821
    )
    log.info("LA %s: %d of %d yearly counts beyond the tolerance; largest gap %s", summary["la_code"],
             summary["flagged"], summary["compared"], summary["largest_gap"])

"""Thin adapter: render report/report.html from the registered sections' result files."""
from csc_inequalities.report.benchmarks import collect_benchmarks, summarise_by_rule
from csc_inequalities.report.render import render_report
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    benchmarks = collect_benchmarks(snakemake.params.benchmark_dir)
    render_report(
        sections=snakemake.params.sections,
        config=snakemake.config,
        template_dir=snakemake.params.template_dir,
        out_path=snakemake.output.html,
        synthetic=snakemake.params.synthetic,
        benchmark_table=summarise_by_rule(benchmarks) if len(benchmarks) else None,
    )
    log.info("report written to %s", snakemake.output.html)

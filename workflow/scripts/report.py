"""Thin adapter: render report/report.html from the registered sections' result files."""

from csc_inequalities.report.benchmarks import collect_benchmark_files, run_totals, summarise_by_rule
from csc_inequalities.report.render import render_report
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    # this run's jobs only: the benchmark files declared as the rule's inputs
    benchmarks = collect_benchmark_files(snakemake.input.benchmarks, snakemake.params.benchmark_dir)
    render_report(
        sections=snakemake.params.sections,
        config=snakemake.config,
        template_dir=snakemake.params.template_dir,
        out_path=snakemake.output.html,
        synthetic=snakemake.params.synthetic,
        benchmark_table=summarise_by_rule(benchmarks) if len(benchmarks) else None,
        tables_dir=snakemake.params.tables_dir,
        extra={"benchmark_totals": run_totals(benchmarks)},
    )
    log.info("report written to %s (%d benchmark files of this run)", snakemake.output.html, len(benchmarks))

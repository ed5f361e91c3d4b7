# The report's first section: every published number the run speaks to, published against
# reproduced (real data) and published against truth and estimate (synthetic calibration), each
# with the section, rule and script that made it; the counts feed results/report/values.json.

REPORT_SYNTHETIC = config["extracts"]["source"] == "synthetic"


rule report_summary:
    input:
        **({"calibration": rules.synthetic_calibration_table.output.calibration} if REPORT_SYNTHETIC else {}),
        table6=rules.national_correlations.output.comparison,
        table6_summary=rules.national_correlations.output.summary,
        gradient_summary=rules.gradient_gather.output.summary,
        scores=rules.gradient_scores.output.scores,
        headline=GRADIENT_HEADLINE,
        script=script_path("report_summary.py"),
        code=package_code("report_summary.py"),
    output:
        table="results/report/published_vs_reproduced.csv",
        counts="results/report/published_vs_reproduced.json",
        provenance="results/report/provenance/report_summary.json",
    log:
        "logs/report/report_summary.log",
    benchmark:
        "results/benchmarks/report_summary/report_summary.tsv"
    conda:
        env_file("report")
    resources:
        mem_mb=resource_mb("report"),
        runtime=resource_minutes("report"),
    params:
        synthetic=REPORT_SYNTHETIC,
    script:
        "../scripts/report_summary.py"


REPORT_SECTIONS["summary"] = {
    "order": -10,
    "title": "Published against reproduced",
    "inputs": {
        "table": rules.report_summary.output.table,
        "counts": rules.report_summary.output.counts,
        "provenance": rules.report_summary.output.provenance,
    },
}


# Issue 12 item 5: each strand's section shows its own calibration rows (published, truth, estimate)
# from the same table, so the strands read the summary table too.
for _strand in ("gradient", "lca", "crosstabs"):
    if _strand in REPORT_SECTIONS:
        REPORT_SECTIONS[_strand]["inputs"]["published_vs_reproduced"] = rules.report_summary.output.table

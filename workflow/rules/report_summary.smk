# The report's first section: every published number the run speaks to, published against
# reproduced (real data) and published against truth and estimate (synthetic calibration), each
# with the section, rule and script that made it; the counts feed results/report/values.json.

from snakemake.iocontainers import Wildcards

REPORT_SYNTHETIC = config["extracts"].get("source", "synthetic") == "synthetic"


rule report_summary:
    input:
        table6="results/national/correlations/table06_published_vs_reproduced.csv",
        table6_summary="results/national/correlations/table06_summary.json",
        gradient_summary="results/gradient/summary.json",
        scores="results/gradient/scores.csv",
        headline=f"{GRADIENT_PUBLISHED}/headline.yaml",
        **({"calibration": "results/synthetic/calibration.csv"} if REPORT_SYNTHETIC else {}),
        script=script_path("report_summary.py"),
    output:
        table="results/report/published_vs_reproduced.csv",
        counts="results/report/published_vs_reproduced.json",
        provenance="results/report/provenance/report_summary.json",
    params:
        synthetic=REPORT_SYNTHETIC,
    resources:
        mem_mb=resource_mb("report"),
        runtime=resource_minutes("report"),
    log:
        "logs/report/report_summary.log",
    benchmark:
        "results/benchmarks/report_summary/report_summary.tsv"
    conda:
        env_file("report")
    script:
        "../scripts/report_summary.py"


REPORT_SECTIONS["summary"] = {
    "order": -10,
    "title": "Published against reproduced",
    "inputs": {
        "table": "results/report/published_vs_reproduced.csv",
        "counts": "results/report/published_vs_reproduced.json",
        "provenance": "results/report/provenance/report_summary.json",
    },
}


# Issue 12 item 5: each strand's section shows its own calibration rows (published, truth, estimate)
# from the same table, so the strands read the summary table too.
for _strand in ("gradient", "lca", "crosstabs"):
    if _strand in REPORT_SECTIONS:
        REPORT_SECTIONS[_strand]["inputs"]["published_vs_reproduced"] = "results/report/published_vs_reproduced.csv"


# The appendix's time and memory table reads the benchmark files of this run's jobs only: the
# jobs upstream of the report's inputs, found by walking the rules' declared inputs from those files
# (Snakemake's own producer matching), never a glob of results/benchmarks/ (which would mix in
# earlier runs and other configs). The report and the rules after it are not in its own appendix.
def run_benchmarks(targets):
    seen_files, seen_jobs, benchmarks = set(), set(), set()
    stack = [str(t) for t in targets]
    while stack:
        path = stack.pop()
        if path in seen_files:
            continue
        seen_files.add(path)
        for rule_ in workflow.rules:
            if rule_.name in ("report", "report_pdf", "report_values", "privacy_check") or not rule_.is_producer(path):
                continue
            wildcards = rule_.get_wildcards(path)
            key = (rule_.name, tuple(sorted(wildcards.items())))
            if key in seen_jobs:
                break
            seen_jobs.add(key)
            if rule_.benchmark is not None:
                benchmarks.add(str(rule_.benchmark.apply_wildcards(wildcards)))
            inputs = rule_.expand_input(Wildcards(fromdict=wildcards))[0]
            stack.extend(str(f) for f in inputs)
            break
    return sorted(benchmarks)

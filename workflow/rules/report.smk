# The final rule: one self-contained HTML report rendered from Jinja2 templates. Every strand
# registers its section in REPORT_SECTIONS (see docs/development.md); this rule only reads
# result files and computes nothing.


from csc_inequalities.report.values import value_inputs

REPORT_SECTIONS["overview"] = {
    "order": 0,
    "title": "About this run",
    "inputs": {f"manifest_{i}": str(path) for i, path in enumerate(sorted(Path("resources").rglob("manifest.sha256")))},
}


rule report:
    input:
        unpack(report_section_inputs),
        # this run's jobs' benchmark files (workflow/rules/report_summary.smk), for the appendix
        benchmarks=lambda wildcards: run_benchmarks(report_section_inputs(wildcards).values()),
        captions=sorted(str(p) for p in Path("report/captions").glob("*.rst")),
        script=script_path("report.py"),
        code=package_code("report.py"),
        templates=sorted(str(p) for p in Path("report/templates").rglob("*.j2")),
    output:
        html="report/report.html",
        tables=directory("report/tables"),
        provenance="results/report/provenance/report.json",
    log:
        "logs/report/report.log",
    benchmark:
        "results/benchmarks/report/report.tsv"
    conda:
        env_file("report")
    resources:
        mem_mb=resource_mb("report"),
        runtime=resource_minutes("report"),
    params:
        sections=lambda wildcards: report_section_specs(),
        synthetic=config["extracts"]["source"] == "synthetic",
        template_dir=lambda wildcards, input: report_template_dir(input.templates),
        benchmark_dir="results/benchmarks",
        tables_dir=lambda wildcards, output: output.tables,
    script:
        "../scripts/report.py"


# Every headline number of the run, each with the file and key it came from: the README's results
# section is rendered from it (python -m csc_inequalities.report.values), so it cannot drift.
rule report_values:
    input:
        unpack(lambda wildcards: value_inputs(REPORT_SECTIONS, {"privacy__check": rules.privacy_check.output.check})),
        script=script_path("report_values.py"),
        code=package_code("report_values.py"),
    output:
        values="results/report/values.json",
        provenance="results/report/provenance/report_values.json",
    log:
        "logs/report/report_values.log",
    benchmark:
        "results/benchmarks/report_values/report_values.tsv"
    conda:
        env_file("report")
    resources:
        mem_mb=resource_mb("report"),
        runtime=resource_minutes("report"),
    script:
        "../scripts/report_values.py"


# Optional, for readers who want to print: `snakemake report/report.pdf` (needs Debian's chromium).
rule report_pdf:
    input:
        html=rules.report.output.html,
        script=script_path("report_pdf.py"),
        code=package_code("report_pdf.py"),
    output:
        pdf="report/report.pdf",
        check="results/report/browser_check.json",
    log:
        "logs/report/report_pdf.log",
    benchmark:
        "results/benchmarks/report_pdf/report_pdf.tsv"
    conda:
        env_file("report")
    resources:
        mem_mb=resource_mb("report"),
        runtime=resource_minutes("report"),
    script:
        "../scripts/report_pdf.py"

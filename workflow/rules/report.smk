# The final rule: one self-contained HTML report rendered from Jinja2 templates. Every strand
# registers its section in REPORT_SECTIONS (see docs/development.md); this rule only reads
# result files and computes nothing.


REPORT_SECTIONS["overview"] = {
    "order": 0,
    "title": "About this run",
    "inputs": {
        f"manifest_{i}": str(path)
        for i, path in enumerate(sorted(Path("resources").rglob("manifest.sha256")))
    },
}


def report_section_inputs(wildcards):
    """All result files every registered section reads, as named inputs <section>__<key>."""
    return {
        f"{name}__{key}": path
        for name, section in REPORT_SECTIONS.items()
        for key, path in section["inputs"].items()
    }


def report_section_specs():
    return {
        name: {
            "order": section.get("order", 100),
            "title": section.get("title", name),
            "inputs": dict(section["inputs"]),
        }
        for name, section in REPORT_SECTIONS.items()
    }


rule report:
    input:
        unpack(report_section_inputs),
        script=script_path("report.py"),
        templates=sorted(str(p) for p in Path("report/templates").rglob("*.j2")),
    output:
        html="report/report.html",
        provenance="results/report/provenance/report.json",
    params:
        sections=lambda wildcards: report_section_specs(),
        synthetic=config["extracts"].get("source", "synthetic") == "synthetic",
        template_dir="report/templates",
        benchmark_dir="results/benchmarks",
    log:
        "logs/report/report.log",
    conda:
        env_file("report")
    script:
        "../scripts/report.py"


# The national LA x year panel: shipped public DfE/ONS/MHCLG/Cafcass files -> one tidy panel of
# the 152 upper-tier LAs of 2013 (results/national/panel.parquet), its data dictionary and the
# coverage of every indicator. The raw files' checksums are verified before anything is read.


rule national_panel:
    input:
        script=script_path("national_panel.py"),
        code=package_code("national_panel.py"),
        manifest=config["national_panel"]["manifest"],
    output:
        panel="results/national/panel.parquet",
        panel_csv="results/national/panel.csv",
        dictionary=report(
            "results/national/data_dictionary.csv",
            caption="../../report/captions/national_panel_dictionary.rst",
            category="National",
        ),
        coverage="results/national/coverage.csv",
        provenance="results/national/provenance/national_panel.json",
    log:
        "logs/national/national_panel.log",
    benchmark:
        "results/benchmarks/national_panel/national_panel.tsv"
    conda:
        env_file("national_panel")
    resources:
        mem_mb=resource_mb("national_panel"),
        runtime=resource_minutes("national_panel"),
    params:
        raw_dir=config["national_panel"]["raw_dir"],
        first_year=config["national_panel"]["first_year"],
        last_year=config["national_panel"]["last_year"],
        rate_source=config["national_panel"]["rate_source"],
        workforce_year_offset=config["national_panel"]["workforce_year_offset"],
        price_base_year=config["national_panel"]["price_base_year"],
        population=config["national_panel"]["population"],
    script:
        "../scripts/national_panel.py"


REPORT_SECTIONS["national_data"] = {
    "order": 10,
    "title": "National data: the LA x year panel",
    "inputs": {
        "dictionary": rules.national_panel.output.dictionary,
        "coverage": rules.national_panel.output.coverage,
        "sources": "resources/national/SOURCES.md",
        "panel_provenance": rules.national_panel.output.provenance,
    },
}

# The report about an LA's own extracts (issue 14, build item 5; runs with extracts.source: extracts
# only): per configured LA, its yearly counts reconciled with DfE's published figures for it, its
# episodes and rates per threshold and year, the LA against England and its IMD neighbours (national
# trends, Table 6 scatter), against the study's six LAs (Tables 11 and 13) and a data-quality page per
# return. Synthetic runs have no such section, and runs on extracts have no synthetic one.
LA_REPORT = config["la_report"]
LA_REPORT_RUN = config["extracts"]["source"] == "extracts"
LA_REPORT_IMD = f"{config['lsoa']['resource_dir']}/la_imd2015_utla13.csv"

if LA_REPORT_RUN:
    # No generator job and no section about the synthetic data on a run of an LA's own files: the
    # synthetic strand registers its section unconditionally (workflow/rules/synthetic.smk), and every
    # generator job is reached only through it.
    REPORT_SECTIONS.pop("synthetic_truth", None)

    rule la_report_la:
        input:
            episodes=rules.childlevel_episodes.output.episodes,
            yearly_counts=rules.childlevel_la_episodes.output.yearly_counts,
            quality=rules.childlevel_la_episodes.output.quality,
            panel=rules.national_panel.output.panel,
            la_imd=LA_REPORT_IMD,
            table11=rules.lca_tables.output.table11,
            table13=rules.lca_rates.output.table13,
            published11=f"{config['lca']['published_dir']}/table11_class_share_by_la.csv",
            published13=f"{config['lca']['published_dir']}/table13_deprivation_effect_by_class_la.csv",
            script=script_path("la_report_la.py"),
            code=package_code("la_report_la.py"),
        output:
            summary="results/la_report/{la_code}/summary.json",
            thresholds="results/la_report/{la_code}/thresholds_by_year.csv",
            reconciliation="results/la_report/{la_code}/reconciliation.csv",
            neighbours="results/la_report/{la_code}/imd_neighbours.csv",
            trends="results/la_report/{la_code}/national_trends.csv",
            trends_figure="results/la_report/{la_code}/national_trends.png",
            scatter="results/la_report/{la_code}/table6_scatter.csv",
            scatter_figure="results/la_report/{la_code}/table6_scatter.png",
            table11="results/la_report/{la_code}/study_table11.csv",
            table13="results/la_report/{la_code}/study_table13.csv",
            returns="results/la_report/{la_code}/returns.csv",
            provenance="results/la_report/provenance/la_report_la_{la_code}.json",
        log:
            "logs/la_report/la_report_la_{la_code}.log",
        benchmark:
            "results/benchmarks/la_report_la/{la_code}.tsv"
        wildcard_constraints:
            la_code=r"E(06|08|09|10)\d{6}",
        conda:
            env_file("national_analysis")
        resources:
            mem_mb=resource_mb("la_report_la"),
            runtime=resource_minutes("la_report_la"),
        params:
            la_code=lambda wildcards: wildcards.la_code,
            tolerance=LA_REPORT["reconciliation_tolerance"],
            n_neighbours=LA_REPORT["neighbours"],
            scatter_year=LA_REPORT["scatter_year"],
            thresholds=config["gradient"]["thresholds"],
            min_cell=config["disclosure"]["min_cell"],
            # the configured returns, listed on the quality page by file name
            files=lambda wildcards: rule_params(CHILDLEVEL_LAS[wildcards.la_code]),
            dfe_rules=config["validation"]["dfe_rules"],
        script:
            "../scripts/la_report_la.py"

    # The first page of the report: before "About this run".
    REPORT_SECTIONS["la_report"] = {
        "order": -1,
        "title": "Your local authority: episodes, reconciliation with DfE, comparisons and data quality",
        "inputs": {
            # per LA: {section key: output of rule la_report_la}, in this order
            **{
                f"{kind}_{la}": path
                for la in sorted(CHILDLEVEL_LAS)
                for kind, output in (
                    ("summary", "summary"),
                    ("thresholds", "thresholds"),
                    ("reconciliation", "reconciliation"),
                    ("neighbours", "neighbours"),
                    ("trends", "trends_figure"),
                    ("scatter", "scatter_figure"),
                    ("table11", "table11"),
                    ("table13", "table13"),
                    ("returns", "returns"),
                )
                for path in expand(rules.la_report_la.output[output], la_code=la)
            },
            **{
                f"quality_{la}": path
                for la in sorted(CHILDLEVEL_LAS)
                for path in expand(rules.childlevel_la_episodes.output.quality, la_code=la)
            },
            **{
                f"provenance_{la}": path
                for la in sorted(CHILDLEVEL_LAS)
                for path in expand(rules.la_report_la.output.provenance, la_code=la)
            },
        },
    }

# National strand, analyses of the LA × year panel (METHODS §A.2–A.5, final report 3.1):
# national trends (Figures 2–4 and the other trends of 3.1.1), Spearman correlations of every
# indicator pair each year with Table 6 and its published-vs-reproduced comparison, the
# consistency rule, and one correlelogram per theme (Figures 5–9).

NA_CFG = config["national_analysis"]
NA_PANEL = rules.national_panel.output.panel
NA_DICTIONARY = rules.national_panel.output.dictionary
NA_PUBLISHED_T6 = "resources/national_analysis/published/table06_imd_correlations.csv"

NA_THEMES = list(NA_CFG["themes"])
NA_FIGURES = list(NA_CFG["trends"]["figures"])
NA_VIEWS = list(NA_CFG["trends"]["views"])


wildcard_constraints:
    na_theme="|".join(NA_THEMES),


rule national_trends:
    input:
        panel=NA_PANEL,
        dictionary=NA_DICTIONARY,
        script=script_path("national_trends.py"),
        code=package_code("national_trends.py"),
    output:
        series=report(
            "results/national/trends/national_series.csv",
            caption="../../report/captions/national_trends_series.rst",
            category="National trends",
        ),
        fits=report(
            "results/national/trends/trend_fits.csv",
            caption="../../report/captions/national_trends_fits.rst",
            category="National trends",
        ),
        # One job draws every figure: each is cheap, a job per figure costs more in start-up.
        figures=[
            report(
                f"results/national/trends/{figure}_{view}.png",
                caption="../../report/captions/national_trends_figure.rst",
                category="National trends",
                subcategory=view,
            )
            for figure in NA_FIGURES
            for view in NA_VIEWS
        ],
        provenance="results/national/provenance/national_trends.json",
    log:
        "logs/national/national_trends.log",
    benchmark:
        "results/benchmarks/national_trends/national_trends.tsv"
    conda:
        env_file("national_analysis")
    resources:
        mem_mb=resource_mb("national_trends"),
        runtime=resource_minutes("national_trends"),
    params:
        figures=NA_CFG["trends"]["figures"],
        views=NA_CFG["trends"]["views"],
        population_column=NA_CFG["population_column"],
    script:
        "../scripts/national_trends.py"


rule national_correlations:
    input:
        panel=NA_PANEL,
        dictionary=NA_DICTIONARY,
        published_table6=NA_PUBLISHED_T6,
        published_manifest="resources/national_analysis/published/manifest.sha256",
        script=script_path("national_correlations.py"),
        code=package_code("national_correlations.py"),
    output:
        pairwise="results/national/correlations/pairwise_spearman.csv",
        table6=report(
            "results/national/table06_imd_correlations.csv",
            caption="../../report/captions/national_table06.rst",
            category="National correlations",
        ),
        comparison=report(
            "results/national/correlations/table06_published_vs_reproduced.csv",
            caption="../../report/captions/national_table06_comparison.rst",
            category="National correlations",
        ),
        largest_diff="results/national/correlations/table06_largest_difference.csv",
        inferred="results/national/correlations/table06_inferred_choices.csv",
        summary="results/national/correlations/table06_summary.json",
        provenance="results/national/provenance/national_correlations.json",
    log:
        "logs/national/national_correlations.log",
    benchmark:
        "results/benchmarks/national_correlations/national_correlations.tsv"
    conda:
        env_file("national_analysis")
    resources:
        mem_mb=resource_mb("national_correlations"),
        runtime=resource_minutes("national_correlations"),
    params:
        analysis={k: NA_CFG[k] for k in ("imd_indicator", "correlations", "table6")},
        population=config["national_panel"]["population"],
    script:
        "../scripts/national_correlations.py"


rule national_consistency:
    input:
        pairwise=rules.national_correlations.output.pairwise,
        dictionary=NA_DICTIONARY,
        script=script_path("national_consistency.py"),
        code=package_code("national_consistency.py"),
    output:
        assessment="results/national/correlations/consistency_all_pairs.csv",
        edges=report(
            "results/national/correlations/consistent_edges.csv",
            caption="../../report/captions/national_consistent_edges.rst",
            category="National correlations",
        ),
        provenance="results/national/provenance/national_consistency.json",
    log:
        "logs/national/national_consistency.log",
    benchmark:
        "results/benchmarks/national_consistency/national_consistency.tsv"
    conda:
        env_file("national_analysis")
    resources:
        mem_mb=resource_mb("national_consistency"),
        runtime=resource_minutes("national_consistency"),
    params:
        alpha=NA_CFG["consistency"]["alpha"],
        recent_years=NA_CFG["consistency"]["recent_years"],
        earlier_years=NA_CFG["consistency"]["earlier_years"],
    script:
        "../scripts/national_consistency.py"


rule national_correlelogram:
    input:
        assessment=rules.national_consistency.output.assessment,
        dictionary=NA_DICTIONARY,
        script=script_path("national_correlelogram.py"),
        code=package_code("national_correlelogram.py"),
    output:
        figure=report(
            "results/national/correlelograms/{na_theme}.png",
            caption="../../report/captions/national_correlelogram.rst",
            category="National correlations",
            subcategory="Correlelograms",
        ),
        edges="results/national/correlelograms/{na_theme}_edges.csv",
        provenance="results/national/provenance/national_correlelogram_{na_theme}.json",
    log:
        "logs/national/national_correlelogram_{na_theme}.log",
    benchmark:
        "results/benchmarks/national_correlelogram/{na_theme}.tsv"
    conda:
        env_file("national_analysis")
    resources:
        mem_mb=resource_mb("national_correlelogram"),
        runtime=resource_minutes("national_correlelogram"),
    params:
        theme=lambda wildcards: NA_CFG["themes"][wildcards.na_theme],
        seed=NA_CFG["seed"],
    script:
        "../scripts/national_correlelogram.py"


REPORT_SECTIONS["national_trends"] = {
    "order": 20,
    "title": "National trends (LA data, 2010 onwards)",
    "inputs": {
        "series": rules.national_trends.output.series,
        "fits": rules.national_trends.output.fits,
        "series_provenance": rules.national_trends.output.provenance,
        # the figures in the order the rule lists them: figure by figure, each view
        **{
            f"figure__{figure}__{view}": path
            for (figure, view), path in zip(
                [(figure, view) for figure in NA_FIGURES for view in NA_VIEWS],
                rules.national_trends.output.figures,
                strict=True,
            )
        },
    },
}

REPORT_SECTIONS["national_correlations"] = {
    "order": 30,
    "title": "National correlations: Table 6, consistent associations, correlelograms",
    "inputs": {
        "table6": rules.national_correlations.output.table6,
        "comparison": rules.national_correlations.output.comparison,
        "largest_diff": rules.national_correlations.output.largest_diff,
        "inferred": rules.national_correlations.output.inferred,
        "summary": rules.national_correlations.output.summary,
        "correlations_provenance": rules.national_correlations.output.provenance,
        "edges": rules.national_consistency.output.edges,
        "assessment": rules.national_consistency.output.assessment,
        "consistency_provenance": rules.national_consistency.output.provenance,
        "dictionary": NA_DICTIONARY,
        **{
            f"theme__{theme}": path
            for theme, path in zip(NA_THEMES, expand(rules.national_correlelogram.output.figure, na_theme=NA_THEMES))
        },
        **{
            f"theme__{theme}_provenance": path
            for theme, path in zip(
                NA_THEMES, expand(rules.national_correlelogram.output.provenance, na_theme=NA_THEMES)
            )
        },
    },
}

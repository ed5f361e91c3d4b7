# Latent class analysis of the factors at assessment (report 2.3.4, 3.4; issue 4): items and
# exclusions, balanced samples per LA, per-LA (configural) sweep, configural vs invariant test
# (Table 3), final model matched to the published classes, posterior class of every episode,
# and the class tables (Tables 11-18, Figures 13-17) naive and corrected for classification error.

LCA_CFG = config["lca"]
LCA_SYNTHETIC = config["extracts"]["source"] == "synthetic"
LCA_EPISODES = rules.childlevel_episodes.output.episodes
LCA_PUBLISHED = LCA_CFG["published_dir"]
LCA_FIT_PARAMS = {key: LCA_CFG[key] for key in ("seed", "starts", "screen_iter", "refine", "abs_tol", "max_iter")}
LCA_TABLES = [
    "table11",
    "table12",
    "table14",
    "table15",
    "table16",
    "table17",
    "table18",
    "figure13_gender",
    "figure14_16_age",
    "figure17_ethnicity",
]
LCA_FIGURES = ["figure13_gender", "figure14_16_age", "figure17_ethnicity"]


rule lca_items:
    input:
        episodes=LCA_EPISODES,
        script=script_path("lca_items.py"),
        code=package_code("lca_items.py"),
    output:
        item_table="results/lca/items.csv",
        provenance="results/lca/provenance/lca_items.json",
    log:
        "logs/lca/lca_items.log",
    benchmark:
        "results/benchmarks/lca_items/lca_items.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_items"),
        runtime=resource_minutes("lca_items"),
    params:
        excluded=LCA_CFG["excluded_factors"],
        min_count=LCA_CFG["min_item_count"],
        min_cell=config["disclosure"]["min_cell"],
        assessed_only=LCA_CFG["assessed_only"],
        completed_only=LCA_CFG["completed_only"],
    script:
        "../scripts/lca_items.py"


rule lca_samples:
    input:
        episodes=LCA_EPISODES,
        item_table=rules.lca_items.output.item_table,
        script=script_path("lca_samples.py"),
        code=package_code("lca_samples.py"),
    output:
        samples="results/record_level/lca_samples.parquet",
        sizes="results/lca/sample_sizes.csv",
        provenance="results/lca/provenance/lca_samples.json",
    log:
        "logs/lca/lca_samples.log",
    benchmark:
        "results/benchmarks/lca_samples/lca_samples.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_samples"),
        runtime=resource_minutes("lca_samples"),
    params:
        n_per_la=LCA_CFG["sample_per_la"],
        seed=LCA_CFG["seed"],
        assessed_only=LCA_CFG["assessed_only"],
        completed_only=LCA_CFG["completed_only"],
        require_any_factor=LCA_CFG["require_any_factor"],
    script:
        "../scripts/lca_samples.py"


rule lca_configural_sweep:
    input:
        episodes=LCA_EPISODES,
        item_table=rules.lca_items.output.item_table,
        samples=rules.lca_samples.output.samples,
        script=script_path("lca_configural_sweep.py"),
        code=package_code("lca_configural_sweep.py"),
    output:
        sweep=report(
            "results/lca/configural_sweep.csv",
            caption="../../report/captions/lca_sweep.rst",
            category="LCA",
        ),
        elbow=report(
            "results/lca/elbow.png",
            caption="../../report/captions/lca_elbow.rst",
            category="LCA",
        ),
        provenance="results/lca/provenance/lca_configural_sweep.json",
    log:
        "logs/lca/lca_configural_sweep.log",
    benchmark:
        "results/benchmarks/lca_configural_sweep/lca_configural_sweep.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_configural_sweep"),
        runtime=resource_minutes("lca_configural_sweep"),
    params:
        classes=LCA_CFG["configural_classes"],
        fit=LCA_FIT_PARAMS,
    script:
        "../scripts/lca_configural_sweep.py"


rule lca_invariance:
    input:
        episodes=LCA_EPISODES,
        item_table=rules.lca_items.output.item_table,
        samples=rules.lca_samples.output.samples,
        published_fit=f"{LCA_PUBLISHED}/table03_lca_fit.csv",
        script=script_path("lca_invariance.py"),
        code=package_code("lca_invariance.py"),
    output:
        fit_table=report(
            "results/lca/invariance_fit.csv",
            caption="../../report/captions/lca_invariance.rst",
            category="LCA",
        ),
        models="results/lca/invariance_models.json",
        provenance="results/lca/provenance/lca_invariance.json",
    log:
        "logs/lca/lca_invariance.log",
    benchmark:
        "results/benchmarks/lca_invariance/lca_invariance.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_invariance"),
        runtime=resource_minutes("lca_invariance"),
    params:
        classes=LCA_CFG["invariance_classes"],
        configural=LCA_CFG["configural_comparison"],
        fit=LCA_FIT_PARAMS,
    script:
        "../scripts/lca_invariance.py"


rule lca_final:
    input:
        episodes=LCA_EPISODES,
        samples=rules.lca_samples.output.samples,
        models=rules.lca_invariance.output.models,
        fit_table=rules.lca_invariance.output.fit_table,
        profiles=f"{LCA_PUBLISHED}/lca_class_profiles.csv",
        profile_codes=f"{LCA_PUBLISHED}/profile_factor_codes.csv",
        script=script_path("lca_final.py"),
        code=package_code("lca_final.py"),
    output:
        model="results/lca/final_model.json",
        profiles=report(
            "results/lca/class_profiles.csv",
            caption="../../report/captions/lca_profiles.rst",
            category="LCA",
        ),
        matching="results/lca/class_matching.csv",
        shares="results/lca/class_shares_model.csv",
        heatmap=report(
            "results/lca/profile_heatmap.png",
            caption="../../report/captions/lca_heatmap.rst",
            category="LCA",
        ),
        cross_validation="results/lca/cross_validation.json",
        provenance="results/lca/provenance/lca_final.json",
    log:
        "logs/lca/lca_final.log",
    benchmark:
        "results/benchmarks/lca_final/lca_final.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_final"),
        runtime=resource_minutes("lca_final"),
    params:
        fit=LCA_FIT_PARAMS,
        final_fit=LCA_CFG["final_fit"],
        assessed_only=LCA_CFG["assessed_only"],
        completed_only=LCA_CFG["completed_only"],
        require_any_factor=LCA_CFG["require_any_factor"],
    script:
        "../scripts/lca_final.py"


rule lca_assign:
    input:
        episodes=LCA_EPISODES,
        model=rules.lca_final.output.model,
        script=script_path("lca_assign.py"),
        code=package_code("lca_assign.py"),
    output:
        classes="results/record_level/episode_classes.parquet",
        summary="results/lca/assignment_summary.csv",
        provenance="results/lca/provenance/lca_assign.json",
    log:
        "logs/lca/lca_assign.log",
    benchmark:
        "results/benchmarks/lca_assign/lca_assign.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_assign"),
        runtime=resource_minutes("lca_assign"),
    params:
        assessed_only=LCA_CFG["assessed_only"],
        completed_only=LCA_CFG["completed_only"],
        require_any_factor=LCA_CFG["require_any_factor"],
        min_cell=config["disclosure"]["min_cell"],
    script:
        "../scripts/lca_assign.py"


rule lca_tables:
    input:
        episodes=LCA_EPISODES,
        classes=rules.lca_assign.output.classes,
        model=rules.lca_final.output.model,
        published=[
            f"{LCA_PUBLISHED}/{name}.csv"
            for name in (
                "table11_class_share_by_la",
                "table12_class_share_by_deprivation_tertile",
                "table14_class_by_threshold",
                "table15_rereferral_by_class",
                "table16_class_by_referral_source",
                "table17_cp_category_matched_at_assessment",
                "table18_class_by_cp_category",
            )
        ],
        script=script_path("lca_tables.py"),
        code=package_code("lca_tables.py"),
    output:
        **{name: f"results/lca/tables/{name}.csv" for name in LCA_TABLES},
        **{f"{name}_png": f"results/lca/figures/{name}.png" for name in LCA_FIGURES},
        provenance="results/lca/provenance/lca_tables.json",
    log:
        "logs/lca/lca_tables.log",
    benchmark:
        "results/benchmarks/lca_tables/lca_tables.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_tables"),
        runtime=resource_minutes("lca_tables"),
    params:
        published_dir=lambda wildcards, input: str(Path(input.published[0]).parent),
        min_cell=config["disclosure"]["min_cell"],
    script:
        "../scripts/lca_tables.py"


rule lca_rates:
    input:
        episodes=LCA_EPISODES,
        classes=rules.lca_assign.output.classes,
        model=rules.lca_final.output.model,
        lsoa_population=rules.lsoa_reference.output.population,
        lsoa_reference=rules.lsoa_reference.output.reference,
        published13=f"{LCA_PUBLISHED}/table13_deprivation_effect_by_class_la.csv",
        script=script_path("lca_rates.py"),
        code=package_code("lca_rates.py"),
    output:
        table13="results/lca/tables/table13.csv",
        rates_age="results/lca/tables/rates_age.csv",
        rates_gender="results/lca/tables/rates_gender.csv",
        rates_ethnicity="results/lca/tables/rates_ethnicity.csv",
        ratio="results/lca/tables/female_male_ratio.csv",
        ratio_png=report(
            "results/lca/figures/figure13_ratio.png",
            caption="../../report/captions/lca_figure13_ratio.rst",
            category="LCA",
        ),
        age_png=report(
            "results/lca/figures/figure14_16_age_rates.png",
            caption="../../report/captions/lca_figures14_16_age.rst",
            category="LCA",
        ),
        ethnicity_png=report(
            "results/lca/figures/figure17_ethnicity_rates.png",
            caption="../../report/captions/lca_figure17_ethnicity.rst",
            category="LCA",
        ),
        provenance="results/lca/provenance/lca_rates.json",
    log:
        "logs/lca/lca_rates.log",
    benchmark:
        "results/benchmarks/lca_rates/lca_rates.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_rates"),
        runtime=resource_minutes("lca_rates"),
    params:
        min_cell=config["disclosure"]["min_cell"],
    script:
        "../scripts/lca_rates.py"


rule lca_recovery:
    input:
        truth=rules.synthetic_truth.output.truth,
        model=rules.lca_final.output.model,
        table11=rules.lca_tables.output.table11,
        script=script_path("lca_recovery.py"),
        code=package_code("lca_recovery.py"),
    output:
        summary="results/lca/recovery.json",
        item_errors="results/lca/recovery_items.csv",
        shares="results/lca/recovery_shares.csv",
        figure=report(
            "results/lca/recovery.png",
            caption="../../report/captions/lca_recovery.rst",
            category="LCA",
        ),
        provenance="results/lca/provenance/lca_recovery.json",
    log:
        "logs/lca/lca_recovery.log",
    benchmark:
        "results/benchmarks/lca_recovery/lca_recovery.tsv"
    conda:
        env_file("lca")
    resources:
        mem_mb=resource_mb("lca_recovery"),
        runtime=resource_minutes("lca_recovery"),
    params:
        thresholds=LCA_CFG["recovery_thresholds"],
    script:
        "../scripts/lca_recovery.py"


REPORT_SECTIONS["lca"] = {
    "order": 40,
    "title": "Latent class analysis of assessed needs",
    "inputs": lca_report_inputs(sweep=LCA_CFG["configural_sweep"], synthetic=LCA_SYNTHETIC),
}

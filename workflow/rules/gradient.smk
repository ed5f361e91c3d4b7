# Social gradient and inverse intervention (issue 5; final report 2.3.5, 3.3, 3.5; 2021 summary).
# Counts per LSOA x stratum (record-level area), one NB mixed model per (threshold, stratum,
# level), the models of a threshold fitted in one job, the same models on the generator's expected
# counts (truth), forest plots, social-gradient scores, cross-tabulations (Tables 7-10) and the
# sample-size simulation.
from csc_inequalities.gradient.spec import (
    model_batches,
    model_files,
    model_jobs,
    strata_in_spec,
)
from csc_inequalities.gradient.truth import truth_family

GRADIENT = config["gradient"]
GRADIENT_SYNTHETIC = config["extracts"]["source"] == "synthetic"
GRADIENT_JOBS = model_jobs(GRADIENT)
GRADIENT_STRATA = strata_in_spec(GRADIENT)
GRADIENT_PUBLISHED = "resources/gradient/published"
GRADIENT_HEADLINE = f"{GRADIENT_PUBLISHED}/headline.yaml"
# Demand classes come from the latent class strand only when a demand-class stratum is modelled.
GRADIENT_CLASS_INPUT = {"episode_classes": rules.lca_assign.output.classes} if "demand_class" in GRADIENT_STRATA else {}


rule gradient_counts:
    input:
        **GRADIENT_CLASS_INPUT,
        episodes=rules.childlevel_episodes.output.episodes,
        lsoa_reference=rules.lsoa_reference.output.reference,
        lsoa_population=rules.lsoa_reference.output.population,
        script=script_path("gradient_counts.py"),
        code=package_code("gradient_counts.py"),
    output:
        counts="results/record_level/gradient_counts.parquet",
        provenance="results/gradient/provenance/gradient_counts.json",
    log:
        "logs/gradient/gradient_counts.log",
    benchmark:
        "results/benchmarks/gradient_counts/gradient_counts.tsv"
    conda:
        env_file("gradient")
    resources:
        mem_mb=resource_mb("gradient_counts"),
        runtime=resource_minutes("gradient_counts"),
    params:
        thresholds=GRADIENT["thresholds"],
        age_group_edges=GRADIENT["age_group_edges"],
        strata={s: GRADIENT["strata"][s] for s in GRADIENT_STRATA},
    script:
        "../scripts/gradient_counts.py"


# One job per threshold fits all its models (every stratum type and level) in one R session:
# starting Python, pandas, R and glmmTMB took ~6 s per job against ~0.6 s per default-size fit,
# so one job per model spent most of the run starting up (issue 13). Each model keeps its own
# result file and provenance record; `python -m csc_inequalities.gradient.batch` fits one alone
# (docs/gradient.md). Rules are named per threshold (gradient_models_<threshold>); their
# benchmarks share a folder, and their resources one entry of workflow/resources.yaml.
# On a cluster, batches are packed two to a SLURM job (profiles/slurm: group-components, cores 2).
for _threshold, _models in model_batches(GRADIENT_JOBS).items():

    rule:
        name:
            f"gradient_models_{_threshold}"
        input:
            counts=rules.gradient_counts.output.counts,
            script=script_path("gradient_models.py"),
            code=package_code("gradient_models.py"),
        output:
            models=[m["output"] for m in _models],
            provenance=[m["provenance"] for m in _models],
        log:
            f"logs/gradient/models/{_threshold}.log",
        benchmark:
            f"results/benchmarks/gradient_models/{_threshold}.tsv"
        # On the critical path (after the counts, which wait for the demand classes): before the
        # other ready jobs, larger batches first (longest first keeps both cores busy to the end).
        priority: 1 + len(_models)
        group:
            "gradient_models"
        conda:
            env_file("gradient")
        resources:
            mem_mb=resource_mb("gradient_models"),
            runtime=resource_minutes("gradient_models"),
        params:
            kind="estimates",
            models=_models,
            engine=GRADIENT["engine"],
            family="nbinom2",
            dispersion=None,
            resources_rule="gradient_models",
        script:
            "../scripts/gradient_models.py"


# The generator's truth: each model refitted to the expected (noise-free) counts, batched as the
# estimates (at national scale the 80 fits took 29 minutes as a single job). NB2 with the dispersion
# fixed at the generator's LSOA frailty shape (truth.yaml: gradient.lsoa_nbinom2_dispersion), the
# estimator's pseudo-true value; Poisson when the generator has no frailty (gradient.truth.truth_family).
GRADIENT_TRUTH_FAMILY, GRADIENT_TRUTH_DISPERSION = truth_family(config["synthetic"]["model"]["lsoa_frailty_shape"])
for _threshold, _models in model_batches(GRADIENT_JOBS, folder="truth").items():

    rule:
        name:
            f"gradient_truth_models_{_threshold}"
        input:
            expected=rules.synthetic_truth.output.expected,
            lsoa_reference=rules.lsoa_reference.output.reference,
            script=script_path("gradient_models.py"),
            code=package_code("gradient_models.py"),
        output:
            models=[m["output"] for m in _models],
            provenance=[m["provenance"] for m in _models],
        log:
            f"logs/gradient/truth/{_threshold}.log",
        benchmark:
            f"results/benchmarks/gradient_truth_models/{_threshold}.tsv"
        # No priority: the truth batches are ready early and fill cores the chain to the counts leaves idle.
        group:
            "gradient_models"
        conda:
            env_file("gradient")
        resources:
            mem_mb=resource_mb("gradient_truth_models"),
            runtime=resource_minutes("gradient_truth_models"),
        params:
            kind="truth",
            models=_models,
            engine="glmmTMB",
            family=GRADIENT_TRUTH_FAMILY,
            dispersion=GRADIENT_TRUTH_DISPERSION,
            resources_rule="gradient_truth_models",
        script:
            "../scripts/gradient_models.py"


rule gradient_truth:
    input:
        models=model_files(GRADIENT_JOBS, folder="truth"),
        truth=rules.synthetic_truth.output.truth,
        script=script_path("gradient_truth.py"),
        code=package_code("gradient_truth.py"),
    output:
        effects="results/gradient/truth_effects.csv",
        generating="results/gradient/truth_generating_parameters.csv",
        provenance="results/gradient/provenance/gradient_truth.json",
    log:
        "logs/gradient/gradient_truth.log",
    benchmark:
        "results/benchmarks/gradient_truth/gradient_truth.tsv"
    conda:
        env_file("gradient")
    resources:
        mem_mb=resource_mb("gradient_truth"),
        runtime=resource_minutes("gradient_truth"),
    script:
        "../scripts/gradient_truth.py"


rule gradient_gather:
    input:
        # the truth is only known on synthetic runs
        **({"truth": rules.gradient_truth.output.effects} if GRADIENT_SYNTHETIC else {}),
        models=model_files(GRADIENT_JOBS),
        headline=GRADIENT_HEADLINE,
        script=script_path("gradient_gather.py"),
        code=package_code("gradient_gather.py"),
    output:
        effects="results/gradient/effects.csv",
        truth_comparison="results/gradient/truth_comparison.csv",
        convergence="results/gradient/convergence.csv",
        summary="results/gradient/summary.json",
        figure18=report(
            "results/gradient/figure18.png",
            caption="../../report/captions/gradient_figure18.rst",
            category="Social gradient",
        ),
        forests=report(
            directory("results/gradient/forest"),
            patterns=["{name}.png"],
            caption="../../report/captions/gradient_forest.rst",
            category="Social gradient",
        ),
        provenance="results/gradient/provenance/gradient_gather.json",
    log:
        "logs/gradient/gradient_gather.log",
    benchmark:
        "results/benchmarks/gradient_gather/gradient_gather.tsv"
    conda:
        env_file("gradient")
    resources:
        mem_mb=resource_mb("gradient_gather"),
        runtime=resource_minutes("gradient_gather"),
    params:
        thresholds=list(GRADIENT["model_spec"]),
        strata={s: GRADIENT["strata"][s] for s in GRADIENT_STRATA},
        max_z=GRADIENT["truth_max_z"],
    script:
        "../scripts/gradient_gather.py"


rule gradient_scores:
    input:
        counts=rules.gradient_counts.output.counts,
        headline=GRADIENT_HEADLINE,
        script=script_path("gradient_scores.py"),
        code=package_code("gradient_scores.py"),
    output:
        scores="results/gradient/scores.csv",
        per_la="results/gradient/scores_per_la.csv",
        correlation="results/gradient/scores_correlation.json",
        bands="results/gradient/rates_by_income_band.csv",
        figure=report(
            "results/gradient/scores_per_la.png",
            caption="../../report/captions/gradient_scores.rst",
            category="Social gradient",
        ),
        provenance="results/gradient/provenance/gradient_scores.json",
    log:
        "logs/gradient/gradient_scores.log",
    benchmark:
        "results/benchmarks/gradient_scores/gradient_scores.tsv"
    # Long (R fits per LA): started before the short jobs that are ready with it.
    priority: 1
    conda:
        env_file("gradient")
    resources:
        mem_mb=resource_mb("gradient_scores"),
        runtime=resource_minutes("gradient_scores"),
    params:
        thresholds=GRADIENT["scores"]["thresholds"],
        la_shift_points=GRADIENT["scores"]["la_shift_points"],
        band_edges=GRADIENT["scores"]["income_band_edges"],
        min_cell=config["disclosure"]["min_cell"],
    script:
        "../scripts/gradient_scores.py"


rule gradient_crosstabs:
    input:
        episodes=rules.childlevel_episodes.output.episodes,
        published=expand(
            f"{GRADIENT_PUBLISHED}/{{table}}.csv",
            table=[
                "table07_gender_or",
                "table08_age_or",
                "table09_white_british_or",
                "table10_deprivation_or",
            ],
        ),
        script=script_path("gradient_crosstabs.py"),
        code=package_code("gradient_crosstabs.py"),
    output:
        odds_ratios="results/gradient/crosstabs/odds_ratios.csv",
        summary="results/gradient/crosstabs/significance_summary.csv",
        published="results/gradient/crosstabs/published_beside.csv",
        provenance="results/gradient/provenance/gradient_crosstabs.json",
    log:
        "logs/gradient/gradient_crosstabs.log",
    benchmark:
        "results/benchmarks/gradient_crosstabs/gradient_crosstabs.tsv"
    conda:
        env_file("gradient")
    resources:
        mem_mb=resource_mb("gradient_crosstabs"),
        runtime=resource_minutes("gradient_crosstabs"),
    params:
        broad_age_edges=GRADIENT["crosstabs"]["broad_age_edges"],
        min_cell=max(GRADIENT["crosstabs"]["min_cell"], config["disclosure"]["min_cell"]),
    script:
        "../scripts/gradient_crosstabs.py"


rule gradient_power:
    input:
        panel=rules.national_panel.output.panel,
        headline=GRADIENT_HEADLINE,
        script=script_path("gradient_power.py"),
        code=package_code("gradient_power.py"),
    output:
        curve="results/gradient/power/power_curve.csv",
        summary="results/gradient/power/power.json",
        figure=report(
            "results/gradient/power/power_curve.png",
            caption="../../report/captions/gradient_power.rst",
            category="Social gradient",
        ),
        provenance="results/gradient/provenance/gradient_power.json",
    log:
        "logs/gradient/gradient_power.log",
    benchmark:
        "results/benchmarks/gradient_power/gradient_power.tsv"
    # The longest single job, needing only the national panel: started before the short jobs that
    # are ready with it, not left for last (the default run waited ~50 s for it alone; issue 13).
    priority: 1
    conda:
        env_file("gradient")
    resources:
        mem_mb=resource_mb("gradient_power"),
        runtime=resource_minutes("gradient_power"),
    params:
        **GRADIENT["power"],
    script:
        "../scripts/gradient_power.py"


REPORT_SECTIONS["gradient"] = {
    "order": 50,
    "title": "Social gradient and inverse intervention",
    "inputs": {
        "effects": rules.gradient_gather.output.effects,
        "truth_comparison": rules.gradient_gather.output.truth_comparison,
        "convergence": rules.gradient_gather.output.convergence,
        "summary": rules.gradient_gather.output.summary,
        "figure18": rules.gradient_gather.output.figure18,
        "forests": rules.gradient_gather.output.forests,
        "gather_provenance": rules.gradient_gather.output.provenance,
        "scores": rules.gradient_scores.output.scores,
        "scores_per_la": rules.gradient_scores.output.per_la,
        "scores_correlation": rules.gradient_scores.output.correlation,
        "bands": rules.gradient_scores.output.bands,
        "scores_figure": rules.gradient_scores.output.figure,
        "scores_provenance": rules.gradient_scores.output.provenance,
        "power_curve": rules.gradient_power.output.curve,
        "power_summary": rules.gradient_power.output.summary,
        "power_figure": rules.gradient_power.output.figure,
        "power_provenance": rules.gradient_power.output.provenance,
        "headline": GRADIENT_HEADLINE,
    },
}

REPORT_SECTIONS["crosstabs"] = {
    "order": 45,
    "title": "Cross-tabulations by child characteristics (Tables 7-10)",
    "inputs": {
        "odds_ratios": rules.gradient_crosstabs.output.odds_ratios,
        "summary": rules.gradient_crosstabs.output.summary,
        "published": rules.gradient_crosstabs.output.published,
        "crosstabs_provenance": rules.gradient_crosstabs.output.provenance,
    },
}

# LSOA reference tables and the synthetic data generator (the default child-level data).
# The generator writes exactly the files a collaborator supplies (local/synthetic/extracts/),
# plus its truth; nothing downstream knows the data are synthetic.

from csc_inequalities.childlevel.extracts import (
    LA_NUMBERS_FILE as SYNTHETIC_LA_NUMBERS_FILE,
)
from csc_inequalities.childlevel.extracts import la_numbers as synthetic_la_numbers
from csc_inequalities.la_batches import batch_outputs, la_batches, synthetic_la_outputs

SYNTHETIC_LA_NUMBERS = synthetic_la_numbers(SYNTHETIC_LA_NUMBERS_FILE)
# the published LCA tables the generator follows (their folder is passed on as published_dir)
SYNTHETIC_LCA_PUBLISHED = "resources/lca/published/manifest.sha256"
SYNTHETIC_YEARS = list(range(config["synthetic"]["first_year"], config["synthetic"]["last_year"] + 1))
# The files rule synthetic_la (or its batch) writes for each LA (csc_inequalities.la_batches names them once).
SYNTHETIC_EXTRACT_FILES = {
    la: {
        "cin_census": dict(zip(SYNTHETIC_YEARS, outputs["cin_census"], strict=True)),
        "ssda903": outputs["ssda903"],
        "child_lsoa": outputs["child_lsoa"],
    }
    for la, outputs in ((la, synthetic_la_outputs(la, SYNTHETIC_YEARS)) for la in config["synthetic"]["las"])
}


rule lsoa_reference:
    input:
        manifest=f"{config['lsoa']['resource_dir']}/manifest.sha256",
        script=script_path("lsoa_reference.py"),
        code=package_code("lsoa_reference.py"),
    output:
        reference="results/lsoa/lsoa_reference.parquet",
        population="results/lsoa/lsoa_population.parquet",
        provenance="results/lsoa/provenance/lsoa_reference.json",
    log:
        "logs/lsoa/lsoa_reference.log",
    benchmark:
        "results/benchmarks/lsoa_reference/lsoa_reference.tsv"
    conda:
        env_file("synthetic")
    resources:
        mem_mb=resource_mb("lsoa_reference"),
        runtime=resource_minutes("lsoa_reference"),
    params:
        resource_dir=lambda wildcards, input: os.path.dirname(input.manifest),
    script:
        "../scripts/lsoa_reference.py"


# Calibration (issue 12): solve the generating parameters so that the noise-free truth (the
# report's models on the generator's expected counts) hits the published targets. Deterministic
# (no random draws beyond the config-seeded LA intercepts); its output feeds every synthetic_la job.
rule synthetic_calibration:
    input:
        unpack(synthetic_panel_input),
        reference=rules.lsoa_reference.output.reference,
        population=rules.lsoa_reference.output.population,
        published=SYNTHETIC_LCA_PUBLISHED,
        headline="resources/gradient/published/headline.yaml",
        script=script_path("synthetic_calibration.py"),
        code=package_code("synthetic_calibration.py"),
    output:
        parameters="results/synthetic/calibrated_parameters.yaml",
    log:
        "logs/synthetic/synthetic_calibration.log",
    benchmark:
        "results/benchmarks/synthetic_calibration/synthetic_calibration.tsv"
    conda:
        env_file("synthetic")
    resources:
        mem_mb=resource_mb("synthetic_calibration"),
        runtime=resource_minutes("synthetic_calibration"),
    params:
        synthetic=config["synthetic"],
        published_dir=lambda wildcards, input: os.path.dirname(input.published),
    script:
        "../scripts/synthetic_calibration.py"


# The LA's real DfE number unless the config names another (the reader checks it), for the batches.
SYNTHETIC_LEA_CODES = {
    la: config["synthetic"]["lea_codes"].get(la, SYNTHETIC_LA_NUMBERS.get(la, "999"))
    for la in config["synthetic"]["las"]
}
SYNTHETIC_BATCHES = (
    la_batches(config["synthetic"]["las"], config["synthetic"]["las_per_job"])
    if config["synthetic"]["las_per_job"] > 1
    else {}
)


# One job per LA (synthetic.las_per_job: 1, the default): each LA draws from its own seeded stream
# (numpy default_rng([seed, index])), so the jobs are independent, can run in parallel or on a
# cluster, and the child-level jobs of an LA start as soon as its extracts exist.
# With synthetic.las_per_job > 1 (the national run) the batched rules below replace it.
rule synthetic_la:
    input:
        unpack(synthetic_panel_input),
        reference=rules.lsoa_reference.output.reference,
        population=rules.lsoa_reference.output.population,
        published=SYNTHETIC_LCA_PUBLISHED,
        calibrated=rules.synthetic_calibration.output.parameters,
        script=script_path("synthetic_la.py"),
        code=package_code("synthetic_la.py"),
    output:
        # cin_census (one per year), ssda903, child_lsoa, episodes, expected, summary, provenance: the
        # files of one LA, named once in csc_inequalities.la_batches (its batch rule writes the same)
        **synthetic_la_outputs("{la_code}", SYNTHETIC_YEARS),
    log:
        "logs/synthetic/synthetic_la_{la_code}.log",
    benchmark:
        "results/benchmarks/synthetic_la/{la_code}.tsv"
    wildcard_constraints:
        # no per-LA job when batched: every LA's files come from its batch rule
        la_code=r"E(06|08|09|10)\d{6}" if not SYNTHETIC_BATCHES else r"(?!)",
    conda:
        env_file("synthetic")
    resources:
        mem_mb=resource_mb("synthetic_la"),
        runtime=resource_minutes("synthetic_la"),
    params:
        synthetic=config["synthetic"],
        la_code=lambda wildcards: wildcards.la_code,
        # The LA's real DfE number unless the config names another (the reader checks it).
        lea_code=lambda wildcards: config["synthetic"]["lea_codes"].get(
            wildcards.la_code, SYNTHETIC_LA_NUMBERS.get(wildcards.la_code, "999")
        ),
        key_file=config["extracts"]["key_file"],
        extracts_dir=lambda wildcards, output: os.path.dirname(os.path.dirname(output.ssda903)),
        published_dir=lambda wildcards, input: os.path.dirname(input.published),
    script:
        "../scripts/synthetic_la.py"


# synthetic.las_per_job > 1: one job per batch of LAs (csc_inequalities.la_batches), each LA's
# files and provenance record exactly as synthetic_la writes them. Benchmarks share the folder
# synthetic_la_batch, resources the entry synthetic_la_batch of workflow/resources.yaml.
for _batch, _las in SYNTHETIC_BATCHES.items():

    rule:
        name:
            f"synthetic_la_batch_{_batch}"
        input:
            unpack(synthetic_panel_input),
            reference=rules.lsoa_reference.output.reference,
            population=rules.lsoa_reference.output.population,
            published=SYNTHETIC_LCA_PUBLISHED,
            calibrated=rules.synthetic_calibration.output.parameters,
            script=script_path("synthetic_la_batch.py"),
            code=package_code("synthetic_la_batch.py"),
        output:
            **batch_outputs({la: synthetic_la_outputs(la, SYNTHETIC_YEARS) for la in _las}),
        log:
            f"logs/synthetic/synthetic_la_batch_{_batch}.log",
        benchmark:
            f"results/benchmarks/synthetic_la_batch/{_batch}.tsv"
        conda:
            env_file("synthetic")
        resources:
            mem_mb=resource_mb("synthetic_la_batch"),
            runtime=resource_minutes("synthetic_la_batch"),
        params:
            synthetic=config["synthetic"],
            members=[
                {
                    "la_code": la,
                    "lea_code": SYNTHETIC_LEA_CODES[la],
                    **synthetic_la_outputs(la, SYNTHETIC_YEARS),
                    "files": [
                        f
                        for name in ("cin_census", "ssda903", "child_lsoa")
                        for f in batch_outputs({la: synthetic_la_outputs(la, SYNTHETIC_YEARS)})[name]
                    ],
                }
                for la in _las
            ],
            key_file=config["extracts"]["key_file"],
            # every member's files lie in <extracts_dir>/<la_code>/
            extracts_dir=lambda wildcards, output: os.path.dirname(os.path.dirname(output.ssda903[0])),
            published_dir=lambda wildcards, input: os.path.dirname(input.published),
            resources_rule="synthetic_la_batch",
        script:
            "../scripts/synthetic_la_batch.py"


rule synthetic_truth:
    input:
        episodes=expand(rules.synthetic_la.output.episodes, la_code=config["synthetic"]["las"]),
        expected=expand(rules.synthetic_la.output.expected, la_code=config["synthetic"]["las"]),
        summaries=expand(rules.synthetic_la.output.summary, la_code=config["synthetic"]["las"]),
        reference=rules.lsoa_reference.output.reference,
        panel=rules.national_panel.output.panel,
        published=SYNTHETIC_LCA_PUBLISHED,
        calibrated=rules.synthetic_calibration.output.parameters,
        script=script_path("synthetic_truth.py"),
        code=package_code("synthetic_truth.py"),
    output:
        manifest="local/synthetic/extracts/manifest.json",
        truth_local="local/synthetic/truth.yaml",
        truth="results/synthetic/truth.yaml",
        episodes="results/record_level/generator_episodes.parquet",
        expected="results/synthetic/expected_counts.parquet",
        totals_vs_panel="results/synthetic/totals_vs_panel.csv",
        provenance="results/synthetic/provenance/synthetic_truth.json",
    log:
        "logs/synthetic/synthetic_truth.log",
    benchmark:
        "results/benchmarks/synthetic_truth/synthetic_truth.tsv"
    conda:
        env_file("synthetic")
    resources:
        mem_mb=resource_mb("synthetic_truth"),
        runtime=resource_minutes("synthetic_truth"),
    params:
        synthetic=config["synthetic"],
        published_dir=lambda wildcards, input: os.path.dirname(input.published),
    script:
        "../scripts/synthetic_truth.py"


# The calibration table: each target's published value, its truth (the R refits on the expected
# counts: gradient_truth, and the score model here) and the estimate from the generated data.
rule synthetic_calibration_table:
    input:
        calibrated=rules.synthetic_calibration.output.parameters,
        truth=rules.synthetic_truth.output.truth,
        episodes=rules.synthetic_truth.output.episodes,
        expected=rules.synthetic_truth.output.expected,
        lsoa_reference=rules.lsoa_reference.output.reference,
        # the gradient strand's rules are defined later (workflow/rules/gradient.smk): looked up when the DAG is built
        truth_effects=lambda wildcards: rules.gradient_truth.output.effects,
        effects=lambda wildcards: rules.gradient_gather.output.effects,
        scores=lambda wildcards: rules.gradient_scores.output.scores,
        published=SYNTHETIC_LCA_PUBLISHED,
        script=script_path("synthetic_calibration_table.py"),
        code=package_code("synthetic_calibration_table.py"),
    output:
        calibration="results/synthetic/calibration.csv",
    log:
        "logs/synthetic/synthetic_calibration_table.log",
    benchmark:
        "results/benchmarks/synthetic_calibration_table/synthetic_calibration_table.tsv"
    conda:
        env_file("synthetic")
    resources:
        mem_mb=resource_mb("synthetic_calibration_table"),
        runtime=resource_minutes("synthetic_calibration_table"),
    params:
        published_dir=lambda wildcards, input: os.path.dirname(input.published),
        la_shift_points=config["gradient"]["scores"]["la_shift_points"],
    script:
        "../scripts/synthetic_calibration_table.py"


REPORT_SECTIONS["synthetic_truth"] = {
    "order": 5,
    "title": "The synthetic data and their truth",
    "inputs": {
        "truth": rules.synthetic_truth.output.truth,
        "expected": rules.synthetic_truth.output.expected,
        "calibration": rules.synthetic_calibration_table.output.calibration,
        "calibrated": rules.synthetic_calibration.output.parameters,
        "totals_vs_panel": rules.synthetic_truth.output.totals_vs_panel,
        "extracts_provenance": rules.synthetic_truth.output.provenance,
    },
}

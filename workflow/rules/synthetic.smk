# LSOA reference tables and the synthetic data generator (the default child-level data).
# The generator writes exactly the files a collaborator supplies (local/synthetic/extracts/),
# plus its truth; nothing downstream knows the data are synthetic.

SYNTHETIC_YEARS = list(range(config["synthetic"]["first_year"], config["synthetic"]["last_year"] + 1))
SYNTHETIC_EXTRACT_FILES = {
    la: {
        "cin_census": {year: f"local/synthetic/extracts/{la}/cin_census_{year}.xml" for year in SYNTHETIC_YEARS},
        "ssda903": f"local/synthetic/extracts/{la}/ssda903_episodes.csv",
        "child_lsoa": f"local/synthetic/extracts/{la}/child_lsoa.csv",
    }
    for la in config["synthetic"]["las"]
}


rule lsoa_reference:
    input:
        manifest=f"{config['lsoa']['resource_dir']}/manifest.sha256",
        script=script_path("lsoa_reference.py"),
    output:
        reference="results/lsoa/lsoa_reference.parquet",
        population="results/lsoa/lsoa_population.parquet",
        provenance="results/lsoa/provenance/lsoa_reference.json",
    params:
        resource_dir=lambda wildcards, input: os.path.dirname(input.manifest),
    log:
        "logs/lsoa/lsoa_reference.log",
    benchmark:
        "results/benchmarks/lsoa_reference/lsoa_reference.tsv"
    conda:
        env_file("synthetic")
    script:
        "../scripts/lsoa_reference.py"


rule synthetic_extracts:
    input:
        reference="results/lsoa/lsoa_reference.parquet",
        population="results/lsoa/lsoa_population.parquet",
        published="resources/lca/published/manifest.sha256",
        script=script_path("synthetic_extracts.py"),
    output:
        extracts=[f for la in SYNTHETIC_EXTRACT_FILES.values() for f in [*la["cin_census"].values(), la["ssda903"], la["child_lsoa"]]],
        manifest="local/synthetic/extracts/manifest.json",
        truth_local="local/synthetic/truth.yaml",
        truth="results/synthetic/truth.yaml",
        episodes="results/record_level/generator_episodes.parquet",
        expected="results/synthetic/expected_counts.parquet",
        calibration="results/synthetic/calibration.csv",
        provenance="results/synthetic/provenance/synthetic_extracts.json",
    params:
        synthetic=config["synthetic"],
        key_file=config["extracts"]["key_file"],
        extracts_dir=lambda wildcards, output: os.path.dirname(output.manifest),
        published_dir=lambda wildcards, input: os.path.dirname(input.published),
    log:
        "logs/synthetic/synthetic_extracts.log",
    benchmark:
        "results/benchmarks/synthetic_extracts/synthetic_extracts.tsv"
    conda:
        env_file("synthetic")
    script:
        "../scripts/synthetic_extracts.py"


REPORT_SECTIONS["synthetic_truth"] = {
    "order": 5,
    "title": "The synthetic data and their truth",
    "inputs": {
        "truth": "results/synthetic/truth.yaml",
        "expected": "results/synthetic/expected_counts.parquet",
        "calibration": "results/synthetic/calibration.csv",
        "extracts_provenance": "results/synthetic/provenance/synthetic_extracts.json",
    },
}

# Child-level data layer: per LA, read + validate + pseudonymise the extracts and build episodes
# (record-level, results/record_level/ only); then merge the LAs, publish disclosure-controlled
# counts, and finally check every shared output for raw child identifiers and birth dates.
# Which files: extracts.source "synthetic" (the generator's files under
# local/synthetic/extracts/<la_code>/) or "extracts" (the blocks of extracts.las).
import os

from csc_inequalities.childlevel.extracts import (
    LA_NUMBERS_FILE,
    check_configured_files,
    la_numbers,
    rule_inputs,
    rule_params,
    workflow_la_files,
)

# An LA's own files must exist before anything runs: a typo must not leave an earlier run's
# episodes in place (the generator's files are made by the workflow itself).
if config["extracts"]["source"] == "extracts":
    check_configured_files(config["extracts"])
# The generator's rule file (included before this one) may name the files it writes as
# SYNTHETIC_EXTRACT_FILES = {la_code: {"cin_census": {year: path}, "ssda903": path, "child_lsoa": path}}.
CHILDLEVEL_LAS = workflow_la_files(config, globals().get("SYNTHETIC_EXTRACT_FILES"))
LA_NUMBERS = la_numbers(LA_NUMBERS_FILE)
VALIDATION_DIR = config["validation"]["report_dir"]


rule childlevel_la_episodes:
    input:
        unpack(lambda wildcards: rule_inputs(CHILDLEVEL_LAS[wildcards.la_code])),
        lsoa_reference="results/lsoa/lsoa_reference.parquet",
        script=script_path("childlevel_la_episodes.py"),
        code=package_code("childlevel_la_episodes.py"),
    output:
        episodes="results/record_level/la/{la_code}.parquet",
        counts="results/childlevel/validation/{la_code}.csv",
        findings=os.path.join(VALIDATION_DIR, "{la_code}_findings.csv"),
        identifiers=os.path.join(VALIDATION_DIR, "{la_code}_identifiers.json"),
        provenance="results/childlevel/provenance/childlevel_la_episodes_{la_code}.json",
        # aggregates for the report about an LA (la_report.smk): DfE's seven measures per year, findings per return
        yearly_counts="results/childlevel/yearly_counts/{la_code}.csv",
        quality="results/childlevel/quality/{la_code}.csv",
    wildcard_constraints:
        la_code=r"E(06|08|09|10)\d{6}",
    params:
        la_code=lambda wildcards: wildcards.la_code,
        files=lambda wildcards: rule_params(CHILDLEVEL_LAS[wildcards.la_code]),
        policy={**config["validation"]["policy"], **config["validation"]["dfe_policy"]},
        dfe_rules=config["validation"]["dfe_rules"],
        la_number=lambda wildcards: LA_NUMBERS.get(wildcards.la_code),
        max_outside_share=config["validation"]["max_share_lsoa_outside_la"],
        key_file=config["extracts"]["key_file"],
        last_year=lambda wildcards: max(CHILDLEVEL_LAS[wildcards.la_code].cin_census),
        min_cell=config["disclosure"]["min_cell"],
    resources:
        mem_mb=resource_mb("childlevel_la_episodes"),
        runtime=resource_minutes("childlevel_la_episodes"),
    log:
        "logs/childlevel/childlevel_la_episodes_{la_code}.log",
    benchmark:
        "results/benchmarks/childlevel_la_episodes/{la_code}.tsv"
    conda:
        env_file("childlevel")
    script:
        "../scripts/childlevel_la_episodes.py"


rule childlevel_episodes:
    input:
        episodes=expand("results/record_level/la/{la_code}.parquet", la_code=sorted(CHILDLEVEL_LAS)),
        counts=expand("results/childlevel/validation/{la_code}.csv", la_code=sorted(CHILDLEVEL_LAS)),
        script=script_path("childlevel_episodes.py"),
        code=package_code("childlevel_episodes.py"),
    output:
        episodes="results/record_level/episodes.parquet",
        validation_counts="results/childlevel/validation_counts.csv",
        episode_counts="results/childlevel/episodes_by_la_year.csv",
        summary="results/childlevel/summary.json",
        provenance="results/childlevel/provenance/childlevel_episodes.json",
    params:
        min_cell=config["disclosure"]["min_cell"],
        suppress_zeros=config["disclosure"]["suppress_zeros"],
        secondary=config["disclosure"]["secondary"],
        source=config["extracts"]["source"],
    resources:
        mem_mb=resource_mb("childlevel_episodes"),
        runtime=resource_minutes("childlevel_episodes"),
    log:
        "logs/childlevel/childlevel_episodes.log",
    benchmark:
        "results/benchmarks/childlevel_episodes/childlevel_episodes.tsv"
    conda:
        env_file("childlevel")
    script:
        "../scripts/childlevel_episodes.py"


rule privacy_check:
    input:
        report="report/report.html",
        episodes="results/record_level/episodes.parquet",
        identifiers=expand(os.path.join(VALIDATION_DIR, "{la_code}_identifiers.json"), la_code=sorted(CHILDLEVEL_LAS)),
        script=script_path("privacy_check.py"),
        code=package_code("privacy_check.py"),
    output:
        check="results/privacy/identifier_check.json",
        provenance="results/privacy/provenance/privacy_check.json",
    params:
        # results/ and report/, less the record-level folder and this rule's own outputs
        results_dir=lambda wildcards, output: os.path.dirname(os.path.dirname(output.check)),
        report_dir=lambda wildcards, input: os.path.dirname(input.report),
        exclude=lambda wildcards, input, output: [os.path.dirname(input.episodes), os.path.dirname(output.check)],
        details=os.path.join(VALIDATION_DIR, "privacy_check_details.json"),
        min_identifier_length=config["disclosure"]["identifier_min_length"],
        birth_date_threshold=config["disclosure"]["birth_date_threshold"],
    resources:
        mem_mb=resource_mb("privacy_check"),
        runtime=resource_minutes("privacy_check"),
    log:
        "logs/childlevel/privacy_check.log",
    benchmark:
        "results/benchmarks/privacy_check/privacy_check.tsv"
    conda:
        env_file("childlevel")
    script:
        "../scripts/privacy_check.py"


rule childlevel_roundtrip:
    input:
        episodes="results/record_level/episodes.parquet",
        generator="results/record_level/generator_episodes.parquet",
        script=script_path("childlevel_roundtrip.py"),
        code=package_code("childlevel_roundtrip.py"),
    output:
        json="results/childlevel/roundtrip.json",
        provenance="results/childlevel/provenance/childlevel_roundtrip.json",
    resources:
        mem_mb=resource_mb("childlevel_roundtrip"),
        runtime=resource_minutes("childlevel_roundtrip"),
    log:
        "logs/childlevel/childlevel_roundtrip.log",
    benchmark:
        "results/benchmarks/childlevel_roundtrip/childlevel_roundtrip.tsv"
    conda:
        env_file("childlevel")
    script:
        "../scripts/childlevel_roundtrip.py"


REPORT_SECTIONS["childlevel_data"] = {
    "order": 35,
    "title": "Child-level data: validation and episodes",
    "inputs": {
        "validation_counts": "results/childlevel/validation_counts.csv",
        "episode_counts": "results/childlevel/episodes_by_la_year.csv",
        "summary": "results/childlevel/summary.json",
        "episodes_provenance": "results/childlevel/provenance/childlevel_episodes.json",
    }
    # synthetic runs also show the round trip: generator files -> readers -> episodes vs its table
    | ({"roundtrip": "results/childlevel/roundtrip.json"} if config["extracts"]["source"] == "synthetic" else {}),
}

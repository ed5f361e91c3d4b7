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
from csc_inequalities.la_batches import batch_outputs, childlevel_la_outputs, la_batches

# An LA's own files must exist before anything runs: a typo must not leave an earlier run's
# episodes in place (the generator's files are made by the workflow itself).
if config["extracts"]["source"] == "extracts":
    check_configured_files(config["extracts"])
# The generator's rule file (included before this one) may name the files it writes as
# SYNTHETIC_EXTRACT_FILES = {la_code: {"cin_census": {year: path}, "ssda903": path, "child_lsoa": path}}.
CHILDLEVEL_LAS = workflow_la_files(config, globals().get("SYNTHETIC_EXTRACT_FILES"))
LA_NUMBERS = la_numbers(LA_NUMBERS_FILE)
VALIDATION_DIR = config["validation"]["report_dir"]


CHILDLEVEL_BATCHES = (
    la_batches(list(CHILDLEVEL_LAS), config["extracts"]["las_per_job"]) if config["extracts"]["las_per_job"] > 1 else {}
)


# One job per LA (extracts.las_per_job: 1, the default); with extracts.las_per_job > 1 (the
# national run) the batched rules below replace it.
rule childlevel_la_episodes:
    input:
        unpack(lambda wildcards: rule_inputs(CHILDLEVEL_LAS[wildcards.la_code])),
        lsoa_reference=rules.lsoa_reference.output.reference,
        script=script_path("childlevel_la_episodes.py"),
        code=package_code("childlevel_la_episodes.py"),
    output:
        # episodes (record level), counts, findings, identifiers, provenance, and the aggregates for the
        # report about an LA (la_report.smk: yearly_counts, DfE's seven measures per year; quality,
        # findings per return): the files of one LA, named once in csc_inequalities.la_batches (its
        # batch rule writes the same)
        **childlevel_la_outputs("{la_code}", VALIDATION_DIR),
    log:
        "logs/childlevel/childlevel_la_episodes_{la_code}.log",
    benchmark:
        "results/benchmarks/childlevel_la_episodes/{la_code}.tsv"
    wildcard_constraints:
        # no per-LA job when batched: every LA's files come from its batch rule
        la_code=r"E(06|08|09|10)\d{6}" if not CHILDLEVEL_BATCHES else r"(?!)",
    conda:
        env_file("childlevel")
    resources:
        mem_mb=resource_mb("childlevel_la_episodes"),
        runtime=resource_minutes("childlevel_la_episodes"),
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
    script:
        "../scripts/childlevel_la_episodes.py"


# extracts.las_per_job > 1: one job per batch of LAs (csc_inequalities.la_batches), each LA read,
# validated and written exactly as childlevel_la_episodes does it, with its own provenance record.
# A failing LA fails its batch after the batch's other LAs have been read (each failure's findings
# go beside the outputs, as for one LA). Benchmarks share the folder childlevel_la_episodes_batch,
# resources the entry childlevel_la_episodes_batch of workflow/resources.yaml.
for _batch, _las in CHILDLEVEL_BATCHES.items():

    rule:
        name:
            f"childlevel_la_episodes_batch_{_batch}"
        input:
            **{f"{la}__{name}": path for la in _las for name, path in rule_inputs(CHILDLEVEL_LAS[la]).items()},
            lsoa_reference=rules.lsoa_reference.output.reference,
            script=script_path("childlevel_la_episodes_batch.py"),
            code=package_code("childlevel_la_episodes_batch.py"),
        output:
            **batch_outputs({la: childlevel_la_outputs(la, VALIDATION_DIR) for la in _las}),
        log:
            f"logs/childlevel/childlevel_la_episodes_batch_{_batch}.log",
        benchmark:
            f"results/benchmarks/childlevel_la_episodes_batch/{_batch}.tsv"
        conda:
            env_file("childlevel")
        resources:
            mem_mb=resource_mb("childlevel_la_episodes_batch"),
            runtime=resource_minutes("childlevel_la_episodes_batch"),
        params:
            members=[
                {
                    "la_code": la,
                    "files": rule_params(CHILDLEVEL_LAS[la]),
                    "la_number": LA_NUMBERS.get(la),
                    "last_year": max(CHILDLEVEL_LAS[la].cin_census),
                    "inputs": rule_inputs(CHILDLEVEL_LAS[la]),
                    **childlevel_la_outputs(la, VALIDATION_DIR),
                }
                for la in _las
            ],
            policy={
                **config["validation"]["policy"],
                **config["validation"]["dfe_policy"],
            },
            dfe_rules=config["validation"]["dfe_rules"],
            max_outside_share=config["validation"]["max_share_lsoa_outside_la"],
            key_file=config["extracts"]["key_file"],
            min_cell=config["disclosure"]["min_cell"],
            resources_rule="childlevel_la_episodes_batch",
        script:
            "../scripts/childlevel_la_episodes_batch.py"


rule childlevel_episodes:
    input:
        episodes=expand(rules.childlevel_la_episodes.output.episodes, la_code=sorted(CHILDLEVEL_LAS)),
        counts=expand(rules.childlevel_la_episodes.output.counts, la_code=sorted(CHILDLEVEL_LAS)),
        script=script_path("childlevel_episodes.py"),
        code=package_code("childlevel_episodes.py"),
    output:
        episodes="results/record_level/episodes.parquet",
        validation_counts="results/childlevel/validation_counts.csv",
        episode_counts="results/childlevel/episodes_by_la_year.csv",
        summary="results/childlevel/summary.json",
        provenance="results/childlevel/provenance/childlevel_episodes.json",
    log:
        "logs/childlevel/childlevel_episodes.log",
    benchmark:
        "results/benchmarks/childlevel_episodes/childlevel_episodes.tsv"
    conda:
        env_file("childlevel")
    resources:
        mem_mb=resource_mb("childlevel_episodes"),
        runtime=resource_minutes("childlevel_episodes"),
    params:
        min_cell=config["disclosure"]["min_cell"],
        suppress_zeros=config["disclosure"]["suppress_zeros"],
        secondary=config["disclosure"]["secondary"],
        source=config["extracts"]["source"],
    script:
        "../scripts/childlevel_episodes.py"


rule privacy_check:
    input:
        # the report rule is defined later (workflow/rules/report.smk): looked up when the DAG is built
        report=lambda wildcards: rules.report.output.html,
        episodes=rules.childlevel_episodes.output.episodes,
        identifiers=expand(rules.childlevel_la_episodes.output.identifiers, la_code=sorted(CHILDLEVEL_LAS)),
        script=script_path("privacy_check.py"),
        code=package_code("privacy_check.py"),
    output:
        check="results/privacy/identifier_check.json",
        provenance="results/privacy/provenance/privacy_check.json",
    log:
        "logs/childlevel/privacy_check.log",
    benchmark:
        "results/benchmarks/privacy_check/privacy_check.tsv"
    conda:
        env_file("childlevel")
    resources:
        mem_mb=resource_mb("privacy_check"),
        runtime=resource_minutes("privacy_check"),
    params:
        # results/ and report/, less the record-level folder and this rule's own outputs
        results_dir=lambda wildcards, output: os.path.dirname(os.path.dirname(output.check)),
        report_dir=lambda wildcards, input: os.path.dirname(input.report),
        exclude=lambda wildcards, input, output: [
            os.path.dirname(input.episodes),
            os.path.dirname(output.check),
        ],
        details=os.path.join(VALIDATION_DIR, "privacy_check_details.json"),
        min_identifier_length=config["disclosure"]["identifier_min_length"],
        birth_date_threshold=config["disclosure"]["birth_date_threshold"],
    script:
        "../scripts/privacy_check.py"


rule childlevel_roundtrip:
    input:
        episodes=rules.childlevel_episodes.output.episodes,
        generator=rules.synthetic_truth.output.episodes,
        script=script_path("childlevel_roundtrip.py"),
        code=package_code("childlevel_roundtrip.py"),
    output:
        json="results/childlevel/roundtrip.json",
        provenance="results/childlevel/provenance/childlevel_roundtrip.json",
    log:
        "logs/childlevel/childlevel_roundtrip.log",
    benchmark:
        "results/benchmarks/childlevel_roundtrip/childlevel_roundtrip.tsv"
    conda:
        env_file("childlevel")
    resources:
        mem_mb=resource_mb("childlevel_roundtrip"),
        runtime=resource_minutes("childlevel_roundtrip"),
    script:
        "../scripts/childlevel_roundtrip.py"


REPORT_SECTIONS["childlevel_data"] = {
    "order": 35,
    "title": "Child-level data: validation and episodes",
    "inputs": {
        "validation_counts": rules.childlevel_episodes.output.validation_counts,
        "episode_counts": rules.childlevel_episodes.output.episode_counts,
        "summary": rules.childlevel_episodes.output.summary,
        "episodes_provenance": rules.childlevel_episodes.output.provenance,
    }
    # synthetic runs also show the round trip: generator files -> readers -> episodes vs its table
    | ({"roundtrip": rules.childlevel_roundtrip.output.json} if config["extracts"]["source"] == "synthetic" else {}),
}

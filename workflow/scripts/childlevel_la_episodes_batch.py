"""Thin adapter: read, validate and pseudonymise a batch of LAs (rules
childlevel_la_episodes_batch_<nn>), each LA's outputs and provenance record exactly as the
per-LA rule childlevel_la_episodes writes them."""

from csc_inequalities.childlevel.batch import read_batch
from csc_inequalities.workflow_io import provenance_record, script_context, write_member_provenance

# One provenance record per LA (script_context writes none for the batch).
with script_context(snakemake, provenance_output=None) as log:
    params = snakemake.params
    shared = {
        "lsoa_reference": snakemake.input.lsoa_reference,
        "script": snakemake.input.script,
        "code": snakemake.input.code,
    }
    hashes = {}
    for member, seconds in read_batch(
        params.members,
        snakemake.input.lsoa_reference,
        params.key_file,
        params.policy,
        params.max_outside_share,
        params.dfe_rules,
        log=log,
        min_cell=params.min_cell,
    ):
        record = provenance_record(
            rule=snakemake.rule,
            script=str(snakemake.input.script),
            inputs={**member["inputs"], **shared},
            params={
                "la_code": member["la_code"],
                "files": member["files"],
                "policy": params.policy,
                "dfe_rules": params.dfe_rules,
                "la_number": member["la_number"],
                "max_outside_share": params.max_outside_share,
                "key_file": params.key_file,
                "last_year": member["last_year"],
                "min_cell": params.min_cell,
                "batch_size": len(params.members),
            },
            outputs={
                k: member[k] for k in ("episodes", "counts", "findings", "identifiers", "yearly_counts", "quality")
            },
            seconds=seconds,
            hashes=hashes,
        )
        write_member_provenance(record, member["provenance"], params.resources_rule)
    log.info("%d LAs read", len(params.members))

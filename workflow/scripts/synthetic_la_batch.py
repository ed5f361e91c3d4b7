"""Thin adapter: generate a batch of LAs (rules synthetic_la_batch_<nn>), each LA's files and
provenance record exactly as the per-LA rule synthetic_la writes them."""

from csc_inequalities.national.sources import verify_manifest
from csc_inequalities.synthetic.batch import generate_batch
from csc_inequalities.workflow_io import provenance_record, script_context, write_member_provenance

# One provenance record per LA (script_context writes none for the batch).
with script_context(snakemake, provenance_output=None) as log:
    verify_manifest(snakemake.input.published)
    params = snakemake.params
    inputs = {k: v for k, v in snakemake.input.items()}
    hashes = {}
    for member, seconds in generate_batch(
        params.members,
        params.synthetic,
        snakemake.input.reference,
        snakemake.input.population,
        params.published_dir,
        params.extracts_dir,
        params.key_file,
        snakemake.input.calibrated,
        snakemake.input.get("panel"),
    ):
        record = provenance_record(
            rule=snakemake.rule,
            script=str(snakemake.input.script),
            inputs=inputs,
            params={
                "synthetic": params.synthetic,
                "la_code": member["la_code"],
                "lea_code": member["lea_code"],
                "key_file": params.key_file,
                "extracts_dir": params.extracts_dir,
                "published_dir": params.published_dir,
                "batch_size": len(params.members),
            },
            outputs={k: member[k] for k in ("files", "episodes", "expected", "summary")},
            seconds=seconds,
            hashes=hashes,
        )
        write_member_provenance(record, member["provenance"], params.resources_rule)
    log.info("%d LAs generated", len(params.members))

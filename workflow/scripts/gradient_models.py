"""A batch of social gradient models in one R session (rules gradient_models_<threshold> and
gradient_truth_models_<threshold>): each model written to its own result file with its own
provenance record. One model alone: python -m csc_inequalities.gradient.batch (docs/gradient.md)."""

import json
from pathlib import Path

from csc_inequalities.gradient.batch import fit_models, write_result
from csc_inequalities.workflow_io import provenance_record, script_context

# The batch writes one provenance record per model (script_context writes none for the batch).
with script_context(snakemake, provenance_output=None) as log:
    params = snakemake.params
    inputs = {k: v for k, v in snakemake.input.items()}
    hashes = {}
    for model, result, seconds in fit_models(
        params.kind, params.models, inputs, engine=params.engine, family=params.family, dispersion=params.dispersion
    ):
        write_result(result, model["output"])
        record = provenance_record(
            rule=snakemake.rule,
            script=str(snakemake.input.script),
            inputs=inputs,
            params={
                "kind": params.kind,
                "engine": params.engine,
                "family": params.family,
                "dispersion": params.dispersion,
                **{k: model[k] for k in ("threshold", "stratum", "level")},
                "batch_size": len(params.models),
            },
            outputs={"model": model["output"]},
            seconds=seconds,
            hashes=hashes,
        )
        record["resources_rule"] = params.resources_rule  # its key in workflow/resources.yaml
        Path(model["provenance"]).parent.mkdir(parents=True, exist_ok=True)
        Path(model["provenance"]).write_text(json.dumps(record, indent=2, sort_keys=True))
    log.info("%d models of %s", len(params.models), params.kind)

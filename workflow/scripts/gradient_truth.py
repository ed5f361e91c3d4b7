"""Gather the per-model truth fits into one effects table, beside the generating parameters."""

import json

import yaml

from csc_inequalities.gradient.models import effects_frame
from csc_inequalities.gradient.truth import generating_parameters
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    results = [json.load(open(path)) for path in snakemake.input.models]
    effects_frame(results).to_csv(snakemake.output.effects, index=False)
    generating_parameters(yaml.safe_load(open(snakemake.input.truth))).to_csv(snakemake.output.generating, index=False)
    log.info("truth fitted for %d of %d models", sum(bool(r["effects"]) for r in results), len(results))

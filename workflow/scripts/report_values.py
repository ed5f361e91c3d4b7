"""Thin adapter: the headline numbers of this run, each with the result file and key it came from."""

import json

from csc_inequalities.report.values import collect_values
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    inputs = {name: path for name, path in snakemake.input.items() if name not in ("script", "code")}
    values = collect_values(inputs)
    with open(snakemake.output.values, "w") as handle:
        json.dump(values, handle, indent=1, sort_keys=True)
    log.info("%d values from %d result files", len(values), len(set(inputs.values())))

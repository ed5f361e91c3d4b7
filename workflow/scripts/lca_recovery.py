"""Synthetic runs: recovered item-response probabilities and class shares against the truth."""

import json

import pandas as pd
import yaml

from csc_inequalities.lca import model as lcm
from csc_inequalities.lca.plots import recovery_plot
from csc_inequalities.lca.recovery import recovery_against_truth
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    truth = yaml.safe_load(open(snakemake.input.truth))["lca"]
    data = json.loads(open(snakemake.input.model).read())
    summary, items, shares = recovery_against_truth(
        lcm.from_dict(data),
        [int(k) for k in data["class_ids"]],
        truth,
        pd.read_csv(snakemake.input.table11),
        dict(snakemake.params.thresholds),
    )
    items.to_csv(snakemake.output.item_errors, index=False)
    shares.to_csv(snakemake.output.shares, index=False)
    recovery_plot(items, shares[shares["estimate"] == "model"], snakemake.output.figure)
    with open(snakemake.output.summary, "w") as handle:
        json.dump(summary, handle, indent=2)
    log.info("recovery: %s", {k: v for k, v in summary.items() if not isinstance(v, (list, dict))})

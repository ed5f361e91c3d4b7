"""Posterior class probabilities and modal class for every episode (record level)."""

import json

import pandas as pd

from csc_inequalities import disclosure
from csc_inequalities.lca import model as lcm
from csc_inequalities.lca.analysis import assign_episodes
from csc_inequalities.lca.items import lca_population
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    data = json.loads(open(snakemake.input.model).read())
    fit = lcm.from_dict(data)
    class_ids = [int(k) for k in data["class_ids"]]
    names = {int(k): v for k, v in data["class_names"].items()}
    episodes = pd.read_parquet(snakemake.input.episodes)
    eligible = lca_population(
        episodes,
        snakemake.params.assessed_only,
        snakemake.params.require_any_factor,
        fit.items,
        completed_only=snakemake.params.completed_only,
    )
    classes = assign_episodes(fit, class_ids, names, episodes, eligible)
    classes.to_parquet(snakemake.output.classes, index=False)
    summary = (
        classes.assign(class_id=classes["class_id"].astype("Float64"))
        .groupby(["la_code", "class_id"], dropna=False)
        .size()
        .rename("n_episodes")
        .reset_index()
    )
    summary["class_name"] = summary["class_id"].map(lambda c: names.get(int(c)) if pd.notna(c) else "not assigned")
    summary = disclosure.suppress_long(
        summary, "n_episodes", ["class_name"], "la_code", min_cell=snakemake.params.min_cell
    )
    summary.to_csv(snakemake.output.summary, index=False)
    log.info("%d episodes, %d assigned to a class", len(classes), int(classes["class_id"].notna().sum()))

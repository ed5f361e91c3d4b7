"""Configural vs invariant models (Table 3 analogue) on the estimation sample."""

import json

import pandas as pd

from csc_inequalities.lca import model as lcm
from csc_inequalities.lca.analysis import invariance_test, with_published_fit
from csc_inequalities.lca.io import estimation_data
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    X, groups, codes = estimation_data(
        snakemake.input.episodes, snakemake.input.item_table, snakemake.input.samples, sample=1
    )
    table, fits = invariance_test(
        X,
        groups,
        list(snakemake.params.classes),
        lcm.FitSettings(**snakemake.params.fit),
        codes,
        configural=snakemake.params.configural,
    )
    table = with_published_fit(table, pd.read_csv(snakemake.input.published_fit))
    table.to_csv(snakemake.output.fit_table, index=False)
    with open(snakemake.output.models, "w") as handle:
        json.dump({f"{kind}_{k}": lcm.to_dict(fit) for (kind, k), fit in fits.items()}, handle)
    chosen = table.loc[table["chosen_by_bic"]].iloc[0]
    log.info("BIC chooses the %s model with %d classes", chosen["model"], chosen["classes"])

"""Which factors at assessment enter the LCA: items used and dropped, with counts and reasons."""

import pandas as pd

from csc_inequalities.lca.items import lca_population, select_items
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    episodes = pd.read_parquet(snakemake.input.episodes)
    population = episodes[
        lca_population(episodes, snakemake.params.assessed_only, False, completed_only=snakemake.params.completed_only)
    ]
    table = select_items(population, dict(snakemake.params.excluded), snakemake.params.min_count)
    # Counts are over all LCA episodes; a small non-zero count could point at few children.
    small = (table["count"] < snakemake.params.min_cell) & (table["count"] > 0)
    table["count"] = table["count"].where(~small)
    table.loc[small, "reason"] = table.loc[small, "reason"].str.replace(r"count \d+ <", "count <", regex=True)
    table.to_csv(snakemake.output.item_table, index=False)
    log.info("%d of %d factors used", int(table["used"].sum()), len(table))

"""Balanced seeded sample per LA and an independent second sample (record level)."""

import pandas as pd

from csc_inequalities.lca.items import lca_population
from csc_inequalities.lca.sampling import draw_samples, sample_sizes
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    episodes = pd.read_parquet(snakemake.input.episodes)
    items = pd.read_csv(snakemake.input.item_table, dtype={"factor_code": str})
    codes = items.loc[items["used"], "factor_code"].tolist()
    eligible = episodes[
        lca_population(
            episodes,
            snakemake.params.assessed_only,
            snakemake.params.require_any_factor,
            codes,
            completed_only=snakemake.params.completed_only,
        )
    ]
    samples = draw_samples(eligible, snakemake.params.n_per_la, snakemake.params.seed)
    samples.to_parquet(snakemake.output.samples, index=False)
    sample_sizes(samples).to_csv(snakemake.output.sizes, index=False)
    log.info("samples drawn from %d eligible episodes: %s", len(eligible), samples["sample"].value_counts().to_dict())

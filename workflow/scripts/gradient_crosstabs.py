"""Per-LA odds ratios by child characteristic (Tables 7-10 analogues) with disclosure control."""

import pandas as pd

from csc_inequalities.gradient.crosstabs import crosstab_odds_ratios, published_beside, significance_summary
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    episodes = pd.read_parquet(snakemake.input.episodes)
    ors = crosstab_odds_ratios(episodes, snakemake.params.min_cell, snakemake.params.broad_age_edges)
    log.info(
        "%d odds ratios, %d withheld (a cell below %d)",
        len(ors),
        int(ors["suppressed"].sum()),
        snakemake.params.min_cell,
    )
    ors.to_csv(snakemake.output.odds_ratios, index=False)
    summary = significance_summary(ors)
    summary.to_csv(snakemake.output.summary, index=False)
    published = pd.concat([pd.read_csv(p) for p in snakemake.input.published], ignore_index=True)
    published_beside(summary, published).to_csv(snakemake.output.published, index=False)

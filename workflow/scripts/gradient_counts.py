"""Counts of distinct children per LSOA x stratum x threshold, with population x years offset."""

import pandas as pd

from csc_inequalities.gradient.counts import build_count_table, episode_columns
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    strata = {"all": ["all"], **snakemake.params.strata}
    thresholds = {name: (flag or None) for name, flag in snakemake.params.thresholds.items()}
    episodes = pd.read_parquet(snakemake.input.episodes, columns=episode_columns(thresholds, strata))
    classes = (
        pd.read_parquet(snakemake.input.episode_classes, columns=["episode_id", "class_id"])
        if "episode_classes" in snakemake.input.keys()
        else None
    )
    table = build_count_table(
        episodes,
        pd.read_parquet(snakemake.input.lsoa_reference),
        pd.read_parquet(snakemake.input.lsoa_population),
        strata_levels=strata,
        thresholds=thresholds,
        age_edges=snakemake.params.age_group_edges,
        episode_classes=classes,
    )
    log.info(
        "count table: %d rows, %d LSOAs, %d LAs", len(table), table["lsoa11"].nunique(), table["la_code"].nunique()
    )
    table.to_parquet(snakemake.output.counts, index=False)

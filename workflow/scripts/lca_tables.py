"""Tables 11-18 and Figures 13-17 analogues: naive and ML-corrected, disclosure-controlled, with
published values beside."""

import json

import pandas as pd

from csc_inequalities.lca.correction import classified_episodes
from csc_inequalities.lca.plots import class_bar_figure
from csc_inequalities.lca.tables import EPISODE_COLUMNS, build_tables
from csc_inequalities.workflow_io import script_context

FIGURE_TITLES = {
    "figure13_gender": "Gender within each class (Figure 13)",
    "figure14_16_age": "Age group within each class (Figures 14-16)",
    "figure17_ethnicity": "Ethnic group within each class (Figure 17)",
}

with script_context(snakemake) as log:
    data = json.loads(open(snakemake.input.model).read())
    names = {int(k): v for k, v in data["class_names"].items()}
    episodes = pd.read_parquet(snakemake.input.episodes, columns=EPISODE_COLUMNS)
    classes = pd.read_parquet(snakemake.input.classes)
    assigned = classified_episodes(classes, episodes)
    tables = build_tables(assigned, names, snakemake.params.published_dir, snakemake.params.min_cell)
    for name, table in tables.items():
        table.to_csv(snakemake.output[name], index=False)
    for name, title in FIGURE_TITLES.items():
        class_bar_figure(tables[name], title, snakemake.output[f"{name}_png"])
    log.info("%d tables from %d assigned episodes", len(tables), len(assigned))

"""Thin adapter: one correlelogram (network of consistent associations) for one theme."""

import pandas as pd

from csc_inequalities.national.correlelogram import draw_correlelogram, theme_edge_table, theme_graph
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    theme = snakemake.params.theme
    assessment = pd.read_csv(snakemake.input.assessment)
    dictionary = pd.read_csv(snakemake.input.dictionary)
    labels = dict(zip(dictionary["indicator"], dictionary["label"]))
    labels.update(theme.get("labels") or {})
    # Indicators the panel does not (yet) provide are left out and named on the figure, so a
    # theme still draws when a source is missing instead of stopping the workflow.
    correlated = set(assessment["indicator_a"]) | set(assessment["indicator_b"])
    present = [i for i in theme["indicators"] if i in correlated]
    absent = [i for i in theme["indicators"] if i not in correlated]
    if absent:
        log.warning(
            "theme %s: not among the correlated indicators, left out: %s",
            snakemake.wildcards.na_theme,
            ", ".join(absent),
        )
    graph = theme_graph(assessment, present)
    theme_edge_table(graph).to_csv(snakemake.output.edges, index=False)
    draw_correlelogram(
        graph,
        labels,
        theme["title"],
        snakemake.output.figure,
        seed=snakemake.params.seed,
        layout=theme.get("layout", "circular"),
        absent=absent,
    )
    log.info(
        "theme %s: %d nodes, %d edges", snakemake.wildcards.na_theme, graph.number_of_nodes(), graph.number_of_edges()
    )

"""Thin adapter: the consistency rule (METHODS §A.4) over every indicator pair."""

import pandas as pd

from csc_inequalities.national.consistency import consistency_table, consistent_edges
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    p = snakemake.params
    pairwise = pd.read_csv(snakemake.input.pairwise)
    table = consistency_table(pairwise, p.recent_years, p.earlier_years, p.alpha)
    edges = consistent_edges(table)
    table.to_csv(snakemake.output.assessment, index=False)
    edges.to_csv(snakemake.output.edges, index=False)
    log.info("%d of %d pairs consistent (%s)", len(edges), len(table), edges["route"].value_counts().to_dict())

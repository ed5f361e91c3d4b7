"""Table 6 end to end, as the rule national_correlations runs it: the study's unstated choices
applied to the panel, every pairwise correlation, Table 6, its comparison with the published
cells (each cell explained), the row summary and the one-line match summary."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csc_inequalities.national.correlations import (
    correlation_indicators,
    largest_difference_by_row,
    pairwise_correlations,
    published_vs_reproduced,
    table6,
    table6_match_summary,
    without_las,
)
from csc_inequalities.national.panel import population_summary
from csc_inequalities.national.table6_choices import apply_inferred_choices, explain_cells


@dataclass
class Table6Reproduction:
    panel: pd.DataFrame  # after LA exclusions and the inferred choices
    evidence: pd.DataFrame  # every LA-year an inferred choice touched
    pairwise: pd.DataFrame
    table6: pd.DataFrame
    comparison: pd.DataFrame
    rows: pd.DataFrame  # one row per published Table 6 row
    summary: dict


def reproduce_table6(
    panel: pd.DataFrame, dictionary: pd.DataFrame, published: pd.DataFrame, analysis: dict, population: dict | None
) -> Table6Reproduction:
    """``analysis`` is the config section national_analysis, ``population`` national_panel.population."""
    corr_cfg, t6_cfg = analysis["correlations"], analysis["table6"]
    imd = analysis["imd_indicator"]
    panel = without_las(panel, corr_cfg["exclude_las"])
    # Applied before any correlation, so Table 6 and the consistency rule see the same values.
    panel, evidence = apply_inferred_choices(panel, t6_cfg["inferred"])
    indicators = correlation_indicators(
        panel, dictionary, imd, corr_cfg["indicators"], corr_cfg["exclude_kinds"], corr_cfg["exclude_indicators"]
    )
    # The indicators Table 6 uses are correlated whatever the selection says.
    indicators += [i for i in t6_cfg["primary"].values() if i not in indicators and i in panel.columns]
    pairwise = pairwise_correlations(panel, indicators, min_n=corr_cfg["min_n"])
    label_order = list(dict.fromkeys(published["indicator"]))
    t6 = table6(pairwise, dictionary, imd, t6_cfg["years"], label_order, t6_cfg["primary"])
    population_text = population_summary(population, t6_cfg["years"])
    comparison = published_vs_reproduced(
        published,
        pairwise,
        dictionary,
        imd,
        t6_cfg["primary"],
        t6_cfg["tolerance"],
        t6_cfg["row_notes"],
        population_text,
    )
    comparison = explain_cells(comparison, panel, imd, evidence, t6_cfg["tolerance"])
    summary = {**table6_match_summary(comparison), "tolerance": t6_cfg["tolerance"], "population": population_text}
    return Table6Reproduction(panel, evidence, pairwise, t6, comparison, largest_difference_by_row(comparison), summary)

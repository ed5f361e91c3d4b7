"""Thin adapter: Spearman rho/p/N for every indicator pair each year, Table 6 and its comparison."""
import pandas as pd

from csc_inequalities.national.correlations import (
    correlation_indicators,
    largest_difference_by_row,
    pairwise_correlations,
    published_vs_reproduced,
    read_checked_csv,
    table6,
    without_las,
)
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    p = snakemake.params
    panel = without_las(pd.read_parquet(snakemake.input.panel), p.exclude_las)
    log.info("%d LAs after leaving out %s", panel["la_code"].nunique(), ", ".join(p.exclude_las))
    dictionary = pd.read_csv(snakemake.input.dictionary)
    published = read_checked_csv(snakemake.input.published_table6, snakemake.input.published_manifest)
    indicators = correlation_indicators(
        panel, dictionary, p.imd_indicator, p.indicators, p.exclude_kinds, p.exclude_indicators
    )
    log.info("correlating %d indicators", len(indicators))
    pairwise = pairwise_correlations(panel, indicators, min_n=p.min_n)
    pairwise.to_csv(snakemake.output.pairwise, index=False)
    label_order = list(dict.fromkeys(published["indicator"]))
    t6 = table6(pairwise, dictionary, p.imd_indicator, p.table6_years, label_order, p.table6_primary)
    # The published layout exactly; which panel indicator made each row is in the comparison table.
    t6[["indicator", "year", "rho", "p", "n"]].to_csv(snakemake.output.table6, index=False)
    comparison = published_vs_reproduced(
        published, pairwise, dictionary, p.imd_indicator, p.table6_primary,
        p.table6_tolerance, p.table6_row_notes,
    )
    comparison.to_csv(snakemake.output.comparison, index=False)
    worst = largest_difference_by_row(comparison)
    worst.to_csv(snakemake.output.largest_diff, index=False)
    for row in worst.itertuples(index=False):
        log.info("table 6 %s: max |diff| %s (%s), N equal in %s of %s years", row.indicator,
                 row.max_abs_diff, row.year_of_max, row.n_equal_years, row.years_reproduced)

"""Thin adapter: Spearman rho/p/N for every indicator pair each year, Table 6 and its comparison."""

import json

import pandas as pd

from csc_inequalities.national.correlations import read_checked_csv
from csc_inequalities.national.table6_reproduction import reproduce_table6
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    p = snakemake.params
    published = read_checked_csv(snakemake.input.published_table6, snakemake.input.published_manifest)
    result = reproduce_table6(
        pd.read_parquet(snakemake.input.panel),
        pd.read_csv(snakemake.input.dictionary),
        published,
        p.analysis,
        p.population,
    )
    log.info(
        "%d LAs after leaving out %s; inferred choices touched %d LA-years",
        result.panel["la_code"].nunique(),
        ", ".join(p.analysis["correlations"]["exclude_las"]),
        len(result.evidence),
    )
    result.evidence.to_csv(snakemake.output.inferred, index=False)
    result.pairwise.to_csv(snakemake.output.pairwise, index=False)
    # The published layout exactly; which panel indicator made each row is in the comparison table.
    result.table6[["indicator", "year", "rho", "p", "n"]].to_csv(snakemake.output.table6, index=False)
    result.comparison.to_csv(snakemake.output.comparison, index=False)
    result.rows.to_csv(snakemake.output.largest_diff, index=False)
    with open(snakemake.output.summary, "w") as handle:
        json.dump(result.summary, handle, indent=2)
    log.info(
        "table 6: %(cells_matching)d of %(cells_reproducible)d reproducible cells match "
        "(%(cells_published)d published)",
        result.summary,
    )
    for row in result.rows.itertuples(index=False):
        log.info(
            "table 6 %s: max |diff| %s (%s), N equal in %s of %s years",
            row.indicator,
            row.max_abs_diff,
            row.year_of_max,
            row.n_equal_years,
            row.years_reproduced,
        )

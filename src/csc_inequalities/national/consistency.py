"""The study's consistency rule for reporting an association (METHODS §A.4, final report 3.1.2).

An association between two indicators is reported ("consistent") when it is significant
(p < alpha) in all three recent years (2014-15, 2015-16, 2016-17 = 2015, 2016, 2017), or in two of
the three with the same sign *and* significant with that same sign in every earlier year
(2009-10 … 2013-14) in which both indicators exist. For a pair whose series start late, the
earlier years are only those in which both exist; where there are none, only the 3-of-3 route can
apply. The route each pair took (or why it failed) is recorded.

Interpretation made explicit: the 3-of-3 route also requires the three significant correlations to
share a sign (an association that flips sign cannot be drawn as solid or dashed); a recent year in
which the pair has no correlation (a series missing, or too few LAs with both) counts as not
significant, and such an earlier year is not checked (both series must exist in it).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

ROUTE_ALL_RECENT = "3_of_3"
ROUTE_TWO_WITH_HISTORY = "2_of_3_with_history"

EDGE_COLUMNS = [
    "indicator_a",
    "indicator_b",
    "consistent",
    "route",
    "reason",
    "sign",
    "recent_years_present",
    "recent_years_significant",
    "earlier_years_checked",
    "earlier_years_significant",
    "mean_rho_recent",
    "mean_abs_rho_recent",
    "rho_by_year",
]


def assess_pair(
    series: pd.DataFrame,
    recent_years: Iterable[int],
    earlier_years: Iterable[int],
    alpha: float = 0.05,
) -> dict:
    """Apply the rule to one pair; ``series`` has columns year, rho, p (one row per year)."""
    recent_years = [int(y) for y in recent_years]
    earlier_years = [int(y) for y in earlier_years]
    by_year = {
        int(r.year): (float(r.rho), float(r.p))
        for r in series.itertuples(index=False)
        if not (pd.isna(r.rho) or pd.isna(r.p))
    }
    recent = {y: by_year[y] for y in recent_years if y in by_year}
    significant = {y: rp for y, rp in recent.items() if rp[1] < alpha}
    signs = {int(np.sign(rp[0])) for rp in significant.values()}
    earlier = {y: by_year[y] for y in earlier_years if y in by_year}
    earlier_sig = [y for y, (rho, p) in earlier.items() if p < alpha]
    rhos = [rp[0] for rp in recent.values()]
    out = {
        "consistent": False,
        "route": None,
        "reason": "",
        "sign": int(next(iter(signs))) if len(signs) == 1 else 0,
        "recent_years_present": len(recent),
        "recent_years_significant": len(significant),
        "earlier_years_checked": ",".join(str(y) for y in sorted(earlier)),
        "earlier_years_significant": len(earlier_sig),
        "mean_rho_recent": float(np.mean(rhos)) if rhos else np.nan,
        "mean_abs_rho_recent": float(np.mean(np.abs(rhos))) if rhos else np.nan,
        "rho_by_year": ";".join(f"{y}:{by_year[y][0]:.3f}" for y in sorted(by_year)),
    }
    if len(significant) < 2:
        out["reason"] = f"significant in {len(significant)} of {len(recent_years)} recent years"
        return out
    if len(signs) > 1:
        out["reason"] = "significant recent correlations differ in sign"
        return out
    sign = next(iter(signs))
    if len(significant) == len(recent_years):
        out.update(consistent=True, route=ROUTE_ALL_RECENT, reason="significant in all recent years")
        return out
    if not earlier:
        out["reason"] = (
            f"significant in {len(significant)} of {len(recent_years)} recent years and no earlier "
            "years with both series, so only the 3-of-3 route applies"
        )
        return out
    failing = [y for y, (rho, p) in sorted(earlier.items()) if not (p < alpha and np.sign(rho) == sign)]
    if failing:
        out["reason"] = (
            f"significant in {len(significant)} of {len(recent_years)} recent years but not "
            f"significant with the same sign in earlier year(s) {', '.join(map(str, failing))}"
        )
        return out
    out.update(
        consistent=True,
        route=ROUTE_TWO_WITH_HISTORY,
        reason=(
            f"significant in {len(significant)} of {len(recent_years)} recent years with the same "
            f"sign and in every earlier year with both series ({out['earlier_years_checked']})"
        ),
    )
    return out


def consistency_table(
    correlations: pd.DataFrame,
    recent_years: Iterable[int] = (2015, 2016, 2017),
    earlier_years: Iterable[int] = (2010, 2011, 2012, 2013, 2014),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The rule applied to every pair of a long correlation table (indicator_a, indicator_b, year, rho, p)."""
    recent_years = list(recent_years)
    earlier_years = list(earlier_years)
    rows = []
    for (a, b), series in correlations.groupby(["indicator_a", "indicator_b"], sort=False):
        rows.append({"indicator_a": a, "indicator_b": b, **assess_pair(series, recent_years, earlier_years, alpha)})
    out = pd.DataFrame(rows, columns=EDGE_COLUMNS)
    out["consistent"] = out["consistent"].astype(bool)
    return out


def consistent_edges(table: pd.DataFrame) -> pd.DataFrame:
    """Only the consistent pairs (the edges of the correlelograms)."""
    return table[table["consistent"]].reset_index(drop=True)

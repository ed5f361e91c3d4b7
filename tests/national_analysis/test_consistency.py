"""The consistency rule (METHODS §A.4) on constructed correlation histories."""

from __future__ import annotations

import pandas as pd
import pytest

from csc_inequalities.national.consistency import (
    ROUTE_ALL_RECENT,
    ROUTE_TWO_WITH_HISTORY,
    consistency_table,
    consistent_edges,
)

RECENT = (2015, 2016, 2017)
EARLIER = (2010, 2011, 2012, 2013, 2014)


def _history(pair, values):
    """values: {year: (rho, p)} -> long correlation rows for one pair."""
    a, b = pair
    return [
        {"indicator_a": a, "indicator_b": b, "year": y, "rho": rho, "p": p, "n": 150} for y, (rho, p) in values.items()
    ]


CASES = {
    # significant in all three recent years; history irrelevant (2012 not significant)
    ("a", "three_of_three"): {
        2011: (0.3, 0.001),
        2012: (0.05, 0.6),
        2015: (0.4, 0.001),
        2016: (0.3, 0.01),
        2017: (0.25, 0.03),
    },
    # 2 of 3 significant (negative) and significant negative in every earlier year
    ("a", "two_with_history"): {
        **{y: (-0.3, 0.001) for y in EARLIER},
        2015: (-0.3, 0.001),
        2016: (-0.1, 0.2),
        2017: (-0.2, 0.02),
    },
    # 2 of 3 but one earlier year not significant
    ("a", "two_broken_history"): {
        **{y: (0.3, 0.001) for y in EARLIER},
        2012: (0.1, 0.3),
        2015: (0.3, 0.001),
        2016: (0.1, 0.2),
        2017: (0.2, 0.02),
    },
    # 2 of 3 significant with the same sign, but earlier significant correlations are negative
    ("a", "two_history_other_sign"): {
        **{y: (-0.3, 0.001) for y in EARLIER},
        2015: (0.3, 0.001),
        2016: (0.1, 0.2),
        2017: (0.2, 0.02),
    },
    # recent significant correlations flip sign: rejected even with 3 of 3 significant
    ("a", "sign_flip_three"): {2015: (0.3, 0.001), 2016: (-0.3, 0.001), 2017: (0.3, 0.001)},
    # two significant recent years with opposite signs and a clean positive history
    ("a", "sign_flip_two"): {
        **{y: (0.3, 0.001) for y in EARLIER},
        2015: (0.3, 0.001),
        2016: (-0.3, 0.001),
        2017: (0.1, 0.4),
    },
    # series starting in 2013: earlier years = 2013, 2014 only (both significant) -> accepted
    ("a", "late_with_history"): {
        2013: (0.4, 0.001),
        2014: (0.35, 0.002),
        2015: (0.3, 0.001),
        2016: (0.2, 0.09),
        2017: (0.3, 0.01),
    },
    # series starting in 2015: no earlier years, 2 of 3 -> only the 3-of-3 route could apply
    ("a", "late_no_history"): {2015: (0.3, 0.001), 2016: (0.2, 0.09), 2017: (0.3, 0.01)},
    # series starting in 2015: 3 of 3 -> accepted by the 3-of-3 route
    ("a", "late_three"): {2015: (0.3, 0.001), 2016: (0.25, 0.01), 2017: (0.3, 0.01)},
    # one recent year missing, the other two significant, history clean -> 2-of-3 route
    ("a", "recent_gap"): {**{y: (0.3, 0.001) for y in EARLIER}, 2015: (0.3, 0.001), 2017: (0.3, 0.001)},
    # only one recent year significant
    ("a", "one_of_three"): {
        **{y: (0.3, 0.001) for y in EARLIER},
        2015: (0.3, 0.001),
        2016: (0.1, 0.3),
        2017: (0.1, 0.06),
    },
    # p exactly 0.05 is not significant (p < 0.05)
    ("a", "boundary"): {2015: (0.3, 0.05), 2016: (0.3, 0.01), 2017: (0.3, 0.01)},
}


@pytest.fixture(scope="module")
def table():
    rows = [r for pair, values in CASES.items() for r in _history(pair, values)]
    return consistency_table(pd.DataFrame(rows), RECENT, EARLIER, alpha=0.05).set_index("indicator_b")


@pytest.mark.parametrize(
    "name, consistent, route, sign",
    [
        ("three_of_three", True, ROUTE_ALL_RECENT, 1),
        ("two_with_history", True, ROUTE_TWO_WITH_HISTORY, -1),
        ("two_broken_history", False, None, 1),
        ("two_history_other_sign", False, None, 1),
        ("sign_flip_three", False, None, 0),
        ("sign_flip_two", False, None, 0),
        ("late_with_history", True, ROUTE_TWO_WITH_HISTORY, 1),
        ("late_no_history", False, None, 1),
        ("late_three", True, ROUTE_ALL_RECENT, 1),
        ("recent_gap", True, ROUTE_TWO_WITH_HISTORY, 1),
        ("one_of_three", False, None, 1),
        ("boundary", False, None, 1),
    ],
)
def test_rule_outcomes(table, name, consistent, route, sign):
    row = table.loc[name]
    assert bool(row["consistent"]) is consistent
    assert (row["route"] if isinstance(row["route"], str) else None) == route
    assert row["sign"] == sign


def test_reasons_and_history_recorded(table):
    assert table.loc["two_broken_history", "reason"] == (
        "significant in 2 of 3 recent years but not significant with the same sign in earlier year(s) 2012"
    )
    assert table.loc["two_history_other_sign", "reason"].endswith("earlier year(s) 2010, 2011, 2012, 2013, 2014")
    assert table.loc["late_no_history", "reason"] == (
        "significant in 2 of 3 recent years and no earlier years with both series, so only the 3-of-3 route applies"
    )
    assert table.loc["late_with_history", "earlier_years_checked"] == "2013,2014"
    assert table.loc["sign_flip_three", "reason"] == "significant recent correlations differ in sign"


def test_mean_rho_over_recent_years(table):
    assert table.loc["two_with_history", "mean_rho_recent"] == pytest.approx(-0.2)
    assert table.loc["two_with_history", "mean_abs_rho_recent"] == pytest.approx(0.2)
    assert table.loc["recent_gap", "recent_years_present"] == 2


def test_consistent_edges_subset(table):
    edges = consistent_edges(table.reset_index())
    assert sorted(edges["indicator_b"]) == sorted(
        ["three_of_three", "two_with_history", "late_with_history", "late_three", "recent_gap"]
    )

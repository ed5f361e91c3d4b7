"""Reconciliation of an LA's extract with DfE's published figures (issue 14, build item 5):
the extract's yearly counts by hand, the panel's figures per LA, gaps, flags and neighbours."""

import math

import pandas as pd
import pytest

from csc_inequalities.childlevel.reconcile import (
    extract_yearly_counts,
    imd_neighbours,
    largest_gap,
    reconcile,
)
from csc_inequalities.national.la_counts import MEASURE_NAMES, la_year_counts


def _tables():
    """Two returns (2016, 2017) of three children; child A's 2015-16 episode appears in both."""
    cin = pd.DataFrame(
        [
            # child, referral, closure, nfa, ICPC (CINdetails level), return
            ("A", "2015-06-01", None, "false", None, 2016),  # open at 31 March 2016
            ("A", "2015-06-01", "2016-05-01", "false", None, 2017),  # the later return closes it
            ("B", "2016-02-01", "2016-02-01", "true", None, 2016),  # NFA
            ("B", "2016-04-10", None, "false", "2016-05-20", 2017),  # open at 31 March 2017; ICPC at CIN level
            ("C", "2016-03-30", None, "1", None, 2016),  # NFA, open: not a CIN at 31 March
            ("C", "2016-03-30", "2016-04-02", "1", None, 2017),
        ],
        columns=["child_id", "CINreferralDate", "CINclosureDate", "ReferralNFA", "DateOfInitialCPC", "collection_year"],
    )
    assessments = pd.DataFrame(
        [
            ("A", "2015-06-01", "2015-06-02", "2015-07-01", 2016),
            ("A", "2015-06-01", "2015-06-02", "2015-07-01", 2017),  # same assessment twice: counted once
            ("B", "2016-04-10", "2016-04-11", None, 2017),  # not completed
            ("A", "2015-06-01", "2016-03-01", "2016-04-15", 2017),  # completed in 2016-17
        ],
        columns=[
            "child_id",
            "CINreferralDate",
            "AssessmentActualStartDate",
            "AssessmentAuthorisationDate",
            "collection_year",
        ],
    )
    section47 = pd.DataFrame(
        [
            ("A", "2015-06-01", "2015-06-03", "2015-06-20", 2016),
            ("A", "2015-06-01", "2016-03-31", None, 2016),  # last day of 2015-16
            ("A", "2015-06-01", "2016-03-31", "2016-04-02", 2017),  # same S47, its ICPC in 2016-17
        ],
        columns=["child_id", "CINreferralDate", "S47ActualStartDate", "DateOfInitialCPC", "collection_year"],
    )
    cpp = pd.DataFrame(
        [
            ("A", "2015-06-01", "2015-06-20", 2016),
            ("A", "2015-06-01", "2015-06-20", 2017),
            ("B", "2016-04-10", "2016-05-20", 2017),
        ],
        columns=["child_id", "CINreferralDate", "CPPstartDate", "collection_year"],
    )
    return {"cin_details": cin, "assessments": assessments, "section47": section47, "child_protection_plans": cpp}


SSDA903 = pd.DataFrame(
    [
        ("A", "01/05/2015", "S"),
        ("A", "01/06/2015", "P"),  # a placement change is not a start
        ("A", "01/02/2016", "S"),
        ("B", "2016-04-01", "S"),  # A twice in 2015-16: one child
        ("C", "31/03/2017", "L"),
    ],
    columns=["child_id", "DECOM", "RNE"],
)


def test_extract_counts_by_hand():
    counts = extract_yearly_counts(_tables(), SSDA903, [2016, 2017])
    got = counts.set_index(["year", "measure"])["extract"].to_dict()
    expected = {
        2016: dict(referrals=3, assessments=1, s47=2, icpc=1, cpp_starting=1, cin_at_31_march=1, cla_started=1),
        2017: dict(referrals=1, assessments=1, s47=0, icpc=2, cpp_starting=1, cin_at_31_march=1, cla_started=1),
    }
    assert got == {(y, m): v for y, row in expected.items() for m, v in row.items()}
    assert list(counts["measure"][:7]) == list(MEASURE_NAMES)


def test_without_ssda903_no_looked_after_count():
    counts = extract_yearly_counts(_tables(), None, [2016])
    assert counts.set_index("measure").loc["cla_started", "extract"] is pd.NA


def _panel():
    return pd.DataFrame(
        {
            "la_code": ["E06000018"] * 3 + ["E09000022"],
            "la_name": ["Nottingham"] * 3 + ["Lambeth"],
            "year": [2014, 2015, 2016, 2016],
            "pop_0_17": [63400.0, 65000.0, 65900.0, 60000.0],
            "referrals": [6245.0, 6313.0, 5812.0, 1.0],
            "initial_assessments": [4569.0, None, None, 1.0],
            "continuous_assessments": [None, 4976.0, 4906.0, 1.0],
            "s47": [1175.0, 1351.0, 1846.0, 1.0],
            "icpc": [640.0, 872.0, None, 1.0],
            "cpp_starting": [571.0, 730.0, 826.0, 1.0],
            "cin_at_31_march": [3441.0, 3396.0, 3608.0, 1.0],
            "cla_started": [258.0, 273.0, 259.0, 1.0],
        }
    )


def test_panel_counts_per_la_and_year():
    counts = la_year_counts(_panel(), ["E06000018"], [2014, 2015, 2016, 2020])
    assert len(counts) == 3 * 7 and set(counts["la_code"]) == {"E06000018"}
    row = counts.set_index(["year", "measure"])
    # Assessments: single assessments from 2014-15, initial assessments before.
    assert row.loc[(2014, "assessments"), "published"] == 4569.0
    assert row.loc[(2014, "assessments"), "source_column"] == "initial_assessments"
    assert row.loc[(2015, "assessments"), "published"] == 4976.0
    assert row.loc[(2015, "assessments"), "source_column"] == "continuous_assessments"
    assert math.isnan(row.loc[(2016, "icpc"), "published"])
    assert row.loc[(2016, "cla_started"), "label"] == "Children starting to be looked after"
    assert row.loc[(2016, "referrals"), "pop_0_17"] == 65900.0


def test_reconcile_gaps_flags_and_suppression():
    extract = pd.DataFrame(
        {
            "year": [2015] * 4 + [2016] * 2,
            "measure": ["referrals", "assessments", "s47", "cla_started", "icpc", "cpp_starting"],
            "extract": pd.array([6944, 4478, 7, None, 900, 826], dtype="Int64"),
        }
    )
    published = la_year_counts(_panel(), ["E06000018"])
    result = reconcile(extract, published, tolerance=0.1, min_cell=10).set_index(["year", "measure"])
    referrals = result.loc[(2015, "referrals")]
    assert referrals["difference"] == 631 and referrals["relative_gap"] == pytest.approx(631 / 6313)
    assert referrals["status"] == "within tolerance" and not referrals["flag"]  # 9.995%
    assessments = result.loc[(2015, "assessments")]
    assert assessments["relative_gap"] == pytest.approx(-498 / 4976)  # -10.008%
    assert assessments["status"] == "gap beyond tolerance" and assessments["flag"]
    small = result.loc[(2015, "s47")]
    assert small["status"] == "suppressed" and pd.isna(small["extract"]) and pd.isna(small["relative_gap"])
    assert result.loc[(2015, "cla_started"), "status"] == "not in the extract"
    assert result.loc[(2016, "icpc"), "status"] == "no published figure"
    assert result.loc[(2016, "cpp_starting"), "relative_gap"] == 0
    gap = largest_gap(result.reset_index())
    assert gap["measure"] == "assessments" and gap["year"] == 2015 and gap["extract"] == 4478
    with pytest.raises(ValueError, match="tolerance must be >= 0, got -0.1"):
        reconcile(extract, published, tolerance=-0.1)


def test_imd_neighbours_nearest_by_score_ties_by_code():
    table = pd.DataFrame(
        {
            "utla13_code": ["E1", "E2", "E3", "E4", "E5"],
            "utla13_name": ["a", "b", "c", "d", "e"],
            "avg_score": [30.0, 32.0, 28.0, 40.0, 29.5],
        }
    )
    near = imd_neighbours(table, "E1", 3)
    assert list(near["la_code"]) == ["E5", "E2", "E3"]  # 0.5, then 2.0 (E2 before E3), 2.0
    assert list(near["distance"]) == [0.5, 2.0, 2.0]
    with pytest.raises(KeyError, match="E9 is not in the LA IMD table"):
        imd_neighbours(table, "E9", 3)


def test_imd_neighbours_of_nottingham_from_the_shipped_table():
    table = pd.read_csv("resources/lsoa/la_imd2015_utla13.csv")
    near = imd_neighbours(table, "E06000018", 5)
    own = table.set_index("utla13_code").loc["E06000018", "avg_score"]
    others = table[table["utla13_code"] != "E06000018"]
    fifth = sorted((others["avg_score"] - own).abs())[4]
    assert len(near) == 5 and near["distance"].max() == pytest.approx(fifth)
    assert "E06000018" not in set(near["la_code"])

"""The series that reproduce Table 6 (issue 11): new panel series against values read by hand from
the raw files, the population choice, and the two inferred choices (core assessments 2014, s20
rebuilt by subtraction) on constructed and on real cases.

Hand-read cells (file: LA cell values):
- SFR27-2012ud.csv (2011-12 CIN): Camden CINThro1112 3851, CINThroRatePer10K 987.4, Mid2011Pop0-17 39000;
  Leeds Mid2011Pop0-17 154900.
- osr26-2011ud.csv (2010-11 CIN): Camden CINThro1011 4,084, Referrals1011 2,357, Referrals1011Rate 592.3,
  Mid2010Pop0-17 39796; Leeds CINThro1011 10,817, Referrals1011 12,945.
- SFR61-2017_UD.CSV (2016-17 CIN): Leeds CINEpisodesThro1617 10695, CINepisodesThroRatePer10K 648.9.
- SFR20_CLA2012.csv (looked after at 31 March 2012): Camden CLA_Mar2012 265, ICO 69, FCO 111, FrAd 0,
  PlaceO 13, S20 70, CPG 0, YJLS x.
- SFR41_CLA2016.csv: Camden CLA_Mar2016 188, ICO 15, FCO 99, FrAd 0, PlaceO x, S20 68;
  Leeds CLA_Mar2016 1226, ICO 157, FCO 811, FrAd 0, PlaceO 87, S20 167.
- SFR52_2016_UD.csv: Mid2015Pop017 Camden 46000, Leeds 162600.
- SFR34_CLA2015.csv: Blackpool CLA_Mar2015 454, ICO 72, FCO 229, FrAd 0, PlaceO 82, S20 x, CPG 0, YJLS x;
  Rutland 33, ICO x, FCO 15, FrAd 0, PlaceO 8, S20 x, CPG 0, YJLS 0.
- SFR43-2014.csv: CAs1314 Isles Of Scilly 6, Lambeth 11, York 21, Bracknell Forest 67 (the next).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csc_inequalities.national.indicators import RATES
from csc_inequalities.national.panel import build_panel, population_by_year
from csc_inequalities.national.table6_choices import (
    drop_core_assessment_switchers,
    rebuild_s20_by_subtraction,
    reconstruct_s20,
    rho_reach,
)

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "resources" / "national" / "raw"
CAMDEN, LEEDS = "E09000007", "E08000035"
ORIGINAL_POPULATION = {"default": "dfe_file", "by_year": []}


@pytest.fixture(scope="module")
def panel():
    return build_panel(RAW, first_year=2010, last_year=2017)[0]


@pytest.fixture(scope="module")
def original_population_panel():
    return build_panel(RAW, first_year=2010, last_year=2017, population=ORIGINAL_POPULATION)[0]


def cell(panel, la, year, column):
    return panel.set_index(["la_code", "year"]).loc[(la, year), column]


def test_children_in_need_during_the_year(panel):
    assert cell(panel, CAMDEN, 2012, "cin_during_year") == 3851
    assert cell(panel, CAMDEN, 2012, "cin_during_year_rate") == 987.4  # DfE's rate, DfE's population
    assert cell(panel, LEEDS, 2017, "cin_during_year") == 10695
    assert cell(panel, LEEDS, 2017, "cin_during_year_rate") == 648.9
    # 2011: the census-consistent mid-2011 population, so the rate is computed.
    assert cell(panel, CAMDEN, 2011, "cin_during_year") == 4084
    assert cell(panel, CAMDEN, 2011, "cin_during_year_rate") == pytest.approx(4084 / 39000 * 1e4)
    assert cell(panel, LEEDS, 2011, "cin_during_year_rate") == pytest.approx(10817 / 154900 * 1e4)


def test_looked_after_at_31_march_by_legal_status(panel):
    # Care or placement order = ICO + FCO + PlaceO + FrAd, a suppressed cell counted as 0.
    assert cell(panel, CAMDEN, 2012, "cla_care_order_31mar") == 69 + 111 + 13 + 0
    assert cell(panel, CAMDEN, 2012, "cla_care_order_31mar_rate") == pytest.approx(193 / 39000 * 1e4)
    assert cell(panel, CAMDEN, 2012, "cla_s20_31mar_rate") == pytest.approx(70 / 39000 * 1e4)
    assert cell(panel, CAMDEN, 2016, "cla_care_order_31mar") == 15 + 99 + 0  # PlaceO suppressed
    assert math.isnan(cell(panel, CAMDEN, 2016, "cla_placement_order_31mar"))
    assert cell(panel, CAMDEN, 2016, "cla_s20_31mar_rate") == pytest.approx(68 / 46000 * 1e4)
    assert cell(panel, LEEDS, 2016, "cla_care_order_31mar") == 157 + 811 + 87
    assert cell(panel, LEEDS, 2016, "cla_care_order_31mar_rate") == pytest.approx(1055 / 162600 * 1e4)
    assert cell(panel, LEEDS, 2016, "cla_s20_31mar") == 167
    # 2009-10 tables have no legal status: missing, not zero.
    assert math.isnan(cell(panel, CAMDEN, 2010, "cla_care_order_31mar"))


def test_population_choice_changes_exactly_the_2011_rates(panel, original_population_panel):
    assert cell(panel, CAMDEN, 2011, "pop_0_17") == 39000
    assert cell(original_population_panel, CAMDEN, 2011, "pop_0_17") == 39796
    assert cell(original_population_panel, CAMDEN, 2011, "referrals_rate") == 592.3  # DfE's own
    assert cell(panel, CAMDEN, 2011, "referrals_rate") == pytest.approx(2357 / 39000 * 1e4)
    rates = [c for c in panel.columns if c.endswith("_rate") and c != "care_proceedings_rate"]
    rates += ["pop_0_17", "spend_per_child_real"]
    for year in range(2010, 2018):
        a = panel[panel["year"] == year].set_index("la_code")[rates]
        b = original_population_panel[original_population_panel["year"] == year].set_index("la_code")[rates]
        if year == 2011:
            # Every 2011 rate is its count over the census-consistent population (DfE's rates,
            # made with the mid-2010 one, are not used), which differs for every LA; counts stay.
            assert (a["pop_0_17"] != b["pop_0_17"])[a["pop_0_17"].notna()].all()
            for ind in RATES:
                if ind.name not in rates or ind.numerator not in a.columns:
                    continue
                expected = a[ind.numerator] / a["pop_0_17"] * 1e4
                have = a[ind.numerator].notna()
                np.testing.assert_allclose(a.loc[have, ind.name], expected[have], rtol=1e-12, err_msg=ind.name)
                assert a.loc[~have, ind.name].isna().all(), ind.name
            pd.testing.assert_series_equal(
                panel[panel["year"] == 2011]["referrals"].reset_index(drop=True),
                original_population_panel[original_population_panel["year"] == 2011]["referrals"].reset_index(
                    drop=True
                ),
            )
        else:
            pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_ons_revised_population_only_where_chosen():
    chosen = population_by_year(
        range(2012, 2016),
        {
            "default": "dfe_file",
            "by_year": [{"year": 2013, "source": "ons_2020_release"}, {"year": 2014, "source": "ons_2020_release"}],
        },
    )
    assert chosen == {2012: "dfe_file", 2013: "ons_2020_release", 2014: "ons_2020_release", 2015: "dfe_file"}
    with pytest.raises(ValueError, match="population source 'dfe_census_consistent_mid2011' has no values for 2013"):
        build_panel(
            RAW,
            first_year=2013,
            last_year=2013,
            population={"default": "dfe_file", "by_year": [{"year": 2013, "source": "dfe_census_consistent_mid2011"}]},
        )


def test_core_assessment_rule_drops_exactly_the_las_under_the_threshold(panel):
    dropped, evidence = drop_core_assessment_switchers(panel, 2014, 50)
    assert sorted(evidence["la_name"]) == ["Isles of Scilly", "Lambeth", "York"]
    assert sorted(evidence["value_before"]) == [6, 11, 21]
    low = dropped[(dropped["year"] == 2014) & dropped["la_code"].isin(evidence["la_code"])]
    assert low["core_assessments_rate"].isna().all()
    # Nothing else changes: other LAs, other years, other indicators.
    untouched = ~((panel["year"] == 2014) & panel["la_code"].isin(evidence["la_code"]))
    pd.testing.assert_frame_equal(dropped[untouched], panel[untouched])
    _, evidence70 = drop_core_assessment_switchers(panel, 2014, 70)
    assert set(evidence70["la_name"]) - set(evidence["la_name"]) == {"Bracknell Forest"}


def test_s20_reconstruction_bracket_and_refusals():
    others = {
        "cla_ico_31mar": 72,
        "cla_fco_31mar": 229,
        "cla_freed_for_adoption_31mar": 0,
        "cla_placement_order_31mar": 82,
        "cla_cpg_31mar": 0,
        "cla_yjls_31mar": np.nan,
    }
    r = reconstruct_s20(454, others)  # Blackpool 2015: 454 - 383 = 71, YJLS 1-5
    assert (r.low, r.high, r.used, r.refused) == (66, 70, 68, "")
    exact = reconstruct_s20(454, {**others, "cla_yjls_31mar": 3})
    assert (exact.low, exact.high, exact.used) == (68, 68, 68)
    two = reconstruct_s20(454, {**others, "cla_cpg_31mar": np.nan})
    assert math.isnan(two.used)
    assert two.refused == "2 other legal-status cells unknown (cla_cpg_31mar, cla_yjls_31mar)"
    small = reconstruct_s20(
        33,
        {
            "cla_ico_31mar": np.nan,
            "cla_fco_31mar": 15,
            "cla_placement_order_31mar": 8,
            "cla_freed_for_adoption_31mar": 0,
            "cla_cpg_31mar": 0,
            "cla_yjls_31mar": 0,
        },
    )
    assert small.refused == (
        "the bracket 5-9 reaches a small cell, so s20 may itself be the suppressed small cell"
    )  # Rutland 2015
    assert reconstruct_s20(np.nan, others).refused == "no looked-after total"


def test_s20_rebuilt_in_the_real_2015_file(panel):
    rebuilt, evidence = rebuild_s20_by_subtraction(panel, [2015])
    done = evidence[evidence["action"] == "rebuilt"].set_index("la_name")
    assert sorted(done.index) == [
        "Barnsley",
        "Blackburn with Darwen",
        "Blackpool",
        "Rochdale",
        "Southampton",
        "St. Helens",
        "Wigan",
    ]
    assert (done.loc["Blackpool", "value_low"], done.loc["Blackpool", "value_high"]) == (66, 70)
    # City of London: every legal-status cell suppressed (left out of Table 6 anyway).
    assert sorted(evidence.loc[evidence["action"] == "left missing", "la_name"]) == ["City of London", "Rutland"]
    blackpool = rebuilt.set_index(["la_code", "year"]).loc[("E06000009", 2015)]
    assert blackpool["cla_s20_31mar"] == 68
    assert blackpool["cla_s20_31mar_rate"] == pytest.approx(68 / blackpool["pop_0_17"] * 1e4)
    # Other years untouched.
    other = rebuilt["year"] != 2015
    pd.testing.assert_frame_equal(rebuilt[other], panel[other])


def test_rho_reach_against_brute_force():
    rng = np.random.default_rng(3)
    x = rng.normal(size=12)
    y = x + rng.normal(scale=0.8, size=12)
    missing = np.zeros(12, dtype=bool)
    missing[[2, 7]] = True
    low, high = rho_reach(x, np.where(missing, np.nan, y), missing)
    # Brute force: the two missing values on a fine grid spanning and beyond the known values.
    grid = np.linspace(y.min() - 1, y.max() + 1, 400)
    best = [np.inf, -np.inf]
    for a in grid:
        for b in grid[::3]:
            yy = y.copy()
            yy[2], yy[7] = a, b
            rho = stats.spearmanr(x, yy).statistic
            best = [min(best[0], rho), max(best[1], rho)]
    assert low == pytest.approx(best[0], abs=1e-12)
    assert high == pytest.approx(best[1], abs=1e-12)
    assert math.isnan(rho_reach(x, y, np.ones(12, dtype=bool))[0])  # more than 2 missing

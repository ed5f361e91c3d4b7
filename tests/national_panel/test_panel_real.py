"""The panel built from the shipped real files: shape, coverage facts and hand-checked values.

Every expected value below was read by hand from the raw CSV named in the comment.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy.stats import spearmanr

from csc_inequalities.national.panel import build_panel

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "resources" / "national" / "raw"


@pytest.fixture(scope="module")
def built():
    return build_panel(RAW)


@pytest.fixture(scope="module")
def panel(built):
    return built[0].set_index(["la_code", "year"])


def test_152_las_every_year(built):
    panel = built[0]
    assert sorted(panel["year"].unique()) == list(range(2010, 2023))
    assert panel.groupby("year")["la_code"].nunique().eq(152).all()
    assert len(panel) == 152 * 13
    assert panel["la_code"].str.fullmatch(r"E(06|08|09|10)\d{6}").all()
    assert panel["la_code_old"].str.fullmatch(r"\d{3}").all()
    # 2013 codes only; City of London and Isles of Scilly kept as rows
    codes = set(panel["la_code"])
    assert {"E06000057", "E08000037", "E09000001", "E06000053"} <= codes
    assert not codes & {"E06000048", "E08000020"}


def test_camden_2017_referrals_and_rate(panel):
    # SFR61-2017_UD.CSV, Camden (202, E09000007): Referrals1617 1912, Referrals1617Rate 401.2,
    # CINAt310316 (sic) 1756, Mid2016Pop017 47700.
    row = panel.loc[("E09000007", 2017)]
    assert row["referrals"] == 1912 and row["referrals_rate"] == 401.2
    assert row["cin_at_31_march"] == 1756 and row["pop_0_17"] == 47700


def test_isle_of_wight_2010_not_confused_with_england(panel):
    # osr28-2010ud.csv: England and the Isle of Wight both 921; IoW Referrals0910 865, rate 327.4,
    # CINAt310310 723, Mid2009Pop0-17 26400 (England: 603,700 referrals).
    row = panel.loc[("E06000046", 2010)]
    assert row["referrals"] == 865 and row["referrals_rate"] == 327.4
    assert row["cin_at_31_march"] == 723 and row["pop_0_17"] == 26400


def test_isle_of_wight_2017_not_the_national_row(panel):
    # SFR61-2017_UD.CSV: National row carries E06000046 (646120 referrals); IoW 2613, rate 1036.9.
    row = panel.loc[("E06000046", 2017)]
    assert row["referrals"] == 2613 and row["referrals_rate"] == 1036.9


def test_northumberland_and_gateshead_before_2013(panel):
    # SFR20_ADM2012.csv: E06000048 Northumberland CLA_started2012 111, SCLA_S20 86;
    # E08000020 Gateshead 164 and 124.
    assert panel.loc[("E06000057", 2012), "cla_started"] == 111
    assert panel.loc[("E06000057", 2012), "section20_starts"] == 86
    assert panel.loc[("E08000037", 2012), "cla_started"] == 164
    assert panel.loc[("E08000037", 2012), "section20_starts"] == 124


def test_suppressed_count_missing_but_published_rate_kept_with_dfe_population(panel):
    # osr26-2011ud.csv: City of London Referrals1011 'x', Referrals1011Rate 311.2. DfE's rate is
    # taken only where the year divides by DfE's own population of that file; the default
    # census-consistent 2010-11 population leaves it missing (it cannot be recomputed).
    row = panel.loc[("E09000001", 2011)]
    assert math.isnan(row["referrals"])
    assert math.isnan(row["referrals_rate"])
    dfe_only, _, _ = build_panel(
        RAW, first_year=2011, last_year=2012, population={"default": "dfe_file", "by_year": []}
    )
    row = dfe_only.set_index(["la_code", "year"]).loc[("E09000001", 2011)]
    assert math.isnan(row["referrals"])
    assert row["referrals_rate"] == 311.2


def test_ees_year_2022_camden(panel):
    # c1_..._2013_to_2022.csv, 2022 Camden: Referrals 1844, Referrals_rate 340.9, Re_referrals_percent 13.3.
    row = panel.loc[("E09000007", 2022)]
    assert row["referrals"] == 1844 and row["referrals_rate"] == 340.9
    assert row["rereferrals_pct"] == 13.3


def test_2015_looked_after_starts_read_from_the_wrong_year_header(panel):
    # SFR34_ADM2015.csv names its column CLA_started2014 but holds 2014-15 starts (national 31,070
    # vs 30,430 in the 2013-14 file); the LA values must differ from the 2014 file's.
    a = panel.xs(2015, level="year")["cla_started"]
    b = panel.xs(2014, level="year")["cla_started"]
    assert a.notna().sum() >= 150
    assert (a != b).sum() > 100


def test_coverage_facts(built):
    panel = built[0]
    present = panel.groupby("year").count()
    assert present.loc[2010, "rereferrals_pct"] == 0 and present.loc[2011, "rereferrals_pct"] > 130
    assert present.loc[2011, "nfa_pct"] == 0 and present.loc[2012, "nfa_pct"] > 140
    assert present.loc[2011, "assessed_not_cin_pct"] == 0 and present.loc[2012, "assessed_not_cin_pct"] > 140
    assert present.loc[2014, "initial_assessments_rate"] > 120 and present.loc[2015, "initial_assessments_rate"] == 0
    assert (
        present.loc[2014, "continuous_assessments_rate"] == 0
        and present.loc[2015, "continuous_assessments_rate"] == 152
    )
    assert present.loc[2010, "section20_starts_rate"] == 0 and present.loc[2011, "section20_starts_rate"] == 150
    assert present.loc[2014, "care_proceedings_rate"] == 0 and present.loc[2015, "care_proceedings_rate"] > 145
    assert present.loc[2015, "sw_turnover_rate"] == 0 and present.loc[2016, "sw_turnover_rate"] > 145
    assert present.loc[2010:2022, "pop_0_17"].min() >= 148


def test_dictionary_covers_every_indicator_column(built):
    panel, dictionary, coverage = built
    assert list(dictionary.columns[:9]) == [
        "indicator",
        "label",
        "kind",
        "numerator",
        "denominator",
        "source_file",
        "source_column",
        "years_present",
        "table6_label",
    ]
    assert dictionary["indicator"].tolist() == [
        c for c in panel.columns if c not in ("la_code", "la_code_old", "la_name", "year")
    ]
    rows = dictionary.set_index("indicator")
    assert rows.loc["rereferrals_pct", "years_present"] == "2011-2022"
    assert rows.loc["care_proceedings_rate", "years_present"] == "2015-2022"
    assert rows.loc["referrals_rate", "table6_label"] == "Referral"
    assert "Referrals1617Rate (2017)" in rows.loc["referrals_rate", "source_column"]
    assert coverage.set_index("indicator").loc["continuous_assessments_rate", "2015"] == 152


def test_referral_row_of_table6_is_reproduced(built):
    # Published Table 6, Referral: rho and N for 2012-2017 (IMD 2015 average score; City of London
    # and Isles of Scilly left out). The panel must give them within 0.01 and the same N.
    published = {
        2012: (0.543, 148),
        2013: (0.526, 149),
        2014: (0.480, 149),
        2015: (0.520, 149),
        2016: (0.474, 150),
        2017: (0.502, 150),
    }
    panel = built[0]
    panel = panel[~panel["la_code"].isin(["E09000001", "E06000053"])]
    for year, (rho, n) in published.items():
        sub = panel[panel["year"] == year][["imd2015_avg_score", "referrals_rate"]].dropna()
        assert len(sub) == n, year
        assert spearmanr(sub.iloc[:, 0], sub.iloc[:, 1]).statistic == pytest.approx(rho, abs=0.01), year

"""Column finding across releases: wrong-year headers, typos, 2009-10 weeks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csc_inequalities.national import readers

REFERENCE = pd.DataFrame(
    {"la_code": ["E06000046", "E09000007"], "la_code_old": ["921", "202"], "la_name": ["Isle of Wight", "Camden"]}
)


def test_year_tokens():
    assert readers.year_tokens(2017) == {"yy": "1617", "yt": "617"}
    assert readers.year_tokens(2010) == {"yy": "0910", "yt": "910"}


def test_wrong_year_march_header_is_found():
    # The 2016-17 file names its CIN-at-31-March column CINAt310316.
    cols = ["geog_c", "CINAt310316", "CINAt310316RatePer10K", "CINAt310317OCDuration2+yrs"]
    patterns = readers.CIN_ORIGINAL_PATTERNS
    assert readers.find_column(cols, patterns["cin_at_31_march"], 2017, "f") == "CINAt310316"
    assert readers.find_column(cols, patterns["cin_at_31_march_rate_published"], 2017, "f") == "CINAt310316RatePer10K"
    assert readers.find_column(cols, patterns["cin_open_over_2y"], 2017, "f") == "CINAt310317OCDuration2+yrs"


def test_2011_12_nfa_typo_and_missing_column():
    cols = ["ReferralsNFA112", "%ReferralsNFA1112"]
    assert readers.find_column(cols, readers.CIN_ORIGINAL_PATTERNS["nfa"], 2012, "f") == "ReferralsNFA112"
    assert readers.find_column(cols, readers.CIN_ORIGINAL_PATTERNS["s47"], 2012, "f") is None


def test_ambiguous_pattern_raises():
    with pytest.raises(ValueError, match="matches several columns"):
        readers.find_column(["CINAt310316", "CINAt310317"], [r"CINAt3103\d\d"], 2017, "f")


def test_cin_2010_durations_in_weeks(tmp_path):
    header = [
        "geog_l",
        "geog_c",
        "geog_n",
        "Referrals0910",
        "CINEnding0910",
        "CINEnding0910Duration0-4wks",
        "CINEnding0910Duration4-12wks",
        "CINAt310310",
        "CINAt310310OCDuration2-3yrs",
        "CINAt310310OCDuration3+yrs",
    ]
    rows = [
        ["National", "921", "England", "603,700", "318,200", "78,000", "77,700", "375,900", "40,200", "83,700"],
        ["LA", "921", "Isle of Wight", "865", "955", "300", "200", "723", "..", "50"],
        ["LA", "202", "Camden", "2,457", "1,000", "100", "x", "900", "30", "20"],
    ]
    path = tmp_path / "cin2010.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    long = readers.read_cin_original(path, 2010, REFERENCE, "cin2010.csv")
    wide = long.pivot(index="la_code", columns="measure", values="value")
    assert wide.loc["E06000046", "referrals"] == 865.0
    assert wide.loc["E06000046", "cin_closed_under_3m"] == 500.0  # 0-4 + 4-12 weeks
    assert math.isnan(wide.loc["E06000046", "cin_open_over_2y"])  # a suppressed band -> missing
    assert wide.loc["E09000007", "cin_open_over_2y"] == 50.0
    assert math.isnan(wide.loc["E09000007", "cin_closed_under_3m"])
    assert wide.loc["E09000007", "referrals"] == 2457.0
    assert sorted(wide.index) == ["E06000046", "E09000007"]  # England (921) dropped


def test_cla_wrong_year_start_header(tmp_path):
    # The 2014-15 starts file labels its 2015 starts CLA_started2014.
    header = [
        "New_geog_code",
        "geog_l",
        "geog_c",
        "geog_n",
        "CLA_started2014",
        "CLA_taken2014",
        "SCLA_ICO",
        "SCLA_FCO",
        "SCLA_S20",
    ]
    rows = [
        ["E92000001", "NATIONAL", "999", "ENGLAND", "31070", "10790", "1", "1", "1"],
        ["E09000007", "LA", "202", "Camden", "120", "x", "20", "x", "60"],
    ]
    path = tmp_path / "adm2015.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    long = readers.read_cla_underlying(path, 2015, readers.CLA_ADM_COLUMNS, REFERENCE, "adm2015.csv")
    got = dict(zip(long["measure"], long["value"]))
    assert got["cla_started"] == 120.0 and got["section20_starts"] == 60.0
    assert math.isnan(got["cla_taken_into_care"]) and math.isnan(got["full_care_order_starts"])
    assert set(long["year"]) == {2015}

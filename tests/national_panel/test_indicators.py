"""Rates, ratios and proportions on hand-made frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csc_inequalities.national.indicators import (
    INDICATORS,
    derive_indicators,
    percent,
    rate_per_10k,
    ratio,
)


def test_rate_per_10k_by_hand():
    rates = rate_per_10k(pd.Series([1912.0, 865.0, np.nan, 10.0]), pd.Series([47700.0, 26400.0, 1000.0, 0.0]))
    assert rates.iloc[0] == pytest.approx(1912 / 47700 * 10_000)  # 400.838...
    assert rates.iloc[1] == pytest.approx(327.65, abs=0.01)
    assert math.isnan(rates.iloc[2])  # missing count stays missing
    assert math.isnan(rates.iloc[3])  # no population -> no rate (not inf, not 0)


def test_ratio_and_percent_by_hand():
    r = ratio(pd.Series([30.0, 5.0, np.nan, 4.0]), pd.Series([120.0, 0.0, 3.0, np.nan]))
    assert r.iloc[0] == 0.25
    assert r.isna().tolist() == [False, True, True, True]
    assert percent(pd.Series([9450.0]), pd.Series([59800.0])).iloc[0] == pytest.approx(15.8027, abs=1e-4)


def _frame() -> pd.DataFrame:
    # Two LA-years; the second has a suppressed S47 count and no published rates.
    return pd.DataFrame(
        {
            "la_code": ["E09000007", "E06000046"],
            "year": [2017, 2010],
            "pop_0_17": [47700.0, 26400.0],
            "referrals": [1912.0, 865.0],
            "referrals_rate_published": [401.2, np.nan],
            "rereferrals": [200.0, np.nan],
            "rereferrals_pct_published": [10.5, np.nan],
            "cin_at_31_march": [1756.0, 723.0],
            "cin_starting": [1500.0, 500.0],
            "s47": [600.0, np.nan],
            "icpc": [150.0, 40.0],
            "cpp_starting": [120.0, 30.0],
            "cla_started": [100.0, 60.0],
            "section20_starts": [50.0, np.nan],
            "interim_care_order_starts": [30.0, np.nan],
            "full_care_order_starts": [np.nan, np.nan],
            "care_proceedings_rate_published": [12.0, np.nan],
            "cpp_starting_rate_published": [np.nan, np.nan],
        }
    )


def test_published_rate_preferred_then_computed_fallback():
    out = derive_indicators(_frame(), rate_source="published")
    assert out.loc[0, "referrals_rate"] == 401.2
    assert out.loc[1, "referrals_rate"] == pytest.approx(865 / 26400 * 10_000)
    assert out.loc[0, "rereferrals_pct"] == 10.5
    computed = derive_indicators(_frame(), rate_source="computed")
    assert computed.loc[0, "referrals_rate"] == pytest.approx(1912 / 47700 * 10_000)
    assert computed.loc[0, "rereferrals_pct"] == pytest.approx(200 / 1912 * 100)


def test_derived_ratios_and_missing_stays_missing():
    out = derive_indicators(_frame(), rate_source="computed")
    assert out.loc[0, "s47_per_cin"] == pytest.approx(600 / 1756)
    assert out.loc[0, "icpc_per_s47"] == pytest.approx(0.25)
    assert out.loc[0, "cpp_per_icpc"] == pytest.approx(0.8)
    assert out.loc[0, "cin_starting_per_referral"] == pytest.approx(1500 / 1912)
    assert out.loc[0, "section20_pct_of_starts"] == pytest.approx(50.0)
    assert out.loc[0, "cin_starting_rate"] == pytest.approx(1500 / 47700 * 10_000)
    # care proceedings per CPP = ratio of the two rates (Cafcass gives rates only)
    assert out.loc[0, "care_proceedings_per_cpp"] == pytest.approx(12.0 / (120 / 47700 * 10_000))
    # suppressed S47 -> every S47-based indicator missing, never 0
    for col in ("s47_rate", "s47_per_cin", "icpc_per_s47"):
        assert math.isnan(out.loc[1, col]), col
    # a suppressed full care order count leaves the sum missing
    assert math.isnan(out.loc[0, "care_order_starts"])
    assert out.loc[0, "interim_care_order_starts_rate"] == pytest.approx(30 / 47700 * 10_000)
    # a missing column (no nfa at all) gives a missing indicator, not an error or zeros
    assert out["nfa_pct"].isna().all()


def test_bad_rate_source_is_refused():
    with pytest.raises(ValueError, match="rate_source must be 'published' or 'computed', not 'dfe'"):
        derive_indicators(_frame(), rate_source="dfe")


def test_indicator_names_are_unique_snake_case_and_labels_match_table6():
    names = [i.name for i in INDICATORS]
    assert len(names) == len(set(names))
    assert all(n == n.lower() and " " not in n for n in names)
    labels = {i.table6_label for i in INDICATORS if i.table6_label}
    expected = {
        "Referral",
        "Assessment: Initial",
        "Assessment: Core",
        "Assessment: Continuous",
        "CIN at March 31st",
        "CIN starting in year",
        "Section 47s",
        "CP Conferences",
        "CP Plan at March 31st",
        "CP Plan starting in year",
        "Care Proceedings",
        "Children taken into care",
        "Section 20s",
        "Re-referrals within 12 months",
    }
    assert labels == expected

"""Spearman correlations, Table 6 assembly and the published-vs-reproduced comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csc_inequalities.national.correlations import (
    largest_difference_by_row,
    pairwise_correlations,
    published_vs_reproduced,
    spearman,
    table6,
)


def test_spearman_hand_computed_without_ties():
    # Ranks x: 1..5; y = 2,1,4,3,5 -> d = (-1,1,-1,1,0), sum d^2 = 4; rho = 1 - 6*4/(5*24) = 0.8
    rho, p, n = spearman([10, 20, 30, 40, 50], [2.0, 1.0, 4.0, 3.0, 5.0])
    assert n == 5
    assert rho == pytest.approx(0.8, abs=1e-12)
    # t = 0.8 * sqrt(3 / 0.36) = 2.3094; two-tailed p with 3 df
    t = 0.8 * np.sqrt(3 / (1 - 0.64))
    assert t == pytest.approx(2.309401, abs=1e-6)
    assert p == pytest.approx(0.104088, abs=1e-6)


def test_spearman_matches_scipy_and_pandas_with_ties_and_missing():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 12, 80).astype(float)  # many ties
    y = x + rng.normal(0, 4, 80)
    x[[3, 9, 40]] = np.nan
    y[[9, 17]] = np.nan
    rho, p, n = spearman(x, y)
    keep = ~(np.isnan(x) | np.isnan(y))
    assert n == keep.sum() == 76
    expected = stats.spearmanr(x[keep], y[keep])
    assert rho == pytest.approx(expected.statistic, abs=1e-12)
    assert p == pytest.approx(expected.pvalue, rel=1e-9)
    # Independent route: pandas average ranks then Pearson.
    frame = pd.DataFrame({"x": x, "y": y}).dropna().rank(method="average")
    assert rho == pytest.approx(frame["x"].corr(frame["y"]), abs=1e-12)


def test_spearman_too_few_or_constant_is_nan_with_n():
    rho, p, n = spearman([1, 2, np.nan], [3, np.nan, 1])
    assert np.isnan(rho) and np.isnan(p) and n == 1
    rho, p, n = spearman([1, 1, 1, 1], [1, 2, 3, 4])
    assert np.isnan(rho) and n == 4


def test_spearman_length_mismatch_message():
    with pytest.raises(ValueError, match="x and y differ in length: 3 vs 2"):
        spearman([1, 2, 3], [1, 2])


def _panel():
    rng = np.random.default_rng(11)
    rows = []
    for year in (2015, 2016):
        imd = rng.normal(25, 8, 30)
        rows.append(
            pd.DataFrame(
                {
                    "la_code": [f"E0{i:07d}" for i in range(30)],
                    "year": year,
                    "imd": imd,
                    "referrals_rate": imd * 20 + rng.normal(0, 60, 30),
                    "rereferrals_pct": rng.normal(20, 4, 30),
                }
            )
        )
    panel = pd.concat(rows, ignore_index=True)
    panel.loc[(panel["year"] == 2016) & (panel.index % 7 == 0), "referrals_rate"] = np.nan
    return panel


def test_pairwise_table_each_pair_and_year_against_scipy():
    panel = _panel()
    out = pairwise_correlations(panel, ["imd", "referrals_rate", "rereferrals_pct"], min_n=5)
    assert len(out) == 3 * 2
    assert list(out.columns) == ["indicator_a", "indicator_b", "year", "rho", "p", "n"]
    row = out[(out.indicator_a == "imd") & (out.indicator_b == "referrals_rate") & (out.year == 2016)].iloc[0]
    sub = panel[panel.year == 2016].dropna(subset=["referrals_rate"])
    expected = stats.spearmanr(sub["imd"], sub["referrals_rate"])
    # indices 35, 42, 49 and 56 of 2016 have no referral rate -> 26 LAs
    assert row["n"] == len(sub) == 26
    assert row["rho"] == pytest.approx(expected.statistic, abs=1e-12)
    assert row["p"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_pairwise_unknown_indicator_message():
    with pytest.raises(KeyError, match="indicators not in the panel: nope"):
        pairwise_correlations(_panel(), ["imd", "nope"])


DICTIONARY = pd.DataFrame(
    {
        "indicator": ["imd", "referrals_rate", "rereferrals_pct", "lac_rate"],
        "label": ["IMD", "Referrals per 10,000", "Re-referrals %", "LAC per 10,000"],
        "kind": ["score", "rate", "proportion", "rate"],
        "numerator": [None, "referrals", "re-referrals", "looked after"],
        "denominator": [None, "children 0-17", "referrals", "children 0-17"],
        "source_file": [None] * 4,
        "source_column": [None] * 4,
        "years_present": [None] * 4,
        "table6_label": [None, "Referral", "Re-referrals within 12 months", None],
    }
)


def test_table6_uses_published_labels_and_imd_orientation():
    panel = _panel()
    corr = pairwise_correlations(panel, ["referrals_rate", "imd", "rereferrals_pct"], min_n=5)
    t6 = table6(corr, DICTIONARY, "imd", years=[2015, 2016], label_order=["Referral", "Re-referrals within 12 months"])
    assert list(t6.columns[:5]) == ["indicator", "year", "rho", "p", "n"]
    assert t6["indicator"].tolist() == [
        "Referral",
        "Referral",
        "Re-referrals within 12 months",
        "Re-referrals within 12 months",
    ]
    sub = panel[panel.year == 2015]
    assert t6.iloc[0]["rho"] == pytest.approx(stats.spearmanr(sub["imd"], sub["referrals_rate"]).statistic)


def test_table6_rejects_a_definition_that_names_no_indicator():
    corr = pairwise_correlations(_panel(), ["imd", "referrals_rate"], min_n=5)
    with pytest.raises(
        ValueError,
        match="table 6 row 'Referral': indicator 'lac_rates' is neither in the data dictionary nor correlated with imd",
    ):
        table6(corr, DICTIONARY, "imd", [2015], primary={"Referral": "lac_rates"})
    # A known indicator without values (lac_rate is not in the panel) just gives no cells.
    t6 = table6(corr, DICTIONARY, "imd", [2015], primary={"Referral": "lac_rate"})
    assert "Referral" not in set(t6["indicator"])


def test_a_row_definition_can_be_swapped_to_any_correlated_indicator():
    panel = _panel()
    panel["lac_rate"] = panel["imd"] * 3 + np.random.default_rng(2).normal(0, 30, len(panel))
    corr = pairwise_correlations(panel, ["imd", "referrals_rate", "lac_rate"], min_n=5)
    t6 = table6(corr, DICTIONARY, "imd", [2015], primary={"Referral": "lac_rate"})
    sub = panel[panel.year == 2015]
    row = t6[t6["indicator"] == "Referral"].iloc[0]
    assert row["source_indicator"] == "lac_rate"
    assert row["rho"] == pytest.approx(stats.spearmanr(sub["imd"], sub["lac_rate"]).statistic)
    published = pd.DataFrame({"indicator": ["Referral"], "year": [2015], "rho": [0.3], "n": [30]})
    cmp = published_vs_reproduced(
        published, corr, DICTIONARY, "imd", primary={"Referral": "lac_rate"}, population="2015: DfE's own"
    )
    # The swapped-in definition first and used; the labelled one kept as the alternative.
    assert cmp["source_indicator"].tolist() == ["lac_rate", "referrals_rate"]
    assert cmp["primary"].tolist() == [True, False]
    assert cmp.loc[0, "definition"] == ("lac_rate: LAC per 10,000; numerator looked after; denominator children 0-17")


def test_published_vs_reproduced_match_mismatch_and_unavailable():
    panel = _panel()
    corr = pairwise_correlations(panel, ["imd", "referrals_rate", "rereferrals_pct"], min_n=5)
    sub = panel[panel.year == 2015]
    true_rho = stats.spearmanr(sub["imd"], sub["referrals_rate"]).statistic
    published = pd.DataFrame(
        {
            "indicator": ["Referral", "Referral", "Care Proceedings"],
            "year": [2015, 2016, 2015],
            "rho": [round(true_rho, 3), 0.1, 0.6],
            "n": [30, 26, 150],
        }
    )
    cmp = published_vs_reproduced(
        published, corr, DICTIONARY, "imd", row_notes={"Care Proceedings": "Cafcass rates start in 2015."}
    )
    first = cmp.iloc[0]
    assert bool(first["match"]) and first["n_reproduced"] == 30
    assert abs(first["diff"]) <= 0.0005
    second = cmp.iloc[1]
    assert not second["match"] and second["n_reproduced"] == 26
    assert "|difference|" in second["note"]
    third = cmp.iloc[2]
    assert pd.isna(third["rho_reproduced"])
    assert third["note"] == ("no indicator in the public files reproduces this row Cafcass rates start in 2015.")
    assert cmp["closest"].tolist() == [True, True, False]
    worst = largest_difference_by_row(cmp).set_index("indicator")
    assert worst.loc["Referral", "year_of_max"] == 2016
    assert worst.loc["Referral", "max_abs_diff"] == pytest.approx(abs(second["diff"]))
    assert worst.loc["Care Proceedings", "years_reproduced"] == 0


def test_alternative_definitions_primary_and_closest():
    panel = _panel()
    panel["referrals_alt"] = -panel["referrals_rate"]
    dictionary = pd.concat(
        [
            DICTIONARY,
            pd.DataFrame(
                {"indicator": ["referrals_alt"], "label": ["negated"], "kind": ["rate"], "table6_label": ["Referral"]}
            ),
        ],
        ignore_index=True,
    )
    corr = pairwise_correlations(panel, ["imd", "referrals_rate", "referrals_alt"], min_n=5)
    sub = panel[panel.year == 2015]
    rho = stats.spearmanr(sub["imd"], sub["referrals_rate"]).statistic
    published = pd.DataFrame({"indicator": ["Referral"], "year": [2015], "rho": [-rho], "n": [30]})
    cmp = published_vs_reproduced(published, corr, dictionary, "imd", primary={"Referral": "referrals_rate"})
    assert cmp["source_indicator"].tolist() == ["referrals_rate", "referrals_alt"]
    assert cmp["primary"].tolist() == [True, False]
    assert cmp["closest"].tolist() == [False, True]
    assert cmp.loc[1, "diff"] == pytest.approx(0.0, abs=1e-12)
    assert bool(cmp.loc[1, "match"])
    t6 = table6(corr, dictionary, "imd", [2015], primary={"Referral": "referrals_alt"})
    assert t6.loc[0, "rho"] == pytest.approx(-rho)
    assert t6.loc[0, "source_indicator"] == "referrals_alt"


def test_without_las_and_indicator_selection():
    from csc_inequalities.national.correlations import correlation_indicators, without_las

    panel = _panel()
    kept = without_las(panel, ["E00000000", "E00000001"])
    assert kept["la_code"].nunique() == 28
    with pytest.raises(ValueError, match="LA codes to exclude are not in the panel: E09000001"):
        without_las(panel, ["E09000001"])
    chosen = correlation_indicators(panel, DICTIONARY, "imd", exclude_kinds=["proportion"])
    assert chosen == ["imd", "referrals_rate"]  # lac_rate is in the dictionary but not the panel
    chosen = correlation_indicators(panel, DICTIONARY, "imd", exclude_indicators=["referrals_rate"])
    assert chosen == ["imd", "rereferrals_pct"]
    with pytest.raises(KeyError, match="IMD indicator 'imd2015' is not a column"):
        correlation_indicators(panel, DICTIONARY, "imd2015")


def test_read_checked_csv_names_file_and_expected_checksum(tmp_path):
    import hashlib

    from csc_inequalities.national.correlations import read_checked_csv

    data = tmp_path / "t6.csv"
    data.write_text("indicator,year\nReferral,2011\n")
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    manifest = tmp_path / "manifest.sha256"
    manifest.write_text(f"{digest}  t6.csv\n")
    assert read_checked_csv(data, manifest).shape == (1, 2)
    data.write_text("indicator,year\nReferral,2012\n")
    with pytest.raises(ValueError, match=f"t6.csv has sha256 [0-9a-f]{{64}}, expected {digest}"):
        read_checked_csv(data, manifest)
    data.unlink()
    with pytest.raises(FileNotFoundError, match=f"t6.csv is missing \\(expected sha256 {digest}\\)"):
        read_checked_csv(data, manifest)

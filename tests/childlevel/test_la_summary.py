"""The report about one LA (issue 14, item 5): rates per threshold, England and neighbour rates,
the study's six, the per-return quality counts and the report section, by hand."""
import json

import numpy as np
import pandas as pd
import pytest

from csc_inequalities.childlevel.extracts import LAFiles
from csc_inequalities.childlevel.la_summary import national_rates, spearman_rho, study_six, threshold_rates
from csc_inequalities.childlevel.pipeline import return_label, write_quality


def test_threshold_rates_counts_rates_and_suppression():
    episodes = pd.DataFrame({"referral_year": [2016] * 30 + [2017] * 12,
                             "assessed": [True] * 20 + [False] * 10 + [True] * 12,
                             "cpp": [True] * 3 + [False] * 27 + [True] * 12})
    rates = threshold_rates(episodes, {"referral": "", "assessment": "assessed", "cpp": "cpp"},
                            {2016: 20000.0}, min_cell=10).set_index(["year", "threshold"])
    assert rates.loc[(2016, "referral"), "episodes"] == 30
    assert rates.loc[(2016, "referral"), "rate_per_10k"] == pytest.approx(15.0)   # 30 / 20,000 x 10,000
    assert rates.loc[(2016, "assessment"), "rate_per_10k"] == pytest.approx(10.0)
    assert rates.loc[(2016, "cpp"), "suppressed"] and pd.isna(rates.loc[(2016, "cpp"), "episodes"])
    assert rates.loc[(2017, "cpp"), "episodes"] == 12 and pd.isna(rates.loc[(2017, "cpp"), "rate_per_10k"])  # no population


def _panel():
    return pd.DataFrame({"la_code": ["A", "B", "C"] * 2, "la_name": ["a", "b", "c"] * 2, "year": [2016] * 3 + [2017] * 3,
                         "pop_0_17": [10000.0, 30000.0, 20000.0] * 2,
                         "referrals": [100.0, 600.0, 300.0, 200.0, np.nan, 200.0]})


def test_national_rates_england_is_sum_over_sum_and_neighbours_median():
    rates = national_rates(_panel(), "A", ["B", "C"])
    ref = rates[rates["measure"] == "referrals"].set_index(["series", "year"])
    assert ref.loc[("LA", 2016), "rate"] == pytest.approx(100.0)
    assert ref.loc[("England", 2016), "rate"] == pytest.approx(1000 / 60000 * 10000)
    assert ref.loc[("England", 2017), "rate"] == pytest.approx(400 / 30000 * 10000)   # B has no 2017 value
    assert ref.loc[("neighbours median", 2016), "rate"] == pytest.approx(175.0)        # median of 200, 150
    assert ref.loc[("neighbours median", 2017), "rate"] == pytest.approx(100.0)


def test_spearman_rho():
    assert spearman_rho(pd.Series([1, 2, 3, 4]), pd.Series([10, 20, 30, 40])) == pytest.approx(1.0)
    assert spearman_rho(pd.Series([1, 2, 3, 4]), pd.Series([4, 3, 2, 1])) == pytest.approx(-1.0)


def test_study_six_sets_the_la_beside_the_published_six():
    published11 = pd.DataFrame({"class_id": [1, 1], "class_name": ["Neglect"] * 2, "la": ["LA0", "LA1"], "percent": [17, 5]})
    table11 = pd.DataFrame({"class_id": [1, 1], "category": ["E1", "E2"], "pct_corrected": [12.5, 99.0],
                            "pct_naive": [11.0, 98.0]})
    published13 = pd.DataFrame({"la": ["LA0"], "class_id": [1], "class_name": ["Neglect"], "percent_change": [33]})
    table13 = pd.DataFrame({"la_code": ["E1"], "class_id": [1], "percent_change_corrected": [20.0],
                            "ci_low_corrected": [15.0], "ci_high_corrected": [25.0]})
    six = study_six(table11, published11, table13, published13, "E1")
    assert six["table11"].to_dict("records") == [{"class_id": 1, "class_name": "Neglect", "LA0": 17, "LA1": 5,
                                                  "E1 (corrected)": 12.5, "E1 (naive)": 11.0}]
    assert six["table13"].iloc[0][["LA0", "E1", "E1 CI low", "E1 CI high"]].tolist() == [33, 20.0, 15.0, 25.0]


def test_quality_counts_per_return_suppressed_without_child_references(tmp_path):
    files = LAFiles("E1", {2016: "x/cin_2016.xml", 2017: "x/cin_2017_csv"}, "x/903.csv", "x/lsoa.csv")
    assert return_label("x/cin_2017_csv/children.csv", files) == "CIN census 2017"
    assert return_label("x/903.csv", files) == "SSDA903"
    findings = pd.DataFrame({
        "rule": ["dfe_8875"] * 12 + ["unknown_lsoa"] * 3,
        "severity": ["error"] * 12 + [""] * 3, "action": ["warn"] * 15,
        "file": ["x/cin_2016.xml"] * 12 + ["x/lsoa.csv"] * 3, "child_ref": [f"CHILD{i}" for i in range(15)],
    })
    write_quality(findings, files, "E1", tmp_path / "q.csv", min_cell=10)
    text = (tmp_path / "q.csv").read_text()
    assert "CHILD" not in text
    table = pd.read_csv(tmp_path / "q.csv").set_index(["return", "rule"])
    assert table.loc[("CIN census 2016", "dfe_8875"), "findings"] == 12
    assert table.loc[("CIN census 2016", "dfe_8875"), "description"] == ("DfE 8875 (error): The Date of Initial Child Protection Conference cannot be a weekend")
    assert table.loc[("child LSOA", "unknown_lsoa"), "suppressed"]
    assert pd.isna(table.loc[("child LSOA", "unknown_lsoa"), "findings"])

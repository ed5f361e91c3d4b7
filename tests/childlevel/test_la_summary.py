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
    episodes = pd.DataFrame(
        {
            "referral_year": [2016] * 30 + [2017] * 12,
            "assessed": [True] * 20 + [False] * 10 + [True] * 12,
            "cpp": [True] * 3 + [False] * 27 + [True] * 12,
        }
    )
    rates = threshold_rates(
        episodes, {"referral": "", "assessment": "assessed", "cpp": "cpp"}, {2016: 20000.0}, min_cell=10
    ).set_index(["year", "threshold"])
    assert rates.loc[(2016, "referral"), "episodes"] == 30
    assert rates.loc[(2016, "referral"), "rate_per_10k"] == pytest.approx(15.0)  # 30 / 20,000 x 10,000
    assert rates.loc[(2016, "assessment"), "rate_per_10k"] == pytest.approx(10.0)
    assert rates.loc[(2016, "cpp"), "suppressed"] and pd.isna(rates.loc[(2016, "cpp"), "episodes"])
    assert rates.loc[(2017, "cpp"), "episodes"] == 12 and pd.isna(
        rates.loc[(2017, "cpp"), "rate_per_10k"]
    )  # no population


def _panel():
    return pd.DataFrame(
        {
            "la_code": ["A", "B", "C"] * 2,
            "la_name": ["a", "b", "c"] * 2,
            "year": [2016] * 3 + [2017] * 3,
            "pop_0_17": [10000.0, 30000.0, 20000.0] * 2,
            "referrals": [100.0, 600.0, 300.0, 200.0, np.nan, 200.0],
        }
    )


def test_national_rates_england_is_sum_over_sum_and_neighbours_median():
    rates = national_rates(_panel(), "A", ["B", "C"])
    ref = rates[rates["measure"] == "referrals"].set_index(["series", "year"])
    assert ref.loc[("LA", 2016), "rate"] == pytest.approx(100.0)
    assert ref.loc[("England", 2016), "rate"] == pytest.approx(1000 / 60000 * 10000)
    assert ref.loc[("England", 2017), "rate"] == pytest.approx(400 / 30000 * 10000)  # B has no 2017 value
    assert ref.loc[("neighbours median", 2016), "rate"] == pytest.approx(175.0)  # median of 200, 150
    assert ref.loc[("neighbours median", 2017), "rate"] == pytest.approx(100.0)


def test_spearman_rho():
    assert spearman_rho(pd.Series([1, 2, 3, 4]), pd.Series([10, 20, 30, 40])) == pytest.approx(1.0)
    assert spearman_rho(pd.Series([1, 2, 3, 4]), pd.Series([4, 3, 2, 1])) == pytest.approx(-1.0)


def test_study_six_sets_the_la_beside_the_published_six():
    published11 = pd.DataFrame(
        {"class_id": [1, 1], "class_name": ["Neglect"] * 2, "la": ["LA0", "LA1"], "percent": [17, 5]}
    )
    table11 = pd.DataFrame(
        {"class_id": [1, 1], "category": ["E1", "E2"], "pct_corrected": [12.5, 99.0], "pct_naive": [11.0, 98.0]}
    )
    published13 = pd.DataFrame({"la": ["LA0"], "class_id": [1], "class_name": ["Neglect"], "percent_change": [33]})
    table13 = pd.DataFrame(
        {
            "la_code": ["E1"],
            "class_id": [1],
            "percent_change_corrected": [20.0],
            "ci_low_corrected": [15.0],
            "ci_high_corrected": [25.0],
        }
    )
    six = study_six(table11, published11, table13, published13, "E1")
    assert six["table11"].to_dict("records") == [
        {"class_id": 1, "class_name": "Neglect", "LA0": 17, "LA1": 5, "E1 (corrected)": 12.5, "E1 (naive)": 11.0}
    ]
    assert six["table13"].iloc[0][["LA0", "E1", "E1 CI low", "E1 CI high"]].tolist() == [33, 20.0, 15.0, 25.0]


def test_quality_counts_per_return_suppressed_without_child_references(tmp_path):
    files = LAFiles("E1", {2016: "x/cin_2016.xml", 2017: "x/cin_2017_csv"}, "x/903.csv", "x/lsoa.csv")
    assert return_label("x/cin_2017_csv/children.csv", files) == "CIN census 2017"
    assert return_label("x/903.csv", files) == "SSDA903"
    findings = pd.DataFrame(
        {
            "rule": ["dfe_8875"] * 12 + ["unknown_lsoa"] * 3,
            "severity": ["error"] * 12 + [""] * 3,
            "action": ["warn"] * 15,
            "file": ["x/cin_2016.xml"] * 12 + ["x/lsoa.csv"] * 3,
            "child_ref": [f"CHILD{i}" for i in range(15)],
        }
    )
    write_quality(findings, files, "E1", tmp_path / "q.csv", min_cell=10)
    text = (tmp_path / "q.csv").read_text()
    assert "CHILD" not in text
    table = pd.read_csv(tmp_path / "q.csv").set_index(["return", "rule"])
    assert table.loc[("CIN census 2016", "dfe_8875"), "findings"] == 12
    assert table.loc[("CIN census 2016", "dfe_8875"), "description"] == (
        "DfE 8875 (error): The Date of Initial Child Protection Conference cannot be a weekend"
    )
    assert table.loc[("child LSOA", "unknown_lsoa"), "suppressed"]
    assert pd.isna(table.loc[("child LSOA", "unknown_lsoa"), "findings"])


def test_the_report_names_the_la_and_shows_its_pages(tmp_path):
    """The section renders from its files; the LA's name and code are in the title, banner and heading;
    flagged gaps are marked; no synthetic banner."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from csc_inequalities.report.render import render_report

    la = "E09000007"
    summary = {
        "la_code": la,
        "la_name": "Camden",
        "years": [2016, 2017],
        "imd2015_avg_score": 22.4,
        "imd2015_rank": 74,
        "n_las_imd": 152,
        "episodes": 1234,
        "tolerance": 0.1,
        "compared": 2,
        "flagged": 1,
        "largest_gap": {
            "year": 2017,
            "measure": "s47",
            "label": "Section 47 enquiries starting",
            "extract": 150,
            "published": 100.0,
            "relative_gap": 0.5,
        },
        "scatter_year": 2017,
        "neighbours": ["E1"],
        "min_cell": 10,
    }
    files = {
        "summary": tmp_path / "summary.json",
        "thresholds": tmp_path / "t.csv",
        "reconciliation": tmp_path / "r.csv",
        "neighbours": tmp_path / "n.csv",
        "trends": tmp_path / "trends.png",
        "scatter": tmp_path / "scatter.png",
        "table11": tmp_path / "t11.csv",
        "table13": tmp_path / "t13.csv",
        "returns": tmp_path / "returns.csv",
        "quality": tmp_path / "q.csv",
        "provenance": tmp_path / "none.json",
    }
    files["summary"].write_text(json.dumps(summary))
    pd.DataFrame(
        {
            "year": [2016, 2016],
            "threshold": ["referral", "cpp"],
            "episodes": [600, None],
            "rate_per_10k": [150.0, None],
            "population_0_17": [40000.0, 40000.0],
            "suppressed": [False, True],
        }
    ).to_csv(files["thresholds"], index=False)
    pd.DataFrame(
        {
            "year": [2017, 2017],
            "label": ["Referrals", "Section 47 enquiries starting"],
            "extract": [1010, 150],
            "published": [1000.0, 100.0],
            "difference": [10.0, 50.0],
            "relative_gap": [0.01, 0.5],
            "flag": [False, True],
            "status": ["within tolerance", "gap beyond tolerance"],
        }
    ).to_csv(files["reconciliation"], index=False)
    pd.DataFrame({"la_code": ["E1"], "la_name": ["Islington"], "imd2015_avg_score": [27.5], "distance": [5.1]}).to_csv(
        files["neighbours"], index=False
    )
    for name in ("trends", "scatter"):
        plt.figure(figsize=(1, 1))
        plt.plot([0, 1])
        plt.savefig(files[name])
        plt.close()
    pd.DataFrame({"class_id": [1], "class_name": ["Neglect"], "LA0": [17]}).to_csv(files["table11"], index=False)
    pd.DataFrame({"class_id": [1], "class_name": ["Neglect"], "LA0": [33]}).to_csv(files["table13"], index=False)
    pd.DataFrame(
        {"return": ["CIN census 2017"], "file": ["cin.xml"], "DfE rules applied": [69], "rules with findings": [1]}
    ).to_csv(files["returns"], index=False)
    pd.DataFrame(
        {
            "la_code": [la],
            "return": ["CIN census 2017"],
            "rule": ["dfe_8875"],
            "severity": ["error"],
            "action": ["warn"],
            "description": ["weekend ICPC"],
            "findings": [None],
            "suppressed": [True],
        }
    ).to_csv(files["quality"], index=False)
    sections = {
        "la_report": {
            "order": -1,
            "title": "Your local authority",
            "inputs": {f"{k}_{la}": str(v) for k, v in files.items()},
        }
    }
    html = render_report(
        sections,
        {"run_label": "camden", "validation": {"report_dir": "local/validation"}, "disclosure": {"min_cell": 10}},
        "report/templates",
        tmp_path / "r.html",
        synthetic=False,
    ).read_text()
    assert "<title>Camden (E09000007): System conditions" in html
    assert 'Camden (E09000007): run "camden" on this local authority\'s own extracts' in html
    assert "SYNTHETIC DATA" not in html
    assert '<h3 id="la-E09000007">Camden (E09000007)</h3>' in html
    assert "<b>1 of 2</b> compared counts" in html and "⚑ gap beyond tolerance" in html
    assert "+50.0%" in html and "600 (150.0)" in html
    assert "Islington (27.5)" in html and html.count("data:image/png;base64,") == 2
    assert "What is safe to share" in html and "results/record_level/" in html


def test_quality_counts_secondary_suppression_across_returns(tmp_path):
    """A rule's LA total is published (validation counts): one suppressed return of a rule takes a
    second cell with it, so the total cannot reveal it."""
    files = LAFiles("E1", {2016: "x/a.xml", 2017: "x/b.xml", 2018: "x/c.xml"})
    findings = pd.DataFrame(
        {
            "rule": ["dates_out_of_order"] * 45,
            "severity": [""] * 45,
            "action": ["drop"] * 45,
            "file": ["x/a.xml"] * 5 + ["x/b.xml"] * 25 + ["x/c.xml"] * 15,
        }
    )
    table = write_quality(findings, files, "E1", tmp_path / "q.csv", min_cell=10).set_index("return")
    assert table.loc["CIN census 2016", "suppressed"]  # 5 < 10
    assert table.loc["CIN census 2018", "suppressed"]  # the smallest other cell, 15
    assert not table.loc["CIN census 2017", "suppressed"] and table.loc["CIN census 2017", "findings"] == 25

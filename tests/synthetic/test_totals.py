"""Each LA's totals follow its published figures (issue 12, Build item 3): per LA x collection year the
synthetic referrals, assessments, S47s, ICPCs, CPP starts and care starts against the national panel,
the offsets in the truth, and a clear error for panel years that are missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from lxml import etree

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
from csc_inequalities.national.panel import build_panel
from csc_inequalities.synthetic.run import generate_all
from csc_inequalities.synthetic.totals import MEASURES, PANEL_SERIES, STOCKS, panel_totals, totals_vs_panel

ROOT = Path(__file__).resolve().parents[2]
# A small config: two real LAs whose published counts the model can carry at every step.
LAS = ["E06000036", "E06000005"]  # Bracknell Forest (LA IMD decile 1), Darlington (6)
YEARS = list(range(2014, 2019))


@pytest.fixture(scope="module")
def panel():
    built, _, _ = build_panel(ROOT / "resources" / "national" / "raw", first_year=2013, last_year=2019)
    return built[["la_code", "year", *PANEL_SERIES]]


@pytest.fixture(scope="module")
def run(panel, tmp_path_factory):
    config = validate_config(
        yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), load_schema(ROOT / "workflow" / "schemas")
    )
    synthetic = dict(config["synthetic"], las=LAS, lea_codes={"E06000036": "867", "E06000005": "841"})
    reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
    population = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
    population = population[population["la_code"].isin(LAS)]
    out = tmp_path_factory.mktemp("totals")
    result = generate_all(
        synthetic,
        reference,
        population,
        str(ROOT / "resources" / "lca" / "published"),
        {"E06000036": "867", "E06000005": "841"},
        str(out),
        b"k" * 32,
        panel,
    )
    return dict(config=synthetic, result=result, table=totals_vs_panel(result["summaries"], panel))


def test_following_the_panel_is_the_default():
    config = validate_config(
        yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), load_schema(ROOT / "workflow" / "schemas")
    )
    assert config["synthetic"]["referrals_from_panel"] is True
    assert config["synthetic"]["panel_measures"] == ["assessments", "s47", "icpc", "cpp_starts", "lac_starts"]
    assert config["synthetic"]["panel_missing"] == {
        "referrals": "error",
        "assessments": "other_years",
        "s47": "error",
        "icpc": "error",
        "cpp_starts": "error",
        "lac_starts": "error",
    }


def test_every_la_year_and_measure_is_within_10_percent_or_3_sd_of_the_published_count(run, panel):
    table = run["table"]
    table = table[table["measure"].isin(list(MEASURES))]  # the flows (stocks: the test below)
    published = table[table["published"].notna()]
    # 2 LAs x 5 years x 6 measures, less the 2013-14 assessments (not published: continuous assessments start 2014-15).
    assert len(table) == 2 * 5 * 6 and len(published) == 2 * 5 * 6 - 2
    assert set(table.loc[table["published"].isna(), "measure"]) == {"assessments"}
    assert set(table.loc[table["published"].isna(), "year"]) == {2014}
    assert published["within"].all(), published[~published["within"]].to_string()
    # The published column is the panel's own count, the synthetic one the generated events.
    row = table[(table["la_code"] == "E06000036") & (table["year"] == 2017) & (table["measure"] == "cpp_starts")].iloc[
        0
    ]
    assert row["published"] == panel.set_index(["la_code", "year"]).loc[("E06000036", 2017), "cpp_starting"]
    episodes = run["result"]["episodes"]
    referrals = table[
        (table["la_code"] == "E06000036") & (table["year"] == 2017) & (table["measure"] == "referrals")
    ].iloc[0]
    assert referrals["synthetic"] == int(
        ((episodes["la_code"] == "E06000036") & (episodes["referral_year"] == 2017)).sum()
    )
    # The noise-free expectation equals the published count wherever the model can carry it.
    np.testing.assert_allclose(published["expected"], published["published"], rtol=2e-3)


def test_children_in_need_at_31_march_follow_the_published_stock_every_year(run, panel):
    """The stocks at 31 March: 3 per LA and year, the published ones from the panel; children in need
    within 10% or 3 Poisson SD every year (episodes open at the period's start included: burn-in)."""
    table = run["table"]
    stocks = table[table["measure"].isin(list(STOCKS))]
    assert len(stocks) == 2 * 5 * 3
    cin = stocks[stocks["measure"] == "cin_at_31_march"]
    real = panel.set_index(["la_code", "year"])["cin_at_31_march"]
    assert cin["published"].tolist() == [real[(la, y)] for la, y in zip(cin["la_code"], cin["year"], strict=True)]
    assert cin["within"].all(), cin.to_string()
    assert cin["expected"].isna().all()  # solved on the LA's draws: no noise-free expectation
    # The returns hold episodes referred before the period; the analyses' episode table does not.
    episodes = run["result"]["episodes"]
    assert episodes["referral_year"].min() == 2014
    summary = {s["la_code"]: s for s in run["result"]["summaries"]}["E06000036"]
    assert set(summary["duration_scales"]) == {"care", "cpp", "long_plan_scale", "long_plan_share"}
    assert sorted(int(y) for y in summary["duration_scales"]["long_plan_share"]) == YEARS


def test_the_truth_carries_the_offsets(run):
    generator = run["result"]["truth"]["generator"]
    assert generator["referrals_from_panel"] is True
    assert generator["panel_measures"] == ["assessments", "s47", "icpc", "cpp_starts", "lac_starts"]
    offsets = generator["panel_offsets"]
    assert set(offsets) == set(LAS)
    for la in LAS:
        assert sorted(offsets[la]) == YEARS
        for year in YEARS:
            assert set(offsets[la][year]) == {"assess", "cpp", "lac", "icpc", "s47"}
    # 2013-14 has no published assessments: its offset is the mean of the other years' (panel_missing).
    la = LAS[0]
    assert offsets[la][2014]["assess"] == pytest.approx(np.mean([offsets[la][y]["assess"] for y in YEARS[1:]]))


def test_a_missing_panel_year_is_an_error_naming_la_year_and_series(panel):
    gap = panel.copy()
    gap.loc[(gap["la_code"] == "E06000036") & (gap["year"] == 2016), "s47"] = np.nan
    with pytest.raises(ValueError, match=r"no 's47' count for E06000036 in collection year\(s\) \[2016\]"):
        panel_totals(gap, "E06000036", YEARS, ["s47"])
    with pytest.raises(ValueError, match=r"no 'referrals' count for E06000036 in collection year\(s\) \[2025\]"):
        panel_totals(panel, "E06000036", [2018, 2025], [])
    with pytest.raises(
        ValueError, match=r"no 'continuous_assessments' count for E06000036 in collection year\(s\) \[2014\]"
    ):
        panel_totals(panel, "E06000036", YEARS, ["assessments"])
    totals = dict(panel_totals(panel, "E06000036", YEARS, ["assessments"], {"assessments": "other_years"}))
    assert dict(totals["assessments"])[2014] is None
    assert (
        dict(totals["assessments"])[2015]
        == panel.set_index(["la_code", "year"]).loc[("E06000036", 2015), "continuous_assessments"]
    )
    assert MEASURES["lac_starts"] == "cla_started"


def test_returns_that_follow_the_totals_pass_the_dfe_rules(run):
    """Offsets move S47s, ICPCs and CIN plans between episodes: the returns stay valid (0 findings)."""
    from csc_inequalities.childlevel.extracts import LAFiles, validate_la

    lsoa_codes = set(build_lsoa_reference(ROOT / "resources" / "lsoa")["lsoa11"])
    checked = 0
    for la_code, files in run["result"]["manifest"].items():
        la_files = LAFiles(
            la_code, {int(y): p for y, p in files["cin_census"].items()}, files["ssda903"], files["child_lsoa"]
        )
        returns, _, _, findings, _ = validate_la(la_files, lsoa_codes, dfe_rules=True)
        assert len(returns) == len(YEARS)
        assert findings.empty, findings["message"].head(5).tolist()
        checked += sum(len(r.tables["cin_details"]) for r in returns)
    assert checked > 5000


@pytest.fixture(scope="module")
def kingston(panel, tmp_path_factory):
    """Kingston upon Thames: more published assessments than referrals in 2015-2018."""
    config = validate_config(
        yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), load_schema(ROOT / "workflow" / "schemas")
    )
    synthetic = dict(config["synthetic"], las=["E09000021"])
    reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
    population = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
    out = tmp_path_factory.mktemp("kingston")
    result = generate_all(
        synthetic,
        reference,
        population[population["la_code"] == "E09000021"],
        str(ROOT / "resources" / "lca" / "published"),
        {"E09000021": "314"},
        str(out),
        b"k" * 32,
        panel,
    )
    return dict(result=result, table=totals_vs_panel(result["summaries"], panel), lsoa=set(reference["lsoa11"]))


def test_more_assessments_than_referrals_are_re_assessments(kingston, panel):
    from csc_inequalities.childlevel.extracts import LAFiles, validate_la
    from csc_inequalities.synthetic.generator import REASSESS_FROM

    table = kingston["table"]
    rows = table[(table["measure"] == "assessments") & table["published"].notna()]
    mine = panel.set_index(["la_code", "year"])
    assert (
        rows["published"].to_numpy() > mine.loc[[("E09000021", y) for y in rows["year"]], "referrals"].to_numpy()
    ).all()
    assert rows["within"].all(), rows.to_string()
    published = table[table["published"].notna()]
    assert published["within"].all(), published[~published["within"]].to_string()
    offsets = kingston["result"]["truth"]["generator"]["panel_offsets"]["E09000021"]
    assert all(offsets[y]["assess"] > REASSESS_FROM for y in (2015, 2016, 2017, 2018))
    files = kingston["result"]["manifest"]["E09000021"]
    # Some episodes referred in 2015-16 carry two assessments (the return also holds episodes
    # referred earlier and still open, with theirs).
    tree = etree.parse(files["cin_census"][2016])
    referred = [d for d in tree.iter("CINdetails") if "2015-04-01" <= d.findtext("CINreferralDate") <= "2016-03-31"]
    assert sum(len(d.findall("Assessments")) for d in referred) > len(referred)
    la_files = LAFiles(
        "E09000021", {int(y): p for y, p in files["cin_census"].items()}, files["ssda903"], files["child_lsoa"]
    )
    _, _, _, findings, _ = validate_la(la_files, kingston["lsoa"], dfe_rules=True)
    assert findings.empty, findings["message"].head(5).tolist()

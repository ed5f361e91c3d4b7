"""The two workflow steps end to end on a small LA, the report section, and the privacy check."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from csc_inequalities.childlevel.findings import ExtractError
from csc_inequalities.childlevel.pipeline import merge_las, run_la
from csc_inequalities.privacy import PrivacyCheckFailed, run_privacy_check
from csc_inequalities.report.render import make_environment
from csc_inequalities.report.sections import childlevel_data

from .builders import child, cin_details, cin_return

ROOT = Path(__file__).resolve().parents[2]


def _la(tmp_path, la_code, n_children, bad=False, first_lsoa=1):
    folder = tmp_path / "local" / la_code
    folder.mkdir(parents=True)
    children = [
        child(
            f"{la_code[-3:]}KID{i:04d}",
            f"20{i % 10 + 5:02d}-0{i % 9 + 1}-1{i % 9}",
            str(1 + i % 2),
            ["WBRI", "AIND", "BAFR"][i % 3],
            episodes=[
                cin_details(
                    "2016-06-01" if i % 4 else "2016-11-15",
                    "1A",
                    assessments=[("2016-06-02" if i % 4 else "2016-11-16", ["16A"])],
                )
            ],
        )
        for i in range(n_children)
    ]
    if bad:
        children[0]["GenderCurrent"] = "7"
    (folder / "cin_2017.xml").write_text(cin_return(children, 2017))
    (folder / "lsoa.csv").write_text(
        "LAchildID,LSOA11CD\n"
        + "".join(f"{c['LAchildID']},E0100000{i % 3 + first_lsoa}\n" for i, c in enumerate(children))
    )
    return {"cin_census": {2017: str(folder / "cin_2017.xml")}, "ssda903": None, "child_lsoa": str(folder / "lsoa.csv")}


@pytest.fixture()
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reference = pd.DataFrame(
        {
            "lsoa11": [f"E0100000{i}" for i in range(1, 7)],
            "la_code": ["E09000001"] * 3 + ["E09000002"] * 3,
            "imd2015_score": [5.0, 20.0, 50.0] * 2,
            "imd_decile_official": [9, 5, 1] * 2,
            "imd_decile_least1": [2, 6, 10] * 2,
        }
    )
    reference.to_parquet(tmp_path / "lsoa_reference.parquet")
    outputs = {}
    for la_code, n, first_lsoa in (("E09000001", 40, 1), ("E09000002", 25, 4)):
        outputs[la_code] = dict(
            episodes_path=f"results/record_level/la/{la_code}.parquet",
            counts_path=f"results/childlevel/validation/{la_code}.csv",
            findings_path=f"local/validation/{la_code}_findings.csv",
            identifiers_path=f"local/validation/{la_code}_identifiers.json",
        )
        run_la(
            la_code,
            _la(tmp_path, la_code, n, first_lsoa=first_lsoa),
            "lsoa_reference.parquet",
            ".secrets/key",
            {},
            2017,
            **outputs[la_code],
        )
    merge_las(
        [o["episodes_path"] for o in outputs.values()],
        [o["counts_path"] for o in outputs.values()],
        "results/record_level/episodes.parquet",
        "results/childlevel/validation_counts.csv",
        "results/childlevel/episodes_by_la_year.csv",
        "results/childlevel/summary.json",
        10,
        False,
        True,
        "synthetic",
    )
    return tmp_path


def test_merged_outputs_are_disclosure_controlled(run):
    episodes = pd.read_parquet(run / "results/record_level/episodes.parquet")
    assert len(episodes) == 65 and episodes["la_code"].value_counts().to_dict() == {"E09000001": 40, "E09000002": 25}
    by_year = pd.read_csv(run / "results/childlevel/episodes_by_la_year.csv")
    assert by_year[["la_code", "referral_year", "episodes"]].values.tolist() == [
        ["E09000001", 2017, 40.0],
        ["E09000002", 2017, 25.0],
    ]
    summary = json.loads((run / "results/childlevel/summary.json").read_text())
    assert summary == {
        "source": "synthetic",
        "las": 2,
        "episodes": 65,
        "referral_years": [2017],
        "share_with_lsoa": 1.0,
        "min_cell": 10,
    }
    assert (run / ".secrets/key").exists()


def test_report_section_renders(run):
    inputs = {
        "validation_counts": "results/childlevel/validation_counts.csv",
        "episode_counts": "results/childlevel/episodes_by_la_year.csv",
        "summary": "results/childlevel/summary.json",
        "episodes_provenance": "missing.json",
    }
    context = childlevel_data.build_context(inputs, {"validation": {"policy": {}}})
    html = (
        make_environment(ROOT / "report/templates")
        .get_template("sections/childlevel_data.html.j2")
        .render(inputs=inputs, synthetic=True, **context)
    )
    assert "Synthetic data." in html and "65" in html and "E09000002" in html


def test_privacy_check_passes_then_catches_a_leak(run):
    ids = sorted(str(p) for p in Path("local/validation").glob("*_identifiers.json"))
    Path("report").mkdir()
    Path("report/report.html").write_text("<p>ok</p>")
    summary = run_privacy_check(
        ids, "results", "report", ["results/record_level", "results/privacy"], "results/privacy/identifier_check.json"
    )
    assert summary["passed"] and summary["identifiers_checked"] == 65
    pd.DataFrame({"child": ["001KID0003"], "n": [1]}).to_csv("results/leak.csv", index=False)
    with pytest.raises(PrivacyCheckFailed, match="results/leak.csv"):
        run_privacy_check(
            ids,
            "results",
            "report",
            ["results/record_level", "results/privacy"],
            "results/privacy/identifier_check.json",
        )


def test_errors_stop_the_la_and_keep_the_local_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pd.DataFrame(
        {
            "lsoa11": ["E01000001"],
            "la_code": ["E09000003"],
            "imd2015_score": [1.0],
            "imd_decile_official": [10],
            "imd_decile_least1": [1],
        }
    ).to_parquet("ref.parquet")
    with pytest.raises(ExtractError, match="field GenderCurrent: expected GenderCurrent"):
        run_la(
            "E09000003",
            _la(tmp_path, "E09000003", 3, bad=True),
            "ref.parquet",
            ".secrets/key",
            {},
            2017,
            "e.parquet",
            "c.csv",
            "local/validation/E09000003_findings.csv",
            "i.json",
        )
    failed = pd.read_csv("local/validation/E09000003_findings.failed.csv")
    assert failed.loc[failed["action"] == "error", "child_ref"].tolist() == ["003KID0000"]


def test_round_trip_report(run):
    from csc_inequalities.childlevel.pipeline import round_trip

    episodes = pd.read_parquet("results/record_level/episodes.parquet")
    episodes.sample(frac=1, random_state=3).to_parquet("results/record_level/generator_episodes.parquet")
    assert round_trip(
        "results/record_level/episodes.parquet",
        "results/record_level/generator_episodes.parquet",
        "results/childlevel/roundtrip.json",
    ) == {"episodes_read": 65, "episodes_generated": 65, "mismatches": {}, "agree": True}
    episodes.loc[[3, 7], "s47"] = True
    episodes.to_parquet("results/record_level/generator_episodes.parquet")
    result = round_trip(
        "results/record_level/episodes.parquet",
        "results/record_level/generator_episodes.parquet",
        "results/childlevel/roundtrip.json",
    )
    assert result["mismatches"] == {"s47": 2} and not result["agree"]
    inputs = {
        "validation_counts": "results/childlevel/validation_counts.csv",
        "episode_counts": "results/childlevel/episodes_by_la_year.csv",
        "summary": "results/childlevel/summary.json",
        "episodes_provenance": "missing.json",
        "roundtrip": "results/childlevel/roundtrip.json",
    }
    html = (
        make_environment(ROOT / "report/templates")
        .get_template("sections/childlevel_data.html.j2")
        .render(inputs=inputs, synthetic=True, **childlevel_data.build_context(inputs, {}))
    )
    assert "<b>differences</b>" in html and "s47 (2)" in html


def test_dfe_error_stops_the_la_job_and_keeps_the_local_report(tmp_path, monkeypatch):
    from .dfe_cases import CASES, apply

    monkeypatch.chdir(tmp_path)
    pd.DataFrame(
        {
            "lsoa11": ["E01000001"],
            "la_code": ["E09000003"],
            "imd2015_score": [1.0],
            "imd_decile_official": [10],
            "imd_decile_least1": [1],
        }
    ).to_parquet("ref.parquet")
    Path("cin_2017.xml").write_text(apply(CASES["2884"][0]))
    files = {"cin_census": {2017: "cin_2017.xml"}, "ssda903": None, "child_lsoa": None}
    with pytest.raises(
        ExtractError,
        match=r"\[dfe_2884\] cin_2017.xml, line 22, child CHILDA, CINdetails referral "
        r"2016-06-01, field DateOfInitialCPC: expected the ICPC recorded at one level",
    ):
        run_la(
            "E09000003",
            files,
            "ref.parquet",
            ".secrets/key",
            {},
            2017,
            "e.parquet",
            "c.csv",
            "local/validation/E09000003_findings.csv",
            "i.json",
            dfe_rules=True,
        )
    failed = pd.read_csv("local/validation/E09000003_findings.failed.csv")
    assert failed.loc[failed["action"] == "error", ["rule", "severity"]].values.tolist() == [["dfe_2884", "error"]]
    # With the rule's policy at warn the LA loads, the finding counted.
    episodes = run_la(
        "E09000003",
        files,
        "ref.parquet",
        ".secrets/key",
        {"dfe_2884": "warn"},
        2017,
        "e.parquet",
        "c.csv",
        "local/validation/E09000003_findings.csv",
        "i.json",
        dfe_rules=True,
    )
    assert len(episodes) == 4
    assert pd.read_csv("c.csv")[["rule", "action", "findings"]].values.tolist() == [
        ["dfe_2884", "warn", 1],
        ["unknown_lsoa", "warn", 3],
    ]

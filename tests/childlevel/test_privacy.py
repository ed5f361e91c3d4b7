"""The identifier check finds planted identifiers/birth dates and passes clean outputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from csc_inequalities.privacy import PrivacyCheckFailed, files_to_scan, run_privacy_check, scan_files


def _tree(tmp_path):
    (tmp_path / "results" / "lca").mkdir(parents=True)
    (tmp_path / "results" / "record_level").mkdir(parents=True)
    (tmp_path / "report").mkdir()
    (tmp_path / "results" / "lca" / "fit.csv").write_text("classes,bic\n7,12345.6\n")
    (tmp_path / "results" / "record_level" / "episodes.csv").write_text("child,CHILDAAA1\n")  # excluded
    (tmp_path / "report" / "report.html").write_text("<p>created 2026-11-24</p>")
    ids = tmp_path / "ids.json"
    ids.write_text(
        json.dumps(
            {
                "identifiers": ["CHILDAAA1", "A123456789012", "77"],
                "birth_dates": ["2010-05-01", "2011-01-02", "2012-03-04"],
            }
        )
    )
    return ids


def test_clean_outputs_pass_and_record_level_is_excluded(tmp_path):
    ids = _tree(tmp_path)
    summary = run_privacy_check(
        [ids],
        tmp_path / "results",
        tmp_path / "report",
        [tmp_path / "results" / "record_level"],
        tmp_path / "check.json",
        birth_date_threshold=2,
    )
    assert summary["passed"] and summary["files_scanned"] == 2
    assert summary["identifiers_checked"] == 2  # "77" is shorter than 6 characters


@pytest.mark.parametrize("leak", ["<td>CHILDAAA1</td>", "upn=A123456789012;", "born 01/05/2010 and 2011-01-02"])
def test_planted_identifier_or_birth_dates_fail(tmp_path, leak):
    ids = _tree(tmp_path)
    (tmp_path / "report" / "report.html").write_text(f"<p>{leak}</p>")
    with pytest.raises(PrivacyCheckFailed, match="report.html"):
        run_privacy_check(
            [ids],
            tmp_path / "results",
            tmp_path / "report",
            [tmp_path / "results" / "record_level"],
            tmp_path / "check.json",
            birth_date_threshold=2,
        )
    written = json.loads((tmp_path / "check.json").read_text())
    assert written["passed"] is False
    assert "CHILDAAA1" not in (tmp_path / "check.json").read_text()  # the check never repeats an identifier


def test_parquet_string_values_are_scanned(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": ["ok", "CHILDAAA1"], "n": [1, 2]}).to_parquet(path)
    result = scan_files([path], {"CHILDAAA1"}, set())
    assert result["failed_files"] == [str(path)]
    assert scan_files([path], {"CHILDBBB2"}, set())["passed"]


def test_files_to_scan_excludes_folders(tmp_path):
    _tree(tmp_path)
    names = [
        p.name
        for p in files_to_scan(tmp_path / "results", tmp_path / "report", [tmp_path / "results" / "record_level"])
    ]
    assert names == ["fit.csv", "report.html"]


def test_collection_year_boundaries_are_not_birth_dates(tmp_path):
    path = tmp_path / "periods.csv"
    path.write_text("period_end,period_start\n2014-03-31,2013-04-01\n2015-03-31,2014-04-01\n")
    births = {"2014-03-31", "2013-04-01", "2015-03-31", "2014-04-01", "2012-07-07"}
    assert scan_files([path], set(), births, birth_date_threshold=1)["passed"]
    path.write_text("dob\n2012-07-07\n")
    assert not scan_files([path], set(), births, birth_date_threshold=1)["passed"]

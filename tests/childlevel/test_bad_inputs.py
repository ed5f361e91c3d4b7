"""Every bad input under tests/data/bad_inputs/ gives exactly its expected findings (expected.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from csc_inequalities.childlevel.extracts import LAFiles, load_la, validate_la
from csc_inequalities.childlevel.findings import ExtractError

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_inputs"
EXPECTED = yaml.safe_load((BAD / "expected.yaml").read_text())
LSOA_CODES = {"E01000001", "E01000002"}


def _files(name: str, kind: str) -> LAFiles:
    if kind == "ssda903":
        return LAFiles("E09000001", {2017: "valid_2017.xml"}, ssda903=name)
    if kind == "child_lsoa":
        return LAFiles("E09000001", {2017: "valid_2017.xml"}, child_lsoa=name)
    return LAFiles("E09000001", {2017: name})


def test_there_are_at_least_twenty_distinct_bad_inputs():
    assert len(EXPECTED) >= 20
    assert len({tuple(spec["messages"]) for spec in EXPECTED.values()}) == len(EXPECTED)
    assert all(spec["messages"] for spec in EXPECTED.values())


def test_the_valid_base_file_has_no_findings(monkeypatch):
    monkeypatch.chdir(BAD)
    _, _, _, findings, _ = validate_la(LAFiles("E09000001", {2017: "valid_2017.xml"}), None)
    assert findings.empty


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_gives_its_expected_messages(name, monkeypatch):
    monkeypatch.chdir(BAD)  # messages name files relative to this folder
    spec = EXPECTED[name]
    lsoa = LSOA_CODES if spec["input"] == "child_lsoa" else None
    _, _, _, findings, _ = validate_la(_files(name, spec["input"]), lsoa)
    assert findings["message"].tolist() == spec["messages"]
    stops = (findings["action"] == "error").any()
    assert stops == spec["stops_run"]
    if stops:
        with pytest.raises(ExtractError) as error:
            load_la(_files(name, spec["input"]), lsoa, b"k" * 32)
        first_error = findings.loc[findings["action"] == "error", "message"].iloc[0]
        assert first_error in str(error.value)


def test_without_an_lsoa_table_every_child_is_an_unknown_lsoa_warning(monkeypatch):
    monkeypatch.chdir(BAD)
    _, _, _, findings, _ = validate_la(LAFiles("E09000001", {2017: "valid_2017.xml"}), LSOA_CODES)
    assert findings["message"].tolist() == [
        "[unknown_lsoa] valid_2017.xml, child BADCHILD01, child LSOA, field LSOA11CD: expected an English LSOA 2011 "
        "code in the LSOA reference, found no row for this child"
    ]
    assert findings["action"].tolist() == ["warn"]

"""An LA's own extract, safely (issue 14 items 1-2, 7): files that do not exist or are configured
twice stop the workflow before anything runs, naming the config key; a return of another LA (header
LEA, children's LSOAs) or of another year stops the LA with a message naming file, field, expected
and found; an LA with no usable episode stops with one message; the stand-alone validator works on
the default config and never writes a file the workflow owns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from csc_inequalities.childlevel.extracts import (
    ConfigFileError,
    LAFiles,
    check_configured_files,
    configured_file_problems,
    la_numbers,
    load_la,
    validate_la,
)
from csc_inequalities.childlevel.findings import ExtractError

from .builders import child, cin_details, cin_return

ROOT = Path(__file__).resolve().parents[2]
CAMDEN, LAMBETH = "E09000007", "E09000022"


def test_shipped_la_numbers():
    numbers = la_numbers(ROOT / "resources/childlevel/la_numbers.csv")
    assert len(numbers) == 152
    assert numbers[CAMDEN] == "202" and numbers[LAMBETH] == "208" and numbers["E06000018"] == "892"


def _extracts(tmp_path, las):
    (tmp_path / "ex").mkdir(exist_ok=True)
    for spec in las.values():
        for name in list(spec.get("cin_census", {}).values()) + [spec.get("child_lsoa")]:
            if name and not name.startswith("missing"):
                (tmp_path / "ex" / name).write_text("x")
    return {"source": "extracts", "directory": str(tmp_path / "ex"), "las": las}


def test_a_path_typo_names_the_config_key(tmp_path):
    extracts = _extracts(
        tmp_path, {"E06000018": {"cin_census": {2016: "cin_892_2016.xml", 2017: "missing_cin_982_2017.xml"}}}
    )
    problems = configured_file_problems(extracts)
    assert problems == [
        f'config key extracts.las.E06000018.cin_census."2017": '
        f"{tmp_path / 'ex' / 'missing_cin_982_2017.xml'} does not exist"
    ]
    with pytest.raises(ConfigFileError, match="the extracts configuration names files that cannot be used"):
        check_configured_files(extracts)


def test_one_file_configured_for_two_years_or_las(tmp_path):
    extracts = _extracts(
        tmp_path,
        {
            "E06000018": {"cin_census": {2016: "cin.xml", 2017: "cin.xml"}},
            LAMBETH: {"cin_census": {2017: "other.xml"}, "child_lsoa": "cin.xml"},
        },
    )
    assert configured_file_problems(extracts) == [
        f'config key extracts.las.E06000018.cin_census."2017": {tmp_path / "ex" / "cin.xml"} is also configured '
        'as extracts.las.E06000018.cin_census."2016"; each return and table belongs to one LA and year',
        f"config key extracts.las.{LAMBETH}.child_lsoa: {tmp_path / 'ex' / 'cin.xml'} is also configured "
        'as extracts.las.E06000018.cin_census."2016"; each return and table belongs to one LA and year',
    ]


def test_the_workflow_stops_on_a_typo_before_any_job(tmp_path):
    """snakemake itself (a dry run, so nothing runs either way) refuses the config."""
    config = {
        "extracts": {
            "source": "extracts",
            "directory": str(tmp_path),
            "las": {"E06000018": {"cin_census": {"2017": "cin_982_2017.xml"}}},
        }
    }
    path = tmp_path / "my.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["snakemake", "-n", "--configfile", str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    assert (
        f'config key extracts.las.E06000018.cin_census."2017": {tmp_path / "cin_982_2017.xml"} does not exist'
    ) in result.stdout + result.stderr


def _return(tmp_path, name, year, lea, lsoas):
    children = [
        child(f"K{i:03d}", episodes=[cin_details(f"{year - 1}-06-01", assessments=[(f"{year - 1}-06-02", ["16A"])])])
        for i in range(len(lsoas))
    ]
    (tmp_path / name).write_text(cin_return(children, year, lea=lea))
    (tmp_path / f"{name}.lsoa.csv").write_text(
        "LAchildID,LSOA11CD\n" + "".join(f"K{i:03d},{lsoa}\n" for i, lsoa in enumerate(lsoas))
    )
    return str(tmp_path / name), str(tmp_path / f"{name}.lsoa.csv")


LSOA_LA = {"E01000001": CAMDEN, "E01000002": CAMDEN, "E01000003": LAMBETH, "E01000004": LAMBETH}


def test_files_of_another_la_stop_with_file_field_expected_found(tmp_path):
    # Camden's return (LEA 202, Camden's LSOAs) configured under Lambeth.
    cin, lsoa = _return(tmp_path, "camden_2017.xml", 2017, "202", ["E01000001"] * 9 + ["E01000003"])
    files = LAFiles(LAMBETH, {2017: cin}, child_lsoa=lsoa)
    _, _, _, findings, _ = validate_la(files, set(LSOA_LA), None, lsoa_la=LSOA_LA, la_number="208")
    stop = findings[findings["action"] == "error"]
    assert stop["message"].tolist() == [
        f"[wrong_la] {cin}, line 3, field Header/LEA: expected 208 (the DfE number of {LAMBETH}, the LA "
        "it is configured under), found '202'",
        f"[lsoa_outside_la] {lsoa}, child LSOA, field LSOA11CD: expected at most 5% of the children's LSOAs "
        f"outside {LAMBETH} (validation.max_share_lsoa_outside_la), found 90.0% (9 of 10) outside, most in "
        f"{CAMDEN} (9)",
    ]
    with pytest.raises(ExtractError, match=r"2 validation finding\(s\) stop the run"):
        load_la(files, set(LSOA_LA), bytes(32), lsoa_la=LSOA_LA, la_number="208")
    # The same files under their own code pass; a few children over the border are normal.
    own = LAFiles(CAMDEN, {2017: cin}, child_lsoa=lsoa)
    _, _, _, findings, _ = validate_la(own, set(LSOA_LA), None, lsoa_la=LSOA_LA, la_number="202", max_outside_share=0.1)
    assert not (findings["action"] == "error").any(), findings["message"].tolist()


def test_a_return_of_another_year_stops(tmp_path):
    cin, lsoa = _return(tmp_path, "camden_2016.xml", 2016, "202", ["E01000001"] * 3)
    files = LAFiles(CAMDEN, {2017: cin}, child_lsoa=lsoa)
    _, _, _, findings, _ = validate_la(files, set(LSOA_LA), None, lsoa_la=LSOA_LA, la_number="202")
    stop = findings[findings["action"] == "error"]
    assert stop["message"].tolist()[:2] == [
        f"[header_mismatch] {cin}, line 3, field Header/Year: expected the configured collection year 2017, "
        "found '2016'",
        f"[header_mismatch] {cin}, line 3, field Header/ReferenceDate: expected 2017-03-31 (31 March of the "
        "collection year), found '2016-03-31'",
    ]


def test_an_la_without_usable_episodes_stops_with_one_message(tmp_path):
    (tmp_path / "empty_2017.xml").write_text(cin_return([child("K001", episodes=[])], 2017, lea="202"))
    files = LAFiles(CAMDEN, {2017: str(tmp_path / "empty_2017.xml")})
    with pytest.raises(ExtractError) as error:
        load_la(files, None, bytes(32))
    assert str(error.value).splitlines()[:2] == [
        "1 validation finding(s) stop the run:",
        f"  [no_usable_episodes] {tmp_path / 'empty_2017.xml'}, LA {CAMDEN}: expected at least one CIN episode "
        "to analyse, found 1 return(s) with no CINdetails",
    ]


def test_standalone_validator_on_the_default_config_writes_only_its_own_folder(tmp_path, monkeypatch):
    """The documented example works on config/config.yaml; without generated files it names them."""
    from csc_inequalities.childlevel.validate import main

    monkeypatch.chdir(ROOT)
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["validation"] = {"report_dir": str(tmp_path / "validation")}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    code = main(
        ["--config", str(path), "--la", "E06000018", "--quiet", "--lsoa-reference", str(tmp_path / "absent.parquet")]
    )
    written = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "validation").rglob("*") if p.is_file())
    assert written == ["validation/standalone/E06000018_findings.csv"]
    findings = pd.read_csv(tmp_path / "validation/standalone/E06000018_findings.csv")
    generated = (ROOT / "local/synthetic/extracts/E06000018/cin_census_2014.xml").exists()
    # After a default run the generated returns pass; before it, they are named as missing.
    assert code == (0 if generated else 1)
    if not generated:
        assert set(findings["rule"]) == {"missing_file"}


def test_the_example_la_config_is_valid_and_names_its_files():
    from csc_inequalities.config import load_schema, validate_config

    config = validate_config(
        yaml.safe_load((ROOT / "config/example-la.yaml").read_text()), load_schema(ROOT / "workflow/schemas")
    )
    assert list(config["extracts"]["las"]) == ["E06000018"]
    problems = configured_file_problems(config["extracts"], base_dir=ROOT / "absent")
    assert len(problems) == 7  # five returns, SSDA903, child LSOA: all to be supplied
    assert problems[0].startswith('config key extracts.las.E06000018.cin_census."2014": ')

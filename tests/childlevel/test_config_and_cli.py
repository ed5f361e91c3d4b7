"""Config sections of the child-level strand and the stand-alone validation command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from csc_inequalities.childlevel.extracts import la_files_from_config
from csc_inequalities.childlevel.findings import CONSISTENCY_RULES, DEFAULT_POLICY
from csc_inequalities.childlevel.validate import main
from csc_inequalities.config import ConfigError, load_schema, validate_config

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad_inputs"
OWN_SECTIONS = ("extracts", "validation", "disclosure", "synthetic")


@pytest.fixture()
def schema_dir(tmp_path):
    """The top-level schema with only this strand's sections (others' files are not our concern)."""
    target = tmp_path / "schemas"
    (target / "sections").mkdir(parents=True)
    shutil.copy(ROOT / "workflow/schemas/config.schema.yaml", target / "config.schema.yaml")
    for name in OWN_SECTIONS:
        shutil.copy(ROOT / f"workflow/schemas/sections/{name}.schema.yaml", target / "sections")
    return target


def test_policy_defaults_in_the_schema_match_the_code(schema_dir):
    config = validate_config({}, load_schema(schema_dir))
    assert config["validation"]["policy"] == DEFAULT_POLICY
    assert set(DEFAULT_POLICY) == set(CONSISTENCY_RULES)
    assert config["extracts"]["source"] == "synthetic"
    assert config["disclosure"]["min_cell"] == 10


def test_schema_refuses_unknown_rules_and_bad_la_codes(schema_dir):
    schema = load_schema(schema_dir)
    with pytest.raises(ConfigError, match="validation.policy"):
        validate_config({"validation": {"policy": {"dates_backwards": "drop"}}}, schema)
    with pytest.raises(ConfigError, match="las"):
        validate_config({"extracts": {"las": {"Barnet": {"cin_census": {"2017": "x.xml"}}}}}, schema)
    with pytest.raises(ConfigError, match="ignore"):
        validate_config({"validation": {"policy": {"unknown_lsoa": "ignore"}}}, schema)


def test_a_new_la_is_only_a_config_block(schema_dir):
    extracts = {
        "source": "extracts",
        "directory": "local/extracts",
        "las": {
            "E09000003": {
                "cin_census": {"2016": "barnet/cin_2016.xml", "2017": "barnet/csv_2017"},
                "ssda903": "barnet/903.csv",
                "child_lsoa": "barnet/lsoa.csv",
            }
        },
    }
    config = validate_config({"extracts": extracts}, load_schema(schema_dir))
    files = la_files_from_config(config["extracts"])["E09000003"]
    assert files.cin_census == {2016: "local/extracts/barnet/cin_2016.xml", 2017: "local/extracts/barnet/csv_2017"}
    assert files.ssda903 == "local/extracts/barnet/903.csv"


def _config(tmp_path, cin_file, report_dir):
    config = {
        "extracts": {
            "source": "extracts",
            "directory": str(BAD),
            "las": {"E09000007": {"cin_census": {"2017": cin_file}, "child_lsoa": "child_lsoa_unknown.csv"}},
        },
        "validation": {"report_dir": str(report_dir)},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_cli_passes_a_valid_return_and_writes_the_local_report(tmp_path, schema_dir, capsys):
    report = tmp_path / "local" / "validation"
    code = main(
        [
            "--config",
            str(_config(tmp_path, "valid_2017.xml", report)),
            "--schemas",
            str(schema_dir),
            "--lsoa-reference",
            str(tmp_path / "absent.parquet"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "validation passed" in out
    assert (report / "standalone" / "E09000007_findings.csv").exists()


def test_cli_fails_on_structural_findings_and_prints_them(tmp_path, schema_dir, capsys):
    report = tmp_path / "local" / "validation"
    code = main(
        [
            "--config",
            str(_config(tmp_path, "bad_gender.xml", report)),
            "--schemas",
            str(schema_dir),
            "--lsoa-reference",
            str(tmp_path / "absent.parquet"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "ERROR [invalid_code]" in out and "field GenderCurrent" in out and "found '3'" in out
    assert "validation FAILED" in out

"""Config validation: defaults are filled in, and a wrong key or type names the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from csc_inequalities.config import ConfigError, load_schema, validate_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "workflow" / "schemas")


def default_config() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def test_default_config_is_valid_and_gets_defaults():
    filled = validate_config(default_config(), SCHEMA)
    assert filled["run_label"] == "default"
    for section in SCHEMA["properties"]:
        assert section in filled


def test_unknown_top_level_key_is_named():
    config = default_config() | {"nationl_panel": {}}
    with pytest.raises(ConfigError) as error:
        validate_config(config, SCHEMA)
    assert "config key (top level): Additional properties are not allowed ('nationl_panel' was unexpected)" in str(
        error.value
    )


def test_wrong_type_is_named():
    config = default_config() | {"run_label": 3}
    with pytest.raises(ConfigError) as error:
        validate_config(config, SCHEMA)
    assert str(error.value) == "invalid configuration:\n  config key run_label: 3 is not of type 'string'"


def test_every_schema_property_is_described():
    def walk(node, path):
        if isinstance(node, dict):
            if "properties" in node:
                for name, sub in node["properties"].items():
                    assert "description" in sub, f"{path}.{name} has no description"
                    walk(sub, f"{path}.{name}")
            for key in ("items", "additionalProperties"):
                if isinstance(node.get(key), dict):
                    walk(node[key], f"{path}[{key}]")

    walk(SCHEMA, "config")


def test_national_config_names_every_upper_tier_la_once_with_its_dfe_number():
    import pandas as pd

    national = yaml.safe_load((ROOT / "config" / "national.yaml").read_text())
    config = default_config()
    for section, values in national.items():
        config[section] = (config.get(section) or {}) | values if isinstance(values, dict) else values
    filled = validate_config(config, SCHEMA)
    las = filled["synthetic"]["las"]
    utla = pd.read_csv(ROOT / "resources" / "lsoa" / "la_imd2015_utla13.csv")
    assert len(las) == len(set(las)) == 152
    assert set(las) == set(utla["utla13_code"])
    lea = filled["synthetic"]["lea_codes"]
    assert set(lea) == set(las) and all(len(v) == 3 and v.isdigit() for v in lea.values())
    assert len(set(lea.values())) == 152
    assert lea["E06000053"] == "420" and lea["E06000001"] == "805"  # Isles of Scilly, Hartlepool
    assert filled["lca"]["configural_comparison"] is False and filled["lca"]["invariance_classes"] == [7]


def test_rule_files_do_not_restate_schema_defaults():
    """Defaults live in the schema only: a rule file reading config with .get(key, default) would keep
    its own copy of a default that the schema (and docs/configuration.md) could change."""
    import re

    offenders = []
    for path in sorted((ROOT / "workflow" / "rules").glob("*.smk")) + [ROOT / "Snakefile"]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"config(\[[^\]]+\])*\.get\(\"", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []

"""docs/configuration.md is a render of the schemas, and defaults live at one level only."""

from __future__ import annotations

from pathlib import Path

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.config_docs import DOC_PATH, render, rows

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "workflow" / "schemas")


def test_configuration_doc_is_current():
    assert DOC_PATH.read_text() == render(), (
        "docs/configuration.md is stale: run python -m csc_inequalities.config_docs"
    )


def test_every_schema_key_is_documented_with_its_default():
    text = DOC_PATH.read_text()
    assert "| `synthetic.seed` | integer | `20200301` |" in text
    assert "| `disclosure.min_cell` | integer | `10` |" in text
    documented = {key for key, *_ in rows(SCHEMA["properties"]["gradient"], "gradient")}
    assert "gradient.crosstabs.min_cell" in documented


def _objects_with_properties(node, path=""):
    if not isinstance(node, dict):
        return
    if "properties" in node:
        yield path, node
        for name, child in node["properties"].items():
            yield from _objects_with_properties(child, f"{path}.{name}" if path else name)


def test_object_defaults_do_not_repeat_nested_defaults():
    # A non-empty default on an object with properties shadows its children's defaults: an edit to a
    # nested default would then be silently ignored whenever the object is absent from the config.
    offenders = [path for path, node in _objects_with_properties(SCHEMA) if node.get("default") not in (None, {})]
    assert offenders == []


def test_nested_defaults_fill_an_absent_object():
    filled = validate_config({}, SCHEMA)
    consistency = filled["national_analysis"]["consistency"]
    assert consistency["alpha"] == 0.05
    assert consistency["recent_years"] == [2015, 2016, 2017]
    assert filled["national_analysis"]["trends"]["views"] == {"to2017": [2010, 2017], "to2022": [2010, 2022]}

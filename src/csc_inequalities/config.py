"""Validate the workflow configuration against its JSON schema and fill in defaults.

The schema is ``workflow/schemas/config.schema.yaml`` (top level) plus one file per section under
``workflow/schemas/sections/<section>.schema.yaml``; every property has a description and, where it
makes sense, a default. Unknown keys are refused (``additionalProperties: false``) so that a typo
stops the run at start with a message naming the key.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml


class ConfigError(ValueError):
    """A configuration value that does not match the schema."""


def load_schema(schema_dir: str | Path) -> dict[str, Any]:
    """Compose the top-level schema with the per-section schema files."""
    schema_dir = Path(schema_dir)
    schema = yaml.safe_load((schema_dir / "config.schema.yaml").read_text())
    schema.setdefault("properties", {})
    for section_file in sorted((schema_dir / "sections").glob("*.schema.yaml")):
        section = section_file.name[: -len(".schema.yaml")]
        schema["properties"][section] = yaml.safe_load(section_file.read_text())
    return schema


def _extend_with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_DefaultFillingValidator = _extend_with_defaults(jsonschema.Draft7Validator)


def _path_of(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def validate_config(config: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``config`` with defaults filled in; raise ConfigError naming each bad key."""
    filled = copy.deepcopy(config) if config is not None else {}
    validator = _DefaultFillingValidator(schema)
    errors = sorted(validator.iter_errors(filled), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = []
        for error in errors:
            if error.validator == "additionalProperties":
                allowed = sorted(error.schema.get("properties", {}))
                lines.append(f"config key {_path_of(error)}: {error.message}; allowed keys: {', '.join(allowed)}")
            else:
                lines.append(f"config key {_path_of(error)}: {error.message}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))
    return filled

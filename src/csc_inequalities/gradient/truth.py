"""Helpers for the generator's truth (results/synthetic/truth.yaml, expected_counts.parquet)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import pandas as pd


def canonical_levels(expected: pd.DataFrame, jobs: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Spell the generator's stratum levels as the config does (case-insensitive match), so that
    'neglect' and 'Neglect' meet."""
    canon = {(j["stratum_type"], str(j["stratum_level"]).lower()): str(j["stratum_level"]) for j in jobs}
    out = expected.copy()
    out["stratum_level"] = [canon.get((t, str(v).lower()), str(v)) for t, v in zip(out["stratum_type"], out["stratum_level"])]
    return out


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        rows = []
        for key, item in value.items():
            rows.extend(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (Mapping, list, tuple)) for v in value):
        return [(prefix, ", ".join(str(v) for v in value))]
    if isinstance(value, (list, tuple)):
        rows = []
        for i, item in enumerate(value):
            rows.extend(_flatten(item, f"{prefix}[{i}]"))
        return rows
    return [(prefix, value)]


def generating_parameters(truth: Mapping[str, Any]) -> pd.DataFrame:
    """The generator's gradient parameters (truth.yaml 'gradient') as a two-column table."""
    rows = _flatten(truth.get("gradient", {}) or {})
    return pd.DataFrame(rows, columns=["parameter", "value"]).astype({"value": str})

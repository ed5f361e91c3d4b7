"""Helpers for the generator's truth (results/synthetic/truth.yaml, expected_counts.parquet)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd


def truth_family(lsoa_frailty_shape: float | None) -> tuple[str, float | None]:
    """(family, fixed NB2 dispersion) of the truth refits for the generator's LSOA frailty shape.

    The generator's LSOA counts are NB2 around the expected counts with dispersion theta = the
    gamma frailty's shape; the estimates are NB2 fits (dispersion estimated, close to theta). An NB2
    fit weights an LSOA by mu / (1 + mu / theta), a Poisson fit by mu, and the expected counts are
    not exactly log-linear in the deciles (sums over strata with their own slopes), so the two have
    different pseudo-true slopes. The truth is therefore NB2 with theta fixed at the shape; without
    a frailty (shape 0 or None: Poisson counts) it is the Poisson fit."""
    if lsoa_frailty_shape is None or not float(lsoa_frailty_shape) > 0:
        return "poisson", None
    return "nbinom2", float(lsoa_frailty_shape)


def canonical_levels(expected: pd.DataFrame, jobs: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Spell the generator's stratum levels as the config does (case-insensitive match), so that
    'neglect' and 'Neglect' meet."""
    canon = {(j["stratum_type"], str(j["stratum_level"]).lower()): str(j["stratum_level"]) for j in jobs}
    out = expected.copy()
    out["stratum_level"] = [
        canon.get((t, str(v).lower()), str(v)) for t, v in zip(out["stratum_type"], out["stratum_level"])
    ]
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

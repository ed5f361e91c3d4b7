"""Child-level data section: validation findings by rule and episodes by LA and year.

Both tables come disclosure-controlled from the childlevel_episodes rule (counts below
disclosure.min_cell shown as '–'); no child reference ever reaches them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from csc_inequalities.report.html import read_json


def validation_table(path: str) -> pd.DataFrame:
    """Rules as rows, LAs as columns (suppressed counts stay missing)."""
    counts = pd.read_csv(path)
    if counts.empty:
        return pd.DataFrame(columns=["rule", "action", "description"])
    wide = counts.pivot_table(
        index=["rule", "action", "description"], columns="la_code", values="count", aggfunc="first", dropna=False
    ).reset_index()
    wide.columns.name = None
    return wide


def episodes_table(path: str) -> pd.DataFrame:
    counts = pd.read_csv(path)
    wide = counts.pivot_table(
        index="la_code", columns="referral_year", values="episodes", aggfunc="first", dropna=False
    )
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    return {
        "validation": validation_table(inputs["validation_counts"]),
        "episodes": episodes_table(inputs["episode_counts"]),
        "summary": read_json(inputs["summary"]),
        "policy": config.get("validation", {}).get("policy", {}),
    }

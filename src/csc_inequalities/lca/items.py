"""The LCA items: which factors at assessment enter the model, and why the others do not.

Report §2.3.4: factors with fewer than 10 episodes, factors about another household member,
private fostering, UASC, trafficking, "Other" and "No factors" are left out.
"""

from __future__ import annotations

import pandas as pd

FACTOR_PREFIX = "factor_"

# code -> reason (the default exclusion list of the config; codes of the 2016-17 schema).
DEFAULT_EXCLUDED = {
    "1C": "another household member",
    "2C": "another household member",
    "3C": "another household member",
    "4C": "another household member",
    "5C": "another household member",
    "6C": "another household member",
    "8B": "private fostering",
    "8C": "private fostering",
    "8D": "private fostering",
    "8E": "private fostering",
    "8F": "private fostering",
    "9A": "UASC",
    "12A": "trafficking",
    "20": "other",
    "21": "no factors",
}


def factor_codes_in(frame: pd.DataFrame) -> list[str]:
    return [c[len(FACTOR_PREFIX) :] for c in frame.columns if c.startswith(FACTOR_PREFIX)]


def select_items(frame: pd.DataFrame, excluded: dict[str, str], min_count: int) -> pd.DataFrame:
    """One row per factor column: code, count of episodes with it, used (bool), reason.

    ``frame`` holds the episodes the LCA describes (assessed episodes); a factor is dropped when
    its code is in ``excluded`` (with that reason) or fewer than ``min_count`` episodes have it.
    """
    rows = []
    for code in factor_codes_in(frame):
        count = int(frame[FACTOR_PREFIX + code].fillna(False).astype(bool).sum())
        if code in excluded:
            reason = f"excluded: {excluded[code]}"
        elif count < min_count:
            reason = f"count {count} < {min_count}"
        else:
            reason = ""
        rows.append({"factor_code": code, "count": count, "used": reason == "", "reason": reason})
    return pd.DataFrame(rows, columns=["factor_code", "count", "used", "reason"])


def item_matrix(frame: pd.DataFrame, codes: list[str]):
    """(n, J) float 0/1 matrix of the given factor codes (missing = not recorded)."""
    return frame[[FACTOR_PREFIX + c for c in codes]].fillna(False).astype(bool).to_numpy(float)


def lca_population(
    episodes: pd.DataFrame,
    assessed_only: bool,
    require_any_factor: bool,
    codes: list[str] | None = None,
    completed_only: bool = False,
) -> pd.Series:
    """Bool mask of the episodes the LCA describes (and later assigns to classes).

    ``completed_only``: only episodes with a completed assessment, i.e. with any factor recorded
    (all factor columns, used or not: factors are recorded when an assessment is authorised, and DfE
    asks for at least one on every completed assessment, 21 "no factors identified" if none, rule
    8897). An assessment still open at the end of the last return has no factors yet: it would be
    an all-zero response pattern that no class generated."""
    mask = pd.Series(True, index=episodes.index)
    if assessed_only:
        # No silent skip: a column pruned from the read would otherwise widen the population.
        if "assessed" not in episodes:
            raise KeyError("lca_population(assessed_only=True) needs the episode column 'assessed'")
        mask &= episodes["assessed"].fillna(False).astype(bool)
    if completed_only:
        recorded = [c for c in episodes.columns if c.startswith(FACTOR_PREFIX)]
        mask &= episodes[recorded].fillna(False).astype(bool).any(axis=1)
    if require_any_factor:
        cols = [FACTOR_PREFIX + c for c in (codes or factor_codes_in(episodes))]
        mask &= episodes[cols].fillna(False).astype(bool).any(axis=1)
    return mask


# Short labels of the factor codes (2016-17 schema) for figures and tables.
SHORT_LABELS = {
    "1A": "alcohol (child)",
    "1B": "alcohol (parent)",
    "1C": "alcohol (other)",
    "2A": "drugs (child)",
    "2B": "drugs (parent)",
    "2C": "drugs (other)",
    "3A": "DV (child)",
    "3B": "DV (parent)",
    "3C": "DV (other)",
    "4A": "mental health (child)",
    "4B": "mental health (parent)",
    "4C": "mental health (other)",
    "5A": "learning dis. (child)",
    "5B": "learning dis. (parent)",
    "5C": "learning dis. (other)",
    "6A": "physical dis. (child)",
    "6B": "physical dis. (parent)",
    "6C": "physical dis. (other)",
    "7A": "young carer",
    "8B": "priv. fostered",
    "8C": "priv. fostered",
    "8D": "priv. fostered",
    "8E": "priv. fostered",
    "8F": "priv. fostered",
    "9A": "UASC",
    "10A": "missing",
    "11A": "CSE",
    "12A": "trafficking",
    "13A": "gangs",
    "14A": "socially unacc. behaviour",
    "15A": "self-harm",
    "16A": "neglect",
    "17A": "emotional abuse",
    "18A": "physical abuse",
    "19A": "sexual abuse",
    "20": "other",
    "21": "no factors",
    "22A": "FGM",
    "23A": "faith-based abuse",
}


def item_label(code: str) -> str:
    return f"{code} {SHORT_LABELS[code]}" if code in SHORT_LABELS else code

"""Spearman rank correlations between LA-level indicators, separately for each year (METHODS §A.3).

For each pair of indicators and each year, the LAs with both values are ranked (average ranks for
ties) and the Pearson correlation of the ranks is Spearman's rho; the two-tailed p-value uses the
t distribution with n - 2 degrees of freedom (as SPSS and scipy do). N = LAs with both values.
Table 6 of the final report is the row of the IMD average score against the demand indicators.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

log = logging.getLogger(__name__)

CORRELATION_COLUMNS = ["indicator_a", "indicator_b", "year", "rho", "p", "n"]


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with tied values given the mean of the ranks they span."""
    return stats.rankdata(values, method="average")


def two_tailed_p(rho: np.ndarray | float, n: np.ndarray | int) -> np.ndarray:
    """Two-tailed p of a Spearman rho from t = rho sqrt((n-2)/(1-rho²)) on n - 2 degrees of freedom.

    |rho| = 1 gives p = 0; NaN rho (or n < 3) gives NaN.
    """
    rho = np.asarray(rho, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = n - 2
        t = rho * np.sqrt(df / (1.0 - rho * rho))
        p = 2.0 * stats.t.sf(np.abs(t), df)
    p = np.where(np.abs(rho) == 1.0, 0.0, p)
    return np.where(np.isnan(rho) | (n < 3), np.nan, p)


def _rho_n(x: np.ndarray, y: np.ndarray, min_n: int) -> tuple[float, int]:
    both = ~(np.isnan(x) | np.isnan(y))
    n = int(both.sum())
    if n < max(min_n, 3):
        return float("nan"), n
    rx = average_ranks(x[both])
    ry = average_ranks(y[both])
    rx = rx - rx.mean()
    ry = ry - ry.mean()
    denom = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    if denom == 0:
        return float("nan"), n
    return float(np.clip((rx * ry).sum() / denom, -1.0, 1.0)), n


def spearman(x: Sequence[float], y: Sequence[float], min_n: int = 3) -> tuple[float, float, int]:
    """Spearman rho, two-tailed p and N over the positions where both x and y are present.

    Returns NaN rho and p (with the N) when fewer than ``min_n`` pairs remain or either variable is
    constant over them (the correlation is then undefined).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length: {x.shape[0]} vs {y.shape[0]}")
    rho, n = _rho_n(x, y, min_n)
    return rho, float(two_tailed_p(rho, n)), n


def pairwise_correlations(
    panel: pd.DataFrame,
    indicators: Iterable[str],
    years: Iterable[int] | None = None,
    min_n: int = 10,
    year_column: str = "year",
) -> pd.DataFrame:
    """Long table indicator_a, indicator_b, year, rho, p, n for every unordered pair and year.

    Pairs are listed once with indicator_a before indicator_b in the order given. Years or pairs
    with fewer than ``min_n`` LAs holding both values are kept with N and NaN rho/p, so that a
    missing correlation is visible as such rather than silently absent; pairs where neither
    indicator has any value in a year are dropped.
    """
    indicators = list(dict.fromkeys(indicators))
    missing = [c for c in indicators if c not in panel.columns]
    if missing:
        raise KeyError(f"indicators not in the panel: {', '.join(missing)}")
    if years is None:
        years = sorted(panel[year_column].dropna().unique())
    rows = []
    for year in years:
        frame = panel.loc[panel[year_column] == year, indicators]
        values = frame.to_numpy(dtype=float)
        present = ~np.isnan(values)
        columns_with_data = [j for j in range(len(indicators)) if present[:, j].any()]
        for j, k in itertools.combinations(columns_with_data, 2):
            rho, n = _rho_n(values[:, j], values[:, k], min_n)
            rows.append((indicators[j], indicators[k], int(year), rho, np.nan, n))
    out = pd.DataFrame(rows, columns=CORRELATION_COLUMNS)
    out["p"] = two_tailed_p(out["rho"].to_numpy(), out["n"].to_numpy())
    out["year"] = out["year"].astype("int64")
    out["n"] = out["n"].astype("int64")
    log.info("%d correlations over %d indicators", len(out), len(indicators))
    return out


def correlations_with(correlations: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The rows of a pairwise table that involve ``indicator``, re-oriented as (other, year, rho, p, n)."""
    a = correlations[correlations["indicator_a"] == indicator].rename(columns={"indicator_b": "other"})
    b = correlations[correlations["indicator_b"] == indicator].rename(columns={"indicator_a": "other"})
    cols = ["other", "year", "rho", "p", "n"]
    return pd.concat([a[cols], b[cols]], ignore_index=True)


def table6(
    correlations: pd.DataFrame,
    dictionary: pd.DataFrame,
    imd_indicator: str,
    years: Iterable[int],
    label_order: Sequence[str] | None = None,
    primary: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Table 6: IMD average score against each indicator that carries a ``table6_label``.

    ``primary`` maps a published label to the indicator used for it (any correlated indicator, so
    a row's definition can be swapped in config); a label not named there takes the first
    indicator the dictionary labels with it. Returns ``indicator`` (the published label), ``year``,
    ``rho``, ``p``, ``n``, ``source_indicator``.
    """
    chosen = row_definitions(dictionary, primary)
    with_imd = correlations_with(correlations, imd_indicator)
    # A definition that names no indicator of the panel is a typo; one without values in any year
    # (e.g. a series outside the panel's years) just gives no cells.
    known = set(with_imd["other"]) | set(dictionary["indicator"].astype(str))
    for label, pick in chosen.items():
        if pick not in known:
            raise ValueError(
                f"table 6 row {label!r}: indicator {pick!r} is neither in the data dictionary nor "
                f"correlated with {imd_indicator}"
            )
    years = [int(y) for y in years]
    rows = []
    order = list(label_order) if label_order else list(chosen)
    order += [label for label in chosen if label not in order]
    for label in order:
        if label not in chosen:
            continue
        sub = with_imd[(with_imd["other"] == chosen[label]) & with_imd["year"].isin(years)]
        for _, r in sub.sort_values("year").iterrows():
            if pd.isna(r["rho"]):
                continue
            rows.append((label, int(r["year"]), r["rho"], r["p"], int(r["n"]), chosen[label]))
    return pd.DataFrame(rows, columns=["indicator", "year", "rho", "p", "n", "source_indicator"])


def row_definitions(dictionary: pd.DataFrame, primary: dict[str, str] | None = None) -> dict[str, str]:
    """Published label -> the indicator Table 6 uses: ``primary`` first, else the first labelled."""
    chosen = {label: names[0] for label, names in table6_candidates(dictionary).items()}
    chosen.update(primary or {})
    return chosen


def table6_candidates(dictionary: pd.DataFrame) -> dict[str, list[str]]:
    """Published Table 6 label -> indicators of the panel labelled with it (dictionary order)."""
    labelled = dictionary.dropna(subset=["table6_label"])
    labelled = labelled[labelled["table6_label"].astype(str).str.strip() != ""]
    out: dict[str, list[str]] = {}
    for _, row in labelled.iterrows():
        out.setdefault(str(row["table6_label"]).strip(), []).append(str(row["indicator"]))
    return out


def published_vs_reproduced(
    published: pd.DataFrame,
    correlations: pd.DataFrame,
    dictionary: pd.DataFrame,
    imd_indicator: str,
    primary: dict[str, str] | None = None,
    tolerance: float = 0.01,
    row_notes: dict[str, str] | None = None,
    population: str = "",
) -> pd.DataFrame:
    """Each published Table 6 cell beside the reproduced value of every candidate definition.

    ``population`` describes the denominators of rates per 10,000 (which estimate each year);
    it is added to the definition of rate indicators.

    One row per published (label, year) and candidate indicator; ``primary`` marks the definition
    used in table06, ``closest`` the candidate nearest the published value that year. ``match`` is
    true when |diff| <= tolerance and the N agree. Rows the public
    files cannot supply (no candidate indicator, or no value that year) have empty reproduced
    values and a note saying so.
    """
    candidates = table6_candidates(dictionary)
    info = dictionary.set_index("indicator")
    with_imd = correlations_with(correlations, imd_indicator).set_index(["other", "year"])
    rows = []
    for _, pub in published.iterrows():
        label = str(pub["indicator"])
        year = int(pub["year"])
        base = {
            "indicator": label,
            "year": year,
            "rho_published": float(pub["rho"]),
            "n_published": int(pub["n"]),
        }
        names = list(candidates.get(label, []))
        pick = (primary or {}).get(label, names[0] if names else None)
        if pick is not None:
            names = [pick] + [n for n in names if n != pick]
        note_extra = (row_notes or {}).get(label, "")
        if not names:
            rows.append(
                {
                    **base,
                    "source_indicator": None,
                    "primary": True,
                    "definition": None,
                    "rho_reproduced": np.nan,
                    "p_reproduced": np.nan,
                    "n_reproduced": pd.NA,
                    "diff": np.nan,
                    "match": False,
                    "note": _join("no indicator in the public files reproduces this row", note_extra),
                }
            )
            continue
        for name in names:
            definition = _definition(info, name, population)
            key = (name, year)
            if key in with_imd.index and not pd.isna(with_imd.loc[key, "rho"]):
                r = with_imd.loc[key]
                rho, p, n = float(r["rho"]), float(r["p"]), int(r["n"])
                diff = rho - base["rho_published"]
                match = abs(diff) <= tolerance and n == base["n_published"]
                if match:
                    note = ""
                else:
                    parts = []
                    if abs(diff) > tolerance:
                        parts.append(f"|difference| {abs(diff):.3f} > {tolerance}")
                    if n != base["n_published"]:
                        parts.append(f"N {n} vs published {base['n_published']}")
                    note = _join("; ".join(parts), note_extra)
                rows.append(
                    {
                        **base,
                        "source_indicator": name,
                        "primary": name == pick,
                        "definition": definition,
                        "rho_reproduced": rho,
                        "p_reproduced": p,
                        "n_reproduced": n,
                        "diff": diff,
                        "match": match,
                        "note": note,
                    }
                )
            else:
                rows.append(
                    {
                        **base,
                        "source_indicator": name,
                        "primary": name == pick,
                        "definition": definition,
                        "rho_reproduced": np.nan,
                        "p_reproduced": np.nan,
                        "n_reproduced": pd.NA,
                        "diff": np.nan,
                        "match": False,
                        "note": _join(f"the public files hold no {name} for {year}", note_extra),
                    }
                )
    out = pd.DataFrame(rows)
    out["n_reproduced"] = out["n_reproduced"].astype("Int64")
    # Where several definitions compete, flag the one closest to the published cell (smallest
    # |diff|) so the report can say which definition reproduces each year.
    out["closest"] = False
    have = out.dropna(subset=["diff"])
    if len(have):
        best = have["diff"].abs().groupby([have["indicator"], have["year"]]).idxmin()
        out.loc[best.to_numpy(), "closest"] = True
    return out


def largest_difference_by_row(comparison: pd.DataFrame, tolerance: float | None = None) -> pd.DataFrame:
    """Per Table 6 row (the definition Table 6 uses): its definition, cells published, reproducible
    and matching, the largest |diff| and its year, years with equal N, the unstated choices it
    rests on and why cells do not match (from explain_cells' ``inferred``/``reason`` if present)."""
    primary = comparison[comparison["primary"]]
    rows = []
    for label, sub in primary.groupby("indicator", sort=False):
        have = sub.dropna(subset=["rho_reproduced"])
        base = {
            "indicator": label,
            "definition": sub["definition"].dropna().iloc[0] if sub["definition"].notna().any() else "",
            "years_published": len(sub),
            "years_reproduced": len(have),
            "years_matching": int(sub["match"].sum()),
            "source_indicator": sub["source_indicator"].iloc[0],
            "inferred": "; ".join(dict.fromkeys(t for t in sub.get("inferred", pd.Series(dtype=str)).fillna("") if t)),
            "not_matching": _years_by_reason(sub),
        }
        if have.empty:
            rows.append({**base, "max_abs_diff": np.nan, "year_of_max": pd.NA, "n_equal_years": 0})
            continue
        worst = have.loc[have["diff"].abs().idxmax()]
        rows.append(
            {
                **base,
                "max_abs_diff": float(abs(worst["diff"])),
                "year_of_max": int(worst["year"]),
                "n_equal_years": int((have["n_reproduced"] == have["n_published"]).sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["year_of_max"] = out["year_of_max"].astype("Int64")
    columns = [
        "indicator",
        "definition",
        "years_published",
        "years_reproduced",
        "years_matching",
        "max_abs_diff",
        "year_of_max",
        "n_equal_years",
        "source_indicator",
        "inferred",
        "not_matching",
    ]
    return out[columns]


def _years_by_reason(sub: pd.DataFrame) -> str:
    """'2011-2014: reason A; 2017: reason B' for the cells of one row that do not match; the year
    is dropped from a reason that names it, so equal reasons of several years read as one."""
    from csc_inequalities.national.panel import years_text

    if "reason" not in sub.columns:
        return ""
    by_reason: dict[str, list[int]] = {}
    for r in sub.itertuples(index=False):
        if r.match or not isinstance(r.reason, str) or not r.reason:
            continue
        by_reason.setdefault(r.reason.replace(f" for {int(r.year)}", ""), []).append(int(r.year))
    return "; ".join(f"{years_text(years)}: {reason}" for reason, years in by_reason.items())


def table6_match_summary(comparison: pd.DataFrame) -> dict[str, int]:
    """Cells of the definitions Table 6 uses: published, reproducible from the public files, and
    matching (within tolerance with the published N)."""
    primary = comparison[comparison["primary"]]
    return {
        "cells_published": int(len(primary)),
        "cells_reproducible": int(primary["rho_reproduced"].notna().sum()),
        "cells_matching": int(primary["match"].sum()),
    }


def _definition(info: pd.DataFrame, name: str, population: str = "") -> str:
    if name not in info.index:
        return name
    row = info.loc[name]
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0]
    parts = [f"{name}: {row.get('label', '')}".strip()]
    num, den = row.get("numerator"), row.get("denominator")
    if isinstance(num, str) and num:
        parts.append(f"numerator {num}")
    if isinstance(den, str) and den:
        parts.append(f"denominator {den}")
        if den == "pop_0_17" and population:
            parts.append(f"population {population}")
    return "; ".join(parts)


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def without_las(panel: pd.DataFrame, la_codes: Sequence[str], column: str = "la_code") -> pd.DataFrame:
    """The panel without the named LAs (the study's correlations leave out the City of London and
    the Isles of Scilly, whose tiny child populations make their rates erratic)."""
    unknown = sorted(set(la_codes) - set(panel[column]))
    if unknown:
        raise ValueError(f"LA codes to exclude are not in the panel: {', '.join(unknown)}")
    return panel[~panel[column].isin(list(la_codes))]


def correlation_indicators(
    panel: pd.DataFrame,
    dictionary: pd.DataFrame,
    imd_indicator: str,
    indicators: Sequence[str] | None = None,
    exclude_kinds: Sequence[str] = (),
    exclude_indicators: Sequence[str] = (),
) -> list[str]:
    """The indicators to correlate: those named, or every dictionary indicator in the panel whose
    kind and name are not excluded (e.g. raw counts, populations, spend totals); the IMD indicator
    always first."""
    if imd_indicator not in panel.columns:
        raise KeyError(f"IMD indicator {imd_indicator!r} is not a column of the panel")
    if indicators:
        chosen = list(indicators)
        missing = [c for c in chosen if c not in panel.columns]
        if missing:
            raise KeyError(f"indicators not in the panel: {', '.join(missing)}")
    else:
        excluded = set(exclude_kinds)
        chosen = [
            str(row["indicator"])
            for _, row in dictionary.iterrows()
            if str(row["indicator"]) in panel.columns
            and str(row.get("kind")) not in excluded
            and str(row["indicator"]) not in set(exclude_indicators)
            and pd.api.types.is_numeric_dtype(panel[str(row["indicator"])])
        ]
    return [imd_indicator] + [c for c in dict.fromkeys(chosen) if c != imd_indicator]


def read_checked_csv(path: str | Path, manifest: str | Path) -> pd.DataFrame:
    """Read a shipped CSV after checking its sha256 against the manifest (sha256sum format)."""
    path, manifest = Path(path), Path(manifest)
    expected = None
    for line in manifest.read_text().splitlines():
        digest, _, name = line.strip().partition("  ")
        if name.strip() == path.name:
            expected = digest
    if expected is None:
        raise ValueError(f"{path.name} has no entry in {manifest}")
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing (expected sha256 {expected})")
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != expected:
        raise ValueError(f"{path} has sha256 {actual}, expected {expected} (from {manifest})")
    return pd.read_csv(path)

"""Choices the study's Table 6 needs that its report does not state, as switchable rules.

Both were inferred from the fit of the published cells to the public files (see
``resources/national_analysis/published/table06_definitions.md``), not from the report:

- **Core assessments 2013-14.** Two LAs had largely switched from core to single assessments
  during 2013-14 (a handful of core assessments each); the published N of 127 (129 in the public
  file) is reached by treating an LA with fewer core assessments than a threshold as missing.
- **Section 20 at 31 March 2014-15.** The public 2014-15 file suppresses ``CLA_S20`` for LAs
  whose other legal-status cells would otherwise reveal a small (1-5) cell. Where s20 is the only
  unknown cell of an LA besides one small suppressed cell, it follows by subtraction from the LA's
  looked-after total within a bracket of 4: s20 = total - known cells - small, small in [1, 5].

Each rule returns the adjusted panel and one evidence row per LA it touched (or refused), so the
report can show exactly what was changed and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_inequalities.national.indicators import rate_per_10k

INFERRED_LABEL = "inferred from the fit, not stated in the report"
EVIDENCE_COLUMNS = [
    "choice",
    "la_code",
    "la_name",
    "year",
    "indicator",
    "action",
    "value_before",
    "value_used",
    "value_low",
    "value_high",
    "reason",
]
# Legal-status cells at 31 March that add up to the looked-after total (SSDA903 LA tables).
S20_OTHER_CELLS = [
    "cla_ico_31mar",
    "cla_fco_31mar",
    "cla_placement_order_31mar",
    "cla_freed_for_adoption_31mar",
    "cla_cpg_31mar",
    "cla_yjls_31mar",
]


@dataclass(frozen=True)
class S20Reconstruction:
    """s20 of one LA-year rebuilt by subtraction: ``low`` <= s20 <= ``high``; ``used`` is the
    value put in the panel (the bracket's middle). ``refused`` says why when it cannot be rebuilt."""

    low: float = np.nan
    high: float = np.nan
    used: float = np.nan
    refused: str = ""


def reconstruct_s20(total: float, others: dict[str, float], small_cell: Sequence[int] = (1, 5)) -> S20Reconstruction:
    """s20 = total - (known other legal-status cells) - (the one unknown small cell).

    ``others`` maps each other legal-status cell to its count (NaN = suppressed). With no other
    cell unknown, s20 is exact; with one, it lies in [rest - small_max, rest - small_min]; with two
    or more, or when the bracket would reach down to a small cell itself (then s20 could be the
    primary-suppressed one), it is refused.
    """
    small_min, small_max = small_cell
    if pd.isna(total):
        return S20Reconstruction(refused="no looked-after total")
    unknown = sorted(name for name, value in others.items() if pd.isna(value))
    rest = float(total) - float(sum(v for v in others.values() if not pd.isna(v)))
    if not unknown:
        return S20Reconstruction(low=rest, high=rest, used=rest)
    if len(unknown) > 1:
        return S20Reconstruction(refused=f"{len(unknown)} other legal-status cells unknown ({', '.join(unknown)})")
    low, high = rest - small_max, rest - small_min
    if low <= small_max:
        return S20Reconstruction(
            refused=f"the bracket {low:g}-{high:g} reaches a small cell, so s20 may itself be the suppressed small cell"
        )
    return S20Reconstruction(low=low, high=high, used=(low + high) / 2)


def rebuild_s20_by_subtraction(
    panel: pd.DataFrame, years: Sequence[int], small_cell: Sequence[int] = (1, 5)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rebuild the suppressed ``cla_s20_31mar`` (and its rate) by subtraction in the given years.

    Returns the panel with the rebuilt values (the bracket's middle) and one evidence row per LA
    with s20 missing but a looked-after total, rebuilt or refused.
    """
    out = panel.copy()
    rows = []
    candidates = out["year"].isin(list(years)) & out["cla_s20_31mar"].isna() & out["cla_at_31_march"].notna()
    for idx in out.index[candidates]:
        r = out.loc[idx]
        result = reconstruct_s20(r["cla_at_31_march"], {c: r[c] for c in S20_OTHER_CELLS}, small_cell)
        base = {
            "choice": "s20_by_subtraction",
            "la_code": r["la_code"],
            "la_name": r.get("la_name", ""),
            "year": int(r["year"]),
            "indicator": "cla_s20_31mar_rate",
            "value_before": np.nan,
        }
        if result.refused:
            rows.append(
                {
                    **base,
                    "action": "left missing",
                    "value_used": np.nan,
                    "value_low": np.nan,
                    "value_high": np.nan,
                    "reason": result.refused,
                }
            )
            continue
        out.loc[idx, "cla_s20_31mar"] = result.used
        rows.append(
            {
                **base,
                "action": "rebuilt",
                "value_used": result.used,
                "value_low": result.low,
                "value_high": result.high,
                "reason": "s20 is the only unknown legal-status cell besides one small one: "
                f"total - known cells - small ({small_cell[0]}-{small_cell[1]})",
            }
        )
    out["cla_s20_31mar_rate"] = rate_per_10k(out["cla_s20_31mar"], out["pop_0_17"])
    return out, pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def s20_at_bracket_end(panel: pd.DataFrame, evidence: pd.DataFrame, end: str) -> pd.DataFrame:
    """The panel with every rebuilt s20 at the ``low`` or ``high`` end of its bracket."""
    column = {"low": "value_low", "high": "value_high"}[end]
    out = panel.copy()
    rebuilt = evidence[(evidence["choice"] == "s20_by_subtraction") & (evidence["action"] == "rebuilt")]
    key = out.set_index(["la_code", "year"]).index
    for r in rebuilt.itertuples(index=False):
        out.loc[key == (r.la_code, r.year), "cla_s20_31mar"] = getattr(r, column)
    out["cla_s20_31mar_rate"] = rate_per_10k(out["cla_s20_31mar"], out["pop_0_17"])
    return out


def drop_core_assessment_switchers(panel: pd.DataFrame, year: int, below: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treat core assessments as missing in ``year`` for LAs with fewer than ``below`` of them
    (LAs that had largely moved to single assessments); returns the panel and the evidence rows."""
    out = panel.copy()
    low = (out["year"] == year) & (out["core_assessments"] < below)
    rows = [
        {
            "choice": "core_assessment_switchers",
            "la_code": r.la_code,
            "la_name": r.la_name,
            "year": int(r.year),
            "indicator": "core_assessments_rate",
            "action": "treated as missing",
            "value_before": float(r.core_assessments),
            "value_used": np.nan,
            "value_low": np.nan,
            "value_high": np.nan,
            "reason": f"{r.core_assessments:g} core assessments in the year, fewer than {below:g}: "
            "the LA had largely moved to single assessments",
        }
        for r in out.loc[low].itertuples(index=False)
    ]
    out.loc[low, ["core_assessments", "core_assessments_rate"]] = np.nan
    return out, pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def apply_inferred_choices(panel: pd.DataFrame, inferred: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the enabled rules of the config block ``national_analysis.table6.inferred``."""
    evidence = []
    core = inferred["core_assessment_switchers"]
    if core["enabled"]:
        panel, rows = drop_core_assessment_switchers(panel, core["year"], core["below"])
        evidence.append(rows)
    s20 = inferred["s20_by_subtraction"]
    if s20["enabled"]:
        panel, rows = rebuild_s20_by_subtraction(panel, s20["years"], s20["small_cell"])
        evidence.append(rows)
    evidence = [e for e in evidence if len(e)]
    return panel, (pd.concat(evidence, ignore_index=True) if evidence else pd.DataFrame(columns=EVIDENCE_COLUMNS))


def rho_reach(x: np.ndarray, y: np.ndarray, missing: np.ndarray) -> tuple[float, float]:
    """Smallest and largest Spearman rho of x and y over every value the LAs marked ``missing``
    (x known, y unknown) could take; at most 2 such LAs (NaN, NaN beyond that).

    Only ranks matter, so every placement of the missing values among the known ones (below all,
    between each pair of neighbours, above all, in either order when two share a gap) is tried.
    """
    from scipy import stats

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    missing = np.asarray(missing, dtype=bool)
    known = ~missing & ~np.isnan(x) & ~np.isnan(y)
    idx_missing = np.flatnonzero(missing & ~np.isnan(x))
    if len(idx_missing) == 0 or len(idx_missing) > 2:
        return np.nan, np.nan
    levels = np.unique(y[known])
    edges = np.concatenate([[levels[0] - 1.0], (levels[:-1] + levels[1:]) / 2.0, [levels[-1] + 1.0]])
    width = np.diff(np.concatenate([levels[:1] - 2.0, levels, levels[-1:] + 2.0])).min() / 8.0
    # Two slots per gap so that two missing LAs in one gap can come in either order.
    slots = np.sort(np.concatenate([edges - width, edges + width]))
    base_x = np.concatenate([x[known], x[idx_missing]])
    rank_x = stats.rankdata(base_x)
    rank_x = rank_x - rank_x.mean()
    best_low, best_high = np.inf, -np.inf
    grids = np.meshgrid(*[slots] * len(idx_missing), indexing="ij")
    fills = np.stack([g.ravel() for g in grids], axis=1)
    known_y = y[known]
    for chunk in np.array_split(fills, max(1, len(fills) // 2000)):
        ys = np.concatenate([np.broadcast_to(known_y, (len(chunk), len(known_y))), chunk], axis=1)
        ranks = stats.rankdata(ys, axis=1)
        ranks = ranks - ranks.mean(axis=1, keepdims=True)
        rho = (ranks @ rank_x) / np.sqrt((ranks * ranks).sum(axis=1) * (rank_x * rank_x).sum())
        best_low, best_high = min(best_low, rho.min()), max(best_high, rho.max())
    return float(best_low), float(best_high)


def s20_rho_bracket(
    panel: pd.DataFrame, evidence: pd.DataFrame, imd_indicator: str, indicator: str = "cla_s20_31mar_rate"
) -> dict[int, tuple[float, float]]:
    """Year -> (rho, rho) of IMD against s20 with every rebuilt value at the low, then the high end
    of its bracket (the range the reconstruction implies for the Table 6 cell)."""
    from csc_inequalities.national.correlations import spearman

    rebuilt = evidence[(evidence["choice"] == "s20_by_subtraction") & (evidence["action"] == "rebuilt")]
    out = {}
    for year in sorted(rebuilt["year"].unique()):
        ends = []
        for end in ("low", "high"):
            frame = s20_at_bracket_end(panel, rebuilt, end)
            frame = frame[frame["year"] == year]
            ends.append(spearman(frame[imd_indicator], frame[indicator])[0])
        out[int(year)] = (min(ends), max(ends))
    return out


def explain_cells(
    comparison: pd.DataFrame, panel: pd.DataFrame, imd_indicator: str, evidence: pd.DataFrame, tolerance: float
) -> pd.DataFrame:
    """Add ``inferred`` (the unstated choice a cell rests on) and ``reason`` (why a cell of the
    definition Table 6 uses does not match) to the published-vs-reproduced comparison.

    A cell whose N falls short of the published N by one or two LAs gets the range of rho that any
    values for the missing LAs could give (``reach_low``, ``reach_high``): if the published rho is
    outside it, no value for them reproduces the cell.
    """
    out = comparison.copy()
    out["inferred"] = ""
    out["reason"] = ""
    out["reach_low"] = np.nan
    out["reach_high"] = np.nan
    brackets = s20_rho_bracket(panel, evidence, imd_indicator) if len(evidence) else {}
    for (choice, year), rows in evidence.groupby(["choice", "year"]) if len(evidence) else []:
        indicator = rows["indicator"].iloc[0]
        touched = rows[rows["action"] != "left missing"]
        names = ", ".join(sorted(touched["la_name"].astype(str)))
        if choice == "core_assessment_switchers":
            counts = ", ".join(
                f"{r.la_name} ({r.value_before:g})" for r in touched.sort_values("la_name").itertuples(index=False)
            )
            text = (
                f"{INFERRED_LABEL}: LAs with few core assessments that year, having largely moved "
                f"to single assessments, treated as missing: {counts}"
            )
        else:
            low, high = brackets.get(int(year), (np.nan, np.nan))
            text = (
                f"{INFERRED_LABEL}: s20 rebuilt by subtraction for {len(touched)} LAs ({names}); "
                f"rho {low:.3f} to {high:.3f} across their brackets"
            )
            refused = rows[rows["action"] == "left missing"]
            if len(refused):
                text += "; left missing: " + "; ".join(
                    f"{r.la_name} ({r.reason})" for r in refused.itertuples(index=False)
                )
        target = (out["source_indicator"] == indicator) & (out["year"] == year)
        out.loc[target, "inferred"] = text
    with_data = panel[panel[imd_indicator].notna()]
    for idx in out.index[out["primary"]]:
        r = out.loc[idx]
        if bool(r["match"]):
            continue
        if pd.isna(r["rho_reproduced"]):
            what = r["source_indicator"] if isinstance(r["source_indicator"], str) else "indicator"
            out.loc[idx, "reason"] = f"no public data: the public files hold no {what} for {int(r['year'])}"
            continue
        reasons = []
        if abs(r["diff"]) > tolerance:
            reasons.append(f"|difference| {abs(r['diff']):.3f} > {tolerance}")
        short = int(r["n_published"]) - int(r["n_reproduced"])
        if short != 0:
            reasons.append(f"N {int(r['n_reproduced'])} vs published {int(r['n_published'])}")
        if 0 < short <= 2 and r["source_indicator"] in panel.columns:
            year_rows = with_data[with_data["year"] == r["year"]]
            missing = year_rows[r["source_indicator"]].isna().to_numpy()
            if missing.sum() == short:
                low, high = rho_reach(
                    year_rows[imd_indicator].to_numpy(), year_rows[r["source_indicator"]].to_numpy(), missing
                )
                out.loc[idx, ["reach_low", "reach_high"]] = [low, high]
                names = ", ".join(year_rows.loc[missing, "la_name"].astype(str))
                verdict = (
                    "so no value for them reproduces the published rho"
                    if not low - 0.0005 <= r["rho_published"] <= high + 0.0005
                    else "which includes the published rho"
                )
                reasons.append(
                    f"the public series has no value for {names}; any values for them give "
                    f"rho {low:.3f} to {high:.3f}, {verdict} ({r['rho_published']:.3f})"
                )
        out.loc[idx, "reason"] = "; ".join(reasons)
    return out

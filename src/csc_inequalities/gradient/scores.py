"""Social-gradient scores (2021 national summary; METHODS C.10).

The score is the multiplicative change in a threshold's rate per 10-percentage-point rise in the
LSOA share of income-deprived people, from a negative binomial model with an LA random intercept
and an interaction with LA deprivation (the LA's own income-deprivation share in percentage points,
centred at the mean over LAs): the score at mean LA deprivation is exp(b_income); at mean +/- 10
points it is
exp(b_income +/- 10 b_interaction). Per-LA scores come from a negative binomial GLM within each
LA. The income share shipped with the workflow is an approximation of the IoD2019 income domain
rate (lsoa_reference.income_rate_approx), so these scores are approximate too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csc_inequalities.disclosure import mask_derived, suppress_long
from csc_inequalities.gradient import r_engine
from csc_inequalities.gradient.models import Z95, is_converged

# The score's step: percentage points of the LSOA income-deprivation share (the 2021 summary's definition).
INCOME_STEP_POINTS = 10.0
DEFAULT_BANDS = (0.0, 0.05, 0.10, 0.15, 0.20, 0.30, 0.40, 0.50, 1.0)


def score_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Model frame: income share per 10 points (centred at the LSOA mean) and the LA's own income
    deprivation in percentage points (population-weighted mean of its LSOAs, centred at the mean
    over LAs), as the 2021 summary's "LA 10% more/less deprived"."""
    frame = table[(table["population_years"] > 0)].dropna(subset=["income_rate_approx"]).copy()
    income_pct = 100.0 * frame["income_rate_approx"].astype(float)
    frame["income10_c"] = (income_pct - income_pct.mean()) / INCOME_STEP_POINTS
    weights = frame["population_years"]
    la_pct = (income_pct * weights).groupby(frame["la_code"]).sum() / weights.groupby(frame["la_code"]).sum()
    frame["la_income_pct"] = frame["la_code"].map(la_pct)
    frame["la_score_c"] = frame["la_income_pct"] - la_pct.mean()
    return frame[
        ["count", "income10_c", "la_score_c", "la_income_pct", "population_years", "la_code", "income_rate_approx"]
    ].reset_index(drop=True)


def _ratio(estimate: float, variance: float) -> dict[str, float]:
    se = float(np.sqrt(max(variance, 0.0)))
    return {
        "estimate": estimate,
        "se": se,
        "ratio": float(np.exp(estimate)),
        "ratio_low": float(np.exp(estimate - Z95 * se)),
        "ratio_high": float(np.exp(estimate + Z95 * se)),
    }


def _score_result(threshold: str, fit: dict[str, Any]) -> dict[str, Any]:
    """A threshold's scores before their rows are added: convergence, the fit's message (its error
    if it failed) and warnings."""
    return {
        "threshold": threshold,
        "converged": is_converged(fit),
        "fit_status": fit.get("message") if fit.get("ok") else fit.get("error"),
        "warnings": fit.get("warnings", []),
        "rows": [],
    }


NOT_FITTED_ONE_LA = "not fitted: needs >= 2 LAs (how the score changes with LA deprivation compares LAs)"


def _one_la_score(frame: pd.DataFrame, threshold: str, la_shift: float) -> dict[str, Any]:
    """One LA: its own score (NB GLM on the income share, no LA term); the rows at other LA
    deprivation levels are reported as not fitted."""
    formula = "count ~ income10_c + offset(log(population_years))"
    fit = r_engine.fit_glmmtmb(frame, formula, formula, "nbinom2")
    out = _score_result(threshold, fit)
    if not fit.get("ok"):
        return out
    converged = out["converged"]
    i = fit["term"].index("income10_c")
    k = len(fit["term"])
    vcov = np.asarray(fit["vcov"], float).reshape(k, k, order="F")
    out["rows"].append(
        {
            "threshold": threshold,
            "at": "the LA (one LA configured)",
            "la_shift_points": 0.0,
            **_ratio(float(fit["estimate"][i]), vcov[i, i]),
            "converged": converged,
        }
    )
    for shift in (la_shift, -la_shift):
        out["rows"].append(
            {
                "threshold": threshold,
                "at": f"LA deprivation {shift:+g} points",
                "la_shift_points": shift,
                "estimate": np.nan,
                "se": np.nan,
                "ratio": np.nan,
                "ratio_low": np.nan,
                "ratio_high": np.nan,
                "converged": False,
                "status": NOT_FITTED_ONE_LA,
            }
        )
    return out


def gradient_scores(table: pd.DataFrame, threshold: str, la_shift: float = 10.0) -> dict[str, Any]:
    """Scores at mean LA deprivation and at +/- ``la_shift`` points, from the interaction model."""
    frame = score_frame(table)
    if frame["la_code"].nunique() < 2:
        return _one_la_score(frame, threshold, la_shift)
    formula = "count ~ income10_c * la_score_c + offset(log(population_years)) + (1 | la_code)"
    fixed = "count ~ income10_c * la_score_c + offset(log(population_years))"
    fit = r_engine.fit_glmmtmb(frame, formula, fixed, "nbinom2")
    out = _score_result(threshold, fit)
    if not fit.get("ok"):
        return out
    terms = fit["term"]
    k = len(terms)
    vcov = np.asarray(fit["vcov"], float).reshape(k, k, order="F")
    i, j = terms.index("income10_c"), terms.index("income10_c:la_score_c")
    b = np.asarray(fit["estimate"], float)
    for label, shift in (
        ("mean LA deprivation", 0.0),
        (f"LA deprivation +{la_shift:g} points", la_shift),
        (f"LA deprivation -{la_shift:g} points", -la_shift),
    ):
        est = b[i] + shift * b[j]
        var = vcov[i, i] + shift**2 * vcov[j, j] + 2 * shift * vcov[i, j]
        out["rows"].append(
            {
                "threshold": threshold,
                "at": label,
                "la_shift_points": shift,
                **_ratio(est, var),
                "converged": out["converged"],
            }
        )
    return out


def per_la_scores(table: pd.DataFrame, threshold: str) -> pd.DataFrame:
    """Per-LA score: NB GLM of counts on income share (per 10 points) within each LA."""
    frame = score_frame(table)
    la_scores = (
        table.drop_duplicates("la_code").set_index("la_code")["la_imd2015_avg_score"]
        if "la_imd2015_avg_score" in table
        else pd.Series(dtype=float)
    )
    rows = []
    for la_code, la_frame in frame.groupby("la_code", sort=True):
        row = {
            "threshold": threshold,
            "la_code": la_code,
            "la_imd2015_avg_score": float(la_scores.get(la_code, np.nan)),
            "la_income_pct": float(la_frame["la_income_pct"].iloc[0]),
            "children": float(la_frame["count"].sum()),
        }
        if la_frame["count"].sum() > 0 and la_frame["income10_c"].nunique() > 1:
            fit = r_engine.fit_glmmtmb(
                la_frame,
                "count ~ income10_c + offset(log(population_years))",
                "count ~ income10_c + offset(log(population_years))",
                "nbinom2",
            )
            if fit.get("ok"):
                idx = fit["term"].index("income10_c")
                row.update(_ratio(fit["estimate"][idx], fit["se"][idx] ** 2))
                row["converged"] = is_converged(fit)
        rows.append(row)
    return pd.DataFrame(rows)


def score_correlation(per_la: pd.DataFrame) -> dict[str, Any]:
    ok = per_la.dropna(subset=["estimate", "la_imd2015_avg_score"]) if "estimate" in per_la else per_la.iloc[0:0]
    if len(ok) < 3:
        return {"n_las": int(len(ok)), "spearman_rho": None, "spearman_p": None, "pearson_r": None, "pearson_p": None}
    rho, p_rho = stats.spearmanr(ok["la_imd2015_avg_score"], ok["estimate"])
    r, p_r = stats.pearsonr(ok["la_imd2015_avg_score"], ok["estimate"])
    return {
        "n_las": int(len(ok)),
        "spearman_rho": float(rho),
        "spearman_p": float(p_rho),
        "pearson_r": float(r),
        "pearson_p": float(p_r),
    }


def rates_by_income_band(
    table: pd.DataFrame, edges: Iterable[float] = DEFAULT_BANDS, min_cell: int = 10
) -> pd.DataFrame:
    """Children reaching each threshold per 10,000 child-years by LSOA income-deprivation band,
    through csc_inequalities.disclosure (cells < ``min_cell`` and the cells that would reveal them
    from the threshold's total are suppressed, with their rates)."""
    edges = list(edges)
    labels = [f"{100 * lo:g}-{100 * hi:g}%" for lo, hi in zip(edges[:-1], edges[1:])]
    frame = table.dropna(subset=["income_rate_approx"]).copy()
    frame["income_band"] = pd.cut(
        frame["income_rate_approx"], bins=edges, labels=labels, right=False, include_lowest=True
    )
    grouped = frame.groupby(["threshold", "income_band"], observed=False, sort=True).agg(
        lsoas=("lsoa11", "nunique"), children=("count", "sum"), population_years=("population_years", "sum")
    )
    grouped = grouped.reset_index()
    grouped["rate_per_10000"] = np.where(
        grouped["population_years"] > 0,
        1e4 * grouped["children"] / grouped["population_years"].where(grouped["population_years"] > 0),
        np.nan,
    )
    grouped["income_band"] = grouped["income_band"].astype(str)
    # The bands of a threshold sum to its published total: primary and secondary suppression.
    grouped = suppress_long(grouped, "children", row_keys=["income_band"], group_keys=["threshold"], min_cell=min_cell)
    return mask_derived(grouped, ["rate_per_10000"])

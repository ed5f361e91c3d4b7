"""Sample-size simulation (final report 2.3.1, footnote 4; METHODS C.11).

Three groups of children compared on re-referral within 12 months: one at the third quartile of
LAs' re-referral proportions (26% in 2013), two at the median (21%). Children are spread evenly
over LAs (ceil(n / children_per_la) LAs, the study's median of 536 referrals per LA in 2013, at
least ``min_las``) and over the three groups within each LA; each LA has a random intercept on the
logit scale. Each simulated data set is fitted with a logistic GLMM (lme4::glmer, LA random
intercept) and the high group's coefficient tested at 5% (Wald). Power = share of data sets with a
significant difference. The study does not give its between-LA variance; it is estimated here
from the real spread of LA re-referral proportions in the national panel, less the binomial
sampling variance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from csc_inequalities.gradient import r_engine


def between_la_variance(
    panel: pd.DataFrame,
    column: str,
    year: int,
    referrals_per_la: float = 536.0,
    referrals_column: str | None = "referrals",
) -> dict[str, Any]:
    """Between-LA variance of logit(re-referral proportion) in ``year``: the observed variance of
    the LA logits minus the mean binomial sampling variance 1 / (n p (1 - p)), n = the LA's own
    referrals when the panel has them, else ``referrals_per_la``. Proportions of exactly 0 or 100%
    (data errors or suppressed returns) are left out."""
    rows = panel.loc[panel["year"] == year].dropna(subset=[column])
    values = rows[column].astype(float)
    scale = 100.0 if values.max() > 1.0 else 1.0
    keep = (values > 0) & (values < scale)
    rows, values = rows[keep], values[keep]
    if values.empty:
        raise ValueError(f"no values of {column!r} in year {year}")
    p = values / scale
    if referrals_column and referrals_column in rows.columns and rows[referrals_column].notna().all():
        n = rows[referrals_column].astype(float).clip(lower=1.0)
    else:
        n = pd.Series(referrals_per_la, index=p.index)
    logits = logit(p)
    sampling = float(np.mean(1.0 / (n * p * (1 - p))))
    observed = float(np.var(logits, ddof=1))
    variance = max(observed - sampling, 0.0)
    return {
        "year": int(year),
        "column": column,
        "n_las": int(len(values)),
        "observed_logit_variance": observed,
        "sampling_variance": sampling,
        "between_la_variance": variance,
        "between_la_sd": math.sqrt(variance),
        "median_pct": float(100 * p.median()),
        "q3_pct": float(100 * p.quantile(0.75)),
    }


def simulate_dataset(
    n_children: int,
    p_high: float,
    p_median: float,
    la_sd: float,
    children_per_la: float,
    min_las: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Aggregated counts per LA x group (the logistic GLMM's likelihood is unchanged by grouping
    children who share every covariate)."""
    n_las = max(min_las, math.ceil(n_children / children_per_la))
    per_cell = np.full((n_las, 3), n_children // (3 * n_las))
    extra = n_children - per_cell.sum()
    per_cell.flat[:extra] += 1
    u = rng.normal(0.0, la_sd, n_las)
    base = np.array([logit(p_high), logit(p_median), logit(p_median)])
    prob = expit(base[None, :] + u[:, None])
    success = rng.binomial(per_cell, prob)
    groups = np.array(["high", "median_a", "median_b"])
    return pd.DataFrame(
        {
            "la": np.repeat(np.arange(n_las), 3),
            "group": np.tile(groups, n_las),
            "success": success.ravel(),
            "failure": (per_cell - success).ravel(),
        }
    )


def power_at(
    n_children: int,
    iterations: int,
    p_high: float,
    p_median: float,
    la_sd: float,
    children_per_la: float,
    min_las: int,
    seed: int,
    alpha: float = 0.05,
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    z_crit = stats.norm.ppf(1 - alpha / 2)
    significant = 0
    warnings = 0
    for _ in range(iterations):
        data = simulate_dataset(n_children, p_high, p_median, la_sd, children_per_la, min_las, rng)
        # Reference level in R = median_a, so "grouphigh" is the high group vs a median group.
        est, se, warn = r_engine.fit_binomial_glmer(data["success"], data["failure"], data["group"], data["la"])
        warnings += int(warn)
        if np.isfinite(est) and np.isfinite(se) and se > 0 and abs(est / se) > z_crit:
            significant += 1
    power = significant / iterations
    return {
        "n_children": int(n_children),
        "n_las": max(min_las, math.ceil(n_children / children_per_la)),
        "iterations": int(iterations),
        "power": power,
        "power_mc_se": math.sqrt(power * (1 - power) / iterations),
        "convergence_warnings": warnings,
    }


def power_curve(
    sample_sizes: Iterable[int],
    iterations: int,
    p_high: float,
    p_median: float,
    la_sd: float,
    children_per_la: float,
    min_las: int,
    seed: int,
) -> pd.DataFrame:
    rows = [
        power_at(n, iterations, p_high, p_median, la_sd, children_per_la, min_las, seed + i)
        for i, n in enumerate(sorted(sample_sizes))
    ]
    return pd.DataFrame(rows)


def n_for_power(curve: pd.DataFrame, target: float = 0.8) -> float | None:
    """Smallest sample size reaching ``target`` power, interpolated linearly between grid points."""
    curve = curve.sort_values("n_children")
    n, p = curve["n_children"].to_numpy(float), curve["power"].to_numpy(float)
    above = np.nonzero(p >= target)[0]
    if len(above) == 0:
        return None
    k = above[0]
    if k == 0:
        return float(n[0])
    return float(n[k - 1] + (target - p[k - 1]) * (n[k] - n[k - 1]) / (p[k] - p[k - 1]))

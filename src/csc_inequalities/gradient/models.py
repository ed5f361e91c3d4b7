"""Social gradient and inverse intervention models (final report 2.3.5, 3.5; METHODS C.8-9).

Per threshold (and stratum level): negative binomial (NB2) counts of children per LSOA with
offset log(population x years) and an LA random intercept, predictors the LSOA IMD decile and
the LA IMD decile, both ordered 1 = least deprived as in the study and centred at 5.5 (so the
intercept is the log rate at a middle decile and the optimiser is well conditioned). The LA effect
is fitted twice: adjusted for LSOA deprivation and unadjusted. exp(coefficient) is the rate ratio
per decile step (the study's "odds").
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from csc_inequalities.gradient import r_engine

log = logging.getLogger(__name__)

DECILE_CENTRE = 5.5


@lru_cache(maxsize=1)
def _z95() -> float:
    # scipy.special only when a CI is computed: a model job need not import scipy.stats (0.5 s).
    # ndtri is what scipy's norm.ppf evaluates: the same number to the last bit.
    from scipy.special import ndtri

    return float(ndtri(0.975))


def __getattr__(name: str) -> Any:
    """Z95 (the 97.5% normal quantile) computed on first use."""
    if name == "Z95":
        return _z95()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


TERM_NAMES = {"lsoa_decile_c": "lsoa_decile", "la_decile_c": "la_decile"}
NOT_FITTED_ONE_LA = "not fitted: needs >= 2 LAs (the LA-deprivation effect compares LAs)"
MODELS = {
    "adjusted": ["lsoa_decile_c", "la_decile_c"],
    "la_unadjusted": ["la_decile_c"],
}


def model_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Rows usable by the model (positive offset, known deciles) with centred predictors."""
    frame = table[(table["population_years"] > 0)].dropna(subset=["lsoa_decile_least1", "la_decile_least1", "count"])
    frame = frame.assign(
        lsoa_decile_c=frame["lsoa_decile_least1"].astype(float) - DECILE_CENTRE,
        la_decile_c=frame["la_decile_least1"].astype(float) - DECILE_CENTRE,
    )
    return frame[["count", "lsoa_decile_c", "la_decile_c", "population_years", "la_code"]].reset_index(drop=True)


def formulas(terms: list[str], random: bool = True) -> tuple[str, str]:
    rhs = " + ".join(terms + ["offset(log(population_years))"])
    fixed = f"count ~ {rhs}"
    return (f"{fixed} + (1 | la_code)" if random else fixed), fixed


def is_converged(fit: dict[str, Any]) -> bool:
    if not fit.get("ok"):
        return False
    se = np.asarray(fit.get("se", []), float)
    return fit.get("convergence") == 0 and bool(fit.get("pd_hessian")) and bool(np.all(np.isfinite(se)))


def fit_model(
    frame: pd.DataFrame,
    terms: list[str],
    engine: str = "glmmTMB",
    family: str = "nbinom2",
    dispersion: float | None = None,
) -> dict[str, Any]:
    """Fit one model; returns the engine's dict plus 'converged' and 'status'. ``dispersion``: NB2
    with this dispersion held fixed (glmmTMB only; the generator's truth refits)."""
    n_las = frame["la_code"].nunique()
    usable = [t for t in terms if frame[t].nunique() > 1]
    dropped = sorted(set(terms) - set(usable))
    if frame["count"].sum() <= 0:
        return {
            "ok": False,
            "converged": False,
            "status": "no children reached the threshold",
            "dropped_terms": dropped,
        }
    one_la = n_las < 2
    if one_la:
        # One LA: the within-LA gradient (NB GLM, no LA random intercept) is estimable; whatever
        # compares LAs (the LA-deprivation effect) is not.
        usable = [t for t in usable if t != "la_decile_c"]
        if not usable:
            return {
                "ok": False,
                "fitted": False,
                "one_la": True,
                "converged": False,
                "status": NOT_FITTED_ONE_LA,
                "dropped_terms": dropped,
            }
    formula, fixed = formulas(usable, random=not one_la)
    if engine == "glmmTMB":
        fit = r_engine.fit_glmmtmb(frame, formula, fixed, family, dispersion=dispersion)
    elif dispersion is not None:
        raise ValueError(f"a fixed NB2 dispersion needs engine 'glmmTMB', not {engine!r}")
    elif engine == "glmer.nb":
        fit = r_engine.fit_glmer_nb(frame, formula)
    else:
        raise ValueError(f"engine must be 'glmmTMB' or 'glmer.nb', not {engine!r}")
    fit["engine"] = engine
    fit["family"] = family
    fit["formula"] = formula
    fit["dropped_terms"] = dropped
    fit["converged"] = is_converged(fit)
    fit["fitted"] = True
    fit["one_la"] = one_la
    fit["boundary"] = ""
    if not fit["converged"] and fit.get("ok"):
        fit = _boundary_refit(frame, usable, fit, family, dispersion)
    if fit["converged"] and fit["boundary"]:
        fit["status"] = f"converged at a boundary: {fit['boundary']}"
    elif fit["converged"]:
        fit["status"] = "converged" + (" (one LA: within-LA model, no LA random intercept)" if one_la else "")
    elif not fit.get("ok"):
        fit["status"] = f"failed: {fit.get('error')}"
    else:
        fit["status"] = (
            f"NOT CONVERGED (optimiser code {fit.get('convergence')}, "
            f"Hessian positive definite: {fit.get('pd_hessian')}; {fit.get('message')})"
        )
    if not fit["converged"]:
        log.warning("model %s: %s", formula, fit["status"])
    return fit


# Parameters on the edge of their space make the Hessian singular although the fixed effects are
# well determined: NB dispersion -> infinity (no overdispersion: the Poisson limit) or LA variance
# -> 0 (the model without the random intercept). The limit model is then the maximum-likelihood fit.
DISPERSION_BOUNDARY = 1e4
LA_SD_BOUNDARY = 1e-3


def _boundary_refit(
    frame: pd.DataFrame, terms: list[str], fit: dict[str, Any], family: str, dispersion: float | None = None
) -> dict[str, Any]:
    at_dispersion = family == "nbinom2" and dispersion is None and (fit.get("dispersion") or 0) > DISPERSION_BOUNDARY
    at_la_sd = fit.get("re_sd") is not None and fit["re_sd"] < LA_SD_BOUNDARY
    if not (at_dispersion or at_la_sd):
        return fit
    refit_family = "poisson" if at_dispersion else family
    formula, fixed = formulas(terms, random=not at_la_sd)
    refit = r_engine.fit_glmmtmb(
        frame, formula, fixed, refit_family, dispersion=dispersion if refit_family == "nbinom2" else None
    )
    reasons = []
    if at_dispersion:
        reasons.append(f"NB dispersion {fit['dispersion']:.3g} (no overdispersion): Poisson limit reported")
    if at_la_sd:
        reasons.append(f"LA random-intercept SD {fit['re_sd']:.2g} (zero): fitted without it")
    refit.update(
        {
            "engine": "glmmTMB",
            "family": refit_family,
            "formula": formula,
            "dropped_terms": fit["dropped_terms"],
            "converged": is_converged(refit),
            "fitted": True,
            "boundary": "; ".join(reasons),
            "first_fit_status": f"optimiser code {fit.get('convergence')}, Hessian positive definite: {fit.get('pd_hessian')}",
        }
    )
    if at_la_sd and refit.get("re_sd") is None:
        refit["re_sd"] = 0.0
    return refit if refit["converged"] else fit


def effects_rows(fit: dict[str, Any], model: str) -> list[dict[str, Any]]:
    """Rate ratio per decile step with 95% CI for the decile terms of one fit."""
    rows = []
    terms = fit.get("term", []) if fit.get("ok") else []
    for name, est, se in zip(terms, fit.get("estimate", []), fit.get("se", [])):
        if name not in TERM_NAMES:
            continue
        rows.append(
            {
                "model": model,
                "term": TERM_NAMES[name],
                "estimate": est,
                "se": se,
                "rr": float(np.exp(est)),
                "rr_low": float(np.exp(est - _z95() * se)),
                "rr_high": float(np.exp(est + _z95() * se)),
                "converged": bool(fit.get("converged")),
                "status": fit.get("status"),
            }
        )
    # One LA: the adjusted model has no LA term; say so rather than leave the row out.
    if fit.get("one_la") and "la_decile" not in {r["term"] for r in rows} and rows:
        rows.append(_unestimated_row(model, "la_decile", NOT_FITTED_ONE_LA))
    if not rows:
        rows = [_unestimated_row(model, TERM_NAMES[term], fit.get("status")) for term in MODELS[model]]
    return rows


def _unestimated_row(model: str, term: str, status: str | None) -> dict[str, Any]:
    """An effects row without an estimate (missing values, not converged), saying why."""
    return {
        "model": model,
        "term": term,
        "estimate": np.nan,
        "se": np.nan,
        "rr": np.nan,
        "rr_low": np.nan,
        "rr_high": np.nan,
        "converged": False,
        "status": status,
    }


def fit_gradient(
    table: pd.DataFrame,
    threshold: str,
    stratum_type: str,
    stratum_level: str,
    engine: str = "glmmTMB",
    family: str = "nbinom2",
    dispersion: float | None = None,
) -> dict[str, Any]:
    """Both models (LA effect adjusted and unadjusted) for one threshold x stratum level
    (``dispersion``: NB2 with the dispersion fixed, see :func:`fit_model`)."""
    subset = table[
        (table["threshold"] == threshold)
        & (table["stratum_type"] == stratum_type)
        & (table["stratum_level"].astype(str) == str(stratum_level))
    ]
    frame = model_frame(subset)
    result: dict[str, Any] = {
        "threshold": threshold,
        "stratum_type": stratum_type,
        "stratum_level": str(stratum_level),
        "n_lsoas": int(len(frame)),
        "n_las": int(frame["la_code"].nunique()),
        "children": float(frame["count"].sum()),
        "population_years": float(frame["population_years"].sum()),
        "fits": {},
        "effects": [],
    }
    for model, terms in MODELS.items():
        fit = fit_model(frame, terms, engine=engine, family=family, dispersion=dispersion)
        result["fits"][model] = fit
        for row in effects_rows(fit, model):
            result["effects"].append(
                {"threshold": threshold, "stratum_type": stratum_type, "stratum_level": str(stratum_level), **row}
            )
    # Models that cannot be fitted by design (one LA) do not count as failures to converge.
    result["converged"] = all(f.get("converged") for f in result["fits"].values() if f.get("fitted", True))
    return result


def effects_frame(results: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [row for res in results for row in res["effects"]]
    return pd.DataFrame(rows)


def compare_with_truth(estimates: pd.DataFrame, truth: pd.DataFrame, max_z: float = 2.5) -> pd.DataFrame:
    """Estimate vs truth per (threshold, stratum, level, model, term): z = (est - truth)/se,
    whether |z| <= max_z and whether the 95% CI covers the truth."""
    keys = ["threshold", "stratum_type", "stratum_level", "model", "term"]
    merged = estimates.merge(
        truth[keys + ["estimate", "rr"]].rename(columns={"estimate": "truth_estimate", "rr": "truth_rr"}),
        on=keys,
        how="inner",
    )
    # Effects that cannot be estimated by design (one LA) are not compared.
    merged = merged[merged["status"].astype(str) != NOT_FITTED_ONE_LA].reset_index(drop=True)
    merged["z"] = (merged["estimate"] - merged["truth_estimate"]) / merged["se"]
    merged["within_max_z"] = merged["z"].abs() <= max_z
    merged["ci_covers_truth"] = (merged["rr_low"] <= merged["truth_rr"]) & (merged["truth_rr"] <= merged["rr_high"])
    return merged

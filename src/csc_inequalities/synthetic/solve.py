"""Calibration as a procedure: solve the generating parameters so that the noise-free truth hits
the published targets (issue 12, item 2).

The truth is what the gradient strand's truth rules compute: the report's models fitted to the
generator's expected counts (run.expected_counts, the same function the generator's truth uses).
Inside the solver the models are fitted by a fast Python approximation of the R fits:

* decile model (count ~ LSOA decile + LA decile + (1 | LA)) and score model (count ~ income share
  x LA income share + (1 | LA)), both Poisson on the expected counts as the truth refits: the
  Laplace-approximate marginal likelihood that glmmTMB maximises, by penalised IRLS for the fixed
  effects and a 1-D search for the LA SD (:func:`poisson_random_intercept`). With few LAs the SD can
  go to zero and the LSOA slope then uses between-LA contrasts too, which a fixed-LA GLM would miss;
  tests/synthetic/test_calibration.py checks the two against glmmTMB.

Targets are read from the published headline figures (never typed here); where a target is derived
from two published numbers (the 2020 report prints only Figure 18's CPP values, the 2021 summary
gives ratios between thresholds and strata), the derivation is in the target's note.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from csc_inequalities.gradient.models import model_frame
from csc_inequalities.gradient.scores import score_frame
from csc_inequalities.published import PublishedFigures
from csc_inequalities.synthetic.generator import cell_process, cell_rates, la_class_shares
from csc_inequalities.synthetic.model import CP_CATEGORIES, GeneratingParameters, PublishedTargets, pathway_base
from csc_inequalities.synthetic.run import (
    expected_class_shares,
    expected_counts,
    la_random_intercepts,
    la_totals_timing,
    panel_settings,
    period_of,
    population_cells,
)
from csc_inequalities.synthetic.totals import panel_totals

log = logging.getLogger(__name__)

PATHWAY_COLUMNS = ["assessed_not_cin", "cin", "cpp", "lac"]
# Parameters that the LAs' published totals fix (synthetic.panel_measures): the per LA x year offsets
# set each LA's level at these steps, so the LA-level part of the escalation is theirs, not solved.
PANEL_SET = {"escalation_la_log_rr": ("cpp_starts", "lac_starts", "s47", "icpc", "assessments")}
PANEL_SET_NOTE = (
    "not solved: each LA's totals at every step follow its published counts (synthetic.panel_measures), "
    "which fix the LA-level rates, so the LA decile effect is that of the real LAs' counts; residual "
    "log(truth/published) shown"
)


@dataclasses.dataclass
class Target:
    target: str  # readable name (the calibration table's row)
    source: str  # published figure(s) it comes from
    published: float
    kind: str  # "decile" (adjusted decile model) or "score" (2021 interaction model)
    threshold: str
    stratum_type: str
    stratum_level: str
    statistic: str  # decile: lsoa_decile | la_decile; score: mean | plus | minus | minus_over_plus
    parameter: str  # the free parameter it mainly determines
    note: str = ""


# The 2021 summary: the gradient is "steepest for White children (1.91) and lowest for Black children
# (1.27)", so the other broad groups lie between: they take the midpoint of the White and Black
# slopes. White is the reference of the stratum slopes (its own slope is the referral slope).
ETHNIC_REFERENCE = "White"
ETHNIC_BETWEEN = ("Mixed", "Asian", "Other")
ETHNIC_JOINT = (
    "jointly fitted with the other referral gradients: with White steepest, Black lowest and the other "
    "groups between (the 2021 summary), the pooled gradient of these LAs' ethnic mix cannot meet the "
    "overall, White and Black targets exactly at once; the three are fitted together on the log scale "
    "and each residual is log(truth/published)"
)


def published_targets(figures: PublishedFigures, target_set: str) -> list[Target]:
    """The calibration targets of a run: ``final_report_2020`` (the six study LAs) or
    ``summary_2021`` (national). Values come from ``figures`` (headline.yaml, read by
    :class:`~csc_inequalities.published.PublishedFigures`: a missing or renamed key is an error naming it)."""
    ref_mean = figures.value("es_social_gradient_referrals_la_at_mean_deprivation")
    ref_plus = figures.value("es_social_gradient_referrals_la_10pc_more_deprived")
    ref_minus = figures.value("es_social_gradient_referrals_la_10pc_less_deprived")
    cpp_score = figures.value("es_social_gradient_cp_plans")
    white = figures.value("es_social_gradient_white_children")
    black = figures.value("es_social_gradient_black_children")
    neglect = figures.value("es_social_gradient_cp_plan_neglect")
    sexual = figures.value("es_social_gradient_cp_plan_sexual_abuse")
    es = "2021 summary"
    if target_set == "final_report_2020":
        cpp_lsoa = figures.value("fr_fig18_cp_plan_odds_per_decile_child_level_deprivation")
        cpp_la = figures.value("fr_fig18_cp_plan_odds_per_decile_la_level_deprivation")
        ref_lsoa = float(np.exp(np.log(cpp_lsoa) * np.log(ref_mean) / np.log(cpp_score)))
        derived = (
            "derived: the 2020 report prints only Figure 18's CPP values, so this is Figure 18's CPP "
            "gradient ({}) scaled on the log scale by the 2021 summary's ratio {}"
        )
        return [
            Target(
                "cpp: rate ratio per LSOA decile (Figure 18)",
                "FR Figure 18 (3.5.1)",
                cpp_lsoa,
                "decile",
                "cpp",
                "all",
                "all",
                "lsoa_decile",
                "escalation_lsoa_log_rr",
            ),
            Target(
                "cpp: rate ratio per LA decile, adjusted (Figure 18)",
                "FR Figure 18 (3.5.1)",
                cpp_la,
                "decile",
                "cpp",
                "all",
                "all",
                "la_decile",
                "escalation_la_log_rr",
            ),
            Target(
                "referral: rate ratio per LSOA decile",
                f"FR Figure 18 x {es}",
                ref_lsoa,
                "decile",
                "referral",
                "all",
                "all",
                "lsoa_decile",
                "lsoa_decile_log_rr",
                derived.format(cpp_lsoa, f"log {ref_mean} / log {cpp_score} (referral / CPP score)")
                + "; "
                + ETHNIC_JOINT,
            ),
            Target(
                "referral: score at LA -10 points / score at +10 points",
                es,
                ref_minus / ref_plus,
                "score",
                "referral",
                "all",
                "all",
                "minus_over_plus",
                "interaction_log_rr",
                f"ratio of the 2021 scores {ref_minus} / {ref_plus}: the steeper gradient of less deprived LAs "
                "(the six LAs cannot speak to the national level of the score)",
            ),
            Target(
                "referral, White: rate ratio per LSOA decile",
                f"FR Figure 18 x {es}",
                float(ref_lsoa ** (np.log(white) / np.log(ref_mean))),
                "decile",
                "referral",
                "ethnicity_group",
                "White",
                "lsoa_decile",
                "lsoa_decile_log_rr",
                derived.format(
                    cpp_lsoa,
                    f"log {white} / log {cpp_score} (White referral score / CPP score; the "
                    "summary does not name the threshold of the ethnic scores: referral assumed)",
                )
                + "; "
                + ETHNIC_JOINT,
            ),
            Target(
                "referral, Black: rate ratio per LSOA decile",
                f"FR Figure 18 x {es}",
                float(ref_lsoa ** (np.log(black) / np.log(ref_mean))),
                "decile",
                "referral",
                "ethnicity_group",
                "Black",
                "lsoa_decile",
                "ethnicity_lsoa_log_rr.Black",
                derived.format(
                    cpp_lsoa, f"log {black} / log {cpp_score} (Black referral score / CPP score; referral assumed)"
                )
                + "; "
                + ETHNIC_JOINT,
            ),
            Target(
                "cpp, Neglect: rate ratio per LSOA decile",
                f"FR Figure 18 x {es}",
                float(cpp_lsoa ** (np.log(neglect) / np.log(cpp_score))),
                "decile",
                "cpp",
                "cpp_latest_category",
                "Neglect",
                "lsoa_decile",
                "cp_category_lsoa_log_rr.Neglect",
                derived.format(cpp_lsoa, f"log {neglect} / log {cpp_score} (neglect CPP score / CPP score)"),
            ),
            Target(
                "cpp, Sexual abuse: rate ratio per LSOA decile",
                f"FR Figure 18 x {es}",
                float(cpp_lsoa ** (np.log(sexual) / np.log(cpp_score))),
                "decile",
                "cpp",
                "cpp_latest_category",
                "Sexual abuse",
                "lsoa_decile",
                "cp_category_lsoa_log_rr.Sexual abuse",
                derived.format(cpp_lsoa, f"log {sexual} / log {cpp_score} (sexual abuse CPP score / CPP score)"),
            ),
        ]
    if target_set == "summary_2021":
        joint = (
            f"jointly unreachable: a log-linear interaction gives score(mean)^2 = score(+10) x score(-10), but "
            f"{ref_mean}^2 = {ref_mean**2:.3f} and {ref_plus} x {ref_minus} = {ref_plus * ref_minus:.3f}; the three "
            "are fitted together on the log scale and the residual is shown"
        )
        return [
            Target(
                "referral: score at mean LA deprivation",
                es,
                ref_mean,
                "score",
                "referral",
                "all",
                "all",
                "mean",
                "lsoa_decile_log_rr",
                joint,
            ),
            Target(
                "referral: score at LA +10 points",
                es,
                ref_plus,
                "score",
                "referral",
                "all",
                "all",
                "plus",
                "interaction_log_rr",
                joint,
            ),
            Target(
                "referral: score at LA -10 points",
                es,
                ref_minus,
                "score",
                "referral",
                "all",
                "all",
                "minus",
                "interaction_log_rr",
                joint,
            ),
            Target(
                "cpp: score at mean LA deprivation",
                es,
                cpp_score,
                "score",
                "cpp",
                "all",
                "all",
                "mean",
                "escalation_lsoa_log_rr",
            ),
            Target(
                "referral, White: score",
                es,
                white,
                "score",
                "referral",
                "ethnicity_group",
                "White",
                "mean",
                "lsoa_decile_log_rr",
                "the summary does not name the threshold: referral assumed; " + ETHNIC_JOINT,
            ),
            Target(
                "referral, Black: score",
                es,
                black,
                "score",
                "referral",
                "ethnicity_group",
                "Black",
                "mean",
                "ethnicity_lsoa_log_rr.Black",
                "the summary does not name the threshold: referral assumed; " + ETHNIC_JOINT,
            ),
            Target(
                "cpp, Neglect: score",
                es,
                neglect,
                "score",
                "cpp",
                "cpp_latest_category",
                "Neglect",
                "mean",
                "cp_category_lsoa_log_rr.Neglect",
            ),
            Target(
                "cpp, Sexual abuse: score",
                es,
                sexual,
                "score",
                "cpp",
                "cpp_latest_category",
                "Sexual abuse",
                "mean",
                "cp_category_lsoa_log_rr.Sexual abuse",
            ),
        ]
    raise ValueError(f"unknown calibration target set {target_set!r}")


# --- fast Python approximations of the truth models ------------------------------------------------


def poisson_la_intercepts(
    y: np.ndarray, offset: np.ndarray, groups: np.ndarray, x: np.ndarray, tol: float = 1e-10, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson GLM (log link) with one intercept per group and slopes ``x`` (n, p), by Newton's method.
    ``y`` may be non-integer (expected counts). Returns (intercepts (J,), slopes (p,))."""
    y = np.asarray(y, float)
    x = np.asarray(x, float).reshape(len(y), -1)
    codes, groups = np.unique(groups, return_inverse=True)
    j = len(codes)
    z = np.zeros((len(y), j + x.shape[1]))
    z[np.arange(len(y)), groups] = 1.0
    z[:, j:] = x
    beta = np.zeros(z.shape[1])
    beta[:j] = np.log(np.bincount(groups, y, j) / np.bincount(groups, np.exp(offset), j))
    for _ in range(max_iter):
        mu = np.exp(z @ beta + offset)
        step = np.linalg.solve((z * mu[:, None]).T @ z, z.T @ (y - mu))
        beta += step
        if np.max(np.abs(step)) < tol:
            break
    return beta[:j], beta[j:]


def count_weights(y: np.ndarray, mu: np.ndarray, dispersion: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a log-link count model: (log-likelihood terms that depend on mu, score d/d eta,
    observed information -d2/d eta2). Poisson without ``dispersion``; NB2 with the dispersion theta
    held fixed otherwise (y log mu - (y + theta) log(mu + theta); score (y - mu) theta / (mu + theta);
    information mu theta (y + theta) / (mu + theta)^2): an LSOA then weighs mu / (1 + mu / theta), as
    in the NB2 estimates on frailty data, instead of mu."""
    if dispersion is None:
        return y * np.log(mu) - mu, y - mu, mu
    theta = float(dispersion)
    return (
        y * np.log(mu) - (y + theta) * np.log(mu + theta),
        (y - mu) * theta / (mu + theta),
        mu * theta * (y + theta) / (mu + theta) ** 2,
    )


def poisson_random_intercept(
    y: np.ndarray,
    offset: np.ndarray,
    groups: np.ndarray,
    x: np.ndarray,
    log_sd_bounds: tuple[float, float] = (-12.0, 1.5),
    dispersion: float | None = None,
) -> tuple[np.ndarray, float]:
    """Poisson GLMM with a random intercept per group, fitted as glmmTMB does: Laplace-approximate
    marginal likelihood, maximised over the fixed effects (penalised IRLS at each SD) and the SD of
    the random intercept (profiled, bounded 1-D search). ``x`` (n, p) holds the fixed effects
    including the intercept column. ``dispersion``: NB2 with this dispersion held fixed instead of
    Poisson (:func:`count_weights`; the truth refits' family). Returns (fixed effects (p,),
    random-intercept SD)."""
    y = np.asarray(y, float)
    x = np.asarray(x, float).reshape(len(y), -1)
    _, g = np.unique(groups, return_inverse=True)
    j, p = int(g.max()) + 1, x.shape[1]
    theta = np.zeros(p + j)
    theta[0] = np.log(y.sum() / np.exp(offset).sum())
    state = {"theta": theta}

    def pirls(sd: float) -> tuple[np.ndarray, np.ndarray]:
        # Newton steps on the penalised log-likelihood. The design is [x, one-hot(LA)], so the
        # Hessian's LA block is diagonal: the LA intercepts are eliminated (Schur complement) and
        # each step costs O(n p^2 + J p^2) instead of the dense O(n (p + J)^2); same steps as the
        # dense solve (tests/synthetic/test_calibration.py compares them).
        precision = 1.0 / sd**2
        theta = state["theta"].copy()
        for _ in range(100):
            beta, u = theta[:p], theta[p:]
            mu = np.exp(x @ beta + u[g] + offset)
            _, score, information = count_weights(y, mu, dispersion)
            grad_b = x.T @ score
            grad_u = np.bincount(g, score, j) - precision * u
            h_bb = (x * information[:, None]).T @ x
            h_bu = np.stack([np.bincount(g, x[:, k] * information, j) for k in range(p)])  # (p, J)
            d = np.bincount(g, information, j) + precision
            schur = h_bb - (h_bu / d) @ h_bu.T
            step_b = np.linalg.solve(schur, grad_b - h_bu @ (grad_u / d))
            step_u = (grad_u - h_bu.T @ step_b) / d
            step = np.r_[step_b, step_u]
            theta = theta + step
            if np.max(np.abs(step)) < 1e-11:
                break
        state["theta"] = theta
        return theta, np.exp(x @ theta[:p] + theta[p:][g] + offset)

    def negative_laplace(log_sd: float) -> float:
        sd = float(np.exp(log_sd))
        theta, mu = pirls(sd)
        u = theta[p:]
        loglik, _, information = count_weights(y, mu, dispersion)
        h = np.bincount(g, information, j)
        return -(float(np.sum(loglik)) - float(np.sum(u**2)) / (2 * sd**2) - 0.5 * float(np.sum(np.log1p(sd**2 * h))))

    best = optimize.minimize_scalar(negative_laplace, bounds=log_sd_bounds, method="bounded", options={"xatol": 1e-6})
    theta, _ = pirls(float(np.exp(best.x)))
    return theta[:p], float(np.exp(best.x))


def decile_effects(table: pd.DataFrame, dispersion: float | None = None) -> dict[str, float]:
    """The adjusted decile model's log rate ratios (lsoa_decile, la_decile) on ``table``
    (count, lsoa_decile_least1, la_decile_least1, population_years, la_code): Poisson (or NB2 with
    ``dispersion`` fixed) with an LA random intercept, as the truth refits."""
    frame = model_frame(table)
    x = np.column_stack([np.ones(len(frame)), frame["lsoa_decile_c"], frame["la_decile_c"]])
    beta, _ = poisson_random_intercept(
        frame["count"].to_numpy(),
        np.log(frame["population_years"].to_numpy()),
        frame["la_code"].to_numpy(),
        x,
        dispersion=dispersion,
    )
    return {"lsoa_decile": float(beta[1]), "la_decile": float(beta[2])}


def score_effects(table: pd.DataFrame, shift: float = 10.0, dispersion: float | None = None) -> dict[str, float]:
    """The score model's log scores at mean LA deprivation and at +/- ``shift`` points (mean, plus,
    minus) and log(minus/plus), on ``table`` (count, income_rate_approx, population_years, la_code)."""
    frame = score_frame(table)
    x = np.column_stack(
        [np.ones(len(frame)), frame["income10_c"], frame["la_score_c"], frame["income10_c"] * frame["la_score_c"]]
    )
    beta, _ = poisson_random_intercept(
        frame["count"].to_numpy(),
        np.log(frame["population_years"].to_numpy()),
        frame["la_code"].to_numpy(),
        x,
        dispersion=dispersion,
    )
    b, c = beta[1], beta[3]
    return {
        "mean": float(b),
        "plus": float(b + shift * c),
        "minus": float(b - shift * c),
        "minus_over_plus": float(-2 * shift * c),
    }


# --- the generator's expected counts for every configured LA ---------------------------------------


@dataclasses.dataclass
class LAInput:
    la_code: str
    la_index: int
    la_decile: int
    la_effect: float
    cells: pd.DataFrame  # aggregated to LSOA x age group x sex x ethnic group (rates depend on nothing finer)
    referrals_by_year: tuple | None
    totals: tuple | None = None  # totals.panel_totals: the LA's published counts it follows


def solver_inputs(
    config: dict[str, Any],
    reference: pd.DataFrame,
    population: pd.DataFrame,
    params: GeneratingParameters,
    panel: pd.DataFrame | None = None,
) -> list[LAInput]:
    """Each configured LA's population cells and its draws (LA random intercept) as the generator has them."""
    effects = la_random_intercepts(config, params)
    years = list(range(int(config["first_year"]), int(config["last_year"]) + 1))
    out = []
    for index, la_code in enumerate(config["las"]):
        cells = population_cells(population[population["la_code"] == la_code], reference, la_code)
        cells = (
            cells.groupby(
                ["lsoa11", "imd_decile_least1", "age_group", "sex", "ethnicity_group"], observed=True, sort=True
            )["population"]
            .sum()
            .reset_index()
        )
        decile = int(reference.loc[reference["la_code"] == la_code, "la_imd_decile_least1"].iloc[0])
        totals = None
        if config.get("referrals_from_panel") and panel is not None:
            measures, missing = panel_settings(config)
            totals = panel_totals(panel, la_code, years, measures, missing)
        from_panel = dict(totals)["referrals"] if totals else None
        out.append(LAInput(la_code, index, decile, effects[la_code], cells, from_panel, totals))
    return out


def _timing(
    la: LAInput,
    config: dict[str, Any],
    params: GeneratingParameters,
    targets: PublishedTargets,
    solve: bool = False,
    frozen: dict | None = None,
):
    """The LA's totals.LATiming (None if it does not follow its published totals): with the
    offsets in ``params.panel_offsets`` (``solve``: solved again from them). ``frozen``: timings
    computed earlier (arrivals and offsets kept; the scale recomputed for ``params``, so that the
    LA's referrals stay its published counts)."""
    if la.totals is None:
        return None
    years = int(config["last_year"]) - int(config["first_year"]) + 1
    if frozen and la.la_code in frozen and not solve:
        base = float(
            (la.cells["population"].to_numpy() * years * cell_rates(la.cells, params, la.la_effect, la.la_decile)).sum()
        )
        return dataclasses.replace(frozen[la.la_code], scale=frozen[la.la_code].children / base)
    return la_totals_timing(
        la.cells,
        la.la_code,
        la.la_index,
        la.la_decile,
        la.la_effect,
        years,
        params,
        targets,
        period_of(config),
        la.totals,
        solve=solve or not (params.panel_offsets or {}).get(la.la_code),
    )


def solve_panel_offsets(
    inputs: list[LAInput], config: dict[str, Any], params: GeneratingParameters, targets: PublishedTargets
) -> GeneratingParameters:
    """Every LA's per-year offsets (totals.solve_la_offsets) for the current parameters, from the
    previous solution."""
    from csc_inequalities.synthetic.totals import offsets_record

    if not any(la.totals for la in inputs):
        return params
    offsets = {
        la.la_code: offsets_record(_timing(la, config, params, targets, solve=True)) for la in inputs if la.totals
    }
    return dataclasses.replace(params, panel_offsets=offsets)


def all_expected(
    inputs: list[LAInput],
    config: dict[str, Any],
    params: GeneratingParameters,
    targets: PublishedTargets,
    reference: pd.DataFrame,
    frozen: dict | None = None,
    only: set[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """run.expected_counts of every LA with the reference columns the models use (``frozen``: the
    LAs' timings held fixed, inside a least-squares round; ``only``: the (stratum type, threshold)
    pairs wanted, :func:`target_strata`)."""
    years = int(config["last_year"]) - int(config["first_year"]) + 1
    period = period_of(config)
    frames = [
        expected_counts(
            la.cells,
            la.la_code,
            la.la_index,
            la.la_decile,
            la.la_effect,
            years,
            params,
            targets,
            period,
            la.referrals_by_year,
            timing=_timing(la, config, params, targets, frozen=frozen),
            only=only,
        )
        for la in inputs
    ]
    table = pd.concat(frames, ignore_index=True).rename(columns={"expected": "count"})
    ref = reference[["lsoa11", "imd_decile_least1", "la_imd_decile_least1", "income_rate_approx"]].rename(
        columns={"imd_decile_least1": "lsoa_decile_least1", "la_imd_decile_least1": "la_decile_least1"}
    )
    return table.merge(ref, on="lsoa11", how="left")


def target_strata(target_list: list[Target]) -> set[tuple[str, str]]:
    """The (stratum type, threshold) pairs of expected counts the targets' truth needs."""
    return {(t.stratum_type, t.threshold) for t in target_list}


def truth_values(table: pd.DataFrame, target_list: list[Target], dispersion: float | None = None) -> np.ndarray:
    """Each target's noise-free value (ratio scale) from the expected counts ``table`` (``dispersion``:
    the truth refits' fixed NB2 dispersion, gradient.truth.truth_family; None: Poisson)."""
    cache: dict[tuple, dict[str, float]] = {}
    out = []
    for t in target_list:
        key = (t.kind, t.threshold, t.stratum_type, t.stratum_level)
        if key not in cache:
            rows = table[
                (table["threshold"] == t.threshold)
                & (table["stratum_type"] == t.stratum_type)
                & (table["stratum_level"].str.lower() == t.stratum_level.lower())
            ]
            cache[key] = (
                decile_effects(rows, dispersion=dispersion)
                if t.kind == "decile"
                else score_effects(rows, dispersion=dispersion)
            )
        out.append(float(np.exp(cache[key][t.statistic])))
    return np.array(out)


# --- 2021 figures the solver checks but does not solve for ----------------------------------------


def per_la_scores(table: pd.DataFrame, dispersion: float | None = None) -> pd.Series:
    """Each LA's own referral score: exp(slope) of count ~ income share per 10 points, offset
    log(population years), fitted within the LA alone (the 2021 summary's "partitioned into individual
    local authorities"), NB2 with ``dispersion`` fixed or Poisson. LAs whose LSOAs do not vary in
    income share (fewer than 2 distinct values) have no score."""
    frame = score_frame(table[(table["threshold"] == "referral") & (table["stratum_type"] == "all")])
    out = {}
    for la, rows in frame.groupby("la_code", sort=True):
        x = rows["income10_c"].to_numpy()
        if len(np.unique(x)) < 2:
            continue
        y, offset = rows["count"].to_numpy(float), np.log(rows["population_years"].to_numpy(float))
        design = np.column_stack([np.ones(len(x)), x])
        beta = np.array([np.log(y.sum() / np.exp(offset).sum()), 0.0])
        for _ in range(100):
            _, score, information = count_weights(y, np.exp(design @ beta + offset), dispersion)
            step = np.linalg.solve((design * information[:, None]).T @ design, design.T @ score)
            beta = beta + step
            if np.max(np.abs(step)) < 1e-11:
                break
        out[la] = float(np.exp(beta[1]))
    return pd.Series(out, name="score", dtype=float)


def national_checks(figures: PublishedFigures, table: pd.DataFrame, dispersion: float | None = None) -> list[dict]:
    """The 2021 figures that follow from the solved model rather than steer it: the range of the
    per-LA referral scores and the referral rates of the least and most income-deprived LSOAs, from
    the expected counts ``table`` (referral, stratum all; income_rate_approx as a share). Rows as the
    targets' (target, source, published, solver_truth, note)."""
    es = "2021 summary"
    scores = per_la_scores(table, dispersion)
    low, high = figures.range("es_social_gradient_referrals_per_la_range")
    per_la = (
        f"checked, not solved: the score of each of the {len(scores)} LAs fitted within the LA alone "
        "(count ~ income share per 10 points, the truth refits' family); no parameter steers the spread "
        "of the LAs' scores (the LA random intercept moves levels only), so it is what the interaction "
        "with LA deprivation and each LA's LSOA mix give"
    )
    rows = [
        {
            "target": "referral: lowest per-LA score",
            "source": es,
            "published": low,
            "solver_truth": float(scores.min()),
            "note": f"{per_la}; lowest: {scores.idxmin()}",
        },
        {
            "target": "referral: highest per-LA score",
            "source": es,
            "published": high,
            "solver_truth": float(scores.max()),
            "note": f"{per_la}; highest: {scores.idxmax()}",
        },
    ]
    referral = table[(table["threshold"] == "referral") & (table["stratum_type"] == "all")]
    share = referral["income_rate_approx"].astype(float)
    least_pct = figures.value("es_income_deprivation_least_deprived_neighbourhoods")
    most_pct = figures.value("es_income_deprivation_most_deprived_neighbourhoods")
    least = referral[share < least_pct / 100.0]
    most = referral[share >= most_pct / 100.0]
    top_note = f"the LSOAs with at least {most_pct:g}% of families in income deprivation"
    if len(most) < len(least):
        # The shipped income measure (an approximation) may reach fewer such LSOAs than the summary's:
        # the band is then the most deprived LSOAs, as many as the least deprived band has.
        most = referral.loc[share.sort_values(ascending=False).index[: len(least)]]
        top_note = (
            f"the {len(most)} most income-deprived LSOAs (as many as the least deprived band: the shipped "
            f"income measure reaches {100 * share.max():.1f}% at most, so the summary's {most_pct:g}% band is "
            f"empty or smaller; this band's shares are {100 * most['income_rate_approx'].min():.1f}% and above)"
        )

    def rate(rows: pd.DataFrame) -> float:
        return float(1e4 * rows["count"].sum() / rows["population_years"].sum())

    rate_note = (
        "checked, not solved: expected children referred per 10,000 child-years in the band's LSOAs (each "
        "LA's referrals follow its published totals, which set the level; the gradient sets the spread)"
    )
    rows.append(
        {
            "target": f"referral rate per 10,000, LSOAs under {least_pct:g}% income deprivation",
            "source": f"{es} (key findings and findings)",
            "published": figures.value("es_referral_rate_least_deprived_neighbourhoods_findings"),
            "solver_truth": rate(least),
            "note": f"{rate_note}; {len(least)} LSOAs",
        }
    )
    for key, where in (
        ("es_referral_rate_most_deprived_neighbourhoods_findings", "findings ('more than')"),
        ("es_referral_rate_most_deprived_neighbourhoods_key_findings", "key findings"),
    ):
        rows.append(
            {
                "target": f"referral rate per 10,000, most income-deprived LSOAs ({where})",
                "source": es,
                "published": figures.value(key),
                "solver_truth": rate(most),
                "note": f"{rate_note}; {top_note}",
            }
        )
    return rows


# --- parameters --------------------------------------------------------------------------------------


def get_parameter(params: GeneratingParameters, name: str) -> float:
    field, _, key = name.partition(".")
    value = getattr(params, field)
    return float(value.get(key, 0.0)) if key else float(value)


def with_parameters(params: GeneratingParameters, names: list[str], values: np.ndarray) -> GeneratingParameters:
    changes: dict[str, Any] = {}
    for name, value in zip(names, values):
        field, _, key = name.partition(".")
        if key:
            current = dict(changes.get(field, getattr(params, field)))
            current[key] = float(value)
            changes[field] = current
        else:
            changes[field] = float(value)
    ethnic = dict(changes.get("ethnicity_lsoa_log_rr", params.ethnicity_lsoa_log_rr))
    if "ethnicity_lsoa_log_rr" in changes or any(n.startswith("ethnicity_lsoa_log_rr") for n in names):
        ethnic[ETHNIC_REFERENCE] = 0.0
        middle = 0.5 * (ethnic.get(ETHNIC_REFERENCE, 0.0) + ethnic.get("Black", 0.0))
        for group in ETHNIC_BETWEEN:
            ethnic[group] = middle
        changes["ethnicity_lsoa_log_rr"] = ethnic
    return dataclasses.replace(params, **changes)


# --- Tables 11 and 14: proportional fitting of the shares at centred deprivation ---------------------


def pooled_pathways(
    inputs: list[LAInput],
    params: GeneratingParameters,
    targets: PublishedTargets,
    config: dict[str, Any] | None = None,
    timings: dict | None = None,
) -> np.ndarray:
    """(K, 4) expected pathway shares of each class's assessed episodes, pooled over the LAs (LAs
    that follow their published totals: each year's offsets, weighted by its first referrals;
    ``timings``: :func:`la_timings` of ``params`` if already computed)."""
    from csc_inequalities.synthetic.totals import with_offsets

    total = 0.0
    for la in inputs:
        rate = cell_rates(la.cells, params, la.la_effect, la.la_decile)
        process = cell_process(
            la.cells["imd_decile_least1"].to_numpy(float), la.la_decile, params, targets, la.la_index
        )
        timing = (
            timings[la.la_code]
            if timings is not None
            else _timing(la, config, params, targets)
            if config is not None
            else None
        )
        parts = (
            [(1.0, process)]
            if timing is None
            else [
                (w * timing.scale, with_offsets(process, timing.offsets.get(y, {})))
                for w, y in zip(timing.weights, timing.years, strict=True)
            ]
        )
        for w, proc in parts:
            weight = la.cells["population"].to_numpy() * rate * w * (1 - proc.nfa)
            total = total + np.einsum("n,nk,nkp->kp", weight, proc.class_probs, proc.path)
    return total / total.sum(axis=1, keepdims=True)


def la_timings(
    inputs: list[LAInput], config: dict[str, Any], params: GeneratingParameters, targets: PublishedTargets
) -> dict[str, Any]:
    """Each LA's :func:`_timing` for ``params`` (None for an LA that does not follow its totals)."""
    return {la.la_code: _timing(la, config, params, targets) for la in inputs}


def la_shares(
    inputs: list[LAInput],
    config: dict[str, Any],
    params: GeneratingParameters,
    targets: PublishedTargets,
    timings: dict | None = None,
) -> dict[str, np.ndarray]:
    timings = timings if timings is not None else la_timings(inputs, config, params, targets)
    years = int(config["last_year"]) - int(config["first_year"]) + 1
    return {
        la.la_code: expected_class_shares(
            la.cells,
            la.la_index,
            la.la_decile,
            la.la_effect,
            years,
            params,
            targets,
            period_of(config),
            la.referrals_by_year,
            timing=timings[la.la_code],
        )
        for la in inputs
    }


def fit_shares(
    inputs: list[LAInput],
    config: dict[str, Any],
    params: GeneratingParameters,
    targets: PublishedTargets,
    iterations: int = 20,
    tol: float = 1e-5,
) -> GeneratingParameters:
    """Per-class pathway shares and per-study-LA class shares at centred deprivation such that the
    expected (deprivation-tilted) shares are Table 14's (pooled) and Table 11's (per LA)."""
    published_path = targets.pathways[PATHWAY_COLUMNS].to_numpy()
    follow = any(la.totals for la in inputs)
    for _ in range(iterations):
        base = pathway_base(targets, params)
        timings = la_timings(inputs, config, params, targets)
        current = pooled_pathways(inputs, params, targets, config, timings)
        target_path = published_path
        if follow:
            # The LAs' published totals set the pooled level of each pathway; Table 14's contrasts
            # between classes are kept (each pathway's column scaled to the current pooled share).
            weight = current.sum(axis=1)  # equal class weights: the pooled column share
            scale = (weight @ current) / (weight @ published_path)
            target_path = published_path * scale[None, :]
            target_path = target_path / target_path.sum(axis=1, keepdims=True)
        new_base = base * target_path / current
        new_base /= new_base.sum(axis=1, keepdims=True)
        shares = la_shares(inputs, config, params, targets, timings)
        class_base = {}
        for study in sorted({f"LA{la.la_index % 6}" for la in inputs}):
            mine = [la for la in inputs if f"LA{la.la_index % 6}" == study]
            ratio = np.exp(
                np.mean([np.log(targets.class_shares[study].to_numpy() / shares[la.la_code]) for la in mine], axis=0)
            )
            b = la_class_shares(targets, mine[0].la_index, params) * ratio
            class_base[study] = [float(v) for v in b / b.sum()]
        change = max(
            np.max(np.abs(np.log(target_path / current))),
            max(
                np.max(np.abs(np.log(targets.class_shares[f"LA{la.la_index % 6}"].to_numpy() / shares[la.la_code])))
                for la in inputs
            ),
        )
        params = dataclasses.replace(
            params, pathway_base=[[float(v) for v in row] for row in new_base], class_share_base=class_base
        )
        if change < tol:
            break
    return params


# --- the solver ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Solution:
    params: GeneratingParameters
    targets: list[Target]
    truth: np.ndarray  # solver's truth (Python approximation) per target
    rounds: list[dict[str, Any]]


def solve(
    config: dict[str, Any],
    reference: pd.DataFrame,
    population: pd.DataFrame,
    targets: PublishedTargets,
    target_list: list[Target],
    params: GeneratingParameters,
    panel: pd.DataFrame | None = None,
    max_rounds: int = 4,
    progress: Callable[[str], None] | None = None,
) -> Solution:
    """Least squares on log(truth / published) over the targets' parameters (one round), then the
    Table 11/14 shares by proportional fitting; repeated until neither moves."""
    from csc_inequalities.gradient.truth import truth_family

    inputs = solver_inputs(config, reference, population, params, panel)
    follow = any(la.totals for la in inputs)
    measures = panel_settings(config)[0] if follow else []
    free = [t for t in target_list if not (t.parameter in PANEL_SET and set(PANEL_SET[t.parameter]) & set(measures))]
    for t in target_list:
        if t not in free:
            t.note = "; ".join(n for n in (t.note, PANEL_SET_NOTE) if n)
    names = list(dict.fromkeys(t.parameter for t in free))
    published = np.log([t.published for t in free])
    rounds = []
    # The truth refits' family: NB2 with the dispersion fixed at the LSOA frailty shape (not solved for).
    _, dispersion = truth_family(params.lsoa_frailty_shape)
    params = solve_panel_offsets(inputs, config, params, targets)

    def residuals(values: np.ndarray, base: GeneratingParameters, frozen: dict) -> np.ndarray:
        trial = with_parameters(base, names, values)
        return (
            np.log(
                truth_values(
                    all_expected(inputs, config, trial, targets, reference, frozen, target_strata(free)),
                    free,
                    dispersion,
                )
            )
            - published
        )

    for round_ in range(max_rounds):
        x0 = np.array([get_parameter(params, n) for n in names])
        # Within a round the LAs' arrivals and offsets are held (the next round re-solves them): the
        # exact truth of the final parameters is computed after the last round.
        frozen = {la.la_code: _timing(la, config, params, targets) for la in inputs if la.totals}
        fit = optimize.least_squares(
            residuals,
            x0,
            args=(params, frozen),
            method="trf",
            diff_step=1e-4,
            xtol=1e-10,
            ftol=1e-10,
            gtol=1e-10,
            max_nfev=60,
        )
        params = with_parameters(params, names, fit.x)
        moved = float(np.max(np.abs(fit.x - x0)))
        params = fit_shares(inputs, config, params, targets)
        params = solve_panel_offsets(inputs, config, params, targets)
        rounds.append(
            {
                "round": round_ + 1,
                "evaluations": int(fit.nfev),
                "max_parameter_change": moved,
                "max_abs_log_residual": float(np.max(np.abs(fit.fun))),
            }
        )
        if progress:
            progress(f"calibration round {round_ + 1}: {rounds[-1]}")
        # A round that moves no parameter by more than 1e-3 (log scale) leaves every target within
        # about 1e-3 of its published value on the log scale: the alternation has converged.
        if moved < 1e-3 and round_ > 0:
            break
    truth = truth_values(
        all_expected(inputs, config, params, targets, reference, only=target_strata(target_list)),
        target_list,
        dispersion,
    )
    for t, value in zip(target_list, truth, strict=True):
        if t not in free:
            t.note += f" (solver: log(truth/published) = {np.log(value / t.published):+.3f})"
    return Solution(params, target_list, truth, rounds)


def solution_record(solution: Solution, target_set: str) -> dict[str, Any]:
    """calibrated_parameters.yaml: the solved parameters (they replace the config's in every
    synthetic_la job) and each target with the solver's truth."""
    names = list(dict.fromkeys(t.parameter for t in solution.targets))
    p = solution.params
    parameters = {}
    for name in names + ["pathway_base", "class_share_base", "panel_offsets"]:
        field = name.partition(".")[0]
        value = getattr(p, field)
        parameters[field] = (
            {k: float(v) for k, v in value.items()}
            if isinstance(value, dict) and field not in ("class_share_base", "panel_offsets")
            else value
            if not isinstance(value, (float, np.floating))
            else float(value)
        )
    return {
        "target_set": target_set,
        "parameters": parameters,
        "targets": [
            {**dataclasses.asdict(t), "solver_truth": float(v)} for t, v in zip(solution.targets, solution.truth)
        ],
        "rounds": solution.rounds,
        "method": "least squares on log(truth / published) (scipy trf) over the targets' parameters, then Table 11/14 "
        "shares by proportional fitting, repeated; truth = Python random-intercept fits (Laplace, as glmmTMB; NB2 with the "
        "dispersion fixed at the LSOA frailty shape, Poisson without a frailty) of the report's models on "
        "run.expected_counts",
    }


def run_calibration(
    config: dict[str, Any],
    reference: pd.DataFrame,
    population: pd.DataFrame,
    published_dir: str,
    figures: PublishedFigures,
    panel: pd.DataFrame | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """calibrated_parameters.yaml of a run (config: the synthetic section): the solution, or, with
    calibration disabled, no parameters (the config's are used) and the targets for the table."""
    from csc_inequalities.synthetic.generator import default_parameters
    from csc_inequalities.synthetic.model import load_published_targets

    settings = config.get("calibration", {})
    target_set = settings.get("target_set", "final_report_2020")
    target_list = published_targets(figures, target_set)
    targets = load_published_targets(published_dir)
    params = default_parameters(config)
    if not settings.get("enabled", True):
        # No solver truth: the calibration table's truth comes from the R refits of the run.
        inputs = solver_inputs(config, reference, population, params, panel)
        record = solution_record(Solution(params, target_list, np.full(len(target_list), np.nan), []), target_set)
        record["parameters"] = {}
        record["method"] = "calibration disabled (synthetic.calibration.enabled: false): the config's parameters"
        if any(la.totals for la in inputs):
            # The LAs still follow their published totals: the offsets are solved for the config's parameters.
            params = solve_panel_offsets(inputs, config, params, targets)
            record["parameters"] = {"panel_offsets": params.panel_offsets}
            record["method"] += "; per LA x year offsets solved for the published totals (totals.py)"
    else:
        solution = solve(
            config,
            reference,
            population,
            targets,
            target_list,
            params,
            panel,
            max_rounds=int(settings.get("max_rounds", 4)),
            progress=progress,
        )
        record = solution_record(solution, target_set)
        params = solution.params
        inputs = solver_inputs(config, reference, population, params, panel)
    # The noise-free shares Tables 11 and 14 are compared with (truth column of the calibration table).
    pooled = pooled_pathways(inputs, params, targets, config)
    record["expected_shares"] = {
        "table14_pathways": {
            int(c): {p: float(v) for p, v in zip(PATHWAY_COLUMNS, row)}
            for c, row in zip(targets.pathways.index, pooled)
        },
    }
    record["tolerance"] = float(settings.get("tolerance", 0.05))
    if target_set == "summary_2021":
        from csc_inequalities.gradient.truth import truth_family

        table = all_expected(inputs, config, params, targets, reference, only={("all", "referral")})
        record["checks"] = national_checks(figures, table, truth_family(params.lsoa_frailty_shape)[1])
    return record


def truth_scores(
    expected: pd.DataFrame, threshold: str, shift: float = 10.0, dispersion: float | None = None
) -> dict[str, float]:
    """The score model (gradient.scores) refitted by glmmTMB to the expected counts of ``threshold``
    (stratum 'all'; count = expected, attach_reference columns), in the family of the other truth
    refits (NB2 with ``dispersion`` fixed; Poisson without)."""
    from csc_inequalities.gradient import r_engine

    frame = score_frame(expected[(expected["threshold"] == threshold) & (expected["stratum_type"] == "all")])
    formula = "count ~ income10_c * la_score_c + offset(log(population_years)) + (1 | la_code)"
    fixed = "count ~ income10_c * la_score_c + offset(log(population_years))"
    fit = r_engine.fit_glmmtmb(
        frame, formula, fixed, "poisson" if dispersion is None else "nbinom2", dispersion=dispersion
    )
    if not fit.get("ok"):
        return {}
    b = dict(zip(fit["term"], fit["estimate"]))
    main, inter = b["income10_c"], b["income10_c:la_score_c"]
    return {
        "mean": float(main),
        "plus": float(main + shift * inter),
        "minus": float(main - shift * inter),
        "minus_over_plus": float(-2 * shift * inter),
    }


__all__ = [
    "Target",
    "published_targets",
    "decile_effects",
    "score_effects",
    "poisson_la_intercepts",
    "solve",
    "solution_record",
    "CP_CATEGORIES",
]

"""Simulated LSOA count tables with known parameters (tests, benchmark, coverage validation).

The data-generating model is the analysis model itself: log E[count] = log(population x years)
+ b0 + b_lsoa (lsoa_decile - 5.5) + b_la (la_decile - 5.5) + u_LA, u_LA ~ N(0, sd^2), counts
negative binomial (NB2, variance mu + mu^2/theta). LSOA deciles are drawn around the LA's own
deprivation so the two predictors are correlated, as they are in England.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_inequalities.childlevel.codes import REFERRAL_SOURCE_GROUPS


@dataclass(frozen=True)
class SimulationParameters:
    n_las: int = 6
    lsoas_per_la: int = 150
    children_per_lsoa: float = 361.0  # Census 2011 average (final report 2.3.5)
    years: int = 5
    log_base_rate: float = np.log(0.004)  # per child-year at decile 5.5
    log_rr_lsoa: float = np.log(1.31)
    log_rr_la: float = np.log(0.78)
    la_sd: float = 0.2
    theta: float = 8.0


def simulate_lsoa_structure(params: SimulationParameters, rng: np.random.Generator) -> pd.DataFrame:
    """LSOAs with LA codes, study-direction deciles (1 = least deprived), population and an
    income-deprivation share that rises with the LSOA decile."""
    la_deciles = np.clip(np.round(np.linspace(1, 10, params.n_las)), 1, 10).astype(int)
    rng.shuffle(la_deciles)
    rows = []
    for i, la_decile in enumerate(la_deciles):
        n = params.lsoas_per_la
        lsoa_decile = np.clip(np.round(rng.normal(la_decile, 2.5, n)), 1, 10).astype(int)
        pop = rng.gamma(20.0, params.children_per_lsoa / 20.0, n)
        income = np.clip(0.03 + 0.045 * (lsoa_decile - 1) + rng.normal(0, 0.03, n), 0.002, 0.7)
        la_score = 10 + 3.0 * la_decile + rng.normal(0, 1.0)
        rows.append(
            pd.DataFrame(
                {
                    "la_code": f"E{10000000 + i:08d}"[:9],
                    "lsoa11": [f"E0{i:04d}{j:04d}" for j in range(n)],
                    "lsoa_decile_least1": lsoa_decile,
                    "la_decile_least1": int(la_decile),
                    "income_rate_approx": income,
                    "la_imd2015_avg_score": la_score,
                    "population": pop,
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    frame["population_years"] = frame["population"] * params.years
    return frame


def simulate_counts(params: SimulationParameters, seed: int) -> tuple[pd.DataFrame, dict]:
    """One simulated count table (stratum 'all') and the true parameters and LA effects."""
    rng = np.random.default_rng(seed)
    frame = simulate_lsoa_structure(params, rng)
    las = frame["la_code"].unique()
    la_effect = dict(zip(las, rng.normal(0.0, params.la_sd, len(las))))
    eta = (
        np.log(frame["population_years"])
        + params.log_base_rate
        + params.log_rr_lsoa * (frame["lsoa_decile_least1"] - 5.5)
        + params.log_rr_la * (frame["la_decile_least1"] - 5.5)
        + frame["la_code"].map(la_effect)
    )
    mu = np.exp(eta)
    # NB2 as a gamma-Poisson mixture.
    frame["expected"] = mu
    frame["count"] = rng.poisson(rng.gamma(params.theta, mu / params.theta))
    frame["threshold"] = "referral"
    frame["stratum_type"] = "all"
    frame["stratum_level"] = "all"
    truth = {
        "log_rr_lsoa": params.log_rr_lsoa,
        "log_rr_la": params.log_rr_la,
        "la_sd": params.la_sd,
        "theta": params.theta,
        "la_effect": la_effect,
    }
    return frame, truth


def simulate_episode_inputs(params: SimulationParameters, seed: int) -> dict[str, pd.DataFrame]:
    """Stand-ins for the other strands' tables (episodes, LSOA reference and population, episode
    classes, expected counts) in their contract layout, to exercise the gradient rules end to end
    before the real inputs exist. One episode per child; thresholds nested with fixed probabilities."""
    rng = np.random.default_rng(seed)
    lsoas = simulate_lsoa_structure(params, rng)
    la_effect = dict(zip(lsoas["la_code"].unique(), rng.normal(0, params.la_sd, params.n_las)))
    mu = np.exp(
        np.log(lsoas["population_years"])
        + params.log_base_rate
        + params.log_rr_lsoa * (lsoas["lsoa_decile_least1"] - 5.5)
        + params.log_rr_la * (lsoas["la_decile_least1"] - 5.5)
        + lsoas["la_code"].map(la_effect)
    )
    n_children = rng.poisson(rng.gamma(params.theta, mu / params.theta))
    idx = np.repeat(np.arange(len(lsoas)), n_children)
    n = len(idx)
    steps = {"assessed": 0.8, "cin_plan": 0.6, "s47": 0.6, "icpc": 0.6, "cpp": 0.8}
    flags, current = {}, np.ones(n, bool)
    for flag, p in steps.items():
        current = current & (rng.random(n) < p)
        flags[flag] = current
    flags["lac"] = flags["assessed"] & (rng.random(n) < 0.08)
    ages = rng.integers(0, 18, n)
    tertile = np.clip(np.ceil(lsoas["lsoa_decile_least1"].to_numpy()[idx] / 10 * 3), 1, 3).astype(int)
    episodes = pd.DataFrame(
        {
            "episode_id": [f"ep{i}" for i in range(n)],
            "child_id": [f"ch{i}" for i in range(n)],
            "la_code": lsoas["la_code"].to_numpy()[idx],
            "lsoa11": lsoas["lsoa11"].to_numpy()[idx],
            "referral_date": pd.Timestamp("2014-04-01")
            + pd.to_timedelta(rng.integers(0, 365 * params.years, n), unit="D"),
            "age_at_referral": ages,
            "gender": rng.choice(["male", "female"], n),
            "ethnicity_group": rng.choice(
                ["White", "Mixed", "Asian", "Black", "Other"], n, p=[0.75, 0.06, 0.1, 0.05, 0.04]
            ),
            "imd_tertile_in_la_least1": tertile,
            "referral_source_group": rng.choice(
                list(REFERRAL_SOURCE_GROUPS),
                n,
            ),
            "nfa": ~flags["assessed"],
            "assessed_not_cin": flags["assessed"] & ~flags["cin_plan"],
            "section20": flags["lac"],
            "interim_care_order": np.zeros(n, bool),
            "rereferral_12m": rng.random(n) < 0.2,
            "repeat_cpp": flags["cpp"] & (rng.random(n) < 0.2),
            **flags,
            "factor_16A": flags["assessed"] & (rng.random(n) < 0.3),
            "factor_3A": flags["assessed"] & (rng.random(n) < 0.2),
        }
    )
    episodes["referral_year"] = episodes["referral_date"].dt.year + (episodes["referral_date"].dt.month >= 4)
    episodes["white_british"] = (episodes["ethnicity_group"] == "White") & (rng.random(n) < 0.9)
    episodes["cpp_latest_category"] = np.where(
        episodes["cpp"],
        rng.choice(["Neglect", "Emotional abuse", "Physical abuse", "Sexual abuse", "Multiple"], n),
        None,
    )
    reference = lsoas.rename(
        columns={"lsoa_decile_least1": "imd_decile_least1", "la_decile_least1": "la_imd_decile_least1"}
    )
    reference = reference.drop(columns=["population", "population_years"])
    population = pd.DataFrame(
        {
            "lsoa11": np.repeat(lsoas["lsoa11"].to_numpy(), 36),
            "la_code": np.repeat(lsoas["la_code"].to_numpy(), 36),
            "age": np.tile(np.repeat(np.arange(18), 2), len(lsoas)),
            "sex": np.tile(["male", "female"], 18 * len(lsoas)),
            "ethnicity_group": "White",
            "population": np.repeat(lsoas["population"].to_numpy() / 36, 36),
        }
    )
    classes = pd.DataFrame({"episode_id": episodes["episode_id"], "class_id": rng.integers(1, 8, n)})
    probs = {"referral": 1.0}
    cumulative = 1.0
    for flag, p in steps.items():
        cumulative *= p
        probs[{"assessed": "assessment", "cin_plan": "cin"}.get(flag, flag)] = cumulative
    probs["lac"] = 0.8 * 0.08
    expected = pd.concat(
        [
            pd.DataFrame(
                {
                    "la_code": lsoas["la_code"],
                    "lsoa11": lsoas["lsoa11"],
                    "stratum_type": "all",
                    "stratum_level": "all",
                    "threshold": t,
                    "expected_count": mu * p,
                    "population_years": lsoas["population_years"],
                }
            )
            for t, p in probs.items()
        ]
    )
    return {
        "episodes": episodes,
        "lsoa_reference": reference,
        "lsoa_population": population,
        "episode_classes": classes,
        "expected_counts": expected.reset_index(drop=True),
    }

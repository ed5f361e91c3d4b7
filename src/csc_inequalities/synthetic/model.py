"""The generating model of the synthetic child-level data, calibrated to the published tables.

Everything random is drawn in ``generator.py``; this module holds the parameters and the
noise-free (expected) quantities derived from them, which are the truth later strands are
compared with. docs/synthetic.md states the model in words.

Deciles here are the study's order (1 = least deprived), centred at 5.5.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from csc_inequalities.childlevel.codes import FACTORS_2017, REFERRAL_SOURCE_GROUPS

PATHWAYS = ("nfa", "assessed_not_cin", "cin", "cpp", "lac")
THRESHOLDS = ("referral", "assessment", "cin", "s47", "icpc", "cpp", "lac")
AGE_GROUPS = ("under1", "1-4", "5-9", "10-15", "16-17")
CP_CATEGORIES = ("Neglect", "Emotional abuse", "Physical abuse", "Sexual abuse", "Multiple")
CP_CODES = {
    "Neglect": "NEG",
    "Emotional abuse": "EMO",
    "Physical abuse": "PHY",
    "Sexual abuse": "SAB",
    "Multiple": "MUL",
}
TABLE18_CATEGORY = {
    "Emotional abuse": "Emotional abuse",
    "Neglect": "Neglect",
    "Physical abuse": "Physical abuse",
    "Sexual abuse": "Sexual abuse",
    "Multiple abuse": "Multiple",
}
REFERRAL_GROUPS = REFERRAL_SOURCE_GROUPS
# One DfE referral-source code per group (the census codes are finer than the study's groups).
REFERRAL_GROUP_CODE = {
    "Individual": "1A",
    "Schools and Education Services": "2A",
    "Health Services": "3A",
    "LA and Housing Services": "5A",
    "Police": "6",
    "Other": "8",
}
# Background rate of a factor a class profile does not state, and of the factors the study's LCA
# excludes (household members, private fostering, UASC, trafficking, Other, No factors).
BACKGROUND_RATE = 0.015
EXCLUDED_RATE = 0.01
EXCLUDED_FACTORS = ("1C", "2C", "3C", "4C", "5C", "6C", "8B", "8C", "8D", "8E", "8F", "9A", "12A", "20", "21")
# Class 6 has "higher percentages for all the categories in Class 5" (report 3.4.1) but the prose
# quantifies only some: these unstated Class 6 rates are set above Class 5's (documented).
CLASS6_UNSTATED = {"4B": 0.55, "1B": 0.35, "2B": 0.30}
# Ceiling for the "100%" profiles: keeps every item probability inside (0, 1).
MAX_ITEM_RATE = 0.98


def age_group_of(age: np.ndarray) -> np.ndarray:
    return np.select([age < 1, age < 5, age < 10, age < 16], list(AGE_GROUPS[:4]), AGE_GROUPS[4])


@dataclasses.dataclass
class PublishedTargets:
    class_names: dict[int, str]
    class_shares: pd.DataFrame  # index class_id, columns LA0..LA5, Total (fractions)
    item_probabilities: pd.DataFrame  # index class_id, columns factor codes
    deprivation_effect: pd.Series  # class_id -> mean % change per step (Table 13)
    pathways: pd.DataFrame  # index class_id, columns assessed_not_cin, cin, cpp, lac (fractions)
    referral_sources: pd.DataFrame  # index class_id (0 = all), columns REFERRAL_GROUPS (fractions)
    cp_categories: pd.DataFrame  # index class_id, columns CP_CATEGORIES (fractions)


def _normalise_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.div(frame.sum(axis=1), axis=0)


def load_published_targets(published_dir: str | Path) -> PublishedTargets:
    """Read the calibration targets (the study's published tables) from resources/lca/published."""
    d = Path(published_dir)
    t11 = pd.read_csv(d / "table11_class_share_by_la.csv").dropna(subset=["class_id"])
    t11["class_id"] = t11["class_id"].astype(int)
    names = dict(t11.drop_duplicates("class_id")[["class_id", "class_name"]].itertuples(index=False))
    shares = t11.pivot(index="class_id", columns="la", values="percent").astype(float)
    shares = shares.div(shares.sum(axis=0), axis=1)

    profiles = pd.read_csv(d / "lca_class_profiles.csv")
    codes = pd.read_csv(d / "profile_factor_codes.csv")
    profiles = profiles.merge(codes[["factor_description", "factor_code"]], on="factor_description", how="left")
    items = pd.DataFrame(BACKGROUND_RATE, index=sorted(names), columns=list(FACTORS_2017))
    items.loc[:, [c for c in EXCLUDED_FACTORS if c in items.columns]] = EXCLUDED_RATE
    for code, value in CLASS6_UNSTATED.items():
        items.loc[6, code] = value
    stated: dict[tuple[int, str], float] = {}
    for row in profiles.itertuples(index=False):
        key = (int(row.class_id), row.factor_code)
        # Several prose phrases map to one code (e.g. class 7's child mental health): keep the larger.
        stated[key] = max(stated.get(key, 0.0), min(float(row.percent) / 100.0, MAX_ITEM_RATE))
    for (class_id, code), value in stated.items():
        items.loc[class_id, code] = value

    t13 = pd.read_csv(d / "table13_deprivation_effect_by_class_la.csv")
    effect = t13.groupby("class_id")["percent_change"].mean()

    t14 = pd.read_csv(d / "table14_class_by_threshold.csv")
    t14 = t14[(t14["threshold"] != "Total") & t14["class_id"].notna()]
    t14["class_id"] = t14["class_id"].astype(int)
    path = t14.pivot(index="class_id", columns="threshold", values="percent").astype(float)
    path = path.rename(
        columns={"Assessed Not CIN": "assessed_not_cin", "CIN (no CP)": "cin", "CP Plan": "cpp", "LAC": "lac"}
    )
    path = _normalise_rows(path[["assessed_not_cin", "cin", "cpp", "lac"]])

    t16 = pd.read_csv(d / "table16_class_by_referral_source.csv")
    t16 = t16[t16["referral_source"] != "Total"]
    t16["class_id"] = t16["class_id"].fillna(0).astype(int)
    sources = _normalise_rows(
        t16.pivot(index="class_id", columns="referral_source", values="percent")[list(REFERRAL_GROUPS)].astype(float)
    )

    t18 = pd.read_csv(d / "table18_class_by_cp_category.csv")
    t18 = t18[(t18["cp_plan_category"] != "Total") & t18["class_id"].notna()]
    t18["class_id"] = t18["class_id"].astype(int)
    t18["category"] = t18["cp_plan_category"].map(TABLE18_CATEGORY)
    cats = _normalise_rows(
        t18.pivot(index="class_id", columns="category", values="percent")[list(CP_CATEGORIES)]
        .astype(float)
        .clip(lower=0.05)
    )
    return PublishedTargets(names, shares, items, effect, path, sources, cats)


@dataclasses.dataclass
class GeneratingParameters:
    """Log-linear model of the rate at which children are referred, and the episode process."""

    base_referral_rate: float  # distinct children referred per child-year at centred deciles
    lsoa_decile_log_rr: float  # social gradient, per LSOA decile step (1 = least deprived)
    la_decile_log_rr: float  # inverse intervention, per LA decile step (adjusted for LSOA)
    interaction_log_rr: float  # LSOA × LA decile (centred) interaction
    la_random_sd: float  # SD of the LA random intercept (log scale)
    age_log_rr: dict[str, float]
    female_log_rr: float
    ethnicity_log_rr: dict[str, float]
    rereferral_share: float  # share of referred children with a second episode
    nfa_share: float  # share of episodes closed with no further action (not assessed) at centred deciles
    reference_deprivation_effect: float  # Table 13 effect the referral gradient already explains
    # Escalation tilt (log odds per pathway step, per decile step): each step up the pathway ladder
    # (NFA < assessed not CIN < CIN < CPP < LAC) is more likely in more deprived LSOAs, so the gradient
    # steepens at every threshold after referral; the LA terms give the inverse intervention of the
    # thresholds after referral and its interaction (steeper in less deprived LAs when negative).
    escalation_lsoa_log_rr: float = 0.0
    escalation_la_log_rr: float = 0.0
    escalation_interaction_log_rr: float = 0.0
    # Stratum-specific social gradients: added to the LSOA decile slope of the referral rate.
    age_lsoa_log_rr: dict[str, float] = dataclasses.field(default_factory=dict)
    ethnicity_lsoa_log_rr: dict[str, float] = dataclasses.field(default_factory=dict)
    # CP plan category tilt per LSOA decile (the category of a plan depends on deprivation).
    cp_category_lsoa_log_rr: dict[str, float] = dataclasses.field(default_factory=dict)
    # Gamma frailty per LSOA (mean 1, shape = variance^-1): the NB2 dispersion of LSOA counts.
    # 0 = no frailty (Poisson counts).
    lsoa_frailty_shape: float = 0.0
    # Per-class pathway shares at centred deciles (K x 4) if calibrated; None = Table 14 as published.
    pathway_base: list | None = None
    # Per study LA (LA0..LA5) class shares at centred LSOA decile if calibrated; None = Table 11.
    class_share_base: dict | None = None
    # Per LA code, per collection year of the first referral: offsets (log odds) at each pathway step
    # so that the LA's totals follow its published counts (totals.py); None = not followed.
    panel_offsets: dict | None = None

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


PATHWAY_STEP = {"nfa": -1, "assessed_not_cin": 0, "cin": 1, "cpp": 2, "lac": 3}


def escalation(params: GeneratingParameters, d_lsoa: np.ndarray, d_la: float) -> np.ndarray:
    """Log odds per pathway step at each row's (centred) LSOA and LA deciles."""
    d_lsoa = np.asarray(d_lsoa, dtype=float)
    return (
        params.escalation_lsoa_log_rr * d_lsoa
        + params.escalation_la_log_rr * d_la
        + params.escalation_interaction_log_rr * d_lsoa * d_la
    )


def assessed_probability(nfa_share: float, x: np.ndarray) -> np.ndarray:
    """P(an episode is assessed): the odds of assessment against NFA times exp(x) (one step)."""
    odds = (1.0 - nfa_share) / nfa_share * np.exp(x)
    return odds / (1.0 + odds)


def pathway_base(targets: PublishedTargets, params: GeneratingParameters) -> np.ndarray:
    """(K, 4) per-class pathway shares at centred deciles: calibrated, or Table 14 as published."""
    if params.pathway_base is not None:
        return np.asarray(params.pathway_base, dtype=float)
    return targets.pathways[["assessed_not_cin", "cin", "cpp", "lac"]].to_numpy()


def tilted_pathways(base: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(n, K, 4) P(pathway | class, row): the base shares tilted by exp(step * x), renormalised."""
    steps = np.array([PATHWAY_STEP[p] for p in ("assessed_not_cin", "cin", "cpp", "lac")], dtype=float)
    w = base[None, :, :] * np.exp(np.asarray(x, dtype=float)[:, None, None] * steps[None, None, :])
    return w / w.sum(axis=2, keepdims=True)


def tilted_categories(categories: np.ndarray, params: GeneratingParameters, d_lsoa: np.ndarray) -> np.ndarray:
    """(n, K, 5) P(CP category | class, row): Table 18's shares tilted per LSOA decile by category."""
    eta = np.array([params.cp_category_lsoa_log_rr.get(c, 0.0) for c in CP_CATEGORIES], dtype=float)
    w = categories[None, :, :] * np.exp(np.asarray(d_lsoa, dtype=float)[:, None, None] * eta[None, None, :])
    return w / w.sum(axis=2, keepdims=True)


def class_probabilities(
    la_shares: np.ndarray, deprivation_log_rr: np.ndarray, lsoa_decile_centred: np.ndarray
) -> np.ndarray:
    """P(class | assessed episode) per row: the LA's Table 11 shares tilted by deprivation.

    ``la_shares`` (n, K) per row, ``deprivation_log_rr`` (K,), ``lsoa_decile_centred`` (n,).
    """
    weights = la_shares * np.exp(np.outer(lsoa_decile_centred, deprivation_log_rr))
    return weights / weights.sum(axis=1, keepdims=True)


def episode_event_probabilities(
    class_probs: np.ndarray,
    targets: PublishedTargets,
    nfa_share: float,
    lac_cpp_share: float,
    s47_given: dict[str, float],
    icpc_given: dict[str, float],
) -> dict[str, np.ndarray]:
    """Per-episode probability of each threshold event (n,) and of each class×threshold (n, K)."""
    assessed = 1.0 - nfa_share
    path = targets.pathways.to_numpy()  # (K, 4): assessed_not_cin, cin, cpp, lac
    p_cin_c = path[:, 1:].sum(axis=1)
    p_cpp_c = path[:, 2] + path[:, 3] * lac_cpp_share
    p_lac_c = path[:, 3]
    p_s47_c = (
        path[:, 0] * s47_given["assessed_not_cin"]
        + path[:, 1] * s47_given["cin"]
        + path[:, 2]
        + path[:, 3] * (lac_cpp_share + (1 - lac_cpp_share) * s47_given["lac_no_cpp"])
    )
    p_icpc_c = (
        path[:, 1] * icpc_given["cin"]
        + path[:, 2]
        + path[:, 3] * (lac_cpp_share + (1 - lac_cpp_share) * icpc_given["lac_no_cpp"])
    )
    per_class = {
        "assessment": np.ones(len(path)),
        "cin": p_cin_c,
        "s47": p_s47_c,
        "icpc": p_icpc_c,
        "cpp": p_cpp_c,
        "lac": p_lac_c,
    }
    out: dict[str, np.ndarray] = {"referral": np.ones(len(class_probs))}
    for name, p_c in per_class.items():
        joint = assessed * class_probs * p_c[None, :]
        out[name] = joint.sum(axis=1)
        out[f"{name}_by_class"] = joint
    cat = targets.cp_categories.to_numpy()  # (K, 5)
    out["cpp_by_category"] = assessed * (class_probs * p_cpp_c[None, :]) @ cat
    return out


def child_probability(p_event: np.ndarray, p_threshold: np.ndarray, rereferral_share: float) -> np.ndarray:
    """P(a referred child is counted for an event) when the child is counted once per threshold,
    in the stratum of its first episode that reached the threshold (as the gradient strand counts).

    One episode with probability 1 - q, two independent episodes with probability q:
    P = p_e + q (1 - p_t) p_e, where p_e is the stratum-specific event and p_t the threshold.
    """
    return p_event * (1.0 + rereferral_share * (1.0 - p_threshold))


def observed_child_probabilities(
    class_probs: np.ndarray,
    targets: PublishedTargets,
    nfa_share: float,
    lac_cpp_share: float,
    s47_given: dict[str, float],
    icpc_given: dict[str, float],
    rereferral_share: float,
    observation,
    path: np.ndarray | None = None,
    categories: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """P(a referred child is counted for a threshold) per row of ``class_probs`` (n, K), with each
    event seen only if it happens by the end of the period (``observation``: timing.Observation).

    Counted as the gradient strand counts: once per threshold, in the stratum (class, CP category)
    of the child's first episode that reached it. The first episode counts if it reaches the
    threshold and the event is seen; otherwise a second episode (probability ``rereferral_share``)
    counts if it is seen reaching it (an unseen first-episode event means an unseen second episode:
    the second starts after the first closes). Returns ``<threshold>`` (n,), ``<threshold>_by_class``
    (n, K) and ``cpp_by_category`` (n, 5). With every event seen, this is
    ``p_event * (1 + q (1 - p_threshold))`` (:func:`child_probability`). ``nfa_share`` may be per
    row (n,), ``path`` the per-row pathway shares (n, K, 4) (:func:`tilted_pathways`) and
    ``categories`` the per-row CP category shares (n, K, 5) (:func:`tilted_categories`)."""
    from csc_inequalities.synthetic.timing import PATHWAYS

    # Rows repeat (class, assessment, pathway and category probabilities vary by LSOA decile only
    # within an LA): compute each distinct row once.
    n, k = class_probs.shape
    per_row = [np.asarray(class_probs, float)]
    if np.ndim(nfa_share):
        per_row.append(np.asarray(nfa_share, float).reshape(n, 1))
    if path is not None and np.ndim(path) == 3:
        per_row.append(np.asarray(path, float).reshape(n, -1))
    if categories is not None:
        per_row.append(np.asarray(categories, float).reshape(n, -1))
    key = np.concatenate(per_row, axis=1)
    distinct, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    if len(distinct) < n:
        pick = lambda a: None if a is None else (np.asarray(a)[first] if np.ndim(a) and len(np.asarray(a)) == n else a)
        once = observed_child_probabilities(
            np.asarray(class_probs)[first],
            targets,
            pick(nfa_share),
            lac_cpp_share,
            s47_given,
            icpc_given,
            rereferral_share,
            observation,
            path=pick(path) if path is not None and np.ndim(path) == 3 else path,
            categories=pick(categories),
        )
        return {name: values[inverse.ravel()] for name, values in once.items()}
    if path is None:
        path = targets.pathways.to_numpy()  # (K, 4): assessed_not_cin, cin, cpp, lac
    path = np.asarray(path, dtype=float)
    if path.ndim == 2:
        path = np.broadcast_to(path, (n, *path.shape))
    nfa_share = np.broadcast_to(np.asarray(nfa_share, dtype=float), (n,))
    lac_s47 = lac_cpp_share + (1 - lac_cpp_share) * s47_given["lac_no_cpp"]
    lac_icpc = lac_cpp_share + (1 - lac_cpp_share) * icpc_given["lac_no_cpp"]
    reach = {
        "assessment": [1.0, 1.0, 1.0, 1.0],
        "cin": [0.0, 1.0, 1.0, 1.0],
        "cpp": [0.0, 0.0, 1.0, lac_cpp_share],
        "lac": [0.0, 0.0, 0.0, 1.0],
        "s47": [s47_given["assessed_not_cin"], s47_given["cin"], 1.0, lac_s47],
        "icpc": [0.0, icpc_given["cin"], 1.0, lac_icpc],
    }
    p_path = (1.0 - nfa_share)[:, None, None] * class_probs[:, :, None] * path  # (n, K, 4)
    first_pathways = ("nfa", *PATHWAYS)
    out: dict[str, np.ndarray] = {"referral": np.ones(n)}
    for threshold, r in reach.items():
        r = np.asarray(r)[None, None, :]
        o1 = np.array([observation.first[(threshold, p)] for p in PATHWAYS])
        o2 = np.array([[observation.second[(threshold, p2, p1)] for p1 in first_pathways] for p2 in PATHWAYS])  # (4, 5)
        reached = p_path * r
        first = (reached * o1[None, None, :]).sum(axis=2)  # (n, K)
        not_reached = np.concatenate([nfa_share[:, None], (p_path * (1 - r)).sum(axis=1)], axis=1)  # (n, 5)
        second = np.einsum("nkp,pq,nq->nk", reached, o2, not_reached)
        by_class = first + rereferral_share * second
        out[threshold] = by_class.sum(axis=1)
        out[f"{threshold}_by_class"] = by_class
    if categories is None:
        out["cpp_by_category"] = out["cpp_by_class"] @ targets.cp_categories.to_numpy()
    else:
        out["cpp_by_category"] = np.einsum("nk,nkc->nc", out["cpp_by_class"], categories)
    return out

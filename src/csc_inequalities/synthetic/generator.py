"""Draw synthetic children, episodes and events from the generating model (model.py).

Vectorised: one array operation per step over all children of an LA, no per-child Python loops
except in the XML writer (which streams). Deterministic from the seed: LA ``i`` of the config
list draws from ``numpy.random.default_rng([seed, i])``, so adding LAs does not change the others.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from typing import Any

import numpy as np
import pandas as pd

from csc_inequalities.lsoa.reference import ETHNIC_GROUPS
from csc_inequalities.synthetic.model import (
    AGE_GROUPS,
    CP_CATEGORIES,
    CP_CODES,
    REFERRAL_GROUP_CODE,
    REFERRAL_GROUPS,
    GeneratingParameters,
    PublishedTargets,
    age_group_of,
    assessed_probability,
    class_probabilities,
    escalation,
    pathway_base,
    tilted_categories,
    tilted_pathways,
)
from csc_inequalities.synthetic.timing import (
    DURATION_SCALE_BOUNDS,
    FIRST_EPISODE_LIMIT,
    LAGS,
    PATHWAYS,
    Period,
    by_collection_year,
    daily_rate,
    expected_referrals_per_day,
    first_referral_density,
    first_referral_pmf,
    max_event_lag,
    observation,
)

log = logging.getLogger(__name__)

# The period follows the configured collection years (synthetic.first_year/last_year); this is
# the default one's. First referrals are uniform over the period's days (a stationary process);
# what happens after its end is not yet known (timing.py, which also gives the exact probability
# that an event is seen, for the truth).
DEFAULT_PERIOD = Period.of_years(2014, 2018)
PERIOD_START, PERIOD_END = DEFAULT_PERIOD.start, DEFAULT_PERIOD.end
ETHNICITY_CODES = {
    "White": (("WBRI", 0.85), ("WOTH", 0.15)),
    "Mixed": (("MWBC", 0.5), ("MOTH", 0.5)),
    "Asian": (("APKN", 0.4), ("AIND", 0.35), ("ABAN", 0.25)),
    "Black": (("BAFR", 0.6), ("BCRB", 0.4)),
    "Other": (("OOTH", 1.0),),
}
LAC_LEGAL_STATUS = (("C1", 0.45), ("V2", 0.40), ("C2", 0.15))
LAC_CPP_SHARE = 0.5  # LAC episodes that had a child protection plan first
# No S47 on episodes closed after assessment: DfE rule 2990 forbids an S47 (or CPP, CIN plan) on an
# episode closed with RC8 ("case closed after assessment, no further action").
S47_GIVEN = {"assessed_not_cin": 0.0, "cin": 0.20, "lac_no_cpp": 0.5}
ICPC_GIVEN = {"cin": 0.06, "lac_no_cpp": 0.3}
S47_CIN_FROM = 4.0  # log odds: see cell_process
# Beyond these assessment offsets (assessment then nearly certain) an LA's published assessments exceed
# its episodes: re-assessments on CIN, CPP and LAC episodes (probability rising linearly from 0 at
# REASSESS_FROM to 1 at REASSESS_FROM + REASSESS_SPAN), then more weight on the CIN pathway.
REASSESS_FROM, REASSESS_SPAN, ASSESS_CIN_FROM = 6.0, 6.0, 9.0


def reassessment_probability(offsets: dict[str, float] | None) -> float:
    """P(a CIN, CPP or LAC episode has a re-assessment) for a year's offsets."""
    a = (offsets or {}).get("assess", 0.0)
    return float(np.clip((a - REASSESS_FROM) / REASSESS_SPAN, 0.0, 1.0))


def cin_boost(offsets: dict[str, float] | None) -> float:
    """Log weight added to the CIN pathway by the S47 and assessment offsets beyond their ceilings."""
    offsets = offsets or {}
    return max(0.0, offsets.get("s47", 0.0) - S47_CIN_FROM) + max(0.0, offsets.get("assess", 0.0) - ASSESS_CIN_FROM)


@dataclasses.dataclass
class LAData:
    children: pd.DataFrame  # one row per child (raw identifiers: stays under local/)
    episodes: pd.DataFrame  # one row per episode with dates and flags
    ssda903: pd.DataFrame  # SSDA903 episodes (DfE layout)
    # the durations of the last episodes (solve_duration_scales): care and cpp scales, long_plan_share
    duration_scales: dict | None = None


def la_class_shares(targets: PublishedTargets, la_index: int, params: GeneratingParameters | None = None) -> np.ndarray:
    """Class shares at centred deprivation of the study LA this LA takes (LA0..LA5, cyclically):
    calibrated (params.class_share_base) or Table 11's."""
    study = f"LA{la_index % 6}"
    if params is not None and params.class_share_base:
        return np.asarray(params.class_share_base[study], dtype=float)
    return targets.class_shares[study].to_numpy()


def class_log_rr(targets: PublishedTargets, params: GeneratingParameters) -> np.ndarray:
    """Per decile step, the shift of each class's share beyond what the referral gradient gives."""
    return np.log1p(targets.deprivation_effect.sort_index().to_numpy() / 100.0) - np.log1p(
        params.reference_deprivation_effect / 100.0
    )


@dataclasses.dataclass
class CellProcess:
    """Per row (population cell or child): the episode process given its LSOA and LA deciles."""

    d_lsoa: np.ndarray  # (n,) centred LSOA decile
    class_probs: np.ndarray  # (n, K) P(class | assessed)
    nfa: np.ndarray  # (n,) P(NFA)
    path: np.ndarray  # (n, K, 4) P(pathway | class)
    categories: np.ndarray  # (n, K, 5) P(CP category | class)


def cell_process(
    deciles: np.ndarray,
    la_decile: int,
    params: GeneratingParameters,
    targets: PublishedTargets,
    la_index: int,
    offsets: dict[str, float] | None = None,
) -> CellProcess:
    """The episode process of rows with LSOA deciles ``deciles`` (1 = least deprived) in an LA of
    decile ``la_decile``: class shares tilted by deprivation (Table 13), assessment and each pathway
    step tilted by the escalation (model.escalation), CP categories by deprivation. Computed once per
    distinct decile and indexed (ten values per LA). ``offsets``: the LA's offsets of one collection
    year (totals.py: ``assess`` on the odds of assessment, ``cpp`` and ``lac`` on the pathway weights)."""
    deciles = np.asarray(deciles, dtype=float)
    values, index = np.unique(deciles, return_inverse=True)
    d = values - 5.5
    x = escalation(params, d, float(la_decile) - 5.5)
    probs = class_probabilities(
        np.tile(la_class_shares(targets, la_index, params), (len(d), 1)), class_log_rr(targets, params), d
    )
    offsets = offsets or {}
    nfa = 1.0 - assessed_probability(params.nfa_share, x + offsets.get("assess", 0.0))
    path = tilted_pathways(pathway_base(targets, params), x)
    # An S47 offset beyond S47_CIN_FROM (the S47 share of CIN episodes near its ceiling) also raises
    # the weight of the CIN pathway: an LA with more S47s than its CIN episodes can carry has more
    # children in need.
    cin = cin_boost(offsets)
    if offsets.get("cpp") or offsets.get("lac") or cin:
        path = path * np.exp(np.array([0.0, cin, offsets.get("cpp", 0.0), offsets.get("lac", 0.0)]))[None, None, :]
        path = path / path.sum(axis=2, keepdims=True)
    cats = tilted_categories(targets.cp_categories[list(CP_CATEGORIES)].to_numpy(), params, d)
    return CellProcess(deciles - 5.5, probs[index], nfa[index], path[index], cats[index])


def la_pathway_mix(
    cells: pd.DataFrame,
    rate: np.ndarray,
    targets: PublishedTargets,
    params: GeneratingParameters,
    la_index: int,
    la_decile: int = 6,
) -> tuple:
    """((pathway, share), ...) of the LA's first episodes (nfa first): its Table 11 class shares and
    pathways tilted by each cell's deprivation, weighted by the cell's expected referred children."""
    process = cell_process(cells["imd_decile_least1"].to_numpy(dtype=float), la_decile, params, targets, la_index)
    weights = cells["population"].to_numpy(dtype=float) * rate
    weights = weights / weights.sum()
    nfa = float((weights * process.nfa).sum())
    path = np.einsum("n,nk,nkp->p", weights * (1 - process.nfa), process.class_probs, process.path)
    return (("nfa", round(nfa, 12)), *((p, round(float(v), 12)) for p, v in zip(PATHWAYS, path)))


def lsoa_frailty(cells: pd.DataFrame, shape: float, seed: int, la_index: int) -> np.ndarray:
    """Each cell's LSOA frailty: one gamma draw (mean 1, shape ``shape``) per LSOA of the LA, in
    sorted LSOA order from its own stream (default_rng([seed, la_index, 1])); 1 when shape is 0."""
    if not shape:
        return np.ones(len(cells))
    lsoas, index = np.unique(cells["lsoa11"].astype(str).to_numpy(), return_inverse=True)
    z = np.random.default_rng([int(seed), int(la_index), 1]).gamma(shape, 1.0 / shape, len(lsoas))
    return z[index]


def first_referral_distribution(
    period: Period, mix: tuple, rereferral_share: float, referrals_by_year: tuple | None = None
) -> np.ndarray:
    """The pmf of a child's first referral over the period's days that makes the LA's referrals
    (first and second episodes, ``mix``: :func:`la_pathway_mix`) arrive at a constant expected rate
    (timing.first_referral_pmf), or, with ``referrals_by_year`` ((year, count), ...), at each year's
    count spread over its days."""
    return _first_referrals(period, mix, rereferral_share, referrals_by_year)[0].copy()


def children_for_referrals(period: Period, mix: tuple, rereferral_share: float, referrals_by_year: tuple) -> float:
    """Expected number of referred children whose first and second referrals give ``referrals_by_year``."""
    return _first_referrals(period, mix, rereferral_share, referrals_by_year)[1]


def expected_referrals_by_year(
    period: Period, mix: tuple, rereferral_share: float, children: float, referrals_by_year: tuple | None = None
) -> dict[int, float]:
    """Noise-free referrals (first and second episodes) per collection year for ``children`` referred children."""
    pmf = _first_referrals(period, mix, rereferral_share, referrals_by_year)[0]
    per_day = expected_referrals_per_day(period, dict(mix), rereferral_share, pmf)
    return {y: children * v for y, v in by_collection_year(period, per_day).items()}


def events_seen(period: Period, mix: tuple, rereferral_share: float, referrals_by_year: tuple | None = None):
    """timing.Observation for the LA's arrivals (cached per period, mix and counts)."""
    return _observation(period, mix, rereferral_share, referrals_by_year)


def la_scale(
    cells: pd.DataFrame,
    years: int,
    rate: np.ndarray,
    period: Period,
    mix: tuple,
    rereferral_share: float,
    referrals_by_year: tuple,
) -> float:
    """Factor on every cell's rate that makes the LA's expected referred children those whose first
    and second referrals give ``referrals_by_year`` (the LA's published counts)."""
    children = children_for_referrals(period, mix, rereferral_share, referrals_by_year)
    return children / float((cells["population"].to_numpy() * years * rate).sum())


@functools.lru_cache(maxsize=512)
def _first_referrals(period: Period, mix: tuple, rereferral_share: float, referrals_by_year: tuple | None):
    """(pmf of the first referral, expected children): constant rate, or the yearly counts."""
    if referrals_by_year is None:
        return first_referral_pmf(period, dict(mix), rereferral_share), float("nan")
    density = first_referral_density(period, dict(mix), rereferral_share, daily_rate(period, dict(referrals_by_year)))
    return density / density.sum(), float(density.sum())


@functools.lru_cache(maxsize=512)
def _observation(period: Period, mix: tuple, rereferral_share: float, referrals_by_year: tuple | None = None):
    return observation(period, LAC_CPP_SHARE, _first_referrals(period, mix, rereferral_share, referrals_by_year)[0])


def cell_rates(cells: pd.DataFrame, params: GeneratingParameters, la_effect: float, la_decile: int) -> np.ndarray:
    """Rate (children referred per child-year) of each population cell."""
    d_lsoa = cells["imd_decile_least1"].to_numpy(dtype=float) - 5.5
    d_la = float(la_decile) - 5.5
    # Groups without a stratum slope get none (dict look-up, not a Python function per cell).
    slope = (
        params.lsoa_decile_log_rr
        + cells["age_group"].map(params.age_lsoa_log_rr).astype(float).fillna(0.0).to_numpy()
        + cells["ethnicity_group"].map(params.ethnicity_lsoa_log_rr).astype(float).fillna(0.0).to_numpy()
    )
    log_rate = (
        np.log(params.base_referral_rate)
        + slope * d_lsoa
        + params.la_decile_log_rr * d_la
        + params.interaction_log_rr * d_lsoa * d_la
        + la_effect
        + cells["age_group"].map(params.age_log_rr).to_numpy(dtype=float)
        + np.where(cells["sex"].to_numpy() == "female", params.female_log_rr, 0.0)
        + cells["ethnicity_group"].map(params.ethnicity_log_rr).to_numpy(dtype=float)
    )
    return np.exp(log_rate)


def years_before(dates: pd.DatetimeIndex, years: np.ndarray) -> pd.DatetimeIndex:
    """``date - DateOffset(years=n)`` element-wise without a Python loop: same month and day,
    29 February becoming 28 February in a year that is not a leap year."""
    year = dates.year.to_numpy() - np.asarray(years, dtype=int)
    month, day = dates.month.to_numpy(), dates.day.to_numpy()
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = np.where((month == 2) & (day == 29) & ~leap, 28, day)
    return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day})))


def upns(la_number: str, n: int, start: int = 0) -> list[str]:
    """``n`` distinct valid UPNs of an LA (serial numbers from ``start``): check letter (DfE's mod-23
    rule), the LA's 3-digit DfE number, then 9 digits (DfE rules 1510, 1530, 1540, 1550)."""
    from csc_inequalities.childlevel.dfe.child import CHECK_LETTERS

    digits = np.array([[int(c) for c in la_number]], dtype=np.int64).repeat(n, axis=0)
    serial = np.arange(start, start + n, dtype=np.int64)
    tail = np.stack([(serial // 10 ** (8 - k)) % 10 for k in range(9)], axis=1) if n else np.zeros((0, 9), np.int64)
    body = np.concatenate([digits, tail], axis=1)  # characters 2..13
    check = (body * np.arange(2, 14)).sum(axis=1) % 23
    letters = np.array(list(CHECK_LETTERS))[check]
    text = [f"{la_number}{i:09d}" for i in range(start, start + n)]
    return [letter + t for letter, t in zip(letters, text)]


def next_weekday(dates: pd.Series) -> pd.Series:
    """Saturdays and Sundays moved to the following Monday (ICPCs are not held at weekends: DfE 8875)."""
    weekday = dates.dt.day_of_week
    shift = np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    return dates + pd.to_timedelta(shift, unit="D")


def _choice(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (n, K)."""
    cumulative = probs.cumsum(axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(len(probs))[:, None] > cumulative).sum(axis=1)


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    values = np.array([o[0] for o in options], dtype=object)
    probs = np.array([o[1] for o in options])
    return values[rng.choice(len(values), size=n, p=probs / probs.sum())]


@dataclasses.dataclass
class ChildProcess:
    """Per child: the episode process (cell_process) with each child's first-referral year's offsets,
    and the per-child probabilities that depend on them."""

    process: CellProcess
    s47_given: dict[str, np.ndarray]
    icpc_given: dict[str, np.ndarray]
    reassess_p: np.ndarray


def scaled_rates(cells, years, params, targets, la_index, la_effect, la_decile, period, referrals_by_year, timing=None):
    """Each cell's rate (scaled to the LA's counts when it follows them) and the LA's first-episode
    pathway mix, before the LSOA frailty."""
    rate = cell_rates(cells, params, la_effect, la_decile)
    mix = la_pathway_mix(cells, rate, targets, params, la_index, la_decile)
    if timing is not None:
        rate = rate * timing.scale
    elif referrals_by_year is not None:
        rate = rate * la_scale(cells, years, rate, period, mix, params.rereferral_share, referrals_by_year)
    return rate, mix


def expected_children(
    cells: pd.DataFrame,
    years: int,
    params: GeneratingParameters,
    targets: PublishedTargets,
    la_index: int,
    la_effect: float,
    la_decile: int,
    seed: int,
    period: Period,
    referrals_by_year: tuple | None = None,
    timing=None,
) -> tuple[np.ndarray, tuple]:
    """(expected referred children per population cell, the LA's first-episode pathway mix): the
    cell rates, scaled to the LA's published counts when it follows them, times the LSOA frailty
    (one gamma draw per LSOA from its own stream; normalised to mean 1 over the LA's expected
    children when ``timing`` is given, so the LA's total stays the published one)."""
    rate, mix = scaled_rates(
        cells, years, params, targets, la_index, la_effect, la_decile, period, referrals_by_year, timing
    )
    # The LSOA frailty (mean 1) makes LSOA counts negative binomial around the model's expectation.
    frailty = lsoa_frailty(cells, params.lsoa_frailty_shape, seed, la_index)
    if timing is not None:
        # The LA's total follows its published counts: the frailty redistributes children between its
        # LSOAs without moving the LA's expected total (normalised to mean 1 over its expected children).
        weight = cells["population"].to_numpy() * rate
        frailty = frailty * weight.sum() / (weight * frailty).sum()
    return cells["population"].to_numpy() * years * rate * frailty, mix


def draw_children(
    rng: np.random.Generator, cells: pd.DataFrame, expected: np.ndarray, la_code: str, la_number: str
) -> pd.DataFrame:
    """One row per referred child: Poisson children per cell (``expected``), the cell's LSOA,
    decile, age, sex and ethnic group, a local child ID, a valid UPN of the LA and an ethnicity code."""
    n_per_cell = rng.poisson(expected)
    cell_of_child = np.repeat(np.arange(len(cells)), n_per_cell)
    n = len(cell_of_child)
    child = cells.iloc[cell_of_child].reset_index(drop=True)[
        ["lsoa11", "imd_decile_least1", "age", "sex", "ethnicity_group"]
    ]
    prefix = la_code[-4:]
    child["LAchildID"] = [f"SYN{prefix}{i:07d}" for i in range(n)]
    child["UPN"] = upns(la_number, n)
    child["ethnicity_code"] = ""
    for group, options in ETHNICITY_CODES.items():
        mask = child["ethnicity_group"].to_numpy() == group
        child.loc[mask, "ethnicity_code"] = _pick(rng, options, int(mask.sum()))
    return child


def draw_first_referrals(
    rng: np.random.Generator, child: pd.DataFrame, period: Period, arrival: np.ndarray, rereferral_share: float
) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """(has a second episode, day index of the first referral, its date); sets each child's birth
    date (age at the first referral = the cell's age in whole years) and ``n_episodes``."""
    n = len(child)
    two = rng.random(n) < rereferral_share
    first_day = rng.choice(period.days, size=n, p=arrival)
    first_ref = period.start + pd.to_timedelta(first_day, unit="D")
    # Age at the first referral is the cell's age; the birth date makes that exact in whole years.
    days_past_birthday = rng.integers(0, 360, n)
    child["dob"] = years_before(first_ref, child["age"].to_numpy()) - pd.to_timedelta(days_past_birthday, unit="D")
    child["n_episodes"] = np.where(two, 2, 1)
    return two, first_day, first_ref


def child_process(
    child: pd.DataFrame,
    first_day: np.ndarray,
    la_decile: int,
    params: GeneratingParameters,
    targets: PublishedTargets,
    la_index: int,
    period: Period,
    timing=None,
    year_of_child: np.ndarray | None = None,
) -> ChildProcess:
    """Each child's episode process; with ``timing`` (the LA follows its published totals) every
    episode of a child takes the offsets of the collection year of its first referral (or of
    ``year_of_child``, indices into ``timing.years``)."""
    n = len(child)
    child_deciles = child["imd_decile_least1"].to_numpy(dtype=float)
    process = cell_process(child_deciles, la_decile, params, targets, la_index)
    s47_given = {k: np.full(n, v) for k, v in S47_GIVEN.items()}
    icpc_given = {k: np.full(n, v) for k, v in ICPC_GIVEN.items()}
    reassess_p = np.zeros(n)
    if timing is not None:
        from csc_inequalities.synthetic.totals import _year_index, given_probabilities

        if year_of_child is None:
            year_of_child = _year_index(period)[0][first_day]
        for yi, year in enumerate(timing.years):
            mine = year_of_child == yi
            if not mine.any():
                continue
            offsets = timing.offsets.get(year, {})
            p_y = cell_process(child_deciles[mine], la_decile, params, targets, la_index, offsets=offsets)
            process.nfa[mine], process.path[mine] = p_y.nfa, p_y.path
            s47_y, icpc_y = given_probabilities(S47_GIVEN, ICPC_GIVEN, offsets)
            for k in s47_given:
                s47_given[k][mine] = s47_y[k]
            for k in icpc_given:
                icpc_given[k][mine] = icpc_y[k]
            reassess_p[mine] = reassessment_probability(offsets)
    return ChildProcess(process, s47_given, icpc_given, reassess_p)


def draw_pathways(
    rng: np.random.Generator, ep: pd.DataFrame, idx: np.ndarray, cp: ChildProcess, targets: PublishedTargets
) -> None:
    """Adds to episode frame ``ep`` (children ``idx``): NFA, demand class, pathway (the highest
    threshold), S47, ICPC, CPP and LAC flags, referral source and CP category."""
    m = len(idx)
    process = cp.process
    nfa = rng.random(m) < process.nfa[idx]
    demand_class = _choice(rng, process.class_probs[idx]) + 1
    path_probs = process.path[idx, demand_class - 1]
    pathway = np.array(["assessed_not_cin", "cin", "cpp", "lac"], dtype=object)[_choice(rng, path_probs)]
    pathway = np.where(nfa, "nfa", pathway)
    ep["nfa"] = nfa
    ep["demand_class"] = np.where(nfa, 0, demand_class)
    ep["pathway"] = pathway
    lac = pathway == "lac"
    cpp = (pathway == "cpp") | (lac & (rng.random(m) < LAC_CPP_SHARE))
    s47 = cpp.copy()
    u = rng.random(m)
    s47 |= (pathway == "assessed_not_cin") & (u < cp.s47_given["assessed_not_cin"][idx])
    s47 |= (pathway == "cin") & (u < cp.s47_given["cin"][idx])
    s47 |= lac & ~cpp & (u < cp.s47_given["lac_no_cpp"][idx])
    icpc = cpp.copy()
    icpc |= (pathway == "cin") & (u < cp.icpc_given["cin"][idx])  # u < ICPC share implies u < S47 share
    icpc |= lac & ~cpp & (u < cp.icpc_given["lac_no_cpp"][idx])
    ep["s47"], ep["icpc"], ep["cpp"], ep["lac"] = s47, icpc, cpp, lac
    ep["assessed"] = ~nfa
    ep["cin_plan"] = np.isin(pathway, ["cin", "cpp", "lac"])
    ep["assessed_not_cin"] = pathway == "assessed_not_cin"
    # Referral source: by class among assessed episodes (Table 16), the overall row for NFA.
    source_probs = targets.referral_sources.loc[np.where(nfa, 0, demand_class)].to_numpy()
    groups = np.array(REFERRAL_GROUPS, dtype=object)[_choice(rng, source_probs)]
    ep["referral_source"] = pd.Series(groups).map(REFERRAL_GROUP_CODE).to_numpy()
    cat_probs = process.categories[idx, np.maximum(demand_class, 1) - 1]
    category = np.array(CP_CATEGORIES, dtype=object)[_choice(rng, cat_probs)]
    ep["cpp_category"] = np.where(cpp, category, None)


def draw_factors(rng: np.random.Generator, ep: pd.DataFrame, targets: PublishedTargets) -> None:
    """Factors at assessment: Bernoulli per item from the class profile (assessed episodes only);
    code 21 ("no factors identified") only alone (DfE 8869), and on every completed assessment that
    has no other factor (DfE 8897Q)."""
    nfa = ep["nfa"].to_numpy()
    items = targets.item_probabilities.loc[np.maximum(ep["demand_class"].to_numpy(), 1)].to_numpy()
    factors = (rng.random(items.shape) < items) & ~nfa[:, None]
    item_codes = list(targets.item_probabilities.columns)
    if "21" in item_codes:
        j21 = item_codes.index("21")
        others = np.delete(factors, j21, axis=1).any(axis=1)
        factors[:, j21] = ~nfa & ~others
    for j, code in enumerate(item_codes):
        ep[f"factor_{code}"] = factors[:, j]


def draw_dates(rng: np.random.Generator, ep: pd.DataFrame, reassess_p: np.ndarray | None) -> None:
    """The dates of each episode's events (uniform lags in days after the referral: timing.LAGS)
    and, with ``reassess_p`` (per episode; the LA follows its published totals), re-assessments."""
    m = len(ep)
    r = ep["referral_date"]
    nfa, s47, icpc, cpp, lac = (ep[c].to_numpy() for c in ("nfa", "s47", "icpc", "cpp", "lac"))

    def days(lag: str) -> pd.TimedeltaIndex:
        lo, hi = LAGS[lag]
        return pd.to_timedelta(rng.integers(lo, hi + 1, m), unit="D")

    ep["assessment_start"] = (r + days("assessment_start")).where(~nfa)
    ep["assessment_auth"] = (ep["assessment_start"] + days("assessment_auth")).where(~nfa)
    ep["s47_start"] = (r + days("s47_start")).where(s47)
    icpc_due = ep["s47_start"] + days("icpc")
    ep["icpc_date"] = next_weekday(icpc_due).where(icpc)
    ep["cpp_start"] = ep["icpc_date"].where(cpp)
    # Care starts after the authorisation, which comes after any ICPC (lags in timing.py): a CPP
    # before care ends the day care starts.
    ep["decom"] = (ep["assessment_auth"] + days("decom")).where(lac)
    ep["cpp_end"] = (icpc_due + days("cpp_length")).where(cpp)
    ep.loc[lac & cpp, "cpp_end"] = ep.loc[lac & cpp, "decom"]
    # A CIN plan in every episode that reaches CIN: after the assessment (CIN, care), or, where a
    # child protection plan follows, from the first days of the episode until the CPP starts
    # (a CIN plan may not be open during a CPP: DfE 4001, 4016, 4017).
    plan_start = ep["assessment_auth"] + days("plan_after_auth")
    plan_start = plan_start.where(~cpp, r + days("plan_before_cpp"))
    ep["plan_start"] = plan_start.where(ep["cin_plan"])
    plan_end = ep["plan_start"] + days("plan_length")
    ep["plan_end"] = plan_end.where(~cpp, ep["cpp_start"]).where(ep["cin_plan"])
    ep["dec"] = (ep["decom"] + days("care_length")).where(lac)
    if reassess_p is not None:
        # Re-assessments (the LA's published assessments exceed its episodes): after the first
        # assessment's authorisation, completed within 50 days of it, before a CIN, CPP or LAC
        # episode can close (a CIN plan lasts at least 60 days after the authorisation).
        again = np.isin(ep["pathway"].to_numpy(), ["cin", "cpp", "lac"]) & (rng.random(m) < reassess_p)
        ep["reassessment_start"] = (ep["assessment_auth"] + days("reassessment_start")).where(again)
        ep["reassessment_auth"] = (ep["reassessment_start"] + days("reassessment_auth")).where(again)
    else:
        ep["reassessment_start"] = ep["reassessment_auth"] = pd.Series(pd.NaT, index=ep.index, dtype="datetime64[ns]")


def close_episodes(ep: pd.DataFrame, first_of_two: np.ndarray | None) -> None:
    """Each episode's closure (``close_full``) and reason: the referral (NFA), the authorisation
    (assessed, not CIN), the end of the CIN plan, CPP or care. ``first_of_two`` (first episodes
    only): the episode is followed by a second, so it closes at most FIRST_EPISODE_LIMIT days
    after its referral (its plans and care end by then)."""
    r = ep["referral_date"]
    pathway = ep["pathway"].to_numpy()
    nfa, lac = ep["nfa"].to_numpy(), ep["lac"].to_numpy()
    close = pd.Series(r, index=ep.index).where(nfa)
    close = close.where(pathway != "assessed_not_cin", ep["assessment_auth"])
    close = close.where(pathway != "cin", ep["plan_end"])
    close = close.where(pathway != "cpp", ep[["cpp_end", "plan_end"]].max(axis=1))
    close = close.where(~lac, ep[["dec", "plan_end"]].max(axis=1))
    if first_of_two is not None:
        two = first_of_two
        limit = r + pd.Timedelta(days=FIRST_EPISODE_LIMIT)
        close = close.where(~(two & (close > limit)), limit)
        ep.loc[two & lac & (ep["dec"] > limit), "dec"] = limit
        ep["plan_end"] = ep["plan_end"].where(~(two & (ep["plan_end"] > close)), close)
        ep["cpp_end"] = ep["cpp_end"].where(~(two & (ep["cpp_end"] > close)), close)
    ep["closure_reason"] = np.select([nfa, pathway == "assessed_not_cin"], ["RC7", "RC8"], "RC7")
    ep["close_full"] = close


def draw_episodes(
    rng: np.random.Generator,
    n: int,
    two: np.ndarray,
    first_ref: pd.DatetimeIndex,
    cp: ChildProcess,
    targets: PublishedTargets,
    with_reassessment: bool,
) -> pd.DataFrame:
    """Every child's first episode, then the second episodes (children ``two``), each referred a
    gap after the first's closure; one row per episode, before censoring at the period's end."""
    episodes = []
    previous_close = previous_ref = None
    had_cpp = np.zeros(n, dtype=bool)
    for k in (1, 2):
        idx = np.arange(n) if k == 1 else np.flatnonzero(two)
        m = len(idx)
        if k == 1:
            ref = first_ref
        else:
            ref = pd.DatetimeIndex(previous_close.to_numpy()[idx]) + pd.to_timedelta(
                rng.integers(LAGS["gap"][0], LAGS["gap"][1] + 1, m), unit="D"
            )
        ep = pd.DataFrame({"child_index": idx, "episode_number": k, "referral_date": pd.DatetimeIndex(ref)})
        draw_pathways(rng, ep, idx, cp, targets)
        draw_factors(rng, ep, targets)
        draw_dates(rng, ep, cp.reassess_p[idx] if with_reassessment else None)
        close_episodes(ep, two if k == 1 else None)
        r, close, cpp = ep["referral_date"], ep["close_full"], ep["cpp"].to_numpy()
        if k == 1:
            ep["rereferral_12m"] = False
        else:
            gap = pd.to_timedelta(r.to_numpy() - previous_ref.to_numpy()[idx])
            ep["rereferral_12m"] = np.asarray(gap.days <= 365)
        ep["repeat_cpp"] = cpp & had_cpp[idx]
        had_cpp[idx] |= cpp
        ep["legal_status"] = np.where(ep["lac"].to_numpy(), _pick(rng, LAC_LEGAL_STATUS, m), None)
        episodes.append(ep)
        previous_close = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        previous_close.iloc[idx] = close.to_numpy()
        previous_ref = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        previous_ref.iloc[idx] = r.to_numpy()
    return pd.concat(episodes, ignore_index=True)


# --- stocks at 31 March: how long the last episode of a child stays open -------------------------------

# The published stocks at 31 March an LA's last episodes follow (national panel series): looked after
# (the care duration stretched by one scale per LA), on a child protection plan (the CPP duration,
# likewise), and children in need (which also counts the CPP and care children): a share of the CIN
# plans, per collection year of the referral, runs a factor LONG_PLAN[0] to LONG_PLAN[1] (log-uniform,
# one draw per episode) times its drawn length (the long-running CIN cases: the panel's "open more than
# 2 years"), the others keep it.
STOCK_DURATION = {"cla_at_31_march": "care", "cpp_at_31_march": "cpp", "cin_at_31_march": "plan"}
STOCK_MEASURES = tuple(STOCK_DURATION)
LONG_PLAN = (4.0, 24.0)  # a long CIN plan: 240 days to 7.9 years (timing.LAGS plan_length 60-120 days)
LONG_PLAN_SHARE_START = 0.5  # the share of long CIN plans in every year while the LA's level is solved
_BISECTION_STEPS = 30


def _days(values: pd.Series) -> np.ndarray:
    """Dates as float day numbers (NaN for missing)."""
    out = values.to_numpy(dtype="datetime64[D]").astype("float64")
    out[pd.isna(values).to_numpy()] = np.nan
    return out


def _march(year: int) -> float:
    return float(np.datetime64(f"{int(year)}-03-31", "D").astype("float64"))


@dataclasses.dataclass
class LastEpisodes:
    """The dates that decide whether a child's last episode is open (day numbers), and the durations
    the stocks follow: the CIN plan (CIN and care episodes without a CPP), the CPP (CPP episodes
    without care) and care. ``u``: per episode, a uniform that makes its CIN plan long (below the year's
    share) and one that sets how long (its own stream)."""

    rows: np.ndarray  # positions in the episode table
    year: np.ndarray  # collection year of the referral (burn-in episodes: the period's first)
    referral: np.ndarray
    pathway: np.ndarray
    auth: np.ndarray
    plan_start: np.ndarray
    plan_days: np.ndarray
    cpp_start: np.ndarray
    cpp_days: np.ndarray
    decom: np.ndarray
    care_days: np.ndarray
    u: np.ndarray
    long_factor: np.ndarray

    def __post_init__(self) -> None:
        # Pathway masks once (comparing object arrays on every evaluation is slow).
        self._masks = [self.pathway == p for p in ("nfa", "assessed_not_cin", "cin", "cpp")]

    @classmethod
    def of(cls, episodes: pd.DataFrame, last: np.ndarray, first_year: int, u: np.ndarray) -> LastEpisodes:
        """``u``: (2, episodes) uniforms."""
        ep = episodes[last]
        referral = ep["referral_date"]
        cpp, lac = ep["cpp"].to_numpy(), ep["lac"].to_numpy()
        plan_start, cpp_start, decom = _days(ep["plan_start"]), _days(ep["cpp_start"]), _days(ep["decom"])
        return cls(
            rows=np.flatnonzero(last),
            year=np.maximum((referral.dt.year + (referral.dt.month >= 4)).to_numpy(), first_year),
            referral=_days(referral),
            pathway=ep["pathway"].to_numpy(),
            auth=_days(ep["assessment_auth"]),
            plan_start=plan_start,
            plan_days=np.where(cpp, np.nan, _days(ep["plan_end"]) - plan_start),
            cpp_start=cpp_start,
            cpp_days=np.where(cpp & ~lac, _days(ep["cpp_end"]) - cpp_start, np.nan),
            decom=decom,
            care_days=_days(ep["dec"]) - decom,
            u=u[0][last],
            long_factor=LONG_PLAN[0] * (LONG_PLAN[1] / LONG_PLAN[0]) ** u[1][last],
        )

    def ends(self, scales: dict) -> dict[str, np.ndarray]:
        """plan_end, cpp_end, dec and close (day numbers) with the LA's scales (``care``, ``cpp``) and
        each referral year's share of long CIN plans (``long_plan_share``: {year: share})."""
        stretch = lambda days, s: np.maximum(np.round(days * s), 1.0)
        share = np.zeros(len(self.rows))
        for year, value in scales.get("long_plan_share", {}).items():
            share[self.year == int(year)] = value
        plan = np.where(self.u < share, self.long_factor * scales.get("long_plan_scale", 1.0), 1.0)
        plan_end = np.where(np.isnan(self.plan_days), self.cpp_start, self.plan_start + stretch(self.plan_days, plan))
        cpp_end = np.where(
            np.isnan(self.cpp_days), self.decom, self.cpp_start + stretch(self.cpp_days, scales.get("cpp", 1.0))
        )
        dec = self.decom + stretch(self.care_days, scales.get("care", 1.0))
        close = np.select(
            self._masks, [self.referral, self.auth, plan_end, np.fmax(cpp_end, plan_end)], np.fmax(dec, plan_end)
        )
        return {"plan_end": plan_end, "cpp_end": cpp_end, "dec": dec, "close": close}


def _open_at(day: float, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    return (start <= day) & (end > day)  # NaN compares False: never started


def stocks_at_31_march(
    episodes: pd.DataFrame, years: list[int], measures: tuple[str, ...] = STOCK_MEASURES
) -> dict[str, dict[int, int]]:
    """Children with an episode open at 31 March of each year (referred by then, not closed, not a
    referral with no further action: reconcile.extract_yearly_counts), on a child protection plan,
    looked after; from the generator's episodes (an episode of the period's end still open)."""
    start = {"cin_at_31_march": "referral_date", "cpp_at_31_march": "cpp_start", "cla_at_31_march": "decom"}
    end = {"cin_at_31_march": "close_full", "cpp_at_31_march": "cpp_end", "cla_at_31_march": "dec"}
    out = {}
    for measure in measures:
        s = _days(episodes[start[measure]])
        e = _days(episodes[end[measure]])
        e = np.where(np.isnan(e) & ~np.isnan(s), np.inf, e)
        if measure == "cin_at_31_march":
            s = np.where(episodes["nfa"].to_numpy(), np.nan, s)
        child = episodes["child_index"].to_numpy()
        out[measure] = {int(y): int(len(np.unique(child[_open_at(_march(y), s, e)]))) for y in years}
    return out


def solve_duration_scales(
    episodes: pd.DataFrame, last: np.ndarray, stocks: tuple, first_year: int, u: np.ndarray
) -> tuple[dict, LastEpisodes]:
    """The durations of the LA's last episodes (``last``: not followed by another) that make the
    children open at 31 March follow the published stocks ``stocks`` ((measure, ((year, count or
    None), ...)), ...; years without a count left out), on the LA's own draws (durations are
    stretched, nothing is redrawn, so every other draw of the LA is unchanged): the care scale, then
    the CPP scale, each so that the stock summed over the years equals the published sum; then the
    scale on the long CIN plans' durations, likewise with LONG_PLAN_SHARE_START of each year's plans
    long; then, year by year (a year's stock holds the long plans of earlier years), the share of long CIN plans among
    that year's referrals so that the children in need at its 31 March equal the published count. Each
    by bisection (scales on the log scale within DURATION_SCALE_BOUNDS, shares within 0..1); a stock
    that the bounds do not reach stops there."""
    le = LastEpisodes.of(episodes, last, first_year, u)
    counts = {m: {y: v for y, v in dict(c).items() if v is not None} for m, c in stocks}
    scales: dict = {"care": 1.0, "cpp": 1.0, "long_plan_scale": 1.0, "long_plan_share": {}}
    others = episodes.loc[~last]
    other_ranges = {
        "cin_at_31_march": (
            np.where(others["nfa"].to_numpy(), np.nan, _days(others["referral_date"])),
            _days(others["close_full"]),
        ),
        "cpp_at_31_march": (_days(others["cpp_start"]), _days(others["cpp_end"])),
        "cla_at_31_march": (_days(others["decom"]), _days(others["dec"])),
    }
    last_start = {
        "cin_at_31_march": np.where(le.pathway == "nfa", np.nan, le.referral),
        "cpp_at_31_march": le.cpp_start,
        "cla_at_31_march": le.decom,
    }
    last_end = {"cin_at_31_march": "close", "cpp_at_31_march": "cpp_end", "cla_at_31_march": "dec"}

    # A child has at most one episode open on a day (a second is referred after the first closes), so
    # children open = episodes open; the other episodes' part does not depend on the durations solved.
    fixed: dict[tuple[str, int], int] = {}

    def stock(measure: str, years: list[int]) -> int:
        ends = le.ends(scales)[last_end[measure]]
        total = 0
        for year in years:
            day = _march(year)
            if (measure, year) not in fixed:
                s_o, e_o = other_ranges[measure]
                fixed[(measure, year)] = int(_open_at(day, s_o, e_o).sum())
            total += fixed[(measure, year)] + int(_open_at(day, last_start[measure], ends).sum())
        return total

    def bisect(measure: str, years: list[int], target: float, get, put, lo: float, hi: float) -> None:
        put(lo)
        if stock(measure, years) >= target:
            return
        put(hi)
        if stock(measure, years) < target:
            return  # beyond the bound: stays there
        a, b = lo, hi
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (a + b)
            put(mid)
            a, b = (mid, b) if stock(measure, years) < target else (a, mid)
        put(b)

    log_lo, log_hi = np.log(DURATION_SCALE_BOUNDS[0]), np.log(DURATION_SCALE_BOUNDS[1])
    for measure, kind in (("cla_at_31_march", "care"), ("cpp_at_31_march", "cpp")):
        years = sorted(counts.get(measure, {}))
        if years:
            put = lambda v, kind=kind: scales.__setitem__(kind, float(np.exp(v)))
            bisect(measure, years, sum(counts[measure][y] for y in years), None, put, log_lo, log_hi)
    cin_years = sorted(counts.get("cin_at_31_march", {}))
    if cin_years:
        # The LA's level first: how long its long plans run, with half of every year's plans long ...
        scales["long_plan_share"] = dict.fromkeys(cin_years, LONG_PLAN_SHARE_START)
        put = lambda v: scales.__setitem__("long_plan_scale", float(np.exp(v)))
        target = sum(counts["cin_at_31_march"][y] for y in cin_years)
        bisect("cin_at_31_march", cin_years, target, None, put, log_lo, log_hi)
    for year in cin_years:
        # ... then each year's share of long plans.
        put = lambda v, year=year: scales["long_plan_share"].__setitem__(int(year), float(v))
        bisect("cin_at_31_march", [year], counts["cin_at_31_march"][year], None, put, 0.0, 1.0)
    return scales, le


def apply_duration_scales(episodes: pd.DataFrame, le: LastEpisodes, scales: dict) -> None:
    """Writes the stretched plan, CPP and care ends and the closures of the last episodes ``le``."""
    ends = le.ends(scales)
    as_dates = lambda days: pd.to_datetime(days, unit="D").astype("datetime64[ns]")
    rows = le.rows
    cin_plan = episodes["cin_plan"].to_numpy()[rows]
    cpp, lac = episodes["cpp"].to_numpy()[rows], episodes["lac"].to_numpy()[rows]
    col = episodes.columns.get_loc
    episodes.iloc[rows[cin_plan], col("plan_end")] = as_dates(ends["plan_end"][cin_plan])
    episodes.iloc[rows[cpp], col("cpp_end")] = as_dates(ends["cpp_end"][cpp])
    episodes.iloc[rows[lac], col("dec")] = as_dates(ends["dec"][lac])
    episodes.iloc[rows, col("close_full")] = as_dates(ends["close"])


# Episodes referred before the period and still open at its start: referrals over BURN_IN_YEARS before
# it, those of the last days before it left out (no event of theirs that a measure counts falls in
# the period: the flows stay those solved in totals.py; timing.max_event_lag).
BURN_IN_YEARS = 8


def draw_burn_in(
    rng: np.random.Generator,
    cells: pd.DataFrame,
    expected: np.ndarray,
    period: Period,
    la_decile: int,
    params: GeneratingParameters,
    targets: PublishedTargets,
    la_index: int,
    timing=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(children, episodes) referred in the BURN_IN_YEARS before the period, up to max_event_lag()
    days before its start, at the period's rate of referrals (first and second) per day, one episode
    each, with the first collection year's process and offsets. Uncensored: the caller keeps those
    still open at the period's start (:func:`keep_open_at_start`)."""
    window = pd.Timestamp(period.start) - pd.DateOffset(years=BURN_IN_YEARS)
    last_day = pd.Timestamp(period.start) - pd.Timedelta(days=max_event_lag() + 1)
    days = int((last_day - window).days) + 1
    per_day = expected * (1.0 + params.rereferral_share) / period.days
    child = draw_children(rng, cells, per_day * days, "", "999")
    n = len(child)
    ref = window + pd.to_timedelta(rng.integers(0, days, n), unit="D")
    child["dob"] = years_before(pd.DatetimeIndex(ref), child["age"].to_numpy()) - pd.to_timedelta(
        rng.integers(0, 360, n), unit="D"
    )
    child["n_episodes"] = 1
    cp = child_process(
        child, np.zeros(n, dtype=int), la_decile, params, targets, la_index, period, timing, np.zeros(n, dtype=int)
    )
    episodes = draw_episodes(
        rng, n, np.zeros(n, dtype=bool), pd.DatetimeIndex(ref), cp, targets, with_reassessment=timing is not None
    )
    return child, episodes


def keep_open_at_start(
    child: pd.DataFrame, early: pd.DataFrame, episodes: pd.DataFrame, period: Period, la_code: str, la_number: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's children and the burn-in children whose episode is open at the period's start
    (numbered after the period's children, with their own IDs and UPNs), and their episodes."""
    n = len(child)
    burn = episodes["burn_in"].to_numpy()
    keep = ~burn | (episodes["close_full"] >= period.start).to_numpy()
    episodes = episodes[keep].reset_index(drop=True)
    kept = np.unique(episodes.loc[episodes["burn_in"], "child_index"].to_numpy()) - n
    renumber = np.full(len(early), -1)
    renumber[kept] = n + np.arange(len(kept))
    is_burn = episodes["burn_in"].to_numpy()
    index = episodes["child_index"].to_numpy().copy()
    index[is_burn] = renumber[index[is_burn] - n]
    episodes["child_index"] = index
    early = early.iloc[kept].reset_index(drop=True)
    m = len(early)
    prefix = la_code[-4:]
    early["LAchildID"] = [f"SYN{prefix}{i:07d}" for i in range(n, n + m)]
    early["UPN"] = upns(la_number, m, start=n)
    return pd.concat([child, early], ignore_index=True), episodes


def ssda903_rows(child: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """SSDA903 episodes (DfE layout): one per episode whose care started by the end of the period."""
    lac_rows = episodes[episodes["lac"]]
    kid = child.iloc[lac_rows["child_index"].to_numpy()].reset_index(drop=True)
    return pd.DataFrame(
        {
            "CHILD": kid["LAchildID"],
            "SEX": np.where(kid["sex"] == "male", "1", "2"),
            "DOB": kid["dob"].dt.strftime("%d/%m/%Y"),
            "ETHNIC": kid["ethnicity_code"],
            "UPN": kid["UPN"],
            "DECOM": lac_rows["decom"].dt.strftime("%d/%m/%Y").to_numpy(),
            "RNE": "S",
            "LS": lac_rows["legal_status"].to_numpy(),
            "CIN": "N1",
            "PLACE": "U1",
            "PLACE_PROVIDER": "PR1",
            "DEC": lac_rows["dec"].dt.strftime("%d/%m/%Y").fillna("").to_numpy(),
            "REC": np.where(lac_rows["dec"].notna(), "E4A", ""),
            "REASON_PLACE_CHANGE": "",
            "HOME_POST": "",
            "PL_POST": "",
            "URN": "SC000000",
        }
    )


def generate_la(
    la_code: str,
    la_index: int,
    cells: pd.DataFrame,
    la_decile: int,
    years: int,
    params: GeneratingParameters,
    targets: PublishedTargets,
    la_effect: float,
    seed: int,
    la_number: str = "999",
    period: Period | None = None,
    referrals_by_year: tuple | None = None,
    timing=None,
    stocks: tuple | None = None,
) -> LAData:
    """Children, episodes and SSDA903 rows of one LA. ``cells``: the LA's population cells with
    lsoa11, imd_decile_least1, age, age_group, sex, ethnicity_group, population. ``la_number``:
    the LA's DfE 3-digit number (the header's LEA and characters 2-4 of every UPN). ``period``:
    that of the ``years`` collection years (default: the ``years`` ending 31 March 2018).
    ``referrals_by_year`` ((collection year, referrals), ...): the LA's referrals follow these counts
    (its level is scaled to them, the structure within the LA kept: :func:`la_scale`). ``timing``
    (totals.LATiming): the LA follows its published totals; its scale, arrivals and per-year offsets
    (by the collection year of each child's first referral) replace ``referrals_by_year``.
    ``stocks`` ((measure, ((year, count or None), ...)), ...; STOCK_MEASURES): the children open at
    31 March follow these published counts through the durations of each child's last episode
    (:func:`solve_duration_scales`).

    The steps, in the order they draw from the LA's stream (default_rng([seed, la_index])):
    :func:`draw_children`, :func:`draw_first_referrals`, then per episode number
    :func:`draw_pathways`, :func:`draw_factors`, :func:`draw_dates` (:func:`draw_episodes`)."""
    period = period or Period.of_years(2019 - years, 2018)
    if period.days < 365 * years:
        raise ValueError(f"period {period} is shorter than {years} collection years")
    rng = np.random.default_rng([seed, la_index])
    expected, mix = expected_children(
        cells, years, params, targets, la_index, la_effect, la_decile, seed, period, referrals_by_year, timing
    )
    child = draw_children(rng, cells, expected, la_code, la_number)
    arrival = (
        timing.pmf
        if timing is not None
        else first_referral_distribution(period, mix, params.rereferral_share, referrals_by_year)
    )
    two, first_day, first_ref = draw_first_referrals(rng, child, period, arrival, params.rereferral_share)
    cp = child_process(child, first_day, la_decile, params, targets, la_index, period, timing)
    episodes = draw_episodes(rng, len(child), two, first_ref, cp, targets, with_reassessment=timing is not None)
    episodes["burn_in"] = False
    scales = None
    if stocks:
        # Episodes open at the period's start (referred before it, from the LA's own stream), then
        # the last episode of a child (none follows it) stays open as long as the LA's published
        # stocks at 31 March need; first episodes followed by a second keep their durations.
        early, early_episodes = draw_burn_in(
            np.random.default_rng([seed, la_index, 2]),
            cells,
            expected,
            period,
            la_decile,
            params,
            targets,
            la_index,
            timing,
        )
        early_episodes["child_index"] += len(child)
        early_episodes["burn_in"] = True
        episodes = pd.concat([episodes, early_episodes], ignore_index=True)
        last = (episodes["episode_number"].to_numpy() == 2) | ~np.r_[two, np.zeros(len(early), bool)][
            episodes["child_index"].to_numpy()
        ]
        u = np.random.default_rng([seed, la_index, 3]).random((2, len(episodes)))
        scales, last_episodes = solve_duration_scales(episodes, last, stocks, period.end.year - years + 1, u)
        apply_duration_scales(episodes, last_episodes, scales)
        child, episodes = keep_open_at_start(child, early, episodes, period, la_code, la_number)
    episodes = censor(episodes, period.end)
    child["n_episodes"] = np.bincount(episodes["child_index"].to_numpy(), minlength=len(child))
    episodes["section20"] = episodes["legal_status"] == "V2"
    episodes["interim_care_order"] = episodes["legal_status"] == "C1"
    episodes["la_code"] = la_code
    return LAData(child, episodes, ssda903_rows(child, episodes), scales)


DATE_COLUMNS = (
    "assessment_start",
    "assessment_auth",
    "reassessment_start",
    "reassessment_auth",
    "s47_start",
    "icpc_date",
    "cpp_start",
    "decom",
    "cpp_end",
    "plan_start",
    "plan_end",
    "dec",
    "close_full",
)


def censor(episodes: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """What an LA's returns show at ``end``: episodes referred later do not exist yet, later events
    have not happened (their dates are missing, their flags false), later closures leave the
    episode open. ``pathway`` and ``demand_class`` keep the episode's truth."""
    episodes = episodes[episodes["referral_date"] <= end].reset_index(drop=True)
    for column in DATE_COLUMNS:
        episodes[column] = episodes[column].where(episodes[column] <= end)
    seen = lambda column: episodes[column].notna().to_numpy()
    episodes["assessed"] = seen("assessment_start")
    episodes["s47"], episodes["icpc"], episodes["cpp"] = seen("s47_start"), seen("icpc_date"), seen("cpp_start")
    episodes["cin_plan"], episodes["lac"] = seen("plan_start"), seen("decom")
    episodes["assessed_not_cin"] = (episodes["pathway"] == "assessed_not_cin").to_numpy() & seen("close_full")
    episodes["cpp_category"] = episodes["cpp_category"].where(episodes["cpp"], None)
    episodes["legal_status"] = episodes["legal_status"].where(episodes["lac"], None)
    # Factors are recorded with the authorisation.
    factor_columns = [c for c in episodes.columns if c.startswith("factor_")]
    unrecorded = ~seen("assessment_auth")
    if unrecorded.any():
        episodes.loc[unrecorded, factor_columns] = False
    # A repeat CPP: a CPP seen in the child's earlier episode.
    first_cpp = episodes.loc[(episodes["episode_number"] == 1) & episodes["cpp"], "child_index"]
    episodes["repeat_cpp"] = (
        episodes["cpp"] & (episodes["episode_number"] == 2) & episodes["child_index"].isin(set(first_cpp))
    ).to_numpy()
    return episodes


def default_parameters(config: dict[str, Any]) -> GeneratingParameters:
    model = config["model"]
    return GeneratingParameters(
        base_referral_rate=model["base_referral_rate"],
        lsoa_decile_log_rr=float(np.log(model["lsoa_decile_rate_ratio"])),
        la_decile_log_rr=float(np.log(model["la_decile_rate_ratio"])),
        interaction_log_rr=float(model["interaction_log_rate_ratio"]),
        la_random_sd=model["la_random_sd"],
        age_log_rr={k: float(np.log(v)) for k, v in model["age_rate_ratio"].items()},
        female_log_rr=float(np.log(model["female_rate_ratio"])),
        ethnicity_log_rr={k: float(np.log(v)) for k, v in model["ethnicity_rate_ratio"].items()},
        rereferral_share=model["rereferral_share"],
        nfa_share=model["nfa_share"],
        reference_deprivation_effect=model["reference_deprivation_effect_pct"],
        escalation_lsoa_log_rr=float(np.log(model["escalation_lsoa_odds_ratio"])),
        escalation_la_log_rr=float(np.log(model["escalation_la_odds_ratio"])),
        escalation_interaction_log_rr=float(model["escalation_interaction_log_odds_ratio"]),
        age_lsoa_log_rr={k: float(np.log(v)) for k, v in model["age_lsoa_rate_ratio"].items()},
        ethnicity_lsoa_log_rr={k: float(np.log(v)) for k, v in model["ethnicity_lsoa_rate_ratio"].items()},
        cp_category_lsoa_log_rr={k: float(np.log(v)) for k, v in model["cp_category_lsoa_odds_ratio"].items()},
        lsoa_frailty_shape=float(model["lsoa_frailty_shape"]),
    )


def calibrated_parameters(config: dict[str, Any], calibrated: dict[str, Any] | None) -> GeneratingParameters:
    """The config's parameters with the calibration's solved values (results/synthetic/
    calibrated_parameters.yaml, key 'parameters') in place of the config's."""
    params = default_parameters(config)
    if calibrated:
        return dataclasses.replace(params, **calibrated.get("parameters", {}))
    return params


__all__ = [
    "generate_la",
    "default_parameters",
    "censor",
    "LAData",
    "Period",
    "PERIOD_START",
    "PERIOD_END",
    "AGE_GROUPS",
    "ETHNIC_GROUPS",
    "CP_CODES",
    "age_group_of",
]

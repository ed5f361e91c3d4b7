"""Each LA's totals follow its published figures (issue 12, Build item 3).

Per LA and collection year the synthetic referrals, assessments, S47 enquiries, ICPCs, CP plan starts
and children starting to be looked after follow that LA's counts in the national panel. Referrals:
the LA's rates are scaled and its first referrals spread over the period's days so that first and
second referrals arrive at each year's published count (the renewal equation, with the second
referral's offset distribution of the year of the child's first referral). The later steps: per LA x
year offsets on the log-odds scale, applied to every episode of a child by the collection year of
the child's first referral, to

* ``assess``: the odds of assessment against no further action;
* ``cpp`` and ``lac``: the weights of the CPP and LAC pathways (after the escalation tilt);
* ``icpc``: the odds of an ICPC on CIN and LAC episodes without a CPP;
* ``s47``: the odds of an S47 without an ICPC on CIN and LAC episodes without a CPP.

The offsets are solved (:func:`solve_la_offsets`) so that the noise-free expected number of events
dated in each collection year (assessment authorisation, S47 start, ICPC, CPP start, start of care;
exact discrete convolutions over the period's days, the ICPC's weekend move included) equals the
published count. The structure within the LA (gradients, strata, classes) is kept: the offsets are
the same for every LSOA of the LA. Deciles: 1 = least deprived.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import fftconvolve

from csc_inequalities.synthetic.timing import (
    DURATION_SCALE_BOUNDS,
    PATHWAYS,
    Observation,
    Period,
    _uniform,
    closure_lags,
    event_lags,
)

# measure -> national panel series (src/csc_inequalities/national/indicators.py)
MEASURES = {
    "referrals": "referrals",
    "assessments": "continuous_assessments",
    "s47": "s47",
    "icpc": "icpc",
    "cpp_starts": "cpp_starting",
    "lac_starts": "cla_started",
}
# Stocks at 31 March (children in need, on a child protection plan, looked after): followed through the
# durations of each child's last episode (generator.solve_duration_scales), not through offsets.
STOCKS = {
    "cin_at_31_march": "cin_at_31_march",
    "cpp_at_31_march": "cpp_at_31_march",
    "cla_at_31_march": "cla_at_31_march",
}
PANEL_SERIES = tuple(dict.fromkeys([*MEASURES.values(), *STOCKS.values()]))
# measure -> the generated event date it counts (generator episode columns) and its offset
EVENT_COLUMN = {
    "referrals": "referral_date",
    "assessments": ("assessment_auth", "reassessment_auth"),
    "s47": "s47_start",
    "icpc": "icpc_date",
    "cpp_starts": "cpp_start",
    "lac_starts": "decom",
}
OFFSET_OF = {"assessments": "assess", "cpp_starts": "cpp", "lac_starts": "lac", "icpc": "icpc", "s47": "s47"}
OFFSETS = ("assess", "cpp", "lac", "icpc", "s47")
FIRST_PATHWAYS = ("nfa", *PATHWAYS)
OFFSET_BOUND = 12.0  # |offset| on the log-odds scale: a published count the model cannot reach stops here


# A synthetic total "follows" the published count when within 10% of it or 3 Poisson SD (issue 12).
WITHIN_RELATIVE = 0.10
WITHIN_POISSON_SD = 3


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _expit(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def given_probabilities(
    s47_given: dict[str, float], icpc_given: dict[str, float], offsets: dict[str, float] | None
) -> tuple[dict[str, float], dict[str, float]]:
    """(S47 given, ICPC given) per pathway with a year's ``icpc`` and ``s47`` offsets: the ICPC odds
    shifted by ``icpc``, the odds of an S47 without an ICPC by ``s47`` (so S47 >= ICPC always)."""
    if not offsets:
        return dict(s47_given), dict(icpc_given)
    icpc, s47 = dict(icpc_given), dict(s47_given)
    for pathway in ("cin", "lac_no_cpp"):
        base_icpc = icpc_given[pathway]
        extra = (s47_given[pathway] - base_icpc) / (1.0 - base_icpc)
        icpc[pathway] = _expit(_logit(base_icpc) + offsets.get("icpc", 0.0))
        s47[pathway] = icpc[pathway] + (1.0 - icpc[pathway]) * _expit(_logit(extra) + offsets.get("s47", 0.0))
    return s47, icpc


def reach(measure: str, s47_given: dict[str, float], icpc_given: dict[str, float], lac_cpp_share: float) -> np.ndarray:
    """P(an episode on each pathway (nfa, assessed_not_cin, cin, cpp, lac) has the measure's event)."""
    lac_s47 = lac_cpp_share + (1 - lac_cpp_share) * s47_given["lac_no_cpp"]
    lac_icpc = lac_cpp_share + (1 - lac_cpp_share) * icpc_given["lac_no_cpp"]
    return np.array(
        {
            "referrals": [1, 1, 1, 1, 1],
            "assessments": [0, 1, 1, 1, 1],
            "s47": [0, s47_given["assessed_not_cin"], s47_given["cin"], 1, lac_s47],
            "icpc": [0, 0, icpc_given["cin"], 1, lac_icpc],
            "cpp_starts": [0, 0, 0, 1, lac_cpp_share],
            "lac_starts": [0, 0, 0, 0, 1],
        }[measure],
        dtype=float,
    )


# --- panel counts ------------------------------------------------------------------------------------


def panel_totals(
    panel: pd.DataFrame, la_code: str, years: list[int], measures: list[str], missing: dict[str, str] | None = None
) -> tuple:
    """((measure, ((year, count or None), ...)), ...) of one LA from the national panel, referrals
    first. A year without a count is an error naming the LA, year and series unless
    ``missing[measure]`` is ``other_years`` (the measure's offset of that year is then the mean of
    the LA's other years'; the count stays None)."""
    missing = missing or {}
    out = []
    for measure in ["referrals", *[m for m in measures if m != "referrals"]]:
        series = MEASURES[measure]
        if series not in panel.columns:
            raise ValueError(f"the national panel has no series {series!r} (measure {measure})")
        rows = panel[(panel["la_code"] == la_code) & panel["year"].isin(years)].set_index("year")[series]
        absent = [y for y in years if y not in rows.index or pd.isna(rows.get(y))]
        policy = missing.get(measure, "error")
        if absent and (policy != "other_years" or (measure == "referrals" and len(absent) == len(years))):
            raise ValueError(
                f"the national panel has no {series!r} count for {la_code} in collection year(s) {absent} "
                f"(measure {measure}): choose years the panel covers, set synthetic.panel_missing.{measure}: "
                "other_years, or leave the measure out of synthetic.panel_measures"
            )
        if measure == "referrals" and absent:
            # The daily rate needs a count every year: the mean of the LA's published years.
            fill = float(np.mean([rows[y] for y in years if y not in absent]))
            out.append((measure, tuple((int(y), fill if y in absent else float(rows[y])) for y in years)))
            continue
        if len(absent) == len(years):
            continue  # other_years with no published year: not followed (the model's own rate)
        out.append((measure, tuple((int(y), None if y in absent else float(rows[y])) for y in years)))
    return tuple(out)


def panel_stocks(panel: pd.DataFrame, la_code: str, years: list[int]) -> tuple:
    """((stock, ((year, count or None), ...)), ...) of one LA from the national panel (STOCKS); a year
    without a published count is None (its durations keep their scale 1), a series absent from the
    panel is left out."""
    mine = panel[(panel["la_code"] == la_code) & panel["year"].isin(years)].set_index("year")
    out = []
    for measure, series in STOCKS.items():
        if series not in mine.columns:
            continue
        values = tuple((int(y), None if pd.isna(mine[series].get(y)) else float(mine[series][y])) for y in years)
        if any(v is not None for _, v in values):
            out.append((measure, values))
    return tuple(out)


def referrals_of(totals: tuple) -> tuple:
    return dict(totals)["referrals"]


# --- time: arrivals and the events of each first-referral year, by collection year -------------------


def _year_index(period: Period) -> tuple[np.ndarray, list[int]]:
    dates = pd.date_range(period.start, period.end, freq="D")
    year = np.asarray(dates.year + (dates.month >= 4))
    years = sorted(set(year.tolist()))
    return np.searchsorted(years, year), years


@functools.lru_cache(maxsize=8)
def _calendar(period: Period) -> tuple[np.ndarray, np.ndarray, tuple]:
    index, years = _year_index(period)
    weekday = (period.start.day_of_week + np.arange(period.days + 4000)) % 7
    move = np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    return index, move, tuple(years)


def _bins(days: np.ndarray, period: Period, moved: bool) -> np.ndarray:
    """Mass of a day distribution (index 0 = the period's first day) in each collection year of the
    period (what falls after its end is not seen)."""
    index, move, years = _calendar(period)
    d = np.arange(len(days))
    if moved:
        d = d + move[: len(days)]
    keep = d < period.days
    return np.bincount(index[d[keep]], weights=days[keep], minlength=len(years))


def _conv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = fftconvolve(a, b) if min(len(a), len(b)) > 64 else np.convolve(a, b)
    return np.clip(out, 0.0, None)


def _second_kernel(mix: dict[str, float]) -> np.ndarray:
    closes = closure_lags()
    width = max(len(p) for p in closes.values())
    close = sum(share * np.pad(closes[p], (0, width - len(closes[p]))) for p, share in mix.items())
    return np.convolve(close / close.sum(), _uniform("gap"))


def first_referral_density_by_year(
    period: Period, mixes: dict[int, dict[str, float]], rereferral_share: float, rate: np.ndarray
) -> np.ndarray:
    """First referrals per day f such that first and second referrals together arrive at ``rate``
    per day, the second referral's offset following the first-episode pathway mix of the year of the
    child's first referral: f(t) = rate(t) - q sum_s f(s) o_{year(s)}(t - s), f >= 0."""
    index, years = _year_index(period)
    kernels = [_second_kernel(mixes[y]) for y in years]
    width = max(len(k) for k in kernels)
    table = np.stack([np.pad(k, (0, width - len(k))) for k in kernels])  # (years, width)
    n = period.days
    f = np.zeros(n)
    for t in range(n):
        lo = max(0, t - width + 1)
        if t > lo:
            s = np.arange(lo, t)
            second = float(f[lo:t] @ table[index[s], t - s])
        else:
            second = 0.0
        f[t] = max(0.0, rate[t] - rereferral_share * second)
    return f


@dataclasses.dataclass
class YearEvents:
    """Events of the children first referred in one collection year, by the collection year they fall in
    (per child first referred that year): ``first[(t, pathway)]``, ``second[(t, pathway2, pathway1)]``
    and ``second_referral[pathway1]``, each an array over the period's collection years."""

    weight: float  # expected children first referred in the year (density units: children)
    first: dict
    second: dict
    second_referral: dict

    def observation(self) -> Observation:
        """timing.Observation of these children (P(event seen by the end of the period))."""
        return Observation(
            {k: float(v.sum()) for k, v in self.first.items()},
            {k: float(v.sum()) for k, v in self.second.items()},
            {k: float(v.sum()) for k, v in self.second_referral.items()},
        )


def year_events(period: Period, density: np.ndarray, lac_cpp_share: float) -> list[YearEvents]:
    """For each collection year, the events of the children first referred in it (``density``: first
    referrals per day), exact discrete convolutions binned by collection year."""
    index, years = _year_index(period)
    lags = event_lags(lac_cpp_share)
    closes = closure_lags()
    gap = _uniform("gap")
    # Many (threshold, pathway) keys share a lag: convolve each distinct lag once.
    distinct: dict[tuple, tuple[np.ndarray, bool]] = {}
    key_of = {}
    for key, (pmf, moved) in lags.items():
        k = (pmf.tobytes(), moved)
        distinct.setdefault(k, (pmf, moved))
        key_of[key] = k
    out = []
    for yi, _ in enumerate(years):
        f_y = np.where(index == yi, density, 0.0)
        weight = float(f_y.sum())
        if weight <= 0:
            out.append(
                YearEvents(
                    0.0,
                    {k: np.zeros(len(years)) for k in lags},
                    {(t, p2, p1): np.zeros(len(years)) for (t, p2) in lags for p1 in closes},
                    {p1: np.zeros(len(years)) for p1 in closes},
                )
            )
            continue
        pmf_y = f_y / weight
        start = int(np.argmax(pmf_y > 0))
        stop = int(len(pmf_y) - np.argmax(pmf_y[::-1] > 0))
        window = pmf_y[start:stop]

        def binned(days_from_start: np.ndarray, moved: bool, start: int = start) -> np.ndarray:
            return _bins(np.r_[np.zeros(start), days_from_start], period, moved)

        once = {k: binned(_conv(window, pmf), moved) for k, (pmf, moved) in distinct.items()}
        first = {key: once[key_of[key]] for key in lags}
        second, second_referral = {}, {}
        for p1, close in closes.items():
            start2 = _conv(_conv(window, close), gap)
            second_referral[p1] = binned(start2, False)
            twice = {k: binned(_conv(start2, pmf), moved) for k, (pmf, moved) in distinct.items()}
            for key in lags:
                second[(key[0], key[1], p1)] = twice[key_of[key]]
        out.append(YearEvents(weight, first, second, second_referral))
    return out


# --- the LA's process per first-referral year ----------------------------------------------------------


@dataclasses.dataclass
class LATiming:
    """Everything time-dependent of an LA that follows its published totals."""

    period: Period
    years: list[int]
    offsets: dict[int, dict[str, float]]
    density: np.ndarray  # first referrals per day (children)
    events: list[YearEvents]
    children: float  # expected referred children (density.sum())
    scale: float  # factor on every cell rate

    @property
    def pmf(self) -> np.ndarray:
        return self.density / self.density.sum()

    @property
    def weights(self) -> np.ndarray:
        return np.array([e.weight for e in self.events]) / self.children


def with_offsets(base, offsets: dict[str, float] | None):
    """generator.cell_process's result with a year's offsets applied to the process without them
    (the same arithmetic as cell_process(..., offsets=offsets), without recomputing the rest)."""
    from csc_inequalities.synthetic.generator import cin_boost

    if not offsets:
        return base
    odds = (1.0 - base.nfa) / base.nfa * np.exp(offsets.get("assess", 0.0))
    cin = cin_boost(offsets)
    path = base.path * np.exp(np.array([0.0, cin, offsets.get("cpp", 0.0), offsets.get("lac", 0.0)]))[None, None, :]
    return dataclasses.replace(base, nfa=1.0 - odds / (1.0 + odds), path=path / path.sum(axis=2, keepdims=True))


def year_process(
    deciles: np.ndarray, la_decile: int, params, targets, la_index: int, offsets: dict[str, float], base=None
):
    from csc_inequalities.synthetic.generator import cell_process

    if base is None:
        base = cell_process(deciles, la_decile, params, targets, la_index)
    return with_offsets(base, offsets)


def pathway_probabilities(process) -> np.ndarray:
    """(n, 5) P(first pathway) per row: nfa, assessed_not_cin, cin, cpp, lac."""
    assessed = np.einsum("nk,nkp->np", process.class_probs, process.path) * (1 - process.nfa)[:, None]
    return np.concatenate([process.nfa[:, None], assessed], axis=1)


def expected_events(
    timing: LATiming,
    cell_weights: np.ndarray,
    deciles: np.ndarray,
    la_decile: int,
    params,
    targets,
    la_index: int,
    measures: list[str],
    base=None,
) -> dict[str, np.ndarray]:
    """Noise-free expected events of each measure per collection year (episodes of first and second
    referrals; events dated after the period's end unseen). ``cell_weights``: each row's share of
    the LA's referred children."""
    from csc_inequalities.synthetic.generator import (
        ICPC_GIVEN,
        LAC_CPP_SHARE,
        S47_GIVEN,
        cell_process,
        reassessment_probability,
    )

    q = params.rereferral_share
    base = base if base is not None else cell_process(deciles, la_decile, params, targets, la_index)
    out = {m: np.zeros(len(timing.years)) for m in measures}
    for yi, year in enumerate(timing.years):
        ev = timing.events[yi]
        if ev.weight <= 0:
            continue
        offsets = timing.offsets.get(year, {})
        process = with_offsets(base, offsets)
        p = pathway_probabilities(process)  # (n, 5)
        s47_given, icpc_given = given_probabilities(S47_GIVEN, ICPC_GIVEN, offsets)
        mean_p = cell_weights @ p  # (5,)
        for measure in measures:
            r = reach(measure, s47_given, icpc_given, LAC_CPP_SHARE)
            if measure == "referrals":
                first = np.zeros(len(timing.years))
                first[yi] = 1.0
                second = sum(mean_p[i] * ev.second_referral[p1] for i, p1 in enumerate(FIRST_PATHWAYS))
                out[measure] += ev.weight * (first + q * second)
                continue
            threshold = {
                "assessments": "completed",
                "s47": "s47",
                "icpc": "icpc",
                "cpp_starts": "cpp",
                "lac_starts": "lac",
            }[measure]
            parts = [(threshold, r)]
            if measure == "assessments" and reassessment_probability(offsets) > 0:
                parts.append(("reassessed", reassessment_probability(offsets) * np.array([0, 0, 1, 1, 1], dtype=float)))
            for key, r_key in parts:
                first = sum(mean_p[i + 1] * r_key[i + 1] * ev.first[(key, p2)] for i, p2 in enumerate(PATHWAYS))
                # Second episodes: the same cell's pathway probabilities for both episodes.
                joint = np.einsum("n,na,nb->ab", cell_weights, p, p * r_key[None, :])  # (p1, p2)
                second = sum(
                    joint[a, b + 1] * ev.second[(key, p2, p1)]
                    for a, p1 in enumerate(FIRST_PATHWAYS)
                    for b, p2 in enumerate(PATHWAYS)
                )
                out[measure] += ev.weight * first + ev.weight * q * second
    return out


# --- solving -----------------------------------------------------------------------------------------


def year_mixes(
    cell_weights: np.ndarray,
    deciles: np.ndarray,
    la_decile: int,
    params,
    targets,
    la_index: int,
    years: list[int],
    offsets: dict[int, dict[str, float]],
) -> dict[int, dict[str, float]]:
    from csc_inequalities.synthetic.generator import cell_process

    base = cell_process(deciles, la_decile, params, targets, la_index)
    mixes = {}
    for year in years:
        p = cell_weights @ pathway_probabilities(with_offsets(base, offsets.get(year, {})))
        mixes[year] = dict(zip(FIRST_PATHWAYS, (float(v) for v in p), strict=True))
    return mixes


def la_timing(
    period: Period,
    cell_weights: np.ndarray,
    cell_base: float,
    deciles: np.ndarray,
    la_decile: int,
    params,
    targets,
    la_index: int,
    referrals_by_year: tuple,
    offsets: dict[int, dict[str, float]],
) -> LATiming:
    """The LA's arrivals and events given its offsets: first referrals by the renewal equation with
    each year's published referrals as the daily rate. ``cell_base``: the LA's expected referred
    children before scaling (sum of population x years x rate)."""
    from csc_inequalities.synthetic.generator import LAC_CPP_SHARE
    from csc_inequalities.synthetic.timing import daily_rate

    years = [int(y) for y, _ in referrals_by_year]
    mixes = year_mixes(cell_weights, deciles, la_decile, params, targets, la_index, years, offsets)
    density = first_referral_density_by_year(
        period, mixes, params.rereferral_share, daily_rate(period, dict(referrals_by_year))
    )
    children = float(density.sum())
    return LATiming(
        period,
        years,
        {int(y): dict(v) for y, v in offsets.items()},
        density,
        year_events(period, density, LAC_CPP_SHARE),
        children,
        children / cell_base,
    )


def solve_la_offsets(
    period: Period,
    cell_weights: np.ndarray,
    cell_base: float,
    deciles: np.ndarray,
    la_decile: int,
    params,
    targets,
    la_index: int,
    totals: tuple,
    start: dict | None = None,
    outer: int = 4,
    inner: int = 30,
    tol: float = 1e-7,
) -> LATiming:
    """The LA's offsets (per collection year of the first referral) whose expected events per
    collection year equal the published counts ``totals`` (:func:`panel_totals`). Newton steps on
    each offset with the year's own sensitivity (the arrivals held fixed), then the arrivals
    recomputed; years without a published count take the mean of the others' offsets."""
    counts = dict(totals)
    referrals = counts["referrals"]
    years = [y for y, _ in referrals]
    measures = [m for m in counts if m != "referrals"]
    offsets = {y: {o: float((start or {}).get(y, {}).get(o, 0.0)) for o in OFFSETS} for y in years}
    timing = la_timing(
        period, cell_weights, cell_base, deciles, la_decile, params, targets, la_index, referrals, offsets
    )
    if not measures:
        return timing
    from csc_inequalities.synthetic.generator import cell_process

    base = cell_process(deciles, la_decile, params, targets, la_index)
    order = [m for m in ("assessments", "cpp_starts", "lac_starts", "icpc", "s47") if m in measures]
    delta = 1e-4
    for _ in range(outer):
        moved = 0.0
        for _ in range(inner):
            step_max = 0.0
            for measure in order:
                name = OFFSET_OF[measure]
                published = dict(counts[measure])
                have = [y for y in years if published[y] is not None]
                now = expected_events(
                    timing, cell_weights, deciles, la_decile, params, targets, la_index, [measure], base
                )[measure]
                bumped = dataclasses.replace(
                    timing, offsets={y: {**o, name: o[name] + delta} for y, o in timing.offsets.items()}
                )
                up = expected_events(
                    bumped, cell_weights, deciles, la_decile, params, targets, la_index, [measure], base
                )[measure]
                for yi, y in enumerate(years):
                    if y not in have:
                        continue
                    slope = (np.log(max(up[yi], 1e-12)) - np.log(max(now[yi], 1e-12))) / delta
                    step = (np.log(max(published[y], 1e-3)) - np.log(max(now[yi], 1e-12))) / max(slope, 0.02)
                    step = float(np.clip(step, -2.0, 2.0))
                    new = float(np.clip(timing.offsets[y][name] + step, -OFFSET_BOUND, OFFSET_BOUND))
                    step_max = max(step_max, abs(new - timing.offsets[y][name]))
                    timing.offsets[y][name] = new
                mean = float(np.mean([timing.offsets[y][name] for y in have]))
                for y in years:
                    if y not in have:
                        timing.offsets[y][name] = mean
            moved = max(moved, step_max)
            if step_max < tol:
                break
        timing = la_timing(
            period, cell_weights, cell_base, deciles, la_decile, params, targets, la_index, referrals, timing.offsets
        )
        if moved < tol:
            break
    return timing


def offsets_record(timing: LATiming) -> dict[int, dict[str, float]]:
    return {int(y): {k: round(float(v), 10) for k, v in o.items()} for y, o in timing.offsets.items()}


def counts_by_year(episodes: pd.DataFrame, measures: list[str]) -> dict[str, dict[int, int]]:
    """Generated events per collection year (year ending 31 March) of each measure."""
    out = {}
    for measure in ["referrals", *[m for m in measures if m != "referrals"]]:
        columns = EVENT_COLUMN[measure] if isinstance(EVENT_COLUMN[measure], tuple) else (EVENT_COLUMN[measure],)
        dates = pd.concat([episodes[c] for c in columns if c in episodes], ignore_index=True).dropna()
        year = dates.dt.year + (dates.dt.month >= 4)
        out[measure] = {int(y): int(n) for y, n in year.value_counts().sort_index().items()}
    return out


def totals_vs_panel(summaries: list[dict[str, Any]], panel: pd.DataFrame) -> pd.DataFrame:
    """Per LA, collection year and measure: the synthetic count, its noise-free expectation and the
    LA's published count in the national panel; relative difference, Poisson z and whether it is
    within 10% or 3 Poisson SD of the published count."""
    rows = []
    for summary in summaries:
        la = summary["la_code"]
        mine = panel[panel["la_code"] == la].set_index("year")
        for measure, by_year in summary["expected_by_year"].items():
            series = {**MEASURES, **STOCKS}[measure]
            synthetic = summary["counts_by_year"].get(measure, {})
            for year, expected in by_year.items():
                real = mine[series].get(int(year), np.nan) if series in mine.columns else np.nan
                n = synthetic.get(str(year), synthetic.get(int(year), 0)) if isinstance(synthetic, dict) else 0
                followed = summary.get("measures_followed", [])
                note = "" if measure in followed else "not followed (synthetic.panel_measures)"
                if measure in STOCKS:
                    note = (
                        "stock: the last episodes' durations solved on the LA's own draws, "
                        "pooled over the years (no noise-free expectation)"
                        if measure in followed
                        else "stock: not followed (synthetic.referrals_from_panel false)"
                    )
                    scales = summary.get("duration_scales", {})
                    value = (
                        scales.get("long_plan_share", {}).get(
                            str(year), scales.get("long_plan_share", {}).get(int(year))
                        )
                        if measure == "cin_at_31_march"
                        else scales.get({"cpp_at_31_march": "cpp", "cla_at_31_march": "care"}[measure])
                    )
                    bounds = (0.0, 1.0) if measure == "cin_at_31_march" else DURATION_SCALE_BOUNDS
                    if measure in followed and value is not None and not pd.isna(real):
                        if not bounds[0] + 1e-9 < float(value) < bounds[1] - 1e-9:
                            note = f"stock beyond the model: its duration parameter stops at the bound {float(value):g}"
                offset = summary.get("panel_offsets", {}).get(
                    str(year), summary.get("panel_offsets", {}).get(int(year), {})
                )
                if measure in OFFSET_OF and abs(float(offset.get(OFFSET_OF[measure], 0.0))) >= OFFSET_BOUND - 1e-9:
                    note = f"beyond the model: its offset stops at the bound {OFFSET_BOUND:g}" + (
                        " (more assessments than one per episode and a re-assessment on every CIN, CPP "
                        "and LAC episode can carry)"
                        if measure == "assessments"
                        else ""
                    )
                rows.append(
                    {
                        "la_code": la,
                        "year": int(year),
                        "measure": measure,
                        "series": series,
                        "synthetic": int(n),
                        "expected": np.nan if expected is None else round(float(expected), 1),
                        "published": real,
                        "note": note,
                    }
                )
    table = pd.DataFrame(
        rows, columns=["la_code", "year", "measure", "series", "synthetic", "expected", "published", "note"]
    )
    table["relative_difference"] = (table["synthetic"] / table["published"] - 1).round(4)
    table["poisson_z"] = ((table["synthetic"] - table["published"]) / np.sqrt(table["published"])).round(2)
    table["within"] = (
        (table["relative_difference"].abs() <= WITHIN_RELATIVE) | (table["poisson_z"].abs() <= WITHIN_POISSON_SD)
    ) & table["published"].notna()
    return table[
        [
            "la_code",
            "year",
            "measure",
            "series",
            "synthetic",
            "expected",
            "published",
            "relative_difference",
            "poisson_z",
            "within",
            "note",
        ]
    ]

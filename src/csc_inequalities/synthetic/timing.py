"""When things happen in the generator, and the exact probability that they are seen by the end of the period.

Episodes arrive as a stationary process over the configured collection years (1 April of
``first_year - 1`` to 31 March of ``last_year``): a second episode follows the first's closure after a
gap, and the first referrals are spread over the period so that all referrals, first and second,
arrive at a constant expected rate (:func:`first_referral_pmf`: more first referrals early on, where
the second episodes of children first referred before the period would otherwise be missing). Each event of an episode
comes a random number of days after its referral (the lags below, uniform on whole days). What lies
after the period's end is not yet known, exactly as in an LA's latest return: the episode is open,
the event has not happened. The expected counts of the truth therefore carry the probability that an
event is observed, computed here exactly (discrete convolutions over the days of the period, with
the ICPC's move from a weekend to the Monday on the calendar), so the truth stays noise-free and exact.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

# Lags in whole days, inclusive ranges (uniform). The generator draws exactly these.
LAGS = {
    "assessment_start": (0, 10),  # after the referral
    "assessment_auth": (23, 45),  # after the assessment start (> ICPC lag, so that care starts after a CPP)
    "s47_start": (1, 10),  # after the referral
    "icpc": (10, 15),  # after the S47 start, then moved off a weekend
    "plan_after_auth": (1, 10),  # CIN plan start after the authorisation (no CPP in the episode)
    "plan_before_cpp": (0, 10),  # CIN plan start after the referral, ending when the CPP starts
    "plan_length": (60, 120),
    "decom": (5, 60),  # start of care after the authorisation
    "cpp_length": (150, 400),  # after the (unmoved) ICPC date
    "care_length": (150, 480),
    "gap": (14, 180),  # second referral after the first episode's closure
    # A re-assessment (LAs whose published assessments exceed their episodes: totals.py) on CIN, CPP
    # and LAC episodes: after the first assessment's authorisation, completed before the episode can close.
    "reassessment_start": (1, 20),
    "reassessment_auth": (10, 30),
}
# The scale on the durations of a child's last episode that makes the LA's stocks at 31 March follow
# the published ones (generator.solve_duration_scales) stays within these bounds.
DURATION_SCALE_BOUNDS = (0.25, 12.0)
FIRST_EPISODE_LIMIT = 540  # days: the first of two episodes closes at the latest this long after its referral
PATHWAYS = ("assessed_not_cin", "cin", "cpp", "lac")


@dataclasses.dataclass(frozen=True)
class Period:
    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def of_years(cls, first_year: int, last_year: int) -> Period:
        """Collection years ending 31 March: 2014..2018 -> 2013-04-01..2018-03-31."""
        if last_year < first_year:
            raise ValueError(f"last_year {last_year} is before first_year {first_year}")
        return cls(pd.Timestamp(f"{first_year - 1}-04-01"), pd.Timestamp(f"{last_year}-03-31"))

    @property
    def days(self) -> int:
        return int((self.end - self.start).days) + 1


def _uniform(name: str) -> np.ndarray:
    lo, hi = LAGS[name]
    pmf = np.zeros(hi + 1)
    pmf[lo:] = 1.0 / (hi - lo + 1)
    return pmf


def _sum(*names: str) -> np.ndarray:
    pmf = np.ones(1)
    for name in names:
        pmf = np.convolve(pmf, _uniform(name))
    return pmf


def _capped(pmf: np.ndarray, cap: int) -> np.ndarray:
    if len(pmf) <= cap + 1:
        return pmf
    out = pmf[: cap + 1].copy()
    out[cap] += pmf[cap + 1 :].sum()
    return out


def event_lags(lac_cpp_share: float) -> dict[tuple[str, str], tuple[np.ndarray, bool]]:
    """(threshold, pathway) -> (pmf of the event's days after the referral, moved off weekends)."""
    assessment = _uniform("assessment_start")
    plan_after = _sum("assessment_start", "assessment_auth", "plan_after_auth")
    plan_before = _uniform("plan_before_cpp")
    n = max(len(plan_after), len(plan_before))
    pad = lambda p: np.pad(p, (0, n - len(p)))
    lags: dict[tuple[str, str], tuple[np.ndarray, bool]] = {}
    for pathway in PATHWAYS:
        lags[("assessment", pathway)] = (assessment, False)
        lags[("s47", pathway)] = (_uniform("s47_start"), False)
        lags[("icpc", pathway)] = (_sum("s47_start", "icpc"), True)
        lags[("cpp", pathway)] = (_sum("s47_start", "icpc"), True)
        lags[("lac", pathway)] = (_sum("assessment_start", "assessment_auth", "decom"), False)
        lags[("completed", pathway)] = (_sum("assessment_start", "assessment_auth"), False)  # factors recorded
        lags[("reassessed", pathway)] = (
            _sum("assessment_start", "assessment_auth", "reassessment_start", "reassessment_auth"),
            False,
        )
    lags[("cin", "assessed_not_cin")] = (plan_after, False)  # never reached: any lag
    lags[("cin", "cin")] = (plan_after, False)
    lags[("cin", "cpp")] = (plan_before, False)
    lags[("cin", "lac")] = (lac_cpp_share * pad(plan_before) + (1 - lac_cpp_share) * pad(plan_after), False)
    return lags


def max_event_lag() -> int:
    """Days from a referral to its latest event that a yearly measure counts (weekend move included)."""
    return max(len(pmf) - 1 + (2 if moved else 0) for pmf, moved in event_lags(0.5).values())


def closure_lags() -> dict[str, np.ndarray]:
    """Pathway of a first episode -> pmf of its closure's days after the referral (capped at the limit
    that applies to the first of two episodes)."""
    return {
        "nfa": np.ones(1),
        "assessed_not_cin": _capped(_sum("assessment_start", "assessment_auth"), FIRST_EPISODE_LIMIT),
        "cin": _capped(
            _sum("assessment_start", "assessment_auth", "plan_after_auth", "plan_length"), FIRST_EPISODE_LIMIT
        ),
        "cpp": _capped(_sum("s47_start", "icpc", "cpp_length"), FIRST_EPISODE_LIMIT),
        "lac": _capped(_sum("assessment_start", "assessment_auth", "decom", "care_length"), FIRST_EPISODE_LIMIT),
    }


def _observed(pmf_days: np.ndarray, period: Period, moved: bool) -> float:
    """P(a date with this pmf over the period's day index is on or before its last day)."""
    days = np.arange(len(pmf_days))
    if moved:
        weekday = (period.start.day_of_week + days) % 7
        days = days + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    return float(pmf_days[days <= period.days - 1].sum())


@dataclasses.dataclass
class Observation:
    """Probabilities that events are seen by the end of the period (referrals uniform over it).

    ``first[(t, pathway)]``: the threshold event of a first episode; ``second[(t, pathway2, pathway1)]``:
    that of a second episode whose first took ``pathway1`` (``nfa`` included)."""

    first: dict[tuple[str, str], float]
    second: dict[tuple[str, str, str], float]
    second_referral: dict[str, float]


def first_referral_pmf(period: Period, first_pathway_shares: dict[str, float], rereferral_share: float) -> np.ndarray:
    """Distribution of a child's first referral over the period's days such that the expected number
    of referrals per day (first ones, plus the second episodes of a share ``rereferral_share`` of the
    children, following their first's closure by the pathway mix ``first_pathway_shares``) is constant:
    the renewal equation f(t) = c - q sum_s f(s) o(t - s), o the pmf of the second referral's offset."""
    f = first_referral_density(period, first_pathway_shares, rereferral_share, np.ones(period.days))
    return f / f.sum()


def daily_rate(period: Period, referrals_by_year: dict[int, float]) -> np.ndarray:
    """Expected referrals per day: each collection year's count spread evenly over its days."""
    dates = pd.date_range(period.start, period.end, freq="D")
    year = dates.year + (dates.month >= 4)
    missing = sorted(set(year) - set(referrals_by_year))
    if missing:
        raise ValueError(f"no referral count for collection year(s) {missing}")
    per_year = pd.Series(year).map(pd.Series(year).value_counts())
    return pd.Series(year).map(referrals_by_year).to_numpy(dtype=float) / per_year.to_numpy(dtype=float)


def first_referral_density(
    period: Period, first_pathway_shares: dict[str, float], rereferral_share: float, rate: np.ndarray
) -> np.ndarray:
    """Expected first referrals per day f such that first and second referrals together arrive at
    ``rate`` per day (the renewal equation f(t) = rate(t) - q sum_s f(s) o(t - s), f >= 0)."""
    closes = closure_lags()
    width = max(len(p) for p in closes.values())
    close = sum(share * np.pad(closes[p], (0, width - len(closes[p]))) for p, share in first_pathway_shares.items())
    offset = np.convolve(close / close.sum(), _uniform("gap"))
    n = period.days
    f = np.zeros(n)
    for t in range(n):
        lo = max(0, t - len(offset) + 1)
        second = float(f[lo:t] @ offset[t - np.arange(lo, t)]) if t > lo else 0.0  # sum_s f(s) o(t - s)
        f[t] = max(0.0, rate[t] - rereferral_share * second)
    return f


def observation(period: Period, lac_cpp_share: float, referral: np.ndarray | None = None) -> Observation:
    """``referral``: the pmf of the first referral over the period's days (default uniform)."""
    referral = np.full(period.days, 1.0 / period.days) if referral is None else referral
    lags = event_lags(lac_cpp_share)
    closes = closure_lags()
    gap = _uniform("gap")
    first = {key: _observed(np.convolve(referral, pmf), period, moved) for key, (pmf, moved) in lags.items()}
    second, second_referral = {}, {}
    for pathway1, close in closes.items():
        start2 = np.convolve(np.convolve(referral, close), gap)
        second_referral[pathway1] = _observed(start2, period, False)
        for (threshold, pathway2), (pmf, moved) in lags.items():
            second[(threshold, pathway2, pathway1)] = _observed(np.convolve(start2, pmf), period, moved)
    return Observation(first, second, second_referral)


def expected_referrals_per_day(
    period: Period, first_pathway_shares: dict[str, float], rereferral_share: float, first_pmf: np.ndarray
) -> np.ndarray:
    """Expected referrals (first and second) per day of the period, per referred child."""
    closes = closure_lags()
    width = max(len(p) for p in closes.values())
    close = sum(share * np.pad(closes[p], (0, width - len(closes[p]))) for p, share in first_pathway_shares.items())
    offset = np.convolve(close / close.sum(), _uniform("gap"))
    return first_pmf + rereferral_share * np.convolve(first_pmf, offset)[: period.days]


def by_collection_year(period: Period, per_day: np.ndarray) -> dict[int, float]:
    dates = pd.date_range(period.start, period.end, freq="D")
    year = dates.year + (dates.month >= 4)
    return {int(y): float(v) for y, v in pd.Series(per_day).groupby(year).sum().items()}

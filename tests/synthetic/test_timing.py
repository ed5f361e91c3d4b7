"""Timing of the generator's episodes: first referrals that keep all referrals at a constant
expected rate, and the exact probability that an event is seen by the end of the period."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from csc_inequalities.synthetic.generator import next_weekday
from csc_inequalities.synthetic.timing import (
    LAGS,
    Period,
    closure_lags,
    event_lags,
    first_referral_pmf,
    observation,
)

MIX = {"nfa": 0.08, "assessed_not_cin": 0.3, "cin": 0.3, "cpp": 0.2, "lac": 0.12}


def test_period_follows_the_collection_years():
    period = Period.of_years(2016, 2017)
    assert (period.start, period.end, period.days) == (pd.Timestamp("2015-04-01"), pd.Timestamp("2017-03-31"), 731)
    with pytest.raises(ValueError):
        Period.of_years(2018, 2016)


def test_first_referrals_keep_every_referral_at_a_constant_rate():
    period = Period.of_years(2014, 2018)
    f = first_referral_pmf(period, MIX, 0.3)
    assert f.sum() == pytest.approx(1.0) and (f > 0).all()
    # Second referrals: the first's closure (by pathway mix) plus the gap, computed here independently.
    closes = closure_lags()
    width = max(len(c) for c in closes.values())
    close = sum(share * np.pad(closes[p], (0, width - len(closes[p]))) for p, share in MIX.items())
    lo, hi = LAGS["gap"]
    gap = np.r_[np.zeros(lo), np.full(hi - lo + 1, 1 / (hi - lo + 1))]
    rate = f + 0.3 * np.convolve(f, np.convolve(close, gap))[: period.days]
    assert rate.max() / rate.min() == pytest.approx(1.0, abs=1e-9)
    assert f[0] / f[-1] == pytest.approx(1.3, rel=0.01)  # early on, no second episodes yet: more first ones
    assert np.allclose(first_referral_pmf(period, MIX, 0.0), 1 / period.days)


def test_icpc_observation_is_exact_including_the_weekend_move():
    period = Period.of_years(2017, 2017)  # 365 days from Friday 1 April 2016
    seen = observation(period, 0.5).first[("icpc", "cin")]
    s47 = range(LAGS["s47_start"][0], LAGS["s47_start"][1] + 1)
    icpc = range(LAGS["icpc"][0], LAGS["icpc"][1] + 1)
    dates = [
        period.start + pd.Timedelta(days=r + a + b) for r, a, b in itertools.product(range(period.days), s47, icpc)
    ]
    moved = next_weekday(pd.Series(dates))
    assert seen == pytest.approx(float((moved <= period.end).mean()), abs=1e-12)
    assert 0.95 < seen < 0.97


def test_events_later_after_referral_are_seen_less_and_everything_is_seen_in_a_long_period():
    period = Period.of_years(2014, 2018)
    seen = observation(period, 0.5)
    assert seen.first[("assessment", "cin")] > seen.first[("lac", "lac")] > 0.95
    assert seen.second[("assessment", "cin", "lac")] < seen.second[("assessment", "cin", "nfa")]
    assert seen.second_referral["nfa"] > seen.second_referral["lac"]
    lags = event_lags(0.5)
    pmf, moved = lags[("cin", "lac")]
    assert pmf.sum() == pytest.approx(1.0) and not moved


def test_counted_children_reduce_to_the_closed_form_when_every_event_is_seen():
    from pathlib import Path

    from csc_inequalities.synthetic.generator import ICPC_GIVEN, LAC_CPP_SHARE, S47_GIVEN
    from csc_inequalities.synthetic.model import (
        child_probability,
        episode_event_probabilities,
        load_published_targets,
        observed_child_probabilities,
    )
    from csc_inequalities.synthetic.timing import Observation

    targets = load_published_targets(Path(__file__).resolve().parents[2] / "resources" / "lca" / "published")
    k = len(targets.class_shares)
    class_probs = np.random.default_rng(1).dirichlet(np.ones(k), size=4)
    seen = observation(Period.of_years(2014, 2018), LAC_CPP_SHARE)
    everything = Observation(
        {key: 1.0 for key in seen.first}, {key: 1.0 for key in seen.second}, {key: 1.0 for key in seen.second_referral}
    )
    counted = observed_child_probabilities(
        class_probs, targets, 0.08, LAC_CPP_SHARE, S47_GIVEN, ICPC_GIVEN, 0.3, everything
    )
    events = episode_event_probabilities(class_probs, targets, 0.08, LAC_CPP_SHARE, S47_GIVEN, ICPC_GIVEN)
    for threshold in ("assessment", "cin", "s47", "icpc", "cpp", "lac"):
        p_t = events[threshold]
        np.testing.assert_allclose(counted[threshold], child_probability(p_t, p_t, 0.3), rtol=1e-12)
        np.testing.assert_allclose(
            counted[f"{threshold}_by_class"],
            child_probability(events[f"{threshold}_by_class"], p_t[:, None], 0.3),
            rtol=1e-12,
        )
    np.testing.assert_allclose(
        counted["cpp_by_category"],
        child_probability(events["cpp_by_category"], events["cpp"][:, None], 0.3),
        rtol=1e-12,
    )
    censored = observed_child_probabilities(class_probs, targets, 0.08, LAC_CPP_SHARE, S47_GIVEN, ICPC_GIVEN, 0.3, seen)
    assert (censored["lac"] < counted["lac"]).all() and (censored["lac"] > 0.9 * counted["lac"]).all()


def test_repeated_rows_are_computed_once_with_their_own_per_row_inputs():
    """Rows with equal class probabilities but their own NFA share and pathway shares (the
    calibrated process) give what each row gives alone."""
    from pathlib import Path

    from csc_inequalities.synthetic.generator import ICPC_GIVEN, LAC_CPP_SHARE, S47_GIVEN
    from csc_inequalities.synthetic.model import load_published_targets, observed_child_probabilities

    targets = load_published_targets(Path(__file__).resolve().parents[2] / "resources" / "lca" / "published")
    k = len(targets.class_shares)
    rng = np.random.default_rng(2)
    one = rng.dirichlet(np.ones(k), size=1)
    class_probs = np.repeat(one, 3, axis=0)  # equal rows ...
    nfa = np.array([0.05, 0.10, 0.05])  # ... that differ in NFA share
    path = np.repeat(targets.pathways.to_numpy()[None], 3, axis=0).copy()
    path[2] = rng.dirichlet(np.ones(4), size=k)  # ... and pathways
    seen = observation(Period.of_years(2014, 2018), LAC_CPP_SHARE)
    together = observed_child_probabilities(
        class_probs, targets, nfa, LAC_CPP_SHARE, S47_GIVEN, ICPC_GIVEN, 0.3, seen, path=path
    )
    for i in range(3):
        alone = observed_child_probabilities(
            class_probs[[i]], targets, nfa[[i]], LAC_CPP_SHARE, S47_GIVEN, ICPC_GIVEN, 0.3, seen, path=path[[i]]
        )
        for name, values in alone.items():
            np.testing.assert_allclose(together[name][i], values[0], rtol=1e-12, err_msg=name)
    assert together["cpp"][0] != together["cpp"][1] != together["cpp"][2]

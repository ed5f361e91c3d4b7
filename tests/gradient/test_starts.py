"""Moment starting values of the LA SD and NB2 dispersion (issue 13): a known answer for the
starts, and the same fits as from glmmTMB's own starts (estimates and SEs to 1e-4 relative)."""
import numpy as np
import pandas as pd
import pytest

from csc_inequalities.gradient import r_engine
from csc_inequalities.gradient.models import MODELS, formulas, model_frame
from csc_inequalities.gradient.simulate import SimulationParameters, simulate_counts

SAME_FIT = dict(rtol=1e-4, atol=0)


def test_moment_starts_by_hand():
    """Intercept-only Poisson GLM: mu_i = pop_i x sum(y) / sum(pop). LA ratios (sum y + 0.5) /
    (sum mu + 0.5), their log SD, then theta = sum(mu'^2) / sum((y - mu')^2 - mu') with mu' = mu x ratio."""
    frame = pd.DataFrame({"count": [0.0, 3, 9, 1, 4, 12, 2, 0, 30],
                          "population_years": [10.0, 20, 30, 10, 20, 30, 10, 20, 30],
                          "la_code": ["a", "a", "a", "b", "b", "b", "c", "c", "c"]})
    ro = r_engine.r_session()
    starts = ro.r["csc_start_variance"]("count ~ offset(log(population_years))", r_engine.to_r_frame(frame),
                                        "nbinom2", True)
    got = {name: float(value[0]) for name, value in zip(starts.names, starts)}
    y, pop = frame["count"].to_numpy(), frame["population_years"].to_numpy()
    mu = pop * y.sum() / pop.sum()
    la = frame["la_code"].to_numpy()
    ratio = {g: (y[la == g].sum() + 0.5) / (mu[la == g].sum() + 0.5) for g in "abc"}
    sd = np.std(np.log(list(ratio.values())), ddof=1)
    mu2 = mu * np.array([ratio[g] for g in la])
    theta = (mu2 ** 2).sum() / ((y - mu2) ** 2 - mu2).sum()
    assert got["theta"] == pytest.approx(np.log(sd), rel=1e-12)
    assert got["betad"] == pytest.approx(np.log(theta), rel=1e-12)
    # no overdispersion beyond the Poisson: no dispersion start (glmmTMB's own is kept)
    poisson_like = frame.assign(count=mu)
    starts = ro.r["csc_start_variance"]("count ~ offset(log(population_years))", r_engine.to_r_frame(poisson_like),
                                        "nbinom2", False)
    assert list(starts.names or []) == []


@pytest.mark.parametrize("case", ["default", "sparse"])
def test_moment_starts_reach_the_same_fit(case):
    """Default-size table and a sparse one (rate 20x lower, little overdispersion): both models
    converge to the same estimates and SEs from either start, to 1e-4 relative."""
    params = SimulationParameters() if case == "default" else SimulationParameters(
        log_base_rate=np.log(0.0002), theta=50.0, children_per_lsoa=150.0)
    frame, _ = simulate_counts(params, seed=7)
    frame = model_frame(frame.assign(threshold="x", stratum_type="all", stratum_level="all"))
    assert case == "default" or (frame["count"] == 0).mean() > 0.5
    for model, terms in MODELS.items():
        formula, fixed = formulas(terms)
        plain = r_engine.fit_glmmtmb(frame, formula, fixed, "nbinom2")
        started = r_engine.fit_glmmtmb(frame, formula, fixed, "nbinom2", moment_starts=True)
        assert plain["convergence"] == started["convergence"] == 0 and plain["pd_hessian"] and started["pd_hessian"]
        assert plain["term"] == started["term"]
        np.testing.assert_allclose(started["estimate"], plain["estimate"], **SAME_FIT)
        np.testing.assert_allclose(started["se"], plain["se"], **SAME_FIT)
        # The LA SD (not reported) agrees to 1e-4 relative, or both lie at its zero boundary, where
        # the likelihood is flat (the sparse table: 0.0013 from one start, 6e-10 from the other).
        assert (started["re_sd"] == pytest.approx(plain["re_sd"], rel=1e-4)
                or max(started["re_sd"], plain["re_sd"]) < 2e-3)
        # the same maximum, or a higher one (the sparse table: -416.40243 against -416.40276, the
        # default start stopping short of the SD's zero boundary)
        assert started["loglik"] >= plain["loglik"] - 1e-8 * abs(plain["loglik"])
        assert started["loglik"] == pytest.approx(plain["loglik"], rel=1e-5)

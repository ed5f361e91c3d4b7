import numpy as np
import pandas as pd
import pytest

from csc_inequalities.gradient.power import between_la_variance, n_for_power, power_at, simulate_dataset
from csc_inequalities.gradient.scores import gradient_scores, rates_by_income_band


def test_score_recovers_interaction():
    """Counts generated with a known income slope and LA-deprivation interaction."""
    rng = np.random.default_rng(3)
    n_las, per_la = 30, 120
    la = np.repeat(np.arange(n_las), per_la)
    la_mean = rng.uniform(0.05, 0.30, n_las)
    income = np.clip(la_mean[la] + rng.normal(0, 0.08, la.size), 0.001, 0.9)
    pop_years = np.full(la.size, 1500.0)
    frame = pd.DataFrame(
        {
            "la_code": [f"LA{i}" for i in la],
            "lsoa11": np.arange(la.size).astype(str),
            "income_rate_approx": income,
            "population_years": pop_years,
        }
    )
    # LA income share (pp) exactly as score_frame computes it (equal weights here).
    la_pct = 100 * pd.Series(income).groupby(la).mean().to_numpy()
    inc10_c = (100 * income - 100 * income.mean()) / 10
    la_c = la_pct[la] - la_pct.mean()
    b_inc, b_int = np.log(1.6), -0.015
    mu = pop_years * 0.004 * np.exp(b_inc * inc10_c + b_int * inc10_c * la_c + rng.normal(0, 0.1, n_las)[la])
    frame["count"] = rng.poisson(rng.gamma(10, mu / 10))
    result = gradient_scores(frame, "referral", 10.0)
    assert result["converged"]
    rows = {r["la_shift_points"]: r for r in result["rows"]}
    for shift, true in ((0.0, b_inc), (10.0, b_inc + 10 * b_int), (-10.0, b_inc - 10 * b_int)):
        assert abs(rows[shift]["estimate"] - true) / rows[shift]["se"] < 2.5, (shift, rows[shift], true)


def test_one_la_score_is_its_own_gradient():
    """One LA: the score is that LA's income gradient (NB GLM, known slope recovered); the rows at
    other LA deprivation levels say they need >= 2 LAs."""
    from csc_inequalities.gradient.scores import NOT_FITTED_ONE_LA

    rng = np.random.default_rng(4)
    income = rng.uniform(0.02, 0.5, 600)
    frame = pd.DataFrame(
        {
            "la_code": "LA0",
            "lsoa11": np.arange(600).astype(str),
            "income_rate_approx": income,
            "population_years": 1500.0,
        }
    )
    b_inc = np.log(1.7)
    inc10_c = (100 * income - 100 * income.mean()) / 10
    mu = 1500.0 * 0.004 * np.exp(b_inc * inc10_c)
    frame["count"] = rng.poisson(rng.gamma(10, mu / 10))
    result = gradient_scores(frame, "referral", 10.0)
    assert result["converged"]
    own, plus, minus = result["rows"]
    assert own["at"] == "the LA (one LA configured)"
    assert abs(own["estimate"] - b_inc) / own["se"] < 2.5
    assert np.isnan(plus["ratio"]) and plus["status"] == NOT_FITTED_ONE_LA and minus["la_shift_points"] == -10.0


def test_rates_by_income_band_with_disclosure_control():
    table = pd.DataFrame(
        {
            "threshold": "referral",
            "lsoa11": ["a", "b", "c", "d"],
            "income_rate_approx": [0.01, 0.02, 0.3, 0.6],
            "count": [10, 20, 50, 5],
            "population_years": [1000.0, 2000.0, 500.0, 100.0],
        }
    )
    bands = rates_by_income_band(table, [0.0, 0.05, 0.5, 1.0], min_cell=10).set_index("income_band")
    assert bands.loc["5-50%", "rate_per_10000"] == pytest.approx(1e4 * 50 / 500)
    # 5 children: primary suppression; 30 (the smallest other band) would reveal it from the total.
    assert bands.loc["50-100%", "suppressed"] and np.isnan(bands.loc["50-100%", "rate_per_10000"])
    assert bands.loc["0-5%", "suppressed"] and np.isnan(bands.loc["0-5%", "children"])
    assert not bands.loc["5-50%", "suppressed"]


def test_between_la_variance_by_hand():
    panel = pd.DataFrame({"year": [2013] * 4 + [2014], "rereferrals_pct": [20.0, 25.0, 30.0, 15.0, 99.0]})
    out = between_la_variance(panel, "rereferrals_pct", 2013, referrals_per_la=500)
    p = np.array([0.20, 0.25, 0.30, 0.15])
    logits = np.log(p / (1 - p))
    expected = np.var(logits, ddof=1) - np.mean(1 / (500 * p * (1 - p)))
    assert out["between_la_variance"] == pytest.approx(expected)
    assert out["n_las"] == 4 and out["median_pct"] == pytest.approx(22.5)
    with pytest.raises(ValueError, match="no values of 'rereferrals_pct' in year 2000"):
        between_la_variance(panel, "rereferrals_pct", 2000)


def test_simulated_dataset_layout():
    data = simulate_dataset(2800, 0.26, 0.21, 0.2, 536, 3, np.random.default_rng(1))
    assert data["la"].nunique() == 6  # ceil(2800 / 536), as the study's six LAs
    assert (data["success"] + data["failure"]).sum() == 2800


def test_power_null_and_large_effect():
    null = power_at(1500, 40, 0.21, 0.21, 0.1, 536, 3, seed=5)
    assert null["power"] <= 0.2  # nominal 5%; 40 draws
    strong = power_at(3000, 20, 0.40, 0.21, 0.1, 536, 3, seed=6)
    assert strong["power"] >= 0.95


def test_n_for_power_interpolates():
    curve = pd.DataFrame({"n_children": [1000, 2000, 3000], "power": [0.5, 0.7, 0.9]})
    assert n_for_power(curve, 0.8) == pytest.approx(2500)
    assert n_for_power(curve, 0.95) is None

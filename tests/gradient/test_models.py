"""Model recovery and agreement between two implementations (glmmTMB vs lme4::glmer.nb)."""

import numpy as np
import pandas as pd
import pytest

from csc_inequalities.gradient.models import compare_with_truth, effects_frame, fit_gradient, is_converged, model_frame

# Tolerance of the engine-agreement test: both maximise the same Laplace-approximated likelihood,
# so fixed effects must agree to optimiser precision (absolute 2e-3 on the log scale) and SEs within 2%.
AGREE_ABS = 2e-3
AGREE_SE_REL = 0.02


@pytest.fixture(scope="module")
def fitted(simulated):
    frame, truth = simulated
    return fit_gradient(frame, "referral", "all", "all"), frame, truth


def test_recovers_generating_parameters(fitted):
    result, frame, truth = fitted
    assert result["converged"]
    eff = effects_frame([result]).set_index(["model", "term"])
    for term, true in (("lsoa_decile", truth["log_rr_lsoa"]), ("la_decile", truth["log_rr_la"])):
        row = eff.loc[("adjusted", term)]
        assert abs(row["estimate"] - true) / row["se"] < 2.5, (term, row["estimate"], true)
        assert row["rr_low"] < row["rr"] < row["rr_high"]


def test_truth_fit_on_expected_counts_agrees(fitted):
    """The truth (same model on noise-free expected counts) lies within 2.5 SE of the estimate."""
    result, frame, _ = fitted
    expected = frame.assign(count=frame["expected"])
    truth = effects_frame([fit_gradient(expected, "referral", "all", "all")])
    cmp = compare_with_truth(effects_frame([result]), truth)
    assert len(cmp) == 3
    assert cmp["within_max_z"].all(), cmp[["model", "term", "z"]]


def test_glmmtmb_agrees_with_glmer_nb(fitted):
    result, frame, _ = fitted
    other = fit_gradient(frame, "referral", "all", "all", engine="glmer.nb")
    a = result["fits"]["adjusted"]
    b = other["fits"]["adjusted"]
    assert a["term"] == b["term"]
    np.testing.assert_allclose(a["estimate"], b["estimate"], atol=AGREE_ABS)
    np.testing.assert_allclose(a["se"], b["se"], rtol=AGREE_SE_REL)
    assert a["dispersion"] == pytest.approx(b["dispersion"], rel=0.01)


def test_no_events_and_single_la_are_flagged(simulated):
    frame, _ = simulated
    zero = frame.assign(count=0)
    result = fit_gradient(zero, "referral", "all", "all")
    assert not result["converged"]
    assert result["fits"]["adjusted"]["status"] == "no children reached the threshold"


def test_one_la_gives_the_within_la_gradient_and_says_what_needs_two(simulated):
    """One LA: the LSOA gradient is fitted without an LA random intercept and recovers the truth;
    the LA-deprivation effect is 'not fitted', which is not a failure to converge."""
    from csc_inequalities.gradient.models import NOT_FITTED_ONE_LA
    from csc_inequalities.gradient.summary import convergence_table

    frame, truth = simulated
    one_la = frame[frame["la_code"] == frame["la_code"].iloc[0]]
    result = fit_gradient(one_la, "referral", "all", "all")
    adjusted, unadjusted = result["fits"]["adjusted"], result["fits"]["la_unadjusted"]
    assert adjusted["converged"] and adjusted["formula"] == "count ~ lsoa_decile_c + offset(log(population_years))"
    assert adjusted["status"] == "converged (one LA: within-LA model, no LA random intercept)"
    assert not unadjusted["fitted"] and unadjusted["status"] == NOT_FITTED_ONE_LA
    assert result["converged"]  # nothing that could be fitted failed
    eff = effects_frame([result]).set_index(["model", "term"])
    lsoa = eff.loc[("adjusted", "lsoa_decile")]
    assert abs(lsoa["estimate"] - truth["log_rr_lsoa"]) / lsoa["se"] < 2.5
    assert np.isnan(eff.loc[("adjusted", "la_decile"), "rr"])
    assert eff.loc[("la_unadjusted", "la_decile"), "status"] == NOT_FITTED_ONE_LA
    table = convergence_table([result])
    assert table["fitted"].tolist() == [True, False]
    # Compared with the truth, only what was fitted counts.
    expected = one_la.assign(count=one_la["expected"])
    cmp = compare_with_truth(effects_frame([result]), effects_frame([fit_gradient(expected, "referral", "all", "all")]))
    assert cmp[["model", "term"]].values.tolist() == [["adjusted", "lsoa_decile"]]


def test_is_converged_requires_positive_definite_hessian():
    fit = {"ok": True, "convergence": 0, "pd_hessian": True, "se": [0.1, 0.2]}
    assert is_converged(fit)
    assert not is_converged({**fit, "pd_hessian": False})
    assert not is_converged({**fit, "convergence": 1})
    assert not is_converged({**fit, "se": [0.1, float("nan")]})


def test_model_frame_centres_deciles():
    table = pd.DataFrame(
        {
            "count": [1, 2],
            "population_years": [10.0, 0.0],
            "la_code": ["A", "B"],
            "lsoa_decile_least1": [1, 10],
            "la_decile_least1": [10, 1],
        }
    )
    frame = model_frame(table)
    assert len(frame) == 1  # the zero-offset row cannot enter a log offset
    assert frame.loc[0, "lsoa_decile_c"] == -4.5 and frame.loc[0, "la_decile_c"] == 4.5


def test_poisson_counts_without_la_effect_recover_the_gradient():
    """Poisson counts and no LA effect (dispersion and LA variance at their limits): the fit
    converges, either directly or through the limit model, and recovers the gradient."""
    from csc_inequalities.gradient.simulate import SimulationParameters, simulate_counts

    frame, truth = simulate_counts(SimulationParameters(la_sd=0.0, theta=1e7, lsoas_per_la=100), seed=4)
    result = fit_gradient(frame, "referral", "all", "all")
    fit = result["fits"]["adjusted"]
    assert fit["converged"], fit["status"]
    eff = effects_frame([result]).set_index(["model", "term"]).loc[("adjusted", "lsoa_decile")]
    assert abs(eff["estimate"] - truth["log_rr_lsoa"]) / eff["se"] < 2.5


def test_a_fit_on_both_boundaries_is_refitted_as_the_limit_model():
    """A non-converged NB fit whose dispersion and LA SD sit on their limits is replaced by the Poisson
    model without the LA intercept, flagged with both reasons."""
    from csc_inequalities.gradient.models import _boundary_refit
    from csc_inequalities.gradient.simulate import SimulationParameters, simulate_counts

    frame, truth = simulate_counts(SimulationParameters(la_sd=0.0, theta=1e7, lsoas_per_la=100), seed=4)
    first = {
        "ok": True,
        "converged": False,
        "dispersion": 2.5e7,
        "re_sd": 4e-5,
        "convergence": 1,
        "pd_hessian": False,
        "dropped_terms": [],
    }
    refit = _boundary_refit(model_frame(frame), ["lsoa_decile_c", "la_decile_c"], first, "nbinom2")
    assert refit["family"] == "poisson"
    assert "|" not in refit["formula"]  # no (1 | la_code) term
    assert refit["re_sd"] == 0.0
    assert refit["converged"]
    assert refit["boundary"] == (
        "NB dispersion 2.5e+07 (no overdispersion): Poisson limit reported; "
        "LA random-intercept SD 4e-05 (zero): fitted without it"
    )
    lsoa = refit["estimate"][refit["term"].index("lsoa_decile_c")]
    assert abs(lsoa - truth["log_rr_lsoa"]) < 0.02

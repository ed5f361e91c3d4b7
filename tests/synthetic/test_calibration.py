"""The generator's per-threshold gradients, strata and LSOA frailty, and the calibration procedure:
the Python approximation of the truth models against glmmTMB, the solver against its targets, and
recovery of the frailty's dispersion and of the escalation from generated data."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.gradient.models import fit_gradient, fit_model, model_frame
from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
from csc_inequalities.published import PublishedFigures
from csc_inequalities.synthetic import solve as S
from csc_inequalities.synthetic.generator import default_parameters, generate_la, lsoa_frailty
from csc_inequalities.synthetic.model import load_published_targets
from csc_inequalities.synthetic.run import population_cells

ROOT = Path(__file__).resolve().parents[2]
LAS = ["E06000017", "E06000001", "E06000038"]  # Rutland (decile 1), Hartlepool (10), Reading (4)


@pytest.fixture(scope="module")
def setting():
    config = validate_config(
        yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), load_schema(ROOT / "workflow" / "schemas")
    )
    synthetic = dict(config["synthetic"], las=LAS)
    reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
    population = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
    population = population[population["la_code"].isin(LAS)]
    targets = load_published_targets(ROOT / "resources" / "lca" / "published")
    headline = PublishedFigures.load(ROOT / "resources" / "gradient" / "published" / "headline.yaml")
    params = default_parameters(synthetic)
    inputs = S.solver_inputs(synthetic, reference, population, params)
    return dict(
        config=synthetic,
        reference=reference,
        population=population,
        targets=targets,
        headline=headline,
        params=params,
        inputs=inputs,
    )


def expected_table(s, params):
    return S.all_expected(s["inputs"], s["config"], params, s["targets"], s["reference"])


def test_targets_are_read_from_the_published_figures(setting):
    figures = yaml.safe_load(yaml.safe_dump(dict(setting["headline"].figures)))
    headline = PublishedFigures(figures, "headline.yaml")
    by_name = {t.target: t for t in S.published_targets(headline, "final_report_2020")}
    cpp = by_name["cpp: rate ratio per LSOA decile (Figure 18)"]
    assert cpp.published == figures["fr_fig18_cp_plan_odds_per_decile_child_level_deprivation"]["value"] == 1.31
    referral = by_name["referral: rate ratio per LSOA decile"]
    assert np.log(referral.published) == pytest.approx(np.log(1.31) * np.log(1.62) / np.log(1.80))
    figures["fr_fig18_cp_plan_odds_per_decile_child_level_deprivation"]["value"] = 1.5
    changed = {t.target: t for t in S.published_targets(headline, "final_report_2020")}
    assert changed["cpp: rate ratio per LSOA decile (Figure 18)"].published == 1.5
    assert changed["referral: rate ratio per LSOA decile"].published > referral.published
    national = S.published_targets(headline, "summary_2021")
    joint = [t for t in national if t.threshold == "referral" and t.stratum_type == "all"]
    assert len(joint) == 3 and all("jointly unreachable" in t.note for t in joint)


@pytest.mark.parametrize("target_set", ["final_report_2020", "summary_2021"])
def test_a_renamed_published_figure_is_an_error_naming_it(setting, target_set):
    figures = copy.deepcopy(dict(setting["headline"].figures))
    figures["es_social_gradient_cp_plans_renamed"] = figures.pop("es_social_gradient_cp_plans")
    with pytest.raises(KeyError, match="headline.yaml: no published figure 'es_social_gradient_cp_plans'"):
        S.published_targets(PublishedFigures(figures, "headline.yaml"), target_set)
    if target_set == "final_report_2020":
        figures = copy.deepcopy(dict(setting["headline"].figures))
        del figures["fr_fig18_cp_plan_odds_per_decile_la_level_deprivation"]["value"]
        with pytest.raises(KeyError, match="'fr_fig18_cp_plan_odds_per_decile_la_level_deprivation' has no 'value'"):
            S.published_targets(PublishedFigures(figures, "headline.yaml"), target_set)


def test_poisson_la_intercepts_recovers_a_known_model():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(4), 200)
    x = rng.normal(size=(800, 2))
    offset = np.log(rng.uniform(50, 500, 800))
    mu = np.exp(np.array([-3.0, -2.5, -2.0, -3.2])[groups] + x @ np.array([0.3, -0.1]) + offset)
    intercepts, slopes = S.poisson_la_intercepts(mu, offset, groups, x)  # noise-free: exact
    np.testing.assert_allclose(slopes, [0.3, -0.1], atol=1e-8)
    np.testing.assert_allclose(intercepts, [-3.0, -2.5, -2.0, -3.2], atol=1e-8)


@pytest.mark.parametrize("dispersion", [10.0, None], ids=["nb2_fixed_dispersion", "poisson"])
def test_python_approximation_agrees_with_the_glmmtmb_truth_refit(setting, dispersion):
    """The solver's Python fit and glmmTMB on the same model: NB2 with the dispersion held at the
    frailty shape (the truth refits' family) and Poisson (no frailty)."""
    table = expected_table(setting, setting["params"])
    family = "poisson" if dispersion is None else "nbinom2"
    for threshold in ("referral", "cpp"):
        rows = table[(table["threshold"] == threshold) & (table["stratum_type"] == "all")]
        fast = S.decile_effects(rows, dispersion=dispersion)
        r = fit_gradient(rows, threshold, "all", "all", family=family, dispersion=dispersion)
        adjusted = {e["term"]: e["estimate"] for e in r["effects"] if e["model"] == "adjusted"}
        assert r["converged"]
        if dispersion is not None:  # held, not estimated
            assert r["fits"]["adjusted"]["dispersion"] == pytest.approx(dispersion, rel=1e-12)
            assert r["fits"]["adjusted"]["dispersion_fixed"] is True
        assert fast["lsoa_decile"] == pytest.approx(adjusted["lsoa_decile"], abs=2e-4)
        assert fast["la_decile"] == pytest.approx(adjusted["la_decile"], abs=2e-3)
    rows = table[table["stratum_type"] == "all"]
    fast = S.score_effects(rows[rows["threshold"] == "referral"], dispersion=dispersion)
    slow = S.truth_scores(rows, "referral", dispersion=dispersion)
    for key in ("mean", "plus", "minus"):
        assert fast[key] == pytest.approx(slow[key], abs=2e-3)


def _dense_random_intercept(y, offset, groups, x, dispersion=None, log_sd_bounds=(-12.0, 1.5)):
    """The solver's random-intercept fit as it was before the block solve: Newton steps on the
    dense design [x, one-hot(group)] (reference for the Schur-complement version)."""
    from scipy import optimize

    _, g = np.unique(groups, return_inverse=True)
    j, p = int(g.max()) + 1, x.shape[1]
    design = np.zeros((len(y), p + j))
    design[:, :p] = x
    design[np.arange(len(y)), p + g] = 1.0
    state = {"theta": np.r_[np.log(y.sum() / np.exp(offset).sum()), np.zeros(p + j - 1)]}

    def pirls(sd):
        penalty = np.r_[np.zeros(p), np.full(j, 1.0 / sd**2)]
        theta = state["theta"].copy()
        for _ in range(100):
            mu = np.exp(design @ theta + offset)
            _, score, information = S.count_weights(y, mu, dispersion)
            hess = (design * information[:, None]).T @ design + np.diag(penalty)
            step = np.linalg.solve(hess, design.T @ score - penalty * theta)
            theta = theta + step
            if np.max(np.abs(step)) < 1e-11:
                break
        state["theta"] = theta
        return theta, np.exp(design @ theta + offset)

    def negative_laplace(log_sd):
        sd = float(np.exp(log_sd))
        theta, mu = pirls(sd)
        loglik, _, information = S.count_weights(y, mu, dispersion)
        h = np.bincount(g, information, j)
        return -(loglik.sum() - np.sum(theta[p:] ** 2) / (2 * sd**2) - 0.5 * np.sum(np.log1p(sd**2 * h)))

    best = optimize.minimize_scalar(negative_laplace, bounds=log_sd_bounds, method="bounded", options={"xatol": 1e-6})
    theta, _ = pirls(float(np.exp(best.x)))
    return theta[:p], float(np.exp(best.x))


@pytest.mark.parametrize("dispersion", [10.0, None], ids=["nb2_fixed_dispersion", "poisson"])
@pytest.mark.parametrize("la_sd", [0.3, 0.0], ids=["la_sd_0.3", "no_la_variation"])
def test_block_random_intercept_fit_equals_the_dense_fit(dispersion, la_sd):
    """The Schur-complement PIRLS (LA intercepts eliminated, O(n p^2) per step) takes the dense
    Newton steps: same fixed effects to 1e-8, on 40 groups of unequal size with a known
    model (also at a zero LA SD, where the SD goes to its lower bound); the SD to the search tolerance."""
    rng = np.random.default_rng(12)
    sizes = rng.integers(5, 60, 40)
    groups = np.repeat(np.arange(40), sizes)
    n = len(groups)
    decile = rng.integers(1, 11, n) - 5.5
    la_score = (rng.normal(size=40) * 8)[groups]
    x = np.column_stack([np.ones(n), decile, la_score, decile * la_score / 10])
    offset = np.log(rng.uniform(200, 3000, n))
    y = np.exp(x @ np.array([-4.0, 0.25, 0.01, -0.02]) + la_sd * rng.normal(size=40)[groups] + offset)
    fast, fast_sd = S.poisson_random_intercept(y, offset, groups, x, dispersion=dispersion)
    dense, dense_sd = _dense_random_intercept(y, offset, groups, x, dispersion=dispersion)
    np.testing.assert_allclose(fast, dense, rtol=0, atol=1e-8)
    assert fast_sd == pytest.approx(dense_sd, rel=1e-5, abs=1e-8)  # the 1-D search stops at xatol 1e-6 on log SD
    if la_sd == 0.0:  # noise-free and log-linear: the generating slopes exactly
        np.testing.assert_allclose(fast[1:], [0.25, 0.01, -0.02], atol=1e-6)
        assert fast_sd < 1e-3


def test_nb2_truth_weights_lsoas_as_the_nb2_estimates_do():
    """Counts that are not log-linear in the decile (two strata with slopes 0.1 and 0.4): Poisson
    (weights mu) and NB2 with the dispersion fixed at 10 (weights mu / (1 + mu / 10), nearly equal
    for large mu) have different pseudo-true slopes, the offset the estimates showed against the
    Poisson truth; the NB2 solution solves sum x (y - mu) / (1 + mu / 10) = 0, written out here."""
    rng = np.random.default_rng(4)
    decile = np.tile(np.arange(1, 11), 30) - 5.5
    la = np.repeat(np.arange(3), 100)
    offset = np.log(rng.uniform(500, 5000, 300))
    y = np.exp(offset - 4.0 + 0.1 * decile) + np.exp(offset - 5.0 + 0.4 * decile) * (1 + decile / 20) ** 2
    x = np.column_stack([np.ones(300), decile])
    nb2, _ = S.poisson_random_intercept(y, offset, la, x, dispersion=10.0)
    poisson, _ = S.poisson_random_intercept(y, offset, la, x)
    assert nb2[1] - poisson[1] < -0.01, (nb2, poisson)  # large-mu LSOAs (steep stratum) weigh less under NB2
    # Without the LA intercepts: Newton on the module's weights, checked against the hand-written score.
    beta = np.array([np.log(y.sum() / np.exp(offset).sum()), 0.0])
    for _ in range(50):
        _, score, info = S.count_weights(y, np.exp(x @ beta + offset), 10.0)
        beta += np.linalg.solve((x * info[:, None]).T @ x, x.T @ score)
    mu = np.exp(x @ beta + offset)
    np.testing.assert_allclose(x.T @ ((y - mu) / (1 + mu / 10.0)), 0.0, atol=1e-8 * y.sum())
    np.testing.assert_allclose(x.T @ (y - mu) != 0, True)  # not the Poisson solution


def test_escalation_steepens_the_gradient_at_every_threshold_after_referral(setting):
    params = dataclasses.replace(
        setting["params"], escalation_lsoa_log_rr=np.log(1.05), age_lsoa_log_rr={}, ethnicity_lsoa_log_rr={}
    )
    table = expected_table(setting, params)
    slopes = {
        t: S.decile_effects(table[(table["threshold"] == t) & (table["stratum_type"] == "all")])["lsoa_decile"]
        for t in ("referral", "assessment", "cin", "s47", "icpc", "cpp", "lac")
    }
    order = ["referral", "assessment", "cin", "s47", "icpc", "cpp", "lac"]
    assert all(slopes[a] < slopes[b] for a, b in zip(order, order[1:])), slopes
    flat = dataclasses.replace(params, escalation_lsoa_log_rr=0.0)
    table = expected_table(setting, flat)
    ref = S.decile_effects(table[(table["threshold"] == "referral") & (table["stratum_type"] == "all")])["lsoa_decile"]
    lac = S.decile_effects(table[(table["threshold"] == "lac") & (table["stratum_type"] == "all")])["lsoa_decile"]
    assert slopes["lac"] - slopes["referral"] > 0.08  # about 3 steps of log(1.05), less the saturation
    assert abs(lac - ref) < 0.03  # without the escalation only the class tilt remains


def test_strata_gradients_follow_their_parameters_and_gender_has_none(setting):
    params = dataclasses.replace(
        setting["params"],
        ethnicity_lsoa_log_rr={"White": 0.1, "Black": -0.1},
        age_lsoa_log_rr={"under1": 0.05, "16-17": -0.05},
    )
    table = expected_table(setting, params)

    def slope(stratum, level):
        rows = table[
            (table["threshold"] == "referral") & (table["stratum_type"] == stratum) & (table["stratum_level"] == level)
        ]
        return S.decile_effects(rows)["lsoa_decile"]

    assert slope("ethnicity_group", "White") - slope("ethnicity_group", "Black") == pytest.approx(0.2, abs=0.02)
    assert slope("age_group", "under1") - slope("age_group", "16-17") == pytest.approx(0.1, abs=0.02)
    assert slope("gender", "female") == pytest.approx(slope("gender", "male"), abs=0.005)


def test_lsoa_frailty_is_seeded_mean_one_and_shared_by_an_lsoa(setting):
    cells = population_cells(setting["population"], setting["reference"], "E06000001")
    z = lsoa_frailty(cells, 10.0, 7, 0)
    np.testing.assert_array_equal(z, lsoa_frailty(cells, 10.0, 7, 0))
    assert not np.array_equal(z, lsoa_frailty(cells, 10.0, 8, 0))
    per_lsoa = pd.Series(z).groupby(cells["lsoa11"].to_numpy()).agg(["min", "max"])
    assert (per_lsoa["min"] == per_lsoa["max"]).all()
    assert per_lsoa["min"].mean() == pytest.approx(1.0, abs=3 * np.sqrt(0.1 / len(per_lsoa)))
    assert (lsoa_frailty(cells, 0.0, 7, 0) == 1.0).all()


def _referral_counts(s, params, seed):
    """Children per LSOA (the referral threshold) of generated data for the fixture's LAs."""
    rows = []
    for index, la in enumerate(LAS):
        cells = population_cells(s["population"], s["reference"], la)
        decile = int(s["reference"].loc[s["reference"]["la_code"] == la, "la_imd_decile_least1"].iloc[0])
        data = generate_la(la, index, cells, decile, 5, params, s["targets"], 0.0, seed=seed)
        counts = data.children.groupby("lsoa11").size()
        pop = cells.groupby("lsoa11")["population"].sum() * 5
        frame = pd.DataFrame({"count": counts.reindex(pop.index, fill_value=0), "population_years": pop})
        frame["lsoa_decile_least1"] = cells.groupby("lsoa11")["imd_decile_least1"].first()
        frame["la_decile_least1"] = decile
        frame["la_code"] = la
        rows.append(frame.reset_index())
    return pd.concat(rows, ignore_index=True)


def test_fitted_nb2_dispersion_recovers_the_frailty_shape(setting):
    params = dataclasses.replace(setting["params"], base_referral_rate=0.1, lsoa_frailty_shape=10.0)
    frame = model_frame(_referral_counts(setting, params, seed=3))
    fit = fit_model(frame, ["lsoa_decile_c", "la_decile_c"], family="nbinom2")
    assert fit["converged"]
    # About 440 LSOAs: the dispersion's estimate is within a factor of about 1.5 of the truth.
    assert 6.5 < fit["dispersion"] < 16, fit["dispersion"]
    poisson = dataclasses.replace(params, lsoa_frailty_shape=0.0)
    fit0 = fit_model(
        model_frame(_referral_counts(setting, poisson, seed=3)), ["lsoa_decile_c", "la_decile_c"], family="nbinom2"
    )
    assert fit0.get("dispersion", np.inf) > 100 or fit0["family"] == "poisson"


def test_solver_hits_its_targets_and_the_r_truth_agrees(setting):
    s = setting
    chosen = {
        "cpp: rate ratio per LSOA decile (Figure 18)",
        "cpp: rate ratio per LA decile, adjusted (Figure 18)",
        "referral: rate ratio per LSOA decile",
    }
    target_list = [t for t in S.published_targets(s["headline"], "final_report_2020") if t.target in chosen]
    solution = S.solve(
        s["config"], s["reference"], s["population"], s["targets"], target_list, s["params"], max_rounds=2
    )
    published = np.array([t.published for t in target_list])
    np.testing.assert_allclose(np.log(solution.truth / published), 0.0, atol=1e-3)
    # The truth as the workflow computes it (glmmTMB on the expected counts, NB2 with the dispersion
    # fixed at the frailty shape) meets the 5% tolerance.
    from csc_inequalities.gradient.truth import truth_family

    family, dispersion = truth_family(solution.params.lsoa_frailty_shape)
    assert (family, dispersion) == ("nbinom2", 10.0)
    table = expected_table(s, solution.params)
    for t in target_list:
        rows = table[(table["threshold"] == t.threshold) & (table["stratum_type"] == "all")]
        r = fit_gradient(rows, t.threshold, "all", "all", family=family, dispersion=dispersion)
        value = next(e["rr"] for e in r["effects"] if e["model"] == "adjusted" and e["term"] == t.statistic)
        assert abs(np.log(value / t.published)) <= 0.01, (t.target, value)
    # Tables 11 and 14: the deprivation-tilted expected shares are the published ones.
    pooled = S.pooled_pathways(
        S.solver_inputs(s["config"], s["reference"], s["population"], solution.params), solution.params, s["targets"]
    )
    np.testing.assert_allclose(pooled, s["targets"].pathways[S.PATHWAY_COLUMNS].to_numpy(), rtol=1e-3)


def test_calibration_rows_put_published_truth_and_estimate_side_by_side():
    from csc_inequalities.synthetic.calibration import TABLE_COLUMNS, calibration_rows

    published_dir = str(ROOT / "resources" / "lca" / "published")
    targets = load_published_targets(published_dir)
    record = {
        "tolerance": 0.05,
        "targets": [
            {
                "target": "cpp lsoa",
                "source": "FR",
                "published": 1.31,
                "kind": "decile",
                "threshold": "cpp",
                "stratum_type": "all",
                "stratum_level": "all",
                "statistic": "lsoa_decile",
                "note": "",
                "solver_truth": 1.3101,
            },
            {
                "target": "cpp la",
                "source": "FR",
                "published": 0.78,
                "kind": "decile",
                "threshold": "cpp",
                "stratum_type": "all",
                "stratum_level": "all",
                "statistic": "la_decile",
                "note": "",
                "solver_truth": 0.78,
            },
        ],
        "expected_shares": {"table14_pathways": {int(c): row.to_dict() for c, row in targets.pathways.iterrows()}},
    }
    keys = {"threshold": "cpp", "stratum_type": "all", "stratum_level": "all", "model": "adjusted"}
    truth = pd.DataFrame([{**keys, "term": "lsoa_decile", "rr": 1.30}, {**keys, "term": "la_decile", "rr": 0.70}])
    effects = pd.DataFrame(
        [
            {**keys, "term": "lsoa_decile", "rr": 1.28, "rr_low": 1.2, "rr_high": 1.36},
            {**keys, "term": "la_decile", "rr": 0.75, "rr_low": 0.6, "rr_high": 0.9},
        ]
    )
    n = 1000
    episodes = pd.DataFrame(
        {
            "la_code": "E06000017",
            "assessed": True,
            "true_demand_class": np.arange(n) % 7 + 1,
            "rereferral_12m": np.arange(n) % 4 == 0,
            "lac": False,
            "cpp": np.arange(n) % 5 == 0,
            "cin_plan": True,
            "assessed_not_cin": False,
        }
    )
    truth_yaml = {
        "generator": {"las": ["E06000017"], "study_la_of_each_la": {"E06000017": "LA0"}},
        "lca": {
            "class_shares": {"E06000017": {c: float(targets.class_shares.loc[c, "LA0"]) for c in targets.class_names}}
        },
    }
    table = calibration_rows(record, truth, effects, pd.DataFrame(), {}, episodes, truth_yaml, published_dir)
    assert list(table.columns) == TABLE_COLUMNS
    first, second = table.iloc[0], table.iloc[1]
    assert (first["published"], first["truth"], first["estimate"], first["estimate_low"]) == (1.31, 1.30, 1.28, 1.2)
    assert first["within_tolerance"] is True or first["within_tolerance"] == True
    assert second["within_tolerance"] == False
    t11 = table[table["target"].str.startswith("Table 11")]
    assert len(t11) == 7 and (t11["within_tolerance"] == True).all()
    assert t11["estimate"].sum() == pytest.approx(1.0)
    rereferral = table[table["target"].str.startswith("Table 15")].iloc[0]
    assert (
        rereferral["estimate"] == pytest.approx(0.25)
        and pd.isna(rereferral["truth"])
        and rereferral["within_tolerance"] is None
    )
    # 2021 checks (solve.national_checks): the solver's truth, no estimate, the residual when beyond.
    record["checks"] = [
        {"target": "range low", "source": "ES", "published": 1.2, "solver_truth": 1.25, "note": "checked"},
        {"target": "band rate", "source": "ES", "published": 100.0, "solver_truth": 80.0, "note": "checked"},
    ]
    table = calibration_rows(record, truth, effects, pd.DataFrame(), {}, episodes, truth_yaml, published_dir)
    low, band = (table[table["target"] == name].iloc[0] for name in ("range low", "band rate"))
    assert (low["truth"], low["within_tolerance"], pd.isna(low["estimate"])) == (1.25, True, True)
    assert "beyond" not in low["note"]
    assert band["within_tolerance"] == False and "log(truth/published) = -0.223" in band["note"]


def test_per_la_scores_recover_each_las_own_slope():
    """Noise-free counts with a different income slope per LA: each LA's own fit returns exp(slope)
    exactly (Poisson and NB2 alike: the counts are exactly log-linear within an LA); an LA whose LSOAs
    share one income value has no score."""
    rng = np.random.default_rng(3)
    slopes = {"E1": np.log(1.2), "E2": np.log(1.9), "E3": np.log(2.4)}
    rows = []
    for la, slope in slopes.items():
        share = rng.uniform(0.01, 0.5, 40)
        pop = rng.uniform(500, 3000, 40)
        income10 = 100 * share / 10  # the centring only moves the intercept
        rows.append(
            pd.DataFrame(
                {
                    "la_code": la,
                    "income_rate_approx": share,
                    "population_years": pop,
                    "count": pop * np.exp(-4 + slope * income10),
                }
            )
        )
    rows.append(
        pd.DataFrame(
            {
                "la_code": "E4",
                "income_rate_approx": [0.2, 0.2],
                "population_years": [900.0, 800.0],
                "count": [30.0, 20.0],
            }
        )
    )
    table = pd.concat(rows, ignore_index=True).assign(threshold="referral", stratum_type="all")
    for dispersion in (None, 10.0):
        scores = S.per_la_scores(table, dispersion)
        assert list(scores.index) == ["E1", "E2", "E3"]
        np.testing.assert_allclose(scores.to_numpy(), [1.2, 1.9, 2.4], rtol=1e-9)


def test_national_checks_compute_the_band_rates_by_hand():
    """Band rates: 10,000 x expected referrals / child-years in the LSOAs under the published 1% and
    at or above 64%; when no LSOA reaches 64% the top band is as many of the most deprived LSOAs as
    the least deprived band has. Per-LA range rows: the lowest and highest LA score."""
    figures = PublishedFigures.load(ROOT / "resources" / "gradient" / "published" / "headline.yaml")
    table = pd.DataFrame(
        {
            "la_code": ["A"] * 4 + ["B"] * 4,
            "income_rate_approx": [0.005, 0.2, 0.3, 0.61, 0.008, 0.1, 0.4, 0.5],
            "population_years": [1000.0, 2000.0, 1000.0, 500.0, 3000.0, 1000.0, 1000.0, 2000.0],
            "count": [10.0, 50.0, 40.0, 60.0, 33.0, 20.0, 60.0, 250.0],
            "threshold": "referral",
            "stratum_type": "all",
        }
    )
    rows = {r["target"]: r for r in S.national_checks(figures, table)}
    least = rows["referral rate per 10,000, LSOAs under 1% income deprivation"]
    assert least["published"] == 100 and least["solver_truth"] == pytest.approx(1e4 * 43 / 4000)
    most = rows["referral rate per 10,000, most income-deprived LSOAs (key findings)"]
    assert most["published"] == 1370 and most["solver_truth"] == pytest.approx(1e4 * 310 / 2500)  # 0.61 and 0.5
    assert "the 2 most income-deprived LSOAs" in most["note"] and "reaches 61.0% at most" in most["note"]
    assert rows["referral rate per 10,000, most income-deprived LSOAs (findings ('more than'))"]["published"] == 1340
    scores = S.per_la_scores(table)
    assert rows["referral: lowest per-LA score"]["solver_truth"] == scores.min()
    assert rows["referral: highest per-LA score"]["published"] == 2.4
    assert rows["referral: highest per-LA score"]["solver_truth"] == scores.max()


def test_expected_counts_for_the_targets_only_are_the_same_rows(setting):
    """The solver builds expected counts only for its targets' (stratum, threshold) pairs: exactly the
    rows of the full table for those pairs, in the same order, and the same truth."""
    s = setting
    target_list = S.published_targets(s["headline"], "summary_2021")
    only = S.target_strata(target_list)
    assert only == {
        ("all", "referral"),
        ("all", "cpp"),
        ("ethnicity_group", "referral"),
        ("cpp_latest_category", "cpp"),
    }
    full = expected_table(s, s["params"])
    part = S.all_expected(s["inputs"], s["config"], s["params"], s["targets"], s["reference"], only=only)
    wanted = full[[(a, b) in only for a, b in zip(full["stratum_type"], full["threshold"])]].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, wanted)
    np.testing.assert_array_equal(S.truth_values(part, target_list, 10.0), S.truth_values(full, target_list, 10.0))

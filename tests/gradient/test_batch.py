"""Batched model jobs (one R session per threshold) give the same fits as one model per process.

The batch is what a gradient_models_<threshold> job runs (csc_inequalities.gradient.batch.fit_models);
each lone fit runs in its own Python and R process through the documented command line
(python -m csc_inequalities.gradient.batch), reading only its own rows.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csc_inequalities.gradient import batch
from csc_inequalities.gradient.spec import model_batches, model_jobs

ROOT = Path(__file__).resolve().parents[2]
SAME = dict(rtol=1e-8, atol=1e-12)


@pytest.fixture(scope="module")
def tables(simulated, tmp_path_factory):
    """Two thresholds, three strata (all, gender female/male) of the simulated LSOA table: observed
    counts, the generator's expected counts and an LSOA reference, as the workflow writes them."""
    frame, _ = simulated
    rng = np.random.default_rng(5)
    female = rng.binomial(frame["count"].to_numpy(), 0.48)
    cpp = rng.binomial(frame["count"].to_numpy(), 0.1)
    parts = []
    for threshold, stratum, level, count, share in (
        ("referral", "all", "all", frame["count"], 1.0),
        ("referral", "gender", "female", female, 0.48),
        ("referral", "gender", "male", frame["count"] - female, 0.52),
        ("cpp", "all", "all", cpp, 0.1),
    ):
        parts.append(
            frame.assign(
                threshold=threshold,
                stratum_type=stratum,
                stratum_level=level,
                count=count,
                expected=frame["expected"] * share,
                population_years=frame["population_years"] * (1.0 if stratum == "all" else share),
            )
        )
    table = pd.concat(parts, ignore_index=True)
    folder = tmp_path_factory.mktemp("batch")
    paths = {
        "counts": folder / "counts.parquet",
        "expected": folder / "expected.parquet",
        "lsoa_reference": folder / "lsoa_reference.parquet",
    }
    table.drop(columns=["expected"]).to_parquet(paths["counts"])
    table[
        ["la_code", "lsoa11", "stratum_type", "stratum_level", "threshold", "expected", "population_years"]
    ].to_parquet(paths["expected"])
    table.drop_duplicates("lsoa11").rename(
        columns={"lsoa_decile_least1": "imd_decile_least1", "la_decile_least1": "la_imd_decile_least1"}
    )[
        ["lsoa11", "la_code", "imd_decile_least1", "la_imd_decile_least1", "income_rate_approx", "la_imd2015_avg_score"]
    ].to_parquet(paths["lsoa_reference"])
    return {k: str(v) for k, v in paths.items()}, folder


MODELS = [
    {"threshold": t, "stratum": s, "level": l}
    for t, s, l in (
        ("referral", "all", "all"),
        ("referral", "gender", "female"),
        ("referral", "gender", "male"),
        ("cpp", "all", "all"),
    )
]


def lone_fit(
    kind: str, model: dict, inputs: dict, output: Path, level: str | None = None, extra: tuple[str, ...] = ()
) -> dict:
    """One model in its own process, through the documented command line."""
    command = [
        sys.executable,
        "-m",
        "csc_inequalities.gradient.batch",
        kind,
        "--threshold",
        model["threshold"],
        "--stratum",
        model["stratum"],
        "--level",
        level or model["level"],
        "--output",
        str(output),
        "--counts",
        inputs["counts"],
        "--expected",
        inputs["expected"],
        "--lsoa-reference",
        inputs["lsoa_reference"],
        *extra,
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(output.read_text())


def assert_same_fits(batched: dict, alone: dict) -> None:
    assert set(batched["fits"]) == set(alone["fits"]) == {"adjusted", "la_unadjusted"}
    for name, fit in batched["fits"].items():
        other = alone["fits"][name]
        assert fit["term"] == other["term"] and len(fit["estimate"]) >= 2
        np.testing.assert_allclose(fit["estimate"], other["estimate"], **SAME)
        np.testing.assert_allclose(fit["se"], other["se"], **SAME)
        assert (fit["converged"], fit["status"], fit["convergence"], fit["pd_hessian"]) == (
            other["converged"],
            other["status"],
            other["convergence"],
            other["pd_hessian"],
        )
    assert batched["converged"] == alone["converged"]
    assert (batched["n_lsoas"], batched["n_las"], batched["children"]) == (
        alone["n_lsoas"],
        alone["n_las"],
        alone["children"],
    )
    eff_b, eff_a = pd.DataFrame(batched["effects"]), pd.DataFrame(alone["effects"])
    assert len(eff_b) == 3
    np.testing.assert_allclose(
        eff_b[["estimate", "se", "rr", "rr_low", "rr_high"]].to_numpy(float),
        eff_a[["estimate", "se", "rr", "rr_low", "rr_high"]].to_numpy(float),
        **SAME,
    )


def test_batched_estimates_equal_one_model_per_process(tables, tmp_path):
    inputs, _ = tables
    batched = {
        (m["threshold"], m["stratum"], m["level"]): result
        for m, result, _ in batch.fit_models("estimates", MODELS, inputs, engine="glmmTMB")
    }
    assert len(batched) == 4 and all(r["converged"] for r in batched.values())
    # The batch's models are different fits (not one result copied): female and male differ.
    female = batched[("referral", "gender", "female")]["fits"]["adjusted"]["estimate"]
    male = batched[("referral", "gender", "male")]["fits"]["adjusted"]["estimate"]
    assert not np.allclose(female, male, rtol=1e-6)
    for model in (MODELS[1], MODELS[3]):
        alone = lone_fit("estimates", model, inputs, tmp_path / "alone.json")
        assert_same_fits(batched[(model["threshold"], model["stratum"], model["level"])], alone)


def test_batched_truth_equals_one_model_per_process(tables, tmp_path):
    inputs, _ = tables
    models = MODELS[:3]
    # As the workflow's truth rules: NB2 with the dispersion fixed at the generator's frailty shape.
    batched = {
        (m["threshold"], m["stratum"], m["level"]): result
        for m, result, _ in batch.fit_models(
            "truth", models, inputs, engine="glmmTMB", family="nbinom2", dispersion=10.0
        )
    }
    assert all(r["fits"]["adjusted"]["family"] == "nbinom2" for r in batched.values())
    assert all(r["fits"]["adjusted"]["dispersion"] == pytest.approx(10.0) for r in batched.values())
    # The level by its slug as well as by its spelling in the data.
    alone = lone_fit(
        "truth",
        MODELS[2],
        inputs,
        tmp_path / "alone.json",
        level="Male",
        extra=("--family", "nbinom2", "--dispersion", "10"),
    )
    assert_same_fits(batched[("referral", "gender", "male")], alone)
    poisson = next(batch.fit_models("truth", MODELS[2:3], inputs, engine="glmmTMB", family="poisson"))[1]
    assert poisson["fits"]["adjusted"]["family"] == "poisson" and poisson["fits"]["adjusted"]["dispersion"] is None


def test_truth_without_expected_counts_is_empty(tables):
    inputs, _ = tables
    ((model, result, _),) = batch.fit_models("truth", [{"threshold": "lac", "stratum": "all", "level": "all"}], inputs)
    assert result == {"threshold": "lac", "stratum_type": "all", "stratum_level": "all", "effects": [], "fits": {}}


def test_resolve_level_by_spelling_or_slug():
    values = ["Emotional abuse", "Neglect", "Multiple"]
    assert batch.resolve_level(values, "Neglect") == "Neglect"
    assert batch.resolve_level(values, "emotional_abuse") == "Emotional abuse"
    with pytest.raises(SystemExit, match="not one of"):
        batch.resolve_level(values, "physical_abuse")


def test_one_batch_per_threshold_with_every_model_in_it():
    gradient = {
        "model_spec": {"referral": ["all", "gender"], "cpp": ["all", "cpp_latest_category"]},
        "strata": {"gender": ["female", "male"], "cpp_latest_category": ["Neglect", "Emotional abuse"]},
    }
    jobs = model_jobs(gradient)
    batches = model_batches(jobs)
    assert list(batches) == ["referral", "cpp"]
    assert [(m["stratum"], m["slug"], m["level"]) for m in batches["cpp"]] == [
        ("all", "all", "all"),
        ("cpp_latest_category", "neglect", "Neglect"),
        ("cpp_latest_category", "emotional_abuse", "Emotional abuse"),
    ]
    assert batches["cpp"][2]["output"] == "results/gradient/models/cpp/cpp_latest_category/emotional_abuse.json"
    assert (
        model_batches(jobs, folder="truth")["referral"][1]["provenance"]
        == "results/gradient/provenance/truth/referral/gender/female.json"
    )
    assert sum(len(b) for b in batches.values()) == len(jobs) == 6


def test_workflow_fits_each_threshold_in_one_job():
    """Dry run of the default config, every job forced: one estimate and one truth job per
    threshold, each listing all that threshold's model files and provenance records as outputs."""
    from csc_inequalities.config import load_schema, validate_config

    gradient = validate_config({}, load_schema(ROOT / "workflow" / "schemas"))["gradient"]
    batches = model_batches(model_jobs(gradient))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "results/gradient/summary.json",
            "-n",
            "--forceall",
            "--nolock",
            "--cores",
            "1",
            "--configfile",
            "config/config.yaml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    counts = dict(re.findall(r"^(gradient_(?:truth_)?models_\w+)\s+(\d+)$", done.stdout, flags=re.M))
    assert counts == {f"gradient_{kind}models_{t}": "1" for t in batches for kind in ("", "truth_")}
    assert len(counts) == 14 and sum(len(b) for b in batches.values()) == 80
    cpp_job = done.stdout[done.stdout.index("rule gradient_models_cpp:") :]
    outputs = cpp_job[cpp_job.index("output:") : cpp_job.index("\n", cpp_job.index("output:"))]
    assert all(m["output"] in outputs and m["provenance"] in outputs for m in batches["cpp"])


def test_truth_family_follows_the_generator_s_frailty():
    from csc_inequalities.gradient import r_engine
    from csc_inequalities.gradient.truth import truth_family

    assert truth_family(10) == ("nbinom2", 10.0)
    assert truth_family(0.0) == ("poisson", None) and truth_family(None) == ("poisson", None)
    with pytest.raises(
        ValueError, match="a fixed dispersion needs family 'nbinom2' and a positive value, not 'poisson'"
    ):
        r_engine.fit_glmmtmb(pd.DataFrame({"count": [1.0]}), "count ~ 1", "count ~ 1", "poisson", dispersion=10.0)

"""Coverage of the gradient models' 95% CIs over many simulated data sets (not a test).

For each seed: simulate the other strands' tables (episodes, LSOA reference and population,
expected counts; csc_inequalities.gradient.simulate.simulate_episode_inputs), build the count table
with the strand's own code, fit each threshold's model (LSOA decile + LA decile, LA random
intercept; and the LA-only model) and the same model on the expected (noise-free) counts, the
truth. Reports per (threshold, model, term) the share of seeds whose 95% CI covers the truth and
the share within 2.5 SE. Writes validation/results/gradient_coverage.{csv,json}.

    .venv/bin/python validation/gradient_coverage.py --seeds 20
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


_GENERATOR_CACHE: dict = {}


def generator_inputs(seed: int, n_las: int, calibrated: dict | None = None) -> dict:
    """The workflow's own synthetic generator (default config, this seed) as the data source: its
    episode table equals what the readers build from its files (the round-trip check), and its
    expected counts give the truth."""
    import tempfile

    import yaml

    from csc_inequalities.config import load_schema, validate_config
    from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
    from csc_inequalities.synthetic.run import generate_all

    if "reference" not in _GENERATOR_CACHE:
        reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
        _GENERATOR_CACHE["reference"] = reference
        _GENERATOR_CACHE["population"] = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
        _GENERATOR_CACHE["config"] = validate_config(yaml.safe_load((ROOT / "config" / "config.yaml").read_text()),
                                                     load_schema(ROOT / "workflow" / "schemas"))
    synthetic = dict(_GENERATOR_CACHE["config"]["synthetic"], seed=seed)
    synthetic["las"] = synthetic["las"][:n_las]
    reference, population = _GENERATOR_CACHE["reference"], _GENERATOR_CACHE["population"]
    with tempfile.TemporaryDirectory() as tmp:
        result = generate_all(synthetic, reference, population, str(ROOT / "resources" / "lca" / "published"),
                              synthetic["lea_codes"], tmp, bytes(32), calibrated=calibrated)
    covered = reference[reference["la_code"].isin(synthetic["las"])]
    return {"episodes": result["episodes"], "lsoa_reference": covered,
            "lsoa_population": population[population["la_code"].isin(synthetic["las"])],
            "expected_counts": result["expected"][result["expected"]["stratum_type"] == "all"]}


def one_seed(seed: int, thresholds: list[str], source: str = "simulate", n_las: int = 6,
             calibrated: dict | None = None) -> pd.DataFrame:
    from csc_inequalities.gradient.counts import DEFAULT_THRESHOLDS, attach_reference, build_count_table
    from csc_inequalities.gradient.models import compare_with_truth, effects_frame, fit_gradient
    from csc_inequalities.gradient.simulate import SimulationParameters, simulate_episode_inputs

    if source == "generator":
        data = generator_inputs(seed, n_las, calibrated)
    else:
        data = simulate_episode_inputs(SimulationParameters(), seed)
    counts = build_count_table(
        data["episodes"], data["lsoa_reference"], data["lsoa_population"], {"all": ["all"]},
        thresholds={t: DEFAULT_THRESHOLDS[t] for t in thresholds}, years_per_la={la: 5 for la in data["lsoa_reference"]["la_code"].unique()},
    )
    expected = attach_reference(data["expected_counts"], data["lsoa_reference"])
    estimates = effects_frame([fit_gradient(counts, t, "all", "all") for t in thresholds])
    truth = effects_frame([fit_gradient(expected, t, "all", "all", family="poisson") for t in thresholds])
    out = compare_with_truth(estimates, truth)
    out["seed"] = seed
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--thresholds", nargs="+", default=["referral", "assessment", "cpp", "lac"])
    parser.add_argument("--out-dir", default=str(ROOT / "validation" / "results"))
    parser.add_argument("--source", choices=["simulate", "generator"], default="simulate",
                        help="simulate: the strand's own stand-in simulator; generator: the workflow's synthetic generator")
    parser.add_argument("--las", type=int, default=6, help="with --source generator: the first N default LAs")
    parser.add_argument("--calibrated", default=None,
                        help="with --source generator: calibrated_parameters.yaml (the default run's solved parameters)")
    args = parser.parse_args()
    calibrated = None
    if args.calibrated:
        import yaml

        calibrated = yaml.safe_load(Path(args.calibrated).read_text())
    start = time.time()
    frames = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        frames.append(one_seed(seed, args.thresholds, args.source, args.las, calibrated))
        print(f"seed {seed} done ({time.time() - start:.0f} s)", flush=True)
    results = pd.concat(frames, ignore_index=True)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.source == "simulate" else "_generator"
    results.to_csv(out_dir / f"gradient_coverage{suffix}_runs.csv", index=False)
    summary = results.groupby(["threshold", "model", "term"]).agg(
        seeds=("seed", "nunique"), coverage=("ci_covers_truth", "mean"), within_2_5_se=("within_max_z", "mean"),
        mean_z=("z", "mean"), sd_z=("z", "std"), converged=("converged", "mean"),
    ).reset_index()
    summary.to_csv(out_dir / f"gradient_coverage{suffix}.csv", index=False)
    overall = {
        "seeds": args.seeds, "thresholds": args.thresholds,
        "coverage_overall": float(results["ci_covers_truth"].mean()),
        "coverage_min_cell": float(summary["coverage"].min()),
        "within_2_5_se_overall": float(results["within_max_z"].mean()),
        "all_converged_share": float(results["converged"].mean()),
        "target_coverage": 0.85,
        "passes": bool(results["ci_covers_truth"].mean() >= 0.85),
        "seconds": round(time.time() - start, 1),
    }
    overall["source"] = args.source
    (out_dir / f"gradient_coverage{suffix}.json").write_text(json.dumps(overall, indent=1))
    print(summary.to_string(index=False))
    print(json.dumps(overall, indent=1))


if __name__ == "__main__":
    main()

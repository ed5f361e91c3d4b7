"""Benchmark (not a test): the latent class strand's time and peak memory.

1. One 7-class invariant model (one-step, LA as a categorical structural outcome) on a
   15,000-episode sample, with the default number of starts and with a single start run to
   convergence; the default starts also through the former method (one StepMix run per start),
   with the difference of the best log-likelihoods.
2. The whole strand (items, samples, per-LA sweep, invariance test, final model with
   cross-validation, assignment of every episode, tables, recovery) on default data with the
   default config: Snakemake in a temporary run directory holding the repository's LCA rules,
   scripts, package and resources, and the episodes (results/record_level/episodes.parquet and
   results/synthetic/truth.yaml of this repository when they exist, else a planted mixture of the
   default size: 6 LAs x 6,000 assessed episodes). Peak memory is the largest summed resident
   memory of the Snakemake process tree, sampled every 50 ms.

Writes benchmarks/results/lca.json.

    .venv/bin/python benchmarks/lca.py [--cores 2] [--skip-strand | --fit-only]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.lca import model as lcm
from csc_inequalities.lca import simulate

LAS = ["E09000001", "E09000002", "E08000003", "E06000004", "E10000005", "E08000006"]
TARGETS = [
    "results/lca/recovery.json",
    "results/lca/configural_sweep.csv",
    "results/lca/tables/table11.csv",
    "results/lca/assignment_summary.csv",
    "results/lca/tables/table13.csv",
]


def default_lca_config() -> dict:
    config = validate_config(
        yaml.safe_load((ROOT / "config/config.yaml").read_text()), load_schema(ROOT / "workflow/schemas")
    )
    return config["lca"]


def planted_data(n_per_la: int = 6000):
    truth = simulate.default_truth(LAS)
    episodes = simulate.add_covariates(simulate.simulate_episodes(truth, n_per_la, seed=7), seed=8)
    return episodes, truth


def time_one_fit(episodes, cfg: dict) -> dict:
    sample = episodes.groupby("la_code", group_keys=False).head(2500)
    codes = [c[len("factor_") :] for c in sample.columns if c.startswith("factor_")]
    X = sample[[f"factor_{c}" for c in codes]].to_numpy(float)
    groups = sample["la_code"].to_numpy()
    out = {"rows": int(len(X)), "items": len(codes)}
    for label, starts in (("default_starts", cfg["starts"]), ("one_start", 1)):
        settings = lcm.FitSettings(
            seed=cfg["seed"],
            starts=starts,
            screen_iter=cfg["screen_iter"],
            refine=cfg["refine"],
            abs_tol=cfg["abs_tol"],
            max_iter=cfg["max_iter"],
        )
        started = time.perf_counter()
        fit = lcm.fit_invariant(X, groups, 7, settings, items=codes)
        out[f"{label}_s"] = round(time.perf_counter() - started, 2)
        out[f"{label}_starts"] = starts
        out[f"{label}_converged"] = fit.converged
        if label == "default_starts":
            # The former method (one StepMix run per start, refined starts rerun from their
            # seed), timed on the same data: fit_invariant's EM step for step (issue 13).
            _, index = lcm._group_index(groups)
            started = time.perf_counter()
            _, joint_ll, converged, _ = lcm._best_of_starts_stepmix(X, index.reshape(-1, 1), 7, settings, 7 * 7 + 1)
            out["stepmix_reference_s"] = round(time.perf_counter() - started, 2)
            reference_ll = joint_ll - lcm.group_log_likelihood(index)
            out["log_likelihood"] = fit.log_likelihood
            out["stepmix_reference_log_likelihood"] = reference_ll
            out["log_likelihood_relative_difference"] = abs(fit.log_likelihood - reference_ll) / abs(reference_ll)
    return out


def make_run_dir(directory: Path, episodes, truth) -> None:
    """A run directory with only the common and LCA rules (other strands' inputs are given)."""
    for name in ("resources", "report", "src", "envs", "config"):
        os.symlink(ROOT / name, directory / name)
    (directory / "workflow").mkdir()
    for name in ("rules", "scripts", "schemas"):
        os.symlink(ROOT / "workflow" / name, directory / "workflow" / name)
    (directory / "Snakefile").write_text(
        'configfile: "config/config.yaml"\ninclude: "workflow/rules/common.smk"\ninclude: "workflow/rules/lca.smk"\n'
    )
    record = directory / "results" / "record_level"
    record.mkdir(parents=True)
    (directory / "results" / "synthetic").mkdir()
    episodes.to_parquet(record / "episodes.parquet", index=False)
    (directory / "results" / "synthetic" / "truth.yaml").write_text(yaml.safe_dump({"lca": truth}))
    (directory / "results" / "lsoa").mkdir()
    for name in ("lsoa_population.parquet", "lsoa_reference.parquet"):
        shipped = ROOT / "results" / "lsoa" / name
        if shipped.exists():
            shutil.copy(shipped, directory / "results" / "lsoa" / name)
    if not (directory / "results" / "lsoa" / "lsoa_population.parquet").exists():
        population, reference = simulate.simulate_population(sorted(episodes["la_code"].unique()))
        population.to_parquet(directory / "results" / "lsoa" / "lsoa_population.parquet")
        reference.to_parquet(directory / "results" / "lsoa" / "lsoa_reference.parquet")


def run_measured(cmd: list[str], cwd: Path) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [root] + root.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    output = proc.stdout.read()
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_mib": round(peak / 2**20, 1),
        "returncode": proc.returncode,
        "tail": output.splitlines()[-5:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--skip-strand", action="store_true")
    parser.add_argument(
        "--fit-only",
        action="store_true",
        help="time only the one 7-class fit (planted data); update that entry of lca.json, keep the rest",
    )
    args = parser.parse_args()
    cfg = default_lca_config()
    if args.fit_only:
        out = ROOT / "benchmarks/results/lca.json"
        result = json.loads(out.read_text()) if out.exists() else {"benchmark": "lca"}
        episodes, _ = planted_data()
        result["one_7_class_invariant_fit"] = {
            **time_one_fit(episodes, cfg),
            "data": "planted mixture, 6 LAs x 6,000 episodes (2,500 sampled per LA)",
            "load_average": list(os.getloadavg()),
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        out.write_text(json.dumps(result, indent=2))
        print(json.dumps(result["one_7_class_invariant_fit"], indent=2))
        return

    episodes_path = ROOT / "results/record_level/episodes.parquet"
    truth_path = ROOT / "results/synthetic/truth.yaml"
    if episodes_path.exists() and truth_path.exists():
        import pandas as pd

        episodes = pd.read_parquet(episodes_path)
        truth = yaml.safe_load(truth_path.read_text())["lca"]
        data = "results/record_level/episodes.parquet (default synthetic data)"
    else:
        episodes, truth = planted_data()
        episodes = episodes.drop(columns=["true_class"])
        data = "planted mixture (csc_inequalities.lca.simulate), 6 LAs x 6,000 episodes"

    result = {
        "benchmark": "lca",
        "data": data,
        "episodes": int(len(episodes)),
        "config": {
            k: cfg[k]
            for k in (
                "sample_per_la",
                "starts",
                "screen_iter",
                "refine",
                "abs_tol",
                "configural_classes",
                "invariance_classes",
            )
        },
        "one_7_class_invariant_fit": time_one_fit(episodes, cfg),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "numpy": np.__version__},
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if not args.skip_strand:
        with tempfile.TemporaryDirectory(prefix="lca_bench_") as tmp:
            directory = Path(tmp)
            make_run_dir(directory, episodes, truth)
            cmd = [str(ROOT / ".venv/bin/snakemake"), "--nolock", "--cores", str(args.cores), *TARGETS]
            result["whole_strand"] = run_measured(cmd, directory)
            recovery = directory / "results/lca/recovery.json"
            if recovery.exists():
                summary = json.loads(recovery.read_text())
                result["recovery"] = {
                    k: summary[k]
                    for k in (
                        "item_mae",
                        "item_max_error",
                        "share_max_error",
                        "pass_item_mae",
                        "pass_item_max",
                        "pass_share_max_model",
                        "pass_share_max_corrected",
                    )
                }
            fit_table = directory / "results/lca/invariance_fit.csv"
            if fit_table.exists():
                import pandas as pd

                table = pd.read_csv(fit_table)
                chosen = table.loc[table["bic"].idxmin()]
                result["bic_choice"] = f"{chosen['model']} {int(chosen['classes'])}"
    out = ROOT / "benchmarks/results/lca.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

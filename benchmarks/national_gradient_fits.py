"""Benchmark (not a test): time every social gradient fit on a count table, one R session.

Each model (threshold x stratum level) is two NB2 fits, the LA effect adjusted for LSOA deprivation
and unadjusted (csc_inequalities.gradient.models.MODELS); each fit is timed alone (wall and CPU
seconds of this process, R included: rpy2 runs R in-process) with the path it took (retry,
boundary refit) and its estimates. R start-up is timed separately. With --expected and
--lsoa-reference it times the generator's truth refits instead: the same models on the expected
(noise-free) counts, in the truth rules' family (NB2 with the dispersion fixed at the generator's
LSOA frailty shape). Writes a JSON file that
benchmarks/national_run.py --gradient-fits folds into benchmarks/results/national_run.json.

    .venv/bin/python benchmarks/national_gradient_fits.py --counts <run>/results/record_level/gradient_counts.parquet \\
        --configfile config/national.yaml --output benchmarks/results/national_gradient_fits.json [--models cpp/age_group/5-9 ...]
    .venv/bin/python benchmarks/national_gradient_fits.py --counts <run>/results/record_level/gradient_counts.parquet \
        --expected <run>/results/synthetic/expected_counts.parquet --lsoa-reference <run>/results/lsoa/lsoa_reference.parquet \
        --configfile config/national.yaml --output benchmarks/results/national_gradient_truth_fits.json
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.gradient.spec import model_jobs


def timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    value = function(*args, **kwargs)
    return value, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def merge(into: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", required=True)
    parser.add_argument("--configfile", nargs="+", default=["config/config.yaml"])
    parser.add_argument("--models", nargs="*", help="threshold/stratum/level (default: every model of the config)")
    parser.add_argument("--output", required=True)
    parser.add_argument("--expected", help="the generator's expected counts: time the truth refits")
    parser.add_argument("--lsoa-reference", help="with --expected: the LSOA reference table")
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    config: dict = {}
    for path in args.configfile:  # merged as Snakemake merges several config files: recursively
        merge(config, yaml.safe_load(Path(path).read_text()) or {})
    config = validate_config(config, load_schema(ROOT / "workflow" / "schemas"))
    jobs = model_jobs(config["gradient"])
    wanted = [tuple(m.split("/", 2)) for m in args.models] if args.models else None

    from csc_inequalities.gradient import batch, r_engine
    from csc_inequalities.gradient.models import MODELS, fit_model, model_frame
    from csc_inequalities.gradient.truth import canonical_levels, truth_family

    truth = args.expected is not None
    family, dispersion = (
        truth_family(config["synthetic"]["model"]["lsoa_frailty_shape"]) if truth else ("nbinom2", None)
    )

    _, r_wall, r_cpu = timed(r_engine.r_session)
    load = os.getloadavg()
    rows = []
    cache = {}
    for (threshold, stratum, slug), level in jobs.items():
        if (
            wanted is not None
            and (threshold, stratum, slug) not in wanted
            and (threshold, stratum, str(level)) not in wanted
        ):
            continue
        key = stratum if truth else threshold
        if key not in cache:
            cache.clear()
            cache[key] = (
                batch.read_expected(args.expected, args.lsoa_reference, stratum)
                if truth
                else batch.read_counts(args.counts, threshold)
            )
        table = cache[key]
        if truth:
            # As the truth rules do: the expected counts' levels named as the models name them.
            job = {"threshold": threshold, "stratum_type": stratum, "stratum_level": str(level)}
            table = canonical_levels(table, [job])
            table = table[table["threshold"] == threshold]
        subset = table[(table["stratum_type"] == stratum) & (table["stratum_level"].astype(str) == str(level))]
        frame = model_frame(subset)
        for model, terms in MODELS.items():
            fit, wall, cpu = timed(fit_model, frame, terms, family=family, dispersion=dispersion)
            warnings = fit.get("warnings") or []
            rows.append(
                {
                    "threshold": threshold,
                    "stratum": stratum,
                    "level": str(level),
                    "model": model,
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "n_lsoas": int(len(frame)),
                    "children": float(frame["count"].sum()),
                    "status": fit.get("status"),
                    "converged": bool(fit.get("converged")),
                    "retried": any("refitted with BFGS" in w for w in warnings),
                    "boundary": fit.get("boundary") or "",
                    "dispersion": fit.get("dispersion"),
                    "re_sd": fit.get("re_sd"),
                    "loglik": fit.get("loglik"),
                    "term": fit.get("term"),
                    "estimate": fit.get("estimate"),
                    "se": fit.get("se"),
                    "warnings": warnings[:5],
                }
            )
            print(
                json.dumps(
                    {
                        k: rows[-1][k]
                        for k in (
                            "threshold",
                            "stratum",
                            "level",
                            "model",
                            "wall_s",
                            "cpu_s",
                            "status",
                            "retried",
                            "dispersion",
                            "re_sd",
                        )
                    }
                ),
                flush=True,
            )
    walls = [r["wall_s"] for r in rows]
    result = {
        "description": "each gradient fit timed alone in one R session (benchmarks/national_gradient_fits.py)",
        "counts": str(args.expected if truth else args.counts),
        "kind": "truth refits (expected counts)" if truth else "estimates (observed counts)",
        "family": family,
        "dispersion": dispersion,
        "configfile": args.configfile,
        "note": args.note,
        "r_startup": {"wall_s": r_wall, "cpu_s": r_cpu},
        "fits": len(rows),
        "max_wall_s": max(walls) if walls else None,
        "median_wall_s": round(statistics.median(walls), 2) if walls else None,
        "max_cpu_s": max(r["cpu_s"] for r in rows) if rows else None,
        "median_cpu_s": round(statistics.median(r["cpu_s"] for r in rows), 2) if rows else None,
        "total_cpu_s": round(sum(r["cpu_s"] for r in rows), 1),
        "load_average_before": [round(v, 2) for v in load],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "per_fit": rows,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=1, default=float))
    print(json.dumps({k: v for k, v in result.items() if k != "per_fit"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the gradient strand: time per model at the default synthetic size and on a
national-size table (32,850 LSOAs in 150 LAs), the strand's total time from the rules'
provenance records, and peak memory. Writes benchmarks/results/gradient.json.

    .venv/bin/python benchmarks/gradient.py [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_fits(params, seed: int, repeats: int) -> dict:
    from csc_inequalities.gradient.models import MODELS, fit_model, model_frame
    from csc_inequalities.gradient.simulate import simulate_counts

    frame, _ = simulate_counts(params, seed)
    model_data = model_frame(frame)
    out = {"rows": int(len(model_data)), "las": int(model_data["la_code"].nunique())}
    for model, terms in MODELS.items():
        times, statuses = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            fit = fit_model(model_data, terms)
            times.append(time.perf_counter() - start)
            statuses.append(fit["status"])
        out[model] = {"seconds_min": min(times), "seconds_mean": sum(times) / len(times), "status": statuses}
    return out


def strand_time(results_dir: Path) -> dict:
    records = (
        [json.loads(p.read_text()) for p in (results_dir / "gradient" / "provenance").rglob("*.json")]
        if (results_dir / "gradient" / "provenance").exists()
        else []
    )
    by_rule: dict[str, float] = {}
    for rec in records:
        by_rule[rec["rule"]] = by_rule.get(rec["rule"], 0.0) + float(rec.get("seconds", 0.0))
    return {
        "jobs": len(records),
        "total_job_seconds": round(sum(by_rule.values()), 1),
        "seconds_by_rule": {k: round(v, 1) for k, v in sorted(by_rule.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "gradient.json"))
    parser.add_argument(
        "--results-dir",
        default=str(ROOT / "results"),
        help="results/ of a finished run whose provenance records give the strand's total time",
    )
    args = parser.parse_args()

    from csc_inequalities.gradient import r_engine
    from csc_inequalities.gradient.simulate import SimulationParameters

    start = time.perf_counter()
    r_engine.r_session()
    r_start = time.perf_counter() - start
    default = time_fits(SimulationParameters(), seed=1, repeats=args.repeats)
    national = time_fits(SimulationParameters(n_las=150, lsoas_per_la=219), seed=2, repeats=1)
    result = {
        "strand": "gradient",
        "engine": r_engine.r_versions(),
        "r_startup_seconds": round(r_start, 2),
        "default_size": default,
        "national_size": national,
        "target_seconds_per_model_national": 30,
        "strand_rules": {"results_dir": args.results_dir, **strand_time(Path(args.results_dir))},
        # ru_maxrss is in KiB on Linux; it includes the embedded R session.
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average_1min": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "python": platform.python_version(),
        "total_benchmark_seconds": round(time.perf_counter() - start, 1),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

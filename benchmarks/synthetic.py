"""Benchmark of the synthetic generator: LSOA tables + generation of every configured LA.

    .venv/bin/python benchmarks/synthetic.py              # the default six LAs
    .venv/bin/python benchmarks/synthetic.py --las 20     # the first N LAs in code order (national: 152)

Writes benchmarks/results/synthetic[_<N>las].json: seconds per step, children, episodes, XML size and
the peak resident memory of this process (one process, LAs one after another, as the rule runs).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
from csc_inequalities.synthetic.run import generate_all


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--las", type=int, default=None, help="first N LAs in code order instead of the default six")
    args = parser.parse_args()
    config = validate_config(
        yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), load_schema(ROOT / "workflow" / "schemas")
    )
    timings = {}
    start = time.perf_counter()
    reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
    population = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
    timings["lsoa_tables"] = round(time.perf_counter() - start, 1)
    synthetic = dict(config["synthetic"])
    if args.las:
        synthetic["las"] = sorted(reference["la_code"].unique())[: args.las]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = generate_all(
            synthetic,
            reference,
            population,
            str(ROOT / "resources" / "lca" / "published"),
            synthetic["lea_codes"],
            tmp,
            bytes(32),
        )
        timings["generate_and_write"] = round(time.perf_counter() - start, 1)
        xml_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*.xml")) / 1e6
    out = {
        "benchmark": "synthetic generator (lsoa_reference + synthetic_extracts)",
        "las": len(synthetic["las"]),
        "episodes": int(len(result["episodes"])),
        "children": int(result["episodes"]["child_id"].nunique()),
        "xml_mb": round(xml_mb, 1),
        "seconds": timings,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    name = "synthetic" if not args.las else f"synthetic_{args.las}las"
    path = ROOT / "benchmarks" / "results" / f"{name}.json"
    path.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

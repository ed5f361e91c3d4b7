"""Generation time per LA with and without the stocks at 31 March following the panel (issue 12:
episodes open at the period's start and the last episodes' durations solved), measured back to back
in one process: CPU seconds of run.generate_one_la per LA, LAs following their published totals.
``without`` is the generator before the stocks (no burn-in, no duration solve: the same code with
no published stock handed to it), ``with`` the default. Default six LAs (offsets from the run's
calibrated_parameters.yaml, as the synthetic_la jobs do) and a handful of other LAs of national
scale, small to large (offsets solved per LA, the same in both).

    .venv/bin/python benchmarks/synthetic_stock_la_time.py [--results DIR]

Writes benchmarks/results/synthetic_stock_la_time.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
from csc_inequalities.synthetic import totals
from csc_inequalities.synthetic.run import generate_one_la

# Other LAs (national scale): Windsor and Maidenhead, Darlington, Leeds, Birmingham, Kent.
NATIONAL_SAMPLE = ["E06000040", "E06000005", "E08000035", "E08000025", "E10000016"]


from benchmark_record import write_record


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", default=str(ROOT / "results"), help="a run's results/ (panel, calibration)")
    args = parser.parse_args()
    results = Path(args.results)
    config = validate_config(
        yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), load_schema(ROOT / "workflow" / "schemas")
    )
    synthetic = config["synthetic"]
    reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
    population = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
    panel = pd.read_parquet(results / "national" / "panel.parquet", columns=["la_code", "year", *totals.PANEL_SERIES])
    calibrated = yaml.safe_load((results / "synthetic" / "calibrated_parameters.yaml").read_text())
    out = {"default": {"without": {}, "with": {}}, "national_sample": {"without": {}, "with": {}}}
    with tempfile.TemporaryDirectory() as tmp:
        for scale, las, cfg in (
            ("default", synthetic["las"], synthetic),
            ("national_sample", NATIONAL_SAMPLE, dict(synthetic, las=list(synthetic["las"]) + NATIONAL_SAMPLE)),
        ):
            for la in las:
                for label in ("without", "with"):
                    patch = mock.patch.object(totals, "panel_stocks", lambda *a: ()) if label == "without" else None
                    if patch:
                        patch.start()
                    start = time.process_time()
                    generate_one_la(
                        cfg,
                        la,
                        reference,
                        population[population["la_code"] == la],
                        str(ROOT / "resources" / "lca" / "published"),
                        synthetic["lea_codes"].get(la, "999"),
                        tmp,
                        b"k" * 32,
                        panel,
                        calibrated,
                    )
                    out[scale][label][la] = round(time.process_time() - start, 2)
                    if patch:
                        patch.stop()
    for scale in ("default", "national_sample"):
        out[scale]["total_without"] = round(sum(out[scale]["without"].values()), 2)
        out[scale]["total_with"] = round(sum(out[scale]["with"].values()), 2)
    write_record(
        out,
        "synthetic_stock_la_time",
        (
            "CPU seconds of generate_one_la (extracts, episode table, expected counts; national sample: offsets "
            "solved per LA too), one process, LAs one after another, on a 2-core machine shared with other jobs; "
            "without = no published stock handed to the generator (its behaviour before the stocks), with = the default"
        ),
    )


if __name__ == "__main__":
    main()

"""Generation time per LA at default scale with and without the LAs' published totals
(synthetic.referrals_from_panel true, the default, against false, the former default), measured
back to back in one process: CPU seconds of run.generate_one_la per LA (offsets taken from the
run's calibrated_parameters.yaml, as the synthetic_la jobs do).

    .venv/bin/python benchmarks/synthetic_totals_la_time.py

Writes benchmarks/results/synthetic_totals_la_time.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchmark_record import write_record

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
from csc_inequalities.synthetic.run import generate_one_la
from csc_inequalities.synthetic.totals import PANEL_SERIES


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help, not a run
    config = validate_config(
        yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), load_schema(ROOT / "workflow" / "schemas")
    )
    synthetic = config["synthetic"]
    reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
    population = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
    panel = pd.read_parquet(ROOT / "results" / "national" / "panel.parquet", columns=["la_code", "year", *PANEL_SERIES])
    calibrated = yaml.safe_load((ROOT / "results" / "synthetic" / "calibrated_parameters.yaml").read_text())
    out = {"followed": {}, "not_followed": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for la in synthetic["las"]:
            for label, follow in (("not_followed", False), ("followed", True)):
                cfg = dict(synthetic, referrals_from_panel=follow)
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
                    panel if follow else None,
                    calibrated,
                )
                out[label][la] = round(time.process_time() - start, 2)
    write_record(
        out,
        "synthetic_totals_la_time",
        (
            "CPU seconds of generate_one_la (extracts, episode table, expected counts), one process, LAs one after "
            "another, on a 2-core machine shared with other jobs; not_followed = the former default (the model's "
            "constant rate), followed = the LAs' published totals with the calibration's offsets"
        ),
    )


if __name__ == "__main__":
    main()

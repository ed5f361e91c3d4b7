"""Benchmark of the per LA x year offsets that make each LA's totals follow its published counts
(synthetic/totals.py), at a config's scale: what the synthetic_calibration rule does for the panel
totals (with calibration disabled, as config/national.yaml has it, this is all it solves).

    .venv/bin/python benchmarks/synthetic_totals.py --configfile config/national.yaml \
        --panel results/national/panel.parquet

Writes benchmarks/results/synthetic_totals_<run_label>.csv (LA, year, measure, expected, published,
relative difference, offset at its bound) and .json (seconds, seconds per LA, rows reached).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from csc_inequalities.config import load_schema, validate_config
from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
from csc_inequalities.synthetic.generator import calibrated_parameters, cell_rates
from csc_inequalities.synthetic.model import load_published_targets
from csc_inequalities.synthetic.run import (
    la_random_intercepts,
    la_totals_timing,
    panel_settings,
    period_of,
    population_cells,
)
from csc_inequalities.synthetic.totals import (
    MEASURES,
    OFFSET_BOUND,
    OFFSET_OF,
    PANEL_SERIES,
    expected_events,
    panel_totals,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configfile", default="config/config.yaml")
    parser.add_argument("--panel", default="results/national/panel.parquet")
    args = parser.parse_args()
    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    extra = yaml.safe_load((ROOT / args.configfile).read_text())
    for key, value in extra.items():
        base[key] = (
            {**base.get(key, {}), **value} if isinstance(value, dict) and isinstance(base.get(key), dict) else value
        )
    config = validate_config(base, load_schema(ROOT / "workflow" / "schemas"))
    synthetic, label = config["synthetic"], config.get("run_label", "default")
    reference = build_lsoa_reference(ROOT / "resources" / "lsoa")
    population = build_lsoa_population(ROOT / "resources" / "lsoa", reference)
    targets = load_published_targets(ROOT / "resources" / "lca" / "published")
    panel = pd.read_parquet(ROOT / args.panel, columns=["la_code", "year", *PANEL_SERIES])
    params = calibrated_parameters(synthetic, None)
    effects = la_random_intercepts(synthetic, params)
    years = list(range(int(synthetic["first_year"]), int(synthetic["last_year"]) + 1))
    measures, missing = panel_settings(synthetic)
    period = period_of(synthetic)
    rows, seconds = [], []
    start = time.perf_counter()
    for index, la in enumerate(synthetic["las"]):
        t0 = time.perf_counter()
        cells = population_cells(population[population["la_code"] == la], reference, la)
        decile = int(reference.loc[reference["la_code"] == la, "la_imd_decile_least1"].iloc[0])
        totals = panel_totals(panel, la, years, measures, missing)
        timing = la_totals_timing(cells, la, index, decile, effects[la], len(years), params, targets, period, totals)
        rate = cell_rates(cells, params, effects[la], decile)
        w = pd.Series(cells["population"].to_numpy() * rate).groupby(cells["imd_decile_least1"].to_numpy()).sum()
        expected = expected_events(
            timing,
            (w / w.sum()).to_numpy(),
            w.index.to_numpy(float),
            decile,
            params,
            targets,
            index,
            list(dict(totals)),
        )
        seconds.append(time.perf_counter() - t0)
        mine = panel[panel["la_code"] == la].set_index("year")
        for measure, values in expected.items():
            for year, value in zip(timing.years, values, strict=True):
                published = mine[MEASURES[measure]].get(year, np.nan)
                at_bound = measure in OFFSET_OF and abs(timing.offsets[year][OFFSET_OF[measure]]) >= OFFSET_BOUND - 1e-9
                rows.append(
                    {
                        "la_code": la,
                        "year": year,
                        "measure": measure,
                        "expected": round(float(value), 2),
                        "published": published,
                        "relative_difference": round(float(value / published - 1), 5)
                        if published and not np.isnan(published)
                        else np.nan,
                        "offset_at_bound": bool(at_bound),
                    }
                )
    total = time.perf_counter() - start
    table = pd.DataFrame(rows)
    out = ROOT / "benchmarks" / "results" / f"synthetic_totals_{label}"
    table.to_csv(f"{out}.csv", index=False)
    published = table[table["published"].notna() & (table["published"] > 0)]
    reached = published["relative_difference"].abs() <= 0.01
    summary = {
        "config": args.configfile,
        "las": len(synthetic["las"]),
        "years": years,
        "measures": ["referrals", *measures],
        "seconds": round(total, 1),
        "seconds_per_la_median": round(float(np.median(seconds)), 2),
        "seconds_per_la_max": round(float(np.max(seconds)), 2),
        "published_rows": int(len(published)),
        "expected_within_1pct_of_published": int(reached.sum()),
        "rows_beyond_the_model_by_measure": {
            m: int(((~reached) & (published["measure"] == m)).sum()) for m in ["referrals", *measures]
        },
        "note": "noise-free expectation against the published count; a row beyond the model has its offset at the "
        "bound (e.g. more ICPCs than S47s, zero counts, or more assessments than re-assessments can carry)",
        "machine": platform.node(),
        "cpus": __import__("os").cpu_count(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    Path(f"{out}.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()

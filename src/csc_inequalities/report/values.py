"""Headline numbers as files: every figure the README (and the report's prose) states about a run,
collected from the result files that hold it, each with the file and key it came from.

    python -m csc_inequalities.report.values --values results/report/values.json --readme README.md

renders the README's results section (between ``<!-- results:start -->`` and ``<!-- results:end -->``)
from ``report/templates/readme_results.md.j2`` with those values and the committed benchmark of the
default run (``benchmarks/results/default_run.json``), and copies the values to
``docs/results/default_values.json``; ``tests/report/test_values.py`` fails when the committed README
differs from a render of the committed values, so no figure in it can drift from the results.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import jinja2

# value name -> (report section, input key of that section, dotted key in the JSON file, what it is).
# A section or input a run does not register (e.g. the recovery of a run on real extracts) gives
# no value; the template says so.
VALUE_SOURCES: dict[str, tuple[str, str, str, str]] = {
    "table6_cells_published": ("national_correlations", "summary", "cells_published", "Table 6 cells published"),
    "table6_cells_reproducible": (
        "national_correlations",
        "summary",
        "cells_reproducible",
        "Table 6 cells the public files can supply",
    ),
    "table6_cells_matching": (
        "national_correlations",
        "summary",
        "cells_matching",
        "Table 6 cells within tolerance with the published N",
    ),
    "table6_tolerance": ("national_correlations", "summary", "tolerance", "Table 6 tolerance on rho"),
    "episodes": ("childlevel_data", "summary", "episodes", "episodes analysed (suppressed below min_cell)"),
    "las": ("childlevel_data", "summary", "las", "LAs with episodes"),
    "roundtrip_agree": ("childlevel_data", "roundtrip", "agree", "episodes read back equal the generator's"),
    "lca_model": ("lca", "final_model", "model", "latent class model chosen"),
    "lca_classes": ("lca", "final_model", "classes", "number of latent classes chosen"),
    "lca_item_mae": ("lca", "recovery", "item_mae", "item-response probabilities: mean absolute error"),
    "lca_item_max": ("lca", "recovery", "item_max_error", "item-response probabilities: largest error"),
    "lca_share_max_model": ("lca", "recovery", "share_max_error.model", "class shares per LA: largest error (model)"),
    "lca_share_max_corrected": (
        "lca",
        "recovery",
        "share_max_error.ML-corrected, all episodes",
        "class shares per LA: largest error (ML-corrected, all episodes)",
    ),
    "lca_share_max_naive": (
        "lca",
        "recovery",
        "share_max_error.naive modal, all episodes",
        "class shares per LA: largest error (naive modal assignment)",
    ),
    "lca_cv_agreement": ("lca", "cross_validation", "agreement", "second-sample refit: same modal class"),
    "lca_cv_kappa": ("lca", "cross_validation", "kappa", "second-sample refit: Cohen's kappa"),
    "gradient_models": ("gradient", "summary", "models", "multilevel models fitted"),
    "gradient_not_converged": ("gradient", "summary", "models_not_converged", "models that did not converge"),
    "gradient_max_z": ("gradient", "summary", "max_z", "recovery tolerance in SE"),
    "gradient_overall_within": (
        "gradient",
        "summary",
        "overall_within_max_z",
        "unstratified estimates within max_z SE of the truth",
    ),
    "gradient_overall_compared": (
        "gradient",
        "summary",
        "overall_compared",
        "unstratified estimates compared with the truth",
    ),
    "gradient_overall_max_abs_z": (
        "gradient",
        "summary",
        "overall_max_abs_z",
        "largest |z| of an unstratified estimate",
    ),
    "gradient_all_within": ("gradient", "summary", "all_within_max_z", "estimates within max_z SE of the truth"),
    "gradient_all_compared": ("gradient", "summary", "all_compared", "estimates compared with the truth"),
    "gradient_ci_coverage": ("gradient", "summary", "ci_coverage_all", "95% CIs covering the truth"),
    "power_n80": ("gradient", "power_summary", "n_for_80pct_power", "children for 80% power"),
    "power_published_n80": (
        "gradient",
        "power_summary",
        "published_n_for_80pct_power",
        "published children for 80% power",
    ),
    "power_variance_year": ("gradient", "power_summary", "variance.year", "year of the LA re-referral spread"),
    "power_variance_las": ("gradient", "power_summary", "variance.n_las", "LAs in the re-referral spread"),
    "summary_real_published": ("summary", "counts", "real.published", "published numbers re-estimated from real data"),
    "summary_real_compared": ("summary", "counts", "real.compared", "of those, compared (public data available)"),
    "summary_real_matched": ("summary", "counts", "real.matched", "of those, matched within tolerance"),
    "summary_calibration_published": (
        "summary",
        "counts",
        "calibration.published",
        "published numbers shown as synthetic calibration targets",
    ),
    "summary_calibration_compared": ("summary", "counts", "calibration.compared", "calibration targets with a truth"),
    "summary_calibration_matched": (
        "summary",
        "counts",
        "calibration.matched",
        "calibration targets whose truth is within tolerance",
    ),
    "privacy_files_scanned": ("privacy", "check", "files_scanned", "shared files scanned for identifiers"),
    "privacy_passed": ("privacy", "check", "passed", "no identifier or birth date in a shared file"),
}


def value_inputs(sections: dict[str, dict[str, Any]], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The result files the values come from: ``<section>__<key>`` -> path, for the sections and
    inputs this run registers (``extra`` adds inputs of sections that are not report sections)."""
    available = {(name, key): path for name, section in sections.items() for key, path in section["inputs"].items()}
    for name, path in (extra or {}).items():
        section, _, key = name.partition("__")
        available[(section, key)] = path
    return {
        f"{section}__{key}": available[(section, key)]
        for section, key, _, _ in VALUE_SOURCES.values()
        if (section, key) in available
    }


def _lookup(data: Any, dotted: str) -> Any:
    """``a.b`` in nested dicts; keys may themselves hold dots, so the longest key that matches wins."""
    if dotted in data:
        return data[dotted]
    head, _, rest = dotted.partition(".")
    while head not in data:
        if not rest:
            raise KeyError(dotted)
        nxt, _, rest = rest.partition(".")
        head = f"{head}.{nxt}"
    return _lookup(data[head], rest) if rest else data[head]


def collect_values(inputs: dict[str, str]) -> dict[str, dict[str, Any]]:
    """name -> {value, source, key, description} for every value whose file is among ``inputs``.

    A key missing from its file is an error (a renamed key must not turn into a blank in the README)."""
    cache: dict[str, Any] = {}
    out = {}
    for name, (section, key, path_in_file, description) in VALUE_SOURCES.items():
        path = inputs.get(f"{section}__{key}")
        if path is None:
            continue
        if path not in cache:
            cache[path] = json.loads(Path(path).read_text())
        try:
            value = _lookup(cache[path], path_in_file)
        except KeyError:
            raise KeyError(f"{path} has no key {path_in_file!r} (value {name})") from None
        out[name] = {"value": value, "source": str(path), "key": path_in_file, "description": description}
    return out


def _fmt(value: Any, spec: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if spec == "pct":
        return f"{100 * value:.1f}%"
    if spec == "int":
        return f"{int(round(value)):,}"
    if spec:
        return format(value, spec)
    return str(value)


def render_results(values: dict[str, dict[str, Any]], benchmark: dict[str, Any] | None, template: str | Path) -> str:
    """The README's results section from the values (and the default-run benchmark, if any)."""
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["fmt"] = _fmt
    plain = {name: entry["value"] for name, entry in values.items()}
    return env.from_string(Path(template).read_text()).render(v=plain, has=set(plain), benchmark=benchmark or {})


START, END = "<!-- results:start -->", "<!-- results:end -->"
NATIONAL_START, NATIONAL_END = "<!-- national:start -->", "<!-- national:end -->"


def replace_block(text: str, block: str, start: str = START, end: str = END) -> str:
    """``text`` with everything between the two marker comments replaced by ``block``."""
    if text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"the README must hold exactly one {start} and one {end}")
    before, rest = text.split(start)
    _, after = rest.split(end)
    return f"{before}{start}\n{block.rstrip()}\n{end}{after}"


def whole_run(run: dict[str, Any]) -> dict[str, Any]:
    """The record of the last whole national run: ``run`` itself, or its ``previous`` record when
    ``run`` measured stage 1 only (benchmarks/national_run.py --stage1-only keeps the whole run there)."""
    if run.get("stage2_everything_else", {}).get("wall_s") is None and "previous" in run:
        return run["previous"]
    return run


def _generation_and_reading_cpu(cpu: dict[str, float]) -> tuple[float, float]:
    """CPU seconds of generation and of reading + validation, whether the LAs ran one per job or
    batched (synthetic.las_per_job / extracts.las_per_job)."""
    generation = cpu.get("synthetic_la", 0.0) + cpu.get("synthetic_la_batch", 0.0)
    reading = cpu.get("childlevel_la_episodes", 0.0) + cpu.get("childlevel_la_episodes_batch", 0.0)
    return generation, reading


def national_figures(run: dict[str, Any]) -> dict[str, Any]:
    """What the README says about a whole national run, from its benchmark record
    (``benchmarks/results/national_run.json``, written by benchmarks/national_run.py)."""
    cpu = run["cpu_s_by_rule"]
    per_rule = sorted(run["per_rule"], key=lambda r: -r["max_rss_mb"])
    gen, read = _generation_and_reading_cpu(cpu)
    return {
        "las": run["las"],
        "episodes": run["episodes"],
        "cores": run["cores"],
        "memory_gb": run["machine"]["memory_gb"],
        "stage1_min": run["stage1_generation_validation_episodes"]["wall_s"] / 60,
        "stage2_min": run["stage2_everything_else"]["wall_s"] / 60,
        "generation_cpu_min": gen / 60,
        "reading_cpu_min": read / 60,
        "generation_s_per_la": gen / run["las"],
        "reading_s_per_la": read / run["las"],
        "largest_peaks": [(r["rule"], r["max_rss_mb"] / 1000) for r in per_rule[:6]],
        "gradient_model_cpu_min": cpu.get("gradient_model", 0.0) / 60,
        "gradient_model_jobs": next((r["jobs"] for r in run["per_rule"] if r["rule"] == "gradient_model"), 0),
        "gradient_model_max_s": next((r["wall_s_max"] for r in run["per_rule"] if r["rule"] == "gradient_model"), 0),
        "truth_cpu_min": cpu.get("gradient_truth_model", 0.0) / 60,
        "total_cpu_min": sum(cpu.values()) / 60,
        "report_mb": run["report_bytes"] / 1e6,
        "created": run["created"][:10],
    }


# Issue 13's target for the national stage 1 (generation, reading, validation, episodes) on 2 cores.
NATIONAL_STAGE1_TARGET_MIN = 10


def fit_timings(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """Per-fit timings of one benchmarks/national_gradient_fits.py record (each fit timed alone)."""
    if not record:
        return None
    rows = record.get("per_fit") or []
    loads = [v[0] for v in (record.get("load_average_before"), record.get("load_average_after")) if v]
    return {
        "fits": record["fits"],
        "models": record.get("models") or len({(r["threshold"], r["stratum"], r["level"]) for r in rows}),
        "max_wall_s": record["max_wall_s"],
        "median_wall_s": record["median_wall_s"],
        "max_cpu_s": record["max_cpu_s"],
        "median_cpu_s": record["median_cpu_s"],
        "converged": record.get("all_converged", all(r["converged"] for r in rows)),
        "load_min": min(loads) if loads else None,
        "load_max": max(loads) if loads else None,
    }


def stage1_figures(run: dict[str, Any]) -> dict[str, Any] | None:
    """The latest stage-1-only measurement and the per-fit gradient timings, when ``run`` is one."""
    if run.get("stage2_everything_else", {}).get("wall_s") is not None:
        return None
    stage = run["stage1_generation_validation_episodes"]
    gen, read = _generation_and_reading_cpu(run["cpu_s_by_rule"])
    fits = run.get("gradient_fits") or {}
    return {
        "created": run["created"][:10],
        "las": run["las"],
        "episodes": run["episodes"],
        "cores": run["cores"],
        "wall_min": stage["wall_s"] / 60,
        "cpu_s": stage["cpu_s"],
        "cpu_min_per_core": stage["cpu_s"] / 60 / run["cores"],
        "jobs": stage["jobs"],
        "load_min": min(stage["load_before"] + stage["load_after"]),
        "load_max": max(stage["load_before"] + stage["load_after"]),
        # More runnable processes than cores (1-minute load) at either end: not the idle wall time.
        "shared": max(stage["load_before"][0], stage["load_after"][0]) > run["cores"],
        # The national calibration solve switched off by an extra config file for the measurement.
        "calibration_off": any("calibration_off" in str(f) for f in run.get("configfile") or []),
        "target_min": NATIONAL_STAGE1_TARGET_MIN,
        "generation_s_per_la": gen / run["las"],
        "reading_s_per_la": read / run["las"],
        "fits": fits.get("fits"),
        "fit_models": fits.get("models"),
        "fit_max_s": fits.get("max_wall_s"),
        "fit_median_s": fits.get("median_wall_s"),
        "fits_converged": fits.get("all_converged"),
        "demand_fits": fit_timings(run.get("gradient_demand_fits")),
        "truth_fits": fit_timings(run.get("gradient_truth_fits")),
    }


def render_national(run: dict[str, Any], template: str | Path) -> str:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["fmt"] = _fmt
    return env.from_string(Path(template).read_text()).render(n=national_figures(whole_run(run)), s=stage1_figures(run))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m csc_inequalities.report.values",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--values", default="results/report/values.json")
    parser.add_argument("--readme", default="README.md")
    parser.add_argument("--template", default="report/templates/readme_results.md.j2")
    parser.add_argument("--benchmark", default="benchmarks/results/default_run.json")
    parser.add_argument(
        "--committed",
        default="docs/results/default_values.json",
        help="where the values the README is rendered from are kept",
    )
    parser.add_argument(
        "--national",
        default="benchmarks/results/national_run.json",
        help="the national run's record, rendered into the README's national section",
    )
    parser.add_argument("--national-template", default="report/templates/readme_national.md.j2")
    args = parser.parse_args(argv)
    values = json.loads(Path(args.values).read_text())
    benchmark = json.loads(Path(args.benchmark).read_text()) if Path(args.benchmark).exists() else None
    readme = Path(args.readme)
    text = replace_block(readme.read_text(), render_results(values, benchmark, args.template))
    if Path(args.national).exists() and NATIONAL_START in text:
        national = json.loads(Path(args.national).read_text())
        text = replace_block(text, render_national(national, args.national_template), NATIONAL_START, NATIONAL_END)
    readme.write_text(text)
    Path(args.committed).parent.mkdir(parents=True, exist_ok=True)
    Path(args.committed).write_text(json.dumps(values, indent=1, sort_keys=True) + "\n")
    print(f"{args.readme} rendered from {args.values}; values kept in {args.committed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Many gradient models in one process (one R session), and any one of them alone.

The workflow fits the models of one threshold (every stratum type and level) in one job, so R and
glmmTMB start once per threshold instead of once per model (issue 13: starting Python, pandas, R
and glmmTMB took ~6 s per job against ~0.6 s per default-size fit). Every model still gets its own
result file and provenance record, and each is fitted by the same function, on the same rows in
the same order, whether it runs in a batch or alone, so a batched fit equals a fit in its own
process (tests/gradient/test_batch.py).

Run one model alone (e.g. a reviewer auditing "CPP by age 5-9"), from the project root after the
workflow has made its inputs::

    python -m csc_inequalities.gradient.batch estimates --threshold cpp --stratum age_group \\
        --level 5-9 --counts results/record_level/gradient_counts.parquet --output cpp_age_5-9.json

    python -m csc_inequalities.gradient.batch truth --threshold cpp --stratum age_group --level 5-9 \\
        --expected results/synthetic/expected_counts.parquet \\
        --lsoa-reference results/lsoa/lsoa_reference.parquet --family nbinom2 --dispersion 10 \\
        --output cpp_age_5-9_truth.json

``--level`` takes the level as in the data (``5-9``, ``Neglect``) or as its file-name slug
(``neglect``); the output is the same JSON the workflow writes to
results/gradient/{models,truth}/<threshold>/<stratum>/<level>.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

KINDS = ("estimates", "truth")


def read_counts(path: str | Path, threshold: str, stratum: str | None = None, level: str | None = None) -> pd.DataFrame:
    """Rows of the count table for one threshold (and stratum type and level): parquet filters
    read only those rows (at national scale one model's 32,844 of 5.7 million)."""
    filters = [("threshold", "==", threshold)]
    if stratum is not None:
        filters.append(("stratum_type", "==", stratum))
    if level is not None:
        filters.append(("stratum_level", "==", str(level)))
    return pd.read_parquet(path, filters=filters)


def read_expected(expected_path: str | Path, lsoa_reference: pd.DataFrame | str | Path, stratum: str) -> pd.DataFrame:
    """The generator's expected counts of one stratum type with the model's predictors (the
    generator spells thresholds and stratum types as the config does)."""
    from csc_inequalities.gradient.counts import attach_reference

    if not isinstance(lsoa_reference, pd.DataFrame):
        lsoa_reference = pd.read_parquet(lsoa_reference)
    expected = pd.read_parquet(expected_path, filters=[("stratum_type", "==", stratum)])
    return attach_reference(expected, lsoa_reference)


def fit_estimate(
    counts: pd.DataFrame, threshold: str, stratum: str, level: str, engine: str = "glmmTMB"
) -> dict[str, Any]:
    """Both models (LA effect adjusted and unadjusted) of one threshold x stratum level."""
    from csc_inequalities.gradient import r_engine
    from csc_inequalities.gradient.models import fit_gradient

    result = fit_gradient(counts, threshold, stratum, level, engine=engine)
    result["r_versions"] = r_engine.r_versions()
    return result


def fit_truth(
    expected: pd.DataFrame,
    threshold: str,
    stratum: str,
    level: str,
    engine: str = "glmmTMB",
    family: str = "poisson",
    dispersion: float | None = None,
) -> dict[str, Any]:
    """The same model on the generator's expected counts; an empty result when it has none.
    ``family`` nbinom2 with ``dispersion`` (the generator's LSOA frailty shape) held fixed gives the
    NB2 estimator's pseudo-true values on overdispersed data."""
    from csc_inequalities.gradient.models import fit_gradient
    from csc_inequalities.gradient.truth import canonical_levels

    job = {"threshold": threshold, "stratum_type": stratum, "stratum_level": level}
    expected = canonical_levels(expected, [job])
    key = (threshold, stratum, str(level))
    if key not in set(zip(expected["threshold"], expected["stratum_type"], expected["stratum_level"])):
        log.info("no expected counts for %s: no truth for it", key)
        return {"threshold": key[0], "stratum_type": key[1], "stratum_level": key[2], "effects": [], "fits": {}}
    return fit_gradient(expected, *key, engine=engine, family=family, dispersion=dispersion)


def fit_models(
    kind: str,
    models: Iterable[Mapping[str, str]],
    inputs: Mapping[str, str],
    engine: str = "glmmTMB",
    family: str = "poisson",
    dispersion: float | None = None,
) -> Iterator[tuple[Mapping[str, str], dict[str, Any], float]]:
    """Fit each model ({threshold, stratum, level}) in this process; yields (model, result, seconds).

    Estimates read the count table once per threshold; the truth reads the expected counts once
    per stratum type. Each model's rows are those a lone fit reads (same filter, same order).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    cache: dict[tuple[str, str], pd.DataFrame] = {}
    reference = None
    for model in models:
        threshold, stratum, level = model["threshold"], model["stratum"], str(model["level"])
        started = time.perf_counter()
        if kind == "estimates":
            if ("counts", threshold) not in cache:
                cache.clear()
                cache[("counts", threshold)] = read_counts(inputs["counts"], threshold)
            result = fit_estimate(cache[("counts", threshold)], threshold, stratum, level, engine=engine)
        else:
            if ("expected", stratum) not in cache:
                cache.clear()
                if reference is None:
                    reference = pd.read_parquet(inputs["lsoa_reference"])
                cache[("expected", stratum)] = read_expected(inputs["expected"], reference, stratum)
            result = fit_truth(
                cache[("expected", stratum)],
                threshold,
                stratum,
                level,
                engine=engine,
                family=family,
                dispersion=dispersion,
            )
        seconds = time.perf_counter() - started
        log.info(
            "%s %s/%s/%s: %s (%.1f s)",
            kind,
            threshold,
            stratum,
            level,
            {m: f.get("status") for m, f in result["fits"].items()},
            seconds,
        )
        yield model, result, seconds


def write_result(result: Mapping[str, Any], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        json.dump(result, handle, indent=1, default=float)


def resolve_level(values: Iterable[str], level: str) -> str:
    """The stratum level as spelled in the data, given that spelling or its file-name slug."""
    from csc_inequalities.gradient.spec import level_slug

    values = sorted({str(v) for v in values})
    if level in values:
        return level
    matches = [v for v in values if level_slug(v) == level or v.lower() == level.lower()]
    if len(matches) != 1:
        raise SystemExit(f"level {level!r} is not one of {values}")
    return matches[0]


def fit_one(
    kind: str,
    threshold: str,
    stratum: str,
    level: str,
    inputs: Mapping[str, str],
    engine: str = "glmmTMB",
    family: str = "poisson",
    dispersion: float | None = None,
) -> dict[str, Any]:
    """One model alone, reading only its rows: what one job of the batch does for it."""
    if kind == "estimates":
        frame = read_counts(inputs["counts"], threshold, stratum)
        level = resolve_level(frame["stratum_level"], level) if len(frame) else level
        return fit_estimate(
            read_counts(inputs["counts"], threshold, stratum, level), threshold, stratum, level, engine=engine
        )
    expected = read_expected(inputs["expected"], inputs["lsoa_reference"], stratum)
    values = expected.loc[expected["threshold"] == threshold, "stratum_level"]
    level = resolve_level(values, level) if len(values) else level
    return fit_truth(expected, threshold, stratum, level, engine=engine, family=family, dispersion=dispersion)


def main(argv: list[str] | None = None, fit: Callable[..., dict[str, Any]] = fit_one) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m csc_inequalities.gradient.batch",
        description="Fit one social gradient model (both LA-effect models) alone.",
    )
    parser.add_argument(
        "kind", choices=KINDS, help="estimates (observed counts) or truth (generator's expected counts)"
    )
    parser.add_argument("--threshold", required=True)
    parser.add_argument("--stratum", required=True, help="stratum type: all, gender, age_group, ...")
    parser.add_argument("--level", required=True, help="level as in the data or its slug (all for stratum all)")
    parser.add_argument("--counts", default="results/record_level/gradient_counts.parquet")
    parser.add_argument("--expected", default="results/synthetic/expected_counts.parquet")
    parser.add_argument("--lsoa-reference", default="results/lsoa/lsoa_reference.parquet")
    parser.add_argument("--engine", default="glmmTMB", choices=["glmmTMB", "glmer.nb"])
    parser.add_argument(
        "--family",
        default="poisson",
        choices=["poisson", "nbinom2"],
        help="family of the truth refit (estimates always use the NB2 model)",
    )
    parser.add_argument(
        "--dispersion",
        type=float,
        default=None,
        help="truth refit with --family nbinom2: the NB2 dispersion held fixed (the workflow "
        "uses truth.yaml's gradient.lsoa_nbinom2_dispersion)",
    )
    parser.add_argument("--output", required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    inputs = {"counts": args.counts, "expected": args.expected, "lsoa_reference": args.lsoa_reference}
    extra = {"dispersion": args.dispersion} if args.dispersion is not None else {}
    result = fit(
        args.kind, args.threshold, args.stratum, args.level, inputs, engine=args.engine, family=args.family, **extra
    )
    write_result(result, args.output)
    print(f"{args.output}: converged={result.get('converged')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

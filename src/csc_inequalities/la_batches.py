"""Per-LA jobs batched at national scale (issue 13): several LAs per generation or reading job.

At 152 LAs, one job per LA started Python, pandas and the package 304 times (about 2 s each,
against a few seconds of work for most LAs). With ``synthetic.las_per_job`` /
``extracts.las_per_job`` above 1 the workflow runs one job per batch instead, each writing every
file of each of its LAs exactly as the per-LA job would (one output file per LA, same names, same
random streams: LA *i* of ``synthetic.las`` always draws from ``default_rng([seed, i])``).

LAs are dealt round-robin (batch j holds LAs j, j + B, j + 2B, ... of B batches), so the large
county councils at the end of the list are spread over the batches instead of filling the last ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def la_batches(las: Sequence[str], per_job: int) -> dict[str, list[str]]:
    """{batch name: [LA codes]}: ceil(len(las) / per_job) batches of at most ``per_job`` LAs, dealt
    round-robin in the order given; names are zero-padded batch numbers ("01", "02", ...)."""
    if per_job < 1:
        raise ValueError(f"LAs per job must be at least 1, not {per_job}")
    if len(set(las)) != len(las):
        raise ValueError("an LA is listed twice: " + ", ".join(sorted({la for la in las if list(las).count(la) > 1})))
    n_batches = math.ceil(len(las) / per_job)
    width = max(2, len(str(n_batches)))
    return {f"{j + 1:0{width}d}": list(las[j::n_batches]) for j in range(n_batches)}


def synthetic_la_outputs(la_code: str, years: Sequence[int]) -> dict[str, object]:
    """The files one LA's generation writes, by the output names of rule synthetic_la."""
    return {
        "cin_census": [f"local/synthetic/extracts/{la_code}/cin_census_{year}.xml" for year in years],
        "ssda903": f"local/synthetic/extracts/{la_code}/ssda903_episodes.csv",
        "child_lsoa": f"local/synthetic/extracts/{la_code}/child_lsoa.csv",
        "episodes": f"results/record_level/synthetic/{la_code}_generator_episodes.parquet",
        "expected": f"results/synthetic/la/{la_code}_expected_counts.parquet",
        "summary": f"results/synthetic/la/{la_code}_summary.json",
        "provenance": f"results/synthetic/provenance/synthetic_la_{la_code}.json",
    }


def childlevel_la_outputs(la_code: str, validation_dir: str) -> dict[str, str]:
    """The files one LA's reading writes, by the output names of rule childlevel_la_episodes."""
    return {
        "episodes": f"results/record_level/la/{la_code}.parquet",
        "counts": f"results/childlevel/validation/{la_code}.csv",
        "findings": f"{validation_dir.rstrip('/')}/{la_code}_findings.csv",
        "identifiers": f"{validation_dir.rstrip('/')}/{la_code}_identifiers.json",
        "provenance": f"results/childlevel/provenance/childlevel_la_episodes_{la_code}.json",
        "yearly_counts": f"results/childlevel/yearly_counts/{la_code}.csv",
        "quality": f"results/childlevel/quality/{la_code}.csv",
    }


def batch_outputs(outputs: Mapping[str, Mapping[str, object]]) -> dict[str, list[str]]:
    """A batch rule's named outputs: {name: every LA's file(s) of that name}, from {la: outputs}."""
    names = list(next(iter(outputs.values())))
    result: dict[str, list[str]] = {}
    for name in names:
        result[name] = []
        for files in outputs.values():
            value = files[name]
            result[name].extend(value if isinstance(value, list) else [value])
    return result

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
from typing import Sequence


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

"""The gradient strand's job spec from the config (used by workflow/rules/gradient.smk): one model
job per (threshold, stratum, level), levels named by file-name-safe slugs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def level_slug(value: object) -> str:
    """File-name-safe identifier of a stratum level ('Emotional abuse' -> 'emotional_abuse')."""
    text = str(value).strip().lower()
    return re.sub(r"[^a-z0-9\-]+", "_", text).strip("_")


def stratum_levels(gradient: Mapping[str, Any], stratum: str) -> dict[str, str]:
    """Levels of a stratum type as {slug: value in the data}."""
    if stratum == "all":
        return {"all": "all"}
    return {level_slug(v): str(v) for v in gradient["strata"][stratum]}


def model_jobs(gradient: Mapping[str, Any]) -> dict[tuple[str, str, str], str]:
    return {
        (threshold, stratum, slug): value
        for threshold, strata in gradient["model_spec"].items()
        for stratum in strata
        for slug, value in stratum_levels(gradient, stratum).items()
    }


def strata_in_spec(gradient: Mapping[str, Any]) -> list[str]:
    return sorted({s for strata in gradient["model_spec"].values() for s in strata if s != "all"})


def model_files(jobs: Mapping[tuple[str, str, str], str], folder: str = "models") -> list[str]:
    """Per-model result files: results/gradient/<folder>/<threshold>/<stratum>/<level>.json."""
    return [f"results/gradient/{folder}/{t}/{s}/{l}.json" for (t, s, l) in jobs]


def model_batches(jobs: Mapping[tuple[str, str, str], str], folder: str = "models") -> dict[str, list[dict[str, str]]]:
    """The models grouped into one batch job per threshold (one R session each), in spec order:
    {threshold: [{threshold, stratum, slug, level, output, provenance}, ...]}. Each model keeps
    its own result file (results/gradient/<folder>/...) and provenance record
    (results/gradient/provenance/<folder>/...)."""
    batches: dict[str, list[dict[str, str]]] = {}
    for (threshold, stratum, slug), level in jobs.items():
        batches.setdefault(threshold, []).append(
            {
                "threshold": threshold,
                "stratum": stratum,
                "slug": slug,
                "level": str(level),
                "output": f"results/gradient/{folder}/{threshold}/{stratum}/{slug}.json",
                "provenance": f"results/gradient/provenance/{folder}/{threshold}/{stratum}/{slug}.json",
            }
        )
    return batches

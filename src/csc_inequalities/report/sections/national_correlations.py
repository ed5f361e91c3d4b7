"""Report section: Table 6 reproduced and compared with the published values, the consistent
associations (METHODS §A.4) and the correlelograms (§A.5), from the correlation rules' files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd


def stars(p: float) -> str:
    if pd.isna(p):
        return ""
    return "**" if p < 0.01 else "*" if p < 0.05 else ""


def table6_wide(table6: pd.DataFrame) -> pd.DataFrame:
    """Table 6 laid out as printed: one row per indicator, rho with stars per year, then N."""
    frame = table6.copy()
    frame["cell"] = frame.apply(lambda r: f"{r['rho']:.3f}{stars(r['p'])}", axis=1)
    order = list(dict.fromkeys(frame["indicator"]))
    rho = frame.pivot(index="indicator", columns="year", values="cell").reindex(order)
    n = frame.pivot(index="indicator", columns="year", values="n").reindex(order).astype("Int64")
    rho.columns = [f"rho {c}" for c in rho.columns]
    n.columns = [f"N {c}" for c in n.columns]
    return rho.join(n).reset_index()


def _integers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Counts read back from CSV with gaps come as floats; show them as integers."""
    for col in columns:
        frame[col] = frame[col].astype("Int64")
    return frame


def definition_parts(definition: str) -> dict[str, str]:
    """'name: label; numerator n; denominator d; population p' -> its parts (see _definition)."""
    parts = {"series": "", "numerator": "", "denominator": "", "population": ""}
    for i, part in enumerate(str(definition or "").split("; ")):
        key, _, rest = part.partition(" ")
        if i == 0:
            parts["series"] = part
        elif key in parts:
            parts[key] = rest
    return parts


def table6_rows(largest_diff: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """Table 6 row by row, for people: the study's label, the definition used, how close it comes,
    the unstated choices it rests on and why any cell does not match."""
    frame = largest_diff
    parts = [definition_parts(d) for d in frame["definition"].fillna("")]
    return pd.DataFrame(
        {
            "Study's row": frame["indicator"],
            "Series used": [p["series"] for p in parts],
            "Numerator / denominator": [
                f"{p['numerator']} / {p['denominator']}" if p["numerator"] else "" for p in parts
            ],
            "Population": ["by year, as above" if p["population"] else "–" for p in parts],
            f"Cells within {tolerance} with the published N": [
                f"{m} of {r}" + (f" ({p - r} without public data)" if p > r else "")
                for m, r, p in zip(frame["years_matching"], frame["years_reproduced"], frame["years_published"])
            ],
            "Largest |Δρ| (year)": [
                "" if pd.isna(d) else f"{d:.4f} ({int(y)})" for d, y in zip(frame["max_abs_diff"], frame["year_of_max"])
            ],
            "N equal": [f"{n} of {r}" for n, r in zip(frame["n_equal_years"], frame["years_reproduced"])],
            "Choice inferred from the fit": frame["inferred"].astype(object).fillna(""),
            "Cells not reproduced, and why": frame["not_matching"].astype(object).fillna(""),
        }
    )


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    cfg = config["national_analysis"]
    dictionary = pd.read_csv(inputs["dictionary"])
    labels = dict(zip(dictionary["indicator"], dictionary["label"]))
    comparison = _integers(pd.read_csv(inputs["comparison"]), ["n_published", "n_reproduced"])
    comparison_primary = comparison[comparison["primary"]].drop(columns=["primary"])
    alternatives = comparison[~comparison["primary"]].drop(columns=["primary"])
    # For rows with competing definitions: which one is nearest the published value, each year.
    multi = comparison.groupby("indicator")["source_indicator"].transform("nunique") > 1
    closest = comparison[multi & comparison["closest"]][
        [
            "indicator",
            "year",
            "source_indicator",
            "rho_published",
            "rho_reproduced",
            "diff",
            "n_published",
            "n_reproduced",
        ]
    ]
    edges = pd.read_csv(inputs["edges"])
    edge_table = pd.DataFrame(
        {
            "indicator_a": edges["indicator_a"].map(labels).fillna(edges["indicator_a"]),
            "indicator_b": edges["indicator_b"].map(labels).fillna(edges["indicator_b"]),
            "sign": edges["sign"].map({1: "+", -1: "−"}),
            "mean_rho_recent": edges["mean_rho_recent"],
            "route": edges["route"],
            "earlier_years_checked": edges["earlier_years_checked"],
        }
    ).sort_values(["route", "indicator_a", "indicator_b"])
    assessment = pd.read_csv(inputs["assessment"])
    routes = edges["route"].value_counts().to_dict()
    # Pairs that cannot pass by construction: a recent year missing and no earlier years (e.g.
    # workforce series, which start in September 2015 = year 2016).
    recent = cfg["consistency"]["recent_years"]
    no_route = assessment[
        (assessment["recent_years_present"] < len(recent))
        & assessment["earlier_years_checked"].isna()
        & (assessment["recent_years_present"] > 0)
    ]
    late = sorted(set(no_route["indicator_a"]) | set(no_route["indicator_b"]))
    late_counts = {i: int(((no_route["indicator_a"] == i) | (no_route["indicator_b"] == i)).sum()) for i in late}
    late_indicators = [
        labels.get(i, i) for i, c in late_counts.items() if c >= max(late_counts.values(), default=0) / 2
    ]
    themes = [
        {"key": f"theme__{name}", "provenance_key": f"theme__{name}_provenance"}  # caption: report/captions
        for name in cfg["themes"]
    ]
    tolerance = cfg["table6"]["tolerance"]
    largest_diff = _integers(pd.read_csv(inputs["largest_diff"]), ["year_of_max"])
    inferred = pd.read_csv(inputs["inferred"])
    return {
        "table6_wide": table6_wide(pd.read_csv(inputs["table6"])),
        "table6_summary": json.loads(Path(inputs["summary"]).read_text()),
        "table6_rows": table6_rows(largest_diff, tolerance),
        "inferred": inferred[
            [
                "choice",
                "la_name",
                "la_code",
                "year",
                "action",
                "value_before",
                "value_used",
                "value_low",
                "value_high",
                "reason",
            ]
        ],
        "comparison_primary": comparison_primary,
        "alternatives": alternatives,
        "closest": closest,
        "largest_diff": largest_diff,
        "edge_table": edge_table,
        "n_pairs": len(assessment),
        "n_edges": len(edges),
        "routes": routes,
        "n_no_route": len(no_route),
        "late_indicators": late_indicators,
        "themes": themes,
        "consistency": cfg["consistency"],
        "tolerance": tolerance,
        "imd_indicator": cfg["imd_indicator"],
    }

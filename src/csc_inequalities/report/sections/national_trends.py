"""Report section: national trends (final report 3.1.1, Figures 2–4), from the trends rules' files."""

from __future__ import annotations

from typing import Any

import pandas as pd

from csc_inequalities.report.sections.gradient import provenance_params


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    cfg = config["national_analysis"]
    labels = {
        s["indicator"]: s.get("label") or s["indicator"]
        for figure in cfg["trends"]["figures"].values()
        for s in figure["series"]
    }
    figures = []
    for name, figure in cfg["trends"]["figures"].items():
        for view, (first, last) in cfg["trends"]["views"].items():
            key = f"figure__{name}__{view}"
            figures.append(
                {
                    "key": key,
                    "view": view,
                    "title": figure["title"],
                    "first": first,
                    "last": last,
                }
            )
    series = pd.read_csv(inputs["series"])
    computed_as = series.drop_duplicates("indicator").set_index("indicator")["computed_as"]
    fits = pd.read_csv(inputs["fits"])
    fits.insert(1, "series", fits["indicator"].map(labels).fillna(fits["indicator"]))
    fits["computed_as"] = fits["indicator"].map(computed_as)
    fit_table = fits[
        [
            "view",
            "series",
            "indicator",
            "first_year",
            "last_year",
            "n_years",
            "first_value",
            "last_value",
            "slope",
            "r2",
            "computed_as",
        ]
    ]
    wide = series.pivot(index="indicator", columns="year", values="value")
    wide.columns = [str(c) for c in wide.columns]
    wide.insert(0, "series", [labels.get(i, i) for i in wide.index])
    coverage = (
        series.groupby("indicator")["n_las"]
        .agg(["min", "max"])
        .rename(columns={"min": "fewest_las", "max": "most_las"})
    )
    wide = wide.join(coverage).join(computed_as).reset_index()
    return {
        "trend_figures": figures,
        "fit_table": fit_table,
        "series_table": wide,
        "population_column": cfg["population_column"],
        "views": provenance_params(inputs.get("series_provenance")).get("views", cfg["trends"]["views"]),
    }

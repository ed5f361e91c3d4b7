"""Thin adapter: national series per indicator and year, least-squares fits per view, figures."""

from pathlib import Path

import pandas as pd

from csc_inequalities.national.trends import (
    all_series,
    describe_spec,
    plot_trend_figure,
    series_specs,
    trend_fits,
)
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    figures = snakemake.params.figures
    panel = pd.read_parquet(snakemake.input.panel)
    specs = series_specs(figures, snakemake.params.population_column)
    series = all_series(panel, specs)
    series["computed_as"] = series["indicator"].map({k: describe_spec(v) for k, v in specs.items()})
    views = {name: (int(v[0]), int(v[1])) for name, v in snakemake.params.views.items()}
    fits = trend_fits(series, views)
    series.to_csv(snakemake.output.series, index=False)
    fits.to_csv(snakemake.output.fits, index=False)
    wanted = {Path(p).name: p for p in snakemake.output.figures}
    for name, figure in figures.items():
        indicators = [s["indicator"] for s in figure["series"]]
        labels = {s["indicator"]: s.get("label") or s["indicator"] for s in figure["series"]}
        for view, (first, last) in views.items():
            plot_trend_figure(
                series,
                fits,
                indicators,
                labels,
                view=view,
                years=(first, last),
                title=f"{figure['title']} ({first}–{last}, years ending March)",
                ylabel=figure["ylabel"],
                out_path=wanted[f"{name}_{view}.png"],
            )
    log.info(
        "%d series, %d fits, %d figures over views %s",
        series["indicator"].nunique(),
        len(fits),
        len(wanted),
        list(views),
    )

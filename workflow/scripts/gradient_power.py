"""Sample-size simulation (final report footnote 4) with the between-LA variance estimated from the
national panel's real spread of LA re-referral rates."""

import json
from pathlib import Path

import pandas as pd

from csc_inequalities.gradient.plots import power_plot
from csc_inequalities.gradient.power import between_la_variance, n_for_power, power_curve
from csc_inequalities.published import PublishedFigures
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    p = snakemake.params
    panel = pd.read_parquet(snakemake.input.panel)
    variance = between_la_variance(panel, p.panel_column, p.panel_year, p.children_per_la)
    log.info("between-LA variance (logit scale) %.4f from %d LAs", variance["between_la_variance"], variance["n_las"])
    curve = power_curve(
        p.sample_sizes,
        p.iterations,
        p.p_high,
        p.p_median,
        variance["between_la_sd"],
        p.children_per_la,
        p.min_las,
        p.seed,
    )
    curve.to_csv(snakemake.output.curve, index=False)
    n80 = n_for_power(curve, 0.8)
    published_n = PublishedFigures.load(snakemake.input.headline).value("fr_sim_required_sample_children")
    summary = {
        "n_for_80pct_power": n80,
        "published_n_for_80pct_power": published_n,
        "iterations": p.iterations,
        "p_high": p.p_high,
        "p_median": p.p_median,
        "variance": variance,
    }
    Path(snakemake.output.summary).write_text(json.dumps(summary, indent=1))
    power_plot(curve, n80, snakemake.output.figure, published_n)

"""Per-LA (configural) models over a range of class numbers, with elbow plots."""

from csc_inequalities.lca import model as lcm
from csc_inequalities.lca.analysis import configural_sweep
from csc_inequalities.lca.io import estimation_data
from csc_inequalities.lca.plots import elbow_plot
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    X, groups, codes = estimation_data(
        snakemake.input.episodes, snakemake.input.item_table, snakemake.input.samples, sample=1
    )
    sweep = configural_sweep(X, groups, list(snakemake.params.classes), lcm.FitSettings(**snakemake.params.fit))
    sweep.to_csv(snakemake.output.sweep, index=False)
    elbow_plot(sweep, snakemake.output.elbow)
    log.info("%d per-LA models fitted", len(sweep))

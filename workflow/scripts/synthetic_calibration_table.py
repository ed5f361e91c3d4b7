"""Thin adapter: results/synthetic/calibration.csv, every calibrated target with its published value,
the noise-free truth (R refits on the expected counts) and the estimate from the generated data."""

import pandas as pd
import yaml

from csc_inequalities.gradient.counts import attach_reference
from csc_inequalities.gradient.truth import truth_family
from csc_inequalities.synthetic.calibration import CALIBRATION_COLUMNS, calibration_rows
from csc_inequalities.synthetic.solve import truth_scores
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    record = yaml.safe_load(open(snakemake.input.calibrated))
    shift = float(snakemake.params.la_shift_points)
    expected = pd.read_parquet(snakemake.input.expected, filters=[("stratum_type", "==", "all")])
    expected = attach_reference(expected, pd.read_parquet(snakemake.input.lsoa_reference))
    score_thresholds = {
        t["threshold"] for t in record["targets"] if t["kind"] == "score" and t["stratum_type"] == "all"
    }
    # The truth refits' family: NB2 with the dispersion fixed at the generator's LSOA frailty shape.
    _, dispersion = truth_family(yaml.safe_load(open(snakemake.input.truth))["gradient"].get("lsoa_nbinom2_dispersion"))
    score_truth = {t: truth_scores(expected, t, shift, dispersion=dispersion) for t in sorted(score_thresholds)}
    table = calibration_rows(
        record,
        pd.read_csv(snakemake.input.truth_effects),
        pd.read_csv(snakemake.input.effects),
        pd.read_csv(snakemake.input.scores),
        score_truth,
        pd.read_parquet(snakemake.input.episodes, columns=CALIBRATION_COLUMNS),
        yaml.safe_load(open(snakemake.input.truth)),
        snakemake.params.published_dir,
        shift,
    )
    table.to_csv(snakemake.output.calibration, index=False)
    outside = table[table["within_tolerance"] == False]
    log.info("%d targets, %d with truth outside the tolerance", len(table), len(outside))

"""Thin adapter: generate the synthetic LA extracts, the generator's episode table, truth, expected counts."""
import pandas as pd

from csc_inequalities.childlevel.pseudonymise import load_or_create_key
from csc_inequalities.national.sources import verify_manifest
from csc_inequalities.synthetic.calibration import calibration_table
from csc_inequalities.synthetic.run import generate_all, write_outputs
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    verify_manifest(snakemake.input.published)
    config = snakemake.params.synthetic
    reference = pd.read_parquet(snakemake.input.reference)
    population = pd.read_parquet(snakemake.input.population)
    result = generate_all(config, reference, population, snakemake.params.published_dir,
                          config["lea_codes"], snakemake.params.extracts_dir,
                          load_or_create_key(snakemake.params.key_file))
    write_outputs(result, snakemake.output.episodes, snakemake.output.expected,
                  [snakemake.output.truth_local, snakemake.output.truth], snakemake.output.manifest)
    calibration_table(result["episodes"], snakemake.params.published_dir).to_csv(snakemake.output.calibration, index=False)
    log.info("%d episodes in %d LAs", len(result["episodes"]), result["episodes"]["la_code"].nunique())

"""The generator's truth: the same models fitted to its expected (noise-free) counts."""
import pandas as pd
import yaml

from csc_inequalities.gradient.counts import attach_reference
from csc_inequalities.gradient.models import effects_frame, fit_gradient
from csc_inequalities.gradient.truth import canonical_levels, generating_parameters
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    jobs = snakemake.params.jobs
    expected = attach_reference(pd.read_parquet(snakemake.input.expected), pd.read_parquet(snakemake.input.lsoa_reference))
    expected = canonical_levels(expected, jobs)
    present = set(zip(expected["threshold"], expected["stratum_type"], expected["stratum_level"]))
    results = []
    for job in jobs:
        key = (job["threshold"], job["stratum_type"], str(job["stratum_level"]))
        if key not in present:
            log.info("no expected counts for %s: no truth for it", key)
            continue
        results.append(fit_gradient(expected, *key, engine=snakemake.params.engine, family=snakemake.params.family))
    effects_frame(results).to_csv(snakemake.output.effects, index=False)
    truth = yaml.safe_load(open(snakemake.input.truth))
    generating_parameters(truth).to_csv(snakemake.output.generating, index=False)
    log.info("truth fitted for %d of %d models", len(results), len(jobs))

"""The generator's truth for one model: the same model fitted to the expected (noise-free) counts."""
import json

import pandas as pd

from csc_inequalities.gradient.counts import attach_reference
from csc_inequalities.gradient.models import fit_gradient
from csc_inequalities.gradient.truth import canonical_levels
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    wc = snakemake.wildcards
    job = {"threshold": wc.gthreshold, "stratum_type": wc.gstratum, "stratum_level": snakemake.params.level}
    # Only this stratum type's rows (the generator spells thresholds and stratum types as the config does).
    expected = pd.read_parquet(snakemake.input.expected, filters=[("stratum_type", "==", wc.gstratum)])
    expected = canonical_levels(attach_reference(expected, pd.read_parquet(snakemake.input.lsoa_reference)), [job])
    key = (job["threshold"], job["stratum_type"], str(job["stratum_level"]))
    present = set(zip(expected["threshold"], expected["stratum_type"], expected["stratum_level"]))
    if key in present:
        result = fit_gradient(expected, *key, engine=snakemake.params.engine, family=snakemake.params.family)
        log.info("truth %s/%s/%s: %s", *key, {m: f.get("status") for m, f in result["fits"].items()})
    else:
        result = {"threshold": key[0], "stratum_type": key[1], "stratum_level": key[2], "effects": [], "fits": {}}
        log.info("no expected counts for %s: no truth for it", key)
    with open(snakemake.output.model, "w") as handle:
        json.dump(result, handle, indent=1, default=float)

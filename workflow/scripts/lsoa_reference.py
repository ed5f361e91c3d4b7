"""Thin adapter: LSOA reference (LSOA → 2013 upper-tier LA, IMD 2015 deciles) and LSOA populations."""

from csc_inequalities.lsoa.reference import build_lsoa_population, build_lsoa_reference
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    reference = build_lsoa_reference(snakemake.params.resource_dir)
    reference.to_parquet(snakemake.output.reference, index=False)
    log.info("%d LSOAs in %d LAs", len(reference), reference["la_code"].nunique())
    population = build_lsoa_population(snakemake.params.resource_dir, reference)
    population.to_parquet(snakemake.output.population, index=False)
    log.info("population cells: %d, children 0-17: %.0f", len(population), population["population"].sum())

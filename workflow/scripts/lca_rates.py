"""Class rates against the child population: Table 13 (deprivation effect per LA and class) and
Figures 13-17 analogues (gender ratio, age profile, ethnic group), naive and ML-corrected."""

import json

import pandas as pd

from csc_inequalities.lca.correction import classified_episodes
from csc_inequalities.lca.plots import rate_profile_figure, ratio_figure
from csc_inequalities.lca.rates import (
    AGE_GROUPS,
    EPISODE_COLUMNS,
    age_group_of,
    class_rates,
    deprivation_effect,
    female_male_ratio,
)
from csc_inequalities.workflow_io import script_context

with script_context(snakemake) as log:
    data = json.loads(open(snakemake.input.model).read())
    class_ids = [int(k) for k in data["class_ids"]]
    names = {int(k): v for k, v in data["class_names"].items()}
    min_cell = snakemake.params.min_cell
    episodes = pd.read_parquet(snakemake.input.episodes, columns=EPISODE_COLUMNS)
    classes = pd.read_parquet(snakemake.input.classes)
    assigned = classified_episodes(classes, episodes)
    population = pd.read_parquet(snakemake.input.lsoa_population)
    population = population[population["la_code"].isin(data["groups"])]
    reference = pd.read_parquet(snakemake.input.lsoa_reference, columns=["lsoa11", "imd_decile_least1"])
    by_decile = population.merge(reference, on="lsoa11", how="left")

    table13 = deprivation_effect(
        assigned, by_decile, class_ids, names, min_cell, pd.read_csv(snakemake.input.published13)
    )
    table13.to_csv(snakemake.output.table13, index=False)

    population = population.assign(age_group=age_group_of(population["age"]), gender=population["sex"])
    age = class_rates(assigned, "age_group", population, class_ids, names, min_cell)
    gender = class_rates(assigned, "gender", population, class_ids, names, min_cell)
    ethnicity = class_rates(assigned, "ethnicity_group", population, class_ids, names, min_cell)
    age.to_csv(snakemake.output.rates_age, index=False)
    gender.to_csv(snakemake.output.rates_gender, index=False)
    ethnicity.to_csv(snakemake.output.rates_ethnicity, index=False)
    ratios = female_male_ratio(gender)
    ratios.to_csv(snakemake.output.ratio, index=False)

    ratio_figure(ratios, snakemake.output.ratio_png)
    rate_profile_figure(
        age,
        "age_group",
        [g[0] for g in AGE_GROUPS],
        "Age profile of each class (Figures 14-16)",
        snakemake.output.age_png,
    )
    rate_profile_figure(
        ethnicity,
        "ethnicity_group",
        sorted(ethnicity["ethnicity_group"].dropna().unique()),
        "Rates by ethnic group (Figure 17)",
        snakemake.output.ethnicity_png,
    )
    log.info("rates for %d assigned episodes", len(assigned))

"""Class-specific rates against child population (Table 13, Figures 13-17 with denominators).

Denominators are the ONS child population of the LSOAs (``results/lsoa/lsoa_population.parquet``);
numerators are episodes of each class, naive (modal class) and corrected for classification error
(ML three-step, :mod:`.correction`). Rates are episodes over the whole study period per 10,000
children of the population group (one population year), so they compare groups within a run.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from csc_inequalities import disclosure
from csc_inequalities.lca.correction import crosstab_naive_and_corrected

AGE_GROUPS = [("under1", 0, 0), ("1-4", 1, 4), ("5-9", 5, 9), ("10-15", 10, 15), ("16-17", 16, 17)]

# The episode columns the class rates read (besides the class assignment): the workflow reads
# only these from the episode table.
EPISODE_COLUMNS = ["episode_id", "la_code", "imd_decile_least1", "age_group", "gender", "ethnicity_group"]


def age_group_of(age: pd.Series) -> pd.Series:
    out = pd.Series(pd.NA, index=age.index, dtype=object)
    for name, low, high in AGE_GROUPS:
        out[(age >= low) & (age <= high)] = name
    return out


def _posteriors(frame: pd.DataFrame, class_ids: list[int]) -> np.ndarray:
    return frame[[f"posterior_class_{k}" for k in class_ids]].to_numpy(float)


def poisson_decile_effect(counts: np.ndarray, population: np.ndarray, deciles: np.ndarray) -> dict:
    """Per-decile-step rate ratio from a Poisson GLM with log(population) offset: the percent
    change and its 95% CI (Wald). Counts may be non-integer (corrected counts: quasi-Poisson
    point estimate; the CI uses the Pearson scale)."""
    keep = population > 0
    X = sm.add_constant(deciles[keep].astype(float))
    with warnings.catch_warnings():
        # statsmodels' separation check misfires on near-exact fits of smooth counts.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        model = sm.GLM(counts[keep], X, family=sm.families.Poisson(), offset=np.log(population[keep])).fit(scale="X2")
    b, se = float(model.params[1]), float(model.bse[1])
    return {
        "percent_change": 100 * (np.exp(b) - 1),
        "ci_low": 100 * (np.exp(b - 1.96 * se) - 1),
        "ci_high": 100 * (np.exp(b + 1.96 * se) - 1),
    }


def deprivation_effect(
    assigned: pd.DataFrame,
    population: pd.DataFrame,
    class_ids: list[int],
    class_names: dict[int, str],
    min_cell: int,
    published: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table 13 analogue: per LA and class, % change in the rate of episodes in the class per
    one-decile rise in LSOA deprivation (imd_decile_least1: 1 = least deprived).

    ``population``: la_code, imd_decile_least1, population. Effects are given only where the
    class has at least ``min_cell`` episodes in the LA (naive count)."""
    rows = []
    frame = assigned.dropna(subset=["imd_decile_least1"])
    for la, part in frame.groupby("la_code", sort=True):
        table = crosstab_naive_and_corrected(
            part["class_id"].astype(int).to_numpy(),
            part["imd_decile_least1"].astype(int),
            _posteriors(part, class_ids),
            class_ids,
        )
        pop = population[population["la_code"] == la].groupby("imd_decile_least1")["population"].sum()
        for k in class_ids:
            cells = table[table["class_id"] == k].copy()
            cells["population"] = cells["category"].map(pop).fillna(0.0).to_numpy()
            row = {
                "la_code": la,
                "class_id": k,
                "class_name": class_names[k],
                "n_episodes": float(cells["n_naive"].sum()),
            }
            usable = row["n_episodes"] >= min_cell and (cells["population"] > 0).sum() >= 3
            for kind in ("naive", "corrected"):
                effect = (
                    poisson_decile_effect(
                        cells[f"n_{kind}"].to_numpy(float),
                        cells["population"].to_numpy(float),
                        cells["category"].to_numpy(float),
                    )
                    if usable
                    else {"percent_change": np.nan, "ci_low": np.nan, "ci_high": np.nan}
                )
                row.update({f"{key}_{kind}": value for key, value in effect.items()})
            row["suppressed"] = not usable
            rows.append(row)
    out = pd.DataFrame(rows)
    out["n_episodes"] = out["n_episodes"].where(out["n_episodes"] >= min_cell)
    if published is not None:
        # The published LAs are anonymised: the range over LA0-LA5 is what compares.
        summary = (
            published.groupby("class_id")["percent_change"].agg(published_min="min", published_max="max").reset_index()
        )
        out = out.merge(summary, on="class_id", how="left")
    return out


def class_rates(
    assigned: pd.DataFrame,
    variable: str,
    population: pd.DataFrame,
    class_ids: list[int],
    class_names: dict[int, str],
    min_cell: int,
) -> pd.DataFrame:
    """Episodes of each class per 10,000 children of each level of ``variable`` (population has
    columns ``variable`` and ``population``, summed over the LAs in the model)."""
    frame = assigned.dropna(subset=[variable])
    table = crosstab_naive_and_corrected(
        frame["class_id"].astype(int).to_numpy(),
        frame[variable],
        _posteriors(frame, class_ids),
        class_ids,
        strata=frame["la_code"].astype(str).to_numpy(),
    )
    pop = population.groupby(variable)["population"].sum()
    table["population"] = table["category"].map(pop)
    table = disclosure.suppress_long(table, "n_naive", ["class_id"], "category", min_cell=min_cell)
    small = (table["n_corrected"].round() < min_cell) & (table["n_corrected"].round() > 0)
    table["suppressed"] = table["suppressed"] | small
    for kind in ("naive", "corrected"):
        table[f"rate_per_10000_{kind}"] = 1e4 * table[f"n_{kind}"] / table["population"].where(table["population"] > 0)
    table = disclosure.mask_derived(
        table, ["n_naive", "n_corrected", "rate_per_10000_naive", "rate_per_10000_corrected"]
    )
    table.insert(1, "class_name", table["class_id"].map(class_names))
    return table.rename(columns={"category": variable})


def female_male_ratio(rates: pd.DataFrame) -> pd.DataFrame:
    """Figure 13 analogue: ratio of the female to the male rate in each class."""
    wide = rates.pivot_table(
        index=["class_id", "class_name"], columns="gender", values=["rate_per_10000_naive", "rate_per_10000_corrected"]
    )
    out = pd.DataFrame(index=wide.index)
    for kind in ("naive", "corrected"):
        column = f"rate_per_10000_{kind}"
        if (column, "female") in wide and (column, "male") in wide:
            out[f"female_male_ratio_{kind}"] = wide[(column, "female")] / wide[(column, "male")]
    return out.reset_index()

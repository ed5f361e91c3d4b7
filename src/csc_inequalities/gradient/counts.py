"""Counts of distinct children reaching each threshold per LSOA x stratum, with their offset.

Design (docs/gradient.md): counts are pooled over the study period and the offset is the child
population of the LSOA x stratum (ONS mid-2017) times the number of years the LA's extract covers.
Each child counts once per threshold, in the LSOA and stratum of the first of its episodes that
reached the threshold (so a child who moved is not counted twice). Every LSOA of the covered LAs
appears, with zero where no child reached the threshold: the zeros carry the social gradient too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import pandas as pd

log = logging.getLogger(__name__)

# Threshold name -> episode flag column (contract in docs/data-model.md). "referral" counts every
# episode, hence no flag.
DEFAULT_THRESHOLDS: dict[str, str | None] = {
    "referral": None,
    "assessment": "assessed",
    "cin": "cin_plan",
    "s47": "s47",
    "icpc": "icpc",
    "cpp": "cpp",
    "lac": "lac",
}

DEFAULT_AGE_EDGES = (0, 1, 5, 10, 16, 18)


def age_group_labels(edges: Iterable[int]) -> list[str]:
    """Labels of half-open age bands [a, b): 0-1 is 'under1', others 'a-(b-1)' (e.g. '1-4')."""
    edges = list(edges)
    labels = []
    for low, high in zip(edges[:-1], edges[1:]):
        if low == 0 and high == 1:
            labels.append("under1")
        elif high - low == 1:
            labels.append(str(low))
        else:
            labels.append(f"{low}-{high - 1}")
    return labels


def age_group_of(age: pd.Series, edges: Iterable[int]) -> pd.Series:
    edges = list(edges)
    labels = age_group_labels(edges)
    return pd.cut(age, bins=edges, right=False, labels=labels).astype("object")


# level_slug lives in spec.py (which the workflow imports when it reads the rules: without pandas).


STRATUM_TYPES = ("all", "gender", "age_group", "ethnicity_group", "demand_class", "cpp_latest_category")


def population_by_stratum(population: pd.DataFrame, age_edges: Iterable[int]) -> pd.DataFrame:
    """Child population per LSOA x stratum level (long: lsoa11, stratum_type, stratum_level, population).

    Demand class and CPP category have no population of their own: their denominator is the whole
    child population of the LSOA (the rate of children *in that class* reaching the threshold)."""
    pop = population.copy()
    pop["age_group"] = age_group_of(pop["age"], age_edges)
    pieces = []
    total = pop.groupby("lsoa11", as_index=False)["population"].sum()
    for stratum_type in ("all", "demand_class", "cpp_latest_category"):
        piece = total.copy()
        piece["stratum_type"] = stratum_type
        piece["stratum_level"] = "all"  # broadcast to every level later
        pieces.append(piece)
    for stratum_type, column in (("gender", "sex"), ("age_group", "age_group"), ("ethnicity_group", "ethnicity_group")):
        piece = pop.groupby(["lsoa11", column], as_index=False, observed=True)["population"].sum()
        piece = piece.rename(columns={column: "stratum_level"})
        piece["stratum_type"] = stratum_type
        pieces.append(piece)
    out = pd.concat(pieces, ignore_index=True)
    out["stratum_level"] = out["stratum_level"].astype(str)
    return out[["lsoa11", "stratum_type", "stratum_level", "population"]]


def episode_columns(thresholds: Mapping[str, str | None], strata_levels: Mapping[str, Iterable[str]]) -> list[str]:
    """The episode columns :func:`build_count_table` reads for these thresholds and strata, so
    that a national episode table (3.8 million rows, 72 columns) is read only in part."""
    derived = {"all", "age_group", "demand_class"}  # made here from other columns or tables
    columns = ["episode_id", "child_id", "la_code", "lsoa11", "referral_date", "referral_year", "age_at_referral"]
    columns += [flag for flag in thresholds.values() if flag]
    columns += [stratum for stratum in strata_levels if stratum not in derived]
    return list(dict.fromkeys(columns))


def first_episode_per_child(episodes: pd.DataFrame, flag: str | None) -> pd.DataFrame:
    chosen = episodes if flag is None else episodes[episodes[flag].fillna(False).astype(bool)]
    chosen = chosen.sort_values(["child_id", "referral_date", "episode_id"])
    return chosen.drop_duplicates("child_id", keep="first")


def build_count_table(
    episodes: pd.DataFrame,
    lsoa_reference: pd.DataFrame,
    population: pd.DataFrame,
    strata_levels: Mapping[str, Iterable[str]],
    thresholds: Mapping[str, str | None] = DEFAULT_THRESHOLDS,
    age_edges: Iterable[int] = DEFAULT_AGE_EDGES,
    episode_classes: pd.DataFrame | None = None,
    years_per_la: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Long table: la_code, lsoa11, threshold, stratum_type, stratum_level, count, population,
    population_years, deciles (study direction) and income-deprivation share.

    ``strata_levels`` maps stratum type -> the levels to tabulate (values as in the data);
    ``years_per_la`` defaults to the span of referral years in each LA's episodes."""
    age_edges = list(age_edges)
    ep = episodes.copy()
    ep["age_group"] = age_group_of(ep["age_at_referral"], age_edges)
    ep["all"] = "all"
    if "demand_class" in strata_levels:
        if episode_classes is None:
            raise ValueError("stratum 'demand_class' needs the episode classes table")
        class_col = "class_id" if "class_id" in episode_classes.columns else "demand_class"
        classes = episode_classes[["episode_id", class_col]].rename(columns={class_col: "demand_class"})
        ep = ep.merge(classes, on="episode_id", how="left")
        ep["demand_class"] = ep["demand_class"].map(lambda v: "unclassified" if pd.isna(v) else f"class{int(v)}")
    las = sorted(ep["la_code"].dropna().unique())
    if years_per_la is None:
        span = ep.groupby("la_code")["referral_year"].agg(lambda y: int(y.max() - y.min() + 1))
        years_per_la = span.to_dict()
    ref = lsoa_reference[lsoa_reference["la_code"].isin(las)].copy()
    ref = ref.rename(columns={"imd_decile_least1": "lsoa_decile_least1", "la_imd_decile_least1": "la_decile_least1"})
    keep_ref = [
        "lsoa11",
        "la_code",
        "lsoa_decile_least1",
        "la_decile_least1",
        "income_rate_approx",
        "la_imd2015_avg_score",
    ]
    ref = ref[[c for c in keep_ref if c in ref.columns]]
    pop = population_by_stratum(population[population["lsoa11"].isin(ref["lsoa11"])], age_edges)

    outside = ~ep["lsoa11"].isin(ref["lsoa11"])
    if outside.any():
        log.info("%d episodes have an LSOA outside the covered LAs or none; left out of the counts", int(outside.sum()))
    ep = ep[~outside]

    tables = []
    for threshold, flag in thresholds.items():
        children = first_episode_per_child(ep, flag)
        for stratum_type, levels in strata_levels.items():
            levels = [str(v) for v in levels]
            column = "all" if stratum_type == "all" else stratum_type
            counts = (
                children[children[column].astype(str).isin(levels)]
                .groupby(["lsoa11", children[column].astype(str).rename("stratum_level")])
                .size()
                .rename("count")
                .reset_index()
            )
            grid = pd.MultiIndex.from_product([ref["lsoa11"], levels], names=["lsoa11", "stratum_level"]).to_frame(
                index=False
            )
            grid = grid.merge(counts, on=["lsoa11", "stratum_level"], how="left")
            grid["count"] = grid["count"].fillna(0).astype(int)
            pop_s = pop[pop["stratum_type"] == stratum_type][["lsoa11", "stratum_level", "population"]]
            if stratum_type in ("all", "demand_class", "cpp_latest_category"):
                grid = grid.merge(pop_s[["lsoa11", "population"]], on="lsoa11", how="left")
            else:
                grid = grid.merge(pop_s, on=["lsoa11", "stratum_level"], how="left")
            grid["threshold"] = threshold
            grid["stratum_type"] = stratum_type
            tables.append(grid)
    table = pd.concat(tables, ignore_index=True).merge(ref, on="lsoa11", how="left")
    table["population"] = table["population"].fillna(0.0)
    table["years"] = table["la_code"].map(years_per_la).astype(float)
    table["population_years"] = table["population"] * table["years"]
    cols = [
        "la_code",
        "lsoa11",
        "threshold",
        "stratum_type",
        "stratum_level",
        "count",
        "population",
        "years",
        "population_years",
    ] + [c for c in keep_ref[2:] if c in table.columns]
    return (
        table[cols]
        .sort_values(["threshold", "stratum_type", "stratum_level", "la_code", "lsoa11"])
        .reset_index(drop=True)
    )


# Other spellings of threshold and stratum names a generator might use -> this strand's names.
THRESHOLD_ALIASES = {
    "referrals": "referral",
    "assessed": "assessment",
    "assessments": "assessment",
    "cin_plan": "cin",
    "section47": "s47",
    "section_47": "s47",
    "cp_plan": "cpp",
    "cpp_plan": "cpp",
    "looked_after": "lac",
    "cla": "lac",
}
STRATUM_ALIASES = {
    "overall": "all",
    "total": "all",
    "none": "all",
    "sex": "gender",
    "age": "age_group",
    "ethnicity": "ethnicity_group",
    "class": "demand_class",
    "cpp_category": "cpp_latest_category",
}


def attach_reference(expected: pd.DataFrame, lsoa_reference: pd.DataFrame) -> pd.DataFrame:
    """The generator's expected counts with the same predictors as the observed count table."""
    ref = lsoa_reference.rename(
        columns={"imd_decile_least1": "lsoa_decile_least1", "la_imd_decile_least1": "la_decile_least1"}
    )
    keep = ["lsoa11", "lsoa_decile_least1", "la_decile_least1", "income_rate_approx", "la_imd2015_avg_score"]
    value_col = next(c for c in ("expected_count", "expected", "count") if c in expected.columns)
    out = expected.rename(columns={value_col: "count"}).drop(columns=[c for c in keep[1:] if c in expected.columns])
    out = out.merge(ref[[c for c in keep if c in ref.columns]], on="lsoa11", how="left")
    out["threshold"] = out["threshold"].astype(str).str.lower().replace(THRESHOLD_ALIASES)
    out["stratum_type"] = out["stratum_type"].astype(str).str.lower().replace(STRATUM_ALIASES)
    out["stratum_level"] = out["stratum_level"].astype(str)
    return out

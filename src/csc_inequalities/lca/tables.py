"""Analogues of the report's Tables 11-18 and Figures 13-17 (demand classes against covariates).

Every class-by-variable table is given twice: naive (modal class counts) and corrected for
classification error (ML three-step, :mod:`.correction`). Counts pass through
:mod:`csc_inequalities.disclosure` (cells below ``min_cell`` and the cells that would reveal them
are suppressed; percentages built on a suppressed cell are blanked). Published percentages are
put beside the reproduced ones where the published table is comparable (the published LAs are
anonymised LA0-LA5, so only their all-LA columns are comparable).
"""

from __future__ import annotations

import pandas as pd

from csc_inequalities import disclosure
from csc_inequalities.lca.correction import crosstab_naive_and_corrected

THRESHOLDS = ["Assessed Not CIN", "CIN (no CP)", "CP Plan", "LAC"]
TERTILE_LABELS = {1: "1 (least deprived)", 2: "2 (middle tertile)", 3: "3 (most deprived)"}
REREFERRAL_LABELS = {False: "Episodes not re-referred (%)", True: "Episode re-referred within 12 mths (%)"}
CP_CATEGORY_LABELS = {"Multiple": "Multiple abuse"}
CP_CATEGORY_FACTOR = {"Neglect": "16A", "Emotional abuse": "17A", "Physical abuse": "18A", "Sexual abuse": "19A"}
# The episode columns the class tables read (besides the class assignment): the workflow reads
# only these from the episode table.
EPISODE_COLUMNS = [
    "episode_id",
    "la_code",
    "imd_tertile_in_la_least1",
    "rereferral_12m",
    "referral_source_group",
    "assessed",
    "cin_plan",
    "cpp",
    "lac",
    "cpp_initial_category",
    "gender",
    "age_group",
    "ethnicity_group",
    *[f"factor_{code}" for code in CP_CATEGORY_FACTOR.values()],
]


def highest_threshold(episodes: pd.DataFrame) -> pd.Series:
    """Highest threshold an assessed episode reached (Table 14's columns)."""
    flag = lambda name: episodes[name].fillna(False).astype(bool)
    out = pd.Series("Assessed Not CIN", index=episodes.index, dtype=object)
    out[flag("cin_plan")] = "CIN (no CP)"
    out[flag("cpp")] = "CP Plan"
    out[flag("lac")] = "LAC"
    return out


def _percent(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Percent of each count within groups of ``by`` (row or column percentages)."""
    out = frame.copy()
    for col in ("n_naive", "n_corrected"):
        total = out.groupby(by)[col].transform("sum")
        out[col.replace("n_", "pct_")] = 100.0 * out[col] / total.where(total > 0)
    return out


def _disclose(frame: pd.DataFrame, min_cell: int, group_keys: list[str]) -> pd.DataFrame:
    """Suppress naive counts (primary + secondary), then corrected counts below min_cell too."""
    out = disclosure.suppress_long(frame, "n_naive", ["class_id"], "category", min_cell=min_cell, group_keys=group_keys)
    small_corrected = (out["n_corrected"].round() < min_cell) & (out["n_corrected"].round() > 0)
    out["suppressed"] = out["suppressed"] | small_corrected
    out = disclosure.mask_derived(out, ["n_naive", "n_corrected", "pct_naive", "pct_corrected"])
    return out


def class_crosstab(
    assign: pd.DataFrame,
    variable: pd.Series,
    class_ids: list[int],
    percent_within: str,
    min_cell: int,
    group: pd.Series | None = None,
) -> pd.DataFrame:
    """Long table class_id x category (optionally per group) with naive/corrected counts and %.

    ``percent_within`` = "class" (row %: distribution of the variable within a class) or
    "category" (column %: class shares within a category).
    """
    parts = []
    groups = [(None, assign.index)] if group is None else list(group.groupby(group).groups.items())
    for name, index in groups:
        sub = assign.loc[index]
        part = crosstab_naive_and_corrected(
            sub["class_id"].astype(int).to_numpy(),
            variable.loc[index],
            sub[[f"posterior_class_{k}" for k in class_ids]].to_numpy(float),
            class_ids,
            strata=sub["la_code"].astype(str).to_numpy(),
        )
        if group is not None:
            part.insert(0, "group", name)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    keys = ["group"] if group is not None else []
    by_key = keys + (["class_id"] if percent_within == "class" else ["category"])
    frame["_key"] = frame[by_key].astype(str).agg("|".join, axis=1)
    frame = _percent(frame, "_key").drop(columns="_key")
    return _disclose(frame, min_cell, keys)


def _published(path, key_cols: dict[str, str], value: str = "percent") -> pd.DataFrame:
    table = pd.read_csv(path)
    table = table[table["class_id"].notna()].copy() if "class_id" in table else table
    if "class_id" in table:
        table["class_id"] = table["class_id"].astype(int)
    return table.rename(columns={**key_cols, value: "published_percent"})


def build_tables(
    assign: pd.DataFrame, class_names: dict[int, str], published_dir: str, min_cell: int
) -> dict[str, pd.DataFrame]:
    """All class tables from the assigned episodes (one row per eligible episode: class_id,
    posterior_class_<k>, la_code and the episode covariates of docs/data-model.md)."""
    from pathlib import Path

    pub = Path(published_dir)
    class_ids = sorted(class_names)
    tables: dict[str, pd.DataFrame] = {}

    # Table 11: class shares per LA and overall (column %).
    per_la = class_crosstab(assign, assign["la_code"], class_ids, "category", min_cell)
    overall = class_crosstab(assign, pd.Series("All LAs", index=assign.index), class_ids, "category", min_cell)
    t11 = pd.concat([per_la, overall], ignore_index=True)
    p11 = _published(pub / "table11_class_share_by_la.csv", {})
    p11 = p11[p11["la"] == "Total"][["class_id", "published_percent"]].assign(category="All LAs")
    tables["table11"] = t11.merge(p11, on=["class_id", "category"], how="left")

    # Table 12: class shares per deprivation tertile within the LA (column %), 1 = least deprived.
    if "imd_tertile_in_la_least1" in assign:
        tertile = assign["imd_tertile_in_la_least1"].map(lambda v: TERTILE_LABELS.get(int(v)) if pd.notna(v) else None)
        t12 = class_crosstab(assign, tertile, class_ids, "category", min_cell)
        p12 = _published(pub / "table12_class_share_by_deprivation_tertile.csv", {"tertile": "category"})[
            ["class_id", "category", "published_percent"]
        ]
        tables["table12"] = t12.merge(p12, on=["class_id", "category"], how="left")

    # Table 14: highest threshold within each class (row %).
    t14 = class_crosstab(assign, highest_threshold(assign), class_ids, "class", min_cell)
    p14 = _published(pub / "table14_class_by_threshold.csv", {"threshold": "category"})
    tables["table14"] = t14.merge(
        p14[["class_id", "category", "published_percent"]], on=["class_id", "category"], how="left"
    )

    # Table 15: re-referral within 12 months within each class (row %).
    reref = assign["rereferral_12m"].map(lambda v: REREFERRAL_LABELS[bool(v)] if pd.notna(v) else None)
    t15 = class_crosstab(assign, reref, class_ids, "class", min_cell)
    p15 = _published(pub / "table15_rereferral_by_class.csv", {"referral_status": "category"})
    tables["table15"] = t15.merge(
        p15[["class_id", "category", "published_percent"]], on=["class_id", "category"], how="left"
    )

    # Table 16: referral source within each class (row %).
    t16 = class_crosstab(assign, assign["referral_source_group"], class_ids, "class", min_cell)
    p16 = _published(pub / "table16_class_by_referral_source.csv", {"referral_source": "category"})
    tables["table16"] = t16.merge(
        p16[["class_id", "category", "published_percent"]], on=["class_id", "category"], how="left"
    )

    # Table 18: initial CP plan category within each class, CP-plan episodes only (row %).
    cpp = assign[assign["cpp"].fillna(False).astype(bool)]
    category = cpp["cpp_initial_category"].map(lambda v: CP_CATEGORY_LABELS.get(v, v))
    t18 = class_crosstab(cpp, category, class_ids, "class", min_cell)
    p18 = _published(pub / "table18_class_by_cp_category.csv", {"cp_plan_category": "category"})
    tables["table18"] = t18.merge(
        p18[["class_id", "category", "published_percent"]], on=["class_id", "category"], how="left"
    )

    # Figures 13, 14-16, 17: gender, age group and ethnic group within each class (row %).
    tables["figure13_gender"] = class_crosstab(assign, assign["gender"], class_ids, "class", min_cell)
    tables["figure14_16_age"] = class_crosstab(assign, assign["age_group"], class_ids, "class", min_cell)
    tables["figure17_ethnicity"] = class_crosstab(assign, assign["ethnicity_group"], class_ids, "class", min_cell)
    for table in tables.values():
        table.insert(1, "class_name", table["class_id"].map(class_names))
    tables["table17"] = cp_category_matched(assign, pub, min_cell)
    return tables


def cp_category_matched(episodes: pd.DataFrame, pub, min_cell: int) -> pd.DataFrame:
    """Table 17: share of CP plans of each initial category whose category was also recorded as
    a factor at assessment."""
    cpp = episodes[episodes["cpp"].fillna(False).astype(bool)]
    rows = []
    for category, code in CP_CATEGORY_FACTOR.items():
        plans = cpp[cpp["cpp_initial_category"] == category]
        matched = int(plans[f"factor_{code}"].fillna(False).astype(bool).sum()) if len(plans) else 0
        rows.append({"cp_plan_category": category, "n_plans": float(len(plans)), "n_matched": float(matched)})
    frame = pd.DataFrame(rows)
    frame["n_not_matched"] = frame["n_plans"] - frame["n_matched"]
    small = lambda v: (v < min_cell) & (v > 0)
    frame["suppressed"] = small(frame["n_matched"]) | small(frame["n_not_matched"])
    frame["percent"] = 100.0 * frame["n_matched"] / frame["n_plans"].where(frame["n_plans"] > 0)
    frame = disclosure.mask_derived(frame, ["n_matched", "n_not_matched", "percent"])
    published = pd.read_csv(pub / "table17_cp_category_matched_at_assessment.csv").rename(
        columns={"percent_also_recorded_at_assessment": "published_percent"}
    )
    return frame.merge(published, on="cp_plan_category", how="left")

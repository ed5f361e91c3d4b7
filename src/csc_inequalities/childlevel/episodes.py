"""Build the episode table (results/record_level/episodes.parquet) from pseudonymised records.

One row per CIN episode = one child and one referral date; where annual returns overlap, the
latest return's version of the episode's CINdetails (closure, reason, NFA, source) wins, and its
modules (assessments with their factors, plans, S47s, CPPs) are the union over the returns that
hold it, each module (same start date) in its latest version: DfE asks each return for the
modules active in its year only. The
columns and flag definitions are those of docs/data-model.md; :data:`EPISODE_COLUMNS` is their
order. Input tables carry ``child_id`` (the keyed-hash pseudonym) instead of ``LAchildID``.

Within-LA deprivation tertile (``imd_tertile_in_la_least1``, 1 = least deprived): the cut points
are the 1/3 and 2/3 quantiles (linear interpolation) of the IMD 2015 score over the LA's episodes
with a known LSOA; an episode is in tertile 1 if its score is <= the first cut, 2 if <= the
second, else 3. Episodes of one LSOA always share a tertile, and each tertile holds about a third
of the LA's episodes (exactly, up to ties), which is what "least deprived third of the LA's
referrals" means in the study's comparisons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_inequalities.childlevel import codes
from csc_inequalities.childlevel.pseudonymise import episode_id

FLAG_COLUMNS = (
    "nfa",
    "assessed",
    "assessed_not_cin",
    "cin_plan",
    "s47",
    "icpc",
    "cpp",
    "lac",
    "section20",
    "interim_care_order",
    "rereferral_12m",
    "repeat_cpp",
)
EPISODE_COLUMNS = (
    "episode_id",
    "child_id",
    "la_code",
    "referral_date",
    "referral_year",
    "closure_date",
    "age_at_referral",
    "age_group",
    "gender",
    "ethnicity_code",
    "ethnicity_group",
    "white_british",
    "lsoa11",
    "imd2015_score",
    "imd_decile_official",
    "imd_decile_least1",
    "imd_tertile_in_la_least1",
    "referral_source",
    "referral_source_group",
    *FLAG_COLUMNS,
    "cpp_initial_category",
    "cpp_latest_category",
    *codes.FACTOR_COLUMNS,
)
AGE_GROUPS = ("under1", "1-4", "5-9", "10-15", "16-17")
CLOSED_AFTER_ASSESSMENT = ("RC8", "RC9")


def year_ending_march(dates: pd.Series) -> pd.Series:
    return (dates.dt.year + (dates.dt.month >= 4).astype(int)).astype("Int64")


def whole_years(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Completed years from ``birth`` to ``on`` (birthday not yet reached -> one year less).

    Referrals before birth (unborn children) count as age 0.
    """
    years = on.dt.year - birth.dt.year
    before_birthday = (on.dt.month < birth.dt.month) | ((on.dt.month == birth.dt.month) & (on.dt.day < birth.dt.day))
    age = (years - before_birthday.astype(int)).astype("Int64")
    return age.clip(lower=0)


def age_group(age: pd.Series) -> pd.Series:
    bins = [-1, 0, 4, 9, 15, 17]
    return (
        pd.cut(age.astype("float"), bins=bins, labels=list(AGE_GROUPS))
        .astype("object")
        .where(lambda s: s.notna(), None)
    )


def tertile_in_la(scores: pd.Series, la_codes: pd.Series) -> pd.Series:
    """Within-LA tertile of IMD score (1 = least deprived third of the LA's episodes)."""
    result = pd.Series(pd.NA, index=scores.index, dtype="Int64")
    for _, group in scores.groupby(la_codes, sort=False):
        known = group.dropna()
        if known.empty:
            continue
        low, high = np.quantile(known.to_numpy(dtype=float), [1 / 3, 2 / 3])
        tertile = np.where(known <= low, 1, np.where(known <= high, 2, 3))
        result.loc[known.index] = tertile
    return result


def _bool_text(series: pd.Series) -> pd.Series:
    return codes.parse_bool(series)


def _episodes_in(keys: pd.Index, values: pd.Series) -> np.ndarray:
    """keys.isin(values) for the unique episode keys, by one hash lookup of the values (pandas'
    isin on pyarrow strings builds a pyarrow scalar per value: seconds for a large LA)."""
    flags = np.zeros(len(keys), dtype=bool)
    positions = keys.get_indexer(values)
    flags[positions[positions >= 0]] = True
    return flags


def build_episodes(
    tables: dict[str, pd.DataFrame],
    ssda903: pd.DataFrame | None,
    child_lsoa: pd.DataFrame | None,
    lsoa_reference: pd.DataFrame,
    la_code: str,
    last_year: int,
) -> pd.DataFrame:
    """Episode table of one LA.

    ``tables``: the record tables of all returns stacked, each row with ``child_id`` (pseudonym),
    ``collection_year`` and, for children, ``PersonBirthDate`` (parsed or text).
    ``ssda903``: ``child_id``, ``DECOM``, ``LS``. ``child_lsoa``: ``child_id``, ``LSOA11CD``.
    ``lsoa_reference``: ``lsoa11``, ``imd2015_score``, ``imd_decile_official``, ``imd_decile_least1``.
    ``last_year``: the last collection year; open episodes run to its 31 March for LAC flags.
    """
    from csc_inequalities.childlevel.validation import parse_dates

    cin = tables["cin_details"].copy()
    cin["referral_date"] = parse_dates(cin["CINreferralDate"])
    cin = cin[cin["referral_date"].notna() & cin["child_id"].notna()]
    # Latest return wins: one row per child and referral date, from the highest collection year.
    cin = cin.sort_values(["child_id", "referral_date", "collection_year"], kind="stable")
    cin = cin.drop_duplicates(["child_id", "referral_date"], keep="last").reset_index(drop=True)
    cin["_key"] = cin["child_id"] + "|" + cin["referral_date"].dt.strftime("%Y-%m-%d")

    # An episode's modules: the union over the returns that hold it (DfE asks each return for the
    # modules active in its year only: an assessment completed last year is in last year's return
    # only). A module seen in several returns (same start date) is taken from the latest of them.
    module_id = {
        "assessments": ["AssessmentActualStartDate"],
        "assessment_factors": ["AssessmentActualStartDate"],
        "cin_plan_dates": ["CINPlanStartDate"],
        "section47": ["S47ActualStartDate"],
        "child_protection_plans": ["CPPstartDate"],
    }
    episode_keys = pd.Index(cin["_key"]).unique()

    def sub(name: str) -> pd.DataFrame:
        frame = tables[name]
        frame = frame[frame["child_id"].notna()].copy()
        frame["_key"] = frame["child_id"] + "|" + parse_dates(frame["CINreferralDate"]).dt.strftime("%Y-%m-%d")
        # Index lookup, not isin: pandas' isin on pyarrow strings builds a pyarrow scalar per key.
        frame = frame[episode_keys.get_indexer(frame["_key"]) >= 0]
        identity = ["_key", *module_id[name]]
        source = "assessments" if name == "assessment_factors" else name
        if source != name:  # factors: those of the version of their assessment that is kept
            versions = sub_versions[source]
            frame = frame.fillna({c: "" for c in module_id[name]})
            return frame.merge(versions, on=[*identity, "collection_year"], how="inner")
        latest = frame[identity + ["collection_year"]].fillna({c: "" for c in module_id[name]})
        latest = latest.groupby(identity, dropna=False)["collection_year"].max().reset_index()
        sub_versions[name] = latest
        key_frame = frame.fillna({c: "" for c in module_id[name]})
        keep = key_frame[identity + ["collection_year"]].merge(latest, how="left", indicator=True)["_merge"].eq("both")
        return frame[keep.to_numpy()]

    sub_versions: dict[str, pd.DataFrame] = {}

    out = pd.DataFrame({"child_id": cin["child_id"], "la_code": la_code, "referral_date": cin["referral_date"]})
    out["episode_id"] = [episode_id(c, k.split("|", 1)[1]) for c, k in zip(cin["child_id"], cin["_key"])]
    out["referral_year"] = year_ending_march(out["referral_date"]).astype(int)
    out["closure_date"] = parse_dates(cin["CINclosureDate"])

    # Child characteristics from the return that supplied the episode.
    children = tables["children"][["child_id", "collection_year", "PersonBirthDate", "GenderCurrent", "Ethnicity"]]
    children = children.drop_duplicates(["child_id", "collection_year"], keep="first")
    person = cin[["child_id", "collection_year"]].merge(children, on=["child_id", "collection_year"], how="left")
    birth = parse_dates(person["PersonBirthDate"])
    out["age_at_referral"] = whole_years(birth, out["referral_date"])
    out["age_group"] = age_group(out["age_at_referral"])
    out["gender"] = person["GenderCurrent"].map(codes.GENDER_LABEL).fillna("unknown").astype("object")
    out["ethnicity_code"] = person["Ethnicity"].astype("object")
    out["ethnicity_group"] = person["Ethnicity"].map(codes.ETHNICITY_GROUP).fillna("Unknown").astype("object")
    out["white_british"] = (person["Ethnicity"] == "WBRI").fillna(False).astype(bool)

    # LSOA and IMD 2015.
    lsoa = (
        child_lsoa[["child_id", "LSOA11CD"]].drop_duplicates("child_id")
        if child_lsoa is not None
        else pd.DataFrame(columns=["child_id", "LSOA11CD"])
    )
    located = out[["child_id"]].merge(lsoa, on="child_id", how="left")
    reference = lsoa_reference[["lsoa11", "imd2015_score", "imd_decile_official", "imd_decile_least1"]]
    located = located.merge(reference, left_on="LSOA11CD", right_on="lsoa11", how="left")
    out["lsoa11"] = located["lsoa11"].astype("object")  # unknown LSOAs (kept under policy warn) -> missing
    out["imd2015_score"] = located["imd2015_score"].astype(float)
    out["imd_decile_official"] = located["imd_decile_official"].astype("Int64")
    out["imd_decile_least1"] = located["imd_decile_least1"].astype("Int64")
    out["imd_tertile_in_la_least1"] = tertile_in_la(out["imd2015_score"], out["la_code"])

    out["referral_source"] = cin["ReferralSource"].astype("object")
    out["referral_source_group"] = (
        cin["ReferralSource"].map(codes.REFERRAL_SOURCE_GROUP).fillna("Other").astype("object")
    )

    # Flags.
    keys = pd.Index(cin["_key"])  # unique: one row per child and referral date
    assessments, factors = sub("assessments"), sub("assessment_factors")
    plans, s47, cpp = sub("cin_plan_dates"), sub("section47"), sub("child_protection_plans")
    out["nfa"] = _bool_text(cin["ReferralNFA"]).to_numpy()
    out["assessed"] = _episodes_in(keys, assessments["_key"])
    out["assessed_not_cin"] = out["assessed"] & cin["ReasonForClosure"].isin(CLOSED_AFTER_ASSESSMENT).to_numpy()
    out["cin_plan"] = _episodes_in(keys, plans["_key"])
    out["s47"] = _episodes_in(keys, s47["_key"])
    out["icpc"] = _episodes_in(keys, s47.loc[s47["DateOfInitialCPC"].notna(), "_key"])
    out["cpp"] = _episodes_in(keys, cpp["_key"])

    # LAC, Section 20 (LS V2), interim care order (LS C1): an SSDA903 episode starting in the window.
    window_end = out["closure_date"].fillna(pd.Timestamp(f"{last_year}-03-31"))
    for flag, legal_status in (("lac", None), ("section20", "V2"), ("interim_care_order", "C1")):
        out[flag] = False
        if ssda903 is None or ssda903.empty:
            continue
        lac = ssda903[["child_id", "DECOM", "LS"]].copy()
        lac["start"] = parse_dates(lac["DECOM"])
        if legal_status is not None:
            lac = lac[lac["LS"] == legal_status]
        pairs = out[["child_id"]].assign(_row=np.arange(len(out)), _from=out["referral_date"], _to=window_end)
        pairs = pairs.merge(lac[["child_id", "start"]], on="child_id", how="inner")
        hit = pairs.loc[(pairs["start"] >= pairs["_from"]) & (pairs["start"] <= pairs["_to"]), "_row"].unique()
        out.loc[hit, flag] = True
        out[flag] = out[flag].astype(bool)

    # Re-referral within 12 months: the child's previous referral 1..365 days before.
    ordered = out[["child_id", "referral_date"]].sort_values(["child_id", "referral_date"])
    previous = ordered.groupby("child_id")["referral_date"].shift(1)
    gap = (ordered["referral_date"] - previous).dt.days
    out["rereferral_12m"] = ((gap >= 1) & (gap <= 365)).reindex(out.index).fillna(False).astype(bool)

    # CPP categories and repeat CPP.
    out["cpp_initial_category"] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["cpp_latest_category"] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["repeat_cpp"] = False
    if not cpp.empty:
        cpp = cpp.assign(start=parse_dates(cpp["CPPstartDate"]))
        cpp = cpp.sort_values(["_key", "start", "_line"], kind="stable")
        first = cpp.groupby("_key").first()
        last = cpp.groupby("_key").last()
        position = pd.Series(np.arange(len(out)), index=keys.to_numpy())
        rows_first = position.loc[first.index].to_numpy()
        out.loc[rows_first, "cpp_initial_category"] = (
            first["InitialCategoryOfAbuse"].map(codes.CATEGORY_OF_ABUSE).to_numpy()
        )
        out.loc[position.loc[last.index].to_numpy(), "cpp_latest_category"] = (
            last["LatestCategoryOfAbuse"].map(codes.CATEGORY_OF_ABUSE).to_numpy()
        )
        earliest_child_cpp = cpp.groupby("child_id")["start"].min()
        episode_first = first["start"]
        child_of = first["child_id"]
        repeat = earliest_child_cpp.reindex(child_of.to_numpy()).to_numpy() < episode_first.to_numpy()
        out.loc[rows_first, "repeat_cpp"] = repeat
        out["repeat_cpp"] = out["repeat_cpp"].astype(bool)

    # Factors at assessment: union over the episode's assessments, codes mapped to the 2017 list.
    analysis = factors["AssessmentFactors"].map(codes.analysis_factor)
    present = factors.assign(code=analysis).dropna(subset=["code"])[["_key", "code"]].drop_duplicates()
    factor_columns = {
        f"factor_{code}": _episodes_in(keys, present.loc[present["code"] == code, "_key"])
        for code in codes.FACTORS_2017
    }
    out = pd.concat([out, pd.DataFrame(factor_columns, index=out.index)], axis=1)
    out = out[list(EPISODE_COLUMNS)]
    return out.sort_values(["referral_date", "episode_id"], kind="stable").reset_index(drop=True)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """The data-model columns in a canonical form (dtypes, order, row order) for comparisons."""
    out = frame[list(EPISODE_COLUMNS)].copy()
    out = pd.DataFrame({column: out[column] for column in EPISODE_COLUMNS})
    for column in ("referral_date", "closure_date"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]").dt.normalize()
    for column in (
        "referral_year",
        "age_at_referral",
        "imd_decile_official",
        "imd_decile_least1",
        "imd_tertile_in_la_least1",
    ):
        out[column] = pd.to_numeric(out[column]).astype("Int64")
    out["imd2015_score"] = out["imd2015_score"].astype(float)
    for column in (*FLAG_COLUMNS, *codes.FACTOR_COLUMNS, "white_british"):
        out[column] = out[column].astype(bool)
    for column in (
        "episode_id",
        "child_id",
        "la_code",
        "age_group",
        "gender",
        "ethnicity_code",
        "ethnicity_group",
        "lsoa11",
        "referral_source",
        "referral_source_group",
        "cpp_initial_category",
        "cpp_latest_category",
    ):
        out[column] = out[column].astype("object").where(out[column].notna(), None)
    out = out.copy()  # consolidate the blocks after the column-wise conversions
    return out.sort_values(["la_code", "child_id", "referral_date"], kind="stable").reset_index(drop=True)


def compare(left: pd.DataFrame, right: pd.DataFrame) -> dict[str, int]:
    """Mismatching values per column between two episode tables matched on (la_code, child_id,
    referral_date); rows present in only one of them are counted under ``_missing_left`` /
    ``_missing_right``. An empty dict means the tables agree."""
    keys = ["la_code", "child_id", "referral_date"]
    a, b = normalise(left), normalise(right)
    merged = a.merge(b, on=keys, how="outer", suffixes=("_l", "_r"), indicator=True)
    result = {}
    only_left = int((merged["_merge"] == "left_only").sum())
    only_right = int((merged["_merge"] == "right_only").sum())
    if only_left:
        result["_missing_right"] = only_left
    if only_right:
        result["_missing_left"] = only_right
    both = merged[merged["_merge"] == "both"]
    for column in EPISODE_COLUMNS:
        if column in keys:
            continue
        l, r = both[f"{column}_l"], both[f"{column}_r"]
        if column == "imd2015_score":
            differ = ~(np.isclose(l.astype(float), r.astype(float), equal_nan=True))
        else:
            differ = ~((l == r).fillna(False).astype(bool) | (l.isna() & r.isna()))
        n = int(np.asarray(differ).sum())
        if n:
            result[column] = n
    return result

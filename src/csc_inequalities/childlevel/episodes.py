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

:func:`build_episodes` runs named steps, each testable alone: :func:`latest_referrals` (one row per
episode), :func:`episode_modules` (each module in its latest version), then the columns by
:func:`episode_frame`, :func:`child_characteristics`, :func:`deprivation`, :func:`referral_source`,
:func:`module_flags`, :func:`looked_after_flags`, :func:`rereferral_12m`, :func:`cpp_categories`
and :func:`factor_flags`.
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


def _episodes_in(keys: pd.Index, values: pd.Series) -> np.ndarray:
    """keys.isin(values) for the unique episode keys, by one hash lookup of the values (pandas'
    isin on pyarrow strings builds a pyarrow scalar per value: seconds for a large LA)."""
    flags = np.zeros(len(keys), dtype=bool)
    positions = keys.get_indexer(values)
    flags[positions[positions >= 0]] = True
    return flags


def _parse_dates(series: pd.Series) -> pd.Series:
    # Imported here: validation pulls in pandera, which the synthetic writers (importers of this
    # module for its column lists) do not need.
    from csc_inequalities.childlevel.validation import parse_dates

    return parse_dates(series)


def _episode_key(child_id: pd.Series, referral_date: pd.Series) -> pd.Series:
    """``child_id|YYYY-MM-DD``: the key that ties a return's rows to their episode."""
    return child_id + "|" + referral_date.dt.strftime("%Y-%m-%d")


# The columns that tell one module of an episode from another (same start date = same module).
MODULE_IDENTITY = {
    "assessments": ["AssessmentActualStartDate"],
    "cin_plan_dates": ["CINPlanStartDate"],
    "section47": ["S47ActualStartDate"],
    "child_protection_plans": ["CPPstartDate"],
}


def latest_referrals(cin_details: pd.DataFrame) -> pd.DataFrame:
    """One row per child and referral date: the CINdetails of the latest return that holds it.

    Rows without a child or a valid referral date are dropped. Adds ``referral_date`` (parsed) and
    the episode key ``_key``; the result has a fresh RangeIndex, one row per episode.
    """
    cin = cin_details.copy()
    cin["referral_date"] = _parse_dates(cin["CINreferralDate"])
    cin = cin[cin["referral_date"].notna() & cin["child_id"].notna()]
    cin = cin.sort_values(["child_id", "referral_date", "collection_year"], kind="stable")
    cin = cin.drop_duplicates(["child_id", "referral_date"], keep="last").reset_index(drop=True)
    cin["_key"] = _episode_key(cin["child_id"], cin["referral_date"])
    return cin


def _rows_of_episodes(frame: pd.DataFrame, episode_keys: pd.Index) -> pd.DataFrame:
    """``frame``'s rows (with a child) that belong to one of ``episode_keys``, with their ``_key``."""
    frame = frame[frame["child_id"].notna()].copy()
    frame["_key"] = _episode_key(frame["child_id"], _parse_dates(frame["CINreferralDate"]))
    # Index lookup, not isin: pandas' isin on pyarrow strings builds a pyarrow scalar per key.
    return frame[episode_keys.get_indexer(frame["_key"]) >= 0]


def latest_modules(
    frame: pd.DataFrame, identity: list[str], episode_keys: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A module table's rows for the episodes in ``episode_keys``, each module in its latest version.

    A module is identified by its episode and the ``identity`` columns (its start date; a missing
    one counts as ""). Where several returns hold it, only the rows of the highest
    ``collection_year`` are kept. Returns the kept rows (with ``_key``) and the versions kept:
    ``_key``, the identity columns and ``collection_year``, one row per module.
    """
    frame = _rows_of_episodes(frame, episode_keys)
    columns = ["_key", *identity]
    key_frame = frame.fillna({c: "" for c in identity})
    versions = key_frame[[*columns, "collection_year"]]
    versions = versions.groupby(columns, dropna=False)["collection_year"].max().reset_index()
    keep = key_frame[[*columns, "collection_year"]].merge(versions, how="left", indicator=True)["_merge"].eq("both")
    return frame[keep.to_numpy()], versions


def factors_of_kept_assessments(
    factors: pd.DataFrame, assessment_versions: pd.DataFrame, episode_keys: pd.Index
) -> pd.DataFrame:
    """Assessment-factor rows of the version of their assessment that is kept
    (``assessment_versions`` from :func:`latest_modules`)."""
    identity = MODULE_IDENTITY["assessments"]
    frame = _rows_of_episodes(factors, episode_keys).fillna({c: "" for c in identity})
    return frame.merge(assessment_versions, on=["_key", *identity, "collection_year"], how="inner")


def episode_modules(tables: dict[str, pd.DataFrame], episode_keys: pd.Index) -> dict[str, pd.DataFrame]:
    """An episode's modules: the union over the returns that hold it (DfE asks each return for the
    modules active in its year only: an assessment completed last year is in last year's return
    only). A module seen in several returns (same start date) is taken from the latest of them;
    assessment factors from the kept version of their assessment."""
    modules, versions = {}, {}
    for name, identity in MODULE_IDENTITY.items():
        modules[name], versions[name] = latest_modules(tables[name], identity, episode_keys)
    modules["assessment_factors"] = factors_of_kept_assessments(
        tables["assessment_factors"], versions["assessments"], episode_keys
    )
    return modules


def episode_frame(cin: pd.DataFrame, la_code: str) -> pd.DataFrame:
    """The identifying columns of each episode of :func:`latest_referrals`' ``cin``: child,
    LA, referral and closure date, referral year (ending 31 March) and the episode pseudonym."""
    out = pd.DataFrame({"child_id": cin["child_id"], "la_code": la_code, "referral_date": cin["referral_date"]})
    out["episode_id"] = [episode_id(c, k.split("|", 1)[1]) for c, k in zip(cin["child_id"], cin["_key"])]
    out["referral_year"] = year_ending_march(out["referral_date"]).astype(int)
    out["closure_date"] = _parse_dates(cin["CINclosureDate"])
    return out


def child_characteristics(cin: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
    """Age at referral, age group, gender and ethnicity of each episode's child, from the return
    that supplied the episode (``cin``'s ``collection_year``; the first child row of a return)."""
    children = children[["child_id", "collection_year", "PersonBirthDate", "GenderCurrent", "Ethnicity"]]
    children = children.drop_duplicates(["child_id", "collection_year"], keep="first")
    person = cin[["child_id", "collection_year"]].merge(children, on=["child_id", "collection_year"], how="left")
    out = pd.DataFrame(index=cin.index)
    out["age_at_referral"] = whole_years(_parse_dates(person["PersonBirthDate"]), cin["referral_date"])
    out["age_group"] = age_group(out["age_at_referral"])
    out["gender"] = person["GenderCurrent"].map(codes.GENDER_LABEL).fillna("unknown").astype("object")
    out["ethnicity_code"] = person["Ethnicity"].astype("object")
    out["ethnicity_group"] = person["Ethnicity"].map(codes.ETHNICITY_GROUP).fillna("Unknown").astype("object")
    out["white_british"] = (person["Ethnicity"] == "WBRI").fillna(False).astype(bool)
    return out


def deprivation(episodes: pd.DataFrame, child_lsoa: pd.DataFrame | None, lsoa_reference: pd.DataFrame) -> pd.DataFrame:
    """LSOA, IMD 2015 score and deciles of each episode's child (its first LSOA row), and the
    within-LA tertile (:func:`tertile_in_la`). ``episodes``: ``child_id``, ``la_code``. An LSOA
    missing from the reference (kept under policy warn) gives missing values."""
    lsoa = (
        child_lsoa[["child_id", "LSOA11CD"]].drop_duplicates("child_id")
        if child_lsoa is not None
        else pd.DataFrame(columns=["child_id", "LSOA11CD"])
    )
    located = episodes[["child_id"]].merge(lsoa, on="child_id", how="left")
    reference = lsoa_reference[["lsoa11", "imd2015_score", "imd_decile_official", "imd_decile_least1"]]
    located = located.merge(reference, left_on="LSOA11CD", right_on="lsoa11", how="left")
    out = pd.DataFrame(index=episodes.index)
    out["lsoa11"] = located["lsoa11"].astype("object")
    out["imd2015_score"] = located["imd2015_score"].astype(float)
    out["imd_decile_official"] = located["imd_decile_official"].astype("Int64")
    out["imd_decile_least1"] = located["imd_decile_least1"].astype("Int64")
    out["imd_tertile_in_la_least1"] = tertile_in_la(out["imd2015_score"], episodes["la_code"])
    return out


def referral_source(cin: pd.DataFrame) -> pd.DataFrame:
    """The referral source code and its group (codes not in the list: "Other")."""
    return pd.DataFrame(
        {
            "referral_source": cin["ReferralSource"].astype("object"),
            "referral_source_group": cin["ReferralSource"]
            .map(codes.REFERRAL_SOURCE_GROUP)
            .fillna("Other")
            .astype("object"),
        },
        index=cin.index,
    )


def module_flags(cin: pd.DataFrame, modules: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """NFA, assessed, assessed but closed as not in need (RC8/RC9), CIN plan, S47, ICPC (an S47
    with a conference date) and CPP flags of each episode of ``cin`` (its ``_key``s are unique)."""
    keys = pd.Index(cin["_key"])
    s47 = modules["section47"]
    out = pd.DataFrame(index=cin.index)
    out["nfa"] = codes.parse_bool(cin["ReferralNFA"]).to_numpy()
    out["assessed"] = _episodes_in(keys, modules["assessments"]["_key"])
    out["assessed_not_cin"] = out["assessed"] & cin["ReasonForClosure"].isin(CLOSED_AFTER_ASSESSMENT).to_numpy()
    out["cin_plan"] = _episodes_in(keys, modules["cin_plan_dates"]["_key"])
    out["s47"] = _episodes_in(keys, s47["_key"])
    out["icpc"] = _episodes_in(keys, s47.loc[s47["DateOfInitialCPC"].notna(), "_key"])
    out["cpp"] = _episodes_in(keys, modules["child_protection_plans"]["_key"])
    return out


LOOKED_AFTER_FLAGS = (("lac", None), ("section20", "V2"), ("interim_care_order", "C1"))


def looked_after_flags(episodes: pd.DataFrame, ssda903: pd.DataFrame | None, last_year: int) -> pd.DataFrame:
    """LAC, Section 20 (legal status V2) and interim care order (C1): an SSDA903 episode of the
    child starting (DECOM) between the referral date and the closure date, both inclusive; an open
    episode runs to 31 March of ``last_year``. ``episodes``: ``child_id``, ``referral_date``,
    ``closure_date``."""
    out = pd.DataFrame(index=episodes.index)
    window_end = episodes["closure_date"].fillna(pd.Timestamp(f"{last_year}-03-31"))
    for flag, legal_status in LOOKED_AFTER_FLAGS:
        out[flag] = False
        if ssda903 is None or ssda903.empty:
            continue
        lac = ssda903[["child_id", "DECOM", "LS"]].copy()
        lac["start"] = _parse_dates(lac["DECOM"])
        if legal_status is not None:
            lac = lac[lac["LS"] == legal_status]
        pairs = episodes[["child_id"]].assign(
            _row=np.arange(len(episodes)), _from=episodes["referral_date"], _to=window_end
        )
        pairs = pairs.merge(lac[["child_id", "start"]], on="child_id", how="inner")
        hit = pairs.loc[(pairs["start"] >= pairs["_from"]) & (pairs["start"] <= pairs["_to"]), "_row"].unique()
        out.loc[out.index[hit], flag] = True
        out[flag] = out[flag].astype(bool)
    return out


def rereferral_12m(episodes: pd.DataFrame) -> pd.Series:
    """Re-referral within 12 months: the child's previous referral was 1 to 365 days before."""
    ordered = episodes[["child_id", "referral_date"]].sort_values(["child_id", "referral_date"])
    previous = ordered.groupby("child_id")["referral_date"].shift(1)
    gap = (ordered["referral_date"] - previous).dt.days
    return ((gap >= 1) & (gap <= 365)).reindex(episodes.index).fillna(False).astype(bool)


def cpp_categories(keys: pd.Index, cpp: pd.DataFrame) -> pd.DataFrame:
    """Initial category of abuse of the episode's first CPP, latest category of its last CPP (by
    start date, then source line) and repeat CPP: the child had a CPP starting before the episode's
    first one (in any episode). ``keys``: the episodes' unique ``_key``s in row order."""
    out = pd.DataFrame(index=pd.RangeIndex(len(keys)))
    out["cpp_initial_category"] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["cpp_latest_category"] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["repeat_cpp"] = False
    if cpp.empty:
        return out
    cpp = cpp.assign(start=_parse_dates(cpp["CPPstartDate"]))
    cpp = cpp.sort_values(["_key", "start", "_line"], kind="stable")
    first = cpp.groupby("_key").first()
    last = cpp.groupby("_key").last()
    position = pd.Series(np.arange(len(keys)), index=keys.to_numpy())
    rows_first = position.loc[first.index].to_numpy()
    out.loc[rows_first, "cpp_initial_category"] = (
        first["InitialCategoryOfAbuse"].map(codes.CATEGORY_OF_ABUSE).to_numpy()
    )
    out.loc[position.loc[last.index].to_numpy(), "cpp_latest_category"] = (
        last["LatestCategoryOfAbuse"].map(codes.CATEGORY_OF_ABUSE).to_numpy()
    )
    earliest_child_cpp = cpp.groupby("child_id")["start"].min()
    repeat = earliest_child_cpp.reindex(first["child_id"].to_numpy()).to_numpy() < first["start"].to_numpy()
    out.loc[rows_first, "repeat_cpp"] = repeat
    out["repeat_cpp"] = out["repeat_cpp"].astype(bool)
    return out


def factor_flags(keys: pd.Index, factors: pd.DataFrame) -> pd.DataFrame:
    """``factor_<code>`` for each factor of the 2017 list: the union over the episode's kept
    assessments, codes mapped to the 2017 list (:func:`codes.analysis_factor`)."""
    analysis = factors["AssessmentFactors"].map(codes.analysis_factor)
    present = factors.assign(code=analysis).dropna(subset=["code"])[["_key", "code"]].drop_duplicates()
    return pd.DataFrame(
        {
            f"factor_{code}": _episodes_in(keys, present.loc[present["code"] == code, "_key"])
            for code in codes.FACTORS_2017
        },
        index=pd.RangeIndex(len(keys)),
    )


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
    cin = latest_referrals(tables["cin_details"])
    keys = pd.Index(cin["_key"])  # unique: one row per child and referral date
    modules = episode_modules(tables, keys)
    out = episode_frame(cin, la_code)
    out = pd.concat(
        [
            out,
            child_characteristics(cin, tables["children"]),
            deprivation(out, child_lsoa, lsoa_reference),
            referral_source(cin),
            module_flags(cin, modules),
            looked_after_flags(out, ssda903, last_year),
            rereferral_12m(out).rename("rereferral_12m"),
            cpp_categories(keys, modules["child_protection_plans"]),
            factor_flags(keys, modules["assessment_factors"]),
        ],
        axis=1,
    )
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

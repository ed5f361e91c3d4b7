"""Reconcile an LA's extract with DfE's published figures for that LA.

DfE's yearly figures for an LA are built from that LA's own CIN census and SSDA903 returns, so the
extract's counts should come close to them: a large gap means a return of another LA or year, a
return cut short, or a definition that differs (documented in docs/extracts.md). The counts
(one per collection year = year ending 31 March, from the pseudonymised record tables of all
returns merged) follow DfE's definitions as far as the returns allow:

- ``referrals``: distinct (child, referral date) with the referral date in the year;
- ``assessments``: distinct assessments (child, referral, start date) authorised (completed) in the year;
- ``s47``: distinct section 47 enquiries (child, referral, start date) starting in the year;
- ``icpc``: distinct initial child protection conferences (child, referral, date) in the year,
  recorded under the S47 module or under CINdetails;
- ``cpp_starting``: distinct child protection plans (child, referral, start date) starting in the year;
- ``cin_at_31_march``: children with an episode open at 31 March (referred on or before it, not
  closed by it, not a referral with no further action), the episode as the latest return holds it;
- ``cla_started``: children with an SSDA903 episode starting to be looked after (RNE ``S``) in the year.

Measure names and DfE's figures: :mod:`csc_inequalities.national.la_counts`.
"""

from __future__ import annotations

import math

import pandas as pd

from csc_inequalities.childlevel import codes
from csc_inequalities.national.la_counts import MEASURE_NAMES, MEASURES


def _in_year(dates: pd.Series, year: int) -> pd.Series:
    start, end = pd.Timestamp(f"{year - 1}-04-01"), pd.Timestamp(f"{year}-03-31")
    return (dates >= start) & (dates <= end)


def _distinct(frame: pd.DataFrame, date_column: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows with a parsed ``date``, one per (child, referral date, *extra, date) over all returns."""
    from csc_inequalities.childlevel.validation import parse_dates  # pandera: the childlevel env only

    if frame is None or not len(frame) or date_column not in frame:
        return pd.DataFrame({"child_id": pd.Series(dtype=object), "date": pd.Series(dtype="datetime64[ns]")})
    out = frame.assign(date=parse_dates(frame[date_column]))
    out = out[out["date"].notna() & out["child_id"].notna()]
    keys = ["child_id", "CINreferralDate", *extra, "date"]
    return out.drop_duplicates(keys)[keys]


def extract_yearly_counts(
    tables: dict[str, pd.DataFrame], ssda903: pd.DataFrame | None, years: list[int]
) -> pd.DataFrame:
    """The extract's count of each measure in each collection year: columns ``year``, ``measure``,
    ``extract`` (int). ``tables``: the record tables of all returns stacked, with ``child_id`` and
    ``collection_year`` (as :func:`childlevel.extracts.load_la` hands them on); ``ssda903``:
    ``child_id``, ``DECOM``, ``RNE`` (None: no looked-after count)."""
    from csc_inequalities.childlevel.validation import parse_dates

    cin = tables["cin_details"]
    referrals = _distinct(cin, "CINreferralDate")
    assessments = _distinct(tables.get("assessments"), "AssessmentAuthorisationDate", ("AssessmentActualStartDate",))
    s47 = _distinct(tables.get("section47"), "S47ActualStartDate")
    icpc = pd.concat(
        [_distinct(tables.get("section47"), "DateOfInitialCPC"), _distinct(cin, "DateOfInitialCPC")], ignore_index=True
    ).drop_duplicates(["child_id", "CINreferralDate", "date"])
    cpp = _distinct(tables.get("child_protection_plans"), "CPPstartDate")
    # The latest return's version of each episode decides whether it was open at 31 March.
    latest = cin[cin["child_id"].notna()].sort_values("collection_year", kind="stable")
    latest = latest.drop_duplicates(["child_id", "CINreferralDate"], keep="last")
    referral = parse_dates(latest["CINreferralDate"])
    closure = parse_dates(latest["CINclosureDate"])
    nfa = codes.parse_bool(latest["ReferralNFA"]).fillna(False).astype(bool)
    if ssda903 is not None and len(ssda903):
        starts = ssda903.assign(date=parse_dates(ssda903["DECOM"]))
        starts = starts[starts["RNE"].astype("string").str.strip().eq("S").fillna(False) & starts["date"].notna()]
    else:
        starts = None
    rows = []
    for year in sorted(int(y) for y in years):
        march = pd.Timestamp(f"{year}-03-31")
        open_at = (referral <= march) & (closure.isna() | (closure > march)) & ~nfa
        counts = {
            "referrals": int(_in_year(referrals["date"], year).sum()),
            "assessments": int(_in_year(assessments["date"], year).sum()),
            "s47": int(_in_year(s47["date"], year).sum()),
            "icpc": int(_in_year(icpc["date"], year).sum()),
            "cpp_starting": int(_in_year(cpp["date"], year).sum()),
            "cin_at_31_march": int(latest.loc[open_at.to_numpy(), "child_id"].nunique()),
            "cla_started": (
                None if starts is None else int(starts.loc[_in_year(starts["date"], year), "child_id"].nunique())
            ),
        }
        rows += [{"year": year, "measure": m, "extract": counts[m]} for m in MEASURE_NAMES]
    return pd.DataFrame(rows, columns=["year", "measure", "extract"]).astype({"extract": "Int64"})


def reconcile(extract: pd.DataFrame, published: pd.DataFrame, tolerance: float, min_cell: int = 0) -> pd.DataFrame:
    """The extract's counts beside DfE's, per year and measure.

    ``extract``: ``year``, ``measure``, ``extract`` (:func:`extract_yearly_counts`); ``published``:
    ``year``, ``measure``, ``published`` (``national.la_counts.la_year_counts`` of the LA).
    Returns one row per (year, measure) of ``extract`` with ``label``, ``extract``, ``published``,
    ``difference`` (extract - published), ``relative_gap`` (difference / published), ``flag``
    (|relative gap| > ``tolerance``) and ``status``: "within tolerance", "gap beyond tolerance",
    "no published figure", "not in the extract" (no SSDA903 file: no looked-after count) or
    "suppressed" (an extract count below ``min_cell``: count, difference and gap not shown)."""
    if not 0 <= tolerance:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    merged = extract.merge(published[["year", "measure", "published"]], on=["year", "measure"], how="left")
    merged["label"] = merged["measure"].map(lambda m: MEASURES[m][0])
    extract_count = merged["extract"].astype("Float64")
    merged["difference"] = extract_count - merged["published"]
    merged["relative_gap"] = merged["difference"] / merged["published"].where(merged["published"] > 0)
    status, flag = [], []
    for e, p, gap in zip(merged["extract"], merged["published"], merged["relative_gap"]):
        if pd.isna(e):
            status.append("not in the extract")
            flag.append(False)
        elif e < min_cell:
            status.append("suppressed")
            flag.append(False)
        elif pd.isna(p) or pd.isna(gap):
            status.append("no published figure")
            flag.append(False)
        elif abs(float(gap)) > tolerance + 1e-12:
            status.append("gap beyond tolerance")
            flag.append(True)
        else:
            status.append("within tolerance")
            flag.append(False)
    merged["status"] = status
    merged["flag"] = flag
    hide = merged["status"].eq("suppressed")
    for column in ("extract", "difference", "relative_gap"):
        merged[column] = merged[column].astype("Float64").mask(hide)
    merged["tolerance"] = tolerance
    return merged[
        [
            "year",
            "measure",
            "label",
            "extract",
            "published",
            "difference",
            "relative_gap",
            "flag",
            "status",
            "tolerance",
        ]
    ]


def largest_gap(reconciliation: pd.DataFrame) -> dict | None:
    """The row with the largest |relative gap| (year, measure, label, extract, published, relative_gap),
    None when no gap could be computed."""
    gaps = reconciliation.dropna(subset=["relative_gap"])
    if not len(gaps):
        return None
    row = gaps.loc[gaps["relative_gap"].astype(float).abs().idxmax()]
    return {
        "year": int(row["year"]),
        "measure": row["measure"],
        "label": row["label"],
        "extract": int(row["extract"]),
        "published": float(row["published"]),
        "relative_gap": float(row["relative_gap"]),
    }


def imd_neighbours(la_imd: pd.DataFrame, la_code: str, n: int) -> pd.DataFrame:
    """The ``n`` LAs nearest ``la_code`` in IMD 2015 average score (absolute difference; ties by LA
    code), from the shipped LA table (``utla13_code``, ``utla13_name``, ``avg_score``). Returns
    ``la_code``, ``la_name``, ``imd2015_avg_score``, ``distance``, nearest first; the LA itself is
    not among them. Unlike DfE's/CIPFA's statistical neighbours (many indicators) this uses
    deprivation alone, the study's axis of comparison."""
    table = la_imd.rename(
        columns={"utla13_code": "la_code", "utla13_name": "la_name", "avg_score": "imd2015_avg_score"}
    )
    own = table.loc[table["la_code"] == la_code, "imd2015_avg_score"]
    if not len(own) or math.isnan(float(own.iloc[0])):
        raise KeyError(f"{la_code} is not in the LA IMD table")
    others = table[(table["la_code"] != la_code) & table["imd2015_avg_score"].notna()].copy()
    others["distance"] = (others["imd2015_avg_score"] - float(own.iloc[0])).abs()
    others = others.sort_values(["distance", "la_code"], kind="stable").head(int(n))
    return others[["la_code", "la_name", "imd2015_avg_score", "distance"]].reset_index(drop=True)

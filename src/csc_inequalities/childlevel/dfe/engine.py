"""The mechanism of DfE's CIN census validation rules: a registry of rules, each a small function
with its DfE code, severity and message, valid for a range of collection years, run on one
parsed return.

A rule receives a :class:`ReturnData` (the record tables of one return with their dates parsed
and an episode key) and returns :class:`Flag` s: the rows of one table that fail, the field
flagged, what was expected and what was found. The engine turns each flagged row into a
:class:`~csc_inequalities.childlevel.findings.Finding` (one row per flagged field, the shape LA
analysts know from DfE's validator: rule code, severity, file, line, child, record, field,
expected, found) plus the episode keys, so that a rule's policy can drop the episodes it flags.

Rule identifiers are ``dfe_<code>`` (``dfe_8875``; queries keep DfE's ``Q``: ``dfe_8897Q``).
Where DfE changed a rule between collection years, the rule has one function per version, each
registered for its years (``years=(first, last)``, collection year = year ending 31 March).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from csc_inequalities.childlevel import codes
from csc_inequalities.childlevel.findings import Finding
from csc_inequalities.childlevel.records import CensusReturn

FIRST_YEAR = 2014  # the 2013-14 specification: the first of the CINdetails/Assessments layout used here
SEVERITIES = ("error", "query")
RECORDS = {
    "header": "Header",
    "children": "Child",
    "cin": "CINdetails",
    "assessments": "Assessments",
    "factors": "AssessmentFactors",
    "plans": "CINPlanDates",
    "s47": "Section47",
    "cpp": "ChildProtectionPlans",
}


@dataclasses.dataclass(frozen=True)
class DfeRule:
    code: str  # DfE's code, e.g. "8875" or "8897Q"
    message: str  # DfE's message to display
    severity: str  # error | query
    years: tuple[int, int | None]  # collection years the version applies to (inclusive; None = open)
    check: Callable[[ReturnData], list[Flag]]

    @property
    def rule_id(self) -> str:
        return f"dfe_{self.code}"

    def applies(self, year: int) -> bool:
        first, last = self.years
        return year >= first and (last is None or year <= last)


@dataclasses.dataclass
class Flag:
    table: str  # a key of RECORDS
    rows: np.ndarray  # boolean mask over the table's rows
    field: str
    expected: str
    found: pd.Series | None = None  # per row; default: the field's value as written


REGISTRY: list[DfeRule] = []


def dfe_rule(code: str, message: str, severity: str = "error", years: tuple[int, int | None] = (FIRST_YEAR, None)):
    """Register a rule function for ``years``; the function returns the rule's flags."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}")

    def register(function: Callable[[ReturnData], list[Flag]]):
        rule = DfeRule(code, message, severity, years, function)
        for other in REGISTRY:
            if other.code == code and _overlap(other.years, years):
                raise ValueError(f"DfE rule {code} registered twice for overlapping years")
        REGISTRY.append(rule)
        function.rule = rule
        return function

    return register


def _overlap(a: tuple[int, int | None], b: tuple[int, int | None]) -> bool:
    a_last = a[1] if a[1] is not None else 10_000
    b_last = b[1] if b[1] is not None else 10_000
    return a[0] <= b_last and b[0] <= a_last


def rules_for_year(year: int) -> list[DfeRule]:
    """The rules (one version each) that apply to collection ``year``, in code order."""
    return sorted((r for r in REGISTRY if r.applies(year)), key=lambda r: (int(r.code.rstrip("Q")), r.code))


def rule_catalogue() -> pd.DataFrame:
    """Every registered rule version: code, rule id, severity, years, message."""
    rows = [
        {
            "code": r.code,
            "rule": r.rule_id,
            "severity": r.severity,
            "first_year": r.years[0],
            "last_year": r.years[1],
            "message": r.message,
        }
        for r in REGISTRY
    ]
    return (
        pd.DataFrame(rows)
        .sort_values(
            ["code", "first_year"],
            key=lambda s: s.map(lambda v: (int(str(v).rstrip("Q")), str(v)) if s.name == "code" else v),
        )
        .reset_index(drop=True)
    )


def dfe_descriptions() -> dict[str, str]:
    """Rule id -> description (versions of one rule that differ in message are joined)."""
    texts: dict[str, list[str]] = {}
    for r in REGISTRY:
        text = f"DfE {r.code} ({r.severity}): {r.message}"
        if text not in texts.setdefault(r.rule_id, []):
            texts[r.rule_id].append(text)
    return {rule: " / ".join(t) for rule, t in texts.items()}


def dfe_default_policy() -> dict[str, str]:
    """Error-level rules stop the run; queries are reported and kept."""
    return {r.rule_id: "error" if r.severity == "error" else "warn" for r in REGISTRY}


# ----------------------------------------------------------------------------------------------
# The return as the rules see it.


def _dates(series: pd.Series) -> pd.Series:
    """YYYY-MM-DD -> datetime64 (anything else NaT: the rules run on returns whose dates passed the
    structural check)."""
    return (
        pd.to_datetime(series.astype("string"), format="%Y-%m-%d", errors="coerce")
        .astype("datetime64[ns]")
        .reset_index(drop=True)
    )


def _key(frame: pd.DataFrame) -> pd.Series:
    return (
        frame["LAchildID"].astype("string").fillna("") + "|" + frame["CINreferralDate"].astype("string").fillna("")
    ).reset_index(drop=True)


def _assessment_key(frame: pd.DataFrame) -> pd.Series:
    """One assessment = the episode key and its start date, as the factors name it."""
    return frame["_key"] + "|" + frame["AssessmentActualStartDate"].astype("string").fillna("").reset_index(drop=True)


@dataclasses.dataclass
class ReturnData:
    """One return's record tables (reset index) with parsed dates (``_``-prefixed columns)."""

    year: int
    file: str
    start: pd.Timestamp  # 1 April of the census year
    reference: pd.Timestamp  # the reference date, 31 March
    children: pd.DataFrame
    cin: pd.DataFrame
    assessments: pd.DataFrame
    factors: pd.DataFrame
    plans: pd.DataFrame
    s47: pd.DataFrame
    cpp: pd.DataFrame
    header: dict

    @classmethod
    def from_census(cls, census: CensusReturn) -> ReturnData:
        t = {name: frame.reset_index(drop=True).copy() for name, frame in census.tables.items()}
        children = t["children"]
        children["_birth"] = _dates(children["PersonBirthDate"])
        cin = t["cin_details"]
        cin["_key"] = _key(cin)
        cin["_ref"], cin["_close"] = _dates(cin["CINreferralDate"]), _dates(cin["CINclosureDate"])
        cin["_icpc"] = _dates(cin["DateOfInitialCPC"])
        cin["_nfa"] = codes.parse_bool(cin["ReferralNFA"]).to_numpy()
        assessments = t["assessments"]
        assessments["_key"] = _key(assessments)
        assessments["_start"] = _dates(assessments["AssessmentActualStartDate"])
        assessments["_auth"] = _dates(assessments["AssessmentAuthorisationDate"])
        assessments["_akey"] = _assessment_key(assessments)
        factors = t["assessment_factors"]
        factors["_key"] = _key(factors)
        factors["_akey"] = _assessment_key(factors)
        plans = t["cin_plan_dates"]
        plans["_key"] = _key(plans)
        plans["_start"], plans["_end"] = _dates(plans["CINPlanStartDate"]), _dates(plans["CINPlanEndDate"])
        s47 = t["section47"]
        s47["_key"] = _key(s47)
        s47["_start"], s47["_icpc"] = _dates(s47["S47ActualStartDate"]), _dates(s47["DateOfInitialCPC"])
        s47["_not_required"] = codes.parse_bool(s47["ICPCnotRequired"]).to_numpy()
        cpp = t["child_protection_plans"]
        cpp["_key"] = _key(cpp)
        cpp["_start"], cpp["_end"] = _dates(cpp["CPPstartDate"]), _dates(cpp["CPPendDate"])
        return cls(
            census.year,
            census.file,
            pd.Timestamp(f"{census.year - 1}-04-01"),
            pd.Timestamp(f"{census.year}-03-31"),
            children,
            cin,
            assessments,
            factors,
            plans,
            s47,
            cpp,
            dict(census.header),
        )

    def table(self, name: str) -> pd.DataFrame:
        if name == "header":  # one row: the header's fields, no child
            return pd.DataFrame(
                {
                    "LAchildID": [None],
                    "CINreferralDate": [None],
                    "_line": [self.header.get("_line")],
                    **{k: [v] for k, v in self.header.items() if not k.startswith("_")},
                }
            )
        return getattr(self, name)

    def parent(self, frame: pd.DataFrame, column: str) -> pd.Series:
        """The value of a CINdetails ``column`` for each row of a sub-record table (by episode key;
        the first CINdetails of a key if a return repeats it)."""
        if self.cin.empty:  # sub-records without any CINdetails (possible in the CSV route)
            if pd.api.types.is_datetime64_any_dtype(self.cin[column]):
                return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
            return pd.Series([None] * len(frame), index=frame.index, dtype=object)
        cache = self.__dict__.setdefault("_parent_positions", {})
        positions = cache.get(id(frame))
        if positions is None:
            first = self.cin.drop_duplicates("_key")
            positions = pd.Index(first["_key"]).get_indexer(frame["_key"])
            positions = np.where(positions >= 0, first.index.to_numpy()[positions], -1)
            cache[id(frame)] = positions
        values = self.cin[column].to_numpy()
        picked = values[np.maximum(positions, 0)]
        result = pd.Series(picked, index=frame.index)
        return result.where(positions >= 0)

    def in_census_year(self, dates: pd.Series) -> pd.Series:
        return (dates >= self.start) & (dates <= self.reference)


# ----------------------------------------------------------------------------------------------
# Helpers the rules share.


def missing(series: pd.Series) -> pd.Series:
    return series.isna()


def text(value) -> str:
    return (
        "nothing (empty or absent)"
        if value is None or (not isinstance(value, str) and pd.isna(value))
        else repr(str(value))
    )


def date_text(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d")


def any_in_group(keys: pd.Series, mask: pd.Series | np.ndarray, of: pd.Series) -> np.ndarray:
    """For each value of ``of``: does any row with ``keys == value`` have ``mask``?"""
    hit = pd.Index(pd.Series(keys)[np.asarray(mask, dtype=bool)].unique())
    return hit.get_indexer(pd.Series(of)) >= 0


def flag(table: str, rows, field: str, expected: str, found: pd.Series | None = None) -> list[Flag]:
    rows = (
        np.asarray(pd.Series(rows).fillna(False), dtype=bool) if not isinstance(rows, np.ndarray) else rows.astype(bool)
    )
    if not rows.any():
        return []
    return [Flag(table, rows, field, expected, found)]


def interval_starts_inside(
    frame: pd.DataFrame,
    start: str,
    end: str,
    reference: pd.Timestamp,
    group: str = "_key",
    open_end_to_reference: bool = True,
    start_inclusive: bool = True,
    end_inclusive: bool = True,
    others: pd.DataFrame | None = None,
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """For each row: does its ``start`` fall within another row's [start, end] of the same
    ``group`` (an open end runs to ``reference``)? With ``others``, the intervals are those of
    another table (same group key), not of the other rows of ``frame``; ``eligible``: which rows of
    the interval table count (default all)."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    left = frame[[group, start]].rename(columns={start: "_s"}).assign(_row=np.arange(len(frame)))
    source = frame if others is None else others
    right = source[[group, start, end]].rename(columns={start: "_rs", end: "_re"}).assign(_other=np.arange(len(source)))
    if eligible is not None:
        right = right[np.asarray(eligible, dtype=bool)]
    pairs = left.merge(right, on=group, how="inner")
    if others is None:
        pairs = pairs[pairs["_row"] != pairs["_other"]]
    pairs = pairs[pairs["_s"].notna() & pairs["_rs"].notna()]
    end_dates = pairs["_re"].fillna(reference) if open_end_to_reference else pairs["_re"]
    after = pairs["_s"] >= pairs["_rs"] if start_inclusive else pairs["_s"] > pairs["_rs"]
    before = pairs["_s"] <= end_dates if end_inclusive else pairs["_s"] < end_dates
    hit = pairs.loc[(after & before).fillna(False).to_numpy(dtype=bool), "_row"].unique()
    result = np.zeros(len(frame), dtype=bool)
    result[hit] = True
    return result


# ----------------------------------------------------------------------------------------------
# Running the rules.


@dataclasses.dataclass
class DfeResult:
    findings: list[Finding]
    keys: pd.DataFrame  # LAchildID, CINreferralDate, rule: the episodes each finding concerns
    counts: dict[str, int]  # findings per rule id


def _to_findings(rule: DfeRule, flag_: Flag, data: ReturnData) -> tuple[list[Finding], pd.DataFrame | None]:
    frame = data.table(flag_.table)
    rows = frame.loc[flag_.rows]
    if flag_.found is not None:
        found = pd.Series(flag_.found, index=frame.index).loc[flag_.rows]
        found = [f if isinstance(f, str) else text(f) for f in found]
    elif flag_.field in frame.columns:
        found = [text(v) for v in rows[flag_.field]]
    else:
        found = ["nothing (empty or absent)"] * len(rows)
    record = RECORDS[flag_.table]
    if flag_.table in ("children", "header"):
        records = [record] * len(rows)
    else:
        records = [f"{record} referral {r}" for r in rows["CINreferralDate"].astype("string").fillna("?")]
    findings = [
        Finding(
            rule.rule_id,
            data.file,
            None if pd.isna(line) else int(line),
            None if pd.isna(child) else str(child),
            flag_.field,
            flag_.expected,
            value,
            record=rec,
            severity=rule.severity,
            description=rule.message,
        )
        for line, child, rec, value in zip(rows["_line"], rows["LAchildID"], records, found)
    ]
    keys = None
    if flag_.table not in ("children", "header"):
        keys = rows[["LAchildID", "CINreferralDate"]].assign(rule=rule.rule_id)
    return findings, keys


def run_rules(census: CensusReturn, rules: Iterable[DfeRule] | None = None) -> DfeResult:
    """Run the rules of the return's collection year (or ``rules``) on one parsed return."""
    data = ReturnData.from_census(census)
    findings: list[Finding] = []
    keys: list[pd.DataFrame] = []
    counts: dict[str, int] = {}
    for rule in rules_for_year(census.year) if rules is None else rules:
        for flag_ in rule.check(data):
            found, episode_keys = _to_findings(rule, flag_, data)
            findings.extend(found)
            counts[rule.rule_id] = counts.get(rule.rule_id, 0) + len(found)
            if episode_keys is not None:
                keys.append(episode_keys)
    key_frame = (
        pd.concat(keys, ignore_index=True) if keys else pd.DataFrame(columns=["LAchildID", "CINreferralDate", "rule"])
    )
    return DfeResult(findings, key_frame, counts)

"""Validation of the record tables before any analysis.

Structural checks (missing required field, value outside the DfE code list of the collection
year, bad date format, duplicate child) are pandera schemas, built per collection year and run
lazily so that every failure is reported at once; failure cases become :class:`Finding` records
with file, line/row, child reference, field, expected and found. Consistency checks (dates out of
order or outside the collection period, NFA with later actions, duplicate episodes, unknown LSOA)
are vectorised comparisons on the parsed dates; each rule's action (error | drop | warn) comes
from ``validation.policy`` (defaults: :data:`findings.DEFAULT_POLICY`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from csc_inequalities.childlevel import codes
from csc_inequalities.childlevel.findings import Finding
from csc_inequalities.childlevel.records import CensusReturn

# How findings name each record table: the XML element (the CSV tables mirror them).
RECORD_NAMES = {
    "children": "Child",
    "cin_details": "CINdetails",
    "assessments": "Assessments",
    "assessment_factors": "AssessmentFactors",
    "cin_plan_dates": "CINPlanDates",
    "section47": "Section47",
    "child_protection_plans": "ChildProtectionPlans",
}

DATE_FORMAT = "%Y-%m-%d"
# Years 1900-2099 only: earlier years are not plausible and overflow nanosecond timestamps.
_ISO_DATE = r"(?:19|20)\d{2}-\d{2}-\d{2}"
_UK_DATE = r"\d{2}/\d{2}/(?:19|20)\d{2}"
LS_CODES = frozenset({"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"})
RNE_CODES = frozenset({"P", "L", "T", "S", "U", "B"})
_SEP = "\x1f"  # separates rule and expected text in a pandera check's error string


def _codes_text(values) -> str:
    values = sorted(values, key=lambda v: (len(v), v))
    return ", ".join(values)


def parse_dates(series: pd.Series, uk: bool = True) -> pd.Series:
    """YYYY-MM-DD (CIN census) or, if ``uk``, DD/MM/YYYY (SSDA903 exports) -> datetime64;
    anything else (and impossible dates such as 2019-02-30) -> NaT."""
    # Kept as pandas strings (no Python objects); the DD/MM/YYYY pass only runs on what is left.
    text = series.astype("string")
    iso = text.str.fullmatch(_ISO_DATE).fillna(False).to_numpy(dtype=bool)
    dates = pd.to_datetime(text.where(iso), format=DATE_FORMAT, errors="coerce")
    rest = ~iso & text.notna().to_numpy(dtype=bool)
    if uk and rest.any():
        uk_rows = rest & text.str.fullmatch(_UK_DATE).fillna(False).to_numpy(dtype=bool)
        if uk_rows.any():
            dates = dates.fillna(pd.to_datetime(text.where(uk_rows), format="%d/%m/%Y", errors="coerce"))
    return dates.astype("datetime64[ns]")


def _check(rule: str, expected: str, fn: Callable[[pd.Series], pd.Series]) -> pa.Check:
    return pa.Check(fn, element_wise=False, name=rule, error=f"{rule}{_SEP}{expected}")


def _date_check(uk_allowed: bool = False) -> pa.Check:
    expected = "a date YYYY-MM-DD" + (" or DD/MM/YYYY" if uk_allowed else "") + " (years 1900-2099)"

    def valid(series: pd.Series) -> pd.Series:
        # parse_dates only gives a date for text of an accepted form that is a real date.
        return parse_dates(series, uk=uk_allowed).notna()

    return _check("bad_date", expected, valid)


def _code_check(values, label: str) -> pa.Check:
    allowed = frozenset(values)
    return _check("invalid_code", f"{label}: one of {_codes_text(allowed)}", lambda s: s.isin(allowed))


def _multi_code_check(values, label: str) -> pa.Check:
    allowed = frozenset(values)

    def valid(series: pd.Series) -> pd.Series:
        parts = series.astype("string").str.split(";").explode().str.strip()
        return parts.isin(allowed).groupby(level=0).all().reindex(series.index, fill_value=True)

    return _check("invalid_code", f"{label}: codes separated by ';', each one of {_codes_text(allowed)}", valid)


def _yes_no() -> pa.Check:
    return _check(
        "bad_value",
        "a boolean: true, false, 1 or 0",
        lambda s: s.astype("string").str.lower().isin(list(codes.YES_NO)).fillna(False),
    )


def _pattern(pattern: str, expected: str) -> pa.Check:
    return _check("bad_value", expected, lambda s: s.astype("string").str.fullmatch(pattern).fillna(False))


def _col(required: bool = False, checks: list[pa.Check] | None = None, unique: bool = False) -> pa.Column:
    return pa.Column(
        None, nullable=not required, unique=unique, checks=checks or [], required=True, report_duplicates="all"
    )


def census_schemas(year: int) -> dict[str, pa.DataFrameSchema]:
    """The structural schema of each record table for collection ``year`` (year ending March)."""
    date = _date_check()
    y = f"the {year} code list"
    return {
        "children": pa.DataFrameSchema(
            {
                "LAchildID": _col(True, unique=True),
                "UPN": _col(checks=[_pattern(r"[A-Z]\d{11}[0-9A-Z]", "a UPN: a letter, 11 digits, a digit or letter")]),
                "FormerUPN": _col(
                    checks=[_pattern(r"[A-Z]\d{11}[0-9A-Z]", "a UPN: a letter, 11 digits, a digit or letter")]
                ),
                "UPNunknown": _col(checks=[_code_check(codes.UPN_UNKNOWN_CODES, "UPNunknown")]),
                "PersonBirthDate": _col(checks=[date]),
                "ExpectedPersonBirthDate": _col(checks=[date]),
                "GenderCurrent": _col(True, [_code_check(codes.gender_codes(year), f"GenderCurrent, {y}")]),
                "PersonDeathDate": _col(checks=[date]),
                "Ethnicity": _col(True, [_code_check(codes.ETHNICITY_CODES, f"Ethnicity, {y}")]),
                "Disabilities": _col(checks=[_multi_code_check(codes.DISABILITY_CODES, f"Disability, {y}")]),
            },
            strict=False,
        ),
        "cin_details": pa.DataFrameSchema(
            {
                "LAchildID": _col(True),
                "CINreferralDate": _col(True, [date]),
                "ReferralSource": _col(True, [_code_check(codes.referral_source_codes(year), f"ReferralSource, {y}")]),
                "PrimaryNeedCode": _col(checks=[_code_check(codes.PRIMARY_NEED_CODES, f"PrimaryNeedCode, {y}")]),
                "CINclosureDate": _col(checks=[date]),
                "ReasonForClosure": _col(
                    checks=[_code_check(codes.reason_for_closure_codes(year), f"ReasonForClosure, {y}")]
                ),
                "DateOfInitialCPC": _col(checks=[date]),
                "ReferralNFA": _col(True, [_yes_no()]),
            },
            strict=False,
        ),
        "assessments": pa.DataFrameSchema(
            {
                "AssessmentActualStartDate": _col(True, [date]),
                "AssessmentInternalReviewDate": _col(checks=[date]),
                "AssessmentAuthorisationDate": _col(checks=[date]),
            },
            strict=False,
        ),
        "assessment_factors": pa.DataFrameSchema(
            {
                "AssessmentFactors": _col(True, [_code_check(codes.factor_codes(year), f"AssessmentFactors, {y}")]),
            },
            strict=False,
        ),
        "cin_plan_dates": pa.DataFrameSchema(
            {
                "CINPlanStartDate": _col(True, [date]),
                "CINPlanEndDate": _col(checks=[date]),
            },
            strict=False,
        ),
        "section47": pa.DataFrameSchema(
            {
                "S47ActualStartDate": _col(True, [date]),
                "InitialCPCtarget": _col(checks=[date]),
                "DateOfInitialCPC": _col(checks=[date]),
                "ICPCnotRequired": _col(checks=[_yes_no()]),
            },
            strict=False,
        ),
        "child_protection_plans": pa.DataFrameSchema(
            {
                "CPPstartDate": _col(True, [date]),
                "CPPendDate": _col(checks=[date]),
                "InitialCategoryOfAbuse": _col(
                    True, [_code_check(codes.CATEGORY_OF_ABUSE, f"InitialCategoryOfAbuse, {y}")]
                ),
                "LatestCategoryOfAbuse": _col(
                    True, [_code_check(codes.CATEGORY_OF_ABUSE, f"LatestCategoryOfAbuse, {y}")]
                ),
                "NumberOfPreviousCPP": _col(checks=[_pattern(r"\d+", "a whole number")]),
                "CPPreviewDates": _col(
                    checks=[
                        _check(
                            "bad_date",
                            "review dates YYYY-MM-DD separated by ';'",
                            lambda s: s.astype("string").str.fullmatch(rf"{_ISO_DATE}(;{_ISO_DATE})*").fillna(False),
                        )
                    ]
                ),
            },
            strict=False,
        ),
    }


SSDA903_SCHEMA = pa.DataFrameSchema(
    {
        "CHILD": _col(True),
        "DOB": _col(checks=[_date_check(uk_allowed=True)]),
        "DECOM": _col(True, [_date_check(uk_allowed=True)]),
        "RNE": _col(checks=[_code_check(RNE_CODES, "RNE (reason for new episode)")]),
        "LS": _col(True, [_code_check(LS_CODES, "LS (legal status)")]),
        "DEC": _col(checks=[_date_check(uk_allowed=True)]),
    },
    strict=False,
)

CHILD_LSOA_SCHEMA = pa.DataFrameSchema(
    {
        "LAchildID": _col(True, unique=True),
        "LSOA11CD": _col(checks=[_pattern(r"[EW]01\d{6}", "an LSOA 2011 code: E01 or W01 and 6 digits")]),
    },
    strict=False,
)


def schema_findings(
    frame: pd.DataFrame, schema: pa.DataFrameSchema, file: str, record: str, child_column: str = "LAchildID"
) -> list[Finding]:
    """Run a pandera schema lazily and turn every failure case into a finding."""
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    findings = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        index = case.index
        line = child = None
        if index is not None and not (isinstance(index, float) and np.isnan(index)) and index in frame.index:
            line = frame.at[index, "_line"]
            line = None if pd.isna(line) else int(line)
            if child_column in frame.columns:
                child = frame.at[index, child_column]
                child = None if pd.isna(child) else str(child)
        found = "nothing (empty or absent)" if pd.isna(case.failure_case) else repr(str(case.failure_case))
        if check == "column_in_dataframe":
            findings.append(
                Finding(
                    "missing_field",
                    file,
                    1,
                    None,
                    str(case.failure_case),
                    f"a column {case.failure_case}",
                    "no such column",
                    record=record,
                )
            )
        elif check == "not_nullable":
            findings.append(
                Finding(
                    "missing_field",
                    file,
                    line,
                    child,
                    str(case.column),
                    "a value (required field)",
                    found,
                    record=record,
                )
            )
        elif check == "field_uniqueness":
            findings.append(
                Finding(
                    "duplicate_child",
                    file,
                    line,
                    child,
                    str(case.column),
                    f"each {case.column} once",
                    f"{found} more than once",
                    record=record,
                )
            )
        elif _SEP in check:
            rule, expected = check.split(_SEP, 1)
            findings.append(Finding(rule, file, line, child, str(case.column), expected, found, record=record))
        # pandera's dtype checks are disabled (dtype None); anything else would be a bug here
        else:
            findings.append(Finding("bad_value", file, line, child, str(case.column), check, found, record=record))
    return findings


def structural_findings(census: CensusReturn) -> list[Finding]:
    findings: list[Finding] = []
    collection = census.header.get("Collection")
    if collection is not None and collection != "CIN":
        findings.append(
            Finding(
                "wrong_collection",
                census.file,
                census.header.get("_line"),
                None,
                "Header/CollectionDetails/Collection",
                "CIN",
                repr(collection),
            )
        )
    for name, schema in census_schemas(census.year).items():
        findings.extend(schema_findings(census.tables[name], schema, census.file, RECORD_NAMES[name]))
    return findings


_NO_KEYS = pd.DataFrame(
    {
        "LAchildID": pd.Series(dtype="string"),
        "CINreferralDate": pd.Series(dtype="string"),
        "rule": pd.Series(dtype="string"),
    }
)


def _episode_findings(
    frame: pd.DataFrame, mask: pd.Series, rule: str, file: str, field: str, expected: str, found: pd.Series, record: str
) -> tuple[list[Finding], pd.DataFrame]:
    """Findings (and the episode keys they concern) for the rows of ``frame`` where ``mask``."""
    mask = mask.fillna(False).astype(bool)
    if not mask.any():  # the usual case: skip building empty frames
        return [], _NO_KEYS.copy()  # a copy: callers may add columns
    rows = frame.loc[mask]
    found = found.loc[mask].astype("string").fillna("nothing")
    findings = [
        Finding(
            rule,
            file,
            None if pd.isna(line) else int(line),
            None if pd.isna(child) else str(child),
            field,
            expected,
            str(value),
            record=f"{record} referral {referral}",
        )
        for line, child, referral, value in zip(rows["_line"], rows["LAchildID"], rows["CINreferralDate"], found)
    ]
    keys = rows[["LAchildID", "CINreferralDate"]].assign(rule=rule)
    return findings, keys


def consistency_findings(census: CensusReturn) -> tuple[list[Finding], pd.DataFrame]:
    """Consistency findings of one return, with the episode keys (child, referral date) per rule."""
    year, file, tables = census.year, census.file, census.tables
    findings: list[Finding] = []
    keys: list[pd.DataFrame] = []

    def add(result):
        findings.extend(result[0])
        keys.append(result[1])

    def header_mismatch(field: str, expected: str, found) -> None:
        findings.append(
            Finding("header_mismatch", file, census.header.get("_line"), None, f"Header/{field}", expected, repr(found))
        )

    header_year, reference = census.header.get("Year"), census.header.get("ReferenceDate")
    if header_year is not None and str(header_year) != str(year):
        header_mismatch("Year", f"the configured collection year {year}", header_year)
    if reference is not None and reference != f"{year}-03-31":
        header_mismatch("ReferenceDate", f"{year}-03-31 (31 March of the collection year)", reference)
    period_start, period_end = pd.Timestamp(f"{year - 1}-04-01"), pd.Timestamp(f"{year}-03-31")

    cin = tables["cin_details"]
    referral, closure = parse_dates(cin["CINreferralDate"]), parse_dates(cin["CINclosureDate"])
    add(
        _episode_findings(
            cin,
            closure < referral,
            "dates_out_of_order",
            file,
            "CINclosureDate",
            "a date on or after CINreferralDate",
            cin["CINclosureDate"],
            "CINdetails",
        )
    )
    add(
        _episode_findings(
            cin,
            referral > period_end,
            "outside_collection_period",
            file,
            "CINreferralDate",
            f"a date on or before {period_end.date()}",
            cin["CINreferralDate"],
            "CINdetails",
        )
    )
    add(
        _episode_findings(
            cin,
            closure > period_end,
            "outside_collection_period",
            file,
            "CINclosureDate",
            f"a date on or before {period_end.date()}",
            cin["CINclosureDate"],
            "CINdetails",
        )
    )
    add(
        _episode_findings(
            cin,
            closure < period_start,
            "outside_collection_period",
            file,
            "CINclosureDate",
            f"a date on or after {period_start.date()} (the episode was open in the collection year)",
            cin["CINclosureDate"],
            "CINdetails",
        )
    )
    duplicated = cin.duplicated(["LAchildID", "CINreferralDate"], keep="first") & cin["CINreferralDate"].notna()
    add(
        _episode_findings(
            cin,
            duplicated,
            "duplicate_episode",
            file,
            "CINreferralDate",
            "one CINdetails per child and referral date",
            cin["CINreferralDate"],
            "CINdetails",
        )
    )

    # Sub-records: their own date order, and no earlier than the referral.
    sub_checks = (
        (
            "assessments",
            "Assessments",
            "AssessmentActualStartDate",
            [("AssessmentAuthorisationDate", "AssessmentActualStartDate")],
        ),
        ("cin_plan_dates", "CINPlanDates", "CINPlanStartDate", [("CINPlanEndDate", "CINPlanStartDate")]),
        ("section47", "Section47", "S47ActualStartDate", [("DateOfInitialCPC", "S47ActualStartDate")]),
        ("child_protection_plans", "ChildProtectionPlans", "CPPstartDate", [("CPPendDate", "CPPstartDate")]),
    )
    for table, record, start_field, pairs in sub_checks:
        frame = tables[table]
        if frame.empty:
            continue
        start, parent = parse_dates(frame[start_field]), parse_dates(frame["CINreferralDate"])
        add(
            _episode_findings(
                frame,
                start < parent,
                "dates_out_of_order",
                file,
                start_field,
                "a date on or after CINreferralDate",
                frame[start_field],
                record,
            )
        )
        add(
            _episode_findings(
                frame,
                start > period_end,
                "outside_collection_period",
                file,
                start_field,
                f"a date on or before {period_end.date()}",
                frame[start_field],
                record,
            )
        )
        for later, earlier in pairs:
            later_date = parse_dates(frame[later])
            add(
                _episode_findings(
                    frame,
                    later_date < parse_dates(frame[earlier]),
                    "dates_out_of_order",
                    file,
                    later,
                    f"a date on or after {earlier}",
                    frame[later],
                    record,
                )
            )
            add(
                _episode_findings(
                    frame,
                    later_date > period_end,
                    "outside_collection_period",
                    file,
                    later,
                    f"a date on or before {period_end.date()}",
                    frame[later],
                    record,
                )
            )

    nfa = codes.parse_bool(cin["ReferralNFA"])
    action_keys = pd.concat(
        [
            tables[t][["LAchildID", "CINreferralDate"]]
            for t in ("assessments", "cin_plan_dates", "section47", "child_protection_plans")
        ]
    ).drop_duplicates()
    has_action = (
        pd.MultiIndex.from_frame(cin[["LAchildID", "CINreferralDate"]]).isin(pd.MultiIndex.from_frame(action_keys))
        if len(action_keys)
        else np.zeros(len(cin), bool)
    )
    add(
        _episode_findings(
            cin,
            nfa & pd.Series(has_action, index=cin.index),
            "nfa_with_actions",
            file,
            "ReferralNFA",
            "false when the episode has an assessment, S47, CIN plan or CPP",
            cin["ReferralNFA"],
            "CINdetails",
        )
    )
    key_frame = (
        pd.concat(keys, ignore_index=True) if keys else pd.DataFrame(columns=["LAchildID", "CINreferralDate", "rule"])
    )
    return findings, key_frame


def dfe_findings(census: CensusReturn) -> tuple[list[Finding], pd.DataFrame]:
    """DfE's CIN census validation rules of the return's collection year (``childlevel.dfe``), with
    the episode keys (child, referral date, rule) each finding concerns."""
    from csc_inequalities.childlevel.dfe import run_rules

    result = run_rules(census)
    return result.findings, result.keys

"""Readers for the CSV inputs: the CIN census as CSV tables (one per record type), SSDA903
looked-after episodes in the DfE column layout, and the child -> LSOA table.

Every table is read as text (UTF-8, optional BOM); rows are numbered as in a spreadsheet (header
row = 1, first record = 2). Problems become findings, never exceptions. The CSV specification is
docs/extracts.md.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import pandas as pd

from csc_inequalities.childlevel.findings import Finding
from csc_inequalities.childlevel.records import (
    RECORD_TABLES,
    TABLE_COLUMNS,
    CensusReturn,
    empty_table,
)

# File name of each record table in a CSV-route census directory.
CSV_TABLE_FILES = {
    "children": "children.csv",
    "cin_details": "cin_details.csv",
    "assessments": "assessments.csv",
    "cin_plan_dates": "cin_plan_dates.csv",
    "section47": "section47.csv",
    "child_protection_plans": "child_protection_plans.csv",
}
REQUIRED_CSV_TABLES = ("children", "cin_details")
# Multi-valued fields in one CSV cell: codes separated by ";".
CSV_COLUMNS = {
    **{name: TABLE_COLUMNS[name] for name in CSV_TABLE_FILES},
    "assessments": (*TABLE_COLUMNS["assessments"], "AssessmentFactors"),
}
CSV_REQUIRED_COLUMNS = {
    "children": ("LAchildID", "GenderCurrent", "Ethnicity"),
    "cin_details": ("LAchildID", "CINreferralDate", "ReferralSource", "ReferralNFA"),
    "assessments": ("LAchildID", "CINreferralDate", "AssessmentActualStartDate"),
    "cin_plan_dates": ("LAchildID", "CINreferralDate", "CINPlanStartDate"),
    "section47": ("LAchildID", "CINreferralDate", "S47ActualStartDate"),
    "child_protection_plans": (
        "LAchildID",
        "CINreferralDate",
        "CPPstartDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
    ),
}

SSDA903_COLUMNS = (
    "CHILD",
    "SEX",
    "DOB",
    "ETHNIC",
    "UPN",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
)
SSDA903_REQUIRED = ("CHILD", "DECOM", "LS")
LSOA_COLUMNS = ("LAchildID", "LSOA11CD")


def read_csv_table(
    path: str | Path,
    expected: tuple[str, ...],
    required: tuple[str, ...],
    findings: list[Finding],
    record: str,
    allow_empty: bool = False,
) -> pd.DataFrame | None:
    """Read one CSV as text with a ``_line`` column; None (and a finding) if it cannot be read."""
    path = Path(path)
    if not path.exists():
        findings.append(Finding("missing_file", str(path), None, None, None, "an existing file", "no such file"))
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        findings.append(
            Finding(
                "encoding",
                str(path),
                line,
                None,
                None,
                "UTF-8 text",
                f"byte 0x{raw[error.start]:02x} at offset {error.start}",
            )
        )
        return None
    if not text.strip():
        findings.append(
            Finding(
                "empty_file", str(path), None, None, None, f"a CSV header row and {record} records", "an empty file"
            )
        )
        return None
    try:
        with warnings.catch_warnings():
            # A row longer than the header would otherwise become an index or lose data silently.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False, index_col=False
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as error:
        line, found = _ragged_row(text)
        findings.append(
            Finding("unparseable", str(path), line, None, None, "well-formed CSV", found or str(error).strip())
        )
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.replace({"": None})
    frame["_line"] = pd.array(range(2, len(frame) + 2), dtype="Int64")
    frame = frame.dropna(how="all", subset=[c for c in frame.columns if c != "_line"])
    if frame.empty and not allow_empty:
        findings.append(
            Finding("empty_file", str(path), None, None, None, f"at least one {record} record", "a header row only")
        )
        return None
    for column in required:
        if column not in frame.columns:
            findings.append(
                Finding(
                    "missing_field", str(path), 1, None, column, f"a column {column}", "no such column in the header"
                )
            )
    for column in frame.columns:
        if column != "_line" and column not in expected:
            findings.append(
                Finding(
                    "unknown_element",
                    str(path),
                    1,
                    None,
                    column,
                    f"one of the documented columns of {record}",
                    f"column {column}",
                    record=record,
                )
            )
    for column in expected:
        if column not in frame.columns:
            frame[column] = None
    return frame[[*expected, "_line"]]


def _ragged_row(text: str) -> tuple[int | None, str | None]:
    """(row number, description) of the first row whose field count differs from the header's."""
    rows = csv.reader(io.StringIO(text))
    try:
        width = len(next(rows))
        for number, row in enumerate(rows, start=2):
            if row and len(row) != width:
                return number, f"{len(row)} fields where the header has {width}"
    except csv.Error as error:
        return rows.line_num, str(error)
    return None, None


def read_cin_csv(directory: str | Path, year: int) -> tuple[CensusReturn, list[Finding]]:
    """Read one year's CIN census from a directory of CSV tables (docs/extracts.md)."""
    directory = Path(directory)
    findings: list[Finding] = []
    tables = {name: empty_table(name) for name in RECORD_TABLES}
    for name, filename in CSV_TABLE_FILES.items():
        path = directory / filename
        if name not in REQUIRED_CSV_TABLES and not path.exists():
            continue
        # An optional table may hold no records (a header row only): that LA had none that year.
        frame = read_csv_table(
            path,
            CSV_COLUMNS[name],
            CSV_REQUIRED_COLUMNS[name],
            findings,
            name,
            allow_empty=name not in REQUIRED_CSV_TABLES,
        )
        if frame is None:
            continue
        if name == "assessments":
            factors = frame[["LAchildID", "CINreferralDate", "AssessmentActualStartDate", "AssessmentFactors", "_line"]]
            factors = factors.assign(AssessmentFactors=factors["AssessmentFactors"].str.split(";")).explode(
                "AssessmentFactors"
            )
            factors["AssessmentFactors"] = factors["AssessmentFactors"].str.strip()
            factors = factors[factors["AssessmentFactors"].notna() & (factors["AssessmentFactors"] != "")]
            tables["assessment_factors"] = factors.reset_index(drop=True)
            frame = frame.drop(columns="AssessmentFactors")
        tables[name] = frame.reset_index(drop=True)
    header = {"Collection": "CIN", "Year": str(year), "ReferenceDate": f"{year}-03-31", "_line": None}
    return CensusReturn(str(directory), year, header, tables), findings


def read_ssda903(path: str | Path) -> tuple[pd.DataFrame | None, list[Finding]]:
    findings: list[Finding] = []
    frame = read_csv_table(path, SSDA903_COLUMNS, SSDA903_REQUIRED, findings, "SSDA903 episode")
    return frame, findings


def read_child_lsoa(path: str | Path) -> tuple[pd.DataFrame | None, list[Finding]]:
    findings: list[Finding] = []
    frame = read_csv_table(path, LSOA_COLUMNS, LSOA_COLUMNS, findings, "child LSOA")
    return frame, findings

"""The record tables every reader produces (XML and CSV alike), named after the DfE elements.

Each table is a DataFrame of strings (values exactly as in the file; validation parses them) plus
``_line`` (XML line or CSV row of the record). Sub-records of a CIN episode carry the parent's
``LAchildID`` and ``CINreferralDate``, the episode key.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

# A child's identifiers (the census's ChildIdentifiers; Sex is read as GenderCurrent).
IDENTIFIER_FIELDS = (
    "LAchildID",
    "UPN",
    "FormerUPN",
    "UPNunknown",
    "PersonBirthDate",
    "ExpectedPersonBirthDate",
    "GenderCurrent",
    "PersonDeathDate",
)
# A CIN episode's fields (CINdetails), the child's LAchildID aside.
CIN_FIELDS = (
    "CINreferralDate",
    "ReferralSource",
    "PrimaryNeedCode",
    "CINclosureDate",
    "ReasonForClosure",
    "DateOfInitialCPC",
    "ReferralNFA",
)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "children": (
        *IDENTIFIER_FIELDS,
        "Ethnicity",
        "Disabilities",
    ),
    "cin_details": ("LAchildID", *CIN_FIELDS),
    "assessments": (
        "LAchildID",
        "CINreferralDate",
        "AssessmentActualStartDate",
        "AssessmentInternalReviewDate",
        "AssessmentAuthorisationDate",
    ),
    "assessment_factors": ("LAchildID", "CINreferralDate", "AssessmentActualStartDate", "AssessmentFactors"),
    "cin_plan_dates": ("LAchildID", "CINreferralDate", "CINPlanStartDate", "CINPlanEndDate"),
    "section47": (
        "LAchildID",
        "CINreferralDate",
        "S47ActualStartDate",
        "InitialCPCtarget",
        "DateOfInitialCPC",
        "ICPCnotRequired",
    ),
    "child_protection_plans": (
        "LAchildID",
        "CINreferralDate",
        "CPPstartDate",
        "CPPendDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP",
        "CPPreviewDates",
    ),
}
RECORD_TABLES = tuple(TABLE_COLUMNS)


def empty_table(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in (*TABLE_COLUMNS[name], "_line")})


def table_from_rows(name: str, rows: list[tuple]) -> pd.DataFrame:
    columns = (*TABLE_COLUMNS[name], "_line")
    if not rows:
        return empty_table(name)
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column in TABLE_COLUMNS[name]:
        frame[column] = frame[column].astype("object")
    frame["_line"] = frame["_line"].astype("Int64")
    return frame


def table_from_columns(name: str, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The same table as :func:`table_from_rows`, from the rows' columns (object arrays of str/None
    and the line numbers) without pandas' string inference: as :func:`table_from_rows` leaves them, a
    missing value is None in a column of missing values only and NaN next to strings."""
    if not len(columns["_line"]):
        return empty_table(name)
    data = {}
    for column in TABLE_COLUMNS[name]:
        values = np.asarray(columns[column], dtype=object)
        missing = values == None
        if missing.any() and not missing.all():
            values = values.copy()
            values[missing] = np.nan
        data[column] = values
    frame = pd.DataFrame(data, dtype=object)
    frame["_line"] = pd.array(np.asarray(columns["_line"], dtype=np.int64), dtype="Int64")
    return frame


@dataclasses.dataclass
class CensusReturn:
    """One annual CIN census return of one LA, as record tables."""

    file: str
    year: int  # collection year (year ending March) as configured
    header: dict[str, str | int | None]
    tables: dict[str, pd.DataFrame]

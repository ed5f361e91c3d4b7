"""The record tables every reader produces (XML and CSV alike), named after the DfE elements.

Each table is a DataFrame of strings (values exactly as in the file; validation parses them) plus
``_line`` (XML line or CSV row of the record). Sub-records of a CIN episode carry the parent's
``LAchildID`` and ``CINreferralDate``, the episode key.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "children": (
        "LAchildID", "UPN", "FormerUPN", "UPNunknown", "PersonBirthDate", "ExpectedPersonBirthDate",
        "GenderCurrent", "PersonDeathDate", "Ethnicity", "Disabilities",
    ),
    "cin_details": (
        "LAchildID", "CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate",
        "ReasonForClosure", "DateOfInitialCPC", "ReferralNFA",
    ),
    "assessments": (
        "LAchildID", "CINreferralDate", "AssessmentActualStartDate", "AssessmentInternalReviewDate",
        "AssessmentAuthorisationDate",
    ),
    "assessment_factors": ("LAchildID", "CINreferralDate", "AssessmentActualStartDate", "AssessmentFactors"),
    "cin_plan_dates": ("LAchildID", "CINreferralDate", "CINPlanStartDate", "CINPlanEndDate"),
    "section47": (
        "LAchildID", "CINreferralDate", "S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC",
        "ICPCnotRequired",
    ),
    "child_protection_plans": (
        "LAchildID", "CINreferralDate", "CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse", "NumberOfPreviousCPP", "CPPreviewDates",
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


@dataclasses.dataclass
class CensusReturn:
    """One annual CIN census return of one LA, as record tables."""

    file: str
    year: int  # collection year (year ending March) as configured
    header: dict[str, str | int | None]
    tables: dict[str, pd.DataFrame]

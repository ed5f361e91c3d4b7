"""The generator's first CIN census XML writer, one episode at a time: kept as an independent
implementation that the vectorised writer (csc_inequalities.synthetic.writers) must match byte
for byte."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from csc_inequalities.childlevel import codes
from csc_inequalities.synthetic.generator import next_weekday
from csc_inequalities.synthetic.model import CP_CODES

FACTOR_CODES = codes.FACTORS_2017


def _d(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _el(name: str, value) -> str:
    return "" if value is None else f"<{name}>{escape(str(value))}</{name}>"


def _episode_xml(ep, factor_codes: list[str], ref_date: pd.Timestamp) -> str:
    year_start = pd.Timestamp(f"{ref_date.year - 1}-04-01")

    def known(value):
        return value if (value is not None and not pd.isna(value) and pd.Timestamp(value) <= ref_date) else None

    def before_year(value):  # a date before the collection year (the module ended earlier)
        return value is not None and not pd.isna(value) and pd.Timestamp(value) < year_start

    close = known(ep.close_full)
    parts = [
        "<CINdetails>",
        _el("CINreferralDate", _d(ep.referral_date)),
        _el("ReferralSource", ep.referral_source),
        _el("PrimaryNeedCode", "N1"),
        _el("CINclosureDate", _d(close)),
        _el("ReasonForClosure", ep.closure_reason if close is not None else None),
    ]
    if known(ep.assessment_start) is not None and not before_year(ep.assessment_auth):
        parts.append(
            "<Assessments>"
            + _el("AssessmentActualStartDate", _d(ep.assessment_start))
            + _el("AssessmentAuthorisationDate", _d(known(ep.assessment_auth)))
        )
        if known(ep.assessment_auth) is not None and factor_codes:
            parts.append(
                "<FactorsIdentifiedAtAssessment>"
                + "".join(_el("AssessmentFactors", c) for c in factor_codes)
                + "</FactorsIdentifiedAtAssessment>"
            )
        parts.append("</Assessments>")
    if known(ep.plan_start) is not None and not before_year(ep.plan_end):
        parts.append(
            "<CINPlanDates>"
            + _el("CINPlanStartDate", _d(ep.plan_start))
            + _el("CINPlanEndDate", _d(known(ep.plan_end)))
            + "</CINPlanDates>"
        )
    has_icpc = not pd.isna(ep.icpc_date)
    if known(ep.s47_start) is not None and (
        not before_year(ep.s47_start) or (has_icpc and not before_year(ep.icpc_date))
    ):
        icpc = known(ep.icpc_date)
        target = next_weekday(pd.Series([pd.Timestamp(ep.s47_start) + pd.Timedelta(days=15)])).iloc[0]
        parts.append(
            "<Section47>"
            + _el("S47ActualStartDate", _d(ep.s47_start))
            + _el("InitialCPCtarget", _d(target))
            + _el("DateOfInitialCPC", _d(icpc))
            + _el("ICPCnotRequired", "false" if has_icpc else "true")
            + "</Section47>"
        )
    parts.append(_el("ReferralNFA", "true" if ep.nfa else "false"))
    if known(ep.cpp_start) is not None and not before_year(ep.cpp_end):
        code = CP_CODES[ep.cpp_category]
        parts.append(
            "<ChildProtectionPlans>"
            + _el("CPPstartDate", _d(ep.cpp_start))
            + _el("CPPendDate", _d(known(ep.cpp_end)))
            + _el("InitialCategoryOfAbuse", code)
            + _el("LatestCategoryOfAbuse", code)
            + _el("NumberOfPreviousCPP", 1 if ep.repeat_cpp else 0)
            + "</ChildProtectionPlans>"
        )
    parts.append("</CINdetails>")
    return "".join(parts)


def write_cin_census_xml(data, la_code_old: str, year: int, path: str | Path) -> int:
    """One collection year's return; returns the number of episodes written."""
    ref_date = pd.Timestamp(f"{year}-03-31")
    start = pd.Timestamp(f"{year - 1}-04-01")
    ep = data.episodes
    in_year = (ep["referral_date"] <= ref_date) & (ep["close_full"].isna() | (ep["close_full"] >= start))
    ep = ep[in_year].sort_values(["child_index", "referral_date"])
    factor_matrix = ep[[f"factor_{c}" for c in FACTOR_CODES]].to_numpy()
    children = data.children
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>'
            f"<Year>{year}</Year><ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails><Source>"
            f"<SourceLevel>L</SourceLevel><LEA>{escape(la_code_old)}</LEA><SoftwareCode>csc-inequalities synthetic</SoftwareCode>"
            f"<Release>1</Release><SerialNo>{year}</SerialNo><DateTime>{year}-05-01T00:00:00</DateTime></Source></Header><Children>\n"
        )
        current = None
        for row_number, row in enumerate(ep.itertuples(index=False)):
            if row.child_index != current:
                if current is not None:
                    out.write("</Child>\n")
                current = row.child_index
                kid = children.iloc[current]
                out.write(
                    "<Child><ChildIdentifiers>"
                    + _el("LAchildID", kid.LAchildID)
                    + _el("UPN", kid.UPN)
                    + _el("PersonBirthDate", _d(kid.dob))
                    + _el("GenderCurrent", "1" if kid.sex == "male" else "2")
                    + "</ChildIdentifiers><ChildCharacteristics>"
                    + _el("Ethnicity", kid.ethnicity_code)
                    + "<Disabilities>"
                    + _el("Disability", "NONE")
                    + "</Disabilities></ChildCharacteristics>"
                )
            factors = [c for c, present in zip(FACTOR_CODES, factor_matrix[row_number]) if present]
            out.write(_episode_xml(row, factors, ref_date))
            written += 1
        if current is not None:
            out.write("</Child>\n")
        out.write("</Children></Message>\n")
    return written

"""Write the synthetic LA data in exactly the files a collaborator supplies, and the generator's
own episode table (data-model schema) for the round-trip check.

CIN census XML: one return per collection year (year ending 31 March), holding every episode
open at some point in that year, with only the events dated up to the return's reference date
(DfE returns overlap; the latest return of an episode is the most complete).
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from csc_inequalities.childlevel import codes
from csc_inequalities.childlevel.episodes import EPISODE_COLUMNS, age_group, tertile_in_la, whole_years, year_ending_march
from csc_inequalities.childlevel.pseudonymise import episode_id, pseudonymise_series
from csc_inequalities.synthetic.generator import LAData, PERIOD_END
from csc_inequalities.synthetic.model import CP_CODES

FACTOR_CODES = codes.FACTORS_2017


def _d(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _el(name: str, value) -> str:
    return "" if value is None else f"<{name}>{escape(str(value))}</{name}>"


def _episode_xml(ep, factor_codes: list[str], ref_date: pd.Timestamp) -> str:
    def known(value):
        return value if (value is not None and not pd.isna(value) and pd.Timestamp(value) <= ref_date) else None

    close = known(ep.close_full)
    parts = ["<CINdetails>", _el("CINreferralDate", _d(ep.referral_date)), _el("ReferralSource", ep.referral_source),
             _el("PrimaryNeedCode", "N1"), _el("CINclosureDate", _d(close)),
             _el("ReasonForClosure", ep.closure_reason if close is not None else None),
             _el("DateOfInitialCPC", _d(known(ep.icpc_date)))]
    if known(ep.assessment_start) is not None:
        parts.append("<Assessments>" + _el("AssessmentActualStartDate", _d(ep.assessment_start))
                     + _el("AssessmentAuthorisationDate", _d(known(ep.assessment_auth))))
        if known(ep.assessment_auth) is not None and factor_codes:
            parts.append("<FactorsIdentifiedAtAssessment>" + "".join(_el("AssessmentFactors", c) for c in factor_codes)
                         + "</FactorsIdentifiedAtAssessment>")
        parts.append("</Assessments>")
    if known(ep.plan_start) is not None:
        parts.append("<CINPlanDates>" + _el("CINPlanStartDate", _d(ep.plan_start))
                     + _el("CINPlanEndDate", _d(known(ep.plan_end))) + "</CINPlanDates>")
    if known(ep.s47_start) is not None:
        icpc = known(ep.icpc_date)
        parts.append("<Section47>" + _el("S47ActualStartDate", _d(ep.s47_start))
                     + _el("InitialCPCtarget", _d(pd.Timestamp(ep.s47_start) + pd.Timedelta(days=15)))
                     + _el("DateOfInitialCPC", _d(icpc)) + _el("ICPCnotRequired", "false" if icpc is not None else "true")
                     + "</Section47>")
    parts.append(_el("ReferralNFA", "true" if ep.nfa else "false"))
    if known(ep.cpp_start) is not None:
        code = CP_CODES[ep.cpp_category]
        parts.append("<ChildProtectionPlans>" + _el("CPPstartDate", _d(ep.cpp_start)) + _el("CPPendDate", _d(known(ep.cpp_end)))
                     + _el("InitialCategoryOfAbuse", code) + _el("LatestCategoryOfAbuse", code)
                     + _el("NumberOfPreviousCPP", 1 if ep.repeat_cpp else 0) + "</ChildProtectionPlans>")
    parts.append("</CINdetails>")
    return "".join(parts)


def write_cin_census_xml(data: LAData, la_code_old: str, year: int, path: str | Path) -> int:
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
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>'
                  f"<Year>{year}</Year><ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails><Source>"
                  f"<SourceLevel>L</SourceLevel><LEA>{escape(la_code_old)}</LEA><SoftwareCode>csc-inequalities synthetic</SoftwareCode>"
                  f"<Release>1</Release><SerialNo>{year}</SerialNo><DateTime>{year}-05-01T00:00:00</DateTime></Source></Header><Children>\n")
        current = None
        for row_number, row in enumerate(ep.itertuples(index=False)):
            if row.child_index != current:
                if current is not None:
                    out.write("</Child>\n")
                current = row.child_index
                kid = children.iloc[current]
                out.write("<Child><ChildIdentifiers>" + _el("LAchildID", kid.LAchildID) + _el("UPN", kid.UPN)
                          + _el("PersonBirthDate", _d(kid.dob)) + _el("GenderCurrent", "1" if kid.sex == "male" else "2")
                          + "</ChildIdentifiers><ChildCharacteristics>" + _el("Ethnicity", kid.ethnicity_code)
                          + "</ChildCharacteristics>")
            factors = [c for c, present in zip(FACTOR_CODES, factor_matrix[row_number]) if present]
            out.write(_episode_xml(row, factors, ref_date))
            written += 1
        if current is not None:
            out.write("</Child>\n")
        out.write("</Children></Message>\n")
    return written


def write_la_files(data: LAData, la_code: str, la_code_old: str, years: list[int], out_dir: str | Path) -> dict:
    out_dir = Path(out_dir) / la_code
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"cin_census": {}, "ssda903": str(out_dir / "ssda903_episodes.csv"), "child_lsoa": str(out_dir / "child_lsoa.csv")}
    for year in years:
        path = out_dir / f"cin_census_{year}.xml"
        write_cin_census_xml(data, la_code_old, year, path)
        files["cin_census"][int(year)] = str(path)
    data.ssda903.to_csv(files["ssda903"], index=False)
    pd.DataFrame({"LAchildID": data.children["LAchildID"], "LSOA11CD": data.children["lsoa11"].astype(str)}).to_csv(
        files["child_lsoa"], index=False)
    return files


def episode_table(data: LAData, la_code: str, reference: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """The generator's own episode table in the data-model schema (pseudonymised child IDs)."""
    ep = data.episodes
    kid = data.children.iloc[ep["child_index"].to_numpy()].reset_index(drop=True)
    ep = ep.reset_index(drop=True)
    child_id = pseudonymise_series(kid["LAchildID"], la_code, key)
    ref = reference.set_index("lsoa11")
    lsoa = kid["lsoa11"].astype(str)
    out = pd.DataFrame({
        "episode_id": [episode_id(c, _d(r)) for c, r in zip(child_id, ep["referral_date"])],
        "child_id": child_id,
        "la_code": la_code,
        "referral_date": ep["referral_date"],
        "referral_year": year_ending_march(ep["referral_date"]),
        "closure_date": ep["close_full"],
        "age_at_referral": whole_years(kid["dob"], ep["referral_date"]),
    })
    out["age_group"] = age_group(out["age_at_referral"])
    out["gender"] = kid["sex"].astype(str).to_numpy()
    out["ethnicity_code"] = kid["ethnicity_code"].to_numpy()
    out["ethnicity_group"] = kid["ethnicity_code"].map(codes.ETHNICITY_GROUP).to_numpy()
    out["white_british"] = (kid["ethnicity_code"] == "WBRI").to_numpy()
    out["lsoa11"] = lsoa.to_numpy()
    out["imd2015_score"] = ref["imd2015_score"].reindex(lsoa).to_numpy()
    out["imd_decile_official"] = ref["imd_decile_official"].reindex(lsoa).to_numpy()
    out["imd_decile_least1"] = ref["imd_decile_least1"].reindex(lsoa).to_numpy()
    out["imd_tertile_in_la_least1"] = tertile_in_la(out["imd2015_score"], out["la_code"])
    out["referral_source"] = ep["referral_source"].to_numpy()
    out["referral_source_group"] = ep["referral_source"].map(codes.REFERRAL_SOURCE_GROUP).to_numpy()
    for flag in ("nfa", "assessed", "assessed_not_cin", "cin_plan", "s47", "icpc", "cpp", "lac", "section20",
                 "interim_care_order", "rereferral_12m", "repeat_cpp"):
        out[flag] = ep[flag].astype(bool).to_numpy()
    out["cpp_initial_category"] = ep["cpp_category"].where(ep["cpp"]).to_numpy()
    out["cpp_latest_category"] = out["cpp_initial_category"]
    for code in FACTOR_CODES:
        out[f"factor_{code}"] = ep[f"factor_{code}"].astype(bool).to_numpy()
    # Kept for the truth comparisons of later strands (not part of what an LA supplies).
    out["true_demand_class"] = ep["demand_class"].to_numpy()
    columns = list(EPISODE_COLUMNS) + ["true_demand_class"]
    return out[columns].sort_values(["referral_date", "episode_id"], kind="stable").reset_index(drop=True)

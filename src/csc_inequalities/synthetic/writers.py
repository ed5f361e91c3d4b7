"""Write the synthetic LA data in exactly the files a collaborator supplies, and the generator's
own episode table (data-model schema) for the round-trip check.

CIN census XML: one return per collection year (year ending 31 March), holding every episode
open at some point in that year, with only the events dated up to the return's reference date
and, as DfE's census asks, only the modules active in that year: assessments ongoing or completed
in the year, S47 enquiries started or holding their ICPC in the year, CIN and child protection
plans open at some point of the year (DfE rules 8696, 8715, 4013, 8930). An episode's modules are
therefore spread over the returns that hold it; the reader takes their union.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from csc_inequalities.childlevel import codes
from csc_inequalities.childlevel.episodes import (
    EPISODE_COLUMNS,
    FLAG_COLUMNS,
    age_group,
    tertile_in_la,
    whole_years,
    year_ending_march,
)
from csc_inequalities.childlevel.pseudonymise import episode_id, pseudonymise_series
from csc_inequalities.synthetic.generator import LAData, next_weekday
from csc_inequalities.synthetic.model import CP_CODES

FACTOR_CODES = codes.FACTORS_2017


def _iso(dates: pd.Series) -> np.ndarray:
    """ISO dates as an object array ('' where missing)."""
    return dates.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)


def _join_rows(columns: list) -> list[str]:
    """Row-wise concatenation of equal-length string columns (constants allowed): one
    ``str.join`` per row, which is much cheaper than repeated element-wise ``+`` of growing strings."""
    n = max(len(c) for c in columns if not isinstance(c, str))
    return list(map("".join, zip(*(([c] * n) if isinstance(c, str) else c for c in columns))))


def _join_all(columns: list, n: int) -> str:
    """The rows one after another, each row's columns in order (one join over a row-major array)."""
    if n == 0:
        return ""
    table = np.empty((n, len(columns)), dtype=object)
    for j, column in enumerate(columns):
        table[:, j] = column
    return "".join(table.ravel().tolist())


def _element(name: str, text: np.ndarray, present: np.ndarray, opening: str = "") -> list:
    """Columns giving ``opening<name>text</name>`` where ``present``, '' elsewhere."""
    return [
        np.where(present, f"{opening}<{name}>", ""),
        np.where(present, text, ""),
        np.where(present, f"</{name}>", ""),
    ]


class _EpisodeStrings:
    """Per-episode text that does not depend on the collection year, computed once per LA.

    Every value written comes from fixed code lists or dates, so no XML escaping is needed
    (the header's LEA, which comes from config, is escaped)."""

    DATE_COLUMNS = (
        "referral_date",
        "close_full",
        "icpc_date",
        "assessment_start",
        "assessment_auth",
        "reassessment_start",
        "reassessment_auth",
        "plan_start",
        "plan_end",
        "s47_start",
        "cpp_start",
        "cpp_end",
    )

    def __init__(self, ep: pd.DataFrame, children: pd.DataFrame):
        none = pd.Series(pd.NaT, index=ep.index, dtype="datetime64[ns]")
        self.dates = {c: (ep[c] if c in ep else none).to_numpy() for c in self.DATE_COLUMNS}
        self.text = {c: _iso(ep[c] if c in ep else none) for c in self.DATE_COLUMNS}
        self.icpc_target = _iso(next_weekday(ep["s47_start"] + pd.Timedelta(days=15)))
        self.has_icpc = ~np.isnat(self.dates["icpc_date"])
        self.source = ep["referral_source"].astype(str).to_numpy(dtype=object)
        self.closure_reason = ep["closure_reason"].astype(str).to_numpy(dtype=object)
        self.nfa = np.where(ep["nfa"].to_numpy(dtype=bool), "true", "false").astype(object)
        category = ep["cpp_category"].map(CP_CODES).fillna("").to_numpy(dtype=object)
        previous = np.where(ep["repeat_cpp"].to_numpy(dtype=bool), "1", "0").astype(object)
        self.cpp_codes = np.array(
            _join_rows(
                [
                    "<InitialCategoryOfAbuse>",
                    category,
                    "</InitialCategoryOfAbuse><LatestCategoryOfAbuse>",
                    category,
                    "</LatestCategoryOfAbuse><NumberOfPreviousCPP>",
                    previous,
                    "</NumberOfPreviousCPP></ChildProtectionPlans>",
                ]
            ),
            dtype=object,
        )
        present = ep[[f"factor_{code}" for code in FACTOR_CODES]].to_numpy(dtype=bool)
        tags = np.array([f"<AssessmentFactors>{code}</AssessmentFactors>" for code in FACTOR_CODES], dtype=object)
        factors = np.array(list(map("".join, np.where(present, tags[None, :], "").tolist())), dtype=object)
        self.factors = np.where(
            present.any(axis=1), "<FactorsIdentifiedAtAssessment>" + factors + "</FactorsIdentifiedAtAssessment>", ""
        )
        # Each child's opening element, repeated on each of its episodes (written before the first).
        kid = children.iloc[ep["child_index"].to_numpy()]
        self.child_open = np.array(
            _join_rows(
                [
                    "<Child><ChildIdentifiers><LAchildID>",
                    kid["LAchildID"].to_numpy(dtype=object),
                    "</LAchildID><UPN>",
                    kid["UPN"].to_numpy(dtype=object),
                    "</UPN><PersonBirthDate>",
                    _iso(kid["dob"]),
                    "</PersonBirthDate><GenderCurrent>",
                    np.where(kid["sex"].to_numpy() == "male", "1", "2").astype(object),
                    "</GenderCurrent></ChildIdentifiers><ChildCharacteristics><Ethnicity>",
                    kid["ethnicity_code"].astype(str).to_numpy(dtype=object),
                    "</Ethnicity><Disabilities><Disability>NONE</Disability></Disabilities></ChildCharacteristics>",
                ]
            ),
            dtype=object,
        )

    def episode_columns(self, ref_date: pd.Timestamp, rows: np.ndarray) -> list:
        """The ``<CINdetails>`` of the episodes at positions ``rows`` as string columns, with only
        the events dated up to ``ref_date`` and the modules active in the year ending then."""
        ref = np.datetime64(ref_date)
        year_start = np.datetime64(ref_date - pd.DateOffset(years=1) + pd.Timedelta(days=1))
        known = {c: (~np.isnat(d[rows])) & (d[rows] <= ref) for c, d in self.dates.items()}
        before = {
            c: (~np.isnat(self.dates[c][rows])) & (self.dates[c][rows] < year_start)
            for c in ("assessment_auth", "reassessment_auth", "s47_start", "icpc_date", "plan_end", "cpp_end")
        }
        t = {c: v[rows] for c, v in self.text.items()}
        authorised = known["assessment_auth"]
        assessed = known["assessment_start"] & ~before["assessment_auth"]
        reassessed = known["reassessment_start"] & ~before["reassessment_auth"]
        has_icpc = self.has_icpc[rows]
        s47 = known["s47_start"] & (~before["s47_start"] | (has_icpc & ~before["icpc_date"]))
        icpc = known["icpc_date"]
        plan = known["plan_start"] & ~before["plan_end"]
        cpp = known["cpp_start"] & ~before["cpp_end"]
        return [
            "<CINdetails><CINreferralDate>",
            t["referral_date"],
            "</CINreferralDate><ReferralSource>",
            self.source[rows],
            "</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>",
            *_element("CINclosureDate", t["close_full"], known["close_full"]),
            *_element("ReasonForClosure", self.closure_reason[rows], known["close_full"]),
            *_element("AssessmentActualStartDate", t["assessment_start"], assessed, "<Assessments>"),
            *_element("AssessmentAuthorisationDate", t["assessment_auth"], assessed & authorised),
            np.where(assessed & authorised, self.factors[rows], ""),
            np.where(assessed, "</Assessments>", ""),
            # A re-assessment (LAs following published assessment counts above their episodes): same factors.
            *_element("AssessmentActualStartDate", t["reassessment_start"], reassessed, "<Assessments>"),
            *_element("AssessmentAuthorisationDate", t["reassessment_auth"], reassessed & known["reassessment_auth"]),
            np.where(reassessed & known["reassessment_auth"], self.factors[rows], ""),
            np.where(reassessed, "</Assessments>", ""),
            *_element("CINPlanStartDate", t["plan_start"], plan, "<CINPlanDates>"),
            *_element("CINPlanEndDate", t["plan_end"], plan & known["plan_end"]),
            np.where(plan, "</CINPlanDates>", ""),
            *_element("S47ActualStartDate", t["s47_start"], s47, "<Section47>"),
            *_element("InitialCPCtarget", self.icpc_target[rows], s47),
            *_element("DateOfInitialCPC", t["icpc_date"], s47 & icpc),
            np.where(
                s47,
                np.where(
                    has_icpc,
                    "<ICPCnotRequired>false</ICPCnotRequired></Section47>",
                    "<ICPCnotRequired>true</ICPCnotRequired></Section47>",
                ),
                "",
            ),
            "<ReferralNFA>",
            self.nfa[rows],
            "</ReferralNFA>",
            *_element("CPPstartDate", t["cpp_start"], cpp, "<ChildProtectionPlans>"),
            *_element("CPPendDate", t["cpp_end"], cpp & known["cpp_end"]),
            np.where(cpp, self.cpp_codes[rows], ""),
            "</CINdetails>",
        ]


def _census_header(year: int, la_code_old: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>'
        f"<Year>{year}</Year><ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails><Source>"
        f"<SourceLevel>L</SourceLevel><LEA>{escape(la_code_old)}</LEA><SoftwareCode>csc-inequalities synthetic</SoftwareCode>"
        f"<Release>1</Release><SerialNo>{year}</SerialNo><DateTime>{year}-05-01T00:00:00</DateTime></Source></Header><Children>\n"
    )


def write_cin_census_xml(
    data: LAData, la_code_old: str, year: int, path: str | Path, strings: _EpisodeStrings | None = None
) -> int:
    """One collection year's return (every episode open at some point in the year); returns the
    number of episodes written. Built column-wise: each episode's text is assembled with array
    operations, then each child's episodes are wrapped in its ``<Child>`` element."""
    ref_date = pd.Timestamp(f"{year}-03-31")
    start = pd.Timestamp(f"{year - 1}-04-01")
    ep = data.episodes
    strings = strings or _EpisodeStrings(ep, data.children)
    in_year = ((ep["referral_date"] <= ref_date) & (ep["close_full"].isna() | (ep["close_full"] >= start))).to_numpy()
    # Positions of the year's episodes, grouped by child in referral order.
    order = np.lexsort((ep["referral_date"].to_numpy(), ep["child_index"].to_numpy()))
    rows = order[in_year[order]]
    child = ep["child_index"].to_numpy()[rows]
    first_of_child = np.r_[True, child[1:] != child[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    last_of_child = np.r_[child[1:] != child[:-1], True] if len(rows) else np.zeros(0, dtype=bool)
    columns = [
        np.where(first_of_child, strings.child_open[rows], ""),
        *strings.episode_columns(ref_date, rows),
        np.where(last_of_child, "</Child>\n", ""),
    ]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write(_census_header(year, la_code_old))
        out.write(_join_all(columns, len(rows)))
        out.write("</Children></Message>\n")
    return int(len(rows))


def write_la_files(data: LAData, la_code: str, la_code_old: str, years: list[int], out_dir: str | Path) -> dict:
    out_dir = Path(out_dir) / la_code
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "cin_census": {},
        "ssda903": str(out_dir / "ssda903_episodes.csv"),
        "child_lsoa": str(out_dir / "child_lsoa.csv"),
    }
    strings = _EpisodeStrings(data.episodes, data.children)
    for year in years:
        path = out_dir / f"cin_census_{year}.xml"
        write_cin_census_xml(data, la_code_old, year, path, strings)
        files["cin_census"][int(year)] = str(path)
    data.ssda903.to_csv(files["ssda903"], index=False)
    pd.DataFrame({"LAchildID": data.children["LAchildID"], "LSOA11CD": data.children["lsoa11"].astype(str)}).to_csv(
        files["child_lsoa"], index=False
    )
    return files


def episode_table(data: LAData, la_code: str, reference: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """The generator's own episode table in the data-model schema (pseudonymised child IDs): the
    episodes referred in the period (those open at its start, referred before it, are in the returns
    only: the reader leaves them out of the analyses' episode table too)."""
    ep = data.episodes
    if "burn_in" in ep:
        ep = ep[~ep["burn_in"].to_numpy()]
    kid = data.children.iloc[ep["child_index"].to_numpy()].reset_index(drop=True)
    ep = ep.reset_index(drop=True)
    child_id = pseudonymise_series(kid["LAchildID"], la_code, key)
    ref = reference.set_index("lsoa11")
    lsoa = kid["lsoa11"].astype(str)
    out = pd.DataFrame(
        {
            "episode_id": [episode_id(c, r) for c, r in zip(child_id, _iso(ep["referral_date"]))],
            "child_id": child_id,
            "la_code": la_code,
            "referral_date": ep["referral_date"],
            "referral_year": year_ending_march(ep["referral_date"]),
            "closure_date": ep["close_full"],
            "age_at_referral": whole_years(kid["dob"], ep["referral_date"]),
        }
    )
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
    for flag in FLAG_COLUMNS:
        out[flag] = ep[flag].astype(bool).to_numpy()
    out["cpp_initial_category"] = ep["cpp_category"].where(ep["cpp"]).to_numpy()
    out["cpp_latest_category"] = out["cpp_initial_category"]
    for code in FACTOR_CODES:
        out[f"factor_{code}"] = ep[f"factor_{code}"].astype(bool).to_numpy()
    # Kept for the truth comparisons of later strands (not part of what an LA supplies).
    out["true_demand_class"] = ep["demand_class"].to_numpy()
    columns = list(EPISODE_COLUMNS) + ["true_demand_class"]
    return out[columns].sort_values(["referral_date", "episode_id"], kind="stable").reset_index(drop=True)

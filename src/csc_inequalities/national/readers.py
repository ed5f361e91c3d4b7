"""Readers of the raw public files: each returns a long frame of LA-level measures.

Long frame columns: ``la_code`` (2013), ``year`` (year ending March), ``measure``, ``value``
(float, NaN where suppressed), ``source_file`` (relative to the raw folder), ``source_column``.
Measures are raw counts, DfE-published rates/percentages (suffix ``_published``) and
denominators; indicators.py turns them into the panel's rates, ratios and proportions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from csc_inequalities.national.codes import assign_la_codes
from csc_inequalities.national.sources import read_raw_csv, to_numeric

LONG_COLUMNS = ["la_code", "year", "measure", "value", "source_file", "source_column"]

# --------------------------------------------------------------------------------------------
# Original DfE "Characteristics of children in need" underlying-data files, 2009-10 .. 2016-17.
# Patterns are full-match, case-insensitive; {yy} is the two-year token (2016-17 -> "1617"),
# {yt} the 2011-12 typo form ("112"). March-31 headers match any year (\d\d) because some files
# name the wrong year (CINAt310316 in the 2016-17 file, CINAt310314RatePer10K in 2014-15).
CIN_ORIGINAL_PATTERNS: dict[str, list[str]] = {
    "referrals": [r"Referrals{yy}"],
    "referrals_rate_published": [r"Referrals{yy}Rate"],
    "rereferrals": [r"ReferralsWithin12mths{yy}"],
    "rereferrals_pct_published": [r"%ReferralsWithin12mths{yy}"],
    "nfa": [r"ReferralsNFA{yy}", r"ReferralsNFA{yt}"],
    "nfa_pct_published": [r"%ReferralsNFA{yy}"],
    "assessed_not_cin": [r"Referrals(IA|A)NotInNeed{yy}"],
    "assessed_not_cin_pct_published": [r"%Referrals(IA|A)NotInNeed{yy}"],
    "initial_assessments": [r"IAs{yy}"],
    "initial_assessments_rate_published": [r"IAs{yy}Rate"],
    "core_assessments": [r"CAs{yy}"],
    "core_assessments_rate_published": [r"CAsRate{yy}"],
    "continuous_assessments": [r"Assessments{yy}"],
    "continuous_assessments_rate_published": [r"AssessmentRatePer10k{yy}"],
    "cin_at_31_march": [r"CINAt3103\d\d"],
    "cin_at_31_march_rate_published": [r"CINAt3103\d\dRatePer10k", r"CINRatePer10K"],
    "cin_starting": [r"CINStarting{yy}", r"CINEpisodesStarting{yy}"],
    "cin_starting_rate_published": [r"CINStartingRatePer10k", r"CINEpisodesStartingRatePer10K"],
    "cin_ending": [r"CINEnding{yy}", r"CINEpisodesEnding{yy}"],
    # Children in need at any point in the year (episodes open at any time in it); the 2016-17
    # file has episodes and children, and the episodes column reproduces the study's Table 6.
    "cin_during_year": [r"CINThro{yy}", r"CINEpisodesThro{yy}"],
    "cin_during_year_rate_published": [r"CINThroRatePer10K", r"CINEpisodesThroRatePer10K"],
    "cin_closed_under_3m": [r"CINEnding{yy}Duration<3mths"],
    "cin_open_over_2y": [r"CINAt3103\d\dOCDuration2\+yrs"],
    "s47": [r"S47(in)?{yy}"],
    "s47_rate_published": [r"S47Rate{yy}"],
    "icpc": [r"ICPC(in)?{yy}"],
    "icpc_rate_published": [r"ICPCRate{yy}"],
    "cpp_starting": [r"CPP(In|Start|EpisodesStart){yy}"],
    "cpp_starting_rate_published": [r"CPP(Start|EpisodesStart)Rate{yy}"],
    "cpp_at_31_march": [r"CPPAt3103\d\d"],
    "cpp_at_31_march_rate_published": [r"CPPAt3103\d\dRate(Per10k)?"],
    "repeat_cpp": [r"CPP(in|Start){yy}SecondTime"],
    "pop_0_17": [r"Mid20\d\dPop0-?17"],
}
# 2009-10 reports CIN durations in weeks: "< 3 months" = 0-4 + 4-12 weeks (12 weeks, about
# 2.8 months), "> 2 years" = 2-3 + 3+ years.
CIN_2010_SUMS = {
    "cin_closed_under_3m": ["CINEnding0910Duration0-4wks", "CINEnding0910Duration4-12wks"],
    "cin_open_over_2y": ["CINAt310310OCDuration2-3yrs", "CINAt310310OCDuration3+yrs"],
}


def year_tokens(year: int) -> dict[str, str]:
    yy = f"{(year - 1) % 100:02d}{year % 100:02d}"
    return {"yy": yy, "yt": yy[1:]}


def find_column(columns: Iterable[str], patterns: list[str], year: int, source: str) -> str | None:
    """The one column matching the first pattern that matches; None if no pattern matches."""
    tokens = year_tokens(year)
    columns = list(columns)
    for pattern in patterns:
        regex = re.compile(pattern.format(**tokens), flags=re.IGNORECASE)
        hits = [c for c in columns if regex.fullmatch(c)]
        if len(hits) > 1:
            raise ValueError(f"{source}: pattern {pattern!r} matches several columns {hits}")
        if hits:
            return hits[0]
    return None


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=LONG_COLUMNS)


def _long(rows: pd.DataFrame, year: int, measure: str, values: pd.Series, source: str, column: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "la_code": rows["la_code"].to_numpy(),
            "year": year,
            "measure": measure,
            "value": values.to_numpy(dtype=float),
            "source_file": source,
            "source_column": column,
        }
    )


def _ees_periods(path: Path, periods: Iterable[int]) -> pd.DataFrame:
    """An explore-education-statistics CSV, only the rows of the given ``time_period``s."""
    raw = read_raw_csv(path)
    return raw[pd.to_numeric(raw["time_period"], errors="coerce").isin(list(periods))]


def _ees_la_rows(frame: pd.DataFrame, reference: pd.DataFrame, source: str) -> pd.DataFrame:
    """:func:`assign_la_codes` with the geography columns of explore-education-statistics files."""
    return assign_la_codes(
        frame,
        reference,
        old_code="old_la_code",
        new_code="new_la_code",
        level="geographic_level",
        name="la_name",
        source=source,
    )


def read_cin_original(path: Path, year: int, reference: pd.DataFrame, source: str) -> pd.DataFrame:
    raw = read_raw_csv(path)
    rows = assign_la_codes(
        raw,
        reference,
        old_code="geog_c",
        new_code="new_la_code" if "new_la_code" in raw.columns else None,
        level="geog_l",
        name="geog_n",
        source=source,
    )
    parts = []
    for measure, patterns in CIN_ORIGINAL_PATTERNS.items():
        if year == 2010 and measure in CIN_2010_SUMS:
            cols = CIN_2010_SUMS[measure]
            values = sum(to_numeric(rows[c]) for c in cols)  # NaN if any band is suppressed
            parts.append(_long(rows, year, measure, values, source, " + ".join(cols)))
            continue
        column = find_column(rows.columns, patterns, year, source)
        if column is None:
            continue
        parts.append(_long(rows, year, measure, to_numeric(rows[column]), source, column))
    return _concat(parts)


# --------------------------------------------------------------------------------------------
# DfE explore-education-statistics (EES) tidy files, 2021-22 release (LA rows 2013-2022).
CIN_EES_FILES: dict[str, dict[str, str]] = {
    "c1": {
        "Referrals": "referrals",
        "Referrals_rate": "referrals_rate_published",
        "Re_referrals": "rereferrals",
        "Re_referrals_percent": "rereferrals_pct_published",
        "No_Further_Action": "nfa",
        "No_Further_Action_percent": "nfa_pct_published",
        "Not_in_Need": "assessed_not_cin",
        "Not_in_Need_percent": "assessed_not_cin_pct_published",
    },
    "c2": {
        "Assessments_completed": "continuous_assessments",
        "Assessments_completed_rate": "continuous_assessments_rate_published",
    },
    "b1": {
        "Anypoint_episodes": "cin_during_year",
        "Anypoint_episodes_rate": "cin_during_year_rate_published",
        "Started_episodes": "cin_starting",
        "Started_episodes_rate": "cin_starting_rate_published",
        "At31_episodes": "cin_at_31_march",
        "At31_episodes_rate": "cin_at_31_march_rate_published",
        "Ended_episodes": "cin_ending",
    },
    "b4": {"2years+": "cin_open_over_2y"},
    "b5": {"3_months_or_less": "cin_closed_under_3m"},
    "c4": {
        "Section47": "s47",
        "Section47_rate": "s47_rate_published",
        "ICPC": "icpc",
        "ICPC_rate": "icpc_rate_published",
    },
    "d1": {
        "CPP_start": "cpp_starting",
        "CPP_start_rate": "cpp_starting_rate_published",
        "CPP_At31": "cpp_at_31_march",
        "CPP_At31_rate": "cpp_at_31_march_rate_published",
    },
    "d3": {"CPP_subsequent": "repeat_cpp"},
}


def read_ees(
    path: Path,
    columns: dict[str, str],
    years: Iterable[int],
    reference: pd.DataFrame,
    source: str,
    filters: dict[str, str] | None = None,
) -> pd.DataFrame:
    raw = _ees_periods(path, years)
    for key, value in (filters or {}).items():
        raw = raw[raw[key] == value]
    parts = []
    for period, frame in raw.groupby("time_period"):
        year = int(period)
        rows = _ees_la_rows(frame, reference, f"{source} {year}")
        for column, measure in columns.items():
            parts.append(_long(rows, year, measure, to_numeric(rows[column]), source, column))
    return _concat(parts)


def read_population_ees(
    path: Path, years: Iterable[int], reference: pd.DataFrame, source: str, measure: str = "pop_0_17"
) -> pd.DataFrame:
    """ONS mid-year 0-17 estimates (EES); year Y gets mid-(Y-1), as DfE's rates do."""
    raw = read_raw_csv(path)
    raw = raw.assign(year=pd.to_numeric(raw["time_period"], errors="coerce") + 1)
    raw = raw[raw["year"].isin(list(years))]
    parts = []
    for year, frame in raw.groupby("year"):
        rows = _ees_la_rows(frame, reference, f"{source} {year}")
        parts.append(
            _long(
                rows,
                int(year),
                measure,
                to_numeric(rows["population_estimate"]),
                source,
                f"population_estimate (mid-{int(year) - 1})",
            )
        )
    return _concat(parts)


# --------------------------------------------------------------------------------------------
# SSDA903 looked-after children: 2010 SFR27 tables, 2011-2019 LA underlying data, 2020-22 EES.
def read_cla_2010(
    started: Path, march: Path, reference: pd.DataFrame, src_started: str, src_march: str
) -> pd.DataFrame:
    parts = []
    for path, src, column, measure in (
        (started, src_started, "StartTotal_2010", "cla_started"),
        (march, src_march, "MarTotal_2010", "cla_at_31_march"),
        (march, src_march, "Mid2009Pop0-17", "pop_0_17_cla2010"),
    ):
        raw = read_raw_csv(path)
        rows = assign_la_codes(raw, reference, old_code="geog_c", level="geog_l", name="geog_n", source=src)
        parts.append(_long(rows, 2010, measure, to_numeric(rows[column]), src, column))
    return _concat(parts)


CLA_ADM_COLUMNS = {
    "cla_started": "CLA_started{Y}",
    "cla_taken_into_care": "CLA_taken{Y}",
    "section20_starts": "SCLA_S20",
    "interim_care_order_starts": "SCLA_ICO",
    "full_care_order_starts": "SCLA_FCO",
}
CLA_MARCH_COLUMNS = {"cla_at_31_march": "CLA_Mar{Y}"}
# Legal status of children looked after at 31 March (SSDA903 LA tables, 2011-2019 files); cells
# of 1-5 children are suppressed ("x"), and some larger ones too, so that they cannot be derived.
CLA_MARCH_LEGAL_STATUS_COLUMNS = {
    "cla_ico_31mar": "CLA_ICO",
    "cla_fco_31mar": "CLA_FCO",
    "cla_placement_order_31mar": "CLA_PlaceO",
    "cla_freed_for_adoption_31mar": "CLA_FrAd",
    "cla_s20_31mar": "CLA_S20",
    "cla_cpg_31mar": "CLA_CPG",
    "cla_yjls_31mar": "CLA_YJLS",
}


def read_cla_underlying(
    path: Path, year: int, columns: dict[str, str], reference: pd.DataFrame, source: str
) -> pd.DataFrame:
    raw = read_raw_csv(path)
    rows = assign_la_codes(
        raw, reference, old_code="geog_c", new_code="New_geog_code", level="geog_l", name="geog_n", source=source
    )
    parts = []
    for measure, template in columns.items():
        column = template.format(Y=year)
        if column not in rows.columns and "{Y}" in template:
            # Wrong-year headers (the 2014-15 ADM file names its starts CLA_started2014): accept
            # the one column of that stem when the file has no other year.
            stem = re.compile(re.escape(template.split("{Y}")[0]) + r"\d{4}")
            hits = [c for c in rows.columns if stem.fullmatch(c)]
            if len(hits) == 1:
                column = hits[0]
        if column not in rows.columns:
            raise KeyError(f"{source}: expected column {column!r} is missing")
        parts.append(_long(rows, year, measure, to_numeric(rows[column]), source, column))
    return _concat(parts)


# The total of starts comes from cla_number_and_rate_per_10k_children, not from this file.
CLA_EES_STARTED = {
    ("Taken into care", "All children taken into care"): "cla_taken_into_care",
    ("Legal status", "Voluntary agreement under S20"): "section20_starts",
    ("Legal status", "Interim care order"): "interim_care_order_starts",
    ("Legal status", "Full care order"): "full_care_order_starts",
}


def read_cla_ees_started(path: Path, years: Iterable[int], reference: pd.DataFrame, source: str) -> pd.DataFrame:
    raw = _ees_periods(path, years)
    parts = []
    for (group, characteristic), measure in CLA_EES_STARTED.items():
        sel = raw[(raw["cla_group"] == group) & (raw["characteristic"] == characteristic)]
        for period, frame in sel.groupby("time_period"):
            rows = _ees_la_rows(frame, reference, f"{source} {period}")
            parts.append(
                _long(
                    rows,
                    int(period),
                    measure,
                    to_numeric(rows["number"]),
                    source,
                    f"number [{group}: {characteristic}]",
                )
            )
    return _concat(parts)


CLA_EES_NUMBERS = {
    "Children starting to be looked after each year": "cla_started",
    "Children looked after at 31 March each year": "cla_at_31_march",
}


def read_cla_ees_numbers(path: Path, years: Iterable[int], reference: pd.DataFrame, source: str) -> pd.DataFrame:
    raw = _ees_periods(path, years)
    parts = []
    for count_name, measure in CLA_EES_NUMBERS.items():
        sel = raw[raw["population_count"] == count_name]
        for period, frame in sel.groupby("time_period"):
            rows = _ees_la_rows(frame, reference, f"{source} {period}")
            parts.append(
                _long(rows, int(period), measure, to_numeric(rows["number"]), source, f"number [{count_name}]")
            )
            if measure == "cla_at_31_march":
                parts.append(
                    _long(
                        rows,
                        int(period),
                        "pop_0_17_cla_ees",
                        to_numeric(rows["population_estimate"]),
                        source,
                        "population_estimate",
                    )
                )
    return _concat(parts)


# --------------------------------------------------------------------------------------------
def read_census_consistent_mid2011(path: Path, reference: pd.DataFrame, source: str) -> pd.DataFrame:
    """The census-consistent mid-2011 0-17 population (``Mid2011Pop0-17`` of the 2011-12 CIN file),
    as the alternative denominator of 2010-11 (measure ``pop_0_17_census_mid2011``, year 2011).

    The 2010-11 file's own ``Mid2010Pop0-17`` is the pre-2011-Census mid-2010 estimate; the 2011-12
    file's mid-2011 figure is the first rebased on the 2011 Census."""
    raw = read_raw_csv(path)
    rows = assign_la_codes(
        raw,
        reference,
        old_code="geog_c",
        new_code="new_la_code" if "new_la_code" in raw.columns else None,
        level="geog_l",
        name="geog_n",
        source=source,
    )
    column = find_column(rows.columns, [r"Mid2011Pop0-?17"], 2012, source)
    if column is None:
        raise KeyError(f"{source}: expected column 'Mid2011Pop0-17' is missing")
    return _long(rows, 2011, "pop_0_17_census_mid2011", to_numeric(rows[column]), source, column)


def read_imd_file11(path: Path, sheet: str = "IMD") -> pd.DataFrame:
    """IMD File 11 (upper-tier LA summaries) as read from the workbook (headers stripped)."""
    frame = pd.read_excel(path, sheet_name=sheet)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def imd_measures(
    file11: pd.DataFrame, reference: pd.DataFrame, years: Iterable[int], prefix: str, source: str
) -> pd.DataFrame:
    """IMD LA average score and rank of average score (1 = most deprived), repeated each year."""
    code_col = file11.columns[0]
    score_col = next(c for c in file11.columns if re.search(r"average score$", str(c), re.I))
    rank_col = next(c for c in file11.columns if re.search(r"rank of average score$", str(c), re.I))
    frame = file11.assign(la_code=file11[code_col].astype(str).str.strip())
    frame = frame[frame["la_code"].isin(set(reference["la_code"]))]
    parts = []
    for year in years:
        parts.append(_long(frame, year, f"{prefix}_avg_score", to_numeric(frame[score_col]), source, str(score_col)))
        parts.append(_long(frame, year, f"{prefix}_rank_avg_score", to_numeric(frame[rank_col]), source, str(rank_col)))
    return _concat(parts)


# --------------------------------------------------------------------------------------------
# Children's social work workforce (position at 30 September).
WORKFORCE_SFR_COLUMNS = {
    "social_workers_fte": "A1_FTE_ChildrensSocialWorkers_{S}",
    "sw_turnover_rate_published": "B3_FTE_TurnoverRate_{S}",
    "sw_agency_rate_published": "D2_FTE_AgencyWorkerRate_{S}",
    "sw_vacancy_rate_published": "A3_FTE_VacancyRate_{S}",
}
WORKFORCE_EES_COLUMNS = {
    "inpost_fte": "social_workers_fte",
    "turnover_rate_fte": "sw_turnover_rate_published",
    "agency_rate_fte": "sw_agency_rate_published",
    "vacancy_rate_fte": "sw_vacancy_rate_published",
    "caseload_fte": "sw_caseload_published",
}


def read_workforce_sfr(
    path: Path, september: int, year_offset: int, reference: pd.DataFrame, source: str
) -> pd.DataFrame:
    raw = read_raw_csv(path)
    raw = raw[raw["LA_code (3 digit)"].str.strip() != ""]
    rows = assign_la_codes(
        raw, reference, old_code="LA_code (3 digit)", new_code="LA_code (9 digit)", name="LA_name", source=source
    )
    year = september + year_offset
    parts = [
        _long(rows, year, measure, to_numeric(rows[template.format(S=september)]), source, template.format(S=september))
        for measure, template in WORKFORCE_SFR_COLUMNS.items()
    ]
    return _concat(parts)


def read_workforce_ees(
    path: Path, septembers: Iterable[int], year_offset: int, reference: pd.DataFrame, source: str
) -> pd.DataFrame:
    raw = _ees_periods(path, septembers)
    parts = []
    for period, frame in raw.groupby("time_period"):
        rows = _ees_la_rows(frame, reference, f"{source} {period}")
        year = int(period) + year_offset
        for column, measure in WORKFORCE_EES_COLUMNS.items():
            parts.append(_long(rows, year, measure, to_numeric(rows[column]), source, f"{column} (September {period})"))
    return _concat(parts)


# --------------------------------------------------------------------------------------------
def read_cafcass_lait(path: Path, years: Iterable[int], reference: pd.DataFrame, source: str) -> pd.DataFrame:
    """Cafcass care applications per 10,000 children 0-17 (LAIT; rates only, from 2014-15)."""
    raw = read_raw_csv(path)
    raw = raw[pd.to_numeric(raw["fy_end_year"], errors="coerce").isin(list(years))]
    parts = []
    for year, frame in raw.groupby("fy_end_year"):
        # England and regions are the rows without a region (LAIT numbers them 970-990).
        frame = frame.assign(
            level=np.where(frame["region"].str.strip().isin(["", "NA"]), "Regional", "Local authority")
        )
        rows = assign_la_codes(
            frame, reference, old_code="la_number", level="level", name="la_name", source=f"{source} {year}"
        )
        # value_raw keeps LAIT's own cell ('-' = no value).
        parts.append(
            _long(
                rows, int(year), "care_proceedings_rate_published", to_numeric(rows["value_raw"]), source, "value_raw"
            )
        )
    return _concat(parts)


# --------------------------------------------------------------------------------------------
def read_gdp_deflator(path: Path) -> pd.Series:
    """GDP deflator index by year (year ending March), from the workbook's year/gdp columns."""
    frame = pd.read_excel(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    series = pd.Series(to_numeric(frame["gdp"]).to_numpy(), index=pd.to_numeric(frame["year"]).astype(int).to_numpy())
    return series.dropna()

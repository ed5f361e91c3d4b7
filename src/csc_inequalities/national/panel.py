"""Build the LA × year panel of the national strand from the shipped raw files.

``build_panel(raw_dir, ...)`` reads every source (paths below, relative to
``resources/national/raw``), harmonises LA codes to the 152 upper-tier LAs of 2013, derives the
indicators of indicators.py and returns the panel, its data dictionary and a coverage table.
Original DfE underlying-data files are used for 2009-10 .. 2016-17 (later DfE revisions of the
same series reproduce the published Table 6 less well); the 2021-22 explore-education-statistics
release supplies 2017-18 .. 2021-22.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from csc_inequalities.national import readers, s251
from csc_inequalities.national.codes import la_reference
from csc_inequalities.national.indicators import INDICATORS, add_real_spend, derive_indicators
from csc_inequalities.national.sources import read_raw_csv

log = logging.getLogger(__name__)

CWIP = "cwip-app/data"
CIN_ORIGINAL = {
    2010: f"{CWIP}/data/cin-census/2009-10/osr28-2010udv4/osr28-2010ud.csv",
    2011: f"{CWIP}/data/cin-census/2010-11/osr26-2011ud.csv",
    2012: f"{CWIP}/data/cin-census/2011-12/sfr27-2012udv3/SFR27-2012ud.csv",
    2013: f"{CWIP}/data/cin-census/2012-13/SFR45-2013UD/SFR45-2013ud.csv",
    2014: f"{CWIP}/data/cin-census/2013-14/SFR43-2014/SFR43-2014.csv",
    2015: f"{CWIP}/data/cin-census/2014-15/SFR41-2015_UD/SFR41-2015_Underlying_data.csv",
    2016: f"{CWIP}/data/cin-census/2015-16/SFR52_2016_UD/SFR52_2016_UD.csv",
    2017: f"{CWIP}/data/cin-census/2016-17/SFR61-2017_UD/SFR61-2017_UD.CSV",
}
CIN_EES_DIR = f"{CWIP}/data/cin-census/2021-22/data"
CIN_EES = {
    "c1": "c1_children_in_need_referrals_and_rereferrals_2013_to_2022.csv",
    "c2": "c2_children_in_need_assessments_duration_2014_to_2022.csv",
    "b1": "b1_children_in_need_2013_to_2022.csv",
    "b4": "b4_children_in_need_duration_of_open_episode_2013_to_2022.csv",
    "b5": "b5_children_in_need_duration_of_ended_episode_2013_to_2022.csv",
    "c4": "c4_children_in_need_section_47s_and_icpcs_2013_to_2022.csv",
    "d1": "d1_child_protection_plans_2013_to_2022.csv",
    "d3": "d3_cpps_subsequent_plan_2013_to_2022.csv",
}
POPULATION_EES = f"{CIN_EES_DIR}/ons_mid-year_population_estimates.csv"
# ONS 0-17 estimates as published with the 2019-20 CIN release: mid-2012 and mid-2013 revised
# after the original DfE files were made (an optional denominator for 2012-13 and 2013-14).
POPULATION_EES_2020 = (
    f"{CWIP}/data/cin-census/2019-20/characteristics-of-children-in-need_2020/"
    "data/ons_mid-year_population_estimates.csv"
)
CLA_2010_STARTED = "goodair-csc/CLA_2010/SFR27_2010_Started.csv"
CLA_2010_MARCH = "goodair-csc/CLA_2010/SFR27_2010_March.csv"
CLA_UNDERLYING = {
    2011: ("cla_2011/SFE21_ADM.csv", "cla_2011/SFR21_CLA.csv"),
    2012: ("cla_2012/SFR20_ADM2012.csv", "cla_2012/SFR20_CLA2012.csv"),
    2013: ("cla_2013/SFR36_ADM2013.csv", "cla_2013/SFR36_CLA2013.csv"),
    2014: ("cla_2014/SFR36_ADM2014.csv", "cla_2014/SFR36_CLA2014.csv"),
    2015: ("cla_2015/SFR34_ADM2015.csv", "cla_2015/SFR34_CLA2015.csv"),
    2016: ("cla_2016/SFR41_ADM2016.csv", "cla_2016/SFR41_CLA2016.csv"),
    2017: ("cla_2017/SFR50_ADM2017.csv", "cla_2017/SFR50_CLA2017.csv"),
    2018: ("cla_2018/ADM2018_amended.csv", "cla_2018/CLA2018.csv"),
    2019: ("cla_2019/ADM2019.csv", "cla_2019/CLA2019.csv"),
}
CLA_EES_DIR = f"{CWIP}/data/ssda903-cla/children-looked-after-in-england-including-adoptions_2022/data"
CLA_EES_NUMBERS = f"{CLA_EES_DIR}/cla_number_and_rate_per_10k_children.csv"
CLA_EES_STARTED = f"{CLA_EES_DIR}/la_cla_who_started_to_be_looked_after_extract_2020-2022_legal_status.csv"
IMD2015 = f"{CWIP}/data/imd/imd-2015.xlsx"
IMD2019 = f"{CWIP}/data/imd/imd-2019.xlsx"
GDP_DEFLATOR = f"{CWIP}/GDP_deflator.xlsx"
S251_EXTRACT = f"{CWIP}/Section251_outturns/s251_csc_lines_extract_2012-2019.csv"
WORKFORCE_SFR = {2015: "csc-workforce/SFR07_2016_UD.csv", 2016: "csc-workforce/SFR08_2017_UD.csv"}
WORKFORCE_EES = "csc-workforce/csww_indicators_2017_to_2024.csv"
CAFCASS = "lait/lait_cafcass_care_applications_rate_per10k_2014-15_to_2024-25.csv"

ID_COLUMNS = ["la_code", "la_code_old", "la_name", "year"]

# Denominators of the panel's rates (config national_panel.population): source -> (measure of
# the long frame, what it is). "dfe_file" is the default for every year not named otherwise.
POPULATION_SOURCES = {
    "dfe_file": (
        "pop_0_17",
        "the population DfE used for that year's own figures: Mid(Y-1)Pop0-17 of the year's CIN "
        "underlying-data file (2010-2017), ONS mid-(Y-1) estimates of the 2021-22 CIN release "
        "(2018-2021), the mid-2021 estimate of the 2022 looked-after release (2022)",
    ),
    "dfe_census_consistent_mid2011": (
        "pop_0_17_census_mid2011",
        "DfE's census-consistent mid-2011 estimate (Mid2011Pop0-17 of the 2011-12 CIN file); for "
        "2010-11 only, whose own file divides by the pre-2011-Census mid-2010 estimate",
    ),
    "ons_2020_release": (
        "pop_0_17_ons_2020_release",
        "ONS mid-(Y-1) estimates as published with the 2019-20 CIN release (revised mid-2012 and "
        "mid-2013; years 2013-2020)",
    ),
}
DEFAULT_POPULATION = {"default": "dfe_file", "by_year": [{"year": 2011, "source": "dfe_census_consistent_mid2011"}]}


POPULATION_SHORT = {
    "dfe_file": "DfE's own (ONS mid-year estimate before the year)",
    "dfe_census_consistent_mid2011": "DfE census-consistent mid-2011",
    "ons_2020_release": "ONS revised (2019-20 CIN release)",
}


def population_summary(population: dict | None, years: Iterable[int]) -> str:
    """One line saying which population each of ``years`` divides by, e.g. for Table 6."""
    by_year = population_by_year(years, population)
    by_source: dict[str, list[int]] = {}
    for year, source in sorted(by_year.items()):
        by_source.setdefault(source, []).append(year)
    return "; ".join(f"{years_text(y)}: {POPULATION_SHORT[s]}" for s, y in by_source.items())


def population_by_year(years: Iterable[int], population: dict | None = None) -> dict[int, str]:
    """Year -> population source, from the config block (``default`` and ``by_year`` overrides)."""
    population = population or DEFAULT_POPULATION
    default = population.get("default", "dfe_file")
    chosen = {int(y): default for y in years}
    for entry in population.get("by_year", []):
        year, source = int(entry["year"]), entry["source"]
        if source not in POPULATION_SOURCES:
            raise ValueError(f"population source {source!r} for {year} is not one of {', '.join(POPULATION_SOURCES)}")
        if year in chosen:
            chosen[year] = source
    return chosen


def choose_population(wide: pd.DataFrame, by_year: dict[int, str]) -> tuple[pd.DataFrame, pd.Series]:
    """Put each year's chosen 0-17 population in ``pop_0_17``.

    Returns the frame and a boolean Series: True where ``pop_0_17`` is still the population of
    DfE's own file (there DfE's published rates are valid). A source that has no value at all in
    a year it is chosen for is refused (a rate would silently disappear otherwise).
    """
    out = wide.copy()
    own = pd.Series(True, index=out.index)
    for year, source in sorted(by_year.items()):
        if source == "dfe_file":
            continue
        measure = POPULATION_SOURCES[source][0]
        rows = out["year"] == year
        values = out.loc[rows, measure] if measure in out.columns else pd.Series(dtype=float)
        if values.notna().sum() == 0:
            raise ValueError(f"population source {source!r} has no values for {year}")
        out.loc[rows, "pop_0_17"] = values
        own[rows] = False
    return out, own


def population_note(by_year: dict[int, str]) -> str:
    """The data dictionary's note on pop_0_17: which estimate each year takes, and why."""
    by_source: dict[str, list[int]] = {}
    for year, source in sorted(by_year.items()):
        by_source.setdefault(source, []).append(year)
    parts = [f"{years_text(years)}: {POPULATION_SOURCES[source][1]}" for source, years in by_source.items()]
    why = ""
    if "dfe_census_consistent_mid2011" in by_source:
        why = (
            " 2010-11 takes the census-consistent mid-2011 estimate because the 2010-11 file's "
            "mid-2010 estimate predates the 2011 Census rebasing, which shifted LAs' child "
            "populations unevenly: with it every 2011 rate, and so every 2011 Table 6 cell, "
            "comes out above the study's (the report's Table 6 comparison shows by how much)."
        )
    return (
        "Denominator of every rate, by year — "
        + "; ".join(parts)
        + "."
        + why
        + " Where a year's population is not DfE's own, rates are computed from counts "
        "rather than taken from DfE's published rates."
    )


DICTIONARY_COLUMNS = [
    "indicator",
    "label",
    "kind",
    "numerator",
    "denominator",
    "source_file",
    "source_column",
    "years_present",
    "table6_label",
    "note",
]


def raw_files() -> list[str]:
    """Every raw file the panel reads (relative to the raw folder)."""
    files = list(CIN_ORIGINAL.values()) + [f"{CIN_EES_DIR}/{f}" for f in CIN_EES.values()]
    files += [POPULATION_EES, POPULATION_EES_2020, CLA_2010_STARTED, CLA_2010_MARCH, CLA_EES_NUMBERS, CLA_EES_STARTED]
    for adm, march in CLA_UNDERLYING.values():
        files += [f"{CWIP}/cla_data/{adm}", f"{CWIP}/cla_data/{march}"]
    files += [IMD2015, IMD2019, GDP_DEFLATOR, S251_EXTRACT, *WORKFORCE_SFR.values(), WORKFORCE_EES, CAFCASS]
    return files


def build_reference(raw_dir: Path) -> pd.DataFrame:
    """152 LAs of 2013 from IMD 2015 File 11 plus 3-digit codes from the 2013-14 CIN file."""
    imd = readers.read_imd_file11(raw_dir / IMD2015)
    cin14 = read_raw_csv(raw_dir / CIN_ORIGINAL[2014])
    cin14 = cin14[cin14["geog_l"].str.strip().str.upper() == "LA"]
    return la_reference(imd, cin14.rename(columns={"geog_c": "la_code_old", "new_la_code": "la_code"}))


def read_all_measures(
    raw_dir: Path, reference: pd.DataFrame, years: list[int], workforce_year_offset: int = 1
) -> pd.DataFrame:
    """All raw measures as one long frame (see readers.LONG_COLUMNS)."""
    parts = []
    ees_years = [y for y in years if y > max(CIN_ORIGINAL)]
    for year, rel in CIN_ORIGINAL.items():
        if year in years:
            parts.append(readers.read_cin_original(raw_dir / rel, year, reference, rel))
    for key, columns in readers.CIN_EES_FILES.items():
        rel = f"{CIN_EES_DIR}/{CIN_EES[key]}"
        parts.append(readers.read_ees(raw_dir / rel, columns, ees_years, reference, rel))
    parts.append(
        readers.read_population_ees(
            raw_dir / POPULATION_EES, [y for y in ees_years if y <= 2021], reference, POPULATION_EES
        )
    )
    if 2011 in years:
        parts.append(
            readers.read_census_consistent_mid2011(raw_dir / CIN_ORIGINAL[2012], reference, CIN_ORIGINAL[2012])
        )
    parts.append(
        readers.read_population_ees(
            raw_dir / POPULATION_EES_2020,
            [y for y in years if 2013 <= y <= 2020],
            reference,
            POPULATION_EES_2020,
            measure="pop_0_17_ons_2020_release",
        )
    )
    if 2010 in years:
        parts.append(
            readers.read_cla_2010(
                raw_dir / CLA_2010_STARTED, raw_dir / CLA_2010_MARCH, reference, CLA_2010_STARTED, CLA_2010_MARCH
            )
        )
    for year, (adm, march) in CLA_UNDERLYING.items():
        if year not in years:
            continue
        adm_rel, march_rel = f"{CWIP}/cla_data/{adm}", f"{CWIP}/cla_data/{march}"
        parts.append(readers.read_cla_underlying(raw_dir / adm_rel, year, readers.CLA_ADM_COLUMNS, reference, adm_rel))
        parts.append(
            readers.read_cla_underlying(raw_dir / march_rel, year, readers.CLA_MARCH_COLUMNS, reference, march_rel)
        )
        parts.append(
            readers.read_cla_underlying(
                raw_dir / march_rel, year, readers.CLA_MARCH_LEGAL_STATUS_COLUMNS, reference, march_rel
            )
        )
    cla_ees_years = [y for y in years if y > max(CLA_UNDERLYING)]
    if cla_ees_years:
        parts.append(
            readers.read_cla_ees_numbers(raw_dir / CLA_EES_NUMBERS, cla_ees_years + [2022], reference, CLA_EES_NUMBERS)
        )
        parts.append(readers.read_cla_ees_started(raw_dir / CLA_EES_STARTED, cla_ees_years, reference, CLA_EES_STARTED))
    imd15 = readers.read_imd_file11(raw_dir / IMD2015)
    parts.append(readers.imd_measures(imd15, reference, years, "imd2015", IMD2015))
    imd19 = readers.read_imd_file11(raw_dir / IMD2019)
    imd19 = imd19.assign(
        **{
            imd19.columns[0]: imd19.iloc[:, 0].map(
                lambda c: {"E06000048": "E06000057", "E08000020": "E08000037"}.get(str(c).strip(), str(c).strip())
            )
        }
    )
    parts.append(readers.imd_measures(imd19, reference, years, "imd2019", IMD2019))
    for september, rel in WORKFORCE_SFR.items():
        if september + workforce_year_offset in years:
            parts.append(readers.read_workforce_sfr(raw_dir / rel, september, workforce_year_offset, reference, rel))
    ees_septembers = [y - workforce_year_offset for y in years if y - workforce_year_offset >= 2017]
    if ees_septembers:
        parts.append(
            readers.read_workforce_ees(
                raw_dir / WORKFORCE_EES, ees_septembers, workforce_year_offset, reference, WORKFORCE_EES
            )
        )
    parts.append(readers.read_cafcass_lait(raw_dir / CAFCASS, years, reference, CAFCASS))
    parts.append(s251.spend_measures(raw_dir / S251_EXTRACT, reference, years, S251_EXTRACT))
    long = pd.concat([p for p in parts if len(p)], ignore_index=True)
    long = long[long["year"].isin(years)]
    # Only the CLA EES 2022 population is kept from that file (2022 denominator).
    is_cla_pop = long["measure"] == "pop_0_17_cla_ees"
    long.loc[is_cla_pop & (long["year"] == 2022), ["measure", "source_column"]] = [
        "pop_0_17",
        "population_estimate (mid-2021)",
    ]
    long = long[long["measure"] != "pop_0_17_cla_ees"]
    # The 2010 looked-after March file repeats the Mid2009 population of the CIN file.
    long = long[long["measure"] != "pop_0_17_cla2010"]
    dupes = long.duplicated(["la_code", "year", "measure"], keep=False)
    if dupes.any():
        sample = long.loc[dupes, ["la_code", "year", "measure", "source_file"]].head(6)
        raise ValueError(f"a measure comes from more than one file:\n{sample}")
    return long


def years_text(years: Iterable[int]) -> str:
    """[2010, 2011, 2012, 2015] -> '2010-2012, 2015'."""
    years = sorted(set(int(y) for y in years))
    if not years:
        return ""
    runs, start, prev = [], years[0], years[0]
    for y in years[1:]:
        if y != prev + 1:
            runs.append((start, prev))
            start = y
        prev = y
    runs.append((start, prev))
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def _sources_of(long: pd.DataFrame, measures: list[str], years: Iterable[int]) -> tuple[str, str]:
    sel = long[long["measure"].isin(measures) & long["year"].isin(list(years))]
    if sel.empty:
        return "", ""
    by_file = (
        sel.groupby(["source_file", "source_column"])["year"]
        .agg(first="min", years=lambda s: years_text(s))
        .reset_index()
        .sort_values(["first", "source_file", "source_column"])
    )
    files = "; ".join(dict.fromkeys(by_file["source_file"]))
    columns = "; ".join(f"{r.source_column} ({r.years})" for r in by_file.itertuples())
    return files, columns


def how_taken(ind, rate_source: str) -> str:
    if not ind.published or ind.name == "care_proceedings_rate":
        return ""
    if rate_source == "published" and ind.kind == "rate_per_10k":
        return f"DfE's published rate where the file gives one, else {ind.numerator} / {ind.denominator} x 10,000."
    if rate_source == "published":
        return "DfE's published value where the file gives one, else computed."
    return ""


def data_dictionary(
    panel: pd.DataFrame, long: pd.DataFrame, rate_source: str = "published", population: dict[int, str] | None = None
) -> pd.DataFrame:
    rows = []
    for ind in INDICATORS:
        if ind.name not in panel.columns:
            continue
        measures = [ind.name]
        if ind.published:
            measures.append(ind.published)
        for part in (ind.numerator, ind.denominator):
            measures += [m.strip() for m in part.split("+")]
        if ind.name == "care_order_starts":
            measures += ["interim_care_order_starts", "full_care_order_starts"]
        if "pop_0_17" in measures and population:
            measures += [POPULATION_SOURCES[s][0] for s in set(population.values())]
        present = panel.loc[panel[ind.name].notna(), "year"]
        source_file, source_column = _sources_of(long, measures, present.unique())
        if ind.denominator == "GDP deflator" or ind.name.endswith("_real"):
            source_file = "; ".join(filter(None, [source_file, GDP_DEFLATOR]))
            source_column = "; ".join(filter(None, [source_column, "gdp (2011-2019)"]))
        rows.append(
            {
                "indicator": ind.name,
                "label": ind.label,
                "kind": ind.kind,
                "numerator": ind.numerator,
                "denominator": ind.denominator,
                "source_file": source_file,
                "source_column": source_column,
                "years_present": years_text(present),
                "table6_label": ind.table6_label,
                "note": " ".join(
                    filter(
                        None,
                        [
                            how_taken(ind, rate_source),
                            ind.note,
                            population_note(population) if population and ind.name == "pop_0_17" else "",
                        ],
                    )
                ),
            }
        )
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS)


def coverage_table(panel: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """Number of LAs with a value, per indicator (rows) and year (columns)."""
    counts = panel.groupby("year")[indicators].count().T
    counts.index.name = "indicator"
    counts.columns = [str(c) for c in counts.columns]
    return counts.reset_index()


def build_panel(
    raw_dir: str | Path,
    first_year: int = 2010,
    last_year: int = 2022,
    rate_source: str = "published",
    workforce_year_offset: int = 1,
    price_base_year: int = 2017,
    population: dict | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(panel, data dictionary, coverage) for the 152 LAs of 2013 and the years asked for.

    ``population``: the config block national_panel.population (``default`` source and
    ``by_year`` overrides; see POPULATION_SOURCES); None = DEFAULT_POPULATION.
    """
    raw_dir = Path(raw_dir)
    years = list(range(first_year, last_year + 1))
    by_year = population_by_year(years, population)
    reference = build_reference(raw_dir)
    long = read_all_measures(raw_dir, reference, years, workforce_year_offset)
    wide = long.pivot_table(
        index=["la_code", "year"], columns="measure", values="value", aggfunc="first", dropna=False
    ).reset_index()
    wide.columns.name = None
    grid = pd.MultiIndex.from_product([reference["la_code"], years], names=["la_code", "year"])
    wide = grid.to_frame(index=False).merge(wide, on=["la_code", "year"], how="left")
    wide, own_population = choose_population(wide, by_year)
    wide = derive_indicators(wide, rate_source=rate_source, own_population=own_population)
    wide = add_real_spend(wide, readers.read_gdp_deflator(raw_dir / GDP_DEFLATOR), price_base_year)
    wide = wide.merge(reference, on="la_code", how="left")
    indicator_columns = [i.name for i in INDICATORS if i.name in wide.columns]
    panel = wide[ID_COLUMNS + indicator_columns].sort_values(["la_code", "year"]).reset_index(drop=True)
    panel["year"] = panel["year"].astype(int)
    for col in indicator_columns:
        panel[col] = panel[col].astype(float)
    dictionary = data_dictionary(panel, long, rate_source, by_year)
    coverage = coverage_table(panel, indicator_columns)
    log.info("panel: %d LAs x %d years, %d indicators", panel["la_code"].nunique(), len(years), len(indicator_columns))
    return panel, dictionary, coverage

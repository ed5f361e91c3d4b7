"""Indicators of the national panel: rates per 10,000 children 0-17, ratios, proportions.

METHODS §A.1. Every indicator is one column of the panel; ``INDICATORS`` lists them in the order
of the data dictionary, with label, kind, numerator, denominator and the published Table 6 row it
corresponds to (``table6_label``). Missing stays missing: a rate is NaN when its count or the
population is missing, a ratio when either side is missing or the denominator is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PER = 10_000.0


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    kind: str  # count | rate_per_10k | ratio | percent | score | rank | gbp | population
    numerator: str = ""
    denominator: str = ""
    table6_label: str = ""
    published: str = ""  # DfE-published measure preferred when rate_source == "published"
    note: str = ""


def rate_per_10k(count: pd.Series, population: pd.Series) -> pd.Series:
    """count / population × 10,000; NaN where either is missing or population <= 0."""
    count = pd.to_numeric(count, errors="coerce").astype(float)
    population = pd.to_numeric(population, errors="coerce").astype(float)
    return (count / population.where(population > 0)) * PER


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator; NaN where either is missing or the denominator is 0."""
    numerator = pd.to_numeric(numerator, errors="coerce").astype(float)
    denominator = pd.to_numeric(denominator, errors="coerce").astype(float)
    return numerator / denominator.where(denominator != 0)


def percent(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return ratio(numerator, denominator) * 100.0


def prefer(primary: pd.Series, fallback: pd.Series) -> pd.Series:
    """primary where present, else fallback (never turns missing into 0)."""
    return primary.where(primary.notna(), fallback)


COUNTS = [
    Indicator(
        "pop_0_17",
        "Children aged 0-17 (ONS mid-year estimate before the year)",
        "population",
        note="The denominator of every rate; which estimate each year takes is the config choice "
        "national_panel.population (the note of the built dictionary lists it year by year).",
    ),
    Indicator("referrals", "Referrals (count)", "count"),
    Indicator("rereferrals", "Re-referrals within 12 months (count)", "count"),
    Indicator("nfa", "Referrals with no further action (count)", "count"),
    Indicator("assessed_not_cin", "Referrals assessed, not in need (count)", "count"),
    Indicator("initial_assessments", "Initial assessments (count)", "count"),
    Indicator("core_assessments", "Core assessments (count)", "count"),
    Indicator("continuous_assessments", "Continuous (single) assessments completed (count)", "count"),
    Indicator("cin_at_31_march", "CIN at 31 March (count)", "count"),
    Indicator("cin_starting", "CIN episodes starting in year (count)", "count"),
    Indicator("cin_ending", "CIN episodes ending in year (count)", "count"),
    Indicator("cin_during_year", "Children in need at any point in the year (episodes, count)", "count"),
    Indicator("s47", "Section 47 enquiries (count)", "count"),
    Indicator("icpc", "Initial child protection conferences (count)", "count"),
    Indicator("cpp_starting", "CP plans starting in year (count)", "count"),
    Indicator("cpp_at_31_march", "CP plans at 31 March (count)", "count"),
    Indicator("cla_started", "Children starting to be looked after (count)", "count"),
    Indicator("cla_taken_into_care", "Children taken into care (DfE SSDA903 'taken into care' starts, count)", "count"),
    Indicator("cla_at_31_march", "Children looked after at 31 March (count)", "count"),
    Indicator(
        "cla_ico_31mar",
        "Looked after at 31 March under an interim care order (count)",
        "count",
        note="Legal-status cells of 1-5 children are suppressed in the LA tables (missing here).",
    ),
    Indicator("cla_fco_31mar", "Looked after at 31 March under a full care order (count)", "count"),
    Indicator("cla_placement_order_31mar", "Looked after at 31 March under a placement order (count)", "count"),
    Indicator("cla_freed_for_adoption_31mar", "Looked after at 31 March, freed for adoption (count)", "count"),
    Indicator("cla_s20_31mar", "Looked after at 31 March under section 20 (count)", "count"),
    Indicator("cla_cpg_31mar", "Looked after at 31 March, detained for child protection (count)", "count"),
    Indicator("cla_yjls_31mar", "Looked after at 31 March under youth justice legal statuses (count)", "count"),
    Indicator(
        "cla_care_order_31mar",
        "Looked after at 31 March under an interim or full care order or a placement order (count)",
        "count",
        numerator="cla_ico_31mar + cla_fco_31mar + cla_placement_order_31mar + cla_freed_for_adoption_31mar",
        note="Suppressed cells (1-5 children) count as 0; missing where the LA has no looked-after total that year.",
    ),
    Indicator("section20_starts", "Started to be looked after under S20 (count)", "count"),
    Indicator("interim_care_order_starts", "Started to be looked after under an interim care order (count)", "count"),
    Indicator("full_care_order_starts", "Started to be looked after under a full care order (count)", "count"),
    Indicator(
        "care_order_starts",
        "Started to be looked after under an interim or full care order (count)",
        "count",
        numerator="interim_care_order_starts + full_care_order_starts",
    ),
]

RATES = [
    Indicator(
        "referrals_rate",
        "Referrals per 10,000 children",
        "rate_per_10k",
        "referrals",
        "pop_0_17",
        "Referral",
        "referrals_rate_published",
    ),
    Indicator(
        "initial_assessments_rate",
        "Initial assessments per 10,000 children",
        "rate_per_10k",
        "initial_assessments",
        "pop_0_17",
        "Assessment: Initial",
        "initial_assessments_rate_published",
        note="Initial/core assessments end in 2013-14 (replaced by continuous assessments).",
    ),
    Indicator(
        "core_assessments_rate",
        "Core assessments per 10,000 children",
        "rate_per_10k",
        "core_assessments",
        "pop_0_17",
        "Assessment: Core",
        "core_assessments_rate_published",
    ),
    Indicator(
        "continuous_assessments_rate",
        "Continuous assessments per 10,000 children",
        "rate_per_10k",
        "continuous_assessments",
        "pop_0_17",
        "Assessment: Continuous",
        "continuous_assessments_rate_published",
        note="From 2014-15 (all LAs).",
    ),
    Indicator(
        "cin_at_31_march_rate",
        "CIN at 31 March per 10,000 children",
        "rate_per_10k",
        "cin_at_31_march",
        "pop_0_17",
        "CIN at March 31st",
        "cin_at_31_march_rate_published",
    ),
    Indicator(
        "cin_during_year_rate",
        "Children in need at any point in the year per 10,000 children",
        "rate_per_10k",
        "cin_during_year",
        "pop_0_17",
        "CIN starting in year",
        "cin_during_year_rate_published",
        note="Reproduces the study's 'CIN starting in year' row (episodes open at any point in the "
        "year; the 2016-17 file's CINEpisodesThro1617).",
    ),
    Indicator(
        "cin_starting_rate",
        "CIN starting in year per 10,000 children",
        "rate_per_10k",
        "cin_starting",
        "pop_0_17",
        "CIN starting in year",
        "cin_starting_rate_published",
        note="Episodes starting in the year: the literal reading of the study's label, 0.09-0.14 "
        "below its published rho.",
    ),
    Indicator(
        "s47_rate",
        "Section 47 enquiries per 10,000 children",
        "rate_per_10k",
        "s47",
        "pop_0_17",
        "Section 47s",
        "s47_rate_published",
    ),
    Indicator(
        "icpc_rate",
        "Initial CP conferences per 10,000 children",
        "rate_per_10k",
        "icpc",
        "pop_0_17",
        "CP Conferences",
        "icpc_rate_published",
    ),
    Indicator(
        "cpp_at_31_march_rate",
        "CP plans at 31 March per 10,000 children",
        "rate_per_10k",
        "cpp_at_31_march",
        "pop_0_17",
        "CP Plan at March 31st",
        "cpp_at_31_march_rate_published",
    ),
    Indicator(
        "cpp_starting_rate",
        "CP plans starting in year per 10,000 children",
        "rate_per_10k",
        "cpp_starting",
        "pop_0_17",
        "CP Plan starting in year",
        "cpp_starting_rate_published",
    ),
    Indicator(
        "cla_care_order_31mar_rate",
        "Looked after at 31 March under a care or placement order per 10,000 children",
        "rate_per_10k",
        "cla_care_order_31mar",
        "pop_0_17",
        "Children taken into care",
        note="Reproduces the study's 'Children taken into care' row in every year (interim or "
        "full care order, placement order, freed for adoption; SSDA903 LA tables, from 2011).",
    ),
    Indicator(
        "cla_s20_31mar_rate",
        "Looked after at 31 March under section 20 per 10,000 children",
        "rate_per_10k",
        "cla_s20_31mar",
        "pop_0_17",
        "Section 20s",
        note="Reproduces the study's 'Section 20s' row (stock at 31 March; from 2011).",
    ),
    Indicator(
        "cla_started_rate",
        "Children starting to be looked after per 10,000 children",
        "rate_per_10k",
        "cla_started",
        "pop_0_17",
        "Children taken into care",
        note="'Started to be looked after' definition of children taken into care.",
    ),
    Indicator(
        "cla_at_31_march_rate",
        "Children looked after at 31 March per 10,000 children",
        "rate_per_10k",
        "cla_at_31_march",
        "pop_0_17",
        "Children taken into care",
        note="Alternative definition (stock at 31 March) for the published 'Children taken into care' row.",
    ),
    Indicator(
        "cla_taken_into_care_rate",
        "Children 'taken into care' (DfE SSDA903 flag) per 10,000 children",
        "rate_per_10k",
        "cla_taken_into_care",
        "pop_0_17",
        "Children taken into care",
        note="Third candidate definition: starts DfE flags as 'taken into care' (care orders, "
        "police protection, emergency protection...).",
    ),
    Indicator(
        "section20_starts_rate",
        "Section 20 starts per 10,000 children",
        "rate_per_10k",
        "section20_starts",
        "pop_0_17",
        "Section 20s",
        note="From 2010-11; starts, not the study's stock at 31 March (0.15-0.26 above its rho).",
    ),
    Indicator(
        "care_order_starts_rate",
        "Care order starts (interim + full) per 10,000 children",
        "rate_per_10k",
        "care_order_starts",
        "pop_0_17",
        note="Looked-after starts under an interim or full care order, from 2010-11.",
    ),
    Indicator(
        "interim_care_order_starts_rate",
        "Interim care order starts per 10,000 children",
        "rate_per_10k",
        "interim_care_order_starts",
        "pop_0_17",
        note="Looked-after starts under an interim care order (legal status C1), from 2010-11; "
        "full care order starts are mostly suppressed (small counts).",
    ),
    Indicator(
        "care_proceedings_rate",
        "Cafcass care applications per 10,000 children",
        "rate_per_10k",
        "care applications (Cafcass)",
        "ONS 0-17 (Cafcass/LAIT)",
        "Care Proceedings",
        "care_proceedings_rate_published",
        note="Published only as a rate (LAIT), from 2014-15; no LA data for earlier years.",
    ),
]

PROPORTIONS = [
    Indicator(
        "rereferrals_pct",
        "Re-referrals within 12 months (% of referrals)",
        "percent",
        "rereferrals",
        "referrals",
        "Re-referrals within 12 months",
        "rereferrals_pct_published",
        note="From 2010-11.",
    ),
    Indicator(
        "nfa_pct",
        "Referrals with no further action (% of referrals)",
        "percent",
        "nfa",
        "referrals",
        published="nfa_pct_published",
        note="From 2011-12.",
    ),
    Indicator(
        "assessed_not_cin_pct",
        "Referrals assessed, not in need (% of referrals)",
        "percent",
        "assessed_not_cin",
        "referrals",
        published="assessed_not_cin_pct_published",
        note="From 2011-12.",
    ),
    Indicator(
        "cin_closed_under_3m_pct",
        "CIN episodes closed within 3 months (% of episodes ending)",
        "percent",
        "cin_closed_under_3m",
        "cin_ending",
        note="2009-10 durations are in weeks: 0-12 weeks used; 2018-2022 (EES): '3 months or less'.",
    ),
    Indicator(
        "cin_open_over_2y_pct",
        "CIN at 31 March open more than 2 years (% of CIN at 31 March)",
        "percent",
        "cin_open_over_2y",
        "cin_at_31_march",
    ),
    Indicator(
        "repeat_cpp_pct",
        "CP plans starting that are a second or subsequent plan (%)",
        "percent",
        "repeat_cpp",
        "cpp_starting",
    ),
    Indicator(
        "section20_pct_of_starts",
        "S20 starts (% of children starting to be looked after)",
        "percent",
        "section20_starts",
        "cla_started",
    ),
]

RATIOS = [
    Indicator("cin_starting_per_referral", "CIN starting per referral", "ratio", "cin_starting", "referrals"),
    Indicator("s47_per_cin", "Section 47 enquiries per CIN at 31 March", "ratio", "s47", "cin_at_31_march"),
    Indicator("icpc_per_s47", "Initial CP conferences per S47 enquiry", "ratio", "icpc", "s47"),
    Indicator("cpp_per_icpc", "CP plans starting per ICPC", "ratio", "cpp_starting", "icpc"),
    Indicator(
        "care_proceedings_per_cpp",
        "Care applications per CP plan starting",
        "ratio",
        "care_proceedings_rate",
        "cpp_starting_rate",
        note="Ratio of the two rates per 10,000 (Cafcass publishes rates only).",
    ),
    Indicator(
        "cla_started_per_cpp",
        "Children starting to be looked after per CP plan starting",
        "ratio",
        "cla_started",
        "cpp_starting",
    ),
    Indicator(
        "care_orders_per_s20", "Care order starts per S20 start", "ratio", "care_order_starts", "section20_starts"
    ),
]

WORKFORCE = [
    Indicator("social_workers_fte", "Children's social workers (FTE, 30 September)", "count"),
    Indicator(
        "sw_turnover_rate",
        "Social worker turnover rate (FTE, %)",
        "percent",
        "leavers (FTE)",
        "social workers in post (FTE)",
        published="sw_turnover_rate_published",
    ),
    Indicator(
        "sw_agency_rate",
        "Agency worker rate (FTE, %)",
        "percent",
        "agency workers (FTE)",
        "agency + permanent social workers (FTE)",
        published="sw_agency_rate_published",
    ),
    Indicator(
        "sw_vacancy_rate",
        "Vacancy rate (FTE, %)",
        "percent",
        "vacancies (FTE)",
        "vacancies + social workers in post (FTE)",
        published="sw_vacancy_rate_published",
    ),
    Indicator(
        "cin_per_social_worker",
        "CIN at 31 March per children's social worker (FTE)",
        "ratio",
        "cin_at_31_march",
        "social_workers_fte",
    ),
]

SPEND = [
    Indicator(
        "spend_csc_total",
        "S251 children's social care net spend (£, nominal)",
        "gbp",
        note="Net current expenditure 2011-12 .. 2018-19: children looked after + safeguarding + "
        "other children's and families services + family support + services for young "
        "people + youth justice (no Sure Start/early years).",
    ),
    Indicator(
        "spend_safeguarding",
        "S251 safeguarding net spend (£, nominal)",
        "gbp",
        note="'Total Safeguarding Children and Young People's Services' (2011-12: 'Total "
        "Children and Young People's Safety').",
    ),
    Indicator(
        "spend_csc_total_real",
        "Children's social care spend at 2016-17 prices (£)",
        "gbp",
        "spend_csc_total",
        "GDP deflator",
        note="Deflated with the GDP deflator file (2010-11 .. 2018-19); outside its range the "
        "real value is left missing rather than extrapolated.",
    ),
    Indicator(
        "spend_safeguarding_real",
        "Safeguarding spend at 2016-17 prices (£)",
        "gbp",
        "spend_safeguarding",
        "GDP deflator",
    ),
    Indicator(
        "spend_per_child_real",
        "Children's social care spend per child 0-17 at 2016-17 prices (£)",
        "gbp",
        "spend_csc_total_real",
        "pop_0_17",
    ),
    Indicator(
        "spend_safeguarding_per_child_real",
        "Safeguarding spend per child 0-17 at 2016-17 prices (£)",
        "gbp",
        "spend_safeguarding_real",
        "pop_0_17",
    ),
    Indicator(
        "spend_per_cin_real",
        "Children's social care spend per CIN at 31 March at 2016-17 prices (£)",
        "gbp",
        "spend_csc_total_real",
        "cin_at_31_march",
    ),
    Indicator(
        "spend_safeguarding_per_cin_real",
        "Safeguarding spend per CIN at 31 March at 2016-17 prices (£)",
        "gbp",
        "spend_safeguarding_real",
        "cin_at_31_march",
    ),
]

DEPRIVATION = [
    Indicator("imd2015_avg_score", "IMD 2015 LA average score (higher = more deprived)", "score"),
    Indicator("imd2015_rank_avg_score", "IMD 2015 LA rank of average score (1 = most deprived)", "rank"),
    Indicator(
        "imd2019_avg_score",
        "IMD 2019 LA average score (higher = more deprived)",
        "score",
        note="2019 LA geography: Bournemouth, Poole and Dorset have no 2013 equivalent (missing).",
    ),
]

INDICATORS: list[Indicator] = DEPRIVATION + COUNTS + RATES + PROPORTIONS + RATIOS + WORKFORCE + SPEND
INDICATOR_NAMES = [i.name for i in INDICATORS]


def derive_indicators(
    wide: pd.DataFrame, rate_source: str = "published", own_population: pd.Series | None = None
) -> pd.DataFrame:
    """Add every derived indicator to a wide LA-year frame of raw measures.

    ``rate_source``: "published" uses DfE's published rate/percentage where the file gives one
    and falls back to count/population; "computed" always derives from counts.
    ``own_population`` (boolean, aligned with ``wide``): rows whose ``pop_0_17`` is the population
    DfE's own published rates were computed with. A published rate is taken only there, so that
    every rate of a year follows the population chosen for it (default: all rows).
    """
    if rate_source not in {"published", "computed"}:
        raise ValueError(f"rate_source must be 'published' or 'computed', not {rate_source!r}")
    out = wide.copy()

    def col(name: str) -> pd.Series:
        return out[name] if name in out.columns else pd.Series(np.nan, index=out.index)

    if own_population is None:
        own_population = pd.Series(True, index=out.index)
    own_population = own_population.reindex(out.index).fillna(False).astype(bool)
    out["care_order_starts"] = col("interim_care_order_starts") + col("full_care_order_starts")
    out["cla_care_order_31mar"] = care_order_stock(out)
    for ind in RATES:
        if ind.name == "care_proceedings_rate":
            out[ind.name] = col("care_proceedings_rate_published")
            continue
        computed = rate_per_10k(col(ind.numerator), col(ind.denominator))
        if rate_source == "published" and ind.published:
            out[ind.name] = prefer(col(ind.published).where(own_population), computed)
        else:
            out[ind.name] = computed
    for ind in PROPORTIONS:
        computed = percent(col(ind.numerator), col(ind.denominator))
        if rate_source == "published" and ind.published:
            out[ind.name] = prefer(col(ind.published), computed)
        else:
            out[ind.name] = computed
    for ind in RATIOS:
        out[ind.name] = ratio(col(ind.numerator), col(ind.denominator))
    for ind in WORKFORCE:
        if ind.published:
            out[ind.name] = col(ind.published)
    out["cin_per_social_worker"] = ratio(col("cin_at_31_march"), col("social_workers_fte"))
    return out


CARE_ORDER_STOCK_PARTS = ["cla_ico_31mar", "cla_fco_31mar", "cla_placement_order_31mar", "cla_freed_for_adoption_31mar"]


def care_order_stock(wide: pd.DataFrame) -> pd.Series:
    """Children looked after at 31 March under an interim or full care order or a placement order
    (or freed for adoption), suppressed cells counted as 0.

    Missing where the LA has no looked-after total, or in a year no LA has legal-status cells
    (2009-10 tables, and 2020-22, which the shipped files do not break down).
    """
    parts = pd.DataFrame(
        {c: pd.to_numeric(wide[c], errors="coerce") if c in wide.columns else np.nan for c in CARE_ORDER_STOCK_PARTS},
        index=wide.index,
    )
    year_has_parts = parts.notna().any(axis=1).groupby(wide["year"]).transform("any")
    total = (
        pd.to_numeric(wide["cla_at_31_march"], errors="coerce")
        if "cla_at_31_march" in wide.columns
        else pd.Series(np.nan, index=wide.index)
    )
    stock = parts.fillna(0.0).sum(axis=1)
    return stock.where(year_has_parts & total.notna())


def add_real_spend(wide: pd.DataFrame, deflator: pd.Series, base_year: int) -> pd.DataFrame:
    """Spend at base-year prices (nominal × deflator[base] / deflator[year]) and per child/CIN.

    Years the deflator does not cover get missing real values (no extrapolation); the nominal
    columns are kept as they are.
    """
    if base_year not in deflator.index:
        raise ValueError(f"the GDP deflator has no value for the base year {base_year}")
    out = wide.copy()
    for col in ("spend_csc_total", "spend_safeguarding"):
        if col not in out.columns:
            out[col] = np.nan
    factor = (
        out["year"].map(lambda y: deflator[base_year] / deflator[y] if y in deflator.index else np.nan).astype(float)
    )
    out["spend_csc_total_real"] = out["spend_csc_total"] * factor
    out["spend_safeguarding_real"] = out["spend_safeguarding"] * factor
    out["spend_per_child_real"] = ratio(out["spend_csc_total_real"], out["pop_0_17"])
    out["spend_safeguarding_per_child_real"] = ratio(out["spend_safeguarding_real"], out["pop_0_17"])
    out["spend_per_cin_real"] = ratio(out["spend_csc_total_real"], out["cin_at_31_march"])
    out["spend_safeguarding_per_cin_real"] = ratio(out["spend_safeguarding_real"], out["cin_at_31_march"])
    return out

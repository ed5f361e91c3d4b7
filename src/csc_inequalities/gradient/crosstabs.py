"""Per-LA cross-tabulation odds ratios among referred episodes (final report 3.3, Tables 7-10).

For each LA, item (threshold flag, factor at assessment, referral source, CP category) and
comparison (female vs male, under-5s vs the rest, 12+ vs the rest, White British vs the rest,
least and most deprived tertile vs the rest), the odds ratio of the item in the comparison group
against its reference, with a Woolf (log) 95% CI. A difference is significant when the CI
excludes 1. Disclosure control: an odds ratio is withheld when any of its four cells is below
``min_cell`` (the cells themselves are never published).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from csc_inequalities.childlevel.codes import REFERRAL_SOURCE_GROUPS
from csc_inequalities.disclosure import primary_mask

Z95 = float(stats.norm.ppf(0.975))

THRESHOLD_ITEMS = {
    "nfa": "NFA",
    "assessed": "Assessed",
    "assessed_not_cin": "Assessed, not CIN",
    "cin_plan": "CIN plan",
    "s47": "Section 47",
    "icpc": "CP conference (ICPC)",
    "cpp": "CP plan",
    "lac": "Looked after",
    "section20": "Section 20",
    "interim_care_order": "Interim care order",
    "rereferral_12m": "Re-referral within 12 months",
    "repeat_cpp": "Repeat CP plan",
}
REFERRAL_SOURCES = list(REFERRAL_SOURCE_GROUPS)
CP_CATEGORIES = ["Neglect", "Emotional abuse", "Physical abuse", "Sexual abuse", "Multiple"]

# Published row label -> (section, item id) of this module (Tables 7-10; see published/README.md).
PUBLISHED_ITEM_MAP = {
    "NFA": "threshold:nfa",
    "CP Conferences": "threshold:icpc",
    "CP Plans": "threshold:cpp",
    "Section 47s": "threshold:s47",
    "Re-referrals within 12 months": "threshold:rereferral_12m",
    "Interim Care Order (ICO)": "threshold:interim_care_order",
    "Child sexual exploitation": "factor:11A",
    "Child's learning disability": "factor:5A",
    "Gangs": "factor:13A",
    "Self-harm": "factor:15A",
    "Sexual abuse": "factor:19A",
    "Socially unacceptable behaviour": "factor:14A",
    "Child's alcohol misuse": "factor:1A",
    "Child's drug misuse": "factor:2A",
    "Child's mental health": "factor:4A",
    "Domestic violence": "factor:3A",
    "Going/being missing": "factor:10A",
    "Neglect": "factor:16A",
    "Parent's drug misuse": "factor:2B",
    "Parent's mental health": "factor:4B",
    "Physical abuse": "factor:18A",
    "Parent's alcohol misuse": "factor:1B",
    "Parent's learning disability": "factor:5B",
    "Referred by health services": "source:Health Services",
    "Individuals": "source:Individual",
    "Schools": "source:Schools and Education Services",
    "CP plan category: Sexual abuse": "cp_category:Sexual abuse",
    "CP plan category of Neglect": "cp_category:Neglect",
    "CP Plan category: Neglect": "cp_category:Neglect",
    "CP Plan category: Physical abuse": "cp_category:Physical abuse",
}
PUBLISHED_COMPARISON_MAP = {
    "GENDER (male and female)": "female_vs_male",
    "UNDER 5s": "under5_vs_rest",
    "TWELVE PLUS": "age12plus_vs_rest",
    "WHITE BRITISH CHILDREN": "white_british_vs_rest",
    "LEAST DEPRIVED": "least_deprived_vs_rest",
    "MOST DEPRIVED": "most_deprived_vs_rest",
}


def odds_ratio(a: float, b: float, c: float, d: float) -> tuple[float, float, float]:
    """OR of a 2x2 table [[a, b], [c, d]] (rows: group, reference; columns: item yes, no) with
    its Woolf 95% CI; NaN when a cell is zero."""
    if min(a, b, c, d) <= 0:
        return (np.nan, np.nan, np.nan)
    log_or = np.log(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return float(np.exp(log_or)), float(np.exp(log_or - Z95 * se)), float(np.exp(log_or + Z95 * se))


def comparison_groups(episodes: pd.DataFrame, broad_age_edges: Iterable[int] = (0, 5, 12, 18)) -> dict[str, pd.Series]:
    """Each comparison as a nullable boolean series: True = group, False = reference, NA = excluded."""
    edges = list(broad_age_edges)
    age = episodes["age_at_referral"]
    gender = episodes["gender"].astype(str)
    tertile = episodes["imd_tertile_in_la_least1"]
    known_ethnicity = episodes["ethnicity_group"].astype(str) != "Unknown"

    def masked(values: pd.Series, keep: pd.Series) -> pd.Series:
        return values.astype("boolean").where(keep, pd.NA)

    return {
        "female_vs_male": masked(gender == "female", gender.isin(["female", "male"])),
        "under5_vs_rest": masked(age < edges[1], age.notna()),
        f"age{edges[2]}plus_vs_rest": masked(age >= edges[2], age.notna()),
        "white_british_vs_rest": masked(episodes["white_british"].astype(bool), known_ethnicity),
        "least_deprived_vs_rest": masked(tertile == 1, tertile.notna()),
        "most_deprived_vs_rest": masked(tertile == 3, tertile.notna()),
    }


def item_indicators(episodes: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    items: dict[tuple[str, str], pd.Series] = {}
    for flag in THRESHOLD_ITEMS:
        if flag in episodes.columns:
            items[("threshold", flag)] = episodes[flag].fillna(False).astype(bool)
    for column in sorted(c for c in episodes.columns if c.startswith("factor_")):
        items[("factor", column[len("factor_") :])] = episodes[column].fillna(False).astype(bool)
    for source in REFERRAL_SOURCES:
        items[("source", source)] = episodes["referral_source_group"].astype(str) == source
    for category in CP_CATEGORIES:
        items[("cp_category", category)] = episodes["cpp_latest_category"].astype(str) == category
    return items


def crosstab_odds_ratios(
    episodes: pd.DataFrame, min_cell: int = 10, broad_age_edges: Iterable[int] = (0, 5, 12, 18)
) -> pd.DataFrame:
    """One row per LA x comparison x item: or, ci_low, ci_high, significant, direction, suppressed."""
    rows = []
    for la_code, la_eps in episodes.groupby("la_code", sort=True):
        groups = comparison_groups(la_eps, broad_age_edges)
        items = item_indicators(la_eps)
        for comparison, group in groups.items():
            in_scope = group.notna().to_numpy()
            g = group.fillna(False).to_numpy(bool)
            for (section, item), indicator in items.items():
                x = indicator.to_numpy(bool)
                a = float(np.sum(in_scope & g & x))
                b = float(np.sum(in_scope & g & ~x))
                c = float(np.sum(in_scope & ~g & x))
                d = float(np.sum(in_scope & ~g & ~x))
                # Any small cell (zeros included: the OR is undefined) withholds the OR.
                suppressed = bool(primary_mask(np.array([a, b, c, d]), min_cell, suppress_zeros=True).any())
                or_, lo, hi = (np.nan, np.nan, np.nan) if suppressed else odds_ratio(a, b, c, d)
                significant = bool(not suppressed and (lo > 1 or hi < 1))
                rows.append(
                    {
                        "la_code": la_code,
                        "comparison": comparison,
                        "section": section,
                        "item": item,
                        "item_id": f"{section}:{item}",
                        "or": or_,
                        "ci_low": lo,
                        "ci_high": hi,
                        "significant": significant,
                        "direction": ("higher" if significant and lo > 1 else "lower" if significant else ""),
                        "suppressed": suppressed,
                    }
                )
    return pd.DataFrame(rows)


def significance_summary(ors: pd.DataFrame) -> pd.DataFrame:
    """How many LAs show each significant difference (the study's summary of Tables 7-10)."""
    grouped = ors.groupby(["comparison", "section", "item", "item_id"], sort=False)
    return grouped.agg(
        n_las_tested=("suppressed", lambda s: int((~s).sum())),
        n_las_sig_higher=("direction", lambda s: int((s == "higher").sum())),
        n_las_sig_lower=("direction", lambda s: int((s == "lower").sum())),
        or_min=("or", "min"),
        or_max=("or", "max"),
    ).reset_index()


def published_beside(summary: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Published Tables 7-10 summarised like ours (LAs with CI above/below 1, OR range), beside
    the reproduced summary for every published row this module can compute."""
    pub = published.copy()
    pub["comparison_id"] = pub["comparison"].map(PUBLISHED_COMPARISON_MAP)
    pub["item_id"] = pub["item"].map(PUBLISHED_ITEM_MAP)
    pub = pub.dropna(subset=["comparison_id", "item_id"])
    pub_sum = (
        pub.groupby(["comparison_id", "item_id", "item"], sort=False)
        .agg(
            published_n_las=("or", lambda s: int(s.notna().sum())),
            published_sig_higher=("ci_low", lambda s: int((s > 1).sum())),
            published_sig_lower=("ci_high", lambda s: int((s < 1).sum())),
            published_or_min=("or", "min"),
            published_or_max=("or", "max"),
        )
        .reset_index()
        .rename(columns={"item": "published_item"})
    )
    ours = summary.rename(columns={"comparison": "comparison_id"})
    return pub_sum.merge(ours, on=["comparison_id", "item_id"], how="left")

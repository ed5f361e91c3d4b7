"""Published against reproduced: one table of every published number the run speaks to.

Two groups, never mixed:

- ``real data``: numbers re-estimated from real data - the Table 6 cells (national panel, always
  real) and, on runs on LA extracts, Figure 18 and the 2021 social-gradient scores;
- ``synthetic calibration``: on synthetic runs every row of ``results/synthetic/calibration.csv``
  (published target, the generator's noise-free truth, the estimate from the generated data) and the
  2021 scores beside their published values. These say the generator was built to match; they are
  not reproductions of real children's records.

Each row says where it was made (report section, rule and script), and the counts of rows matched
within tolerance go to ``results/report/values.json``.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from csc_inequalities.published import PublishedFigures

REAL, CALIBRATION = "real data", "synthetic calibration"
COLUMNS = [
    "group",
    "target",
    "source",
    "published",
    "reproduced",
    "truth",
    "estimate",
    "estimate_low",
    "estimate_high",
    "difference",
    "difference_scale",
    "tolerance",
    "status",
    "matched",
    "kind",
    "section",
    "rule",
    "script",
    "note",
]
PUBLISHED_TABLES = [3, *range(7, 19)]  # the study's child-level tables the synthetic strands speak to

# published figure key in headline.yaml of the 2021 scores -> (threshold, LA shift in points)
SCORE_KEYS = {
    "es_social_gradient_referrals_la_at_mean_deprivation": ("referral", 0.0),
    "es_social_gradient_referrals_la_10pc_more_deprived": ("referral", 10.0),
    "es_social_gradient_referrals_la_10pc_less_deprived": ("referral", -10.0),
    "es_social_gradient_cp_plans": ("cpp", 0.0),
}


def _row(**values: Any) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS)
    row.update(values)
    return row


def table6_rows(comparison: pd.DataFrame, tolerance: float) -> list[dict[str, Any]]:
    """Every published Table 6 cell (the definition Table 6 uses): matched when |Δρ| ≤ tolerance
    and N equals the published N (the rule of the national_correlations rule)."""
    rows = []
    primary = comparison[comparison["primary"].astype(bool)]
    for r in primary.itertuples(index=False):
        missing = pd.isna(r.rho_reproduced)
        if missing:
            status = "no public data"
        elif bool(r.match):
            status = "matched"
        elif abs(r.diff) <= tolerance:
            status = f"N differs ({int(r.n_reproduced)} vs {int(r.n_published)})"
        else:
            status = "outside tolerance"
        rows.append(
            _row(
                group=REAL,
                target=f"Table 6: {r.indicator}, {int(r.year)}",
                source="FR Table 6",
                published=r.rho_published,
                reproduced=None if missing else r.rho_reproduced,
                difference=None if missing else r.diff,
                difference_scale="ρ",
                tolerance=tolerance,
                status=status,
                matched=(not missing) and bool(r.match),
                kind="rho",
                section="national_correlations",
                rule="national_correlations",
                script="workflow/scripts/national_correlations.py",
                note="" if pd.isna(r.note) else str(r.note),
            )
        )
    return rows


def _strand_of(target: str) -> str:
    """Report section of a calibration row: the gradient rows (rate ratios, scores) and the latent
    class tables (11-18)."""
    if re.match(r"^Table 1[1-8]", target):
        return "lca"
    if re.match(r"^Tables? (7|8|9|10)\b", target):
        return "crosstabs"
    return "gradient"


def calibration_rows(calibration: pd.DataFrame) -> list[dict[str, Any]]:
    """Every calibrated target of a synthetic run: published, truth, estimate, log(truth/published)
    against the tolerance (|log ratio| ≤ tolerance), with the calibration rule's note."""
    rows = []
    for r in calibration.itertuples(index=False):
        has_truth = not (pd.isna(r.truth) or pd.isna(r.published) or r.published <= 0 or r.truth <= 0)
        diff = math.log(r.truth / r.published) if has_truth else None
        within = str(r.within_tolerance) in ("True", "true", "1")
        note = "" if pd.isna(r.note) else str(r.note)
        if not has_truth:
            status = "no truth"
        elif within:
            status = "matched"
        elif "jointly" in note or "cannot" in note:
            status = "jointly unreachable (residual shown)"
        else:
            status = "outside tolerance"
        rows.append(
            _row(
                group=CALIBRATION,
                target=r.target,
                source=r.source,
                published=r.published,
                truth=r.truth,
                estimate=r.estimate,
                estimate_low=r.estimate_low,
                estimate_high=r.estimate_high,
                difference=diff,
                difference_scale="log(truth/published)",
                tolerance=r.tolerance,
                status=status,
                matched=has_truth and within,
                kind="share" if str(r.target).startswith("Table") else "ratio",
                section=_strand_of(str(r.target)),
                rule="synthetic_calibration_table",
                script="workflow/scripts/synthetic_calibration_table.py",
                note=note,
            )
        )
    return rows


def score_rows(scores: pd.DataFrame, headline: PublishedFigures, synthetic: bool) -> list[dict[str, Any]]:
    """The 2021 social-gradient scores beside their published values. On real data a score matches
    when the published value lies in its 95% CI; on synthetic runs the scores are shown beside the
    published ones (their level is national; the calibration rows carry what the LAs can carry).
    A score the run computed whose published value is missing from ``headline`` is an error."""
    rows = []
    for key, (threshold, shift) in SCORE_KEYS.items():
        match = scores[(scores["threshold"] == threshold) & np.isclose(scores["la_shift_points"].astype(float), shift)]
        if match.empty:
            continue
        published = headline.value(key)
        s = match.iloc[0]
        fitted = not pd.isna(s["ratio"])
        covered = fitted and s["ratio_low"] <= published <= s["ratio_high"]
        where = "at mean LA deprivation" if shift == 0 else f"LA {shift:+.0f} points"
        common = dict(
            target=f"2021 score: {threshold}, {where}",
            source="2021 summary",
            published=published,
            kind="ratio",
            section="gradient",
            rule="gradient_scores",
            script="workflow/scripts/gradient_scores.py",
        )
        if synthetic:
            rows.append(
                _row(
                    group=CALIBRATION,
                    estimate=s["ratio"] if fitted else None,
                    estimate_low=s["ratio_low"],
                    estimate_high=s["ratio_high"],
                    difference=None,
                    difference_scale=None,
                    tolerance=None,  # no truth: not a target
                    status="shown, not a target",
                    matched=None,
                    note="the published score is national; the synthetic LAs are calibrated to the "
                    "ratio of the scores (calibration rows), not their level",
                    **common,
                )
            )
        else:
            rows.append(
                _row(
                    group=REAL,
                    reproduced=s["ratio"] if fitted else None,
                    estimate_low=s["ratio_low"],
                    estimate_high=s["ratio_high"],
                    difference=math.log(s["ratio"] / published) if fitted else None,
                    difference_scale="log(reproduced/published)",
                    tolerance="95% CI",
                    status=("published within 95% CI" if covered else "outside 95% CI") if fitted else "not fitted",
                    matched=bool(covered),
                    **common,
                )
            )
    return rows


def figure18_rows(published_vs_reproduced: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Figure 18's published CPP rate ratios against the estimates of a run on LA extracts (matched
    when the published value lies in the 95% CI)."""
    rows = []
    for r in published_vs_reproduced:
        est, low, high = r.get("reproduced_rr"), r.get("reproduced_low"), r.get("reproduced_high")
        fitted = est is not None and not pd.isna(est)
        covered = fitted and low <= r["published_rr"] <= high
        rows.append(
            _row(
                group=REAL,
                target=f"Figure 18: {r['threshold']}, rate ratio per {r['term'].replace('_', ' ')} step",
                source="FR Figure 18 (3.5.1)",
                published=r["published_rr"],
                reproduced=est if fitted else None,
                estimate_low=low,
                estimate_high=high,
                difference=math.log(est / r["published_rr"]) if fitted else None,
                difference_scale="log(reproduced/published)",
                tolerance="95% CI",
                status=("published within 95% CI" if covered else "outside 95% CI") if fitted else "not fitted",
                matched=bool(covered),
                kind="ratio",
                section="gradient",
                rule="gradient_gather",
                script="workflow/scripts/gradient_gather.py",
            )
        )
    return rows


def uncalibrated_tables(calibration: pd.DataFrame | None) -> list[int]:
    """Published child-level tables (3, 7-18) with no calibration row: shown in their strand's
    section for the pattern only."""
    present = set()
    if calibration is not None:
        for target in calibration["target"].astype(str):
            m = re.match(r"^Tables? (\d+)", target)
            if m:
                present.add(int(m.group(1)))
    return [t for t in PUBLISHED_TABLES if t not in present]


def build_summary(
    table6_comparison: pd.DataFrame,
    table6_tolerance: float,
    gradient_summary: dict[str, Any] | None,
    scores: pd.DataFrame | None,
    headline: PublishedFigures,
    calibration: pd.DataFrame | None,
    synthetic: bool,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The table and its counts: per group, rows compared (those with a status that can match) and
    rows matched within tolerance."""
    rows = table6_rows(table6_comparison, table6_tolerance)
    if synthetic and calibration is not None:
        rows += calibration_rows(calibration)
    if not synthetic and gradient_summary is not None:
        rows += figure18_rows(gradient_summary.get("published_vs_reproduced", []))
    if scores is not None:
        rows += score_rows(scores, headline, synthetic)
    table = pd.DataFrame(rows, columns=COLUMNS)
    counts: dict[str, Any] = {
        "synthetic": synthetic,
        "uncalibrated_tables": uncalibrated_tables(calibration) if synthetic else [],
    }
    for key, group in (("real", REAL), ("calibration", CALIBRATION)):
        part = table[table["group"] == group]
        compared = part[part["matched"].notna() & ~part["status"].isin(["no public data", "no truth", "not fitted"])]
        counts[key] = {
            "published": int(len(part)),
            "compared": int(len(compared)),
            "matched": int(compared["matched"].astype(bool).sum()),
        }
    return table, counts


def strand_calibration(path: str | None, section: str) -> pd.DataFrame:
    """The calibration rows of one strand's section (issue 12): published, truth and estimate side
    by side, as shown in that section; empty on runs on real extracts."""
    columns = [
        "target",
        "source",
        "published",
        "truth",
        "estimate",
        "estimate_low",
        "estimate_high",
        "difference",
        "tolerance",
        "status",
    ]
    if not path:
        return pd.DataFrame(columns=columns)
    table = pd.read_csv(path)
    part = table[(table["group"] == CALIBRATION) & (table["section"] == section)]
    return part[columns].rename(columns={"difference": "log(truth/published)"}).reset_index(drop=True)

"""LCA section: items, fit tables, final classes, cross-validation, class tables, recovery."""

from __future__ import annotations

from typing import Any

import pandas as pd

from csc_inequalities.report.html import read_json, read_table
from csc_inequalities.report.sections.gradient import provenance_params
from csc_inequalities.report.summary import strand_calibration

# Result tables shown in the section (key in inputs -> heading).
CLASS_TABLES = {
    "table11": "Table 11 analogue: class shares per LA (% of the LA's assigned episodes)",
    "table12": "Table 12 analogue: class shares by deprivation tertile within the LA (1 = least deprived)",
    "table14": "Table 14 analogue: highest threshold within each class (row %)",
    "table15": "Table 15 analogue: re-referral within 12 months within each class (row %)",
    "table16": "Table 16 analogue: source of referral within each class (row %)",
    "table18": "Table 18 analogue: initial CP plan category within each class, CP-plan episodes (row %)",
    "figure13_gender": "Figure 13 analogue: gender within each class (row %)",
    "figure14_16_age": "Figures 14-16 analogue: age group within each class (row %)",
    "figure17_ethnicity": "Figure 17 analogue: ethnic group within each class (row %)",
}
TABLE_COLUMNS = [
    "class_id",
    "class_name",
    "category",
    "n_naive",
    "pct_naive",
    "n_corrected",
    "pct_corrected",
    "published_percent",
    "suppressed",
]


def _class_table(path: str) -> pd.DataFrame:
    frame = read_table(path)
    columns = [c for c in TABLE_COLUMNS if c in frame.columns]
    if "group" in frame.columns:
        columns.insert(2, "group")
    return frame[columns]


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    items = read_table(inputs["items"])
    fit = read_table(inputs["fit_table"])
    fit_cols = [
        "classes",
        "model",
        "log_likelihood",
        "n_parameters",
        "aic",
        "published_aic",
        "bic",
        "published_bic",
        "entropy",
        "smallest_class_share",
        "converged",
        "best_ll_replications",
        "chosen_by_bic",
    ]
    final = read_json(inputs["final_model"])
    profiles = read_table(inputs["profiles"])
    wide = profiles.pivot_table(
        index=["class_id", "class_name"], columns="factor_code", values="probability"
    ).reset_index()
    published = profiles.dropna(subset=["published_probability"])
    shares = (
        read_table(inputs["shares"]).pivot_table(index="la_code", columns="class_name", values="share").reset_index()
    )
    context = {
        "items_used": items[items["used"].astype(bool)],
        "items_dropped": items[~items["used"].astype(bool)],
        "n_used": int(items["used"].astype(bool).sum()),
        "sample_sizes": read_table(inputs["sample_sizes"]),
        "fit_table": fit[[c for c in fit_cols if c in fit.columns]],
        # why the configural models are absent (one LA; not requested), from the invariance step
        "configural_status": str(fit["configural_status"].iloc[0]) if "configural_status" in fit and len(fit) else "",
        "choice": final["choice"],
        "class_names": final["class_names"],
        "profiles_wide": wide,
        "profiles_published": published,
        "matching": read_table(inputs["matching"]),
        "model_shares": shares,
        "cv": read_json(inputs["cross_validation"]),
        "assignment": read_table(inputs["assignment_summary"]),
        "class_tables": {
            key: (title, _class_table(inputs[key])) for key, title in CLASS_TABLES.items() if key in inputs
        },
        "table17": read_table(inputs["table17"]),
        "table13": read_table(inputs["table13"]),
        "rates_age": read_table(inputs["rates_age"]),
        "rates_ethnicity": read_table(inputs["rates_ethnicity"]),
        "ratio": read_table(inputs["ratio"]),
        "has_sweep": "sweep" in inputs,
        "has_recovery": "recovery" in inputs,
        "min_cell": provenance_params(inputs.get("tables_provenance")).get("min_cell", "the disclosure threshold"),
        # what the rules used, from their provenance records
        "items_min_cell": provenance_params(inputs.get("items_provenance")).get("min_cell", "the disclosure threshold"),
        "calibration_rows": strand_calibration(inputs.get("published_vs_reproduced"), "lca"),
        "calibration_name": "calibration",
    }
    if context["has_sweep"]:
        context["sweep"] = read_table(inputs["sweep"])
    if context["has_recovery"]:
        recovery = read_json(inputs["recovery"])
        context["recovery"] = recovery
        context["recovery_shares"] = (
            read_table(inputs["recovery_shares"]).groupby("estimate")["abs_error"].agg(["mean", "max"]).reset_index()
        )
    return context

"""Cross-tabulation section (Tables 7-10 analogues): how many LAs show each significant difference,
published beside reproduced, and the per-LA odds ratios (disclosure-controlled)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from csc_inequalities.report.sections.gradient import provenance_params
from csc_inequalities.report.summary import strand_calibration


def build_context(inputs: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    summary = pd.read_csv(inputs["summary"])
    significant = summary[(summary["n_las_sig_higher"] + summary["n_las_sig_lower"]) > 0]
    ors = pd.read_csv(inputs["odds_ratios"])
    return {
        "summary": significant.sort_values(["comparison", "section", "item"]),
        "published": pd.read_csv(inputs["published"]),
        "odds_ratios": ors[~ors["suppressed"].astype(bool)][
            ["la_code", "comparison", "item_id", "or", "ci_low", "ci_high", "direction"]
        ],
        "n_suppressed": int(ors["suppressed"].sum()),
        "n_total": int(len(ors)),
        # the rule applies max(gradient.crosstabs.min_cell, disclosure.min_cell): its provenance says which
        "age_edges": provenance_params(inputs.get("crosstabs_provenance"))["broad_age_edges"],
        "min_cell": provenance_params(inputs.get("crosstabs_provenance"))["min_cell"],
        "calibration_rows": strand_calibration(inputs.get("published_vs_reproduced"), "crosstabs"),
        "calibration_name": "calibration",
    }

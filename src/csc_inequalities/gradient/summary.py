"""Summaries of the gathered model results for the report (convergence, truth agreement,
published Figure 18 values)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from csc_inequalities.published import PublishedFigures


def convergence_table(results: list[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for res in results:
        for model, fit in res["fits"].items():
            rows.append(
                {
                    "threshold": res["threshold"],
                    "stratum_type": res["stratum_type"],
                    "stratum_level": res["stratum_level"],
                    "model": model,
                    "n_lsoas": res["n_lsoas"],
                    "n_las": res["n_las"],
                    "children": res["children"],
                    "fitted": bool(fit.get("fitted", True)),
                    "converged": bool(fit.get("converged")),
                    "status": fit.get("status"),
                    "dispersion": fit.get("dispersion"),
                    "la_sd": fit.get("re_sd"),
                    "warnings": "; ".join(fit.get("warnings", []) or []),
                }
            )
    return pd.DataFrame(rows)


def published_figure18(published: PublishedFigures) -> dict[tuple[str, str], float]:
    """Figure 18's published CPP values (final report 3.5.1): x1.31 per LSOA decile, x0.78 per LA decile."""
    return {
        ("cpp", "lsoa_decile"): published.value("fr_fig18_cp_plan_odds_per_decile_child_level_deprivation"),
        ("cpp", "la_decile"): published.value("fr_fig18_cp_plan_odds_per_decile_la_level_deprivation"),
    }


def gather_summary(
    effects: pd.DataFrame,
    comparison: pd.DataFrame,
    convergence: pd.DataFrame,
    published: Mapping[tuple[str, str], float],
    max_z: float,
) -> dict[str, Any]:
    overall = comparison[comparison["stratum_type"] == "all"] if len(comparison) else comparison
    fitted = convergence["fitted"].astype(bool) if "fitted" in convergence else pd.Series(True, index=convergence.index)
    cpp = effects[
        (effects["threshold"] == "cpp") & (effects["stratum_type"] == "all") & (effects["model"] == "adjusted")
    ]
    published_rows = []
    for (threshold, term), value in published.items():
        row = cpp[cpp["term"] == term]
        published_rows.append(
            {
                "threshold": threshold,
                "term": term,
                "published_rr": value,
                "reproduced_rr": float(row["rr"].iloc[0]) if len(row) else None,
                "reproduced_low": float(row["rr_low"].iloc[0]) if len(row) else None,
                "reproduced_high": float(row["rr_high"].iloc[0]) if len(row) else None,
            }
        )
    return {
        "models": int(len(convergence)),
        "models_not_converged": int((fitted & ~convergence["converged"]).sum()),
        "models_not_fitted": int((~fitted).sum()),
        "truth_available": bool(len(comparison)),
        "max_z": max_z,
        "overall_within_max_z": int(overall["within_max_z"].sum()) if len(overall) else None,
        "overall_compared": int(len(overall)),
        "overall_max_abs_z": float(np.nanmax(overall["z"].abs())) if len(overall) else None,
        "all_within_max_z": int(comparison["within_max_z"].sum()) if len(comparison) else None,
        "all_compared": int(len(comparison)),
        "ci_coverage_all": float(comparison["ci_covers_truth"].mean()) if len(comparison) else None,
        "published_vs_reproduced": published_rows,
    }

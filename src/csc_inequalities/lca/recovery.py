"""Recovered against true parameters on synthetic runs (truth from the generator's truth.yaml)."""

from __future__ import annotations

import pandas as pd

from csc_inequalities.lca import model as lcm
from csc_inequalities.lca.analysis import profiles_frame
from csc_inequalities.lca.matching import recovery, truth_profiles


def recovery_against_truth(fit: lcm.LCAFit, class_ids: list[int], truth: dict, table11: pd.DataFrame, thresholds: dict):
    """Match the final classes to the true ones on the full item profile, then compare item
    probabilities and per-LA class shares: the model's (one-step, estimation sample) and the
    naive and ML-corrected shares over every assigned episode (Table 11 analogue)."""
    true_profiles = truth_profiles(truth["item_probabilities"])
    true_shares = pd.DataFrame(
        {str(la): {int(k): float(v) for k, v in s.items()} for la, s in truth["class_shares"].items()}
    ).T
    est_shares = pd.DataFrame(fit.class_shares, index=fit.groups, columns=class_ids)
    result = recovery(profiles_frame(fit, class_ids), true_profiles, est_shares, true_shares)
    to_true = dict(zip(result["matching"]["estimated_class"], result["matching"]["reference_class"]))
    shares = result["shares"].assign(estimate="model")
    per_la = table11[table11["category"].isin(true_shares.index)]
    extra = []
    for column, label in (("pct_corrected", "ML-corrected, all episodes"), ("pct_naive", "naive modal, all episodes")):
        for _, row in per_la.iterrows():
            true_class = to_true.get(int(row["class_id"]))
            if pd.isna(row[column]) or true_class is None or pd.isna(true_class):
                continue
            tru = float(true_shares.loc[row["category"], true_class])
            extra.append(
                {
                    "group": row["category"],
                    "true_class": true_class,
                    "estimated": row[column] / 100.0,
                    "truth": tru,
                    "abs_error": abs(row[column] / 100.0 - tru),
                    "estimate": label,
                }
            )
    shares = pd.concat([shares, pd.DataFrame(extra)], ignore_index=True)
    by_estimate = shares.groupby("estimate")["abs_error"].max().to_dict()
    summary = {
        "n_items": int(result["items"]["factor_code"].nunique()),
        "n_classes_matched": int(result["matching"]["reference_class"].notna().sum()),
        "item_mae": result["item_mae"],
        "item_max_error": result["item_max_error"],
        "share_max_error": {k: float(v) for k, v in by_estimate.items()},
        "thresholds": thresholds,
        "pass_item_mae": result["item_mae"] <= thresholds["item_mae"],
        "pass_item_max": result["item_max_error"] <= thresholds["item_max"],
        "pass_share_max_model": by_estimate.get("model", float("inf")) <= thresholds["share_max"],
        "pass_share_max_corrected": by_estimate.get("ML-corrected, all episodes", float("inf"))
        <= thresholds["share_max"],
        "matching": result["matching"].to_dict(orient="records"),
        "class_names_truth": {str(k): v for k, v in truth.get("class_names", {}).items()},
    }
    items = result["items"]
    return summary, items, shares

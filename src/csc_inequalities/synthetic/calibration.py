"""Calibration check: the published tables the generator was calibrated to, beside the shares the
generated episodes actually show (aggregates only)."""
from __future__ import annotations

import pandas as pd

from csc_inequalities.synthetic.model import load_published_targets

PATHWAY_OF_FLAGS = (("lac", "lac"), ("cpp", "cpp"), ("cin_plan", "cin"), ("assessed_not_cin", "assessed_not_cin"))
# The episode columns the table reads (so a national episode table can be read in part).
CALIBRATION_COLUMNS = ["assessed", "true_demand_class", "rereferral_12m", *(flag for flag, _ in PATHWAY_OF_FLAGS)]


def highest_pathway(episodes: pd.DataFrame) -> pd.Series:
    """Highest threshold an assessed episode reached (Table 14's columns)."""
    out = pd.Series("assessed_not_cin", index=episodes.index, dtype="object")
    for flag, name in reversed(PATHWAY_OF_FLAGS):
        out = out.where(~episodes[flag].astype(bool), name)
    return out


def calibration_table(episodes: pd.DataFrame, published_dir: str) -> pd.DataFrame:
    targets = load_published_targets(published_dir)
    assessed = episodes[episodes["assessed"] & (episodes["true_demand_class"] > 0)]
    rows = []
    shares = assessed["true_demand_class"].value_counts(normalize=True)
    for class_id, name in targets.class_names.items():
        rows.append({"target_table": "Table 11 (all LAs)", "item": f"class {class_id} {name}: share of assessed episodes",
                     "target": float(targets.class_shares.loc[class_id, "Total"]), "generated": float(shares.get(class_id, 0.0)),
                     "n": len(assessed)})
    pathway = highest_pathway(assessed)
    for class_id, name in targets.class_names.items():
        in_class = pathway[assessed["true_demand_class"] == class_id]
        observed = in_class.value_counts(normalize=True)
        for column in ("assessed_not_cin", "cin", "cpp", "lac"):
            rows.append({"target_table": "Table 14", "item": f"class {class_id} {name}: {column}",
                         "target": float(targets.pathways.loc[class_id, column]), "generated": float(observed.get(column, 0.0)),
                         "n": len(in_class)})
    rows.append({"target_table": "Table 15 (prose: about 25%)", "item": "episodes re-referred within 12 months",
                 "target": 0.25, "generated": float(episodes["rereferral_12m"].mean()), "n": len(episodes)})
    return pd.DataFrame(rows)

"""Reading the LCA's inputs into model matrices, and choosing the final model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_inequalities.lca import model as lcm
from csc_inequalities.lca.items import item_matrix


def used_codes(items_path: str) -> list[str]:
    items = pd.read_csv(items_path, dtype={"factor_code": str})
    return items.loc[items["used"].astype(bool), "factor_code"].tolist()


def estimation_data(
    episodes_path: str, items_path: str | None, samples_path: str, sample: int, codes: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(X, LA of each row, item codes) of one sample (1 = estimation, 2 = cross-validation)."""
    codes = codes if codes is not None else used_codes(items_path)
    samples = pd.read_parquet(samples_path)
    ids = samples.loc[samples["sample"] == sample, ["episode_id"]]
    episodes = pd.read_parquet(episodes_path, columns=["episode_id", "la_code"] + [f"factor_{c}" for c in codes])
    rows = ids.merge(episodes, on="episode_id", how="left", validate="one_to_one")
    return item_matrix(rows, codes), rows["la_code"].astype(str).to_numpy(), codes


def choose_final(fit_table: pd.DataFrame, models: dict) -> tuple[lcm.LCAFit, dict]:
    """The final model: the lowest-BIC model of the invariance test. If that is a configural
    model, the invariant model with the same number of classes is used instead (only it has
    classes common to all LAs) and the choice says so."""
    best = fit_table.loc[fit_table["bic"].idxmin()]
    k = int(best["classes"])
    choice = {"bic_best_model": str(best["model"]), "classes": k, "bic": float(best["bic"])}
    if best["model"] != "invariant":
        choice["note"] = (
            f"BIC preferred the configural {k}-class model; the invariant {k}-class "
            "model is used so that classes are common to all LAs"
        )
    return lcm.from_dict(models[f"invariant_{k}"]), choice

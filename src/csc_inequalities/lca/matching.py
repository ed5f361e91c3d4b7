"""Match estimated classes to reference profiles (the published classes, or a known truth).

Latent classes come out in arbitrary order. Each estimated class is paired with one reference
class by an optimal assignment (Hungarian algorithm, scipy's linear_sum_assignment) that minimises
the total mean absolute difference of item-response probabilities, using only the items the
reference quantifies (the published profiles are partial).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment


def profile_distance(estimated: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Mean |p_est - p_ref| over the items each reference class quantifies (rows: estimated,
    columns: reference classes). Both frames: index = class id, columns = item codes."""
    items = [c for c in reference.columns if c in estimated.columns]
    if not items:
        raise ValueError("the estimated and reference profiles share no item")
    est = estimated[items].to_numpy(float)
    ref = reference[items].to_numpy(float)
    known = ~np.isnan(ref)
    diff = np.abs(est[:, None, :] - np.where(known, ref, 0.0)[None, :, :]) * known[None, :, :]
    counts = known.sum(axis=1)
    if (counts == 0).any():
        empty = list(reference.index[counts == 0])
        raise ValueError(f"reference classes with no quantified shared item: {empty}")
    return pd.DataFrame(diff.sum(axis=2) / counts[None, :], index=estimated.index, columns=reference.index)


def match_classes(estimated: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Optimal one-to-one pairing: columns estimated_class, reference_class, distance.

    With more estimated than reference classes, the extra classes get reference_class NA.
    """
    distance = profile_distance(estimated, reference)
    rows, cols = linear_sum_assignment(distance.to_numpy())
    pairs = {distance.index[r]: distance.columns[c] for r, c in zip(rows, cols)}
    out = pd.DataFrame({"estimated_class": list(distance.index)})
    out["reference_class"] = [pairs.get(k, pd.NA) for k in out["estimated_class"]]
    out["distance"] = [float(distance.loc[k, pairs[k]]) if k in pairs else float("nan") for k in out["estimated_class"]]
    return out


def published_reference(profiles: pd.DataFrame, codes: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Reference profiles (class x factor code, proportions, NaN = not quantified) and names from
    the published prose profiles and the description -> code table."""
    lookup = dict(zip(codes["factor_description"], codes["factor_code"].astype(str)))
    unknown = sorted(set(profiles["factor_description"]) - set(lookup))
    if unknown:
        raise ValueError(f"published profile descriptions without a factor code: {unknown}")
    frame = profiles.assign(
        factor_code=profiles["factor_description"].map(lookup), p=profiles["percent"].astype(float) / 100.0
    )
    reference = frame.pivot_table(index="class_id", columns="factor_code", values="p", aggfunc="mean")
    names = frame.drop_duplicates("class_id").set_index("class_id")["class_name"].to_dict()
    return reference, {int(k): v for k, v in names.items()}


def truth_profiles(item_probabilities: dict) -> pd.DataFrame:
    """Truth {class_id: {factor_code: p}} as a class x code frame."""
    frame = pd.DataFrame({int(k): v for k, v in item_probabilities.items()}).T.sort_index()
    frame.columns = [str(c) for c in frame.columns]
    return frame.astype(float)


def recovery(
    estimated: pd.DataFrame,
    truth: pd.DataFrame,
    estimated_shares: pd.DataFrame | None = None,
    truth_shares: pd.DataFrame | None = None,
) -> dict:
    """Match estimated classes to the truth on the full profile, then compare.

    Returns the matching, item-probability errors (MAE, max, per item/class long table) and, if
    shares are given (index = group, columns = class id), per-group share errors.
    """
    matching = match_classes(estimated, truth)
    items = [c for c in truth.columns if c in estimated.columns]
    rows = []
    for _, pair in matching.dropna(subset=["reference_class"]).iterrows():
        for item in items:
            est = float(estimated.loc[pair["estimated_class"], item])
            tru = float(truth.loc[pair["reference_class"], item])
            rows.append(
                {
                    "true_class": pair["reference_class"],
                    "estimated_class": pair["estimated_class"],
                    "factor_code": item,
                    "estimated": est,
                    "truth": tru,
                    "abs_error": abs(est - tru),
                }
            )
    items_long = pd.DataFrame(rows)
    out = {
        "matching": matching,
        "items": items_long,
        "item_mae": float(items_long["abs_error"].mean()),
        "item_max_error": float(items_long["abs_error"].max()),
    }
    if estimated_shares is not None and truth_shares is not None:
        to_truth = dict(zip(matching["estimated_class"], matching["reference_class"]))
        share_rows = []
        for group in truth_shares.index:
            for est_class, true_class in to_truth.items():
                if pd.isna(true_class) or group not in estimated_shares.index:
                    continue
                est = float(estimated_shares.loc[group, est_class])
                tru = float(truth_shares.loc[group, true_class])
                share_rows.append(
                    {
                        "group": group,
                        "true_class": true_class,
                        "estimated": est,
                        "truth": tru,
                        "abs_error": abs(est - tru),
                    }
                )
        shares_long = pd.DataFrame(share_rows)
        out["shares"] = shares_long
        out["share_max_error"] = float(shares_long["abs_error"].max())
    return out

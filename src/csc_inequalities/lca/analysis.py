"""The steps of the LCA strand, as functions of data frames (the workflow scripts only do I/O)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from csc_inequalities.lca import model as lcm
from csc_inequalities.lca.items import FACTOR_PREFIX, item_matrix
from csc_inequalities.lca.matching import match_classes

log = logging.getLogger(__name__)


def configural_sweep(
    X: np.ndarray, groups: np.ndarray, class_range: list[int], settings: lcm.FitSettings
) -> pd.DataFrame:
    """Per LA, models with each number of classes: LL, AIC, BIC, entropy, smallest class share."""
    rows = []
    labels = sorted(set(np.asarray(groups).astype(str)))
    for g_i, la in enumerate(labels):
        rows_la = np.asarray(groups).astype(str) == la
        for k in class_range:
            fit = lcm.fit_single(X[rows_la], k, settings, salt=100_000 + 1000 * g_i + k, group=la)
            log.info("configural %s K=%d LL=%.2f BIC=%.1f", la, k, fit.log_likelihood, fit.bic)
            rows.append({"la_code": la, **fit.summary()})
    return pd.DataFrame(rows).drop(columns=["model"])


# Why the configural models are missing from the invariance comparison of a run.
CONFIGURAL_ONE_LA = (
    "skipped: the invariance comparison needs >= 2 LAs (with one LA the configural "
    "and the invariant model are the same model)"
)
CONFIGURAL_NOT_REQUESTED = "not requested (lca.configural_comparison: false)"


def invariance_test(
    X: np.ndarray,
    groups: np.ndarray,
    class_counts: list[int],
    settings: lcm.FitSettings,
    items: list[str],
    configural: bool = True,
):
    """Configural (unless ``configural`` is false, or the data hold one LA) and invariant models
    for each K: (Table 3 analogue, {(model, K): fit}). Column ``configural_status`` says whether the
    configural models were fitted and, if not, why (:data:`CONFIGURAL_ONE_LA`,
    :data:`CONFIGURAL_NOT_REQUESTED`)."""
    fits = {}
    rows = []
    one_la = len(np.unique(np.asarray(groups).astype(str))) < 2
    status = CONFIGURAL_ONE_LA if one_la else ("fitted" if configural else CONFIGURAL_NOT_REQUESTED)
    if one_la and configural:
        log.info("configural models %s", CONFIGURAL_ONE_LA)
        configural = False
    for k in class_counts:
        models = [lcm.fit_configural(X, groups, k, settings, items=items)[0]] if configural else []
        models.append(lcm.fit_invariant(X, groups, k, settings, items=items))
        for fit in models:
            fits[(fit.kind, k)] = fit
            rows.append(fit.summary())
            log.info("%s K=%d LL=%.2f AIC=%.1f BIC=%.1f", fit.kind, k, fit.log_likelihood, fit.aic, fit.bic)
    table = pd.DataFrame(rows)
    table["chosen_by_bic"] = table["bic"] == table["bic"].min()
    table["configural_status"] = status
    return table, fits


def with_published_fit(table: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Table 3 analogue with the published AIC/BIC beside the reproduced ones."""
    pub = published.rename(columns={"classes": "classes", "aic": "published_aic", "bic": "published_bic"})
    return table.merge(pub, on=["classes", "model"], how="left")


def profiles_frame(fit: lcm.LCAFit, class_ids: list[int] | None = None) -> pd.DataFrame:
    """(K x J) item-response probabilities of an invariant model; index class ids (1..K)."""
    ids = class_ids or list(range(1, fit.n_classes + 1))
    return pd.DataFrame(fit.shared_item_probabilities(), index=ids, columns=fit.items)


def label_classes(fit: lcm.LCAFit, reference: pd.DataFrame, names: dict[int, str]):
    """Reorder the classes so class k is the one matched to published class k; name them.

    Returns (relabelled fit, matching table, {class_id: name}). Classes without a published
    partner (K > 7) get ids after the published ones and the name "Unmatched class n".
    """
    matching = match_classes(profiles_frame(fit), reference)
    matched = matching.dropna(subset=["reference_class"]).sort_values("reference_class")
    unmatched = matching[matching["reference_class"].isna()]
    new_id = {int(e): int(r) for e, r in zip(matched["estimated_class"], matched["reference_class"])}
    next_id = max(list(new_id.values()) + [0]) + 1
    for offset, e in enumerate(unmatched["estimated_class"]):
        new_id[int(e)] = next_id + offset
    order = [int(e) - 1 for e in list(matched["estimated_class"]) + list(unmatched["estimated_class"])]
    class_ids = [new_id[e + 1] for e in order]
    lcm.permute(fit, np.array(order))
    class_names = {cid: names.get(cid, f"Unmatched class {cid}") for cid in class_ids}
    matching["class_id"] = matching["estimated_class"].map(lambda e: new_id[int(e)])
    matching["class_name"] = matching["class_id"].map(class_names)
    return fit, matching, class_ids, class_names


def cross_validate(
    fit: lcm.LCAFit, class_ids: list[int], X2: np.ndarray, groups2: np.ndarray, settings: lcm.FitSettings
) -> dict:
    """Refit the same model on the independent second sample; compare assignments there.

    The second-sample classes are matched to the final model's by item profiles; agreement =
    share of second-sample episodes given the same modal class by both models, and Cohen's kappa.
    """
    refit = lcm.fit_invariant(X2, groups2, fit.n_classes, settings, items=fit.items)
    matching = match_classes(profiles_frame(refit), profiles_frame(fit, class_ids))
    to_final = dict(zip(matching["estimated_class"], matching["reference_class"]))
    post_final = lcm.posterior_probabilities(X2, lcm.group_index_for(fit, groups2), fit)
    post_refit = lcm.posterior_probabilities(X2, lcm.group_index_for(refit, groups2), refit)
    modal_final = np.asarray(class_ids)[post_final.argmax(axis=1)]
    modal_refit = np.array([to_final[k + 1] for k in post_refit.argmax(axis=1)])
    profile_gap = (
        profiles_frame(refit).rename(index=to_final).sort_index() - profiles_frame(fit, class_ids).sort_index()
    ).abs()
    return {
        "n_episodes": int(len(X2)),
        "agreement": float(np.mean(modal_final == modal_refit)),
        "kappa": float(_cohen_kappa(modal_final, modal_refit)),
        "item_probability_mae": float(profile_gap.to_numpy().mean()),
        "item_probability_max": float(profile_gap.to_numpy().max()),
        "refit_log_likelihood": refit.log_likelihood,
        "refit_bic": refit.bic,
        "matching": matching.to_dict(orient="records"),
    }


def assign_episodes(
    fit: lcm.LCAFit, class_ids: list[int], class_names: dict[int, str], episodes: pd.DataFrame, eligible: pd.Series
) -> pd.DataFrame:
    """Posterior probabilities and modal class for every episode (NA where not eligible or the
    LA is not in the model)."""
    out = episodes[["episode_id", "la_code"]].copy()
    out["lca_eligible"] = eligible.to_numpy() & episodes["la_code"].astype(str).isin(fit.groups)
    probs = np.full((len(out), len(class_ids)), np.nan)
    rows = out["lca_eligible"].to_numpy()
    if rows.any():
        sub = episodes.loc[rows]
        probs[rows] = lcm.posterior_probabilities(
            item_matrix(sub, fit.items), lcm.group_index_for(fit, sub["la_code"]), fit
        )
    modal = np.full(len(out), -1)
    modal[rows] = np.asarray(class_ids)[probs[rows].argmax(axis=1)]
    out["class_id"] = pd.array(np.where(modal > 0, modal, None), dtype="Int64")
    out["class_name"] = out["class_id"].map(lambda c: class_names.get(int(c)) if pd.notna(c) else None)
    out["class_posterior_max"] = np.nanmax(np.where(rows[:, None], probs, -np.inf), axis=1)
    out.loc[~rows, "class_posterior_max"] = np.nan
    for j, cid in enumerate(class_ids):
        out[f"posterior_class_{cid}"] = probs[:, j]
    return out


def factor_columns(codes: list[str]) -> list[str]:
    return [FACTOR_PREFIX + c for c in codes]


def _cohen_kappa(a, b) -> float:
    # scikit-learn only where the kappa is computed (lca_final): the other LCA jobs skip its 0.3 s import.
    from sklearn.metrics import cohen_kappa_score

    return cohen_kappa_score(a, b)

"""Relating latent classes to a categorical variable, naive and corrected for classification error.

Naive: cross-tabulate the modal class against the variable. Corrected: the ML three-step method
(Vermunt 2010; Bakk, Tekle & Vermunt 2013). The classification-error matrix
D[k, s] = P(modal class s | true class k) comes from the posterior probabilities (the estimator
of StepMix's ``compute_bch_matrix``, which its ML correction uses); the joint distribution
P(class k, category c) then maximises

    sum_i log sum_k P(k, c_i) D[k, s_i]

over the observed (modal class s_i, category c_i) pairs. For a categorical variable this is a
small EM on the (s, c) contingency table, written here because StepMix's three-step routine would
refit the measurement model on the same data instead of using the final model's posteriors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def classified_episodes(classes: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """The episodes that have a class (``classes``: ``episode_id``, ``la_code``, ``class_id``, ...),
    each with its columns of ``episodes`` (one row per ``episode_id``; the LA taken from there)."""
    return (
        classes[classes["class_id"].notna()]
        .drop(columns=["la_code"])
        .merge(episodes, on="episode_id", how="left", validate="one_to_one")
    )


def classification_error_matrix(posteriors: np.ndarray) -> np.ndarray:
    """D[k, s] = P(modal = s | class = k) estimated from posterior probabilities.

    The same estimator as StepMix's ``compute_bch_matrix`` (Vermunt 2004, eq. 6), computed here
    so that a class with no posterior weight in a stratum (a tiny class in one LA) gets an
    identity row instead of NaN (its corrected count is 0 anyway).
    """
    resp = np.asarray(posteriors, dtype=float)
    modal = np.zeros_like(resp)
    modal[np.arange(len(resp)), resp.argmax(axis=1)] = 1.0
    weight = resp.sum(axis=0)
    D = np.eye(resp.shape[1])
    present = weight > 0
    D[present] = (resp.T @ modal)[present] / weight[present, None]
    return D


def ml_corrected_joint(counts: np.ndarray, D: np.ndarray, tol: float = 1e-10, max_iter: int = 10000) -> np.ndarray:
    """Corrected joint counts (K x C) from modal-class x category counts (K x C) and D (K x K).

    EM: E-step splits each observed cell (s, c) over true classes k in proportion to
    P(k, c) D[k, s]; the M-step sets P(k, c) to the expected share. Converges to the ML estimate.
    """
    counts = np.asarray(counts, dtype=float)
    D = np.clip(np.asarray(D, dtype=float), 1e-15, None)
    total = counts.sum()
    if total == 0:
        return np.zeros_like(counts)
    joint = np.full(counts.shape, 1.0 / counts.size)
    for _ in range(max_iter):
        # expected[k, c] = sum_s counts[s, c] * joint[k, c] D[k, s] / sum_k' joint[k', c] D[k', s]
        denom = D.T @ joint  # (S, C): P(s, c)
        ratio = np.divide(counts, denom, out=np.zeros_like(counts), where=denom > 0)
        new = joint * (D @ ratio) / total
        if np.abs(new - joint).max() < tol:
            joint = new
            break
        joint = new
    return joint * total


def crosstab_naive_and_corrected(
    modal: np.ndarray,
    category: pd.Series,
    posteriors: np.ndarray,
    class_ids: list[int],
    strata: np.ndarray | None = None,
) -> pd.DataFrame:
    """Long table: class_id, category, n_naive (modal counts), n_corrected (ML three-step).

    ``posteriors`` (n x K, columns in ``class_ids`` order) give the classification-error matrix.
    When the model's class sizes differ by stratum (the invariant model: by LA), so does the
    classification error; D is then estimated and the correction applied within each stratum
    and the corrected counts are summed over strata.
    """
    category = pd.Series(category).reset_index(drop=True)
    modal = np.asarray(modal)
    posteriors = np.asarray(posteriors, dtype=float)
    strata = np.zeros(len(modal), dtype=int) if strata is None else np.asarray(strata)
    keep = category.notna().to_numpy()
    levels = sorted(category[keep].unique(), key=str)
    k_index = {k: i for i, k in enumerate(class_ids)}
    c_index = {c: j for j, c in enumerate(levels)}
    counts = np.zeros((len(class_ids), len(levels)))
    corrected = np.zeros_like(counts)
    for stratum in pd.unique(strata):
        rows = np.flatnonzero((strata == stratum) & keep)
        if len(rows) == 0:
            continue
        part = np.zeros_like(counts)
        np.add.at(part, ([k_index[s] for s in modal[rows]], [c_index[c] for c in category.iloc[rows]]), 1.0)
        D = classification_error_matrix(posteriors[np.flatnonzero(strata == stratum)])
        counts += part
        corrected += ml_corrected_joint(part, D)
    rows = [
        {
            "class_id": k,
            "category": c,
            "n_naive": counts[k_index[k], c_index[c]],
            "n_corrected": corrected[k_index[k], c_index[c]],
        }
        for k in class_ids
        for c in levels
    ]
    return pd.DataFrame(rows)

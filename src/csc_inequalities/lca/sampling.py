"""Balanced random samples per LA (report §2.3.4: 2,500 episodes per LA) and an independent
second sample for cross-validation, drawn without overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd


def draw_samples(
    frame: pd.DataFrame, n_per_la: int, seed: int, la_col: str = "la_code", id_col: str = "episode_id"
) -> pd.DataFrame:
    """Two disjoint samples of up to ``n_per_la`` episodes per LA: columns id, la, sample (1/2).

    Each LA's episodes are shuffled with a generator seeded from (seed, LA code); the first
    ``n_per_la`` form sample 1 and the next ``n_per_la`` sample 2. An LA with fewer than
    ``2 * n_per_la`` episodes gives sample 1 its full size first, so sample 2 is smaller.
    """
    parts = []
    for la, group in frame[[id_col, la_col]].sort_values(id_col).groupby(la_col, sort=True):
        key = [seed] + [ord(ch) for ch in str(la)]
        order = np.random.default_rng(np.random.SeedSequence(key)).permutation(len(group))
        shuffled = group.iloc[order]
        first = shuffled.iloc[:n_per_la].assign(sample=1)
        second = shuffled.iloc[n_per_la : 2 * n_per_la].assign(sample=2)
        parts.extend([first, second])
    out = pd.concat(parts, ignore_index=True)
    out["sample"] = out["sample"].astype(int)
    return out[[id_col, la_col, "sample"]]


def sample_sizes(samples: pd.DataFrame, la_col: str = "la_code") -> pd.DataFrame:
    """Episodes per LA in each sample (for the report)."""
    table = samples.groupby([la_col, "sample"]).size().unstack("sample", fill_value=0)
    table.columns = [f"sample_{c}" for c in table.columns]
    return table.reset_index()

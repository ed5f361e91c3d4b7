"""Planted latent class mixtures with known truth, for tests and benchmarks.

The default profile mimics the seven published demand classes (report §3.4.1): the quantified
percentages of the prose are used where given, other items get a small background rate. Class
shares per LA follow Table 11. This is a test fixture for the estimators, not the project's
synthetic data generator (that lives in csc_inequalities.synthetic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_inequalities.childlevel.codes import REFERRAL_SOURCE_GROUPS

CLASS_NAMES = {
    1: "Neglect",
    2: "Domestic violence",
    3: "Physical abuse",
    4: "Out-of-control/highly vulnerable",
    5: "Multiple complex needs I",
    6: "Multiple complex needs II",
    7: "Disability and mental health",
}

ITEMS = [
    "1A",
    "1B",
    "2A",
    "2B",
    "3A",
    "3B",
    "4A",
    "4B",
    "5A",
    "5B",
    "6A",
    "6B",
    "7A",
    "10A",
    "11A",
    "13A",
    "14A",
    "15A",
    "16A",
    "17A",
    "18A",
    "19A",
    "23A",
]

# P(item | class): the published percentages where the prose gives one, else background rates.
_PROFILE = {
    1: {"16A": 0.97, "17A": 0.05},
    2: {"3B": 0.95, "3A": 0.15, "17A": 0.09, "1B": 0.09},
    3: {"18A": 0.95, "17A": 0.14, "16A": 0.07},
    4: {
        "14A": 0.26,
        "4A": 0.21,
        "19A": 0.16,
        "11A": 0.12,
        "2A": 0.10,
        "15A": 0.09,
        "10A": 0.15,
        "1A": 0.06,
        "13A": 0.05,
    },
    5: {"3B": 0.43, "4B": 0.42, "1B": 0.25, "2B": 0.21, "17A": 0.24, "16A": 0.20},
    6: {
        "3B": 0.76,
        "17A": 0.60,
        "18A": 0.41,
        "16A": 0.41,
        "4A": 0.35,
        "3A": 0.46,
        "4B": 0.60,
        "1B": 0.35,
        "2B": 0.30,
        "7A": 0.10,
        "14A": 0.20,
    },
    7: {"5A": 0.42, "6A": 0.25, "4A": 0.16, "4B": 0.25, "6B": 0.14, "5B": 0.05},
}
_BACKGROUND = 0.02

# Table 11 (percent of each LA's episodes per class), normalised per LA.
_TABLE11 = {
    "LA0": [17, 15, 13, 20, 26, 3, 6],
    "LA1": [5, 15, 9, 25, 32, 7, 8],
    "LA2": [16, 20, 8, 29, 21, 1, 6],
    "LA3": [4, 19, 7, 20, 29, 8, 11],
    "LA4": [8, 22, 15, 18, 25, 2, 10],
    "LA5": [3, 27, 8, 19, 30, 3, 11],
}


def default_truth(la_codes: list[str] | None = None) -> dict:
    """Item probabilities {class: {item: p}} and shares {la: {class: share}} of the default mixture."""
    items = {k: {code: _PROFILE[k].get(code, _BACKGROUND) for code in ITEMS} for k in CLASS_NAMES}
    published = list(_TABLE11.values())
    la_codes = la_codes or list(_TABLE11)
    shares = {}
    for i, la in enumerate(la_codes):
        row = np.asarray(published[i % len(published)], dtype=float)
        row = np.maximum(row, 1.0)  # no empty class in any LA
        shares[la] = {k: float(v) for k, v in zip(CLASS_NAMES, row / row.sum())}
    return {"class_names": dict(CLASS_NAMES), "item_probabilities": items, "class_shares": shares}


def simulate_episodes(truth: dict, n_per_la: int | dict, seed: int) -> pd.DataFrame:
    """Episodes with ``factor_<code>`` bool columns, ``la_code`` and the true class ``true_class``."""
    rng = np.random.default_rng(seed)
    class_ids = sorted(truth["item_probabilities"], key=int)
    items = list(truth["item_probabilities"][class_ids[0]])
    probs = np.array([[truth["item_probabilities"][k][c] for c in items] for k in class_ids])
    frames = []
    for la, la_shares in truth["class_shares"].items():
        n = n_per_la[la] if isinstance(n_per_la, dict) else n_per_la
        share = np.array([la_shares[k] for k in class_ids], dtype=float)
        z = rng.choice(len(class_ids), size=n, p=share / share.sum())
        x = rng.random((n, len(items))) < probs[z]
        frame = pd.DataFrame(x, columns=[f"factor_{c}" for c in items])
        frame.insert(0, "la_code", la)
        frame["true_class"] = np.asarray(class_ids)[z]
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "episode_id", [f"ep{i:07d}" for i in range(len(out))])
    # Every simulated assessment is completed: one with no item factor records 21 ("no factors
    # identified"), as DfE asks (rule 8897), unless 21 is itself an item.
    if "factor_21" not in out:
        factor_columns = [c for c in out.columns if c.startswith("factor_")]
        out["factor_21"] = ~out[factor_columns].any(axis=1)
    out["assessed"] = True
    return out


# Published Table 14 row percentages (Assessed not CIN, CIN, CP plan, LAC) per class.
_THRESHOLD_PCT = {
    1: [55, 24, 15, 6],
    2: [61, 30, 9, 1],
    3: [65, 22, 10, 4],
    4: [59, 32, 6, 3],
    5: [50, 29, 17, 5],
    6: [18, 29, 37, 15],
    7: [44, 49, 5, 2],
}
_SOURCES = list(REFERRAL_SOURCE_GROUPS)
_CP = ["Emotional abuse", "Neglect", "Physical abuse", "Sexual abuse", "Multiple"]


def add_covariates(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Episode covariates of docs/data-model.md drawn given the true class (for pipeline tests):
    thresholds follow the published Table 14, other variables are class-independent draws."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    n = len(out)
    classes = out["true_class"].to_numpy()
    level = np.empty(n, dtype=int)
    for k, pct in _THRESHOLD_PCT.items():
        rows = classes == k
        level[rows] = rng.choice(4, size=rows.sum(), p=np.asarray(pct) / sum(pct))
    out["cin_plan"] = level >= 1
    out["cpp"] = level >= 2
    out["lac"] = level == 3
    out["nfa"] = False
    out["cpp_initial_category"] = pd.Series(
        np.where(out["cpp"], rng.choice(_CP, size=n, p=[0.32, 0.53, 0.1, 0.045, 0.005]), None), dtype=object
    )
    out["rereferral_12m"] = rng.random(n) < np.where(classes == 6, 0.33, 0.22)
    out["referral_source_group"] = rng.choice(_SOURCES, size=n, p=[0.08, 0.24, 0.15, 0.12, 0.29, 0.12])
    out["gender"] = rng.choice(["male", "female"], size=n)
    out["age_group"] = rng.choice(["under1", "1-4", "5-9", "10-15", "16-17"], size=n, p=[0.1, 0.2, 0.25, 0.35, 0.1])
    out["ethnicity_group"] = rng.choice(
        ["White", "Mixed", "Asian", "Black", "Other", "Unknown"], size=n, p=[0.7, 0.08, 0.08, 0.07, 0.04, 0.03]
    )
    # Deprivation: decile (1 = least deprived) with more episodes in more deprived LSOAs.
    weights = np.arange(1, 11, dtype=float)
    out["imd_decile_least1"] = rng.choice(np.arange(1, 11), size=n, p=weights / weights.sum())
    out["imd_tertile_in_la_least1"] = np.digitize(out["imd_decile_least1"], [4, 8]) + 1
    out["lsoa11"] = out["la_code"] + "_D" + out["imd_decile_least1"].astype(str)
    return out


def simulate_population(la_codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lsoa_population, lsoa_reference) in the lsoa strand's layout: one LSOA per LA and
    decile, equal child populations by age, sex and ethnic group."""
    rows, ref = [], []
    groups = ["White", "Mixed", "Asian", "Black", "Other"]
    for la in la_codes:
        for decile in range(1, 11):
            lsoa = f"{la}_D{decile}"
            ref.append({"lsoa11": lsoa, "la_code": la, "imd_decile_least1": decile})
            for age in range(18):
                for sex in ("male", "female"):
                    for group in groups:
                        rows.append(
                            {
                                "lsoa11": lsoa,
                                "la_code": la,
                                "age": age,
                                "sex": sex,
                                "ethnicity_group": group,
                                "population": 10.0,
                            }
                        )
    return pd.DataFrame(rows), pd.DataFrame(ref)

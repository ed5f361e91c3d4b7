"""Build the LSOA reference and LSOA population tables from the shipped resources.

Deciles run both ways and the column names say which: ``imd_decile_official`` (MHCLG: 1 = most
deprived) and ``imd_decile_least1`` (the study's order: 1 = least deprived).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csc_inequalities.national.sources import verify_manifest

N_LSOAS_ENGLAND = 32_844
N_UPPER_TIER_LAS_2013 = 152
AGES = tuple(range(18))
MALE_SHARE = 0.512  # ONS: about 105 boys per 100 girls among 0-17s; synthetic split, documented
ETHNIC_GROUPS = ("White", "Mixed", "Asian", "Black", "Other")
# Synthetic ethnic composition of children (documented in docs/synthetic.md): roughly the 2011
# census shares for England outside and inside London, shifted away from White in more deprived
# LSOAs (a share change of ETHNIC_DEPRIVATION_SLOPE per decile step, least → most deprived).
ETHNIC_SHARES_OUTSIDE_LONDON = {"White": 0.82, "Mixed": 0.05, "Asian": 0.08, "Black": 0.03, "Other": 0.02}
ETHNIC_SHARES_LONDON = {"White": 0.45, "Mixed": 0.10, "Asian": 0.20, "Black": 0.19, "Other": 0.06}
ETHNIC_DEPRIVATION_SLOPE = 0.02


def decile_least1_from_official(official: pd.Series) -> pd.Series:
    """Official IMD decile (1 = most deprived) → the study's order (1 = least deprived)."""
    return (11 - official.astype(int)).astype("int64")


def la_deciles_least1(rank_of_average_score: pd.Series) -> pd.Series:
    """Decile of the LA's IMD rank of average score among the LAs (rank 1 = most deprived),
    ordered 1 = least deprived: the 10% of LAs with the highest ranks are decile 1."""
    n = len(rank_of_average_score)
    official = np.ceil(rank_of_average_score.astype(float) * 10 / n).astype(int).clip(1, 10)
    return pd.Series(11 - official, index=rank_of_average_score.index, dtype="int64")


def build_lsoa_reference(resource_dir: str | Path) -> pd.DataFrame:
    resource_dir = Path(resource_dir)
    verify_manifest(resource_dir / "manifest.sha256", resource_dir)
    lsoa = pd.read_csv(resource_dir / "imd2015_lsoa11.csv.gz")
    districts = pd.read_csv(resource_dir / "lad13_to_utla13.csv")
    las = pd.read_csv(resource_dir / "la_imd2015_utla13.csv")
    income = pd.read_csv(resource_dir / "income_rate_approx_lsoa11.csv.gz")
    frame = lsoa.merge(districts[["lad13_code", "utla13_code"]], on="lad13_code", how="left", validate="m:1")
    unmapped = frame["utla13_code"].isna()
    if unmapped.any():
        raise ValueError(
            f"{int(unmapped.sum())} LSOAs have a 2013 district with no upper-tier LA: "
            f"{sorted(frame.loc[unmapped, 'lad13_code'].unique())}"
        )
    las = las.assign(la_imd_decile_least1=la_deciles_least1(las["rank_avg_score"]))
    frame = frame.merge(las, on="utla13_code", how="left", validate="m:1")
    frame = frame.merge(income, on="lsoa11_code", how="left", validate="1:1")
    out = pd.DataFrame(
        {
            "lsoa11": frame["lsoa11_code"],
            "lad13": frame["lad13_code"],
            "la_code": frame["utla13_code"],
            "la_name": frame["utla13_name"],
            "imd2015_score": frame["IMD_score"].astype(float),
            "imd2015_rank": frame["IMD_rank"].astype("int64"),
            "imd_decile_official": frame["IMD_decile"].astype("int64"),
            "imd_decile_least1": decile_least1_from_official(frame["IMD_decile"]),
            "income_rate_approx": frame["income_rate_approx"].astype(float),
            "la_imd2015_avg_score": frame["avg_score"].astype(float),
            "la_imd2015_rank_avg_score": frame["rank_avg_score"].astype("int64"),
            "la_imd_decile_least1": frame["la_imd_decile_least1"].astype("int64"),
        }
    )
    return out.sort_values("lsoa11").reset_index(drop=True)


def ethnic_shares(is_london: np.ndarray, decile_least1: np.ndarray) -> np.ndarray:
    """(n, 5) synthetic ethnic-group shares per LSOA, in ETHNIC_GROUPS order, rows summing to 1."""
    outside = np.array([ETHNIC_SHARES_OUTSIDE_LONDON[g] for g in ETHNIC_GROUPS])
    london = np.array([ETHNIC_SHARES_LONDON[g] for g in ETHNIC_GROUPS])
    shares = np.where(is_london[:, None], london[None, :], outside[None, :]).astype(float)
    shift = ETHNIC_DEPRIVATION_SLOPE * (decile_least1.astype(float) - 5.5)
    white = np.clip(shares[:, 0] - shift, 0.05, 0.98)
    others = shares[:, 1:] / shares[:, 1:].sum(axis=1, keepdims=True) * (1 - white)[:, None]
    return np.column_stack([white, others])


def build_lsoa_population(resource_dir: str | Path, reference: pd.DataFrame) -> pd.DataFrame:
    """Long table: lsoa11 × age (0-17) × sex × ethnicity_group → population (float).

    Persons by single year of age are ONS's (real); the sex split (MALE_SHARE) and the ethnic
    composition (``ethnic_shares``) are synthetic and documented.
    """
    resource_dir = Path(resource_dir)
    persons = pd.read_csv(resource_dir / "ons_mid2017_lsoa11_age0_17.csv.gz")
    persons = persons.merge(
        reference[["lsoa11", "la_code", "imd_decile_least1"]],
        left_on="lsoa11_code",
        right_on="lsoa11",
        how="inner",
        validate="1:1",
    )
    counts = persons[[str(a) for a in AGES]].to_numpy(dtype=float)  # (n, 18)
    shares = ethnic_shares(
        persons["la_code"].str.startswith("E09").to_numpy(), persons["imd_decile_least1"].to_numpy()
    )  # (n, 5)
    sex = np.array([MALE_SHARE, 1 - MALE_SHARE])
    values = counts[:, :, None, None] * sex[None, None, :, None] * shares[:, None, None, :]
    n = len(persons)
    index = pd.MultiIndex.from_product(
        [range(n), AGES, ("male", "female"), ETHNIC_GROUPS], names=["row", "age", "sex", "ethnicity_group"]
    )
    frame = pd.DataFrame({"population": values.reshape(-1)}, index=index).reset_index()
    frame.insert(0, "lsoa11", persons["lsoa11"].to_numpy()[frame.pop("row").to_numpy()])
    frame.insert(
        1, "la_code", persons["la_code"].to_numpy()[np.repeat(np.arange(n), len(AGES) * 2 * len(ETHNIC_GROUPS))]
    )
    for col in ("lsoa11", "la_code", "sex", "ethnicity_group"):
        frame[col] = frame[col].astype("category")
    frame["age"] = frame["age"].astype("int8")
    return frame

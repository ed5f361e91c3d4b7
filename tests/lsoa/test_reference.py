"""LSOA reference: every English LSOA maps to one of the 152 upper-tier LAs of 2013."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csc_inequalities.lsoa.reference import (
    MALE_SHARE,
    build_lsoa_population,
    build_lsoa_reference,
    ethnic_shares,
    la_deciles_least1,
)
from csc_inequalities.national.sources import RawFileError

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "lsoa"


@pytest.fixture(scope="module")
def reference():
    return build_lsoa_reference(RESOURCES)


def test_all_lsoas_map_to_152_las(reference):
    assert len(reference) == 32_844 and reference["lsoa11"].is_unique
    assert reference["la_code"].notna().all()
    assert reference["la_code"].nunique() == 152


def test_districts_abolished_after_2013_go_to_their_2013_county(reference):
    by_district = reference.drop_duplicates("lad13").set_index("lad13")["la_code"]
    assert by_district["E07000004"] == "E10000002"  # Aylesbury Vale -> Buckinghamshire
    assert by_district["E07000048"] == "E10000009"  # Christchurch -> Dorset (county of 2013)
    assert by_district["E07000154"] == "E10000021"  # Northampton -> Northamptonshire
    assert by_district["E07000190"] == "E10000027"  # Taunton Deane -> Somerset
    assert by_district["E07000206"] == "E10000029"  # Waveney -> Suffolk


def test_deciles_run_both_ways(reference):
    assert (reference["imd_decile_least1"] == 11 - reference["imd_decile_official"]).all()
    # Official decile 1 = the most deprived tenth: the highest scores.
    means = reference.groupby("imd_decile_official")["imd2015_score"].mean()
    assert means.is_monotonic_decreasing


def test_la_decile_of_rank_of_average_score(reference):
    la = reference.drop_duplicates("la_code").set_index("la_code")
    # Hartlepool: rank of average score 17 of 152 -> official decile ceil(170/152) = 2 -> 9 least-first.
    assert la.loc["E06000001", "la_imd2015_rank_avg_score"] == 17
    assert la.loc["E06000001", "la_imd_decile_least1"] == 9
    counts = la["la_imd_decile_least1"].value_counts()
    assert counts.min() >= 15 and counts.max() <= 16
    deciles = la_deciles_least1(pd.Series(range(1, 153)))
    assert (deciles.iloc[0], deciles.iloc[151], deciles.iloc[75]) == (10, 1, 6)  # ranks 1, 152, 76


def test_population_totals_and_split(reference):
    population = build_lsoa_population(RESOURCES, reference)
    assert population["population"].sum() == pytest.approx(11_866_957, abs=1)  # ONS England 0-17, mid-2017
    male = population.loc[population["sex"] == "male", "population"].sum() / population["population"].sum()
    assert male == pytest.approx(MALE_SHARE)
    assert set(population["age"].unique()) == set(range(18))


def test_ethnic_shares_sum_to_one_and_shift_with_deprivation():
    import numpy as np

    shares = ethnic_shares(np.array([False, False, True]), np.array([1, 10, 5]))
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert shares[0, 0] > shares[1, 0]  # fewer White children in the most deprived decile


def test_altered_resource_is_refused(tmp_path):
    import shutil

    copy = tmp_path / "lsoa"
    shutil.copytree(RESOURCES, copy)
    with open(copy / "la_imd2015_utla13.csv", "a") as handle:
        handle.write("E99999999,Nowhere,1,1\n")
    with pytest.raises(RawFileError, match="la_imd2015_utla13.csv"):
        build_lsoa_reference(copy)

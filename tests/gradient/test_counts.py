import pandas as pd
import pytest

from csc_inequalities.gradient.counts import age_group_labels, build_count_table, population_by_stratum
from csc_inequalities.gradient.spec import level_slug


def test_age_group_labels_default():
    assert age_group_labels([0, 1, 5, 10, 16, 18]) == ["under1", "1-4", "5-9", "10-15", "16-17"]


def test_level_slug():
    assert level_slug("Emotional abuse") == "emotional_abuse"
    assert level_slug("10-15") == "10-15"


def _inputs():
    ref = pd.DataFrame(
        {
            "lsoa11": ["L1", "L2", "L3"],
            "la_code": ["A", "A", "B"],
            "imd_decile_least1": [1, 10, 5],
            "la_imd_decile_least1": [3, 3, 8],
            "income_rate_approx": [0.05, 0.4, 0.2],
            "la_imd2015_avg_score": [15.0, 15.0, 30.0],
        }
    )
    pop = pd.DataFrame(
        [
            {"lsoa11": l, "la_code": la, "age": age, "sex": sex, "ethnicity_group": "White", "population": 10.0}
            for l, la in (("L1", "A"), ("L2", "A"), ("L3", "B"))
            for age in range(18)
            for sex in ("male", "female")
        ]
    )
    ep = pd.DataFrame(
        {
            "episode_id": ["e1", "e2", "e3", "e4", "e5"],
            "child_id": ["c1", "c1", "c2", "c3", "c4"],
            "la_code": ["A", "A", "A", "B", "B"],
            "lsoa11": ["L1", "L2", "L2", "L3", "L9"],  # L9: outside the reference, dropped
            "referral_date": pd.to_datetime(["2014-05-01", "2016-01-01", "2015-01-01", "2017-01-01", "2016-01-01"]),
            "referral_year": [2015, 2016, 2015, 2017, 2016],
            "age_at_referral": [0, 1, 12, 7, 3],
            "gender": ["male", "male", "female", "female", "male"],
            "ethnicity_group": ["White"] * 5,
            "cpp": [False, True, True, False, True],
        }
    )
    return ep, ref, pop


def test_counts_distinct_children_first_episode_and_zeros():
    ep, ref, pop = _inputs()
    table = build_count_table(
        ep,
        ref,
        pop,
        {"all": ["all"], "age_group": ["under1", "1-4", "10-15"]},
        thresholds={"referral": None, "cpp": "cpp"},
        years_per_la={"A": 5, "B": 3},
    )
    ref_all = table[(table.threshold == "referral") & (table.stratum_type == "all")].set_index("lsoa11")
    # c1 counts once, in the LSOA of its first referral (L1); c2 in L2; c3 in L3; c4 dropped.
    assert ref_all["count"].to_dict() == {"L1": 1, "L2": 1, "L3": 1}
    cpp_all = table[(table.threshold == "cpp") & (table.stratum_type == "all")].set_index("lsoa11")
    # c1's first CPP episode is e2 (L2): the CPP count follows the first episode reaching the threshold.
    assert cpp_all["count"].to_dict() == {"L1": 0, "L2": 2, "L3": 0}
    # Offset: 36 children (18 ages x 2 sexes x 10) x years of the LA.
    assert ref_all.loc["L1", "population_years"] == pytest.approx(360 * 5)
    assert ref_all.loc["L3", "population_years"] == pytest.approx(360 * 3)
    age = table[(table.threshold == "cpp") & (table.stratum_type == "age_group")].set_index(["lsoa11", "stratum_level"])
    assert age.loc[("L2", "1-4"), "count"] == 1 and age.loc[("L2", "10-15"), "count"] == 1
    assert age.loc[("L2", "under1"), "population"] == pytest.approx(20.0)
    assert age.loc[("L2", "1-4"), "population"] == pytest.approx(80.0)
    assert set(ref_all["lsoa_decile_least1"]) == {1, 10, 5}


def test_population_by_stratum_sums():
    _, _, pop = _inputs()
    out = population_by_stratum(pop, [0, 1, 5, 10, 16, 18])
    gender = out[(out.stratum_type == "gender") & (out.lsoa11 == "L1")].set_index("stratum_level")["population"]
    assert gender.to_dict() == {"female": 180.0, "male": 180.0}


def test_demand_class_needs_classes():
    ep, ref, pop = _inputs()
    with pytest.raises(ValueError, match="stratum 'demand_class' needs the episode classes table"):
        build_count_table(ep, ref, pop, {"demand_class": ["class1"]}, thresholds={"referral": None})


def test_attach_reference_normalises_generator_names():
    from csc_inequalities.gradient.counts import attach_reference

    expected = pd.DataFrame(
        {
            "la_code": ["A", "A"],
            "lsoa11": ["L1", "L2"],
            "stratum_type": ["Overall", "sex"],
            "stratum_level": ["all", "male"],
            "threshold": ["CIN_plan", "Assessed"],
            "expected_count": [1.5, 2.5],
            "population_years": [100.0, 50.0],
        }
    )
    _, ref, _ = _inputs()
    out = attach_reference(expected, ref)
    assert list(out["threshold"]) == ["cin", "assessment"]
    assert list(out["stratum_type"]) == ["all", "gender"]
    assert list(out["count"]) == [1.5, 2.5]
    assert list(out["lsoa_decile_least1"]) == [1, 10]


def test_reading_only_the_needed_episode_columns_gives_the_same_table():
    from csc_inequalities.gradient.counts import episode_columns

    ep, ref, pop = _inputs()
    ep = ep.assign(unused_text="x", factor_1A=True)  # columns the counts never read
    classes = pd.DataFrame({"episode_id": ["e1", "e2", "e3"], "class_id": [1, 2, 1]})
    strata = {
        "all": ["all"],
        "gender": ["male", "female"],
        "age_group": ["under1", "1-4"],
        "demand_class": ["class1", "class2"],
    }
    thresholds = {"referral": None, "cpp": "cpp"}
    columns = episode_columns(thresholds, strata)
    assert columns == [
        "episode_id",
        "child_id",
        "la_code",
        "lsoa11",
        "referral_date",
        "referral_year",
        "age_at_referral",
        "cpp",
        "gender",
    ]
    full = build_count_table(ep, ref, pop, strata, thresholds=thresholds, episode_classes=classes)
    part = build_count_table(ep[columns], ref, pop, strata, thresholds=thresholds, episode_classes=classes)
    pd.testing.assert_frame_equal(full, part)

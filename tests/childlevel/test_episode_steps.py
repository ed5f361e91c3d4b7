"""The steps of build_episodes, each alone on a small frame whose answer is worked out by hand.

tests/childlevel/test_episodes.py checks the whole builder on a hand-made LA; test_roundtrip.py and
the synthetic byte-for-byte tests guard that the steps together give the same table as before."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_inequalities.childlevel import codes
from csc_inequalities.childlevel.episodes import (
    child_characteristics,
    cpp_categories,
    deprivation,
    episode_frame,
    episode_modules,
    factor_flags,
    factors_of_kept_assessments,
    latest_modules,
    latest_referrals,
    looked_after_flags,
    module_flags,
    referral_source,
    rereferral_12m,
)
from csc_inequalities.childlevel.pseudonymise import episode_id

D = pd.Timestamp


def _cin(rows):
    columns = ["child_id", "collection_year", "CINreferralDate", "CINclosureDate", "ReasonForClosure", "ReferralNFA"]
    return pd.DataFrame(rows, columns=columns)


def test_latest_referrals_keeps_the_latest_return_and_drops_rows_without_child_or_date():
    cin = _cin(
        [
            ("B", 2017, "2016-06-01", None, None, "false"),
            ("A", 2017, "2016-03-01", "2016-08-01", "RC7", "false"),
            ("A", 2016, "2016-03-01", None, None, "true"),  # older version of the same episode
            ("A", 2016, "2016-02-30", None, None, "false"),  # impossible date
            (None, 2016, "2016-01-01", None, None, "false"),  # no child
        ]
    )
    out = latest_referrals(cin)
    assert out["_key"].tolist() == ["A|2016-03-01", "B|2016-06-01"]
    assert out["collection_year"].tolist() == [2017, 2017]
    assert out["CINclosureDate"][0] == "2016-08-01" and pd.isna(out["CINclosureDate"][1])
    assert out["referral_date"].tolist() == [D("2016-03-01"), D("2016-06-01")]
    assert out.index.tolist() == [0, 1]


ASSESSMENTS = pd.DataFrame(
    {
        "child_id": ["A", "A", "A", "A", "Z", None],
        "collection_year": [2016, 2017, 2016, 2017, 2017, 2017],
        "CINreferralDate": ["2016-03-01"] * 4 + ["2016-03-01", "2016-03-01"],
        "AssessmentActualStartDate": ["2016-03-05", "2016-03-05", None, "2017-01-10", "2016-03-05", "2016-03-05"],
        "AssessmentAuthorisationDate": ["", "2016-04-01", "", "", "", ""],
    }
)
FACTORS = pd.DataFrame(
    {
        "child_id": ["A", "A", "A"],
        "collection_year": [2016, 2017, 2017],
        "CINreferralDate": ["2016-03-01"] * 3,
        "AssessmentActualStartDate": ["2016-03-05", "2016-03-05", "2017-01-10"],
        "AssessmentFactors": ["1B", "3A", "22B"],
    }
)
KEYS = pd.Index(["A|2016-03-01"])


def test_latest_modules_keeps_each_module_in_its_latest_version():
    kept, versions = latest_modules(ASSESSMENTS, ["AssessmentActualStartDate"], KEYS)
    # 2016-03-05 from 2017 (not 2016); the start-less one (2016 only) and 2017-01-10 kept;
    # Z's episode is not among the keys, the child-less row is dropped.
    assert kept.index.tolist() == [1, 2, 3]
    assert kept["AssessmentAuthorisationDate"].tolist() == ["2016-04-01", "", ""]
    starts = kept["AssessmentActualStartDate"]
    assert starts[1] == "2016-03-05" and pd.isna(starts[2]) and starts[3] == "2017-01-10"  # not filled
    assert versions.to_dict("records") == [
        {"_key": "A|2016-03-01", "AssessmentActualStartDate": "", "collection_year": 2016},
        {"_key": "A|2016-03-01", "AssessmentActualStartDate": "2016-03-05", "collection_year": 2017},
        {"_key": "A|2016-03-01", "AssessmentActualStartDate": "2017-01-10", "collection_year": 2017},
    ]


def test_factors_come_from_the_kept_version_of_their_assessment():
    _, versions = latest_modules(ASSESSMENTS, ["AssessmentActualStartDate"], KEYS)
    factors = factors_of_kept_assessments(FACTORS, versions, KEYS)
    assert sorted(factors["AssessmentFactors"]) == ["22B", "3A"]  # 1B was the 2016 version's


def test_episode_modules_reads_every_module_table():
    empty = {
        "child_id": pd.Series([], dtype=object),
        "collection_year": pd.Series([], dtype=int),
        "CINreferralDate": pd.Series([], dtype=object),
    }
    tables = {
        "assessments": ASSESSMENTS,
        "assessment_factors": FACTORS,
        "cin_plan_dates": pd.DataFrame({**empty, "CINPlanStartDate": pd.Series([], dtype=object)}),
        "section47": pd.DataFrame({**empty, "S47ActualStartDate": pd.Series([], dtype=object)}),
        "child_protection_plans": pd.DataFrame({**empty, "CPPstartDate": pd.Series([], dtype=object)}),
    }
    modules = episode_modules(tables, KEYS)
    assert sorted(modules) == sorted(tables)
    assert len(modules["assessments"]) == 3 and len(modules["assessment_factors"]) == 2
    assert len(modules["section47"]) == 0


def _referrals():
    return latest_referrals(
        _cin(
            [
                ("A", 2016, "2016-03-31", "2016-05-01", "RC8", "false"),
                ("A", 2017, "2016-04-01", None, None, "TRUE"),
                ("B", 2017, "2016-06-01", "2016-06-05", "RC9", "1"),
            ]
        )
    )


def test_episode_frame_ids_years_ending_march_and_closure_dates():
    out = episode_frame(_referrals(), "E09000001")
    assert out["referral_year"].tolist() == [2016, 2017, 2017]  # 31 March ends the year
    assert out["episode_id"].tolist() == [
        episode_id("A", "2016-03-31"),
        episode_id("A", "2016-04-01"),
        episode_id("B", "2016-06-01"),
    ]
    assert out["la_code"].tolist() == ["E09000001"] * 3
    assert out["closure_date"].tolist()[0] == D("2016-05-01") and pd.isna(out["closure_date"][1])


def test_child_characteristics_from_the_return_that_supplied_the_episode():
    children = pd.DataFrame(
        {
            "child_id": ["A", "A", "A", "B"],
            "collection_year": [2016, 2016, 2017, 2017],
            "PersonBirthDate": ["2010-04-01", "1999-01-01", "2010-04-01", "2016-07-10"],
            "GenderCurrent": ["1", "2", "2", "9"],
            "Ethnicity": ["WBRI", "BAFR", "MWBC", None],
        }
    )
    out = child_characteristics(_referrals(), children)
    # A in 2016: first child row (born 2010-04-01, referred 2016-03-31: 5); A in 2017: 6;
    # B referred before birth: age 0.
    assert out["age_at_referral"].tolist() == [5, 6, 0]
    assert out["age_group"].tolist() == ["5-9", "5-9", "under1"]
    assert out["gender"].tolist() == ["male", "female", "unknown"]
    assert out["ethnicity_code"].tolist()[:2] == ["WBRI", "MWBC"] and pd.isna(out["ethnicity_code"][2])
    assert out["ethnicity_group"].tolist() == ["White", "Mixed", "Unknown"]
    assert out["white_british"].tolist() == [True, False, False]


REFERENCE = pd.DataFrame(
    {
        "lsoa11": ["E01000001", "E01000002", "E01000003"],
        "imd2015_score": [10.0, 40.0, 25.0],
        "imd_decile_official": [8, 2, 5],
        "imd_decile_least1": [3, 9, 6],
    }
)


def test_deprivation_of_the_childs_first_lsoa_and_tertiles_within_la():
    episodes = pd.DataFrame({"child_id": ["A", "B", "C", "D", "E"], "la_code": ["L1", "L1", "L1", "L1", "L2"]})
    child_lsoa = pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "C", "D", "E"],
            "LSOA11CD": ["E01000001", "E01000002", "E01000002", "E01000003", "E01999999", "E01000002"],
        }
    )
    out = deprivation(episodes, child_lsoa, REFERENCE)
    assert out["lsoa11"].tolist()[:3] == ["E01000001", "E01000002", "E01000003"]
    assert pd.isna(out["lsoa11"][3])  # LSOA not in the reference
    assert out["imd2015_score"].tolist()[:3] == [10.0, 40.0, 25.0] and np.isnan(out["imd2015_score"][3])
    assert out["imd_decile_least1"].tolist()[:3] == [3, 9, 6]
    # L1's known scores 10, 40, 25: cuts at 20 and 30 -> tertiles 1, 3, 2; L2 alone: tertile 1.
    assert out["imd_tertile_in_la_least1"].tolist() == [1, 3, 2, pd.NA, 1]
    none = deprivation(episodes, None, REFERENCE)
    assert none["lsoa11"].isna().all() and none["imd_tertile_in_la_least1"].isna().all()


def test_referral_source_groups_and_other():
    cin = pd.DataFrame({"ReferralSource": ["1A", "6", "3F", "ZZ", None]})
    out = referral_source(cin)
    assert codes.REFERRAL_SOURCE_GROUPS == (
        "Individual",
        "Schools and Education Services",
        "Health Services",
        "LA and Housing Services",
        "Police",
        "Other",
    )
    assert out["referral_source_group"].tolist() == ["Individual", "Police", "Health Services", "Other", "Other"]
    assert out["referral_source"].tolist()[:4] == ["1A", "6", "3F", "ZZ"]


def test_module_flags_by_hand():
    cin = _referrals()  # keys A|2016-03-31 (RC8), A|2016-04-01 (open), B|2016-06-01 (RC9)
    modules = {
        "assessments": pd.DataFrame({"_key": ["A|2016-03-31", "B|2016-06-01", "B|2016-06-01"]}),
        "cin_plan_dates": pd.DataFrame({"_key": ["A|2016-04-01"]}),
        "section47": pd.DataFrame({"_key": ["A|2016-04-01", "B|2016-06-01"], "DateOfInitialCPC": [None, "2016-06-03"]}),
        "child_protection_plans": pd.DataFrame({"_key": ["B|2016-06-01", "X|2016-01-01"]}),
    }
    out = module_flags(cin, modules)
    assert out.to_dict("list") == {
        "nfa": [False, True, True],
        "assessed": [True, False, True],
        "assessed_not_cin": [True, False, True],
        "cin_plan": [False, True, False],
        "s47": [False, True, True],
        "icpc": [False, False, True],
        "cpp": [False, False, True],
    }


def test_looked_after_flags_window_is_referral_to_closure_inclusive():
    episodes = pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "C"],
            "referral_date": [D("2016-01-10"), D("2017-01-01"), D("2016-05-01"), D("2016-05-01")],
            "closure_date": [D("2016-02-10"), pd.NaT, D("2016-06-01"), D("2016-06-01")],
        }
    )
    ssda903 = pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "C"],
            "DECOM": ["10/02/2016", "2018-03-31", "30/04/2016", "01/05/2016"],
            "LS": ["V2", "C1", "V2", "C2"],
        }
    )
    out = looked_after_flags(episodes, ssda903, last_year=2018)
    assert out.to_dict("list") == {
        # A's first episode: DECOM on the closure date; A's second, open: runs to 31 March 2018;
        # B's starts the day before the referral; C's on the referral date.
        "lac": [True, True, False, True],
        "section20": [True, False, False, False],
        "interim_care_order": [False, True, False, False],
    }
    assert not looked_after_flags(episodes, ssda903, last_year=2017)["lac"][1]  # open episode ends 2017-03-31
    assert not looked_after_flags(episodes, None, last_year=2018).any().any()


def test_rereferral_within_365_days_of_the_childs_previous_referral():
    episodes = pd.DataFrame(
        {
            "child_id": ["A", "B", "A", "B", "A"],
            "referral_date": [
                D("2016-01-01"),
                D("2016-01-01"),
                D("2016-12-31"),  # A: 365 days after the first
                D("2017-01-02"),  # B: 367 days after the first
                D("2018-01-01"),  # A: 366 days after the previous
            ],
        },
        index=[10, 11, 12, 13, 14],
    )
    assert rereferral_12m(episodes).to_dict() == {10: False, 11: False, 12: True, 13: False, 14: False}


def test_cpp_categories_first_and_last_plan_and_repeat():
    keys = pd.Index(["A|2015-01-01", "A|2016-03-01", "B|2016-01-01", "C|2016-01-01"])
    cpp = pd.DataFrame(
        {
            "_key": ["A|2016-03-01", "A|2016-03-01", "A|2015-01-01", "B|2016-01-01", "B|2016-01-01"],
            "child_id": ["A", "A", "A", "B", "B"],
            "CPPstartDate": ["2016-06-01", "2016-04-01", "2015-02-01", "2016-02-01", "2016-02-01"],
            "_line": [5, 9, 2, 20, 10],
            "InitialCategoryOfAbuse": ["PHY", "NEG", "SAB", "EMO", "MUL"],
            "LatestCategoryOfAbuse": ["EMO", "NEG", "SAB", "EMO", "NEG"],
        }
    )
    out = cpp_categories(keys, cpp)
    # A's second episode: first plan 2016-04-01 (NEG), last 2016-06-01 (EMO); a repeat, as A had a
    # plan from 2015. B's two plans start the same day: source line order (10 before 20).
    assert out["cpp_initial_category"].tolist()[:3] == ["Sexual abuse", "Neglect", "Multiple"]
    assert out["cpp_latest_category"].tolist()[:3] == ["Sexual abuse", "Emotional abuse", "Emotional abuse"]
    assert pd.isna(out["cpp_initial_category"][3]) and pd.isna(out["cpp_latest_category"][3])
    assert out["repeat_cpp"].tolist() == [False, True, False, False]
    none = cpp_categories(keys, cpp.iloc[:0])
    assert none["cpp_initial_category"].isna().all() and not none["repeat_cpp"].any()


def test_factor_flags_union_with_aliases():
    keys = pd.Index(["A|2016-03-01", "B|2016-06-01"])
    factors = pd.DataFrame(
        {
            "_key": ["A|2016-03-01", "A|2016-03-01", "A|2016-03-01", "B|2016-06-01"],
            "AssessmentFactors": ["1B", "22B", "24A", "18C"],  # 22B -> 23A, 24A not in 2017, 18C -> 18A
        }
    )
    out = factor_flags(keys, factors)
    assert list(out.columns) == list(codes.FACTOR_COLUMNS)
    set_a = {column for column in out.columns if out[column][0]}
    set_b = {column for column in out.columns if out[column][1]}
    assert set_a == {"factor_1B", "factor_23A"}
    assert set_b == {"factor_18A"}

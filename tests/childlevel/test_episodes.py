"""Episode builder: a hand-made LA with every flag worked out by hand (docs/data-model.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csc_inequalities.childlevel import codes
from csc_inequalities.childlevel.episodes import EPISODE_COLUMNS, build_episodes, tertile_in_la, whole_years
from csc_inequalities.childlevel.extracts import LAFiles, load_la
from csc_inequalities.childlevel.pseudonymise import episode_id, pseudonym

from .builders import child, cin_details, cin_return

KEY = bytes(range(32))
LA = "E09000001"
REFERENCE = pd.DataFrame(
    {
        "lsoa11": ["E01000001", "E01000002", "E01000003"],
        "imd2015_score": [10.0, 40.0, 25.0],
        "imd_decile_official": [8, 2, 5],
        "imd_decile_least1": [3, 9, 6],
    }
)
HEADER_903 = (
    "CHILD,SEX,DOB,ETHNIC,UPN,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
)


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    root = tmp_path_factory.mktemp("la")
    a_2016 = child(
        "CHILDAAA1",
        "2010-05-01",
        "1",
        "WBRI",
        upn="A123456789012",
        episodes=[
            cin_details("2015-06-01", "1A", "2015-09-01", "RC8", assessments=[("2015-06-10", ["1B", "22B"])]),
            cin_details("2016-03-01", "2A", assessments=[("2016-03-05", ["2A"])]),
        ],
    )
    a_2017 = child(
        "CHILDAAA1",
        "2010-05-01",
        "1",
        "WBRI",
        upn="A123456789012",
        episodes=[
            cin_details(
                "2016-03-01",
                "2A",
                "2016-08-01",
                "RC7",
                assessments=[("2016-03-05", ["3A"])],
                s47=[("2016-03-10", "2016-03-20")],
                cpps=[("2016-06-01", "2016-07-30", "PHY", "EMO"), ("2016-04-01", "2016-05-30", "NEG", "NEG")],
            ),
            cin_details("2017-02-01", "1C", cpps=[("2017-02-10", None, "MUL", "MUL")], s47=[("2017-02-02", None)]),
        ],
    )
    b = child(
        "CHILDBBB2",
        "2016-07-10",
        "2",
        "BAFR",
        episodes=[
            cin_details("2016-06-01", "3B", "2016-06-05", "RC7", nfa="true"),
            cin_details("2017-01-05", "6"),
        ],
    )
    c = child("CHILDCCC3", "2000-03-31", "2", "NOBT", episodes=[cin_details("2016-04-10", "6", "2016-05-01", "RC7")])
    d = child("CHILDDDD4", "2005-01-15", "9", "AIND", episodes=[cin_details("2016-12-01", "3A", plans=["2016-12-20"])])
    (root / "cin_2016.xml").write_text(cin_return([a_2016], 2016))
    (root / "cin_2017.xml").write_text(cin_return([a_2017, b, c, d], 2017))
    (root / "ssda903.csv").write_text(
        HEADER_903
        + "CHILDBBB2,2,10/07/2016,BAFR,,20/01/2017,S,C1,N1,U1,PR1,,,,,,\n"
        + "CHILDBBB2,2,10/07/2016,BAFR,,2017-03-01,L,V2,N1,U1,PR1,,,,,,\n"
        + "CHILDCCC3,2,31/03/2000,NOBT,,05/04/2016,S,V2,N1,U1,PR1,,,,,,\n"
    )
    (root / "child_lsoa.csv").write_text(
        "LAchildID,LSOA11CD\nCHILDAAA1,E01000001\nCHILDBBB2,E01000002\nCHILDDDD4,E01000003\n"
    )
    files = LAFiles(
        LA,
        {2016: str(root / "cin_2016.xml"), 2017: str(root / "cin_2017.xml")},
        str(root / "ssda903.csv"),
        str(root / "child_lsoa.csv"),
    )
    loaded = load_la(files, set(REFERENCE["lsoa11"]), KEY)
    assert loaded.findings["rule"].tolist() == ["unknown_lsoa"]  # child C has no LSOA row (warn)
    return build_episodes(loaded.tables, loaded.ssda903, loaded.child_lsoa, REFERENCE, LA, 2017), loaded


def test_columns_and_one_row_per_child_and_referral(episodes):
    frame, _ = episodes
    assert tuple(frame.columns) == EPISODE_COLUMNS
    assert frame["referral_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2015-06-01",
        "2016-03-01",
        "2016-04-10",
        "2016-06-01",
        "2016-12-01",
        "2017-01-05",
        "2017-02-01",
    ]
    assert frame["referral_year"].tolist() == [2016, 2016, 2017, 2017, 2017, 2017, 2017]


def test_pseudonyms_and_no_raw_identifiers(episodes):
    frame, loaded = episodes
    a = pseudonym("CHILDAAA1", LA, KEY)
    assert frame["child_id"].iloc[0] == a
    assert frame["episode_id"].iloc[0] == episode_id(a, "2015-06-01")
    text = frame.astype(str).to_csv()
    for raw in ("CHILDAAA1", "CHILDBBB2", "A123456789012", "2010-05-01", "2016-07-10"):
        assert raw not in text
    for table in loaded.tables.values():
        assert "LAchildID" not in table.columns and "UPN" not in table.columns
    assert "CHILD" not in loaded.ssda903.columns and "DOB" not in loaded.ssda903.columns
    assert sorted(loaded.identifiers["identifiers"]) == [
        "A123456789012",
        "CHILDAAA1",
        "CHILDBBB2",
        "CHILDCCC3",
        "CHILDDDD4",
    ]


def test_latest_return_wins(episodes):
    frame, _ = episodes
    a2 = frame.iloc[1]
    assert a2["closure_date"] == pd.Timestamp("2016-08-01")  # open in 2016's return, closed in 2017's
    assert a2["factor_3A"] and not a2["factor_2A"]  # the 2017 version's assessment only
    assert a2["referral_source"] == "2A" and a2["referral_source_group"] == "Schools and Education Services"


def _column(frame, name):
    return frame[name].tolist()


def test_flags_by_hand(episodes):
    frame, _ = episodes
    # rows: A1, A2, C1, B1, D1, B2, A3
    assert _column(frame, "nfa") == [False, False, False, True, False, False, False]
    assert _column(frame, "assessed") == [True, True, False, False, False, False, False]
    assert _column(frame, "assessed_not_cin") == [True, False, False, False, False, False, False]
    assert _column(frame, "cin_plan") == [False, False, False, False, True, False, False]
    assert _column(frame, "s47") == [False, True, False, False, False, False, True]
    assert _column(frame, "icpc") == [False, True, False, False, False, False, False]
    assert _column(frame, "cpp") == [False, True, False, False, False, False, True]
    assert _column(frame, "cpp_initial_category")[1] == "Neglect"  # the first plan (started 2016-04-01)
    assert _column(frame, "cpp_latest_category")[1] == "Emotional abuse"  # the last plan's latest category
    assert _column(frame, "cpp_initial_category")[6] == "Multiple"
    assert pd.isna(frame["cpp_initial_category"].iloc[0])
    assert _column(frame, "repeat_cpp") == [False, False, False, False, False, False, True]
    # LAC: B's 903 episodes start 2017-01-20 (C1) and 2017-03-01 (V2), inside the open episode
    # B2 (window to 31 March 2017); C's starts 5 days before C's referral.
    assert _column(frame, "lac") == [False, False, False, False, False, True, False]
    assert _column(frame, "interim_care_order") == [False, False, False, False, False, True, False]
    assert _column(frame, "section20") == [False, False, False, False, False, True, False]
    # A: 274 days then 337 days after the previous referral; B: 218 days.
    assert _column(frame, "rereferral_12m") == [False, True, False, False, False, True, True]


def test_factors_union_and_aliases(episodes):
    frame, _ = episodes
    a1 = frame.iloc[0]
    assert a1["factor_1B"] and a1["factor_23A"]  # 22B (study appendix) = 23A
    assert frame[list(codes.FACTOR_COLUMNS)].sum().sum() == 3  # 1B, 23A (A1) and 3A (A2)


def test_characteristics_and_deprivation(episodes):
    frame, _ = episodes
    assert _column(frame, "age_at_referral") == [5, 5, 16, 0, 11, 0, 6]  # B1 before birth -> 0
    assert _column(frame, "age_group") == ["5-9", "5-9", "16-17", "under1", "10-15", "under1", "5-9"]
    assert _column(frame, "gender") == ["male", "male", "female", "female", "unknown", "female", "male"]
    assert _column(frame, "ethnicity_group") == ["White", "White", "Unknown", "Black", "Asian", "Black", "White"]
    assert _column(frame, "white_british") == [True, True, False, False, False, False, True]
    assert frame["lsoa11"].tolist()[3] == "E01000002" and pd.isna(frame["lsoa11"].iloc[2])
    assert frame["imd_decile_official"].tolist()[:2] == [8, 8]
    assert frame["imd_decile_least1"].tolist()[4] == 6
    # scores over the LA's episodes with an LSOA: 10,10,10,40,40,25 -> cuts 10 and 30
    assert frame["imd_tertile_in_la_least1"].astype("float").tolist()[:2] == [1.0, 1.0]
    assert frame["imd_tertile_in_la_least1"].tolist()[3:6] == [3, 2, 3]
    assert pd.isna(frame["imd_tertile_in_la_least1"].iloc[2])
    assert frame["referral_source_group"].iloc[2] == "Police"


def test_whole_years_handles_birthdays():
    birth = pd.to_datetime(pd.Series(["2010-05-01", "2010-05-01", "2012-02-29", "2017-06-01"]))
    on = pd.to_datetime(pd.Series(["2016-04-30", "2016-05-01", "2013-02-28", "2017-03-01"]))
    assert whole_years(birth, on).tolist() == [5, 6, 0, 0]


def test_tertiles_split_episodes_in_thirds_within_each_la():
    rng = np.random.default_rng(1)
    scores = pd.Series(rng.uniform(0, 80, 300))
    las = pd.Series(["A"] * 150 + ["B"] * 150)
    tertile = tertile_in_la(scores, las)
    counts = tertile.groupby([las, tertile]).size()
    assert counts.tolist() == [50, 50, 50, 50, 50, 50]
    for la in ("A", "B"):
        own = las == la
        assert scores[own & (tertile == 1)].max() < scores[own & (tertile == 2)].min()
        assert scores[own & (tertile == 2)].max() < scores[own & (tertile == 3)].min()


def test_drop_policy_excludes_the_episode(tmp_path):
    bad = child("C1", episodes=[cin_details("2016-06-01", "1A", "2016-05-01", "RC7"), cin_details("2016-07-01")])
    (tmp_path / "cin.xml").write_text(cin_return([bad], 2017))
    files = LAFiles(LA, {2017: str(tmp_path / "cin.xml")})
    loaded = load_la(files, None, KEY)
    assert loaded.dropped_episodes == 1
    assert loaded.tables["cin_details"]["CINreferralDate"].tolist() == ["2016-07-01"]
    kept = load_la(files, None, KEY, {"dates_out_of_order": "warn"})
    assert kept.dropped_episodes == 0 and len(kept.tables["cin_details"]) == 2


def test_compare_finds_exactly_the_changed_cells(episodes):
    from csc_inequalities.childlevel.episodes import compare

    frame, _ = episodes
    assert compare(frame, frame.sample(frac=1, random_state=1)) == {}
    changed = frame.copy()
    changed.loc[2, "lac"] = True
    changed.loc[4, "imd2015_score"] = 99.0
    changed.loc[0, "cpp_latest_category"] = "Neglect"
    assert compare(frame, changed) == {"lac": 1, "imd2015_score": 1, "cpp_latest_category": 1}
    assert compare(frame, changed.iloc[:-1]) == {
        "_missing_right": 1,
        "lac": 1,
        "imd2015_score": 1,
        "cpp_latest_category": 1,
    }


def test_csv_route_gives_the_same_episodes_as_xml(tmp_path):
    from csc_inequalities.childlevel.cin_xml import read_cin_xml
    from csc_inequalities.childlevel.episodes import compare

    kids = [
        child(
            f"KID{i:03d}",
            f"20{i % 9 + 5:02d}-03-0{i % 9 + 1}",
            str(1 + i % 2),
            ["WBRI", "MWBA", "APKN"][i % 3],
            episodes=[
                cin_details(
                    "2016-05-02",
                    ["1A", "3A", "6"][i % 3],
                    "2016-08-01" if i % 2 else None,
                    "RC8" if i % 2 else None,
                    assessments=[("2016-05-03", ["2B", "18A"][: 1 + i % 2])],
                    s47=[("2016-05-10", "2016-05-20" if i % 3 else None)],
                    cpps=[("2016-06-01", None, "EMO", "NEG")] if i % 4 == 0 else [],
                )
            ],
        )
        for i in range(12)
    ]
    (tmp_path / "cin.xml").write_text(cin_return(kids, 2017))
    census, _ = read_cin_xml(tmp_path / "cin.xml", 2017)
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    for name in ("children", "cin_details", "cin_plan_dates", "section47", "child_protection_plans"):
        census.tables[name].drop(columns="_line").to_csv(csv_dir / f"{name}.csv", index=False)
    factors = (
        census.tables["assessment_factors"]
        .groupby(["LAchildID", "CINreferralDate", "AssessmentActualStartDate"])["AssessmentFactors"]
        .agg(";".join)
        .reset_index()
    )
    census.tables["assessments"].drop(columns="_line").merge(
        factors, on=["LAchildID", "CINreferralDate", "AssessmentActualStartDate"], how="left"
    ).to_csv(csv_dir / "assessments.csv", index=False)
    results = []
    for source in (str(tmp_path / "cin.xml"), str(csv_dir)):
        loaded = load_la(LAFiles(LA, {2017: source}), None, KEY)
        assert loaded.findings.empty
        results.append(build_episodes(loaded.tables, None, None, REFERENCE, LA, 2017))
    assert len(results[0]) == 12 and results[0]["factor_18A"].sum() == 6 and results[0]["cpp"].sum() == 3
    assert compare(*results) == {}

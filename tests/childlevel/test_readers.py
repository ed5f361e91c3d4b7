"""The readers on the real sample returns, the CSV route, SSDA903 and the XXE/DTD refusal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csc_inequalities.childlevel.cin_xml import read_cin_xml
from csc_inequalities.childlevel.csv_tables import read_cin_csv, read_ssda903
from csc_inequalities.childlevel.extracts import LAFiles, validate_la
from csc_inequalities.childlevel.validation import consistency_findings, structural_findings

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = DATA / "cin_samples"


def test_liia_2022_sample_reads_into_the_expected_records():
    census, findings = read_cin_xml(SAMPLES / "liia_cin-2022.xml", 2022)
    assert findings == []
    assert census.header["Collection"] == "CIN" and census.header["Year"] == "2022"
    assert census.header["ReferenceDate"] == "2022-03-31" and census.header["LEA"] == "201"
    child = census.tables["children"].iloc[0]
    assert child["LAchildID"] == "DfEX0000001" and child["UPN"] == "A123456789123"
    assert child["FormerUPN"] == "X98765432123B" and child["UPNunknown"] == "UN3"
    assert child["PersonBirthDate"] == "1966-03-24" and child["ExpectedPersonBirthDate"] == "1966-03-22"
    assert child["GenderCurrent"] == "1" and child["Ethnicity"] == "WBRI" and child["Disabilities"] == "HAND;HEAR"
    assert child["PersonDeathDate"] == "1980-10-08"
    cin = census.tables["cin_details"].iloc[0]
    assert (cin["CINreferralDate"], cin["ReferralSource"], cin["PrimaryNeedCode"]) == ("1970-10-06", "1A", "N4")
    assert (cin["CINclosureDate"], cin["ReasonForClosure"], cin["DateOfInitialCPC"]) == (
        "1971-02-27",
        "RC1",
        "1970-12-06",
    )
    assert cin["ReferralNFA"] == "false" and cin["_line"] == 36
    assessment = census.tables["assessments"].iloc[0]
    assert assessment["AssessmentActualStartDate"] == "1970-06-03"
    assert assessment["AssessmentAuthorisationDate"] == "1971-07-18"
    assert census.tables["assessment_factors"]["AssessmentFactors"].tolist() == ["2A", "2B"]
    assert census.tables["assessment_factors"]["_line"].tolist() == [48, 49]
    plan = census.tables["cin_plan_dates"].iloc[0]
    assert (plan["CINPlanStartDate"], plan["CINPlanEndDate"]) == ("1971-01-24", "1971-01-26")
    s47 = census.tables["section47"].iloc[0]
    assert (s47["S47ActualStartDate"], s47["DateOfInitialCPC"], s47["ICPCnotRequired"]) == (
        "1970-06-02",
        "1970-06-17",
        "false",
    )
    cpp = census.tables["child_protection_plans"].iloc[0]
    assert (cpp["CPPstartDate"], cpp["CPPendDate"]) == ("1970-02-17", "1971-03-14")
    assert (cpp["InitialCategoryOfAbuse"], cpp["LatestCategoryOfAbuse"], cpp["NumberOfPreviousCPP"]) == (
        "PHY",
        "PHY",
        "10",
    )
    assert cpp["CPPreviewDates"] == "1971-02-15"
    # every sub-record carries its episode key
    for name in ("assessments", "assessment_factors", "cin_plan_dates", "section47", "child_protection_plans"):
        assert census.tables[name][["LAchildID", "CINreferralDate"]].drop_duplicates().values.tolist() == [
            ["DfEX0000001", "1970-10-06"]
        ]


def test_liia_2022_sample_validation_reports_its_nonsensical_dates():
    census, _ = read_cin_xml(SAMPLES / "liia_cin-2022.xml", 2022)
    assert structural_findings(census) == []
    findings, keys = consistency_findings(census)
    assert [(f.rule, f.line, f.field, f.found) for f in findings] == [
        ("outside_collection_period", 36, "CINclosureDate", "1971-02-27"),
        ("dates_out_of_order", 43, "AssessmentActualStartDate", "1970-06-03"),
        ("dates_out_of_order", 56, "S47ActualStartDate", "1970-06-02"),
        ("dates_out_of_order", 63, "CPPstartDate", "1970-02-17"),
    ]
    assert set(keys["CINreferralDate"]) == {"1970-10-06"}


def test_d2i_2021_sample_reads_and_reports_the_stray_text_and_the_year_1066():
    census, findings = read_cin_xml(SAMPLES / "d2i_CIN_Census_2021.xml", 2023)
    assert [(f.rule, f.line, f.child_ref, f.found) for f in findings] == [
        ("stray_text", 23, "DfEX0000001", "'PersonBirthDate'")
    ]
    child = census.tables["children"].iloc[0]
    assert child["PersonBirthDate"] == "1965-03-27" and child["ExpectedPersonBirthDate"] == "1066-04-13"
    assert census.tables["cin_details"]["ReferralNFA"].tolist() == ["0"]
    assert census.tables["assessments"]["AssessmentInternalReviewDate"].tolist() == ["1970-06-22"]
    structural = structural_findings(census)
    assert [(f.rule, f.field, f.found) for f in structural] == [("bad_date", "ExpectedPersonBirthDate", "'1066-04-13'")]
    consistency, _ = consistency_findings(census)
    assert {f.rule for f in consistency} == {"outside_collection_period", "dates_out_of_order"}
    assert len(consistency) == 4


def test_2026_spec_file_gives_findings_not_a_crash():
    files = LAFiles("E09000001", {2026: str(SAMPLES / "d2i_CIN_Census_2026.xml")})
    _, _, _, findings, _ = validate_la(files, None)
    rules = findings.groupby("rule").size().to_dict()
    assert rules == {
        "stray_text": 1,
        "unknown_element": 1,
        "invalid_code": 1,
        "header_mismatch": 2,
        "outside_collection_period": 3,
        "dates_out_of_order": 4,
    }
    bad_factor = findings[findings["rule"] == "invalid_code"].iloc[0]
    assert (bad_factor["child_ref"], bad_factor["field"], bad_factor["found"], bad_factor["line"]) == (
        "DfEX0000001",
        "AssessmentFactors",
        "'RB'",
        46,
    )
    assert findings[findings["rule"] == "unknown_element"]["found"].tolist() == ["<PreProceedingsandFGDM>"]


def test_2026_sex_is_mapped_to_gender_current():
    census, _ = read_cin_xml(SAMPLES / "d2i_CIN_Census_2026.xml", 2026)
    assert census.tables["children"]["GenderCurrent"].tolist() == ["1", "M"]
    assert census.tables["children"]["LAchildID"].tolist() == ["DfEX0000001", "child_fails_assessments"]


def test_csv_route_gives_the_same_tables_as_the_xml(tmp_path):
    census, _ = read_cin_xml(SAMPLES / "liia_cin-2022.xml", 2022)
    tables = census.tables
    tables["children"].drop(columns="_line").to_csv(tmp_path / "children.csv", index=False)
    tables["cin_details"].drop(columns="_line").to_csv(tmp_path / "cin_details.csv", index=False)
    assessments = tables["assessments"].drop(columns="_line").assign(AssessmentFactors="2A;2B")
    assessments.to_csv(tmp_path / "assessments.csv", index=False)
    tables["cin_plan_dates"].drop(columns="_line").to_csv(tmp_path / "cin_plan_dates.csv", index=False)
    tables["section47"].drop(columns="_line").to_csv(tmp_path / "section47.csv", index=False)
    tables["child_protection_plans"].drop(columns="_line").to_csv(tmp_path / "child_protection_plans.csv", index=False)
    from_csv, findings = read_cin_csv(tmp_path, 2022)
    assert findings == []
    for name, frame in tables.items():
        left = frame.drop(columns="_line").reset_index(drop=True)
        right = from_csv.tables[name].drop(columns="_line").reset_index(drop=True)
        pd.testing.assert_frame_equal(
            left.astype(object).where(left.notna(), None),
            right.astype(object).where(right.notna(), None),
            check_dtype=False,
        )
    assert from_csv.tables["children"]["_line"].tolist() == [2]


def test_ssda903_layout(tmp_path):
    path = tmp_path / "ssda903.csv"
    path.write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "C1,1,01/05/2010,WBRI,,01/07/2016,S,V2,N1,U1,PR1,,,,,,\nC1,1,01/05/2010,WBRI,,2016-09-01,L,C1,N1,U1,PR1,,,,,,\n"
    )
    frame, findings = read_ssda903(path)
    assert findings == []
    assert frame["DECOM"].tolist() == ["01/07/2016", "2016-09-01"] and frame["LS"].tolist() == ["V2", "C1"]
    assert frame["_line"].tolist() == [2, 3]


def test_xxe_is_refused_before_parsing(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        "<Message><Children><Child><ChildIdentifiers><LAchildID>&x;</LAchildID></ChildIdentifiers>"
        "</Child></Children></Message>"
    )
    census, findings = read_cin_xml(path, 2017)
    assert [f.rule for f in findings] == ["dtd_refused"]
    assert census.tables["children"].empty


def test_streaming_reader_keeps_records_of_many_children(tmp_path):
    from .builders import child, cin_details, cin_return

    children = [child(f"C{i:05d}", episodes=[cin_details("2016-06-01")]) for i in range(3000)]
    path = tmp_path / "big.xml"
    path.write_text(cin_return(children, 2017))
    census, findings = read_cin_xml(path, 2017)
    assert findings == [] and len(census.tables["children"]) == 3000
    assert census.tables["children"]["LAchildID"].iloc[-1] == "C02999"


def test_unknown_elements_anywhere_are_reported_with_their_line(tmp_path):
    path = tmp_path / "u.xml"
    path.write_text(
        "<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header>\n"
        "<Children>\n<Note>x</Note>\n<Child><ChildIdentifiers><LAchildID>A</LAchildID><Sex>F</Sex>"
        "<Hobby>chess</Hobby></ChildIdentifiers></Child>\n<Other/>\n</Children><Extra/></Message>\n"
    )
    census, findings = read_cin_xml(path, 2026)
    assert [(f.line, f.field, f.child_ref) for f in findings] == [
        (4, "ChildIdentifiers/Hobby", "A"),
        (3, "Children/Note", None),
        (5, "Children/Other", None),
        (6, "Message/Extra", None),
    ]
    assert census.tables["children"]["GenderCurrent"].tolist() == ["F"]


@pytest.mark.parametrize("dtype", ["string", object, "str"])
def test_parse_dates_accepts_exactly_the_two_forms(dtype):
    from csc_inequalities.childlevel.validation import parse_dates

    values = [
        None,
        "",
        " 2019-01-01",
        "2019-1-1",
        "01/02/2019",
        "2019-02-30",
        "2019-03-31",
        "31/12/1899",
        "1899-12-31",
        "2099-12-31",
        "29/02/2020",
        "2020-02-29T00:00",
        "2021-02-29",
    ]
    series = pd.Series(values, index=range(10, 10 + len(values))).astype(dtype)
    expected = {14: "2019-02-01", 16: "2019-03-31", 19: "2099-12-31", 20: "2020-02-29"}
    parsed = parse_dates(series)
    assert parsed.dtype == "datetime64[ns]" and list(parsed.index) == list(series.index)
    for index, value in parsed.items():
        want = expected.get(index)
        assert pd.isna(value) if want is None else value == pd.Timestamp(want), (index, value)
    # CIN census fields: YYYY-MM-DD only.
    iso_only = parse_dates(series, uk=False)
    assert iso_only.notna().sum() == 2 and iso_only[16] == pd.Timestamp("2019-03-31")

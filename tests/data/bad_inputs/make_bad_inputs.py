"""Write the bad input files of this folder (run once; the files are committed).

Each file breaks one validation rule of a small valid 2016-17 (collection year 2017) return or
CSV table (the valid return also passes DfE's CIN census validation rules of 2016-17; the extra
elements share lines with existing ones so that the line numbers of the messages stay put); expected.yaml holds the exact finding message each must produce.
"""

from pathlib import Path

HERE = Path(__file__).parent

VALID = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>2017</Year>
      <ReferenceDate>2017-03-31</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>202</LEA>
    </Source>
  </Header>
  <Children>
    <Child>
      <ChildIdentifiers>
        <LAchildID>BADCHILD01</LAchildID>
        <PersonBirthDate>2010-05-01</PersonBirthDate>
        <GenderCurrent>1</GenderCurrent>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>WBRI</Ethnicity><Disabilities><Disability>NONE</Disability></Disabilities>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2016-06-01</CINreferralDate>
        <ReferralSource>2A</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode>
        <CINclosureDate>2016-09-01</CINclosureDate>
        <ReasonForClosure>RC7</ReasonForClosure>
        <Assessments>
          <AssessmentActualStartDate>2016-06-05</AssessmentActualStartDate><AssessmentAuthorisationDate>2016-06-30</AssessmentAuthorisationDate>
          <FactorsIdentifiedAtAssessment>
            <AssessmentFactors>16A</AssessmentFactors>
          </FactorsIdentifiedAtAssessment>
        </Assessments><Section47><S47ActualStartDate>2016-06-20</S47ActualStartDate><DateOfInitialCPC>2016-07-01</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired></Section47>
        <ReferralNFA>false</ReferralNFA>
        <ChildProtectionPlans>
          <CPPstartDate>2016-07-01</CPPstartDate><CPPendDate>2016-08-31</CPPendDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>0</NumberOfPreviousCPP>
        </ChildProtectionPlans>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""
SECOND_CHILD = VALID[VALID.index("    <Child>") : VALID.index("  </Children>")]


def xml(name: str, old: str | None = None, new: str = "", text: str | None = None) -> None:
    body = text if text is not None else VALID
    if old is not None:
        assert old in body, (name, old)
        body = body.replace(old, new, 1)
    (HERE / name).write_text(body, encoding="utf-8")


def main() -> None:
    (HERE / "valid_2017.xml").write_text(VALID, encoding="utf-8")
    (HERE / "empty.xml").write_bytes(b"")
    xml("not_xml.xml", text="LAchildID,CINreferralDate\nA1,2016-06-01\n")
    xml("truncated.xml", text=VALID[: VALID.index("      <CINdetails>")])
    (HERE / "latin1.xml").write_bytes(
        VALID.replace("<Ethnicity>WBRI</Ethnicity>", "<Ethnicity>WBRI</Ethnicity><!-- caf\u00e9 -->").encode("latin-1")
    )
    xml(
        "xxe.xml",
        text=VALID.replace(
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
        ).replace("<LAchildID>BADCHILD01</LAchildID>", "<LAchildID>&xxe;</LAchildID>"),
    )
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    xml(
        "billion_laughs.xml",
        text='<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY lol0 "lol">'
        + laughs
        + "]>\n<Message>&lol9;</Message>\n",
    )
    xml("wrong_root.xml", text=VALID.replace("<Message>", "<CINReturn>").replace("</Message>", "</CINReturn>"))
    xml("wrong_collection.xml", "<Collection>CIN</Collection>", "<Collection>SSDA903</Collection>")
    xml("no_children.xml", text=VALID[: VALID.index("    <Child>")] + VALID[VALID.index("  </Children>") :])
    xml("missing_child_id.xml", "        <LAchildID>BADCHILD01</LAchildID>\n", "")
    xml("missing_referral_date.xml", "        <CINreferralDate>2016-06-01</CINreferralDate>\n", "")
    xml("bad_gender.xml", "<GenderCurrent>1</GenderCurrent>", "<GenderCurrent>3</GenderCurrent>")
    xml("bad_ethnicity.xml", "<Ethnicity>WBRI</Ethnicity>", "<Ethnicity>WXYZ</Ethnicity>")
    xml("referral_source_5D_in_2017.xml", "<ReferralSource>2A</ReferralSource>", "<ReferralSource>5D</ReferralSource>")
    xml(
        "factor_24A_in_2017.xml",
        "<AssessmentFactors>16A</AssessmentFactors>",
        "<AssessmentFactors>24A</AssessmentFactors>",
    )
    xml(
        "closure_RC9_in_2017.xml",
        "<ReasonForClosure>RC7</ReasonForClosure>",
        "<ReasonForClosure>RC9</ReasonForClosure>",
    )
    xml(
        "uk_date_format.xml",
        "<CINreferralDate>2016-06-01</CINreferralDate>",
        "<CINreferralDate>01/06/2016</CINreferralDate>",
    )
    xml("impossible_date.xml", "<CPPstartDate>2016-07-01</CPPstartDate>", "<CPPstartDate>2016-02-30</CPPstartDate>")
    xml("duplicate_child.xml", "  </Children>", SECOND_CHILD + "  </Children>")
    xml("bad_nfa.xml", "<ReferralNFA>false</ReferralNFA>", "<ReferralNFA>maybe</ReferralNFA>")
    xml(
        "bad_abuse_category.xml",
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>",
        "<InitialCategoryOfAbuse>NGL</InitialCategoryOfAbuse>",
    )
    xml("missing_cpp_category.xml", "          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>\n", "")
    xml(
        "closure_before_referral.xml",
        "<CINclosureDate>2016-09-01</CINclosureDate>",
        "<CINclosureDate>2016-05-01</CINclosureDate>",
    )
    xml("nfa_with_assessment.xml", "<ReferralNFA>false</ReferralNFA>", "<ReferralNFA>true</ReferralNFA>")
    xml(
        "referral_after_period.xml",
        "<CINreferralDate>2016-06-01</CINreferralDate>",
        "<CINreferralDate>2017-06-01</CINreferralDate>",
    )
    xml("cpp_before_referral.xml", "<CPPstartDate>2016-07-01</CPPstartDate>", "<CPPstartDate>2016-05-01</CPPstartDate>")
    xml("header_year_mismatch.xml", "<Year>2017</Year>", "<Year>2016</Year>")
    xml(
        "unknown_element.xml",
        "        <ReferralNFA>false</ReferralNFA>\n",
        "        <ReferralNFA>false</ReferralNFA>\n        <PreProceedings>1</PreProceedings>\n",
    )
    # CSV route and the other inputs.
    csv = HERE / "csv_missing_ethnicity"
    csv.mkdir(exist_ok=True)
    (csv / "children.csv").write_text("LAchildID,PersonBirthDate,GenderCurrent\nBADCHILD01,2010-05-01,1\n")
    (csv / "cin_details.csv").write_text(
        "LAchildID,CINreferralDate,ReferralSource,ReferralNFA\nBADCHILD01,2016-06-01,2A,false\n"
    )
    header903 = "CHILD,SEX,DOB,ETHNIC,UPN,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    (HERE / "ssda903_bad_legal_status.csv").write_text(
        header903 + "BADCHILD01,1,01/05/2010,WBRI,,01/07/2016,S,X9,N1,U1,PR1,,,,,,\n"
    )
    (HERE / "ssda903_bad_date.csv").write_text(
        header903 + "BADCHILD01,1,01/05/2010,WBRI,,2016-31-07,S,V2,N1,U1,PR1,,,,,,\n"
    )
    (HERE / "ssda903_ragged.csv").write_text(
        header903 + "BADCHILD01,1,01/05/2010,WBRI,,01/07/2016,S,V2,N1,U1,PR1,,,,,,,EXTRA,FIELDS\n"
    )
    (HERE / "child_lsoa_duplicate.csv").write_text("LAchildID,LSOA11CD\nBADCHILD01,E01000001\nBADCHILD01,E01000002\n")
    (HERE / "child_lsoa_bad_code.csv").write_text("LAchildID,LSOA11CD\nBADCHILD01,E0100001\n")
    (HERE / "child_lsoa_unknown.csv").write_text("LAchildID,LSOA11CD\nBADCHILD01,E01999999\n")
    (HERE / "child_lsoa_latin1.csv").write_bytes(
        "LAchildID,LSOA11CD\nBADCHILD01,E01000001\nCAF\u00c9,E01000002\n".encode("latin-1")
    )
    (HERE / "child_lsoa_header_only.csv").write_text("LAchildID,LSOA11CD\n")


if __name__ == "__main__":
    main()

"""A small 2016-17 CIN census return that passes every DfE rule, and one mutation per rule that breaks it.

Each case: (rule code, [(old, new), ...] string replacements of BASE, collection year). One element
per line, so that the messages' line numbers point at the record that is flagged."""

from __future__ import annotations

BASE = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
<Header>
<CollectionDetails><Collection>CIN</Collection><Year>2017</Year><ReferenceDate>2017-03-31</ReferenceDate></CollectionDetails>
<Source><SourceLevel>L</SourceLevel><LEA>202</LEA></Source>
</Header>
<Children>
<Child>
<ChildIdentifiers>
<LAchildID>CHILDA</LAchildID>
<UPN>C202000000001</UPN>
<PersonBirthDate>2010-05-01</PersonBirthDate>
<GenderCurrent>1</GenderCurrent>
</ChildIdentifiers>
<ChildCharacteristics><Ethnicity>WBRI</Ethnicity><Disabilities><Disability>NONE</Disability></Disabilities></ChildCharacteristics>
<CINdetails>
<CINreferralDate>2016-06-01</CINreferralDate>
<ReferralSource>2A</ReferralSource>
<PrimaryNeedCode>N1</PrimaryNeedCode>
<CINclosureDate>2016-12-01</CINclosureDate>
<ReasonForClosure>RC7</ReasonForClosure>
<Assessments>
<AssessmentActualStartDate>2016-06-05</AssessmentActualStartDate>
<AssessmentAuthorisationDate>2016-06-30</AssessmentAuthorisationDate>
<FactorsIdentifiedAtAssessment><AssessmentFactors>16A</AssessmentFactors><AssessmentFactors>3B</AssessmentFactors></FactorsIdentifiedAtAssessment>
</Assessments>
<CINPlanDates>
<CINPlanStartDate>2016-06-02</CINPlanStartDate>
<CINPlanEndDate>2016-07-01</CINPlanEndDate>
</CINPlanDates>
<Section47>
<S47ActualStartDate>2016-06-20</S47ActualStartDate>
<DateOfInitialCPC>2016-07-01</DateOfInitialCPC>
<ICPCnotRequired>false</ICPCnotRequired>
</Section47>
<ReferralNFA>false</ReferralNFA>
<ChildProtectionPlans>
<CPPstartDate>2016-07-01</CPPstartDate>
<CPPendDate>2016-11-30</CPPendDate>
<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
<LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
<NumberOfPreviousCPP>0</NumberOfPreviousCPP>
</ChildProtectionPlans>
</CINdetails>
<CINdetails>
<CINreferralDate>2017-01-10</CINreferralDate>
<ReferralSource>6</ReferralSource>
<PrimaryNeedCode>N2</PrimaryNeedCode>
<Assessments>
<AssessmentActualStartDate>2017-01-12</AssessmentActualStartDate>
</Assessments>
<ReferralNFA>false</ReferralNFA>
</CINdetails>
</Child>
<Child>
<ChildIdentifiers>
<LAchildID>CHILDB</LAchildID>
<PersonBirthDate>2016-02-01</PersonBirthDate>
<GenderCurrent>2</GenderCurrent>
</ChildIdentifiers>
<ChildCharacteristics><Ethnicity>BAFR</Ethnicity></ChildCharacteristics>
<CINdetails>
<CINreferralDate>2016-09-01</CINreferralDate>
<ReferralSource>3A</ReferralSource>
<CINclosureDate>2016-09-01</CINclosureDate>
<ReasonForClosure>RC7</ReasonForClosure>
<ReferralNFA>true</ReferralNFA>
</CINdetails>
</Child>
<Child>
<ChildIdentifiers>
<LAchildID>CHILDC</LAchildID>
<PersonBirthDate>2004-11-20</PersonBirthDate>
<GenderCurrent>1</GenderCurrent>
</ChildIdentifiers>
<ChildCharacteristics><Ethnicity>APKN</Ethnicity><Disabilities><Disability>LD</Disability></Disabilities></ChildCharacteristics>
<CINdetails>
<CINreferralDate>2016-10-03</CINreferralDate>
<ReferralSource>1A</ReferralSource>
<PrimaryNeedCode>N8</PrimaryNeedCode>
<CINclosureDate>2016-11-15</CINclosureDate>
<ReasonForClosure>RC8</ReasonForClosure>
<Assessments>
<AssessmentActualStartDate>2016-10-04</AssessmentActualStartDate>
<AssessmentAuthorisationDate>2016-11-10</AssessmentAuthorisationDate>
<FactorsIdentifiedAtAssessment><AssessmentFactors>21</AssessmentFactors></FactorsIdentifiedAtAssessment>
</Assessments>
<ReferralNFA>false</ReferralNFA>
</CINdetails>
</Child>
</Children>
</Message>
"""

A2_ASSESSMENT = "<AssessmentActualStartDate>2017-01-12</AssessmentActualStartDate>\n</Assessments>\n"
A2_END = "<ReferralNFA>false</ReferralNFA>\n</CINdetails>\n</Child>\n<Child>\n<ChildIdentifiers>\n<LAchildID>CHILDB"
B_NFA = "<ReferralNFA>true</ReferralNFA>\n"
C_FACTORS = "<AssessmentFactors>21</AssessmentFactors>"
A1_S47 = "<Section47>\n<S47ActualStartDate>2016-06-20</S47ActualStartDate>\n"


def plan(start: str, end: str | None = None) -> str:
    return (
        f"<CINPlanDates>\n<CINPlanStartDate>{start}</CINPlanStartDate>\n"
        + (f"<CINPlanEndDate>{end}</CINPlanEndDate>\n" if end else "")
        + "</CINPlanDates>\n"
    )


def s47(start: str, icpc: str | None = None, not_required: str = "false") -> str:
    return (
        f"<Section47>\n<S47ActualStartDate>{start}</S47ActualStartDate>\n"
        + (f"<DateOfInitialCPC>{icpc}</DateOfInitialCPC>\n" if icpc else "")
        + f"<ICPCnotRequired>{not_required}</ICPCnotRequired>\n</Section47>\n"
    )


def cpp(start: str, end: str | None = None) -> str:
    return (
        f"<ChildProtectionPlans>\n<CPPstartDate>{start}</CPPstartDate>\n"
        + (f"<CPPendDate>{end}</CPPendDate>\n" if end else "")
        + "<InitialCategoryOfAbuse>EMO</InitialCategoryOfAbuse>\n<LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>\n"
        "<NumberOfPreviousCPP>1</NumberOfPreviousCPP>\n</ChildProtectionPlans>\n"
    )


def assessment(start: str, auth: str | None = None, factors=()) -> str:
    return (
        f"<Assessments>\n<AssessmentActualStartDate>{start}</AssessmentActualStartDate>\n"
        + (f"<AssessmentAuthorisationDate>{auth}</AssessmentAuthorisationDate>\n" if auth else "")
        + (
            "<FactorsIdentifiedAtAssessment>"
            + "".join(f"<AssessmentFactors>{f}</AssessmentFactors>" for f in factors)
            + "</FactorsIdentifiedAtAssessment>\n"
            if factors
            else ""
        )
        + "</Assessments>\n"
    )


def before_a2_end(xml: str) -> tuple[str, str]:
    """Insert modules into episode A2 (before its ReferralNFA)."""
    return A2_END, xml + A2_END


# rule code -> (failing replacements, passing replacements or [] for BASE itself, year)
CASES: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]], int]] = {
    "100": ([("<ReferenceDate>2017-03-31", "<ReferenceDate>2017-03-30")], [], 2017),
    "1103": (
        [("<AssessmentActualStartDate>2016-06-05", "<AssessmentActualStartDate>2016-05-31")],
        [("<AssessmentActualStartDate>2016-06-05", "<AssessmentActualStartDate>2016-06-01")],
        2017,
    ),
    "1104": ([("<DateOfInitialCPC>2016-07-01", "<DateOfInitialCPC>2016-05-27")], [], 2017),
    "1105": ([("<CPPstartDate>2016-07-01", "<CPPstartDate>2016-05-31")], [], 2017),
    "1510": ([("<UPN>C202000000001", "<UPN>A202000000001")], [], 2017),
    "1520": (
        [("<LAchildID>CHILDB</LAchildID>\n", "<LAchildID>CHILDB</LAchildID>\n<UPN>C202000000001</UPN>\n")],
        [],
        2017,
    ),
    "1530": ([("<UPN>C202000000001", "<UPN>B838000000001")], [], 2017),
    "1540": ([("<UPN>C202000000001", "<UPN>C2020000X0001")], [], 2017),
    "1550": ([("<UPN>C202000000001", "<UPN>C20200000000I")], [("<UPN>C202000000001", "<UPN>C20200000000Z")], 2017),
    "2883": ([before_a2_end(cpp("2017-02-01"))], [], 2017),
    "2884": (
        [
            (
                "<ReasonForClosure>RC7</ReasonForClosure>\n<Assessments>",
                "<ReasonForClosure>RC7</ReasonForClosure>\n<DateOfInitialCPC>2016-07-01</DateOfInitialCPC>\n<Assessments>",
            )
        ],
        [],
        2017,
    ),
    "2885": ([("<CPPstartDate>2016-07-01", "<CPPstartDate>2016-07-04")], [], 2017),
    "2889": ([("<S47ActualStartDate>2016-06-20", "<S47ActualStartDate>2016-05-25")], [], 2017),
    "2990": (
        [
            (
                "<ReasonForClosure>RC8</ReasonForClosure>",
                "<ReasonForClosure>RC8</ReasonForClosure>\n" + s47("2016-10-05", None, "true").rstrip("\n"),
            )
        ],
        [],
        2017,
    ),
    "4000": ([(B_NFA, B_NFA + plan("2016-09-01", "2016-09-01"))], [], 2017),
    "4001": ([before_a2_end(plan("2017-01-20") + cpp("2017-02-01"))], [], 2017),
    "4004": ([before_a2_end(plan("2017-01-20") + plan("2017-02-20"))], [], 2017),
    "4010": ([before_a2_end(plan("2017-04-02"))], [], 2017),
    "4011": ([("<CINPlanEndDate>2016-07-01", "<CINPlanEndDate>2016-06-01")], [], 2017),
    "4012Q": ([("<CINPlanEndDate>2016-07-01", "<CINPlanEndDate>2016-06-02")], [], 2017),
    "4013": ([before_a2_end(plan("2017-01-20", "2017-04-03"))], [], 2017),
    "4014": (
        [before_a2_end(plan("2017-01-15", "2017-02-15") + plan("2017-02-15"))],
        [before_a2_end(plan("2017-01-15", "2017-02-15") + plan("2017-02-16"))],
        2017,
    ),
    "4015": ([("<CINPlanStartDate>2016-06-02", "<CINPlanStartDate>2016-05-30")], [], 2017),
    "4016": (
        [
            (
                "<CINPlanStartDate>2016-06-02</CINPlanStartDate>\n<CINPlanEndDate>2016-07-01",
                "<CINPlanStartDate>2016-08-01</CINPlanStartDate>\n<CINPlanEndDate>2016-09-01",
            )
        ],
        [
            (
                "<CINPlanStartDate>2016-06-02</CINPlanStartDate>\n<CINPlanEndDate>2016-07-01",
                "<CINPlanStartDate>2016-11-30</CINPlanStartDate>\n<CINPlanEndDate>2016-12-01",
            )
        ],
        2017,
    ),
    "4017": ([("<CINPlanEndDate>2016-07-01", "<CINPlanEndDate>2016-07-02")], [], 2017),
    "8520": ([("<PersonBirthDate>2016-02-01", "<PersonBirthDate>2017-04-10")], [], 2017),
    "8540": (
        [
            (
                "<Ethnicity>WBRI</Ethnicity><Disabilities><Disability>NONE</Disability></Disabilities>",
                "<Ethnicity>WBRI</Ethnicity>",
            )
        ],
        [],
        2017,
    ),
    "8565": ([("<CINclosureDate>2016-12-01", "<CINclosureDate>2016-11-29")], [], 2017),
    "8590": (
        [
            (
                "</Children>",
                "<Child>\n<ChildIdentifiers>\n<LAchildID>CHILDD</LAchildID>\n<GenderCurrent>1</GenderCurrent>\n"
                "</ChildIdentifiers>\n<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>\n</Child>\n</Children>",
            )
        ],
        [],
        2017,
    ),
    "8600": ([("<CINreferralDate>2017-01-10", "<CINreferralDate>2017-04-03")], [], 2017),
    "8606": (
        [("<PersonBirthDate>2016-02-01", "<PersonBirthDate>2017-06-10")],
        [("<PersonBirthDate>2016-02-01", "<PersonBirthDate>2017-06-08")],
        2017,
    ),
    "8608": ([("<AssessmentAuthorisationDate>2016-06-30", "<AssessmentAuthorisationDate>2016-06-04")], [], 2017),
    "8610": ([("<PrimaryNeedCode>N2</PrimaryNeedCode>\n", "")], [], 2017),
    "8614": (
        [
            (
                A2_ASSESSMENT,
                "<AssessmentActualStartDate>2017-01-12</AssessmentActualStartDate>\n"
                "<FactorsIdentifiedAtAssessment><AssessmentFactors>1B</AssessmentFactors></FactorsIdentifiedAtAssessment>\n"
                "</Assessments>\n",
            )
        ],
        [],
        2017,
    ),
    "8615": ([("<S47ActualStartDate>2016-06-20", "<S47ActualStartDate>2016-07-04")], [], 2017),
    "8620": ([("<CINclosureDate>2016-11-15", "<CINclosureDate>2017-04-03")], [], 2017),
    "8630": ([("<CINclosureDate>2016-11-15", "<CINclosureDate>2016-10-02")], [], 2017),
    "8696": ([("<AssessmentAuthorisationDate>2016-11-10", "<AssessmentAuthorisationDate>2017-04-05")], [], 2017),
    "8715": ([("<DateOfInitialCPC>2016-07-01", "<DateOfInitialCPC>2017-04-03")], [], 2017),
    "8720": ([before_a2_end(cpp("2017-04-03"))], [], 2017),
    "8730": ([("<NumberOfPreviousCPP>0", "<NumberOfPreviousCPP>-1")], [], 2017),
    "8736": ([("<AssessmentActualStartDate>2017-01-12", "<AssessmentActualStartDate>2016-03-20")], [], 2017),
    "8740": ([before_a2_end(s47("2016-03-15"))], [before_a2_end(s47("2016-04-01"))], 2017),
    "8805": ([("<ReasonForClosure>RC8</ReasonForClosure>\n", "")], [], 2017),
    "8810": ([("<CINclosureDate>2016-11-15</CINclosureDate>\n", "")], [], 2017),
    "8815": (
        [("<CINclosureDate>2016-12-01</CINclosureDate>\n<ReasonForClosure>RC7</ReasonForClosure>\n", "")],
        [],
        2017,
    ),
    "8816": (
        [
            ("<CINclosureDate>2016-12-01</CINclosureDate>\n<ReasonForClosure>RC7</ReasonForClosure>\n", ""),
            (
                A2_END,
                "<ReferralNFA>false</ReferralNFA>\n<CINclosureDate>2017-02-01</CINclosureDate>\n"
                "<ReasonForClosure>RC7</ReasonForClosure>\n</CINdetails>\n</Child>\n<Child>\n<ChildIdentifiers>\n"
                "<LAchildID>CHILDB",
            ),
        ],
        [],
        2017,
    ),
    "8790": (
        [("<Disability>LD</Disability>", "<Disability>LD</Disability><Disability>NONE</Disability>")],
        [("<Disability>LD</Disability>", "<Disability>LD</Disability><Disability>AUT</Disability>")],
        2017,
    ),
    "8794": (
        [("<Disability>LD</Disability>", "<Disability>LD</Disability><Disability>LD</Disability>")],
        [("<Disability>LD</Disability>", "<Disability>LD</Disability><Disability>AUT</Disability>")],
        2017,
    ),
    "8825Q": (
        [
            (
                "<Assessments>\n<AssessmentActualStartDate>2016-10-04</AssessmentActualStartDate>\n"
                "<AssessmentAuthorisationDate>2016-11-10</AssessmentAuthorisationDate>\n"
                "<FactorsIdentifiedAtAssessment><AssessmentFactors>21</AssessmentFactors></FactorsIdentifiedAtAssessment>\n"
                "</Assessments>\n",
                "",
            )
        ],
        [],
        2017,
    ),
    "8820": (
        [
            ("<CINreferralDate>2017-01-10", "<CINreferralDate>2016-11-30"),
            ("<AssessmentActualStartDate>2017-01-12", "<AssessmentActualStartDate>2016-12-02"),
        ],
        [
            ("<CINreferralDate>2017-01-10", "<CINreferralDate>2016-12-01"),
            ("<AssessmentActualStartDate>2017-01-12", "<AssessmentActualStartDate>2016-12-02"),
        ],
        2017,
    ),
    "8831": ([(B_NFA, B_NFA + assessment("2016-09-01"))], [], 2017),
    "8832": ([(B_NFA, B_NFA + cpp("2016-09-01", "2016-09-02"))], [], 2017),
    "8839": (
        [before_a2_end(s47("2017-01-20") + s47("2017-02-20"))],
        [before_a2_end(s47("2017-01-20", None, "true") + s47("2017-02-20"))],
        2017,
    ),
    "8840": ([("<CPPendDate>2016-11-30", "<CPPendDate>2016-07-01")], [], 2017),
    "8863Q": (
        [(A2_ASSESSMENT, A2_ASSESSMENT + assessment("2017-02-01"))],
        [
            (
                A2_ASSESSMENT,
                "<AssessmentActualStartDate>2017-01-12</AssessmentActualStartDate>\n"
                "<AssessmentAuthorisationDate>2017-01-31</AssessmentAuthorisationDate>\n"
                "<FactorsIdentifiedAtAssessment><AssessmentFactors>1B</AssessmentFactors></FactorsIdentifiedAtAssessment>\n"
                "</Assessments>\n" + assessment("2017-02-01"),
            )
        ],
        2017,
    ),
    "8867": (
        [
            (
                "<AssessmentAuthorisationDate>2016-11-10</AssessmentAuthorisationDate>\n"
                "<FactorsIdentifiedAtAssessment><AssessmentFactors>21</AssessmentFactors></FactorsIdentifiedAtAssessment>\n",
                "",
            )
        ],
        [],
        2017,
    ),
    "8868": (
        [("<DateOfInitialCPC>2016-07-01</DateOfInitialCPC>\n<ICPCnotRequired>false", "<ICPCnotRequired>false")],
        [("<DateOfInitialCPC>2016-07-01</DateOfInitialCPC>\n<ICPCnotRequired>false", "<ICPCnotRequired>true")],
        2017,
    ),
    "8869": ([(C_FACTORS, C_FACTORS + "<AssessmentFactors>16A</AssessmentFactors>")], [], 2017),
    "8870Q": (
        [(A1_S47, A1_S47 + "<InitialCPCtarget>2016-07-02</InitialCPCtarget>\n")],
        [(A1_S47, A1_S47 + "<InitialCPCtarget>2016-07-04</InitialCPCtarget>\n")],
        2017,
    ),
    "8875": (
        [
            ("<DateOfInitialCPC>2016-07-01</DateOfInitialCPC>", "<DateOfInitialCPC>2016-07-02</DateOfInitialCPC>"),
            ("<CPPstartDate>2016-07-01", "<CPPstartDate>2016-07-02"),
        ],
        [],
        2017,
    ),
    "8890": (
        [(A1_S47, s47("2016-06-10", "2016-06-24") + A1_S47)],
        [(A1_S47, s47("2016-06-10", "2016-06-17") + A1_S47)],
        2017,
    ),
    "8896": ([(A2_ASSESSMENT, A2_ASSESSMENT + assessment("2017-02-01"))], [], 2017),
    "8897Q": (
        [
            (
                "<FactorsIdentifiedAtAssessment><AssessmentFactors>16A</AssessmentFactors><AssessmentFactors>3B"
                "</AssessmentFactors></FactorsIdentifiedAtAssessment>\n",
                "",
            )
        ],
        [],
        2017,
    ),
    "8898": ([(C_FACTORS, C_FACTORS + C_FACTORS)], [], 2017),
    "8925": ([("<CPPendDate>2016-11-30", "<CPPendDate>2016-06-30")], [], 2017),
    "8930": ([("<CPPendDate>2016-11-30", "<CPPendDate>2017-04-03")], [], 2017),
    "8935": ([("<CPPendDate>2016-11-30</CPPendDate>\n", ""), before_a2_end(cpp("2017-02-01"))], [], 2017),
    "8940": ([before_a2_end(cpp("2016-11-01", "2017-01-20"))], [before_a2_end(cpp("2016-12-01", "2017-01-20"))], 2017),
}


def apply(replacements: list[tuple[str, str]], base: str = BASE) -> str:
    xml = base
    for old, new in replacements:
        assert old in xml, old
        xml = xml.replace(old, new, 1)
    return xml
